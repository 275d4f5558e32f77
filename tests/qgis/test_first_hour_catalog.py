"""Finding a workflow without an ID from elsewhere: the Add-layer dialog's catalog (collections, datasets, recently
used) with each entry's kind, picking fills in the ID and name; and every workflow ID the README, the dialog and the
Processing help show exists on a freshly started bundled server.

Expected names and kinds come from the test data's definition files (dataset_defs, layer_defs)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import requests
from plugin_support import NDVI_ID, wait_until
from test_add_layer_dialog import canvas, dialog, parts, store  # noqa: F401 - the dialog's fixtures

pytestmark = pytest.mark.qgis
ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests/data/geoengine-test-data"
UUID = re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b")
KIND = {"GdalMetaDataRegular": "raster", "GdalStatic": "raster", "GdalMetaDataList": "raster",
        "OgrMetaData": "vector"}


def shown_ids():
    """Workflow IDs a user can copy from the README, the plugin's dialogs and the Processing help."""
    files = [ROOT / "README.md", *sorted((ROOT / "processing_provider").glob("*.py")),
             *sorted((ROOT / "ui").glob("*.py"))]
    return {match for path in files for match in UUID.findall(path.read_text(encoding="utf-8"))}


def test_every_id_the_docs_show_exists_on_a_fresh_server(fresh_server):
    ids = shown_ids()
    assert NDVI_ID in ids
    token = requests.post(f"{fresh_server.base_url}/anonymous", timeout=10).json()["id"]
    for workflow_id in sorted(ids):
        answer = requests.get(f"{fresh_server.base_url}/workflow/{workflow_id}", timeout=10,
                              headers={"Authorization": f"Bearer {token}"})
        assert answer.status_code == 200, (workflow_id, answer.text)


def children(item):
    return {item.child(i).text(0): item.child(i) for i in range(item.childCount())}


def expand(picker, item):
    item.setExpanded(True)
    assert wait_until(lambda: item.childCount() and item.child(0).text(0) != "Loading…"), picker.status.text()
    return children(item)


def kind_of(item) -> str:
    from geoengine_qgis.ui.catalog_picker import ENTRY_ROLE

    return item.data(0, ENTRY_ROLE).kind


def test_the_catalog_lists_datasets_and_layers_with_their_kinds(dialog):  # noqa: F811
    picker = dialog.catalog
    assert dialog.source_tabs.currentWidget() is picker  # a new user starts with what the server has
    assert dialog.source_tabs.currentIndex() == 0 and dialog.source_tabs.tabText(0) == "Catalog"
    top = {picker.tree.topLevelItem(i).text(0): picker.tree.topLevelItem(i) for i in range(3)}
    assert set(top) == {"Layer collections", "Datasets", "Recently used"}

    datasets = expand(picker, top["Datasets"])
    for path in sorted((DATA / "dataset_defs").glob("*.json")):
        definition = json.loads(path.read_text(encoding="utf-8"))
        name, meta = definition["properties"]["displayName"], definition["metaData"]["type"]
        if meta in KIND:
            assert kind_of(datasets[name]) == KIND[meta], name

    providers = expand(picker, top["Layer collections"])
    catalog = expand(picker, next(iter(providers.values())))
    collection = json.loads((DATA / "layer_collection_defs/test_collection.json").read_text(encoding="utf-8"))
    layers = expand(picker, catalog[collection["name"]])
    for path in sorted((DATA / "layer_defs").glob("*.json")):
        layer = json.loads(path.read_text(encoding="utf-8"))
        assert kind_of(layers[layer["name"]]) == layer["workflow"]["type"].lower(), layer["name"]
        assert not layers[layer["name"]].icon(0).isNull()
    picker.choose(layers["Ports in Germany"])  # a layer keeps its catalog name (not its source dataset's)
    assert wait_until(lambda: dialog.descriptor is not None), (picker.status.text(), dialog.message_label.text())
    assert dialog.name_edit.text() == "Ports in Germany" and dialog.descriptor.is_vector_result()


def test_picking_a_dataset_fills_in_its_id_and_name_and_it_is_remembered(dialog, store, parts, canvas):  # noqa: F811
    from geoengine_qgis.qgis_glue.catalog import RECENT_KEY
    from geoengine_qgis.ui.add_layer_dialog import AddLayerDialog
    from qgis.core import QgsSettings

    QgsSettings().remove(RECENT_KEY.format(connection="local"))  # other tests' loads
    picker = dialog.catalog
    datasets = expand(picker, picker.tree.topLevelItem(1))
    picker.tree.setCurrentItem(datasets["NDVI"])
    assert picker.use_button.isEnabled()
    picker.use_button.click()
    assert wait_until(lambda: dialog.descriptor is not None), (picker.status.text(), dialog.message_label.text())
    assert dialog.id_edit.text() == NDVI_ID and dialog.name_edit.text() == "NDVI"
    assert dialog.source_tabs.currentWidget() is dialog.id_page  # the ID it filled in is shown
    assert dialog.ok_button.isEnabled()
    dialog.ok_button.click()

    runner, loader, with_session = parts
    again = AddLayerDialog(store, with_session, runner, loader, canvas)
    try:
        recent = children(again.catalog.tree.topLevelItem(2))
        assert list(recent) == ["NDVI"] and kind_of(recent["NDVI"]) == "raster"
        again.catalog.choose(recent["NDVI"])
        assert wait_until(lambda: again.id_edit.text() == NDVI_ID)
    finally:
        again.deleteLater()
