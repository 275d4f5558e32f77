"""Core sessions made from saved connections, and the sessions that are currently open.

Split by thread: :func:`resolve` runs on the main thread (it reads the Auth Manager, which may ask for
the master password, and QGIS's proxy settings); :func:`open_session`, :func:`probe_connection` and
:meth:`SessionManager.connect` do network I/O and belong in a background task (``qgis_glue.tasks``).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Callable, Dict, List, Optional, Tuple, Union

from .certificates import qgis_ca_bundle
from .connections import (
    Connection,
    Credentials,
    PasswordCredentials,
    TokenCredentials,
    load_credentials,
)
from .messages import log
from .network import BearerHeaderInjector
from .proxy import requests_proxies

DEFAULT_TIMEOUT = 60.0  # seconds per request when QGIS's network timeout is off


@dataclass(frozen=True)
class ResolvedConnection:
    """A connection with its credentials and proxies, ready to be used from a worker thread."""

    connection: Connection
    credentials: Credentials
    proxies: Dict[str, str]
    timeout: float = DEFAULT_TIMEOUT
    verify: Union[str, bool] = True  # QGIS's trusted CAs as a PEM file (see .certificates)

    def __repr__(self) -> str:  # the credentials' own repr hides secrets; proxies may hold a password
        return f"ResolvedConnection(connection={self.connection!r}, credentials={self.credentials!r}, proxies=***)"


def network_timeout() -> float:
    """QGIS's network timeout (Settings > Options > Network) in seconds; DEFAULT_TIMEOUT when it is off."""
    from qgis.core import QgsNetworkAccessManager

    milliseconds = QgsNetworkAccessManager.timeout()
    return milliseconds / 1000.0 if milliseconds > 0 else DEFAULT_TIMEOUT


def resolve(connection: Connection, credentials: Optional[Credentials] = None,
            timeout: Optional[float] = None) -> ResolvedConnection:
    """Main thread: check the settings, read the credentials (unless given, e.g. a pasted token), the proxy
    and the timeout per request (QGIS's network timeout unless given).

    Raises :class:`~.connections.ConnectionSettingsError` for bad settings or unreadable credentials.
    """
    connection = connection.validated(require_authcfg=credentials is None)
    if credentials is None:
        credentials = load_credentials(connection)
    timeout = timeout if timeout is not None else network_timeout()
    return ResolvedConnection(connection, credentials, requests_proxies(connection.url), timeout, qgis_ca_bundle())


def open_session(resolved: ResolvedConnection):
    """Worker thread: log in as the connection says and return a ``core.session.Session``."""
    from ..core.session import Session

    # QGIS's proxy and CAs only: no environment proxies, CA variables or ~/.netrc, no GEOENGINE_* credentials
    options = dict(timeout=resolved.timeout, proxies=resolved.proxies, use_env=False, trust_env=False,
                   verify=resolved.verify)
    credentials = resolved.credentials
    url = resolved.connection.url
    if isinstance(credentials, PasswordCredentials):
        return Session(url, credentials=(credentials.email, credentials.password), **options)
    if isinstance(credentials, TokenCredentials):
        return Session(url, token=credentials.token, **options)
    return Session(url, **options)


@dataclass(frozen=True)
class ProbeResult:
    """What "Test connection" shows."""

    server_url: str
    server_version: Optional[str]
    user: str
    valid_until: Optional[str]

    def __str__(self) -> str:
        version = self.server_version or "unknown version (no /info)"
        until = f"; session valid until {self.valid_until}" if self.valid_until else ""
        return f"Connected to Geo Engine {version} at {self.server_url} as {self.user}{until}."


def describe_user(session_json: dict, fallback_id: Optional[str] = None) -> str:
    """"admin@localhost", "Real Name <email>" or "anonymous user <id>" from a UserSession body."""
    user = session_json.get("user") if isinstance(session_json, dict) else None
    user = user if isinstance(user, dict) else {}
    email, real_name, user_id = user.get("email"), user.get("realName"), user.get("id") or fallback_id
    if email and real_name and real_name != email:
        return f"{real_name} <{email}>"
    if email:
        return email
    return f"anonymous user {user_id}" if user_id else "anonymous user"


def probe_connection(resolved: ResolvedConnection, context=None) -> ProbeResult:
    """Worker thread: log in, read ``/info`` and ``/session``, log out again (not for token sessions)."""
    session = open_session(resolved)
    try:
        if context is not None:
            context.set_progress(40)
            context.check_canceled()
        version = session.server_version
        if context is not None:
            context.set_progress(70)
            context.check_canceled()
        body = session.get_json("session")
        return ProbeResult(session.server_url, version, describe_user(body, session.user_id),
                           body.get("validUntil") if isinstance(body, dict) else session.valid_until)
    finally:
        try:
            if session.kind != "token":  # a pasted token stays valid for the user
                session.logout()
        except Exception as exc:  # noqa: BLE001 - logging out a probe is best effort
            log(f"Could not log out the test session on {session.server_url}: {type(exc).__name__}")
        session.close()


class SessionManager:
    """The open sessions, one per connection name; their tokens reach QGIS's requests via ``injector``.

    ``ensure(connection, runner, on_ready)`` is the entry point for features: it hands the active
    session of a connection to ``on_ready`` on the main thread, logging in in a background task first
    when there is none (or the connection's settings changed since).
    """

    def __init__(self, injector: BearerHeaderInjector) -> None:
        self._injector = injector
        self._lock = threading.Lock()
        self._sessions: Dict[str, Tuple[Connection, object]] = {}

    def ensure(self, connection: Connection, runner, on_ready: Callable[[object], None],
               on_error: Optional[Callable[[BaseException], None]] = None, credentials: Credentials = None):
        """Main thread. Returns None when a session was ready (``on_ready`` already called), else the login task.

        Bad settings or unreadable credentials raise :class:`~.connections.ConnectionSettingsError` here,
        before any task starts.
        """
        connection = connection.validated(require_authcfg=credentials is None)
        current = self.get(connection.name, connection)
        if current is not None:
            on_ready(current)
            return None
        resolved = resolve(connection, credentials)
        return runner.submit(f"Log in to {connection.name}", lambda context: self.connect(resolved),
                             on_success=on_ready, on_error=on_error)

    def connect(self, resolved: ResolvedConnection):
        """Worker thread: open a session for the connection and make it the active one."""
        session = open_session(resolved)
        self.register(resolved.connection, session)
        return session

    def register(self, connection: Connection, session) -> None:
        """Make ``session`` the active session of ``connection`` (replacing and closing an older one)."""
        with self._lock:
            old = self._sessions.pop(connection.name, None)
            self._sessions[connection.name] = (connection, session)  # last in order = newest
        if old is not None and old[1] is not session:
            self._injector.remove_token(old[1].server_url)
            old[1].close()
        self._sync_injector()

    def get(self, name: str, connection: Optional[Connection] = None):
        """The active session of ``name`` (None if there is none, or if it was made for other settings)."""
        with self._lock:
            entry = self._sessions.get(name)
        if entry is None or (connection is not None and entry[0] != connection):
            return None
        return entry[1]

    def names(self) -> List[str]:
        with self._lock:
            return sorted(self._sessions)

    def close(self, name: str, logout: bool = False) -> None:
        """Forget a session (and its token in QGIS requests); ``logout=True`` also ends it on the server."""
        with self._lock:
            entry = self._sessions.pop(name, None)
        if entry is None:
            return
        session = entry[1]
        self._injector.remove_token(session.server_url)
        self._sync_injector()
        try:
            if logout:
                session.logout()
        finally:
            session.close()

    def close_all(self) -> None:
        """Forget every session without network traffic (plugin unload)."""
        for name in self.names():
            self.close(name, logout=False)

    def _sync_injector(self) -> None:
        """One token per server URL: the most recently registered session for it wins."""
        with self._lock:
            sessions = [session for _connection, session in self._sessions.values()]
        for session in sessions:  # registration order: newer sessions overwrite older ones
            self._injector.set_token_source(session.server_url, lambda session=session: _bearer_token(session))


def _bearer_token(session) -> Optional[str]:
    header = session.auth_header.get("Authorization", "")
    return header[len("Bearer "):] if header.startswith("Bearer ") else None
