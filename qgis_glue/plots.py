"""Plot workflows for a map extent and time: the request the plot dock sends (worker thread) and its defaults.

:class:`PlotRequest` holds what the user sees (extent in the canvas CRS, ISO time); :func:`fetch_plot` turns it
into ``GET /plot/{id}`` in the workflow's CRS and returns the ``WrappedPlotOutput``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Tuple

from qgis.core import QgsCoordinateReferenceSystem, QgsCoordinateTransformContext, QgsRectangle

from ..core.errors import GeoEngineError, InputError
from ..core.types import QueryRectangle, TimeInterval
from ..core.workflow import Workflow
from .extent import to_workflow_bounds
from .query import default_time, iso


@dataclass(frozen=True)
class PlotRequest:
    """A plot of ``workflow_id`` on ``connection`` for ``extent`` (in ``crs``) and ``time`` (start, end or None)."""

    connection: str
    workflow_id: str
    extent: QgsRectangle
    crs: QgsCoordinateReferenceSystem
    time: Optional[Tuple[str, str]] = None  # None: the workflow's default time


@dataclass(frozen=True)
class PlotResult:
    request: PlotRequest
    output: dict
    bounds: Tuple[float, float, float, float]  # in ``srs``
    srs: str
    time: Tuple[str, str]


def time_pair(time) -> Optional[Tuple[str, str]]:
    """``None``, an ISO instant, ``"start/end"`` or a ``(start, end)`` pair -> ``(start, end)`` or ``None``."""
    if time is None:
        return None
    if isinstance(time, str):
        start, _, end = time.partition("/")
        return start.strip(), (end or start).strip()
    start, end = time
    return str(start), str(end or start)


def fetch_plot(session, request: PlotRequest, transform_context: Optional[QgsCoordinateTransformContext] = None,
               context=None) -> PlotResult:
    """Worker thread: the plot's output for the request's extent (transformed into the workflow's CRS) and time."""
    workflow = Workflow(request.workflow_id, session)
    descriptor = workflow.get_result_descriptor()
    if not descriptor.is_plot_result():
        raise InputError(f"workflow {request.workflow_id} is a {descriptor.kind} workflow, not a plot; "
                         "add it as a layer instead", field="workflow")
    srs = descriptor.spatial_reference or request.crs.authid()
    bounds = to_workflow_bounds(request.extent, request.crs, srs, transform_context)
    time = request.time
    if time is None:
        start, end = default_time(descriptor)
        time = (iso(start), iso(end))
    if context is not None:
        context.set_progress(30)
        context.check_canceled()
    try:
        interval = TimeInterval(time[0], time[1])
    except GeoEngineError as exc:
        raise InputError(exc.message, field="time") from None
    output = workflow.plot_json(QueryRectangle(bounds, interval, srs))
    return PlotResult(request, output, bounds, srs, (time[0], time[1]))
