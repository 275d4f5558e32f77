"""The QgsDataItemProvider that puts the "Geo Engine" root item into QGIS's Browser (and nothing else)."""

from __future__ import annotations

from typing import List

from qgis.core import QgsDataItemProvider, QgsDataProvider

from ..qgis_glue.enums import pick
from .items import BrowserEnv, RootItem, alive
from .targets import PROVIDER_KEY

PROVIDER_NAME = "Geo Engine"


def _network_capability():
    """"Network sources" in QGIS 3 (QgsDataProvider.Net) and QGIS 4 (Qgis.DataItemProviderCapability)."""
    from qgis.core import Qgis

    return pick((Qgis, "DataItemProviderCapability.NetworkSources"), (QgsDataProvider, "DataCapability.Net"))


class GeoEngineItemProvider(QgsDataItemProvider):
    """Makes one :class:`RootItem` per browser model that asks (the Browser panels, Data Source Manager)."""

    def __init__(self, env: BrowserEnv) -> None:
        super().__init__()
        self.env = env
        self._roots: List[RootItem] = []

    def name(self) -> str:
        return PROVIDER_NAME

    def dataProviderKey(self) -> str:  # noqa: N802 - QGIS API name; the browser removes our roots by it
        return PROVIDER_KEY

    def capabilities(self):
        return _network_capability()

    def createDataItem(self, path: str, parentItem):  # noqa: N802
        if path:  # only the root: QGIS asks with an empty path for top-level items
            return None
        root = RootItem(parentItem, self.env)
        self._roots = [item for item in self._roots if alive(item)] + [root]
        return root

    def roots(self) -> List[RootItem]:
        """The root items that still exist."""
        self._roots = [item for item in self._roots if alive(item)]
        return list(self._roots)

    def refresh_connections(self) -> None:
        """Re-read the saved connections in every Browser (after they were edited)."""
        for root in self.roots():
            root.refresh()
