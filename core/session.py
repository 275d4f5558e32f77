"""Sessions: log in (anonymous, email + password, existing token), send authenticated requests, renew.

Two ways to use it:

* explicit objects, for the plugin (several connections at once)::

      session = Session("http://localhost:3030/api", credentials=("me@example.org", "secret"))
      session.get_json("quota")

* the official client's module-level style, using one default session::

      initialize("http://localhost:3030/api")   # then workflow_by_id(...), get_quota() ...
      reset()                                   # logs out

Precedence (as the official client): explicit ``credentials`` > env ``GEOENGINE_EMAIL`` + ``GEOENGINE_PASSWORD``
> ``token`` argument > env ``GEOENGINE_TOKEN`` > anonymous. Passing both ``credentials`` and ``token`` is an
error. ``use_env=False`` ignores these variables (the plugin passes its own settings); ``trust_env=False`` also
makes ``requests`` ignore ``HTTP(S)_PROXY``/``NO_PROXY`` so only ``proxies`` apply. No ``.env`` file is read.

Expired sessions (401 "The session id is invalid."): credential and anonymous sessions log in again once and
repeat the request; token sessions raise :class:`~.errors.SessionExpiredError`.

The server generation (0.9 ``/workflow...`` vs 0.10 ``/processingGraphs...``) is detected once, lazily, from
``GET /info``; without ``/info`` the client falls back from one path family to the other on 404.
"""

from __future__ import annotations

import logging
import os
import re
import threading
import uuid
from dataclasses import dataclass
from typing import Any, Dict, Mapping, Optional, Tuple, Union

import requests

from .errors import (
    GeoEngineError,
    InputError,
    MalformedResponseError,
    NotFoundError,
    SessionExpiredError,
    UnauthorizedError,
    UninitializedError,
)
from .http import DEFAULT_TIMEOUT, HttpClient, Timeout, read_json

log = logging.getLogger(__name__)

ENV_EMAIL, ENV_PASSWORD, ENV_TOKEN = "GEOENGINE_EMAIL", "GEOENGINE_PASSWORD", "GEOENGINE_TOKEN"


# --------------------------------------------------------------------------------------- generations


@dataclass(frozen=True)
class ApiPaths:
    """Path names that differ between server generations (wire reference 4.1 and 14)."""

    version: str
    workflow: str  # POST /<workflow>, GET /<workflow>/{id}/metadata ...
    dataset_from_workflow: str  # POST /<dataset_from_workflow>/{id}
    layer_workflow_id: str  # POST /layers/{provider}/{layer}/<layer_workflow_id>
    layer_workflow_key: str  # the Layer JSON key holding the workflow
    zip_definition_name: str  # the workflow file inside allMetadata/zip


API_0_9 = ApiPaths("0.9", "workflow", "datasetFromWorkflow", "workflowId", "workflow", "workflow.json")
API_0_10 = ApiPaths(
    "0.10", "processingGraphs", "datasetFromProcessingGraph", "processingGraphId", "processingGraph",
    "processing_graph.json",
)
GENERATIONS = {"0.8": API_0_9, "0.9": API_0_9, "0.10": API_0_10}


def paths_for_version(version: str) -> ApiPaths:
    """``"0.10.0"`` and later -> the processing-graph paths; anything older -> the workflow paths."""
    match = re.match(r"^\s*v?(\d+)\.(\d+)", version or "")
    if not match:
        raise InputError(f"not a version like '0.9.3': {version!r}", field="api_version")
    major, minor = int(match.group(1)), int(match.group(2))
    return API_0_10 if (major, minor) >= (0, 10) else API_0_9


# --------------------------------------------------------------------------------------------- auth


class BearerAuth(requests.auth.AuthBase):
    """``requests`` auth adding the session's Bearer header (repr without the token)."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def __call__(self, request):
        request.headers.update(self._session.auth_header)
        return request

    def __repr__(self) -> str:
        return "BearerAuth(<hidden>)"


def _check_token(token: Any) -> str:
    if not isinstance(token, str):
        raise InputError("a session token must be a string", field="token")
    try:
        return str(uuid.UUID(token.strip()))
    except ValueError:
        raise InputError("a session token is a UUID; the given value is not (not shown)", field="token") from None


def _check_credentials(credentials: Any) -> Tuple[str, str]:
    if (not isinstance(credentials, (tuple, list)) or len(credentials) != 2
            or not all(isinstance(c, str) for c in credentials)):
        raise InputError("credentials are an (email, password) pair of strings", field="credentials")
    if not credentials[0].strip():
        raise InputError("the email must not be empty", field="credentials")
    return (credentials[0].strip(), credentials[1])


class Session:
    """One authenticated connection to a Geo Engine server (logs in when created)."""

    def __init__(
        self,
        server_url: str,
        credentials: Optional[Tuple[str, str]] = None,
        token: Optional[str] = None,
        *,
        timeout: Timeout = DEFAULT_TIMEOUT,
        proxies: Optional[Dict[str, str]] = None,
        verify: Union[bool, str] = True,
        user_agent: Optional[str] = None,
        api_version: Optional[str] = None,
        use_env: bool = True,
        trust_env: bool = True,
    ) -> None:
        if credentials is not None and token is not None:
            raise InputError("Cannot provide both credentials and token", field="credentials")
        self._http = HttpClient(server_url, timeout=timeout, proxies=proxies, verify=verify, user_agent=user_agent,
                                trust_env=trust_env)
        self._credentials: Optional[Tuple[str, str]] = None
        self._token: Optional[str] = None
        env = os.environ if use_env else {}
        if credentials is not None:
            self._kind, self._credentials = "credentials", _check_credentials(credentials)
        elif env.get(ENV_EMAIL) and env.get(ENV_PASSWORD) is not None:
            self._kind, self._credentials = "credentials", _check_credentials((env[ENV_EMAIL], env[ENV_PASSWORD]))
        elif token is not None:
            self._kind, self._token = "token", _check_token(token)
        elif env.get(ENV_TOKEN):
            self._kind, self._token = "token", _check_token(env[ENV_TOKEN])
        else:
            self._kind = "anonymous"
        self._lock = threading.RLock()
        self._paths: Optional[ApiPaths] = GENERATIONS.get(api_version) if api_version else None
        if api_version and self._paths is None:
            self._paths = paths_for_version(api_version)
        self._paths_fixed = api_version is not None
        self._server_version: Optional[str] = None
        self._closed = False
        self.user_id: Optional[str] = None
        self.valid_until: Optional[str] = None
        self.roles: Tuple[str, ...] = ()
        try:
            self._http.discover_api_root()
            self._login()
        except BaseException:
            self._http.close()
            raise

    # ----------------------------------------------------------------------------------- identity

    @property
    def server_url(self) -> str:
        """The API root found from the given URL (``GET <url>/info``, then ``<url>/api/info``), no trailing slash."""
        return self._http.server_url

    @property
    def kind(self) -> str:
        """``"credentials"``, ``"token"`` or ``"anonymous"``."""
        return self._kind

    @property
    def email(self) -> Optional[str]:
        return self._credentials[0] if self._credentials else None

    @property
    def timeout(self) -> Timeout:
        return self._http.timeout

    @property
    def proxies(self) -> Dict[str, str]:
        return dict(self._http.proxies)

    @property
    def auth_header(self) -> Dict[str, str]:
        """``{"Authorization": "Bearer <session id>"}`` (the official client's name)."""
        if self._token is None:
            raise SessionExpiredError("This session was logged out", error="SessionClosed")
        return {"Authorization": f"Bearer {self._token}"}

    def stream_options(self) -> Dict[str, Any]:
        """Proxy and TLS settings for the websocket streams: the same as this session's REST calls."""
        return self._http.stream_options()

    def headers(self) -> Dict[str, str]:
        """Headers for requests made outside this object (e.g. the websocket upgrade): auth + User-Agent."""
        return {**self.auth_header, "User-Agent": self._http.user_agent}

    def requests_bearer_auth(self) -> BearerAuth:
        return BearerAuth(self)

    def __repr__(self) -> str:
        user = f", user_id={self.user_id!r}" if self.user_id else ""
        until = f", valid_until={self.valid_until!r}" if self.valid_until else ""
        return f"Session(server_url={self.server_url!r}, kind={self._kind!r}{user}{until})"

    __str__ = __repr__

    # ------------------------------------------------------------------------------------ login

    def _login(self) -> None:
        method = "GET" if self._kind == "token" else "POST"
        if self._kind == "credentials":
            email, password = self._credentials
            response = self._http.send("POST", "login", json_body={"email": email, "password": password})
        elif self._kind == "token":
            try:
                response = self._http.send(method, "session", headers={"Authorization": f"Bearer {self._token}"})
            except UnauthorizedError as exc:
                if exc.is_session_invalid:
                    raise SessionExpiredError(
                        "The session token is invalid or has expired; log in again or supply a new token",
                        error=exc.error, status=exc.status, url=exc.url,
                    ) from None
                raise
        else:
            response = self._http.send("POST", "anonymous")
        body = read_json(response, method)
        if not isinstance(body, dict) or not isinstance(body.get("id"), str):
            raise MalformedResponseError("the session answer has no 'id'", url=f"{method} {response.url}")
        self._token = body["id"]
        user = body.get("user")
        self.user_id = user.get("id") if isinstance(user, dict) else None
        self.valid_until = body.get("validUntil")
        self.roles = tuple(body.get("roles") or ())
        self._closed = False
        log.debug("logged in to %s (%s session)", self.server_url, self._kind)

    def renew(self, stale_auth_header: Optional[Mapping[str, str]] = None) -> None:
        """Log in again after the server said "The session id is invalid.".

        Token sessions cannot be renewed: :class:`SessionExpiredError`. Pass the header that failed as
        ``stale_auth_header``; when another thread already renewed, nothing is sent.
        """
        with self._lock:
            if self._closed:
                raise SessionExpiredError("This session was logged out", error="SessionClosed")
            renewed_meanwhile = self._token is not None and dict(stale_auth_header or {}) != self.auth_header
            if stale_auth_header is not None and renewed_meanwhile:
                return
            if self._kind == "token":
                raise SessionExpiredError(
                    "The session has expired and was created from a token, so it cannot be renewed: "
                    "log in again or supply a new token",
                    error="Unauthorized", status=401,
                )
            log.info("session on %s expired; logging in again", self.server_url)
            self._login()

    def logout(self) -> None:
        """``POST /logout``; afterwards every request raises :class:`SessionExpiredError`."""
        with self._lock:
            if self._closed or self._token is None:
                return
            try:
                self._http.send("POST", "logout", headers=self.auth_header)
            finally:
                self._closed, self._token = True, None

    def close(self) -> None:
        """Release the connection pool (does not log out)."""
        self._http.close()

    def __enter__(self) -> Session:
        return self

    def __exit__(self, *exc_info) -> None:
        """``with Session(...) as s:`` logs out at the end (errors while logging out are logged, not raised)."""
        try:
            self.logout()
        except GeoEngineError as exc:
            log.warning("logout from %s failed: %s", self.server_url, exc)
        finally:
            self.close()

    # ----------------------------------------------------------------------------------- requests

    def url(self, path: str, params: Optional[Mapping[str, Any]] = None) -> str:
        return self._http.url(path, params)

    def ws_url(self, path: str, params: Optional[Mapping[str, Any]] = None) -> str:
        """The websocket URL (``ws://``/``wss://``) of ``path`` with an encoded query."""
        url = self._http.url(path, params)
        return "wss://" + url[len("https://"):] if url.startswith("https://") else "ws://" + url[len("http://"):]

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Optional[Mapping[str, Any]] = None,
        json_body: Any = None,
        headers: Optional[Mapping[str, str]] = None,
        timeout: Timeout = None,
        stream: bool = False,
        retry_on_expiry: bool = True,
    ) -> requests.Response:
        """An authenticated request; on an expired session: renew once and repeat (not for token sessions)."""
        auth = self.auth_header
        try:
            return self._http.send(method, path, params=params, json_body=json_body,
                                   headers={**(headers or {}), **auth}, timeout=timeout, stream=stream)
        except UnauthorizedError as exc:
            if not exc.is_session_invalid:
                raise
            if not retry_on_expiry or self._kind == "token":
                raise SessionExpiredError(
                    "The session has expired" + (" and was created from a token, so it cannot be renewed: "
                                                 "log in again or supply a new token" if self._kind == "token" else ""),
                    error=exc.error, status=exc.status, url=exc.url,
                ) from None
            self.renew(auth)
        try:
            return self._http.send(method, path, params=params, json_body=json_body,
                                   headers={**(headers or {}), **self.auth_header}, timeout=timeout, stream=stream)
        except UnauthorizedError as exc:
            if exc.is_session_invalid:
                raise SessionExpiredError("The session expired again right after logging in",
                                          error=exc.error, status=exc.status, url=exc.url) from None
            raise

    def get_json(self, path: str, params: Optional[Mapping[str, Any]] = None, timeout: Timeout = None) -> Any:
        return read_json(self.request("GET", path, params=params, timeout=timeout), "GET")

    def post_json(self, path: str, body: Any = None, timeout: Timeout = None) -> Any:
        response = self.request("POST", path, json_body=body, timeout=timeout)
        return read_json(response, "POST") if response.content else None

    # --------------------------------------------------------------------------------- generations

    @property
    def server_version(self) -> Optional[str]:
        """The version from ``GET /info`` (``None`` when the server has no ``/info``)."""
        self.api_paths  # noqa: B018 - triggers the detection
        return self._server_version

    @property
    def api_paths(self) -> ApiPaths:
        """The path family of this server, detected once (``GET /info``), or the forced one."""
        with self._lock:
            if self._paths is None:
                self._paths = self._detect_paths()
            return self._paths

    @property
    def api_generation(self) -> str:
        """``"0.9"`` (``/workflow...``) or ``"0.10"`` (``/processingGraphs...``)."""
        return self.api_paths.version

    def _detect_paths(self) -> ApiPaths:
        try:
            if self._http.info_missing:
                raise NotFoundError("the server has no /info", error="NotFound")
            info = self._http.info or read_json(self._http.send("GET", "info"))
            self._server_version = str(info.get("version")) if isinstance(info, dict) else None
        except GeoEngineError as exc:
            log.debug("no server version from /info (%s); falling back on 404s", exc)
            return API_0_9
        try:
            paths = paths_for_version(self._server_version or "")
        except InputError:
            return API_0_9
        return paths

    def workflow_request(self, method: str, template: str, **kwargs) -> requests.Response:
        """A request to a generation-dependent path.

        ``template`` uses ``{workflow}`` and ``{dataset_from_workflow}``, e.g. ``"{workflow}/<id>/metadata"``.
        If the server answers 404 (route unknown) and the generation was not forced, the other family is tried
        once and, when it works, kept for this session.
        """
        paths = self.api_paths
        try:
            return self.request(method, _fill(template, paths), **kwargs)
        except NotFoundError:
            if self._paths_fixed:
                raise
            other = API_0_10 if paths is API_0_9 else API_0_9
            response = self.request(method, _fill(template, other), **kwargs)
            with self._lock:
                self._paths, self._paths_fixed = other, True
            log.info("server %s uses the %s path family", self.server_url, other.version)
            return response


def _fill(template: str, paths: ApiPaths) -> str:
    return template.format(workflow=paths.workflow, dataset_from_workflow=paths.dataset_from_workflow)


# ------------------------------------------------------------------------------- module-level default

_default: Optional[Session] = None
_default_lock = threading.Lock()


def initialize(
    server_url: str,
    credentials: Optional[Tuple[str, str]] = None,
    token: Optional[str] = None,
    **options: Any,
) -> Session:
    """Create the default session (see :class:`Session` for the options) and return it."""
    global _default
    session = Session(server_url, credentials, token, **options)
    with _default_lock:
        _default = session
    return session


def get_session() -> Session:
    """The default session; :class:`UninitializedError` before :func:`initialize`."""
    if _default is None:
        raise UninitializedError()
    return _default


def reset(logout: bool = True) -> None:
    """Forget the default session, logging it out first unless ``logout=False``."""
    global _default
    with _default_lock:
        session, _default = _default, None
    if session is not None:
        try:
            if logout:
                session.logout()
        finally:
            session.close()


def resolve_session(session: Optional[Session]) -> Session:
    """``session`` if given, else the default one."""
    return session if session is not None else get_session()
