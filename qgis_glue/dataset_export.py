"""Save a raster layer's workflow result as a new dataset on the server, from a QGIS background task.

:func:`export_dataset` (worker thread) starts ``save_as_dataset`` for the layer's query, polls the server task
and reports its percentage to the QGIS task; cancelling the QGIS task aborts the server task (``DELETE
/tasks/{id}``) and waits (bounded) until the server says it stopped. :func:`gdal_source_workflow` is the
workflow that reads the saved dataset ("Add to map").
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, List, Optional, Tuple

from ..core.errors import GeoEngineError, InputError
from ..core.tasks import Task, TaskStatus, parse_timestamp
from ..core.types import RasterQueryRectangle, TimeInterval
from ..core.workflow import Workflow, register_workflow
from .query import LayerQuery
from .tasks import TaskCancelled

POLL_SECONDS = 0.25
ABORT_WAIT_SECONDS = 30.0


class ServerTaskFailed(GeoEngineError):
    """The server task ended as failed (or was aborted by someone else)."""


@dataclass(frozen=True)
class ExportRequest:
    """The layer's query plus the new dataset's name (optional), display name and description."""

    query: LayerQuery
    display_name: str
    description: str = ""
    name: Optional[str] = None

    def __post_init__(self) -> None:
        if not self.display_name.strip():
            raise InputError("enter a display name for the new dataset", field="display name")
        if self.query.kind and self.query.kind != "raster":
            raise InputError(f"only raster layers can be saved as a dataset, this is a {self.query.kind} layer",
                             field="layer")


@dataclass(frozen=True)
class ExportOutcome:
    dataset: str
    task_id: str
    info: Any


@dataclass
class ExportProgress:
    """Shared with the main thread: the server task id once known, and the final status after an abort."""

    task: Optional[Task] = None
    final_status: Any = None


def export_dataset(session, request: ExportRequest, context=None, progress: Optional[ExportProgress] = None,
                   poll_seconds: float = POLL_SECONDS) -> ExportOutcome:
    """Worker thread: start the export, poll until it ends, abort it when the QGIS task is cancelled."""
    progress = progress if progress is not None else ExportProgress()
    q = request.query
    try:
        interval = TimeInterval(q.time_start, q.time_end or q.time_start)
    except GeoEngineError as exc:
        raise InputError(exc.message, field="time") from None
    workflow, bands = single_band_workflow(session, Workflow(q.workflow_id, session), q.bands)
    query = RasterQueryRectangle(q.bounds, interval, bands, q.srs)
    task = workflow.save_as_dataset(query, request.name or None, request.display_name.strip(),
                                    request.description)
    progress.task = task
    span = (parse_timestamp(q.time_start), parse_timestamp(q.time_end or q.time_start))
    while True:
        if context is not None and context.is_canceled():
            progress.final_status = abort_and_wait(task, poll_seconds)
            raise TaskCancelled()
        status = task.get_status()
        if status.status is TaskStatus.RUNNING:
            if context is not None:
                # Geo Engine 0.9.3 reports 0 % until done and the tiles written in `info`
                context.set_progress(status.progress_percent(span[0], span[1]))
            time.sleep(poll_seconds)
            continue
        if status.status is TaskStatus.COMPLETED:
            info = status.info if isinstance(status.info, dict) else {}
            dataset = info.get("dataset") or request.name or ""
            return ExportOutcome(str(dataset), str(task.task_id), status.info)
        detail = getattr(status, "error", None) or getattr(status, "clean_up", None)
        raise ServerTaskFailed(f"the server task {task.task_id} ended as {status.status.value}"
                               + (f": {detail}" if detail else ""), error="TaskFailed")


def single_band_workflow(session, workflow: Workflow, bands) -> Tuple[Workflow, List[int]]:
    """The workflow to save for a layer showing ``bands`` (0-based; empty = the first band), and its bands.

    Geo Engine 0.9.3 saves single-band results only: its export task queries every band of the workflow and
    its GeoTIFF writer then fails the task ("does not support queries with multiple bands"); the request has
    no band field. So a layer showing one band of a multi-band workflow is saved as that band (a ``BandFilter``
    around the workflow), and a layer showing several bands is refused before anything is sent.
    """
    count = len(getattr(workflow.get_result_descriptor(), "bands", None) or [])
    if count <= 1:
        return workflow, list(bands) or [0]
    chosen = sorted(set(int(b) for b in bands)) or [0]
    if len(chosen) > 1:
        raise InputError(f"Geo Engine saves single-band rasters only; this layer shows {len(chosen)} of the "
                         f"workflow's {count} bands: add it with one band and save that layer", field="bands")
    definition = workflow.workflow_definition()
    wrapped = {"type": "Raster", "operator": {"type": "BandFilter", "params": {"bands": chosen},
                                              "sources": {"raster": definition["operator"]}}}
    return register_workflow(wrapped, session=session), [0]


def abort_and_wait(task: Task, poll_seconds: float = POLL_SECONDS, limit: float = ABORT_WAIT_SECONDS):
    """``DELETE /tasks/{id}`` and poll until the task is no longer running (at most ``limit`` seconds)."""
    task.abort()
    deadline = time.monotonic() + limit
    status = task.get_status()
    while status.status is TaskStatus.RUNNING and time.monotonic() < deadline:
        time.sleep(poll_seconds)
        status = task.get_status()
    return status


def gdal_source_workflow(dataset_name: str) -> dict:
    """The raster workflow that reads a dataset."""
    return {"type": "Raster", "operator": {"type": "GdalSource", "params": {"data": dataset_name}}}
