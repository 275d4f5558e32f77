"""The server's catalog: layer collections (paged), catalog layers, and the user's datasets.

Names follow the official client's ``geoengine.layers`` module where it has them:

* :func:`layer_collection_page` - one page of ``GET /layers/collections[/{provider}/{collection}]?offset&limit``;
  :func:`layer_collection` - every page of a collection (the official client's call; bounded by ``max_items``).
* :func:`layer` - ``GET /layers/{provider}/{layer}`` (the workflow under ``workflow`` in 0.9, ``processingGraph``
  in 0.10; see :class:`~.datasets.LayerInfo`); :func:`layer_workflow_id` - ``POST .../workflowId`` (0.10:
  ``processingGraphId``, picked by the session's API generation).
* :func:`list_datasets_page` / :func:`list_datasets` - ``GET /datasets?order=NameAsc&offset&limit``;
  :func:`dataset_workflow_id` registers a dataset's source workflow.

Geo Engine refuses ``limit`` above 20 (``ValidationError``), so pages are at most :data:`MAX_PAGE_SIZE` long.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, List, Optional, Tuple, TypeVar, Union
from urllib.parse import quote

from .datasets import LayerInfo, get_layer, layer_workflow_id  # noqa: F401 - part of this module's API
from .errors import InputError, MalformedResponseError
from .http import Timeout
from .session import Session, resolve_session
from .workflow import register_workflow

ROOT_PROVIDER_ID = "1c3b8042-300b-485c-95b5-0147d9dc068d"
ROOT_COLLECTION_ID = "f2424474-ef24-4c18-ab84-68592e12ce48"
LAYER_DB_PROVIDER_ID = "ce5e84db-cbf9-48a2-9a32-d4b7cc56ea74"
LAYER_DB_ROOT_COLLECTION_ID = "05102bb3-a855-4a37-8a8a-30026a91fef1"
MAX_PAGE_SIZE = 20  # Geo Engine's list limit
DEFAULT_MAX_ITEMS = 2000  # what the "all pages" helpers fetch at most
DATASET_ORDERS = ("NameAsc", "NameDesc")

Layer = LayerInfo  # the official client's name for a catalog layer with its workflow

T = TypeVar("T")


# ------------------------------------------------------------------------------------------------ ids


def _text(value: Any, what: str) -> str:
    if not isinstance(value, str) or not value:
        raise MalformedResponseError(f"{what} is missing or not a string")
    return value


@dataclass(frozen=True)
class ProviderLayerId:
    """A layer's id within its provider (``{"providerId", "layerId"}``)."""

    provider_id: str
    layer_id: str

    @classmethod
    def from_response(cls, response: Any) -> ProviderLayerId:
        response = response if isinstance(response, dict) else {}
        return cls(_text(response.get("providerId"), "providerId"), _text(response.get("layerId"), "layerId"))


@dataclass(frozen=True)
class ProviderLayerCollectionId:
    """A collection's id within its provider (``{"providerId", "collectionId"}``)."""

    provider_id: str
    collection_id: str

    @classmethod
    def from_response(cls, response: Any) -> ProviderLayerCollectionId:
        response = response if isinstance(response, dict) else {}
        return cls(_text(response.get("providerId"), "providerId"),
                   _text(response.get("collectionId"), "collectionId"))


def _properties(value: Any) -> Tuple[Tuple[str, str], ...]:
    """``[["key", "value"], ...]`` -> tuple of pairs (malformed entries are left out)."""
    pairs = []
    for entry in value or ():
        if isinstance(entry, (list, tuple)) and len(entry) == 2:
            pairs.append((str(entry[0]), str(entry[1])))
    return tuple(pairs)


# -------------------------------------------------------------------------------------------- listings


@dataclass(frozen=True)
class LayerListing:
    """A layer as a collection lists it (no workflow yet: :func:`layer` loads that)."""

    id: ProviderLayerId
    name: str
    description: str = ""
    properties: Tuple[Tuple[str, str], ...] = ()
    kind = "layer"


@dataclass(frozen=True)
class LayerCollectionListing:
    """A sub-collection as a collection lists it."""

    id: ProviderLayerCollectionId
    name: str
    description: str = ""
    properties: Tuple[Tuple[str, str], ...] = ()
    kind = "collection"


Listing = Union[LayerListing, LayerCollectionListing]


def listing_from_response(response: Any) -> Listing:
    """One ``items`` entry: ``{"type": "layer"|"collection", "id", "name", "description", "properties"}``."""
    if not isinstance(response, dict):
        raise MalformedResponseError("a collection item is a JSON object")
    kind = response.get("type")
    name = str(response.get("name") or "")
    description = str(response.get("description") or "")
    properties = _properties(response.get("properties"))
    if kind == "layer":
        return LayerListing(ProviderLayerId.from_response(response.get("id")), name, description, properties)
    if kind == "collection":
        return LayerCollectionListing(ProviderLayerCollectionId.from_response(response.get("id")), name, description,
                                      properties)
    raise MalformedResponseError(f"unknown collection item type {kind!r}")


@dataclass(frozen=True)
class LayerCollection:
    """A collection (or one page of it: ``offset`` is where ``items`` start)."""

    id: ProviderLayerCollectionId
    name: str
    description: str
    items: Tuple[Listing, ...]
    entry_label: Optional[str] = None
    properties: Tuple[Tuple[str, str], ...] = ()
    offset: int = 0

    @classmethod
    def from_response(cls, response: Any, offset: int = 0) -> LayerCollection:
        if not isinstance(response, dict) or not isinstance(response.get("items"), list):
            raise MalformedResponseError("a layer collection answer has no 'items' list")
        label = response.get("entryLabel")
        return cls(ProviderLayerCollectionId.from_response(response.get("id")), str(response.get("name") or ""),
                   str(response.get("description") or ""),
                   tuple(listing_from_response(item) for item in response["items"]),
                   label if isinstance(label, str) else None, _properties(response.get("properties")), offset)

    @property
    def layers(self) -> List[LayerListing]:
        return [item for item in self.items if isinstance(item, LayerListing)]

    @property
    def collections(self) -> List[LayerCollectionListing]:
        return [item for item in self.items if isinstance(item, LayerCollectionListing)]

    def get_items_by_name(self, name: str) -> List[Listing]:
        return [item for item in self.items if item.name == name]


# -------------------------------------------------------------------------------------------- datasets


@dataclass(frozen=True)
class DatasetListing:
    """An entry of ``GET /datasets``; ``kind`` is ``raster`` or ``vector`` (from the result descriptor)."""

    id: str
    name: str
    display_name: str
    description: str = ""
    tags: Tuple[str, ...] = ()
    source_operator: str = ""
    kind: str = ""
    symbology: Optional[dict] = None
    result_descriptor: dict = field(default_factory=dict)

    @classmethod
    def from_response(cls, response: Any) -> DatasetListing:
        if not isinstance(response, dict):
            raise MalformedResponseError("a dataset listing is a JSON object")
        name = _text(response.get("name"), "the dataset's name")
        descriptor = response.get("resultDescriptor") if isinstance(response.get("resultDescriptor"), dict) else {}
        symbology = response.get("symbology")
        return cls(str(response.get("id") or ""), name, str(response.get("displayName") or name),
                   str(response.get("description") or ""), tuple(str(t) for t in response.get("tags") or ()),
                   str(response.get("sourceOperator") or ""), str(descriptor.get("type") or "").lower(),
                   symbology if isinstance(symbology, dict) else None, descriptor)

    @property
    def workflow(self) -> dict:
        """The workflow reading this dataset: its source operator with ``{"data": name}``."""
        if self.kind not in ("raster", "vector") or not self.source_operator:
            raise InputError(f"dataset {self.name!r} is neither a raster nor a vector source "
                             f"({self.kind or 'no type'}, {self.source_operator or 'no source operator'})",
                             field="dataset")
        return {"type": self.kind.capitalize(),
                "operator": {"type": self.source_operator, "params": {"data": self.name}}}


# -------------------------------------------------------------------------------------------- requests


def check_page(offset: Any, limit: Any) -> Tuple[int, int]:
    """``(offset, limit)`` as ints, or :class:`InputError` (offset >= 0, 1 <= limit <= 20)."""
    if isinstance(offset, bool) or not isinstance(offset, int) or offset < 0:
        raise InputError(f"must be an integer >= 0, got {offset!r}", field="offset")
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_PAGE_SIZE:
        raise InputError(f"must be an integer from 1 to {MAX_PAGE_SIZE} (the server's list limit), got {limit!r}",
                         field="limit")
    return offset, limit


def _segment(value: Any, field_name: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InputError("expected a non-empty id", field=field_name)
    return quote(value.strip(), safe=":*")


def layer_collection_page(collection_id: Optional[str] = None, provider_id: Optional[str] = None,
                          offset: int = 0, limit: int = MAX_PAGE_SIZE, timeout: Timeout = None,
                          session: Optional[Session] = None) -> LayerCollection:
    """One page of a collection; without ``collection_id`` the root listing of the providers."""
    offset, limit = check_page(offset, limit)
    active = resolve_session(session)
    if collection_id is None:
        path = "layers/collections"
    else:
        provider = provider_id if provider_id is not None else LAYER_DB_PROVIDER_ID
        path = f"layers/collections/{_segment(provider, 'provider_id')}/{_segment(collection_id, 'collection_id')}"
    body = active.get_json(path, params={"offset": offset, "limit": limit}, timeout=timeout)
    return LayerCollection.from_response(body, offset)


def iterate_pages(fetch: Callable[[int, int], List[T]], page_size: int = MAX_PAGE_SIZE,
                  max_items: int = DEFAULT_MAX_ITEMS) -> Iterator[T]:
    """Items of ``fetch(offset, limit)`` page after page until a short page (or ``max_items`` items)."""
    check_page(0, page_size)
    offset = 0
    while offset < max_items:
        page = fetch(offset, min(page_size, max_items - offset))
        yield from page
        if len(page) < page_size:
            return
        offset += len(page)


def layer_collection(collection_id: Optional[str] = None, provider_id: Optional[str] = None,
                     timeout: Timeout = None, session: Optional[Session] = None, page_size: int = MAX_PAGE_SIZE,
                     max_items: int = DEFAULT_MAX_ITEMS) -> LayerCollection:
    """A whole collection (every page, at most ``max_items`` items); the root listing without ``collection_id``."""
    active = resolve_session(session)
    first: List[LayerCollection] = []

    def fetch(offset: int, limit: int) -> List[Listing]:
        page = layer_collection_page(collection_id, provider_id, offset, limit, timeout, active)
        if not first:
            first.append(page)
        return list(page.items)

    items = tuple(iterate_pages(fetch, page_size, max_items))
    head = first[0]
    return LayerCollection(head.id, head.name, head.description, items, head.entry_label, head.properties)


def layer(layer_id: str, provider_id: str = LAYER_DB_PROVIDER_ID, timeout: Timeout = None,
          session: Optional[Session] = None) -> LayerInfo:
    """``GET /layers/{provider}/{layer}``: name, description, workflow and symbology of a catalog layer."""
    return get_layer(provider_id, layer_id, timeout=timeout, session=session)


def list_datasets_page(offset: int = 0, limit: int = MAX_PAGE_SIZE, order: str = "NameAsc",
                       name_filter: Optional[str] = None, timeout: Timeout = None,
                       session: Optional[Session] = None) -> List[DatasetListing]:
    """One page of ``GET /datasets`` (``order`` NameAsc or NameDesc; Geo Engine filters and orders by the display
    name, whatever the parameter names say)."""
    offset, limit = check_page(offset, limit)
    if order not in DATASET_ORDERS:
        raise InputError(f"must be one of {DATASET_ORDERS}, got {order!r}", field="order")
    active = resolve_session(session)
    params = {"order": order, "offset": offset, "limit": limit, "filter": name_filter or None}
    body = active.get_json("datasets", params=params, timeout=timeout)
    if not isinstance(body, list):
        raise MalformedResponseError("the dataset listing is not a JSON list")
    return [DatasetListing.from_response(entry) for entry in body]


def list_datasets(order: str = "NameAsc", name_filter: Optional[str] = None, timeout: Timeout = None,
                  session: Optional[Session] = None, page_size: int = MAX_PAGE_SIZE,
                  max_items: int = DEFAULT_MAX_ITEMS) -> List[DatasetListing]:
    """Every dataset the session may see (all pages, at most ``max_items``)."""
    active = resolve_session(session)
    return list(iterate_pages(
        lambda offset, limit: list_datasets_page(offset, limit, order, name_filter, timeout, active),
        page_size, max_items))


def dataset_workflow_id(dataset: DatasetListing, timeout: Timeout = None, session: Optional[Session] = None) -> str:
    """Register the workflow reading ``dataset`` and return its id."""
    return str(register_workflow(dataset.workflow, timeout=timeout, session=session).workflow_id)
