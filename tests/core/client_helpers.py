"""Shared constants and helpers of the core client tests (test_core_*.py)."""

from __future__ import annotations

import http.server
import socket
import threading
from contextlib import contextmanager

import requests
from geoengine_server.config import default_data_dir

DATA = default_data_dir()
ADMIN = ("admin@localhost", "adminadmin")
ANALYST = ("analyst@example.org", "analyst-password")
NDVI = {"type": "Raster", "operator": {"type": "GdalSource", "params": {"data": "ndvi"}}}
NDVI_ID = "1e415c9c-55f3-51a2-b50b-b5053d1debbb"
PORTS = {"type": "Vector", "operator": {"type": "OgrSource", "params": {"data": "ne_10m_ports"}}}
NDVI_FILE = DATA / "raster/modis_ndvi/MOD13A2_M_NDVI_{}.TIFF"
PORTS_SHP = DATA / "vector/data/ne_10m_ports/ne_10m_ports.shp"
APRIL = "2014-04-01T12:00:00.000+00:00"
TIMEOUT = 10


def raw_anonymous_token(base_url: str) -> str:
    """A session id made without the client (to test token sessions)."""
    return requests.post(f"{base_url}/anonymous", timeout=TIMEOUT).json()["id"]


def raw_session_valid(base_url: str, token: str) -> bool:
    response = requests.get(f"{base_url}/session", headers={"Authorization": f"Bearer {token}"}, timeout=TIMEOUT)
    return response.status_code == 200


def expire_all_sessions(server) -> None:
    server.call(server.api["users"].expire_all_sessions)


def closed_port() -> int:
    """A loopback port nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def plain_http_server(status: int, body: bytes, content_type: str = "text/html"):
    """A loopback HTTP server that answers every request with ``status`` and ``body`` (a broken proxy)."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def _answer(self):
            length = int(self.headers.get("Content-Length") or 0)
            if length:
                self.rfile.read(length)
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = _answer

        def log_message(self, *args):  # keep test output quiet
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/api"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@contextmanager
def filtering_proxy(upstream: str, hidden_prefixes: tuple):
    """A loopback reverse proxy to the real test server that answers Geo Engine's 404 for ``hidden_prefixes``.

    It makes the real server look like one without some routes (e.g. a 0.10 server without ``/info`` and
    without the ``/workflow`` family). Yields ``(base_url, seen)`` where ``seen`` lists ``(method, path,
    status)`` of every request.
    """
    seen: list = []
    not_found = b'{"error":"NotFound","message":"Not Found"}'

    class Handler(http.server.BaseHTTPRequestHandler):
        def _forward(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else None
            path = self.path.split("?", 1)[0]
            if any(path.startswith(prefix) for prefix in hidden_prefixes):
                status, content, content_type = 404, not_found, "application/json"
            else:
                headers = {k: v for k, v in self.headers.items() if k.lower() in ("authorization", "content-type")}
                response = requests.request(self.command, upstream + self.path, data=body, headers=headers,
                                            timeout=TIMEOUT)
                status, content = response.status_code, response.content
                content_type = response.headers.get("Content-Type", "application/octet-stream")
            seen.append((self.command, path, status))
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(content)))
            self.end_headers()
            self.wfile.write(content)

        do_GET = do_POST = do_DELETE = _forward

        def log_message(self, *args):
            pass

    upstream = upstream[: -len("/api")] if upstream.endswith("/api") else upstream  # self.path keeps /api
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/api", seen
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
