"""Files kept with a project are recompressed harder than the temporary ones (ZSTD 1 -> DEFLATE 9 + predictor),
with the same pixels."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from osgeo import gdal
from plugin_support import NDVI, request, run_load
from plugin_support import register_in as register
from test_project_state import state, tempdir  # noqa: F401  (fixtures)

pytestmark = pytest.mark.qgis


def structure(path) -> dict:
    return gdal.Open(str(path)).GetMetadata("IMAGE_STRUCTURE")


def test_a_kept_raster_is_deflate_9_with_predictor_and_the_same_pixels(session, loader, state, project,  # noqa: F811
                                                                        tmp_path):
    workflow_id = register(session, NDVI)
    outcome, _ = run_load(loader, session, request(workflow_id, bounds=(-180, -90, 180, 90), name="NDVI"))
    assert outcome.ok, outcome.error
    layer = outcome.layers[0]
    temporary = Path(layer.source())
    assert structure(temporary)["COMPRESSION"] == "ZSTD"
    before = gdal.Open(str(temporary)).ReadAsArray()
    assert project.write(str(tmp_path / "world.qgz"))
    kept = Path(layer.source())
    assert kept != temporary and kept.parent == tmp_path / "world_geoengine"
    assert structure(kept)["COMPRESSION"] == "DEFLATE" and structure(kept)["PREDICTOR"] == "2"
    np.testing.assert_array_equal(gdal.Open(str(kept)).ReadAsArray(), before)
    assert gdal.Open(str(kept)).GetRasterBand(1).GetNoDataValue() == 0
    assert kept.stat().st_size < temporary.stat().st_size
