"""Layer actions through the plugin's menu actions, in a headless QGIS against the test server: copy workflow id,
workflow definition, metadata zip, save result as dataset (complete, abort, add to map) and error messages."""

from __future__ import annotations

import io
import json
import uuid
import zipfile

import numpy as np
import pytest
import requests
from plugin_support import (
    ADMIN,
    ADMIN_PASSWORD,
    ANALYST,
    ANALYST_PASSWORD,
    NDVI,
    bar_texts,
    geoengine_layer,
    plain_layer,
    register,
    wait_for_fetch,
)
from saved_dataset_truth import assert_saved_like_the_source

pytestmark = pytest.mark.qgis
SMALL = (10.0, 0.0, 20.0, 10.0)  # 100 x 100 NDVI pixels: one tile
APRIL = ("2014-04-01T00:00:00.000Z", "2014-05-01T00:00:00.000Z")
APRIL_MAY = ("2014-04-01T00:00:00.000Z", "2014-06-01T00:00:00.000Z")


def admin_get(base_url, path, **params):
    token = requests.post(f"{base_url}/login", json={"email": ADMIN, "password": ADMIN_PASSWORD}, timeout=10).json()
    response = requests.get(f"{base_url}/{path}", params=params, timeout=30,
                            headers={"Authorization": f"Bearer {token['id']}"})
    response.raise_for_status()
    return response


def select(tree_iface, layer):
    tree_iface.layerTreeView().setCurrentLayer(layer)
    assert tree_iface.activeLayer() is layer


def test_copy_workflow_id(plugin, tree_iface, base_url):
    from qgis.PyQt.QtWidgets import QApplication

    workflow_id = register(base_url, NDVI)
    select(tree_iface, geoengine_layer(workflow_id, "admin"))
    plugin.actions["copy_workflow_id"].trigger()
    assert QApplication.clipboard().text() == workflow_id

    QApplication.clipboard().setText("unchanged")
    select(tree_iface, plain_layer("roads"))
    plugin.actions["copy_workflow_id"].trigger()
    assert QApplication.clipboard().text() == "unchanged"
    assert any("roads" in t and "not added from Geo Engine" in t for t in bar_texts(tree_iface))


def test_workflow_definition_shows_the_stored_json(plugin, tree_iface, base_url):
    from qgis.PyQt.QtGui import QFont
    from qgis.PyQt.QtWidgets import QApplication, QPushButton

    workflow_id = register(base_url, NDVI)
    select(tree_iface, geoengine_layer(workflow_id, "admin"))
    shown = []
    plugin.show_workflow_definition(on_shown=shown.append)
    assert wait_for_fetch(lambda: bool(shown))
    dialog = shown[0]
    stored = admin_get(base_url, f"workflow/{workflow_id}").json()
    assert json.loads(dialog.text.toPlainText()) == stored
    assert dialog.text.toPlainText() == json.dumps(stored, indent=2, ensure_ascii=False)
    # what the dialog asked for (a fixed-width font), not what this machine's fontconfig resolves it to
    font = dialog.text.font()
    assert dialog.text.isReadOnly() and font.fixedPitch() and font.styleHint() == QFont.StyleHint.TypeWriter
    assert dialog in plugin._dialogs and dialog.isVisible()
    copy = [b for b in dialog.findChildren(QPushButton) if b.text() == "Copy JSON"][0]
    copy.click()
    assert json.loads(QApplication.clipboard().text()) == stored

    # through the menu action too
    before = len(plugin._dialogs)
    plugin.actions["workflow_definition"].trigger()
    assert wait_for_fetch(lambda: len(plugin._dialogs) == before + 1)


def test_metadata_zip_has_three_files(plugin, tree_iface, base_url, tmp_path):
    workflow_id = register(base_url, NDVI)
    select(tree_iface, geoengine_layer(workflow_id, "admin"))
    saved = []
    target = tmp_path / "ndvi-metadata.zip"
    plugin.download_metadata(str(target), on_saved=lambda path, names: saved.append(names))
    assert wait_for_fetch(lambda: bool(saved))
    with zipfile.ZipFile(target) as archive:
        names = sorted(archive.namelist())
        assert len(names) == 3 and sorted(saved[0]) == names
        assert json.loads(archive.read("workflow.json")) == admin_get(base_url, f"workflow/{workflow_id}").json()
    server_zip = zipfile.ZipFile(io.BytesIO(admin_get(base_url, f"workflow/{workflow_id}/allMetadata/zip").content))
    assert sorted(server_zip.namelist()) == names
    assert not list(tmp_path.glob("*.part"))


def test_layer_actions_explain_errors(plugin, tree_iface, base_url, tmp_path):
    plugin.actions["workflow_definition"].trigger()  # nothing selected
    assert any("Select a layer that was added from Geo Engine" in t for t in bar_texts(tree_iface))

    select(tree_iface, geoengine_layer(str(uuid.uuid4()), "admin", name="unknown"))
    target = tmp_path / "unknown.zip"
    plugin.download_metadata(str(target))
    assert wait_for_fetch(lambda: any("metadata of unknown" in t for t in bar_texts(tree_iface)))
    assert not target.exists()

    select(tree_iface, geoengine_layer(register(base_url, NDVI), "down", name="offline"))
    plugin.show_workflow_definition()
    assert wait_for_fetch(lambda: any("Check the server URL" in t for t in bar_texts(tree_iface)))
    assert sum("Check the server URL" in t for t in bar_texts(tree_iface)) == 1  # said once, not per layer
    assert not any("Traceback" in t for t in bar_texts(tree_iface))

    select(tree_iface, geoengine_layer(register(base_url, NDVI), "admin", name="points", kind="vector"))
    assert plugin.save_result_as_dataset() is None
    assert any("raster" in t for t in bar_texts(tree_iface))


def dataset_names(base_url):
    return {d["name"] for d in admin_get(base_url, "datasets", offset=0, limit=20, order="NameAsc").json()}


def test_save_as_dataset_completes_and_adds_to_map(plugin, tree_iface, base_url):
    from qgis.core import QgsProject

    workflow_id = register(base_url, NDVI)
    select(tree_iface, geoengine_layer(workflow_id, "admin", name="NDVI small", bounds=SMALL, time=APRIL_MAY))
    plugin.actions["save_dataset"].trigger()
    dialog = [d for d in plugin._dialogs if d.objectName() == "GeoEngineSaveDatasetDialog"][0]
    name = f"ndvi_saved_{uuid.uuid4().hex[:8]}"
    dialog.name_edit.setText(name)
    dialog.description_edit.setPlainText("saved by the plugin tests")
    dialog.save_button.click()
    assert dialog.state == "running"
    assert wait_for_fetch(lambda: dialog.state != "running", timeout=60)
    assert dialog.state == "completed", dialog.status.text()
    assert dialog.dataset_name == name and name in dialog.result_label.text()
    assert dialog.progress.value() == 100
    assert name in dataset_names(base_url)
    assert admin_get(base_url, f"dataset/{name}").json()["description"] == "saved by the plugin tests"
    # what was stored: the layer's whole extent and both months, pixel for pixel as in the NDVI files
    assert_saved_like_the_source(base_url, name, SMALL, ["2014-04-01", "2014-05-01"], outside="2014-06-01")

    before = set(QgsProject.instance().mapLayers())
    dialog.add_button.click()
    assert wait_for_fetch(lambda: len(QgsProject.instance().mapLayers()) > len(before), timeout=60)
    added = [QgsProject.instance().mapLayer(i) for i in set(QgsProject.instance().mapLayers()) - before]
    assert added[0].isValid() and added[0].customProperty("geoengine/workflow_id")
    definition = admin_get(base_url, f"workflow/{added[0].customProperty('geoengine/workflow_id')}").json()
    assert definition["operator"]["params"]["data"] == name


def test_save_as_dataset_abort(plugin, tree_iface, base_url, server, monkeypatch):
    monkeypatch.setattr(server.config, "task_seconds_per_tile", 1.0)
    workflow_id = register(base_url, NDVI)
    select(tree_iface, geoengine_layer(workflow_id, "admin", name="NDVI Africa", time=APRIL))
    dialog = plugin.save_result_as_dataset()
    name = f"ndvi_aborted_{uuid.uuid4().hex[:8]}"
    dialog.name_edit.setText(name)
    dialog.start()
    assert wait_for_fetch(lambda: dialog.task is not None and dialog.progress.value() > 0, timeout=30)
    qgis_task = dialog.task
    assert 0 < qgis_task.progress() < 100  # the server task's percentage, shown in QGIS's task manager
    dialog.abort_button.click()
    assert wait_for_fetch(lambda: dialog.state != "running", timeout=60)
    assert dialog.state == "aborted", dialog.status.text()
    task_id = str(dialog.progress_state.task.task_id)
    assert admin_get(base_url, f"tasks/{task_id}/status").json()["status"] == "aborted"
    assert name not in dataset_names(base_url)
    assert "no dataset was created" in dialog.status.text()


def test_closing_while_saving_hides_and_the_result_comes_back(plugin, tree_iface, base_url):
    select(tree_iface, geoengine_layer(register(base_url, NDVI), "admin", name="NDVI small", bounds=SMALL, time=APRIL))
    dialog = plugin.save_result_as_dataset()
    dialog.start()
    dialog.close_button.click()
    assert dialog.isHidden() and dialog in plugin._dialogs
    assert wait_for_fetch(lambda: dialog.state != "running", timeout=60)
    assert dialog.state == "completed" and dialog.isVisible()
    assert dialog.dataset_name in dataset_names(base_url)
    assert_saved_like_the_source(base_url, dialog.dataset_name, SMALL, ["2014-04-01"], outside="2014-05-01")
    dialog.close_button.click()
    assert dialog not in plugin._dialogs


def test_save_as_dataset_requires_a_display_name(plugin, tree_iface, base_url):
    select(tree_iface, geoengine_layer(register(base_url, NDVI), "admin"))
    dialog = plugin.save_result_as_dataset()
    dialog.display_name_edit.setText("  ")
    dialog.start()
    assert dialog.state == "error" and "display name" in dialog.status.text()


def test_dock_actions_make_docks_that_follow_the_layer_and_go_on_unload(plugin, tree_iface, base_url):
    workflow_id = register(base_url, NDVI)
    layer = geoengine_layer(workflow_id, "analyst")
    select(tree_iface, layer)
    for key in ("provenance", "quota", "plot"):
        plugin.actions[key].trigger()
    assert sorted(tree_iface.docks()) == ["GeoEnginePlotDock", "GeoEngineProvenanceDock", "GeoEngineQuotaDock"]
    assert wait_for_fetch(lambda: plugin.provenance_dock.state == "ready" and plugin.quota_dock.busy == 0)
    assert plugin.provenance_dock.rows[0].citation
    assert plugin.quota_dock.connection == "analyst" and plugin.quota_dock.view.user == "analyst@example.org"
    plugin.actions["provenance"].trigger()  # again: the same dock
    assert tree_iface.docks().count("GeoEngineProvenanceDock") == 1

    select(tree_iface, plain_layer("roads"))
    assert plugin.provenance_dock.state == "not-geoengine"

    # plots loaded through the plugin's layer loader (the "Add workflow layer" path) land in the plot dock
    from geoengine_qgis.qgis_glue.layers import LayerRequest
    from qgis.core import QgsCoordinateReferenceSystem, QgsRectangle

    histogram = {"type": "Plot", "operator": {"type": "Histogram", "params": {
        "bounds": "data", "buckets": {"type": "number", "value": 7}, "attributeName": "ndvi"},
        "sources": {"source": NDVI["operator"]}}}
    plot_id = register(base_url, histogram)
    outcomes = []
    request = LayerRequest(plot_id, QgsRectangle(*SMALL), QgsCoordinateReferenceSystem("EPSG:4326"), APRIL[0],
                           connection_name="analyst")
    plugin.with_session("analyst", lambda session: plugin.layer_loader().load(session, request, outcomes.append))
    assert wait_for_fetch(lambda: bool(outcomes))
    assert plugin.plot_dock.state == "ready" and len(plugin.plot_dock.content.bars) == 7

    plugin.unload()
    assert tree_iface.docks() == []
    assert plugin.provenance_dock is None
    select(tree_iface, layer)  # no dock follows any more; nothing raises
    plugin.initGui()  # the fixture unloads again


@pytest.mark.parametrize("connection, workflow, message", [
    ("admin", "unknown", "The server does not know this workflow ID"),
    ("down", "ndvi", "Check the server URL"),
    ("badtoken", "ndvi", "Not authorised (HTTP 401)"),
])
def test_save_as_dataset_errors_show_a_message(plugin, tree_iface, base_url, connection, workflow, message):
    workflow_id = register(base_url, NDVI) if workflow == "ndvi" else str(uuid.uuid4())
    select(tree_iface, geoengine_layer(workflow_id, connection, bounds=SMALL, time=APRIL))
    dialog = plugin.save_result_as_dataset()
    dialog.start()
    assert wait_for_fetch(lambda: dialog.state != "running", timeout=30)
    assert dialog.state == "error"
    assert message in dialog.status.text()
    assert "Traceback" not in dialog.status.text() and dialog.save_button.isEnabled()


# --- save as dataset on a Geo Engine 0.9.3: names in the user's namespace, one band (audit B1, W5) ---

NE_RGB = {"type": "Raster", "operator": {
    "type": "RasterStacker", "params": {"renameBands": {"type": "rename", "values": ["blue", "green", "red"]}},
    "sources": {"rasters": [{"type": "GdalSource", "params": {"data": f"ne2_raster_{c}"}}
                            for c in ("blue", "green", "red")]}}}


def analyst_id(base_url):
    body = requests.post(f"{base_url}/login", json={"email": ANALYST, "password": ANALYST_PASSWORD}, timeout=10)
    return body.json()["user"]["id"]


def save_with_dialog(plugin, tree_iface, layer, name):
    select(tree_iface, layer)
    dialog = plugin.save_result_as_dataset()
    dialog.name_edit.setText(name)
    dialog.start()
    assert wait_for_fetch(lambda: dialog.state != "running", timeout=60)
    return dialog


def test_save_as_dataset_puts_the_name_into_the_users_namespace(plugin, tree_iface, base_url):
    layer = geoengine_layer(register(base_url, NDVI), "analyst", bounds=SMALL, time=APRIL)
    name = f"mine_{uuid.uuid4().hex[:8]}"
    dialog = save_with_dialog(plugin, tree_iface, layer, name)
    assert dialog.state == "completed", dialog.status.text()
    assert dialog.dataset_name == f"{analyst_id(base_url)}:{name}"  # the real server stores only this form

    before = len(admin_get(base_url, "tasks/list").json())
    dialog = save_with_dialog(plugin, tree_iface, layer, f"someone_else:{name}")
    assert dialog.state == "error" and "not yours" in dialog.status.text()
    assert "Traceback" not in dialog.status.text()
    assert len(admin_get(base_url, "tasks/list").json()) == before


def test_save_as_dataset_saves_the_layers_band_of_a_multi_band_workflow(plugin, tree_iface, base_url):
    from geoengine_qgis.qgis_glue.query import LayerQuery
    from osgeo import gdal

    workflow_id = register(base_url, NE_RGB)
    layer = geoengine_layer(workflow_id, "admin", bounds=SMALL, time=APRIL)
    LayerQuery(workflow_id, "admin", "", SMALL, "EPSG:4326", APRIL[0], APRIL[1], (1,), "raster",
               "geotiff").apply_to(layer)
    dialog = save_with_dialog(plugin, tree_iface, layer, f"green_{uuid.uuid4().hex[:8]}")
    assert dialog.state == "completed", dialog.status.text()
    saved = admin_get(base_url, f"dataset/{dialog.dataset_name}").json()
    assert [b["name"] for b in saved["resultDescriptor"]["bands"]] == ["green"]
    assert saved["tags"] == ["workflow"]
    # the saved pixels are the green band's: band 2 of the Natural Earth file, read with GDAL
    from geoengine_qgis.core.session import Session
    from geoengine_qgis.core.types import QueryRectangle
    from geoengine_qgis.core.workflow import register_workflow
    from geoengine_server.config import default_data_dir

    session = Session(base_url, credentials=(ADMIN, ADMIN_PASSWORD))
    stored = register_workflow({"type": "Raster", "operator": {"type": "GdalSource",
                                                               "params": {"data": dialog.dataset_name}}},
                               session=session)
    values = stored.get_array(QueryRectangle(SMALL, APRIL[0]), spatial_resolution=(0.1, 0.1))
    ds = gdal.Open(str(default_data_dir() / "raster/natural_earth_2/NE2_150M_SR_W.tif"))
    expected = ds.GetRasterBand(2).ReadAsArray(1900, 800, 100, 100)  # x 10..20, y 0..10 at 0.1 deg from -180/90
    assert expected.std() > 0 and np.array_equal(np.asarray(values).reshape(100, 100), expected)

    LayerQuery(workflow_id, "admin", "", SMALL, "EPSG:4326", APRIL[0], APRIL[1], (0, 2), "raster",
               "geotiff").apply_to(layer)
    dialog = save_with_dialog(plugin, tree_iface, layer, f"two_{uuid.uuid4().hex[:8]}")
    assert dialog.state == "error" and "single-band" in dialog.status.text()
