"""The server's catalog as the Add-layer dialog and the Browser show it: pages of layer collections and datasets
with the result kind of each entry (raster, vector, plot), how an entry becomes a workflow ID, and the workflows a
connection used recently (kept in the QGIS settings). The fetch functions run on worker threads."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import List, Optional

from qgis.core import QgsSettings

from ..core.datasets import get_layer, layer_workflow_id
from ..core.errors import GeoEngineError
from ..core.layers import (
    DatasetListing,
    LayerCollectionListing,
    LayerListing,
    dataset_workflow_id,
    layer_collection,
    list_datasets,
)

LIMIT = 100  # entries per level; the picker is for finding a workflow, the Browser pages through everything
RECENT_KEY = "geoengine/recent_workflows/{connection}"
RECENT_MAX = 10
KINDS = ("raster", "vector", "plot")


@dataclass(frozen=True)
class CatalogEntry:
    """One row: a collection to open, or a loadable layer/dataset/recent workflow of ``kind``."""

    name: str
    kind: str  # raster | vector | plot | collection | "" (unknown)
    description: str = ""
    provider_id: str = ""
    collection_id: str = ""
    layer_id: str = ""
    dataset: Optional[DatasetListing] = None
    workflow_id: str = ""

    @property
    def is_collection(self) -> bool:
        return self.kind == "collection"


def workflow_kind(workflow) -> str:
    """``raster``/``vector``/``plot`` of a workflow JSON (its ``type``), else ``""``."""
    kind = str(workflow.get("type", "")).lower() if isinstance(workflow, dict) else ""
    return kind if kind in KINDS else ""


def layer_kind(session, provider_id: str, layer_id: str) -> str:
    """The result kind of a catalog layer (one ``GET /layers/{p}/{l}``); ``""`` when it cannot be read."""
    try:
        return workflow_kind(get_layer(provider_id, layer_id, session=session).workflow)
    except GeoEngineError:
        return ""


def collection_entries(session, provider_id: Optional[str] = None, collection_id: Optional[str] = None,
                       limit: int = LIMIT) -> List[CatalogEntry]:
    """The first ``limit`` entries of a collection (the providers' root without ``collection_id``)."""
    entries = []
    for item in layer_collection(collection_id, provider_id, session=session, max_items=limit).items:
        if isinstance(item, LayerCollectionListing):
            entries.append(CatalogEntry(item.name, "collection", item.description, item.id.provider_id,
                                        item.id.collection_id))
        elif isinstance(item, LayerListing):
            kind = layer_kind(session, item.id.provider_id, item.id.layer_id)
            entries.append(CatalogEntry(item.name, kind, item.description, item.id.provider_id,
                                        layer_id=item.id.layer_id))
    return entries


def dataset_entries(session, limit: int = LIMIT) -> List[CatalogEntry]:
    return [CatalogEntry(d.display_name, d.kind, d.description, dataset=d)
            for d in list_datasets("NameAsc", session=session, max_items=limit)]


def entry_workflow_id(session, entry: CatalogEntry) -> str:
    """Register the entry's workflow (a layer's or a dataset's source) and return its ID."""
    if entry.workflow_id:
        return entry.workflow_id
    if entry.layer_id:
        return layer_workflow_id(entry.provider_id, entry.layer_id, session=session)
    if entry.dataset is not None:
        return dataset_workflow_id(entry.dataset, session=session)
    raise ValueError(f"{entry.name!r} is not a layer or a dataset")


def recent_workflows(connection: str) -> List[CatalogEntry]:
    """The workflows this connection loaded recently, newest first."""
    try:
        stored = json.loads(QgsSettings().value(RECENT_KEY.format(connection=connection), "[]") or "[]")
    except (TypeError, ValueError):
        return []
    return [CatalogEntry(str(e.get("name", "")), str(e.get("kind", "")), workflow_id=str(e["id"]))
            for e in stored if isinstance(e, dict) and e.get("id")][:RECENT_MAX]


def remember_workflow(connection: str, workflow_id: str, name: str, kind: str) -> None:
    """Put a workflow first in the connection's recent list (at most :data:`RECENT_MAX`)."""
    older = [{"id": e.workflow_id, "name": e.name, "kind": e.kind} for e in recent_workflows(connection)
             if e.workflow_id != workflow_id]
    entries = [{"id": workflow_id, "name": name, "kind": kind}] + older
    QgsSettings().setValue(RECENT_KEY.format(connection=connection), json.dumps(entries[:RECENT_MAX]))
