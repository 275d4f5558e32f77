"""Downsampling and Interpolation: output grids and pixels against numpy computations on the NDVI file.

Expected values follow Geo Engine 0.9.3's semantics (see the operator modules): nearest neighbour takes the input
pixel under the output pixel's centre, bilinear weighs the four input pixels around its upper-left corner.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from geoengine_server.engine.tiling import tiles_for_bbox
from geoengine_server.engine.types import BBox, EngineError
from server.engine_helpers import build, instant, ndvi_file

APRIL = instant("2014-04-01T00:00:00Z")
NDVI_SOURCE = {"type": "GdalSource", "params": {"data": "ndvi"}}


def downsampling(resolution: dict, origin=None, source=NDVI_SOURCE) -> dict:
    params = {"samplingMethod": "nearestNeighbor", "outputResolution": resolution}
    if origin is not None:
        params["outputOriginReference"] = origin
    return {"type": "Raster", "operator": {"type": "Downsampling", "params": params, "sources": {"raster": source}}}


def interpolation(resolution: dict, method: str = "biLinear") -> dict:
    params = {"interpolation": method, "outputResolution": resolution}
    return {"type": "Raster", "operator": {"type": "Interpolation", "params": params,
                                           "sources": {"raster": NDVI_SOURCE}}}


def mosaic(op, bbox: BBox, dtype=np.uint8) -> tuple[np.ma.MaskedArray, float, float]:
    """The streamed tiles covering ``bbox`` stitched together, with the mosaic's upper-left corner."""
    tiles = list(tiles_for_bbox(op.descriptor, bbox))
    xs = sorted({t.tile_x for t in tiles})
    ys = sorted({t.tile_y for t in tiles})
    size = tiles[0].window.width
    out = np.ma.masked_all((len(ys) * size, len(xs) * size), dtype)
    for t in tiles:
        r, c = (t.tile_y - ys[0]) * size, (t.tile_x - xs[0]) * size
        out[r:r + size, c:c + size] = op.read(0, APRIL, t.window)
    first = tiles[0].geo_transform
    return out, first.origin_x, first.origin_y


def ndvi_masked() -> np.ma.MaskedArray:
    data = ndvi_file("04")
    return np.ma.MaskedArray(data, mask=data == 0)


def expected_nearest(ulx: float, uly: float, shape, res: float) -> np.ma.MaskedArray:
    """Input pixel under each output centre; out of the file -> masked (0.1 degree grid at -180, 90)."""
    ndvi = ndvi_masked()
    cols = np.floor(((ulx + (np.arange(shape[1]) + 0.5) * res) + 180.0) / 0.1 + 1e-9).astype(int)
    rows = np.floor((90.0 - (uly - (np.arange(shape[0]) + 0.5) * res)) / 0.1 + 1e-9).astype(int)
    inside = (rows >= 0) & (rows < 1800)
    inside_c = (cols >= 0) & (cols < 3600)
    values = ndvi[np.clip(rows, 0, 1799)][:, np.clip(cols, 0, 3599)]
    mask = np.ma.getmaskarray(values) | ~inside[:, None] | ~inside_c[None, :]
    return np.ma.MaskedArray(np.ma.getdata(values), mask=mask)


@pytest.mark.parametrize("resolution, pixel", [
    ({"type": "fraction", "x": 3, "y": 3}, 0.3),
    ({"type": "resolution", "x": 0.25, "y": 0.25}, 0.25),
])
def test_downsampled_world_equals_the_pixels_under_the_output_centres(resolution, pixel):
    op = build(downsampling(resolution))
    gt, gb = op.descriptor.geo_transform, op.descriptor.grid_bounds
    assert (gt.origin_x, gt.origin_y) == (-180.0, 90.0)
    assert gt.x_pixel_size == pytest.approx(pixel) and gt.y_pixel_size == pytest.approx(-pixel)
    assert (gb.width, gb.height) == (math.ceil(360 / pixel - 1e-6), math.ceil(180 / pixel - 1e-6))
    assert op.descriptor.data_type == "U8" and op.time_slices(APRIL) == op.source.time_slices(APRIL)
    got, ulx, uly = mosaic(op, BBox(-180, -90, 180, 90))
    want = expected_nearest(ulx, uly, got.shape, pixel)
    assert (got.mask == want.mask).all()
    assert got.count() > 100_000 and (got.data[~got.mask] == want.data[~want.mask]).all()


def test_fraction_three_takes_every_third_pixel_from_the_second():
    op = build(downsampling({"type": "fraction", "x": 3, "y": 3}))
    ndvi = ndvi_masked()
    window = tiles_for_bbox(op.descriptor, BBox(1, -10, 10, -1))[0].window  # the tile at (0, 0) going south-east
    got = op.read(0, APRIL, window)
    want = ndvi[900 + 1::3, 1800 + 1::3][:512, :512]
    assert (got.mask[:want.shape[0], :want.shape[1]] == want.mask).all()
    assert (got.data[:want.shape[0], :want.shape[1]][~want.mask] == want.data[~want.mask]).all()


def test_origin_reference_moves_the_grid_to_the_nearest_edge_then_onto_the_reference():
    op = build(downsampling({"type": "resolution", "x": 0.5, "y": 0.5}, origin={"x": 0.04, "y": 0.03}))
    gt, gb = op.descriptor.geo_transform, op.descriptor.grid_bounds
    # nearest 0.1 edge to (0.04, 0.03) is (0, 0): 1800 columns and 900 rows from -180/90; then the origin becomes
    # (0.04, 0.03) and the 0.5 degree grid covers the shifted partition [-179.96 .. 180.04] x [-89.97 .. 90.03]
    assert (gt.origin_x, gt.origin_y) == (0.04, 0.03)
    assert (gb.x_min, gb.y_min, gb.x_max, gb.y_max) == (-360, -180, 359, 179)


def test_bilinear_interpolation_weighs_the_four_pixels_around_the_upper_left_corner():
    op = build(interpolation({"type": "fraction", "x": 4, "y": 4}))
    assert op.descriptor.geo_transform.x_pixel_size == pytest.approx(0.025)
    got, ulx, uly = mosaic(op, BBox(10, 40, 12, 42))
    ndvi = ndvi_masked().astype(np.float64)
    # exact rational positions: output pixel j's corner is 1/4 of an input pixel per step from the mosaic corner
    col0, row0 = round((ulx + 180) / 0.1 * 4), round((90 - uly) / 0.1 * 4)
    qc, qr = col0 + np.arange(got.shape[1]), row0 + np.arange(got.shape[0])
    ac, ar = qc // 4, qr // 4
    fx, fy = (qc % 4) / 4.0, (qr % 4) / 4.0
    a = ndvi[ar][:, ac]
    c = ndvi[ar][:, ac + 1]
    b = ndvi[ar + 1][:, ac]
    d = ndvi[ar + 1][:, ac + 1]
    wx, wy = fx[None, :], fy[:, None]
    exact = a * (1 - wx) * (1 - wy) + c * wx * (1 - wy) + b * (1 - wx) * wy + d * wx * wy
    mask = np.ma.getmaskarray(exact)
    assert (got.mask == mask).all() and (~mask).sum() > 1000
    # the operator casts like Rust's ``as`` (truncation); float rounding may land just below an integer
    diff = got.data[~mask].astype(np.int64) - np.floor(np.ma.getdata(exact)[~mask] + 1e-9).astype(np.int64)
    assert set(np.unique(diff)) <= {-1, 0} and (diff == 0).mean() > 0.9


def test_nearest_interpolation_repeats_each_input_pixel():
    op = build(interpolation({"type": "fraction", "x": 2, "y": 2}, method="nearestNeighbor"))
    window = tiles_for_bbox(op.descriptor, BBox(1, -6, 6, -1))[0].window
    got = op.read(0, APRIL, window)  # the tile whose corner is (0, 0): input rows 900.., cols 1800..
    want = np.repeat(np.repeat(ndvi_masked()[900:1156, 1800:2056], 2, axis=0), 2, axis=1)
    assert (got.mask == want.mask).all() and (got.data[~got.mask] == want.data[~want.mask]).all()


@pytest.mark.parametrize("workflow, code, text", [
    (downsampling({"type": "fraction", "x": 0.5, "y": 2}), "DownsampleOperator",
     "The fraction used to downsample must be >= 1, was 0.5."),
    (downsampling({"type": "resolution", "x": 0.05, "y": 0.05}), "DownsampleOperator",
     "The output resolution must be higher than the input resolution."),
    (interpolation({"type": "resolution", "x": 0.5, "y": 0.5}), "InterpolationOperator",
     "Interpolation error: The output resolution must be higher than the input resolution."),
    (downsampling({"type": "percent", "x": 2, "y": 2}), "InvalidOperatorSpec", "outputResolution.type"),
])
def test_invalid_resolutions_are_named(workflow, code, text):
    with pytest.raises(EngineError) as caught:
        build(workflow)
    assert caught.value.error == code and text in caught.value.message


def test_synthetic_world_view_at_a_coarse_resolution_reads_only_the_sampled_pixels():
    synthetic = {"type": "GdalSource", "params": {"data": "synthetic_u16"}}
    op = build(downsampling({"type": "resolution", "x": 0.3618, "y": 0.3618}, source=synthetic))  # 201 pixels
    assert (op.descriptor.grid_bounds.width, op.descriptor.grid_bounds.height) == (996, 498)
    got, ulx, uly = mosaic(op, BBox(-180, -90, 180, 90), np.uint16)
    cols = np.floor(((ulx + (np.arange(got.shape[1]) + 0.5) * 0.3618) + 180) / 0.0018).astype(np.int64)
    rows = np.floor((90 - (uly - (np.arange(got.shape[0]) + 0.5) * 0.3618)) / 0.0018).astype(np.int64)
    inside = ((rows >= 0) & (rows < 100_000))[:, None] & ((cols >= 0) & (cols < 200_000))[None, :]
    want = (cols[None, :] * 7 + rows[:, None] * 13) % 65521
    assert (got.mask == ~inside).all() and (got.data[inside] == want[inside]).all()

