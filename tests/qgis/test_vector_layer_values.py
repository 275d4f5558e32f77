"""qgis_glue.vector_layers without a server: field plans, URIs, geometries, the point fast path, converters and the
memory layer's feature counts, each against hand-built batches and hand-worked values."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pyarrow as pa
import pytest
from geoengine_qgis.core.vector_stream import FeatureBatch

pytestmark = pytest.mark.qgis
UTC = dt.timezone.utc
APRIL = 1396310400000


def descriptor(columns, data_type="MultiPoint", time=True, srs="EPSG:4326"):
    from geoengine_qgis.core.descriptors import VectorResultDescriptor

    bounds = {"start": APRIL, "end": APRIL + 86400000} if time else None
    return VectorResultDescriptor.from_response({
        "type": "vector", "dataType": data_type, "spatialReference": srs,
        "columns": {name: {"dataType": kind, "measurement": {"type": "unitless"}} for name, kind in columns.items()},
        "time": bounds, "bbox": None})


def points_batch(xs, names, times=None) -> FeatureBatch:
    count = len(xs)
    times = times or [(APRIL, APRIL)] * count
    record = pa.RecordBatch.from_arrays(
        [pa.array([f"MULTIPOINT(({x} {x / 2}))" for x in xs]), pa.array([list(t) for t in times], pa.list_(
            pa.int64(), 2)), pa.array(names)], names=["__geometry", "__time", "name"])
    return FeatureBatch.from_record_batch(record, {"name": "text"})


def test_time_fields_get_free_names(qgis_app):
    from geoengine_qgis.qgis_glue.vector_layers import plan_fields

    plan = plan_fields(descriptor({"time_start": "text", "time_end": "text", "time_start_2": "int"}))
    assert (plan.time_start_field, plan.time_end_field) == ("time_start_3", "time_end_2")
    plain = plan_fields(descriptor({"a": "int"}))
    assert (plain.time_start_field, plain.time_end_field) == ("time_start", "time_end")
    assert [f.name() for f in plain.qgs_fields()] == ["a", "time_start", "time_end"]
    timeless = plan_fields(descriptor({"a": "int"}, time=False))
    assert timeless.time_start_field is None and [f.name() for f in timeless.qgs_fields()] == ["a"]


def test_memory_layer_uri(qgis_app):
    from geoengine_qgis.qgis_glue.vector_layers import memory_layer_uri, plan_fields

    with_time = descriptor({"a&b": "float"})
    assert memory_layer_uri(with_time, plan_fields(with_time)) == (
        "MultiPoint?crs=EPSG:4326&field=a%26b:double&field=time_start:datetime&field=time_end:datetime")
    bare = descriptor({}, time=False, srs="")
    assert memory_layer_uri(bare, plan_fields(bare)) == "MultiPoint?"


def test_geometries_from_wkt(qgis_app):
    from geoengine_qgis.core.errors import MalformedResponseError
    from geoengine_qgis.qgis_glue.vector_layers import _geometry

    assert _geometry(None, True).isNull() and _geometry("", True).isNull()
    assert _geometry("POINT (1 2)", True).asWkt() == "MultiPoint ((1 2))"
    assert _geometry("POINT (1 2)", False).asWkt() == "Point (1 2)"
    assert _geometry("MULTIPOINT ((1 2))", False).asWkt() == "MultiPoint ((1 2))"
    bad = "POLYGON " + "x" * 80
    with pytest.raises(MalformedResponseError) as caught:
        _geometry(bad, True)
    assert str(caught.value) == f"unreadable WKT geometry {bad[:60]!r}"


def test_point_fast_path_and_its_fallbacks(qgis_app):
    from geoengine_qgis.qgis_glue.vector_layers import point_coordinates, point_geometries

    xs, ys = point_coordinates(points_batch([1.5, -2.0], ["a", "b"]))
    assert xs.tolist() == [1.5, -2.0] and ys.tolist() == [0.75, -1.0]
    one = points_batch([3.0], ["c"])
    assert point_coordinates(one)[0].tolist() == [3.0]
    empty = FeatureBatch([], np.array([], np.int64), np.array([], np.int64), {}, {}, "", None)
    assert point_coordinates(empty) is None
    lines = pa.RecordBatch.from_arrays([pa.array(["LINESTRING (0 0, 1 1)"]), pa.array([[0, 1]], pa.list_(
        pa.int64(), 2))], names=["__geometry", "__time"])
    assert point_coordinates(FeatureBatch.from_record_batch(lines)) is None
    holes = pa.RecordBatch.from_arrays([pa.array(["POINT (1 1)", None]), pa.array([[0, 1], [0, 1]], pa.list_(
        pa.int64(), 2))], names=["__geometry", "__time"])
    assert point_coordinates(FeatureBatch.from_record_batch(holes)) is None
    multi = [g.asWkt() for g in point_geometries(np.array([1.0, 2.0]), np.array([3.0, 4.0]), True)]
    single = [g.asWkt() for g in point_geometries(np.array([1.0]), np.array([3.0]), False)]
    assert multi == ["MultiPoint ((1 3))", "MultiPoint ((2 4))"] and single == ["Point (1 3)"]


def test_converter_values_and_times(qgis_app):
    from geoengine_qgis.core.descriptors import FeatureDataType
    from geoengine_qgis.qgis_glue.vector_layers import _Converter

    converter = _Converter()
    assert converter.column(None, FeatureDataType.INT, 3) == [None, None, None]
    assert converter.column([1, None], FeatureDataType.INT, 2) == [1, None]
    moment = dt.datetime(2014, 4, 1, 12, tzinfo=UTC)
    converted = converter.column([moment, None, "x", moment], FeatureDataType.DATETIME, 4)
    assert converted[0].toString("yyyy-MM-dd HH:mm") == "2014-04-01 12:00" and converted[1:3] == [None, None]
    assert converted[3] is converted[0]  # cached per distinct value
    assert converter.time(APRIL).toString("yyyy-MM-dd") == "2014-04-01" and converter.time(APRIL) is converter.time(
        APRIL)
    assert converter.time(10**18) is None  # beyond the calendar: an open end


def test_worker_builder_counts_every_feature_in_chunks_and_append_reports_refusals(qgis_app):
    from geoengine_qgis.core.errors import MalformedResponseError
    from geoengine_qgis.qgis_glue.vector_layers import (
        ADD_CHUNK,
        WorkerLayerBuilder,
        append_batches,
        features_from_batch,
        plan_fields,
    )

    assert ADD_CHUNK == 256
    plan_descriptor = descriptor({"name": "text"})
    plan = plan_fields(plan_descriptor)
    builder = WorkerLayerBuilder(plan_descriptor, plan, "many")
    count = 2 * ADD_CHUNK + 1
    assert builder.add(points_batch([float(i) for i in range(count)], [str(i) for i in range(count)])) == count
    assert builder.add(points_batch([1.0], ["x"])) == 1 and builder.count == count + 1
    layer = builder.finish()
    assert layer.featureCount() == count + 1 and layer.extent().xMaximum() == count - 1
    features = features_from_batch(points_batch([5.0], ["y"]), plan, layer.fields())
    assert features[0].geometry().asWkt() == "MultiPoint ((5 2.5))"  # multi by default
    assert append_batches(layer, [features]) == 1 and layer.extent().xMaximum() == count - 1
    assert append_batches(layer, [features_from_batch(points_batch([9999.0], ["z"]), plan, layer.fields())],
                          update_extents=False) == 1
    assert layer.extent().xMaximum() == count - 1  # extent not updated on request
    layer.updateExtents()
    assert layer.extent().xMaximum() == 9999.0
    wrong = features_from_batch(points_batch([1.0], ["w"]), plan, layer.fields())
    wrong[0].setAttributes(["w", "not a time", "x", "y"])  # one attribute too many
    with pytest.raises(MalformedResponseError, match="QGIS refused a batch of 1 features"):
        append_batches(layer, [wrong])


def test_fast_path_needs_a_geometry_column(qgis_app):
    from geoengine_qgis.qgis_glue.vector_layers import point_coordinates

    record = pa.RecordBatch.from_arrays([pa.array([[0, 1], [1, 2]], pa.list_(pa.int64(), 2)), pa.array(["a", "b"])],
                                        names=["__time", "s"])
    assert point_coordinates(FeatureBatch.from_record_batch(record)) is None  # a data collection


def test_append_updates_the_extent_by_default_and_names_the_last_three_errors(qgis_app):
    from geoengine_qgis.core.errors import MalformedResponseError
    from geoengine_qgis.qgis_glue.vector_layers import append_batches, create_memory_layer, features_from_batch
    from geoengine_qgis.qgis_glue.vector_layers import plan_fields as plan_of

    layer_descriptor = descriptor({"name": "text"})
    plan = plan_of(layer_descriptor)
    layer = create_memory_layer(layer_descriptor, plan, "extent")
    append_batches(layer, [features_from_batch(points_batch([1.0, 2.0], ["a", "b"]), plan, layer.fields())])
    assert layer.extent().xMaximum() == 2.0
    append_batches(layer, [features_from_batch(points_batch([40.0], ["c"]), plan, layer.fields())])
    assert layer.extent().xMaximum() == 40.0  # updated without being asked
    messages = []
    for i in range(4):
        wrong = features_from_batch(points_batch([1.0], [f"w{i}"]), plan, layer.fields())
        wrong[0].setAttributes([f"w{i}", "not a time", "x", "y"])  # refused: a text where a time goes
        with pytest.raises(MalformedResponseError) as caught:
            append_batches(layer, [wrong])
        messages.append(str(caught.value))
    errors = layer.dataProvider().errors()
    assert len(errors) >= 4
    assert messages[-1] == f"QGIS refused a batch of 1 features: {'; '.join(errors[-3:])}"


def test_point_layers_frozen_plans_and_multi_points_from_the_builder(qgis_app):
    import dataclasses

    from geoengine_qgis.qgis_glue.vector_layers import WorkerLayerBuilder, is_point_layer, plan_fields
    from qgis.core import QgsVectorLayer

    plan_descriptor = descriptor({"name": "text"})
    plan = plan_fields(plan_descriptor)
    with pytest.raises(dataclasses.FrozenInstanceError):
        plan.columns = []
    builder = WorkerLayerBuilder(plan_descriptor, plan, "pts")
    builder.add(points_batch([2.0], ["p"]))
    layer = builder.finish()
    assert [f.geometry().asWkt() for f in layer.getFeatures()] == ["MultiPoint ((2 1))"]
    assert is_point_layer(layer)
    assert not is_point_layer(QgsVectorLayer("Polygon?crs=EPSG:4326", "poly", "memory"))
