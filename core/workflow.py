"""Workflows (0.10: processing graphs): register, load, and query their results.

Mirrors the official client's ``geoengine.workflow`` / ``geoengine.processing_graph`` module: ``Workflow``
(alias ``ProcessingGraph``), ``register_workflow``, ``workflow_by_id`` and the module functions for quota and
data usage. Every function takes an optional ``session=``; without it the default session from
:func:`~.session.initialize` is used.

Type guards (raster/vector/plot) and input checks run before any request.
"""

from __future__ import annotations

from typing import Any, Optional, Union
from uuid import UUID

from .descriptors import (
    AnyResultDescriptor,
    PlotResultDescriptor,
    RasterResultDescriptor,
    ResultDescriptor,
    VectorResultDescriptor,
)
from .errors import (
    InputError,
    MethodNotCalledOnPlotException,
    MethodNotCalledOnRasterException,
    MethodNotCalledOnVectorException,
)
from .http import Timeout, read_json
from .session import Session, resolve_session
from .types import WorkflowId


class Workflow:
    """A registered workflow: its id, the session it belongs to and its result descriptor."""

    def __init__(
        self,
        workflow_id: Union[WorkflowId, UUID, str],
        session: Optional[Session] = None,
        result_descriptor: Optional[ResultDescriptor] = None,
        timeout: Timeout = 60,
    ) -> None:
        self.workflow_id = WorkflowId(workflow_id)
        self.session = resolve_session(session)
        self._result_descriptor = result_descriptor or self._query_result_descriptor(timeout)

    # ------------------------------------------------------------------------------------ basics

    def __str__(self) -> str:
        return str(self.workflow_id)

    def __repr__(self) -> str:
        return f"Workflow({str(self.workflow_id)!r}, kind={self._result_descriptor.kind!r})"

    def __eq__(self, other: Any) -> bool:
        return isinstance(other, Workflow) and other.workflow_id == self.workflow_id

    def __hash__(self) -> int:
        return hash(self.workflow_id)

    def _path(self, suffix: str = "") -> str:
        return "{workflow}/" + str(self.workflow_id) + suffix

    def _query_result_descriptor(self, timeout: Timeout = 60) -> ResultDescriptor:
        response = self.session.workflow_request("GET", self._path("/metadata"), timeout=timeout)
        return ResultDescriptor.from_response(read_json(response))

    def get_result_descriptor(self) -> AnyResultDescriptor:
        """The result descriptor fetched when this object was made."""
        return self._result_descriptor

    def refresh_result_descriptor(self, timeout: Timeout = 60) -> AnyResultDescriptor:
        self._result_descriptor = self._query_result_descriptor(timeout)
        return self._result_descriptor

    def workflow_definition(self, timeout: Timeout = 60) -> dict:
        """The stored (normalised) workflow JSON."""
        return read_json(self.session.workflow_request("GET", self._path(), timeout=timeout))

    definition = workflow_definition

    # -------------------------------------------------------------------------------- type guards

    def _require_raster(self) -> RasterResultDescriptor:
        if not self._result_descriptor.is_raster_result():
            raise MethodNotCalledOnRasterException(self._result_descriptor.kind)
        return self._result_descriptor  # type: ignore[return-value]

    def _require_vector(self) -> VectorResultDescriptor:
        if not self._result_descriptor.is_vector_result():
            raise MethodNotCalledOnVectorException(self._result_descriptor.kind)
        return self._result_descriptor  # type: ignore[return-value]

    def _require_plot(self) -> PlotResultDescriptor:
        if not self._result_descriptor.is_plot_result():
            raise MethodNotCalledOnPlotException(self._result_descriptor.kind)
        return self._result_descriptor  # type: ignore[return-value]


ProcessingGraph = Workflow


def register_workflow(workflow: dict, timeout: Timeout = 60, session: Optional[Session] = None) -> Workflow:
    """``POST /workflow`` (0.10: ``/processingGraphs``) and return the :class:`Workflow` (with its descriptor)."""
    if hasattr(workflow, "to_workflow_dict"):
        workflow = workflow.to_workflow_dict()
    if not isinstance(workflow, dict) or not isinstance(workflow.get("operator"), dict):
        raise InputError('expected a dict like {"type": "Raster", "operator": {...}}', field="workflow")
    if workflow.get("type") not in ("Raster", "Vector", "Plot"):
        raise InputError(f"'type' must be Raster, Vector or Plot, got {workflow.get('type')!r}", field="workflow.type")
    active = resolve_session(session)
    response = active.workflow_request("POST", "{workflow}", json_body=workflow, timeout=timeout)
    return Workflow(WorkflowId.from_response(read_json(response, "POST")), active, timeout=timeout)


def workflow_by_id(workflow_id: Union[WorkflowId, UUID, str], session: Optional[Session] = None) -> Workflow:
    """The :class:`Workflow` for an id (the id is checked before any request; the descriptor is fetched)."""
    return Workflow(WorkflowId(workflow_id), session)


register_processing_graph = register_workflow
processing_graph_by_id = workflow_by_id
