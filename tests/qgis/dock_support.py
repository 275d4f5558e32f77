"""Shared helpers of the dock and action tests (tests/qgis/test_docks*.py, test_actions*.py).

The docks get their sessions the way they do in QGIS: through the plugin's ``with_session`` with saved
connections (URL + Auth Manager config) in a test settings root. ``DockIface`` adds a real layer tree view
and ``activeLayer`` to the plugin tests' ``WidgetIface``.
"""

from __future__ import annotations

import importlib.util
import socket
import sys
from pathlib import Path

ADMIN, ADMIN_PASSWORD = "admin@localhost", "adminadmin"
ANALYST, ANALYST_PASSWORD = "analyst@example.org", "analyst-password"
NDVI = {"type": "Raster", "operator": {"type": "GdalSource", "params": {"data": "ndvi"}}}
NDVI_CITATION = "Nasa Earth Observations, MODIS Vegetation Index Products"
SETTINGS_ROOT = "geoengine/test-dock-connections"


def plugin_support():
    name = "geoengine_plugin_test_support"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, Path(__file__).with_name("plugin_support.py"))
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


def wait_until(predicate, timeout: float = 30.0) -> bool:
    return plugin_support().wait_until(predicate, timeout=timeout)


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def make_iface():
    """A WidgetIface with a layer tree view on the project's tree (so currentLayerChanged is real)."""
    from qgis.core import QgsLayerTreeModel, QgsProject
    from qgis.gui import QgsLayerTreeView

    base = plugin_support().WidgetIface

    class DockIface(base):
        def __init__(self) -> None:
            super().__init__()
            self._model = QgsLayerTreeModel(QgsProject.instance().layerTreeRoot(), self._window)
            self._view = QgsLayerTreeView(self._window)
            self._view.setModel(self._model)

        def layerTreeView(self):  # noqa: N802 - QgisInterface name
            return self._view

        def activeLayer(self):  # noqa: N802
            return self._view.currentLayer()

    return DockIface()


def basic_config(username: str, password: str) -> str:
    from qgis.core import QgsApplication, QgsAuthMethodConfig

    plugin_support().ensure_master_password()
    config = QgsAuthMethodConfig("Basic")
    config.setName(f"dock tests {username}")
    config.setConfig("username", username)
    config.setConfig("password", password)
    assert QgsApplication.authManager().storeAuthenticationConfig(config)
    return config.id()


def start_plugin(iface, base_url: str):
    """The plugin with connections "admin", "analyst" (password logins), "down" (nothing listens there) and
    "badtoken" (a session token the server does not know: 401)."""
    from geoengine_qgis import classFactory
    from geoengine_qgis.qgis_glue.connections import PASSWORD, TOKEN, Connection, ConnectionStore, store_token

    plugin = classFactory(iface)
    plugin.initGui()
    plugin.store = ConnectionStore(SETTINGS_ROOT)
    plugin.store.save(Connection("admin", base_url, PASSWORD, basic_config(ADMIN, ADMIN_PASSWORD)))
    plugin.store.save(Connection("analyst", base_url, PASSWORD, basic_config(ANALYST, ANALYST_PASSWORD)))
    plugin.store.save(Connection("down", f"http://127.0.0.1:{closed_port()}/api", PASSWORD,
                                 basic_config(ADMIN, ADMIN_PASSWORD)))
    plugin.store.save(Connection("badtoken", base_url, TOKEN,
                                 store_token("badtoken", "0b4d2e9a-1111-4222-8333-944455556666")))
    return plugin


def stop_plugin(plugin) -> None:
    from qgis.core import QgsSettings

    plugin.store.delete("badtoken")  # removes the plugin's token config from the Auth Manager
    plugin.unload()
    QgsSettings().remove(SETTINGS_ROOT)


def geoengine_layer(workflow_id: str, connection: str, name: str = "NDVI", kind: str = "raster",
                    bounds=(-20.0, -36.0, 53.0, 38.0), time=("2014-04-01T00:00:00.000Z", "2014-05-01T00:00:00.000Z")):
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


def register(base_url: str, workflow: dict, email: str = ADMIN, password: str = ADMIN_PASSWORD) -> str:
    from geoengine_qgis.core.session import Session
    from geoengine_qgis.core.workflow import register_workflow

    session = Session(base_url, credentials=(email, password), use_env=False)
    try:
        return str(register_workflow(workflow, session=session).workflow_id)
    finally:
        session.close()


def bar_texts(iface) -> list:
    """Texts of the messages currently in the iface's message bar."""
    bar = iface.messageBar()
    texts = []
    for item in bar.items():
        texts.append(f"{item.title()} {item.text()}")
    return texts
