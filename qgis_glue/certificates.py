"""QGIS's trusted CA certificates (Settings > Options > Authentication > Certificate Manager) as a PEM file.

``requests`` and ``websockets`` take a CA bundle file; QGIS keeps its trust list in the Auth Manager
(system roots, extra CA files, CAs imported into the auth database, minus the ones marked untrusted). One
bundle file per distinct content is written with ``mkstemp`` and removed when QGIS exits, so REST calls,
websocket streams and QGIS's own requests trust the same servers.
"""

from __future__ import annotations

import atexit
import hashlib
import os
import tempfile
import threading
from typing import Dict, Union

_lock = threading.Lock()
_bundles: Dict[str, str] = {}  # digest of the PEM text -> file


def qgis_ca_bundle() -> Union[str, bool]:
    """Main thread: the path of a PEM file with QGIS's trusted CAs, or True (the default store) when QGIS
    lists none."""
    from qgis.core import QgsApplication

    manager = QgsApplication.authManager()
    if manager is None or manager.isDisabled():  # no QCA: QGIS itself uses the system store then
        return True
    certificates = manager.trustedCaCertsCache() or manager.trustedCaCerts()
    pem = b"".join(bytes(certificate.toPem()) for certificate in certificates)
    if not pem.strip():
        return True
    digest = hashlib.sha256(pem).hexdigest()
    with _lock:
        path = _bundles.get(digest)
        if path is None or not os.path.exists(path):
            handle, path = tempfile.mkstemp(prefix="geoengine-qgis-ca-", suffix=".pem")
            with os.fdopen(handle, "wb") as out:
                out.write(pem)
            _bundles[digest] = path
    return path


@atexit.register
def _remove_bundles() -> None:
    with _lock:
        for path in _bundles.values():
            try:
                os.remove(path)
            except OSError:
                pass
        _bundles.clear()
