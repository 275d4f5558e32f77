"""The Bearer request preprocessor, session manager and QGIS proxy translation."""

from __future__ import annotations

import plugin_support
import pytest

pytestmark = pytest.mark.qgis

TOKEN = "0c4f5a5e-6f37-4d84-9a41-7f0d7f9b2c11"


def header_after_preprocess(injector, url: str, existing: bytes = b""):
    from qgis.PyQt.QtCore import QUrl
    from qgis.PyQt.QtNetwork import QNetworkRequest

    request = QNetworkRequest(QUrl(url))
    if existing:
        request.setRawHeader(b"Authorization", existing)
    injector.preprocess(request)
    return bytes(request.rawHeader(b"Authorization")) if request.hasRawHeader(b"Authorization") else None


@pytest.mark.parametrize(
    "url, expected",
    [
        ("https://ge.example.org/api/wms/abc?REQUEST=GetMap", True),
        ("https://ge.example.org/api", True),
        ("https://GE.example.org:443/api/wcs/abc", True),
        ("https://ge.example.org/apix/wms/abc", False),  # another path that merely starts with "api"
        ("https://ge.example.org/other/api/wms", False),
        ("http://ge.example.org/api/wms/abc", False),  # other scheme (and port)
        ("https://ge.example.org:8443/api/wms/abc", False),
        ("https://evil.example.org/api/wms/abc", False),
        ("https://ge.example.org.evil.net/api/wms/abc", False),
        ("https://tile.openstreetmap.org/1/2/3.png", False),
    ],
)
def test_header_only_below_the_connections_api_prefix(injector, url, expected):
    injector.set_token("https://ge.example.org/api/", TOKEN)
    header = header_after_preprocess(injector, url)
    assert header == (f"Bearer {TOKEN}".encode() if expected else None)


def test_existing_authorization_is_kept_and_removed_tokens_stop(injector):
    injector.set_token("https://ge.example.org/api", TOKEN)
    assert header_after_preprocess(injector, "https://ge.example.org/api/x", b"Basic abc") == b"Basic abc"
    injector.remove_token("https://ge.example.org/api")
    assert header_after_preprocess(injector, "https://ge.example.org/api/x") is None


def test_longest_prefix_wins_and_failing_sources_are_skipped(injector):
    injector.set_token("http://h:3030/", "outer")
    injector.set_token("http://h:3030/api", "inner")
    assert header_after_preprocess(injector, "http://h:3030/api/wms/x") == b"Bearer inner"
    assert header_after_preprocess(injector, "http://h:3030/static/x") == b"Bearer outer"

    def logged_out():
        raise RuntimeError("session was logged out")

    injector.set_token_source("http://h:3030/api", logged_out)
    assert header_after_preprocess(injector, "http://h:3030/api/wms/x") is None


def blocking_get(url: str):
    """A GET through QGIS's own network stack (as a WMS layer would send it); returns (status, body)."""
    from qgis.core import QgsBlockingNetworkRequest
    from qgis.PyQt.QtCore import QUrl
    from qgis.PyQt.QtNetwork import QNetworkRequest

    request = QgsBlockingNetworkRequest()
    request.get(QNetworkRequest(QUrl(url)), forceRefresh=True)
    reply = request.reply()
    status = reply.attribute(QNetworkRequest.Attribute.HttpStatusCodeAttribute)
    return status, bytes(reply.content())


def test_qgis_requests_get_the_session_token_of_an_active_connection(injector, base_url):
    import json

    from geoengine_qgis.qgis_glue.connections import Connection
    from geoengine_qgis.qgis_glue.sessions import SessionManager, resolve

    status, _ = blocking_get(f"{base_url}/session")
    assert status == 401  # no session: QGIS's request goes out without a token

    manager = SessionManager(injector)
    session = manager.connect(resolve(Connection("local", base_url), credentials=None))
    assert manager.names() == ["local"]
    status, body = blocking_get(f"{base_url}/session")
    assert status == 200
    assert json.loads(body)["id"] == session.auth_header["Authorization"].split()[1]

    manager.close("local", logout=True)
    status, _ = blocking_get(f"{base_url}/session")
    assert status == 401
    assert injector.prefixes == []


def test_uninstalled_preprocessor_sends_nothing(qgis_app, base_url):
    from geoengine_qgis.qgis_glue.network import BearerHeaderInjector

    injector = BearerHeaderInjector()
    injector.install()
    injector.set_token(base_url, TOKEN)
    injector.uninstall()
    assert injector.prefixes == []
    status, body = blocking_get(f"{base_url}/session")
    assert status == 401 and b"not provided" in body


def test_two_connections_to_one_server_share_the_latest_token(injector, base_url):
    from geoengine_qgis.qgis_glue.connections import Connection
    from geoengine_qgis.qgis_glue.sessions import SessionManager, resolve

    manager = SessionManager(injector)
    first = manager.connect(resolve(Connection("one", base_url), credentials=None))
    second = manager.connect(resolve(Connection("two", base_url), credentials=None))
    token_of = lambda s: s.auth_header["Authorization"].split()[1]  # noqa: E731
    assert injector.token_for(f"{base_url}/wms/x") == token_of(second)
    manager.close("two")
    assert injector.token_for(f"{base_url}/wms/x") == token_of(first)
    manager.close_all()
    assert injector.token_for(f"{base_url}/wms/x") is None


# --- proxy ------------------------------------------------------------------------------------------


@pytest.fixture
def fallback_proxy(qgis_app):
    from qgis.core import QgsNetworkAccessManager

    manager = QgsNetworkAccessManager.instance()
    saved = (manager.fallbackProxy(), manager.excludeList(), manager.noProxyList())
    yield manager
    manager.setFallbackProxyAndExcludes(*saved)


def test_qgis_http_proxy_becomes_a_requests_proxies_dict(fallback_proxy):
    from geoengine_qgis.qgis_glue.proxy import requests_proxies
    from qgis.PyQt.QtNetwork import QNetworkProxy

    proxy = QNetworkProxy(QNetworkProxy.ProxyType.HttpProxy, "proxy.corp", 3128, "me", "p@ss:word")
    fallback_proxy.setFallbackProxyAndExcludes(proxy, ["https://intranet.corp/"], ["http://127.0.0.1"])
    expected = "http://me:p%40ss%3Aword@proxy.corp:3128"
    assert requests_proxies("https://ge.example.org/api") == {"http": expected, "https": expected}
    assert requests_proxies("https://intranet.corp/api") == {}
    assert requests_proxies("http://127.0.0.1:3030/api") == {}


def test_no_or_system_proxy_means_no_explicit_proxies(fallback_proxy):
    from geoengine_qgis.qgis_glue.proxy import requests_proxies
    from qgis.PyQt.QtNetwork import QNetworkProxy

    fallback_proxy.setFallbackProxyAndExcludes(QNetworkProxy(QNetworkProxy.ProxyType.NoProxy), [], [])
    assert requests_proxies("https://ge.example.org/api") == {}
    fallback_proxy.setFallbackProxyAndExcludes(QNetworkProxy(QNetworkProxy.ProxyType.DefaultProxy), [], [])
    assert requests_proxies("https://ge.example.org/api") == {}


def test_resolved_connection_carries_the_proxy_into_the_core_session(fallback_proxy, base_url):
    import requests
    from geoengine_qgis.core.errors import GeoEngineConnectionError
    from geoengine_qgis.qgis_glue.connections import Connection
    from geoengine_qgis.qgis_glue.sessions import open_session, resolve
    from qgis.PyQt.QtNetwork import QNetworkProxy

    closed = plugin_support.closed_port()
    fallback_proxy.setFallbackProxyAndExcludes(
        QNetworkProxy(QNetworkProxy.ProxyType.HttpProxy, "127.0.0.1", closed), [], []
    )
    resolved = resolve(Connection("via proxy", base_url), credentials=None)
    assert resolved.proxies == {"http": f"http://127.0.0.1:{closed}", "https": f"http://127.0.0.1:{closed}"}
    assert f":{closed}" not in repr(resolved)  # the proxy (which may hold a password) is not printed
    with pytest.raises(GeoEngineConnectionError) as failure:
        open_session(resolved)  # the server is up: only the (dead) proxy can make this fail
    assert isinstance(failure.value.__cause__, requests.exceptions.ProxyError)


# --- sessions for features (SessionManager.ensure / plugin.with_session) --------------------------------


def test_ensure_logs_in_once_in_the_background_then_reuses_the_session(injector, base_url):
    from geoengine_qgis.qgis_glue.connections import Connection
    from geoengine_qgis.qgis_glue.messages import Notifier
    from geoengine_qgis.qgis_glue.sessions import SessionManager
    from geoengine_qgis.qgis_glue.tasks import TaskRunner

    runner, manager, ready = TaskRunner(Notifier()), SessionManager(injector), []
    connection = Connection("local", base_url)
    task = manager.ensure(connection, runner, ready.append)
    assert task is not None and ready == []
    assert plugin_support.wait_until(lambda: ready, timeout=30)
    assert manager.ensure(connection, runner, ready.append) is None  # ready at once, same session
    assert ready[0] is ready[1]
    assert injector.token_for(f"{base_url}/wms/x") == ready[0].auth_header["Authorization"].split()[1]

    same = Connection("local", base_url + "/")  # the same settings once normalised: no new login
    assert manager.ensure(same, runner, ready.append) is None and ready[2] is ready[0]
    changed = Connection("local", base_url.replace("127.0.0.1", "localhost"))  # other settings: log in again
    assert manager.ensure(changed, runner, ready.append) is not None
    assert plugin_support.wait_until(lambda: len(ready) == 4, timeout=30)
    assert ready[3] is not ready[0]
    manager.close_all()
    assert injector.prefixes == []


def test_plugin_with_session_and_unload_forgets_sessions(qgis_app, base_url):
    from geoengine_qgis import classFactory
    from geoengine_qgis.qgis_glue.connections import Connection, ConnectionStore

    iface = plugin_support.WidgetIface()
    plugin = classFactory(iface)
    plugin.store = ConnectionStore("geoengine/test-plugin-connections")
    plugin.initGui()
    try:
        plugin.store.save(Connection("srv", base_url))
        ready = []
        plugin.with_session("srv", ready.append)
        assert plugin_support.wait_until(lambda: ready, timeout=30)
        assert plugin.sessions.names() == ["srv"] and plugin.injector.prefixes

        errors = []
        assert plugin.with_session("nope", ready.append, errors.append) is None
        assert len(errors) == 1
        assert "no saved Geo Engine connection named 'nope'" in iface.messageBar().items()[-1].text()
    finally:
        plugin.unload()
        plugin.store.delete("srv")
        iface.close()
    assert plugin.sessions.names() == [] and plugin.injector.prefixes == []
    ready[0].get_json("session")  # unload did not log out (no network on unload); the session still works


def test_a_failing_preprocessor_never_raises_into_qgis(injector, base_url):
    """QGIS 3.22 crashes when a Python preprocessor raises; ours swallows (and counts) its own errors."""
    injector.set_token(base_url, "tökén")  # not ASCII: encoding the header fails inside preprocess()
    status, _ = blocking_get(f"{base_url}/session")  # through QGIS: would be a segfault if it raised
    assert status == 401
    assert injector._failures >= 1


def test_a_wms_layer_loads_through_the_preprocessor(injector, base_url):
    """QGIS's own WMS provider: GetCapabilities needs the Bearer token, which only the preprocessor adds."""
    from geoengine_qgis.core.session import Session
    from qgis.core import QgsRasterLayer

    session = Session(base_url, use_env=False)
    ndvi = {"type": "Raster", "operator": {"type": "GdalSource", "params": {"data": "ndvi"}}}
    workflow_id = session.post_json("workflow", ndvi)["id"]
    uri = (f"url={base_url}/wms/{workflow_id}&layers={workflow_id}&crs=EPSG:4326&format=image/png&styles="
           "&version=1.3.0")
    assert "Bearer" not in uri
    assert not QgsRasterLayer(uri, "without token", "wms").isValid()
    injector.set_token(session.server_url, session.auth_header["Authorization"].split()[1])
    layer = QgsRasterLayer(uri, "with token", "wms")
    assert layer.isValid()
    assert layer.source() == uri  # the token never reaches the layer source
    session.logout()


def test_requests_use_qgis_network_timeout(qgis_app, base_url, faults):
    from geoengine_qgis.core.errors import GeoEngineTimeoutError
    from geoengine_qgis.qgis_glue.connections import Connection
    from geoengine_qgis.qgis_glue.sessions import DEFAULT_TIMEOUT, open_session, resolve
    from qgis.core import QgsNetworkAccessManager

    saved = QgsNetworkAccessManager.timeout()
    try:
        QgsNetworkAccessManager.setTimeout(0)
        assert resolve(Connection("t", base_url)).timeout == DEFAULT_TIMEOUT
        QgsNetworkAccessManager.setTimeout(300)
        resolved = resolve(Connection("t", base_url))
        assert resolved.timeout == 0.3
        assert resolve(Connection("t", base_url), timeout=5).timeout == 5
        faults.latency_s = 1.0
        with pytest.raises(GeoEngineTimeoutError):
            open_session(resolved)
    finally:
        QgsNetworkAccessManager.setTimeout(saved)
