"""Tile planning at the edges where float noise or a half-pixel grid decide (audit B3).

Expected tiles are worked out by hand from Geo Engine 0.9.3's formula (not from our tiling code):

* anchor = origin + floor((pixel/2 - origin) / pixel) * pixel
  (geo-engine/geoengine@5748ef7:geoengine/datatypes/src/raster/geo_transform.rs ``nearest_pixel_edge``);
* first pixel = floor((xmin - anchor) / pixel), no epsilon; last pixel = floor((xmax - 1e-6 pixel - anchor) / pixel)
  (geo_transform.rs ``spatial_to_grid_bounds``); tile = pixel div 512 (tiling.rs ``pixel_idx_to_tile_idx``).

Each case names the quotients as Python (= IEEE double, like Rust's f64) computes them.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).parent))
from geoengine_qgis.core.errors import InputError  # noqa: E402
from geoengine_qgis.core.geotiff_writer import GeoTiffSink, stream_raster_to_geotiff  # noqa: E402
from geoengine_qgis.core.raster import RasterStreamProcessing  # noqa: E402
from geoengine_qgis.core.raster_stream import plan_raster_stream, raster_stream  # noqa: E402
from geoengine_qgis.core.tiling import TileRange, TilingGrid  # noqa: E402
from geoengine_qgis.core.types import GeoTransform, QueryRectangle  # noqa: E402
from stream_helpers import NDVI, ndvi_file, overlap, read_file, read_tif, workflow  # noqa: E402
from tile_cases import tile_message  # noqa: E402

NDVI_GT = GeoTransform(-180.0, 90.0, 0.1, -0.1)
QUARTER_GT = GeoTransform(-180.125, 90.125, 0.25, -0.25)  # a 0.25 degree grid half a pixel off (0, 0)


def test_the_quotients_the_cases_rest_on() -> None:
    # the float facts the hand-worked expectations use; if these change, so do the expectations
    assert 153.6 / 0.1 == 1535.9999999999998  # first pixel 1535 (tile 2), not 1536 (tile 3)
    assert (-153.6 - 0.0) / -0.1 == 1535.9999999999998
    assert (0.1 * 0.5 - -180.0) / 0.1 == 1800.5 and -180.0 + 1800 * 0.1 == 0.0  # NDVI anchor x 0.0
    assert (0.25 * 0.5 - -180.125) / 0.25 == 721.0 and -180.125 + 721 * 0.25 == 0.125  # anchor x 0.125
    assert (-0.25 * 0.5 - 90.125) / -0.25 == 361.0 and 90.125 + 361 * -0.25 == -0.125  # anchor y -0.125


@pytest.mark.parametrize("box, expected", [
    # xmin 153.6: pixel floor(1535.9999999999998) = 1535 -> tile 2; xmax 160: floor(1599.999999) -> tile 3;
    # ymax 0: pixel 0, ymin -10: floor(99.999999) = 99 -> tile row 0
    ((153.6, -10.0, 160.0, 0.0), TileRange(2, 0, 4, 1)),
    # ymax -153.6: row floor(1535.9999999999998) = 1535 -> tile 2; ymin -160 -> row 1599 -> tile 3
    ((0.0, -160.0, 10.0, -153.6), TileRange(0, 2, 1, 4)),
    # a lower-right corner on a tile edge takes no tile beyond it: 51.2 - 1e-7 -> pixel 511 -> tile 0
    ((0.0, -51.2, 51.2, 0.0), TileRange(0, 0, 1, 1)),
])
def test_ndvi_edges_plan_the_tiles_the_real_formula_gives(box, expected) -> None:
    assert TilingGrid.for_raster(NDVI_GT).tile_range(*box) == expected


def test_half_pixel_grid_is_anchored_at_the_real_pixel_edge() -> None:
    grid = TilingGrid.for_raster(QUARTER_GT)
    assert (grid.anchor_x, grid.anchor_y) == (0.125, -0.125)
    # (0, -10, 10, 0): first column floor((0 - 0.125) / 0.25) = -1 -> tile -1; last floor(39.499999) = 39 -> tile 0;
    # first row floor((0 + 0.125) / -0.25) = -1 -> tile -1; last floor(39.499999) = 39 -> tile 0
    assert grid.tile_range(0.0, -10.0, 10.0, 0.0) == TileRange(-1, -1, 1, 1)
    assert grid.tile_origin(-1, -1) == (0.125 - 128.0, -0.125 + 128.0)


def test_zero_area_boxes_are_refused_before_any_request(base_url) -> None:
    # geo-engine/geoengine@5748ef7:geoengine/datatypes/src/primitives/spatial_partition.rs requires ul.x < lr.x
    descriptor = workflow(base_url, NDVI).get_result_descriptor()
    for box in ((1.0, 1.0, 1.0, 2.0), (1.0, 2.0, 3.0, 2.0)):
        with pytest.raises(InputError, match="box with area"):
            plan_raster_stream(descriptor, QueryRectangle(box, "2014-04-01T00:00:00Z"))


def test_ndvi_stream_at_the_153_6_edge_loads_and_equals_the_file(base_url, tmp_path) -> None:
    ndvi = workflow(base_url, NDVI)
    query = QueryRectangle((153.6, -10.0, 160.0, 0.0), "2014-04-01T00:00:00Z")
    tiles = list(raster_stream(ndvi, query))
    assert sorted(round(t.geo_transform.x_min, 6) for t in tiles) == [102.4, 153.6]  # tile columns 2 and 3
    (path,) = stream_raster_to_geotiff(ndvi, query, tmp_path)
    tif = read_tif(path)
    assert tif.geo_transform == pytest.approx((102.4, 0.1, 0.0, 0.0, 0.0, -0.1))
    source, source_gt = read_file(ndvi_file(4))
    np.testing.assert_array_equal(tif.array, overlap(source, source_gt, tif.array, tif.geo_transform, 0))


def _tile(x_min: float, y_max: float, value: int, size: int = 512):
    data = np.ma.MaskedArray(np.full((size, size), value, np.uint16))
    return RasterStreamProcessing.process_bytes(tile_message(data, x_min, y_max, 0.25, (0, 1), 0))


def test_tiles_the_plan_did_not_name_are_placed_or_dropped_never_aborting(tmp_path, caplog) -> None:
    grid = TilingGrid.for_raster(QUARTER_GT)
    plan = grid.tile_range(0.0, -10.0, 10.0, 0.0)  # tiles -1..0 x -1..0: file origin (-127.875, 127.875)
    sink = GeoTiffSink(tmp_path, "t", grid, plan, [0], np.uint16, "EPSG:4326")
    shifted = _tile(-127.875 + 0.25, 127.875, 7)  # one pixel right of tile (-1, -1): another server's tiling
    outside = _tile(0.125 + 128.0, 127.875, 9)  # tile column 1: not in the file at all
    with caplog.at_level(logging.WARNING, logger="geoengine_qgis.core.geotiff_writer"):
        (path,) = sink.write_all([shifted, outside], queue_size=0)
    tif = read_tif(path)
    assert tif.array.shape == (1, 1024, 1024)
    assert (tif.array[0, :512, 1:513] == 7).all() and (tif.array[0, :512, 0] == tif.no_data[0]).all()
    assert (tif.array[0, :, 513:] == tif.no_data[0]).all()  # nothing of the dropped tile
    assert any("dropped" in r.getMessage() and "128.125" in r.getMessage() for r in caplog.records)
    assert any("not planned" in r.getMessage() for r in caplog.records)
