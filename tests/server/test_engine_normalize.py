"""Workflow normalisation and the deterministic workflow id (no HTTP)."""

from __future__ import annotations

import json

import pytest
from geoengine_server.engine import EngineError, normalize, workflow_id
from server.engine_helpers import NDVI

BAD = "Error in user input: data did not match any variant of untagged enum Workflow"


def test_ndvi_id_matches_geo_engine():
    assert normalize(NDVI) == {
        "type": "Raster",
        "operator": {"type": "GdalSource", "params": {"data": "ndvi", "overviewLevel": None}},
    }
    assert workflow_id(NDVI) == "1e415c9c-55f3-51a2-b50b-b5053d1debbb"


def test_notebook_raster_vector_join_id():
    workflow = {"type": "Vector", "operator": {
        "type": "RasterVectorJoin",
        "params": {"names": {"type": "names", "values": ["NDVI"]}, "temporalAggregation": "none",
                   "featureAggregation": "mean"},
        "sources": {"vector": {"type": "OgrSource", "params": {"data": "ne_10m_ports", "attributeProjection": None}},
                    "rasters": [{"type": "GdalSource", "params": {"data": "ndvi"}}]}}}
    # typed at 0.9.3: the OgrSource has no attributeFilters (audit C1; the notebook's 18a38a75-... is stale)
    assert workflow_id(workflow) == "332023f9-ceae-585f-964e-1a8a885d6c8c"
    assert normalize(workflow)["operator"]["sources"]["vector"]["params"] == {"data": "ne_10m_ports",
                                                                            "attributeProjection": None}
    params = normalize(workflow)["operator"]["params"]
    assert list(params) == ["names", "featureAggregation", "featureAggregationIgnoreNoData",
                            "temporalAggregation", "temporalAggregationIgnoreNoData"]


def test_notebook_histogram_id():
    workflow = {"type": "Plot", "operator": {
        "type": "Histogram",
        "params": {"bounds": "data", "buckets": {"type": "number", "value": 20}, "attributeName": "ndvi"},
        "sources": {"source": {"type": "GdalSource", "params": {"data": "ndvi"}}}}}
    assert workflow_id(workflow) == "23c29655-7d08-5949-9dea-4a07760b97ef"


def test_key_order_and_idempotence():
    messy = {"operator": {"sources": {}, "params": {"overviewLevel": 2, "data": "ndvi"}, "type": "GdalSource"},
             "type": "Raster"}
    once = normalize(messy)
    assert list(once) == ["type", "operator"]
    assert list(once["operator"]) == ["type", "params", "sources"]
    assert list(once["operator"]["params"]) == ["data", "overviewLevel"]
    assert normalize(once) == once
    assert workflow_id(once) == workflow_id(messy)


def test_unknown_and_legacy_operators_pass_through():
    legacy = {"type": "Raster", "operator": {"type": "GdalSource",
                                             "params": {"data": {"type": "internal", "datasetId": "abc"}}}}
    assert normalize(legacy) == legacy
    unknown = {"type": "Vector", "operator": {"type": "FancyThing", "params": {"b": 1, "a": 2}}}
    assert json.dumps(normalize(unknown)) == json.dumps(unknown)


def test_mock_points_become_floats():
    w = {"type": "Vector", "operator": {"type": "MockPointSource", "params": {"points": [{"x": 0, "y": 1}]}}}
    assert json.dumps(normalize(w), separators=(",", ":")).endswith('[{"x":0.0,"y":1.0}]}}}')


@pytest.mark.parametrize("body", [
    {}, [], "x", {"type": "Raster"}, {"operator": {"type": "GdalSource"}},
    {"type": "Raster2", "operator": {"type": "GdalSource", "params": {"data": "ndvi"}}},
    {"type": "raster", "operator": {"type": "GdalSource", "params": {"data": "ndvi"}}},
    {"type": "Raster", "operator": "GdalSource"},
    {"type": "Raster", "operator": {"params": {}}},
    {"type": "Raster", "operator": {"type": "GdalSource", "params": []}},
    {"type": "Raster", "operator": {"type": "GdalSource"}, "extra": 1},
])
def test_structurally_invalid_workflows(body):
    with pytest.raises(EngineError) as err:
        normalize(body)
    assert (err.value.error, err.value.message) == ("BodyDeserializeError", BAD)


def test_ogr_source_keeps_attribute_filters_only_in_legacy_graphs():
    filters = [{"attribute": "natlscale", "ranges": [[1, 5]], "keepNulls": False}]
    ogr = {"type": "OgrSource", "params": {"data": "ne_10m_ports", "attributeFilters": filters}}
    typed = normalize({"type": "Vector", "operator": ogr})
    assert typed["operator"]["params"] == {"data": "ne_10m_ports", "attributeProjection": None}  # dropped
    legacy = normalize({"type": "Vector", "operator": {  # PointInPolygonFilter has no typed model in 0.9.3
        "type": "PointInPolygonFilter", "params": {},
        "sources": {"points": ogr, "polygons": {"type": "OgrSource", "params": {"data": "germany_outline"}}}}})
    points = legacy["operator"]["sources"]["points"]["params"]
    assert points == {"data": "ne_10m_ports", "attributeProjection": None, "attributeFilters": filters}
    assert legacy["operator"]["sources"]["polygons"]["params"]["attributeFilters"] is None
