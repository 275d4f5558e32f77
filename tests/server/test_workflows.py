"""Workflow registration, definition, metadata, provenance and the metadata zip, on both path families."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
import requests
from server.control_helpers import NDVI, NDVI_ID, PORTS, TIMEOUT, anonymous, gdal_source, register, save_body

FAMILIES = ("/workflow", "/processingGraphs")
NDVI_METADATA = {
    "type": "raster",
    "dataType": "U8",
    "spatialReference": "EPSG:4326",
    "time": {
        "bounds": {"start": 1388534400000, "end": 1404172800000},
        "dimension": {"type": "regular", "origin": 1388534400000, "step": {"granularity": "months", "step": 1}},
    },
    "spatialGrid": {
        "descriptor": "source",
        "spatialGrid": {
            "geoTransform": {"originCoordinate": {"x": -180.0, "y": 90.0}, "xPixelSize": 0.1, "yPixelSize": -0.1},
            "gridBounds": {"topLeftIdx": {"xIdx": 0, "yIdx": 0}, "bottomRightIdx": {"xIdx": 3599, "yIdx": 1799}},
        },
    },
    "bands": [{"name": "ndvi", "measurement": {"type": "continuous", "measurement": "vegetation", "unit": None}}],
}
NDVI_PROVENANCE = {
    "citation": "Nasa Earth Observations, MODIS Vegetation Index Products",
    "license": "https://earthdata.nasa.gov/collaborate/open-data-services-and-software/data-information-policy",
    "uri": "https://modis.gsfc.nasa.gov/data/dataprod/mod13.php",
}
UNKNOWN = "00000000-0000-4000-8000-000000000000"


@pytest.fixture
def headers(base_url):
    return anonymous(base_url)


@pytest.mark.parametrize("prefix", FAMILIES)
def test_ndvi_registers_to_the_reference_id_idempotently(base_url, headers, prefix):
    assert register(base_url, headers, NDVI, prefix) == NDVI_ID
    assert register(base_url, headers, NDVI, prefix) == NDVI_ID
    # the normalised form (with the default) hashes to the same id
    with_default = gdal_source("ndvi")
    with_default["operator"]["params"]["overviewLevel"] = None
    assert register(base_url, headers, with_default, prefix) == NDVI_ID


def test_different_workflows_get_different_ids(base_url, headers):
    ports = register(base_url, headers, PORTS)
    assert ports != NDVI_ID
    assert len(ports) == 36 and ports[14] == "5"  # uuid version 5


@pytest.mark.parametrize("prefix", FAMILIES)
def test_definition_is_the_normalised_workflow(base_url, headers, prefix):
    register(base_url, headers, NDVI, prefix)
    r = requests.get(f"{base_url}{prefix}/{NDVI_ID}", headers=headers, timeout=TIMEOUT)
    assert r.status_code == 200
    assert r.json() == {
        "type": "Raster",
        "operator": {"type": "GdalSource", "params": {"data": "ndvi", "overviewLevel": None}},
    }


@pytest.mark.parametrize("prefix", FAMILIES)
def test_ndvi_metadata_matches_the_reference(base_url, headers, prefix):
    register(base_url, headers, NDVI, prefix)
    r = requests.get(f"{base_url}{prefix}/{NDVI_ID}/metadata", headers=headers, timeout=TIMEOUT)
    assert (r.status_code, r.json()) == (200, NDVI_METADATA)


def test_vector_metadata_has_columns(base_url, headers):
    workflow_id = register(base_url, headers, PORTS)
    meta = requests.get(f"{base_url}/workflow/{workflow_id}/metadata", headers=headers, timeout=TIMEOUT).json()
    assert meta["type"] == "vector" and meta["dataType"] == "MultiPoint"
    assert meta["columns"]["scalerank"] == {"dataType": "int", "measurement": {"type": "unitless"}}


@pytest.mark.parametrize("prefix", FAMILIES)
def test_provenance_lists_the_dataset_ids(base_url, headers, prefix):
    register(base_url, headers, NDVI, prefix)
    dataset_id = requests.get(f"{base_url}/dataset/ndvi", headers=headers, timeout=TIMEOUT).json()["id"]
    r = requests.get(f"{base_url}{prefix}/{NDVI_ID}/provenance", headers=headers, timeout=TIMEOUT)
    assert r.status_code == 200
    assert r.json() == [{"provenance": NDVI_PROVENANCE, "data": [{"type": "internal", "datasetId": dataset_id}]}]


def test_provenance_groups_datasets_with_the_same_provenance(base_url, headers):
    stack = {
        "type": "Raster",
        "operator": {
            "type": "RasterStacker",
            "params": {"renameBands": {"type": "rename", "values": ["red", "blue"]}},
            "sources": {"rasters": [gdal_source(f"ne2_raster_{c}")["operator"] for c in ("red", "blue")]},
        },
    }
    workflow_id = register(base_url, headers, stack)
    ids = [
        requests.get(f"{base_url}/dataset/ne2_raster_{c}", headers=headers, timeout=TIMEOUT).json()["id"]
        for c in ("red", "blue")
    ]
    provenance = requests.get(f"{base_url}/workflow/{workflow_id}/provenance", headers=headers, timeout=TIMEOUT).json()
    assert len(provenance) == 1
    assert provenance[0]["provenance"]["license"] == "CC0 (public domain)"
    assert sorted(d["datasetId"] for d in provenance[0]["data"]) == sorted(ids)
    assert all(d["type"] == "internal" for d in provenance[0]["data"])


def test_datasets_without_provenance_are_left_out(base_url, headers):
    workflow_id = register(
        base_url, headers, {"type": "Vector", "operator": {"type": "OgrSource", "params": {"data": "points_with_time"}}}
    )
    r = requests.get(f"{base_url}/workflow/{workflow_id}/provenance", headers=headers, timeout=TIMEOUT)
    assert (r.status_code, r.json()) == (200, [])


@pytest.mark.parametrize(("prefix", "workflow_file"), list(zip(FAMILIES, ("workflow.json", "processing_graph.json"))))
def test_metadata_zip_holds_three_pretty_files(base_url, headers, prefix, workflow_file):
    register(base_url, headers, NDVI)
    r = requests.get(f"{base_url}{prefix}/{NDVI_ID}/allMetadata/zip", headers=headers, timeout=TIMEOUT)
    assert r.status_code == 200
    assert r.headers["Content-Type"] == "application/zip"
    assert r.headers["Content-Disposition"] == f'attachment; filename="metadata_{NDVI_ID}.zip"'
    archive = zipfile.ZipFile(io.BytesIO(r.content))
    assert archive.namelist() == [workflow_file, "metadata.json", "citation.json"]
    assert all(info.compress_type == zipfile.ZIP_DEFLATED for info in archive.infolist())
    files = {name: archive.read(name).decode() for name in archive.namelist()}
    assert json.loads(files[workflow_file])["operator"]["params"]["data"] == "ndvi"
    assert json.loads(files["metadata.json"]) == NDVI_METADATA
    assert json.loads(files["citation.json"])[0]["provenance"] == NDVI_PROVENANCE
    assert files["metadata.json"].startswith('{\n  "type": "raster"')


# --- errors ---


@pytest.mark.parametrize("prefix", FAMILIES)
def test_registration_errors(base_url, headers, prefix):
    url = f"{base_url}{prefix}"
    r = requests.post(url, data=json.dumps(NDVI), headers={**headers, "Content-Type": "text/plain"}, timeout=TIMEOUT)
    assert (r.status_code, r.json()) == (
        415,
        {"error": "UnsupportedMediaType", "message": "Unsupported content type header."},
    )
    r = requests.post(url, data="no json", headers={**headers, "Content-Type": "application/json"}, timeout=TIMEOUT)
    assert (r.status_code, r.json()) == (
        400,
        {"error": "BodyDeserializeError", "message": "Error in user input: expected ident at line 1 column 2"},
    )
    r = requests.post(url, json={}, headers=headers, timeout=TIMEOUT)
    assert (r.status_code, r.json()) == (
        400,
        {
            "error": "BodyDeserializeError",
            "message": "Error in user input: data did not match any variant of untagged enum Workflow",
        },
    )
    r = requests.post(url, json=NDVI, timeout=TIMEOUT)
    assert r.status_code == 401


def test_unknown_dataset_fails_at_registration(base_url, headers):
    workflow = {"type": "Raster", "operator": {"type": "GdalSource", "params": {"data": "no_such_dataset"}}}
    r = requests.post(f"{base_url}/workflow", json=workflow, headers=headers, timeout=TIMEOUT)
    assert r.status_code == 400
    assert set(r.json()) == {"error", "message"} and "no_such_dataset" in r.json()["message"]


@pytest.mark.parametrize("prefix", FAMILIES)
@pytest.mark.parametrize("suffix", ("", "/metadata", "/provenance", "/allMetadata/zip"))
def test_unknown_and_malformed_ids(base_url, headers, prefix, suffix):
    r = requests.get(f"{base_url}{prefix}/{UNKNOWN}{suffix}", headers=headers, timeout=TIMEOUT)
    assert (r.status_code, r.json()) == (400, {"error": "NoWorkflowForGivenId", "message": "No workflow for given id"})
    r = requests.get(f"{base_url}{prefix}/1{suffix}", headers=headers, timeout=TIMEOUT)
    assert (r.status_code, r.json()) == (404, {"error": "NotFound", "message": "Not Found"})
    r = requests.get(f"{base_url}{prefix}/{NDVI_ID}{suffix}", timeout=TIMEOUT)
    assert r.status_code == 401


@pytest.mark.parametrize("path", ("/datasetFromWorkflow", "/datasetFromProcessingGraph"))
def test_dataset_from_workflow_rejects_bad_requests(base_url, headers, path):
    register(base_url, headers, NDVI)
    ports = register(base_url, headers, PORTS)
    body = save_body(None, -10.0, 20.0, 50.0, 80.0, 1388534400000)
    r = requests.post(f"{base_url}{path}/{ports}", json=body, headers=headers, timeout=TIMEOUT)
    assert r.status_code == 400
    assert r.json()["error"] == "InvalidOperatorType"
    assert r.json()["message"].startswith("Invalid operator type: expected Raster found Vector")
    r = requests.post(f"{base_url}{path}/{UNKNOWN}", json=body, headers=headers, timeout=TIMEOUT)
    assert (r.status_code, r.json()["error"]) == (400, "NoWorkflowForGivenId")
    without_display = {k: v for k, v in body.items() if k != "displayName"}
    r = requests.post(f"{base_url}{path}/{NDVI_ID}", json=without_display, headers=headers, timeout=TIMEOUT)
    assert (r.status_code, r.json()) == (
        400,
        {"error": "BodyDeserializeError", "message": "Error in user input: missing field `displayName`"},
    )
    flipped = save_body(None, 50.0, 20.0, -10.0, 80.0, 1388534400000)
    r = requests.post(f"{base_url}{path}/{NDVI_ID}", json=flipped, headers=headers, timeout=TIMEOUT)
    assert (r.status_code, r.json()["error"]) == (400, "BodyDeserializeError")
    assert "spatialBounds" in r.json()["message"]
    r = requests.post(
        f"{base_url}{path}/{NDVI_ID}", json=save_body("bad name!", -10.0, 20.0, 50.0, 80.0, 0), headers=headers,
        timeout=TIMEOUT,
    )
    assert (r.status_code, r.json()["error"]) == (400, "BodyDeserializeError")
    assert "invalid dataset name" in r.json()["message"]
    r = requests.post(
        f"{base_url}{path}/{NDVI_ID}", data="{}", headers={**headers, "Content-Type": "text/plain"}, timeout=TIMEOUT
    )
    assert r.status_code == 415
    r = requests.post(f"{base_url}{path}/{NDVI_ID}", json=body, timeout=TIMEOUT)
    assert r.status_code == 401


def test_dataset_name_must_be_new(base_url, headers):
    register(base_url, headers, NDVI)
    r = requests.post(
        f"{base_url}/datasetFromWorkflow/{NDVI_ID}", json=save_body("ndvi", -10.0, 20.0, 50.0, 80.0, 0),
        headers=headers, timeout=TIMEOUT,
    )
    # geo-engine/geoengine@5748ef7:geoengine/services/src/error.rs DatasetNameAlreadyExists (400, not 409)
    assert (r.status_code, r.json()) == (
        400, {"error": "DatasetNameAlreadyExists", "message": "Dataset name 'ndvi' already exists"}
    )
