"""WMS GetMap with a TIME spanning several steps (audit W3): every step is blitted tile by tile, the last step
with data in a tile wins (geo-engine/geoengine@5748ef7:geoengine/operators/src/util/raster_stream_to_png.rs).

The map (lat 40..50, lon 0..20 at the native 0.1 degree) lies inside one 512 px tile of its tiling grid, so the
expected image is the last month with data, read from the files with GDAL.
"""

from __future__ import annotations

import numpy as np
import pytest
from server.dataplane_helpers import DATA, NDVI, NDVI_FILE, pixel_of, png, raster, session_ctx
from server.test_wms import get_map


@pytest.fixture(scope="module")
def ctx(shared_server):
    return session_ctx(shared_server, ndvi=NDVI)


def month(name: str) -> np.ndarray:
    row, col = pixel_of(0.05, 49.95)
    return raster(DATA / NDVI_FILE.format(name))[row : row + 100, col : col + 200]


def grey_map(ctx, time: str) -> np.ndarray:
    r = get_map(ctx, bbox="40,0,50,20", width=200, height=100, time=time)
    assert r.status_code == 200 and r.headers["Content-Type"] == "image/png", r.text[:300]
    return png(r.content)


def test_a_range_over_two_months_shows_the_later_one(ctx) -> None:
    march, april = month("2014-03-01"), month("2014-04-01")
    assert (march != april).sum() > 1000  # the premise: the months differ here
    image = grey_map(ctx, "2014-03-01T00:00:00.000Z/2014-05-01T00:00:00.000Z")
    valid = april != 0
    assert np.abs(image[..., 0].astype(int)[valid] - april[valid]).max() <= 1
    # April's no-data pixels stay no-data although March has data there: the tile is replaced whole
    assert (image[..., 3][~valid] == 0).all()


def test_an_empty_later_step_does_not_wipe_the_map(ctx) -> None:
    june = month("2014-06-01")
    image = grey_map(ctx, "2014-06-01T00:00:00.000Z/2014-08-01T00:00:00.000Z")  # June, then the gap after the data
    valid = june != 0
    assert valid.sum() > 1000 and (image[..., 3][valid] == 255).all()
    assert np.abs(image[..., 0].astype(int)[valid] - june[valid]).max() <= 1
