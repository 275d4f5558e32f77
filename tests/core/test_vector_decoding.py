"""core.vector_stream decoding with hand-built Arrow batches: declared column types converted (nulls kept), the
time column, pandas' clamped time range, the CRS check, and GeoDataFrames concatenated from several batches.

Truth: the batch format of geo-engine/geoengine@5748ef7:datatypes/src/collections (``__geometry`` WKT, ``__time``
as pairs of int64 ms, one column per attribute), Geo Engine's beginning/end of time (-8334601228800000,
8210266876799999 ms) and pandas' documented Timestamp.min/max.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

sys.path.insert(0, str(Path(__file__).parent))
from geoengine_qgis.core import vector_stream as vs  # noqa: E402
from geoengine_qgis.core.errors import InputError, MissingDependencyError  # noqa: E402
from geoengine_qgis.core.types import QueryRectangle  # noqa: E402
from stream_helpers import PORTS, workflow  # noqa: E402

BEGIN, END = -8334601228800000, 8210266876799999
APRIL = 1396310400000


def batch(columns: dict, times, srs="EPSG:4326") -> pa.RecordBatch:
    arrays = {"__geometry": pa.array([f"POINT ({i} {i})" for i in range(len(times))]),
              "__time": pa.array([list(t) for t in times], pa.list_(pa.int64(), 2)), **columns}
    return pa.RecordBatch.from_arrays(list(arrays.values()), schema=pa.schema(
        [pa.field(name, array.type) for name, array in arrays.items()], metadata={"spatialReference": srs}))


def test_declared_types_convert_other_arrow_types_and_keep_nulls():
    decoded = vs.FeatureBatch.from_record_batch(batch({
        "i": pa.array([1.0, None]), "c": pa.array([2.0, None]), "f": pa.array([3, None]),
        "b": pa.array([1, None]), "t": pa.array([7, None]), "m": pa.array([8, None]),
        "l": pa.array(["x", None], pa.large_string()), "d": pa.array([APRIL, None], pa.timestamp("ms")),
    }, [(APRIL, APRIL)] * 2), {"i": "int", "c": "category", "f": "float", "b": "bool", "t": "text", "m": "mystery",
                               "l": "text", "d": "dateTime"})
    assert decoded.columns["i"] == [1, None] and type(decoded.columns["i"][0]) is int
    assert decoded.columns["c"] == [2, None] and type(decoded.columns["c"][0]) is int
    assert decoded.columns["f"] == [3.0, None] and type(decoded.columns["f"][0]) is float
    assert decoded.columns["b"] == [True, None]
    assert decoded.columns["t"] == ["7", None] and decoded.columns["m"] == ["8", None]
    assert decoded.columns["l"] == ["x", None]
    assert decoded.columns["d"] == [dt.datetime(2014, 4, 1, tzinfo=dt.timezone.utc), None]
    assert decoded.column_types == {"i": "int", "c": "category", "f": "float", "b": "bool", "t": "text", "m": "mystery",
                             "l": "text", "d": "dateTime"}
    assert decoded.spatial_reference == "EPSG:4326" and decoded.wkt == ["POINT (0 0)", "POINT (1 1)"]


def test_undeclared_columns_take_their_arrow_type():
    decoded = vs.FeatureBatch.from_record_batch(batch({
        "n": pa.array([1], pa.int32()), "k": pa.array([2], pa.uint8()), "x": pa.array([0.5]),
        "y": pa.array([True]), "s": pa.array(["a"]), "w": pa.array([APRIL], pa.date64())}, [(0, 1)]))
    assert decoded.column_types == {"n": "int", "k": "category", "x": "float", "y": "bool", "s": "text",
                                    "w": "dateTime"}
    assert [t for t in vs.ARROW_OF_COLUMN_TYPE] == ["int", "float", "text", "bool", "category", "dateTime"]


def test_geodataframe_times_are_clamped_to_pandas_range():
    decoded = vs.FeatureBatch.from_record_batch(batch({}, [(BEGIN, END), (APRIL, APRIL + 1)]))
    frame = vs.batch_to_geodataframe(decoded)
    if int(pd.__version__.split(".")[0]) >= 2:
        assert frame["time_start"][0] == pd.Timestamp(np.datetime64(BEGIN, "ms")).tz_localize("UTC")
    else:  # pandas 1: 1677-09-21 00:12:43.145224193 .. 2262-04-11 23:47:16.854775807, to whole milliseconds inside
        assert frame["time_start"][0] == pd.Timestamp("1677-09-21 00:12:43.146", tz="UTC")
        assert frame["time_end"][0] == pd.Timestamp("2262-04-11 23:47:16.854", tz="UTC")
    assert frame["time_start"][1] == pd.Timestamp("2014-04-01", tz="UTC")
    assert frame["time_end"][1] == pd.Timestamp("2014-04-01 00:00:00.001", tz="UTC")
    assert frame.crs.to_epsg() == 4326 and list(frame.geometry.x) == [0.0, 1.0]


def test_streams_take_bounds_in_the_workflows_crs():
    def fake(srs):
        return SimpleNamespace(_require_vector=lambda: SimpleNamespace(spatial_reference=srs))

    query = QueryRectangle((0, 0, 1, 1), "2014-04-01T00:00:00Z", srs="EPSG:3857")
    with pytest.raises(InputError) as caught:
        vs._vector_params(fake("EPSG:4326"), query)
    assert caught.value.field == "query_rectangle.srs" and "EPSG:4326" in str(caught.value)
    assert vs._vector_params(fake(""), query)["spatialBounds"] == "0.0,0.0,1.0,1.0"  # no CRS: nothing to check


def test_without_geopandas_the_package_is_named(monkeypatch):
    monkeypatch.setitem(sys.modules, "geopandas", None)
    with pytest.raises(MissingDependencyError) as caught:
        vs.batch_to_geodataframe(vs.FeatureBatch.from_record_batch(batch({}, [(0, 1)])))
    assert caught.value.package == "geopandas"


def test_batch_size_cap_is_64_mib():
    assert vs.MAX_BATCH_BYTES == 64 * 1024 * 1024


@pytest.mark.parametrize("fresh_server", [{"vector_chunk_bytes": 2048}], indirect=True)
def test_several_batches_become_one_frame_indexed_from_zero(fresh_server):
    ports = workflow(fresh_server.base_url, PORTS)
    query = QueryRectangle((-180.0, -90.0, 180.0, 90.0), ("2014-04-01T00:00:00Z", "2014-04-01T00:00:00Z"))
    frames = list(vs.vector_stream(ports, query))
    assert len(frames) > 2
    whole = vs.vector_stream_into_geopandas(ports, query)
    assert len(whole) == sum(len(f) for f in frames) and list(whole.index) == list(range(len(whole)))
    assert whole.crs.to_epsg() == 4326
    assert list(whole["name"]) == [n for f in frames for n in f["name"]]


def test_a_data_collection_has_no_geometries_and_the_batch_repr_leaves_out_arrow():
    times = pa.array([[0, 1], [1, 2]], pa.list_(pa.int64(), 2))
    record = pa.RecordBatch.from_arrays([times, pa.array(["a", "b"])], names=["__time", "s"])
    decoded = vs.FeatureBatch.from_record_batch(record)
    assert decoded.wkt == [None, None] and decoded.columns["s"] == ["a", "b"] and len(decoded) == 2
    assert "record_batch" not in repr(decoded)
