"""Saved Geo Engine connections: name, server URL and how to log in.

The URL is kept as the user gave it: a base URL (``https://host``) or an exact API root
(``https://host/geoengine/api``); ``core`` finds the API root with ``GET <url>/info``, then ``<url>/api/info``.

A connection is stored in QgsSettings under ``geoengine/connections/<name>/`` with the keys ``url``,
``auth_kind`` and ``authcfg``. Secrets never go there: an email/password pair and a pasted session
token both live in the QGIS Authentication Manager as a "Basic" configuration and the connection keeps
only its id. Credentials are read from the Auth Manager when a session is opened, never before.

Auth kinds:

* ``anonymous`` - ``POST /anonymous``;
* ``password`` - a Basic config (username = email) picked with QGIS's own config selector -> ``POST /login``;
* ``token`` - a Basic config made by the plugin, username ``geoengine-token``, password = the session
  token -> ``GET /session`` with the token. QGIS 3.22 has no "API Header" auth method, and the plugin
  never attaches this config to layers (QGIS would send it as HTTP Basic), so Basic is a safe container.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Callable, List, Optional, Union
from urllib.parse import urlsplit

from qgis.core import QgsApplication, QgsAuthMethodConfig, QgsSettings

from .i18n import QT_TR_NOOP, tr

SETTINGS_ROOT = "geoengine/connections"
ANONYMOUS, PASSWORD, TOKEN = "anonymous", "password", "token"
AUTH_KINDS = (ANONYMOUS, PASSWORD, TOKEN)
AUTH_KIND_LABELS = {ANONYMOUS: QT_TR_NOOP("Anonymous"), PASSWORD: QT_TR_NOOP("Email and password"),
                    TOKEN: QT_TR_NOOP("Session token")}  # translated where shown
TOKEN_USERNAME = "geoengine-token"  # nosec B105 # a username marking token configs
BASIC_METHOD = "Basic"


class ConnectionSettingsError(ValueError):
    """A connection that cannot be saved or used; the message names the problem."""


def is_loopback(host: str) -> bool:
    """True for ``localhost`` and loopback addresses (127.0.0.0/8, ::1)."""
    host = (host or "").strip("[]").lower().rstrip(".")
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def cleartext_warning(url: str) -> str:
    """A warning for plain ``http`` to a host other than this computer; "" for https and loopback."""
    parts = urlsplit((url or "").strip())
    if parts.scheme.lower() != "http" or not parts.hostname or is_loopback(parts.hostname):
        return ""
    return tr("Plain http to {host}: passwords, session tokens and data travel unencrypted and can be read or "
              "changed on the way. Use https unless the server is on this computer.").format(host=parts.hostname)


@dataclass(frozen=True)
class Connection:
    """A saved connection; ``authcfg`` is the Auth Manager id (empty for anonymous)."""

    name: str
    url: str
    auth_kind: str = ANONYMOUS
    authcfg: str = ""

    def validated(self, require_authcfg: bool = True) -> Connection:
        """A normalised copy (trimmed name, URL without trailing slash), or :class:`ConnectionSettingsError`.

        ``require_authcfg=False`` accepts a missing auth config (testing a token that is not saved yet).
        """
        name = self.name.strip()
        if not name:
            raise ConnectionSettingsError("The connection needs a name.")
        if "/" in name or "\\" in name:
            raise ConnectionSettingsError(f"The connection name may not contain '/' or '\\': {name!r}")
        url = self.url.strip().rstrip("/")
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ConnectionSettingsError(f"The server URL must start with http:// or https:// and name a host: "
                                          f"{url!r}")
        if parts.query or parts.fragment:
            raise ConnectionSettingsError(f"The server URL may not have a query or fragment: {url!r}")
        if parts.username or parts.password:
            raise ConnectionSettingsError("Put credentials in the Authentication Manager, not in the URL.")
        if self.auth_kind not in AUTH_KINDS:
            raise ConnectionSettingsError(f"Unknown authentication kind {self.auth_kind!r}; use one of {AUTH_KINDS}")
        if self.auth_kind != ANONYMOUS and not self.authcfg and require_authcfg:
            raise ConnectionSettingsError(f"{AUTH_KIND_LABELS[self.auth_kind]} needs an authentication configuration.")
        return Connection(name, url, self.auth_kind, self.authcfg if self.auth_kind != ANONYMOUS else "")


SAVED, DELETED = "saved", "deleted"
# listener(event, connection): told after a connection was saved or deleted (e.g. the session manager logs out)
_listeners: List[Callable[[str, Connection], None]] = []


def add_listener(listener: Callable[[str, Connection], None]) -> None:
    if listener not in _listeners:
        _listeners.append(listener)


def remove_listener(listener: Callable[[str, Connection], None]) -> None:
    if listener in _listeners:
        _listeners.remove(listener)


def _tell(event: str, connection: Connection) -> None:
    for listener in list(_listeners):
        try:
            listener(event, connection)
        except Exception as exc:  # noqa: BLE001 - a listener must not stop the store
            from .messages import log

            log(f"Geo Engine connection {event}: a listener failed: {type(exc).__name__}: {exc}")


class ConnectionStore:
    """Reads and writes connections in QgsSettings; listeners (:func:`add_listener`) hear of saves and deletes."""

    def __init__(self, root: str = SETTINGS_ROOT) -> None:
        self._root = root

    def names(self) -> List[str]:
        settings = QgsSettings()
        settings.beginGroup(self._root)
        try:
            return sorted(settings.childGroups(), key=str.lower)
        finally:
            settings.endGroup()

    def load(self, name: str) -> Connection:
        if name not in self.names():
            raise KeyError(f"no saved Geo Engine connection named {name!r}")
        settings = QgsSettings()
        prefix = f"{self._root}/{name}/"
        return Connection(
            name=name,
            url=str(settings.value(prefix + "url", "")),
            auth_kind=str(settings.value(prefix + "auth_kind", ANONYMOUS)),
            authcfg=str(settings.value(prefix + "authcfg", "") or ""),
        )

    def all(self) -> List[Connection]:
        return [self.load(name) for name in self.names()]

    def save(self, connection: Connection, previous_name: Optional[str] = None) -> Connection:
        """Store a validated copy (renaming from ``previous_name`` if given) and return it."""
        connection = connection.validated()
        if connection.name != previous_name and connection.name in self.names():
            raise ConnectionSettingsError(f"A connection named {connection.name!r} already exists.")
        if previous_name and previous_name != connection.name:
            self._remove_group(previous_name)
        settings = QgsSettings()
        prefix = f"{self._root}/{connection.name}/"
        settings.setValue(prefix + "url", connection.url)
        settings.setValue(prefix + "auth_kind", connection.auth_kind)
        settings.setValue(prefix + "authcfg", connection.authcfg)
        settings.sync()
        _tell(SAVED, connection)
        return connection

    def delete(self, name: str, remove_token_config: bool = True) -> None:
        """Forget a connection; a token config the plugin made for it is removed from the Auth Manager too."""
        connection = self.load(name)
        if remove_token_config and connection.auth_kind == TOKEN and connection.authcfg:
            if _is_plugin_token_config(connection.authcfg):
                QgsApplication.authManager().removeAuthenticationConfig(connection.authcfg)
        self._remove_group(name)
        _tell(DELETED, connection)

    def _remove_group(self, name: str) -> None:
        settings = QgsSettings()
        settings.remove(f"{self._root}/{name}")
        settings.sync()


# --- credentials in the Auth Manager -------------------------------------------------------------


@dataclass(frozen=True)
class PasswordCredentials:
    email: str
    password: str

    def __repr__(self) -> str:  # never print the password
        return f"PasswordCredentials(email={self.email!r}, password=***)"


@dataclass(frozen=True)
class TokenCredentials:
    token: str

    def __repr__(self) -> str:
        return "TokenCredentials(token=***)"


Credentials = Union[None, PasswordCredentials, TokenCredentials]


def _load_config(authcfg: str) -> QgsAuthMethodConfig:
    manager = QgsApplication.authManager()
    if manager.isDisabled():
        raise ConnectionSettingsError("The QGIS Authentication Manager is disabled (no Qt SQL/crypto support).")
    config = QgsAuthMethodConfig()
    ok = manager.loadAuthenticationConfig(authcfg, config, True)
    if isinstance(ok, tuple):  # PyQGIS returns (ok, config) on some versions
        ok, config = ok
    if not ok or not config.isValid(True):
        raise ConnectionSettingsError(
            f"Authentication configuration {authcfg!r} cannot be read (missing, or the master password was "
            "not entered)."
        )
    return config


def load_credentials(connection: Connection) -> Credentials:
    """Read the connection's secret from the Auth Manager (may ask for the master password)."""
    if connection.auth_kind == ANONYMOUS:
        return None
    config = _load_config(connection.authcfg)
    if config.method() != BASIC_METHOD:
        raise ConnectionSettingsError(
            f"Authentication configuration {connection.authcfg!r} uses method {config.method()!r}; "
            "Geo Engine connections need a Basic (username/password) configuration."
        )
    username, password = config.config("username"), config.config("password")
    if connection.auth_kind == TOKEN:
        if not password:
            raise ConnectionSettingsError("The stored session token is empty.")
        return TokenCredentials(password.strip())
    if not username or not password:
        raise ConnectionSettingsError("The authentication configuration needs both an email (username) and a password.")
    return PasswordCredentials(username, password)


def _is_plugin_token_config(authcfg: str) -> bool:
    try:
        config = _load_config(authcfg)
    except ConnectionSettingsError:
        return False
    return config.method() == BASIC_METHOD and config.config("username") == TOKEN_USERNAME


def store_token(connection_name: str, token: str, authcfg: str = "") -> str:
    """Put ``token`` into the Auth Manager (updating ``authcfg`` if it is the plugin's token config); returns the id."""
    token = token.strip()
    if not token:
        raise ConnectionSettingsError("The session token is empty.")
    manager = QgsApplication.authManager()
    if manager.isDisabled():
        raise ConnectionSettingsError("The QGIS Authentication Manager is disabled (no Qt SQL/crypto support).")
    config = QgsAuthMethodConfig(BASIC_METHOD)
    config.setName(f"Geo Engine token ({connection_name})")
    config.setConfig("username", TOKEN_USERNAME)
    config.setConfig("password", token)
    if authcfg and _is_plugin_token_config(authcfg):
        config.setId(authcfg)
        ok = manager.updateAuthenticationConfig(config)
    else:
        ok = manager.storeAuthenticationConfig(config)
    if isinstance(ok, tuple):
        ok = ok[0]
    if not ok:
        raise ConnectionSettingsError("The Authentication Manager refused to store the token "
                                      "(is the master password set?).")
    return config.id()
