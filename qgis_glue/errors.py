"""Turn exceptions into a short sentence for the message bar and details for the log panel."""

from __future__ import annotations

import traceback
from dataclasses import dataclass

from ..core.errors import (
    ERROR_TEXT_LOST,
    GeoEngineConnectionError,
    GeoEngineError,
    GeoEngineTimeoutError,
    InputError,
    MissingDependencyError,
    NotFoundError,
    StreamClosedError,
    UnauthorizedError,
)
from .i18n import QT_TR_NOOP, tr

PROXY_HINT = QT_TR_NOOP("Check the server URL and the proxy under Settings > Options > Network.")
# Server error codes that deserve a sentence of their own (the code and the server's text stay in the details).
KNOWN_ERRORS = {
    "NoWorkflowForGivenId": QT_TR_NOOP("The server does not know this workflow ID. Workflow IDs belong to one "
                                       "server: register the workflow there first (Workflow JSON tab, or pick it "
                                       "from the catalog)."),
}


@dataclass(frozen=True)
class ErrorReport:
    """``summary`` fits in the message bar; ``details`` goes to the log panel."""

    summary: str
    details: str


def _sentence(text: str) -> str:
    text = text.strip()
    text = text[:1].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."


def describe_error(exc: BaseException) -> ErrorReport:
    """A user-facing summary of ``exc`` plus log details (a traceback only for unexpected errors)."""
    if isinstance(exc, GeoEngineConnectionError):
        summary = f"{_sentence(exc.message)} {tr(PROXY_HINT)}"
    elif isinstance(exc, GeoEngineTimeoutError):
        summary = tr("The Geo Engine server did not answer in time: {message}").format(message=exc.message)
    elif isinstance(exc, UnauthorizedError):
        summary = tr("Not authorised (HTTP 401): {message}").format(message=exc.message)
    elif isinstance(exc, NotFoundError):
        where = tr(" for {url}").format(url=exc.url) if exc.url else ""
        summary = tr("Not found (HTTP 404){where}. Is the server URL the Geo Engine API base URL (ending in "
                     "/api)?").format(where=where)
    elif isinstance(exc, (InputError, MissingDependencyError)):
        summary = exc.message
    elif isinstance(exc, StreamClosedError) and exc.code == 1011 and exc.reason:
        summary = _sentence(tr("The server stopped the transfer with an error: {reason}").format(reason=exc.reason))
    elif isinstance(exc, StreamClosedError) and (exc.reason or "").startswith(ERROR_TEXT_LOST):
        summary = tr("The server stopped the transfer with an error too long to send over the stream (Geo Engine "
                     "0.9.3 then loses its text); the server's log has it. Nothing was added.")
    elif isinstance(exc, StreamClosedError):
        summary = tr("The connection to the server was lost during the transfer (the server stopped or the network "
                     "dropped); nothing was added.")
    elif isinstance(exc, GeoEngineError) and exc.error in KNOWN_ERRORS:
        summary = tr(KNOWN_ERRORS[exc.error])
    elif isinstance(exc, GeoEngineError):
        status = f" (HTTP {exc.status})" if exc.status is not None else ""
        summary = f"{exc.error + ': ' if exc.error else ''}{exc.message}{status}"
    else:
        summary = tr("Unexpected error: {kind}: {error}").format(kind=type(exc).__name__, error=exc)
        trace = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
        return ErrorReport(summary, trace)
    return ErrorReport(summary, f"{type(exc).__name__}: {exc}")
