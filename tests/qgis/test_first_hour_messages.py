"""Messages a first-time user reads: the menu entry "Quota & usage", one "Geo Engine" prefix in the message bar,
a first line in words with the rest behind "More", no websocket close codes without a sentence, core's no-data
warning in the QGIS log, and a missing-package notice that stays, with the pinned install command."""

from __future__ import annotations

import html
import sys

import pytest
from plugin_support import wait_until

pytestmark = pytest.mark.qgis


@pytest.fixture
def started(iface):
    from geoengine_qgis import classFactory

    plugin = classFactory(iface)
    plugin.initGui()
    yield plugin
    plugin.unload()


def test_the_menu_shows_quota_and_usage_without_a_mnemonic(started, iface):
    from qgis.PyQt.QtGui import QKeySequence

    action = started.actions["quota"]
    # Qt draws "&&" as "&"; a single "&" would underline the next letter ("Quota _usage") and bind Alt+U
    assert QKeySequence.mnemonic(action.text()).isEmpty()
    assert action.text().replace("&&", "&") == "Quota & usage"
    assert "Quota && usage" in iface.submenu_actions("Geo Engine")


def test_a_failed_task_names_geo_engine_once(qgis_app, bar):
    from geoengine_qgis.core.errors import InputError
    from geoengine_qgis.qgis_glue.messages import Notifier
    from geoengine_qgis.qgis_glue.tasks import TaskRunner

    def work(_context):
        raise InputError("extent: the extent does not overlap the workflow's data (-180, -90, 180, 90 in EPSG:4326)")

    errors = []
    TaskRunner(Notifier(bar)).submit("Geo Engine: load NDVI", work, on_error=errors.append)
    assert wait_until(lambda: errors and bar.items())
    item = bar.items()[0]
    shown = f"{item.title()} {item.text()}"
    assert shown.count("Geo Engine") == 1, shown
    assert item.title() == "Geo Engine" and item.text().startswith("load NDVI failed: extent: the extent does not")


def test_a_long_message_shows_its_first_sentence_and_keeps_the_rest(qgis_app, bar, log_messages):
    from geoengine_qgis.qgis_glue.messages import BAR_CHARS, Notifier

    first = "Geo Engine: Saved the metadata of NDVI 2014-04-01 to /home/user/Documents/NDVI_2014-04-01-metadata.zip."
    rest = "It holds workflow.json, metadata.json and citation.json."
    Notifier(bar).success(f"{first} {rest}")
    item = bar.items()[0]
    assert item.text() == first[len("Geo Engine: "):] and len(item.text()) <= BAR_CHARS
    assert any(rest in message for tag, message, _ in log_messages if tag == "Geo Engine")


def test_a_lost_stream_is_a_sentence_not_a_close_code(qgis_app):
    from geoengine_qgis.core.errors import StreamClosedError
    from geoengine_qgis.qgis_glue.errors import describe_error

    lost = describe_error(StreamClosedError("the stream failed (close code 1006): connection lost without a close "
                                            "frame", code=1006, reason="connection lost without a close frame"))
    assert "1006" not in lost.summary and "close code" not in lost.summary
    assert lost.summary.startswith("The connection to the server was lost")
    assert "1006" in lost.details  # the transport detail stays in the log
    failed = describe_error(StreamClosedError("the stream failed (close code 1011): Operator: boom", code=1011,
                                              reason="Operator: boom"))
    assert failed.summary == "The server stopped the transfer with an error: Operator: boom."


def test_an_error_text_lost_in_an_invalid_close_frame_is_said_so(qgis_app):
    # Geo Engine 0.9.3 sends long error texts in an over-long close frame; the client rejects it (audit W4)
    from geoengine_qgis.core.errors import ERROR_TEXT_LOST, StreamClosedError
    from geoengine_qgis.qgis_glue.errors import describe_error

    reason = f"{ERROR_TEXT_LOST} (control frame too long), so the error itself was lost; the server's log has it"
    report = describe_error(StreamClosedError(f"the stream failed (close code 1006): {reason}", code=1006,
                                              reason=reason))
    assert report.summary.startswith("The server stopped the transfer with an error too long to send")
    assert "server's log" in report.summary and "1006" not in report.summary


def test_an_unknown_workflow_id_is_explained(qgis_app):
    from geoengine_qgis.core.errors import BadRequestError
    from geoengine_qgis.qgis_glue.errors import describe_error

    report = describe_error(BadRequestError("No workflow for given id", error="NoWorkflowForGivenId", status=400))
    assert report.summary.startswith("The server does not know this workflow ID.")
    assert "NoWorkflowForGivenId" in report.details


def test_cores_no_data_warning_reaches_the_qgis_log_not_stderr(started, log_messages, capsys):
    from geoengine_qgis.core import geotiff_writer

    geotiff_writer.log.warning("%d valid pixels equal the no-data value %s", 472475, 0)
    ours = [(message, level) for tag, message, level in log_messages if tag == "Geo Engine"]
    assert any("472475 valid pixels equal the no-data value 0" in message for message, _ in ours), ours
    assert "472475" not in capsys.readouterr().err
    started.unload()  # unload hands core's warnings back to Python's logging
    geotiff_writer.log.warning("after unload")
    assert not any("after unload" in message for tag, message, _ in log_messages)


def test_the_missing_package_notice_stays_with_the_pinned_command_and_a_link(iface, monkeypatch, log_messages):
    from geoengine_qgis import classFactory
    from qgis.PyQt.QtWidgets import QLabel

    monkeypatch.setitem(sys.modules, "pyarrow", None)
    monkeypatch.setitem(sys.modules, "websockets", None)
    plugin = classFactory(iface)
    plugin.initGui()
    try:
        items = iface.messageBar().items()
        assert len(items) == 1
        item = items[0]
        assert item.duration() == 0  # stays until the user closes it
        shown = html.unescape(item.text())  # the bar renders its text as HTML, so the plugin escapes it
        assert '"pyarrow<24" websockets' in shown
        assert "pip install" in shown and "restart QGIS" in shown
        link = item.findChild(QLabel, "GeoEngineInstallHelp")
        assert link is not None and "#installing-the-plugins-python-packages-for-qgis" in link.text()
        pyarrow_lines = [m for tag, m, _ in log_messages if tag == "Geo Engine" and "'pyarrow' is missing" in m]
        assert len(pyarrow_lines) == 1 and '"pyarrow<24"' in pyarrow_lines[0]
    finally:
        plugin.unload()


def test_the_readme_has_the_section_the_notice_links_to(qgis_app):
    import re
    from pathlib import Path

    from geoengine_qgis.qgis_glue.dependencies import README_SECTION

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    # GitHub's anchor: lower case, punctuation dropped, spaces to hyphens
    anchors = {re.sub(r"[^a-z0-9 -]", "", line[3:].strip().lower()).replace(" ", "-")
               for line in readme.splitlines() if line.startswith("## ")}
    assert README_SECTION in anchors
    assert '"pyarrow<24"' in readme
