"""The generated ``synthetic_points`` dataset as a memory layer: count, typed fields, times and point geometries
checked against the closed form (computed here with numpy), built in the worker and handed to the main thread."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from plugin_support import register_in as register
from plugin_support import request, run_load

pytestmark = pytest.mark.qgis

POINTS = {"type": "Vector", "operator": {"type": "OgrSource", "params": {"data": "synthetic_points"}}}
A1, A2 = 0.7548776662466927, 0.5698402909980532


def closed_form(index: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    i = index.astype(np.float64)
    return (np.round(-180.0 + 360.0 * np.modf(0.5 + i * A1)[0], 6),
            np.round(-90.0 + 180.0 * np.modf(0.5 + i * A2)[0], 6))


def test_april_of_the_million_points_loads_with_fields_times_and_an_index(loader, session, qgis_app):
    from qgis.core import QgsFeatureRequest, QgsFeatureSource, QgsWkbTypes

    workflow_id = register(session, POINTS)
    outcome, _ = run_load(loader, session, request(workflow_id, bounds=(-180, -90, 180, 90), name="points",
                                                   start="2014-04-15T00:00:00.000Z"), timeout=300)
    assert outcome.ok, outcome.error
    layer = outcome.layers[0]
    ids = np.arange(1_000_000)
    april = ids[ids % 12 == 3]  # month i % 12 == 3 is April 2014
    assert layer.featureCount() == len(april) > 80_000
    assert layer.thread() is qgis_app.thread()  # built in the worker, moved to the main thread
    assert layer.dataProvider().hasSpatialIndex() == QgsFeatureSource.SpatialIndexPresence.SpatialIndexPresent
    assert QgsWkbTypes.displayString(layer.wkbType()) == "MultiPoint"
    fields = {f.name(): f.typeName().lower() for f in layer.fields()}
    assert fields == {"id": "int8", "value": "double", "kind": "string", "time_start": "datetime",
                      "time_end": "datetime"}

    features = {}
    for feature in layer.getFeatures(QgsFeatureRequest().setFilterExpression('"id" % 997 = 0')):
        features[feature["id"]] = feature
    expected_ids = april[april % 997 == 0]
    assert sorted(features) == expected_ids.tolist() and len(expected_ids) > 50
    xs, ys = closed_form(expected_ids)
    start = dt.datetime(2014, 4, 1, tzinfo=dt.timezone.utc)
    end = dt.datetime(2014, 5, 1, tzinfo=dt.timezone.utc)
    for i, x, y in zip(expected_ids.tolist(), xs.tolist(), ys.tolist()):
        feature = features[i]
        point = feature.geometry().constGet().geometryN(0)
        assert (point.x(), point.y()) == (x, y)
        assert feature["value"] == (i % 1000) / 4 and feature["kind"] == ("harbour", "station", "tower", "well")[i % 4]
        assert feature["time_start"].toMSecsSinceEpoch() == int(start.timestamp() * 1000)
        assert feature["time_end"].toMSecsSinceEpoch() == int(end.timestamp() * 1000)
    extent = layer.extent()
    assert extent.xMinimum() >= -180 and extent.xMaximum() <= 180 and extent.width() > 359


def test_the_whole_million_becomes_an_indexed_file_layer_with_the_same_fields(loader, session, qgis_app, tempdir):
    from qgis.core import QgsFeatureRequest, QgsFeatureSource, QgsRectangle, QgsWkbTypes
    from qgis.PyQt.QtCore import QVariant

    workflow_id = register(session, POINTS)
    outcome, _ = run_load(loader, session, request(workflow_id, bounds=(-180, -90, 180, 90), name="points",
                                                   start="2014-01-01T00:00:00.000Z",
                                                   end="2015-01-01T00:00:00.000Z"), timeout=300)
    assert outcome.ok, outcome.error
    layer = outcome.layers[0]
    assert layer.providerType() == "ogr" and layer.source().split("|")[0].endswith(".fgb")
    assert layer.customProperty("geoengine/mode") == "flatgeobuf"
    assert layer.featureCount() == 1_000_000
    assert layer.thread() is qgis_app.thread()
    assert layer.dataProvider().hasSpatialIndex() == QgsFeatureSource.SpatialIndexPresence.SpatialIndexPresent
    assert QgsWkbTypes.displayString(layer.wkbType()) == "MultiPoint"
    assert {f.name(): f.type() for f in layer.fields()} == {  # the memory layer's types (test above)
        "id": QVariant.LongLong, "value": QVariant.Double, "kind": QVariant.String,
        "time_start": QVariant.DateTime, "time_end": QVariant.DateTime}
    assert layer.temporalProperties().isActive() and layer.temporalProperties().startField() == "time_start"

    expected_ids = np.arange(0, 1_000_000, 9973)
    wanted = ",".join(str(i) for i in expected_ids.tolist())
    features = {f["id"]: f for f in layer.getFeatures(QgsFeatureRequest().setFilterExpression(f'"id" IN ({wanted})'))}
    assert sorted(features) == expected_ids.tolist()
    xs, ys = closed_form(expected_ids)
    for i, x, y in zip(expected_ids.tolist(), xs.tolist(), ys.tolist()):
        feature = features[i]
        point = feature.geometry().constGet().geometryN(0)
        assert (point.x(), point.y()) == (x, y)
        assert feature["value"] == (i % 1000) / 4 and feature["kind"] == ("harbour", "station", "tower", "well")[i % 4]
        month = i % 12
        start = dt.datetime(2014, month + 1, 1, tzinfo=dt.timezone.utc)
        end = dt.datetime(2014 + (month + 1) // 12, (month + 1) % 12 + 1, 1, tzinfo=dt.timezone.utc)
        assert feature["time_start"].toMSecsSinceEpoch() == int(start.timestamp() * 1000)
        assert feature["time_end"].toMSecsSinceEpoch() == int(end.timestamp() * 1000)

    box = (10.0, 20.0, 12.5, 21.0)  # a box query through the file's index equals the closed form's points in it
    ids = np.arange(1_000_000)
    all_x, all_y = closed_form(ids)
    inside = ids[(all_x >= box[0]) & (all_x <= box[2]) & (all_y >= box[1]) & (all_y <= box[3])]
    got = sorted(f["id"] for f in layer.getFeatures(QgsFeatureRequest(QgsRectangle(*box))))
    assert got == inside.tolist() and len(got) > 20
