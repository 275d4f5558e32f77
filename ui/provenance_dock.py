"""Provenance dock: citation, licence and URI of the data behind the selected Geo Engine layer.

Follows the current layer (:meth:`ProvenanceDock.follow`), fetches ``/workflow/{id}/provenance`` in a background
task (cached per connection and workflow), and shows one box per data source with copy buttons and clickable
links. Other layers, loading and errors each get a clear line of text.
"""

from __future__ import annotations

from typing import List, Optional

from qgis.PyQt.QtCore import Qt
from qgis.PyQt.QtWidgets import (
    QDockWidget,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from ..qgis_glue.errors import describe_error
from ..qgis_glue.i18n import QT_TR_NOOP, tr
from ..qgis_glue.layer_info import NO_LAYER, geoengine_query
from ..qgis_glue.plain_text import escape
from ..qgis_glue.provenance_cache import ProvenanceCache, ProvenanceRow, fetch_provenance
from ..qgis_glue.session_jobs import WithSession, run_with_session
from ..qgis_glue.tasks import TaskRunner
from .widgets import StatusLine, copy_button, copy_to_clipboard, text_label

EMPTY, NOT_GEOENGINE, LOADING, READY, ERROR = "empty", "not-geoengine", "loading", "ready", "error"


CAPTIONS = {"Citation": QT_TR_NOOP("Citation"), "Licence": QT_TR_NOOP("Licence"), "URI": QT_TR_NOOP("URI")}
COPY_TIPS = {"Citation": QT_TR_NOOP("Copy the citation"), "Licence": QT_TR_NOOP("Copy the licence"),
             "URI": QT_TR_NOOP("Copy the URI")}

class ProvenanceDock(QDockWidget):
    """See the module docstring; ``state`` is one of empty, not-geoengine, loading, ready, error."""

    OBJECT_NAME = "GeoEngineProvenanceDock"

    def __init__(self, with_session: WithSession, runner: TaskRunner, parent: Optional[QWidget] = None,
                 cache: Optional[ProvenanceCache] = None) -> None:
        super().__init__(tr("Geo Engine provenance"), parent)
        self.setObjectName(self.OBJECT_NAME)
        self._with_session = with_session
        self._runner = runner
        self.cache = cache if cache is not None else ProvenanceCache()
        self.state = EMPTY
        self.rows: List[ProvenanceRow] = []
        self.error_text = ""
        self._key: Optional[tuple] = None  # (connection, workflow id) shown or being fetched
        self._generation = 0
        self._followed = None
        self._deferred: Optional[tuple] = None  # (connection, workflow id) selected while the dock was closed
        self.visibilityChanged.connect(self._shown)

        body = QWidget(self)
        layout = QVBoxLayout(body)
        self.title = QLabel(body)
        self.title.setTextFormat(Qt.TextFormat.RichText)  # markup of ours; names inside are escaped
        self.title.setWordWrap(True)
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.status = StatusLine(body)
        buttons = QHBoxLayout()
        self.refresh_button = QPushButton(tr("Refresh"), body)
        self.refresh_button.setToolTip(tr("Fetch the provenance again from the server"))
        self.refresh_button.clicked.connect(self.refresh)
        self.copy_all_button = QPushButton(tr("Copy all"), body)
        self.copy_all_button.setToolTip(tr("Copy every citation, licence and URI as text"))
        self.copy_all_button.clicked.connect(lambda _checked=False: copy_to_clipboard(self.as_text()))
        buttons.addWidget(self.refresh_button)
        buttons.addWidget(self.copy_all_button)
        buttons.addStretch(1)
        self.entries = QWidget(body)
        self.entries_layout = QVBoxLayout(self.entries)
        self.entries_layout.setContentsMargins(0, 0, 0, 0)
        scroll = QScrollArea(body)
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.entries)
        layout.addWidget(self.title)
        layout.addWidget(self.status)
        layout.addLayout(buttons)
        layout.addWidget(scroll, 1)
        self.setWidget(body)
        self.set_layer(None)

    # --- following the current layer ------------------------------------------------------------
    def follow(self, iface) -> None:
        """Show the provenance of whatever layer becomes current in ``iface`` (starting with the active one)."""
        view = iface.layerTreeView() if hasattr(iface, "layerTreeView") else None
        signal = view.currentLayerChanged if view is not None else iface.currentLayerChanged
        signal.connect(self.set_layer)
        self._followed = signal
        self.set_layer(iface.activeLayer() if hasattr(iface, "activeLayer") else None)

    def unfollow(self) -> None:
        if self._followed is not None:
            try:
                self._followed.disconnect(self.set_layer)
            except (TypeError, RuntimeError):
                pass  # already disconnected, or the view is gone
            self._followed = None

    def set_layer(self, layer) -> None:
        """Show the provenance of ``layer`` (a QgsMapLayer or None)."""
        query = geoengine_query(layer)
        if layer is None:
            self._key = None
            self._show_state(EMPTY, tr("No layer selected."), tr(NO_LAYER))
            return
        if query is None:
            self._key = None
            self._show_state(NOT_GEOENGINE, f"{layer.name()}",
                             tr("This layer was not added from Geo Engine, so there is no provenance to show."))
            return
        self.title.setText(tr("<b>{name}</b><br>workflow {workflow_id}").format(
            name=escape(layer.name()), workflow_id=escape(query.workflow_id)))
        if self.isHidden():  # the user closed the dock: selecting a layer must not log in
            self._deferred = (query.connection_name, query.workflow_id)
            return
        self._deferred = None
        self.load(query.connection_name, query.workflow_id)

    def _shown(self, visible: bool) -> None:
        """The dock is shown again: load what was selected meanwhile."""
        deferred, self._deferred = self._deferred, None
        if visible and deferred is not None:
            self.load(*deferred)

    def show_workflow(self, connection: str, workflow_id: str, title: str = "") -> None:
        """Show a workflow's provenance without a layer (e.g. from the Browser) until another layer is selected."""
        self.set_title(title, workflow_id)
        self.load(connection, workflow_id)

    # --- loading --------------------------------------------------------------------------------
    def load(self, connection: str, workflow_id: str, use_cache: bool = True) -> None:
        """Show the provenance of a workflow; from the cache when it was fetched before."""
        self._key = (connection, workflow_id)
        self._generation += 1
        cached = self.cache.get(connection, workflow_id) if use_cache else None
        if cached is not None:
            self._show_rows(cached)
            return
        generation = self._generation
        self._set_state(LOADING)
        self.status.show_loading(tr("Loading provenance…"))
        self._clear_entries()

        def done(rows: List[ProvenanceRow]) -> None:
            self.cache.put(connection, workflow_id, rows)
            if generation == self._generation:
                self._show_rows(rows)

        def failed(exc: BaseException) -> None:
            if generation == self._generation:
                self.error_text = describe_error(exc).summary
                self._set_state(ERROR)
                self.status.show_error(tr("Could not load the provenance: {error_text}").format(
                    error_text=self.error_text))

        def cancelled() -> None:
            if generation == self._generation:
                self._set_state(ERROR)
                self.status.show_error(tr("Loading the provenance was cancelled."))

        run_with_session(self._with_session, self._runner, connection,
                         tr("Geo Engine: provenance of {workflow_id}").format(workflow_id=workflow_id),
                         lambda session, _context: fetch_provenance(session, workflow_id),
                         done, failed, cancelled)

    def refresh(self) -> None:
        if self._key is not None:
            self.cache.drop(*self._key)
            self.load(*self._key, use_cache=False)

    # --- display --------------------------------------------------------------------------------
    def _set_state(self, state: str) -> None:
        self.state = state
        self.refresh_button.setEnabled(self._key is not None and state != LOADING)
        self.copy_all_button.setEnabled(state == READY and bool(self.rows))

    def set_title(self, title: str, workflow_id: str) -> None:
        """The bold title (a layer or dataset name, escaped) above the workflow id."""
        self.title.setText(tr("<b>{name}</b><br>workflow {workflow_id}").format(
            name=escape(title or workflow_id), workflow_id=escape(workflow_id)))

    def _show_state(self, state: str, title: str, message: str) -> None:
        self._generation += 1
        self.rows = []
        self._clear_entries()
        self.title.setText(escape(title))
        self._set_state(state)
        self.status.show_info(message)

    def _show_rows(self, rows: List[ProvenanceRow]) -> None:
        self.rows = list(rows)
        self._clear_entries()
        for row in self.rows:
            self.entries_layout.addWidget(self._entry_box(row))
        self.entries_layout.addStretch(1)
        self._set_state(READY)
        if self.rows:
            self.status.show_info(tr("{count} data source(s).").format(count=len(self.rows)))
        else:
            self.status.show_info(tr("The server lists no data sources with provenance for this workflow."))

    def _entry_box(self, row: ProvenanceRow) -> QGroupBox:
        box = QGroupBox(tr("Data source {sources}").format(sources=row.sources) if row.sources else tr("Data source"),
                        self.entries)
        grid = QGridLayout(box)
        for line, (caption, value) in enumerate((("Citation", row.citation), ("Licence", row.license),
                                                 ("URI", row.uri))):
            label = QLabel(tr("{caption}:").format(caption=tr(CAPTIONS[caption])), box)
            label.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
            grid.addWidget(label, line, 0)
            value_label = text_label(value, box)
            value_label.setObjectName(f"provenance_{caption.lower()}")
            grid.addWidget(value_label, line, 1)
            button = copy_button(value, tr(COPY_TIPS[caption]), box)
            button.setEnabled(bool(value))
            grid.addWidget(button, line, 2, Qt.AlignmentFlag.AlignTop)
        grid.setColumnStretch(1, 1)
        return box

    def _clear_entries(self) -> None:
        while self.entries_layout.count():
            item = self.entries_layout.takeAt(0)
            widget = item.widget()
            if widget is not None:
                widget.deleteLater()

    def as_text(self) -> str:
        """Every shown entry as plain text (what "Copy all" copies)."""
        blocks = []
        for row in self.rows:
            blocks.append(f"{row.sources}\nCitation: {row.citation}\nLicence: {row.license}\nURI: {row.uri}")
        return "\n\n".join(blocks)
