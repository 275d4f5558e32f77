"""Headless QGIS for the tests in tests/qgis (offscreen Qt platform, throw-away profile), and the set-up the
test modules share: project, message bar, task runner, plugin temp folder, workflow layer loader, a core
session, the stand-in ``iface`` and the plugin with saved connections. Helpers are in plugin_support.py."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

HERE = str(Path(__file__).resolve().parent)
if HERE not in sys.path:  # ``import plugin_support`` / ``layer_support`` / ``processing_support`` in the tests
    sys.path.insert(0, HERE)


@pytest.fixture(scope="session")
def qgis_app():
    """One QgsApplication for the whole run (qgis.testing.start_app: temp profile, providers loaded)."""
    from qgis.testing import start_app

    return start_app()


@pytest.fixture
def project(qgis_app):
    """QGIS's project instance, cleared before and after the test."""
    from qgis.core import QgsProject

    instance = QgsProject.instance()
    instance.clear()
    yield instance
    instance.clear()


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
def session_injector(session):
    """The plugin's Bearer header preprocessor, installed, with ``session``'s token for its server."""
    from geoengine_qgis.qgis_glue.network import BearerHeaderInjector

    active = BearerHeaderInjector()
    active.install()
    active.set_token_source(session.server_url, lambda: session.auth_header["Authorization"][len("Bearer "):])
    yield active
    active.uninstall()


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
