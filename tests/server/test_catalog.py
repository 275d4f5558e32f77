"""Layer collections, layers, datasets and spatial reference specifications."""

from __future__ import annotations

import json

import pytest
import requests
from geoengine_server.config import default_data_dir
from server.control_helpers import NDVI, NDVI_ID, TIMEOUT, anonymous, gdal_source, get, register

ROOT = ("1c3b8042-300b-485c-95b5-0147d9dc068d", "f2424474-ef24-4c18-ab84-68592e12ce48")
LAYER_DB, LAYER_DB_ROOT = "ce5e84db-cbf9-48a2-9a32-d4b7cc56ea74", "05102bb3-a855-4a37-8a8a-30026a91fef1"
PERSONAL = "cbb21ee3-d15d-45c5-a175-66964adf4e85"
DATA = default_data_dir()
TEST_COLLECTION, EMPTY_COLLECTION = "272bf675-2e27-4412-824c-287c1e6841ac", "a29f77cc-51ce-466b-86ef-d0ab2170bc0a"
PORTS_LAYER, RED_LAYER = "b75db46e-2b9a-4a86-b33f-bc06a73cd711", "52ef9e16-acd1-4c61-9a80-7d5b335d0d5a"
QUERY_MISSING_OFFSET = {
    "error": "UnableToParseQueryString",
    "message": "Unable to parse query string: missing field `offset`",
}


@pytest.fixture
def headers(base_url):
    return anonymous(base_url)


def test_root_listing_starts_with_the_data_catalog(base_url, headers):
    r = get(base_url, "/layers/collections?offset=0&limit=20", headers)
    assert r.status_code == 200
    assert r.json() == {
        "id": {"providerId": ROOT[0], "collectionId": ROOT[1]},
        "name": "Layer Providers",
        "description": "All available Geo Engine layer providers",
        "items": [
            {"type": "collection", "id": {"providerId": LAYER_DB, "collectionId": LAYER_DB_ROOT},
             "name": "Data Catalog", "description": "Catalog of data and workflows", "properties": []},
            {"type": "collection", "id": {"providerId": PERSONAL, "collectionId": "root"},
             "name": "Personal Data Catalog", "description": "Catalog of your personal data and workflows.",
             "properties": []},
        ],
        "entryLabel": None,
        "properties": [],
    }
    assert get(base_url, f"/layers/collections/{ROOT[0]}/{ROOT[1]}?offset=0&limit=20", headers).json() == r.json()
    # later pages start at the unadjusted offset among the providers: offset 1 skips the only one
    assert get(base_url, "/layers/collections?offset=1&limit=20", headers).json()["items"] == []
    assert get(base_url, "/layers/collections?offset=0&limit=1", headers).json()["items"] == r.json()["items"][:1]


def test_collections_list_subcollections_then_layers_with_paging(base_url, headers):
    root = get(base_url, f"/layers/collections/{LAYER_DB}/{LAYER_DB_ROOT}?offset=0&limit=20", headers).json()
    assert [(i["type"], i["name"]) for i in root["items"]] == [
        ("collection", "A test collection"), ("collection", "An empty collection")
    ]
    collection = get(base_url, f"/layers/collections/{LAYER_DB}/{TEST_COLLECTION}?offset=0&limit=20", headers).json()
    assert collection["name"] == "A test collection" and collection["entryLabel"] is None
    assert [i["type"] for i in collection["items"]] == ["collection", "layer", "layer", "layer", "layer"]
    assert collection["items"][1] == {
        "type": "layer",
        "id": {"providerId": LAYER_DB, "layerId": PORTS_LAYER},
        "name": "Ports in Germany",
        "description": "Natural Earth Ports point filtered with Germany polygon",
        "properties": [],
    }
    page = get(base_url, f"/layers/collections/{LAYER_DB}/{TEST_COLLECTION}?offset=1&limit=2", headers).json()
    assert page["items"] == collection["items"][1:3]
    empty = get(base_url, f"/layers/collections/{LAYER_DB}/{EMPTY_COLLECTION}?offset=0&limit=20", headers).json()
    assert empty["items"] == []


def test_collection_errors(base_url, headers):
    r = get(base_url, f"/layers/collections/{LAYER_DB}/{TEST_COLLECTION}?offset=0&limit=21", headers)
    assert (r.status_code, r.json()["error"]) == (400, "ValidationError")
    r = get(base_url, "/layers/collections?limit=20", headers)
    assert (r.status_code, r.json()) == (400, QUERY_MISSING_OFFSET)
    r = get(base_url, f"/layers/collections/{LAYER_DB}/nope?offset=0&limit=20", headers)
    assert (r.status_code, r.json()) == (
        400,
        {"error": "NoLayerCollectionForGivenId", "message": "There is no layer collection with the given id nope"},
    )
    r = get(base_url, f"/layers/collections/{NDVI_ID}/x?offset=0&limit=20", headers)
    assert (r.status_code, r.json()) == (400, {"error": "UnknownProviderId", "message": "Unknown provider id"})
    r = get(base_url, f"/layers/collections/not-a-uuid/{TEST_COLLECTION}?offset=0&limit=20", headers)
    assert r.status_code == 404
    assert get(base_url, "/layers/collections?offset=0&limit=20", {}).status_code == 401


def test_layer_and_its_workflow_id(base_url, headers):
    r = get(base_url, f"/layers/{LAYER_DB}/{RED_LAYER}", headers)
    layer = r.json()
    assert r.status_code == 200
    # 0.9.3's Layer has no processingGraph (geo-engine/geoengine@5748ef7:geoengine/services/src/layers/layer.rs)
    assert set(layer) == {"id", "name", "description", "workflow", "symbology", "properties", "metadata"}
    assert layer["id"] == {"providerId": LAYER_DB, "layerId": RED_LAYER}
    assert layer["workflow"] == gdal_source("ne2_raster_red")
    assert layer["symbology"]["rasterColorizer"]["type"] == "singleBand"
    expected = register(base_url, headers, layer["workflow"])
    for suffix in ("workflowId", "processingGraphId"):
        r = requests.post(f"{base_url}/layers/{LAYER_DB}/{RED_LAYER}/{suffix}", headers=headers, timeout=TIMEOUT)
        assert (r.status_code, r.json()) == (200, {"id": expected})
    ports = get(base_url, f"/layers/{LAYER_DB}/{PORTS_LAYER}", headers).json()
    assert ports["symbology"] is None and ports["workflow"]["type"] == "Vector"

    r = get(base_url, f"/layers/{LAYER_DB}/nope", headers)
    assert (r.status_code, r.json()) == (
        400,
        {"error": "NoLayerForGivenId", "message": "There is no layer with the given id nope"},
    )
    r = requests.post(f"{base_url}/layers/{LAYER_DB}/nope/workflowId", headers=headers, timeout=TIMEOUT)
    assert r.json()["error"] == "NoLayerForGivenId"
    assert get(base_url, f"/layers/{LAYER_DB}/{RED_LAYER}", {}).status_code == 401


def test_provider_capabilities(base_url, headers):
    for provider, prefix, filters in ((LAYER_DB, True, []), (PERSONAL, False, None)):
        r = get(base_url, f"/layers/{provider}/capabilities", headers)
        assert (r.status_code, r.json()) == (
            200,
            {"listing": True, "search": {"searchTypes": {"fulltext": True, "prefix": prefix}, "autocomplete": True,
                                         "filters": filters}},
        )
    r = get(base_url, f"/layers/{NDVI_ID}/capabilities", headers)
    assert (r.status_code, r.json()["error"]) == (400, "UnknownProviderId")


def test_dataset_listing_order_filter_paging(base_url, headers):
    listed = get(base_url, "/datasets?order=NameAsc&offset=0&limit=20", headers).json()
    names = [d["name"] for d in listed]
    test_data = {}  # name -> display name, from the definitions
    for path in sorted((DATA / "dataset_defs").glob("*.json")):
        properties = json.loads(path.read_text())["properties"]
        test_data[properties["name"]] = properties.get("displayName", properties["name"])
    # ordered by display name (the real server's SQL), not by name
    assert [n for n in names if n in test_data] == sorted(test_data, key=lambda n: test_data[n].lower())
    assert sorted(test_data, key=lambda n: test_data[n].lower()) != sorted(test_data, key=str.lower)
    desc = [d["name"] for d in get(base_url, "/datasets?order=NameDesc&offset=0&limit=20", headers).json()]
    assert desc == names[::-1]
    assert [d["name"] for d in get(base_url, "/datasets?order=NameAsc&offset=1&limit=2", headers).json()] == names[1:3]
    filtered = get(base_url, "/datasets?order=NameAsc&offset=0&limit=20&filter=natural earth ii", headers).json()
    assert [d["name"] for d in filtered] == ["ne2_raster_blue", "ne2_raster_green", "ne2_raster_red"]
    listing = next(d for d in get(base_url, "/datasets?order=NameAsc&offset=0&limit=20&filter=ports", headers).json())
    assert set(listing) == {"id", "name", "displayName", "description", "tags", "sourceOperator", "resultDescriptor",
                            "symbology"}
    assert listing["resultDescriptor"]["type"] == "vector"
    assert listing["resultDescriptor"]["bbox"]["lowerLeftCoordinate"] == {"x": -171.75795, "y": -54.809444}

    r = get(base_url, "/datasets?offset=0&limit=20", headers)
    assert r.json()["message"] == "Unable to parse query string: missing field `order`"
    r = get(base_url, "/datasets?order=NameAsc&limit=20", headers)
    assert (r.status_code, r.json()) == (400, QUERY_MISSING_OFFSET)
    r = get(base_url, "/datasets?order=Size&offset=0&limit=20", headers)
    assert (r.status_code, r.json()["error"]) == (400, "UnableToParseQueryString")
    r = get(base_url, "/datasets?order=NameAsc&offset=0&limit=21", headers)
    assert (r.status_code, r.json()["error"]) == (400, "ValidationError")
    r = get(base_url, "/datasets?order=NameAsc&offset=x&limit=20", headers)
    assert r.json()["message"] == "Unable to parse query string: invalid digit found in string"


def test_dataset_details(base_url, headers):
    register(base_url, headers, NDVI)
    metadata = get(base_url, f"/workflow/{NDVI_ID}/metadata", headers).json()
    r = get(base_url, "/dataset/ndvi", headers)
    dataset = r.json()
    assert r.status_code == 200
    assert set(dataset) == {"id", "name", "displayName", "description", "tags", "sourceOperator", "resultDescriptor",
                            "symbology", "provenance", "dataPath"}
    assert (dataset["name"], dataset["displayName"], dataset["sourceOperator"]) == ("ndvi", "NDVI", "GdalSource")
    assert dataset["resultDescriptor"] == metadata
    assert dataset["provenance"][0]["uri"] == "https://modis.gsfc.nasa.gov/data/dataprod/mod13.php"
    assert dataset["symbology"]["rasterColorizer"]["bandColorizer"]["type"] == "palette"
    assert dataset["dataPath"] == {"volume": "test_data"}
    points = get(base_url, "/dataset/points_with_time", headers).json()
    assert points["resultDescriptor"]["time"] == {"start": 1396310400000, "end": 1404172800000}
    assert points["provenance"] is None

    r = get(base_url, "/dataset/does_not_exist", headers)
    assert (r.status_code, r.json()) == (
        400,
        {"error": "CannotLoadDataset", "message": "CannotLoadDataset: UnknownDatasetName"},
    )
    assert get(base_url, "/dataset/ndvi", {}).status_code == 401


def test_spatial_reference_specifications(base_url, headers):
    r = get(base_url, "/spatialReferenceSpecification/EPSG:4326", headers)
    assert (r.status_code, r.json()) == (
        200,
        {
            "name": "WGS 84",
            "spatialReference": "EPSG:4326",
            "projString": "+proj=longlat +datum=WGS84 +no_defs +type=crs",
            "extent": {"lowerLeftCoordinate": {"x": -180.0, "y": -90.0},
                       "upperRightCoordinate": {"x": 180.0, "y": 90.0}},
            "axisLabels": ["Geodetic longitude", "Geodetic latitude"],
            "axisOrder": "northEast",
        },
    )
    mercator = get(base_url, "/spatialReferenceSpecification/EPSG:3857", headers).json()
    assert mercator["name"] == "WGS 84 / Pseudo-Mercator"
    assert mercator["projString"].startswith("+proj=merc ") and mercator["projString"].endswith("+type=crs")
    assert mercator["extent"]["upperRightCoordinate"]["x"] == pytest.approx(20037508.342789244)
    assert mercator["extent"]["lowerLeftCoordinate"]["y"] == pytest.approx(-20048966.1, rel=1e-6)
    assert (mercator["axisLabels"], mercator["axisOrder"]) == (["Easting", "Northing"], "eastNorth")
    for bad in ("EPSG:0", "nonsense"):
        r = get(base_url, f"/spatialReferenceSpecification/{bad}", headers)
        assert (r.status_code, r.json()) == (
            400,
            {"error": "InvalidSpatialReferenceString", "message": f"Invalid spatial reference string: {bad}"},
        )
    assert get(base_url, "/spatialReferenceSpecification/EPSG:4326", {}).status_code == 401


def test_search_and_autocomplete_below_a_collection(base_url, headers):
    base = f"/layers/collections/search/{LAYER_DB}/{LAYER_DB_ROOT}"
    r = get(base_url, f"{base}?searchType=fulltext&searchString=natural earth&offset=0&limit=20", headers)
    assert r.status_code == 200
    found = r.json()
    assert found["id"] == {"providerId": LAYER_DB, "collectionId": LAYER_DB_ROOT}
    assert [i["name"] for i in found["items"]] == ["Ports in Germany", "Natural Earth II – RGB", "Natural Earth II – R"]
    prefix = get(base_url, f"{base}?searchType=prefix&searchString=natural&offset=0&limit=20", headers).json()
    assert [i["id"]["layerId"] for i in prefix["items"]] == ["83866f7b-dcee-47b8-9242-e5636ceaf402", RED_LAYER]
    collections = get(base_url, f"{base}?searchType=fulltext&searchString=collection&offset=0&limit=20", headers)
    assert [i["name"] for i in collections.json()["items"]] == ["A test collection", "An empty collection"]
    names = get(base_url, f"/layers/collections/search/autocomplete/{LAYER_DB}/{LAYER_DB_ROOT}"
                          "?searchType=prefix&searchString=Natural&offset=0&limit=20", headers).json()
    assert names == ["Natural Earth II – RGB", "Natural Earth II – R"]
    r = get(base_url, f"{base}?searchType=fuzzy&searchString=x&offset=0&limit=20", headers)
    assert (r.status_code, r.json()["error"]) == (400, "UnableToParseQueryString")
    r = get(base_url, f"{base}?searchType=prefix&offset=0&limit=20", headers)
    assert r.json()["message"] == "Unable to parse query string: missing field `searchString`"


@pytest.mark.parametrize("fresh_server", [{"version": "0.10.0"}], indirect=True)
def test_layers_carry_the_processing_graph_when_emulating_0_10(fresh_server):
    base = fresh_server.base_url
    layer = get(base, f"/layers/{LAYER_DB}/{RED_LAYER}", anonymous(base)).json()
    assert layer["processingGraph"] == layer["workflow"] == gdal_source("ne2_raster_red")


def _collection_of(base_url, headers, collection):
    r = get(base_url, f"/layers/collections/{PERSONAL}/{collection}?offset=0&limit=20", headers)
    assert r.status_code == 200, r.text
    return r.json()


@pytest.mark.parametrize("fresh_server", [{}], indirect=True)
def test_personal_data_catalog_has_the_real_three_collections(fresh_server):
    """Audit C2: root ``root`` with "User Uploads", "Workflows" and "All Datasets" (the real provider definition);
    each lists every readable dataset with its tags, by display name; search is fulltext only."""
    from geoengine_server.catalog import Dataset

    base = fresh_server.base_url
    headers = anonymous(base)
    me = get(base, "/session", headers).json()["user"]["id"]
    catalog = fresh_server.api["catalog"]
    ports = catalog.dataset("ne_10m_ports")

    def add(name, display, tags, owner):
        fresh_server.call(catalog.add_dataset, Dataset(f"00000000-0000-4000-8000-{len(catalog.datasets):012d}",
                                                       name, display, "", "OgrSource", ports.meta, tags=tags,
                                                       data_dir=ports.data_dir, owner=owner))

    add(f"{me}:mine_up", "b upload", ["upload"], me)
    add(f"{me}:mine_wf", "a workflow", ["workflow"], me)
    add("someone:theirs", "theirs", ["workflow"], "someone")  # not readable by me

    root = _collection_of(base, headers, "root")
    assert root["id"] == {"providerId": PERSONAL, "collectionId": "root"}
    assert (root["name"], root["description"]) == ("Personal Data Catalog",
                                                   "Catalog of your personal data and workflows.")
    assert [(i["id"]["collectionId"], i["name"], i["description"]) for i in root["items"]] == [
        ("tags:upload", "User Uploads", "Datasets uploaded by the user."),
        ("tags:workflow", "Workflows", "Datasets created from workflows."),
        ("tags:*", "All Datasets", "All datasets"),
    ]
    uploads = _collection_of(base, headers, "tags:upload")
    assert (uploads["id"]["collectionId"], uploads["name"], uploads["description"]) == ("upload", "upload", "")
    assert [i["name"] for i in uploads["items"]] == ["b upload"]
    assert [i["name"] for i in _collection_of(base, headers, "tags:workflow")["items"]] == ["a workflow"]
    everything = _collection_of(base, headers, "tags:*")
    assert everything["id"]["collectionId"] == ""
    readable = sorted(d.display_name for d in catalog.datasets.values() if d.owner in (None, me))
    assert [i["name"] for i in everything["items"]] == readable[:20] and "theirs" not in readable
    # every readable dataset is a layer of the provider, the test data's too
    layer = get(base, f"/layers/{PERSONAL}/{catalog.dataset('ndvi').id}", headers).json()
    assert layer["workflow"] == gdal_source("ndvi")
    r = get(base, f"/layers/collections/{PERSONAL}/nope?offset=0&limit=20", headers)
    assert (r.status_code, r.json()) == (400, {"error": "InvalidLayerCollectionId",
                                               "message": "Invalid layer collection id"})

    search = f"/layers/collections/search/{PERSONAL}/tags:*?offset=0&limit=20&searchString=UPLOAD"
    found = get(base, f"{search}&searchType=fulltext", headers).json()
    assert (found["id"]["collectionId"], found["name"]) == ("search", "Search results for 'UPLOAD'")
    assert [i["name"] for i in found["items"]] == ["b upload"]
    r = get(base, f"{search}&searchType=prefix", headers)
    assert (r.status_code, r.json()["error"]) == (400, "NotImplemented")
