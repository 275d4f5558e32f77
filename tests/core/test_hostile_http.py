"""A hostile server's redirects, a stray ~/.netrc and an untrusted certificate: credentials stay with the API root.

The hostile server redirects to an AuthRecorder on another loopback port, which records every credential
that reaches it; the client must raise a clear error and the recorder must see none.
"""

from __future__ import annotations

import socket
import ssl
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from client_helpers import ADMIN, PORTS, raw_anonymous_token  # noqa: E402
from geoengine_qgis.core.errors import GeoEngineConnectionError, GeoEngineError  # noqa: E402
from geoengine_qgis.core.http import RedirectRefusedError, TlsError  # noqa: E402
from geoengine_qgis.core.session import Session  # noqa: E402
from geoengine_qgis.core.streaming import ArrowMessageStream  # noqa: E402
from geoengine_qgis.core.types import QueryRectangle  # noqa: E402
from geoengine_qgis.core.workflow import register_workflow  # noqa: E402
from tls_helpers import https_info_server  # noqa: E402


def test_login_redirected_with_307_sends_no_password_elsewhere(hostile, recorder):
    """requests would re-send the JSON body {"email", "password"} to the other port on a 307."""
    hostile.config.hostile.redirect_to = recorder.url
    hostile.config.hostile.redirect_paths = ("/login",)
    hostile.config.hostile.redirect_status = 307
    with pytest.raises(RedirectRefusedError) as info:
        Session(hostile.base_url, credentials=ADMIN)
    assert recorder.url in str(info.value) and "not followed" in str(info.value)
    assert recorder.requests == []  # nothing at all went to the other port
    assert ADMIN[1] not in str(info.value)


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_token_request_redirected_elsewhere_is_refused(hostile, recorder, status):
    token = raw_anonymous_token(hostile.base_url)
    hostile.config.hostile.redirect_to = recorder.url
    hostile.config.hostile.redirect_paths = ("/session",)
    hostile.config.hostile.redirect_status = status
    with pytest.raises(RedirectRefusedError):
        Session(hostile.base_url, token=token)
    assert recorder.requests == []


def test_stream_redirected_elsewhere_is_refused(hostile, recorder):
    session = Session(hostile.base_url)
    workflow = register_workflow(PORTS, session=session)
    hostile.config.hostile.redirect_to = recorder.url
    hostile.config.hostile.redirect_paths = ("/workflow/",)
    with pytest.raises(GeoEngineConnectionError, match="redirected the stream"):
        list(workflow.stream_vector_batches(QueryRectangle((-180.0, -90.0, 180.0, 90.0),
                                                           ("2000-01-01T00:00:00Z", "2030-01-01T00:00:00Z"))))
    assert recorder.requests == []


def test_netrc_never_replaces_the_bearer_token(hostile_server, tmp_path, monkeypatch):
    """requests applies ~/.netrc (here: $NETRC) and would send Basic instead of the Bearer token."""
    netrc = tmp_path / "netrc"
    netrc.write_text("machine 127.0.0.1 login alice password netrc-secret\n")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    token = raw_anonymous_token(hostile_server.base_url)
    session = Session(hostile_server.base_url, token=token)  # GET /session with the Bearer token
    assert session.get_json("session")["id"] == token


# --------------------------------------------------------------------------------------------- TLS


@pytest.fixture
def tls_server(tmp_path):
    with https_info_server(tmp_path) as running:
        yield running


def test_untrusted_certificate_is_a_tls_error(tls_server):
    url, _cert = tls_server
    with pytest.raises(TlsError, match="TLS failure: the certificate of 127.0.0.1:[0-9]+ is not trusted"):
        Session(url)


def test_the_given_ca_bundle_is_trusted_for_rest_and_streams(tls_server):
    """``verify=<CA file>`` (the plugin passes QGIS's trusted CAs) applies to REST and to the websocket."""
    url, cert = tls_server
    with pytest.raises(GeoEngineError) as info:  # /api/info is trusted; this server has no /anonymous
        Session(url, verify=str(cert))
    assert not isinstance(info.value, TlsError)
    ws_url = url.replace("https://", "wss://") + "/workflow/x/vectorStream"
    untrusted = ArrowMessageStream(ws_url, {}, open_timeout=10)
    with pytest.raises(TlsError, match="not trusted"):
        list(untrusted)
    trusted = ArrowMessageStream(ws_url, {}, open_timeout=10, ssl_context=ssl.create_default_context(cafile=str(cert)))
    with pytest.raises(Exception) as handshake:  # the TLS handshake passes; the websocket upgrade then fails
        list(trusted)
    assert not isinstance(handshake.value, TlsError)


def test_tls_to_a_plain_port_is_named(hostile_server):
    port = hostile_server.port
    with socket.create_connection(("127.0.0.1", port), timeout=5):
        pass
    with pytest.raises(TlsError, match="TLS failure"):
        Session(f"https://127.0.0.1:{port}/api")


# ------------------------------------------------------------------------------------- CRS strings


@pytest.mark.parametrize("spatial_reference", ["EPSG:4326", "ESRI:54009", 'GEOGCS["WGS 84",DATUM["WGS_1984",'
                                               'SPHEROID["WGS 84",6378137,298.257223563]],PRIMEM["Greenwich",0],'
                                               'UNIT["degree",0.0174532925199433]]'])
def test_authority_codes_and_wkt_reach_gdal(spatial_reference):
    from geoengine_qgis.core.gdal_types import srs_wkt

    assert "WGS" in srs_wkt(spatial_reference) or "Mollweide" in srs_wkt(spatial_reference)


def test_server_crs_strings_never_make_gdal_read_files_or_fetch_urls(recorder, tmp_path):
    """osr.SetFromUserInput would GET the URL (seen by the recorder) and read the WKT file."""
    from geoengine_qgis.core.errors import MalformedResponseError
    from geoengine_qgis.core.gdal_types import srs_wkt
    from osgeo import osr

    wkt_file = tmp_path / "crs.wkt"
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(3857)
    wkt_file.write_text(srs.ExportToWkt())
    for hostile in (f"{recorder.url}/crs", str(wkt_file), f"file://{wkt_file}", "C:1234"):
        with pytest.raises(MalformedResponseError, match="not AUTHORITY:CODE, WKT or PROJJSON"):
            srs_wkt(hostile)
    assert recorder.requests == []


def test_a_path_that_climbs_out_of_the_api_root_is_never_sent(hostile):
    """An id from a server holding ``../`` would take the token to another path of the same host."""
    from geoengine_qgis.core.errors import InputError

    session = Session(hostile.base_url)
    with pytest.raises(InputError, match="leaves the API root"):
        session.request("GET", "layers/x/../../../other/collect")
    with pytest.raises(InputError, match="leaves the API root"):
        session.request("GET", "layers/%2e%2e/%2e%2e/%2e%2e/other")
    assert session.request("GET", "workflow/../quota").json()["available"] >= 0  # still inside: sent
