"""What the items below one connection share: the resolved connection, worker-thread sessions and the page size.

Credentials are read on the main thread when the connection node is expanded (its items are "fast", QGIS
builds them on the main thread); everything below fetches on QGIS's browser worker threads and gets its
session through :class:`WorkerSessions`, which logs in at most once at a time and shares the session with the
rest of the plugin (the :class:`~..qgis_glue.sessions.SessionManager`).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from ..core.errors import GeoEngineError
from ..core.layers import MAX_PAGE_SIZE
from ..qgis_glue.sessions import ResolvedConnection, SessionManager


class BrowserClosed(GeoEngineError):
    """The plugin was unloaded while a Browser node was still loading."""

    def __init__(self) -> None:
        super().__init__("the Geo Engine plugin was unloaded", error="Unloaded")


class WorkerSessions:
    """The plugin's session of a connection, logging in first when there is none (any thread).

    After :meth:`close` (plugin unload) every call raises :class:`BrowserClosed`, so a node that was still
    loading sends nothing more (a login that was under way is dropped, not kept).
    """

    def __init__(self, manager: SessionManager) -> None:
        self._manager = manager
        self._lock = threading.Lock()
        self._closed = False

    def close(self) -> None:
        self._closed = True

    def session(self, resolved: ResolvedConnection):
        connection = resolved.connection
        with self._lock:  # two nodes expanded at once must not log in twice (the second would close the first)
            if self._closed:
                raise BrowserClosed()
            current = self._manager.get(connection.name, connection)
            if current is None:
                current = self._manager.connect(resolved)
                if self._closed:
                    self._manager.close(connection.name)
                    raise BrowserClosed()
            return current


@dataclass(frozen=True)
class ConnectionContext:
    """One expanded connection: ``session()`` may be called from worker threads."""

    resolved: ResolvedConnection
    sessions: WorkerSessions
    page_size: int = MAX_PAGE_SIZE

    @property
    def name(self) -> str:
        return self.resolved.connection.name

    def session(self):
        return self.sessions.session(self.resolved)
