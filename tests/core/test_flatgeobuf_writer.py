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
    moment = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc) + dt.timedelta(milliseconds=ms)
    return moment.strftime("%Y/%m/%d %H:%M:%S+00")


def open_layer(path):
    ogr.UseExceptions()
    source = ogr.Open(str(path))
    return source, source.GetLayer(0)


def value_of(feature, name):
    return feature.GetField(name) if feature.IsFieldSetAndNotNull(name) else None


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


def test_the_spatial_index_answers_box_queries_exactly(tmp_path):
    d = sample(20_000)
    path = tmp_path / "points.fgb"
    fgb.write_points(path, [batch_of(d)], COLUMNS[:1], "EPSG:4326")
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
