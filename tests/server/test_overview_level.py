"""``GdalSource.overviewLevel`` is honoured as Geo Engine 0.9.3 does (audit C5): level L scales the pixel size by L,
floor-divides the grid bounds, and reads with GDAL's nearest-neighbour downsampling, i.e. source pixel
``i * L + L // 2`` (geo-engine/geoengine@5748ef7:geoengine/operators/src/source/gdal_worker_process/mod.rs
``overview_level_spatial_grid``; process_impl.rs ``read_as`` without a sampling mode)."""

from __future__ import annotations

import numpy as np
import pytest
import requests
from geoengine_server.engine.types import GeoTransform, GridBounds, Window
from osgeo import gdal
from server.control_helpers import TIMEOUT, anonymous, register
from server.dataplane_helpers import DATA, NDVI_FILE
from server.engine_helpers import build, instant, ndvi_file

APRIL = instant("2014-04-01T12:00:00Z")


def ndvi_at(level):
    return {"type": "Raster", "operator": {"type": "GdalSource", "params": {"data": "ndvi", "overviewLevel": level}}}


@pytest.mark.parametrize("level, offset", [(2, 1), (3, 1), (4, 2)])
def test_overview_grid_and_pixels(level, offset) -> None:
    op = build(ndvi_at(level))
    d = op.descriptor
    assert d.geo_transform == GeoTransform(-180.0, 90.0, 0.1 * level, -0.1 * level)
    assert d.grid_bounds == GridBounds(0, 0, 3599 // level, 1799 // level)
    (t,) = op.time_slices(APRIL)
    got = op.read(0, t, Window(100, 50, 40, 30))
    source = ndvi_file("04")
    expected = source[50 * level + offset::level, 100 * level + offset::level][:30, :40]
    assert np.array_equal(got.filled(0), expected)
    assert np.array_equal(np.ma.getmaskarray(got), expected == 0)


def test_gdal_itself_downsamples_the_same_way() -> None:
    # an independent check of the i * L + L // 2 rule: GDAL's nearest-neighbour read of a 4x larger window
    dataset = gdal.Open(str(DATA / NDVI_FILE.format("2014-04-01")))  # kept alive while its band is read
    band = dataset.GetRasterBand(1)
    small = band.ReadAsArray(400, 200, 160, 120, buf_xsize=40, buf_ysize=30)
    full = band.ReadAsArray(400, 200, 160, 120)
    assert np.array_equal(small, full[2::4, 2::4])


@pytest.mark.parametrize("level", [None, 0, 1])
def test_levels_0_and_1_keep_the_native_grid(level) -> None:
    assert build(ndvi_at(level)).descriptor.geo_transform == GeoTransform(-180.0, 90.0, 0.1, -0.1)


def test_the_descriptor_the_server_sends(shared_server) -> None:
    base = shared_server.base_url
    headers = anonymous(base)
    workflow_id = register(base, headers, ndvi_at(2))
    body = requests.get(f"{base}/workflow/{workflow_id}/metadata", headers=headers, timeout=TIMEOUT).json()
    grid = body["spatialGrid"]["spatialGrid"]
    assert grid["geoTransform"]["xPixelSize"] == pytest.approx(0.2)
    assert grid["gridBounds"] == {"topLeftIdx": {"xIdx": 0, "yIdx": 0}, "bottomRightIdx": {"xIdx": 1799, "yIdx": 899}}
