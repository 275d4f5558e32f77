"""What Geo Engine 0.9.3 refuses, our server refuses too (audit C5).

* Expression without ``outputType``/``mapNoData`` and the RasterVectorJoin short form match no variant of the
  workflow (typed: geo-engine/geoengine@5748ef7:geoengine/services/src/api/model/processing_graphs/processing.rs;
  legacy: geo-engine/geoengine@5748ef7:geoengine/operators/src/processing/expression/raster_operator.rs and
  .../raster_vector_join/mod.rs): 400 BodyDeserializeError at registration.
* OGC parameters given twice (``time`` and ``TIME``): keys are lower-cased before deserialising
  (geo-engine/geoengine@5748ef7:geoengine/services/src/api/ogc/util.rs): 400 "duplicate field".
"""

from __future__ import annotations

import pytest
import requests
from server.control_helpers import NDVI, PORTS, TIMEOUT, anonymous, register

BAD = {"error": "BodyDeserializeError",
       "message": "Error in user input: data did not match any variant of untagged enum Workflow"}


def post(base, headers, workflow):
    return requests.post(f"{base}/workflow", json=workflow, headers=headers, timeout=TIMEOUT)


def expression(**params) -> dict:
    return {"type": "Raster", "operator": {"type": "Expression", "params": {"expression": "A + 1", **params},
                                           "sources": {"raster": NDVI["operator"]}}}


def join(params: dict) -> dict:
    return {"type": "Vector", "operator": {"type": "RasterVectorJoin", "params": params,
                                           "sources": {"vector": PORTS["operator"], "rasters": [NDVI["operator"]]}}}


@pytest.fixture(scope="module")
def ctx(shared_server):
    return shared_server.base_url, anonymous(shared_server.base_url)


@pytest.mark.parametrize("params", [{"outputType": "U8"}, {"mapNoData": False}, {}])
def test_expression_needs_output_type_and_map_no_data(ctx, params) -> None:
    r = post(*ctx, expression(**params))
    assert (r.status_code, r.json()) == (400, BAD)
    assert post(*ctx, expression(outputType="U8", mapNoData=False)).status_code == 200


@pytest.mark.parametrize("params", [
    {"names": ["NDVI"], "aggregation": "none"},  # the short legacy form
    {"names": ["NDVI"], "featureAggregation": "first", "temporalAggregation": "none"},  # names untagged
    {"names": {"type": "names", "values": ["NDVI"]}, "featureAggregation": "first"},  # no temporal aggregation
])
def test_raster_vector_join_needs_the_full_form(ctx, params) -> None:
    r = post(*ctx, join(params))
    assert (r.status_code, r.json()) == (400, BAD)


@pytest.mark.parametrize("names, column", [
    ({"type": "default"}, "ndvi"),  # the raster's band name (dataset_defs/ndvi.json)
    ({"type": "suffix", "values": ["_april"]}, "ndvi_april"),
    ({"type": "names", "values": ["NDVI"]}, "NDVI"),
])
def test_raster_vector_join_column_names(ctx, names, column) -> None:
    base, headers = ctx
    workflow_id = register(base, headers, join({"names": names, "featureAggregation": "first",
                                                "temporalAggregation": "none"}))
    r = requests.get(f"{base}/workflow/{workflow_id}/metadata", headers=headers, timeout=TIMEOUT)
    assert r.status_code == 200 and column in r.json()["columns"]


def test_duplicate_ogc_keys_are_a_400(ctx) -> None:
    base, headers = ctx
    workflow_id = register(base, headers, NDVI)
    query = {"service": "WMS", "version": "1.3.0", "request": "GetMap", "layers": workflow_id, "styles": "",
             "crs": "EPSG:4326", "format": "image/png", "bbox": "40,0,50,20", "width": 20, "height": 10,
             "time": "2014-04-01T00:00:00.000Z"}
    url = f"{base}/wms/{workflow_id}"
    ok = requests.get(url, params={**query, "foo": "1", "FOO": "2"}, headers=headers, timeout=TIMEOUT)
    assert ok.status_code == 200 and ok.headers["Content-Type"] == "image/png"  # unknown keys: ignored
    twice = requests.get(url, params={**query, "TIME": "2014-05-01T00:00:00.000Z"}, headers=headers, timeout=TIMEOUT)
    assert twice.status_code == 400
    assert twice.json() == {"error": "UnableToParseQueryString",
                            "message": "Unable to parse query string: duplicate field `time`"}
