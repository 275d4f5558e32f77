"""What every Geo Engine algorithm needs at run time: the connection, a session, feedback and error mapping.

* :func:`connection_from_text` - a saved connection's name, or an ``http(s)://.../api`` URL (anonymous);
* :func:`resolve_connection` (main thread: reads the Auth Manager) and :func:`session_for` (worker thread:
  logs in; logs out again afterwards);
* :class:`FeedbackContext` - QgsProcessingFeedback in the shape of ``qgis_glue.tasks.TaskContext``, so the
  loader's :func:`~..qgis_glue.layers.fetch` runs unchanged under Processing (progress, cancel);
* :func:`processing_error` - any exception as a :class:`QgsProcessingException` carrying the server's message.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator, Optional
from urllib.parse import urlsplit

from qgis.core import QgsProcessingException, QgsProcessingFeedback

from ..core.errors import GeoEngineError
from ..qgis_glue.connections import ANONYMOUS, Connection, ConnectionSettingsError, ConnectionStore
from ..qgis_glue.errors import describe_error
from ..qgis_glue.messages import log
from ..qgis_glue.sessions import ResolvedConnection, open_session, resolve
from ..qgis_glue.tasks import TaskCancelled

CANCELLED = "Cancelled; no output was written."


class AlgorithmCancelled(QgsProcessingException):
    """Raised when the feedback was cancelled; outputs made so far are removed first."""


def connection_from_text(text: str, store: Optional[ConnectionStore] = None) -> Connection:
    """A saved connection by name, or an anonymous connection for a URL (``http://host:port/api``)."""
    value = (text or "").strip()
    if not value:
        raise ConnectionSettingsError("Name a saved Geo Engine connection or give the server's API URL "
                                      "(e.g. http://127.0.0.1:3030/api).")
    if value.lower().startswith(("http://", "https://")):
        host = urlsplit(value).netloc or value
        return Connection(f"url {host}", value, ANONYMOUS).validated()
    store = store or ConnectionStore()
    try:
        return store.load(value)
    except KeyError:
        names = ", ".join(store.names()) or "none"
        raise ConnectionSettingsError(f"No saved Geo Engine connection named {value!r} (saved: {names}). "
                                      "Give a saved connection's name or an http(s):// API URL.") from None


def resolve_connection(text: str) -> ResolvedConnection:
    """Main thread: the connection plus its credentials from the Auth Manager (anonymous needs none)."""
    return resolve(connection_from_text(text))


@contextmanager
def session_for(resolved: ResolvedConnection) -> Iterator:
    """Worker thread: a logged-in core Session for one algorithm run; logged out (not token sessions) after."""
    session = open_session(resolved)
    try:
        yield session
    finally:
        try:
            if session.kind != "token":  # a pasted token stays valid for its owner
                session.logout()
        except Exception as exc:  # noqa: BLE001 - logging out is best effort
            log(f"Could not log out the Processing session on {session.server_url}: {type(exc).__name__}")
        session.close()


class FeedbackContext:
    """Processing feedback with ``TaskContext``'s interface; progress is mapped into ``low..high`` percent."""

    def __init__(self, feedback: Optional[QgsProcessingFeedback], low: float = 0.0, high: float = 100.0) -> None:
        self._feedback = feedback
        self._low, self._high = low, high

    def set_progress(self, percent: float) -> None:
        if self._feedback is not None:
            fraction = max(0.0, min(100.0, float(percent))) / 100.0
            self._feedback.setProgress(self._low + (self._high - self._low) * fraction)

    def set_fraction(self, fraction: float) -> None:
        self.set_progress(100.0 * fraction)

    def is_canceled(self) -> bool:
        return self._feedback is not None and self._feedback.isCanceled()

    def check_canceled(self) -> None:
        if self.is_canceled():
            raise TaskCancelled()

    def info(self, text: str) -> None:
        if self._feedback is not None:
            self._feedback.pushInfo(text)


def processing_error(exc: BaseException) -> QgsProcessingException:
    """The exception to raise from ``processAlgorithm``: one sentence with the server's error and message."""
    if isinstance(exc, QgsProcessingException):
        return exc
    if isinstance(exc, TaskCancelled) or _is_stream_cancel(exc):
        return AlgorithmCancelled(CANCELLED)
    if isinstance(exc, ConnectionSettingsError):
        return QgsProcessingException(str(exc.args[0]) if exc.args else str(exc))
    summary = describe_error(exc).summary
    if isinstance(exc, GeoEngineError) and exc.message and exc.message not in summary:
        server = f"{exc.error}: {exc.message}" if exc.error else exc.message
        summary = f"{summary} Server: {server}"
    return QgsProcessingException(summary)


def _is_stream_cancel(exc: BaseException) -> bool:
    """A cancelled stream (core.streaming needs websockets, so it is only imported when it can be)."""
    try:
        from ..core.streaming import StreamCancelledError
    except ImportError:
        return False
    return isinstance(exc, StreamCancelledError)
