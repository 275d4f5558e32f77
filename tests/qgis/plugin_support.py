"""The one helper module of the tests in tests/qgis (``import plugin_support``; tests/qgis/conftest.py puts this
folder on ``sys.path``). It imports only QGIS at the top, so a QGIS started in a child process can load it too.

``WidgetIface`` stands in for QGIS's ``QgisInterface`` with real Qt widgets: a QMainWindow with a Web
menu, real toolbars, dock areas and a ``QgsMessageBar``. Unlike a Mock iface it keeps real state, so a
test can count what the plugin leaves behind after ``unload``. Its Web-menu helpers behave like QGIS's
(``addPluginToWebMenu`` makes the named submenu; ``removePluginWebMenu`` deletes it once empty).
``LayerTreeIface`` adds a real layer tree view and ``activeLayer``.

The dock and action tests get their sessions the way they do in QGIS: through the plugin's ``with_session``
with saved connections (URL + Auth Manager config) in a test settings root (:func:`start_plugin`).
"""

from __future__ import annotations

import importlib
import os
import socket
import time
from pathlib import Path
from typing import List

from qgis.core import QgsApplication
from qgis.gui import QgsMapCanvas, QgsMessageBar
from qgis.PyQt.QtCore import QCoreApplication, QEvent
from qgis.PyQt.QtWidgets import QDockWidget, QMainWindow, QMenu, QToolBar

MASTER_PASSWORD = "plugin-tests-master"
ADMIN, ADMIN_PASSWORD = "admin@localhost", "adminadmin"
ANALYST, ANALYST_PASSWORD = "analyst@example.org", "analyst-password"
NDVI = {"type": "Raster", "operator": {"type": "GdalSource", "params": {"data": "ndvi"}}}
NDVI_ID = "1e415c9c-55f3-51a2-b50b-b5053d1debbb"  # GdalSource ndvi: Geo Engine ids are content hashes
NDVI_CITATION = "Nasa Earth Observations, MODIS Vegetation Index Products"
AFRICA = (-20.0, -36.0, 53.0, 38.0)
SETTINGS_ROOT = "geoengine/test-dock-connections"
FETCH_WAIT = 30.0  # seconds for a login plus a fetch (docks, Browser)


class WidgetIface:
    """The part of QgisInterface the plugin uses, with real widgets."""

    def __init__(self) -> None:
        self._window = QMainWindow()
        self._web_menu = self._window.menuBar().addMenu("&Web")
        self._bar = QgsMessageBar(self._window)
        self._canvas = QgsMapCanvas(self._window)
        self._help_menu = self._window.menuBar().addMenu("&Help")

    def mainWindow(self):  # noqa: N802 - QgisInterface names
        return self._window

    def messageBar(self):  # noqa: N802
        return self._bar

    def mapCanvas(self):  # noqa: N802
        return self._canvas

    def webMenu(self):  # noqa: N802
        return self._web_menu

    def pluginHelpMenu(self):  # noqa: N802
        return self._help_menu

    def addToolBar(self, name: str) -> QToolBar:  # noqa: N802
        return self._window.addToolBar(name)

    def addDockWidget(self, area, dock) -> None:  # noqa: N802
        self._window.addDockWidget(area, dock)

    def removeDockWidget(self, dock) -> None:  # noqa: N802
        self._window.removeDockWidget(dock)

    def _submenu(self, name: str):
        for action in self._web_menu.actions():
            if action.menu() is not None and action.text() == name:
                return action.menu()
        return None

    def addPluginToWebMenu(self, name: str, action) -> None:  # noqa: N802
        menu = self._submenu(name)
        if menu is None:
            menu = QMenu(name, self._web_menu)
            self._web_menu.addMenu(menu)
        menu.addAction(action)

    def removePluginWebMenu(self, name: str, action) -> None:  # noqa: N802
        menu = self._submenu(name)
        if menu is None:
            return
        menu.removeAction(action)
        if not menu.actions():
            self._web_menu.removeAction(menu.menuAction())
            menu.deleteLater()

    # --- inspection for tests -------------------------------------------------------------------
    def web_submenus(self) -> List[str]:
        return [a.text() for a in self._web_menu.actions() if a.menu() is not None]

    def submenu_actions(self, name: str) -> List[str]:
        menu = self._submenu(name)
        return [a.text() for a in menu.actions()] if menu is not None else []

    def toolbars(self) -> List[str]:
        flush_deletes()
        return [tb.windowTitle() for tb in self._window.findChildren(QToolBar)]

    def docks(self) -> List[str]:
        flush_deletes()
        return [d.objectName() for d in self._window.findChildren(QDockWidget)]

    def close(self) -> None:
        self._window.close()
        self._window.deleteLater()
        flush_deletes()


class LayerTreeIface(WidgetIface):
    """A WidgetIface with a layer tree view on the project's tree (so currentLayerChanged is real)."""

    def __init__(self) -> None:
        from qgis.core import QgsLayerTreeModel, QgsProject
        from qgis.gui import QgsLayerTreeView

        super().__init__()
        self._model = QgsLayerTreeModel(QgsProject.instance().layerTreeRoot(), self._window)
        self._view = QgsLayerTreeView(self._window)
        self._view.setModel(self._model)

    def layerTreeView(self):  # noqa: N802 - QgisInterface name
        return self._view

    def activeLayer(self):  # noqa: N802
        return self._view.currentLayer()


def start_qgis_processing() -> None:
    """QGIS's own Processing plugin (its AlgorithmDialog), initialised once."""
    import sys

    plugins = Path(QgsApplication.pkgDataPath()) / "python" / "plugins"
    if str(plugins) not in sys.path:
        sys.path.append(str(plugins))
    from processing.core.Processing import Processing

    Processing.initialize()


def read_recording_bad_layers(project, path) -> List[str]:
    """Read the project at ``path`` with a bad-layer handler installed the way QGIS desktop installs its
    "Handle Unavailable Layers" dialog (``setBadLayerHandler``); returns the names of the layers it was offered.
    QGIS's default handler is installed again afterwards."""
    from qgis.core import QgsProjectBadLayerHandler

    class Recorder(QgsProjectBadLayerHandler):
        def __init__(self) -> None:
            super().__init__()
            self.names: List[str] = []

        def handleBadLayers(self, layers):  # noqa: N802 - QGIS API name
            self.names += [node.firstChildElement("layername").text() for node in layers]

    recorder = Recorder()
    project.setBadLayerHandler(recorder)
    try:
        assert project.read(str(path))
    finally:
        project.setBadLayerHandler(QgsProjectBadLayerHandler())  # QGIS's default again
    return recorder.names


def flush_deletes() -> None:
    """Run pending deleteLater() calls and queued events (bounded: one pass each)."""
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    QCoreApplication.processEvents()


def wait_until(predicate, timeout: float = 20.0, step: float = 0.02) -> bool:
    """Process Qt events until ``predicate()`` is true or ``timeout`` seconds pass (bounded loop)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        QCoreApplication.processEvents()
        if predicate():
            return True
        time.sleep(step)
    QCoreApplication.processEvents()
    return bool(predicate())


def wait_for_fetch(predicate, timeout: float = FETCH_WAIT) -> bool:
    """:func:`wait_until` with the longer default of steps that log in and fetch from the server first."""
    return wait_until(predicate, timeout=timeout)


def ensure_master_password() -> None:
    """Set the Auth Manager's master password of the test profile (headless: no dialog)."""
    manager = QgsApplication.authManager()
    assert not manager.isDisabled(), "QGIS auth manager disabled"
    if not manager.masterPasswordIsSet():
        assert manager.setMasterPassword(MASTER_PASSWORD, True), "could not set the auth master password"


def settings_file() -> Path:
    from qgis.core import QgsSettings

    settings = QgsSettings()
    settings.sync()
    return Path(settings.fileName())


def plugin_package():
    """The plugin package as tests import it (``geoengine_qgis``)."""
    return importlib.import_module("geoengine_qgis")


def profile_dir() -> Path:
    return Path(QgsApplication.qgisSettingsDirPath())


def env_without_proxy() -> dict:
    env = dict(os.environ)
    for key in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        env.pop(key, None)
    return env


def closed_port() -> int:
    """A loopback port nothing listens on (bound once, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def basic_config(username: str, password: str, name: str = "test login") -> str:
    """Store a Basic (username/password) config in the test profile's Auth Manager; returns its id."""
    from qgis.core import QgsAuthMethodConfig

    ensure_master_password()
    config = QgsAuthMethodConfig("Basic")
    config.setName(name)
    config.setConfig("username", username)
    config.setConfig("password", password)
    stored = QgsApplication.authManager().storeAuthenticationConfig(config)
    assert (stored[0] if isinstance(stored, tuple) else stored), "the Auth Manager did not store the config"
    return config.id()


# --- the plugin with saved connections (dock and action tests) -------------------------------------------


def start_plugin(iface, base_url: str):
    """The plugin with connections "admin", "analyst" (password logins), "down" (nothing listens there) and
    "badtoken" (a session token the server does not know: 401)."""
    from geoengine_qgis import classFactory
    from geoengine_qgis.qgis_glue.connections import PASSWORD, TOKEN, Connection, ConnectionStore, store_token

    plugin = classFactory(iface)
    plugin.initGui()
    plugin.store = ConnectionStore(SETTINGS_ROOT)
    plugin.store.save(Connection("admin", base_url, PASSWORD,
                                 basic_config(ADMIN, ADMIN_PASSWORD, f"dock tests {ADMIN}")))
    plugin.store.save(Connection("analyst", base_url, PASSWORD,
                                 basic_config(ANALYST, ANALYST_PASSWORD, f"dock tests {ANALYST}")))
    plugin.store.save(Connection("down", f"http://127.0.0.1:{closed_port()}/api", PASSWORD,
                                 basic_config(ADMIN, ADMIN_PASSWORD, f"dock tests {ADMIN}")))
    plugin.store.save(Connection("badtoken", base_url, TOKEN,
                                 store_token("badtoken", "0b4d2e9a-1111-4222-8333-944455556666")))
    return plugin


def stop_plugin(plugin) -> None:
    from qgis.core import QgsSettings

    plugin.store.delete("badtoken")  # removes the plugin's token config from the Auth Manager
    plugin.unload()
    QgsSettings().remove(SETTINGS_ROOT)


def geoengine_layer(workflow_id: str, connection: str, name: str = "NDVI", kind: str = "raster",
                    bounds=AFRICA, time=("2014-04-01T00:00:00.000Z", "2014-05-01T00:00:00.000Z")):
    """A layer carrying the custom properties the workflow loader writes (added to the project)."""
    from geoengine_qgis.qgis_glue.query import LayerQuery
    from qgis.core import QgsProject, QgsVectorLayer

    layer = QgsVectorLayer("Point?crs=EPSG:4326", name, "memory")
    LayerQuery(workflow_id, connection, "", tuple(bounds), "EPSG:4326", time[0], time[1], (0,) if kind == "raster"
               else (), kind, "geotiff").apply_to(layer)
    QgsProject.instance().addMapLayer(layer)
    return layer


def plain_layer(name: str = "plain"):
    from qgis.core import QgsProject, QgsVectorLayer

    layer = QgsVectorLayer("Point?crs=EPSG:4326", name, "memory")
    QgsProject.instance().addMapLayer(layer)
    return layer


def register_in(session, workflow: dict) -> str:
    """Register ``workflow`` with an open core Session; returns the workflow id."""
    from geoengine_qgis.core.workflow import register_workflow

    return str(register_workflow(workflow, session=session).workflow_id)


def register(base_url: str, workflow: dict, email: str = ADMIN, password: str = ADMIN_PASSWORD) -> str:
    """Register ``workflow`` as ``email`` (a login of its own); returns the workflow id."""
    from geoengine_qgis.core.session import Session

    session = Session(base_url, credentials=(email, password), use_env=False)
    try:
        return register_in(session, workflow)
    finally:
        session.close()


def bar_texts(iface) -> list:
    """Texts of the messages currently in the iface's message bar."""
    return [f"{item.title()} {item.text()} {item.property('details') or ''}".rstrip()
            for item in iface.messageBar().items()]


# --- the workflow layer loader (add-layer, styling, time and project tests) ------------------------------


def request(workflow_id, bounds=AFRICA, crs="EPSG:4326", start="2014-04-01T00:00:00.000Z", end=None, **kwargs):
    from geoengine_qgis.qgis_glue.layers import LayerRequest
    from qgis.core import QgsCoordinateReferenceSystem, QgsRectangle

    return LayerRequest(str(workflow_id), QgsRectangle(*bounds), QgsCoordinateReferenceSystem(crs), start, end,
                        **kwargs)


def run_load(loader, session, layer_request, timeout=60.0, cancel_after_start=False):
    """Start a load and process events until it reports (bounded); returns (outcome, task)."""
    outcomes = []
    task = loader.load(session, layer_request, on_done=outcomes.append)
    if cancel_after_start:
        task.cancel()
    finished = wait_until(lambda: bool(outcomes), timeout=timeout)
    assert finished, f"the load did not finish within {timeout} s"
    return outcomes[0], task


def render_pixels(layer, extent, temporal_range=None, size: int = 200, check_errors: bool = True) -> list:
    """Every second pixel (row by row) of ``layer`` drawn in EPSG:4326 over ``extent`` on white, as the canvas
    would draw it (with ``temporal_range``, if any); asserts the renderer reported no errors (unless
    ``check_errors`` is False, e.g. for a request the server is expected to refuse)."""
    from qgis.core import QgsCoordinateReferenceSystem, QgsMapRendererSequentialJob, QgsMapSettings, QgsRectangle
    from qgis.PyQt.QtCore import QSize
    from qgis.PyQt.QtGui import QColor

    settings = QgsMapSettings()
    settings.setLayers([layer])
    settings.setDestinationCrs(QgsCoordinateReferenceSystem("EPSG:4326"))
    settings.setExtent(QgsRectangle(*extent))
    settings.setOutputSize(QSize(size, size))
    settings.setBackgroundColor(QColor(255, 255, 255))
    if temporal_range is not None:
        settings.setIsTemporal(True)
        settings.setTemporalRange(temporal_range)
    job = QgsMapRendererSequentialJob(settings)
    job.start()
    job.waitForFinished()  # bounded by the providers' own network timeout
    assert not check_errors or not job.errors(), [e.message for e in job.errors()]
    image = job.renderedImage()
    return [image.pixel(x, y) for y in range(0, size, 2) for x in range(0, size, 2)]


def same_fraction(a: list, b: list) -> float:
    """The share of equal pixels in two :func:`render_pixels` results."""
    return sum(1 for p, q in zip(a, b) if p == q) / len(a)
