"""Polish from the desktop trial: the quota dock's values at small sizes, the Processing dialog at its default size,
an Add-layer dialog that does not grow with its messages and comes back at the size it had, and save dialogs that
start in the folder used last time."""

from __future__ import annotations

import plugin_support
import pytest
from plugin_support import NDVI_ID
from test_add_layer_dialog import canvas, dialog, parts, store  # noqa: F401 - the dialog's fixtures

pytestmark = pytest.mark.qgis


def settle():
    from qgis.PyQt.QtCore import QCoreApplication

    for _ in range(5):  # layouts are applied over a few event-loop turns
        QCoreApplication.processEvents()


def test_the_quota_dock_keeps_its_values_whole_when_short(qgis_app, runner):
    from geoengine_qgis.ui.quota_dock import QuotaDock
    from qgis.PyQt.QtWidgets import QFormLayout, QWidget

    column = QWidget()  # the main window's dock column: it gives the dock what is left, not what it asks for
    column.resize(300, 150)
    dock = QuotaDock(lambda *_args: None, runner, lambda: [], column)
    try:
        dock.user_label.setText("anonymous user c97f6752-aa96-44d3-b5d2-c5bdc4507326")
        dock.available_label.setText("9,999,993")
        dock.used_label.setText("7")
        dock.setGeometry(0, 0, 300, 150)  # a dock sharing its column with two others
        column.show()
        settle()
        form = dock.user_label.parentWidget().layout()
        assert isinstance(form, QFormLayout)
        for value in (dock.user_label, dock.available_label, dock.used_label):
            label = form.labelForField(value)
            assert value.height() >= value.heightForWidth(value.width()), value.text()  # not clipped
            assert abs(value.geometry().top() - label.geometry().top()) <= 2, value.text()  # beside its label
            assert value.geometry().right() <= value.parentWidget().width()
    finally:
        column.close()
        column.deleteLater()


@pytest.fixture
def processing_dialog(qgis_app):
    from geoengine_qgis.processing_provider.provider import GeoEngineProvider
    from qgis.core import QgsApplication

    plugin_support.start_qgis_processing()
    from processing.gui.AlgorithmDialog import AlgorithmDialog

    provider = GeoEngineProvider()
    registry = QgsApplication.processingRegistry()
    registry.addProvider(provider)
    dialogs = []

    def make(algorithm_id):
        dialogs.append(AlgorithmDialog(registry.createAlgorithmById(algorithm_id)))
        return dialogs[-1]

    yield make
    for opened in dialogs:
        opened.close()
        opened.deleteLater()
    registry.removeProvider(provider)


@pytest.mark.parametrize("algorithm", ["geoengine:loadworkflowraster", "geoengine:loadworkflowvector",
                                       "geoengine:saveasdataset"])
def test_processing_dialogs_need_no_horizontal_scrolling_at_their_default_size(processing_dialog, algorithm):
    from qgis.PyQt.QtWidgets import QScrollArea

    shown = processing_dialog(algorithm)
    shown.show()  # QGIS's default size for algorithm dialogs
    settle()
    areas = [area for area in shown.findChildren(QScrollArea) if area.isVisible() and area.widget() is not None]
    assert areas
    for area in areas:
        assert not area.horizontalScrollBar().isVisible(), (algorithm, area.objectName(), shown.size())


def test_the_add_layer_dialog_does_not_grow_with_its_messages(dialog):  # noqa: F811
    dialog.resize(640, dialog.height())
    dialog.show()
    settle()
    width = dialog.width()
    dialog.id_edit.setText(NDVI_ID[:-1] + " and a lot of text that makes the message under the field" * 4)
    settle()
    assert "not a UUID" in dialog.id_state.text()
    assert dialog.width() == width


def test_the_add_layer_dialog_comes_back_at_its_size(store, parts, canvas):  # noqa: F811
    from geoengine_qgis.ui.add_layer_dialog import AddLayerDialog

    runner, loader, with_session = parts
    first = AddLayerDialog(store, with_session, runner, loader, canvas)
    first.show()
    first.resize(first.width() + 57, first.height() + 31)
    settle()
    size = first.size()
    first.reject()
    second = AddLayerDialog(store, with_session, runner, loader, canvas)
    try:
        assert second.size() == size
    finally:
        second.deleteLater()
        first.deleteLater()


def test_save_dialogs_start_in_the_folder_used_last(qgis_app, tmp_path, monkeypatch):
    from geoengine_qgis.ui import widgets
    from qgis.core import QgsSettings
    from qgis.PyQt.QtWidgets import QFileDialog

    QgsSettings().remove(widgets.LAST_FOLDER_KEY)
    asked = []
    answers = [str(tmp_path / "exports" / "plot.png"), ""]
    (tmp_path / "exports").mkdir()

    def fake_dialog(_parent, _title, start, _filter):
        asked.append(start)
        return answers.pop(0), _filter

    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(fake_dialog))
    chosen = answers[0]
    assert widgets.save_file_name(None, "Export plot as PNG", "plot.png", "PNG (*.png)") == chosen
    assert widgets.save_file_name(None, "Save workflow metadata", "NDVI-metadata.zip", "Zip (*.zip)") == ""
    assert asked == ["plot.png", str(tmp_path / "exports" / "NDVI-metadata.zip")]
    QgsSettings().remove(widgets.LAST_FOLDER_KEY)
