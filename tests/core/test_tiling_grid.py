"""core.tiling edges with hand-worked numbers: refused grids and boxes, float division as Geo Engine does it,
the tile holding row 512, pixel and tile corners, time slices at the calendar's end and without a dimension.

Formulas: geo-engine/geoengine@5748ef7:datatypes/src/raster/geo_transform.rs (``f64`` division, then floor) and
tiling.rs (pixel div 512). The NDVI grid is origin (-180, 90), 0.1 degree pixels: its anchor is (0, 0).
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from geoengine_qgis.core.tiling import TileRange, TilingGrid, time_slices
from geoengine_qgis.core.types import GeoTransform

NDVI = TilingGrid.for_raster(GeoTransform(-180.0, 90.0, 0.1, -0.1))
MONTHLY = {"type": "regular", "origin": 1388534400000, "step": {"granularity": "months", "step": 1}}  # 2014-01


@pytest.mark.parametrize("x_size, y_size", [(0.0, -0.1), (-0.5, -0.1), (-1.0, -1.0), (0.1, 0.0), (0.1, 0.5)])
def test_only_north_up_grids(x_size, y_size):
    # GeoTransform refuses most of these itself; for_raster also guards transforms that are not GeoTransforms
    transform = SimpleNamespace(x_min=0.0, y_max=0.0, x_pixel_size=x_size, y_pixel_size=y_size)
    with pytest.raises(ValueError, match="north-up"):
        TilingGrid.for_raster(transform)
    assert TilingGrid.for_raster(SimpleNamespace(x_min=0.0, y_max=0.0, x_pixel_size=0.5, y_pixel_size=-0.5))


@pytest.mark.parametrize("box", [(1.0, 0.0, 1.0, 1.0), (0.0, 1.0, 1.0, 1.0), (2.0, 0.0, 1.0, 1.0)])
def test_boxes_without_area_are_refused(box):
    with pytest.raises(ValueError, match="no area"):
        NDVI.pixel_range(*box)


def test_pixels_use_float_division_then_floor():
    assert (NDVI.anchor_x, NDVI.anchor_y) == (0.0, 0.0)
    # 1.0 / 0.1 == 10.0 (pixel 10), while 1.0 // 0.1 == 9.0: Geo Engine divides, then floors
    assert NDVI.pixel_range(1.0, -1.0, 2.0, 0.0) == (10, 0, 20, 10)


def test_row_512_is_in_the_second_tile_row():
    # rows 0..512 (y 0 .. -51.25 reaches into row 512) = tile rows 0 and 1; columns 0..9 = tile column 0
    assert NDVI.pixel_range(0.0, -51.25, 1.0, 0.0) == (0, 0, 10, 513)
    assert NDVI.tile_range(0.0, -51.25, 1.0, 0.0) == TileRange(0, 0, 1, 2)
    assert NDVI.tile_range(0.0, -51.2, 51.25, 0.0) == TileRange(0, 0, 2, 1)  # column 512: second tile column
    assert NDVI.tile_range(-0.05, -0.05, 0.05, 0.05) == TileRange(-1, -1, 1, 1)
    assert TileRange(-1, -1, 1, 1).count == 4 and TileRange(0, 0, 3, 2).columns == 3


def test_tile_corners_and_pixel_lookup():
    assert NDVI.tile_origin(1, 2) == pytest.approx((51.2, -102.4))
    assert NDVI.pixel_of(51.2, -102.4) == (512, 1024)
    with pytest.raises(ValueError, match="not on the raster's pixel grid"):
        NDVI.pixel_of(51.25, -102.4)
    gt = NDVI.geo_transform_at(512, 1024)
    assert (gt.x_min, gt.y_max, gt.x_pixel_size, gt.y_pixel_size) == pytest.approx((51.2, -102.4, 0.1, -0.1))


def test_time_slices_need_a_regular_dimension():
    for dimension in (None, {}, {"type": "irregular"}, {"type": "regular"}, {"type": "regular", "origin": 0,
                                                                               "step": {"granularity": "weeks",
                                                                                        "step": 1}}):
        assert time_slices(dimension, None, 0, 1) is None
    assert time_slices({**MONTHLY, "step": {"granularity": "months", "step": 0}}, None, 0, 1) is None
    assert time_slices(MONTHLY, None, 10, 5) is None  # end before start


def test_months_at_the_end_of_the_calendar_are_unknown():
    december_9999 = 253401840000000  # 9999-12-15T00:00:00Z: the step after it would start in year 10000
    assert time_slices(MONTHLY, None, december_9999, december_9999) is None


def test_months_from_a_far_origin():
    april, may, june = 1396310400000, 1398902400000, 1401580800000  # 2014-04-01, 05-01, 06-01
    old_origin = {**MONTHLY, "origin": 0}  # 1970-01: 531 steps before April 2014
    assert time_slices(old_origin, None, april + 1, may + 1) == [(april, may), (may, june)]


def test_at_most_1000_slices_are_counted():
    daily = {"type": "regular", "origin": 0, "step": {"granularity": "days", "step": 1}}
    day = 86_400_000
    slices = time_slices(daily, None, 0, 1000 * day)
    assert len(slices) == 1000 and slices[0] == (0, day) and slices[-1] == (999 * day, 1000 * day)
    assert time_slices(daily, None, 0, 1000 * day + 1) is None  # 1001 slices: left to the stream


@pytest.mark.parametrize("dimension", [
    {"type": "regular", "origin": None, "step": {"granularity": "months", "step": 1}},  # TypeError
    {"type": "regular", "origin": "x", "step": {"granularity": "months", "step": 1}},  # ValueError
    {"type": "regular", "origin": 0, "step": {"granularity": "months"}},  # KeyError
])
def test_unreadable_dimensions_give_no_count(dimension):
    assert time_slices(dimension, None, 0, 1) is None


def test_a_query_exactly_on_the_bounds_has_no_gap_slices():
    jan, feb, mar = 1388534400000, 1391212800000, 1393632000000  # 2014-01-01, 02-01, 03-01
    assert time_slices(MONTHLY, (jan, mar), jan, mar) == [(jan, feb), (feb, mar)]
    assert time_slices(MONTHLY, (jan, mar), jan, mar + 1)[-1][0] == mar  # one past the end: a gap slice
    assert time_slices(MONTHLY, (jan, mar), jan - 1, feb)[0][1] == jan  # one before the start: a gap slice


def test_times_beyond_any_calendar_are_unknown():
    assert time_slices(MONTHLY, None, 10**18, 10**18) is None  # OverflowError inside: no count


def test_more_float_edges_and_frozen_values():
    import dataclasses

    # -1.0 / -0.1 == 10.0 (row 10) but -1.0 // -0.1 == 9.0: divide, then floor
    assert NDVI.pixel_range(0.0, -2.0, 1.0, -1.0)[1] == 10
    assert NDVI.pixel_of(1.0, -1.0) == (10, 10)
    with pytest.raises(ValueError, match="not on the raster's pixel grid"):
        NDVI.pixel_of(51.2, -102.45)
    with pytest.raises(dataclasses.FrozenInstanceError):
        NDVI.tile_size = 256
    with pytest.raises(dataclasses.FrozenInstanceError):
        TileRange(0, 0, 1, 1).x0 = 1


def test_months_from_an_origin_in_april_and_a_query_starting_at_the_bounds_end():
    april, may, june, july = 1396310400000, 1398902400000, 1401580800000, 1404172800000
    from_april = {**MONTHLY, "origin": april}
    assert time_slices(from_april, None, june, june) == [(june, july)]
    assert time_slices(from_april, None, may - 1, may) == [(april, may)]
    jan, mar = 1388534400000, 1393632000000
    assert time_slices(MONTHLY, (jan, mar), mar, mar + 1) == [(mar, 8210266876799999)]  # only the gap after
