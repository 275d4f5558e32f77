"""The server's raster streams pick tiles with Geo Engine 0.9.3's arithmetic (audit B3, C5 zero-area bounds).

Expected tiles are hand-worked from the real formula (see tests/core/test_tiling_real_arithmetic.py for the
derivation): anchor = origin + floor((pixel/2 - origin) / pixel) pixels, first pixel floor without epsilon,
last pixel after a 1e-6 pixel shift (geo-engine/geoengine@5748ef7:geoengine/datatypes/src/raster/geo_transform.rs).
"""

from __future__ import annotations

import json

import pytest
from geoengine_server.engine.tiling import tiles_for_grid
from geoengine_server.engine.types import BBox, GeoTransform
from server.dataplane_helpers import NDVI, session_ctx
from server.test_streams import meta, open_stream, raster_url, read_all
from websockets.exceptions import InvalidStatus


@pytest.fixture(scope="module")
def ctx(shared_server):
    return session_ctx(shared_server, ndvi=NDVI)


def test_ndvi_153_6_edge_takes_tile_column_2() -> None:
    tiles = tiles_for_grid(GeoTransform(-180.0, 90.0, 0.1, -0.1), BBox(153.6, -10.0, 160.0, 0.0))
    assert [(t.tile_x, t.tile_y) for t in tiles] == [(2, 0), (3, 0)]
    assert [t.geo_transform.origin_x for t in tiles] == [0.0 + 1024 * 0.1, 0.0 + 1536 * 0.1]  # (tile * 512) * pixel
    tiles = tiles_for_grid(GeoTransform(-180.0, 90.0, 0.1, -0.1), BBox(0.0, -160.0, 10.0, -153.6))
    assert [(t.tile_x, t.tile_y) for t in tiles] == [(0, 2), (0, 3)]


def test_half_pixel_grid_tiles_start_at_the_real_anchor() -> None:
    tiles = tiles_for_grid(GeoTransform(-180.125, 90.125, 0.25, -0.25), BBox(0.0, -10.0, 10.0, 0.0))
    assert [(t.tile_x, t.tile_y) for t in tiles] == [(-1, -1), (0, -1), (-1, 0), (0, 0)]
    first = tiles[0]
    assert (first.geo_transform.origin_x, first.geo_transform.origin_y) == (0.125 - 128.0, -0.125 + 128.0)
    # operator pixel of the tile's corner: anchor shift 721 columns / 361 rows, minus one tile
    assert (first.window.x_off, first.window.y_off) == (721 - 512, 361 - 512)


def test_live_stream_at_the_153_6_edge(ctx) -> None:
    with open_stream(ctx, raster_url(ctx, bounds="153.6,-10,160,0")) as ws:
        batches = read_all(ws)
    xs = [json.loads(meta(b)["geoTransform"])["originCoordinate"]["x"] for b in batches]
    assert xs == [pytest.approx(102.4), pytest.approx(153.6)]


@pytest.mark.parametrize("bounds", ["1,1,1,2", "1,2,3,2"])
def test_zero_area_raster_bounds_are_a_400(ctx, bounds) -> None:
    with pytest.raises(InvalidStatus) as error:
        open_stream(ctx, raster_url(ctx, bounds=bounds))
    assert error.value.response.status_code == 400
    body = json.loads(error.value.response.body)
    assert body["error"] == "UnableToParseQueryString"
    assert "ul.x < lr.x && ul.y > lr.y" in body["message"]


def test_empty_time_interval_is_a_400(ctx) -> None:
    # geo-engine/geoengine@5748ef7:geoengine/services/src/api/ogc/util.rs parse_time: "" is no time (audit C5)
    with pytest.raises(InvalidStatus) as error:
        open_stream(ctx, raster_url(ctx, time=""))
    assert error.value.response.status_code == 400
    assert json.loads(error.value.response.body) == {"error": "UnableToParseQueryString",
                                                     "message": "Unable to parse query string: Invalid time "}
