"""Websocket raster/vector streams over real sockets: Arrow messages vs. the files, protocol, faults."""

from __future__ import annotations

import json
from urllib.parse import quote

import numpy as np
import pyarrow as pa
import pytest
import requests
from server.control_helpers import user_id
from server.dataplane_helpers import (
    NDVI,
    NDVI_APRIL,
    NE2,
    NE_RGB,
    PORTS,
    SYNTHETIC,
    anonymous,
    ogr_port_count,
    raster,
    register,
    session_ctx,
)
from websockets.exceptions import ConnectionClosedError, ConnectionClosedOK, InvalidStatus
from websockets.sync.client import connect

APRIL = "2014-04-01T00:00:00.000+00:00"
APRIL_MS, MAY_MS = 1396310400000, 1398902400000
MAX_MESSAGES = 200  # every receive loop is bounded


@pytest.fixture(scope="module")
def ctx(shared_server):
    return session_ctx(shared_server, ndvi=NDVI, ports=PORTS)


def stream_url(ctx, workflow_id, kind="rasterStream", family="workflow", **params) -> str:
    query = "&".join(f"{k}={quote(str(v), safe='')}" for k, v in params.items() if v is not None)
    return f"{ctx['base'].replace('http://', 'ws://')}/{family}/{workflow_id}/{kind}?{query}"


def raster_url(ctx, workflow_id=None, bounds="0,40,20,50", time=APRIL, attributes="0", **extra) -> str:
    return stream_url(ctx, workflow_id or ctx["ndvi"], resultType="arrow", spatialBounds=bounds,
                      timeInterval=time, attributes=attributes, **extra)


def open_stream(ctx, url):
    return connect(url, additional_headers=ctx["headers"], max_size=None, open_timeout=10, close_timeout=5)


def read_all(ws, limit: int = MAX_MESSAGES) -> list[pa.RecordBatch]:
    """NEXT -> message until the server closes with 1000 (bounded)."""
    batches = []
    for _ in range(limit):
        ws.send("NEXT")
        try:
            message = ws.recv(timeout=30)
        except ConnectionClosedOK as closed:
            assert closed.rcvd.code == 1000
            return batches
        batches.append(pa.ipc.open_file(pa.BufferReader(message)).get_record_batch(0))
    raise AssertionError(f"the stream did not end within {limit} messages")


def meta(batch: pa.RecordBatch) -> dict:
    return {k.decode(): v.decode() for k, v in batch.schema.metadata.items()}


def tile_array(batch: pa.RecordBatch) -> np.ma.MaskedArray:
    m = meta(batch)
    column = batch.column(0)
    values = column.to_numpy(zero_copy_only=False)
    mask = ~np.asarray(column.is_valid())
    shape = (int(m["ySize"]), int(m["xSize"]))
    return np.ma.masked_array(np.nan_to_num(values).astype(column.type.to_pandas_dtype()).reshape(shape),
                              mask=mask.reshape(shape))


def file_tile(path, band: int, origin_x: float, origin_y: float, size: int = 512) -> np.ndarray:
    """The 0.1 degree world file's pixels under a tile whose upper-left corner is (origin_x, origin_y)."""
    col, row = round((origin_x + 180) / 0.1), round((90 - origin_y) / 0.1)
    return raster(path, band)[row : row + size, col : col + size]


def test_raster_tile_metadata_and_values_match_the_tiff(ctx, shared_server):
    with open_stream(ctx, raster_url(ctx)) as ws:
        batches = read_all(ws)
    assert len(batches) == 1
    batch = batches[0]
    assert batch.schema.names == ["data"] and batch.schema.field("data").type == pa.uint8()
    assert batch.schema.field("data").nullable and batch.num_rows == 512 * 512
    m = meta(batch)
    assert set(m) == {"geoTransform", "xSize", "ySize", "time", "spatialReference", "band"}
    gt = json.loads(m["geoTransform"])
    assert gt["originCoordinate"]["x"] == pytest.approx(0.0) and gt["originCoordinate"]["y"] == pytest.approx(51.2)
    assert (gt["xPixelSize"], gt["yPixelSize"]) == (pytest.approx(0.1), pytest.approx(-0.1))
    assert (m["xSize"], m["ySize"], m["spatialReference"], m["band"]) == ("512", "512", "EPSG:4326", "0")
    assert json.loads(m["time"]) == {"start": APRIL_MS, "end": MAY_MS}
    tile = tile_array(batch)
    expected = file_tile(NDVI_APRIL, 1, 0.0, 51.2)
    assert (tile.mask == (expected == 0)).all()
    assert (tile.data[~tile.mask] == expected[expected != 0]).all()
    uid = user_id(ctx["base"], ctx["headers"])
    newest = shared_server.api["quota"].computations_of(uid, 0, 1)[0]
    assert (newest.workflow_id, newest.count) == (ctx["ndvi"], 1)


def test_order_is_time_then_tiles_then_bands(ctx):
    rgb = register(ctx["base"], ctx["headers"], NE_RGB)
    with open_stream(ctx, raster_url(ctx, rgb, bounds="50,0.5,52,1", attributes="2,0")) as ws:
        batches = read_all(ws)
    order = [(json.loads(meta(b)["geoTransform"])["originCoordinate"]["x"], meta(b)["band"]) for b in batches]
    assert order == [(pytest.approx(0.0), "2"), (pytest.approx(0.0), "0"),
                     (pytest.approx(51.2), "2"), (pytest.approx(51.2), "0")]
    for batch in batches:
        gt = json.loads(meta(batch)["geoTransform"])["originCoordinate"]
        file_band = {"2": 1, "0": 3}[meta(batch)["band"]]  # stack: blue, green, red; the file: R, G, B
        expected = file_tile(NE2, file_band, gt["x"], gt["y"])
        assert (tile_array(batch).data == expected).all()

    with open_stream(ctx, raster_url(ctx, time="2014-02-01T00:00:00Z/2014-04-01T00:00:00Z")) as ws:
        times = [json.loads(meta(b)["time"])["start"] for b in read_all(ws)]
    assert times == [1391212800000, 1393632000000]


def test_no_message_without_next_and_close_1000_at_the_end(ctx):
    with open_stream(ctx, raster_url(ctx)) as ws:
        with pytest.raises(TimeoutError):
            ws.recv(timeout=0.5)
        ws.send("NEXT")
        ws.recv(timeout=10)
        with pytest.raises(TimeoutError):
            ws.recv(timeout=0.5)
        ws.send("NEXT")
        with pytest.raises(ConnectionClosedOK) as closed:
            ws.recv(timeout=10)
        assert closed.value.rcvd.code == 1000


def test_next_while_one_is_pending_is_dropped(ctx, faults):
    faults.slow_tile_s = 0.4
    with open_stream(ctx, raster_url(ctx, bounds="-20,40,20,50")) as ws:  # two tiles
        ws.send("NEXT")
        ws.send("NEXT")
        ws.recv(timeout=10)
        with pytest.raises(TimeoutError):
            ws.recv(timeout=1.0)
        ws.send("NEXT")
        ws.recv(timeout=10)


def test_injected_failure_closes_1011_with_reason(ctx, faults):
    faults.stream_fail_after = 1
    with open_stream(ctx, raster_url(ctx, bounds="-20,40,20,50")) as ws:
        ws.send("NEXT")
        ws.recv(timeout=10)
        ws.send("NEXT")
        with pytest.raises(ConnectionClosedError) as closed:
            ws.recv(timeout=10)
    assert closed.value.rcvd.code == 1011
    assert "Injected fault" in closed.value.rcvd.reason


def test_malformed_arrow_fault(ctx, faults):
    faults.malformed_arrow = True
    with open_stream(ctx, raster_url(ctx)) as ws:
        ws.send("NEXT")
        message = ws.recv(timeout=10)
    assert isinstance(message, bytes)
    with pytest.raises(pa.ArrowInvalid):
        pa.ipc.open_file(pa.BufferReader(message))


def test_errors_before_the_upgrade_are_http(ctx):
    with pytest.raises(InvalidStatus) as error:
        connect(raster_url(ctx), open_timeout=10)
    assert error.value.response.status_code == 401
    with pytest.raises(InvalidStatus) as error:
        open_stream(ctx, raster_url(ctx, attributes=None))
    assert error.value.response.status_code == 400
    assert json.loads(error.value.response.body)["message"] == (
        "Unable to parse query string: missing field `attributes`")
    for bad in ("0,0", "", "x"):
        with pytest.raises(InvalidStatus) as error:
            open_stream(ctx, raster_url(ctx, attributes=bad))
        assert error.value.response.status_code == 400
    with pytest.raises(InvalidStatus) as error:
        open_stream(ctx, raster_url(ctx, ctx["ports"]))
    body = json.loads(error.value.response.body)
    assert body == {"error": "WorkflowApi", "message": "You can only query a raster stream for a raster workflow"}
    with pytest.raises(InvalidStatus) as error:
        open_stream(ctx, stream_url(ctx, ctx["ndvi"], "vectorStream", resultType="arrow", spatialBounds="0,0,1,1",
                                    timeInterval=APRIL))
    assert json.loads(error.value.response.body)["message"] == (
        "You can only query a vector stream for a vector workflow")
    with pytest.raises(InvalidStatus) as error:
        open_stream(ctx, raster_url(ctx, "00000000-0000-4000-8000-000000000000"))
    assert json.loads(error.value.response.body)["error"] == "NoWorkflowForGivenId"
    with pytest.raises(InvalidStatus) as error:
        open_stream(ctx, raster_url(ctx, attributes="1"))
    assert error.value.response.status_code == 400


def test_processing_graphs_path_family_and_encoded_slash(ctx):
    url = stream_url(ctx, ctx["ndvi"], family="processingGraphs", resultType="arrow", spatialBounds="0,40,20,50",
                     timeInterval="2014-04-01T00:00:00.000+00:00/2014-04-02T00:00:00.000+00:00", attributes="0",
                     spatialResolution="0.1,0.1")
    assert "%2F" in url
    with open_stream(ctx, url) as ws:
        batches = read_all(ws)
    assert len(batches) == 1 and json.loads(meta(batches[0])["time"]) == {"start": APRIL_MS, "end": MAY_MS}


def test_synthetic_tiles_equal_the_closed_form(ctx):
    synthetic = register(ctx["base"], ctx["headers"], SYNTHETIC)
    with open_stream(ctx, raster_url(ctx, synthetic, bounds="10,10,10.5,10.5")) as ws:
        batches = read_all(ws)
    assert len(batches) == 4  # 278 x 278 pixels across a tile corner
    for batch in batches:
        tile = tile_array(batch)
        gt = json.loads(meta(batch)["geoTransform"])["originCoordinate"]
        x0, y0 = round((gt["x"] + 180) / 0.0018), round((90 - gt["y"]) / 0.0018)
        cols, rows = np.arange(x0, x0 + 512), np.arange(y0, y0 + 512)
        expected = (cols[None, :] * 7 + rows[:, None] * 13) % 65521
        assert tile.mask.sum() == 0 and (tile.data == expected).all()
        assert batch.schema.field("data").type == pa.uint16()


def test_whole_synthetic_extent_streams_tile_by_tile(ctx):
    synthetic = register(ctx["base"], ctx["headers"], SYNTHETIC)
    with open_stream(ctx, raster_url(ctx, synthetic, bounds="-180,-90,180,90")) as ws:
        for _ in range(3):
            ws.send("NEXT")
            batch = pa.ipc.open_file(pa.BufferReader(ws.recv(timeout=30))).get_record_batch(0)
            assert batch.num_rows == 512 * 512
    gt = json.loads(meta(batch)["geoTransform"])["originCoordinate"]
    assert gt["y"] == pytest.approx(98 * 512 * 0.0018)  # the first tile row straddles 90 degrees north
    assert tile_array(batch).mask[0].all() and not tile_array(batch).mask[-1].any()


def vector_url(ctx, bounds, time="2014-04-01T00:00:00.000Z"):
    return stream_url(ctx, ctx["ports"], "vectorStream", resultType="arrow", spatialBounds=bounds, timeInterval=time)


def test_vector_stream_matches_ogr(ctx):
    with open_stream(ctx, vector_url(ctx, "-10,35,20,60")) as ws:
        batches = read_all(ws)
    table = pa.Table.from_batches(batches)
    assert table.num_rows == ogr_port_count(-10, 35, 20, 60)
    schema = batches[0].schema
    assert schema.names[:2] == ["__geometry", "__time"]
    assert schema.field("__time").type == pa.list_(pa.int64(), 2)
    assert schema.field("__geometry").type == pa.utf8()
    types = {name: schema.field(name).type for name in schema.names[2:]}
    assert types == {"natlscale": pa.float64(), "scalerank": pa.int64(), "featurecla": pa.utf8(),
                     "name": pa.utf8(), "website": pa.utf8()}
    assert meta(batches[0]) == {"spatialReference": "EPSG:4326"}
    assert all(g.startswith("MULTIPOINT") for g in table.column("__geometry").to_pylist())


def test_vector_stream_empty_result_sends_one_empty_batch(ctx):
    with open_stream(ctx, vector_url(ctx, "-40,-40,-39,-39")) as ws:
        batches = read_all(ws)
    assert [b.num_rows for b in batches] == [0]


@pytest.mark.parametrize("fresh_server", [{"vector_chunk_bytes": 4096}], indirect=True)
def test_vector_batches_are_bounded_by_the_chunk_size(fresh_server):
    base = fresh_server.base_url
    headers = anonymous(base)
    ctx = {"base": base, "headers": headers, "ports": register(base, headers, PORTS)}
    with open_stream(ctx, vector_url(ctx, "-180,-90,180,90")) as ws:
        batches = read_all(ws)
    assert len(batches) > 5
    assert sum(b.num_rows for b in batches) == ogr_port_count(-180, -90, 180, 90)
    assert all(b.nbytes < 3 * 4096 for b in batches)


def test_unknown_route_is_404(ctx):
    r = requests.get(f"{ctx['base']}/workflow/{ctx['ndvi']}/otherStream", headers=ctx["headers"], timeout=10)
    assert r.status_code == 404


@pytest.mark.parametrize("fresh_server", [{"quota_mode": "check"}], indirect=True)
def test_exhausted_quota_is_refused_before_the_upgrade(fresh_server):
    base = fresh_server.base_url
    headers = anonymous(base)
    ctx = {"base": base, "headers": headers, "ndvi": register(base, headers, NDVI)}
    with open_stream(ctx, raster_url(ctx)) as ws:
        assert len(read_all(ws)) == 1
    fresh_server.api["quota"].set_available(user_id(base, headers), 0)
    with pytest.raises(InvalidStatus) as error:
        open_stream(ctx, raster_url(ctx))
    assert error.value.response.status_code == 400
    assert json.loads(error.value.response.body)["message"] == "CreatingProcessorFailed: QuotaExhausted"
