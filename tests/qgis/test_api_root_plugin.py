"""The API root as given, in the plugin: the connections dialog and Processing reach a server whose API lives at
``/geoengine/v2`` (a reverse proxy), and QGIS's own requests get the token exactly below that root."""

from __future__ import annotations

import json

import plugin_support
import pytest
from geoengine_server import ServerConfig
from geoengine_server.runner import start_server
from test_processing_algorithms import processing  # noqa: F401 - the provider, registered as QGIS does

pytestmark = pytest.mark.qgis

PREFIX = "/geoengine/v2"
NDVI = {"type": "Raster", "operator": {"type": "GdalSource", "params": {"data": "ndvi"}}}


@pytest.fixture(scope="module")
def proxied():
    running = start_server(ServerConfig(api_prefix=PREFIX))
    yield running
    running.stop()


def test_processing_takes_an_exact_api_root(processing, proxied):  # noqa: F811
    from qgis.core import QgsProcessingContext, QgsProcessingFeedback

    root = f"http://127.0.0.1:{proxied.port}{PREFIX}"
    result = processing.run("geoengine:registerworkflow", {"CONNECTION": root, "WORKFLOW_JSON": json.dumps(NDVI)},
                            feedback=QgsProcessingFeedback(), context=QgsProcessingContext())
    assert proxied.api["workflows"].get(result["WORKFLOW_ID"]) is not None  # registered there, below that root
    assert "POST /workflow" in proxied.api["request_log"]


def test_connection_test_finds_the_api_root(qgis_app, proxied, server):
    from geoengine_qgis.qgis_glue.connections import ConnectionStore
    from geoengine_qgis.qgis_glue.messages import Notifier
    from geoengine_qgis.qgis_glue.sessions import probe_connection
    from geoengine_qgis.qgis_glue.tasks import TaskRunner
    from geoengine_qgis.ui.connections_dialog import ConnectionsDialog

    runner = TaskRunner(Notifier())
    dialog = ConnectionsDialog(ConnectionStore("geoengine-api-root-test/connections"), runner, probe_connection)
    try:
        for given, found in ((f"http://127.0.0.1:{proxied.port}{PREFIX}/", f"http://127.0.0.1:{proxied.port}{PREFIX}"),
                             (server.base_url[: -len("/api")], server.base_url)):  # a base URL: /api below it
            dialog.new_connection()
            dialog.name_edit.setText("root")
            dialog.url_edit.setText(given)
            assert dialog.test_current() is not None
            assert plugin_support.wait_until(lambda: dialog.test_button.isEnabled(), timeout=30)
            assert f"Connected to Geo Engine 0.9.3 at {found} as" in dialog.status.text(), dialog.status.text()
    finally:
        dialog.done(0)
        runner.cancel_all()
        dialog.deleteLater()


def test_qgis_requests_get_the_token_below_the_exact_root_only(qgis_app, proxied):
    from geoengine_qgis.qgis_glue.connections import Connection
    from geoengine_qgis.qgis_glue.network import BearerHeaderInjector
    from geoengine_qgis.qgis_glue.sessions import SessionManager, resolve
    from qgis.core import QgsBlockingNetworkRequest
    from qgis.PyQt.QtCore import QUrl
    from qgis.PyQt.QtNetwork import QNetworkRequest

    injector = BearerHeaderInjector()
    injector.install()
    manager = SessionManager(injector)
    root = f"http://127.0.0.1:{proxied.port}{PREFIX}"
    session = manager.connect(resolve(Connection("proxied", root), credentials=None))
    assert session.server_url == root
    try:
        request = QgsBlockingNetworkRequest()
        request.get(QNetworkRequest(QUrl(f"{session.server_url}/session")), forceRefresh=True)
        assert json.loads(bytes(request.reply().content()))["id"] == session.auth_header["Authorization"].split()[1]
        assert injector.token_for(f"http://127.0.0.1:{proxied.port}/geoengine/other") is None
        assert injector.token_for(f"http://127.0.0.1:{proxied.port}{PREFIX}/../v3/x") is None
    finally:
        manager.close_all()
        injector.uninstall()
