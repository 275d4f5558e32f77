"""The API root as given: a base URL (``http://host:3030``) or an exact root behind another prefix.

The client asks ``GET <url>/info``, then ``GET <url>/api/info``; a server whose API lives at
``/geoengine/v2`` (a reverse proxy) is reached at exactly that root, streams included.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from geoengine_server import ServerConfig
from geoengine_server.runner import start_server

sys.path.insert(0, str(Path(__file__).parent))
from client_helpers import ADMIN, NDVI, PORTS  # noqa: E402
from geoengine_qgis.core.errors import InputError  # noqa: E402
from geoengine_qgis.core.http import clean_server_url  # noqa: E402
from geoengine_qgis.core.session import Session  # noqa: E402
from geoengine_qgis.core.types import QueryRectangle  # noqa: E402
from geoengine_qgis.core.workflow import register_workflow  # noqa: E402

PREFIX = "/geoengine/v2"


@pytest.fixture(scope="module")
def proxied_server():
    """Our server with its API at /geoengine/v2 instead of /api."""
    running = start_server(ServerConfig(api_prefix=PREFIX))
    yield running
    running.stop()


def asked(server) -> list:
    return list(server.api["request_log"])


@pytest.mark.parametrize("suffix", ["", "/"])
def test_an_exact_api_root_is_used_as_given(proxied_server, suffix):
    root = f"http://127.0.0.1:{proxied_server.port}{PREFIX}"
    before = len(asked(proxied_server))
    session = Session(root + suffix, credentials=ADMIN)
    assert session.server_url == root
    assert asked(proxied_server)[before:before + 2] == ["GET /info", "POST /login"]
    assert session.server_version == proxied_server.config.version  # from the discovery, not asked again
    assert asked(proxied_server)[before + 2:] == []


def test_streams_and_rest_calls_use_the_exact_root(proxied_server):
    session = Session(f"http://127.0.0.1:{proxied_server.port}{PREFIX}")
    ports = register_workflow(PORTS, session=session)
    batches = list(ports.stream_vector_batches(QueryRectangle((-180.0, -90.0, 180.0, 90.0),
                                                              ("2000-01-01T00:00:00Z", "2030-01-01T00:00:00Z"))))
    assert sum(len(b) for b in batches) > 1000
    ndvi = register_workflow(NDVI, session=session)
    assert ndvi.get_result_descriptor().spatial_reference == "EPSG:4326"
    assert session.ws_url("x").startswith(f"ws://127.0.0.1:{proxied_server.port}{PREFIX}/x")


@pytest.mark.parametrize("suffix", ["", "/", "/api", "/api/"])
def test_a_base_url_finds_the_api_below_it(server, suffix):
    root = server.base_url[: -len("/api")]
    session = Session(root + suffix)
    assert session.server_url == server.base_url


def test_dot_segments_and_bad_urls(server):
    root = server.base_url[: -len("/api")]
    assert Session(root + "/x/../api").server_url == server.base_url
    assert clean_server_url("HTTP://Example.org:8080/a/./b/../api/") == "http://Example.org:8080/a/api"
    for bad in ("ftp://host/api", "http://user:pw@host/api", "http://host/api?token=1", "not a url"):
        with pytest.raises(InputError):
            clean_server_url(bad)
