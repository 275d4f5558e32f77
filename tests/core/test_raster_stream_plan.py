"""The progress expectation (tiles x time slices x bands) agrees with what the server streams.

Random boxes and intervals are checked against the formulas of Geo Engine itself, written out here
independently of both our client and the bundled server: tiles from
geo-engine/geoengine@5748ef7:datatypes/src/raster/geo_transform.rs (``nearest_pixel_edge``,
``spatial_to_grid_bounds``) and tiling.rs (pixel div 512); time slices from
geo-engine/geoengine@5748ef7:datatypes/src/primitives/time_step.rs (steps counted from the origin, months on
the calendar). A few live streams' message counts must equal the plan.
"""

from __future__ import annotations

import datetime as dt
import math
import sys
from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).parent))
from geoengine_qgis.core.raster_stream import plan_raster_stream, raster_stream  # noqa: E402
from geoengine_qgis.core.tiling import TilingGrid, time_slices  # noqa: E402
from geoengine_qgis.core.types import GeoTransform, QueryRectangle  # noqa: E402
from stream_helpers import NDVI, workflow  # noqa: E402

MONTH_2014 = 1388534400000
coordinates = st.floats(-500, 500, allow_nan=False)
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)
FIXED_MS = {"millis": 1, "seconds": 1000, "minutes": 60_000, "hours": 3_600_000, "days": 86_400_000}


def real_tiles(origin: float, pixel: float, low: float, high: float) -> tuple[int, int]:
    """First and last tile index along one axis for [low, high) (``low`` is the edge nearer the origin)."""
    anchor = origin + math.floor((pixel / 2 - origin) / pixel) * pixel  # the pixel edge nearest 0
    first = math.floor((low - anchor) / pixel)
    last = math.floor((high - 1e-6 * pixel - anchor) / pixel) if high != low else first
    return first // 512, max(first, last) // 512


def real_slices(granularity: str, step: int, start: int, end: int, limit: int) -> list[tuple[int, int]]:
    """The regular slices from MONTH_2014 that [start, end) touches (an instant: the one holding it)."""
    if granularity in FIXED_MS:
        width = FIXED_MS[granularity] * step
        at = lambda k: MONTH_2014 + k * width  # noqa: E731
        k = (start - MONTH_2014) // width
    else:
        months = step * (12 if granularity == "years" else 1)

        def at(k: int) -> int:
            index = 2014 * 12 + k * months
            moment = dt.datetime(index // 12, index % 12 + 1, 1, tzinfo=dt.timezone.utc)
            return (moment - EPOCH) // dt.timedelta(milliseconds=1)

        begin = EPOCH + dt.timedelta(milliseconds=start)
        k = ((begin.year - 2014) * 12 + begin.month - 1) // months
        while at(k) > start:
            k -= 1
        while at(k + 1) <= start:
            k += 1
    slices = [(at(k), at(k + 1))]
    while slices[-1][1] < end and len(slices) < limit:
        k += 1
        slices.append((at(k), at(k + 1)))
    return slices


@settings(max_examples=300, deadline=None)
@given(x=coordinates, y=coordinates, w=st.floats(0, 300), h=st.floats(0, 300),
       origin=st.tuples(st.floats(-1000, 1000), st.floats(-1000, 1000)),
       pixel=st.sampled_from([0.1, 0.0018, 0.25, 1.0, 30.0, 1 / 3]))
def test_tile_range_equals_the_servers_tiles(x, y, w, h, origin, pixel) -> None:
    assume(x < x + w and y < y + h)  # Geo Engine refuses boxes without area (tested elsewhere)
    ox, oy = round(origin[0] / pixel) * pixel + pixel / 3, round(origin[1] / pixel) * pixel - pixel / 7
    ours = TilingGrid.for_raster(GeoTransform(ox, oy, pixel, -pixel)).tile_range(x, y, x + w, y + h)
    (tx0, tx1), (ty0, ty1) = real_tiles(ox, pixel, x, x + w), real_tiles(oy, -pixel, y + h, y)
    assert (ours.x0, ours.y0) == (tx0, ty0)
    assert ours.count == (tx1 - tx0 + 1) * (ty1 - ty0 + 1)


@settings(max_examples=300, deadline=None)
@given(granularity=st.sampled_from(["millis", "seconds", "minutes", "hours", "days", "months", "years"]),
       step=st.integers(1, 5), start=st.integers(-10**12, 3 * 10**12), length=st.integers(0, 10**11))
def test_time_slices_equal_the_servers(granularity, step, start, length) -> None:
    scale = {"millis": 1, "seconds": 1000, "minutes": 60_000, "hours": 3_600_000}.get(granularity)
    if scale is not None:
        length = length // 10**6 * scale  # keep fine steps to a few hundred slices
    dimension = {"type": "regular", "origin": MONTH_2014, "step": {"granularity": granularity, "step": step}}
    ours = time_slices(dimension, None, start, start + length)
    theirs = real_slices(granularity, step, start, start + length, limit=1001)
    if ours is None:
        assert len(theirs) > 1000
    else:
        assert ours == theirs


@pytest.mark.timeout(120)
@pytest.mark.parametrize("box, interval", [
    ((-10.0, 30.0, 60.0, 60.0), ("2014-03-01T00:00:00Z", "2014-05-01T00:00:00Z")),
    ((0.0, 0.0, 0.05, 0.05), "2014-04-15T12:00:00Z"),  # an instant inside April: one slice
    ((100.0, -50.0, 160.0, -10.0), ("2014-06-15T00:00:00Z", "2014-09-01T00:00:00Z")),  # past the data: gaps
    ((-180.0, -90.0, 180.0, 90.0), ("2013-12-01T00:00:00Z", "2014-01-01T00:00:01Z")),  # before the data
])
def test_live_message_count_equals_the_plan(base_url, box, interval) -> None:
    ndvi = workflow(base_url, NDVI)
    query = QueryRectangle(box, interval)
    plan = plan_raster_stream(ndvi.get_result_descriptor(), query)
    reports = []
    count = sum(1 for _ in raster_stream(ndvi, query, progress=lambda d, e: reports.append(e)))
    assert count == plan.expected_messages
    assert set(reports) == {plan.expected_messages}
