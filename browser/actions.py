"""What the Browser does with a catalog layer or dataset (main thread; server work in tasks).

Every action first registers the entry's workflow (:func:`~.targets.prepare`, in a task with the connection's
session), then:

* :meth:`BrowserActions.add_to_map` - builds a :class:`~..qgis_glue.layers.LayerRequest` for the map canvas's
  extent and CRS and the temporal controller's current range (else the workflow's default time) and hands it to
  the plugin's ``WorkflowLayerLoader`` - the same loader, and the same request type, as "Add workflow layer".
* :meth:`copy_workflow_id`, :meth:`show_provenance`, :meth:`show_definition`.

Failures reach the message bar (one sentence) and the log panel, never a traceback dialog.
"""

from __future__ import annotations

from typing import Callable, List, Optional, Tuple

from qgis.core import QgsCoordinateReferenceSystem, QgsRectangle
from qgis.PyQt.QtCore import Qt

from ..core.errors import InputError
from ..qgis_glue.errors import describe_error
from ..qgis_glue.i18n import tr
from ..qgis_glue.layers import LayerOptions, LayerRequest, LoadOutcome
from ..qgis_glue.provenance_cache import fetch_provenance
from ..qgis_glue.query import default_time, iso
from ..qgis_glue.raster_resolution import ResolutionRequest, canvas_pixels
from ..qgis_glue.session_jobs import run_with_session
from ..ui.widgets import close_dialogs, copy_to_clipboard, keep_open
from .host import BrowserHost
from .targets import CatalogTarget, PreparedTarget, prepare

Ready = Callable[[object, PreparedTarget], None]


def _utc_text(moment) -> str:
    return moment.toUTC().toString(Qt.DateFormat.ISODateWithMs)


def request_time(canvas, descriptor) -> Tuple[str, Optional[str]]:
    """``(start, end or None)``: the canvas's temporal range when temporal navigation is on, else the default
    time of the workflow (first step of a regular raster, start of the bounds, or today)."""
    if canvas is not None and canvas.mapSettings().isTemporal():
        current = canvas.temporalRange()
        if current.begin().isValid():
            end = current.end()
            later = end.isValid() and end > current.begin()
            return _utc_text(current.begin()), (_utc_text(end) if later else None)
    start, end = default_time(descriptor)
    return iso(start), (iso(end) if end != start else None)


def canvas_extent(canvas) -> Tuple[QgsRectangle, QgsCoordinateReferenceSystem]:
    """The map canvas's extent and CRS, or :class:`InputError` when there is no usable extent."""
    if canvas is None:
        raise InputError("adding a layer from the Browser needs the map canvas", field="extent")
    extent = QgsRectangle(canvas.extent())
    crs = QgsCoordinateReferenceSystem(canvas.mapSettings().destinationCrs())
    if extent.isEmpty() or not crs.isValid():
        raise InputError("the map has no extent yet: zoom the map to the area to load first", field="extent")
    return extent, crs


class BrowserActions:
    """The Browser's actions; ``last_error`` keeps the latest failure (for tests and the log)."""

    def __init__(self, host: BrowserHost) -> None:
        self.host = host
        self.last_error: Optional[BaseException] = None
        self._dialogs: List = []

    # --- the shared first step --------------------------------------------------------------------------
    def with_prepared(self, target: CatalogTarget, description: str, on_ready: Ready,
                      on_error: Optional[Callable[[BaseException], None]] = None) -> None:
        """Register ``target``'s workflow in a task, then ``on_ready(session, prepared)`` on the main thread."""

        def failed(exc: BaseException) -> None:
            self.last_error = exc
            if on_error is not None:
                on_error(exc)

        def ready(result) -> None:
            try:
                on_ready(*result)
            except Exception as exc:  # noqa: BLE001 - e.g. no map extent: say so, do not raise into QGIS
                report = describe_error(exc)
                self.host.notifier.error(f"{description}: {report.summary}", details=report.details)
                failed(exc)

        run_with_session(self.host.with_session, self.host.runner, target.connection, description,
                         lambda session, _context: (session, prepare(session, target)), ready, failed,
                         notify_errors=True)

    # --- actions ------------------------------------------------------------------------------------------
    def add_to_map(self, target: CatalogTarget, on_done: Optional[Callable[[LoadOutcome], None]] = None) -> None:
        """Load ``target`` for the map's extent and time through the plugin's layer loader; ``on_done(outcome)``."""

        try:
            canvas_extent(self.host.canvas)  # before any request: is there a map extent to load for?
        except InputError as exc:
            self.last_error = exc
            self.host.notifier.error(tr("Geo Engine: cannot add {name}: {message}").format(
                name=target.name, message=exc.message))
            if on_done is not None:
                on_done(LoadOutcome(error=exc))
            return

        def ready(session, prepared: PreparedTarget) -> None:
            request = self.layer_request(prepared)
            self.host.loader().load(session, request, on_done)

        self.with_prepared(target, tr("Geo Engine: add {name}").format(name=target.name), ready,
                           (lambda exc: on_done(LoadOutcome(error=exc))) if on_done is not None else None)

    def layer_request(self, prepared: PreparedTarget) -> LayerRequest:
        extent, crs = canvas_extent(self.host.canvas)
        start, end = request_time(self.host.canvas, prepared.descriptor)
        return LayerRequest(prepared.workflow_id, extent, crs, start, end, (), prepared.name,
                            prepared.target.connection, LayerOptions(symbology=prepared.symbology),
                            descriptor=prepared.descriptor,  # rasters: auto = native if small, else the canvas's
                            resolution=ResolutionRequest(canvas_px=canvas_pixels(self.host.canvas, extent, crs)))

    def copy_workflow_id(self, target: CatalogTarget, on_done: Optional[Callable[[str], None]] = None) -> None:
        def ready(_session, prepared: PreparedTarget) -> None:
            copy_to_clipboard(prepared.workflow_id)
            self.host.notifier.info(tr("Copied the workflow id of {name}: {workflow_id}").format(
                name=prepared.name, workflow_id=prepared.workflow_id))
            if on_done is not None:
                on_done(prepared.workflow_id)

        self.with_prepared(target, tr("Geo Engine: workflow id of {name}").format(name=target.name), ready)

    def show_definition(self, target: CatalogTarget, on_shown: Optional[Callable] = None) -> None:
        """Show the entry's workflow JSON (the layer actions' definition dialog); ``on_shown(dialog)``."""
        def ready(_session, prepared: PreparedTarget) -> None:
            from ..ui.workflow_definition_dialog import WorkflowDefinitionDialog

            dialog = keep_open(self._dialogs, WorkflowDefinitionDialog(prepared.workflow_id, prepared.workflow,
                                                                       prepared.name, self.host.parent))
            if on_shown is not None:
                on_shown(dialog)

        self.with_prepared(target, tr("Geo Engine: workflow of {name}").format(name=target.name), ready)

    def show_provenance(self, target: CatalogTarget, on_shown: Optional[Callable] = None) -> None:
        """The plugin's provenance view (``host.show_provenance``), else a text window; ``on_shown(result)``."""
        def ready(session, prepared: PreparedTarget) -> None:
            if self.host.show_provenance is not None:
                shown = self.host.show_provenance(target.connection, prepared.workflow_id, prepared.name)
                if on_shown is not None:
                    on_shown(shown)
                return

            def rows_ready(rows) -> None:
                from ..ui.browser_text_dialog import TextDialog

                title = tr("Provenance of {name}").format(name=prepared.name)
                heading = tr("Data behind workflow {workflow_id}").format(workflow_id=prepared.workflow_id)
                dialog = keep_open(self._dialogs, TextDialog(title, heading,
                                                             provenance_text(rows), self.host.parent))
                if on_shown is not None:
                    on_shown(dialog)

            self.host.runner.submit(tr("Geo Engine: provenance of {name}").format(name=prepared.name),
                                    lambda _context: fetch_provenance(session, prepared.workflow_id),
                                    on_success=rows_ready, on_error=self._remember)

        self.with_prepared(target, tr("Geo Engine: provenance of {name}").format(name=target.name), ready)

    # --- helpers ------------------------------------------------------------------------------------------
    def _remember(self, exc: BaseException) -> None:
        self.last_error = exc


    @property
    def dialogs(self) -> List:
        return list(self._dialogs)

    def close_dialogs(self) -> None:
        close_dialogs(self._dialogs)


def provenance_text(rows) -> str:
    if not rows:
        return tr('The server lists no data sources with provenance for this workflow.')
    return "\n\n".join(f"{row.sources}\nCitation: {row.citation}\nLicence: {row.license}\nURI: {row.uri}"
                       for row in rows)
