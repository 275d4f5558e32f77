"""geoengine:saveasdataset - store a raster workflow's result as a dataset on the server; waits for the task.

The work is the "Save result as dataset" dialog's :func:`~..qgis_glue.dataset_export.export_dataset`:
``POST /datasetFromWorkflow/{id}`` starts a server task, which is polled (progress = its ``pctComplete``)
until it completes or fails. Cancelling the algorithm - or waiting longer than TIMEOUT_SECONDS - aborts the
server task.
"""

from __future__ import annotations

import time
from typing import Any, Dict

from qgis.core import (
    QgsProcessingContext,
    QgsProcessingException,
    QgsProcessingFeedback,
    QgsProcessingOutputString,
    QgsProcessingParameterNumber,
    QgsProcessingParameterString,
)

from ..core.errors import InputError
from ..qgis_glue.extent import to_workflow_bounds
from ..qgis_glue.i18n import QT_TR_NOOP, tr
from ..qgis_glue.query import LayerQuery
from ..qgis_glue.tasks import TaskCancelled
from .base import CONNECTION_HELP, QUERY_HELP, GeoEngineAlgorithm
from .compat import ADVANCED, DOUBLE
from .runtime import FeedbackContext


class DeadlineContext(FeedbackContext):
    """Feedback progress mapped to 10..100 %; "cancelled" also once ``timeout_seconds`` have passed."""

    def __init__(self, feedback: QgsProcessingFeedback, timeout_seconds: float) -> None:
        super().__init__(feedback, 10, 100)
        self.deadline = time.monotonic() + timeout_seconds

    @property
    def timed_out(self) -> bool:
        return time.monotonic() > self.deadline

    def is_canceled(self) -> bool:
        return super().is_canceled() or self.timed_out


class SaveAsDataset(GeoEngineAlgorithm):
    ALGORITHM_ID = "saveasdataset"
    DISPLAY_NAME = QT_TR_NOOP("Save workflow result as dataset")
    NAME, DISPLAY, DESCRIPTION = "NAME", "DISPLAY_NAME", "DESCRIPTION"
    POLL, TIMEOUT = "POLL_SECONDS", "TIMEOUT_SECONDS"
    HELP = (  # translated piece by piece (see base.shortHelpString)
        QT_TR_NOOP("Stores a raster workflow's result for an extent and time as a new dataset on the Geo Engine "
                   "server and waits for the server task (progress from the task; cancelling aborts it). Outputs "
                   "the dataset name (DATASET) and the task id (TASK_ID).<br>"),
        CONNECTION_HELP,
        "<br>",
        QUERY_HELP,
        "<br>",
        QT_TR_NOOP("<b>Name</b> is optional (the server picks one); Geo Engine stores it as &lt;your user "
                   "id&gt;:&lt;name&gt; (admins: as given), a foreign namespace is refused. <b>Display name</b> is "
                   "required. Geo Engine 0.9.3 saves single-band rasters only: of a multi-band workflow the first "
                   "band is saved.<br>"),
        QT_TR_NOOP("Example (command line):"),
        "<br><code>qgis_process.bin run geoengine:saveasdataset -- "
        "CONNECTION=\"My server\" WORKFLOW=&lt;uuid&gt; EXTENT=\"5,15,45,55 [EPSG:4326]\" "
        "TIME_START=2014-04-01T00:00:00Z DISPLAY_NAME=\"NDVI Europe April 2014\"</code>",
    )

    def define(self, config: Dict[str, Any]) -> None:
        self.add_workflow_parameter()
        self.add_query_parameters()
        self.addParameter(QgsProcessingParameterString(self.NAME, tr("Dataset name (optional)"),
                                                       optional=True))
        self.addParameter(QgsProcessingParameterString(self.DISPLAY, tr("Display name")))
        self.addParameter(QgsProcessingParameterString(self.DESCRIPTION, tr("Description"), optional=True,
                                                       multiLine=True))
        for name, label, default, minimum in ((self.POLL, "Poll interval (s)", 0.5, 0.05),
                                              (self.TIMEOUT, "Give up waiting after (s)", 3600.0, 1.0)):
            parameter = QgsProcessingParameterNumber(name, label, DOUBLE,
                                                     defaultValue=default, minValue=minimum)
            parameter.setFlags(parameter.flags() | ADVANCED)
            self.addParameter(parameter)
        self.addOutput(QgsProcessingOutputString("DATASET", "Dataset name"))
        self.addOutput(QgsProcessingOutputString("TASK_ID", "Server task id"))

    def work(self, session, parameters: Dict[str, Any], context: QgsProcessingContext,
            feedback: QgsProcessingFeedback, progress: FeedbackContext) -> Dict[str, Any]:
        workflow, descriptor, rectangle, crs, start, end = self.query(session, parameters, context, "raster")
        srs = descriptor.spatial_reference or crs.authid()
        clip = descriptor.spatial_bounds.as_tuple() if descriptor.spatial_bounds is not None else None
        bounds = to_workflow_bounds(rectangle, crs, srs, context.transformContext(), clip)
        display = self.parameterAsString(parameters, self.DISPLAY, context).strip()
        if not display:
            raise InputError("a display name is required", field="display_name")
        name = self.parameterAsString(parameters, self.NAME, context).strip() or None
        description = self.parameterAsString(parameters, self.DESCRIPTION, context)
        progress.set_progress(5)
        progress.check_canceled()
        from ..qgis_glue.dataset_export import ExportProgress, ExportRequest, export_dataset

        query = LayerQuery(str(workflow.workflow_id), self.connection_name, session.server_url, bounds, srs,
                           start, end or start, (0,), "raster", "processing")
        waiting = DeadlineContext(feedback, self.parameterAsDouble(parameters, self.TIMEOUT, context))
        state = ExportProgress()
        try:
            outcome = export_dataset(session, ExportRequest(query, display, description, name), waiting, state,
                                     self.parameterAsDouble(parameters, self.POLL, context))
        except TaskCancelled:
            if waiting.timed_out and not progress.is_canceled():
                raise QgsProcessingException(
                    f"The server task {state.task} was still running after "
                    f"{self.parameterAsDouble(parameters, self.TIMEOUT, context):g} s and was aborted.") from None
            raise
        if not outcome.dataset:
            raise QgsProcessingException(f"The server task completed without naming the dataset: {outcome.info!r}")
        feedback.setProgress(100)
        feedback.pushInfo(f"Dataset {outcome.dataset} saved (server task {outcome.task_id})")
        return {"DATASET": outcome.dataset, "TASK_ID": outcome.task_id}
