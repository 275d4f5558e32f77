"""Browser entries as drag URIs: round trips and clear errors for anything else (no server needed)."""

from __future__ import annotations

import json

import pytest
from geoengine_qgis.browser.targets import CatalogTarget, decode_target, encode_target
from geoengine_qgis.core.errors import InputError
from geoengine_qgis.core.layers import DatasetListing

LAYER = CatalogTarget("Local", "layer", "Ports in Germany", "ce5e84db-cbf9-48a2-9a32-d4b7cc56ea74",
                      "b75db46e-2b9a-4a86-b33f-bc06a73cd711")


def test_round_trips():
    assert decode_target(encode_target(LAYER)) == LAYER
    listing = DatasetListing("id", "ne_10m_ports", "Ports", source_operator="OgrSource", kind="vector")
    dataset = CatalogTarget.for_dataset("Local", listing)
    assert decode_target(encode_target(dataset)) == dataset
    assert dataset.as_dataset_listing().workflow == {
        "type": "Vector", "operator": {"type": "OgrSource", "params": {"data": "ne_10m_ports"}}}


@pytest.mark.parametrize("text, field", [
    ("{not json", "uri"),
    (json.dumps({"v": 2, "connection": "Local", "kind": "layer"}), "uri"),
    (json.dumps([1, 2]), "uri"),
    (json.dumps({"v": 1, "connection": "", "kind": "layer", "name": "x", "provider": "p", "layer": "l"}), "connection"),
    (json.dumps({"v": 1, "connection": "Local", "kind": "layer", "name": "x", "provider": "p"}), "layer"),
    (json.dumps({"v": 1, "connection": "Local", "kind": "dataset", "name": "x", "dataset": "d"}), "dataset"),
    (json.dumps({"v": 1, "connection": "Local", "kind": "stac", "name": "x"}), "kind"),
    (json.dumps({"v": 1, "connection": 5, "kind": "layer", "name": "x"}), "uri"),
])
def test_bad_uris_name_the_problem(text, field):
    with pytest.raises(InputError) as caught:
        decode_target(text)
    assert caught.value.field == field
