"""An https server on loopback with a self-signed certificate (made with openssl), answering like Geo Engine's /info."""

from __future__ import annotations

import ssl
import subprocess
import threading
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


def self_signed(folder: Path) -> tuple[Path, Path]:
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out",
                    str(cert), "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
                   check=True, capture_output=True, timeout=60)
    return cert, key


@contextmanager
def https_info_server(folder: Path):
    """Yields ``(api url, certificate file)``; ``GET .../info`` answers ``{"version": "0.9.3"}``, the rest 404."""
    cert, key = self_signed(folder)

    class Handler(BaseHTTPRequestHandler):
        def _answer(self):
            info = self.command == "GET" and self.path.endswith("/info")
            body = (b'{"version": "0.9.3", "buildDate": "2026-01-01"}' if info
                    else b'{"error": "NotFound", "message": "Not Found"}')
            self.send_response(200 if info else 404)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = _answer

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(str(cert), str(key))
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"https://127.0.0.1:{server.server_address[1]}/api", cert
    finally:
        server.shutdown()
        server.server_close()
