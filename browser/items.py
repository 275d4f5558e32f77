"""The Browser tree: "Geo Engine" > connections > "Layer collections" / "Datasets" > collections > layers.

* :class:`RootItem` and :class:`ConnectionItem` are *fast* items: QGIS builds their children on the main thread,
  and they fetch nothing (the connection node reads its credentials from the Auth Manager when expanded).
* :class:`PagedItem` subclasses (:class:`CollectionItem`, :class:`DatasetsItem`) fetch one page in
  ``createChildren``, which QGIS runs on a worker thread (no widgets there) while it shows the node as loading.
  A full page ends with a :class:`MoreItem`; :meth:`PagedItem.load_more` (main thread) fetches the next page in a
  task and puts it in place of the "More…" entry. A failure becomes a ``QgsErrorItem`` child, never a dialog.
* :class:`EntryItem` is a catalog layer or a dataset: description as tooltip, draggable (``mimeUris``).

PyQGIS 3.22 caveat: ``QgsDataItem.children()`` hands Python *owning* wrappers, so the children die with the
returned list. This module never calls it; look at children through the browser model instead.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, field
from typing import Callable, List, Optional

from qgis.core import Qgis, QgsDataCollectionItem, QgsDataItem, QgsErrorItem, QgsMimeDataUtils
from qgis.PyQt import sip

from ..core.layers import (
    DatasetListing,
    LayerCollectionListing,
    LayerListing,
    layer_collection_page,
    list_datasets_page,
)
from ..qgis_glue.catalog import layer_kind
from ..qgis_glue.connections import Connection, ConnectionSettingsError, ConnectionStore
from ..qgis_glue.errors import ErrorReport, describe_error
from ..qgis_glue.i18n import QT_TR_NOOP, tr
from ..qgis_glue.messages import log
from ..qgis_glue.plain_text import rich_plain
from ..qgis_glue.sessions import resolve
from ..qgis_glue.tasks import CoreTask, TaskRunner
from ..ui.icons import icon
from .context import ConnectionContext, WorkerSessions
from .targets import PROVIDER_KEY, CatalogTarget, encode_target

ROOT_NAME = "Geo Engine"
ROOT_PATH = "geoengine:"
COLLECTIONS_NAME, DATASETS_NAME = QT_TR_NOOP("Layer collections"), QT_TR_NOOP("Datasets")
MORE_NAME = QT_TR_NOOP("More…")
LAST_SORT_KEY = "99999999"  # after every entry's f"{index:08d}" (QGIS compares sort keys locale-aware)

KIND_ICONS = {"raster": "kind_raster.svg", "vector": "kind_vector.svg", "plot": "kind_plot.svg"}
_KIND_ICON_CACHE: dict = {}


def kind_icon(name: str):
    if name not in _KIND_ICON_CACHE:
        _KIND_ICON_CACHE[name] = icon(name)
    return _KIND_ICON_CACHE[name]


_ICONS = {"collection": "/mIconFolder.svg", "layer": "/mIconLayer.png", "raster": "/mIconRaster.svg",
          "vector": "/mIconVector.svg", "more": "/mActionAdd.svg"}


def _fast(item: QgsDataItem) -> None:
    """Mark ``item`` as fast: QGIS builds its children on the main thread (QGIS 3: ``...V2`` names)."""
    current = getattr(item, "capabilities2", None) or item.capabilities
    setter = getattr(item, "setCapabilitiesV2", None) or item.setCapabilities
    setter(current() | Qgis.BrowserItemCapability.Fast)


def error_item(parent: QgsDataItem, exc: BaseException) -> QgsErrorItem:
    """The child that says why a node could not be filled (details go to the log panel)."""
    if isinstance(exc, (ConnectionSettingsError, KeyError)):  # the settings' own sentence (no traceback)
        text = str(exc.args[0]) if exc.args else type(exc).__name__
        report = ErrorReport(text, f"{type(exc).__name__}: {text}")
    else:
        report = describe_error(exc)
    log(f"Browser: {parent.path()}: {report.summary}\n{report.details}", Qgis.MessageLevel.Warning)
    item = QgsErrorItem(parent, report.summary, parent.path() + "/error")
    item.setToolTip(rich_plain(report.summary))
    return item


def handed_to_qgis(items: List[QgsDataItem]) -> List[QgsDataItem]:
    """Give QGIS ownership of items made in Python: the C++ tree keeps them (and their Python side) alive until
    QGIS deletes them. Without this, Python frees them once ``createChildren``'s list is gone (a crash later)."""
    for item in items:
        sip.transferto(item, None)
    return items


def alive(item: Optional[QgsDataItem]) -> bool:
    return item is not None and not sip.isdeleted(item)


@dataclass(frozen=True)
class BrowserEnv:
    """What the tree needs from the plugin: the saved connections, sessions for workers, the page size.

    ``run_id`` goes into the paths below the root. QGIS re-expands the nodes whose paths were expanded when it
    last closed; a new id per plugin start keeps it from reading credentials and fetching while QGIS starts.
    """

    store: ConnectionStore
    sessions: WorkerSessions
    page_size: int = 20
    run_id: str = field(default_factory=lambda: uuid.uuid4().hex[:8])


class RootItem(QgsDataCollectionItem):
    """"Geo Engine": one child per saved connection (read from the settings; no network)."""

    def __init__(self, parent: Optional[QgsDataItem], env: BrowserEnv) -> None:
        super().__init__(parent, ROOT_NAME, ROOT_PATH, PROVIDER_KEY)
        self.env = env
        _fast(self)
        self.setIcon(icon("icon.svg"))
        self.setToolTip(tr("Geo Engine servers (add them with Web > Geo Engine > Connections…)"))

    def createChildren(self) -> List[QgsDataItem]:  # noqa: N802 - QGIS API name
        children = []
        for name in self.env.store.names():
            try:
                children.append(ConnectionItem(self, self.env, self.env.store.load(name)))
            except KeyError:  # removed meanwhile
                continue
        return handed_to_qgis(children)


def settings_digest(connection: Connection) -> str:
    """A short digest of a connection's settings (no secrets in them: the Auth Manager holds those)."""
    text = "\n".join((connection.url, connection.auth_kind, connection.authcfg))
    return hashlib.sha1(text.encode("utf-8"), usedforsecurity=False).hexdigest()[:8]  # a cache key


class ConnectionItem(QgsDataCollectionItem):
    """A saved connection; expanding it reads its credentials (main thread) and offers collections and datasets.

    Its path holds a digest of the settings, so after the connection was edited a refresh of the root replaces
    the node (and everything below it, made for the old settings) instead of keeping it.
    """

    def __init__(self, parent: QgsDataItem, env: BrowserEnv, connection: Connection) -> None:
        path = f"{ROOT_PATH}/{env.run_id}/{connection.name}@{settings_digest(connection)}"
        super().__init__(parent, connection.name, path, PROVIDER_KEY)
        self.env = env
        self.connection_name = connection.name
        self.context: Optional[ConnectionContext] = None
        _fast(self)
        self.setIcon(icon("connections.svg"))
        self.setToolTip(rich_plain(connection.url))

    def createChildren(self) -> List[QgsDataItem]:  # noqa: N802
        try:
            connection = self.env.store.load(self.connection_name)
            self.setToolTip(rich_plain(connection.url))
            resolved = resolve(connection)
        except Exception as exc:  # noqa: BLE001 - unknown name, bad settings, unreadable credentials: an error child
            return handed_to_qgis([error_item(self, exc)])
        self.context = ConnectionContext(resolved, self.env.sessions, self.env.page_size)
        collections = CollectionItem(self, self.context, tr(COLLECTIONS_NAME), None, None, self.path() + "/collections",
                                     tr("The server's layer providers and their collections"))
        datasets = DatasetsItem(self, self.context)
        collections.setSortKey("1")
        datasets.setSortKey("2")
        return handed_to_qgis([collections, datasets])


class PagedItem(QgsDataCollectionItem):
    """A node filled page by page; subclasses say how to fetch a page and what item each entry becomes."""

    def __init__(self, parent: QgsDataItem, context: ConnectionContext, name: str, path: str,
                 tooltip: str = "") -> None:
        super().__init__(parent, name, path, PROVIDER_KEY)
        self.context = context
        if tooltip:
            self.setToolTip(rich_plain(tooltip))  # collection descriptions come from the server
        self.setIconName(_ICONS["collection"])

    def fetch_page(self, offset: int, limit: int) -> list:  # worker thread
        raise NotImplementedError

    def child_for(self, entry, index: int) -> QgsDataItem:
        raise NotImplementedError

    def build(self, entries: list, offset: int) -> List[QgsDataItem]:
        """Items for a page that starts at ``offset`` (plus "More…" when the page is full)."""
        children = []
        for index, entry in enumerate(entries, start=offset):
            child = self.child_for(entry, index)
            child.setSortKey(f"{index:08d}")
            children.append(child)
        if len(entries) >= self.context.page_size:
            children.append(MoreItem(self, offset + len(entries)))
        return handed_to_qgis(children)

    def createChildren(self) -> List[QgsDataItem]:  # noqa: N802 - worker thread
        try:
            return self.build(self.fetch_page(0, self.context.page_size), 0)
        except Exception as exc:  # noqa: BLE001 - shown as an error child
            return handed_to_qgis([error_item(self, exc)])

    def load_more(self, more: MoreItem, runner: TaskRunner,
                  on_done: Optional[Callable[[bool], None]] = None) -> Optional[CoreTask]:
        """Main thread: fetch the page at ``more.offset`` in a task and put its items where "More…" is."""
        if more.loading:
            return None
        more.loading = True
        more.setState(Qgis.BrowserItemState.Populating)
        offset, limit = more.offset, self.context.page_size

        def finish(ok: bool) -> None:
            if on_done is not None:
                on_done(ok)

        def done(entries: list) -> None:
            if not alive(self) or not alive(more):  # unloaded, or refreshed meanwhile (a new first page)
                return finish(False)
            children = self.build(entries, offset)
            self.deleteChildItem(more)
            for child in children:
                self.addChildItem(child, True)
            finish(True)

        def failed(exc: BaseException) -> None:
            if alive(more):
                more.loading = False
                more.setState(Qgis.BrowserItemState.Populated)
                more.setToolTip(rich_plain(f"Could not load more ({describe_error(exc).summary}); "
                                           "double-click to retry"))
            finish(False)

        return runner.submit(tr("Geo Engine: more of {name}").format(
            name=self.name()), lambda _context: self.fetch_page(offset, limit),
                             on_success=done, on_error=failed, on_cancel=lambda: failed(RuntimeError("cancelled")))


class CollectionItem(PagedItem):
    """A layer collection (``collection_id`` None: the root listing of the server's providers)."""

    def __init__(self, parent: QgsDataItem, context: ConnectionContext, name: str, provider_id: Optional[str],
                 collection_id: Optional[str], path: str, tooltip: str = "") -> None:
        super().__init__(parent, context, name, path, tooltip)
        self.provider_id = provider_id
        self.collection_id = collection_id
        self.kinds: dict = {}  # layer id -> raster | vector | plot (worker thread writes, main thread reads)

    def fetch_page(self, offset: int, limit: int) -> list:
        session = self.context.session()
        page = layer_collection_page(self.collection_id, self.provider_id, offset, limit, session=session)
        for entry in page.items:  # the kind (raster, vector, plot) chooses the icon: one GET per layer
            if isinstance(entry, LayerListing):
                self.kinds[entry.id.layer_id] = layer_kind(session, entry.id.provider_id, entry.id.layer_id)
        return list(page.items)

    def child_for(self, entry, index: int) -> QgsDataItem:
        if isinstance(entry, LayerCollectionListing):
            return CollectionItem(self, self.context, entry.name, entry.id.provider_id, entry.id.collection_id,
                                  f"{self.path()}/{entry.id.collection_id}", entry.description)
        if not isinstance(entry, LayerListing):
            raise TypeError(f"a catalog entry is a collection or a layer, not {type(entry).__name__}")
        return EntryItem(self, CatalogTarget.for_layer(self.context.name, entry), entry.description,
                         f"{self.path()}/{entry.id.layer_id}", self.kinds.get(entry.id.layer_id, ""))


class DatasetsItem(PagedItem):
    """The datasets the user may see (``GET /datasets``, by name)."""

    def __init__(self, parent: QgsDataItem, context: ConnectionContext) -> None:
        super().__init__(parent, context, tr(DATASETS_NAME), parent.path() + "/datasets",
                         tr("Datasets you may use, by name"))

    def fetch_page(self, offset: int, limit: int) -> list:
        return list_datasets_page(offset, limit, "NameAsc", session=self.context.session())

    def child_for(self, entry: DatasetListing, index: int) -> QgsDataItem:
        tooltip = entry.description or entry.name
        if entry.tags:
            tooltip += f"\nTags: {', '.join(entry.tags)}"
        return EntryItem(self, CatalogTarget.for_dataset(self.context.name, entry), tooltip,
                         f"{self.path()}/{entry.name}", entry.kind)


class EntryItem(QgsDataItem):
    """A loadable catalog layer or dataset (double-click, drag, context menu)."""

    def __init__(self, parent: QgsDataItem, target: CatalogTarget, tooltip: str, path: str,
                 data_kind: str = "") -> None:
        super().__init__(Qgis.BrowserItemType.Custom, parent, target.name, path, PROVIDER_KEY)
        self.target = target
        self.setState(Qgis.BrowserItemState.Populated)  # a leaf
        self.setToolTip(rich_plain(tooltip))  # descriptions and tags from the server: plain text
        self.data_kind = data_kind
        self.setIconName(_ICONS.get(data_kind, _ICONS["layer"]))

    def icon(self):
        """The result kind's icon from ``resources/`` (built here, on the main thread, when the view asks)."""
        name = KIND_ICONS.get(self.data_kind)
        return kind_icon(name) if name else super().icon()

    def hasDragEnabled(self) -> bool:  # noqa: N802 - QGIS API name
        return True

    def mimeUri(self):  # noqa: N802 - before QGIS 3.18
        uri = QgsMimeDataUtils.Uri()
        uri.layerType = "custom"
        uri.providerKey = PROVIDER_KEY
        uri.name = self.target.name
        uri.uri = encode_target(self.target)
        return uri

    def mimeUris(self):  # noqa: N802
        return [self.mimeUri()]


class MoreItem(QgsDataItem):
    """"More…": the next page of its parent starts at ``offset`` (double-click or context menu loads it)."""

    def __init__(self, parent: PagedItem, offset: int) -> None:
        super().__init__(Qgis.BrowserItemType.Custom, parent, tr(MORE_NAME), f"{parent.path()}/more@{offset}",
                         PROVIDER_KEY)
        self.offset = offset
        self.loading = False
        self.setState(Qgis.BrowserItemState.Populated)
        self.setSortKey(LAST_SORT_KEY)
        self.setIconName(_ICONS["more"])
        self.setToolTip(tr("Entries from {first} on: double-click to load the next page").format(first=offset + 1))
