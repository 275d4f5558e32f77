"""Loading without pyarrow and websockets: rasters through WCS (mosaicked over the tile limit), vectors through
WFS GeoJSON, compared with the streamed layers of the same requests (pixel arrays, features, time slices)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import plugin_support
import pytest
from layer_support import LAYER_DB, POINTS_WITH_TIME, PORTS, RASTER_STACK_LAYER
from osgeo import gdal
from plugin_support import NDVI, request, run_load
from plugin_support import register_in as register
from test_processing_algorithms import processing  # noqa: F401 - fixture
from test_temporal import canvas, temporal  # noqa: F401 - fixtures

pytestmark = pytest.mark.qgis


def options(transport, **kwargs):
    from geoengine_qgis.qgis_glue.layers import LayerOptions

    return LayerOptions(transport=transport, **kwargs)


def raster_arrays(layer):
    """Every band of a GeoTIFF layer (no-data as NaN) and its geotransform and time metadata, read by GDAL."""
    dataset = gdal.Open(layer.source())
    bands = []
    for index in range(dataset.RasterCount):
        band = dataset.GetRasterBand(index + 1)
        values = band.ReadAsArray().astype(np.float64)
        no_data = band.GetNoDataValue()
        if no_data is not None:
            values[values == no_data] = np.nan
        bands.append(values)
    return np.stack(bands), dataset.GetGeoTransform(), dataset.GetMetadata()


def features(layer):
    """Attributes and geometry WKT of every feature, sorted (order is not part of the contract)."""
    names = layer.fields().names()
    rows = []
    for feature in layer.getFeatures():
        values = tuple(str(v) if v is not None and str(v) != "NULL" else None for v in feature.attributes())
        rows.append((values, feature.geometry().asWkt(6)))
    return names, sorted(rows, key=repr)


def load_both(loader, session, layer_request_kwargs, workflow_id):
    out = {}
    for transport in ("stream", "ogc"):
        outcome, _ = run_load(loader, session, request(workflow_id, options=options(transport),
                                                       **layer_request_kwargs))
        assert outcome.ok, outcome.error
        out[transport] = outcome.layers
    return out["stream"], out["ogc"]


def test_ndvi_slices_through_wcs_equal_the_streamed_slices(loader, session, server, project):
    workflow_id = register(session, NDVI)
    asked_before = len(server.api["request_log"])
    streamed, fetched = load_both(loader, session, {"start": "2014-04-01T00:00:00.000Z",
                                                    "end": "2014-06-01T00:00:00.000Z", "name": "NDVI"}, workflow_id)
    asked = server.call(lambda: list(server.api["request_log"]))[asked_before:]
    assert len(streamed) == len(fetched) == 2
    wcs = [line for line in asked if line.startswith(f"GET /wcs/{workflow_id}")]
    assert len(wcs) > 2  # two slices, each split over the tile limit of 4 (6 tiles of 512 px over Africa)
    for a, b in zip(streamed, fetched):
        assert a.customProperty("geoengine/transport") == "stream"
        assert b.customProperty("geoengine/transport") == "ogc"
        assert a.name() == b.name()
        assert a.temporalProperties().fixedTemporalRange() == b.temporalProperties().fixedTemporalRange()
        assert a.renderer().type() == b.renderer().type()
        values_a, gt_a, meta_a = raster_arrays(a)
        values_b, gt_b, meta_b = raster_arrays(b)
        assert gt_a == pytest.approx(gt_b)
        assert meta_a["time_start"] == meta_b["time_start"] and meta_a["time_end"] == meta_b["time_end"]
        assert values_a.shape == values_b.shape
        np.testing.assert_array_equal(values_a, values_b)
        assert np.isfinite(values_b).sum() > 100_000  # real data, not two empty files
    history = fetched[0].metadata().history()
    assert any("through WCS GeoTIFF" in item for item in history)


def test_multiband_raster_through_band_filters_equals_the_stream(loader, session, project):
    from geoengine_qgis.core.datasets import get_layer

    stack = get_layer(LAYER_DB, RASTER_STACK_LAYER, session=session).workflow  # bands: ndvi, ndvi_masked
    workflow_id = register(session, stack)
    streamed, fetched = load_both(loader, session, {"bounds": (10, 40, 20, 50), "bands": (1, 0), "name": "stack"},
                                  workflow_id)
    values_a, _, _ = raster_arrays(streamed[0])
    values_b, _, _ = raster_arrays(fetched[0])
    assert values_b.shape[0] == 2
    np.testing.assert_array_equal(values_a, values_b)
    assert not np.array_equal(values_b[0], values_b[1], equal_nan=True)  # band order kept: masked first
    assert gdal.Open(fetched[0].source()).GetRasterBand(1).GetDescription() == "ndvi_masked"


@pytest.mark.parametrize("workflow, bounds, start, end, at_least", [
    (PORTS, (-30, 20, 40, 70), "2014-04-01T00:00:00.000Z", None, 100),
    (POINTS_WITH_TIME, (-180, -90, 180, 90), "2000-01-01T00:00:00.000Z", "2030-01-01T00:00:00.000Z", 3),
], ids=["ports", "points_with_time"])
def test_vectors_through_wfs_equal_the_streamed_features(loader, session, project, workflow, bounds, start, end,
                                                         at_least):
    workflow_id = register(session, workflow)
    streamed, fetched = load_both(loader, session, {"bounds": bounds, "start": start, "end": end, "name": "v"},
                                  workflow_id)
    a, b = streamed[0], fetched[0]
    assert b.customProperty("geoengine/transport") == "ogc" and a.customProperty("geoengine/transport") == "stream"
    assert a.featureCount() == b.featureCount() >= at_least
    assert a.wkbType() == b.wkbType()
    assert features(a) == features(b)
    assert a.temporalProperties().isActive() == b.temporalProperties().isActive()
    assert a.renderer().type() == b.renderer().type()


class CancelAfterFirstPart:
    """A task context (duck-typed) whose user cancels as soon as the first WCS part reported progress."""

    def __init__(self):
        self.progress = []

    def set_progress(self, percent):
        self.progress.append(percent)

    def is_canceled(self):
        return any(p > 5 for p in self.progress)

    def check_canceled(self):
        from geoengine_qgis.qgis_glue.tasks import TaskCancelled

        if self.is_canceled():
            raise TaskCancelled()


def test_cancel_between_wcs_parts_stops_and_removes_the_job_folder(session, server, tempdir):
    from geoengine_qgis.qgis_glue.layers import fetch
    from geoengine_qgis.qgis_glue.tasks import TaskCancelled

    workflow_id = register(session, NDVI)
    asked_before = len(server.api["request_log"])
    context = CancelAfterFirstPart()
    with pytest.raises(TaskCancelled):
        fetch(session, request(workflow_id, options=options("ogc")), tempdir, context)
    asked = server.call(lambda: list(server.api["request_log"]))[asked_before:]
    assert len([line for line in asked if line.startswith("GET /wcs/")]) == 1  # 6 parts planned, 1 asked
    assert 5 < max(context.progress) < 95
    assert list(tempdir.root.rglob("*.tif")) == []


def test_auto_transport_streams_when_it_can_and_falls_back_when_a_package_is_blocked(monkeypatch):
    import sys

    from geoengine_qgis.qgis_glue.ogc_fallback import choose_transport, transport_note

    assert choose_transport() == "stream"
    monkeypatch.setitem(sys.modules, "websockets", None)
    assert choose_transport() == "ogc"
    assert choose_transport("stream") == "stream"
    assert transport_note("ogc", "vector") == "through WFS GeoJSON (websockets not installed)"


CHILD = Path(__file__).with_name("no_stream_child.py")


def run_child(tmp_path, base_url, requests, timeout=60):
    import geoengine_qgis

    out = tmp_path / "child-out"
    out.mkdir()
    config = {"package_parent": str(Path(geoengine_qgis.__file__).parent.parent), "base_url": base_url,
              "requests": requests, "output": str(out), "timeout": timeout}
    config_path = tmp_path / "no-stream-child.json"
    config_path.write_text(json.dumps(config), encoding="utf-8")
    env = plugin_support.env_without_proxy()
    env.update(QT_QPA_PLATFORM="offscreen", QGIS_CUSTOM_CONFIG_PATH=str(tmp_path / "child-profile"))
    completed = subprocess.run([sys.executable, str(CHILD), str(config_path)], capture_output=True, text=True,
                               timeout=timeout * len(requests) + 60, env=env, cwd=str(tmp_path))
    lines = [line for line in completed.stdout.splitlines() if line.startswith("RESULT ")]
    assert completed.returncode == 0 and lines, (completed.stdout[-3000:], completed.stderr[-3000:])
    return json.loads(lines[-1][len("RESULT "):])


def test_plugin_without_pyarrow_and_websockets_loads_the_same_layers(loader, session, base_url, project, tmp_path):
    """The plugin in a QGIS where pyarrow and websockets cannot be imported picks WCS/WFS by itself; its layers
    hold the same pixels and features as the streamed layers loaded here."""
    from geoengine_qgis.core.datasets import get_layer

    ndvi = register(session, NDVI)
    stack = register(session, get_layer(LAYER_DB, RASTER_STACK_LAYER, session=session).workflow)
    ports = register(session, PORTS)
    cases = [
        {"workflow_id": ndvi, "bounds": [-20, -36, 53, 38], "start": "2014-04-01T00:00:00.000Z",
         "end": "2014-06-01T00:00:00.000Z", "name": "NDVI"},
        {"workflow_id": stack, "bounds": [10, 40, 20, 50], "start": "2014-04-01T00:00:00.000Z", "bands": [1, 0],
         "name": "stack"},
        {"workflow_id": ports, "bounds": [-30, 20, 40, 70], "start": "2014-04-01T00:00:00.000Z", "name": "ports"},
    ]
    child = run_child(tmp_path, base_url, cases)
    assert child["missing"][:2] == ["pyarrow", "websockets"] and child["imported"] == []
    for case, load in zip(cases, child["loads"]):
        assert load["done"] and load["ok"], load
        outcome, _ = run_load(loader, session, request(case["workflow_id"], bounds=tuple(case["bounds"]),
                                                       start=case["start"], end=case.get("end"),
                                                       bands=tuple(case.get("bands", ())), name=case["name"]))
        assert outcome.ok, outcome.error
        assert [layer.name() for layer in outcome.layers] == [layer["name"] for layer in load["layers"]]
        for mine, theirs in zip(outcome.layers, load["layers"]):
            assert mine.customProperty("geoengine/transport") == "stream" and theirs["transport"] == "ogc"
            assert any("WCS GeoTIFF" in h or "WFS GeoJSON" in h for h in theirs["history"])
            assert mine.renderer().type() == theirs["renderer"]
            if "array" in theirs:
                values, geo_transform, metadata = raster_arrays(mine)
                np.testing.assert_array_equal(values, np.load(theirs["array"]))
                assert list(geo_transform) == pytest.approx(theirs["geo_transform"])
                assert metadata["time_start"] == theirs["metadata"]["time_start"]
            else:
                names, rows = features(mine)
                assert names == theirs["fields"] and len(rows) > 100
                assert [[list(values), wkt] for values, wkt in rows] == theirs["features"]
    assert any("through WCS GeoTIFF (pyarrow, websockets not installed)" in text for text in child["bar"])


def test_a_coarser_resolution_through_wcs_equals_the_stream(loader, session, project):
    from geoengine_qgis.qgis_glue.raster_resolution import ResolutionRequest

    workflow_id = register(session, NDVI)
    coarse = ResolutionRequest(mode="custom", pixel_size=(0.3, 0.3))
    streamed, fetched = load_both(loader, session, {"bounds": (0, 0, 40, 30), "resolution": coarse, "name": "NDVI"},
                                  workflow_id)
    values_a, gt_a, _ = raster_arrays(streamed[0])
    values_b, gt_b, _ = raster_arrays(fetched[0])
    assert gt_b[1] == pytest.approx(0.3) and gt_a == pytest.approx(gt_b)
    np.testing.assert_array_equal(values_a, values_b)
    assert np.isfinite(values_b).sum() > 1000


def test_without_websockets_the_temporal_controller_steps_through_wcs(monkeypatch, server, session, loader,
                                                                       temporal, canvas, project):  # noqa: F811
    """A time-following layer loaded and stepped while websockets cannot be imported: April, then May, both
    through WCS (no stream request), each equal to its month's source TIFF."""
    from geoengine_qgis.qgis_glue.temporal import FOLLOW, FOLLOW_KEY
    from plugin_support import wait_until
    from test_temporal import BOUNDS, POINTS, expected_values, layer_values, monthly, tiff_values

    monkeypatch.setitem(sys.modules, "websockets", None)
    workflow_id = register(session, NDVI)
    asked_before = len(server.api["request_log"])
    outcome, _ = run_load(loader, session, request(workflow_id, bounds=BOUNDS, name="NDVI"))
    assert outcome.ok, outcome.error
    layer = outcome.layers[0]
    assert layer.customProperty("geoengine/transport") == "ogc"
    assert wait_until(lambda: layer.customProperty(FOLLOW_KEY) == FOLLOW and not temporal.busy(layer.id()),
                      timeout=20), "the layer was not made time-following"
    _, geotransform = tiff_values("2014-04-01")
    assert layer_values(layer, POINTS, geotransform) == expected_values("2014-04-01", POINTS)
    monthly(canvas.navigation)
    canvas.navigation.setCurrentFrameNumber(4)  # May
    assert wait_until(lambda: not temporal.busy(layer.id()) and
                      layer_values(layer, POINTS, geotransform) == expected_values("2014-05-01", POINTS),
                      timeout=30), "May was not shown through WCS"
    asked = server.call(lambda: list(server.api["request_log"]))[asked_before:]
    assert any(line.startswith("GET /wcs/") for line in asked)
    assert not [line for line in asked if "Stream" in line], asked


def test_processing_algorithms_work_without_pyarrow(monkeypatch, processing, server, tmp_path):  # noqa: F811
    """geoengine:loadworkflowraster/-vector while pyarrow cannot be imported: the NDVI GeoTIFF holds the source
    TIFF's pixels and the ports layer every port of the file in the extent (both through WCS/WFS)."""
    from layer_support import PORTS_SHP
    from plugin_support import AFRICA
    from processing_support import AFRICA_EXTENT, read_tiff
    from test_processing_algorithms import NDVI_JSON, ndvi_tiff, ogr_count, run
    from test_processing_algorithms import register as register_by_processing
    from vector_truth import assert_rows_match

    monkeypatch.setitem(sys.modules, "pyarrow", None)
    url = server.base_url
    asked_before = len(server.api["request_log"])
    output = tmp_path / "ndvi.tif"
    workflow_id = register_by_processing(processing, url, NDVI_JSON)
    run(processing, "loadworkflowraster", {"CONNECTION": url, "WORKFLOW": workflow_id, "EXTENT": AFRICA_EXTENT,
                                           "TIME_START": "2014-04-01T00:00:00Z", "OUTPUT": str(output)})
    array, transform, _, _ = read_tiff(output)
    source, source_transform, _, _ = ndvi_tiff("2014-04-01")
    col0 = int(round((transform[0] - source_transform[0]) / 0.1))
    row0 = int(round((transform[3] - source_transform[3]) / -0.1))
    window = source[row0:row0 + array.shape[0], col0:col0 + array.shape[1]]
    valid = window != 0
    assert valid.sum() > 100_000 and np.array_equal(array[valid], window[valid])

    ports = register_by_processing(processing, url, PORTS)
    gpkg = tmp_path / "ports.gpkg"
    result = run(processing, "loadworkflowvector", {"CONNECTION": url, "WORKFLOW": ports, "EXTENT": AFRICA_EXTENT,
                                                    "TIME_START": "2014-04-01T00:00:00Z", "OUTPUT": str(gpkg)})
    from qgis.core import QgsVectorLayer

    assert result["FEATURE_COUNT"] == ogr_count(PORTS_SHP, AFRICA) > 50
    assert assert_rows_match(QgsVectorLayer(str(gpkg), "saved", "ogr"), PORTS_SHP, AFRICA) == result["FEATURE_COUNT"]
    asked = server.call(lambda: list(server.api["request_log"]))[asked_before:]
    assert any(line.startswith("GET /wcs/") for line in asked) and any(line.startswith("GET /wfs/") for line in asked)
    assert not [line for line in asked if "Stream" in line], asked
