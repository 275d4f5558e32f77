"""The proxy QGIS is configured with (Settings > Options > Network), as a ``requests`` proxies dict.

``core`` talks HTTP through ``requests``, which does not know QGIS's network settings. QGIS applies
them to ``QgsNetworkAccessManager``'s fallback proxy and its exclude / no-proxy lists; this module
translates that into ``{"http": url, "https": url}`` for one server URL. For "Default proxy" QGIS has
already put the system's proxy into the fallback proxy; no proxy maps to ``{}``, a direct connection (the
plugin's sessions ignore proxy environment variables, so QGIS's setting is the only one).
"""

from __future__ import annotations

from typing import Dict, Optional
from urllib.parse import quote

from qgis.core import QgsApplication, QgsAuthMethodConfig, QgsNetworkAccessManager, QgsSettings
from qgis.PyQt.QtNetwork import QNetworkProxy

_SCHEMES = {
    QNetworkProxy.ProxyType.HttpProxy: "http",
    QNetworkProxy.ProxyType.HttpCachingProxy: "http",
    QNetworkProxy.ProxyType.Socks5Proxy: "socks5h",  # needs PySocks in requests; QGIS users rarely have one
}


def _excluded(url: str, prefixes) -> bool:
    return any(prefix.strip() and url.startswith(prefix.strip()) for prefix in prefixes)


def _proxy_credentials(proxy: QNetworkProxy) -> Optional[str]:
    """``user:password@`` (URL-quoted) from the proxy itself or from QGIS's proxy auth config."""
    user, password = proxy.user(), proxy.password()
    authcfg = str(QgsSettings().value("proxy/authcfg", "") or "")
    if authcfg and not user:
        config = QgsAuthMethodConfig()
        loaded = QgsApplication.authManager().loadAuthenticationConfig(authcfg, config, True)
        if isinstance(loaded, tuple):
            loaded, config = loaded
        if loaded:
            user, password = config.config("username"), config.config("password")
    if not user:
        return None
    return f"{quote(user, safe='')}:{quote(password or '', safe='')}@"


def requests_proxies(url: str, manager: Optional[QgsNetworkAccessManager] = None) -> Dict[str, str]:
    """The proxies dict for requests to ``url`` ({} = no explicit proxy)."""
    manager = manager or QgsNetworkAccessManager.instance()
    proxy = manager.fallbackProxy()
    scheme = _SCHEMES.get(proxy.type())
    if scheme is None or not proxy.hostName():
        return {}
    if _excluded(url, manager.excludeList()) or _excluded(url, manager.noProxyList()):
        return {}
    credentials = _proxy_credentials(proxy) or ""
    proxy_url = f"{scheme}://{credentials}{proxy.hostName()}:{proxy.port()}"
    return {"http": proxy_url, "https": proxy_url}
