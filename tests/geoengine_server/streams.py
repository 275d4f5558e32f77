"""Websocket streams: ``/workflow/{id}/rasterStream`` and ``/vectorStream`` (0.10: ``/processingGraphs/...``).

Every check (session, query, workflow, kind, initialisation, quota) runs before the upgrade, so its
failure is an ordinary HTTP answer. After the upgrade the client sends the text ``NEXT`` and gets one
binary message: one Arrow IPC file with one record batch. The next message is computed only when
asked for; a ``NEXT`` that arrives while one is being computed is dropped. After the last message the
next ``NEXT`` is answered with close 1000; an error closes with 1011 and the error text as reason.

Raster order: time slice, then tiles row-major over the tiling grid, then bands in the selected order.
Vector: the features in batches of at most ``config.vector_chunk_bytes``; an empty result still sends
one empty batch (the schema tells the client the columns), like a Geo Engine source that found nothing.

Fault switches (``config.faults``): ``stream_fail_after`` closes 1011 once that many messages were sent,
``slow_tile_s`` delays each message, ``malformed_arrow`` sends bytes that are not an Arrow file.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from typing import Callable, Iterator

from aiohttp import WSCloseCode, WSMsgType, web

from . import dataplane
from .app import uuid_param
from .arrow_codec import TileHeader, raster_tile_message, split_features, vector_batch_message, warm_up
from .auth import require_session
from .engine.tiling import tiles_for_bbox
from .engine.types import BBox, RasterOperator, TimeInterval, VectorOperator
from .errors import ApiError, query_error
from .hostile import spoil_message
from .ogc_params import parse_numbers
from .params import expect_variant, parse_time, required

log = logging.getLogger("geoengine_server.streams")

MALFORMED = b"ARROW?not an Arrow IPC file (injected fault)"
MAX_REASON_BYTES = 123  # a close frame's reason is limited to 123 bytes


def parse_common(request: web.Request, partition: bool = False) -> tuple[BBox, TimeInterval]:
    """The query parameters both streams take: ``resultType``, ``spatialBounds``, ``timeInterval``.

    ``partition``: raster streams read the bounds as a SpatialPartition2D, which needs an area
    (geo-engine/geoengine@5748ef7:geoengine/services/src/util/parsing.rs ``parse_spatial_partition``,
    geo-engine/geoengine@5748ef7:geoengine/datatypes/src/primitives/spatial_partition.rs ``new``); vector
    streams as a BoundingBox2D, which may be a line or a point.
    """
    expect_variant(required(request.query, "resultType"), ("arrow",))
    bbox = BBox(*parse_numbers(required(request.query, "spatialBounds"), 4, "bbox"))
    if bbox.xmax < bbox.xmin or bbox.ymax < bbox.ymin:
        raise query_error("Invalid bbox: the minimum must not exceed the maximum")
    if partition and not (bbox.xmin < bbox.xmax and bbox.ymin < bbox.ymax):
        f = _rust_float
        raise query_error(f"The conditions ul.x < lr.x && ul.y > lr.y are not met by "
                          f"ul:({f(bbox.xmin)}, {f(bbox.ymax)}) lr:({f(bbox.xmax)}, {f(bbox.ymin)})")
    text = required(request.query, "timeInterval")
    if not text.strip():  # no default instant: parse_time, not parse_time_option
        # (geo-engine/geoengine@5748ef7:geoengine/services/src/api/ogc/util.rs parse_time_from_str)
        raise query_error(f"Invalid time {text}")
    return bbox, parse_time(text, 0)


def _rust_float(value: float) -> str:
    """An f64 as Rust's ``Display`` writes it (``10``, not ``10.0``)."""
    return str(int(value)) if value.is_integer() and abs(value) < 1e16 else repr(value)


def parse_bands(text: str) -> list[int]:
    """``0,2``: non-empty, non-negative band indices without duplicates."""
    parts = text.split(",") if text else []
    if not parts or not all(p.strip().isdigit() for p in parts):
        raise query_error(f"Invalid band selection `{text}`: a non-empty list of band indices is expected")
    bands = [int(p) for p in parts]
    if len(set(bands)) != len(bands):
        raise query_error(f"Invalid band selection `{text}`: duplicate band indices")
    return bands


def wrong_kind(kind: str) -> ApiError:
    return ApiError("WorkflowApi", f"You can only query a {kind} stream for a {kind} workflow")


def raster_messages(operator: RasterOperator, bbox: BBox, interval: TimeInterval, bands: list[int],
                    tile_size: int) -> Iterator[memoryview]:
    """One Arrow file per (time slice, tile, band), computed lazily."""
    descriptor = operator.descriptor
    tiles = tiles_for_bbox(descriptor, bbox, tile_size)
    for time in operator.time_slices(interval):
        for tile in tiles:
            header = TileHeader.of(descriptor, tile.geo_transform, time)  # shared by the tile's bands
            for band in bands:
                yield raster_tile_message(operator.read(band, time, tile.window), header, band)


def vector_messages(
    operator: VectorOperator, bbox: BBox, interval: TimeInterval, chunk_bytes: int
) -> Iterator[memoryview]:
    generated = getattr(operator, "arrow_messages", None)  # e.g. synthetic_points: built column-wise
    if generated is not None:
        yield from generated(bbox, interval, chunk_bytes)
        return
    features = operator.query(bbox, interval)
    sent = False
    for part in split_features(features, chunk_bytes):
        sent = True
        yield vector_batch_message(part, operator.descriptor)
    if not sent:
        yield vector_batch_message(features, operator.descriptor)


class MessageSource:
    """Advances a message generator one step per call, on the worker thread's operator."""

    def __init__(self, make: Callable[[object], Iterator[memoryview]]):
        self._make = make
        self._messages: Iterator[memoryview] | None = None

    def next(self, operator) -> memoryview | None:
        if self._messages is None:
            self._messages = self._make(operator)
        return next(self._messages, None)


def close_reason(text: str, untruncated: bool = False) -> bytes:
    """The close frame's reason: cut to 123 bytes, or whole (``untruncated``) as Geo Engine 0.9.3 sends it
    (geo-engine/geoengine@5748ef7:geoengine/services/src/workflows/websocket_stream.rs ``CloseReason``
    with ``e.to_string()``), which makes the frame invalid beyond 125 bytes."""
    data = text.encode("utf-8")
    while not untruncated and len(data) > MAX_REASON_BYTES:
        text = text[:-1]
        data = text.encode("utf-8")
    return data


# NEXT -> one binary message, 1000 at the end, 1011 with the reason on errors:
# geo-engine/geoengine@5748ef7:geoengine/services/src/workflows/websocket_stream.rs
async def serve(
    request: web.Request, computation: dataplane.Computation, source: MessageSource
) -> web.WebSocketResponse:
    """The NEXT -> message loop with back-pressure, fault injection and quota booking."""
    faults = request.app["config"].faults
    untruncated = request.app["config"].untruncated_close_reasons
    ws = web.WebSocketResponse(compress=False, max_msg_size=1 << 20)
    await ws.prepare(request)
    sent = 0

    async def answer_next() -> None:
        nonlocal sent
        try:
            if faults.stream_fail_after is not None and sent >= faults.stream_fail_after:
                raise ApiError("InjectedFault", faults.stream_fail_text
                               or f"Injected fault: the stream failed after {sent} messages")
            message = await computation.in_thread(source.next)
            if message is None:
                await ws.close(code=WSCloseCode.OK)
                return
            if faults.slow_tile_s:
                await asyncio.sleep(faults.slow_tile_s)
            if faults.malformed_arrow:
                message = MALFORMED
            message = spoil_message(request.app["config"].hostile, message)
            await ws.send_bytes(message)
            sent += 1
        except asyncio.CancelledError:
            raise
        except ApiError as exc:
            await ws.close(code=WSCloseCode.INTERNAL_ERROR, message=close_reason(exc.message, untruncated))
        except ConnectionError:
            pass
        except Exception as exc:  # a computation failure ends the stream with its text
            log.exception("stream of workflow %s failed", computation.workflow_id)
            reason = close_reason(str(exc) or type(exc).__name__, untruncated)
            await ws.close(code=WSCloseCode.INTERNAL_ERROR, message=reason)

    pending: asyncio.Task | None = None
    try:
        async for msg in ws:
            if msg.type == WSMsgType.TEXT and msg.data == "NEXT":
                if pending is not None and not pending.done():
                    continue  # at most one computation at a time: this NEXT is dropped
                pending = asyncio.create_task(answer_next())
            elif msg.type in (WSMsgType.CLOSE, WSMsgType.ERROR):
                break
    finally:
        if pending is not None and not pending.done():
            pending.cancel()
            await asyncio.gather(pending, return_exceptions=True)
        if sent:
            computation.record(sent)
    return ws


# Checks before the upgrade, query parameters:
# geo-engine/geoengine@5748ef7:geoengine/services/src/api/handlers/workflows.rs (raster_stream_websocket)
async def raster_stream(request: web.Request) -> web.StreamResponse:
    session = require_session(request)
    workflow_id = request.match_info["workflow_id"]
    bbox, interval = parse_common(request, partition=True)
    bands = parse_bands(required(request.query, "attributes"))
    definition = request.app["workflows"].get(workflow_id)
    if isinstance(definition, dict) and definition.get("type") != "Raster":
        raise wrong_kind("raster")
    computation = await dataplane.start(request, workflow_id, "Raster", session)
    count = len(computation.operator.descriptor.bands)
    for band in bands:
        if band >= count:
            raise ApiError("InvalidBandIndex", f"Band index {band} is out of range: the raster has {count} band(s)")
    tile_size = request.app["config"].tile_size
    source = MessageSource(lambda operator: raster_messages(operator, bbox, interval, bands, tile_size))
    return await serve(request, computation, source)


# geo-engine/geoengine@5748ef7:geoengine/services/src/api/handlers/workflows.rs (vector_stream_websocket)
async def vector_stream(request: web.Request) -> web.StreamResponse:
    session = require_session(request)
    workflow_id = request.match_info["workflow_id"]
    bbox, interval = parse_common(request)
    definition = request.app["workflows"].get(workflow_id)
    if isinstance(definition, dict) and definition.get("type") != "Vector":
        raise wrong_kind("vector")
    computation = await dataplane.start(request, workflow_id, "Vector", session)
    chunk = request.app["config"].vector_chunk_bytes
    source = MessageSource(lambda operator: vector_messages(operator, bbox, interval, chunk))
    return await serve(request, computation, source)


def add_routes(app: web.Application) -> None:
    threading.Thread(target=warm_up, name="arrow-warm-up", daemon=True).start()
    for family in ("workflow", "processingGraphs"):
        app.router.add_get(f"/{family}/{uuid_param('workflow_id')}/rasterStream", raster_stream)
        app.router.add_get(f"/{family}/{uuid_param('workflow_id')}/vectorStream", vector_stream)
