"""The "Add workflow layer" dialog: choose a connection and a workflow (ID or JSON), see its result descriptor,
pick extent, time, bands, name and raster mode, then load it through :class:`~..qgis_glue.layers.WorkflowLayerLoader`.

Everything that talks to the server runs in background tasks: logging in (``with_session``), fetching the
result descriptor (ID mode: as soon as a valid UUID is typed) and, in JSON mode, registering the workflow
(when "Register and fetch" or OK is pressed). OK stays disabled while any input is invalid; the message
under the form names the field and the problem.
"""

from __future__ import annotations

import json
import uuid
from typing import Callable, List, Optional, Tuple

from qgis.core import QgsCoordinateReferenceSystem, QgsRectangle, QgsSettings
from qgis.gui import QgsExtentGroupBox
from qgis.PyQt import sip
from qgis.PyQt.QtCore import QDateTime, Qt, QTimer
from qgis.PyQt.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ..core.datasets import get_dataset, source_dataset_name
from ..core.descriptors import RasterResultDescriptor, ResultDescriptor
from ..core.errors import GeoEngineError
from ..core.workflow import Workflow, register_workflow
from ..qgis_glue.catalog import remember_workflow
from ..qgis_glue.download_guard import ASK, REFUSE, GuardVerdict
from ..qgis_glue.errors import describe_error
from ..qgis_glue.extent import crs_for
from ..qgis_glue.i18n import QT_TR_NOOP, tr
from ..qgis_glue.layer_metadata import qdatetime
from ..qgis_glue.layers import GEOTIFF, WMS, LayerOptions, LayerRequest, LoadOutcome, WorkflowLayerLoader
from ..qgis_glue.plain_text import escape
from ..qgis_glue.query import add_step, default_time, describe_step, regular_step, time_bounds
from ..qgis_glue.tasks import CoreTask, TaskRunner
from .catalog_picker import CatalogPicker
from .resolution_row import ResolutionRow
from .size_preview import preview
from .time_edit import TimeEdit
from .time_steps import step_label, step_starts
from .widgets import ERROR, INFO, OK, status_style

FETCH_DELAY_MS = 400  # wait this long after the last keystroke before fetching the descriptor
GEOMETRY_KEY = "geoengine/ui/add_layer_dialog/geometry"
ADD_TEXT, ADD_ANYWAY_TEXT = QT_TR_NOOP("Add layer"), QT_TR_NOOP("Add anyway")
START_HINT = QT_TR_NOOP("Pick a workflow in the catalog, or paste its ID or JSON; the rest is filled in from the "
                        "workflow.")
ID_PREFIX, JSON_PREFIX = QT_TR_NOOP("Workflow ID:"), QT_TR_NOOP("Workflow JSON:")  # the field's own messages
JSON_EXAMPLE = '{"type": "Raster", "operator": {"type": "GdalSource", "params": {"data": "ndvi"}}}'
FETCHING = QT_TR_NOOP("Workflow: fetching the result descriptor…")
WAITING = QT_TR_NOOP("Workflow: waiting for the result descriptor…")


def check_workflow_id(text: str) -> Tuple[bool, str]:
    """(valid, message) for the workflow ID field."""
    text = text.strip()
    if not text:
        return False, f"{tr(ID_PREFIX)} {tr('enter the UUID of a registered workflow.')}"
    try:
        uuid.UUID(text)
    except ValueError:
        return False, f"{tr(ID_PREFIX)} " + tr("{text} is not a UUID (like {example}).").format(
            text=repr(text), example="1e415c9c-55f3-51a2-b50b-b5053d1debbb")
    return True, f"{tr(ID_PREFIX)} {tr('valid UUID.')}"


def check_workflow_json(text: str) -> Tuple[Optional[dict], str]:
    """(workflow or None, message) for the workflow JSON field."""
    if not text.strip():
        return None, f"{tr(JSON_PREFIX)} " + tr("paste a workflow like {example}.").format(
            example='{"type": "Raster", "operator": {...}}')
    try:
        workflow = json.loads(text)
    except ValueError as exc:
        return None, f"{tr(JSON_PREFIX)} " + tr("not valid JSON ({error}).").format(error=exc)
    if not isinstance(workflow, dict) or workflow.get("type") not in ("Raster", "Vector", "Plot"):
        return None, f"{tr(JSON_PREFIX)} " + tr('"type" must be "Raster", "Vector" or "Plot".')
    if not isinstance(workflow.get("operator"), dict) or not workflow["operator"].get("type"):
        return None, f"{tr(JSON_PREFIX)} " + tr('"operator" must be an object with a "type".')
    return workflow, f"{tr(JSON_PREFIX)} {tr('valid workflow.')}"


def describe_descriptor(descriptor: ResultDescriptor) -> str:
    """One paragraph of rich text for the dialog: kind, CRS, data type, bands or columns, time bounds and step
    (every server string escaped)."""
    kind = {"raster": tr("Raster"), "vector": tr("Vector"), "plot": tr("Plot")}.get(descriptor.kind,
                                                                                 descriptor.kind.capitalize())
    parts = [tr("<b>{kind}</b> in {crs}").format(kind=escape(kind),
                                                 crs=escape(descriptor.spatial_reference or tr("no CRS")))]
    if isinstance(descriptor, RasterResultDescriptor):
        parts.append(tr("data type {type}").format(type=escape(descriptor.data_type.value)))
        resolution = descriptor.spatial_resolution
        if resolution is not None:
            parts.append(tr("pixel size {x:g} x {y:g}").format(x=resolution.x_resolution, y=resolution.y_resolution))
        parts.append(tr("bands: ") + ", ".join(f"{escape(b.name)} ({escape(b.measurement)})" for b in descriptor.bands))
    elif descriptor.is_vector_result():
        parts.append(tr("geometry {type}").format(type=escape(descriptor.data_type.value)))
        columns = ", ".join(f"{escape(n)} ({escape(c.data_type.value)})" for n, c in descriptor.columns.items())
        parts.append(tr("columns: {columns}").format(columns=columns or tr("none")))
    bounds = time_bounds(descriptor)
    if bounds is not None:
        start, end = (b.strftime("%Y-%m-%d %H:%M") if b is not None else tr("open") for b in bounds)
        text = tr("time {start} – {end}").format(start=start, end=end)
        step = regular_step(descriptor)
        parts.append(text + (f", {describe_step(step)}" if step is not None else ""))
    return "; ".join(parts) + "."


class AddLayerDialog(QDialog):
    """See the module docstring. ``with_session(name, on_ready, on_error)`` is the plugin's session helper."""

    def __init__(self, store, with_session: Callable, runner: TaskRunner, loader: WorkflowLayerLoader,
                 canvas=None, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("Add Geo Engine workflow layer"))
        self.setObjectName("GeoEngineAddLayerDialog")
        self._store = store
        self._with_session = with_session
        self._runner = runner
        self._loader = loader
        self._canvas = canvas
        self.descriptor: Optional[ResultDescriptor] = None
        self.workflow_id: Optional[str] = None  # the id the descriptor belongs to
        self._source_title = ""
        self._picked = ("", "")  # (workflow id, name) chosen in the catalog
        self._fetch_state = ""  # "", "busy", "error: <Field>: <message>"
        self._generation = 0
        self._name_edited = False
        self.fetch_task: Optional[CoreTask] = None
        self.load_task: Optional[CoreTask] = None
        self.size_verdict: Optional[GuardVerdict] = None  # of the current input (None: not known yet)
        self._size_error = ""
        self.submitted: Optional[LayerRequest] = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(FETCH_DELAY_MS)
        self._timer.timeout.connect(self.fetch_descriptor)
        self._build()
        self.reload_connections()
        self.catalog.set_connection(self.connection_combo.currentText())
        self.connection_combo.currentIndexChanged.connect(
            lambda _index: self.catalog.set_connection(self.connection_combo.currentText()))
        self._update()
        self._restore_geometry()

    # --- layout -----------------------------------------------------------------------------------------------
    def _build(self) -> None:
        form = QFormLayout()
        self.connection_combo = QComboBox()
        self.connection_combo.currentIndexChanged.connect(self._source_changed)
        form.addRow(tr("Connection"), self.connection_combo)

        self.source_tabs = QTabWidget()
        self.id_page, self.json_page = id_page, json_page = QWidget(), QWidget()
        self.id_edit = QLineEdit()
        self.id_edit.setPlaceholderText(tr("Workflow ID, e.g. xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx"))
        self.id_edit.textChanged.connect(self._source_changed)
        self.id_state = QLabel()
        self.id_state.setTextFormat(Qt.TextFormat.PlainText)  # echoes what was typed or pasted
        self.id_state.setWordWrap(True)  # a long message must not widen the dialog
        id_layout = QVBoxLayout(id_page)
        id_layout.addWidget(self.id_edit)
        id_layout.addWidget(self.id_state)
        id_layout.addStretch(1)
        self.json_edit = QPlainTextEdit()
        self.json_edit.setPlaceholderText(JSON_EXAMPLE)
        self.json_edit.textChanged.connect(self._source_changed)
        self.json_state = QLabel()
        self.json_state.setTextFormat(Qt.TextFormat.PlainText)
        self.json_state.setWordWrap(True)
        self.register_button = QPushButton(tr("Register and fetch"))
        self.register_button.clicked.connect(self.fetch_descriptor)
        json_layout = QVBoxLayout(json_page)
        json_layout.addWidget(self.json_edit)
        row = QHBoxLayout()
        row.addWidget(self.json_state, 1)
        row.addWidget(self.register_button)
        json_layout.addLayout(row)
        self.catalog = CatalogPicker(self._with_session, self._runner)  # fills in the ID field: ID mode too
        self.catalog.picked.connect(self._catalog_picked)
        self.source_tabs.addTab(self.catalog, tr("Catalog"))  # first: a new user has no ID yet
        self.source_tabs.addTab(id_page, tr("Workflow ID"))
        self.source_tabs.addTab(json_page, tr("Workflow JSON"))
        self._json_mode = False
        self.source_tabs.currentChanged.connect(self._tab_changed)
        self.id_edit.textChanged.connect(lambda text: text.strip() and self._show_tab(self.id_page))
        self.json_edit.textChanged.connect(
            lambda: self.json_edit.toPlainText().strip() and self._show_tab(self.json_page))
        form.addRow(tr("Workflow"), self.source_tabs)

        self.descriptor_label = QLabel(tr("The result descriptor appears here once the workflow is known."))
        self.descriptor_label.setWordWrap(True)
        self.descriptor_label.setTextFormat(Qt.TextFormat.RichText)
        form.addRow(tr("Result"), self.descriptor_label)

        self.extent_box = QgsExtentGroupBox()
        self.extent_box.setTitle(tr("Extent"))
        self.extent_box.setCheckable(False)
        if self._canvas is not None:
            crs = self._canvas.mapSettings().destinationCrs()
            self.extent_box.setOriginalExtent(self._canvas.extent(), crs)
            self.extent_box.setCurrentExtent(self._canvas.extent(), crs)
            self.extent_box.setOutputCrs(crs)
            self.extent_box.setMapCanvas(self._canvas)
            self.extent_box.setOutputExtentFromCurrent()
        self.extent_box.extentChanged.connect(lambda _extent: self._update())

        self.range_check = QCheckBox(tr("Time range"))
        self.range_check.toggled.connect(self._update)
        self.start_edit = TimeEdit()
        self.start_edit.setObjectName("GeoEngineTimeStart")
        self.end_edit = TimeEdit()
        self.end_edit.setObjectName("GeoEngineTimeEnd")
        self._last_start = QDateTime()
        self.start_edit.dateTimeChanged.connect(self._start_changed)
        self.end_edit.dateTimeChanged.connect(self._update)
        self.step_combo = QComboBox()  # the steps of a regular time series (e.g. its months)
        self.step_combo.setToolTip(tr("The time steps of this workflow"))
        self.step_combo.setVisible(False)
        self.step_combo.activated.connect(self._step_picked)
        time_row = QHBoxLayout()
        time_row.addWidget(self.step_combo)
        time_row.addWidget(self.start_edit)
        time_row.addWidget(QLabel(tr("to")))
        time_row.addWidget(self.end_edit)
        time_row.addWidget(self.range_check)
        form.addRow(tr("Time (UTC)"), time_row)

        self.band_list = QListWidget()
        self.band_list.setMaximumHeight(90)
        self.band_list.itemChanged.connect(lambda _item: self._update())
        form.addRow(tr("Bands"), self.band_list)

        self.name_edit = QLineEdit()
        self.name_edit.textEdited.connect(self._name_typed)
        self.name_edit.textChanged.connect(lambda _text: self._update())
        form.addRow(tr("Layer name"), self.name_edit)

        self.mode_combo = QComboBox()
        self.mode_combo.addItem(tr("Streamed GeoTIFF (one layer per time slice)"), GEOTIFF)
        self.mode_combo.addItem(tr("Live WMS layer (rendered by the server)"), WMS)
        self.mode_combo.currentIndexChanged.connect(self._update)
        self.group_check = QCheckBox(tr("Group time slices"))
        self.group_check.setChecked(True)
        mode_row = QHBoxLayout()
        mode_row.addWidget(self.mode_combo, 1)
        mode_row.addWidget(self.group_check)
        form.addRow(tr("Raster mode"), mode_row)
        self.resolution_row = ResolutionRow()  # streamed GeoTIFFs: native, the canvas's or a given pixel size
        form.addRow(tr("Resolution"), self.resolution_row)
        self.resolution_row.mode_combo.currentIndexChanged.connect(lambda _i: self._update())  # the size changes
        self.resolution_row.size_spin.valueChanged.connect(lambda _v: self._update())

        self.size_label = QLabel()  # the download size, live as extent, time, bands and resolution change
        self.size_label.setWordWrap(True)
        self.size_label.setTextFormat(Qt.TextFormat.PlainText)
        self.message_label = QLabel()
        self.message_label.setWordWrap(True)
        self.message_label.setTextFormat(Qt.TextFormat.PlainText)
        self.progress = QProgressBar()
        self.progress.setRange(0, 100)
        self.cancel_load_button = QPushButton(tr("Cancel load"))
        self.cancel_load_button.setObjectName("GeoEngineCancelLoad")
        self.cancel_load_button.clicked.connect(self.cancel_load)
        self.progress_row = QWidget()
        progress_layout = QHBoxLayout(self.progress_row)
        progress_layout.setContentsMargins(0, 0, 0, 0)
        progress_layout.addWidget(self.progress, 1)
        progress_layout.addWidget(self.cancel_load_button)
        self.progress_row.setVisible(False)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(tr(ADD_TEXT))
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)

        self.form_widget = QWidget()  # disabled while a load runs
        form_layout = QVBoxLayout(self.form_widget)
        form_layout.setContentsMargins(0, 0, 0, 0)
        form_layout.addLayout(form)
        form_layout.addWidget(self.extent_box)
        layout = QVBoxLayout(self)
        layout.addWidget(self.form_widget, 1)
        layout.addWidget(self.size_label)
        layout.addWidget(self.message_label)
        layout.addWidget(self.progress_row)
        layout.addWidget(self.buttons)

    def showEvent(self, event) -> None:  # noqa: N802 - Qt API name
        """Connections may have been added since the dialog was made."""
        self.reload_connections()
        super().showEvent(event)

    def _restore_geometry(self) -> None:
        saved = QgsSettings().value(GEOMETRY_KEY)
        if saved is None or not self.restoreGeometry(saved):
            self.resize(max(self.sizeHint().width(), 640), self.sizeHint().height())

    def done(self, result: int) -> None:
        """Remember the size and place for the next time (OK, Cancel or the window's close button)."""
        QgsSettings().setValue(GEOMETRY_KEY, self.saveGeometry())
        self._generation += 1  # a login still under way no longer starts a fetch for this dialog
        task, self.fetch_task = self.fetch_task, None
        if task is not None and not sip.isdeleted(task):  # its callbacks would reach a deleted dialog
            task.detach()
            task.cancel()
        super().done(result)

    # --- time ---------------------------------------------------------------------------------------------------
    def _start_changed(self, start: QDateTime) -> None:
        """The end follows the start: it keeps the number of time steps (or the duration) it had."""
        if not start.isValid():  # half typed: wait for a date
            self._update()
            return
        previous, self._last_start = self._last_start, QDateTime(start)
        end = self.end_edit.dateTime()
        if previous.isValid() and start.isValid() and end.isValid() and end > previous:
            step = regular_step(self.descriptor)
            moved = None
            if step is not None:
                steps = _steps_between(previous, end, step)
                if steps:
                    moved = qdatetime(add_step(pydatetime(start), step, steps))
            if moved is None:
                moved = start.addMSecs(previous.msecsTo(end))
            self.end_edit.setDateTime(moved)
        self._sync_step_combo()
        self._update()

    def _fill_steps(self, descriptor: ResultDescriptor) -> None:
        """Offer the steps of a regular series with finite bounds (e.g. its months) in ``step_combo``."""
        self.step_combo.clear()
        step, bounds = regular_step(descriptor), time_bounds(descriptor)
        starts = step_starts(bounds, step) if step is not None and bounds is not None else []
        for start in starts:
            self.step_combo.addItem(step_label(start, step), qdatetime(start))
        self.step_combo.setVisible(bool(starts))
        self._sync_step_combo()

    def _sync_step_combo(self) -> None:
        index = self.step_combo.findData(self.start_edit.dateTime()) if self.step_combo.count() else -1
        self.step_combo.blockSignals(True)
        self.step_combo.setCurrentIndex(index)
        self.step_combo.blockSignals(False)

    def _step_picked(self, index: int) -> None:
        step = regular_step(self.descriptor)
        start = self.step_combo.itemData(index)
        if step is None or start is None:
            return
        self.range_check.setChecked(True)
        self.end_edit.setDateTime(qdatetime(add_step(pydatetime(start), step)))
        self._last_start = QDateTime()  # the pick sets both ends: the end must not follow again
        self.start_edit.setDateTime(start)

    @property
    def ok_button(self):
        return self.buttons.button(QDialogButtonBox.StandardButton.Ok)

    def reload_connections(self) -> None:
        current = self.connection_combo.currentText()
        self.connection_combo.blockSignals(True)
        self.connection_combo.clear()
        self.connection_combo.addItems(self._store.names())
        if current:
            self.connection_combo.setCurrentText(current)
        self.connection_combo.blockSignals(False)
        if self.connection_combo.currentText() != current:
            self._source_changed()

    # --- source and descriptor --------------------------------------------------------------------------------
    def _show_tab(self, page: QWidget) -> None:
        if self.source_tabs.currentWidget() is not page:
            self.source_tabs.setCurrentWidget(page)

    def json_mode(self) -> bool:
        """The JSON tab is showing (the catalog and the ID tab both use the ID field)."""
        return self.source_tabs.currentWidget() is self.json_page

    def _tab_changed(self, _index: int) -> None:
        """Between the catalog and the ID tab nothing changes (both use the ID); to or from JSON it does."""
        json_mode = self.json_mode()
        if json_mode != self._json_mode:
            self._json_mode = json_mode
            self._source_changed()
        else:
            self._update()

    def _catalog_picked(self, workflow_id: str, name: str, _kind: str) -> None:
        self._picked = (workflow_id, name)
        self.id_edit.setText(workflow_id)  # shows the ID tab and fetches the descriptor

    def _name_typed(self, _text: str) -> None:
        self._name_edited = True

    def _source_changed(self, *_args) -> None:
        """A new connection or workflow: forget the old descriptor; fetch again (ID mode) after a pause."""
        self._generation += 1
        self.descriptor, self.workflow_id, self._fetch_state = None, None, ""
        self.band_list.clear()  # the bands belong to the old workflow
        self._timer.stop()
        id_mode = not self.json_mode()
        ready = check_workflow_id(self.id_edit.text())[0] if id_mode else \
            check_workflow_json(self.json_edit.toPlainText())[0] is not None
        if ready and self.connection_combo.currentText():
            self._timer.start()  # JSON: registering is idempotent (the ID is a hash of the workflow)
        self._update()

    def fetch_descriptor(self) -> None:
        """Fetch the result descriptor in the background (JSON mode: register the workflow first)."""
        self._timer.stop()
        connection = self.connection_combo.currentText()
        json_mode = self.json_mode()
        workflow = check_workflow_json(self.json_edit.toPlainText())[0] if json_mode else None
        workflow_id = None if json_mode else self.id_edit.text().strip()
        if not connection or (json_mode and workflow is None) or (not json_mode and not workflow_id):
            return
        self._generation += 1
        generation = self._generation
        self._fetch_state = "busy"
        self._update()

        def work(context, session):
            if workflow is not None:
                found = register_workflow(workflow, session=session)
            else:
                found = Workflow(workflow_id, session)
            context.check_canceled()
            title = ""
            try:
                name = source_dataset_name(found.workflow_definition())
                title = get_dataset(name, session=session).display_name if name else ""
            except GeoEngineError:
                title = ""
            return str(found.workflow_id), found.get_result_descriptor(), title

        def on_session(session) -> None:
            if generation != self._generation:
                return

            def run(context):
                return work(context, session)

            self.fetch_task = self._runner.submit(
                tr('Geo Engine: fetch result descriptor'), run, notify_errors=False,
                on_success=lambda result: self._descriptor_ready(generation, *result),
                on_error=lambda exc: self._descriptor_failed(generation, exc))

        self._with_session(connection, on_session,
                           lambda exc: self._descriptor_failed(generation, exc, "Connection"))

    def _descriptor_ready(self, generation: int, workflow_id: str, descriptor: ResultDescriptor, title: str) -> None:
        if generation != self._generation:
            return  # the input changed meanwhile
        if self._picked[0] == workflow_id and self._picked[1]:
            title = self._picked[1]  # the catalog's name for it
        self.descriptor, self.workflow_id, self._source_title, self._fetch_state = descriptor, workflow_id, title, ""
        self.descriptor_label.setText(describe_descriptor(descriptor))
        self._apply_defaults(descriptor)
        self._update()

    def _descriptor_failed(self, generation: int, exc: BaseException, field: str = "Workflow") -> None:
        if generation != self._generation:
            return
        self.descriptor, self.workflow_id = None, None
        self._fetch_state = f"error: {field}: {describe_error(exc).summary}"
        self._update()

    def _apply_defaults(self, descriptor: ResultDescriptor) -> None:
        start, end = default_time(descriptor)
        self._last_start = QDateTime()  # set both ends as they are
        self.end_edit.setDateTime(qdatetime(end))
        self.start_edit.setDateTime(qdatetime(start))
        self.range_check.setChecked(end != start)
        self._fill_steps(descriptor)
        try:
            crs = crs_for(descriptor.spatial_reference)
            self.extent_box.setOutputCrs(crs)
        except GeoEngineError:
            pass
        self.band_list.blockSignals(True)
        self.band_list.clear()
        for index, band in enumerate(getattr(descriptor, "bands", []) or []):
            item = QListWidgetItem(f"{index}: {band.name} ({band.measurement})")
            item.setData(Qt.ItemDataRole.UserRole, index)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked)
            self.band_list.addItem(item)
        self.band_list.blockSignals(False)
        if not self._name_edited:
            self.name_edit.setText(self._source_title or f"{descriptor.kind.capitalize()} {self.workflow_id[:8]}")

    # --- validation -------------------------------------------------------------------------------------------
    def selected_bands(self) -> List[int]:
        return [self.band_list.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.band_list.count())
                if self.band_list.item(i).checkState() == Qt.CheckState.Checked]

    def problem(self) -> Optional[str]:
        """The first thing that keeps OK disabled (naming the field), or None."""
        if not self.connection_combo.currentText():
            return tr("Connection: add a connection first (Geo Engine menu > Connections…).")
        json_mode = self.json_mode()
        if json_mode:
            workflow, message = check_workflow_json(self.json_edit.toPlainText())
            if workflow is None:
                return message
        else:
            valid, message = check_workflow_id(self.id_edit.text())
            if not valid:
                return message
        if self._fetch_state == "busy":
            return tr(FETCHING)
        if self._fetch_state.startswith("error: "):
            return self._fetch_state[len("error: "):]
        if self.descriptor is None:
            return tr(WAITING)
        extent = self.extent_box.outputExtent()
        if extent.isEmpty() or extent.width() <= 0 or extent.height() <= 0:
            return tr("Extent: choose an extent with a width and a height (canvas, layer or drawn).")
        for label, edit in ((tr("Time: start: {problem}."), self.start_edit),
                            (tr("Time: end: {problem}."), self.end_edit)):
            if (edit is self.start_edit or self.range_check.isChecked()) and edit.problem():
                return label.format(problem=edit.problem())
        if self.range_check.isChecked() and self.end_edit.dateTime() <= self.start_edit.dateTime():
            return tr("Time: the end must be after the start.")
        if isinstance(self.descriptor, RasterResultDescriptor) and not self.selected_bands():
            return tr("Bands: choose at least one band.")
        if not self.name_edit.text().strip() and self.descriptor is not None:
            return tr("Layer name: enter a name.")
        if self._size_error:
            return self._size_error
        if self.size_verdict is not None and self.size_verdict.decision == REFUSE:
            return tr("Size: {message}").format(message=self.size_verdict.message)
        return None

    def _check_size(self) -> None:
        """Size the download for the current input (no request): :attr:`size_verdict` and the size line."""
        self.size_verdict, self._size_error = None, ""
        descriptor = self.descriptor
        if descriptor is None or descriptor.is_plot_result() or self.mode_combo.currentData() == WMS and \
                isinstance(descriptor, RasterResultDescriptor):
            self.size_label.setText("")
            self.size_label.setVisible(False)
            return
        start, end = self.start_edit.dateTime(), self.end_edit.dateTime()
        if not start.isValid() or (self.range_check.isChecked() and not end.isValid()):
            return
        iso_ms = Qt.DateFormat.ISODateWithMs
        extent = QgsRectangle(self.extent_box.outputExtent())
        crs = QgsCoordinateReferenceSystem(self.extent_box.outputCrs())
        try:
            self.size_verdict = preview(
                descriptor, extent, crs, start.toUTC().toString(iso_ms),
                end.toUTC().toString(iso_ms) if self.range_check.isChecked() else None, self.selected_bands(),
                self.resolution_row.request(self._canvas, extent, crs), folder=self._download_folder())
        except GeoEngineError as exc:
            self._size_error = tr("Extent: {error}").format(error=describe_error(exc).summary)
            self.size_label.setVisible(False)
            return
        self.size_label.setText(tr("Download: {size}").format(size=self.size_verdict.estimate.describe()))
        self.size_label.setStyleSheet(status_style(INFO, self))
        self.size_label.setVisible(True)

    def _download_folder(self):
        """Where the loader writes (its free space is checked), if the loader says."""
        tempdir = getattr(self._loader, "tempdir", None) or getattr(self._loader, "_tempdir", None)
        return getattr(tempdir, "base", None)

    def _update(self, *_args) -> None:
        valid_id, id_message = check_workflow_id(self.id_edit.text())
        self._state(self.id_state, valid_id, id_message, empty=not self.id_edit.text().strip())
        workflow, json_message = check_workflow_json(self.json_edit.toPlainText())
        self._state(self.json_state, workflow is not None, json_message,
                    empty=not self.json_edit.toPlainText().strip())
        self.start_edit.setEnabled(self.descriptor is not None)
        self.register_button.setEnabled(workflow is not None and self._fetch_state != "busy")
        self.end_edit.setEnabled(self.range_check.isChecked() and self.descriptor is not None)
        raster = isinstance(self.descriptor, RasterResultDescriptor)
        self.band_list.setEnabled(raster)
        self.mode_combo.setEnabled(raster)  # not for a vector or plot, nor before the kind is known
        self.group_check.setEnabled(self.mode_combo.isEnabled() and self.mode_combo.currentData() == GEOTIFF)
        self.resolution_row.setEnabled(self.group_check.isEnabled())
        if self.descriptor is None:
            busy = self._fetch_state == "busy"
            self.descriptor_label.setText(tr("Fetching the result descriptor…") if busy else
                                          tr("The result descriptor appears here once the workflow is known."))
        self._check_size()
        problem = self.problem()
        self.ok_button.setEnabled(problem is None and self.load_task is None)
        asking = problem is None and self.size_verdict is not None and self.size_verdict.decision == ASK
        self.ok_button.setText(tr(ADD_ANYWAY_TEXT) if asking else tr(ADD_TEXT))
        if asking:  # over the limit: a question, not "Ready."
            self.message_label.setText(tr("Large download. {message} Add it anyway?").format(
                message=self.size_verdict.message))
            self.message_label.setStyleSheet(status_style(ERROR, self))
            return
        inline = problem is not None and problem.startswith((tr(ID_PREFIX), tr(JSON_PREFIX)))
        if inline:  # said once, under the field (and only once something was typed)
            problem = None if self._source_text() else tr(START_HINT)
            self.message_label.setText(problem or "")
            self.message_label.setStyleSheet(status_style(INFO, self))
            return
        self.message_label.setText(problem or tr("Ready."))
        busy = problem in (tr(FETCHING), tr(WAITING))
        self.message_label.setStyleSheet(status_style(INFO if busy else ERROR if problem else OK, self))

    def _source_text(self) -> str:
        edit = self.json_edit.toPlainText() if self.json_mode() else self.id_edit.text()
        return edit.strip()

    def _state(self, label: QLabel, valid: bool, message: str, empty: bool) -> None:
        """The field's own line: nothing before anything was typed, then ✓ or ✗ and the message."""
        label.setText("" if empty else ("✓ " if valid else "✗ ") + message)
        label.setStyleSheet(status_style(OK if valid else ERROR, self))
        label.setProperty("valid", valid)

    # --- submit -----------------------------------------------------------------------------------------------
    def build_request(self, workflow_id: str) -> LayerRequest:
        """The loader request for the current input (OK is only enabled when it is valid)."""
        iso_ms = Qt.DateFormat.ISODateWithMs
        start = self.start_edit.dateTime().toUTC().toString(iso_ms)
        end = self.end_edit.dateTime().toUTC().toString(iso_ms) if self.range_check.isChecked() else None
        extent = QgsRectangle(self.extent_box.outputExtent())
        crs = QgsCoordinateReferenceSystem(self.extent_box.outputCrs())
        verdict = self.size_verdict
        agreed = verdict.estimate.bytes or 0 if verdict is not None and verdict.decision == ASK else 0
        options = LayerOptions(raster_mode=self.mode_combo.currentData() or GEOTIFF,
                               group_slices=self.group_check.isChecked(), confirmed_bytes=agreed)
        bands = tuple(self.selected_bands()) if isinstance(self.descriptor, RasterResultDescriptor) else ()
        known = self.descriptor if workflow_id == self.workflow_id else None  # fetched for this very workflow
        return LayerRequest(workflow_id, extent, crs, start, end, bands, self.name_edit.text().strip(),
                            self.connection_combo.currentText(), options, descriptor=known,
                            resolution=self.resolution_row.request(self._canvas, extent, crs))

    def submit(self) -> None:
        """OK: start loading; the dialog shows progress with a Cancel button and closes when the layer is added
        (a failed or cancelled load keeps it open and says why)."""
        self._update()
        if self.problem() is not None or self.workflow_id is None or self.load_task is not None:
            return
        connection = self.connection_combo.currentText()
        self.submitted = self.build_request(self.workflow_id)
        remember_workflow(connection, self.workflow_id, self.submitted.name, self.descriptor.kind)
        request = self.submitted
        self._loading(True, tr("Loading {name}…").format(name=request.name))

        def start(session) -> None:
            if sip.isdeleted(self):
                return
            self.load_task = self._loader.load(session, request, on_done=self._load_done)
            self.load_task.progressChanged.connect(self._progress_changed)

        self._with_session(connection, start, lambda exc: self._load_done(LoadOutcome(error=exc)))

    def cancel_load(self) -> None:
        """The progress row's Cancel: stops the running load (as the task manager's cancel does)."""
        if self.load_task is not None:
            self.cancel_load_button.setEnabled(False)
            self.load_task.cancel()

    def _progress_changed(self, percent: float) -> None:
        if not sip.isdeleted(self):
            self.progress.setValue(int(percent))

    def _loading(self, busy: bool, text: str = "") -> None:
        self.form_widget.setEnabled(not busy)
        self.progress_row.setVisible(busy)
        self.cancel_load_button.setEnabled(busy)
        self.progress.setValue(0)
        self.ok_button.setEnabled(not busy)
        if text:
            self.message_label.setText(text)
            self.message_label.setStyleSheet(status_style(INFO, self))

    def _load_done(self, outcome: LoadOutcome) -> None:
        if sip.isdeleted(self):
            return  # the dialog was closed while the load ran: the message bar reports
        self.load_task = None
        if outcome.ok:
            self.accept()
            return
        self._loading(False)
        self._update()
        if outcome.cancelled:
            self.message_label.setText(tr("Load cancelled: nothing was added."))
            self.message_label.setStyleSheet(status_style(INFO, self))
        elif outcome.error is not None:
            self.message_label.setText(tr("Not loaded: {error}").format(error=describe_error(outcome.error).summary))
            self.message_label.setStyleSheet(status_style(ERROR, self))


def pydatetime(value: QDateTime):
    """A QDateTime as an aware UTC datetime."""
    import datetime as dt

    return dt.datetime.fromtimestamp(value.toMSecsSinceEpoch() / 1000, dt.timezone.utc)


def _steps_between(start: QDateTime, end: QDateTime, step, limit: int = 1000) -> int:
    """n when ``end`` is ``start`` plus n steps (n <= ``limit``), else 0."""
    begin, target, moment = pydatetime(start), pydatetime(end), pydatetime(start)
    for count in range(1, limit + 1):
        moment = add_step(begin, step, count)
        if moment >= target:
            return count if moment == target else 0
    return 0
