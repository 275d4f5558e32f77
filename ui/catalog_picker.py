"""The server's catalog inside the Add-layer dialog: layer collections, the user's datasets and the workflows this
connection used recently, each with its result kind. Opening a node fetches it in a background task; choosing an
entry registers its workflow (in a task) and reports the ID through :attr:`CatalogPicker.picked`."""

from __future__ import annotations

from typing import Callable, Optional

from qgis.PyQt.QtCore import Qt, pyqtSignal
from qgis.PyQt.QtWidgets import QLabel, QPushButton, QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget

from ..qgis_glue.catalog import (
    CatalogEntry,
    collection_entries,
    dataset_entries,
    entry_workflow_id,
    recent_workflows,
)
from ..qgis_glue.errors import describe_error
from ..qgis_glue.i18n import QT_TR_NOOP, tr
from ..qgis_glue.plain_text import rich_plain
from ..qgis_glue.tasks import TaskRunner
from .icons import icon
from .widgets import ERROR, INFO, status_style

ENTRY_ROLE = Qt.ItemDataRole.UserRole
KIND_ICONS = {"raster": "kind_raster.svg", "vector": "kind_vector.svg", "plot": "kind_plot.svg"}
COLLECTIONS, DATASETS, RECENT = QT_TR_NOOP("Layer collections"), QT_TR_NOOP("Datasets"), QT_TR_NOOP("Recently used")


class CatalogPicker(QWidget):
    """``with_session(name, on_ready, on_error)`` and ``runner`` as in the dialog; :meth:`set_connection` loads."""

    picked = pyqtSignal(str, str, str)  # workflow id, name, kind

    def __init__(self, with_session: Callable, runner: TaskRunner, parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self._with_session = with_session
        self._runner = runner
        self.connection = ""
        self._generation = 0
        self.tree = QTreeWidget()
        self.tree.setObjectName("GeoEngineCatalogTree")
        self.tree.setHeaderHidden(True)
        self.tree.setUniformRowHeights(True)
        self.tree.setMinimumHeight(self.tree.fontMetrics().height() * 9)  # a few entries at once, not two
        self.tree.itemExpanded.connect(self._expanded)
        self.tree.itemActivated.connect(lambda item, _column: self.choose(item))
        self.tree.currentItemChanged.connect(lambda _item, _previous: self._update_button())
        self.use_button = QPushButton(tr("Use this workflow"))
        self.use_button.clicked.connect(lambda _checked=False: self.choose(self.tree.currentItem()))
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.tree, 1)
        layout.addWidget(self.status)
        layout.addWidget(self.use_button, 0, Qt.AlignmentFlag.AlignRight)
        self._update_button()

    # --- nodes ------------------------------------------------------------------------------------------------
    def set_connection(self, connection: str) -> None:
        """Show the top nodes of ``connection`` (nothing is fetched until a node is opened)."""
        self._generation += 1
        self.connection = connection
        self.tree.clear()
        self._say("")
        if not connection:
            return
        for title in (COLLECTIONS, DATASETS, RECENT):
            self.tree.addTopLevelItem(self._node(CatalogEntry(tr(title), "collection")))
        recent = self.tree.topLevelItem(2)
        self._fill(recent, recent_workflows(connection))  # settings only: no network
        recent.setExpanded(recent.childCount() > 0)

    def _node(self, entry: CatalogEntry) -> QTreeWidgetItem:
        item = QTreeWidgetItem([entry.name or "(unnamed)"])
        item.setData(0, ENTRY_ROLE, entry)
        if entry.description:
            item.setToolTip(0, rich_plain(entry.description))  # server text: Qt would render it if it looked rich
        if entry.is_collection:
            item.setChildIndicatorPolicy(QTreeWidgetItem.ChildIndicatorPolicy.ShowIndicator)
            item.setIcon(0, self.style().standardIcon(self.style().StandardPixmap.SP_DirIcon))
        elif entry.kind in KIND_ICONS:
            item.setIcon(0, icon(KIND_ICONS[entry.kind]))
        return item

    def _fill(self, item: QTreeWidgetItem, entries) -> None:
        item.takeChildren()
        for entry in entries:
            item.addChild(self._node(entry))
        if not entries:
            empty = QTreeWidgetItem(["(empty)"])
            empty.setFlags(Qt.ItemFlag.NoItemFlags)
            item.addChild(empty)
        item.setData(0, Qt.ItemDataRole.UserRole + 1, True)  # loaded

    def _expanded(self, item: QTreeWidgetItem) -> None:
        entry: CatalogEntry = item.data(0, ENTRY_ROLE)
        if entry is None or item.data(0, Qt.ItemDataRole.UserRole + 1):
            return
        loading = QTreeWidgetItem([tr("Loading…")])
        loading.setFlags(Qt.ItemFlag.NoItemFlags)
        item.addChild(loading)
        top = item.parent() is None
        if top and entry.name == tr(DATASETS):
            def fetch(session):
                return dataset_entries(session)
        else:
            provider = None if top else entry.provider_id
            collection = None if top else entry.collection_id

            def fetch(session):
                return collection_entries(session, provider, collection)
        self._run(tr("Geo Engine: catalog {name}").format(
            name=entry.name), fetch, lambda entries: self._fill(item, entries),
                  lambda exc: (item.takeChildren(), item.setExpanded(False), self._failed(exc)))

    # --- choosing ---------------------------------------------------------------------------------------------
    def choose(self, item: Optional[QTreeWidgetItem]) -> None:
        """Register the workflow of a layer, dataset or recent entry and emit :attr:`picked`."""
        entry: Optional[CatalogEntry] = item.data(0, ENTRY_ROLE) if item is not None else None
        if entry is None or entry.is_collection:
            return
        self._say(tr("Registering the workflow of {name}…").format(name=entry.name), INFO)
        self._run(tr("Geo Engine: workflow of {name}").format(
            name=entry.name), lambda session: entry_workflow_id(session, entry),
                  lambda workflow_id: (self._say(""), self.picked.emit(workflow_id, entry.name, entry.kind)),
                  self._failed)

    def _update_button(self) -> None:
        item = self.tree.currentItem()
        entry = item.data(0, ENTRY_ROLE) if item is not None else None
        self.use_button.setEnabled(entry is not None and not entry.is_collection)

    # --- plumbing ---------------------------------------------------------------------------------------------
    def _run(self, description: str, fetch, on_success, on_error) -> None:
        generation, connection = self._generation, self.connection

        def current() -> bool:
            return generation == self._generation

        def on_session(session) -> None:
            if current():
                self._runner.submit(description, lambda _context: fetch(session), notify_errors=False,
                                    on_success=lambda result: current() and on_success(result),
                                    on_error=lambda exc: current() and on_error(exc))

        self._with_session(connection, on_session, lambda exc: current() and on_error(exc))

    def _failed(self, exc: BaseException) -> None:
        self._say(describe_error(exc).summary, ERROR)

    def _say(self, text: str, kind: str = INFO) -> None:
        self.status.setText(text)
        self.status.setStyleSheet(status_style(kind, self))
        self.status.setVisible(bool(text))
