"""The workflow layer loader in a headless QGIS against the test server: rasters (streamed GeoTIFF slices),
vectors (memory layers), custom properties and metadata, cancel and failure leaving nothing behind."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import plugin_support
import pytest
from layer_support import LAYER_DB, NDVI_TIFF, POINTS_WITH_TIME, PORTS, PORTS_SHP, RASTER_STACK_LAYER
from osgeo import gdal, ogr
from plugin_support import AFRICA, NDVI, request, run_load
from plugin_support import register_in as register
from vector_truth import assert_rows_match

pytestmark = pytest.mark.qgis


def job_files(tempdir):
    return [p for p in tempdir.root.rglob("*") if p.is_file()] if tempdir.exists else []


def bar_texts(bar):
    return " | ".join(item.text() for item in bar.items())


# ------------------------------------------------------------------------------------------------ raster


def test_ndvi_april_matches_the_source_tiff(loader, session, project, tempdir):
    from qgis.core import QgsPointXY, QgsRaster

    workflow_id = register(session, NDVI)
    outcome, _ = run_load(loader, session, request(workflow_id, name="NDVI"))
    assert outcome.ok, outcome.error
    assert len(outcome.layers) == 1
    layer = outcome.layers[0]
    assert layer.isValid() and project.mapLayer(layer.id()) is layer
    assert layer.crs().authid() == "EPSG:4326"
    extent = layer.extent()  # snapped outward to the 512 px tiling grid, covering the query
    assert extent.xMinimum() <= AFRICA[0] and extent.yMinimum() <= AFRICA[1]
    assert extent.xMaximum() >= AFRICA[2] and extent.yMaximum() >= AFRICA[3]
    assert abs(layer.rasterUnitsPerPixelX() - 0.1) < 1e-9

    source = gdal.Open(str(NDVI_TIFF.format("2014-04-01")))
    values = source.GetRasterBand(1).ReadAsArray()
    x0, dx, _, y0, _, dy = source.GetGeoTransform()
    rng = np.random.default_rng(7)
    points = [(float(x), float(y)) for x, y in zip(rng.uniform(-19.9, 52.9, 40), rng.uniform(-35.9, 37.9, 40))]
    points += [(18.42, -33.92), (31.24, 30.04), (36.82, -1.29)]  # Cape Town, Cairo, Nairobi
    checked = 0
    for x, y in points:
        col, row = int((x - x0) / dx), int((y - y0) / dy)
        expected = int(values[row, col])
        cx, cy = x0 + (col + 0.5) * dx, y0 + (row + 0.5) * dy  # sample at the pixel centre
        result = layer.dataProvider().identify(QgsPointXY(cx, cy), QgsRaster.IdentifyFormatValue).results()
        got = result.get(1)
        if expected == 0:  # 0 is the file's no-data value
            assert got is None, (x, y, got)
        else:
            assert got == expected, (x, y, got, expected)
            checked += 1
    assert checked >= 10

    props = {key: layer.customProperty(key) for key in layer.customPropertyKeys() if key.startswith("geoengine/")}
    assert props["geoengine/workflow_id"] == workflow_id
    assert props["geoengine/crs"] == "EPSG:4326"
    assert props["geoengine/time"] == "2014-04-01T00:00:00.000Z/2014-04-01T00:00:00.000Z"
    assert props["geoengine/time_slice"].startswith("2014-04-01T00:00:00.000Z/2014-05-01")
    assert props["geoengine/bands"] == "0"
    assert [float(v) for v in props["geoengine/extent"].split(",")] == list(AFRICA)

    metadata = layer.metadata()
    assert metadata.identifier() == workflow_id
    assert metadata.title() == "NDVI" and "MODIS" in metadata.abstract()
    assert metadata.crs().authid() == "EPSG:4326"
    assert any("earthdata" in lic for lic in metadata.licenses())
    assert any("MODIS" in right for right in metadata.rights())
    assert any(link.url.startswith("http") and link.name != "Workflow definition" for link in metadata.links())
    links = {link.name: link.url for link in metadata.links()}
    assert links["Workflow definition"] == f"{session.server_url}/workflow/{workflow_id}"
    spatial = metadata.extent().spatialExtents()[0].bounds
    assert (spatial.xMinimum(), spatial.yMaximum()) == (AFRICA[0], AFRICA[3])
    temporal = metadata.extent().temporalExtents()[0]
    assert temporal.begin().toString("yyyy-MM-dd") == "2014-04-01"
    assert temporal.end().toString("yyyy-MM-dd") == "2014-05-01"
    assert layer.temporalProperties().isActive()


def test_two_month_range_without_grouping_adds_the_slices_at_the_top_level(loader, session, project):
    from geoengine_qgis.qgis_glue.layers import LayerOptions

    workflow_id = register(session, NDVI)
    outcome, _ = run_load(loader, session, request(workflow_id, bounds=(10, 40, 20, 50), start="2014-04-01T00:00:00Z",
                                                   end="2014-06-01T00:00:00Z", name="NDVI loose",
                                                   options=LayerOptions(group_slices=False)))
    assert outcome.ok, outcome.error
    assert [layer.name() for layer in outcome.layers] == ["NDVI loose 2014-04-01", "NDVI loose 2014-05-01"]
    root = project.layerTreeRoot()
    assert root.findGroup("NDVI loose") is None
    assert all(root.findLayer(layer.id()).parent() is root for layer in outcome.layers)


def test_layer_options_refuse_an_unknown_raster_mode():
    from geoengine_qgis.core.errors import InputError
    from geoengine_qgis.qgis_glue.layers import LayerOptions

    with pytest.raises(InputError) as caught:
        LayerOptions(raster_mode="png")
    assert caught.value.field == "raster_mode" and "'png'" in str(caught.value)
    assert LayerOptions(raster_mode="wms").raster_mode == "wms"


def test_two_month_range_gives_one_layer_per_month_in_a_group(loader, session, project):
    workflow_id = register(session, NDVI)
    outcome, _ = run_load(loader, session, request(workflow_id, bounds=(10, 40, 20, 50), start="2014-04-01T00:00:00Z",
                                                   end="2014-06-01T00:00:00Z", name="NDVI spring"))
    assert outcome.ok, outcome.error
    names = [layer.name() for layer in outcome.layers]
    assert names == ["NDVI spring 2014-04-01", "NDVI spring 2014-05-01"]
    group = project.layerTreeRoot().findGroup("NDVI spring")
    assert group is not None and [child.layer() for child in group.findLayers()] == outcome.layers
    slices = [layer.customProperty("geoengine/time_slice") for layer in outcome.layers]
    assert slices[0].split("/")[1] == slices[1].split("/")[0]  # consecutive months
    for layer, (begin, end) in zip(outcome.layers, (("2014-04-01", "2014-05-01"), ("2014-05-01", "2014-06-01"))):
        span = layer.temporalProperties().fixedTemporalRange()  # each slice shows in its month only
        assert layer.temporalProperties().isActive()
        assert (span.begin().toString("yyyy-MM-dd"), span.end().toString("yyyy-MM-dd")) == (begin, end)
    for layer, month in zip(outcome.layers, ("2014-04-01", "2014-05-01")):
        source = gdal.Open(str(NDVI_TIFF.format(month)))
        values = source.GetRasterBand(1).ReadAsArray()
        block = layer.dataProvider().block(1, layer.extent(), layer.width(), layer.height())
        x0, y0 = layer.extent().xMinimum(), layer.extent().yMaximum()
        col0, row0 = int(round((x0 + 180) / 0.1)), int(round((90 - y0) / 0.1))
        for row, col in ((150, 40), (30, 70), (60, 60)):
            assert block.value(row, col) == values[row0 + row, col0 + col] or values[row0 + row, col0 + col] == 0


def test_band_choice_loads_only_the_chosen_band(loader, session):
    from geoengine_qgis.core.datasets import get_layer
    from qgis.core import QgsPointXY, QgsRaster

    stack = get_layer(LAYER_DB, RASTER_STACK_LAYER, session=session).workflow  # bands: ndvi, ndvi_masked
    workflow_id = register(session, stack)
    outcome, _ = run_load(loader, session, request(workflow_id, bounds=(10, 40, 20, 50), bands=(1,), name="masked"))
    assert outcome.ok, outcome.error
    layer = outcome.layers[0]
    assert layer.bandCount() == 1 and layer.customProperty("geoengine/bands") == "1"
    assert "ndvi_masked" in layer.metadata().abstract()
    source = gdal.Open(NDVI_TIFF.format("2014-04-01"))
    values = source.GetRasterBand(1).ReadAsArray()
    seen = set()
    for x, y in ((12.35, 45.15), (15.05, 47.55), (18.65, 41.25), (10.45, 49.95), (13.15, 42.45)):
        raw = int(values[int((90 - y) / 0.1), int((x + 180) / 0.1)])
        got = layer.dataProvider().identify(QgsPointXY(x, y), QgsRaster.IdentifyFormatValue).results().get(1)
        expected = raw if raw > 100 else None  # "if A > 100 { A } else { 0 }"; 0 is no-data
        assert got == expected, (x, y, raw, got)
        seen.add(expected is None)
    assert seen == {True, False}  # both branches of the expression were checked


# ------------------------------------------------------------------------------------------------ vector


def ogr_count(path, bounds):
    source = ogr.Open(str(path))
    layer = source.GetLayer(0)
    layer.SetSpatialFilterRect(*bounds)
    return layer.GetFeatureCount()


def test_ports_vector_layer(loader, session, project):
    from qgis.PyQt.QtCore import QVariant

    workflow_id = register(session, PORTS)
    outcome, _ = run_load(loader, session, request(workflow_id, name="Ports"))
    assert outcome.ok, outcome.error
    layer = outcome.layers[0]
    assert layer.isValid() and layer.providerType() == "memory"
    expected = ogr_count(PORTS_SHP, AFRICA)
    assert expected > 50 and layer.featureCount() == expected
    assert layer.crs().authid() == "EPSG:4326"
    from qgis.core import QgsWkbTypes

    assert layer.wkbType() == QgsWkbTypes.MultiPoint
    types = {f.name(): f.type() for f in layer.fields()}
    assert types == {"website": QVariant.String, "name": QVariant.String, "natlscale": QVariant.Double,
                     "scalerank": QVariant.LongLong, "featurecla": QVariant.String}
    names = {f["name"] for f in layer.getFeatures()}
    dataset = ogr.Open(str(PORTS_SHP))
    source = dataset.GetLayer(0)
    source.SetSpatialFilterRect(*AFRICA)
    assert names == {f.GetField("name") for f in source}
    assert assert_rows_match(layer, PORTS_SHP, AFRICA) == expected  # every attribute and point, as in the file
    assert not layer.temporalProperties().isActive()  # ports hold for all of time
    assert layer.customProperty("geoengine/workflow_id") == workflow_id
    assert layer.customProperty("geoengine/kind") == "vector"
    assert layer.metadata().identifier() == workflow_id
    assert any("Natural Earth" in right for right in layer.metadata().rights())


def test_polygons_keep_their_geometry_type(loader, session):
    from qgis.core import QgsWkbTypes

    outline = {"type": "Vector", "operator": {"type": "OgrSource", "params": {"data": "germany_outline"}}}
    workflow_id = register(session, outline)
    outcome, _ = run_load(loader, session, request(workflow_id, bounds=(0, 40, 20, 60)))
    assert outcome.ok, outcome.error
    layer = outcome.layers[0]
    dataset = ogr.Open(str(Path(PORTS_SHP).parents[1] / "germany_polygon.gpkg"))
    source = dataset.GetLayer(0)
    assert layer.wkbType() == QgsWkbTypes.MultiPolygon and layer.featureCount() == source.GetFeatureCount()
    area = sum(f.geometry().area() for f in layer.getFeatures())
    expected = sum(f.GetGeometryRef().GetArea() for f in source)
    assert area == pytest.approx(expected, rel=1e-9)
    assert assert_rows_match(layer, dataset.GetDescription()) == source.GetFeatureCount()  # vertices, not just area


def test_points_with_time_drive_the_temporal_controller(loader, session):
    from qgis.core import QgsVectorLayerTemporalProperties
    from qgis.PyQt.QtCore import QVariant

    workflow_id = register(session, POINTS_WITH_TIME)
    outcome, _ = run_load(loader, session, request(workflow_id, bounds=(-180, -90, 180, 90),
                                                   start="2014-01-01T00:00:00Z", end="2015-01-01T00:00:00Z"))
    assert outcome.ok, outcome.error
    layer = outcome.layers[0]
    dataset = ogr.Open(str(Path(PORTS_SHP).parents[1] / "points_with_time.gpkg"))
    assert layer.featureCount() == dataset.GetLayer(0).GetFeatureCount() > 0
    assert layer.fields().field("time_start").type() == QVariant.DateTime
    props = layer.temporalProperties()
    assert props.isActive()
    assert props.mode() == QgsVectorLayerTemporalProperties.ModeFeatureDateTimeStartAndEndFromFields
    assert (props.startField(), props.endField()) == ("time_start", "time_end")
    starts = sorted(f["time_start"].toString("yyyy-MM-dd") for f in layer.getFeatures())
    assert starts[0] >= "2014-04-01" and starts[-1] <= "2014-07-01"


# ------------------------------------------------------------------------------------- cancel and failure


def test_cancel_right_after_start_leaves_nothing(loader, session, project, tempdir, faults):
    workflow_id = register(session, NDVI)
    faults.slow_tile_s = 0.5
    outcome, _ = run_load(loader, session, request(workflow_id), cancel_after_start=True, timeout=30)
    assert outcome.cancelled and not outcome.layers
    assert project.count() == 0
    assert job_files(tempdir) == []
    assert not tempdir.exists or list(tempdir.root.iterdir()) == []


def test_cancel_while_tiles_stream_removes_the_job_folder(loader, session, project, tempdir, faults):
    workflow_id = register(session, NDVI)
    faults.slow_tile_s = 0.3
    outcomes = []
    task = loader.load(session, request(workflow_id, start="2014-01-01T00:00:00Z", end="2014-07-01T00:00:00Z"),
                       on_done=outcomes.append)
    assert plugin_support.wait_until(lambda: tempdir.exists and any(tempdir.root.iterdir()), timeout=20)
    assert plugin_support.wait_until(lambda: task.progress() > 5, timeout=20), "no progress while streaming"
    task.cancel()
    assert plugin_support.wait_until(lambda: bool(outcomes), timeout=20)
    assert outcomes[0].cancelled and project.count() == 0
    assert list(tempdir.root.iterdir()) == []


def test_cancelled_vector_stream_adds_no_layer(loader, session, project, faults):
    workflow_id = register(session, PORTS)
    faults.slow_tile_s = 3.0
    outcomes = []
    task = loader.load(session, request(workflow_id), on_done=outcomes.append)
    assert plugin_support.wait_until(lambda: task.progress() >= 5, timeout=20)  # streaming has begun
    task.cancel()
    assert plugin_support.wait_until(lambda: bool(outcomes), timeout=10), "cancel did not end the stream quickly"
    assert outcomes[0].cancelled and project.count() == 0


def test_stream_failure_adds_no_layer_and_reports(loader, session, project, tempdir, faults, bar):
    workflow_id = register(session, NDVI)
    faults.stream_fail_after = 1
    outcome, _ = run_load(loader, session, request(workflow_id, name="NDVI broken"))
    assert outcome.error is not None and not outcome.layers
    assert project.count() == 0
    assert job_files(tempdir) == [] and list(tempdir.root.iterdir()) == []
    assert "NDVI broken" in bar_texts(bar)


def test_unknown_workflow_is_reported(loader, session, project, tempdir, bar):
    outcome, _ = run_load(loader, session, request("00000000-0000-4000-8000-000000000000"))
    assert outcome.error is not None and project.count() == 0
    assert job_files(tempdir) == []
    assert "The server does not know this workflow ID" in bar_texts(bar)


def test_extent_outside_the_data_is_an_input_error(loader, session, project):
    from geoengine_qgis.core.errors import InputError

    workflow_id = register(session, NDVI)
    outcome, _ = run_load(loader, session, request(workflow_id, bounds=(200, 100, 210, 110)))
    assert isinstance(outcome.error, InputError) and outcome.error.field == "extent"
    assert project.count() == 0


def test_time_outside_the_data_is_reported(loader, session, project, tempdir):
    from geoengine_qgis.core.errors import InputError

    workflow_id = register(session, NDVI)
    outcome, _ = run_load(loader, session, request(workflow_id, bounds=(0, 0, 10, 10), start="2020-01-01T00:00:00Z"))
    assert isinstance(outcome.error, InputError) and outcome.error.field == "time", outcome.error
    assert "2014-07-01" in outcome.error.message and project.count() == 0
    assert job_files(tempdir) == []


def test_extent_in_web_mercator_is_transformed(loader, session):
    from qgis.core import QgsCoordinateReferenceSystem, QgsCoordinateTransform, QgsProject, QgsRectangle

    workflow_id = register(session, PORTS)
    transform = QgsCoordinateTransform(QgsCoordinateReferenceSystem("EPSG:4326"),
                                       QgsCoordinateReferenceSystem("EPSG:3857"), QgsProject.instance())
    mercator = transform.transformBoundingBox(QgsRectangle(*AFRICA))
    bounds = (mercator.xMinimum(), mercator.yMinimum(), mercator.xMaximum(), mercator.yMaximum())
    outcome, _ = run_load(loader, session, request(workflow_id, bounds=bounds, crs="EPSG:3857"))
    assert outcome.ok, outcome.error
    assert outcome.layers[0].featureCount() == ogr_count(PORTS_SHP, AFRICA)
    assert assert_rows_match(outcome.layers[0], PORTS_SHP, AFRICA) == ogr_count(PORTS_SHP, AFRICA)
    stored = [float(v) for v in outcome.layers[0].customProperty("geoengine/extent").split(",")]
    assert np.allclose(stored, AFRICA, atol=1e-6)


def test_a_main_thread_failure_leaves_no_layer_and_no_folder(session, project, tempdir):
    """fetch (worker part) succeeds, then the file vanishes before the layer is made: nothing stays behind."""
    from geoengine_qgis.core.errors import MalformedResponseError
    from geoengine_qgis.qgis_glue.layers import fetch, materialize

    workflow_id = register(session, NDVI)
    fetched = fetch(session, request(workflow_id, bounds=(0, 0, 10, 10), start="2014-03-01T00:00:00Z",
                                     end="2014-05-01T00:00:00Z"), tempdir)
    assert len(fetched.slices) == 2 and fetched.folder.is_dir()
    fetched.slices[1].path.unlink()  # e.g. a temp cleaner ran meanwhile
    with pytest.raises(MalformedResponseError):
        materialize(fetched, project)
    assert project.count() == 0 and not fetched.folder.exists()


def test_plot_without_a_plot_dock_reports_its_size(bar, project, tempdir, session):
    from geoengine_qgis.core.workflow import register_workflow
    from geoengine_qgis.qgis_glue.layers import WorkflowLayerLoader
    from geoengine_qgis.qgis_glue.messages import Notifier
    from geoengine_qgis.qgis_glue.tasks import TaskRunner

    runner = TaskRunner(Notifier(bar))
    loader = WorkflowLayerLoader(runner, tempdir, Notifier(bar), project)  # no plot_handler
    statistics = {"type": "Plot", "operator": {"type": "Statistics", "params": {"columnNames": ["ndvi"]},
                                               "sources": {"source": [NDVI["operator"]]}}}
    workflow_id = str(register_workflow(statistics, session=session).workflow_id)
    outcome, _ = run_load(loader, session, request(workflow_id, bounds=(0, 0, 10, 10), name="NDVI stats"))
    runner.cancel_all()
    assert outcome.ok and outcome.plot is not None and project.count() == 0
    text = bar_texts(bar)
    assert "Plot 'NDVI stats'" in text and "JsonPlain" in text and "bytes" in text
