"""Every geoengine:* algorithm through ``processing.run`` in a headless QGIS against the test server: outputs vs.
the source data and vs. the "Add workflow layer" loader, cancellation, and errors carrying the server's message."""

from __future__ import annotations

import json
import threading
import uuid
from pathlib import Path

import numpy as np
import pytest
from layer_support import NDVI_TIFF, PORTS, PORTS_SHP
from osgeo import gdal, ogr
from plugin_support import AFRICA, request, run_load
from processing_support import (
    AFRICA_EXTENT,
    HISTOGRAM,
    NDVI_ID,
    STATISTICS,
    assert_equals_the_ndvi_file,
    pixel,
    read_tiff,
    save_anonymous_connection,
    save_password_connection,
    start_processing,
)
from saved_dataset_truth import assert_saved_like_the_source
from vector_truth import assert_rows_match

pytestmark = pytest.mark.qgis

NDVI_JSON = json.dumps({"type": "Raster", "operator": {"type": "GdalSource", "params": {"data": "ndvi"}}})
APRIL = "2014-04-01T00:00:00Z"


@pytest.fixture(scope="module")
def processing(qgis_app):
    """``processing`` with the provider registered the way QGIS does it (the plugin's initProcessing)."""
    from geoengine_qgis import classFactory

    module = start_processing()
    plugin = classFactory(None)
    plugin.initProcessing()
    yield module
    plugin.unload()


@pytest.fixture
def url(server):
    return server.base_url


@pytest.fixture(autouse=True)
def forget_test_connections(qgis_app):
    """Connections (and their Auth Manager configs) saved by a test do not outlive it."""
    yield
    from geoengine_qgis.qgis_glue.connections import ConnectionStore
    from qgis.core import QgsApplication

    store = ConnectionStore()
    for name in store.names():
        if name.startswith("processing "):
            authcfg = store.load(name).authcfg
            store.delete(name)
            if authcfg:
                QgsApplication.authManager().removeAuthenticationConfig(authcfg)


def run(processing, algorithm, parameters, feedback=None):
    from qgis.core import QgsProcessingContext, QgsProcessingFeedback

    context = QgsProcessingContext()
    return processing.run(f"geoengine:{algorithm}", parameters, feedback=feedback or QgsProcessingFeedback(),
                          context=context)


def register(processing, url, workflow) -> str:
    text = workflow if isinstance(workflow, str) else json.dumps(workflow)
    return run(processing, "registerworkflow", {"CONNECTION": url, "WORKFLOW_JSON": text})["WORKFLOW_ID"]


def ndvi_tiff(month: str):
    from geoengine_server.config import default_data_dir

    return read_tiff(default_data_dir() / f"raster/modis_ndvi/MOD13A2_M_NDVI_{month}.TIFF")


def output_layer(value, context):
    """processing.run hands back memory outputs as layers (3.22) or as ids."""
    from qgis.core import QgsMapLayer, QgsProcessingUtils

    return value if isinstance(value, QgsMapLayer) else QgsProcessingUtils.mapLayerFromString(value, context)


def ogr_count(path, bounds=None):
    source = ogr.Open(str(path))
    layer = source.GetLayer(0)
    if bounds is not None:
        layer.SetSpatialFilterRect(*bounds)
    return layer.GetFeatureCount()


# ------------------------------------------------------------------------------------------- register


def test_register_from_json_text_and_file(processing, url, tmp_path):
    result = run(processing, "registerworkflow", {"CONNECTION": url, "WORKFLOW_JSON": NDVI_JSON})
    assert result == {"WORKFLOW_ID": NDVI_ID, "KIND": "raster"}
    path = tmp_path / "ports.json"
    path.write_text(json.dumps(PORTS), encoding="utf-8")
    result = run(processing, "registerworkflow", {"CONNECTION": url, "WORKFLOW_FILE": str(path)})
    assert result["KIND"] == "vector" and uuid.UUID(result["WORKFLOW_ID"])


def test_register_rejects_bad_json_with_a_clear_message(processing, url):
    from qgis.core import QgsProcessingException

    with pytest.raises(QgsProcessingException, match="not valid JSON: Expecting"):
        run(processing, "registerworkflow", {"CONNECTION": url, "WORKFLOW_JSON": '{"type": "Raster",'})
    with pytest.raises(QgsProcessingException, match="JSON text or as a .json file"):
        run(processing, "registerworkflow", {"CONNECTION": url})
    unknown = json.dumps({"type": "Raster", "operator": {"type": "NoSuchOperator", "params": {}}})
    with pytest.raises(QgsProcessingException, match="NoSuchOperator"):
        run(processing, "registerworkflow", {"CONNECTION": url, "WORKFLOW_JSON": unknown})


# --------------------------------------------------------------------------------------------- raster


def test_raster_geotiff_equals_the_source_tiff_and_the_dialog_loader(processing, url, tmp_path, qgis_app):
    from geoengine_qgis.core.session import Session
    from geoengine_qgis.qgis_glue.layers import WorkflowLayerLoader
    from geoengine_qgis.qgis_glue.messages import Notifier
    from geoengine_qgis.qgis_glue.tasks import TaskRunner
    from geoengine_qgis.qgis_glue.tempfiles import PluginTempDir
    from qgis.core import QgsProject
    from qgis.gui import QgsMessageBar

    workflow_id = register(processing, url, NDVI_JSON)
    output = tmp_path / "ndvi.tif"
    result = run(processing, "loadworkflowraster", {"CONNECTION": url, "WORKFLOW": workflow_id,
                                                    "EXTENT": AFRICA_EXTENT, "TIME_START": APRIL,
                                                    "OUTPUT": str(output)})
    assert result["OUTPUT"] == str(output) and output.is_file()
    assert result["SLICE_COUNT"] == 1 and result["SLICE_START"].startswith("2014-04-01")
    assert result["SLICE_END"].startswith("2014-05-01")
    array, transform, no_data, bands = read_tiff(output)
    assert bands == 1 and transform[1] == pytest.approx(0.1)

    # every pixel of the output that lies on the source grid equals the source file (0 = the file's no-data)
    source, source_transform, _, _ = ndvi_tiff("2014-04-01")
    col0 = int(round((transform[0] - source_transform[0]) / 0.1))
    row0 = int(round((transform[3] - source_transform[3]) / -0.1))
    window = source[row0:row0 + array.shape[0], col0:col0 + array.shape[1]]
    assert window.shape == array.shape
    valid = window != 0
    assert valid.sum() > 100_000
    assert np.array_equal(array[valid], window[valid])
    assert np.all(array[~valid] == no_data)
    for x, y in ((18.42, -33.92), (31.24, 30.04), (36.82, -1.29)):  # Cape Town, Cairo, Nairobi
        assert pixel(array, transform, x, y) == pixel(source, source_transform, x, y)

    # the dialog's loader, same query: the same file content
    project = QgsProject.instance()
    project.clear()
    bar = QgsMessageBar()
    runner = TaskRunner(Notifier(bar))
    (tmp_path / "dialog").mkdir()
    tempdir = PluginTempDir(str(tmp_path / "dialog"))
    session = Session(url, use_env=False)
    try:
        loader = WorkflowLayerLoader(runner, tempdir, Notifier(bar), project)
        outcome, _ = run_load(loader, session, request(workflow_id, bounds=AFRICA, start=APRIL))
        assert outcome.ok, outcome.error
        dialog_array, dialog_transform, dialog_no_data, _ = read_tiff(outcome.layers[0].source())
        assert dialog_transform == transform and dialog_no_data == no_data
        assert np.array_equal(dialog_array, array)
    finally:
        project.clear()
        runner.cancel_all()
        tempdir.cleanup()
        session.close()
        bar.deleteLater()


def test_raster_extent_in_another_crs_is_reprojected(processing, url, tmp_path):
    from qgis.core import QgsCoordinateReferenceSystem, QgsCoordinateTransform, QgsProject, QgsRectangle

    workflow_id = register(processing, url, NDVI_JSON)
    to_mercator = QgsCoordinateTransform(QgsCoordinateReferenceSystem("EPSG:4326"),
                                         QgsCoordinateReferenceSystem("EPSG:3857"), QgsProject.instance())
    box = to_mercator.transformBoundingBox(QgsRectangle(5, 45, 15, 55))
    extent = f"{box.xMinimum()},{box.xMaximum()},{box.yMinimum()},{box.yMaximum()} [EPSG:3857]"
    output = tmp_path / "europe.tif"
    run(processing, "loadworkflowraster", {"CONNECTION": url, "WORKFLOW": workflow_id, "EXTENT": extent,
                                           "TIME_START": APRIL, "OUTPUT": str(output)})
    array, transform, _, _ = read_tiff(output)
    xmin, ymax = transform[0], transform[3]
    xmax, ymin = xmin + array.shape[1] * transform[1], ymax + array.shape[0] * transform[5]
    assert xmin <= 5 + 1e-6 and ymin <= 45 + 1e-6 and xmax >= 15 - 1e-6 and ymax >= 55 - 1e-6  # in degrees
    assert xmax - xmin < 90  # not the world: the reprojected box, snapped to the tiling grid
    source, source_transform, _, _ = ndvi_tiff("2014-04-01")
    for x, y in ((10.05, 50.05), (7.35, 47.15), (13.45, 52.55)):  # pixel centres
        assert pixel(array, transform, x, y) == pixel(source, source_transform, x, y)


def test_raster_default_time_is_the_first_time_step(processing, url, tmp_path):
    # the NDVI dataset definition (tests/data/.../dataset_defs/ndvi.json): bounds from 2014-01-01, monthly steps
    workflow_id = register(processing, url, NDVI_JSON)
    result = run(processing, "loadworkflowraster", {"CONNECTION": url, "WORKFLOW": workflow_id,
                                                    "EXTENT": "10,20,40,50 [EPSG:4326]",
                                                    "OUTPUT": str(tmp_path / "first.tif")})
    assert result["SLICE_COUNT"] == 1
    assert (result["SLICE_START"], result["SLICE_END"]) == ("2014-01-01T00:00:00.000Z", "2014-02-01T00:00:00.000Z")
    array, transform, _, _ = read_tiff(tmp_path / "first.tif")
    source, source_transform, _, _ = ndvi_tiff("2014-01-01")
    assert pixel(array, transform, 15.05, 45.05) == pixel(source, source_transform, 15.05, 45.05)


def test_raster_time_range_slice_choice_and_all_slices_folder(processing, url, tmp_path):
    from qgis.core import QgsProcessingException

    workflow_id = register(processing, url, NDVI_JSON)
    params = {"CONNECTION": url, "WORKFLOW": workflow_id, "EXTENT": "10,20,40,50 [EPSG:4326]",
              "TIME_START": APRIL, "TIME_END": "2014-06-01T00:00:00Z", "BANDS": "ndvi", "TIME_SLICE": 1,
              "OUTPUT": str(tmp_path / "may.tif"), "SLICES_FOLDER": str(tmp_path / "slices")}
    result = run(processing, "loadworkflowraster", params)
    assert result["SLICE_COUNT"] == 2 and result["SLICE_START"].startswith("2014-05-01")
    files = sorted((tmp_path / "slices").glob("*.tif"))
    assert len(files) == 2 and result["SLICES_FOLDER"] == str(tmp_path / "slices")
    may, transform, _, _ = read_tiff(tmp_path / "may.tif")
    assert np.array_equal(read_tiff(files[1])[0], may)
    source, source_transform, _, _ = ndvi_tiff("2014-05-01")
    assert pixel(may, transform, 15.05, 45.05) == pixel(source, source_transform, 15.05, 45.05)
    params.update(TIME_SLICE=5, OUTPUT=str(tmp_path / "none.tif"), SLICES_FOLDER=None)
    with pytest.raises(QgsProcessingException, match=r"Time slice 5 was asked for, but the query returned 2"):
        run(processing, "loadworkflowraster", params)
    assert not (tmp_path / "none.tif").exists()


def test_raster_to_another_format_through_gdal(processing, url, tmp_path):
    workflow_id = register(processing, url, NDVI_JSON)
    run(processing, "loadworkflowraster", {"CONNECTION": url, "WORKFLOW": workflow_id,
                                           "EXTENT": "10,20,40,50 [EPSG:4326]", "TIME_START": APRIL,
                                           "OUTPUT": str(tmp_path / "a.tif")})
    run(processing, "loadworkflowraster", {"CONNECTION": url, "WORKFLOW": workflow_id,
                                           "EXTENT": "10,20,40,50 [EPSG:4326]", "TIME_START": APRIL,
                                           "OUTPUT": str(tmp_path / "a.img")})
    assert np.array_equal(read_tiff(tmp_path / "a.img")[0], read_tiff(tmp_path / "a.tif")[0])
    assert assert_equals_the_ndvi_file(tmp_path / "a.img") > 10_000  # the .img holds the file's pixels too


# --------------------------------------------------------------------------------------------- vector


def test_vector_ports_to_memory_and_geopackage(processing, url, tmp_path):
    from qgis.core import QgsProcessingContext, QgsProcessingFeedback, QgsVectorLayer, QgsWkbTypes

    workflow_id = register(processing, url, PORTS)
    expected = ogr_count(PORTS_SHP, AFRICA)
    assert expected > 50
    context = QgsProcessingContext()
    result = processing.run("geoengine:loadworkflowvector",
                            {"CONNECTION": url, "WORKFLOW": workflow_id, "EXTENT": AFRICA_EXTENT,
                             "TIME_START": APRIL, "OUTPUT": "TEMPORARY_OUTPUT"},
                            feedback=QgsProcessingFeedback(), context=context)
    layer = output_layer(result["OUTPUT"], context)
    assert layer is not None and layer.featureCount() == expected == result["FEATURE_COUNT"]
    assert layer.wkbType() == QgsWkbTypes.MultiPoint and layer.crs().authid() == "EPSG:4326"
    assert {f.name() for f in layer.fields()} == {"website", "name", "natlscale", "scalerank", "featurecla"}
    names = {f["name"] for f in layer.getFeatures()}
    dataset = ogr.Open(str(PORTS_SHP))  # keep the dataset alive while its layer is read
    source = dataset.GetLayer(0)
    source.SetSpatialFilterRect(*AFRICA)
    assert names == {f.GetField("name") for f in source}
    dataset = None
    assert assert_rows_match(layer, PORTS_SHP, AFRICA) == expected  # every attribute and point, as in the file

    gpkg = tmp_path / "ports.gpkg"
    result = run(processing, "loadworkflowvector", {"CONNECTION": url, "WORKFLOW": workflow_id,
                                                    "EXTENT": AFRICA_EXTENT, "TIME_START": APRIL,
                                                    "OUTPUT": str(gpkg)})
    assert result["FEATURE_COUNT"] == expected
    assert ogr_count(gpkg) == expected
    saved = QgsVectorLayer(str(gpkg), "saved", "ogr")
    assert assert_rows_match(saved, PORTS_SHP, AFRICA) == expected


NE_BGR = {"type": "Raster", "operator": {
    "type": "RasterStacker", "params": {"renameBands": {"type": "rename", "values": ["blue", "green", "red"]}},
    "sources": {"rasters": [{"type": "GdalSource", "params": {"data": f"ne2_raster_{c}"}}
                            for c in ("blue", "green", "red")]}}}


def test_bands_by_name_on_a_multi_band_workflow(processing, url, tmp_path):
    """Bands named 'red,blue' of a blue/green/red stack are its bands 2 and 0: the file's bands 1 and 3 (RGB)."""
    from qgis.core import QgsProcessingException

    workflow_id = register(processing, url, NE_BGR)
    output = tmp_path / "red_blue.tif"
    run(processing, "loadworkflowraster", {"CONNECTION": url, "WORKFLOW": workflow_id,
                                           "EXTENT": "0,20,40,50 [EPSG:4326]", "TIME_START": APRIL,
                                           "BANDS": "red, blue", "OUTPUT": str(output)})
    written = gdal.Open(str(output))
    assert written.RasterCount == 2
    x0, dx, _, y0, _, dy = written.GetGeoTransform()
    truth = gdal.Open(str(PORTS_SHP.parents[3] / "raster/natural_earth_2/NE2_150M_SR_W.tif"))
    tx0, tdx, _, ty0, _, tdy = truth.GetGeoTransform()
    col, row = round((x0 - tx0) / tdx), round((y0 - ty0) / tdy)
    width, height = written.RasterXSize, written.RasterYSize
    assert abs(dx - tdx) < 1e-9 and width >= 200 and height >= 100
    for out_band, file_band in ((1, 1), (2, 3)):  # red is the file's band 1, blue its band 3
        expected = truth.GetRasterBand(file_band).ReadAsArray(col, row, width, height)
        np.testing.assert_array_equal(written.GetRasterBand(out_band).ReadAsArray(), expected)
    written = truth = None
    with pytest.raises(QgsProcessingException) as caught:
        run(processing, "loadworkflowraster", {"CONNECTION": url, "WORKFLOW": workflow_id,
                                               "EXTENT": "0,20,40,50 [EPSG:4326]", "TIME_START": APRIL,
                                               "BANDS": "red,alpha", "OUTPUT": str(tmp_path / "x.tif")})
    assert "band 'alpha' is neither" in str(caught.value) and "['blue', 'green', 'red']" in str(caught.value)


# ----------------------------------------------------------------------------------------------- plots


def test_histogram_plot_json_and_png(processing, url, tmp_path):
    from geoengine_qgis.core.session import Session
    from geoengine_qgis.core.types import QueryRectangle
    from geoengine_qgis.core.workflow import Workflow
    from qgis.PyQt.QtGui import QImage

    workflow_id = register(processing, url, HISTOGRAM)
    result = run(processing, "runplotworkflow", {"CONNECTION": url, "WORKFLOW": workflow_id,
                                                 "EXTENT": "0,20,40,60 [EPSG:4326]", "TIME_START": APRIL,
                                                 "OUTPUT_JSON": str(tmp_path / "h.json"),
                                                 "OUTPUT_PNG": str(tmp_path / "h.png")})
    assert (result["PLOT_TYPE"], result["OUTPUT_FORMAT"]) == ("Histogram", "JsonVega")
    written = json.loads((tmp_path / "h.json").read_text(encoding="utf-8"))
    session = Session(url, use_env=False)
    try:
        direct = Workflow(workflow_id, session).plot_json(QueryRectangle((0, 40, 20, 60), (APRIL, APRIL)))
    finally:
        session.close()
    assert written == json.loads(json.dumps(direct))
    values = json.loads(written["data"]["vegaString"])["data"]["values"]
    assert len(values) == 16
    # 16 buckets of 255 / 16 over the April file's valid pixels, read with GDAL, in the whole 512 px tiles the
    # extent (x 0..20, y 40..60) touches: columns 1800..2311, rows 0..899 (see the statistics test)
    source = gdal.Open(NDVI_TIFF.format("2014-04-01"))
    band = source.GetRasterBand(1)
    window = band.ReadAsArray(1800, 0, 512, 900)
    counts, edges = np.histogram(window[window != 0], bins=16, range=(0.0, 255.0))
    assert [(v["binStart"], v["binEnd"]) for v in values] == [(edges[i], edges[i + 1]) for i in range(16)]
    assert [v["Frequency"] for v in values] == counts.tolist()
    assert result["OUTPUT_PNG"] == str(tmp_path / "h.png")
    image = QImage(str(tmp_path / "h.png"))
    assert not image.isNull() and (image.width(), image.height()) == (800, 450)


def test_statistics_plot_has_json_but_no_picture(processing, url, tmp_path):
    from qgis.core import QgsProcessingFeedback

    workflow_id = register(processing, url, STATISTICS)
    warnings = []

    class Recorder(QgsProcessingFeedback):
        def pushWarning(self, text):  # noqa: N802 - QGIS API name
            warnings.append(text)

    result = run(processing, "runplotworkflow", {"CONNECTION": url, "WORKFLOW": workflow_id,
                                                 "EXTENT": "0,20,40,60 [EPSG:4326]", "TIME_START": APRIL,
                                                 "OUTPUT_JSON": str(tmp_path / "s.json"),
                                                 "OUTPUT_PNG": str(tmp_path / "s.png")}, Recorder())
    assert result["OUTPUT_FORMAT"] == "JsonPlain" and result["OUTPUT_PNG"] is None
    assert not (tmp_path / "s.png").exists()
    assert any("No PNG written" in w for w in warnings), warnings
    data = json.loads((tmp_path / "s.json").read_text(encoding="utf-8"))["data"]
    # Statistics reads the whole 512 px tiles the extent (x 0..20, y 40..60) touches, tiles anchored at (0, 0) on
    # the file's 0.1 degree grid: columns 1800..2311 and rows -124..899, of which rows 0..899 lie in the file.
    # Worked out by hand and read with GDAL; 0 is no-data.
    source = gdal.Open(NDVI_TIFF.format("2014-04-01"))
    band = source.GetRasterBand(1)
    values = band.ReadAsArray(1800, 0, 512, 900)
    valid = values[values != 0].astype(float)
    (stats,) = data.values()
    assert stats["valueCount"] == 2 * 512 * 512 and stats["validCount"] == valid.size
    assert (stats["min"], stats["max"]) == (valid.min(), valid.max())
    assert stats["mean"] == pytest.approx(valid.mean(), rel=1e-9)
    assert stats["stddev"] == pytest.approx(valid.std(), rel=1e-9)


# ---------------------------------------------------------------------------------- save as dataset


def test_save_as_dataset_waits_with_progress_and_the_dataset_is_listed(processing, server, qgis_app):
    from geoengine_qgis.core.session import Session
    from qgis.core import QgsProcessingFeedback

    url = server.base_url
    save_password_connection("processing admin", url, "admin@localhost", "adminadmin")
    workflow_id = register(processing, url, NDVI_JSON)
    name = f"processing_ndvi_{uuid.uuid4().hex[:8]}"
    feedback = QgsProcessingFeedback()
    seen = []
    feedback.progressChanged.connect(seen.append)
    result = run(processing, "saveasdataset", {"CONNECTION": "processing admin", "WORKFLOW": workflow_id,
                                               "EXTENT": "-180,180,-90,90 [EPSG:4326]", "TIME_START": APRIL,
                                               "NAME": name, "DISPLAY_NAME": "NDVI April (Processing)",
                                               "POLL_SECONDS": 0.05, "TIMEOUT_SECONDS": 60}, feedback)
    assert result["DATASET"] == name and uuid.UUID(result["TASK_ID"])
    # the stored pixels: an eastern window (a lost half of the extent shows) for April only
    assert_saved_like_the_source(url, name, (10.0, 0.0, 20.0, 10.0), ["2014-04-01"], outside="2014-05-01")
    middle = {round(p) for p in seen if 10 < p < 100}
    assert len(middle) >= 2, seen  # the server task's percentages came through
    assert seen[-1] == 100
    admin = Session(url, credentials=("admin@localhost", "adminadmin"), use_env=False)
    try:
        # the server filters by display name (053058e)
        listed = admin.get_json("datasets", {"offset": 0, "limit": 20, "order": "NameAsc",
                                             "filter": "NDVI April (Processing)"})
        status = admin.get_json(f"tasks/{result['TASK_ID']}/status")
    finally:
        admin.close()
    assert [d["name"] for d in listed] == [name]
    assert listed[0]["displayName"] == "NDVI April (Processing)"
    assert status["status"] == "completed"


def test_save_as_dataset_cancel_aborts_the_server_task(processing, server, qgis_app):
    from geoengine_qgis.core.session import Session
    from qgis.core import QgsProcessingException, QgsProcessingFeedback

    url = server.base_url
    save_password_connection("processing admin", url, "admin@localhost", "adminadmin")
    workflow_id = register(processing, url, NDVI_JSON)
    name = f"processing_cancel_{uuid.uuid4().hex[:8]}"
    admin = Session(url, credentials=("admin@localhost", "adminadmin"), use_env=False)
    aborted_before = {t["taskId"] for t in admin.get_json("tasks/list", {"filter": "aborted", "limit": 20})}
    feedback = QgsProcessingFeedback()
    feedback.progressChanged.connect(lambda p: feedback.cancel() if p > 10 else None)
    with pytest.raises(QgsProcessingException, match="Cancelled"):
        run(processing, "saveasdataset", {"CONNECTION": "processing admin", "WORKFLOW": workflow_id,
                                          "EXTENT": "-180,180,-90,90 [EPSG:4326]", "TIME_START": APRIL,
                                          "NAME": name, "DISPLAY_NAME": name, "POLL_SECONDS": 0.05}, feedback)
    try:  # the server filters by display name (053058e), here the unique name
        listed = admin.get_json("datasets", {"offset": 0, "limit": 20, "order": "NameAsc", "filter": name})
        aborted = {t["taskId"] for t in admin.get_json("tasks/list", {"filter": "aborted", "limit": 20})}
    finally:
        admin.close()
    assert listed == []
    assert len(aborted - aborted_before) == 1  # the server task was aborted


def test_save_as_dataset_timeout_aborts_the_server_task(processing, server, qgis_app, monkeypatch):
    from geoengine_qgis.core.session import Session
    from qgis.core import QgsProcessingException

    monkeypatch.setattr(server.config, "task_seconds_per_tile", 2.0)  # 32 world tiles: over a minute
    url = server.base_url
    save_password_connection("processing admin", url, "admin@localhost", "adminadmin")
    workflow_id = register(processing, url, NDVI_JSON)
    name = f"processing_timeout_{uuid.uuid4().hex[:8]}"
    with pytest.raises(QgsProcessingException) as caught:
        run(processing, "saveasdataset", {"CONNECTION": "processing admin", "WORKFLOW": workflow_id,
                                          "EXTENT": "-180,180,-90,90 [EPSG:4326]", "TIME_START": APRIL,
                                          "NAME": name, "DISPLAY_NAME": name, "POLL_SECONDS": 0.05,
                                          "TIMEOUT_SECONDS": 1})
    message = str(caught.value)
    assert message.startswith("The server task ") and message.endswith(" was still running after 1 s and was aborted.")
    task_id = message.removeprefix("The server task ").split(" ")[0]
    admin = Session(url, credentials=("admin@localhost", "adminadmin"), use_env=False)
    try:
        status = admin.get_json(f"tasks/{uuid.UUID(task_id)}/status")
        listed = admin.get_json("datasets", {"offset": 0, "limit": 20, "order": "NameAsc", "filter": name})
    finally:
        admin.close()
    assert status["status"] == "aborted" and listed == []


# ------------------------------------------------------------------------------------------ provenance


def test_provenance_table(processing, url, tmp_path):
    from qgis.core import QgsProcessingContext, QgsProcessingFeedback, QgsWkbTypes

    workflow_id = register(processing, url, NDVI_JSON)
    context = QgsProcessingContext()
    result = processing.run("geoengine:getprovenance", {"CONNECTION": url, "WORKFLOW": workflow_id,
                                                        "OUTPUT": "TEMPORARY_OUTPUT"},
                            feedback=QgsProcessingFeedback(), context=context)
    layer = output_layer(result["OUTPUT"], context)
    assert layer.wkbType() == QgsWkbTypes.NoGeometry
    assert [f.name() for f in layer.fields()] == ["citation", "license", "uri", "data"]
    rows = [f.attributes() for f in layer.getFeatures()]
    assert result["ROW_COUNT"] == len(rows) == 1
    citation, license_, uri, data = rows[0]
    assert citation == "Nasa Earth Observations, MODIS Vegetation Index Products"
    assert "earthdata.nasa.gov" in license_ and uri == "https://modis.gsfc.nasa.gov/data/dataprod/mod13.php"
    assert data  # the dataset id
    csv = tmp_path / "provenance.csv"
    run(processing, "getprovenance", {"CONNECTION": url, "WORKFLOW": workflow_id, "OUTPUT": str(csv)})
    assert "MODIS Vegetation Index Products" in csv.read_text(encoding="utf-8")


def test_saved_anonymous_connection_by_name(processing, server):
    save_anonymous_connection("processing anonymous", server.base_url)
    result = run(processing, "registerworkflow", {"CONNECTION": "processing anonymous", "WORKFLOW_JSON": NDVI_JSON})
    assert result["WORKFLOW_ID"] == NDVI_ID


# --------------------------------------------------------------------------------------------- cancel


def test_raster_cancel_from_a_progress_callback_leaves_no_output(processing, server, tmp_path):
    from qgis.core import QgsProcessingException, QgsProcessingFeedback, QgsProcessingUtils

    url = server.base_url
    workflow_id = register(processing, url, NDVI_JSON)
    server.config.faults.slow_tile_s = 0.3  # 32 world tiles: ~10 s uncancelled
    feedback = QgsProcessingFeedback()
    seen = []
    feedback.progressChanged.connect(seen.append)
    feedback.progressChanged.connect(lambda p: feedback.cancel() if p > 6 else None)
    output = tmp_path / "cancelled.tif"
    before = set(Path(QgsProcessingUtils.tempFolder()).rglob("*.tif"))
    with pytest.raises(QgsProcessingException, match="Cancelled; no output was written"):
        run(processing, "loadworkflowraster", {"CONNECTION": url, "WORKFLOW": workflow_id,
                                               "EXTENT": "-180,180,-90,90 [EPSG:4326]", "TIME_START": APRIL,
                                               "OUTPUT": str(output)}, feedback)
    assert seen and max(seen) < 50, seen  # stopped within a few of the 32 tiles, not after all of them
    assert not output.exists()
    assert set(Path(QgsProcessingUtils.tempFolder()).rglob("*.tif")) == before  # streamed slices removed


def test_vector_cancel_mid_stream_from_another_thread_leaves_no_output(processing, server, tmp_path):
    from qgis.core import QgsProcessingException, QgsProcessingFeedback

    url = server.base_url
    workflow_id = register(processing, url, PORTS)
    server.config.faults.slow_tile_s = 5.0
    feedback = QgsProcessingFeedback()
    timer = threading.Timer(1.0, feedback.cancel)
    output = tmp_path / "cancelled.gpkg"
    timer.start()
    try:
        with pytest.raises(QgsProcessingException, match="Cancelled"):
            run(processing, "loadworkflowvector", {"CONNECTION": url, "WORKFLOW": workflow_id,
                                                   "EXTENT": AFRICA_EXTENT, "TIME_START": APRIL,
                                                   "OUTPUT": str(output)}, feedback)
    finally:
        timer.cancel()
    assert not output.exists()  # an uncancelled run would have finished and written it instead of raising


# --------------------------------------------------------------------------------------------- errors


def test_errors_carry_the_server_message(processing, url, tmp_path):
    from qgis.core import QgsProcessingException

    ports = register(processing, url, PORTS)
    ndvi = register(processing, url, NDVI_JSON)
    base = {"CONNECTION": url, "EXTENT": AFRICA_EXTENT, "TIME_START": APRIL, "OUTPUT": str(tmp_path / "x.tif")}
    cases = [
        ({"WORKFLOW": str(uuid.uuid4())}, "NoWorkflowForGivenId: No workflow for given id"),
        ({"WORKFLOW": ports}, f"workflow {ports} has a vector result; 'Load workflow raster' needs a raster"),
        ({"WORKFLOW": "not-a-uuid"}, "workflow_id: not a UUID: 'not-a-uuid'"),
        ({"WORKFLOW": ndvi, "EXTENT": "200,210,0,10 [EPSG:4326]"}, "does not overlap the workflow's data"),
        ({"WORKFLOW": ndvi, "EXTENT": "10,10,40,50 [EPSG:4326]"}, "the extent is empty"),
        ({"WORKFLOW": ndvi, "TIME_START": "yesterday"}, "time.start: not an ISO 8601 time: 'yesterday'"),
        ({"WORKFLOW": ndvi, "BANDS": "red"}, "band 'red' is neither"),
        ({"WORKFLOW": ndvi, "CONNECTION": "no such connection"}, "No saved Geo Engine connection named"),
    ]
    for change, message in cases:
        with pytest.raises(QgsProcessingException) as info:
            run(processing, "loadworkflowraster", dict(base, **change))
        assert message in str(info.value), (change, str(info.value))
        assert not (tmp_path / "x.tif").exists()
    with pytest.raises(QgsProcessingException, match="has a raster result; 'Load workflow vector' needs a vector"):
        run(processing, "loadworkflowvector", dict(base, WORKFLOW=ndvi, OUTPUT="TEMPORARY_OUTPUT"))
    with pytest.raises(QgsProcessingException, match="'Save workflow result as dataset' needs a raster"):
        run(processing, "saveasdataset", dict(base, WORKFLOW=ports, DISPLAY_NAME="ports"))
    with pytest.raises(QgsProcessingException, match="No workflow for given id"):
        run(processing, "getprovenance", {"CONNECTION": url, "WORKFLOW": str(uuid.uuid4()),
                                          "OUTPUT": str(tmp_path / "p.csv")})
    assert not (tmp_path / "p.csv").exists()
    with pytest.raises(QgsProcessingException, match="'Run plot workflow' needs a plot"):
        run(processing, "runplotworkflow", {"CONNECTION": url, "WORKFLOW": ndvi, "EXTENT": AFRICA_EXTENT,
                                            "OUTPUT_JSON": str(tmp_path / "p.json")})


def test_unreachable_server_and_wrong_password(processing, server, tmp_path):
    from qgis.core import QgsProcessingException

    with pytest.raises(QgsProcessingException, match="proxy"):
        run(processing, "registerworkflow", {"CONNECTION": "http://127.0.0.1:9/api", "WORKFLOW_JSON": NDVI_JSON})
    save_password_connection("processing wrong password", server.base_url, "admin@localhost", "wrong")
    with pytest.raises(QgsProcessingException) as caught:
        run(processing, "registerworkflow", {"CONNECTION": "processing wrong password", "WORKFLOW_JSON": NDVI_JSON})
    # the error type (HTTP 401) and the server's reason, nothing else: not a connection or proxy problem
    assert str(caught.value) == ("Not authorised (HTTP 401): Authorization error: User does not exist or password "
                                 "is wrong.")


# ---------------------------------------------------------------------------- loaded outputs are styled


def test_loaded_outputs_get_the_dialog_style_properties_and_metadata(processing, url, tmp_path):
    from qgis.core import QgsProcessingContext, QgsProcessingFeedback, QgsProject

    project = QgsProject.instance()
    project.clear()
    ndvi = register(processing, url, NDVI_JSON)
    ports = register(processing, url, PORTS)
    try:
        context = QgsProcessingContext()
        context.setProject(project)
        processing.runAndLoadResults("geoengine:loadworkflowraster",
                                     {"CONNECTION": url, "WORKFLOW": ndvi, "EXTENT": AFRICA_EXTENT,
                                      "TIME_START": APRIL, "OUTPUT": str(tmp_path / "styled.tif")},
                                     feedback=QgsProcessingFeedback(), context=context)
        processing.runAndLoadResults("geoengine:loadworkflowvector",
                                     {"CONNECTION": url, "WORKFLOW": ports, "EXTENT": AFRICA_EXTENT,
                                      "TIME_START": APRIL, "OUTPUT": str(tmp_path / "styled.gpkg")},
                                     feedback=QgsProcessingFeedback(), context=context)
        layers = {layer.source().split("|")[0]: layer for layer in project.mapLayers().values()}
        raster, vector = layers[str(tmp_path / "styled.tif")], layers[str(tmp_path / "styled.gpkg")]
        # NDVI's dataset symbology: the dialog's 256-entry palette, not QGIS's default grey stretch
        assert raster.renderer().type() == "paletted", raster.renderer().type()
        classes = {c.value: c.color for c in raster.renderer().classes()}
        assert len(classes) == 256 and classes[1].getRgb() == (235, 223, 214, 255)
        assert raster.customProperty("geoengine/workflow_id") == ndvi
        assert raster.customProperty("geoengine/time_slice").startswith("2014-04-01")
        assert raster.metadata().identifier() == ndvi and "MODIS" in " ".join(raster.metadata().rights())
        assert raster.temporalProperties().isActive()
        assert vector.customProperty("geoengine/workflow_id") == ports and vector.customProperty("geoengine/kind")
        assert vector.renderer().symbol().symbolLayer(0).layerType() == "SimpleMarker"
        assert vector.featureCount() == ogr_count(PORTS_SHP, AFRICA)
    finally:
        project.clear()


# -------------------------------------------------------------------------- model designer, background


def test_in_a_model_register_feeds_load_raster(processing, url, tmp_path):
    from qgis.core import (
        QgsProcessingFeedback,
        QgsProcessingModelAlgorithm,
        QgsProcessingModelChildAlgorithm,
        QgsProcessingModelChildParameterSource,
        QgsProcessingModelOutput,
        QgsProcessingModelParameter,
        QgsProcessingParameterString,
    )

    model = QgsProcessingModelAlgorithm("Register and load", "Geo Engine tests")
    model.addModelParameter(QgsProcessingParameterString("server", "Server"), QgsProcessingModelParameter("server"))
    server = QgsProcessingModelChildParameterSource.fromModelParameter("server")
    register_step = QgsProcessingModelChildAlgorithm("geoengine:registerworkflow")
    register_step.setChildId("register")
    register_step.addParameterSources("CONNECTION", [server])
    register_step.addParameterSources("WORKFLOW_JSON", [QgsProcessingModelChildParameterSource.fromStaticValue(
        NDVI_JSON)])
    model.addChildAlgorithm(register_step)
    load_step = QgsProcessingModelChildAlgorithm("geoengine:loadworkflowraster")
    load_step.setChildId("load")
    load_step.addParameterSources("CONNECTION", [server])
    load_step.addParameterSources("WORKFLOW", [QgsProcessingModelChildParameterSource.fromChildOutput(
        "register", "WORKFLOW_ID")])
    for name, value in (("EXTENT", "10,20,40,50 [EPSG:4326]"), ("TIME_START", APRIL), ("TIME_SLICE", 0)):
        load_step.addParameterSources(name, [QgsProcessingModelChildParameterSource.fromStaticValue(value)])
    output = QgsProcessingModelOutput("raster", "NDVI")
    output.setChildId("load")
    output.setChildOutputName("OUTPUT")
    load_step.setModelOutputs({"raster": output})
    model.addChildAlgorithm(load_step)
    model.updateDestinationParameters()
    ok, problems = model.validate()
    assert ok, problems

    path = tmp_path / "model.tif"
    results = processing.run(model, {"server": url, "load:raster": str(path)}, feedback=QgsProcessingFeedback())
    assert results["load:raster"] == str(path)
    array, transform, _, _ = read_tiff(path)
    source, source_transform, _, _ = ndvi_tiff("2014-04-01")
    assert pixel(array, transform, 15.05, 45.05) == pixel(source, source_transform, 15.05, 45.05) != 0


def test_runs_in_a_background_task_as_the_processing_dialog_does(processing, url, tmp_path):
    import plugin_support
    from qgis.core import (
        QgsApplication,
        QgsProcessingAlgRunnerTask,
        QgsProcessingContext,
        QgsProcessingFeedback,
    )

    workflow_id = register(processing, url, NDVI_JSON)
    algorithm = QgsApplication.processingRegistry().createAlgorithmById("geoengine:loadworkflowraster")
    context, feedback = QgsProcessingContext(), QgsProcessingFeedback()
    path = tmp_path / "task.tif"
    parameters = {"CONNECTION": url, "WORKFLOW": workflow_id, "EXTENT": "10,20,40,50 [EPSG:4326]",
                  "TIME_START": APRIL, "OUTPUT": str(path)}
    task = QgsProcessingAlgRunnerTask(algorithm, parameters, context, feedback)  # prepares on this thread
    outcome = {}
    task.executed.connect(lambda ok, results: outcome.update(ok=ok, results=results))
    QgsApplication.taskManager().addTask(task)
    assert plugin_support.wait_until(lambda: "ok" in outcome, timeout=60)
    assert outcome["ok"] and outcome["results"]["OUTPUT"] == str(path)
    array, transform, _, _ = read_tiff(path)
    source, source_transform, _, _ = ndvi_tiff("2014-04-01")
    assert pixel(array, transform, 15.05, 45.05) == pixel(source, source_transform, 15.05, 45.05)
