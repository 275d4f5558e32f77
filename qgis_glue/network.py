"""Bearer tokens for QGIS's own requests (WMS/WCS layers...) to Geo Engine servers with a session.

:class:`BearerHeaderInjector` registers one request preprocessor with ``QgsNetworkAccessManager``.
It adds ``Authorization: Bearer <session>`` to requests whose URL lies below the API root of a
connection that has an active session, so layer URIs never hold a token. Other hosts, other ports,
other path prefixes and requests that already carry an ``Authorization`` header are left alone.
The URL is compared the way Qt will send it (dot segments resolved, see ``core.urlscope``), and a request
that gets the token never follows a redirect by itself (QGIS >= 3.42 follows redirects and Qt copies
the header): QGIS code that follows one makes a new request, which passes through here again.
The preprocessor runs on whatever thread makes the request, so the token table is locked.
"""

from __future__ import annotations

import threading
from typing import Callable, Dict, Optional

from qgis.core import QgsNetworkAccessManager
from qgis.PyQt.QtCore import QUrl
from qgis.PyQt.QtNetwork import QNetworkRequest

from ..core.urlscope import ApiScope

AUTHORIZATION = b"Authorization"


def sent_url(request: QNetworkRequest) -> str:
    """The request's URL as Qt sends it: dot segments resolved, fully encoded."""
    url = request.url().adjusted(QUrl.UrlFormattingOption.NormalizePathSegments)
    return url.toString(QUrl.ComponentFormattingOption.FullyEncoded)


class BearerHeaderInjector:
    """Holds the tokens of active sessions and applies them through a QGIS request preprocessor."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._tokens: Dict[ApiScope, Callable[[], Optional[str]]] = {}
        self._preprocessor_id: Optional[str] = None
        self._failures = 0  # preprocess() errors swallowed (counted for diagnostics and tests)

    @property
    def installed(self) -> bool:
        return self._preprocessor_id is not None

    def install(self) -> None:
        """Register the preprocessor (once)."""
        if self._preprocessor_id is None:
            self._preprocessor_id = QgsNetworkAccessManager.setRequestPreprocessor(self.preprocess)

    def uninstall(self) -> None:
        """Remove the preprocessor and forget every token."""
        if self._preprocessor_id is not None:
            try:
                QgsNetworkAccessManager.removeRequestPreprocessor(self._preprocessor_id)
            except KeyError:  # already gone (PyQGIS raises for unknown ids)
                pass
            self._preprocessor_id = None
        with self._lock:
            self._tokens.clear()

    def set_token(self, api_url: str, token: str) -> None:
        """Send ``token`` with requests below ``api_url`` (replaces an earlier token for it)."""
        if not token:
            raise ValueError("empty session token")
        self.set_token_source(api_url, lambda: token)

    def set_token_source(self, api_url: str, source: Callable[[], Optional[str]]) -> None:
        """Ask ``source()`` for the current token on each request (follows session renewals; None = skip)."""
        with self._lock:
            self._tokens[ApiScope.parse(api_url)] = source

    @property
    def prefixes(self) -> list:
        """The API base URLs that currently get a token (for tests and diagnostics; no tokens)."""
        with self._lock:
            return list(self._tokens)

    def remove_token(self, api_url: str) -> None:
        with self._lock:
            self._tokens.pop(ApiScope.parse(api_url), None)

    def token_for(self, url: str) -> Optional[str]:
        """The token for ``url``; the longest matching prefix wins."""
        with self._lock:
            matches = [(len(prefix.path), source) for prefix, source in self._tokens.items() if prefix.covers(url)]
        if not matches:
            return None
        source = max(matches, key=lambda match: match[0])[1]
        try:
            return source()
        except Exception:  # noqa: BLE001 - a logged-out session has no token; never break QGIS's request
            return None

    def preprocess(self, request: QNetworkRequest) -> str:
        """The preprocessor: mutates ``request`` in place.

        Never raises, and returns a string: the PyQGIS 3.22 binding converts the callable's result to a
        QString without checking for an exception, so a preprocessor that raises crashes QGIS (checked:
        segmentation fault on the next request).
        """
        try:
            if not request.hasRawHeader(AUTHORIZATION):
                token = self.token_for(sent_url(request))
                if token is not None:
                    request.setRawHeader(AUTHORIZATION, b"Bearer " + token.encode("ascii"))
                    request.setAttribute(QNetworkRequest.Attribute.RedirectPolicyAttribute,
                                         QNetworkRequest.RedirectPolicy.ManualRedirectPolicy)
        except Exception:  # noqa: BLE001 - see above; a broken token source must not take QGIS down
            self._failures += 1
        return ""
