"""Vector streams against the test server: batches vs OGR, typed attributes, times, GeoDataFrames, errors."""

from __future__ import annotations

import datetime as dt
import sys
from collections import Counter
from pathlib import Path

import pytest
from osgeo import ogr

sys.path.insert(0, str(Path(__file__).parent))
from geoengine_qgis.core.errors import InputError, StreamClosedError  # noqa: E402
from geoengine_qgis.core.types import QueryRectangle  # noqa: E402
from geoengine_qgis.core.vector_stream import (  # noqa: E402
    stream_vector_batches,
    vector_stream,
    vector_stream_into_geopandas,
)
from stream_helpers import DATA, NDVI, POINTS_WITH_TIME, PORTS, PORTS_SHP, workflow  # noqa: E402

pytestmark = pytest.mark.timeout(120)

WORLD = (-180.0, -90.0, 180.0, 90.0)
ANY_TIME = ("2000-01-01T00:00:00Z", "2030-01-01T00:00:00Z")


def _key(name, x, y, scalerank, natlscale, featurecla, website) -> tuple:
    return (name, round(x, 6), round(y, 6), scalerank, round(natlscale, 6), featurecla, website or None)


def ogr_ports() -> Counter:
    """Every port of the shapefile as a comparable tuple (a multiset: some ports are listed twice)."""
    source = ogr.Open(str(PORTS_SHP))
    layer = source.GetLayer(0)
    ports = Counter()
    for feature in layer:
        point = feature.GetGeometryRef()
        ports[_key(feature.GetField("name"), point.GetX(), point.GetY(), feature.GetField("scalerank"),
                   feature.GetField("natlscale"), feature.GetField("featurecla"), feature.GetField("website"))] += 1
    return ports


def test_ports_batches_equal_the_shapefile(base_url) -> None:
    ports = workflow(base_url, PORTS)
    progress = []
    batches = list(stream_vector_batches(ports, QueryRectangle(WORLD, ANY_TIME),
                                         progress=lambda done, expected: progress.append((done, expected))))
    assert progress == [(i + 1, None) for i in range(len(batches))]
    first = batches[0]
    assert first.spatial_reference == "EPSG:4326"
    assert first.column_types == {"website": "text", "name": "text", "natlscale": "float", "scalerank": "int",
                                  "featurecla": "text"}
    streamed = Counter()
    for batch in batches:
        for wkt, values, _start, _end in batch.rows():
            row = dict(zip(batch.columns, values))
            assert isinstance(row["scalerank"], int) and isinstance(row["natlscale"], float)
            geometry = ogr.CreateGeometryFromWkt(wkt)
            point = geometry.GetGeometryRef(0) if geometry.GetGeometryCount() else geometry
            streamed[_key(row["name"], point.GetX(), point.GetY(), row["scalerank"], row["natlscale"],
                          row["featurecla"], row["website"])] += 1
    assert streamed == ogr_ports()


def test_small_bbox_filters_features(base_url) -> None:
    ports = workflow(base_url, PORTS)
    box = (5.0, 50.0, 10.0, 55.0)
    batches = list(stream_vector_batches(ports, QueryRectangle(box, ANY_TIME)))
    names = sorted(name for b in batches for name in b.columns["name"])
    inside = sorted(name for (name, x, y, *_), n in ogr_ports().items() for _ in range(n)
                    if box[0] <= x <= box[2] and box[1] <= y <= box[3])
    assert names == inside and len(inside) > 0


def test_points_with_time_carry_their_feature_times(base_url) -> None:
    points = workflow(base_url, POINTS_WITH_TIME)
    batches = list(stream_vector_batches(points, QueryRectangle(WORLD, ("2014-01-01T00:00:00Z",
                                                                        "2015-01-01T00:00:00Z"))))
    features = [(wkt, s, e) for b in batches for wkt, _, s, e in b.rows()]
    source = ogr.Open(str(DATA / "vector/data/points_with_time.json"))
    layer = source.GetLayer(0)
    assert len(features) == layer.GetFeatureCount()
    expected = set()
    for feature in layer:
        start = dt.datetime.strptime(feature.GetField("time_start"), "+%Y-%m-%d %H:%M:%S %z")
        end = dt.datetime.strptime(feature.GetField("time_end"), "+%Y-%m-%d %H:%M:%S %z")
        expected.add((int(start.timestamp() * 1000), int(end.timestamp() * 1000)))
    assert {(s, e) for _, s, e in features} == expected
    batch = batches[0]
    assert batch.time_start[0] == dt.datetime.fromtimestamp(batch.time_start_ms[0] / 1000, dt.timezone.utc)


def test_geodataframes_have_geometry_crs_and_utc_times(base_url) -> None:
    ports = workflow(base_url, PORTS)
    frames = list(vector_stream(ports, QueryRectangle(WORLD, ANY_TIME)))
    assert sum(len(f) for f in frames) == sum(ogr_ports().values())
    frame = vector_stream_into_geopandas(ports, QueryRectangle(WORLD, ANY_TIME))
    assert len(frame) == sum(ogr_ports().values()) and list(frame.index) == list(range(len(frame)))
    assert frame.crs.to_epsg() == 4326
    assert frame.geometry.geom_type.isin(["MultiPoint", "Point"]).all()
    assert str(frame["time_start"].dt.tz) == "UTC" and str(frame["time_end"].dt.tz) == "UTC"
    assert frame["scalerank"].dtype.kind == "i" and frame["natlscale"].dtype.kind == "f"
    points = workflow(base_url, POINTS_WITH_TIME)
    timed = vector_stream_into_geopandas(points, QueryRectangle(WORLD, ("2014-01-01T00:00:00Z",
                                                                        "2015-01-01T00:00:00Z")))
    assert timed["time_start"].min().year == 2014


def test_errors_raster_workflow_and_stream_failure(base_url, faults) -> None:
    with pytest.raises(InputError, match="vector"):
        next(stream_vector_batches(workflow(base_url, NDVI), QueryRectangle(WORLD, ANY_TIME)))
    ports = workflow(base_url, PORTS)
    faults.stream_fail_after = 0
    with pytest.raises(StreamClosedError) as info:
        list(stream_vector_batches(ports, QueryRectangle(WORLD, ANY_TIME)))
    assert info.value.code == 1011


@pytest.mark.timeout(60)
def test_cancel_and_malformed_batches(base_url, faults) -> None:
    import threading

    from geoengine_qgis.core.errors import MalformedResponseError
    from geoengine_qgis.core.streaming import StreamCancelledError

    ports = workflow(base_url, PORTS)
    faults.slow_tile_s = 600.0  # only a cancel that interrupts the wait ends this (else the test times out)
    flag = threading.Event()
    threading.Timer(0.3, flag.set).start()
    with pytest.raises(StreamCancelledError):
        list(stream_vector_batches(ports, QueryRectangle(WORLD, ANY_TIME), cancelled=flag.is_set))
    faults.slow_tile_s = 0.0
    faults.malformed_arrow = True
    with pytest.raises(MalformedResponseError, match="Arrow IPC"):
        list(stream_vector_batches(ports, QueryRectangle(WORLD, ANY_TIME)))


def test_every_column_type_decodes_to_python_values() -> None:
    import pyarrow as pa
    from geoengine_qgis.core.raster import RasterStreamProcessing
    from geoengine_qgis.core.vector_stream import FeatureBatch

    times = pa.FixedSizeListArray.from_arrays(pa.array([0, 1000, -8334601228800000, 8210266876799999], pa.int64()), 2)
    columns = {
        "i": pa.array([1, None], pa.int64()), "f": pa.array([1.5, None], pa.float64()),
        "t": pa.array(["a", None], pa.utf8()), "b": pa.array([True, None], pa.bool_()),
        "c": pa.array([3, None], pa.uint8()), "d": pa.array([86_400_000, None], pa.int64()).cast(pa.date64()),
    }
    arrays = [pa.array(["POINT (1 2)", ""], pa.utf8()), times, *columns.values()]
    schema = pa.schema([pa.field("__geometry", pa.utf8()), pa.field("__time", pa.list_(pa.int64(), 2)),
                        *(pa.field(k, v.type) for k, v in columns.items())], metadata={"spatialReference": ""})
    sink = pa.BufferOutputStream()
    with pa.ipc.new_file(sink, schema) as writer:
        writer.write_batch(pa.RecordBatch.from_arrays(arrays, schema=schema))
    batch = FeatureBatch.from_record_batch(RasterStreamProcessing.read_arrow_ipc(sink.getvalue().to_pybytes()))
    assert batch.column_types == {"i": "int", "f": "float", "t": "text", "b": "bool", "c": "category",
                                  "d": "dateTime"}
    assert [batch.columns[k][0] for k in "iftbc"] == [1, 1.5, "a", True, 3]
    assert batch.columns["d"][0] == dt.datetime(1970, 1, 2, tzinfo=dt.timezone.utc)
    assert all(batch.columns[k][1] is None for k in "iftbcd")
    assert batch.wkt == ["POINT (1 2)", None] and batch.spatial_reference == ""
    assert batch.time_start == [dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc), None]  # beginning of time
    assert batch.time_end_ms.tolist() == [1000, 8210266876799999]
