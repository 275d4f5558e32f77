"""core.flatgeobuf: the numpy-built FlatGeobuf file read back by GDAL/OGR, an independent reader.

Every expected value comes from the input arrays built here (or hand-worked numbers), never from the writer.
"""

from __future__ import annotations

import datetime as dt
import struct

import numpy as np
import pyarrow as pa
import pytest
from geoengine_qgis.core import flatgeobuf as fgb
from geoengine_qgis.core.errors import MalformedResponseError
from osgeo import ogr, osr

KINDS = np.array(["harbour", "station", "tower", "well"])
JAN_2014 = 1_388_534_400_000  # 2014-01-01T00:00:00Z in epoch milliseconds
DAY = 86_400_000
BEGINNING_OF_TIME = -8_334_601_228_800_000  # Geo Engine's open start: outside years 1..9999


def sample(n: int, offset: int = 0) -> dict:
    """Points with every column type; nulls on fixed rows; the arrays the tests compare against."""
    i = np.arange(offset, offset + n)
    x = np.round(-180 + 360 * np.modf(0.5 + i * 0.7548776662466927)[0], 6)
    y = np.round(-90 + 180 * np.modf(0.5 + i * 0.5698402909980532)[0], 6)
    start = JAN_2014 + (i % 12) * 31 * DAY
    start = np.where(i % 50 == 7, BEGINNING_OF_TIME, start)  # open start: null in the file
    end = start + DAY
    return {"i": i, "x": x, "y": y, "start": start, "end": end,
            "value_null": i % 5 == 1, "kind_null": i % 7 == 3, "flag": i % 3 == 0}


def batch_of(d: dict) -> pa.RecordBatch:
    wkt = pa.array([f"MULTIPOINT(({a} {b}))" for a, b in zip(d["x"].tolist(), d["y"].tolist())])
    times = pa.FixedSizeListArray.from_arrays(pa.array(np.stack([d["start"], d["end"]], 1).ravel()), 2)
    value = pa.array(((d["i"] % 1000) / 4).tolist(), mask=d["value_null"])
    kind = pa.array(KINDS[d["i"] % 4].tolist(), mask=d["kind_null"])
    when = pa.array((JAN_2014 + d["i"] * 1000).tolist(), pa.date64())
    return pa.RecordBatch.from_arrays(
        [wkt, times, pa.array(d["i"]), value, kind, pa.array(d["flag"].tolist()), when,
         pa.array((d["i"] % 256).astype(np.uint8))],
        ["__geometry", "__time", "id", "value", "kind", "flag", "when", "class"])


COLUMNS = [fgb.Column("id", "int", "id"), fgb.Column("value", "float", "value"), fgb.Column("kind", "text", "kind"),
           fgb.Column("flag", "bool", "flag"), fgb.Column("when", "dateTime", "when"),
           fgb.Column("class", "category", "class"),
           fgb.Column("time_start", "dateTime", "__time_start"), fgb.Column("time_end", "dateTime", "__time_end")]


def ms_text(ms: int) -> str:
    """How OGR prints a UTC date/time (milliseconds only when there are some)."""
    moment = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc) + dt.timedelta(milliseconds=ms)
    millis = f".{moment.microsecond // 1000:03d}" if moment.microsecond else ""
    return moment.strftime("%Y/%m/%d %H:%M:%S") + millis + "+00"


def open_layer(path):
    ogr.UseExceptions()
    source = ogr.Open(str(path))
    return source, source.GetLayer(0)


def value_of(feature, name):
    return feature.GetField(name) if feature.IsFieldSetAndNotNull(name) else None


def assert_columns_read_back(path, truth: dict, n: int) -> None:
    """Every feature of the file has, in each column of ``truth``, the value listed for its id."""
    source, layer = open_layer(path)
    count = 0
    for feature in layer:
        k = feature.GetField("id")
        assert [value_of(feature, name) for name in truth] == [values[k] for values in truth.values()]
        count += 1
    assert count == n


def test_every_value_reads_back_through_ogr(tmp_path):
    parts = [sample(700), sample(650, offset=700)]
    path = tmp_path / "points.fgb"
    written = fgb.write_points(path, [batch_of(p) for p in parts], COLUMNS, "EPSG:4326", name="points")
    d = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    assert written.count == 1350
    source, layer = open_layer(path)
    assert layer.GetFeatureCount() == 1350
    assert layer.GetGeomType() == ogr.wkbMultiPoint
    assert layer.GetSpatialRef().GetAuthorityCode(None) == "4326"
    types = {f.GetName(): (ogr.GetFieldTypeName(f.GetType()), f.GetSubType()) for f in layer.schema}
    assert types == {"id": ("Integer64", 0), "value": ("Real", 0), "kind": ("String", 0),
                     "flag": ("Integer", ogr.OFSTBoolean), "when": ("DateTime", 0), "class": ("Integer64", 0),
                     "time_start": ("DateTime", 0), "time_end": ("DateTime", 0)}
    assert layer.GetExtent() == (d["x"].min(), d["x"].max(), d["y"].min(), d["y"].max())
    seen = set()
    for feature in layer:
        k = feature.GetField("id")
        seen.add(k)
        point = feature.GetGeometryRef().GetGeometryRef(0)
        assert (point.GetX(), point.GetY()) == (d["x"][k], d["y"][k])
        assert value_of(feature, "value") == (None if d["value_null"][k] else (k % 1000) / 4)
        assert value_of(feature, "kind") == (None if d["kind_null"][k] else KINDS[k % 4])
        assert feature.GetField("flag") == int(d["flag"][k])
        assert feature.GetField("class") == k % 256
        assert feature.GetField("when") == ms_text(JAN_2014 + k * 1000)
        if k % 50 == 7:  # the open start is null; its end (beginning of time + a day) too
            assert value_of(feature, "time_start") is None and value_of(feature, "time_end") is None
        else:
            assert feature.GetField("time_start") == ms_text(int(d["start"][k]))
            assert feature.GetField("time_end") == ms_text(int(d["end"][k]))
    assert seen == set(range(1350))


@pytest.mark.parametrize("block_rows", [65_536, 1_000])  # one block, or 20 blocks with their own offsets
def test_the_spatial_index_answers_box_queries_exactly(tmp_path, monkeypatch, block_rows):
    monkeypatch.setattr(fgb, "_BLOCK_ROWS", block_rows)
    d = sample(20_000)
    path = tmp_path / "points.fgb"
    fgb.write_points(path, [batch_of(d)], COLUMNS[:3], "EPSG:4326")  # text: records differ between blocks
    source, layer = open_layer(path)
    for box in ((0, 0, 10, 10), (-180, -90, -170, -80), (100.5, -3.25, 140.0, 60.0), (179.9, 89.9, 180, 90)):
        layer.SetSpatialFilterRect(*box)
        got = sorted(f.GetField("id") for f in layer)
        x0, y0, x1, y1 = box
        inside = (d["x"] >= x0) & (d["x"] <= x1) & (d["y"] >= y0) & (d["y"] <= y1)
        assert got == d["i"][inside].tolist()
    layer.SetSpatialFilter(None)
    layer.ResetReading()
    by_sequence = [f.GetField("id") for f in layer]  # feature ids of the file are its order (the index's leaves)
    for fid in (0, 1, 4_567, 19_999):
        assert layer.GetFeature(fid).GetField("id") == by_sequence[fid]


def test_the_index_is_the_packed_hilbert_r_tree_of_the_specification(tmp_path):
    # 17 items, 16 per node: 17 leaves, 2 nodes above them, 1 root -> 20 nodes, stored root first
    assert fgb.level_bounds(17) == [(3, 20), (1, 3), (0, 1)]
    assert fgb.level_bounds(1) == [(1, 2), (0, 1)]
    assert fgb.level_bounds(256) == [(17, 273), (1, 17), (0, 1)]
    d = sample(17)
    path = tmp_path / "tiny.fgb"
    fgb.write_points(path, [batch_of(d)], COLUMNS[:1], "EPSG:4326")
    raw = path.read_bytes()
    assert raw[:8] == b"fgb\x03fgb\x00"
    header_size = struct.unpack_from("<I", raw, 8)[0]
    nodes = np.frombuffer(raw, fgb._NODE, 20, 12 + header_size)
    root, inner, leaves = nodes[0], nodes[1:3], nodes[3:]
    assert (root["min_x"], root["min_y"], root["max_x"], root["max_y"]) == (
        d["x"].min(), d["y"].min(), d["x"].max(), d["y"].max())
    assert inner["offset"].tolist() == [3, 19]  # each inner node points at its first child
    assert root["offset"] == 1
    assert sorted(zip(leaves["min_x"].tolist(), leaves["min_y"].tolist())) == sorted(zip(d["x"], d["y"]))
    assert (leaves["min_x"] == leaves["max_x"]).all()
    features_at = 12 + header_size + 20 * 40
    for leaf in leaves:  # each leaf's offset is where its feature (a size-prefixed buffer) starts
        size = struct.unpack_from("<I", raw, features_at + int(leaf["offset"]))[0]
        x, y = struct.unpack_from("<2d", raw, features_at + int(leaf["offset"]) + 4 + 48)
        assert (x, y) == (leaf["min_x"], leaf["min_y"]) and size >= 68
    assert len(raw) == features_at + sum(struct.unpack_from("<I", raw, features_at + int(o))[0] + 4
                                         for o in leaves["offset"])


def test_hilbert_order_keeps_neighbours_together():
    # the 4 x 4 cells of a 2-bit curve visit each cell once, each step to a neighbouring cell
    cells = np.array([(x, y) for x in range(4) for y in range(4)], np.uint32) * (0xFFFF // 3)
    order = np.argsort(fgb.hilbert(cells[:, 0], cells[:, 1]))
    path = cells[order] // (0xFFFF // 3)
    steps = np.abs(np.diff(path.astype(int), axis=0)).sum(axis=1)
    assert sorted(map(tuple, path.tolist())) == sorted(map(tuple, (cells // (0xFFFF // 3)).tolist()))
    assert (steps == 1).all()


@pytest.mark.parametrize("wkt", ["MULTIPOINT((1 2),(3 4))", "POLYGON((0 0,1 0,1 1,0 0))", "", "MULTIPOINT((1 x))",
                                 "MULTIPOINT((nan 1))"])
def test_anything_but_single_points_is_refused_before_writing(tmp_path, wkt):
    d = sample(3)
    batch = batch_of(d)
    geometry = pa.array(["MULTIPOINT((1 2))", wkt, "POINT (5 6)"])
    batch = pa.RecordBatch.from_arrays([geometry] + batch.columns[1:], batch.schema.names)
    writer = fgb.PointFileWriter(COLUMNS[:1], "EPSG:4326")
    with pytest.raises(fgb.NotSinglePoints):
        writer.add(batch)
    assert not list(tmp_path.iterdir())


def test_point_forms_and_regex_fallback_read_the_same_coordinates():
    column = pa.array(["MULTIPOINT((1.5 -2))", "POINT (3 4.25)", "MULTIPOINT(5 6)", "POINT(-7e2 8)"])
    xs, ys = fgb.point_coordinates(column)
    assert xs.tolist() == [1.5, 3.0, 5.0, -700.0] and ys.tolist() == [-2.0, 4.25, 6.0, 8.0]


def test_malformed_time_column_is_a_malformed_response():
    d = sample(4)
    batch = batch_of(d)
    times = pa.array([[1, 2, 3], [1, 2], [3, 4], [5, 6]], pa.list_(pa.int64()))
    bad = pa.RecordBatch.from_arrays([batch.column(0), times] + batch.columns[2:], batch.schema.names)
    with pytest.raises(MalformedResponseError, match="__time holds 9 values for 4 features"):
        fgb.PointFileWriter(COLUMNS, "EPSG:4326").add(bad)


def test_many_distinct_and_one_huge_text_value(tmp_path):
    n = 5_000
    d = sample(n)
    names = [f"name {k}" * (1 + k % 3) for k in range(n)]
    names[1234] = "é" * 200_000  # one huge value: its block is split, its neighbours stay small
    batch = batch_of(d)
    batch = pa.RecordBatch.from_arrays(batch.columns[:4] + [pa.array(names)] + batch.columns[5:],
                                       batch.schema.names)
    path = tmp_path / "names.fgb"
    fgb.write_points(path, [batch], [COLUMNS[0], COLUMNS[2]], "EPSG:4326")
    assert path.stat().st_size < 3 * (400_000 + n * 200)  # no block padded to the huge value
    source, layer = open_layer(path)
    got = {f.GetField("id"): f.GetField("kind") for f in layer}
    assert got == dict(enumerate(names))


def test_a_crs_without_an_epsg_code_goes_as_wkt(tmp_path):
    reference = osr.SpatialReference()
    reference.ImportFromProj4("+proj=moll +lon_0=10 +datum=WGS84 +units=m +no_defs")
    d = sample(10)
    path = tmp_path / "moll.fgb"
    fgb.write_points(path, [batch_of(d)], COLUMNS[:1], "SR-ORG:999", wkt=reference.ExportToWkt())
    source, layer = open_layer(path)
    assert layer.GetSpatialRef().IsSame(reference)


def test_header_strings_are_null_terminated_flatbuffers():
    header = fgb.header_bytes("points", COLUMNS[:2], 3, (0.0, 1.0, 2.0, 3.0), "EPSG:4326")
    size = struct.unpack_from("<I", header)[0]
    assert size == len(header) - 4
    assert b"points\x00" in header and b"value\x00" in header and b"EPSG\x00" in header
    body = header[4:]
    at = body.index(struct.pack("<4d", 0.0, 1.0, 2.0, 3.0))
    assert at % 8 == 0 and struct.unpack_from("<I", body, at - 4)[0] == 4  # 8-aligned doubles after their count


def test_an_empty_writer_refuses_to_write(tmp_path):
    with pytest.raises(ValueError, match="no features"):
        fgb.PointFileWriter(COLUMNS, "EPSG:4326").write(tmp_path / "none.fgb")
    assert not (tmp_path / "none.fgb").exists()


def test_a_write_that_fails_midway_removes_its_file(tmp_path, monkeypatch):
    calls = []
    original = fgb._records

    def fail_on_the_second_block(*args):
        calls.append(1)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        return original(*args)

    monkeypatch.setattr(fgb, "_BLOCK_ROWS", 100)
    monkeypatch.setattr(fgb, "_records", fail_on_the_second_block)
    path = tmp_path / "half.fgb"
    with pytest.raises(OSError, match="No space left"):
        fgb.write_points(path, [batch_of(sample(250))], COLUMNS, "EPSG:4326")
    assert len(calls) == 2 and not path.exists()


def read_table(buf: bytes, table: int) -> dict:
    """FlatBuffers by the specification: field id -> absolute position of its inline value (present fields)."""
    vtable = table - struct.unpack_from("<i", buf, table)[0]
    vtable_size, inline_size = struct.unpack_from("<HH", buf, vtable)
    assert vtable_size % 2 == 0 and vtable_size >= 4 and vtable % 2 == 0 and table % 4 == 0
    offsets = struct.unpack_from(f"<{(vtable_size - 4) // 2}H", buf, vtable + 4)
    assert all(o < inline_size for o in offsets)
    return {fid: table + o for fid, o in enumerate(offsets) if o}


def test_the_header_decodes_by_the_flatbuffers_rules_with_aligned_scalars():
    header = fgb.header_bytes("pts", COLUMNS[:3], 123_456_789_012, (-1.5, -2.5, 3.5, 4.5), "EPSG:3857")
    buf = header[4:]
    root = struct.unpack_from("<I", buf, 0)[0]
    fields = read_table(buf, root)
    scalars = {2: ("<B", 4), 8: ("<Q", 123_456_789_012), 9: ("<H", 16)}  # geometry type, count, node size
    for fid, (fmt, expected) in scalars.items():
        at = fields[fid]
        assert at % struct.calcsize(fmt) == 0  # natural alignment (the FlatBuffers verifier checks it)
        assert struct.unpack_from(fmt, buf, at)[0] == expected

    def target(at):  # where an offset field points
        return at + struct.unpack_from("<I", buf, at)[0]

    def string(at):
        start = target(at)
        assert start % 4 == 0  # the length is a u32
        length = struct.unpack_from("<I", buf, start)[0]
        assert buf[start + 4 + length] == 0
        return buf[start + 4:start + 4 + length].decode()

    assert string(fields[0]) == "pts"
    envelope = target(fields[1])
    assert struct.unpack_from("<I4d", buf, envelope) == (4, -1.5, -2.5, 3.5, 4.5) and (envelope + 4) % 8 == 0
    columns = target(fields[7])
    assert columns % 4 == 0  # the vector's length is a u32
    count = struct.unpack_from("<I", buf, columns)[0]
    names = []
    for i in range(count):
        column = read_table(buf, target(columns + 4 + 4 * i))
        names.append((string(column[0]), struct.unpack_from("<B", buf, column[1])[0]))
    assert names == [("id", 7), ("value", 10), ("kind", 11)]  # Long, Double, String
    crs = read_table(buf, target(fields[10]))
    assert string(crs[0]) == "EPSG" and struct.unpack_from("<i", buf, crs[1])[0] == 3857 and crs[1] % 4 == 0


def test_the_last_instant_of_year_9999_is_kept_and_the_next_one_is_null(tmp_path):
    d = sample(4)
    last, after = 253_402_300_799_999, 253_402_300_800_000  # 9999-12-31T23:59:59.999Z, 10000-01-01T00:00Z
    d["start"] = np.array([last, after, JAN_2014, -62_135_596_800_000])  # the last one: 0001-01-01T00:00Z
    d["end"] = np.array([last, after, JAN_2014, -62_135_596_800_001])  # a millisecond before year 1
    path = tmp_path / "edges.fgb"
    fgb.write_points(path, [batch_of(d)], [COLUMNS[0], COLUMNS[6], COLUMNS[7]], "EPSG:4326")
    source, layer = open_layer(path)
    got = {f.GetField("id"): (value_of(f, "time_start"), value_of(f, "time_end")) for f in layer}
    assert got == {0: ("9999/12/31 23:59:59.999+00", "9999/12/31 23:59:59.999+00"), 1: (None, None),
                   2: ("2014/01/01 00:00:00+00", "2014/01/01 00:00:00+00"), 3: ("0001/01/01 00:00:00+00", None)}


def test_many_null_patterns_place_every_value(tmp_path):
    """Seven nullable columns give up to 128 different value positions in a record (the scattered path)."""
    n = 3_000
    rng = np.random.default_rng(7)
    d = sample(n)
    columns, arrays, names = [fgb.Column("id", "int", "id")], [], []
    truth = {}
    for c in range(7):
        values = rng.integers(-10**12, 10**12, n)
        nulls = rng.random(n) < 0.5
        arrays.append(pa.array(values, mask=nulls))
        names.append(f"c{c}")
        columns.append(fgb.Column(f"c{c}", "int", f"c{c}"))
        truth[f"c{c}"] = [None if z else int(v) for v, z in zip(values, nulls)]
    base = batch_of(d)
    batch = pa.RecordBatch.from_arrays(base.columns[:3] + arrays, base.schema.names[:3] + names)
    path = tmp_path / "nulls.fgb"
    fgb.write_points(path, [batch], columns, "EPSG:4326")
    assert_columns_read_back(path, truth, n)


def test_the_index_nodes_are_compact_boxes(tmp_path):
    """64 x 64 grid points: in Hilbert order each node of 16 leaves covers a 4 x 4 block of cells (area 9 in
    cell units); any order that is not spatially local makes long, thin or overlapping boxes."""
    gx, gy = np.meshgrid(np.arange(64.0), np.arange(64.0))
    d = sample(64 * 64)
    d["x"], d["y"] = gx.ravel(), gy.ravel()
    path = tmp_path / "grid.fgb"
    fgb.write_points(path, [batch_of(d)], COLUMNS[:1], "EPSG:3857")
    raw = path.read_bytes()
    header_size = struct.unpack_from("<I", raw, 8)[0]
    bounds = fgb.level_bounds(64 * 64)
    nodes = np.frombuffer(raw, fgb._NODE, bounds[0][1], 12 + header_size)
    first, end = bounds[1]  # the nodes just above the leaves
    parents = nodes[first:end]
    areas = (parents["max_x"] - parents["min_x"]) * (parents["max_y"] - parents["min_y"])
    assert len(parents) == 256 and areas.sum() == 256 * 9


def test_a_column_missing_from_one_batch_is_null_there_and_kept_in_the_others(tmp_path):
    first, second = sample(40), sample(30, offset=40)
    full = batch_of(second)
    lacking = batch_of(first)
    keep = [i for i, name in enumerate(lacking.schema.names) if name not in ("value", "flag", "when", "kind")]
    lacking = pa.RecordBatch.from_arrays([lacking.column(i) for i in keep], [lacking.schema.names[i] for i in keep])
    path = tmp_path / "mixed.fgb"
    fgb.write_points(path, [lacking, full], COLUMNS, "EPSG:4326")
    source, layer = open_layer(path)
    got = {f.GetField("id"): tuple(value_of(f, c) for c in ("value", "flag", "when", "kind")) for f in layer}
    assert len(got) == 70
    for k in range(40):
        assert got[k] == (None, None, None, None)
    for k in range(40, 70):
        assert got[k] == (None if second["value_null"][k - 40] else (k % 1000) / 4, int(k % 3 == 0),
                          ms_text(JAN_2014 + k * 1000), None if second["kind_null"][k - 40] else KINDS[k % 4])


def test_text_without_nulls_takes_the_same_place_in_every_record(tmp_path):
    d = sample(500)
    d["value_null"][:] = False
    d["kind_null"][:] = False
    path = tmp_path / "kinds.fgb"
    fgb.write_points(path, [batch_of(d)], COLUMNS[:3], "EPSG:4326")
    source, layer = open_layer(path)
    got = {f.GetField("id"): (f.GetField("value"), f.GetField("kind")) for f in layer}
    assert got == {k: ((k % 1000) / 4, KINDS[k % 4]) for k in range(500)}


def test_values_scattered_over_more_than_64_positions(tmp_path):
    """Nullable bool (3 bytes), int (10) and date/time (30) columns in turn: the last ones start at well over 64
    different places in the records (byte-wise placement)."""
    n = 4_000
    rng = np.random.default_rng(11)
    d = sample(n)
    base = batch_of(d)
    arrays, names, columns, truth = list(base.columns[:3]), list(base.schema.names[:3]), [COLUMNS[0]], {}
    for c in range(12):
        kind = ("bool", "int", "dateTime")[c % 3]
        nulls = rng.random(n) < 0.5
        if kind == "bool":
            values = rng.random(n) < 0.5
            array, expect = pa.array(values.tolist(), mask=nulls), [int(v) for v in values]
        elif kind == "int":
            values = rng.integers(-10**15, 10**15, n)
            array, expect = pa.array(values, mask=nulls), [int(v) for v in values]
        else:
            values = JAN_2014 + rng.integers(0, 10**11, n)
            array, expect = pa.array(values.tolist(), pa.date64(), mask=nulls), [ms_text(int(v)) for v in values]
        arrays.append(array)
        names.append(f"c{c}")
        columns.append(fgb.Column(f"c{c}", kind, f"c{c}"))
        truth[f"c{c}"] = [None if z else v for v, z in zip(expect, nulls)]
    path = tmp_path / "scattered.fgb"
    fgb.write_points(path, [pa.RecordBatch.from_arrays(arrays, names)], columns, "EPSG:4326")
    assert_columns_read_back(path, truth, n)


def test_the_hilbert_curve_steps_to_a_neighbour_at_every_scale():
    """256 x 256 cells spread over the whole 16-bit range (cell k at 257 k): in curve order every step goes to
    an edge neighbour, so every bit of the curve is right, not only the low ones."""
    k = np.arange(256, dtype=np.uint32)
    cx, cy = np.meshgrid(k, k)
    cx, cy = cx.ravel(), cy.ravel()
    order = np.argsort(fgb.hilbert(cx * 257, cy * 257))
    path = np.stack([cx[order], cy[order]], 1).astype(np.int64)
    assert len(np.unique(fgb.hilbert(cx * 257, cy * 257))) == 256 * 256
    assert (np.abs(np.diff(path, axis=0)).sum(axis=1) == 1).all()
    assert tuple(path[0]) == (0, 0)  # the curve starts in a corner


def test_an_r_tree_needs_items_and_nodes_of_two_or_more():
    for count, node_size in ((0, 16), (-1, 16), (5, 1)):
        with pytest.raises(ValueError, match="at least one item and nodes of two or more"):
            fgb.level_bounds(count, node_size)
    assert fgb.level_bounds(3, 2) == [(3, 6), (1, 3), (0, 1)]  # 3 leaves, 2 nodes, the root


def test_dates_without_times_and_a_column_that_is_null_everywhere(tmp_path):
    d = sample(20)
    days = (np.arange(20) * 400 - 3000).astype(np.int32)  # days since 1970, some before it
    batch = batch_of(d)
    stamps = pa.array((JAN_2014 * 1000 + np.arange(20) * 1_500_000).tolist(), pa.timestamp("us", "UTC"))
    batch = pa.RecordBatch.from_arrays(
        batch.columns[:3] + [pa.array(days, pa.date32()), pa.nulls(20, pa.float64()), pa.nulls(20, pa.utf8()), stamps],
        batch.schema.names[:3] + ["day", "nothing", "no_text", "stamp"])
    columns = [COLUMNS[0], fgb.Column("day", "dateTime", "day"), fgb.Column("nothing", "float", "nothing"),
               fgb.Column("no_text", "text", "no_text"), fgb.Column("stamp", "dateTime", "stamp")]
    path = tmp_path / "days.fgb"
    fgb.write_points(path, [batch], columns, "EPSG:4326")
    source, layer = open_layer(path)
    got = {f.GetField("id"): tuple(value_of(f, c) for c in ("day", "nothing", "no_text", "stamp")) for f in layer}
    epoch = dt.date(1970, 1, 1)
    assert got == {i: ((epoch + dt.timedelta(days=int(days[i]))).strftime("%Y/%m/%d 00:00:00+00"), None, None,
                       ms_text(JAN_2014 + i * 1500)) for i in range(20)}


def test_the_hilbert_curve_steps_to_a_neighbour_at_the_finest_scale():
    k = np.arange(256, dtype=np.uint32)
    cx, cy = np.meshgrid(k, k)
    cx, cy = cx.ravel(), cy.ravel()
    for origin in (0, 0xFFFF - 255):  # both ends of the 16-bit range
        order = np.argsort(fgb.hilbert(cx + origin, cy + origin))
        path = np.stack([cx[order], cy[order]], 1).astype(np.int64)
        assert (np.abs(np.diff(path, axis=0)).sum(axis=1) == 1).all()


def test_the_file_holds_a_grid_in_curve_order(tmp_path):
    """256 x 256 points on a grid away from the origin: read in file order, every point is an edge neighbour of
    the one before (the extent, the scaling to 16-bit cells and the sort of the 32-bit keys are all right)."""
    gx, gy = np.meshgrid(np.arange(256), np.arange(256))
    d = sample(256 * 256)
    d["x"], d["y"] = 1000.5 + 0.5 * gx.ravel(), -2000.25 + 0.25 * gy.ravel()
    path = tmp_path / "grid.fgb"
    fgb.write_points(path, [batch_of(d)], COLUMNS[:1], "EPSG:3857")
    source, layer = open_layer(path)
    cells = np.array([((f.GetGeometryRef().GetGeometryRef(0).GetX() - 1000.5) / 0.5,
                       (f.GetGeometryRef().GetGeometryRef(0).GetY() + 2000.25) / 0.25) for f in layer])
    assert len(cells) == 65536 and len(np.unique(cells, axis=0)) == 65536
    assert (np.abs(np.diff(cells, axis=0)).sum(axis=1) == 1).all()


def test_a_file_without_a_crs(tmp_path):
    path = tmp_path / "plain.fgb"
    fgb.write_points(path, [batch_of(sample(5))], COLUMNS[:1], "")
    source, layer = open_layer(path)
    assert layer.GetSpatialRef() is None and layer.GetFeatureCount() == 5


def test_a_not_finite_coordinate_in_the_common_form_is_refused():
    column = pa.array(["MULTIPOINT((1 2))", "MULTIPOINT((nan 1))", "MULTIPOINT((3 inf))"])
    with pytest.raises(fgb.NotSinglePoints, match="not finite"):
        fgb.point_coordinates(column)
    xs, ys = fgb.parse_points(column)  # parsing alone keeps them (memory layers take such points as they come)
    assert xs[0] == 1 and np.isnan(xs[1]) and ys.tolist()[:2] == [2.0, 1.0] and ys[2] == np.inf


def test_large_string_text_with_many_distinct_values(tmp_path):
    n = 1_500  # more distinct values than the dictionary path takes
    d = sample(n)
    names = [f"place {k:05d}" for k in range(n)]
    batch = batch_of(d)
    batch = pa.RecordBatch.from_arrays(batch.columns[:4] + [pa.array(names, pa.large_string())] + batch.columns[5:],
                                       batch.schema.names)
    path = tmp_path / "large.fgb"
    fgb.write_points(path, [batch], [COLUMNS[0], COLUMNS[2]], "EPSG:4326")
    source, layer = open_layer(path)
    assert {f.GetField("id"): f.GetField("kind") for f in layer} == dict(enumerate(names))


def test_the_layer_is_named_in_the_header_and_after_the_file_without_a_name(tmp_path):
    named, unnamed = tmp_path / "file-a.fgb", tmp_path / "file-b.fgb"
    fgb.write_points(named, [batch_of(sample(3))], COLUMNS[:1], "EPSG:4326", name="Ports 2014")
    fgb.write_points(unnamed, [batch_of(sample(3))], COLUMNS[:1], "EPSG:4326")
    opened = [open_layer(named), open_layer(unnamed)]  # each (dataset, layer): the dataset must stay alive
    assert [layer.GetName() for _, layer in opened] == ["Ports 2014", "file-b"]


def test_a_geometry_column_that_is_not_text_is_refused():
    for column in (pa.array([b"\x01\x01"], pa.binary()), pa.array([1.5])):
        with pytest.raises(fgb.NotSinglePoints, match="not WKT text"):
            fgb.point_coordinates(column)


def test_columns_are_values():
    column = fgb.Column("id", "int", "id")
    with pytest.raises(AttributeError):
        column.name = "other"
    assert column == fgb.Column("id", "int", "id")


def test_points_closer_than_a_256th_of_the_extent_are_in_curve_order_too(tmp_path):
    """A 64 x 64 grid one curve cell apart in a corner of a 65 535 wide extent (set by one far point): the finest
    bits of the curve and of the sort decide their order."""
    gx, gy = np.meshgrid(np.arange(64.0), np.arange(64.0))
    d = sample(64 * 64 + 1)
    d["x"] = np.append(gx.ravel(), 65535.0)
    d["y"] = np.append(gy.ravel(), 65535.0)
    path = tmp_path / "fine.fgb"
    fgb.write_points(path, [batch_of(d)], COLUMNS[:1], "EPSG:3857")
    source, layer = open_layer(path)
    points = [(f.GetGeometryRef().GetGeometryRef(0).GetX(), f.GetGeometryRef().GetGeometryRef(0).GetY())
              for f in layer]
    grid = np.array([p for p in points if p != (65535.0, 65535.0)])
    assert len(grid) == 64 * 64
    assert (np.abs(np.diff(grid, axis=0)).sum(axis=1) == 1).all()


def test_two_text_columns_written_byte_by_byte(tmp_path):
    n = 1_200  # more distinct values than the dictionary takes, in both columns
    d = sample(n)
    first = [f"a{k}" * (1 + k % 4) for k in range(n)]
    second = [None if k % 9 == 0 else f"b{k:04d}" for k in range(n)]
    batch = batch_of(d)
    batch = pa.RecordBatch.from_arrays(batch.columns[:3] + [pa.array(first), pa.array(second)],
                                       batch.schema.names[:3] + ["first", "second"])
    path = tmp_path / "texts.fgb"
    columns = [COLUMNS[0], fgb.Column("first", "text", "first"), fgb.Column("second", "text", "second")]
    fgb.write_points(path, [batch], columns, "EPSG:4326")
    source, layer = open_layer(path)
    got = {f.GetField("id"): (value_of(f, "first"), value_of(f, "second")) for f in layer}
    assert got == {k: (first[k], second[k]) for k in range(n)}


def hilbert_distance(x: int, y: int, side: int = 1 << 16) -> int:
    """The textbook xy -> d of a Hilbert curve over a ``side`` x ``side`` grid, one level at a time."""
    d, s = 0, side // 2
    while s > 0:
        rx, ry = int(x & s > 0), int(y & s > 0)
        d += s * s * ((3 * rx) ^ ry)
        if ry == 0:
            if rx == 1:
                x, y = s - 1 - x, s - 1 - y
            x, y = y, x
        s //= 2
    return d


def test_the_branch_free_curve_equals_the_textbook_one():
    rng = np.random.default_rng(3)
    cells = np.concatenate([rng.integers(0, 1 << 16, (3_000, 2)), [[0, 0], [65535, 65535], [0, 65535], [65535, 0]]])
    keys = fgb.hilbert(cells[:, 0].astype(np.uint32), cells[:, 1].astype(np.uint32))
    assert keys.tolist() == [hilbert_distance(int(x), int(y)) for x, y in cells]


def test_batches_of_one_and_of_none_feature(tmp_path):
    d = sample(4)
    whole = batch_of(d)
    path = tmp_path / "small.fgb"
    written = fgb.write_points(path, [whole.slice(0, 1), whole.slice(1, 0), whole.slice(1, 3)], COLUMNS[:1], "")
    source, layer = open_layer(path)
    assert written.count == 4 and sorted(f.GetField("id") for f in layer) == [0, 1, 2, 3]
    with pytest.raises(AttributeError):  # what was written is a record, not a handle to change
        written.count = 5
