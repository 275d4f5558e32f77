"""Geo Engine's websocket result streams: the synchronous transport shared by raster and vector streams.

Protocol (wire reference, section 11): the client sends the text ``NEXT`` and receives one binary
message (one Arrow IPC file). The end of the stream is a close with code 1000; a computation error
is a close with code 1011 whose reason is the server's error text. Errors found before the upgrade
(401, 400) are ordinary HTTP responses.

The transport keeps exactly one ``NEXT`` outstanding: it asks for message *n+1* before handing out
message *n*, so the server computes the next result while the caller decodes and writes this one.
The cancel check is polled between messages and while waiting (every ``poll_interval`` s); a
cancelled stream closes its socket within about a second.

Safety: a message larger than ``max_message_bytes`` ends the stream with a MalformedResponseError (the
callers derive the cap from the result descriptor); redirects are not followed; the proxy and the trusted CA
certificates are the session's (the same as for its REST calls), never the environment's unless the session
trusts it; a failed TLS handshake is a :class:`~.http.TlsError`.
"""

from __future__ import annotations

import inspect
import json
import ssl
import time
from dataclasses import dataclass
from typing import Any, Callable, Iterator, Mapping, Optional

from websockets.exceptions import ConnectionClosed, ConnectionClosedOK, InvalidHandshake, InvalidStatus
from websockets.frames import CloseCode
from websockets.sync.client import ClientConnection, connect

from .errors import (
    ERROR_TEXT_LOST,
    GeoEngineConnectionError,
    GeoEngineError,
    GeoEngineTimeoutError,
    MalformedResponseError,
    StreamClosedError,
    UnauthorizedError,
    error_class_for_status,
)
from .http import TlsError

ProgressCallback = Callable[[int, Optional[int]], None]
CancelCheck = Callable[[], bool]

DEFAULT_OPEN_TIMEOUT = 60.0
DEFAULT_MESSAGE_TIMEOUT = 3600.0  # one tile or batch may take long on a busy server
RECV_BUFFER = 1 << 20  # websockets reads 64 KiB per call by default
CLOSE_TIMEOUT = 0.5  # a cancelled stream waits at most this long for the server's close frame
DEFAULT_MAX_MESSAGE_BYTES = 256 << 20  # no Geo Engine tile or batch comes near this; a bigger one is refused


class StreamCancelledError(GeoEngineError):
    """The caller's cancel check returned True; the stream was closed."""

    def __init__(self, url: Optional[str] = None) -> None:
        super().__init__("the stream was cancelled", error="Cancelled", url=url)


@dataclass
class StreamStats:
    """What a finished or aborted stream transferred."""

    messages: int = 0
    bytes: int = 0
    seconds: float = 0.0


class ArrowMessageStream:
    """Iterate over the binary messages of one stream (Arrow IPC files as ``bytes``).

    Use as a context manager or exhaust the iterator; either way the socket is closed at the end, on
    errors, on cancel, and when the consumer stops early.
    """

    def __init__(
        self,
        url: str,
        headers: Mapping[str, str],
        open_timeout: float = DEFAULT_OPEN_TIMEOUT,
        message_timeout: float = DEFAULT_MESSAGE_TIMEOUT,
        cancelled: Optional[CancelCheck] = None,
        poll_interval: float = 0.2,
        max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES,
        proxy: Any = None,
        ssl_context: Optional[ssl.SSLContext] = None,
    ) -> None:
        self.url = url
        self._max_bytes = int(max_message_bytes)
        self._proxy = proxy  # None: direct; a URL; True: the environment's (only when the session trusts it)
        self._ssl = ssl_context
        self._headers = dict(headers)
        self._open_timeout = open_timeout
        self._message_timeout = message_timeout
        self._cancelled = cancelled
        self._poll = poll_interval
        self._ws: Optional[ClientConnection] = None
        self.stats = StreamStats()

    @property
    def _safe_url(self) -> str:
        return f"GET {self.url}"

    def __enter__(self) -> ArrowMessageStream:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def close(self) -> None:
        ws, self._ws = self._ws, None
        if ws is not None:
            try:
                ws.close()
            except Exception:  # nosec B110 # noqa: BLE001 - a broken socket must not mask the error
                pass

    def _check_cancelled(self) -> None:
        if self._cancelled is not None and self._cancelled():
            self.close()
            raise StreamCancelledError(self._safe_url)

    def _open(self) -> ClientConnection:
        self._check_cancelled()
        try:
            options = dict(
                additional_headers=self._headers,
                max_size=self._max_bytes,
                proxy=self._proxy,
                ssl=self._ssl if self.url.startswith("wss://") else None,
                open_timeout=self._open_timeout,
                close_timeout=CLOSE_TIMEOUT,
                ping_interval=None,  # the server may compute one tile for long; never drop it for a late pong
                compression=None,  # Arrow tiles do not deflate well; skipping permessage-deflate saves CPU
            )
            if _NoRedirects is not None:
                connection = _NoRedirects(self.url, **options).__enter__()  # the context-manager form (17 warns)
            else:  # websockets < 17: connect() follows no redirects; < 15 has no proxy option (no proxy then)
                if not _CONNECT_TAKES_PROXY:
                    options.pop("proxy")
                connection = connect(self.url, **options).__enter__()
            connection.recv_bufsize = RECV_BUFFER  # fewer, larger socket reads for 0.5 MB tiles (less Python per byte)
            return connection
        except InvalidStatus as exc:
            raise _http_error(exc, self._safe_url) from None
        except InvalidHandshake as exc:
            raise MalformedResponseError(f"websocket handshake failed: {exc}", url=self._safe_url) from None
        except TimeoutError:
            raise GeoEngineTimeoutError(
                f"no websocket upgrade within {self._open_timeout} s", url=self._safe_url
            ) from None
        except ssl.SSLError as exc:
            verify = "not trusted" if isinstance(exc, ssl.SSLCertVerificationError) else "failed"
            raise TlsError(f"TLS failure: the server's certificate is {verify} ({exc.__class__.__name__}: "
                           f"{str(exc)[:160]})", error="TlsError", url=self._safe_url) from None
        except OSError as exc:
            raise GeoEngineConnectionError(f"cannot connect: {exc}", url=self._safe_url) from None

    def _send_next(self) -> None:
        try:
            self._ws.send("NEXT")
        except ConnectionClosed:
            pass  # the server closed (end or error): the next receive reports which

    def _receive(self) -> Optional[bytes]:
        """The next binary message, or None at the end of the stream (close 1000)."""
        deadline = time.monotonic() + self._message_timeout
        while True:
            self._check_cancelled()
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                self.close()
                raise GeoEngineTimeoutError(f"no stream message within {self._message_timeout} s", url=self._safe_url)
            try:
                message = self._ws.recv(timeout=min(self._poll, remaining))
            except TimeoutError:
                continue
            except ConnectionClosedOK:
                return None
            except ConnectionClosed as exc:
                frame = exc.rcvd
                sent = exc.sent
                if sent is not None and sent.code == CloseCode.MESSAGE_TOO_BIG:
                    raise MalformedResponseError(
                        f"a stream message is larger than the accepted {self._max_bytes} bytes", url=self._safe_url
                    ) from None
                code = frame.code if frame is not None else 1006
                reason = frame.reason if frame is not None else _lost_reason(sent)
                raise StreamClosedError(
                    f"the stream failed (close code {code}): {reason}", code=code, reason=reason, url=self._safe_url
                ) from None
            if isinstance(message, str):
                raise MalformedResponseError(f"unexpected text message in stream: {message[:200]!r}",
                                             url=self._safe_url)
            return message

    def __iter__(self) -> Iterator[bytes]:
        started = time.monotonic()
        self._ws = self._open()
        try:
            self._send_next()
            while True:
                message = self._receive()
                if message is None:
                    return
                self._send_next()  # pipelining: the server computes the next one while we hand this out
                self.stats.messages += 1
                self.stats.bytes += len(message)
                yield message
        finally:
            self.stats.seconds = time.monotonic() - started
            self.close()


def _lost_reason(sent: Any) -> str:
    """Why a stream ended without a valid close frame (close code 1006), for the user."""
    if sent is not None and sent.code == CloseCode.PROTOCOL_ERROR:
        # Geo Engine 0.9.3 puts the whole error text into the close frame, beyond the 123 bytes a reason may hold
        # (geo-engine/geoengine@5748ef7:geoengine/services/src/workflows/websocket_stream.rs); the frame is then
        # invalid and dropped, and with it the error text
        return f"{ERROR_TEXT_LOST} ({sent.reason}), so the error itself was lost; the server's log has it"
    return "the connection was lost without a close frame (the server or a proxy dropped it)"


try:
    from websockets.sync.client import reconnect as _Reconnect
except ImportError:  # websockets < 17
    _Reconnect = None

_CONNECT_TAKES_PROXY = "proxy" in inspect.signature(connect).parameters

if _Reconnect is not None:
    class _NoRedirects(_Reconnect):
        """websockets' connector without following redirects: a 3xx is the error itself (see :func:`_http_error`)."""

        def process_redirect(self, exc: Exception) -> Exception:
            return exc
else:
    _NoRedirects = None


def _http_error(exc: InvalidStatus, url: str) -> GeoEngineError:
    """The error class for a refused upgrade, with the server's ``error``/``message`` when it sent JSON."""
    response = exc.response
    status = int(response.status_code)
    if 300 <= status < 400:
        location = str(response.headers.get("Location", ""))[:200]
        return GeoEngineConnectionError(f"the server redirected the stream to {location!r}; redirects are not "
                                        "followed, so no credentials went there", error="Redirect", status=status,
                                        url=url)
    body = bytes(response.body or b"")
    try:
        payload = json.loads(body.decode("utf-8"))
        error, message = payload["error"], payload["message"]
    except (ValueError, KeyError, TypeError, UnicodeDecodeError):
        text = body.decode("utf-8", errors="replace").strip()[:300]
        return MalformedResponseError(
            f"websocket upgrade refused with HTTP {status} and a non-JSON body: {text!r}", status=status, url=url
        )
    return error_class_for_status(status)(str(message), error=str(error), status=status, url=url)


def open_stream(workflow: Any, kind: str, params: dict, open_timeout: float = DEFAULT_OPEN_TIMEOUT,
                cancelled: Optional[CancelCheck] = None,
                max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES) -> Iterator[bytes]:
    """The messages of ``workflow``'s ``rasterStream``/``vectorStream`` (path family and URL from its session).

    An expired session is renewed once by the session's rules (credential and anonymous sessions log in
    again; token sessions raise SessionExpiredError). Only the upgrade can fail with 401, so a retry never
    repeats data.
    """
    session = workflow.session
    url = session.ws_url(f"{session.api_paths.workflow}/{workflow.workflow_id}/{kind}", params)
    stale = dict(session.auth_header)
    options = dict(open_timeout=open_timeout, cancelled=cancelled, max_message_bytes=max_message_bytes,
                   **session.stream_options())
    try:
        messages = iter(ArrowMessageStream(url, session.headers(), **options))
        head = next(messages, None)
    except UnauthorizedError as exc:
        if not exc.is_session_invalid:
            raise
        session.renew(stale)  # token sessions: SessionExpiredError
        messages = iter(ArrowMessageStream(url, session.headers(), **options))
        head = next(messages, None)
    if head is None:
        return
    yield head
    yield from messages
