"""Context menu and double-click for Geo Engine Browser entries, and drops of them onto the map or layer tree.

Drag and drop (works in QGIS 3.22): an entry's ``mimeUris`` is a ``QgsMimeDataUtils.Uri`` with layer type
``custom``, provider key ``geoengine`` and the entry as JSON text (:func:`~.targets.encode_target`). QGIS hands
such URIs to the :class:`DropHandler` registered with ``iface.registerCustomDropHandler``: drops on the map canvas
through ``handleCustomUriCanvasDrop``, drops on the layer tree or main window through ``handleCustomUriDrop``.
Both load the entry like a double-click (canvas extent, current time).
"""

from __future__ import annotations

from typing import Callable

from qgis.gui import QgsCustomDropHandler, QgsDataItemGuiProvider

try:  # Qt 6 (QGIS 4) moved QAction to QtGui
    from qgis.PyQt.QtGui import QAction
except ImportError:  # Qt 5 (QGIS 3)
    from qgis.PyQt.QtWidgets import QAction

from ..core.errors import InputError
from ..qgis_glue.i18n import QT_TR_NOOP, tr
from ..qgis_glue.messages import log
from .actions import BrowserActions
from .items import ConnectionItem, EntryItem, MoreItem, PagedItem, RootItem
from .targets import PROVIDER_KEY, decode_target

ADD, PROVENANCE, COPY_ID, DEFINITION, MORE = (
    QT_TR_NOOP("Add to map"), QT_TR_NOOP("Show provenance…"), QT_TR_NOOP("Copy workflow id"),
    QT_TR_NOOP("Show workflow definition…"), QT_TR_NOOP("Load more"))
REFRESH, CONNECTIONS = QT_TR_NOOP("Refresh"), QT_TR_NOOP("Connections…")


class GuiProvider(QgsDataItemGuiProvider):
    """Context menu: entry actions, "Load more", and "Refresh" (+ "Connections…") on the nodes above the entries;
    double-click adds an entry to the map or loads more."""

    def __init__(self, actions: BrowserActions) -> None:
        super().__init__()
        self.actions = actions

    def name(self) -> str:
        return "Geo Engine"

    def menu_actions(self, item, parent) -> list:
        """The QActions for ``item`` (empty for items that are not Geo Engine entries)."""
        if isinstance(item, EntryItem):
            target = item.target
            specs = ((ADD, lambda: self.actions.add_to_map(target)),
                     (PROVENANCE, lambda: self.actions.show_provenance(target)),
                     (COPY_ID, lambda: self.actions.copy_workflow_id(target)),
                     (DEFINITION, lambda: self.actions.show_definition(target)))
        elif isinstance(item, MoreItem):
            specs = ((MORE, lambda: self.load_more(item)),)
        elif isinstance(item, (RootItem, ConnectionItem, PagedItem)):
            specs = ((REFRESH, item.refresh),)
            if self.actions.host.open_connections is not None and not isinstance(item, PagedItem):
                specs += ((CONNECTIONS, self.actions.host.open_connections),)
        else:
            return []
        return [_action(tr(text), handler, parent) for text, handler in specs]

    def populateContextMenu(self, item, menu, selectedItems, context):  # noqa: N802,N803 - QGIS API names
        actions = self.menu_actions(item, menu)
        if actions:
            menu.addSeparator()
            for action in actions:
                menu.addAction(action)

    def handleDoubleClick(self, item, context) -> bool:  # noqa: N802
        if isinstance(item, EntryItem):
            self.actions.add_to_map(item.target)
            return True
        if isinstance(item, MoreItem):
            self.load_more(item)
            return True
        return False

    def load_more(self, more: MoreItem):
        parent = more.parent()
        if isinstance(parent, PagedItem):
            return parent.load_more(more, self.actions.host.runner)
        return None


def _action(text: str, handler: Callable[[], None], parent) -> QAction:
    action = QAction(text, parent)
    action.triggered.connect(lambda _checked=False: handler())
    return action


class DropHandler(QgsCustomDropHandler):
    """Loads Geo Engine entries dropped on the map canvas or the layer tree."""

    def __init__(self, actions: BrowserActions) -> None:
        super().__init__()
        self.actions = actions

    def customUriProviderKey(self) -> str:  # noqa: N802 - QGIS API name
        return PROVIDER_KEY

    def handleCustomUriDrop(self, uri) -> None:  # noqa: N802
        self.load(uri)

    def canHandleCustomUriCanvasDrop(self, uri, canvas) -> bool:  # noqa: N802
        return uri.providerKey == PROVIDER_KEY

    def handleCustomUriCanvasDrop(self, uri, canvas) -> bool:  # noqa: N802
        return self.load(uri)

    def load(self, uri) -> bool:
        if uri.providerKey != PROVIDER_KEY:
            return False
        try:
            target = decode_target(uri.uri)
        except InputError as exc:
            self.actions.host.notifier.error(tr("Geo Engine: cannot load the dropped entry: {message}").format(
                message=exc.message))
            log(f"Dropped URI: {uri.uri!r}")
            return False
        self.actions.add_to_map(target)
        return True
