"""Core sessions made from saved connections, and the sessions that are currently open.

Split by thread: :func:`resolve` runs on the main thread (it reads the Auth Manager, which may ask for
the master password, and QGIS's proxy settings); :func:`open_session`, :func:`probe_connection` and
:meth:`SessionManager.connect` do network I/O and belong in a background task (``qgis_glue.tasks``).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Callable, Dict, List, Optional, Tuple, Union

from .certificates import qgis_ca_bundle
from .connections import (
    DELETED,
    Connection,
    Credentials,
    PasswordCredentials,
    TokenCredentials,
    load_credentials,
)
from .i18n import tr
from .messages import log
from .network import BearerHeaderInjector
from .proxy import requests_proxies

DEFAULT_TIMEOUT = 60.0  # seconds per request when QGIS's network timeout is off
FAILURE_HOLD_S = 300.0  # a refused login is not tried again for this long (unless the connection is saved)
RENEW_MARGIN_S = 3600.0  # renew a session this long before its validUntil
CHECK_INTERVAL_MS = 60_000  # how often validUntil is checked


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
        version = self.server_version or tr("unknown version (no /info)")
        until = tr("; session valid until {valid_until}").format(valid_until=self.valid_until) if self.valid_until \
            else ""
        return tr("Connected to Geo Engine {version} at {url} as {user}{until}.").format(
            version=version, url=self.server_url, user=self.user, until=until)


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
    when there is none (or the connection's settings changed since). Sessions live as long as layers need them:

    * one login per connection at a time: callers that ask while a login runs wait for it (N layers of a
      reopened project make one login);
    * a login the server refused (wrong password, revoked token) is not retried for :data:`FAILURE_HOLD_S`
      seconds, or until the connection is saved again; callers get the same error at once;
    * :meth:`watch` (main thread) renews sessions :data:`RENEW_MARGIN_S` before their ``validUntil`` and when
      a QGIS request to a session's server (a live WMS layer) gets 401, then redraws that server's layers;
    * a deleted connection's session stops authenticating QGIS's requests at once and is logged out in a task
      (:meth:`connection_changed`, a listener of :mod:`.connections`).
    """

    def __init__(self, injector: BearerHeaderInjector) -> None:
        self._injector = injector
        self._lock = threading.Lock()
        self._sessions: Dict[str, Tuple[Connection, object]] = {}
        self._pending: Dict[str, Tuple[Connection, object, List[tuple]]] = {}  # name -> (connection, task, waiters)
        self._failed: Dict[str, Tuple[Connection, BaseException, float]] = {}
        self._renewing: set = set()
        self._runner = None
        self._timer = None
        self.logins = 0  # login tasks started (tests and the log count them)
        self.renewals = 0  # renewals started

    def ensure(self, connection: Connection, runner, on_ready: Callable[[object], None],
               on_error: Optional[Callable[[BaseException], None]] = None, credentials: Credentials = None):
        """Main thread. Returns None when a session was ready (``on_ready`` already called) or the last login
        was refused (``on_error`` already called), else the login task (maybe one already under way).

        Bad settings or unreadable credentials raise :class:`~.connections.ConnectionSettingsError` here,
        before any task starts.
        """
        connection = connection.validated(require_authcfg=credentials is None)
        current = self.get(connection.name, connection)
        if current is not None:
            on_ready(current)
            return None
        name = connection.name
        if credentials is None:
            failure = self._failed.get(name)
            if failure is not None and failure[0] == connection and time.monotonic() - failure[2] < FAILURE_HOLD_S:
                log(f"Not logging in to {name!r} again: the server refused the last login ({failure[1]})")
                if on_error is not None:
                    on_error(failure[1])
                return None
            pending = self._pending.get(name)
            if pending is not None and pending[0] == connection:
                pending[2].append((on_ready, on_error))
                return pending[1]
        resolved = resolve(connection, credentials)
        waiters: List[tuple] = [(on_ready, on_error)]

        def finish():
            entry = self._pending.get(name)
            if entry is not None and entry[2] is waiters:
                self._pending.pop(name, None)

        def succeeded(session) -> None:
            finish()
            self._failed.pop(name, None)
            for ready, _error in list(waiters):
                ready(session)

        def failed(exc: BaseException) -> None:
            finish()
            if _refused(exc):
                self._failed[name] = (connection, exc, time.monotonic())
            for _ready, error in list(waiters):
                if error is not None:
                    error(exc)

        self.logins += 1
        task = runner.submit(tr("Log in to {name}").format(name=name), lambda context: self.connect(resolved),
                             on_success=succeeded, on_error=failed, on_cancel=finish)
        self._pending[name] = (connection, task, waiters)
        return task

    def forget_failure(self, name: str) -> None:
        """Allow a new login for ``name`` at once (e.g. after its credentials were edited)."""
        self._failed.pop(name, None)

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
        session = self._forget(name)
        if session is None:
            return
        try:
            if logout:
                session.logout()
        finally:
            session.close()

    def _forget(self, name: str):
        with self._lock:
            entry = self._sessions.pop(name, None)
        if entry is None:
            return None
        self._injector.remove_token(entry[1].server_url)
        self._sync_injector()
        return entry[1]

    def close_all(self) -> None:
        """Forget every session without network traffic (plugin unload)."""
        self.unwatch()
        for name in self.names():
            self.close(name, logout=False)

    def connection_changed(self, event: str, connection: Connection) -> None:
        """Listener of :mod:`.connections`: a deleted connection's token stops at once and its session is logged
        out in a task; a saved one may log in again at once."""
        self.forget_failure(connection.name)
        if event != DELETED:
            return
        session = self._forget(connection.name)
        if session is None:
            return

        def logout(_context) -> None:
            try:
                if session.kind != "token":  # a pasted token stays the user's
                    session.logout()
            finally:
                session.close()

        if self._runner is not None:
            self._runner.submit(tr("Log out of {name}").format(name=connection.name), logout, notify_errors=False)
        else:
            session.close()

    # --- keeping sessions alive (main thread) ---------------------------------------------------------------
    def watch(self, runner, project_layers: Optional[Callable[[], list]] = None) -> None:
        """Renew sessions before they expire and on 401s of QGIS's requests (live WMS layers)."""
        from qgis.core import QgsNetworkAccessManager
        from qgis.PyQt.QtCore import QTimer

        self._runner = runner
        self._layers = project_layers or _project_layers
        self._timer = QTimer()
        self._timer.setInterval(CHECK_INTERVAL_MS)
        self._timer.timeout.connect(self.renew_expiring)
        self._timer.start()
        QgsNetworkAccessManager.instance().finished.connect(self._reply_finished)

    def unwatch(self) -> None:
        if self._timer is None:
            return
        from qgis.core import QgsNetworkAccessManager

        self._timer.stop()
        self._timer = None
        try:
            QgsNetworkAccessManager.instance().finished.disconnect(self._reply_finished)
        except (TypeError, RuntimeError):
            pass

    def renew_expiring(self) -> List[str]:
        """Start renewing every session whose ``validUntil`` is less than :data:`RENEW_MARGIN_S` away."""
        started = []
        now = time.time()
        with self._lock:
            entries = list(self._sessions.items())
        for name, (_connection, session) in entries:
            until = _epoch(getattr(session, "valid_until", None))
            if until is not None and until - now < RENEW_MARGIN_S and self.renew(name):
                started.append(name)
        return started

    def _reply_finished(self, reply) -> None:
        """Slot of QgsNetworkAccessManager.finished: a 401 under a session's server renews it (never raises)."""
        try:
            status = reply.attribute(_status_attribute())
            if status != 401:
                return
            url = reply.request().url().toString()
            with self._lock:
                entries = list(self._sessions.items())
            for name, (_connection, session) in entries:
                if url.startswith(session.server_url.rstrip("/") + "/"):
                    self.renew(name)
        except Exception as exc:  # noqa: BLE001 - a slot must not raise into QGIS
            log(f"Geo Engine session check failed: {type(exc).__name__}: {exc}")

    def renew(self, name: str):
        """Renew ``name``'s session in a task (one at a time), then redraw the layers of its server."""
        session = self.get(name)
        if session is None or self._runner is None or name in self._renewing:
            return None
        stale = dict(session.auth_header)
        self._renewing.add(name)
        self.renewals += 1

        def work(_context):
            session.renew(stale)
            return session

        def done(renewed) -> None:
            self._renewing.discard(name)
            log(f"Renewed the Geo Engine session of {name!r}")
            for layer in self._layers():
                if layer.providerType() == "wms" and renewed.server_url in layer.source():
                    layer.dataProvider().reloadData()
                    layer.triggerRepaint()

        def failed(_exc) -> None:
            self._renewing.discard(name)

        return self._runner.submit(tr("Renew the session of {name}").format(
            name=name), work, on_success=done, on_error=failed,
                                   on_cancel=lambda: self._renewing.discard(name))

    def _sync_injector(self) -> None:
        """One token per server URL: the most recently registered session for it wins."""
        with self._lock:
            sessions = [session for _connection, session in self._sessions.values()]
        for session in sessions:  # registration order: newer sessions overwrite older ones
            self._injector.set_token_source(session.server_url, lambda session=session: _bearer_token(session))


def _refused(exc: BaseException) -> bool:
    """A login the server refused (credentials), as opposed to a network or server failure."""
    from ..core.errors import UnauthorizedError

    return isinstance(exc, UnauthorizedError)


def _epoch(text: Optional[str]) -> Optional[float]:
    """Seconds since the epoch of an ISO ``validUntil`` (None if absent or unreadable)."""
    if not text:
        return None
    import datetime as dt

    try:
        moment = dt.datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.timezone.utc)
    return moment.timestamp()


def _status_attribute():
    from qgis.PyQt.QtNetwork import QNetworkRequest

    attribute = getattr(QNetworkRequest, "Attribute", QNetworkRequest)
    return attribute.HttpStatusCodeAttribute


def _project_layers() -> list:
    from qgis.core import QgsProject

    return list(QgsProject.instance().mapLayers().values())


def _bearer_token(session) -> Optional[str]:
    header = session.auth_header.get("Authorization", "")
    return header[len("Bearer "):] if header.startswith("Bearer ") else None
