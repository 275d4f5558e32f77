"""Save result as dataset: the selected Geo Engine raster layer's workflow, for the layer's extent and time,
stored on the server as a new dataset. The export runs as a QGIS task (progress in the task manager and here);
Abort cancels it, which aborts the server task. When it completes, the new dataset's name is shown with
"Copy name" and "Add to map".
"""

from __future__ import annotations

from typing import Callable, Optional

from qgis.PyQt.QtCore import Qt, pyqtSlot
from qgis.PyQt.QtWidgets import (
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ..core.errors import InputError
from ..qgis_glue.dataset_export import ExportOutcome, ExportProgress, ExportRequest, export_dataset
from ..qgis_glue.errors import describe_error
from ..qgis_glue.i18n import tr
from ..qgis_glue.plain_text import escape
from ..qgis_glue.query import LayerQuery
from ..qgis_glue.session_jobs import WithSession, run_with_session
from ..qgis_glue.tasks import TaskRunner
from .widgets import StatusLine, copy_to_clipboard

AddToMap = Callable[[str, str, LayerQuery], None]  # (connection, dataset name, the exported layer's query)
IDLE, RUNNING, COMPLETED, ABORTED, ERROR = "idle", "running", "completed", "aborted", "error"


class SaveDatasetDialog(QDialog):
    """See the module docstring. ``state``: idle, running, completed, aborted or error."""

    def __init__(self, query: LayerQuery, layer_name: str, with_session: WithSession, runner: TaskRunner,
                 add_to_map: Optional[AddToMap] = None, parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("Save result as dataset"))
        self.setObjectName("GeoEngineSaveDatasetDialog")
        self.query = query
        self._with_session = with_session
        self._runner = runner
        self._add_to_map = add_to_map
        self.state = IDLE
        self.task = None
        self.outcome: Optional[ExportOutcome] = None
        self.progress_state = ExportProgress()

        layout = QVBoxLayout(self)
        where = ", ".join(f"{v:.6g}" for v in query.bounds)
        when = query.time_start if query.time_start == query.time_end else f"{query.time_start} – {query.time_end}"
        source = QLabel(tr("<b>{name}</b><br>workflow {workflow_id} on {connection}<br>extent {extent} ({crs})<br>"
                           "time {time}").format(name=escape(layer_name), workflow_id=escape(query.workflow_id),
                                                 connection=escape(query.connection_name), extent=where,
                                                 crs=escape(query.srs), time=escape(when)), self)
        source.setTextFormat(Qt.TextFormat.RichText)
        source.setWordWrap(True)
        form = QFormLayout()
        self.display_name_edit = QLineEdit(layer_name, self)
        self.name_edit = QLineEdit(self)
        self.name_edit.setPlaceholderText(tr("optional; the server picks one when empty"))
        self.name_edit.setToolTip(tr("Letters, digits, '_' and '-'. Geo Engine stores new datasets in your own "
                                  "namespace, so a name is saved as <your user id>:<name> (admins: as typed)."))
        self.description_edit = QPlainTextEdit(self)
        self.description_edit.setPlaceholderText(tr("optional"))
        self.description_edit.setMaximumHeight(70)
        form.addRow(tr("Display name:"), self.display_name_edit)
        form.addRow(tr("Dataset name:"), self.name_edit)
        form.addRow(tr("Description:"), self.description_edit)
        self.progress = QProgressBar(self)
        self.progress.setRange(0, 100)
        self.progress.setValue(0)
        self.status = StatusLine(self)
        result = QHBoxLayout()
        self.result_label = QLabel(self)
        self.copy_button = QPushButton(tr("Copy name"), self)
        self.copy_button.clicked.connect(lambda _checked=False: copy_to_clipboard(self.dataset_name))
        self.add_button = QPushButton(tr("Add to map"), self)
        self.add_button.clicked.connect(self.add_result_to_map)
        if add_to_map is None:
            self.add_button.setToolTip(tr("Adding layers is not available in this version; copy the name instead"))
        result.addWidget(self.result_label, 1)
        result.addWidget(self.copy_button)
        result.addWidget(self.add_button)
        buttons = QHBoxLayout()
        self.save_button = QPushButton(tr("Save"), self)
        self.save_button.setDefault(True)
        self.save_button.clicked.connect(self.start)
        self.abort_button = QPushButton(tr("Abort"), self)
        self.abort_button.clicked.connect(self.abort)
        self.close_button = QPushButton(tr("Close"), self)
        self.close_button.clicked.connect(self.reject)
        buttons.addStretch(1)
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.abort_button)
        buttons.addWidget(self.close_button)
        layout.addWidget(source)
        layout.addLayout(form)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        layout.addLayout(result)
        layout.addLayout(buttons)
        self.resize(460, 360)
        self._update_buttons()

    @property
    def dataset_name(self) -> str:
        return self.outcome.dataset if self.outcome is not None else ""

    def start(self) -> None:
        """Start the export task (the form's values)."""
        if self.state == RUNNING:
            return
        try:
            request = ExportRequest(self.query, self.display_name_edit.text(), self.description_edit.toPlainText(),
                                    self.name_edit.text().strip() or None)
        except InputError as exc:
            self._fail(exc)
            return
        self.state = RUNNING
        self.outcome = None
        self.progress_state = ExportProgress()
        progress_state = self.progress_state
        self.progress.setValue(0)
        self.status.show_loading(tr("Saving… (the server computes the raster; see also QGIS's task manager)"))
        self._update_buttons()
        run_with_session(self._with_session, self._runner, self.query.connection_name,
                         tr("Geo Engine: save {name} as dataset").format(name=request.display_name.strip()),
                         lambda session, context: export_dataset(session, request, context, progress_state),
                         self._completed, self._fail, self._aborted, on_task=self._task_started)

    def abort(self) -> None:
        """Cancel the QGIS task, which aborts the server task."""
        if self.state == RUNNING and self.task is not None:
            self.status.show_loading(tr("Aborting…"))
            self.abort_button.setEnabled(False)
            self.task.cancel()

    def add_result_to_map(self) -> None:
        if self.outcome is None:
            return
        if self._add_to_map is None:
            copy_to_clipboard(self.dataset_name)
            self.status.show_info(tr("Adding layers is not available here; the name {dataset_name} was copied.").format(
                dataset_name=self.dataset_name))
            return
        self._add_to_map(self.query.connection_name, self.dataset_name, self.query)
        self.status.show_ok(tr("Adding {dataset_name} to the map (see the task manager).").format(
            dataset_name=self.dataset_name))

    # --- callbacks (main thread) -------------------------------------------------------------------
    def _task_started(self, task) -> None:
        self.task = task
        task.progressChanged.connect(self._on_progress)
        self._update_buttons()

    @pyqtSlot(float)
    def _on_progress(self, value: float) -> None:
        self.progress.setValue(int(value))

    def _completed(self, outcome: ExportOutcome) -> None:
        self.outcome = outcome
        self.state = COMPLETED
        self.task = None
        self.progress.setValue(100)
        self.result_label.setTextFormat(Qt.TextFormat.RichText)
        self.result_label.setText(tr("New dataset: <b>{name}</b>").format(name=escape(outcome.dataset)))
        self.status.show_ok(tr("Saved as dataset {dataset}.").format(dataset=outcome.dataset))
        self._update_buttons()
        self._come_back()

    def _aborted(self) -> None:
        self.state = ABORTED
        self.task = None
        final = self.progress_state.final_status
        detail = f" (server task {final.status.value})" if final is not None else ""
        self.status.show_info(tr("Aborted{detail}; no dataset was created.").format(detail=detail))
        self._update_buttons()
        self._come_back()

    def _fail(self, exc: BaseException) -> None:
        self.state = ERROR
        self.task = None
        self.status.show_error(describe_error(exc).summary)
        self._update_buttons()
        self._come_back()

    def _update_buttons(self) -> None:
        running = self.state == RUNNING
        done = self.state == COMPLETED
        self.save_button.setEnabled(not running)
        self.abort_button.setEnabled(running and self.task is not None)
        for widget in (self.display_name_edit, self.name_edit, self.description_edit):
            widget.setEnabled(not running)
        self.copy_button.setVisible(done)
        self.add_button.setVisible(done)
        self.result_label.setVisible(done)

    def reject(self) -> None:
        """Close; while the export runs the window only hides and comes back with the result."""
        if self.state == RUNNING:
            self.status.show_loading(tr("Saving… (this window closed and came back with the result)"))
            self.hide()
            return
        super().reject()

    def _come_back(self) -> None:
        if self.isHidden():
            self.show()
            self.raise_()
