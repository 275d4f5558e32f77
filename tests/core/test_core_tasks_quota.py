"""save_as_dataset and tasks (wait, progress, abort, list), quota and data usage, against the test server."""

from __future__ import annotations

import sys
import uuid
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).parent))
from client_helpers import ADMIN, ANALYST, NDVI  # noqa: E402
from geoengine_qgis.core.errors import (  # noqa: E402
    BadRequestError,
    GeoEngineTimeoutError,
    InputError,
    UnauthorizedError,
)
from geoengine_qgis.core.quota import (  # noqa: E402
    DataUsage,
    DataUsageSummary,
    UsageSummaryGranularity,
    data_usage,
    data_usage_summary,
    get_quota,
    update_quota,
)
from geoengine_qgis.core.session import Session  # noqa: E402
from geoengine_qgis.core.tasks import (  # noqa: E402
    AbortedTaskStatusInfo,
    CompletedTaskStatusInfo,
    RunningTaskStatusInfo,
    Task,
    TaskStatus,
    get_task_list,
)
from geoengine_qgis.core.types import QueryRectangle  # noqa: E402
from geoengine_qgis.core.workflow import register_workflow  # noqa: E402

EUROPE = (0.0, 40.0, 20.0, 50.0)


def raw_get(session: Session, path: str):
    """``GET <api>/<path>`` with plain requests and the session's token: the server's own JSON."""
    import requests

    response = requests.get(f"{session.server_url}/{path}", headers=session.auth_header, timeout=30)
    response.raise_for_status()
    return response.json()


def unique(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:8]}"


@pytest.fixture(scope="module")
def analyst(shared_server):
    return Session(shared_server.base_url, credentials=ANALYST)


@pytest.fixture(scope="module")
def admin(shared_server):
    return Session(shared_server.base_url, credentials=ADMIN)


@pytest.fixture(scope="module")
def ndvi(analyst):
    return register_workflow(NDVI, session=analyst)


# ------------------------------------------------------------------------------------------ tasks


@pytest.mark.parametrize("version", ["0.9", "0.10"])
def test_save_as_dataset_round_trip(shared_server, version):
    session = Session(shared_server.base_url, credentials=ANALYST, api_version=version)
    ndvi = register_workflow(NDVI, session=session)
    query = QueryRectangle(EUROPE, "2014-04-01T12:00:00Z")
    name = unique("europe")
    task = ndvi.save_as_dataset(query, name, "Europe NDVI", "saved by test_core_tasks_quota")
    assert isinstance(task, Task)
    seen = []
    status = task.wait_for_finish(check_interval_seconds=0.05, timeout=60, progress=seen.append)
    assert isinstance(status, CompletedTaskStatusInfo), status
    assert status.info["dataset"] == f"{session.user_id}:{name}" and status.task_type == "create-dataset"
    assert seen and seen[-1] == status
    assert all(isinstance(s, RunningTaskStatusInfo) for s in seen[:-1])
    assert all(0.0 <= s.pct_complete <= 100.0 for s in seen[:-1])
    saved = register_workflow({"type": "Raster", "operator": {"type": "GdalSource",
                                                              "params": {"data": status.info["dataset"]}}},
                              session=session)
    assert np.array_equal(saved.get_array(query), ndvi.get_array(query))
    listed = {str(t.task_id): s for t, s in get_task_list(session=session)}
    assert str(task.task_id) in listed and listed[str(task.task_id)].status is TaskStatus.COMPLETED


def test_save_as_dataset_input_errors(ndvi):
    query = QueryRectangle(EUROPE, "2014-04-01T12:00:00Z")
    with pytest.raises(InputError) as info:
        ndvi.save_as_dataset(query, None, " ")
    assert info.value.field == "display_name"
    with pytest.raises(InputError) as info:
        ndvi.save_as_dataset(query, "", "x")
    assert info.value.field == "name"
    with pytest.raises(InputError, match="letters, digits"):
        ndvi.save_as_dataset(query, "no spaces allowed", "x")


@pytest.mark.parametrize("kind", ["anonymous", "analyst"])
def test_save_as_dataset_puts_a_bare_name_into_the_users_namespace(shared_server, kind):
    """Geo Engine fails the task after all the work for names outside the user's namespace (audit B1)."""
    session = Session(shared_server.base_url, **({"credentials": ANALYST} if kind == "analyst" else {}))
    ndvi = register_workflow(NDVI, session=session)
    query = QueryRectangle((0.0, 40.0, 5.0, 45.0), "2014-04-01T12:00:00Z")
    name = unique("mine")
    status = ndvi.save_as_dataset(query, name, "Mine").wait_for_finish(check_interval_seconds=0.05, timeout=60)
    assert isinstance(status, CompletedTaskStatusInfo), status
    assert status.info["dataset"] == f"{session.user_id}:{name}"
    # a name already in the user's namespace is sent as it is
    own = f"{session.user_id}:{unique('own')}"
    status = ndvi.save_as_dataset(query, own, "Own").wait_for_finish(check_interval_seconds=0.05, timeout=60)
    assert status.info["dataset"] == own


def test_save_as_dataset_refuses_a_foreign_namespace_before_sending(ndvi, analyst):
    query = QueryRectangle(EUROPE, "2014-04-01T12:00:00Z")
    before = len(get_task_list(session=analyst))
    for name in ("someone_else:mine", "_:mine", "a:b:c"):
        with pytest.raises(InputError) as info:
            ndvi.save_as_dataset(query, name, "x")
        assert info.value.field == "name"
    assert len(get_task_list(session=analyst)) == before  # no task was started


def test_admins_may_save_bare_names(admin):
    ndvi = register_workflow(NDVI, session=admin)
    name = unique("global")
    query = QueryRectangle((0.0, 40.0, 5.0, 45.0), "2014-04-01T12:00:00Z")
    status = ndvi.save_as_dataset(query, name, "Global").wait_for_finish(check_interval_seconds=0.05, timeout=60)
    assert isinstance(status, CompletedTaskStatusInfo) and status.info["dataset"] == name
    status = ndvi.save_as_dataset(query, f"_:{name}x", "System").wait_for_finish(check_interval_seconds=0.05,
                                                                                timeout=60)
    assert status.info["dataset"] == f"{name}x"


def test_progress_callback_can_stop_waiting_and_abort(ndvi):
    world = QueryRectangle((-180, -90, 180, 90), ("2014-01-01T00:00:00Z", "2014-07-01T00:00:00Z"))
    task = ndvi.save_as_dataset(world, unique("world"), "World NDVI")
    first = task.wait_for_finish(check_interval_seconds=0.05, timeout=30, progress=lambda status: False)
    assert isinstance(first, RunningTaskStatusInfo)
    with pytest.raises(GeoEngineTimeoutError, match="still running"):
        task.wait_for_finish(check_interval_seconds=0.05, timeout=0.1)
    task.abort()
    status = task.wait_for_finish(check_interval_seconds=0.05, timeout=30)
    assert isinstance(status, AbortedTaskStatusInfo)
    raw = raw_get(ndvi.session, f"tasks/{task.task_id}/status")  # read later: its clean-up may have moved on
    assert raw["status"] == "aborted" and raw["cleanUp"]["status"] in ("running", "completed")
    assert status.clean_up["status"] in ("running", "completed") and set(status.clean_up) <= set(raw["cleanUp"]) | {
        "pctComplete", "info", "estimatedTimeRemaining", "timeStarted", "taskType", "description"}
    with pytest.raises(BadRequestError) as info:
        task.abort()
    assert info.value.error == "Task" and "already aborted" in info.value.message
    task.abort(force=True)
    aborted = dict(get_task_list(filter="aborted", session=ndvi.session))
    assert task in aborted


def test_task_errors(analyst):
    unknown = Task(str(uuid.uuid4()), analyst)
    with pytest.raises(BadRequestError) as info:
        unknown.get_status()
    assert info.value.error == "Task" and "not found" in info.value.message
    with pytest.raises(InputError):
        Task("nope", analyst)
    for kwargs, field in (({"filter": "done"}, "filter"), ({"limit": 21}, "limit"), ({"offset": -1}, "offset")):
        with pytest.raises(InputError) as info:
            get_task_list(session=analyst, **kwargs)
        assert info.value.field == field
    with pytest.raises(InputError):
        unknown.wait_for_finish(check_interval_seconds=0)


# ------------------------------------------------------------------------------------------ quota


def test_quota_read_and_update(admin, analyst):
    own = get_quota(session=analyst)
    assert own.available > 0 and (own.available, own.used) == tuple(raw_get(analyst, "quota")[k]
                                                                     for k in ("available", "used"))
    assert get_quota(analyst.user_id, session=admin) == get_quota(analyst.user_id, session=analyst)
    update_quota(analyst.user_id, 4321, session=admin)
    assert get_quota(session=analyst).available == 4321
    update_quota(analyst.user_id, own.available, session=admin)
    with pytest.raises(UnauthorizedError):
        update_quota(admin.user_id, 1, session=analyst)
    with pytest.raises(UnauthorizedError):
        get_quota(admin.user_id, session=analyst)
    with pytest.raises(InputError) as info:
        update_quota("not-a-user", 1, session=admin)
    assert info.value.field == "user_id"
    with pytest.raises(InputError):
        update_quota(analyst.user_id, "many", session=admin)


def test_quota_grows_with_computations(ndvi):
    before = get_quota(session=ndvi.session).used
    ndvi.get_array(QueryRectangle(EUROPE, "2014-04-01T12:00:00Z"))
    assert get_quota(session=ndvi.session).used > before


def test_data_usage_frames_and_lists(admin, analyst, ndvi):
    ndvi.get_array(QueryRectangle(EUROPE, "2014-04-01T12:00:00Z"))  # at least one ndvi access to log
    frame = data_usage(offset=0, limit=10, session=admin)
    assert isinstance(frame, pd.DataFrame)
    assert list(frame.columns) == ["timestamp", "userId", "computationId", "data", "count"]
    assert len(frame) > 0 and str(frame["timestamp"].dt.tz) == "UTC"
    rows = data_usage(offset=0, limit=1000, session=admin, as_dataframe=False)
    assert rows and all(isinstance(r, DataUsage) for r in rows)
    assert any(r.data == "ndvi" and r.user_id == analyst.user_id and r.count > 0 for r in rows)
    summary = data_usage_summary(UsageSummaryGranularity.MINUTES, session=admin)
    assert list(summary.columns) == ["timestamp", "data", "count"] and len(summary) > 0
    only_ndvi = data_usage_summary("days", dataset="ndvi", limit=100, session=admin, as_dataframe=False)
    assert only_ndvi and all(isinstance(r, DataUsageSummary) and r.data == "ndvi" for r in only_ndvi)
    assert sum(r.count for r in only_ndvi) >= sum(r.count for r in rows if r.data == "ndvi")


def test_data_usage_errors(admin, analyst):
    with pytest.raises(BadRequestError) as info:
        data_usage(session=analyst)
    assert info.value.error == "PermissionDenied"
    with pytest.raises(InputError) as info:
        data_usage_summary("weeks", session=admin)
    assert info.value.field == "granularity"
    with pytest.raises(InputError) as info:
        data_usage(offset=-1, session=admin)
    assert info.value.field == "offset"


@pytest.mark.parametrize("fresh_server", [{"version": "0.10.0"}, {"version": "0.9.3"}], indirect=True)
def test_computation_id_of_a_wfs_answer_and_its_usage(fresh_server):
    from geoengine_qgis.core.quota import data_usage_for_computation

    analyst = Session(fresh_server.base_url, credentials=ANALYST)
    ports = register_workflow({"type": "Vector", "operator": {"type": "OgrSource",
                                                              "params": {"data": "ne_10m_ports"}}}, session=analyst)
    frame = ports.get_dataframe(QueryRectangle((-10.5, 35.3, 30.7, 60.1), "2014-04-01T12:00:00Z"))
    computation = frame.attrs.get("computation_id")
    if fresh_server.config.version.startswith("0.9"):
        assert computation is None  # 0.9.3 sends no x-computation-id
        return
    assert uuid.UUID(computation)
    rows = raw_get(analyst, f"quota/computations/{computation}")
    assert rows and all(row["count"] > 0 for row in rows)  # one row per operator of this computation
    assert data_usage_for_computation(computation, session=analyst) == sum(row["count"] for row in rows) > 0
    with pytest.raises(InputError) as info:
        data_usage_for_computation("nope", session=analyst)
    assert info.value.field == "computation_id"


@pytest.mark.parametrize("fresh_server", [{"version": "0.9.3", "quota_mode": "track"}], indirect=True)
def test_usage_summary_of_one_dataset_works_on_0_9_3(fresh_server, monkeypatch):
    """Geo Engine 0.9.3 fails every ``dataset=`` summary (audit B2); the client filters the unfiltered pages."""
    from geoengine_qgis.core import quota as core_quota

    admin = Session(fresh_server.base_url, credentials=ADMIN)
    ledger = fresh_server.api["quota"]
    for names, count in ((["ndvi"], 3), (["ne_10m_ports", "ndvi"], 4), (["ne_10m_ports"], 5), (["a", "b", "c"], 1)):
        fresh_server.call(ledger.record, admin.user_id, "1e415c9c-55f3-51a2-b50b-b5053d1debbb", names, count)
    raw = admin.get_json("quota/dataUsage/summary", {"granularity": "minutes", "offset": 0, "limit": 100})
    monkeypatch.setattr(core_quota, "SUMMARY_PAGE", 2)  # several pages for five rows
    for dataset in ("ndvi", "ne_10m_ports", "c"):
        expected = [(r["timestamp"], r["data"], r["count"]) for r in raw if r["data"] == dataset]
        rows = data_usage_summary("minutes", dataset=dataset, limit=10, session=admin, as_dataframe=False)
        assert [(r.timestamp.strftime("%Y-%m-%dT%H:%M:%S.000Z"), r.data, r.count) for r in rows] == expected
        assert expected
    everything = data_usage_summary("minutes", dataset="ndvi", limit=10, session=admin, as_dataframe=False)
    paged = data_usage_summary("minutes", dataset="ndvi", offset=1, limit=1, session=admin, as_dataframe=False)
    assert paged == everything[1:2]


def test_progress_of_a_real_0_9_3_export_comes_from_its_info_text(shared_server):
    """Geo Engine 0.9.3's writer keeps pctComplete at 0.00 % and tells the tiles written in ``info``; the
    client turns that into a percentage of the query's time span (here: the second of three months, halfway)."""
    from datetime import datetime, timezone

    from geoengine_qgis.core.tasks import TaskStatusInfo, WriterProgress

    def running(info):
        return TaskStatusInfo.from_response({"status": "running", "taskType": "create-dataset", "pctComplete": "0.00%",
                                             "estimatedTimeRemaining": "? (± ?)", "info": info,
                                             "timeStarted": "2026-01-01T00:00:00.000Z"})

    jan, apr = datetime(2014, 1, 1, tzinfo=timezone.utc), datetime(2014, 4, 1, tzinfo=timezone.utc)
    text = ("Processing: Total tiles processed: 5; Tiles per time step: 4; "
            "Current [2014-02-01T00:00:00.000Z, 2014-03-01T00:00:00.000Z) @ 25.000%")
    assert WriterProgress.parse(text) == WriterProgress(5, 4, datetime(2014, 2, 1, tzinfo=timezone.utc),
                                                        datetime(2014, 3, 1, tzinfo=timezone.utc), 25.0)
    expected = 100 * (31 + 0.25 * 28) / 90  # January done, a quarter of February, of Jan..Mar (90 days)
    assert running(text).progress_percent(jan, apr) == pytest.approx(expected)
    assert running(text).progress_percent(jan, jan) == 25.0  # an instant: the step's share
    gap = ("Processing: Total tiles processed: 0; Tiles per time step: 1; "
           "Current [-262143-01-01T00:00:00.000Z, 2014-01-01T00:00:00.000Z) @ 0.000%")
    assert running(gap).progress_percent(jan, apr) == 0.0  # the open-ended gap slice before the data
    assert running(None).progress_percent(jan, apr) == 0.0 and running("other text").progress_percent() == 0.0
    assert TaskStatusInfo.from_response({**running(text).to_dict(), "pctComplete": "40.00%"}).progress_percent(
        jan, apr) == 40.0  # a server that reports a percentage is believed
