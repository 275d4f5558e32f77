"""Registered workflows, keyed by Geo Engine's content-hash id.

API for the other server modules (``request.app["workflows"]``)::

    registry.register(workflow: dict) -> (workflow_id: str, operator)
        engine.normalize, id = uuid5(NAMESPACE_OID, compact JSON of the normalised form), then
        engine.initialize to validate. Idempotent. Raises ApiError 400 (BodyDeserializeError for
        shapes that are no workflow at all, else the engine's error/message).
    registry.get(workflow_id) -> dict            the stored (normalised) definition
    registry.operator(workflow_id) -> operator   initialised once, cached (shared; event-loop use)
    registry.instantiate(workflow_id) -> operator a fresh, uncached instance (for worker threads)
    registry.provenance(workflow_id) -> list     [{"provenance": {...}, "data": [{"type":"internal","datasetId"}]}]

Unknown ids raise ApiError("NoWorkflowForGivenId", "No workflow for given id") (400).
"""

from __future__ import annotations

import json
import threading
from typing import Any

from . import engine
from .catalog import Catalog
from .engine.types import EngineError
from .errors import ApiError


# Unknown ids are 400 NoWorkflowForGivenId:
# geo-engine/geoengine@5748ef7:geoengine/services/src/workflows/postgres_workflow_registry.rs
def unknown_workflow() -> ApiError:
    return ApiError("NoWorkflowForGivenId", "No workflow for given id")


def engine_error(exc: EngineError) -> ApiError:
    return ApiError(exc.error, exc.message)


def operator_paths(definition: dict) -> list[tuple[str, str]]:
    """``(operator type, path)`` for every operator, depth first; the root's path is ``[]``,
    its first source ``[0]``, that source's second source ``[0,1]``."""
    found: list[tuple[str, str]] = []

    def walk(operator: dict, path: list[int]) -> None:
        found.append((str(operator.get("type", "")), "[" + ",".join(map(str, path)) + "]"))
        index = 0
        for source in (operator.get("sources") or {}).values():
            for child in source if isinstance(source, list) else [source]:
                if isinstance(child, dict):
                    walk(child, [*path, index])
                    index += 1

    walk(definition.get("operator") or {}, [])
    return found


class WorkflowRegistry:
    def __init__(self, catalog: Catalog):
        self.catalog = catalog
        self._definitions: dict[str, dict] = {}
        self._operators: dict[str, Any] = {}
        self._lock = threading.Lock()

    # id = uuid5(NAMESPACE_OID, compact JSON), registered idempotently:
    # geo-engine/geoengine@5748ef7:geoengine/services/src/workflows/workflow.rs,
    # geo-engine/geoengine@5748ef7:geoengine/services/src/workflows/postgres_workflow_registry.rs
    def register(self, workflow: dict) -> tuple[str, Any]:
        try:
            normalized = engine.normalize(workflow)  # BodyDeserializeError for shapes that are no workflow
        except EngineError as exc:
            raise engine_error(exc) from None
        wid = engine.normalized_id(normalized)
        with self._lock:
            cached = self._operators.get(wid)
        if cached is not None:
            return wid, cached
        operator = self._initialize(normalized)
        with self._lock:
            self._definitions.setdefault(wid, normalized)
            operator = self._operators.setdefault(wid, operator)
        return wid, operator

    def get(self, wid: str) -> dict:
        with self._lock:
            definition = self._definitions.get(wid.lower())
        if definition is None:
            raise unknown_workflow()
        return definition

    def operator(self, wid: str) -> Any:
        definition = self.get(wid)
        with self._lock:
            cached = self._operators.get(wid.lower())
        if cached is not None:
            return cached
        operator = self._initialize(definition)
        with self._lock:
            return self._operators.setdefault(wid.lower(), operator)

    def instantiate(self, wid: str) -> Any:
        return self._initialize(self.get(wid))

    # Grouped by identical provenance, datasets without one left out:
    # geo-engine/geoengine@5748ef7:geoengine/services/src/api/handlers/workflows.rs (get_workflow_provenance_handler)
    def provenance(self, wid: str) -> list[dict]:
        """Datasets the workflow reads, grouped by identical provenance (datasets without any left out)."""
        groups: dict[str, dict] = {}
        for name in dict.fromkeys(self.operator(wid).datasets):
            dataset = self.catalog.dataset(name)
            if dataset is None:
                continue
            data_id = {"type": "internal", "datasetId": dataset.id}
            for provenance in dataset.provenance or []:
                key = json.dumps(provenance, sort_keys=True)
                group = groups.setdefault(key, {"provenance": provenance, "data": []})
                if data_id not in group["data"]:
                    group["data"].append(data_id)
        return list(groups.values())

    def _initialize(self, definition: dict) -> Any:
        try:
            return engine.initialize(definition, self.catalog)
        except EngineError as exc:
            raise engine_error(exc) from None
