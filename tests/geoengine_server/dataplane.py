"""What every data-plane endpoint (WMS, WFS, WCS, plots, streams) does around its computation.

Order: session (401) -> workflow lookup -> operator kind -> quota check -> compute in a worker
thread (the event loop never blocks) -> record the usage (tiles, feature batches or 1 plot).
"""

from __future__ import annotations

import asyncio
import functools
from dataclasses import dataclass
from typing import Any, Callable

from aiohttp import web

from .auth import require_session
from .engine import invalid_type
from .engine.types import EngineError, PlotOperator, RasterOperator, VectorOperator
from .errors import ApiError
from .state import Session
from .workflows import engine_error

KINDS = {"Raster": RasterOperator, "Vector": VectorOperator, "Plot": PlotOperator}


async def in_thread(fn: Callable, *args, **kwargs) -> Any:
    """Run ``fn`` in the default executor; engine errors become API errors."""
    loop = asyncio.get_running_loop()
    try:
        return await loop.run_in_executor(None, functools.partial(fn, *args, **kwargs))
    except EngineError as exc:
        raise engine_error(exc) from None


@dataclass
class Computation:
    """An authorised, quota-checked query on one workflow.

    ``operator`` is the registry's shared instance (descriptor look-ups on the event loop); the
    computation itself runs on a fresh instance of its own in worker threads (``in_thread``).
    """

    request: web.Request
    session: Session
    workflow_id: str
    operator: Any
    _worker: Any = None

    async def in_thread(self, fn: Callable, *args) -> Any:
        """``fn(operator, *args)`` in a worker thread, on this computation's own operator instance."""

        def job():
            if self._worker is None:
                instantiate = getattr(self.request.app["workflows"], "instantiate", None)
                self._worker = instantiate(self.workflow_id) if instantiate else self.operator
            return fn(self._worker, *args)

        return await in_thread(job)

    def record(self, count: int) -> str | None:
        """Book ``count`` units (tiles, batches, plots) against the caller; returns the computation id for the
        ``x-computation-id`` header, or ``None`` when emulating 0.9.3, which sends no such header (no match for
        it under geo-engine/geoengine@5748ef7:geoengine/services/src)."""
        computation = self.request.app["quota"].record(
            self.session.user.id, self.workflow_id, list(self.operator.datasets), count
        )
        if computation is None or not self.request.app["config"].version.startswith("0.10"):
            return None
        return str(computation)


def kind_error(expected: str, found: str) -> ApiError:
    return engine_error(invalid_type(expected, found))


async def open_operator(request: web.Request, workflow_id: str, expected: str, session: Session | None = None):
    """(session, operator) for ``workflow_id`` if it is a workflow of kind ``expected`` (Raster/Vector/Plot)."""
    session = session or require_session(request)
    workflows = request.app["workflows"]
    definition = workflows.get(workflow_id)  # NoWorkflowForGivenId for unknown ids
    found = definition.get("type") if isinstance(definition, dict) else None
    if found is not None and found != expected:
        raise kind_error(expected, found)
    operator = await in_thread(workflows.operator, workflow_id)
    if not isinstance(operator, KINDS[expected]):
        raise kind_error(expected, type(operator).__name__)
    return session, operator


def check_quota(request: web.Request, session: Session) -> None:
    request.app["quota"].check(session.user.id)


# Session, workflow lookup, kind, then the quota check before computing:
# geo-engine/geoengine@5748ef7:geoengine/services/src/api/handlers/workflows.rs (raster_stream_websocket),
# geo-engine/geoengine@5748ef7:geoengine/services/src/quota/mod.rs
async def start(request: web.Request, workflow_id: str, expected: str, session: Session | None = None) -> Computation:
    """Authorise, look up and initialise the workflow, and check the caller's quota."""
    session, operator = await open_operator(request, workflow_id, expected, session)
    check_quota(request, session)
    return Computation(request, session, workflow_id, operator)


def with_computation_id(response: web.StreamResponse, computation_id: str | None) -> web.StreamResponse:
    if computation_id:
        response.headers["x-computation-id"] = computation_id
    return response


def data_response(body: bytes, content_type: str, computation_id: str | None = None) -> web.Response:
    """A computed map, coverage or feature collection: never cached, tagged with its computation id."""
    response = web.Response(body=body, content_type=content_type, headers={"Cache-Control": "no-cache"})
    return with_computation_id(response, computation_id)
