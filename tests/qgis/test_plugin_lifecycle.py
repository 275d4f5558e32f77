"""Plugin lifecycle in headless QGIS: classFactory, initGui, unload (twice), no network at start-up."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import plugin_support
import pytest

pytestmark = pytest.mark.qgis


EXPECTED_ACTIONS = [
    "Connections…", "Add workflow layer…", "Provenance", "Quota && usage", "Plot", "Save result as dataset…",
    "Download metadata…", "Show workflow definition", "Copy workflow id", "Settings…", "Help",
]


def _start(iface):
    from geoengine_qgis import classFactory

    plugin = classFactory(iface)
    plugin.initGui()
    return plugin


def test_init_and_unload_twice_leave_nothing_behind(iface):
    from qgis.core import QgsNetworkAccessManager

    for _round in range(2):
        plugin = _start(iface)
        assert iface.web_submenus() == ["Geo Engine"]
        assert iface.submenu_actions("Geo Engine") == EXPECTED_ACTIONS
        assert iface.toolbars() == ["Geo Engine"]
        assert plugin.injector.installed
        preprocessor_id = plugin.injector._preprocessor_id
        job = plugin.tempdir.job_dir("lifecycle")
        (job / "result.tif").write_bytes(b"not really a tiff")
        root = plugin.tempdir.root

        plugin.unload()

        assert iface.web_submenus() == []
        assert iface.toolbars() == []
        assert iface.docks() == []
        assert not plugin.injector.installed
        # the preprocessor is gone from QGIS: removing it again reports "no processor with id ..."
        with pytest.raises(KeyError):
            QgsNetworkAccessManager.removeRequestPreprocessor(preprocessor_id)
        assert not root.exists()
        assert plugin.actions == {}


def test_every_built_action_is_enabled_with_an_icon(iface):
    from geoengine_qgis.plugin import ACTIONS

    plugin = _start(iface)
    try:
        enabled = {key for key, action in plugin.actions.items() if action.isEnabled()}
        assert enabled == {"connections", "add_layer", "provenance", "quota", "plot", "save_dataset",
                           "download_metadata", "workflow_definition", "copy_workflow_id", "settings", "help"}
        assert all(callable(getattr(plugin, spec.handler)) for spec in ACTIONS)
        for key, action in plugin.actions.items():
            assert not action.icon().isNull(), key
            assert "coming" not in action.toolTip(), key
        toolbar_texts = [a.text() for a in plugin.toolbar.actions()]
        assert toolbar_texts == EXPECTED_ACTIONS[:-2]  # Settings and Help are in the menu only
    finally:
        plugin.unload()


def test_an_action_without_a_feature_is_disabled_and_says_coming(iface, monkeypatch):
    from geoengine_qgis import plugin as plugin_module

    future = plugin_module.ActionSpec("future", "Future thing", "help.svg", "Not built yet")
    monkeypatch.setattr(plugin_module, "ACTIONS", plugin_module.ACTIONS + (future,))
    plugin = _start(iface)
    try:
        action = plugin.actions["future"]
        assert not action.isEnabled()
        assert action.toolTip() == "Future thing: coming in a later version"
        assert action.statusTip() == "Not built yet (coming in a later version)"
        assert plugin.actions["help"].isEnabled()
    finally:
        plugin.unload()


def test_connections_action_opens_the_dialog_and_unload_closes_it(iface):
    plugin = _start(iface)
    try:
        plugin.actions["connections"].trigger()
        dialogs = list(plugin._dialogs)
        assert len(dialogs) == 1 and dialogs[0].isVisible()
        assert dialogs[0].windowTitle() == "Geo Engine connections"
    finally:
        plugin.unload()
    assert plugin._dialogs == []
    assert not dialogs[0].isVisible()


def test_docks_added_through_the_plugin_go_away_on_unload(iface):
    from qgis.PyQt.QtWidgets import QDockWidget

    plugin = _start(iface)
    try:
        with pytest.raises(ValueError, match="objectName"):
            plugin.add_dock(QDockWidget("nameless"))
        dock = QDockWidget("Quota")
        dock.setObjectName("GeoEngineQuotaDock")
        assert plugin.add_dock(dock) is dock
        assert iface.docks() == ["GeoEngineQuotaDock"]
    finally:
        plugin.unload()
    assert iface.docks() == []


def test_init_gui_opens_no_socket_and_reads_no_credentials(iface, monkeypatch):
    from qgis.core import QgsAuthManager, QgsNetworkAccessManager, QgsNetworkRequestParameters

    attempts = []
    real_connect, real_connect_ex = socket.socket.connect, socket.socket.connect_ex

    def record_connect(sock, address):
        attempts.append(address)
        return real_connect(sock, address)

    def record_connect_ex(sock, address):
        attempts.append(address)
        return real_connect_ex(sock, address)

    real_getaddrinfo = socket.getaddrinfo

    def record_getaddrinfo(*args, **kwargs):
        attempts.append(("dns", args[0]))
        return real_getaddrinfo(*args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", record_getaddrinfo)
    monkeypatch.setattr(socket.socket, "connect", record_connect)
    monkeypatch.setattr(socket.socket, "connect_ex", record_connect_ex)
    auth_reads = []
    monkeypatch.setattr(QgsAuthManager, "loadAuthenticationConfig",
                        lambda *args, **kwargs: auth_reads.append(args) or (False, None))

    qgis_requests = []
    manager = QgsNetworkAccessManager.instance()
    manager.requestAboutToBeCreated[QgsNetworkRequestParameters].connect(qgis_requests.append)
    try:
        plugin = _start(iface)
        plugin_support.flush_deletes()
    finally:
        manager.requestAboutToBeCreated[QgsNetworkRequestParameters].disconnect(qgis_requests.append)
    try:
        assert attempts == []
        assert qgis_requests == []  # nor through QGIS's own network stack
        assert auth_reads == []
    finally:
        plugin.unload()
    assert attempts == []


def test_package_import_is_light():
    """Importing the package (what QGIS does at start-up) loads neither the plugin module nor requests."""
    import geoengine_qgis

    parent = Path(geoengine_qgis.__file__).resolve().parent  # the checkout (through the test symlink)
    link_parent = Path(geoengine_qgis.__file__).parent.parent
    code = (
        "import sys, geoengine_qgis\n"
        "heavy = [m for m in ('requests', 'pyarrow', 'websockets', 'geoengine_qgis.plugin', 'geoengine_qgis.core',"
        " 'qgis.core') if m in sys.modules]\n"
        "print(','.join(heavy))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=str(parent.parent), capture_output=True, text=True,
                            env={"PYTHONPATH": str(link_parent), "PATH": "/usr/bin:/bin"}, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ""


def test_init_gui_leaves_arrow_and_websockets_unimported():
    """A fresh QGIS process: initGui builds everything (Browser, Processing) without importing pyarrow or
    websockets; they load only when a result is streamed."""
    import geoengine_qgis

    link_parent = Path(geoengine_qgis.__file__).parent.parent
    code = (
        "import sys\n"
        "from qgis.testing import start_app\n"
        "app = start_app()\n"
        "import plugin_support\n"
        "from geoengine_qgis import classFactory\n"
        "plugin = classFactory(plugin_support.WidgetIface())\n"
        "plugin.initGui()\n"
        "parts = [plugin.browser is not None, plugin.processing_provider is not None]\n"
        "print('RESULT', [m for m in ('pyarrow', 'websockets') if m in sys.modules], parts)\n"
        "plugin.unload()\n"
    )
    env = dict(plugin_support.env_without_proxy(), QT_QPA_PLATFORM="offscreen",
               PYTHONPATH=os.pathsep.join([str(link_parent), str(Path(__file__).parent)]))
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    lines = [line for line in result.stdout.splitlines() if line.startswith("RESULT ")]
    assert result.returncode == 0 and lines, (result.stdout[-2000:], result.stderr[-2000:])
    assert lines[-1] == "RESULT [] [True, True]"


def test_unload_cancels_running_tasks(iface):
    plugin = _start(iface)
    started, outcomes = [], []

    def work(context):
        started.append(True)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:  # bounded: at most 30 s if cancel were ignored
            context.check_canceled()
            time.sleep(0.01)
        return "finished"

    task = plugin.tasks.submit("long job", work, on_success=outcomes.append,
                               on_cancel=lambda: outcomes.append("cancel callback"))
    ended = []
    task.taskCompleted.connect(lambda: ended.append("completed"))
    task.taskTerminated.connect(lambda: ended.append("terminated"))
    assert plugin_support.wait_until(lambda: started, timeout=10)
    plugin.unload()
    assert task.isCanceled()
    # QgsTask calls finished() and then emits taskCompleted/taskTerminated on the main thread: wait for that
    assert plugin_support.wait_until(lambda: ended, timeout=30)
    assert outcomes == []  # detached: no callback into a plugin that is gone
    assert plugin.tasks.active == set()


def test_help_opens_the_homepage_from_metadata(iface):
    from qgis.PyQt.QtCore import QObject, pyqtSlot
    from qgis.PyQt.QtGui import QDesktopServices

    class Recorder(QObject):
        def __init__(self):
            super().__init__()
            self.urls = []

        @pyqtSlot("QUrl")
        def open(self, url):
            self.urls.append(url.toString())

    recorder = Recorder()
    QDesktopServices.setUrlHandler("https", recorder, "open")
    plugin = _start(iface)
    try:
        plugin.actions["help"].trigger()
    finally:
        plugin.unload()
        QDesktopServices.unsetUrlHandler("https")
    assert recorder.urls == ["https://github.com/geoengine-workflows/qgis-plugin#readme"]


def test_a_failing_unload_step_does_not_leave_the_rest_behind(iface, monkeypatch):
    plugin = _start(iface)
    root = plugin.tempdir.root

    def broken():
        raise RuntimeError("wrapped C/C++ object has been deleted")

    monkeypatch.setattr(plugin, "_unload_dialogs", broken)
    plugin.unload()
    assert iface.web_submenus() == [] and iface.toolbars() == []
    assert not plugin.injector.installed and not root.exists()
