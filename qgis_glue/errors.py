"""Turn exceptions into a short sentence for the message bar and details for the log panel."""

from __future__ import annotations

import traceback
from dataclasses import dataclass

from ..core.errors import (
    GeoEngineConnectionError,
    GeoEngineError,
    GeoEngineTimeoutError,
    InputError,
    MissingDependencyError,
    NotFoundError,
    UnauthorizedError,
)

PROXY_HINT = "Check the server URL and the proxy under Settings > Options > Network."


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
        summary = f"{_sentence(exc.message)} {PROXY_HINT}"
    elif isinstance(exc, GeoEngineTimeoutError):
        summary = f"The Geo Engine server did not answer in time: {exc.message}"
    elif isinstance(exc, UnauthorizedError):
        summary = f"Not authorised (HTTP 401): {exc.message}"
    elif isinstance(exc, NotFoundError):
        where = f" for {exc.url}" if exc.url else ""
        summary = f"Not found (HTTP 404){where}. Is the server URL the Geo Engine API base URL (ending in /api)?"
    elif isinstance(exc, (InputError, MissingDependencyError)):
        summary = exc.message
    elif isinstance(exc, GeoEngineError):
        status = f" (HTTP {exc.status})" if exc.status is not None else ""
        summary = f"{exc.error + ': ' if exc.error else ''}{exc.message}{status}"
    else:
        summary = f"Unexpected error: {type(exc).__name__}: {exc}"
        trace = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
        return ErrorReport(summary, trace)
    return ErrorReport(summary, f"{type(exc).__name__}: {exc}")
