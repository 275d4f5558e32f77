"""The "Add workflow layer" dialog driven programmatically against the test server: UUID/JSON validation states,
the result descriptor fetched in the background and its defaults, OK disabled on bad input (naming the field),
the extent reprojected to the workflow's CRS, and OK loading the layer through the loader."""

from __future__ import annotations

import plugin_support
import pytest
from layer_support import PORTS
from plugin_support import AFRICA, NDVI, NDVI_ID, wait_until

pytestmark = pytest.mark.qgis
STORE_ROOT = "geoengine-tests/add-layer-dialog"


@pytest.fixture
def store(qgis_app, base_url):
    from geoengine_qgis.core.session import Session
    from geoengine_qgis.core.workflow import register_workflow
    from geoengine_qgis.qgis_glue.connections import Connection, ConnectionStore

    connections = ConnectionStore(STORE_ROOT)
    for name in connections.names():
        connections.delete(name)
    connections.save(Connection("local", base_url))
    session = Session(base_url, use_env=False)
    assert str(register_workflow(NDVI, session=session).workflow_id) == NDVI_ID  # workflows are per server
    session.close()
    yield connections
    for name in connections.names():
        connections.delete(name)


@pytest.fixture
def parts(store, loader, runner):
    """Runner, loader and the plugin's session helper, made from the real classes."""
    from geoengine_qgis.qgis_glue.network import BearerHeaderInjector
    from geoengine_qgis.qgis_glue.sessions import SessionManager

    sessions = SessionManager(BearerHeaderInjector())

    def with_session(name, on_ready, on_error=None):
        return sessions.ensure(store.load(name), runner, on_ready, on_error)

    yield runner, loader, with_session
    runner.cancel_all()
    sessions.close_all()


@pytest.fixture
def canvas(qgis_app):
    from qgis.core import QgsCoordinateReferenceSystem, QgsRectangle
    from qgis.gui import QgsMapCanvas

    widget = QgsMapCanvas()
    widget.resize(600, 600)
    widget.setDestinationCrs(QgsCoordinateReferenceSystem("EPSG:4326"))
    widget.setExtent(QgsRectangle(*AFRICA))
    yield widget
    widget.deleteLater()


@pytest.fixture
def dialog(store, parts, canvas):
    from geoengine_qgis.ui.add_layer_dialog import AddLayerDialog

    runner, loader, with_session = parts
    widget = AddLayerDialog(store, with_session, runner, loader, canvas)
    yield widget
    widget.close()
    widget.deleteLater()


def test_uuid_validation_states_and_the_fetched_descriptor(dialog):
    from qgis.PyQt.QtCore import Qt

    assert not dialog.ok_button.isEnabled()
    # before anything is typed: a hint, no red message under the field
    assert dialog.message_label.text().startswith("Pick a workflow in the catalog") and dialog.id_state.text() == ""
    dialog.id_edit.setText("not-a-uuid")
    assert dialog.id_state.property("valid") is False and "not a UUID" in dialog.id_state.text()
    assert "b42318" in dialog.id_state.styleSheet()  # red
    # said once: under the field, not again at the bottom
    assert not dialog.ok_button.isEnabled() and "not a UUID" not in dialog.message_label.text()

    dialog.id_edit.setText(NDVI_ID)
    assert dialog.id_state.property("valid") is True and "1a7f37" in dialog.id_state.styleSheet()
    assert not dialog.ok_button.isEnabled()  # until the descriptor is there
    assert wait_until(lambda: dialog.descriptor is not None), dialog.message_label.text()
    text = dialog.descriptor_label.text()
    for part in ("Raster", "EPSG:4326", "U8", "ndvi (vegetation)", "2014-01-01", "2014-07-01", "every month"):
        assert part in text, (part, text)
    assert dialog.workflow_id == NDVI_ID
    assert dialog.start_edit.dateTime().toUTC().toString(Qt.ISODate) == "2014-01-01T00:00:00Z"
    assert dialog.end_edit.dateTime().toUTC().toString(Qt.ISODate) == "2014-02-01T00:00:00Z"
    assert dialog.range_check.isChecked()
    assert dialog.selected_bands() == [0] and dialog.name_edit.text() == "NDVI"
    assert dialog.ok_button.isEnabled() and dialog.message_label.text() == "Ready."
    dialog.id_edit.setText(NDVI_ID[:-1])  # editing the ID forgets the old descriptor and its bands
    assert dialog.descriptor is None and dialog.band_list.count() == 0 and not dialog.ok_button.isEnabled()


def test_bad_input_disables_ok_and_names_the_field(dialog):
    from qgis.PyQt.QtCore import Qt

    dialog.id_edit.setText(NDVI_ID)
    assert wait_until(lambda: dialog.descriptor is not None)
    dialog.end_edit.setDateTime(dialog.start_edit.dateTime().addDays(-1))
    assert not dialog.ok_button.isEnabled() and dialog.message_label.text().startswith("Time:")
    dialog.range_check.setChecked(False)
    assert dialog.ok_button.isEnabled()
    dialog.band_list.item(0).setCheckState(Qt.Unchecked)
    assert not dialog.ok_button.isEnabled() and dialog.message_label.text().startswith("Bands:")
    dialog.band_list.item(0).setCheckState(Qt.Checked)
    dialog.name_edit.setText("  ")
    assert not dialog.ok_button.isEnabled() and dialog.message_label.text().startswith("Layer name:")


def test_unknown_workflow_is_shown_in_the_dialog(dialog):
    dialog.id_edit.setText("00000000-0000-4000-8000-000000000000")
    assert wait_until(lambda: "does not know this workflow ID" in dialog.message_label.text()), \
        dialog.message_label.text()
    assert dialog.message_label.text().startswith("Workflow:")
    assert not dialog.ok_button.isEnabled() and dialog.descriptor is None


def test_login_failure_names_the_connection(dialog, store):
    import socket

    from geoengine_qgis.qgis_glue.connections import Connection

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed again: nothing listens there
    store.save(Connection("dead", f"http://127.0.0.1:{port}/api"))
    dialog.show()  # picks up connections saved meanwhile
    assert dialog.connection_combo.findText("dead") >= 0
    dialog.connection_combo.setCurrentText("dead")
    dialog.id_edit.setText(NDVI_ID)
    assert wait_until(lambda: dialog.message_label.text().startswith("Connection:")), dialog.message_label.text()
    assert not dialog.ok_button.isEnabled()


def test_no_connection_is_named(parts, canvas, qgis_app):
    from geoengine_qgis.qgis_glue.connections import ConnectionStore
    from geoengine_qgis.ui.add_layer_dialog import AddLayerDialog

    runner, loader, with_session = parts
    empty = AddLayerDialog(ConnectionStore("geoengine-tests/no-connections"), with_session, runner, loader, canvas)
    empty.id_edit.setText(NDVI_ID)
    assert empty.message_label.text().startswith("Connection:") and not empty.ok_button.isEnabled()
    empty.deleteLater()


def test_canvas_extent_is_reprojected_to_the_workflow_crs(dialog, canvas):
    from qgis.core import QgsCoordinateReferenceSystem, QgsCoordinateTransform, QgsProject, QgsRectangle

    mercator = QgsCoordinateReferenceSystem("EPSG:3857")
    to_mercator = QgsCoordinateTransform(QgsCoordinateReferenceSystem("EPSG:4326"), mercator, QgsProject.instance())
    canvas.setDestinationCrs(mercator)
    canvas.setExtent(to_mercator.transformBoundingBox(QgsRectangle(*AFRICA)))
    dialog.extent_box.setCurrentExtent(canvas.extent(), mercator)
    dialog.extent_box.setOutputCrs(mercator)
    dialog.extent_box.setOutputExtentFromCurrent()
    dialog.id_edit.setText(NDVI_ID)
    assert wait_until(lambda: dialog.descriptor is not None)
    assert dialog.extent_box.outputCrs().authid() == "EPSG:4326"
    extent = dialog.extent_box.outputExtent()
    # degrees again: the canvas's Mercator extent around Africa (widened by the canvas to its aspect ratio)
    assert extent.yMinimum() == pytest.approx(AFRICA[1], abs=0.5)
    assert extent.yMaximum() == pytest.approx(AFRICA[3], abs=0.5)
    assert extent.center().x() == pytest.approx((AFRICA[0] + AFRICA[2]) / 2, abs=0.5)
    request = dialog.build_request(dialog.workflow_id)
    assert request.extent_crs.authid() == "EPSG:4326"


def test_ok_loads_the_layer_through_the_loader(dialog, project, canvas):
    dialog.id_edit.setText(NDVI_ID)
    assert wait_until(lambda: dialog.descriptor is not None)
    dialog.range_check.setChecked(False)  # an instant: the first month
    dialog.name_edit.setText("NDVI from the dialog")
    dialog.ok_button.click()
    assert dialog.submitted is not None
    assert wait_until(lambda: project.count() == 1, timeout=60)
    assert wait_until(lambda: dialog.result() == dialog.Accepted)  # closes once the layer is there
    layer = next(iter(project.mapLayers().values()))
    assert layer.name() == "NDVI from the dialog 2014-01-01"
    assert layer.customProperty("geoengine/workflow_id") == NDVI_ID
    assert layer.customProperty("geoengine/connection") == "local"
    assert layer.customProperty("geoengine/time") == "2014-01-01T00:00:00.000Z/2014-01-01T00:00:00.000Z"
    stored = [float(v) for v in layer.customProperty("geoengine/extent").split(",")]
    canvas_extent = canvas.extent()
    assert stored[0] == pytest.approx(max(-180, canvas_extent.xMinimum()))
    assert stored[3] == pytest.approx(min(90, canvas_extent.yMaximum()))


def test_json_mode_validates_registers_and_loads_a_vector(dialog, project):
    import json

    dialog.source_tabs.setCurrentWidget(dialog.json_page)
    dialog.json_edit.setPlainText("{not json")
    assert dialog.json_state.text().startswith("✗ Workflow JSON: not valid JSON")
    assert not dialog.register_button.isEnabled() and not dialog.ok_button.isEnabled()
    dialog.json_edit.setPlainText(json.dumps({"type": "Raster", "operator": []}))
    assert '"operator"' in dialog.json_state.text()
    dialog.json_edit.setPlainText(json.dumps(PORTS))
    assert dialog.json_state.property("valid") is True and dialog.register_button.isEnabled()
    dialog.register_button.click()
    assert wait_until(lambda: dialog.descriptor is not None), dialog.message_label.text()
    assert "Vector" in dialog.descriptor_label.text() and "scalerank (int)" in dialog.descriptor_label.text()
    assert not dialog.band_list.isEnabled() and not dialog.mode_combo.isEnabled()
    assert dialog.ok_button.isEnabled()
    dialog.ok_button.click()
    assert wait_until(lambda: project.count() == 1, timeout=60)
    layer = next(iter(project.mapLayers().values()))
    assert layer.providerType() == "memory" and layer.featureCount() > 50


def test_json_is_registered_after_a_pause_then_loads(dialog, project):
    import json

    dialog.source_tabs.setCurrentWidget(dialog.json_page)
    dialog.json_edit.setPlainText(json.dumps(NDVI))
    assert not dialog.ok_button.isEnabled()  # not "Ready." before the workflow is registered
    assert wait_until(lambda: dialog.descriptor is not None), dialog.message_label.text()
    assert dialog.workflow_id == NDVI_ID
    dialog.range_check.setChecked(False)
    dialog.start_edit.setDateTime(dialog.start_edit.dateTime().fromString("2014-03-01T00:00:00Z", 1))
    assert dialog.ok_button.isEnabled(), dialog.message_label.text()
    dialog.ok_button.click()
    assert wait_until(lambda: project.count() == 1, timeout=60)
    layer = next(iter(project.mapLayers().values()))
    assert layer.customProperty("geoengine/workflow_id") == NDVI_ID
    assert layer.customProperty("geoengine/time").startswith("2014-03-01T00:00:00.000Z")


def test_the_plugin_action_opens_the_dialog_and_unload_closes_it(qgis_app):
    from geoengine_qgis import classFactory
    from geoengine_qgis.ui.add_layer_dialog import AddLayerDialog

    iface = plugin_support.WidgetIface()
    plugin = classFactory(iface)
    plugin.initGui()
    try:
        action = plugin.actions["add_layer"]
        assert action.isEnabled()
        action.trigger()
        dialogs = [d for d in plugin._dialogs if isinstance(d, AddLayerDialog)]
        assert len(dialogs) == 1 and dialogs[0].isVisible()
        assert dialogs[0].connection_combo.count() == len(plugin.store.names())
        assert plugin.layer_loader() is plugin.layer_loader()  # one loader per plugin run
    finally:
        plugin.unload()
    assert not dialogs[0].isVisible()
    iface.close()
