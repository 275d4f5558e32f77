"""Helpers for the control-plane tests: sessions, workflows and bounded task polling."""

from __future__ import annotations

import time

import requests

ADMIN = ("admin@localhost", "adminadmin")
ANALYST = ("analyst@example.org", "analyst-password")
NDVI = {"type": "Raster", "operator": {"type": "GdalSource", "params": {"data": "ndvi"}}}
NDVI_ID = "1e415c9c-55f3-51a2-b50b-b5053d1debbb"
PORTS = {"type": "Vector", "operator": {"type": "OgrSource", "params": {"data": "ne_10m_ports"}}}
NDVI_FILE = "raster/modis_ndvi/MOD13A2_M_NDVI_{}.TIFF"
APRIL_2014 = 1396310400000
TIMEOUT = 10


def gdal_source(name: str) -> dict:
    return {"type": "Raster", "operator": {"type": "GdalSource", "params": {"data": name}}}


def auth(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def anonymous(base_url: str) -> dict:
    return auth(requests.post(f"{base_url}/anonymous", timeout=TIMEOUT).json()["id"])


def login(base_url: str, credentials: tuple[str, str]) -> tuple[dict, str]:
    """``(headers, user id)`` of a fresh session."""
    body = requests.post(
        f"{base_url}/login", json={"email": credentials[0], "password": credentials[1]}, timeout=TIMEOUT
    ).json()
    return auth(body["id"]), body["user"]["id"]


def get(base_url: str, path: str, headers: dict) -> requests.Response:
    """``GET <base_url><path>`` with the session headers (bounded by ``TIMEOUT``)."""
    return requests.get(f"{base_url}{path}", headers=headers, timeout=TIMEOUT)


def user_id(base_url: str, headers: dict) -> str:
    return get(base_url, "/session", headers).json()["user"]["id"]


def register(base_url: str, headers: dict, workflow: dict, prefix: str = "/workflow") -> str:
    r = requests.post(f"{base_url}{prefix}", json=workflow, headers=headers, timeout=TIMEOUT)
    assert r.status_code == 200, r.text
    return r.json()["id"]


def save_body(name, xmin, ymin, xmax, ymax, start, end=None, display="Saved", **extra) -> dict:
    return {
        "name": name,
        "displayName": display,
        "description": "saved by a test",
        "query": {
            "spatialBounds": {
                "upperLeftCoordinate": {"x": xmin, "y": ymax},
                "lowerRightCoordinate": {"x": xmax, "y": ymin},
            },
            "timeInterval": {"start": start, "end": start if end is None else end},
        },
        **extra,
    }


def task_status(base_url: str, headers: dict, task_id: str) -> dict:
    r = get(base_url, f"/tasks/{task_id}/status", headers)
    assert r.status_code == 200, r.text
    return r.json()


def poll_task(base_url: str, headers: dict, task_id: str, until, timeout_s: float = 60, interval_s: float = 0.02):
    """Poll the status (bounded by count and time) until ``until(status)``; returns all statuses seen."""
    seen = []
    deadline = time.monotonic() + timeout_s
    for _ in range(int(timeout_s / interval_s) + 1):
        seen.append(task_status(base_url, headers, task_id))
        if until(seen[-1]) or time.monotonic() > deadline:
            break
        time.sleep(interval_s)
    assert until(seen[-1]), f"task {task_id} did not reach the expected state: {seen[-1]}"
    return seen


def finished(status: dict) -> bool:
    return status["status"] != "running"
