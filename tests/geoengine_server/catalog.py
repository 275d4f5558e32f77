"""Datasets, layers and layer collections read from the Geo Engine test data definitions.

Paths inside the definitions (``test_data/...``) are mapped onto the data folder.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# Well-known provider and collection ids (see the wire reference, section 1.7).
# Root and layer-database ids: geo-engine/geoengine@5748ef7:geoengine/services/src/api/handlers/layers.rs
# (ROOT_PROVIDER_ID, ROOT_COLLECTION_ID), geo-engine/geoengine@5748ef7:geoengine/services/src/layers/storage.rs
# (INTERNAL_PROVIDER_ID, INTERNAL_LAYER_DB_ROOT_COLLECTION_ID); the personal catalog:
# geo-engine/geoengine@5748ef7:geoengine/test_data/provider_defs/user_datasets.json
ROOT_PROVIDER = "1c3b8042-300b-485c-95b5-0147d9dc068d"
ROOT_COLLECTION = "f2424474-ef24-4c18-ab84-68592e12ce48"
LAYER_DB_PROVIDER = "ce5e84db-cbf9-48a2-9a32-d4b7cc56ea74"
LAYER_DB_ROOT = "05102bb3-a855-4a37-8a8a-30026a91fef1"
PERSONAL_PROVIDER = "cbb21ee3-d15d-45c5-a175-66964adf4e85"


def dataset_key(name: str) -> str:
    """The catalog key of a dataset name: ``ns:name`` -> ``name``; a name in backticks is kept whole (unquoted)."""
    if ":" in name and not name.startswith("`"):
        name = name.split(":", 1)[1]
    return name.strip("`")


@dataclass
class Dataset:
    """One dataset: its ``properties`` and ``metaData`` as in Geo Engine's dataset definitions."""

    id: str
    name: str
    display_name: str
    description: str
    source_operator: str  # GdalSource | OgrSource | MockDatasetDataSource | ...
    meta: dict[str, Any]  # the definition's metaData (type, loadingInfo/params, resultDescriptor, ...)
    symbology: dict | None = None
    provenance: list[dict] | None = None
    tags: list[str] = field(default_factory=list)
    data_dir: Path | None = None  # where ``test_data/...`` paths point
    owner: str | None = None  # user id for datasets created through the API
    data_path: dict | None = None  # the API's ``dataPath``, e.g. {"upload": <uuid>} for saved results

    def resolve(self, path: str) -> Path:
        """A file path from the definition, mapped onto the local data folder."""
        p = Path(path)
        if p.is_absolute():
            return p
        parts = p.parts[1:] if p.parts and p.parts[0] == "test_data" else p.parts
        return (self.data_dir or Path(".")).joinpath(*parts)

    @classmethod
    def from_definition(cls, definition: dict, data_dir: Path) -> Dataset:
        props = definition["properties"]
        return cls(
            id=str(uuid.uuid5(uuid.NAMESPACE_OID, f"geoengine-dataset:{props['name']}")),
            name=props["name"],
            display_name=props.get("displayName", props["name"]),
            description=props.get("description", ""),
            source_operator=props.get("sourceOperator", ""),
            meta=definition["metaData"],
            symbology=props.get("symbology"),
            provenance=props.get("provenance"),
            tags=list(props.get("tags") or []),
            data_dir=data_dir,
        )


@dataclass
# Loaded like the real start-up loads dataset_defs, layer_defs and layer_collection_defs (test-data datasets readable by
# registered and anonymous users; real dataset ids are random, ours uuid5 of the name):
# geo-engine/geoengine@5748ef7:geoengine/services/src/layers/add_from_directory.rs
class Catalog:
    data_dir: Path
    datasets: dict[str, Dataset] = field(default_factory=dict)  # by name, in load order
    layers: dict[str, dict] = field(default_factory=dict)  # layer defs by id
    collections: dict[str, dict] = field(default_factory=dict)  # collection defs by id

    @classmethod
    def load(cls, data_dir: Path) -> Catalog:
        catalog = cls(Path(data_dir))
        for path in sorted(catalog.data_dir.glob("dataset_defs/*.json")):
            dataset = Dataset.from_definition(json.loads(path.read_text()), catalog.data_dir)
            catalog.datasets[dataset.name] = dataset
        from .engine.synthetic import synthetic_dataset  # procedural raster for scale tests

        catalog.add_dataset(synthetic_dataset(catalog.data_dir))
        from .engine.synthetic_points import synthetic_points_dataset  # generated points for scale tests

        catalog.add_dataset(synthetic_points_dataset(catalog.data_dir))
        for path in sorted(catalog.data_dir.glob("layer_defs/*.json")):
            layer = json.loads(path.read_text())
            catalog.layers[layer["id"]] = layer
        for path in sorted(catalog.data_dir.glob("layer_collection_defs/*.json")):
            collection = json.loads(path.read_text())
            catalog.collections[collection["id"]] = collection
        return catalog

    def dataset(self, name: str) -> Dataset | None:
        """By its full name (saved results are ``<user id>:<name>``), else by the name without namespace."""
        return self.datasets.get(name) or self.datasets.get(dataset_key(name))

    def dataset_by_id(self, dataset_id: str) -> Dataset | None:
        return next((d for d in self.datasets.values() if d.id == dataset_id), None)

    def add_dataset(self, dataset: Dataset) -> None:
        self.datasets[dataset.name] = dataset
