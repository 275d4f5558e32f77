"""The plugin against the hostile server: no crash, nothing added, no stray file, a clear message, plain text.

Loads run in a child QGIS (hostile_load_child.py) where a forged Arrow offset could kill the process. The
widgets are checked with Qt's own rule: a text is shown as markup when the widget's format is RichText, or
AutoText and ``Qt.mightBeRichText`` says so; then it must not hold the payload's raw ``<img``/``<a`` tags.
"""

from __future__ import annotations

import json
import os
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import geoengine_qgis
import plugin_support
import pytest
from geoengine_server.hostile import HTML_PAYLOAD

pytestmark = pytest.mark.qgis

CHILD = Path(__file__).with_name("hostile_load_child.py")
PACKAGE_PARENT = str(Path(geoengine_qgis.__path__[0]).parent)
PROBE = "geoengine-hostile-probe"
RAW_TAGS = ("<img", "<a ", "<a\t", "<b ")


def shown_as_markup(text: str, text_format) -> bool:
    from qgis.PyQt.QtCore import Qt

    if text_format == Qt.TextFormat.RichText:
        return True
    return text_format == Qt.TextFormat.AutoText and Qt.mightBeRichText(text)


def assert_plain(text: str, text_format) -> None:
    """The payload is visible as characters, never interpreted as markup."""
    if shown_as_markup(text, text_format):
        assert not any(tag in text for tag in RAW_TAGS), f"markup from the server would be rendered: {text!r}"


def run_child(url: str, kind: str, temp_root: Path) -> dict:
    done = subprocess.run([sys.executable, str(CHILD), PACKAGE_PARENT, url, kind, str(temp_root)],
                          capture_output=True, text=True, timeout=240,
                          env=dict(os.environ, QT_QPA_PLATFORM="offscreen"))
    assert done.returncode == 0, f"QGIS died (exit {done.returncode}): {done.stderr[-2000:]}"
    line = [ln for ln in done.stdout.splitlines() if ln.startswith("RESULT ")][-1]
    return json.loads(line[len("RESULT "):])


@pytest.mark.parametrize("kind, mode, words", [
    ("vector", "forged_offset_huge", "invalid Arrow record batch"),
    ("vector", "truncated", "not an Arrow IPC file"),
    ("raster", "huge_size", "declares 100000x100000 pixels"),
    ("raster", "oversized", "larger than the accepted"),
])
def test_a_spoiled_stream_adds_nothing_and_says_why(hostile, tmp_path, kind, mode, words):
    hostile.config.hostile.arrow = mode
    result = run_child(hostile.base_url, kind, tmp_path / "plugin-temp")
    assert result["error"] == "MalformedResponseError" and words in result["message"], result
    assert result["layers"] == 0 and result["files"] == []
    assert any(words in text for text in result["bar"]), result["bar"]


# ---------------------------------------------------------------------------------------- plain text


def test_descriptor_and_names_in_the_add_layer_dialog_are_plain(qgis_app, hostile):
    from geoengine_qgis.core.session import Session
    from geoengine_qgis.core.workflow import register_workflow
    from geoengine_qgis.ui.add_layer_dialog import describe_descriptor
    from qgis.PyQt.QtCore import Qt

    hostile.config.hostile.html = True
    session = Session(hostile.base_url)
    ndvi = register_workflow({"type": "Raster", "operator": {"type": "GdalSource", "params": {"data": "ndvi"}}},
                             session=session)
    descriptor = ndvi.get_result_descriptor()
    assert PROBE in descriptor.bands[0].name  # the server did send markup
    text = describe_descriptor(descriptor)
    assert_plain(text, Qt.TextFormat.RichText)  # the dialog shows this paragraph as rich text
    assert "&lt;img src=&quot;file:" in text or '&lt;img src="file:' in text


def test_server_error_text_in_status_lines_and_the_message_bar(qgis_app, bar, hostile):
    from geoengine_qgis.core.errors import GeoEngineError
    from geoengine_qgis.core.session import Session
    from geoengine_qgis.qgis_glue.errors import describe_error
    from geoengine_qgis.qgis_glue.messages import Notifier
    from geoengine_qgis.ui.widgets import StatusLine

    hostile.config.hostile.html = True
    session = Session(hostile.base_url)
    hostile.config.faults.http_500_remaining = 1
    with pytest.raises(GeoEngineError) as failure:
        session.get_json("quota")
    summary = describe_error(failure.value).summary
    assert PROBE in summary
    line = StatusLine()
    line.show_error(summary)
    assert_plain(line.text(), line.textFormat())
    Notifier(bar).error(summary)
    Notifier(bar).persistent(summary)
    for item in bar.items():  # QgsMessageBarItem renders its text as HTML
        assert_plain(item.text(), _rich())
        assert PROBE in item.text()


def _rich():
    from qgis.PyQt.QtCore import Qt

    return Qt.TextFormat.RichText


@pytest.fixture
def hostile_plugin(qgis_app, project, hostile):
    """The plugin with one saved connection to the hostile server (its Browser and docks)."""
    from geoengine_qgis.plugin import GeoEnginePlugin
    from geoengine_qgis.qgis_glue.connections import Connection
    from test_browser import LOCAL, make_iface

    iface = make_iface()
    instance = GeoEnginePlugin(iface)
    if LOCAL in instance.store.names():
        instance.store.delete(LOCAL)
    instance.store.save(Connection(LOCAL, hostile.base_url))
    instance.initGui()
    yield instance
    instance.unload()
    instance.store.delete(LOCAL)
    iface.close()


def test_browser_tooltips_and_names_are_plain(hostile_plugin, hostile):
    from qgis.PyQt.QtCore import Qt
    from test_browser import LOCAL, Tree, entries_below

    hostile.config.hostile.html = True
    tree = Tree()
    try:
        datasets = tree.child(tree.path(LOCAL), "Datasets")
        tree.expand(datasets)
        plugin_support.wait_for_fetch(lambda: len(entries_below(tree, datasets)) > 3)
        entries = entries_below(tree, datasets)
        assert entries and any(PROBE in e.toolTip() for e in entries)  # the descriptions carried markup
        for entry in entries:
            assert_plain(entry.toolTip(), Qt.TextFormat.AutoText)  # tooltips guess the format
            # (names are drawn by the tree view's item delegate, which never renders markup)
    finally:
        tree.close()


def test_provenance_title_is_plain(hostile_plugin):
    from qgis.PyQt.QtCore import Qt

    dock = hostile_plugin.show_workflow_provenance("no such connection", "9e1d6c4e-0000-4000-8000-000000000001",
                                                   "NDVI" + HTML_PAYLOAD)
    assert dock.title.textFormat() == Qt.TextFormat.RichText and PROBE in dock.title.text()
    assert_plain(dock.title.text(), dock.title.textFormat())
    assert_plain(dock.status.text(), dock.status.textFormat())


def test_connection_test_shows_server_text_plainly_and_warns_about_http(qgis_app, hostile):
    from geoengine_qgis.qgis_glue.connections import ConnectionStore
    from geoengine_qgis.qgis_glue.messages import Notifier
    from geoengine_qgis.qgis_glue.sessions import probe_connection
    from geoengine_qgis.qgis_glue.tasks import TaskRunner
    from geoengine_qgis.ui.connections_dialog import ConnectionsDialog

    hostile.config.hostile.html = True
    runner = TaskRunner(Notifier())
    dialog = ConnectionsDialog(ConnectionStore("geoengine-hostile-test/connections"), runner, probe_connection)
    try:
        dialog.new_connection()
        dialog.name_edit.setText("hostile")
        dialog.url_edit.setText(hostile.base_url)
        assert not dialog.url_warning.isVisibleTo(dialog)  # loopback: no warning
        hostile.config.faults.http_500_remaining = 1  # GET /session fails with the server's (hostile) text
        hostile.config.faults.http_500_path_prefix = "/session"
        task = dialog.test_current()
        assert task is not None
        assert plugin_support.wait_until(lambda: dialog.test_button.isEnabled(), timeout=30)
        assert PROBE in dialog.status.text()
        assert_plain(dialog.status.text(), dialog.status.textFormat())

        dialog.url_edit.setText("http://geoengine.example.org/api")
        assert dialog.url_warning.isVisibleTo(dialog) and "unencrypted" in dialog.url_warning.text()
        dialog.url_edit.setText("https://geoengine.example.org/api")
        assert not dialog.url_warning.isVisibleTo(dialog)
    finally:
        dialog.done(0)
        runner.cancel_all()
        dialog.deleteLater()


def test_metadata_escapes_server_text_and_links_only_http(qgis_app):
    from geoengine_qgis.core.provenance import Provenance
    from geoengine_qgis.qgis_glue.layer_metadata import SourceInfo, build_metadata
    from geoengine_qgis.qgis_glue.query import LayerQuery
    from qgis.PyQt.QtCore import Qt

    query = LayerQuery("9e1d6c4e-0000-4000-8000-000000000001", "c", "http://127.0.0.1:1/api", (0.0, 0.0, 1.0, 1.0),
                       "EPSG:4326", "2014-01-01T00:00:00Z", "2014-01-01T00:00:00Z")
    provenance = [Provenance("cite" + HTML_PAYLOAD, "licence" + HTML_PAYLOAD, "file:///etc/passwd"),
                  Provenance("ok", "CC0", "https://example.org/data")]
    metadata = build_metadata(query, "layer", None, SourceInfo("Title" + HTML_PAYLOAD, "About" + HTML_PAYLOAD,
                                                               provenance))
    for text in [metadata.title(), metadata.abstract(), *metadata.rights(), *metadata.licenses()]:
        assert_plain(text, Qt.TextFormat.RichText)  # QGIS's metadata page inserts these into HTML as they are
    assert [link.url for link in metadata.links() if "example.org/data" in link.url] == ["https://example.org/data"]
    assert not any(link.url.startswith("file:") for link in metadata.links())


def _png_declaring(width: int, height: int) -> bytes:
    """A tiny PNG whose header declares ``width`` x ``height`` pixels (its data is one empty row)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit grey
    rows = b"\0" * ((width + 1) * height) if width * height < 1_000_000 else b"\0"  # a huge one stays undecoded
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def test_a_plot_png_declaring_a_huge_size_is_not_decoded(qgis_app):
    from geoengine_qgis.ui.plot_dock import decode_plot_png

    image, problem = decode_plot_png(_png_declaring(30000, 30000))  # 3.6 GB as ARGB32 if decoded
    assert image is None and "declares 30000 x 30000 pixels" in problem
    image, problem = decode_plot_png(_png_declaring(64, 48))
    assert problem == "" and (image.width(), image.height()) == (64, 48)


def test_a_plot_with_infinite_values_is_shown_as_json_not_drawn(plugin, tree_iface):
    """JSON ``Infinity`` (Python's json reads it) would raise in paintEvent on every repaint."""
    from geoengine_qgis.ui.plot_dock import PlotDock

    dock = PlotDock(plugin.with_session, plugin.tasks, tree_iface.mapCanvas(), plugin.store.names,
                    tree_iface.mainWindow())
    try:
        spec = '{"mark": "bar", "data": {"values": [{"x": "a", "y": Infinity}, {"x": "b", "y": NaN}]}, ' \
               '"encoding": {"x": {"field": "x"}, "y": {"field": "y"}}}'
        output = {"outputFormat": "JsonVega", "plotType": "Histogram", "data": {"vegaString": spec}}
        dock.resize(600, 400)
        dock.show_output(output, "hostile plot")
        dock.show()
        dock.grab()  # paints (an exception in paintEvent fails the test through the slot-error hook)
        assert dock.state == "raw" and "not a finite number" in dock.status.text()
    finally:
        dock.close()
        dock.deleteLater()
