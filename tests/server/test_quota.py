"""Quota, computations and data usage: the ledger API other modules call and the HTTP endpoints."""

from __future__ import annotations

import re
import uuid

import pytest
import requests
from geoengine_server import ServerConfig
from geoengine_server.runner import start_server
from server.control_helpers import (
    ADMIN,
    ANALYST,
    APRIL_2014,
    NDVI,
    NDVI_ID,
    TIMEOUT,
    anonymous,
    finished,
    get,
    login,
    poll_task,
    register,
    save_body,
    user_id,
)

TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
PERMISSION_DENIED = {"error": "PermissionDenied", "message": "Permission denied"}
ADMIN_REQUIRED = {"error": "Unauthorized", "message": "Authorization error: Operation requires admin privilige"}


def test_own_quota_starts_at_the_default(server, base_url):
    headers = anonymous(base_url)
    r = get(base_url, "/quota", headers)
    assert (r.status_code, r.json()) == (200, {"available": server.config.default_available_quota, "used": 0})
    assert get(base_url, "/quota", {}).status_code == 401


def test_recorded_computations_consume_quota_and_are_listed(server, base_url):
    headers = anonymous(base_url)
    me = user_id(base_url, headers)
    register(base_url, headers, NDVI)
    ledger = server.api["quota"]
    first = server.call(ledger.record, me, NDVI_ID, ["ndvi"], 5)
    second = server.call(ledger.record, me, NDVI_ID, ["ndvi", "ndvi"], 7)
    uuid.UUID(first)
    assert first != second
    expected = {"available": server.config.default_available_quota - 12, "used": 12}
    assert get(base_url, "/quota", headers).json() == expected

    listed = get(base_url, "/quota/computations?offset=0&limit=10", headers).json()
    assert [(c["computationId"], c["workflowId"], c["count"]) for c in listed] == [
        (second, NDVI_ID, 7), (first, NDVI_ID, 5)
    ]
    # 0.9.3's ComputationQuota has no processingGraphId (the 0.10 emulation adds it: see below)
    assert all(TIMESTAMP.match(c["timestamp"]) and set(c) == {"timestamp", "computationId", "workflowId", "count"}
               for c in listed)
    page = get(base_url, "/quota/computations?offset=1&limit=5", headers).json()
    assert [c["computationId"] for c in page] == [first]
    r = get(base_url, "/quota/computations?limit=5", headers)
    assert (r.status_code, r.json()) == (
        400,
        {"error": "UnableToParseQueryString", "message": "Unable to parse query string: missing field `offset`"},
    )
    r = get(base_url, f"/quota/computations/{second}", headers)
    assert r.json() == [{"operatorName": "GdalSource", "operatorPath": "[]", "count": 7}]
    assert get(base_url, f"/quota/computations/{uuid.uuid4()}", headers).json() == []
    # another user sees neither the computations nor their quota change
    other = anonymous(base_url)
    assert get(base_url, "/quota/computations?offset=0&limit=10", other).json() == []
    assert get(base_url, f"/quota/computations/{second}", other).json() == []


def test_data_usage_is_admin_only(server, base_url):
    analyst, analyst_id = login(base_url, ANALYST)
    admin, _ = login(base_url, ADMIN)
    dataset = f"usage_{uuid.uuid4().hex[:8]}"
    computation = server.call(server.api["quota"].record, analyst_id, NDVI_ID, [dataset], 4)

    r = get(base_url, "/quota/dataUsage?offset=0&limit=10", analyst)
    assert (r.status_code, r.json()) == (400, PERMISSION_DENIED)
    r = get(base_url, "/quota/dataUsage?limit=10", admin)
    assert (r.status_code, r.json()) == (
        400,
        {"error": "UnableToParseQueryString", "message": "Unable to parse query string: missing field `offset`"},
    )
    usage = get(base_url, "/quota/dataUsage?offset=0&limit=10", admin).json()
    assert usage[0] == {"timestamp": usage[0]["timestamp"], "userId": analyst_id, "computationId": computation,
                        "data": dataset, "count": 4}
    assert TIMESTAMP.match(usage[0]["timestamp"])


@pytest.mark.parametrize("fresh_server", [{"version": "0.10.0", "quota_mode": "track"}], indirect=True)
def test_data_usage_summary_sums_per_period_and_dataset(fresh_server):
    server, base_url = fresh_server, fresh_server.base_url
    admin, admin_id = login(base_url, ADMIN)
    analyst, _ = login(base_url, ANALYST)
    dataset = f"summary_{uuid.uuid4().hex[:8]}"
    for count in (3, 4):
        server.call(server.api["quota"].record, admin_id, NDVI_ID, [dataset, "ndvi"], count)
    for granularity in ("minutes", "hours", "days", "months", "years"):
        query = f"granularity={granularity}&offset=0&limit=10&dataset={dataset}"
        r = get(base_url, f"/quota/dataUsage/summary?{query}", admin)
        assert r.status_code == 200
        rows = r.json()
        assert len(rows) == 1 and rows[0]["data"] == dataset and rows[0]["count"] == 7
        assert TIMESTAMP.match(rows[0]["timestamp"])
    minute = get(base_url, f"/quota/dataUsage/summary?granularity=minutes&offset=0&limit=1&dataset={dataset}", admin)
    assert minute.json()[0]["timestamp"].endswith(":00.000Z")
    year = get(base_url, f"/quota/dataUsage/summary?granularity=years&offset=0&limit=1&dataset={dataset}", admin)
    assert year.json()[0]["timestamp"][4:] == "-01-01T00:00:00.000Z"
    everything = get(base_url, "/quota/dataUsage/summary?granularity=years&offset=0&limit=20", admin).json()
    assert {row["data"] for row in everything} >= {dataset, "ndvi"}

    r = get(base_url, "/quota/dataUsage/summary?granularity=weeks&offset=0&limit=10", admin)
    assert (r.status_code, r.json()["error"]) == (400, "UnableToParseQueryString")
    assert "unknown variant `weeks`" in r.json()["message"]
    r = get(base_url, "/quota/dataUsage/summary?offset=0&limit=10", admin)
    assert r.json()["message"] == "Unable to parse query string: missing field `granularity`"
    r = get(base_url, "/quota/dataUsage/summary?granularity=days&offset=0&limit=10", analyst)
    assert (r.status_code, r.json()) == (400, PERMISSION_DENIED)


@pytest.mark.parametrize("fresh_server", [{"version": "0.9.3", "quota_mode": "track"}], indirect=True)
def test_data_usage_summary_filtered_by_dataset_is_an_sql_error_on_0_9_3(fresh_server):
    """Audit B2: the real 0.9.3 query for ``dataset=`` lacks a comma; every such request fails (admin only)."""
    base_url = fresh_server.base_url
    admin, admin_id = login(base_url, ADMIN)
    analyst, _ = login(base_url, ANALYST)
    fresh_server.call(fresh_server.api["quota"].record, admin_id, NDVI_ID, ["ndvi"], 2)
    query = "granularity=days&offset=0&limit=10"
    r = get(base_url, f"/quota/dataUsage/summary?{query}&dataset=ndvi", admin)
    assert (r.status_code, r.json()) == (400, {"error": "TokioPostgres", "message": "Tokio postgres"})
    r = get(base_url, f"/quota/dataUsage/summary?{query}&dataset=ndvi", analyst)
    assert (r.status_code, r.json()) == (400, PERMISSION_DENIED)  # the admin check comes first
    r = get(base_url, f"/quota/dataUsage/summary?{query}", admin)  # the unfiltered query is fine
    assert r.status_code == 200 and [row["data"] for row in r.json()] == ["ndvi"]


def test_user_quotas_own_or_admin(server, base_url):
    analyst, analyst_id = login(base_url, ANALYST)
    admin, admin_id = login(base_url, ADMIN)
    r = get(base_url, f"/quotas/{analyst_id}", analyst)
    assert r.status_code == 200 and set(r.json()) == {"available", "used"}
    r = get(base_url, f"/quotas/{admin_id}", analyst)
    assert (r.status_code, r.json()) == (401, ADMIN_REQUIRED)
    assert get(base_url, f"/quotas/{analyst_id}", admin).status_code == 200

    r = requests.post(f"{base_url}/quotas/{analyst_id}", json={"available": 1234}, headers=analyst, timeout=TIMEOUT)
    assert (r.status_code, r.json()) == (401, ADMIN_REQUIRED)
    r = requests.post(f"{base_url}/quotas/{analyst_id}", json={"available": 1234}, headers=admin, timeout=TIMEOUT)
    assert (r.status_code, r.content) == (200, b"")
    used = get(base_url, "/quota", analyst).json()["used"]
    assert get(base_url, "/quota", analyst).json() == {"available": 1234, "used": used}
    r = requests.post(f"{base_url}/quotas/{analyst_id}", json={}, headers=admin, timeout=TIMEOUT)
    assert (r.status_code, r.json()) == (
        400,
        {"error": "BodyDeserializeError", "message": "Error in user input: missing field `available`"},
    )
    r = requests.get(f"{base_url}/quotas/not-a-user", headers=admin, timeout=TIMEOUT)
    assert r.status_code == 404
    server.call(server.api["quota"].set_available, analyst_id, server.config.default_available_quota)


def test_saving_a_dataset_records_its_tiles(server, base_url):
    headers = anonymous(base_url)
    register(base_url, headers, NDVI)
    r = requests.post(
        f"{base_url}/datasetFromWorkflow/{NDVI_ID}", json=save_body(None, -10.0, 20.0, 50.0, 80.0, APRIL_2014),
        headers=headers, timeout=TIMEOUT,
    )
    done = poll_task(base_url, headers, r.json()["taskId"], finished)[-1]
    assert done["status"] == "completed"
    listed = get(base_url, "/quota/computations?offset=0&limit=10", headers).json()
    assert [(c["workflowId"], c["count"]) for c in listed] == [(NDVI_ID, 4)]  # 2 x 2 tiles of 512 pixels
    assert get(base_url, "/quota", headers).json()["used"] == 4


@pytest.mark.parametrize("fresh_server", [{"quota_mode": "check", "default_available_quota": 3}], indirect=True)
def test_check_mode_refuses_work_once_the_quota_is_used_up(fresh_server):
    base = fresh_server.base_url
    headers, me = login(base, ANALYST)
    admin, _ = login(base, ADMIN)
    register(base, headers, NDVI)
    ledger = fresh_server.api["quota"]
    fresh_server.call(ledger.check, me)  # 3 available: fine
    fresh_server.call(ledger.record, me, NDVI_ID, ["ndvi"], 3)
    assert get(base, "/quota", headers).json() == {"available": 0, "used": 3}
    body = save_body(None, 0.0, 0.0, 1.0, 1.0, APRIL_2014)
    r = requests.post(f"{base}/datasetFromWorkflow/{NDVI_ID}", json=body, headers=headers, timeout=TIMEOUT)
    assert (r.status_code, r.json()) == (
        400,
        {"error": "CreatingProcessorFailed", "message": "CreatingProcessorFailed: QuotaExhausted"},
    )
    requests.post(f"{base}/quotas/{me}", json={"available": 10}, headers=admin, timeout=TIMEOUT)
    r = requests.post(f"{base}/datasetFromWorkflow/{NDVI_ID}", json=body, headers=headers, timeout=TIMEOUT)
    assert r.status_code == 200
    assert poll_task(base, headers, r.json()["taskId"], finished)[-1]["status"] == "completed"
    assert get(base, "/quota", headers).json() == {"available": 9, "used": 4}


@pytest.mark.parametrize("fresh_server", [{"quota_mode": "disabled"}], indirect=True)
def test_disabled_mode_records_nothing(fresh_server):
    base = fresh_server.base_url
    headers, me = login(base, ANALYST)
    admin, _ = login(base, ADMIN)
    computation = fresh_server.call(fresh_server.api["quota"].record, me, NDVI_ID, ["ndvi"], 5)
    uuid.UUID(computation)
    assert get(base, "/quota", headers).json() == {"available": fresh_server.config.default_available_quota, "used": 0}
    assert get(base, "/quota/computations?offset=0&limit=10", headers).json() == []
    assert get(base, "/quota/dataUsage?offset=0&limit=10", admin).json() == []


def test_quota_tracking_is_off_by_default():
    """Audit W7: a stock Geo Engine has ``quota.mode = "disabled"``: nothing is metered or logged."""
    running = start_server(ServerConfig())
    try:
        base = running.base_url
        assert running.config.quota_mode == "disabled"
        headers, _ = login(base, ANALYST)
        admin, _ = login(base, ADMIN)
        register(base, headers, NDVI)
        r = requests.post(f"{base}/datasetFromWorkflow/{NDVI_ID}", json=save_body(None, 0.0, 0.0, 1.0, 1.0, APRIL_2014),
                          headers=headers, timeout=TIMEOUT)
        assert poll_task(base, headers, r.json()["taskId"], finished)[-1]["status"] == "completed"  # real work done
        assert get(base, "/quota", headers).json() == {"available": running.config.default_available_quota, "used": 0}
        assert get(base, "/quota/computations?offset=0&limit=10", headers).json() == []
        assert get(base, "/quota/dataUsage?offset=0&limit=10", admin).json() == []
    finally:
        running.stop()


@pytest.mark.parametrize("fresh_server", [{"version": "0.9.3"}, {"version": "0.10.0"}], indirect=True)
def test_computations_are_capped_at_ten_rows(fresh_server):
    """Audit W7: the real listing silently takes at most 10 rows, whatever ``limit`` says; ``offset`` pages on."""
    base = fresh_server.base_url
    headers = anonymous(base)
    me = user_id(base, headers)
    ids = [fresh_server.call(fresh_server.api["quota"].record, me, NDVI_ID, ["ndvi"], n + 1) for n in range(13)]
    first = get(base, "/quota/computations?offset=0&limit=20", headers).json()
    assert [c["computationId"] for c in first] == ids[::-1][:10]
    rest = get(base, "/quota/computations?offset=10&limit=20", headers).json()
    assert [c["computationId"] for c in rest] == ids[::-1][10:]
    graph_ids = {c.get("processingGraphId") for c in first}
    assert graph_ids == ({NDVI_ID} if fresh_server.config.version.startswith("0.10") else {None})
