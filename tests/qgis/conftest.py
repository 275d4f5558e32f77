"""Headless QGIS for the tests in tests/qgis (offscreen Qt platform, throw-away profile), and the set-up the
test modules share: project, message bar, task runner, plugin temp folder, workflow layer loader, a core
session, the stand-in ``iface`` and the plugin with saved connections. Helpers are in plugin_support.py."""

from __future__ import annotations

import os
import shutil
import sys
import time
import traceback
from pathlib import Path

import pytest

HERE = str(Path(__file__).resolve().parent)
if HERE not in sys.path:  # ``import plugin_support`` / ``layer_support`` / ``processing_support`` in the tests
    sys.path.insert(0, HERE)


_SLOT_ERRORS: list = []


def _record_slot_error(kind, value, tb) -> None:
    """``sys.excepthook`` during the run: PyQt hands it exceptions raised in Python slots and virtuals that Qt
    called (signal handlers, ``QgsTask.finished``...). With Python's default hook PyQt5 calls ``qFatal()``
    instead, which aborts the whole pytest process ("Fatal Python error: Aborted", the main thread shown in the
    Qt call that emitted the signal, e.g. ``QgsProject.addMapLayer``). QGIS itself installs a hook too."""
    _SLOT_ERRORS.append("".join(traceback.format_exception(kind, value, tb)))


@pytest.fixture(scope="session", autouse=True)
def _slot_exception_hook():
    previous, sys.excepthook = sys.excepthook, _record_slot_error
    yield
    sys.excepthook = previous


@pytest.fixture
def slot_errors():
    """The tracebacks of exceptions raised in Qt-called Python code during this test (a test that expects one
    checks and clears this list)."""
    return _SLOT_ERRORS


@pytest.fixture(autouse=True)
def _fail_on_slot_exceptions(_slot_exception_hook):
    """A test during which a slot raised fails with the traceback (instead of the run dying or going on)."""
    _SLOT_ERRORS.clear()
    yield
    errors = list(_SLOT_ERRORS)
    _SLOT_ERRORS.clear()
    if errors:
        pytest.fail("exception(s) raised into Qt from Python slots/virtuals:\n" + "\n".join(errors), pytrace=False)


SHUTDOWN_WAIT_S = 10.0
_started = {"app": False, "status": 0}


@pytest.fixture(scope="session")
def qgis_app():
    """One QgsApplication for the whole run (qgis.testing.start_app: temp profile, providers loaded).

    At the end of the session the fixture stops QGIS's background work (tasks, thread pool) and closes the
    windows the tests left. It does not tear QGIS down: ``exitQgis`` and the destructors that run during
    interpreter shutdown crashed the process after all tests had passed (segfaults and heap corruption in
    QGIS threads). ``pytest_unconfigure`` below ends the process with pytest's exit status instead.
    """
    from qgis.testing import start_app

    app = start_app(cleanup=False)
    _started["app"] = True
    yield app
    quiesce()


def quiesce() -> None:
    """Cancel QGIS tasks, wait for thread-pool work and close every top-level window (bounded waits)."""
    from qgis.core import QgsApplication
    from qgis.PyQt.QtCore import QCoreApplication, QThreadPool
    from qgis.PyQt.QtWidgets import QApplication

    tasks = QgsApplication.taskManager()
    tasks.cancelAll()
    deadline = time.monotonic() + SHUTDOWN_WAIT_S
    while tasks.countActiveTasks() and time.monotonic() < deadline:
        QCoreApplication.processEvents()
        time.sleep(0.01)
    QThreadPool.globalInstance().waitForDone(int(SHUTDOWN_WAIT_S * 1000))
    for widget in QApplication.topLevelWidgets():
        widget.close()
    QCoreApplication.processEvents()


def pytest_sessionfinish(session, exitstatus):
    _started["status"] = int(exitstatus)


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config):
    """After QGIS ran in this process: remove its temporary profile and exit without interpreter teardown."""
    if not _started["app"]:
        return
    profile = os.environ.get("QGIS_CUSTOM_CONFIG_PATH", "")
    if os.path.basename(profile).startswith("QGIS-PythonTestConfigPath-"):
        shutil.rmtree(profile, ignore_errors=True)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(_started["status"])


@pytest.fixture
def project(qgis_app):
    """QGIS's project instance, cleared before and after the test."""
    from qgis.core import QgsProject

    instance = QgsProject.instance()
    instance.clear()
    yield instance
    instance.clear()


@pytest.fixture
def log_messages(qgis_app):
    """(tag, message, level) of every QGIS log message during the test."""
    from qgis.core import QgsApplication

    messages = []

    def record(message, tag, level):
        messages.append((tag, message, level))

    QgsApplication.messageLog().messageReceived.connect(record)
    yield messages
    QgsApplication.messageLog().messageReceived.disconnect(record)


@pytest.fixture
def bar(qgis_app):
    from qgis.gui import QgsMessageBar

    widget = QgsMessageBar()
    yield widget
    widget.deleteLater()


@pytest.fixture
def runner(bar):
    """A TaskRunner reporting to ``bar``; running tasks are cancelled after the test."""
    from geoengine_qgis.qgis_glue.messages import Notifier
    from geoengine_qgis.qgis_glue.tasks import TaskRunner

    tasks = TaskRunner(Notifier(bar))
    yield tasks
    tasks.cancel_all()


@pytest.fixture
def tempdir(tmp_path, project):
    """The plugin's temporary folder in the test's tmp_path (removed after the test)."""
    from geoengine_qgis.qgis_glue.tempfiles import PluginTempDir

    folder = PluginTempDir(str(tmp_path))
    yield folder
    folder.cleanup()


@pytest.fixture
def loader(project, tempdir, runner, bar):
    """The workflow layer loader on ``project``: torn down after its runner cancels, before the folder goes."""
    from geoengine_qgis.qgis_glue.layers import WorkflowLayerLoader
    from geoengine_qgis.qgis_glue.messages import Notifier

    return WorkflowLayerLoader(runner, tempdir, Notifier(bar), project)


@pytest.fixture
def session(base_url):
    """An anonymous core Session on the test server (closed after the test)."""
    from geoengine_qgis.core.session import Session

    active = Session(base_url, use_env=False)
    yield active
    active.close()


@pytest.fixture
def injector(qgis_app):
    """The plugin's Bearer header preprocessor, installed, with no token source yet."""
    from geoengine_qgis.qgis_glue.network import BearerHeaderInjector

    active = BearerHeaderInjector()
    active.install()
    yield active
    active.uninstall()


@pytest.fixture
def session_injector(injector, session):
    """The plugin's Bearer header preprocessor, installed, with ``session``'s token for its server."""
    injector.set_token_source(session.server_url, lambda: session.auth_header["Authorization"][len("Bearer "):])
    return injector


@pytest.fixture
def iface(qgis_app):
    """A WidgetIface (real main window, menus, toolbars, message bar, canvas); closed after the test."""
    import plugin_support

    widget_iface = plugin_support.WidgetIface()
    yield widget_iface
    widget_iface.close()


@pytest.fixture
def tree_iface(project):
    """A LayerTreeIface (WidgetIface + layer tree view) on a cleared project."""
    import plugin_support

    widget_iface = plugin_support.LayerTreeIface()
    yield widget_iface
    project.clear()
    widget_iface.close()


@pytest.fixture
def plugin(tree_iface, project, base_url):
    """The plugin started on ``tree_iface`` with the connections of ``plugin_support.start_plugin``."""
    import plugin_support

    active = plugin_support.start_plugin(tree_iface, base_url)
    yield active
    project.clear()  # layers first: their GeoTIFFs live in the plugin's temp folder
    plugin_support.stop_plugin(active)
