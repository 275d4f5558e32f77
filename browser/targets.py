"""What a browser entry stands for, how it travels in a drag (as text), and how it becomes a registered workflow.

A :class:`CatalogTarget` is a catalog layer (provider + layer id) or a dataset (name + source operator + kind) of
one saved connection. :func:`encode_target`/:func:`decode_target` turn it into the ``uri`` text of a
``QgsMimeDataUtils.Uri`` (layer type ``custom``, provider key :data:`PROVIDER_KEY`) and back.
:func:`prepare` (worker thread) registers its workflow and reads what loading needs.
No Qt here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Optional

from ..core.datasets import get_layer
from ..core.errors import InputError
from ..core.layers import DatasetListing, LayerListing, layer_workflow_id
from ..core.workflow import Workflow, register_workflow

PROVIDER_KEY = "geoengine"
LAYER, DATASET = "layer", "dataset"
URI_VERSION = 1


@dataclass(frozen=True)
class CatalogTarget:
    """A loadable browser entry: ``kind`` is ``layer`` (provider_id + layer_id) or ``dataset`` (dataset name,
    source operator and ``data_kind`` raster/vector)."""

    connection: str
    kind: str
    name: str
    provider_id: str = ""
    layer_id: str = ""
    dataset: str = ""
    source_operator: str = ""
    data_kind: str = ""

    def __post_init__(self) -> None:
        if not self.connection:
            raise InputError("a browser entry needs its connection name", field="connection")
        if self.kind == LAYER and not (self.provider_id and self.layer_id):
            raise InputError("a catalog layer needs a provider id and a layer id", field="layer")
        if self.kind == DATASET and not (self.dataset and self.source_operator and self.data_kind):
            raise InputError("a dataset needs its name, source operator and kind", field="dataset")
        if self.kind not in (LAYER, DATASET):
            raise InputError(f"unknown browser entry kind {self.kind!r}", field="kind")

    @classmethod
    def for_layer(cls, connection: str, listing: LayerListing) -> CatalogTarget:
        return cls(connection, LAYER, listing.name, listing.id.provider_id, listing.id.layer_id)

    @classmethod
    def for_dataset(cls, connection: str, listing: DatasetListing) -> CatalogTarget:
        return cls(connection, DATASET, listing.display_name, dataset=listing.name,
                   source_operator=listing.source_operator, data_kind=listing.kind)

    def as_dataset_listing(self) -> DatasetListing:
        return DatasetListing("", self.dataset, self.name, source_operator=self.source_operator, kind=self.data_kind)


def encode_target(target: CatalogTarget) -> str:
    """The JSON text carried as the drag URI."""
    body = {"v": URI_VERSION, "connection": target.connection, "kind": target.kind, "name": target.name}
    if target.kind == LAYER:
        body.update(provider=target.provider_id, layer=target.layer_id)
    else:
        body.update(dataset=target.dataset, operator=target.source_operator, type=target.data_kind)
    return json.dumps(body, sort_keys=True)


def decode_target(text: str) -> CatalogTarget:
    """The target of a drag URI; :class:`InputError` naming what is wrong with it."""
    try:
        body: Any = json.loads(text)
    except (TypeError, ValueError):
        raise InputError("the dropped Geo Engine entry is not JSON", field="uri") from None
    if not isinstance(body, dict) or body.get("v") != URI_VERSION:
        raise InputError(f"the dropped Geo Engine entry is not a version {URI_VERSION} entry", field="uri")

    def text_of(key: str) -> str:
        value = body.get(key, "")
        if not isinstance(value, str):
            raise InputError(f"'{key}' must be text", field="uri")
        return value

    return CatalogTarget(text_of("connection"), text_of("kind"), text_of("name"), text_of("provider"),
                         text_of("layer"), text_of("dataset"), text_of("operator"), text_of("type"))


@dataclass(frozen=True)
class PreparedTarget:
    """A target with its registered workflow: id, JSON, result descriptor, name and catalog symbology."""

    target: CatalogTarget
    workflow_id: str
    workflow: dict
    descriptor: Any
    name: str
    symbology: Optional[dict] = None


def prepare(session, target: CatalogTarget, timeout: Optional[float] = None) -> PreparedTarget:
    """Worker thread: register the target's workflow and fetch its result descriptor (2-3 requests)."""
    if target.kind == LAYER:
        info = get_layer(target.provider_id, target.layer_id, timeout=timeout, session=session)
        workflow_id = layer_workflow_id(target.provider_id, target.layer_id, timeout=timeout, session=session)
        workflow, name, symbology = info.workflow, info.name or target.name, info.symbology
        registered = Workflow(workflow_id, session, timeout=timeout)
    else:
        # no symbology here: the loader reads the dataset's own
        workflow, name, symbology = target.as_dataset_listing().workflow, target.name, None
        registered = register_workflow(workflow, timeout=timeout, session=session)
    return PreparedTarget(target, str(registered.workflow_id), workflow, registered.get_result_descriptor(), name,
                          symbology)
