"""Rasters and projects: files kept with a project are recompressed harder than the temporary ones (ZSTD 1 ->
DEFLATE 9 + predictor) with the same pixels, and a project reopened without files refetches a layer at its own
resolution."""

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


def test_a_reopened_project_refetches_at_the_layers_resolution(server, session, loader, state, project,  # noqa: F811
                                                                tempdir, tmp_path):  # noqa: F811
    from geoengine_qgis.qgis_glue.project_state import set_keep_files
    from geoengine_qgis.qgis_glue.raster_resolution import ResolutionRequest
    from plugin_support import wait_until
    from resolution_support import layer_array, ndvi_downsampled

    workflow_id = register(session, NDVI)
    outcome, _ = run_load(loader, session, request(workflow_id, bounds=(0, 0, 40, 40), name="NDVI",
                                                   resolution=ResolutionRequest("custom", None, (0.3, 0.3))))
    assert outcome.ok, outcome.error
    name = outcome.layers[0].name()
    set_keep_files(project, False)
    path = tmp_path / "coarse.qgz"
    assert project.write(str(path))
    project.clear()
    tempdir.cleanup()
    assert project.read(str(path))
    assert wait_until(lambda: not state.pending, timeout=60), state.pending
    (layer,) = project.mapLayersByName(name)
    assert layer.isValid() and abs(layer.rasterUnitsPerPixelX() - 0.3) < 1e-9
    got, gt = layer_array(layer)
    want = ndvi_downsampled(3, gt, got.shape)
    assert (got.mask == want.mask).all() and (got.data[~got.mask] == want.data[~want.mask]).all()
