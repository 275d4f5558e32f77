"""The progress expectation (tiles x time slices x bands) agrees with what the server streams.

Pure checks against the test server's own tiling and time-step code over random boxes and intervals,
and a few live streams whose message count must equal the plan.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).parent))
from geoengine_qgis.core.raster_stream import plan_raster_stream, raster_stream  # noqa: E402
from geoengine_qgis.core.tiling import TilingGrid, time_slices  # noqa: E402
from geoengine_qgis.core.types import GeoTransform, QueryRectangle  # noqa: E402
from geoengine_server.engine.tiling import tiles_for_bbox  # noqa: E402
from geoengine_server.engine.timesteps import TimeStep, regular_slices  # noqa: E402
from geoengine_server.engine.types import BBox, GridBounds, RasterDescriptor, TimeInterval  # noqa: E402
from geoengine_server.engine.types import GeoTransform as ServerGeoTransform  # noqa: E402
from stream_helpers import NDVI, workflow  # noqa: E402

MONTH_2014 = 1388534400000
coordinates = st.floats(-500, 500, allow_nan=False)


@settings(max_examples=300, deadline=None)
@given(x=coordinates, y=coordinates, w=st.floats(0, 300), h=st.floats(0, 300),
       origin=st.tuples(st.floats(-1000, 1000), st.floats(-1000, 1000)),
       pixel=st.sampled_from([0.1, 0.0018, 0.25, 1.0, 30.0, 1 / 3]))
def test_tile_range_equals_the_servers_tiles(x, y, w, h, origin, pixel) -> None:
    assume(x < x + w and y < y + h)  # Geo Engine refuses boxes without area (tested elsewhere)
    ox, oy = round(origin[0] / pixel) * pixel + pixel / 3, round(origin[1] / pixel) * pixel - pixel / 7
    ours = TilingGrid.for_raster(GeoTransform(ox, oy, pixel, -pixel)).tile_range(x, y, x + w, y + h)
    descriptor = RasterDescriptor("U8", "EPSG:4326", ServerGeoTransform(ox, oy, pixel, -pixel),
                                  GridBounds(0, 0, 9, 9), None, {"type": "irregular"}, [])
    theirs = tiles_for_bbox(descriptor, BBox(x, y, x + w, y + h))
    assert ours.count == len(theirs)
    assert (ours.x0, ours.y0) == (theirs[0].tile_x, theirs[0].tile_y)


@settings(max_examples=300, deadline=None)
@given(granularity=st.sampled_from(["millis", "seconds", "minutes", "hours", "days", "months", "years"]),
       step=st.integers(1, 5), start=st.integers(-10**12, 3 * 10**12), length=st.integers(0, 10**11))
def test_time_slices_equal_the_servers(granularity, step, start, length) -> None:
    scale = {"millis": 1, "seconds": 1000, "minutes": 60_000, "hours": 3_600_000}.get(granularity)
    if scale is not None:
        length = length // 10**6 * scale  # keep fine steps to a few hundred slices
    dimension = {"type": "regular", "origin": MONTH_2014, "step": {"granularity": granularity, "step": step}}
    ours = time_slices(dimension, None, start, start + length)
    theirs = regular_slices(TimeInterval(start, start + length), MONTH_2014,
                            TimeStep.from_json(dimension["step"]), None)
    if ours is None:
        assert len(theirs) > 1000
    else:
        assert ours == [(t.start, t.end) for t in theirs]


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
