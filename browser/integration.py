"""Registers the Browser parts with QGIS (``initGui``) and removes every one of them again (``unload``).

* the data item provider -> ``QgsApplication.dataItemProviderRegistry()`` (the registry owns and deletes it);
* the context-menu/double-click provider -> ``QgsGui.dataItemGuiProviderRegistry()`` (same);
* the drop handler -> ``iface.registerCustomDropHandler`` (when the interface offers it).

Registering opens no connection and reads no credentials.
"""

from __future__ import annotations

from typing import Optional

from qgis.core import QgsApplication
from qgis.gui import QgsGui

from .actions import BrowserActions
from .context import WorkerSessions
from .gui import DropHandler, GuiProvider
from .host import BrowserHost
from .items import BrowserEnv
from .provider import PROVIDER_NAME, GeoEngineItemProvider


class BrowserIntegration:
    """The Browser panel part of the plugin; ``register(iface)`` once, ``unregister()`` on unload."""

    def __init__(self, host: BrowserHost) -> None:
        self.host = host
        self.actions = BrowserActions(host)
        self.provider: Optional[GeoEngineItemProvider] = None
        self.gui_provider: Optional[GuiProvider] = None
        self.drop_handler: Optional[DropHandler] = None
        self._iface = None
        self._sessions: Optional[WorkerSessions] = None

    def register(self, iface=None) -> None:
        if self.provider is not None:
            return
        self._sessions = WorkerSessions(self.host.sessions)
        env = BrowserEnv(self.host.store, self._sessions, self.host.page_size)
        self.provider = GeoEngineItemProvider(env)
        QgsApplication.dataItemProviderRegistry().addProvider(self.provider)
        self.gui_provider = GuiProvider(self.actions)
        QgsGui.dataItemGuiProviderRegistry().addProvider(self.gui_provider)
        if iface is not None and hasattr(iface, "registerCustomDropHandler"):
            self.drop_handler = DropHandler(self.actions)
            iface.registerCustomDropHandler(self.drop_handler)
            self._iface = iface

    def unregister(self) -> None:
        if self._sessions is not None:
            self._sessions.close()  # nodes still loading on worker threads send nothing more
            self._sessions = None
        if self.drop_handler is not None and self._iface is not None:
            self._iface.unregisterCustomDropHandler(self.drop_handler)
        self.drop_handler, self._iface = None, None
        if self.gui_provider is not None:
            QgsGui.dataItemGuiProviderRegistry().removeProvider(self.gui_provider)  # deletes it
            self.gui_provider = None
        if self.provider is not None:
            QgsApplication.dataItemProviderRegistry().removeProvider(self.provider)  # deletes it (and our roots)
            self.provider = None
        self.actions.close_dialogs()

    def refresh_connections(self) -> None:
        """Show added, renamed or removed connections in the Browser."""
        if self.provider is not None:
            self.provider.refresh_connections()


def registered_provider_names() -> list:
    """Names of the data item providers QGIS has (tests check that ours is gone after unload)."""
    return [provider.name() for provider in QgsApplication.dataItemProviderRegistry().providers()]


def registered_gui_provider_names() -> list:
    return [provider.name() for provider in QgsGui.dataItemGuiProviderRegistry().providers()]


__all__ = ["BrowserIntegration", "PROVIDER_NAME", "registered_provider_names", "registered_gui_provider_names"]
