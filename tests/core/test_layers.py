"""core.layers against the test server: collections with paging, catalog layers, workflow ids, dataset listings."""

from __future__ import annotations

import dataclasses
import json
import uuid

import pytest
from geoengine_qgis.core import layers as ge_layers
from geoengine_qgis.core.errors import BadRequestError, InputError
from geoengine_qgis.core.session import Session
from geoengine_qgis.core.workflow import register_workflow
from geoengine_server.config import default_data_dir

DATA = default_data_dir()
PERSONAL = "cbb21ee3-d15d-45c5-a175-66964adf4e85"
TEST_COLLECTION = "272bf675-2e27-4412-824c-287c1e6841ac"
PORTS_LAYER = "b75db46e-2b9a-4a86-b33f-bc06a73cd711"


def definitions(folder: str) -> dict:
    return {d["id"]: d for d in (json.loads(p.read_text()) for p in sorted((DATA / folder).glob("*.json")))}


COLLECTIONS, LAYERS = definitions("layer_collection_defs"), definitions("layer_defs")


@pytest.fixture
def session(base_url):
    active = Session(base_url, use_env=False)
    yield active
    active.close()


def requests_since(server, start: int) -> list:
    """What clients asked for since ``start`` (copied on the server's own thread, where requests append)."""
    return server.call(lambda: list(server.api["request_log"]))[start:]


def add_personal_datasets(server, owner: str, count: int) -> list:
    """``count`` copies of the ports dataset owned by ``owner``, tagged ``upload`` (so the Personal Data Catalog's
    "User Uploads" lists them); returns their names."""
    catalog = server.api["catalog"]
    template = catalog.dataset("ne_10m_ports")
    names = [f"browser_paging_{owner[:8]}_{i:03d}" for i in range(count)]

    def add() -> None:
        for name in names:
            catalog.add_dataset(dataclasses.replace(
                template, id=str(uuid.uuid4()), name=name, display_name=f"Paging {name[-3:]}",
                description=f"copy {name[-3:]} of the ports", owner=owner, tags=["upload"]))

    server.call(add)
    return names


def remove_datasets(server, names: list) -> None:
    catalog = server.api["catalog"]
    server.call(lambda: [catalog.datasets.pop(name, None) for name in names])


def test_root_listing_names_the_providers(session):
    root = ge_layers.layer_collection_page(session=session)
    assert root.id == ge_layers.ProviderLayerCollectionId(ge_layers.ROOT_PROVIDER_ID, ge_layers.ROOT_COLLECTION_ID)
    assert [(item.kind, item.name) for item in root.items] == [
        ("collection", "Data Catalog"), ("collection", "Personal Data Catalog")]
    assert root.items[0].id == ge_layers.ProviderLayerCollectionId(
        ge_layers.LAYER_DB_PROVIDER_ID, ge_layers.LAYER_DB_ROOT_COLLECTION_ID)
    assert ge_layers.layer_collection(session=session).items == root.items
    # Geo Engine pages the root oddly: the first page is "Data Catalog" + limit-1 providers, later pages list
    # the providers from the unadjusted offset (so offset 1 skips the first provider)
    assert ge_layers.layer_collection_page(offset=0, limit=1, session=session).items == root.items[:1]
    assert ge_layers.layer_collection_page(offset=1, limit=1, session=session).items == ()


def test_data_catalog_lists_the_collection_definitions(session):
    catalog = ge_layers.layer_collection(ge_layers.LAYER_DB_ROOT_COLLECTION_ID, session=session)
    root_def = COLLECTIONS[ge_layers.LAYER_DB_ROOT_COLLECTION_ID]
    assert [c.name for c in catalog.collections] == [COLLECTIONS[i]["name"] for i in root_def["collections"]]
    assert catalog.layers == []
    test = catalog.get_items_by_name("A test collection")[0]
    collection = ge_layers.layer_collection(test.id.collection_id, test.id.provider_id, session=session)
    test_def = COLLECTIONS[TEST_COLLECTION]
    assert [(item.name, item.description) for item in collection.layers] == [
        (LAYERS[i]["name"], LAYERS[i]["description"]) for i in test_def["layers"]]
    assert len(collection.layers) == 4 and [c.name for c in collection.collections] == ["An empty collection"]
    assert all(item.id.provider_id == ge_layers.LAYER_DB_PROVIDER_ID for item in collection.layers)


def test_small_pages_add_up_to_the_whole_collection(server, session):
    start = len(server.api["request_log"])
    whole = ge_layers.layer_collection(TEST_COLLECTION, session=session)
    assert len(requests_since(server, start)) == 1  # 5 items: one short page
    start = len(server.api["request_log"])
    paged = ge_layers.layer_collection(TEST_COLLECTION, session=session, page_size=2)
    asked = requests_since(server, start)
    assert paged.items == whole.items and paged.name == whole.name
    assert asked == [f"GET /layers/collections/{ge_layers.LAYER_DB_PROVIDER_ID}/{TEST_COLLECTION}"] * 3
    capped = ge_layers.layer_collection(TEST_COLLECTION, session=session, page_size=2, max_items=3)
    assert capped.items == whole.items[:3]


def test_layer_details_and_its_registered_workflow(server, session):
    ports = ge_layers.layer(PORTS_LAYER, session=session)
    assert isinstance(ports, ge_layers.Layer)
    assert (ports.name, ports.description) == (LAYERS[PORTS_LAYER]["name"], LAYERS[PORTS_LAYER]["description"])
    assert ports.workflow == LAYERS[PORTS_LAYER]["workflow"] and ports.workflow["type"] == "Vector"
    start = len(server.api["request_log"])
    workflow_id = ge_layers.layer_workflow_id(ge_layers.LAYER_DB_PROVIDER_ID, PORTS_LAYER, session=session)
    assert f"POST /layers/{ge_layers.LAYER_DB_PROVIDER_ID}/{PORTS_LAYER}/workflowId" in requests_since(server, start)
    assert workflow_id == str(register_workflow(ports.workflow, session=session).workflow_id)


@pytest.mark.parametrize("fresh_server", [{"version": "0.10.0"}], indirect=True)
def test_a_0_10_server_gets_the_processing_graph_path(fresh_server):
    with Session(fresh_server.base_url, use_env=False) as session:
        assert session.api_generation == "0.10"
        start = len(fresh_server.api["request_log"])
        workflow_id = ge_layers.layer_workflow_id(ge_layers.LAYER_DB_PROVIDER_ID, PORTS_LAYER, session=session)
        asked = requests_since(fresh_server, start)
        assert asked == [f"POST /layers/{ge_layers.LAYER_DB_PROVIDER_ID}/{PORTS_LAYER}/processingGraphId"]
        uuid.UUID(workflow_id)


def test_unknown_ids_give_the_servers_errors(session):
    with pytest.raises(BadRequestError) as caught:
        ge_layers.layer_collection_page("no-such-collection", ge_layers.LAYER_DB_PROVIDER_ID, session=session)
    assert caught.value.error == "NoLayerCollectionForGivenId"
    with pytest.raises(BadRequestError) as caught:
        ge_layers.layer(str(uuid.uuid4()), session=session)
    assert caught.value.error == "NoLayerForGivenId"


@pytest.mark.parametrize("offset, limit, field", [(-1, 5, "offset"), (0, 21, "limit"), (0, 0, "limit"),
                                                  (True, 5, "offset"), (0, "20", "limit")])
def test_bad_pages_are_refused_before_any_request(server, session, offset, limit, field):
    start = len(server.api["request_log"])
    with pytest.raises(InputError) as caught:
        ge_layers.layer_collection_page(offset=offset, limit=limit, session=session)
    assert caught.value.field == field
    with pytest.raises(InputError):
        ge_layers.list_datasets_page(offset, limit, session=session)
    assert requests_since(server, start) == []


def test_dataset_listing_in_name_order(server, session):
    # Geo Engine orders /datasets by display name (its SQL), whatever "NameAsc" says
    expected = [d.name for d in sorted((d for d in server.api["catalog"].datasets.values() if d.owner is None),
                                       key=lambda d: (d.display_name.lower(), d.display_name))]
    listed = ge_layers.list_datasets(session=session)
    assert [d.name for d in listed] == expected
    assert [d.name for d in ge_layers.list_datasets("NameDesc", session=session)] == expected[::-1]
    ports = next(d for d in listed if d.name == "ne_10m_ports")
    assert (ports.kind, ports.source_operator) == ("vector", "OgrSource")
    ndvi = next(d for d in listed if d.name == "ndvi")
    assert ndvi.kind == "raster" and ndvi.symbology is not None and ndvi.display_name
    assert ge_layers.dataset_workflow_id(ports, session=session) == str(
        register_workflow(ports.workflow, session=session).workflow_id)
    with pytest.raises(InputError):
        ge_layers.list_datasets_page(order="Newest", session=session)


def test_more_than_one_page_of_personal_datasets(server, session):
    names = add_personal_datasets(server, session.user_id, 23)
    try:
        personal = ge_layers.layer_collection("tags:upload", PERSONAL, session=session)
        assert sorted(item.description for item in personal.layers) == [f"copy {i:03d} of the ports"
                                                                         for i in range(23)]
        start = len(server.api["request_log"])
        datasets = ge_layers.list_datasets(name_filter="Paging", session=session)  # display names
        assert [d.name for d in datasets] == names
        assert len(requests_since(server, start)) == 2  # 20 + 3
        first = ge_layers.list_datasets_page(0, 20, name_filter="paging", session=session)
        assert len(first) == 20
        with Session(server.base_url, use_env=False) as other:  # another user sees none of them
            assert ge_layers.list_datasets(name_filter="Paging", session=other) == []
    finally:
        remove_datasets(server, names)
