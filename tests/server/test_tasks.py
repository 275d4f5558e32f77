"""Save-as-dataset tasks: real computation with progress, completion, abort, failure, listing and errors."""

from __future__ import annotations

import os
import re
import time
import uuid
from pathlib import Path

import numpy as np
import pytest
import requests
from geoengine_server import ServerConfig
from geoengine_server.catalog import Dataset
from geoengine_server.runner import start_server
from osgeo import gdal
from server.control_helpers import (
    APRIL_2014,
    NDVI,
    NDVI_FILE,
    NDVI_ID,
    TIMEOUT,
    anonymous,
    finished,
    gdal_source,
    poll_task,
    register,
    save_body,
    task_status,
    user_id,
)

SLOW = {"task_seconds_per_tile": 0.25}
TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
PCT = re.compile(r"^\d{1,3}\.\d\d%$")
ESTIMATE = re.compile(r"^(\?|\d\d:\d\d:\d\d) \(± (\?|\d\d:\d\d:\d\d)\)$")  # real: HH:MM:SS (± HH:MM:SS)
PROGRESS_TEXT = re.compile(
    r"^Processing: Total tiles processed: (\d+); Tiles per time step: 4; "
    r"Current \[2014-04-01T00:00:00\.000Z, 2014-05-01T00:00:00\.000Z\) @ \d+\.\d{3}%$"
)
JAN_2014, FEB_2014, MAR_2014, MAY_2014 = 1388534400000, 1391212800000, 1393632000000, 1398902400000
PERSONAL = "cbb21ee3-d15d-45c5-a175-66964adf4e85"


def start_save(base_url, headers, body, path="/datasetFromWorkflow", workflow_id=NDVI_ID) -> str:
    r = requests.post(f"{base_url}{path}/{workflow_id}", json=body, headers=headers, timeout=TIMEOUT)
    assert r.status_code == 200, r.text
    assert set(r.json()) == {"taskId"}
    return r.json()["taskId"]


def files_under(root: Path) -> list[Path]:
    """Files below ``root``; folders that an aborting task removes while we look are skipped (os.walk)."""
    return [Path(folder, name) for folder, _, names in os.walk(root) for name in names]


def read_file_window(path: Path, x: int, y: int, width: int, height: int) -> np.ndarray:
    ds = gdal.Open(str(path))
    return ds.GetRasterBand(1).ReadAsArray(x, y, width, height)


@pytest.mark.parametrize("fresh_server", [SLOW], indirect=True)
def test_save_as_dataset_progresses_completes_and_is_usable(fresh_server):
    base = fresh_server.base_url
    headers = anonymous(base)
    name = f"{user_id(base, headers)}:ndvi_europe"  # a user's own namespace
    register(base, headers, NDVI)
    body = save_body(name, -10.0, 20.0, 50.0, 80.0, APRIL_2014, display="NDVI Europe")
    task_id = start_save(base, headers, body)
    seen = poll_task(base, headers, task_id, finished, timeout_s=60)

    running = [s for s in seen if s["status"] == "running"]
    for status in running:
        assert set(status) == {"status", "taskType", "description", "pctComplete", "estimatedTimeRemaining",
                               "timeStarted", "info"}
        assert status["taskType"] == "create-dataset"
        assert status["description"] == f"Creating dataset NDVI Europe from workflow {NDVI_ID}"
        assert PCT.match(status["pctComplete"]) and TIMESTAMP.match(status["timeStarted"])
        assert status["info"] is None or PROGRESS_TEXT.match(status["info"]), status["info"]
        assert ESTIMATE.match(status["estimatedTimeRemaining"]), status["estimatedTimeRemaining"]
    # like the real writer: 0 % (so no time estimate) until done; the progress is in the info text
    assert {(s["pctComplete"], s["estimatedTimeRemaining"]) for s in running} == {("0.00%", "? (± ?)")}
    written = [int(PROGRESS_TEXT.match(s["info"]).group(1)) for s in running if s["info"] is not None]
    assert len(set(written)) >= 2 and written == sorted(written) and max(written) <= 3  # 4 tiles: indices 0..3

    done = seen[-1]
    assert set(done) == {"status", "taskType", "description", "info", "timeTotal", "timeStarted"}
    assert done["status"] == "completed" and done["taskType"] == "create-dataset"
    assert done["info"]["dataset"] == name
    uuid.UUID(done["info"]["upload"])
    assert re.match(r"^\d\d:\d\d:\d\d$", done["timeTotal"])
    assert done["timeStarted"] == running[0]["timeStarted"]

    # the dataset: listed, readable, with the query's grid and the slice's time
    listed = requests.get(
        f"{base}/datasets?order=NameAsc&offset=0&limit=20&filter=NDVI Europe", headers=headers, timeout=TIMEOUT
    ).json()
    assert [d["name"] for d in listed] == [name]
    dataset = requests.get(f"{base}/dataset/{name}", headers=headers, timeout=TIMEOUT).json()
    assert dataset["displayName"] == "NDVI Europe" and dataset["sourceOperator"] == "GdalSource"
    assert dataset["dataPath"] == {"upload": done["info"]["upload"]}
    assert (dataset["provenance"], dataset["tags"]) == (None, ["workflow"])  # none copied from the source
    descriptor = dataset["resultDescriptor"]
    assert descriptor["type"] == "raster" and descriptor["dataType"] == "U8"
    assert descriptor["time"]["bounds"] == {"start": APRIL_2014, "end": MAY_2014}
    source_meta = requests.get(f"{base}/workflow/{NDVI_ID}/metadata", headers=headers, timeout=TIMEOUT).json()
    assert descriptor["time"]["dimension"] == source_meta["time"]["dimension"]  # regular monthly, one slice or not
    assert descriptor["time"]["dimension"]["type"] == "regular"
    grid = descriptor["spatialGrid"]["spatialGrid"]
    assert grid["geoTransform"]["originCoordinate"] == pytest.approx({"x": -10.0, "y": 80.0})
    assert grid["gridBounds"] == {"topLeftIdx": {"xIdx": 0, "yIdx": 0}, "bottomRightIdx": {"xIdx": 599, "yIdx": 599}}
    assert descriptor["bands"][0]["name"] == "ndvi"

    # usable in a new workflow
    saved = register(base, headers, gdal_source(name))
    meta = requests.get(f"{base}/workflow/{saved}/metadata", headers=headers, timeout=TIMEOUT).json()
    assert meta == descriptor
    provenance = requests.get(f"{base}/workflow/{saved}/provenance", headers=headers, timeout=TIMEOUT).json()
    assert provenance == []

    # the written pixels are the source's pixels (cols 1700..2299, rows 100..699 of the April file)
    path = Path(fresh_server.api["catalog"].dataset(name).meta["params"]["filePath"])
    assert path.is_file() and path.is_relative_to(fresh_server.api["exports"].root)
    ds = gdal.Open(str(path))
    assert ds.GetMetadata("IMAGE_STRUCTURE").get("LAYOUT") == "COG"
    assert ds.GetMetadata("IMAGE_STRUCTURE").get("COMPRESSION") == "DEFLATE"
    source = fresh_server.config.data_dir / NDVI_FILE.format("2014-04-01")
    expected = read_file_window(source, 1700, 100, 600, 600)
    assert np.array_equal(read_file_window(path, 0, 0, 600, 600), expected)
    assert (expected > 0).sum() > 1000  # the area has data

    # the personal data catalog lists it as a layer with a GdalSource workflow
    personal = requests.get(
        f"{base}/layers/collections/{PERSONAL}/tags:*?offset=0&limit=20", headers=headers, timeout=TIMEOUT
    ).json()
    layer_ids = [item["id"]["layerId"] for item in personal["items"] if item["name"] == "NDVI Europe"]
    assert layer_ids == [dataset["id"]]
    layer = requests.get(f"{base}/layers/{PERSONAL}/{dataset['id']}", headers=headers, timeout=TIMEOUT).json()
    assert layer["workflow"] == gdal_source(name)

    # other users neither see the dataset nor the task
    other = anonymous(base)
    r = requests.get(f"{base}/dataset/{name}", headers=other, timeout=TIMEOUT)
    assert (r.status_code, r.json()["error"]) == (400, "CannotLoadDataset")
    r = requests.get(f"{base}/tasks/{task_id}/status", headers=other, timeout=TIMEOUT)
    assert r.json() == {"error": "Task", "message": f"TaskError: Task not found with id: {task_id}"}


def test_several_time_slices_become_one_regular_dataset(server, base_url):
    headers = anonymous(base_url)
    register(base_url, headers, NDVI)
    name = f"{user_id(base_url, headers)}:ndvi_q1_{uuid.uuid4().hex[:8]}"
    task_id = start_save(base_url, headers, save_body(name, 0.0, 40.0, 10.0, 50.0, JAN_2014, MAR_2014))
    done = poll_task(base_url, headers, task_id, finished)[-1]
    assert done["status"] == "completed", done
    dataset = server.api["catalog"].dataset(name)
    assert dataset.meta["type"] == "GdalMetaDataRegular"
    descriptor = requests.get(f"{base_url}/dataset/{name}", headers=headers, timeout=TIMEOUT).json()["resultDescriptor"]
    assert descriptor["time"] == {
        "bounds": {"start": JAN_2014, "end": MAR_2014},
        "dimension": {"type": "regular", "origin": JAN_2014, "step": {"granularity": "months", "step": 1}},
    }
    assert len(files_under(server.api["exports"].root / done["info"]["upload"])) == 2
    saved = register(base_url, headers, gdal_source(name))
    meta = requests.get(f"{base_url}/workflow/{saved}/metadata", headers=headers, timeout=TIMEOUT).json()
    assert meta["time"]["bounds"] == {"start": JAN_2014, "end": MAR_2014}

    # the engine reads the February slice back from the saved dataset: the source's pixels
    from geoengine_server import engine
    from geoengine_server.engine.types import TimeInterval, Window

    operator = engine.initialize(gdal_source(name), server.api["catalog"])
    assert operator.time_slices(TimeInterval(JAN_2014, MAR_2014)) == [
        TimeInterval(JAN_2014, FEB_2014), TimeInterval(FEB_2014, MAR_2014)
    ]
    february = operator.read(0, TimeInterval(FEB_2014, MAR_2014), Window(0, 0, 100, 100))
    source = read_file_window(server.config.data_dir / NDVI_FILE.format("2014-02-01"), 1800, 400, 100, 100)
    assert np.array_equal(np.ma.filled(february, 0), source)


def test_processing_graph_path_generated_and_namespaced_names(base_url):
    headers = anonymous(base_url)
    register(base_url, headers, NDVI, "/processingGraphs")
    body = save_body(None, 5.0, 45.0, 15.0, 55.0, APRIL_2014)
    task_id = start_save(base_url, headers, body, path="/datasetFromProcessingGraph")
    done = poll_task(base_url, headers, task_id, finished)[-1]
    assert done["status"] == "completed", done
    owner = user_id(base_url, headers)
    r = requests.get(f"{base_url}/dataset/{done['info']['dataset']}", headers=headers, timeout=TIMEOUT)
    assert r.status_code == 200
    assert done["info"]["dataset"] == f"{owner}:{r.json()['id']}"  # generated name: <user id>:<dataset id>

    name = f"{owner}:ndvi_{uuid.uuid4().hex[:8]}"
    iso_time = {"start": "2014-04-01T00:00:00.000Z", "end": "2014-04-01T00:00:00.000+00:00"}
    iso_body = {**body, "name": name, "asCog": False, "query": {**body["query"], "timeInterval": iso_time,
                                                                 "spatialResolution": {"x": 0.1, "y": 0.1}}}
    task_id = start_save(base_url, headers, iso_body, path="/datasetFromProcessingGraph")
    done = poll_task(base_url, headers, task_id, finished)[-1]
    assert (done["status"], done["info"]["dataset"]) == ("completed", name)
    r = requests.get(f"{base_url}/dataset/{name}", headers=headers, timeout=TIMEOUT)
    assert (r.status_code, r.json()["name"]) == (200, name)
    saved = register(base_url, headers, gdal_source(name), "/processingGraphs")
    r = requests.get(f"{base_url}/processingGraphs/{saved}/metadata", headers=headers, timeout=TIMEOUT)
    assert r.json()["spatialGrid"]["spatialGrid"]["gridBounds"]["bottomRightIdx"] == {"xIdx": 99, "yIdx": 99}


@pytest.mark.parametrize("fresh_server", [SLOW], indirect=True)
def test_abort_stops_the_task_and_removes_its_files(fresh_server):
    base = fresh_server.base_url
    headers = anonymous(base)
    register(base, headers, NDVI)
    name = f"{user_id(base, headers)}:aborted_ndvi"
    task_id = start_save(base, headers, save_body(name, -180.0, -90.0, 180.0, 90.0, APRIL_2014))
    poll_task(base, headers, task_id, lambda s: s["status"] != "running" or s["info"] is not None)  # tiles written
    r = requests.delete(f"{base}/tasks/{task_id}", headers=headers, timeout=TIMEOUT)
    assert (r.status_code, r.content) == (202, b"")
    first = task_status(base, headers, task_id)
    assert first["status"] == "aborted" and first["cleanUp"]["status"] in ("running", "completed")
    final = poll_task(base, headers, task_id, lambda s: s["cleanUp"]["status"] != "running", timeout_s=20)[-1]
    assert final == {"status": "aborted", "cleanUp": {"status": "completed", "info": None}}
    assert files_under(fresh_server.api["exports"].root) == []
    assert fresh_server.api["catalog"].dataset(name) is None

    r = requests.delete(f"{base}/tasks/{task_id}", headers=headers, timeout=TIMEOUT)
    assert (r.status_code, r.json()) == (
        400,
        {"error": "Task", "message": f"TaskError: Task was already aborted by the user: {task_id}"},
    )
    r = requests.delete(f"{base}/tasks/{task_id}?force=true", headers=headers, timeout=TIMEOUT)
    assert r.status_code == 202
    # the name is free again
    task_id = start_save(base, headers, save_body(name, 0.0, 0.0, 1.0, 1.0, APRIL_2014))
    assert poll_task(base, headers, task_id, finished)[-1]["status"] == "completed"


@pytest.mark.parametrize("fresh_server", [SLOW], indirect=True)
def test_forced_abort_reports_no_clean_up(fresh_server):
    base = fresh_server.base_url
    headers = anonymous(base)
    register(base, headers, NDVI)
    task_id = start_save(base, headers, save_body(None, -180.0, -90.0, 180.0, 90.0, APRIL_2014))
    r = requests.delete(f"{base}/tasks/{task_id}?force=true", headers=headers, timeout=TIMEOUT)
    assert r.status_code == 202
    assert task_status(base, headers, task_id) == {"status": "aborted", "cleanUp": {"status": "noCleanUp"}}
    deadline = time.monotonic() + 10
    while files_under(fresh_server.api["exports"].root) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert files_under(fresh_server.api["exports"].root) == []


@pytest.mark.parametrize("fresh_server", [{}], indirect=True)
def test_failing_task_reports_the_error_and_cleans_up(fresh_server):
    base = fresh_server.base_url
    headers = anonymous(base)
    ndvi = fresh_server.api["catalog"].dataset("ndvi")
    meta = {**ndvi.meta, "params": {**ndvi.meta["params"], "filePath": "test_data/raster/missing_%_START_TIME_%.tif",
                                    "fileNotFoundHandling": "Error"}}
    broken = Dataset("5f0e0ad4-0000-4000-8000-000000000001", "broken_ndvi", "Broken", "", "GdalSource", meta,
                     data_dir=fresh_server.config.data_dir)
    fresh_server.call(fresh_server.api["catalog"].add_dataset, broken)
    workflow_id = register(base, headers, gdal_source("broken_ndvi"))
    task_id = start_save(base, headers, save_body("never", 0.0, 0.0, 10.0, 10.0, APRIL_2014), workflow_id=workflow_id)
    final = poll_task(base, headers, task_id, finished)[-1]
    assert set(final) == {"status", "error", "cleanUp"}
    assert final["status"] == "failed" and "missing_2014-04-01.tif" in final["error"]
    assert final["cleanUp"] == {"status": "completed", "info": None}
    assert files_under(fresh_server.api["exports"].root) == []
    assert fresh_server.api["catalog"].dataset("never") is None


def finished_exports(base_url: str, count: int) -> tuple[dict, list[str]]:
    """A fresh anonymous session with ``count`` small exports, all finished: ``(headers, task ids)``."""
    headers = anonymous(base_url)
    register(base_url, headers, NDVI)
    ids = [start_save(base_url, headers, save_body(None, 0.0, 0.0, 1.0, 1.0, APRIL_2014)) for _ in range(count)]
    for task_id in ids:
        poll_task(base_url, headers, task_id, finished)
    return headers, ids


def test_task_list_filter_paging_and_errors(base_url):
    headers, ids = finished_exports(base_url, 3)
    r = requests.get(f"{base_url}/tasks/list", headers=headers, timeout=TIMEOUT)
    listed = r.json()
    assert r.status_code == 200 and [t["taskId"] for t in listed] == ids[::-1]  # newest first
    assert all(t["status"] == "completed" and t["info"]["dataset"] for t in listed)
    page = requests.get(f"{base_url}/tasks/list?offset=1&limit=1", headers=headers, timeout=TIMEOUT).json()
    assert [t["taskId"] for t in page] == [ids[1]]
    for status_filter, expected in (("completed", 3), ("running", 0), ("aborted", 0), ("failed", 0)):
        r = requests.get(f"{base_url}/tasks/list?filter={status_filter}", headers=headers, timeout=TIMEOUT)
        assert len(r.json()) == expected
    r = requests.get(f"{base_url}/tasks/list?limit=21", headers=headers, timeout=TIMEOUT)
    assert (r.status_code, r.json()["error"]) == (400, "ValidationError")
    r = requests.get(f"{base_url}/tasks/list?filter=bogus", headers=headers, timeout=TIMEOUT)
    assert (r.status_code, r.json()) == (
        400,
        {
            "error": "UnableToParseQueryString",
            "message": "Unable to parse query string: unknown variant `bogus`, expected one of "
            "`running`, `aborted`, `failed`, `completed`",
        },
    )
    assert requests.get(f"{base_url}/tasks/list", headers=anonymous(base_url), timeout=TIMEOUT).json() == []

    r = requests.delete(f"{base_url}/tasks/{ids[0]}", headers=headers, timeout=TIMEOUT)
    assert (r.status_code, r.json()) == (
        400,
        {"error": "Task", "message": f"TaskError: Task was already finished: {ids[0]}"},
    )


def test_unknown_task_and_auth(base_url):
    headers = anonymous(base_url)
    unknown = str(uuid.uuid4())
    expected = {"error": "Task", "message": f"TaskError: Task not found with id: {unknown}"}
    r = requests.get(f"{base_url}/tasks/{unknown}/status", headers=headers, timeout=TIMEOUT)
    assert (r.status_code, r.json()) == (400, expected)
    r = requests.delete(f"{base_url}/tasks/{unknown}", headers=headers, timeout=TIMEOUT)
    assert (r.status_code, r.json()) == (400, expected)
    r = requests.get(f"{base_url}/tasks/not-a-uuid/status", headers=headers, timeout=TIMEOUT)
    assert (r.status_code, r.json()) == (404, {"error": "NotFound", "message": "Not Found"})
    r = requests.get(f"{base_url}/tasks/{unknown}/status", timeout=TIMEOUT)
    assert r.status_code == 401
    r = requests.get(f"{base_url}/tasks/list", timeout=TIMEOUT)
    assert r.status_code == 401


def test_server_stop_aborts_tasks_and_removes_the_export_folder():
    running = start_server(ServerConfig(task_seconds_per_tile=0.25))
    try:
        base = running.base_url
        headers = anonymous(base)
        register(base, headers, NDVI)
        task_id = start_save(base, headers, save_body(None, -180.0, -90.0, 180.0, 90.0, APRIL_2014))
        poll_task(base, headers, task_id, lambda s: s["info"] is not None)  # a tile was written
        root = running.api["exports"].root
        assert root.is_dir()
    finally:
        running.stop()  # returns (a hang is caught by the test timeout)
    assert not root.exists()


def test_task_list_defaults_to_ten_entries(base_url):
    """Geo Engine's ``[task_manager] list_default_limit = 10`` (``list_limit = 20`` is the maximum)."""
    headers, ids = finished_exports(base_url, 12)
    listed = requests.get(f"{base_url}/tasks/list", headers=headers, timeout=TIMEOUT).json()
    assert [t["taskId"] for t in listed] == ids[::-1][:10]  # 12 before this change
    everything = requests.get(f"{base_url}/tasks/list?limit=20", headers=headers, timeout=TIMEOUT).json()
    assert len(everything) == 12
