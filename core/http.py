"""HTTP transport: URL normalisation, Geo Engine's query encoding, and mapping failures to ``core.errors``.

No authentication logic lives here (see :mod:`.session`); this module only sends what it is given and
turns every failure into a :class:`~.errors.GeoEngineError` whose message and URL never hold a token
(Geo Engine reads the token only from the ``Authorization`` header, which is never logged or quoted).
"""

from __future__ import annotations

import json
import logging
from typing import Any, Dict, Mapping, Optional, Union
from urllib.parse import quote, urlsplit, urlunsplit

import requests

from .errors import (
    GeoEngineConnectionError,
    GeoEngineError,
    GeoEngineTimeoutError,
    InputError,
    MalformedResponseError,
    error_class_for_status,
)

CLIENT_VERSION = "0.1.0"
USER_AGENT = f"geoengine-qgis/{CLIENT_VERSION}"
DEFAULT_TIMEOUT = 60.0

Timeout = Union[float, tuple, None]

log = logging.getLogger(__name__)


def normalize_server_url(server_url: str) -> str:
    """``http://host:3030``, ``.../api`` and ``.../api/`` all become ``http://host:3030/api``."""
    if not isinstance(server_url, str) or not server_url.strip():
        raise InputError("a server URL like http://localhost:3030/api is required", field="server_url")
    parts = urlsplit(server_url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise InputError(f"not an http(s) URL: {server_url!r}", field="server_url")
    if parts.username or parts.password:
        raise InputError("credentials must not be part of the server URL", field="server_url")
    path = parts.path.rstrip("/")
    if not path.endswith("/api"):
        path = f"{path}/api"
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))


def encode_query_value(value: Any) -> str:
    """One query value as Geo Engine's clients send it: booleans ``true``/``false``, ``+`` as ``%2B``."""
    if isinstance(value, bool):
        value = "true" if value else "false"
    return quote(str(value), safe="/")


def encode_query(params: Optional[Mapping[str, Any]]) -> str:
    """``key=value&...`` with each value percent-encoded on its own (``None`` values left out)."""
    if not params:
        return ""
    return "&".join(f"{quote(str(k), safe='')}={encode_query_value(v)}" for k, v in params.items() if v is not None)


def _message_from_body(response: requests.Response) -> Optional[dict]:
    try:
        body = response.json()
    except ValueError:
        return None
    if isinstance(body, dict) and ("error" in body or "message" in body):
        return body
    return None


def describe_request(method: str, url: str) -> str:
    return f"{method.upper()} {url}"


def error_from_response(response: requests.Response, method: str) -> GeoEngineError:
    """The exception for an HTTP error response (status + Geo Engine's ``error``/``message``)."""
    where = describe_request(method, response.url)
    body = _message_from_body(response)
    status = response.status_code
    if body is None:
        snippet = " ".join(response.text[:300].split()) if response.content else "(empty body)"
        return MalformedResponseError(f"HTTP {status} {response.reason or ''} with a non-JSON body: {snippet}".strip(),
                                      error=None, status=status, url=where)
    error_class = error_class_for_status(status)
    return error_class(str(body.get("message", "")), error=body.get("error"), status=status, url=where)


def read_json(response: requests.Response, method: str = "GET") -> Any:
    """The JSON body of a successful response, or :class:`MalformedResponseError`."""
    try:
        return response.json()
    except ValueError:
        snippet = " ".join(response.text[:200].split())
        raise MalformedResponseError(
            f"expected JSON, got {response.headers.get('Content-Type', 'no content type')}: {snippet!r}",
            status=response.status_code,
            url=describe_request(method, response.url),
        ) from None


class HttpClient:
    """A ``requests.Session`` bound to one server URL, with timeouts, proxies and error mapping."""

    def __init__(
        self,
        server_url: str,
        timeout: Timeout = DEFAULT_TIMEOUT,
        proxies: Optional[Dict[str, str]] = None,
        verify: Union[bool, str] = True,
        user_agent: Optional[str] = None,
        trust_env: bool = True,
    ) -> None:
        self.server_url = normalize_server_url(server_url)
        self.timeout = timeout
        self.proxies = dict(proxies or {})
        self.user_agent = user_agent or USER_AGENT
        self._session = requests.Session()
        self._session.verify = verify
        self._session.trust_env = trust_env  # False: ignore HTTP(S)_PROXY/NO_PROXY and .netrc from the environment
        if self.proxies:
            self._session.proxies.update(self.proxies)

    def url(self, path: str, params: Optional[Mapping[str, Any]] = None) -> str:
        """The absolute URL of ``path`` (relative to ``.../api``) with an encoded query."""
        url = f"{self.server_url}/{path.lstrip('/')}"
        query = encode_query(params)
        return f"{url}?{query}" if query else url

    def send(
        self,
        method: str,
        path: str,
        *,
        params: Optional[Mapping[str, Any]] = None,
        json_body: Any = None,
        headers: Optional[Mapping[str, str]] = None,
        timeout: Timeout = None,
        stream: bool = False,
    ) -> requests.Response:
        """Send one request; any non-2xx status or transport failure raises a :class:`GeoEngineError`."""
        url = self.url(path, params)
        all_headers = {"User-Agent": self.user_agent}
        data = None
        if json_body is not None:
            all_headers["Content-Type"] = "application/json"
            data = json.dumps(json_body).encode("utf-8")
        all_headers.update(headers or {})
        where = describe_request(method, url)
        try:
            response = self._session.request(
                method, url, data=data, headers=all_headers, timeout=timeout or self.timeout, stream=stream
            )
        except requests.Timeout as exc:
            raise GeoEngineTimeoutError(
                f"no answer within {timeout or self.timeout} s", error="Timeout", url=where
            ) from exc
        except requests.ConnectionError as exc:
            raise GeoEngineConnectionError(self._connection_message(exc), error="ConnectionError", url=where) from exc
        except requests.RequestException as exc:
            raise GeoEngineConnectionError(f"request failed: {type(exc).__name__}", url=where) from exc
        log.debug("%s -> %s", where, response.status_code)
        if response.status_code >= 400:
            error = error_from_response(response, method)
            response.close()
            raise error
        return response

    def _connection_message(self, exc: Exception) -> str:
        host = urlsplit(self.server_url).netloc
        text = f"cannot connect to the Geo Engine server at {host}"
        reason = str(exc).lower()
        if isinstance(exc, requests.exceptions.ProxyError) or "proxy" in reason:
            text += " through the proxy (check the proxy settings)"
        elif "refused" in reason:
            text += " (connection refused: is the server running and the URL right?)"
        elif self.proxies:
            text += " (check the proxy settings)"
        return text

    def close(self) -> None:
        self._session.close()
