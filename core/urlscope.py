"""The scope of a session's credentials: one scheme, host, port and API path, compared after normalisation.

A token or password goes only to URLs this scope covers. Paths are compared after removing dot segments
(RFC 3986 5.2.4, with ``%2e`` read as ``.``), so ``/api/../other`` is not below ``/api``; paths holding an
encoded slash or backslash are never covered (servers and proxies decode them differently).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional
from urllib.parse import urlsplit

DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443}
_SAME_SCHEME = {"ws": "http", "wss": "https"}
_AMBIGUOUS = ("%2f", "%5c", "\\")


def remove_dot_segments(path: str) -> str:
    """``/a/b/../c/./d`` -> ``/a/c/d`` (RFC 3986 5.2.4); ``%2e`` counts as a dot."""
    segments = path.split("/")
    out: list = []
    for index, raw in enumerate(segments):
        segment = raw.replace("%2e", ".").replace("%2E", ".")
        last = index == len(segments) - 1
        if segment == ".":
            if last:
                out.append("")
            continue
        if segment == "..":
            if len(out) > 1:
                out.pop()
            if last:
                out.append("")
            continue
        out.append(raw)
    result = "/".join(out)
    return result if result.startswith("/") else "/" + result


@dataclass(frozen=True)
class ApiScope:
    """Scheme (``http``/``https``; ``ws``/``wss`` count as these), host, port and normalised path prefix."""

    scheme: str
    host: str
    port: int
    path: str

    @classmethod
    def parse(cls, url: str) -> ApiScope:
        parts = urlsplit(url.strip())
        scheme = parts.scheme.lower()
        scheme = _SAME_SCHEME.get(scheme, scheme)
        if scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"not an http(s) URL with a host: {url!r}")
        try:
            port = parts.port or DEFAULT_PORTS[scheme]
        except ValueError:
            raise ValueError(f"not a valid port in {url!r}") from None
        return cls(scheme, parts.hostname.lower().rstrip("."), port, remove_dot_segments(parts.path).rstrip("/"))

    def covers(self, url: str) -> bool:
        """True for ``url`` on the same scheme/host/port whose normalised path is this path or below it."""
        try:
            other = ApiScope.parse(url)
        except ValueError:
            return False
        if (other.scheme, other.host, other.port) != (self.scheme, self.host, self.port):
            return False
        if any(mark in urlsplit(url).path.lower() for mark in _AMBIGUOUS):
            return False
        return other.path == self.path or other.path.startswith(self.path + "/")


def covered(api_root: str, url: str) -> bool:
    """``ApiScope.parse(api_root).covers(url)``; False when ``api_root`` is not an http(s) URL."""
    scope: Optional[ApiScope]
    try:
        scope = ApiScope.parse(api_root)
    except ValueError:
        return False
    return scope.covers(url)
