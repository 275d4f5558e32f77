"""Hostile mode: the server misbehaves the way a broken or malicious Geo Engine (or anyone on its path) could.

Switched on through ``ServerConfig.hostile`` (never through request parameters); every switch is off by
default and :meth:`HostileMode.reset` turns them all off again. What it does:

* ``arrow``: each streamed message is spoiled after it was computed from real data:
  ``forged_offset`` (the last string offset of the first text column points 4000 bytes past its data),
  ``forged_offset_huge`` (the end of its first string, a middle offset that only a *full* validation checks,
  400,000,000 bytes past the data: reading it kills an unguarded process with SIGSEGV),
  ``truncated`` (half the IPC file), ``huge_size`` (a raster tile's metadata declares 100000 x 100000 pixels),
  ``oversized`` (8 MiB of padding after the IPC file), ``far_tile`` (raster tiles west of 0° are placed
  10^7 pixels further west, so a merge of one slice would allocate gigabytes).
* ``html``: JSON answers carry HTML and ``file:`` links in display names, descriptions, band and catalog names,
  user names and error messages (:data:`HTML_PAYLOAD`, the original text stays in front).
* ``huge_coverage``: WCS GeoTIFF answers are replaced by a sparse GeoTIFF of about 2 MB that declares
  100000 x 100000 pixels (10 GB once read).
* ``redirect_to``: requests below the API root whose path starts with one of ``redirect_paths`` (all when
  empty) answer ``redirect_status`` with ``Location: <redirect_to><the same path and query>``; point it at an
  :class:`AuthRecorder` on another loopback port, which records any credentials that arrive.
"""

from __future__ import annotations

import functools
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, List, Optional, Tuple

import pyarrow as pa
from aiohttp import web

from .arrow_codec import ipc_file
from .errors import ApiError

HTML_PAYLOAD = ('<img src="file:///tmp/geoengine-hostile-probe.png"><a href="file:///etc/passwd">details</a>'
                '<b style="color:red">!</b>')
HTML_KEYS = ("displayName", "description", "message", "realName")
ARROW_MODES = ("", "forged_offset", "forged_offset_huge", "truncated", "huge_size", "oversized", "far_tile")
OVERSIZE_PADDING = 8 << 20


@dataclass
class HostileMode:
    """The hostile switches (all off by default)."""

    arrow: str = ""
    html: bool = False
    huge_coverage: bool = False
    redirect_to: str = ""  # e.g. http://127.0.0.1:<recorder port>
    redirect_status: int = 302
    redirect_paths: Tuple[str, ...] = ()  # below the API root, e.g. ("/login", "/wms"); () = every path

    def reset(self) -> None:
        self.__init__()  # type: ignore[misc]


# ------------------------------------------------------------------------------------------- Arrow


def _first_string_column(batch: pa.RecordBatch) -> Optional[int]:
    for index, column in enumerate(batch.columns):
        if pa.types.is_string(column.type) and len(column) > 0:
            return index
    return None


def forge_offset(message: bytes, past_end: int, row: Optional[int] = None) -> bytes:
    """The message with an int32 offset of its first text column set ``past_end`` bytes past the data: the end
    of ``row`` (a middle offset), or by default the last one.

    The batch is read zero-copy from the message, so the offsets buffer's address minus the message's address
    is its position in the bytes.
    """
    data = bytearray(message)
    buffer = pa.py_buffer(bytes(data))
    batch = pa.ipc.open_file(buffer).get_batch(0)
    index = _first_string_column(batch)
    if index is None:
        return bytes(data)
    column = batch.column(index)
    offsets, values = column.buffers()[1], column.buffers()[2]
    index = len(column) if row is None else min(row + 1, len(column))
    position = offsets.address - buffer.address + 4 * (column.offset + index)
    forged = (values.size if values is not None else 0) + past_end
    data[position:position + 4] = int(forged).to_bytes(4, "little", signed=True)
    return bytes(data)


def declare_huge_size(message: bytes, side: int = 100_000) -> bytes:
    """A raster tile message whose metadata declares ``side`` x ``side`` pixels (the data stays as it was)."""
    batch = pa.ipc.open_file(pa.py_buffer(bytes(message))).get_batch(0)
    metadata = dict(batch.schema.metadata or {})
    if b"xSize" not in metadata:
        return bytes(message)
    metadata[b"xSize"] = metadata[b"ySize"] = str(side).encode()
    return bytes(ipc_file(batch.replace_schema_metadata(metadata)))


def move_far_west(message: bytes, pixels: int = 10_000_000) -> bytes:
    """A raster tile message west of 0° moved ``pixels`` further west (its geoTransform); others unchanged."""
    batch = pa.ipc.open_file(pa.py_buffer(bytes(message))).get_batch(0)
    metadata = dict(batch.schema.metadata or {})
    if b"geoTransform" not in metadata:
        return bytes(message)
    transform = json.loads(metadata[b"geoTransform"])
    if transform["originCoordinate"]["x"] >= 0:
        return bytes(message)
    transform["originCoordinate"]["x"] -= pixels * transform["xPixelSize"]
    metadata[b"geoTransform"] = json.dumps(transform).encode()
    return bytes(ipc_file(batch.replace_schema_metadata(metadata)))


def spoil_message(mode: HostileMode, message: Any) -> Any:
    """The streamed message as the hostile mode sends it."""
    if not mode.arrow:
        return message
    if mode.arrow == "forged_offset":
        return forge_offset(bytes(message), 4000)
    if mode.arrow == "forged_offset_huge":
        return forge_offset(bytes(message), 400_000_000, row=0)
    if mode.arrow == "truncated":
        return bytes(message)[: len(message) // 2]
    if mode.arrow == "huge_size":
        return declare_huge_size(bytes(message))
    if mode.arrow == "oversized":
        return bytes(message) + b"\0" * OVERSIZE_PADDING
    if mode.arrow == "far_tile":
        return move_far_west(bytes(message))
    raise ValueError(f"unknown hostile arrow mode {mode.arrow!r}; one of {ARROW_MODES}")


@functools.lru_cache(maxsize=1)
def huge_sparse_geotiff(side: int = 100_000) -> bytes:
    """A valid GeoTIFF declaring ``side`` x ``side`` uint8 pixels with no tile written (SPARSE_OK)."""
    from osgeo import gdal

    path = "/vsimem/geoengine-hostile-huge.tif"
    driver = gdal.GetDriverByName("GTiff")
    options = ["TILED=YES", "BLOCKXSIZE=512", "BLOCKYSIZE=512", "SPARSE_OK=TRUE", "BIGTIFF=YES"]
    dataset = driver.Create(path, side, side, 1, gdal.GDT_Byte, options)
    dataset.SetGeoTransform((-180.0, 360.0 / side, 0.0, 90.0, 0.0, -180.0 / side))
    dataset = None
    try:
        handle = gdal.VSIFOpenL(path, "rb")
        gdal.VSIFSeekL(handle, 0, 2)
        size = gdal.VSIFTellL(handle)
        gdal.VSIFSeekL(handle, 0, 0)
        data = bytes(gdal.VSIFReadL(1, size, handle))
        gdal.VSIFCloseL(handle)
        return data
    finally:
        gdal.Unlink(path)


# -------------------------------------------------------------------------------------------- HTML


def _inject(value: Any, key: str = "", parent: Optional[dict] = None) -> Any:
    if isinstance(value, dict):
        return {k: _inject(v, k, value) for k, v in value.items()}
    if isinstance(value, list):
        return [_inject(v, key, parent) for v in value]
    if isinstance(value, str) and _spoils(key, parent):
        return value + HTML_PAYLOAD
    return value


def _spoils(key: str, parent: Optional[dict]) -> bool:
    if key in HTML_KEYS:
        return True
    # band names (next to a measurement) and catalog entries (layer / collection listings) are display text
    return key == "name" and parent is not None and ("measurement" in parent or parent.get("type") in
                                                     ("layer", "collection"))


def inject_html(body: Any) -> Any:
    """A JSON body with :data:`HTML_PAYLOAD` appended to every display string."""
    return _inject(body)


# ------------------------------------------------------------------------------------------ middleware


@web.middleware
async def hostile_middleware(request: web.Request, handler):
    """Redirects and HTML injection, as ``config.hostile`` says (a no-op when every switch is off)."""
    config = request.app["config"]
    mode: HostileMode = config.hostile
    relative = request.path[len(config.api_prefix):] if request.path.startswith(config.api_prefix) else request.path
    if mode.redirect_to and (not mode.redirect_paths or relative.startswith(mode.redirect_paths)):
        target = mode.redirect_to.rstrip("/") + request.rel_url.path_qs
        return web.Response(status=mode.redirect_status, headers={"Location": target})
    try:
        response = await handler(request)
    except ApiError as exc:  # error bodies carry the payload too
        if not mode.html:
            raise
        response = exc.response()
    if mode.huge_coverage and isinstance(response, web.Response) and response.content_type == "image/tiff":
        response.body = huge_sparse_geotiff()
    if mode.html and isinstance(response, web.Response) and response.content_type == "application/json" \
            and response.body:
        try:
            body = json.loads(bytes(response.body))
        except ValueError:
            return response
        response.body = json.dumps(inject_html(body)).encode("utf-8")
    return response


# ---------------------------------------------------------------------------------------- the recorder


@dataclass
class Recorded:
    method: str
    path: str
    authorization: Optional[str]
    cookie: Optional[str]
    body: bytes


@dataclass
class AuthRecorder:
    """A plain HTTP server on another loopback port that records every request (answers ``{}``)."""

    requests: List[Recorded] = field(default_factory=list)
    _server: Optional[ThreadingHTTPServer] = None

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def credentials_seen(self) -> List[Recorded]:
        """Requests that arrived with an Authorization header, a cookie, or a password in the body."""
        return [r for r in self.requests if r.authorization or r.cookie or b"password" in r.body]

    def start(self) -> AuthRecorder:
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def _record(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(min(length, 1 << 20)) if length else b""
                recorder.requests.append(Recorded(self.command, self.path, self.headers.get("Authorization"),
                                                  self.headers.get("Cookie"), body))
                payload = b"{}"
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _record

            def log_message(self, *args) -> None:  # quiet
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, name="auth-recorder", daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
