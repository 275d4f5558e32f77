"""Provenance dock in a headless QGIS against the test server: follows the current layer, caches, errors."""

from __future__ import annotations

import json

import plugin_support
import pytest
from plugin_support import (
    NDVI,
    geoengine_layer,
    plain_layer,
    register,
    wait_for_fetch,
)

pytestmark = pytest.mark.qgis


@pytest.fixture
def dock(plugin, tree_iface):
    from geoengine_qgis.ui.provenance_dock import ProvenanceDock

    widget = ProvenanceDock(plugin.with_session, plugin.tasks, tree_iface.mainWindow())
    widget.follow(tree_iface)
    yield widget
    widget.unfollow()
    widget.deleteLater()


def ndvi_provenance(server):
    definition = json.loads((server.config.data_dir / "dataset_defs" / "ndvi.json").read_text())
    return definition["properties"]["provenance"][0]


def test_shows_the_ndvi_citation_and_clears_for_other_layers(dock, tree_iface, server, base_url):
    from qgis.PyQt.QtWidgets import QApplication, QGroupBox, QLabel, QToolButton

    expected = ndvi_provenance(server)
    workflow_id = register(base_url, NDVI)
    layer = geoengine_layer(workflow_id, "admin")
    other = plain_layer("roads")

    tree_iface.layerTreeView().setCurrentLayer(layer)
    assert wait_for_fetch(lambda: dock.state in ("ready", "error"))
    assert dock.state == "ready", dock.status.text()
    assert [(r.citation, r.license, r.uri) for r in dock.rows] == [
        (expected["citation"], expected["license"], expected["uri"])]
    assert dock.rows[0].sources  # the dataset id(s) the provenance belongs to
    labels = {w.objectName(): w for w in dock.entries.findChildren(QLabel) if w.objectName()}
    assert labels["provenance_citation"].text() == expected["citation"]
    assert expected["uri"] in labels["provenance_uri"].text() and labels["provenance_uri"].openExternalLinks()

    copy_buttons = [b for b in dock.entries.findChildren(QToolButton) if b.toolTip() == "Copy the citation"]
    copy_buttons[0].click()
    assert QApplication.clipboard().text() == expected["citation"]

    tree_iface.layerTreeView().setCurrentLayer(other)
    assert dock.state == "not-geoengine"
    assert dock.rows == []
    assert "not added from Geo Engine" in dock.status.text()
    plugin_support.flush_deletes()
    assert dock.entries.findChildren(QGroupBox) == []

    # back to the Geo Engine layer: served from the cache without a task
    before = len(dock.cache)
    tree_iface.layerTreeView().setCurrentLayer(layer)
    assert dock.state == "ready" and len(dock.cache) == before
    assert dock.rows[0].citation == expected["citation"]


def test_unknown_workflow_shows_the_server_error(dock, tree_iface):
    layer = geoengine_layer("5a7b1c9d-0000-4000-8000-000000000001", "admin", name="gone")
    tree_iface.layerTreeView().setCurrentLayer(layer)
    assert wait_for_fetch(lambda: dock.state in ("ready", "error"))
    assert dock.state == "error"
    assert "Could not load the provenance" in dock.status.text()
    assert "The server does not know this workflow ID" in dock.status.text()  # the server's NoWorkflowForGivenId
    assert "Traceback" not in dock.status.text()


def test_server_down_and_unknown_connection_show_messages(dock, tree_iface, base_url):
    workflow_id = register(base_url, NDVI)
    down = geoengine_layer(workflow_id, "down", name="down")
    tree_iface.layerTreeView().setCurrentLayer(down)
    assert wait_for_fetch(lambda: dock.state in ("ready", "error"))
    assert dock.state == "error"
    assert "Check the server URL" in dock.status.text()

    missing = geoengine_layer(workflow_id, "no such connection", name="missing")
    tree_iface.layerTreeView().setCurrentLayer(missing)
    assert wait_for_fetch(lambda: dock.state in ("ready", "error"))
    assert dock.state == "error"
    assert "no such connection" in dock.status.text()


def test_rejected_session_shows_the_401(dock, tree_iface, base_url):
    layer = geoengine_layer(register(base_url, NDVI), "badtoken", name="expired")
    tree_iface.layerTreeView().setCurrentLayer(layer)
    assert wait_for_fetch(lambda: dock.state in ("ready", "error"))
    assert dock.state == "error"
    assert "Not authorised (HTTP 401)" in dock.status.text()


def test_no_layer_selected_says_so(dock, tree_iface):
    dock.set_layer(None)
    assert dock.state == "empty"
    assert "Select a layer" in dock.status.text()


def test_show_workflow_without_a_layer(dock, base_url):
    workflow_id = register(base_url, NDVI)
    dock.show_workflow("admin", workflow_id, "NDVI from the catalog")
    assert wait_for_fetch(lambda: dock.state in ("ready", "error"))
    assert dock.state == "ready" and dock.rows[0].citation
    assert "NDVI from the catalog" in dock.title.text() and workflow_id in dock.title.text()
