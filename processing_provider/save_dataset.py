"""geoengine:saveasdataset - store a raster workflow's result as a dataset on the server; waits for the task.

``POST /datasetFromWorkflow/{id}`` starts a server task; it is polled (progress = its ``pctComplete``) until it
completes, fails or is aborted. Cancelling the algorithm aborts the server task.
"""

from __future__ import annotations

import time
from typing import Any, Dict

from qgis.core import (
    QgsProcessingContext,
    QgsProcessingException,
    QgsProcessingFeedback,
    QgsProcessingOutputString,
    QgsProcessingParameterDefinition,
    QgsProcessingParameterNumber,
    QgsProcessingParameterString,
)

from ..core.errors import InputError
from ..core.tasks import CompletedTaskStatusInfo, FailedTaskStatusInfo, RunningTaskStatusInfo, Task
from ..core.types import QueryRectangle
from ..qgis_glue.extent import to_workflow_bounds
from ..qgis_glue.messages import log
from .base import CONNECTION_HELP, QUERY_HELP, GeoEngineAlgorithm
from .runtime import FeedbackContext


def wait_for_task(task: Task, progress: FeedbackContext, feedback: QgsProcessingFeedback,
                  poll_seconds: float, timeout_seconds: float):
    """Poll until the task is no longer running (bounded by ``timeout_seconds``); cancel aborts it."""
    deadline = time.monotonic() + timeout_seconds
    while True:
        status = task.get_status()
        if isinstance(status, RunningTaskStatusInfo):
            progress.set_progress(10 + 0.9 * status.pct_complete)
        elif status.finished:
            return status
        if progress.is_canceled():
            try:
                task.abort()
            except Exception as exc:  # noqa: BLE001 - cancelling is best effort; the run stops anyway
                log(f"Could not abort server task {task}: {exc}")
            progress.check_canceled()
        if time.monotonic() > deadline:
            raise QgsProcessingException(f"Server task {task} still running after {timeout_seconds:g} s "
                                         f"({getattr(status, 'pct_complete', 0.0):.1f}% complete); it keeps running "
                                         "on the server.")
        end = time.monotonic() + poll_seconds
        while time.monotonic() < end and not progress.is_canceled():
            time.sleep(min(0.05, poll_seconds))


class SaveAsDataset(GeoEngineAlgorithm):
    ALGORITHM_ID = "saveasdataset"
    DISPLAY_NAME = "Save workflow result as dataset"
    NAME, DISPLAY, DESCRIPTION = "NAME", "DISPLAY_NAME", "DESCRIPTION"
    POLL, TIMEOUT = "POLL_SECONDS", "TIMEOUT_SECONDS"
    HELP = (
        "Stores a raster workflow's result for an extent and time as a new dataset on the Geo Engine server "
        "and waits for the server task (progress from the task; cancelling aborts it). Outputs the dataset "
        "name (DATASET) and the task id (TASK_ID).<br>"
        f"{CONNECTION_HELP}<br>{QUERY_HELP}<br>"
        "<b>Name</b> is optional (the server picks one); <b>Display name</b> is required.<br>"
        "Example (command line):<br><code>qgis_process.bin run geoengine:saveasdataset -- "
        "CONNECTION=\"My server\" WORKFLOW=&lt;uuid&gt; EXTENT=\"5,15,45,55 [EPSG:4326]\" "
        "TIME_START=2014-04-01T00:00:00Z DISPLAY_NAME=\"NDVI Europe April 2014\"</code>"
    )

    def define(self, config: Dict[str, Any]) -> None:
        self.add_workflow_parameter()
        self.add_query_parameters()
        self.addParameter(QgsProcessingParameterString(self.NAME, "Dataset name (empty: chosen by the server)",
                                                       optional=True))
        self.addParameter(QgsProcessingParameterString(self.DISPLAY, "Display name"))
        self.addParameter(QgsProcessingParameterString(self.DESCRIPTION, "Description", optional=True,
                                                       multiLine=True))
        for name, label, default, minimum in ((self.POLL, "Poll interval (s)", 0.5, 0.05),
                                              (self.TIMEOUT, "Give up waiting after (s)", 3600.0, 1.0)):
            parameter = QgsProcessingParameterNumber(name, label, QgsProcessingParameterNumber.Double,
                                                     defaultValue=default, minValue=minimum)
            parameter.setFlags(parameter.flags() | QgsProcessingParameterDefinition.FlagAdvanced)
            self.addParameter(parameter)
        self.addOutput(QgsProcessingOutputString("DATASET", "Dataset name"))
        self.addOutput(QgsProcessingOutputString("TASK_ID", "Server task id"))

    def work(self, session, parameters: Dict[str, Any], context: QgsProcessingContext,
            feedback: QgsProcessingFeedback, progress: FeedbackContext) -> Dict[str, Any]:
        workflow = self.workflow(session, parameters, context, "raster")
        descriptor = workflow.get_result_descriptor()
        rectangle, crs = self.extent(parameters, context, workflow)
        start, end = self.time_range(parameters, context, workflow)
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
        task = workflow.save_as_dataset(QueryRectangle(bounds, (start, end or start), srs), name, display, description)
        feedback.pushInfo(f"Server task {task} started")
        status = wait_for_task(task, progress, feedback, self.parameterAsDouble(parameters, self.POLL, context),
                               self.parameterAsDouble(parameters, self.TIMEOUT, context))
        if isinstance(status, FailedTaskStatusInfo):
            raise QgsProcessingException(f"The server task failed: {status.error}")
        if not isinstance(status, CompletedTaskStatusInfo):
            raise QgsProcessingException(f"The server task ended as {status.status.value}")
        info = status.info if isinstance(status.info, dict) else {}
        dataset = str(info.get("dataset", ""))
        if not dataset:
            raise QgsProcessingException(f"The server task completed without naming the dataset: {status.info!r}")
        feedback.setProgress(100)
        feedback.pushInfo(f"Dataset {dataset} saved")
        return {"DATASET": dataset, "TASK_ID": str(task)}
