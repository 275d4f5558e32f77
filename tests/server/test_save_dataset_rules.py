"""Save as dataset the way the real Geo Engine 0.9.3 does it (audit B1, W5, W6, C3, C4).

* B1: the name's namespace must be the session's user id; a bare name only for admins. Checked when the
  computed dataset is added, so the task fails at the very end with ``InvalidDatasetIdNamespace`` and
  its files are removed.
* W5: multi-band workflows: the real writer refuses multi-band queries, so the task fails before any tile.
* W6: the saved dataset has no provenance and the tag ``workflow``.
"""

from __future__ import annotations

import math
import uuid

import pytest
import requests
from server.control_helpers import (
    ADMIN,
    APRIL_2014,
    NDVI,
    NDVI_ID,
    TIMEOUT,
    anonymous,
    finished,
    login,
    poll_task,
    register,
    save_body,
    user_id,
)
from server.dataplane_helpers import NE_RGB
from server.test_tasks import files_under, start_save

NAMESPACE_FAILURE = {"status": "failed", "error": "InvalidDatasetIdNamespace",
                     "cleanUp": {"status": "completed", "info": None}}


def _run(base, headers, name, workflow_id=NDVI_ID) -> list[dict]:
    task_id = start_save(base, headers, save_body(name, 0.0, 40.0, 10.0, 50.0, APRIL_2014), workflow_id=workflow_id)
    return poll_task(base, headers, task_id, finished)


@pytest.mark.parametrize("fresh_server", [{"quota_mode": "track"}], indirect=True)
@pytest.mark.parametrize("namespace", ["", "someone-else:", "_:"])
def test_a_name_outside_the_users_namespace_fails_the_task_after_the_work(fresh_server, namespace):
    base = fresh_server.base_url
    headers = anonymous(base)
    register(base, headers, NDVI)
    name = f"{namespace}ndvi_{uuid.uuid4().hex[:8]}"
    seen = _run(base, headers, name)
    assert seen[-1] == NAMESPACE_FAILURE
    # the raster was computed first (the real check is in add_dataset): the work was metered
    assert requests.get(f"{base}/quota", headers=headers, timeout=TIMEOUT).json()["used"] > 0
    assert files_under(fresh_server.api["exports"].root) == []
    plain = name.split(":", 1)[-1]
    assert all(not d.endswith(plain) for d in fresh_server.api["catalog"].datasets)


def test_own_namespace_and_admin_bare_names_are_accepted(base_url):
    headers = anonymous(base_url)
    register(base_url, headers, NDVI)
    own = f"{user_id(base_url, headers)}:ndvi_{uuid.uuid4().hex[:8]}"
    done = _run(base_url, headers, own)[-1]
    assert (done["status"], done["info"]["dataset"]) == ("completed", own)

    admin, admin_id = login(base_url, ADMIN)
    register(base_url, admin, NDVI)
    bare = f"ndvi_{uuid.uuid4().hex[:8]}"
    done = _run(base_url, admin, bare)[-1]
    assert (done["status"], done["info"]["dataset"]) == ("completed", bare)
    assert _run(base_url, admin, f"someone-else:{bare}x")[-1] == NAMESPACE_FAILURE  # admins too: own id only
    assert _run(base_url, admin, f"{admin_id}:{bare}")[-1]["status"] == "completed"


def test_a_taken_name_is_refused_before_the_task(base_url):
    headers = anonymous(base_url)
    register(base_url, headers, NDVI)
    name = f"{user_id(base_url, headers)}:taken_{uuid.uuid4().hex[:8]}"
    assert _run(base_url, headers, name)[-1]["status"] == "completed"
    r = requests.post(f"{base_url}/datasetFromWorkflow/{NDVI_ID}", json=save_body(name, 0.0, 40.0, 10.0, 50.0, 0),
                      headers=headers, timeout=TIMEOUT)
    assert (r.status_code, r.json()) == (
        400, {"error": "DatasetNameAlreadyExists", "message": f"Dataset name '{name}' already exists"}
    )


@pytest.mark.parametrize("fresh_server", [{}], indirect=True)
def test_multi_band_workflows_fail_in_the_task(fresh_server):
    base = fresh_server.base_url
    headers = anonymous(base)
    workflow_id = register(base, headers, NE_RGB)
    seen = _run(base, headers, None, workflow_id)
    assert seen[-1] == {
        "status": "failed",
        "error": 'Operation "raster_stream_to_geotiff" does not support queries with multiple bands.',
        "cleanUp": {"status": "completed", "info": None},
    }
    assert files_under(fresh_server.api["exports"].root) == []


def test_saved_datasets_have_no_provenance_and_the_workflow_tag(base_url):
    headers = anonymous(base_url)
    register(base_url, headers, NDVI)
    source = requests.get(f"{base_url}/workflow/{NDVI_ID}/provenance", headers=headers, timeout=TIMEOUT).json()
    assert source  # the source dataset has a citation ...
    done = _run(base_url, headers, None)[-1]
    name = done["info"]["dataset"]
    dataset = requests.get(f"{base_url}/dataset/{name}", headers=headers, timeout=TIMEOUT).json()
    assert (dataset["provenance"], dataset["tags"]) == (None, ["workflow"])  # ... the saved one none
    assert name == f"{user_id(base_url, headers)}:{dataset['id']}"
    saved = register(base_url, headers, {"type": "Raster", "operator": {"type": "GdalSource",
                                                                        "params": {"data": name}}})
    assert requests.get(f"{base_url}/workflow/{saved}/provenance", headers=headers, timeout=TIMEOUT).json() == []


def _saved_grid(base, headers, done) -> dict:
    dataset = requests.get(f"{base}/dataset/{done['info']['dataset']}", headers=headers, timeout=TIMEOUT).json()
    return dataset["resultDescriptor"]["spatialGrid"]["spatialGrid"]


def test_the_saved_grid_is_the_real_tasks_pixels(base_url):
    """The query's pixels with the stream's arithmetic (no epsilon on the upper left: xmin = 153.6 is column
    floor(1535.9999999999998) = 1535 from 0), kept where they meet the data (NDVI ends at 180)."""
    headers = anonymous(base_url)
    register(base_url, headers, NDVI)
    pixel = 0.1
    task_id = start_save(base_url, headers, save_body(None, 153.6, 10.0, 190.0, 20.0, APRIL_2014))
    done = poll_task(base_url, headers, task_id, finished)[-1]
    assert done["status"] == "completed", done
    grid = _saved_grid(base_url, headers, done)
    first_column = math.floor(153.6 / pixel)  # 1535: 153.6 / 0.1 is just below 1536 in floats
    assert first_column == 1535
    assert grid["geoTransform"]["originCoordinate"] == pytest.approx({"x": first_column * pixel, "y": 20.0})
    width = round(180 / pixel) - first_column  # up to the data's edge at 180, not to 190
    assert grid["gridBounds"] == {"topLeftIdx": {"xIdx": 0, "yIdx": 0},
                                  "bottomRightIdx": {"xIdx": width - 1, "yIdx": 99}}


@pytest.mark.parametrize("fresh_server", [{}], indirect=True)
def test_a_query_beside_the_data_fails_the_task_at_the_end(fresh_server):
    base = fresh_server.base_url
    headers = anonymous(base)
    register(base, headers, NDVI)
    task_id = start_save(base, headers, save_body(None, 190.0, 10.0, 200.0, 20.0, APRIL_2014))
    assert poll_task(base, headers, task_id, finished)[-1] == {
        "status": "failed", "error": "EmptyDatasetCannotBeImported", "cleanUp": {"status": "completed", "info": None}}
    assert files_under(fresh_server.api["exports"].root) == []
