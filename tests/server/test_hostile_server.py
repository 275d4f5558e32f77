"""The hostile mode itself, read with raw clients (requests, websockets, pyarrow): each switch sends what it
claims, so the client and plugin tests against it test something real."""

from __future__ import annotations

import json

import pyarrow as pa
import pytest
import requests
from geoengine_server.hostile import HTML_PAYLOAD, AuthRecorder
from websockets.sync.client import connect

PORTS = {"type": "Vector", "operator": {"type": "OgrSource", "params": {"data": "ne_10m_ports"}}}
NDVI = {"type": "Raster", "operator": {"type": "GdalSource", "params": {"data": "ndvi"}}}
TIMEOUT = 30


def login(url: str) -> dict:
    token = requests.post(f"{url}/anonymous", timeout=TIMEOUT).json()["id"]
    return {"Authorization": f"Bearer {token}"}


def first_message(server, workflow: dict, kind: str, params: str) -> bytes:
    headers = login(server.base_url)
    wid = requests.post(f"{server.base_url}/workflow", json=workflow, headers=headers, timeout=TIMEOUT).json()["id"]
    url = server.base_url.replace("http://", "ws://") + f"/workflow/{wid}/{kind}?resultType=arrow&{params}"
    with connect(url, additional_headers=headers, max_size=None, open_timeout=TIMEOUT) as ws:
        ws.send("NEXT")
        return ws.recv(timeout=TIMEOUT)


VECTOR = "spatialBounds=-180,-90,180,90&timeInterval=2000-01-01T00:00:00Z/2030-01-01T00:00:00Z"
RASTER = "spatialBounds=-10,30,60,60&timeInterval=2014-04-01T00:00:00Z&attributes=0"


@pytest.mark.parametrize("mode, index, past_end", [("forged_offset", -1, 4000), ("forged_offset_huge", 1, 400_000_000)])
def test_forged_offsets_pass_the_ipc_reader_and_fail_full_validation(hostile, mode, index, past_end):
    honest = pa.ipc.open_file(pa.py_buffer(first_message(hostile, PORTS, "vectorStream", VECTOR))).get_batch(0)
    hostile.config.hostile.arrow = mode
    batch = pa.ipc.open_file(pa.py_buffer(first_message(hostile, PORTS, "vectorStream", VECTOR))).get_batch(0)
    column = batch.column("__geometry")  # the IPC reader accepted the batch
    offsets = memoryview(column.buffers()[1]).cast("i")
    assert offsets[index % (len(column) + 1)] == honest.column("__geometry").buffers()[2].size + past_end
    if mode == "forged_offset_huge":
        batch.validate()  # a middle offset: the cheap validation does not see it
    with pytest.raises(pa.ArrowInvalid, match="[Oo]ffset"):
        batch.validate(full=True)


def test_truncated_huge_size_oversized_and_far_tiles(hostile):
    honest = first_message(hostile, NDVI, "rasterStream", RASTER)
    hostile.config.hostile.arrow = "truncated"
    with pytest.raises(pa.ArrowInvalid):
        pa.ipc.open_file(pa.py_buffer(first_message(hostile, NDVI, "rasterStream", RASTER)))
    hostile.config.hostile.arrow = "huge_size"
    meta = pa.ipc.open_file(pa.py_buffer(first_message(hostile, NDVI, "rasterStream", RASTER))).schema.metadata
    assert meta[b"xSize"] == meta[b"ySize"] == b"100000"
    hostile.config.hostile.arrow = "oversized"
    assert len(first_message(hostile, NDVI, "rasterStream", RASTER)) == len(honest) + (8 << 20)
    hostile.config.hostile.arrow = "far_tile"
    moved = pa.ipc.open_file(pa.py_buffer(first_message(hostile, NDVI, "rasterStream", RASTER))).schema.metadata
    before = json.loads(pa.ipc.open_file(pa.py_buffer(honest)).schema.metadata[b"geoTransform"])
    after = json.loads(moved[b"geoTransform"])
    assert after["originCoordinate"]["x"] == pytest.approx(before["originCoordinate"]["x"] - 1e7 * 0.1)


def test_html_in_display_strings_and_error_bodies(hostile):
    hostile.config.hostile.html = True
    headers = login(hostile.base_url)
    datasets = requests.get(f"{hostile.base_url}/datasets?offset=0&limit=5&order=NameAsc", headers=headers,
                            timeout=TIMEOUT).json()
    assert datasets and all(d["description"].endswith(HTML_PAYLOAD) for d in datasets if d.get("description"))
    assert all(not d["name"].endswith(HTML_PAYLOAD) for d in datasets)  # identifiers stay usable
    error = requests.get(f"{hostile.base_url}/workflow/00000000-0000-4000-8000-000000000000/metadata",
                         headers=headers, timeout=TIMEOUT).json()
    assert error["message"].endswith(HTML_PAYLOAD) and 'href="file:' in error["message"]


@pytest.mark.parametrize("status", [302, 307])
def test_redirects_go_to_the_recorder_which_records_credentials(hostile, status):
    recorder = AuthRecorder().start()
    try:
        hostile.config.hostile.redirect_to = recorder.url
        hostile.config.hostile.redirect_status = status
        hostile.config.hostile.redirect_paths = ("/login",)
        answer = requests.post(f"{hostile.base_url}/login", json={"email": "e", "password": "p"},
                               allow_redirects=False, timeout=TIMEOUT)
        assert answer.status_code == status and answer.headers["Location"] == f"{recorder.url}/api/login"
        requests.post(answer.headers["Location"], json={"email": "e", "password": "p"},
                      headers={"Authorization": "Bearer x"}, timeout=TIMEOUT)
        assert [(r.method, r.path, r.authorization) for r in recorder.credentials_seen] == \
            [("POST", "/api/login", "Bearer x")]
    finally:
        recorder.stop()
