"""Time-series layers follow QGIS's Temporal Controller (headless QGIS, real canvas, real server).

A monthly NDVI layer added through the loader becomes ONE time-following layer: moving a real
QgsTemporalNavigationObject (connected to a real QgsMapCanvas) from April to May fetches May in the background
and the layer's pixels become those of May's source TIFF; moving back to April uses the cache (no server
computation). Vector layers with time filter by their start/end fields.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import plugin_support
import pytest
from layer_support import NDVI_TIFF, POINTS_WITH_TIME, PORTS_SHP
from osgeo import gdal, ogr
from plugin_support import NDVI, render_pixels, request, run_load, same_fraction, wait_until
from vector_truth import assert_rows_match

pytestmark = pytest.mark.qgis
BOUNDS = (5.0, 40.0, 25.0, 55.0)  # central Europe: NDVI changes a lot from April to May
POINTS = [(8.55, 47.37), (13.40, 52.52), (16.37, 48.21), (11.58, 48.14), (19.04, 47.50), (7.10, 50.73),
          (21.01, 52.23), (14.42, 50.09), (10.0, 45.5), (23.6, 46.8)]


@pytest.fixture
def canvas(qgis_app):
    from qgis.core import QgsTemporalNavigationObject
    from qgis.gui import QgsMapCanvas

    widget = QgsMapCanvas()
    navigation = QgsTemporalNavigationObject(widget)  # a child: it lives exactly as long as the canvas
    widget.setTemporalController(navigation)
    widget.navigation = navigation
    yield widget
    widget.deleteLater()
    plugin_support.flush_deletes()  # delete the canvas (and its controller) now, not in a later test


@pytest.fixture
def temporal(canvas, runner, tempdir, bar, project, session):
    from geoengine_qgis.qgis_glue.messages import Notifier
    from geoengine_qgis.qgis_glue.temporal import TemporalRasterLayers

    def session_for(_query, on_ready, _on_error):
        on_ready(session)

    manager = TemporalRasterLayers(canvas, runner, tempdir, Notifier(bar), session_for, project)
    yield manager
    manager.stop()


def register(session, workflow):
    from geoengine_qgis.core.workflow import register_workflow

    return str(register_workflow(workflow, session=session).workflow_id)


def utc(year, month):
    from qgis.PyQt.QtCore import QDate, QDateTime, Qt, QTime

    return QDateTime(QDate(year, month, 1), QTime(0, 0), Qt.UTC)


def monthly(navigation, start=(2014, 1), end=(2014, 7)):
    from qgis.core import QgsDateTimeRange, QgsInterval, QgsTemporalNavigationObject, QgsUnitTypes

    navigation.setTemporalExtents(QgsDateTimeRange(utc(*start), utc(*end)))
    navigation.setFrameDuration(QgsInterval(1, QgsUnitTypes.TemporalMonths))
    navigation.setNavigationMode(QgsTemporalNavigationObject.Animated)


def tiff_values(month):
    source = gdal.Open(NDVI_TIFF.format(month))
    return source.GetRasterBand(1).ReadAsArray(), source.GetGeoTransform()


def layer_values(layer, points, geotransform):
    """(expected pixel centres, layer values) for ``points``: identify at the source TIFF's pixel centres."""
    from qgis.core import QgsPointXY, QgsRaster

    x0, dx, _, y0, _, dy = geotransform
    values = []
    for x, y in points:
        col, row = int((x - x0) / dx), int((y - y0) / dy)
        centre = QgsPointXY(x0 + (col + 0.5) * dx, y0 + (row + 0.5) * dy)
        result = layer.dataProvider().identify(centre, QgsRaster.IdentifyFormatValue).results()
        values.append(result.get(1))
    return values


def expected_values(month, points):
    values, geotransform = tiff_values(month)
    x0, dx, _, y0, _, dy = geotransform
    out = []
    for x, y in points:
        value = int(values[int((y - y0) / dy), int((x - x0) / dx)])
        out.append(None if value == 0 else value)  # 0 is the files' no-data value
    return out


def computations(server):
    return len(server.api["quota"].computations)


def test_ndvi_layer_follows_the_temporal_controller(server, session, loader, temporal, canvas, project):
    from geoengine_qgis.qgis_glue.temporal import BOUNDS_KEY, FOLLOW, FOLLOW_KEY
    from qgis.core import QgsDateTimeRange, QgsRasterLayerTemporalProperties

    workflow_id = register(session, NDVI)
    outcome, _ = run_load(loader, session, request(workflow_id, bounds=BOUNDS, name="NDVI"))
    assert outcome.ok, outcome.error
    layer = outcome.layers[0]
    assert layer.name() == "NDVI 2014-04-01"
    # adopted on layersAdded; the time bounds come from the result descriptor in the background
    assert wait_until(lambda: layer.customProperty(FOLLOW_KEY) == FOLLOW and not temporal.busy(layer.id()),
                      timeout=20), "the layer was not made time-following"
    assert layer.customProperty(BOUNDS_KEY) == "2014-01-01T00:00:00.000Z/2014-07-01T00:00:00.000Z"
    assert layer.name() == "NDVI"  # once on adoption: the name no longer names one month
    properties = layer.temporalProperties()
    assert properties.isActive() and properties.mode() == QgsRasterLayerTemporalProperties.ModeFixedTemporalRange
    assert properties.fixedTemporalRange().begin() == utc(2014, 4)  # the slice it holds, not the whole series
    assert properties.fixedTemporalRange().end() == utc(2014, 5)
    april = expected_values("2014-04-01", POINTS)
    may = expected_values("2014-05-01", POINTS)
    assert sum(1 for a, b in zip(april, may) if a != b) >= 5  # the test can tell the months apart
    _, geotransform = tiff_values("2014-04-01")
    assert layer_values(layer, POINTS, geotransform) == april

    shown = []
    temporal.sliceShown.connect(lambda layer_id, start: shown.append((layer_id, start)))
    monthly(canvas.navigation)  # switching the controller on shows its first frame: January is fetched
    canvas.navigation.setCurrentFrameNumber(3)  # April: the slice the layer was loaded with (cached)
    assert canvas.mapSettings().isTemporal() and canvas.temporalRange().begin() == utc(2014, 4)
    assert wait_until(lambda: not temporal.busy(layer.id()), timeout=30)
    assert temporal.fetch_count == 1 and layer.name() == "NDVI"

    before = computations(server)
    asked_before = len(server.api["request_log"])
    renderer_type = layer.renderer().type()
    project.setDirty(False)
    canvas.navigation.setCurrentFrameNumber(4)  # May
    assert canvas.temporalRange().begin() == utc(2014, 5)
    assert temporal.busy(layer.id()), "May should be fetched in the background"
    assert wait_until(lambda: (layer.id(), "2014-05-01T00:00:00.000Z") in shown, timeout=30), \
        "May was not shown within 30 s"
    assert layer_values(layer, POINTS, geotransform) == may
    assert temporal.fetch_count == 2
    # another step of a layer on the map: only the data, no descriptor, provenance, definition or dataset again
    asked = server.call(lambda: list(server.api["request_log"]))[asked_before:]
    assert any(line.endswith("/rasterStream") for line in asked), asked
    assert not [line for line in asked if line.endswith(("/metadata", "/provenance")) or "/dataset/" in line
                or line == f"GET /workflow/{layer.customProperty('geoengine/workflow_id')}"], asked
    assert wait_until(lambda: computations(server) > before, timeout=5)
    after_may = computations(server)
    # still one layer, same style, stored query and name follow the month
    assert project.count() == 1 and project.mapLayer(layer.id()) is layer
    assert layer.renderer().type() == renderer_type
    assert layer.name() == "NDVI" and not project.isDirty()  # a time step is not an edit of the project
    assert layer.customProperty("geoengine/time").startswith("2014-05-01T00:00:00.000Z")
    assert layer.customProperty("geoengine/time_slice") == "2014-05-01T00:00:00.000Z/2014-06-01T00:00:00.000Z"
    assert layer.metadata().extent().temporalExtents()[0].begin() == utc(2014, 5)
    assert layer.temporalProperties().isVisibleInTemporalRange(canvas.temporalRange())

    canvas.navigation.setCurrentFrameNumber(3)  # back to April: from the cache, at once
    assert not temporal.busy(layer.id())
    assert layer_values(layer, POINTS, geotransform) == april
    assert layer.name() == "NDVI" and not project.isDirty()
    # nothing is pending that could still ask the server: no fetch under way, no debounced view check
    assert not temporal.busy(layer.id()) and not temporal._pan_timer.isActive()
    assert computations(server) == after_may and temporal.fetch_count == 2

    outside = QgsDateTimeRange(utc(2015, 1), utc(2015, 2), True, False)
    assert not layer.temporalProperties().isVisibleInTemporalRange(outside)


def test_fast_moves_fetch_one_slice_at_a_time_and_end_on_the_last(server, session, loader, temporal, canvas):
    workflow_id = register(session, NDVI)
    outcome, _ = run_load(loader, session, request(workflow_id, bounds=(10.0, 45.0, 15.0, 50.0), name="NDVI"))
    assert outcome.ok, outcome.error
    layer = outcome.layers[0]
    assert wait_until(lambda: temporal.following(layer.id()) and not temporal.busy(layer.id()), timeout=20)
    monthly(canvas.navigation)  # January: fetch starts
    for frame in (1, 2, 5):  # February, March, June in quick succession
        canvas.navigation.setCurrentFrameNumber(frame)
    assert wait_until(lambda: layer.customProperty("geoengine/time_slice", "").startswith("2014-06-01")
                      and not temporal.busy(layer.id()), timeout=40), layer.customProperty("geoengine/time_slice")
    assert temporal.fetch_count == 2  # January (started first), then the newest wanted: June
    _, geotransform = tiff_values("2014-06-01")
    points = [(11.3, 46.2), (12.5, 47.8), (14.1, 45.9), (10.7, 49.3)]
    assert layer_values(layer, points, geotransform) == expected_values("2014-06-01", points)


def test_multi_month_group_keeps_fixed_slices(session, loader, temporal):
    workflow_id = register(session, NDVI)
    outcome, _ = run_load(loader, session, request(workflow_id, bounds=(10, 40, 20, 50), start="2014-04-01T00:00:00Z",
                                                   end="2014-06-01T00:00:00Z", name="NDVI spring"))
    assert outcome.ok and len(outcome.layers) == 2
    # adoption happens in the project's layersAdded slot, synchronously: a followed layer would be listed now
    from geoengine_qgis.qgis_glue.temporal import follow_candidate

    assert not any(follow_candidate(layer) for layer in outcome.layers)
    assert not any(temporal.following(layer.id()) for layer in outcome.layers)


def test_vector_layer_with_time_filters_by_the_controller_range(session, loader, temporal):
    from qgis.core import (
        QgsDateTimeRange,
        QgsFeatureRequest,
        QgsVectorLayerTemporalContext,
        QgsVectorLayerTemporalProperties,
    )

    workflow_id = register(session, POINTS_WITH_TIME)
    outcome, _ = run_load(loader, session, request(workflow_id, bounds=(-180, -90, 180, 90),
                                                   start="2014-01-01T00:00:00Z", end="2015-01-01T00:00:00Z"))
    assert outcome.ok, outcome.error
    layer = outcome.layers[0]
    properties = layer.temporalProperties()
    assert properties.isActive()
    # instants (start == end) last one second, so the 1st-of-month points show in their month's frame
    assert properties.mode() == QgsVectorLayerTemporalProperties.ModeFeatureDateTimeStartAndEndFromExpressions
    dataset = ogr.Open(str(Path(PORTS_SHP).parents[1] / "points_with_time.gpkg"))
    source = dataset.GetLayer(0)
    assert assert_rows_match(layer, dataset.GetDescription()) == source.GetFeatureCount()
    spans = []
    for feature in source:
        start, end = (np.datetime64(feature.GetField(name).replace("/", "-").replace(" ", "T"))
                      for name in ("time_start", "time_end"))
        spans.append((start, end))
    context = QgsVectorLayerTemporalContext()
    context.setLayer(layer)
    counts = []
    for month in (4, 5, 6, 8):
        begin, end = utc(2014, month), utc(2014, month + 1)
        expression = properties.createFilterString(context, QgsDateTimeRange(begin, end, True, False))
        got = sum(1 for _ in layer.getFeatures(QgsFeatureRequest().setFilterExpression(expression)))
        lo, hi = np.datetime64(f"2014-{month:02d}-01"), np.datetime64(f"2014-{month + 1:02d}-01")
        # a feature shows when its validity overlaps the month; an instant when it lies inside the month
        expected = sum(1 for s, e in spans if (s < hi and e > lo) or (s == e and lo <= s < hi))
        assert got == expected, (month, expression, got, expected)
        counts.append(got)
    assert counts[-1] == 0 and max(counts) >= 2  # August is empty; some month shows several points


# ------------------------------------------------------------------------------------------- live WMS layers


WMS_EXTENT = (10.0, -10.0, 30.0, 10.0)  # Congo basin: strong NDVI differences between months


def test_live_wms_layer_becomes_wmst_and_sends_the_controller_time(session, loader, temporal, canvas, session_injector):
    from geoengine_qgis.qgis_glue.layers import LayerOptions
    from geoengine_qgis.qgis_glue.temporal import BOUNDS_KEY, FOLLOW, FOLLOW_KEY, STEP_KEY
    from qgis.core import QgsDataSourceUri, QgsDateTimeRange, QgsRasterLayerTemporalProperties

    workflow_id = register(session, NDVI)
    outcome, _ = run_load(loader, session, request(workflow_id, bounds=WMS_EXTENT, name="NDVI live",
                                                   options=LayerOptions(raster_mode="wms")))
    assert outcome.ok, outcome.error
    layer = outcome.layers[0]
    assert wait_until(lambda: temporal.following(layer.id()) and not temporal.wms_pending(layer.id()),
                              timeout=20), "the WMS layer did not become WMS-T"
    uri = QgsDataSourceUri()
    uri.setEncodedUri(layer.source())
    assert uri.param("type") == "wmst" and "?" not in uri.param("url")
    assert uri.param("timeDimensionExtent") == "2014-01-01T00:00:00.000Z/2014-07-01T00:00:00.000Z/P1M"
    assert uri.param("time") == "2014-04-01T00:00:00.000Z/2014-05-01T00:00:00.000Z"
    assert "palette" in uri.param("styles")  # the server-side colorizer is kept
    assert layer.isValid() and layer.dataProvider().temporalCapabilities().hasTemporalCapabilities()
    properties = layer.temporalProperties()
    assert properties.isActive()
    assert properties.mode() == QgsRasterLayerTemporalProperties.ModeTemporalRangeFromDataProvider
    assert layer.customProperty(FOLLOW_KEY) == FOLLOW and layer.customProperty(STEP_KEY) == "1 months"
    assert layer.customProperty(BOUNDS_KEY) == "2014-01-01T00:00:00.000Z/2014-07-01T00:00:00.000Z"

    april = QgsDateTimeRange(utc(2014, 4), utc(2014, 5), True, False)
    may = QgsDateTimeRange(utc(2014, 5), utc(2014, 6), True, False)
    live_april, live_may, live_off = (render_pixels(layer, WMS_EXTENT, april), render_pixels(layer, WMS_EXTENT, may),
                                      render_pixels(layer, WMS_EXTENT))
    assert same_fraction(live_off, live_april) == 1.0  # controller off: the loaded month
    assert same_fraction(live_may, live_april) < 0.5  # the controller's month reached the server
    for month, live in (("2014-04-01", live_april), ("2014-05-01", live_may)):
        local, _ = run_load(loader, session, request(workflow_id, bounds=WMS_EXTENT, name=f"NDVI file {month}",
                                                     start=f"{month}T00:00:00.000Z"))
        assert local.ok, local.error
        # the server drew that month's data
        assert same_fraction(live, render_pixels(local.layers[0], WMS_EXTENT)) > 0.95, month

    monthly(canvas.navigation)
    canvas.navigation.setCurrentFrameNumber(4)  # May: the stored time follows
    assert layer.customProperty("geoengine/time").startswith("2014-05-01T00:00:00.000Z/")


def test_panning_away_fetches_the_step_for_the_new_view(server, session, loader, temporal, canvas):
    from qgis.core import QgsCoordinateReferenceSystem, QgsRectangle

    canvas.resize(400, 400)
    canvas.setDestinationCrs(QgsCoordinateReferenceSystem("EPSG:4326"))
    canvas.setExtent(QgsRectangle(10.0, 45.0, 15.0, 50.0))  # inside the layer's extent
    workflow_id = register(session, NDVI)
    outcome, _ = run_load(loader, session, request(workflow_id, bounds=BOUNDS, name="NDVI"))
    assert outcome.ok, outcome.error
    layer = outcome.layers[0]
    assert wait_until(lambda: temporal.following(layer.id()) and not temporal.busy(layer.id()), timeout=20)
    monthly(canvas.navigation)
    canvas.navigation.setCurrentFrameNumber(3)  # April, after January was fetched for the stored extent
    assert wait_until(lambda: not temporal.busy(layer.id())
                      and layer.customProperty("geoengine/time_slice", "").startswith("2014-04-01"), timeout=30)
    fetched = temporal.fetch_count
    assert [float(v) for v in layer.customProperty("geoengine/extent").split(",")] == list(BOUNDS)

    canvas.setExtent(QgsRectangle(-65.0, -20.0, -50.0, -5.0))  # pan to South America: outside the extent
    assert wait_until(lambda: temporal.fetch_count == fetched + 1 and not temporal.busy(layer.id()),
                              timeout=30), "panning away did not fetch the current step for the new view"
    stored = [float(v) for v in layer.customProperty("geoengine/extent").split(",")]
    view = canvas.mapSettings().visibleExtent()
    assert stored[0] <= view.xMinimum() + 1e-6 and stored[2] >= view.xMaximum() - 1e-6
    extent = layer.extent()
    assert extent.contains(QgsRectangle(-64.0, -19.0, -51.0, -6.0))
    spatial = layer.metadata().extent().spatialExtents()[0].bounds
    assert (spatial.xMinimum(), spatial.yMaximum()) == (stored[0], stored[3])
    points = [(-60.0, -10.0), (-55.5, -15.2), (-62.3, -8.1), (-52.0, -12.0)]
    _, geotransform = tiff_values("2014-04-01")
    assert layer_values(layer, points, geotransform) == expected_values("2014-04-01", points)
    assert layer.name() == "NDVI"

    canvas.setExtent(QgsRectangle(-60.0, -15.0, -55.0, -10.0))  # zoom in: the fetched view covers it
    assert temporal._pan_timer.isActive()  # the debounced view check is scheduled ...
    assert wait_until(lambda: not temporal._pan_timer.isActive(), timeout=10)  # ... and has run
    assert temporal.fetch_count == fetched + 1 and not temporal.busy(layer.id())

    before = computations(server)
    canvas.setExtent(QgsRectangle(10.0, 45.0, 15.0, 50.0))  # back to Europe: April for BOUNDS is cached
    assert wait_until(lambda: [float(v) for v in layer.customProperty("geoengine/extent").split(",")]
                              == list(BOUNDS), timeout=5), layer.customProperty("geoengine/extent")
    europe = [(11.58, 48.14), (13.4, 47.5), (10.5, 45.7)]
    assert layer_values(layer, europe, geotransform) == expected_values("2014-04-01", europe)
    assert temporal.fetch_count == fetched + 1 and computations(server) == before
