"""Provenance dock in a headless QGIS against the test server: follows the current layer, caches, errors."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from dock_support import (  # noqa: E402
    NDVI,
    geoengine_layer,
    make_iface,
    plain_layer,
    plugin_support,
    register,
    start_plugin,
    stop_plugin,
    wait_until,
)

pytestmark = pytest.mark.qgis


@pytest.fixture
def iface(qgis_app):
    from qgis.core import QgsProject

    QgsProject.instance().clear()
    widget_iface = make_iface()
    yield widget_iface
    QgsProject.instance().clear()
    widget_iface.close()


@pytest.fixture
def plugin(iface, base_url):
    active = start_plugin(iface, base_url)
    yield active
    stop_plugin(active)


@pytest.fixture
def dock(plugin, iface):
    from geoengine_qgis.ui.provenance_dock import ProvenanceDock

    widget = ProvenanceDock(plugin.with_session, plugin.tasks, iface.mainWindow())
    widget.follow(iface)
    yield widget
    widget.unfollow()
    widget.deleteLater()


def ndvi_provenance(server):
    definition = json.loads((server.config.data_dir / "dataset_defs" / "ndvi.json").read_text())
    return definition["properties"]["provenance"][0]


def test_shows_the_ndvi_citation_and_clears_for_other_layers(dock, iface, server, base_url):
    from qgis.PyQt.QtWidgets import QApplication, QGroupBox, QLabel, QToolButton

    expected = ndvi_provenance(server)
    workflow_id = register(base_url, NDVI)
    layer = geoengine_layer(workflow_id, "admin")
    other = plain_layer("roads")

    iface.layerTreeView().setCurrentLayer(layer)
    assert wait_until(lambda: dock.state in ("ready", "error"))
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

    iface.layerTreeView().setCurrentLayer(other)
    assert dock.state == "not-geoengine"
    assert dock.rows == []
    assert "not added from Geo Engine" in dock.status.text()
    plugin_support().flush_deletes()
    assert dock.entries.findChildren(QGroupBox) == []

    # back to the Geo Engine layer: served from the cache without a task
    before = len(dock.cache)
    iface.layerTreeView().setCurrentLayer(layer)
    assert dock.state == "ready" and len(dock.cache) == before
    assert dock.rows[0].citation == expected["citation"]


def test_unknown_workflow_shows_the_server_error(dock, iface):
    layer = geoengine_layer("5a7b1c9d-0000-4000-8000-000000000001", "admin", name="gone")
    iface.layerTreeView().setCurrentLayer(layer)
    assert wait_until(lambda: dock.state in ("ready", "error"))
    assert dock.state == "error"
    assert "Could not load the provenance" in dock.status.text()
    assert "Traceback" not in dock.status.text()


def test_server_down_and_unknown_connection_show_messages(dock, iface, base_url):
    workflow_id = register(base_url, NDVI)
    down = geoengine_layer(workflow_id, "down", name="down")
    iface.layerTreeView().setCurrentLayer(down)
    assert wait_until(lambda: dock.state in ("ready", "error"))
    assert dock.state == "error"
    assert "Check the server URL" in dock.status.text()

    missing = geoengine_layer(workflow_id, "no such connection", name="missing")
    iface.layerTreeView().setCurrentLayer(missing)
    assert wait_until(lambda: dock.state in ("ready", "error"))
    assert dock.state == "error"
    assert "no such connection" in dock.status.text()


def test_rejected_session_shows_the_401(dock, iface, base_url):
    layer = geoengine_layer(register(base_url, NDVI), "badtoken", name="expired")
    iface.layerTreeView().setCurrentLayer(layer)
    assert wait_until(lambda: dock.state in ("ready", "error"))
    assert dock.state == "error"
    assert "Not authorised (HTTP 401)" in dock.status.text()


def test_no_layer_selected_says_so(dock, iface):
    dock.set_layer(None)
    assert dock.state == "empty"
    assert "Select a layer" in dock.status.text()


def test_show_workflow_without_a_layer(dock, base_url):
    workflow_id = register(base_url, NDVI)
    dock.show_workflow("admin", workflow_id, "NDVI from the catalog")
    assert wait_until(lambda: dock.state in ("ready", "error"))
    assert dock.state == "ready" and dock.rows[0].citation
    assert "NDVI from the catalog" in dock.title.text() and workflow_id in dock.title.text()
