"""The base of every Geo Engine algorithm: shared parameters, connection handling, errors and cancellation.

Threads: QGIS calls ``prepareAlgorithm`` on the main thread (the connection's credentials are read from the
Auth Manager there, which may ask for the master password; a failure there is raised from ``processAlgorithm``,
because only there Processing passes the message on) and ``processAlgorithm`` on a worker thread in
the GUI (on the calling thread in ``processing.run`` and ``qgis_process``). Nothing here touches widgets,
so the algorithms run in the model designer, in batch mode and from the command line.

Subclasses define ``ALGORITHM_ID``, ``DISPLAY_NAME``, ``HELP`` and implement :meth:`define` (their
parameters) and :meth:`run` (the work, with a logged-in core Session).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, NamedTuple, Optional, Tuple

from qgis.core import (
    QgsCoordinateReferenceSystem,
    QgsProcessingAlgorithm,
    QgsProcessingContext,
    QgsProcessingException,
    QgsProcessingFeedback,
    QgsProcessingParameterExtent,
    QgsProcessingParameterString,
    QgsRectangle,
)
from qgis.PyQt.QtGui import QIcon

from ..core.errors import InputError
from ..core.workflow import Workflow
from ..qgis_glue.connections import ConnectionStore
from ..qgis_glue.extent import crs_for
from ..qgis_glue.i18n import QT_TR_NOOP, tr
from ..qgis_glue.query import default_time, iso
from ..qgis_glue.sessions import ResolvedConnection
from .runtime import FeedbackContext, processing_error, resolve_connection, session_for

ICON = Path(__file__).resolve().parent.parent / "resources" / "icon.svg"
KINDS = {"raster": "is_raster_result", "vector": "is_vector_result", "plot": "is_plot_result"}

CONNECTION_HELP = QT_TR_NOOP(
    "<b>Connection</b>: the name of a connection saved in the plugin's Connections dialog (its password or "
    "token comes from the QGIS Authentication Manager), or the server's URL for an anonymous session: its base "
    "URL such as <code>http://127.0.0.1:3030</code> or its exact API root such as "
    "<code>https://example.org/geoengine/api</code> (found with GET &lt;url&gt;/info, then &lt;url&gt;/api/info)."
)
EXAMPLE_ID_HELP = QT_TR_NOOP(
    "The example ID belongs to the NDVI workflow <code>{\"type\": \"Raster\", \"operator\": {\"type\": "
    "\"GdalSource\", \"params\": {\"data\": \"ndvi\"}}}</code>: the bundled test server registers it when "
    "it starts; on another server run <i>Register workflow from JSON</i> with that JSON first."
)
QUERY_HELP = QT_TR_NOOP(
    "<b>Extent</b> (with its CRS) is reprojected to the workflow's CRS. <b>Time start/end</b> are ISO 8601 "
    "times such as <code>2014-04-01T00:00:00Z</code>; an empty start means the workflow's first time step, "
    "an empty end an instant."
)


class WorkflowQuery(NamedTuple):
    """What the query parameters of an algorithm name (see :meth:`GeoEngineAlgorithm.query`)."""

    workflow: Workflow
    descriptor: Any
    rectangle: QgsRectangle
    crs: QgsCoordinateReferenceSystem
    start: str
    end: Optional[str]

class GeoEngineAlgorithm(QgsProcessingAlgorithm):
    """Shared parameters (connection, workflow id, extent, time) and the run frame."""

    ALGORITHM_ID = ""
    DISPLAY_NAME = ""
    HELP = ""
    GROUP = QT_TR_NOOP("Workflows")
    CONNECTION, WORKFLOW, EXTENT = "CONNECTION", "WORKFLOW", "EXTENT"
    TIME_START, TIME_END = "TIME_START", "TIME_END"

    def __init__(self) -> None:
        super().__init__()
        self._resolved: Optional[ResolvedConnection] = None
        self._prepare_error: Optional[QgsProcessingException] = None
        self._styled_output: Optional[Tuple[str, Any]] = None  # (destination, fetched template source)

    # --- identity --------------------------------------------------------------------------------
    def name(self) -> str:
        return self.ALGORITHM_ID

    def displayName(self) -> str:  # noqa: N802 - QGIS API names
        return tr(self.DISPLAY_NAME)

    def group(self) -> str:
        return tr(self.GROUP)

    def groupId(self) -> str:  # noqa: N802
        return self.GROUP.lower()

    def shortHelpString(self) -> str:  # noqa: N802
        """``HELP`` in the user's language: a text, or pieces translated one by one (code samples stay as
        they are)."""
        pieces = (self.HELP,) if isinstance(self.HELP, str) else self.HELP
        return "".join(tr(piece) for piece in pieces)

    def icon(self) -> QIcon:
        return QIcon(str(ICON))

    def createInstance(self) -> GeoEngineAlgorithm:  # noqa: N802
        return type(self)()

    # --- parameters --------------------------------------------------------------------------------
    def initAlgorithm(self, config: Optional[Dict[str, Any]] = None) -> None:  # noqa: N802
        names = ConnectionStore().names()  # settings only: no network, no credentials
        self.addParameter(QgsProcessingParameterString(
            self.CONNECTION, tr("Connection (name or API URL)"),
            defaultValue=names[0] if names else None))
        self.define(config or {})

    def define(self, config: Dict[str, Any]) -> None:
        """Add the algorithm's own parameters and outputs (after the connection)."""
        raise NotImplementedError

    def add_workflow_parameter(self) -> None:
        self.addParameter(QgsProcessingParameterString(self.WORKFLOW, tr("Workflow ID")))

    def add_query_parameters(self) -> None:
        """Extent (with CRS) and optional time start/end."""
        self.addParameter(QgsProcessingParameterExtent(self.EXTENT, tr("Extent")))
        self.addParameter(QgsProcessingParameterString(
            self.TIME_START, tr("Time start (ISO 8601)"), optional=True))
        self.addParameter(QgsProcessingParameterString(
            self.TIME_END, tr("Time end (ISO 8601)"), optional=True))

    # --- run frame -----------------------------------------------------------------------------------
    def prepareAlgorithm(self, parameters: Dict[str, Any], context: QgsProcessingContext,  # noqa: N802
                         feedback: QgsProcessingFeedback) -> bool:
        self._resolved, self._prepare_error = None, None
        try:
            self._resolved = resolve_connection(self.parameterAsString(parameters, self.CONNECTION, context))
        except Exception as exc:  # noqa: BLE001 - raised from processAlgorithm, where Processing shows the message
            self._prepare_error = processing_error(exc)
        return True

    def processAlgorithm(self, parameters: Dict[str, Any], context: QgsProcessingContext,  # noqa: N802
                         feedback: QgsProcessingFeedback) -> Dict[str, Any]:
        if self._prepare_error is not None:
            raise self._prepare_error
        if self._resolved is None:
            raise QgsProcessingException("The connection was not prepared.")
        progress = FeedbackContext(feedback)
        try:
            progress.check_canceled()
            with session_for(self._resolved) as session:
                return self.work(session, parameters, context, feedback, progress)
        except Exception as exc:  # noqa: BLE001 - every failure becomes a QgsProcessingException
            error = processing_error(exc)
            if error is not exc:
                raise error from None
            raise

    def work(self, session, parameters: Dict[str, Any], context: QgsProcessingContext,
            feedback: QgsProcessingFeedback, progress: FeedbackContext) -> Dict[str, Any]:
        """Worker thread: the algorithm's work with a logged-in core Session; returns the outputs."""
        raise NotImplementedError

    def postProcessAlgorithm(self, context: QgsProcessingContext,  # noqa: N802
                             feedback: QgsProcessingFeedback) -> Dict[str, Any]:
        """Main thread: an output QGIS loads gets the dialog's style (see ``output_style``)."""
        if self._styled_output is not None:
            from .output_style import DialogStyle

            DialogStyle.attach(context, *self._styled_output)
            self._styled_output = None
        return {}

    def style_when_loaded(self, destination: str, fetched: Any) -> None:
        """Ask for the dialog's style on ``destination`` if Processing loads it after the run."""
        self._styled_output = (destination, fetched)

    # --- helpers for subclasses ------------------------------------------------------------------------
    @property
    def connection_name(self) -> str:
        return self._resolved.connection.name if self._resolved is not None else ""

    def workflow(self, session, parameters: Dict[str, Any], context: QgsProcessingContext,
                 kind: Optional[str] = None) -> Workflow:
        """The workflow named by the WORKFLOW parameter (its descriptor fetched); ``kind`` is checked."""
        text = self.parameterAsString(parameters, self.WORKFLOW, context).strip()
        if not text:
            raise InputError("a workflow id is required", field="workflow")
        workflow = Workflow(text, session)
        descriptor = workflow.get_result_descriptor()
        if kind is not None and not getattr(descriptor, KINDS[kind])():
            raise InputError(f"workflow {text} has a {descriptor.kind} result; {self.displayName()!r} needs a "
                             f"{kind} workflow", field="workflow")
        return workflow

    def query(self, session, parameters: Dict[str, Any], context: QgsProcessingContext,
              kind: Optional[str] = None) -> WorkflowQuery:
        """The WORKFLOW (``kind`` checked), its result descriptor, the EXTENT and the TIME_START/TIME_END range."""
        workflow = self.workflow(session, parameters, context, kind)
        rectangle, crs = self.extent(parameters, context, workflow)
        start, end = self.time_range(parameters, context, workflow)
        return WorkflowQuery(workflow, workflow.get_result_descriptor(), rectangle, crs, start, end)

    def extent(self, parameters: Dict[str, Any], context: QgsProcessingContext,
               workflow: Workflow) -> Tuple[QgsRectangle, QgsCoordinateReferenceSystem]:
        """The extent and its CRS (the workflow's CRS when the value names none and there is no project CRS)."""
        rectangle = self.parameterAsExtent(parameters, self.EXTENT, context)
        crs = self.parameterAsExtentCrs(parameters, self.EXTENT, context)
        if not crs.isValid():
            crs = crs_for(workflow.get_result_descriptor().spatial_reference or "")
        return rectangle, crs

    def time_range(self, parameters: Dict[str, Any], context: QgsProcessingContext,
                   workflow: Workflow) -> Tuple[str, Optional[str]]:
        """(start, end or None): the parameters, or the start of the workflow's first time step as an instant."""
        start = self.parameterAsString(parameters, self.TIME_START, context).strip()
        end = self.parameterAsString(parameters, self.TIME_END, context).strip() or None
        if not start:
            first, _ = default_time(workflow.get_result_descriptor())
            start = iso(first)
        return start, end
