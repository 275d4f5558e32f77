"""Time in the Add-layer dialog fits the data: defaults from the result descriptor (plots too, never "today"),
the end follows the start, a time series offers its steps, and a whole typed date is taken as typed.

Expected months come from the NDVI files of the test data (one GeoTIFF per month), not from the plugin."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from plugin_support import NDVI_ID, wait_until
from test_add_layer_dialog import canvas, dialog, parts, store  # noqa: F401 - the dialog's fixtures

pytestmark = pytest.mark.qgis
NDVI_DIR = Path(__file__).resolve().parents[1] / "data/geoengine-test-data/raster/modis_ndvi"
HISTOGRAM = {"type": "Plot", "operator": {"type": "Histogram", "params": {
    "bounds": {"min": 0.0, "max": 255.0}, "buckets": {"type": "number", "value": 16}},
    "sources": {"source": {"type": "GdalSource", "params": {"data": "ndvi"}}}}}


def ndvi_months():
    """["2014-01", …] from the file names MOD13A2_M_NDVI_2014-01-01.TIFF …"""
    return sorted(re.search(r"(\d{4}-\d{2})-01", f.name).group(1) for f in NDVI_DIR.glob("*.TIFF"))


def iso(edit) -> str:
    from qgis.PyQt.QtCore import Qt

    return edit.dateTime().toUTC().toString(Qt.DateFormat.ISODate)


def type_into(edit, text: str) -> None:
    """Select all and type, as a user does."""
    from qgis.PyQt.QtTest import QTest

    edit.line.setFocus()
    edit.line.selectAll()
    QTest.keyClicks(edit.line, text)


def ndvi(dialog):  # noqa: F811 - the fixture
    dialog.id_edit.setText(NDVI_ID)
    assert wait_until(lambda: dialog.descriptor is not None), dialog.message_label.text()
    return dialog


def test_no_time_is_shown_before_the_workflow_is_known(dialog):  # noqa: F811
    import json

    from test_add_layer_dialog import PORTS

    assert dialog.start_edit.text() == "" and not dialog.start_edit.isEnabled()
    dialog.range_check.setChecked(True)
    assert not dialog.end_edit.isEnabled()
    dialog.source_tabs.setCurrentWidget(dialog.json_page)
    dialog.json_edit.setPlainText(json.dumps(PORTS))
    assert not dialog.mode_combo.isEnabled()  # no raster mode before the kind is known ...
    assert wait_until(lambda: dialog.descriptor is not None), dialog.message_label.text()
    assert not dialog.mode_combo.isEnabled() and dialog.start_edit.isEnabled()  # ... nor for a vector


def test_defaults_and_steps_come_from_the_descriptor(dialog):  # noqa: F811
    months = ndvi_months()
    assert len(months) == 6
    ndvi(dialog)
    assert iso(dialog.start_edit) == f"{months[0]}-01T00:00:00Z"
    assert iso(dialog.end_edit) == f"{months[1]}-01T00:00:00Z" and dialog.range_check.isChecked()
    combo = dialog.step_combo
    assert combo.isVisibleTo(dialog) and [combo.itemText(i) for i in range(combo.count())] == months
    assert combo.currentText() == months[0]
    combo.activated.emit(3)  # what a pick in the list sends
    assert iso(dialog.start_edit) == f"{months[3]}-01T00:00:00Z"
    assert iso(dialog.end_edit) == f"{months[4]}-01T00:00:00Z"
    assert dialog.ok_button.isEnabled(), dialog.message_label.text()


def test_the_end_follows_the_start(dialog):  # noqa: F811
    ndvi(dialog)
    type_into(dialog.start_edit, "2014-04-01")
    assert iso(dialog.start_edit) == "2014-04-01T00:00:00Z"
    assert iso(dialog.end_edit) == "2014-05-01T00:00:00Z"  # one month, as before
    assert dialog.step_combo.currentText() == "2014-04"
    assert dialog.ok_button.isEnabled() and dialog.message_label.text() == "Ready."
    dialog.end_edit.setDateTime(dialog.start_edit.dateTime().addMonths(2))  # three months: 04, 05, 06
    type_into(dialog.start_edit, "2014-02-01 00:00")
    assert iso(dialog.end_edit) == "2014-04-01T00:00:00Z"  # still two steps


def test_a_typed_date_is_taken_whole_and_a_bad_one_is_named(dialog):  # noqa: F811
    ndvi(dialog)
    type_into(dialog.start_edit, "2014-03-01T00:00:00Z")
    assert iso(dialog.start_edit) == "2014-03-01T00:00:00Z"
    type_into(dialog.start_edit, "2014-13-01")
    assert not dialog.ok_button.isEnabled()
    assert dialog.message_label.text() == ("Time: start: '2014-13-01' is not a date like 2014-04-01 or "
                                           "2014-04-01 12:00.")
    request_text = "2014-05-01 12:30"
    type_into(dialog.start_edit, request_text)
    assert iso(dialog.start_edit) == "2014-05-01T12:30:00Z" and dialog.ok_button.isEnabled()


def test_a_plot_starts_at_its_datas_time_not_today(dialog):  # noqa: F811
    dialog.source_tabs.setCurrentWidget(dialog.json_page)
    dialog.json_edit.setPlainText(json.dumps(HISTOGRAM))
    assert wait_until(lambda: dialog.descriptor is not None), dialog.message_label.text()
    assert dialog.descriptor.is_plot_result()
    assert iso(dialog.start_edit) == f"{ndvi_months()[0]}-01T00:00:00Z"
    assert "2014-01-01" in dialog.descriptor_label.text()


def contrast(a, b) -> float:
    """WCAG contrast ratio of two QColors (4.5 is the minimum for normal text)."""
    def luminance(colour) -> float:
        def channel(value: int) -> float:
            c = value / 255
            return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
        return 0.2126 * channel(colour.red()) + 0.7152 * channel(colour.green()) + 0.0722 * channel(colour.blue())

    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


WINDOWS = ("#1e1e1e", "#f6f6f6")  # QGIS's "Night Mapping" and the default theme


def test_every_status_colour_reads_on_light_and_dark_windows(qgis_app):
    from geoengine_qgis.ui import widgets
    from qgis.PyQt.QtGui import QColor, QPalette
    from qgis.PyQt.QtWidgets import QLabel

    label = QLabel()
    for window in WINDOWS:
        palette = QPalette(label.palette())
        palette.setColor(QPalette.ColorRole.Window, QColor(window))
        label.setPalette(palette)
        for kind in (widgets.ERROR, widgets.OK, widgets.LOADING, widgets.WARNING):
            colour = QColor(re.search(r"color: (#[0-9a-f]{6})", widgets.status_style(kind, label)).group(1))
            assert contrast(colour, QColor(window)) >= 4.5, (window, kind, colour.name())


def test_colours_read_on_a_dark_theme(dialog):  # noqa: F811
    from qgis.PyQt.QtGui import QColor, QPalette

    for window in WINDOWS:
        palette = QPalette(dialog.palette())
        palette.setColor(QPalette.ColorRole.Window, QColor(window))
        dialog.setPalette(palette)
        dialog.id_edit.setText("")
        dialog.id_edit.setText("not-a-uuid")
        red = QColor(re.search(r"color: (#[0-9a-f]{6})", dialog.id_state.styleSheet()).group(1))
        dialog.id_edit.setText(NDVI_ID)
        green = QColor(re.search(r"color: (#[0-9a-f]{6})", dialog.id_state.styleSheet()).group(1))
        for colour in (red, green):
            assert contrast(colour, QColor(window)) >= 4.5, (window, colour.name())
