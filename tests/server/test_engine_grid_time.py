"""Properties of the tiling grid and of regular time steps (no HTTP)."""

from __future__ import annotations

import math

from geoengine_server.engine import tiles_for_bbox, tiling_origin, window_for_bbox
from geoengine_server.engine.timesteps import TimeStep, days_from_civil, split_ms
from geoengine_server.engine.types import TIME_MAX, TIME_MIN, BBox, GeoTransform, TimeInterval
from hypothesis import given, settings
from hypothesis import strategies as st
from server.engine_helpers import NDVI, build

NDVI_DESCRIPTOR = build(NDVI).descriptor
coord_x = st.floats(-179.9, 179.9, allow_nan=False)
coord_y = st.floats(-89.9, 89.9, allow_nan=False)


@settings(max_examples=200, deadline=None)
@given(coord_x, coord_x, coord_y, coord_y, st.sampled_from([64, 256, 512]))
def test_tiles_cover_the_bbox_on_the_tiling_grid(x0, x1, y0, y1, size):
    bbox = BBox(min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1))
    tiles = tiles_for_bbox(NDVI_DESCRIPTOR, bbox, size)
    gt = NDVI_DESCRIPTOR.geo_transform
    ox, oy = tiling_origin(gt)
    xs = sorted({t.tile_x for t in tiles})
    ys = sorted({t.tile_y for t in tiles})
    assert len(tiles) == len(xs) * len(ys) and xs == list(range(xs[0], xs[-1] + 1))
    assert [(t.tile_y, t.tile_x) for t in tiles] == sorted((t.tile_y, t.tile_x) for t in tiles)
    for t in tiles:
        assert t.window.width == t.window.height == size
        assert math.isclose(t.geo_transform.origin_x, ox + t.tile_x * size * 0.1, abs_tol=1e-9)
        assert math.isclose(t.geo_transform.origin_y, oy - t.tile_y * size * 0.1, abs_tol=1e-9)
    left, top = tiles[0].geo_transform.origin_x, tiles[0].geo_transform.origin_y
    right = tiles[-1].geo_transform.origin_x + size * 0.1
    bottom = tiles[-1].geo_transform.origin_y - size * 0.1
    # the lower-right corner moves 1e-6 pixel inwards first (Geo Engine's lower_right_pixel_idx)
    shift = 1e-6 * 0.1 + 1e-9
    assert left <= bbox.xmin + 1e-9 and right >= bbox.xmax - shift and top >= bbox.ymax - 1e-9
    assert bottom <= bbox.ymin + shift
    assert right - left < (bbox.xmax - bbox.xmin) + 2 * size * 0.1 + 1e-6  # no spare column of tiles
    w = window_for_bbox(gt, bbox)
    assert gt.origin_x + w.x_off * 0.1 <= bbox.xmin + 1e-9 <= gt.origin_x + (w.x_off + 1) * 0.1 + 1e-9


def test_tiling_origin_is_the_pixel_edge_nearest_zero():
    assert tiling_origin(GeoTransform(-180.0, 90.0, 0.1, -0.1)) == (0.0, 0.0)
    ox, oy = tiling_origin(GeoTransform(3.3, 7.7, 2.0, -2.0))
    assert math.isclose(ox, -0.7) and math.isclose(oy, -0.3)


@settings(max_examples=300, deadline=None)
@given(st.integers(TIME_MIN // 2, TIME_MAX // 2), st.sampled_from(["months", "years", "days", "hours"]),
       st.integers(1, 13))
def test_time_step_snap_contains_the_instant(t, granularity, n):
    step = TimeStep(granularity, n)
    origin = 1388534400000  # 2014-01-01
    slot = step.snap(origin, t)
    assert slot.start <= t < slot.end
    assert step.add(slot.start) == slot.end
    assert (step.index(origin, slot.start) - step.index(origin, origin)) == step.index(origin, t)


@given(st.integers(TIME_MIN, TIME_MAX))
def test_civil_dates_round_trip(ms):
    y, m, d, rest = split_ms(ms)
    assert 1 <= m <= 12 and 1 <= d <= 31 and 0 <= rest < 86_400_000
    assert days_from_civil(y, m, d) * 86_400_000 + rest == ms


def test_month_steps_clamp_to_month_end():
    step = TimeStep("months", 1)
    jan31 = days_from_civil(2014, 1, 31) * 86_400_000
    assert split_ms(step.add(jan31))[:3] == (2014, 2, 28)
    assert TimeInterval(0, 0).intersects(TimeInterval(0, 1))


SOURCES = {
    "ndvi": build(NDVI),
    "stack": build({"type": "Raster", "operator": {
        "type": "RasterStacker", "params": {"renameBands": {"type": "default"}},
        "sources": {"rasters": [NDVI["operator"], {
            "type": "Expression", "params": {"expression": "A / 2", "outputType": "U8", "mapNoData": False},
            "sources": {"raster": NDVI["operator"]}}]}}}),
    "synthetic": build({"type": "Raster", "operator": {"type": "GdalSource", "params": {"data": "synthetic_u16"}}}),
    "mercator": build({"type": "Raster", "operator": {
        "type": "Reprojection", "params": {"targetSpatialReference": "EPSG:3857"},
        "sources": {"source": NDVI["operator"]}}}),
}


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(sorted(SOURCES)), st.integers(-300, 3700), st.integers(-300, 1900), st.integers(1, 300),
       st.integers(1, 200), st.integers(1, 9))
def test_sampled_reads_equal_strided_full_reads(name, x, y, width, height, step):
    from geoengine_server.engine.types import Window

    op = SOURCES[name]
    (t,) = op.time_slices(TimeInterval(1396310400000, 1396310400000))
    band = len(op.descriptor.bands) - 1
    window = Window(x, y, width, height)
    full = op.read(band, t, window)
    sampled = op.read_sampled(band, t, window, step)
    assert full.shape == (height, width) and full.mask.shape == full.shape
    assert sampled.shape == full[::step, ::step].shape
    assert (sampled.mask == full.mask[::step, ::step]).all()
    assert (sampled.filled(0) == full[::step, ::step].filled(0)).all()
