"""One small exception hierarchy for everything the Geo Engine client can raise.

Every exception derives from :class:`GeoEngineError` and carries ``message``, the server's ``error``
name (when there is one), the HTTP ``status`` and the ``url`` (method + URL, which never holds a token:
Geo Engine reads the session only from the ``Authorization`` header).

Mapping (see the wire reference, section 1.10):

* 400 -> :class:`BadRequestError`, 401 -> :class:`UnauthorizedError` (expired sessions of token
  sessions -> :class:`SessionExpiredError`), 404 -> :class:`NotFoundError`, 5xx -> :class:`ServerError`,
  any other non-2xx -> :class:`ApiError`.
* no TCP connection -> :class:`GeoEngineConnectionError`; no answer in time -> :class:`GeoEngineTimeoutError`.
* a body that cannot be read (non-JSON error body, JSON expected but not sent, bad Arrow) ->
  :class:`MalformedResponseError` (carries ``status`` when it came with an HTTP error).
* bad input refused before any request -> :class:`InputError` (``field`` names the input), including the
  three ``MethodNotCalledOn...Exception`` type guards of the official client.
* websocket closed with code 1011 -> :class:`StreamClosedError` (``code`` and the server's ``reason``).
* HTTP-200 WMS ``ServiceExceptionReport`` -> :class:`OGCXMLError`.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET  # nosec B405 # bounded, no DTDs: see service_exception_text
from typing import Optional

MAX_XML_BYTES = 64 * 1024  # an exception report is a few hundred bytes; more is not parsed

_MAX_URL_IN_MESSAGE = 240


class GeoEngineError(Exception):
    """Base class: ``message`` plus optional server ``error`` name, HTTP ``status`` and ``url``."""

    def __init__(
        self,
        message: str,
        error: Optional[str] = None,
        status: Optional[int] = None,
        url: Optional[str] = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.error = error
        self.status = status
        self.url = url

    def __str__(self) -> str:
        text = f"{self.error}: {self.message}" if self.error else self.message
        details = []
        if self.status is not None:
            details.append(f"HTTP {self.status}")
        if self.url:
            url = self.url if len(self.url) <= _MAX_URL_IN_MESSAGE else self.url[:_MAX_URL_IN_MESSAGE] + "..."
            details.append(url)
        return f"{text} ({', '.join(details)})" if details else text

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(message={self.message!r}, error={self.error!r}, "
            f"status={self.status!r}, url={self.url!r})"
        )

    def __reduce__(self):
        """Pickle/copy by attributes (subclasses have other constructor arguments)."""
        return (_rebuild, (type(self), self.args, dict(self.__dict__)))


def _rebuild(cls: type, args: tuple, state: dict) -> GeoEngineError:
    error = Exception.__new__(cls)
    error.args = args
    error.__dict__.update(state)
    return error


class ApiError(GeoEngineError):
    """The server answered with an HTTP error status and Geo Engine's ``{"error", "message"}`` body."""


class BadRequestError(ApiError):
    """HTTP 400: Geo Engine's status for nearly every failure (unknown ids, operator errors, bad params)."""


SESSION_INVALID_TEXT = "The session id is invalid"


class UnauthorizedError(ApiError):
    """HTTP 401: missing, malformed or invalid session, wrong login, admin-only action."""

    @property
    def is_session_invalid(self) -> bool:
        """True for Geo Engine's "The session id is invalid." (expired, logged out or unknown session)."""
        return SESSION_INVALID_TEXT.lower() in (self.message or "").lower()


class SessionExpiredError(UnauthorizedError):
    """The session is no longer valid and cannot be renewed (token sessions), or renewal failed."""


class NotFoundError(ApiError):
    """HTTP 404: unknown route (for example a path family the server does not have)."""


class ServerError(ApiError):
    """HTTP 5xx."""


class GeoEngineConnectionError(GeoEngineError):
    """No connection to the server (refused, DNS failure, proxy failure, TLS failure)."""


class GeoEngineTimeoutError(GeoEngineError):
    """The server did not answer within the client's timeout."""


class MalformedResponseError(GeoEngineError):
    """A response body that cannot be understood (non-JSON error body, unexpected content, bad Arrow)."""


# the start of a StreamClosedError's reason when the server's close frame (with its error text) was invalid
ERROR_TEXT_LOST = "the server ended the stream with an error whose text did not fit into a websocket close frame"


class StreamClosedError(GeoEngineError):
    """A websocket stream closed abnormally (Geo Engine closes with 1011 and the error text as reason)."""

    def __init__(self, message: str, code: Optional[int] = None, reason: Optional[str] = None, url=None) -> None:
        super().__init__(message, error="StreamClosed", url=url)
        self.code = code
        self.reason = reason


class InputError(GeoEngineError, ValueError):
    """Bad input, refused before any request is sent; ``field`` names the offending input."""

    def __init__(self, message: str, field: Optional[str] = None) -> None:
        super().__init__(f"{field}: {message}" if field else message)
        self.field = field


class MissingDependencyError(GeoEngineError, ImportError):
    """An optional package is needed for this call (the message says what to install)."""

    def __init__(self, package: str, feature: str, pip_name: Optional[str] = None) -> None:
        super().__init__(f"{feature} requires the optional package '{package}': pip install {pip_name or package}")
        self.package = package


class UninitializedError(GeoEngineError):
    """A module-level call was made before :func:`initialize`."""

    def __init__(self) -> None:
        super().__init__("You have to call `initialize` before using other functionality")


class OGCXMLError(GeoEngineError):
    """An OGC ``ServiceExceptionReport`` (WMS answers errors with HTTP 200 and ``\\n<?xml ...``)."""

    def __init__(self, xml: bytes, url: Optional[str] = None, status: Optional[int] = None) -> None:
        self.service_exception = service_exception_text(xml)
        super().__init__(f"OGC API error: {self.service_exception}", error="OGCServiceException", status=status,
                         url=url)

    @classmethod
    def is_ogc_error(cls, body: bytes) -> bool:
        """True for Geo Engine's XML exception reports (with or without the leading newline)."""
        head = body[:200].lstrip()
        return head.startswith(b"<?xml") or head.startswith(b"<ServiceExceptionReport")


def service_exception_text(xml: bytes) -> str:
    """The text of the first ``ServiceException`` element (whitespace trimmed), or the raw text."""
    text = xml[:MAX_XML_BYTES].decode("utf-8", errors="replace").strip()
    if "<!DOCTYPE" in text or "<!ENTITY" in text:  # no DTDs at all: no entity expansion, no external entities
        return text[:500]
    try:
        # Python's ElementTree never fetches external entities and expat >= 2.4 caps amplification; with DTDs
        # refused above and at most 64 KiB, a hostile server gains nothing here.
        root = ET.fromstring(text)  # nosec B314
    except ET.ParseError:
        return text[:500]
    for element in root.iter():
        if element.tag.endswith("ServiceException") and element.text:
            return " ".join(element.text.split())
    return text[:500]


class _TypeGuard(InputError):
    kind = ""

    def __init__(self, actual: Optional[str] = None) -> None:
        detail = f" (this workflow's result is {actual})" if actual else ""
        super().__init__(f"Only allowed to call method on {self.kind} result{detail}", field="workflow")


class MethodNotCalledOnRasterException(_TypeGuard):
    """A raster-only method was called on a vector or plot workflow."""

    kind = "raster"


class MethodNotCalledOnVectorException(_TypeGuard):
    """A vector-only method was called on a raster or plot workflow."""

    kind = "vector"


class MethodNotCalledOnPlotException(_TypeGuard):
    """A plot-only method was called on a raster or vector workflow."""

    kind = "plot"


# Names of the official client, for code written against it.
GeoEngineException = GeoEngineError
InputException = InputError
UninitializedException = UninitializedError

ERROR_BY_STATUS = {400: BadRequestError, 401: UnauthorizedError, 404: NotFoundError}


def error_class_for_status(status: int) -> type:
    """The :class:`ApiError` subclass for an HTTP status."""
    if status >= 500:
        return ServerError
    return ERROR_BY_STATUS.get(status, ApiError)
