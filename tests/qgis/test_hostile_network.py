"""The session token in QGIS's own requests stays with the API root: dot segments, redirects, proxies, CAs.

QGIS >= 3.42 makes QgsNetworkAccessManager follow redirects (NoLessSafeRedirectPolicy) and Qt copies the
Authorization header the preprocessor set; the tests switch that policy on to play a new QGIS on 3.22.
"""

from __future__ import annotations

import sys
from pathlib import Path

import plugin_support
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "core"))
from tls_helpers import https_info_server  # noqa: E402

pytestmark = pytest.mark.qgis

TOKEN = "0c4f5a5e-6f37-4d84-9a41-7f0d7f9b2c11"


@pytest.fixture
def tls_server(tmp_path):
    with https_info_server(tmp_path) as running:
        yield running


def header_for(injector, url: str):
    from qgis.PyQt.QtCore import QUrl
    from qgis.PyQt.QtNetwork import QNetworkRequest

    request = QNetworkRequest(QUrl(url))
    injector.preprocess(request)
    return bytes(request.rawHeader(b"Authorization")) if request.hasRawHeader(b"Authorization") else None


@pytest.mark.parametrize("url, expected", [
    ("https://ge.example.org/geoengine/api/wms/x", True),
    ("https://ge.example.org/geoengine/api/wms/../legend/x", True),  # still below the root
    ("https://ge.example.org/geoengine/api/../../otherapp/collect", False),  # Qt sends GET /otherapp/collect
    ("https://ge.example.org/geoengine/api/%2e%2e/%2e%2e/otherapp", False),
    ("https://ge.example.org/geoengine/api/./../apix", False),
    ("https://ge.example.org/geoengine/api%2F..%2Fother", False),  # an encoded slash: ambiguous, no token
])
def test_dot_segments_do_not_leave_the_api_root(injector, url, expected):
    injector.set_token("https://ge.example.org/geoengine/api", TOKEN)
    assert header_for(injector, url) == (f"Bearer {TOKEN}".encode() if expected else None)


def _get_following_redirects(url: str):
    """A GET through QgsNetworkAccessManager with the redirect policy of QGIS >= 3.42; returns the reply status."""
    from qgis.core import QgsNetworkAccessManager
    from qgis.PyQt.QtCore import QEventLoop, QTimer, QUrl
    from qgis.PyQt.QtNetwork import QNetworkRequest

    manager = QgsNetworkAccessManager.instance()
    saved = manager.redirectPolicy()
    manager.setRedirectPolicy(QNetworkRequest.RedirectPolicy.NoLessSafeRedirectPolicy)
    try:
        reply = manager.get(QNetworkRequest(QUrl(url)))
        loop = QEventLoop()
        reply.finished.connect(loop.quit)
        QTimer.singleShot(20000, loop.quit)  # bounded
        if not reply.isFinished():
            loop.exec()
        assert reply.isFinished(), "no answer within 20 s"
        status = reply.attribute(QNetworkRequest.Attribute.HttpStatusCodeAttribute)
        reply.deleteLater()
        return status
    finally:
        manager.setRedirectPolicy(saved)


def test_a_redirect_to_another_port_gets_no_token(injector, hostile, recorder):
    """The hostile server sends /wms/... to a recorder on another loopback port; QGIS must not carry the token."""
    injector.set_token(hostile.base_url, TOKEN)
    hostile.config.hostile.redirect_to = recorder.url
    hostile.config.hostile.redirect_paths = ("/wms/",)
    status = _get_following_redirects(f"{hostile.base_url}/wms/9e1d6c4e-0000-4000-8000-000000000000?x=1")
    assert status == 302  # not followed: QGIS's own code re-requests by hand, through the preprocessor again
    assert recorder.credentials_seen == [] and recorder.requests == []


def test_a_redirect_of_a_request_without_token_is_still_followed(injector, hostile, recorder):
    """Only requests that got the token are pinned; other QGIS requests keep QGIS's policy."""
    hostile.config.hostile.redirect_to = recorder.url
    hostile.config.hostile.redirect_paths = ("/wms/",)
    status = _get_following_redirects(f"{hostile.base_url}/wms/x")
    assert status == 200 and [r.path for r in recorder.requests] == ["/api/wms/x"]
    assert recorder.credentials_seen == []


def test_plugin_sessions_ignore_environment_proxies(qgis_app, base_url, monkeypatch):
    from geoengine_qgis.qgis_glue.connections import Connection
    from geoengine_qgis.qgis_glue.sessions import open_session, resolve
    from qgis.core import QgsNetworkAccessManager
    from qgis.PyQt.QtNetwork import QNetworkProxy

    dead = f"http://127.0.0.1:{plugin_support.closed_port()}"
    for name in ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY"):
        monkeypatch.setenv(name, dead)
    for name in ("NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    manager = QgsNetworkAccessManager.instance()
    saved = (manager.fallbackProxy(), manager.excludeList(), manager.noProxyList())
    manager.setFallbackProxyAndExcludes(QNetworkProxy(QNetworkProxy.ProxyType.NoProxy), [], [])
    try:
        session = open_session(resolve(Connection("direct", base_url), credentials=None))
    finally:
        manager.setFallbackProxyAndExcludes(*saved)
    assert session.stream_options()["proxy"] is None  # the websocket goes direct as well
    assert session.get_json("session")["id"]


def test_qgis_trusted_cas_are_used_for_rest_and_streams(qgis_app, tls_server):
    """A CA imported into QGIS's Certificate Manager makes the plugin trust the server; before, a TLS error."""
    from geoengine_qgis.core.errors import GeoEngineError
    from geoengine_qgis.core.http import TlsError
    from geoengine_qgis.qgis_glue.certificates import qgis_ca_bundle
    from geoengine_qgis.qgis_glue.connections import Connection
    from geoengine_qgis.qgis_glue.sessions import open_session, resolve
    from qgis.core import QgsApplication
    from qgis.PyQt.QtNetwork import QSslCertificate

    url, cert_file = tls_server
    with pytest.raises(TlsError, match="not trusted"):
        open_session(resolve(Connection("tls", url), credentials=None))
    plugin_support.ensure_master_password()
    manager = QgsApplication.authManager()
    certificate = QSslCertificate(cert_file.read_bytes())
    assert manager.storeCertAuthority(certificate)
    manager.rebuildCaCertsCache()
    manager.rebuildTrustedCaCertsCache()
    try:
        bundle = qgis_ca_bundle()
        assert certificate.toPem().data().decode().strip() in Path(bundle).read_text()
        resolved = resolve(Connection("tls", url), credentials=None)
        assert resolved.verify == bundle
        with pytest.raises(GeoEngineError) as failure:  # TLS passes; this tiny server has no /anonymous
            open_session(resolved)
        assert not isinstance(failure.value, TlsError)
    finally:
        manager.removeCertAuthority(certificate)
        manager.rebuildCaCertsCache()
        manager.rebuildTrustedCaCertsCache()
