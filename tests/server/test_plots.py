"""``GET /plot/{id}`` over real sockets: histogram and statistics compared with numpy on the NDVI file."""

from __future__ import annotations

import json

import numpy as np
import pytest
import requests
from pyproj import Transformer
from server.control_helpers import user_id
from server.dataplane_helpers import (
    NDVI,
    NDVI_APRIL,
    PORTS,
    TIMEOUT,
    anonymous,
    pixel_of,
    raster,
    register,
    session_ctx,
)

SOURCE = NDVI["operator"]
HISTOGRAM = {"type": "Plot", "operator": {"type": "Histogram", "params": {
    "bounds": {"min": 0.0, "max": 255.0}, "buckets": {"type": "number", "value": 16}}, "sources": {"source": SOURCE}}}
STATISTICS = {"type": "Plot", "operator": {"type": "Statistics", "params": {}, "sources": {"source": [SOURCE]}}}


@pytest.fixture(scope="module")
def ctx(shared_server):
    return session_ctx(shared_server, histogram=HISTOGRAM, statistics=STATISTICS)


def plot(ctx, workflow_id, **params):
    query = {"bbox": "0,40,20,50", "crs": "EPSG:4326", "time": "2014-04-01T12:00:00.000+00:00",
             "spatialResolution": "0.1,0.1"}
    query.update(params)
    return requests.get(f"{ctx['base']}/plot/{workflow_id}", params=query, headers=ctx["headers"], timeout=TIMEOUT)


def europe_values() -> np.ndarray:
    """Plots of lat 40..50, lon 0..20 read the whole 512 px tile holding it, as Geo Engine 0.9.3 (audit W2):
    NDVI's tile anchor is (0, 0), so that is lon 0..51.2, lat 0..51.2."""
    row, col = pixel_of(0.05, 51.15)
    window = raster(NDVI_APRIL)[row : row + 512, col : col + 512]
    return window[window != 0].astype(float)


def test_histogram_counts_sum_to_the_valid_pixels(ctx):
    r = plot(ctx, ctx["histogram"])
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["outputFormat"], body["plotType"]) == ("JsonVega", "Histogram")
    spec = json.loads(body["data"]["vegaString"])
    assert set(body["data"]) == {"vegaString", "metadata"}  # 0.9.3's PlotData: no parsed copy
    assert "x-computation-id" not in r.headers  # 0.9.3 sends none
    bins = spec["data"]["values"]
    assert len(bins) == 16
    values = europe_values()
    assert sum(b["Frequency"] for b in bins) == len(values)
    expected, _ = np.histogram(values, bins=16, range=(0, 255))
    assert [b["Frequency"] for b in bins] == expected.tolist()


def test_statistics_match_numpy(ctx):
    body = plot(ctx, ctx["statistics"]).json()
    assert (body["outputFormat"], body["plotType"]) == ("JsonPlain", "Statistics")
    stats = body["data"]["Raster-1"]
    values = europe_values()
    assert stats["validCount"] == len(values) and stats["valueCount"] == 512 * 512
    assert stats["min"] == values.min() and stats["max"] == values.max()
    assert stats["mean"] == pytest.approx(values.mean()) and stats["stddev"] == pytest.approx(values.std())


def test_bbox_is_x_y_and_reprojected_from_the_request_crs(ctx):
    swapped = plot(ctx, ctx["statistics"], bbox="60,0,70,20").json()["data"]["Raster-1"]  # not lat 60..70
    # lon 60..70 is tile column 1 (lon 51.2..102.4); lat 20 is tile row -1 and lat 0 exactly is pixel row 0, the
    # first of tile row 0: a plot's box includes its lower-right corner (no 1e-6 shift, unlike streams)
    row, col = pixel_of(51.25, 51.15)
    tiles = raster(NDVI_APRIL)[row : row + 1024, col : col + 512]  # lat 51.2..-51.2
    assert swapped["validCount"] == int((tiles != 0).sum()) != len(europe_values())
    assert swapped["valueCount"] == 2 * 512 * 512
    to_merc = Transformer.from_crs("EPSG:4326", "EPSG:3857", always_xy=True)
    (xmin, xmax), (ymin, ymax) = to_merc.transform([0.0, 20.0], [40.0, 50.0])
    merc = plot(ctx, ctx["statistics"], crs="EPSG:3857", bbox=f"{xmin},{ymin},{xmax},{ymax}").json()
    count = merc["data"]["Raster-1"]["validCount"]
    assert abs(count - len(europe_values())) <= 0.02 * len(europe_values())


def test_errors(ctx):
    r = plot(ctx, ctx["statistics"], crs=None)
    assert (r.status_code, r.json()["error"]) == (400, "MissingSpatialReference")
    r = plot(ctx, ctx["statistics"], time=None)
    assert r.status_code == 400 and r.json()["message"] == "Unable to parse query string: missing field `time`"
    r = plot(ctx, ctx["statistics"], spatialResolution="None")
    assert (r.status_code, r.json()["error"]) == (400, "UnableToParseQueryString")
    r = plot(ctx, ctx["statistics"], crs="EPSG:432")
    assert (r.status_code, r.json()["error"]) == (400, "UnknownSrsString")
    r = plot(ctx, register(ctx["base"], ctx["headers"], PORTS))
    assert r.status_code == 400 and r.json()["error"] == "InvalidOperatorType"
    r = plot(ctx, "00000000-0000-4000-8000-000000000000")
    assert r.json() == {"error": "NoWorkflowForGivenId", "message": "No workflow for given id"}
    r = requests.get(f"{ctx['base']}/plot/{ctx['statistics']}", timeout=TIMEOUT)
    assert r.status_code == 401


def test_a_plot_is_booked_as_one_unit(ctx, shared_server):
    assert plot(ctx, ctx["histogram"]).status_code == 200
    newest = shared_server.api["quota"].computations_of(user_id(ctx["base"], ctx["headers"]), 0, 1)[0]
    assert (newest.workflow_id, newest.count) == (ctx["histogram"], 1)


@pytest.mark.parametrize("fresh_server", [{"quota_mode": "check"}], indirect=True)
def test_exhausted_quota_refuses_before_computing(fresh_server):
    base = fresh_server.base_url
    headers = anonymous(base)
    workflow_id = register(base, headers, STATISTICS)
    fresh_server.api["quota"].set_available(user_id(base, headers), 0)
    r = requests.get(f"{base}/plot/{workflow_id}", params={"bbox": "0,40,20,50", "crs": "EPSG:4326",
                     "time": "2014-04-01T00:00:00Z", "spatialResolution": "0.1,0.1"}, headers=headers, timeout=TIMEOUT)
    assert (r.status_code, r.json()) == (400, {"error": "CreatingProcessorFailed",
                                               "message": "CreatingProcessorFailed: QuotaExhausted"})
    assert fresh_server.api["quota"].computations == []


@pytest.mark.parametrize("fresh_server", [{"version": "0.10.0"}], indirect=True)
def test_plot_without_resolution_is_accepted_by_a_0_10_server(fresh_server):
    """The official 0.10 client sends no spatialResolution; a 0.10 server answers anyway."""
    base = fresh_server.base_url
    token = requests.post(f"{base}/anonymous", timeout=10).json()["id"]
    auth = {"Authorization": f"Bearer {token}"}
    ndvi = {"type": "GdalSource", "params": {"data": "ndvi"}}
    workflow = {"type": "Plot", "operator": {"type": "Statistics", "params": {}, "sources": {"source": [ndvi]}}}
    plot_id = requests.post(f"{base}/processingGraphs", json=workflow, headers=auth, timeout=30).json()["id"]
    params = {"bbox": "0,0,10,10", "crs": "EPSG:4326", "time": "2014-04-01T00:00:00.000Z"}
    r = requests.get(f"{base}/plot/{plot_id}", params=params, headers=auth, timeout=60)
    assert r.status_code == 200, r.text
    assert r.json()["plotType"] == "Statistics"
