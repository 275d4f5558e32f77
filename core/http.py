"""HTTP transport: URL normalisation, Geo Engine's query encoding, and mapping failures to ``core.errors``.

No authentication logic lives here (see :mod:`.session`); this module only sends what it is given and
turns every failure into a :class:`~.errors.GeoEngineError` whose message and URL never hold a token
(Geo Engine reads the token only from the ``Authorization`` header, which is never logged or quoted).

Credentials stay with the API root: redirects are followed by hand and only while they stay below it
(scheme, host, port and normalised path, see :mod:`.urlscope`); any other redirect is an error naming its
target, so neither a header nor a login body is re-sent elsewhere. ``~/.netrc`` is never read.

The API root is found, not assumed: ``GET <url>/info``, then ``GET <url>/api/info`` (see
:func:`discover_api_root`), so both ``http://host:3030`` and an exact root behind a proxy work.
"""

from __future__ import annotations

import json
import logging
import ssl
from typing import Any, Dict, Mapping, Optional, Union
from urllib.parse import quote, urljoin, urlsplit, urlunsplit

import requests

from .errors import (
    GeoEngineConnectionError,
    GeoEngineError,
    GeoEngineTimeoutError,
    InputError,
    MalformedResponseError,
    error_class_for_status,
)
from .urlscope import ApiScope, remove_dot_segments

CLIENT_VERSION = "0.1.0"
USER_AGENT = f"geoengine-qgis/{CLIENT_VERSION}"
DEFAULT_TIMEOUT = 60.0

Timeout = Union[float, tuple, None]

log = logging.getLogger(__name__)

MAX_REDIRECTS = 5
_REDIRECTS = (301, 302, 303, 307, 308)


class RedirectRefusedError(GeoEngineError):
    """The server redirected a request out of the API root (or repeated a body): not followed."""


class TlsError(GeoEngineConnectionError):
    """The TLS handshake failed (untrusted or invalid certificate, protocol mismatch)."""


def clean_server_url(server_url: str) -> str:
    """The URL as given, checked (http(s), a host, no credentials/query/fragment), dot segments and the trailing
    slash removed: ``http://host:3030/`` -> ``http://host:3030``."""
    if not isinstance(server_url, str) or not server_url.strip():
        raise InputError("a server URL like http://localhost:3030/api is required", field="server_url")
    parts = urlsplit(server_url.strip())
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise InputError(f"not an http(s) URL: {_without_userinfo(server_url)!r}", field="server_url")
    if parts.username or parts.password:
        raise InputError("credentials must not be part of the server URL", field="server_url")
    if parts.query or parts.fragment:
        raise InputError(f"the server URL may not have a query or fragment: {parts.netloc}{parts.path}",
                         field="server_url")
    path = remove_dot_segments(parts.path or "/").rstrip("/")
    return urlunsplit((parts.scheme.lower(), parts.netloc, path, "", ""))


def _without_userinfo(url: str) -> str:
    parts = urlsplit(url.strip())
    netloc = parts.netloc.rsplit("@", 1)[-1]
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def normalize_server_url(server_url: str) -> str:
    """The API root when the server cannot be asked: ``http://host:3030`` and ``.../api/`` -> ``.../api``."""
    url = clean_server_url(server_url)
    return url if url.endswith("/api") else f"{url}/api"


def _looks_like_info(response: requests.Response) -> Optional[dict]:
    """Geo Engine's ``/info`` body (``ServerInfo``: ``version`` with ``buildDate``/``commitHash``) or None.

    geo-engine/geoengine@5748ef7:api-clients/python/geoengine_api_client/models/server_info.py names the fields.
    """
    if response.status_code != 200:
        return None
    try:
        body = response.json()
    except ValueError:
        return None
    if not isinstance(body, dict) or not isinstance(body.get("version"), str):
        return None
    return body if "buildDate" in body or "commitHash" in body else None


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


class _NoNetrc(requests.auth.AuthBase):
    """Set as the session's auth so ``requests`` never replaces our headers with ``~/.netrc`` entries."""

    def __call__(self, request):
        return request


class HttpClient:
    """A ``requests.Session`` bound to one API root, with timeouts, proxies and error mapping.

    ``server_url`` is taken as the API root until :meth:`discover_api_root` asks the server.
    """

    def __init__(
        self,
        server_url: str,
        timeout: Timeout = DEFAULT_TIMEOUT,
        proxies: Optional[Dict[str, str]] = None,
        verify: Union[bool, str] = True,
        user_agent: Optional[str] = None,
        trust_env: bool = True,
    ) -> None:
        self.given_url = clean_server_url(server_url)
        self.server_url = normalize_server_url(server_url)
        self.info: Optional[dict] = None  # the /info body found by discover_api_root
        self.info_missing = False  # True when discover_api_root found no /info at all
        self.timeout = timeout
        self.proxies = dict(proxies or {})
        self.user_agent = user_agent or USER_AGENT
        self._session = requests.Session()
        self._session.verify = verify
        self._session.trust_env = trust_env  # False: ignore HTTP(S)_PROXY/NO_PROXY and CA variables
        self._session.auth = _NoNetrc()  # never ~/.netrc, whatever trust_env says
        if self.proxies:
            self._session.proxies.update(self.proxies)

    def stream_options(self) -> Dict[str, Any]:
        """``proxy`` and ``ssl_context`` for a websocket to this server, matching the REST settings.

        The proxy: the explicit one for the scheme; else the environment's only when ``trust_env``; else none.
        TLS: the CA bundle file given as ``verify`` (e.g. QGIS's trusted CAs), else the default trust store.
        """
        scheme = urlsplit(self.server_url).scheme
        proxy: Any = self.proxies.get(scheme) or (True if self._session.trust_env else None)
        verify = self._session.verify
        context = ssl.create_default_context(cafile=verify if isinstance(verify, str) else None) \
            if scheme == "https" else None
        return {"proxy": proxy, "ssl_context": context}

    def discover_api_root(self) -> str:
        """Ask the server where its API is: ``GET <url>/info``, then ``GET <url>/api/info``.

        The first that answers Geo Engine's ``/info`` becomes :attr:`server_url` (its body :attr:`info`);
        when neither does (an old server without ``/info``) the URL is taken as given, ``/api`` appended
        unless it ends with it. No credentials are sent; a server that cannot be reached raises.
        """
        candidates = [self.given_url]
        if not self.given_url.endswith("/api"):
            candidates.append(f"{self.given_url}/api")
        for root in candidates:
            try:
                response = self._raw("GET", f"{root}/info", {"User-Agent": self.user_agent}, None, None, False)
            except GeoEngineError as exc:
                if isinstance(exc, (GeoEngineConnectionError, GeoEngineTimeoutError)):
                    raise
                continue  # e.g. a redirect out of this root: not the API
            info = _looks_like_info(response)
            response.close()
            if info is not None:
                self.server_url, self.info = root, info
                return root
        self.server_url = normalize_server_url(self.given_url)
        self.info_missing = True  # the root was asked for /info above: no need to ask again
        return self.server_url

    def in_scope(self, url: str) -> bool:
        """True for URLs below the API root, the only ones that get credentials."""
        return ApiScope.parse(self.server_url).covers(url)

    def url(self, path: str, params: Optional[Mapping[str, Any]] = None) -> str:
        """The absolute URL of ``path`` (relative to the API root) with an encoded query."""
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
        if not self.in_scope(url):  # e.g. an id from a server holding "../": never send credentials elsewhere
            raise InputError(f"the request path {path!r} leaves the API root {self.server_url}", field="path")
        all_headers = {"User-Agent": self.user_agent}
        data = None
        if json_body is not None:
            all_headers["Content-Type"] = "application/json"
            data = json.dumps(json_body).encode("utf-8")
        all_headers.update(headers or {})
        response = self._raw(method, url, all_headers, data, timeout, stream)
        log.debug("%s -> %s", describe_request(method, url), response.status_code)
        if response.status_code >= 400:
            error = error_from_response(response, method)
            response.close()
            raise error
        return response

    def _raw(self, method: str, url: str, headers: Mapping[str, str], data: Optional[bytes], timeout: Timeout,
             stream: bool) -> requests.Response:
        """One request, following redirects by hand only while they stay below the API root.

        A 307/308 repeats method and body; a 301/302/303 of a GET/HEAD repeats the GET. Anything else (a
        redirect elsewhere, a body that would be dropped or changed) raises :class:`RedirectRefusedError`.
        """
        for _ in range(MAX_REDIRECTS + 1):
            response = self._once(method, url, headers, data, timeout, stream)
            if response.status_code not in _REDIRECTS or "Location" not in response.headers:
                return response
            target = urljoin(url, response.headers["Location"])
            response.close()
            repeatable = response.status_code in (307, 308) or method.upper() in ("GET", "HEAD")
            if not (repeatable and self.in_scope(target) and self.in_scope(url)):
                raise RedirectRefusedError(
                    f"the server redirected to {_without_userinfo(target)}, outside the API root "
                    f"{self.server_url}; not followed, so no credentials went there",
                    error="Redirect", status=response.status_code, url=describe_request(method, url))
            url = target
        raise RedirectRefusedError(f"more than {MAX_REDIRECTS} redirects", error="Redirect",
                                   url=describe_request(method, url))

    def _once(self, method: str, url: str, headers: Mapping[str, str], data: Optional[bytes], timeout: Timeout,
              stream: bool) -> requests.Response:
        where = describe_request(method, url)
        try:
            # verify per request: a session-level CA bundle would lose to REQUESTS_CA_BUNDLE/CURL_CA_BUNDLE
            return self._session.request(method, url, data=data, headers=dict(headers), verify=self._session.verify,
                                         timeout=timeout or self.timeout, stream=stream, allow_redirects=False)
        except requests.exceptions.SSLError as exc:
            raise TlsError(self._tls_message(exc), error="TlsError", url=where) from exc
        except requests.Timeout as exc:
            raise GeoEngineTimeoutError(
                f"no answer within {timeout or self.timeout} s", error="Timeout", url=where
            ) from exc
        except requests.ConnectionError as exc:
            raise GeoEngineConnectionError(self._connection_message(exc), error="ConnectionError", url=where) from exc
        except requests.RequestException as exc:
            raise GeoEngineConnectionError(f"request failed: {type(exc).__name__}", url=where) from exc

    def _tls_message(self, exc: Exception) -> str:
        host = urlsplit(self.server_url).netloc
        reason = str(exc)
        if "CERTIFICATE_VERIFY_FAILED" in reason or "certificate verify failed" in reason:
            return (f"TLS failure: the certificate of {host} is not trusted (add its CA in QGIS Settings > Options "
                    "> Authentication > Certificate Manager, or check the server's certificate)")
        return f"TLS failure talking to {host}: {reason[:200]}"

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
