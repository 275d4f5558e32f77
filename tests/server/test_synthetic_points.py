"""``synthetic_points``: one million generated points, streamed column-wise; checked against the closed form."""

from __future__ import annotations

import datetime as dt
import math

import pyarrow as pa
from geoengine_server.engine.types import BBox
from server.dataplane_helpers import register, session_ctx
from server.engine_helpers import build, interval
from server.test_streams import open_stream, read_all, stream_url

POINTS = {"type": "Vector", "operator": {"type": "OgrSource", "params": {"data": "synthetic_points"}}}
YEAR = interval("2014-01-01T00:00:00Z", "2015-01-01T00:00:00Z")


def closed_form(i: int) -> tuple[float, float]:
    """Point ``i`` computed here from the documented formula (plain Python floats)."""
    x = -180.0 + 360.0 * math.modf(0.5 + i * 0.7548776662466927)[0]
    y = -90.0 + 180.0 * math.modf(0.5 + i * 0.5698402909980532)[0]
    return round(x, 6), round(y, 6)


def month_ms(i: int) -> tuple[int, int]:
    m = i % 12
    start = dt.datetime(2014, m + 1, 1, tzinfo=dt.timezone.utc)
    end = dt.datetime(2014 + (m + 1) // 12, (m + 1) % 12 + 1, 1, tzinfo=dt.timezone.utc)
    return int(start.timestamp() * 1000), int(end.timestamp() * 1000)


def batches_of(op, bbox: BBox, time) -> list[pa.RecordBatch]:
    return [pa.ipc.open_file(pa.BufferReader(m)).get_record_batch(0)
            for m in op.arrow_messages(bbox, time, 1 << 20)]


def test_the_whole_year_is_one_million_points_in_bounded_batches():
    op = build(POINTS)
    assert op.descriptor.data_type == "MultiPoint"
    assert {k: c.data_type for k, c in op.descriptor.columns.items()} == {"id": "int", "value": "float",
                                                                         "kind": "text"}
    batches = batches_of(op, BBox(-180, -90, 180, 90), YEAR)
    assert sum(b.num_rows for b in batches) == 1_000_000
    assert len(batches) > 10 and max(b.num_rows for b in batches) * 80 <= 1 << 20
    ids = pa.concat_arrays([b.column("id") for b in batches]).to_numpy()
    assert ids.min() == 0 and ids.max() == 999_999 and len(set(ids[::997].tolist())) == len(ids[::997])


def test_a_box_and_a_month_select_exactly_the_matching_points():
    op = build(POINTS)
    april = interval("2014-04-01T00:00:00Z", "2014-04-01T00:00:00Z")
    rows = [r for b in batches_of(op, BBox(10, 40, 20, 50), april) for r in b.to_pylist()]
    want = [i for i in range(3, 1_000_000, 12)
            if 10 <= closed_form(i)[0] <= 20 and 40 <= closed_form(i)[1] <= 50]
    assert [r["id"] for r in rows] == want and len(want) > 100
    for r in rows[:50]:
        x, y = closed_form(r["id"])
        assert tuple(float(v) for v in r["__geometry"][12:-2].split()) == (x, y)
        assert tuple(r["__time"]) == month_ms(r["id"])
        assert r["value"] == (r["id"] % 1000) / 4 and r["kind"] == ("harbour", "station", "tower", "well")[r["id"] % 4]


def test_the_stream_and_wfs_path_agree(shared_server):
    ctx = session_ctx(shared_server)
    workflow = register(ctx["base"], ctx["headers"], POINTS)
    url = stream_url(ctx, workflow, "vectorStream", resultType="arrow", spatialBounds="0,0,5,5",
                     timeInterval="2014-01-01T00:00:00.000Z/2015-01-01T00:00:00.000Z")
    with open_stream(ctx, url) as ws:
        rows = [r for b in read_all(ws) for r in b.to_pylist()]
    fc = build(POINTS).query(BBox(0, 0, 5, 5), YEAR)
    assert [r["id"] for r in rows] == fc.columns["id"] and len(rows) > 100
    parsed = [tuple(float(v) for v in r["__geometry"][12:-2].split()) for r in rows]
    assert parsed == [tuple(float(v) for v in w[12:-2].split()) for w in fc.wkt]
    assert parsed == [closed_form(i) for i in fc.columns["id"]]
