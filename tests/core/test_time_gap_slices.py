"""Time slices outside the data's time bounds: one open-ended gap slice per side (audit W1).

Expected slices come from Geo Engine 0.9.3's rule, written out by hand with datetime
(geo-engine/geoengine@5748ef7:geoengine/operators/src/source/gdal_source/loading_info.rs
``DynamicGdalLoadingInfoPartIterator``: ``[MIN, data start)`` before the data, monthly steps inside,
``[data end, MAX]`` after), not from our planning code. NDVI's data: 2014-01-01 to 2014-07-01, monthly.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from geoengine_qgis.core.raster_stream import plan_raster_stream, raster_stream  # noqa: E402
from geoengine_qgis.core.tiling import time_slices  # noqa: E402
from geoengine_qgis.core.types import QueryRectangle  # noqa: E402
from geoengine_server.engine.gdal_source import static_slices  # noqa: E402
from geoengine_server.engine.timesteps import TimeStep, regular_slices  # noqa: E402
from geoengine_server.engine.types import TimeInterval  # noqa: E402
from stream_helpers import NDVI, workflow  # noqa: E402

MIN, MAX = -8334601228800000, 8210266876799999  # Geo Engine's TimeInstance::MIN / MAX


def ms(year: int, month: int, day: int = 1) -> int:
    return int(dt.datetime(year, month, day, tzinfo=dt.timezone.utc).timestamp() * 1000)


BOUNDS = (ms(2014, 1), ms(2014, 7))
MONTHLY = {"type": "regular", "origin": ms(2014, 1), "step": {"granularity": "months", "step": 1}}
CASES = [
    # an instant in 2015: the one slice after the data
    ((ms(2015, 3, 15), ms(2015, 3, 15)), [(ms(2014, 7), MAX)]),
    # a year before the data: one slice, not twelve monthly ones
    ((ms(2013, 1), ms(2014, 1)), [(MIN, ms(2014, 1))]),
    # across the start: the gap, then January and February
    ((ms(2013, 11), ms(2014, 3)), [(MIN, ms(2014, 1)), (ms(2014, 1), ms(2014, 2)), (ms(2014, 2), ms(2014, 3))]),
    # across the end: June, then the gap
    ((ms(2014, 6, 15), ms(2014, 9)), [(ms(2014, 6), ms(2014, 7)), (ms(2014, 7), MAX)]),
    # inside: steps only
    ((ms(2014, 2, 10), ms(2014, 3, 10)), [(ms(2014, 2), ms(2014, 3)), (ms(2014, 3), ms(2014, 4))]),
]


@pytest.mark.parametrize("query, expected", CASES)
def test_client_plans_one_gap_slice_per_side(query, expected) -> None:
    assert time_slices(MONTHLY, BOUNDS, *query) == expected


@pytest.mark.parametrize("query, expected", CASES)
def test_server_streams_one_gap_slice_per_side(query, expected) -> None:
    theirs = regular_slices(TimeInterval(*query), ms(2014, 1), TimeStep.from_json(MONTHLY["step"]),
                            TimeInterval(*BOUNDS))
    assert [(t.start, t.end) for t in theirs] == expected


def test_static_data_with_a_validity_gets_gap_slices() -> None:
    valid = TimeInterval(ms(2014, 1), ms(2015, 1))
    got = static_slices(valid, TimeInterval(ms(2013, 6), ms(2015, 6)))
    assert [(t.start, t.end) for t in got] == [(MIN, ms(2014, 1)), (ms(2014, 1), ms(2015, 1)), (ms(2015, 1), MAX)]
    got = static_slices(valid, TimeInterval(ms(2016, 1), ms(2016, 1)))
    assert [(t.start, t.end) for t in got] == [(ms(2015, 1), MAX)]


@pytest.mark.timeout(120)
def test_live_stream_outside_the_data_sends_open_ended_tiles(base_url) -> None:
    ndvi = workflow(base_url, NDVI)
    query = QueryRectangle((0.0, 0.0, 10.0, 10.0), ("2013-01-01T00:00:00Z", "2014-02-01T00:00:00Z"))
    plan = plan_raster_stream(ndvi.get_result_descriptor(), query)
    reports = []
    tiles = list(raster_stream(ndvi, query, progress=lambda d, e: reports.append(e)))
    assert [(t.time_start_ms, t.time_end_ms) for t in tiles] == [(MIN, ms(2014, 1)), (ms(2014, 1), ms(2014, 2))]
    assert tiles[0].data.mask.all()  # the gap slice has no data
    assert plan.expected_messages == len(tiles) and set(reports) == {len(tiles)}
