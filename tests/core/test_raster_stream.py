"""Raster streams over real websockets against the test server: tiles, progress, errors, cancel, pipelining."""

from __future__ import annotations

import sys
import threading
import time
import uuid
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).parent))
from geoengine_qgis.core.errors import (  # noqa: E402
    BadRequestError,
    InputError,
    MalformedResponseError,
    MissingDependencyError,
    SessionExpiredError,
    StreamClosedError,
    UnauthorizedError,
)
from geoengine_qgis.core.raster import merge_time_series  # noqa: E402
from geoengine_qgis.core.raster_stream import (  # noqa: E402
    plan_raster_stream,
    raster_stream,
    raster_stream_into_arrays,
    raster_stream_into_xarray,
)
from geoengine_qgis.core.session import Session  # noqa: E402
from geoengine_qgis.core.streaming import ArrowMessageStream, StreamCancelledError  # noqa: E402
from geoengine_qgis.core.types import QueryRectangle, RasterQueryRectangle  # noqa: E402
from stream_helpers import NDVI, PORTS, SYNTHETIC, ndvi_file, read_file, session, workflow  # noqa: E402

pytestmark = pytest.mark.timeout(120)

SPRING = ("2014-03-01T00:00:00Z", "2014-05-01T00:00:00Z")  # March and April


def test_tiles_progress_and_expected_count(base_url) -> None:
    ndvi = workflow(base_url, NDVI)
    query = QueryRectangle((-10.0, 30.0, 60.0, 60.0), SPRING)
    plan = plan_raster_stream(ndvi.get_result_descriptor(), query)
    # 51.2 degree tiles from (0, 0): columns -51.2..0..51.2..102.4 (3), rows 102.4..51.2..0 (2)
    assert (plan.tiles.count, plan.slices, plan.bands) == (6, 2, [0])
    calls: list[tuple[int, int]] = []
    tiles = list(raster_stream(ndvi, query, progress=lambda done, expected: calls.append((done, expected))))
    assert len(tiles) == plan.expected_messages == 12
    assert calls == [(i + 1, 12) for i in range(12)]
    assert {t.time_start_ms for t in tiles} == {1393632000000, 1396310400000}
    origins = {(round(t.geo_transform.x_min, 6), round(t.geo_transform.y_max, 6)) for t in tiles}
    assert origins == {(x, y) for x in (-51.2, 0.0, 51.2) for y in (102.4, 51.2)}
    assert all(t.shape == (512, 512) and t.crs == "EPSG:4326" and t.band == 0 for t in tiles)


def test_merged_stream_equals_the_source_files(base_url) -> None:
    ndvi = workflow(base_url, NDVI)
    query = QueryRectangle((-10.0, 30.0, 60.0, 60.0), SPRING)
    merged = raster_stream_into_arrays(ndvi, query)
    assert [m.time_start_ms for m in merged] == [1393632000000, 1396310400000]
    for month, raster in zip((3, 4), merged):
        source, source_gt = read_file(ndvi_file(month))
        col = round((raster.geo_transform.x_min - source_gt[0]) / 0.1)
        row = round((raster.geo_transform.y_max - source_gt[3]) / -0.1)
        _, height, width = raster.data.shape
        r0, c0 = max(row, 0), max(col, 0)
        part = raster.data[0, r0 - row:min(row + height, 1800) - row, c0 - col:min(col + width, 3600) - col]
        expected = source[0, r0:row + height, c0:col + width]
        np.testing.assert_array_equal(np.ma.getmaskarray(part), expected == 0)  # NDVI no-data is 0
        np.testing.assert_array_equal(part.filled(0), expected)


def test_band_selection_and_all_bands(base_url) -> None:
    from stream_helpers import ne_rgb

    rgb = workflow(base_url, ne_rgb())
    box = (0.0, 0.0, 10.0, 10.0)
    all_bands = list(raster_stream(rgb, QueryRectangle(box, "2014-01-01T00:00:00Z")))
    assert sorted({t.band for t in all_bands}) == [0, 1, 2] and len(all_bands) == 3
    picked = list(raster_stream(rgb, RasterQueryRectangle(box, "2014-01-01T00:00:00Z", [2, 0])))
    assert [t.band for t in picked] == [2, 0]  # bands in selection order within a tile
    merged = merge_time_series(picked)[0]
    assert merged.bands == [0, 2]
    with pytest.raises(InputError, match="band 3 is out of range"):
        next(raster_stream(rgb, RasterQueryRectangle(box, "2014-01-01T00:00:00Z", [3])))


def test_query_in_another_crs_is_refused_before_any_request(base_url) -> None:
    ndvi = workflow(base_url, NDVI)
    with pytest.raises(InputError, match="workflow's CRS EPSG:4326"):
        next(raster_stream(ndvi, QueryRectangle((0, 0, 1000, 1000), SPRING, srs="EPSG:3857")))


def test_vector_workflow_is_refused(base_url) -> None:
    ports = workflow(base_url, PORTS)
    with pytest.raises(InputError, match="raster"):
        next(raster_stream(ports, QueryRectangle((0, 0, 1, 1), SPRING)))


def test_pre_upgrade_400_and_401_keep_status_and_server_error(base_url) -> None:
    ndvi = workflow(base_url, NDVI)
    ports = workflow(base_url, PORTS)
    ws = base_url.replace("http://", "ws://")
    headers = ndvi.session.headers()
    bad_kind = f"{ws}/workflow/{ports.workflow_id}/rasterStream?resultType=arrow&spatialBounds=0,0,1,1" \
               "&timeInterval=2014-01-01T00%3A00%3A00Z&attributes=0"
    with pytest.raises(BadRequestError) as info:
        list(ArrowMessageStream(bad_kind, headers))
    assert info.value.status == 400 and "raster stream for a raster workflow" in info.value.message
    missing = f"{ws}/workflow/{ndvi.workflow_id}/rasterStream?resultType=arrow&spatialBounds=0,0,1,1"
    with pytest.raises(BadRequestError) as info:
        list(ArrowMessageStream(missing, headers))
    assert info.value.error == "UnableToParseQueryString"
    with pytest.raises(UnauthorizedError) as info:
        list(ArrowMessageStream(missing, {"Authorization": f"Bearer {uuid.uuid4()}"}))
    assert info.value.status == 401 and info.value.is_session_invalid


def test_logged_out_token_session_raises_session_expired(base_url) -> None:
    owner = session(base_url)
    token = owner.auth_header["Authorization"].split()[1]
    by_token = Session(base_url, token=token, use_env=False)
    ndvi = workflow(base_url, NDVI)
    ndvi.session = by_token
    owner.logout()
    with pytest.raises(SessionExpiredError):
        next(raster_stream(ndvi, QueryRectangle((0, 0, 1, 1), SPRING)))


def test_stream_failure_is_a_1011_with_the_server_reason(base_url, faults) -> None:
    ndvi = workflow(base_url, NDVI)
    faults.stream_fail_after = 3
    received = []
    with pytest.raises(StreamClosedError) as info:
        for tile in raster_stream(ndvi, QueryRectangle((-180.0, -90.0, 180.0, 90.0), SPRING)):
            received.append(tile)
    assert len(received) == 3
    assert info.value.code == 1011 and "after 3 messages" in info.value.reason


def test_malformed_arrow_is_a_clear_error(base_url, faults) -> None:
    ndvi = workflow(base_url, NDVI)
    faults.malformed_arrow = True
    with pytest.raises(MalformedResponseError, match="not an Arrow IPC file"):
        next(raster_stream(ndvi, QueryRectangle((0, 0, 1, 1), SPRING)))


@pytest.mark.timeout(60)
def test_cancel_while_the_server_is_slow_stops_waiting(base_url, faults) -> None:
    """The server would wait 600 s before its tile: only a cancel that interrupts the wait ends the test
    (a hang fails on the 60 s test timeout, not on a speed threshold)."""
    ndvi = workflow(base_url, NDVI)
    faults.slow_tile_s = 600.0
    flag = threading.Event()
    threading.Timer(0.5, flag.set).start()
    with pytest.raises(StreamCancelledError):
        list(raster_stream(ndvi, QueryRectangle((0, 0, 1, 1), SPRING), cancelled=flag.is_set))


def test_a_slow_server_and_a_slow_consumer_see_all_8_tiles(base_url, faults) -> None:
    """(That NEXT overlaps the consumer's work is measured by make bench, case 1b, not timed here.)"""
    ndvi = workflow(base_url, NDVI)
    faults.slow_tile_s = 0.25
    query = QueryRectangle((-60.0, 0.0, 60.0, 60.0), ("2014-04-01T00:00:00Z", "2014-05-01T00:00:00Z"))
    assert plan_raster_stream(ndvi.get_result_descriptor(), query).expected_messages == 8
    count = 0
    for _ in raster_stream(ndvi, query):
        count += 1
        time.sleep(0.25)
    assert count == 8


def test_synthetic_window_matches_the_closed_form(base_url) -> None:
    synthetic = workflow(base_url, SYNTHETIC)
    query = QueryRectangle((10.0, 10.0, 11.0, 11.5), ("2014-01-01T00:00:00Z", "2014-01-01T00:00:00Z"))
    merged = raster_stream_into_arrays(synthetic, query)
    assert len(merged) == 1
    raster = merged[0]
    gt = raster.geo_transform
    col0 = round((gt.x_min + 180.0) / 0.0018)
    row0 = round((90.0 - gt.y_max) / 0.0018)
    _, height, width = raster.data.shape
    rows, cols = np.mgrid[row0:row0 + height, col0:col0 + width]
    np.testing.assert_array_equal(raster.data[0].data, (cols * 7 + rows * 13) % 65521)
    assert not np.ma.is_masked(raster.data)


def test_xarray_is_optional(base_url) -> None:
    ndvi = workflow(base_url, NDVI)
    try:
        import xarray  # noqa: F401
    except ImportError:
        with pytest.raises(MissingDependencyError, match="pip install xarray"):
            raster_stream_into_xarray(ndvi, QueryRectangle((0, 0, 1, 1), SPRING))
    else:
        array = raster_stream_into_xarray(ndvi, QueryRectangle((0, 0, 1, 1), SPRING))
        assert array.dims == ("time", "band", "y", "x") and array.shape == (2, 1, 512, 512)


def test_an_expired_anonymous_session_is_renewed_once_for_the_upgrade(base_url) -> None:
    import requests

    ndvi = workflow(base_url, NDVI)
    stale = dict(ndvi.session.auth_header)
    assert requests.post(f"{base_url}/logout", headers=stale, timeout=10).status_code == 200  # behind its back
    tiles = list(raster_stream(ndvi, QueryRectangle((0.0, 0.0, 1.0, 1.0), SPRING)))
    assert len(tiles) == 2 and ndvi.session.auth_header != stale


def test_tile_properties_follow_the_official_client(base_url) -> None:
    ndvi = workflow(base_url, NDVI)
    tile = next(raster_stream(ndvi, QueryRectangle((1.0, 1.0, 2.0, 2.0), SPRING)))
    assert tile.pixel_size == (0.1, -0.1)
    assert tile.spatial_resolution().as_tuple() == (0.1, 0.1)
    part = tile.spatial_partition()
    assert (part.xmin, part.ymax) == (0.0, pytest.approx(51.2)) and part.xmax == pytest.approx(51.2)
    assert tile.time.start_ms == 1393632000000 and tile.time.end_ms == 1396310400000
    assert tile.coords_x(pixel_center=True)[0] == pytest.approx(0.05)
    assert tile.to_numpy_data_array(0).dtype == np.uint8


@pytest.mark.parametrize("fresh_server", [{"version": "0.10.0"}], indirect=True)
def test_a_0_10_server_is_streamed_from_processing_graphs(fresh_server) -> None:
    ndvi = workflow(fresh_server.base_url, NDVI)
    tiles = list(raster_stream(ndvi, QueryRectangle((0.0, 0.0, 1.0, 1.0), SPRING)))
    assert len(tiles) == 2
    log = [line for line in fresh_server.api["request_log"] if "rasterStream" in line]
    assert log and all(line.startswith(f"GET /processingGraphs/{ndvi.workflow_id}/rasterStream") for line in log)
