"""Plot dock: a plot workflow's output for the current map extent and time, drawn without a Vega renderer.

Vega-Lite bar charts (Histogram) are drawn with QPainter (:mod:`.charts`), ``JsonPlain`` outputs (Statistics)
shown as a table, ``ImagePng`` as the image; anything else as its JSON. Export to PNG and JSON.

API for other parts of the plugin:

* :meth:`PlotDock.show_plot` ``(connection_name, workflow_id, extent=None, crs=None, time=None)`` fetches and
  shows a plot (defaults: the map canvas extent, CRS and temporal range);
* :meth:`PlotDock.show_fetched` ``(fetched)`` shows a plot the workflow layer loader already fetched (use it as
  the loader's ``plot_handler``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Callable, List, Optional, Tuple

from qgis.core import QgsCoordinateReferenceSystem, QgsCoordinateTransformContext, QgsProject, QgsRectangle
from qgis.PyQt.QtCore import QBuffer, QByteArray, QIODevice, Qt, QTimer
from qgis.PyQt.QtGui import QImage, QImageReader, QPixmap
from qgis.PyQt.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDockWidget,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ..core.errors import InputError
from ..core.types import WorkflowId
from ..qgis_glue.errors import describe_error
from ..qgis_glue.i18n import tr
from ..qgis_glue.plain_text import escape
from ..qgis_glue.plot_model import BarChart, ImagePlot, PlotContent, TablePlot, UnsupportedPlot, parse_plot
from ..qgis_glue.plots import PlotRequest, PlotResult, fetch_plot, time_pair
from ..qgis_glue.session_jobs import WithSession, run_with_session
from ..qgis_glue.tasks import TaskRunner
from .charts import BarChartWidget
from .widgets import StatusLine, flags, save_file_name
from .workflow_definition_dialog import monospace_font

CHART, TABLE, IMAGE, RAW = 0, 1, 2, 3
FOLLOW_DELAY_MS = 600
MAX_PLOT_SIDE = 8192  # pixels; a PNG plot is decoded only after its header says it fits
MAX_PLOT_PIXELS = 16_000_000  # 64 MB as ARGB32


def decode_plot_png(png: bytes) -> Tuple[Optional[QImage], str]:
    """(image, "") or (None, why): the PNG's declared size is read from its header before any pixel is
    decoded, so a small file that declares 30000 x 30000 pixels never allocates gigabytes."""
    buffer = QBuffer()
    buffer.setData(QByteArray(bytes(png)))
    buffer.open(QIODevice.OpenModeFlag.ReadOnly)
    reader = QImageReader(buffer, b"PNG")
    size = reader.size()
    if not size.isValid():
        return None, tr("The server's plot image is not a readable PNG.")
    width, height = size.width(), size.height()
    if width > MAX_PLOT_SIDE or height > MAX_PLOT_SIDE or width * height > MAX_PLOT_PIXELS:
        return None, tr("The server's plot image declares {width} x {height} pixels; at most {side} x {side} and "
                        "{pixels:,} pixels are shown.").format(width=width, height=height, side=MAX_PLOT_SIDE,
                                                               pixels=MAX_PLOT_PIXELS)
    image = reader.read()
    if image.isNull():
        return None, tr("The server's plot image could not be decoded: {error}.").format(error=reader.errorString())
    return image, ""


class PlotDock(QDockWidget):
    """See the module docstring. ``content`` is the parsed plot; ``output`` the raw ``WrappedPlotOutput``."""

    OBJECT_NAME = "GeoEnginePlotDock"

    def __init__(self, with_session: WithSession, runner: TaskRunner, canvas=None,
                 connection_names: Optional[Callable[[], List[str]]] = None, parent: Optional[QWidget] = None,
                 project: Optional[QgsProject] = None) -> None:
        super().__init__(tr("Geo Engine plot"), parent)
        self.setObjectName(self.OBJECT_NAME)
        self._with_session = with_session
        self._runner = runner
        self._canvas = canvas
        self._connection_names = connection_names or (lambda: [])
        self._project = project
        self._generation = 0
        self.output: Optional[dict] = None
        self.content: Optional[PlotContent] = None
        self.request: Optional[PlotRequest] = None
        self.state = "empty"

        body = QWidget(self)
        layout = QVBoxLayout(body)
        form = QHBoxLayout()
        self.connection_combo = QComboBox(body)
        self.connection_combo.setToolTip(tr("Geo Engine connection"))
        self.workflow_edit = QLineEdit(body)
        self.workflow_edit.setPlaceholderText(tr("plot workflow id"))
        self.plot_button = QPushButton(tr("Plot"), body)
        self.plot_button.setToolTip(tr("Compute the plot for the current map extent and time"))
        self.plot_button.clicked.connect(self._plot_clicked)
        form.addWidget(self.connection_combo)
        form.addWidget(self.workflow_edit, 1)
        form.addWidget(self.plot_button)
        self.follow_check = QCheckBox(tr("Update when the map extent or time changes"), body)
        self.follow_check.setToolTip(tr("Compute the plot again (after a short pause) when the map moves"))
        self.follow_check.toggled.connect(self.set_follow_map)
        self._follow_timer = QTimer(self)
        self._follow_timer.setSingleShot(True)
        self._follow_timer.setInterval(FOLLOW_DELAY_MS)
        self._follow_timer.timeout.connect(self.refresh)
        self.info = QLabel(body)
        self.info.setTextFormat(Qt.TextFormat.RichText)  # see _describe: server strings in it are escaped
        self.info.setWordWrap(True)
        self.info.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.status = StatusLine(body)
        self.stack = QStackedWidget(body)
        self.chart = BarChartWidget(self.stack)
        self.table = QTableWidget(self.stack)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.image_label = QLabel(self.stack)
        self.image_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.raw = QPlainTextEdit(self.stack)
        self.raw.setReadOnly(True)
        self.raw.setFont(monospace_font())
        for widget in (self.chart, self.table, self.image_label, self.raw):
            self.stack.addWidget(widget)
        exports = QHBoxLayout()
        self.png_button = QPushButton(tr("Export PNG…"), body)
        self.png_button.clicked.connect(self._export_png_clicked)
        self.json_button = QPushButton(tr("Export JSON…"), body)
        self.json_button.clicked.connect(self._export_json_clicked)
        exports.addStretch(1)
        exports.addWidget(self.png_button)
        exports.addWidget(self.json_button)
        layout.addLayout(form)
        layout.addWidget(self.follow_check)
        layout.addWidget(self.info)
        layout.addWidget(self.status)
        layout.addWidget(self.stack, 1)
        layout.addLayout(exports)
        self.setWidget(body)
        self.reload_connections()
        self._set_exports()
        self.status.show_info(tr("Enter a plot workflow id and press Plot, or add a plot workflow as a layer."))

    # --- public API -------------------------------------------------------------------------------
    def reload_connections(self) -> None:
        current = self.connection_combo.currentText()
        self.connection_combo.clear()
        self.connection_combo.addItems(self._connection_names())
        if current:
            self._select_connection(current)

    def show_plot(self, connection_name: str, workflow_id: str, extent: Optional[QgsRectangle] = None,
                  crs: Optional[QgsCoordinateReferenceSystem] = None, time=None) -> None:
        """Fetch and show a plot; ``time`` is an ISO instant, ``"start/end"`` or ``(start, end)``.

        Defaults: the map canvas extent and CRS, the canvas temporal range when temporal navigation is on,
        else the workflow's default time.
        """
        self._select_connection(connection_name)
        self.workflow_edit.setText(str(workflow_id))
        try:
            request = self._request(connection_name, workflow_id, extent, crs, time)
        except InputError as exc:
            self._fail(exc)
            return
        self.request = request
        self._generation += 1
        generation = self._generation
        self.state = "loading"
        self.plot_button.setEnabled(False)
        self.status.show_loading(tr("Computing the plot…"))
        context = QgsCoordinateTransformContext((self._project or QgsProject.instance()).transformContext())

        def done(result: PlotResult) -> None:
            if generation == self._generation:
                self.plot_button.setEnabled(True)
                self.show_output(result.output, self._describe(result.request.workflow_id, result.srs, result.bounds,
                                                               result.time))

        def failed(exc: BaseException) -> None:
            if generation == self._generation:
                self.plot_button.setEnabled(True)
                self._fail(exc)

        def cancelled() -> None:
            if generation == self._generation:
                self.plot_button.setEnabled(True)
                self.state = "error"
                self.status.show_error(tr("The plot was cancelled."))

        run_with_session(self._with_session, self._runner, connection_name, tr("Geo Engine: plot {workflow_id}").format(
            workflow_id=workflow_id),
                         lambda session, task: fetch_plot(session, request, context, task), done, failed, cancelled)

    def show_fetched(self, fetched) -> None:
        """Show a plot fetched by the workflow layer loader (``qgis_glue.layers.Fetched`` of kind plot)."""
        query = fetched.query
        self._select_connection(query.connection_name)
        self.workflow_edit.setText(query.workflow_id)
        self._generation += 1
        self.request = PlotRequest(query.connection_name, query.workflow_id, QgsRectangle(*query.bounds),
                                   QgsCoordinateReferenceSystem(query.srs), (query.time_start, query.time_end))
        self.show_output(fetched.plot or {}, self._describe(query.workflow_id, query.srs, query.bounds,
                                                            (query.time_start, query.time_end), fetched.name))
        if self.isHidden():
            self.show()
        self.raise_()

    def show_output(self, output: dict, description: str = "") -> None:
        """Show a ``WrappedPlotOutput`` (chart, table, image, or its JSON when it cannot be drawn)."""
        self.output = output
        self.info.setText(description)
        try:
            self.content = parse_plot(output)
        except UnsupportedPlot as exc:
            self.content = None
            self.raw.setPlainText(json.dumps(output, indent=2))
            self.stack.setCurrentIndex(RAW)
            self.state = "raw"
            self.status.show_info(tr("Shown as JSON: {message}.").format(message=exc.message))
            self._set_exports()
            return
        if isinstance(self.content, BarChart):
            self.chart.set_chart(self.content)
            self.stack.setCurrentIndex(CHART)
        elif isinstance(self.content, TablePlot):
            self._fill_table(self.content)
            self.stack.setCurrentIndex(TABLE)
        elif isinstance(self.content, ImagePlot):
            image, problem = decode_plot_png(self.content.png)
            if image is None:
                self.content = None
                self.raw.setPlainText(json.dumps({k: v for k, v in output.items() if k != "data"}, indent=2))
                self.stack.setCurrentIndex(RAW)
                self.state = "error"
                self.status.show_error(problem)
                self._set_exports()
                return
            self.image_label.setPixmap(QPixmap.fromImage(image))
            self.stack.setCurrentIndex(IMAGE)
        self.state = "ready"
        self.status.show_ok(f"{output.get('plotType', 'Plot')} ({output.get('outputFormat')}).")
        self._set_exports()

    def export_png(self, path: str) -> Path:
        """Write the shown plot as a PNG file (chart at 800 x 480 px, tables and JSON as they are shown)."""
        target = Path(path)
        if isinstance(self.content, BarChart):
            image = self.chart.image(800, 480)
        elif isinstance(self.content, ImagePlot):
            target.write_bytes(self.content.png)
            return target
        elif self.output is not None:
            image = self.stack.currentWidget().grab().toImage()
        else:
            raise InputError("there is no plot to export yet", field="plot")
        if image is None or not image.save(str(target), "PNG"):
            raise InputError(f"could not write {target}", field="path")
        return target

    def export_json(self, path: str) -> Path:
        """Write the plot's ``WrappedPlotOutput`` as pretty-printed JSON."""
        if self.output is None:
            raise InputError("there is no plot to export yet", field="plot")
        target = Path(path)
        target.write_text(json.dumps(self.output, indent=2), encoding="utf-8")
        return target

    def refresh(self) -> None:
        """Compute the last plot again for the current map extent (and the map's time when temporal navigation
        is on, else the last plot's time)."""
        if self.request is not None:
            temporal = self._canvas is not None and self._canvas.mapSettings().isTemporal()
            self.show_plot(self.request.connection, self.request.workflow_id,
                           time=None if temporal else self.request.time)
        elif self.workflow_edit.text().strip() and self.connection_combo.currentText():
            self._plot_clicked()

    def set_follow_map(self, follow: bool) -> None:
        """Re-plot (debounced) when the canvas extent or temporal range changes."""
        if self._canvas is None:
            return
        signals = (self._canvas.extentsChanged, self._canvas.temporalRangeChanged)
        for signal in signals:
            try:
                signal.disconnect(self._map_changed)
            except TypeError:
                pass  # was not connected
            if follow:
                signal.connect(self._map_changed)
        if self.follow_check.isChecked() != follow:
            self.follow_check.setChecked(follow)

    def _map_changed(self) -> None:
        if self.workflow_edit.text().strip() and self.connection_combo.currentText():
            self._follow_timer.start()

    # --- internals --------------------------------------------------------------------------------
    def _request(self, connection: str, workflow_id: str, extent, crs, time) -> PlotRequest:
        workflow_id = str(WorkflowId(workflow_id))  # a clear error for ids that are not UUIDs
        settings = self._canvas.mapSettings() if self._canvas is not None else None
        if extent is None:
            if settings is None:
                raise InputError("no map extent: pass one or open a map", field="extent")
            extent = settings.visibleExtent()
        if crs is None:
            crs = settings.destinationCrs() if settings is not None else QgsCoordinateReferenceSystem("EPSG:4326")
        pair = time_pair(time)
        if pair is None and settings is not None and settings.isTemporal():
            rng = settings.temporalRange()
            pair = (_iso(rng.begin()), _iso(rng.end()))
        return PlotRequest(connection, workflow_id, QgsRectangle(extent), QgsCoordinateReferenceSystem(crs), pair)

    def _plot_clicked(self) -> None:
        connection = self.connection_combo.currentText()
        if not connection:
            self._fail(InputError("add a Geo Engine connection first (Connections…)", field="connection"))
            return
        self.show_plot(connection, self.workflow_edit.text().strip())

    def _fail(self, exc: BaseException) -> None:
        self.state = "error"
        self.status.show_error(describe_error(exc).summary)

    def _select_connection(self, name: str) -> None:
        index = self.connection_combo.findText(name)
        if index < 0 and name:
            self.connection_combo.addItem(name)
            index = self.connection_combo.findText(name)
        self.connection_combo.setCurrentIndex(index)

    @staticmethod
    def _describe(workflow_id: str, srs: str, bounds, time: Tuple[str, str], name: str = "") -> str:
        box = ", ".join(f"{v:.4g}" for v in bounds)
        when = time[0] if time[0] == time[1] else f"{time[0]} – {time[1]}"
        head = f"<b>{escape(name)}</b><br>" if name else ""
        # whole tiles: geo-engine/geoengine@5748ef7:geoengine/operators/src/plot/statistics.rs (and histogram.rs)
        return (f"{head}workflow {escape(workflow_id)}<br>extent {box} ({escape(srs)}); time {escape(when)}"
                "<br><i>raster inputs count every pixel of the 512 px tiles touching the extent</i>")

    def _fill_table(self, table: TablePlot) -> None:
        self.table.clear()
        self.table.setColumnCount(len(table.columns))
        self.table.setRowCount(len(table.rows))
        self.table.setHorizontalHeaderLabels(table.columns)
        for r, row in enumerate(table.rows):
            for c, text in enumerate(row):
                item = QTableWidgetItem(text)
                if c:
                    item.setTextAlignment(flags(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter))
                self.table.setItem(r, c, item)

    def _set_exports(self) -> None:
        self.png_button.setEnabled(self.output is not None)
        self.json_button.setEnabled(self.output is not None)

    def _export_png_clicked(self) -> None:
        path = save_file_name(self, tr("Export plot as PNG"), "plot.png", tr("PNG images (*.png)"))
        if path:
            self._export(self.export_png, path)

    def _export_json_clicked(self) -> None:
        path = save_file_name(self, tr("Export plot as JSON"), "plot.json", tr("JSON (*.json)"))
        if path:
            self._export(self.export_json, path)

    def _export(self, export, path: str) -> None:
        try:
            written = export(path)
        except (OSError, InputError) as exc:
            self.status.show_error(tr("Export failed: {exc}").format(exc=exc))
            return
        self.status.show_ok(tr("Saved {written}.").format(written=written))


def _iso(moment) -> str:
    return moment.toUTC().toString("yyyy-MM-dd'T'HH:mm:ss.zzz'Z'")
