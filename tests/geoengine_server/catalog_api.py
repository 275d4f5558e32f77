"""Layers, layer collections and datasets (``/layers…``, ``/datasets``, ``/dataset/{name}``).

Providers: the root pseudo-provider (listing the two below), the "Data Catalog" (layer DB: the
test data's ``layer_collection_defs``/``layer_defs``) and the "Personal Data Catalog": root ``root`` with the
three collections of the real provider definition ("User Uploads" ``tags:upload``, "Workflows" ``tags:workflow``,
"All Datasets" ``tags:*``), each listing the datasets the caller may read that carry all those tags, by display
name (geo-engine/geoengine@5748ef7:geoengine/test_data/provider_defs/user_datasets.json,
geo-engine/geoengine@5748ef7:geoengine/services/src/datasets/dataset_listing_provider.rs); its search is
fulltext only, on display names.
A ``Layer`` carries its workflow under ``workflow``, 0.9.3's only key
(geo-engine/geoengine@5748ef7:geoengine/services/src/layers/layer.rs); the 0.10 emulation adds
``processingGraph``, which its official client requires.
Search (``/layers/collections/search[/autocomplete]/{provider}/{collection}``) looks at every item
below the collection: ``prefix`` matches names, ``fulltext`` names and descriptions (case-insensitive).
"""

from __future__ import annotations

from aiohttp import web

from .app import uuid_param
from .auth import require_session
from .catalog import (
    LAYER_DB_PROVIDER,
    LAYER_DB_ROOT,
    PERSONAL_PROVIDER,
    ROOT_COLLECTION,
    ROOT_PROVIDER,
    Catalog,
    Dataset,
)
from .engine import descriptors
from .engine.types import EngineError
from .errors import ApiError
from .params import paging, query_enum, required
from .workflows import engine_error

PERSONAL_ROOT = "root"
PERSONAL_DESCRIPTION = "Catalog of your personal data and workflows."
PERSONAL_COLLECTIONS = (  # name, description, tags
    ("User Uploads", "Datasets uploaded by the user.", ("upload",)),
    ("Workflows", "Datasets created from workflows.", ("workflow",)),
    ("All Datasets", "All datasets", ("*",)),
)
TAG_PREFIX = "tags:"
CAPABILITIES = {
    "listing": True,
    "search": {"searchTypes": {"fulltext": True, "prefix": True}, "autocomplete": True, "filters": []},
}
PERSONAL_CAPABILITIES = {
    "listing": True,
    "search": {"searchTypes": {"fulltext": True, "prefix": False}, "autocomplete": True, "filters": None},
}


def _catalog(request: web.Request) -> Catalog:
    return request.app["catalog"]


def _paging(request: web.Request) -> tuple[int, int]:
    return paging(request, max_limit=request.app["config"].list_limit)


def unknown_provider() -> ApiError:
    return ApiError("UnknownProviderId", "Unknown provider id")


def unknown_collection(collection_id: str) -> ApiError:
    return ApiError("NoLayerCollectionForGivenId", f"There is no layer collection with the given id {collection_id}")


def unknown_layer(layer_id: str) -> ApiError:
    return ApiError("NoLayerForGivenId", f"There is no layer with the given id {layer_id}")


# --- datasets ---


# Owners and the test data (read permission for registered and anonymous users):
# geo-engine/geoengine@5748ef7:geoengine/services/src/layers/add_from_directory.rs
def visible(dataset: Dataset, user_id: str) -> bool:
    return dataset.owner is None or dataset.owner == user_id


def is_raster(dataset: Dataset) -> bool:
    kind = str(dataset.meta.get("type", ""))
    return dataset.source_operator in ("GdalSource", "MultiBandGdalSource") or kind.startswith("Gdal")


def result_descriptor(dataset: Dataset) -> dict:
    """The 0.9 typed descriptor, converted from the definition's by the engine's descriptor readers."""
    definition = dataset.meta.get("resultDescriptor") or {}
    try:
        if is_raster(dataset):
            return descriptors.raster_descriptor(definition).to_json()
        return descriptors.vector_descriptor(definition).to_json()
    except EngineError as exc:
        raise engine_error(exc) from None
    except (KeyError, TypeError, ValueError) as exc:
        message = f"Dataset {dataset.name!r} has an unreadable result descriptor: {exc}"
        raise ApiError("InvalidDatasetSpec", message) from None


# DatasetListing / Dataset JSON: geo-engine/geoengine@5748ef7:geoengine/services/src/datasets/listing.rs,
# geo-engine/geoengine@5748ef7:geoengine/services/src/api/handlers/datasets.rs
def dataset_listing(dataset: Dataset) -> dict:
    return {
        "id": dataset.id,
        "name": dataset.name,
        "displayName": dataset.display_name,
        "description": dataset.description,
        "tags": list(dataset.tags),
        "sourceOperator": dataset.source_operator,
        "resultDescriptor": result_descriptor(dataset),
        "symbology": dataset.symbology,
    }


def dataset_json(dataset: Dataset) -> dict:
    return {
        **dataset_listing(dataset),
        "provenance": dataset.provenance,
        "dataPath": dataset.data_path or {"volume": "test_data"},
    }


async def list_datasets(request: web.Request) -> web.Response:
    session = require_session(request)
    order = query_enum(request, "order", ("NameAsc", "NameDesc"))
    offset, limit = _paging(request)
    text = (request.query.get("filter") or "").lower()
    tags = set(request.query.getall("tags", []))
    # `filter` is `display_name ILIKE %filter%` and the order is by display name, whatever "Name" says
    # (geo-engine/geoengine@5748ef7:geoengine/services/src/datasets/postgres.rs list_datasets)
    found = [
        d
        for d in _catalog(request).datasets.values()
        if visible(d, session.user.id) and (not text or text in d.display_name.lower()) and tags <= set(d.tags)
    ]
    found.sort(key=lambda d: (d.display_name.lower(), d.display_name), reverse=order == "NameDesc")
    return web.json_response([dataset_listing(d) for d in found[offset : offset + limit]])


# Unknown names: 400 CannotLoadDataset: geo-engine/geoengine@5748ef7:geoengine/services/src/api/handlers/datasets.rs
async def get_dataset(request: web.Request) -> web.Response:
    session = require_session(request)
    dataset = _catalog(request).dataset(request.match_info["name"])
    if dataset is None or not visible(dataset, session.user.id):
        raise ApiError("CannotLoadDataset", "CannotLoadDataset: UnknownDatasetName")
    return web.json_response(dataset_json(dataset))


# --- layers ---


def _collection_listing(provider: str, collection: str, name: str, description: str) -> dict:
    return {"type": "collection", "id": {"providerId": provider, "collectionId": collection}, "name": name,
            "description": description, "properties": []}


def _layer_listing(provider: str, layer: str, name: str, description: str) -> dict:
    return {"type": "layer", "id": {"providerId": provider, "layerId": layer}, "name": name,
            "description": description, "properties": []}


def _collection(provider: str, collection: str, name: str, description: str, items: list[dict]) -> dict:
    return {"id": {"providerId": provider, "collectionId": collection}, "name": name, "description": description,
            "items": items, "entryLabel": None, "properties": []}


def _personal_tags(collection: str) -> tuple[str, ...] | None:
    """The tags of a personal collection id ``tags:a,b`` (``None`` for ``tags:*``); root ids are not tags."""
    if not collection.startswith(TAG_PREFIX):
        raise ApiError("InvalidLayerCollectionId", "Invalid layer collection id")
    rest = collection[len(TAG_PREFIX):]
    return None if rest == "*" else tuple(rest.split(","))


def _is_personal_root(collection: str) -> bool:
    return collection in (PERSONAL_ROOT, "", TAG_PREFIX)


def _personal_datasets(catalog: Catalog, user_id: str, tags: tuple[str, ...] | None,
                       text: str | None = None) -> list[Dataset]:
    """Readable datasets holding every tag (and ``text`` in the display name), by display name."""
    found = [d for d in catalog.datasets.values() if visible(d, user_id) and (tags is None or set(tags) <= set(d.tags))
             and (text is None or text.lower() in d.display_name.lower())]
    return sorted(found, key=lambda d: d.display_name)


def personal_collection_id(collection: str) -> str:
    """The id a personal collection answers with: ``root``, or its tags joined without the prefix."""
    if _is_personal_root(collection):
        return PERSONAL_ROOT
    tags = _personal_tags(collection)
    return "" if tags is None else ",".join(tags)


# Root listing ("Layer Providers", Data Catalog first):
# geo-engine/geoengine@5748ef7:geoengine/services/src/api/handlers/layers.rs; layer-DB collections:
# geo-engine/geoengine@5748ef7:geoengine/services/src/layers/postgres_layer_db.rs
def _collection_items(request: web.Request, provider: str, collection: str, user_id: str) -> tuple[str, str, list]:
    """``(name, description, all items)`` of a collection: sub-collections first, then layers."""
    catalog = _catalog(request)
    if provider == ROOT_PROVIDER and collection == ROOT_COLLECTION:
        return "Layer Providers", "All available Geo Engine layer providers", [
            _collection_listing(LAYER_DB_PROVIDER, LAYER_DB_ROOT, "Data Catalog", "Catalog of data and workflows"),
            _collection_listing(PERSONAL_PROVIDER, PERSONAL_ROOT, "Personal Data Catalog", PERSONAL_DESCRIPTION),
        ]
    if provider == LAYER_DB_PROVIDER:
        definition = catalog.collections.get(collection)
        if definition is None:
            raise unknown_collection(collection)
        items = []
        for child_id in definition.get("collections", []):
            child = catalog.collections.get(child_id)
            if child is not None:
                items.append(_collection_listing(provider, child_id, child["name"], child.get("description", "")))
        for layer_id in definition.get("layers", []):
            layer = catalog.layers.get(layer_id)
            if layer is not None:
                items.append(_layer_listing(provider, layer_id, layer["name"], layer.get("description", "")))
        return definition["name"], definition.get("description", ""), items
    if provider == PERSONAL_PROVIDER:
        if _is_personal_root(collection):
            return "Personal Data Catalog", PERSONAL_DESCRIPTION, [
                _collection_listing(provider, TAG_PREFIX + ",".join(tags), name, description)
                for name, description, tags in PERSONAL_COLLECTIONS
            ]
        tags = _personal_tags(collection)
        items = [_layer_listing(provider, d.id, d.display_name, d.description)
                 for d in _personal_datasets(catalog, user_id, tags)]
        return personal_collection_id(collection), "", items
    raise unknown_provider()


async def root_collection(request: web.Request) -> web.Response:
    return await _list_collection(request, ROOT_PROVIDER, ROOT_COLLECTION)


async def collection(request: web.Request) -> web.Response:
    return await _list_collection(request, request.match_info["provider"].lower(), request.match_info["collection"])


async def _list_collection(request: web.Request, provider: str, collection_id: str) -> web.Response:
    session = require_session(request)
    offset, limit = _paging(request)
    name, description, items = _collection_items(request, provider, collection_id, session.user.id)
    answered = personal_collection_id(collection_id) if provider == PERSONAL_PROVIDER else collection_id
    if provider == ROOT_PROVIDER and collection_id == ROOT_COLLECTION:
        page = root_page(items, offset, limit)
    else:
        page = items[offset : offset + limit]
    return web.json_response(_collection(provider, answered, name, description, page))


def root_page(items: list, offset: int, limit: int) -> list:
    """The root's page: the first one is "Data Catalog" plus ``limit - 1`` providers, later pages list providers
    from the unadjusted ``offset`` (so ``offset=1`` skips the first provider)
    (geo-engine/geoengine@5748ef7:geoengine/services/src/api/handlers/layers.rs get_layer_providers)."""
    data_catalog, providers = items[:1], items[1:]
    if offset == 0 and limit > 0:
        return data_catalog + providers[: limit - 1]
    return providers[offset : offset + limit]


def _subtree(request: web.Request, provider: str, collection_id: str, user_id: str) -> tuple[str, str, list]:
    """A collection's name, description and every item below it (depth first, each once)."""
    name, description, pending = _collection_items(request, provider, collection_id, user_id)
    found, seen = [], {collection_id}
    while pending:
        item = pending.pop(0)
        key = item["id"].get("collectionId") or item["id"].get("layerId")
        if key in seen:
            continue
        seen.add(key)
        found.append(item)
        if item["type"] == "collection":
            pending[:0] = _collection_items(request, item["id"]["providerId"], key, user_id)[2]
    return name, description, found


def _matches(item: dict, search_type: str, text: str) -> bool:
    name = item["name"].lower()
    if search_type == "prefix":
        return name.startswith(text)
    return text in name or text in item["description"].lower()


def _search(request: web.Request) -> dict:
    session = require_session(request)
    search_type = query_enum(request, "searchType", ("fulltext", "prefix"))
    text = required(request.query, "searchString")
    offset, limit = _paging(request)
    provider, collection_id = request.match_info["provider"].lower(), request.match_info["collection"]
    if provider == PERSONAL_PROVIDER:
        return _personal_search(request, session.user.id, collection_id, search_type, text, offset, limit)
    name, description, items = _subtree(request, provider, collection_id, session.user.id)
    hits = [i for i in items if _matches(i, search_type, text.lower())]
    return _collection(provider, collection_id, name, description, hits[offset : offset + limit])


def _personal_search(request: web.Request, user_id: str, collection_id: str, search_type: str, text: str,
                     offset: int, limit: int) -> dict:
    """Fulltext only: display names holding ``text``, within the collection's tags
    (geo-engine/geoengine@5748ef7:geoengine/services/src/datasets/dataset_listing_provider.rs search)."""
    if search_type != "fulltext":
        raise ApiError("NotImplemented", "Functionality is not implemented: 'Only fulltext search is supported'")
    tags = None if _is_personal_root(collection_id) else _personal_tags(collection_id)
    found = _personal_datasets(_catalog(request), user_id, tags, text)[offset : offset + limit]
    items = [_layer_listing(PERSONAL_PROVIDER, d.id, d.display_name, d.description) for d in found]
    return _collection(PERSONAL_PROVIDER, "search", f"Search results for '{text}'",
                       f"Searched in {'root' if tags is None else ','.join(tags)}", items)


async def search(request: web.Request) -> web.Response:
    """Items anywhere below the collection whose name (prefix) or name/description (fulltext) match."""
    return web.json_response(_search(request))


async def autocomplete(request: web.Request) -> web.Response:
    page = _search(request)
    return web.json_response(list(dict.fromkeys(item["name"] for item in page["items"])))


def _layer_json(provider: str, layer_id: str, name: str, description: str, workflow: dict, symbology,
                properties: list, metadata: dict) -> dict:
    """A ``Layer`` with its workflow under ``workflow`` (0.9.3's only key; ``processingGraph`` is added for 0.10)."""
    return {
        "id": {"providerId": provider, "layerId": layer_id},
        "name": name,
        "description": description,
        "workflow": workflow,
        "symbology": symbology,
        "properties": properties,
        "metadata": metadata,
    }


def layer_for_version(layer: dict, version: str) -> dict:
    """The 0.10 official client requires ``processingGraph`` next to (or instead of) ``workflow``."""
    return {**layer, "processingGraph": layer["workflow"]} if version.startswith("0.10") else layer


# Layer JSON: geo-engine/geoengine@5748ef7:geoengine/services/src/layers/layer.rs; personal layers:
# geo-engine/geoengine@5748ef7:geoengine/services/src/datasets/dataset_listing_provider.rs (load_layer)
def find_layer(request: web.Request, provider: str, layer_id: str, user_id: str) -> dict:
    """The ``Layer`` JSON of a Data Catalog layer or of one of the caller's own datasets."""
    catalog = _catalog(request)
    if provider == LAYER_DB_PROVIDER:
        layer = catalog.layers.get(layer_id)
        if layer is None:
            raise unknown_layer(layer_id)
        return _layer_json(provider, layer_id, layer["name"], layer.get("description", ""), layer["workflow"],
                           layer.get("symbology"), layer.get("properties", []), layer.get("metadata", {}))
    if provider == PERSONAL_PROVIDER:  # any dataset the caller may read, by id
        dataset = next((d for d in _personal_datasets(catalog, user_id, None) if d.id == layer_id.lower()), None)
        if dataset is None:
            raise unknown_layer(layer_id)
        kind, source = ("Raster", "GdalSource") if is_raster(dataset) else ("Vector", "OgrSource")
        workflow = {"type": kind, "operator": {"type": source, "params": {"data": dataset.name}}}
        return _layer_json(provider, dataset.id, dataset.display_name, dataset.description, workflow,
                           dataset.symbology, [], {})
    raise unknown_provider()


async def get_layer(request: web.Request) -> web.Response:
    session = require_session(request)
    provider = request.match_info["provider"].lower()
    layer = find_layer(request, provider, request.match_info["layer"], session.user.id)
    return web.json_response(layer_for_version(layer, request.app["config"].version))


# geo-engine/geoengine@5748ef7:geoengine/services/src/api/handlers/layers.rs (layer_to_workflow_id_handler)
async def layer_workflow_id(request: web.Request) -> web.Response:
    session = require_session(request)
    provider = request.match_info["provider"].lower()
    layer = find_layer(request, provider, request.match_info["layer"], session.user.id)
    workflow_id, _ = request.app["workflows"].register(layer["workflow"])
    return web.json_response({"id": workflow_id})


async def capabilities(request: web.Request) -> web.Response:
    require_session(request)
    provider = request.match_info["provider"].lower()
    if provider not in (LAYER_DB_PROVIDER, PERSONAL_PROVIDER):
        raise unknown_provider()
    return web.json_response(PERSONAL_CAPABILITIES if provider == PERSONAL_PROVIDER else CAPABILITIES)


def add_routes(app: web.Application) -> None:
    provider = uuid_param("provider")
    app.router.add_get("/layers/collections", root_collection)
    app.router.add_get(f"/layers/collections/{provider}/{{collection}}", collection)
    app.router.add_get(f"/layers/collections/search/{provider}/{{collection}}", search)
    app.router.add_get(f"/layers/collections/search/autocomplete/{provider}/{{collection}}", autocomplete)
    app.router.add_get(f"/layers/{provider}/capabilities", capabilities)
    app.router.add_get(f"/layers/{provider}/{{layer}}", get_layer)
    app.router.add_post(f"/layers/{provider}/{{layer}}/workflowId", layer_workflow_id)
    app.router.add_post(f"/layers/{provider}/{{layer}}/processingGraphId", layer_workflow_id)
    app.router.add_get("/datasets", list_datasets)
    app.router.add_get("/dataset/{name}", get_dataset)
