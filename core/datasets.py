"""Datasets and catalog layers: the stored symbology and provenance a workflow's source data comes with.

* :func:`get_dataset` - ``GET /dataset/{name}``: display name, description, symbology, provenance.
* :func:`get_layer` - ``GET /layers/{provider}/{layer}``: a catalog layer with its workflow and symbology.
* :func:`layer_workflow_id` - ``POST /layers/{provider}/{layer}/workflowId`` (0.10: ``processingGraphId``).
* :func:`source_dataset_name` - the dataset a workflow reads directly (a bare ``GdalSource``/``OgrSource``),
  i.e. the one whose stored symbology describes the workflow's result.
* :func:`qualified_dataset_name` - the name to send when saving a result: Geo Engine stores a new dataset only
  under the session user's own namespace (``<user id>:<name>``; a bare name only for admins) and otherwise
  fails the export task at its very end, after computing everything.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, List, Optional
from urllib.parse import quote

from .errors import InputError, MalformedResponseError
from .http import Timeout
from .provenance import Provenance
from .session import Session, resolve_session

SOURCE_OPERATORS = ("GdalSource", "OgrSource", "MultiBandGdalSource")
ADMIN_ROLE_ID = "d5328854-6190-4af9-ad69-4e74b0961ac9"  # Geo Engine's built-in admin role
SYSTEM_NAMESPACE = "_"
_NAME_PART = re.compile(r"[A-Za-z0-9_-]+")  # what Geo Engine allows in each part of a dataset name


@dataclass(frozen=True)
class DatasetInfo:
    """What ``GET /dataset/{name}`` says about a dataset (``symbology`` is the raw JSON or ``None``)."""

    name: str
    display_name: str
    description: str = ""
    source_operator: str = ""
    symbology: Optional[dict] = None
    provenance: List[Provenance] = field(default_factory=list)
    tags: List[str] = field(default_factory=list)

    @classmethod
    def from_response(cls, response: Any) -> DatasetInfo:
        if not isinstance(response, dict) or not isinstance(response.get("name"), str):
            raise MalformedResponseError("the dataset answer has no 'name'")
        symbology = response.get("symbology")
        return cls(
            name=response["name"],
            display_name=str(response.get("displayName") or response["name"]),
            description=str(response.get("description") or ""),
            source_operator=str(response.get("sourceOperator") or ""),
            symbology=symbology if isinstance(symbology, dict) else None,
            provenance=[Provenance.from_response(p) for p in (response.get("provenance") or [])
                        if isinstance(p, dict)],
            tags=[str(t) for t in (response.get("tags") or [])],
        )


@dataclass(frozen=True)
class LayerInfo:
    """A catalog layer: its id, name, description, workflow JSON and symbology (raw JSON or ``None``)."""

    provider_id: str
    layer_id: str
    name: str
    description: str
    workflow: dict
    symbology: Optional[dict] = None

    @classmethod
    def from_response(cls, response: Any) -> LayerInfo:
        if not isinstance(response, dict):
            raise MalformedResponseError("a layer is a JSON object")
        ident = response.get("id") or {}
        workflow = response.get("workflow") or response.get("processingGraph")  # 0.9 / 0.10 key
        if not isinstance(workflow, dict):
            raise MalformedResponseError("the layer has no workflow")
        symbology = response.get("symbology")
        return cls(str(ident.get("providerId", "")), str(ident.get("layerId", "")), str(response.get("name", "")),
                   str(response.get("description") or ""), workflow,
                   symbology if isinstance(symbology, dict) else None)


def _segment(value: Any, field_name: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InputError("expected a non-empty name", field=field_name)
    return quote(value.strip(), safe="")


def get_dataset(name: str, timeout: Timeout = None, session: Optional[Session] = None) -> DatasetInfo:
    """``GET /dataset/{name}`` (``name`` may be ``namespace:name``)."""
    active = resolve_session(session)
    return DatasetInfo.from_response(active.get_json(f"dataset/{_segment(name, 'name')}", timeout=timeout))


def get_layer(provider_id: str, layer_id: str, timeout: Timeout = None,
              session: Optional[Session] = None) -> LayerInfo:
    """``GET /layers/{provider}/{layer}``."""
    active = resolve_session(session)
    path = f"layers/{_segment(provider_id, 'provider_id')}/{_segment(layer_id, 'layer_id')}"
    return LayerInfo.from_response(active.get_json(path, timeout=timeout))


def layer_workflow_id(provider_id: str, layer_id: str, timeout: Timeout = None,
                      session: Optional[Session] = None) -> str:
    """Register a catalog layer's workflow; returns its id (``POST /layers/{p}/{l}/workflowId``)."""
    active = resolve_session(session)
    path = (f"layers/{_segment(provider_id, 'provider_id')}/{_segment(layer_id, 'layer_id')}/"
            f"{active.api_paths.layer_workflow_id}")
    body = active.post_json(path, timeout=timeout)
    if not isinstance(body, dict) or not isinstance(body.get("id"), str):
        raise MalformedResponseError("the layer workflow answer has no 'id'")
    return body["id"]


def source_dataset_name(workflow: Any) -> Optional[str]:
    """The ``data`` name of a workflow that is one source operator (``{"operator": {"type": "GdalSource"...}}``).

    Returns ``None`` for workflows that transform their data: a stored symbology would not fit them.
    """
    if not isinstance(workflow, dict):
        return None
    operator = workflow.get("operator", workflow)
    if not isinstance(operator, dict) or operator.get("type") not in SOURCE_OPERATORS:
        return None
    data = (operator.get("params") or {}).get("data")
    return data if isinstance(data, str) and data.strip() else None


def qualified_dataset_name(name: Optional[str], user_id: Optional[str], roles: Any = ()) -> Optional[str]:
    """The dataset name a save-as-dataset request can succeed with, or an :class:`InputError` before sending.

    ``None``/blank stays ``None`` (the server then picks ``<user id>:<dataset id>``). A bare name gets the
    user's id as namespace, except for admin sessions (which may store names without namespace). A namespace
    other than the user's own is refused: Geo Engine would compute the whole raster and then fail the task
    with ``InvalidDatasetIdNamespace``.
    """
    if name is None or not name.strip():
        return None
    parts = name.strip().split(":")
    if len(parts) > 2:
        raise InputError("a dataset name has at most one ':' (namespace:name)", field="name")
    if not all(_NAME_PART.fullmatch(part) for part in parts):
        raise InputError(f"invalid dataset name {name.strip()!r}: use letters, digits, '_' and '-' "
                         "(optionally <your user id>:<name>)", field="name")
    is_admin = ADMIN_ROLE_ID in tuple(roles or ())
    if len(parts) == 2:
        namespace, plain = parts
        if namespace == SYSTEM_NAMESPACE and is_admin:
            return plain
        if user_id and namespace == user_id:
            return f"{namespace}:{plain}"
        raise InputError(f"the namespace {namespace!r} is not yours: Geo Engine stores new datasets only as "
                         f"<your user id>:<name>{f' ({user_id}:{plain})' if user_id else ''}", field="name")
    if is_admin:
        return parts[0]
    if not user_id:
        raise InputError("the session has no user id, so the dataset name cannot be put into your namespace; "
                         "leave the name empty to let the server choose one", field="name")
    return f"{user_id}:{parts[0]}"
