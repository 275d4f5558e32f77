"""Plot dock in a headless QGIS against the test server: a histogram drawn with QPainter, a statistics table equal
to numpy on the NDVI window, exports, the loader hand-over, and error paths."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from osgeo import gdal
from plugin_support import NDVI, register, wait_for_fetch

pytestmark = pytest.mark.qgis

AFRICA = (-20.0, -36.0, 53.0, 38.0)
# raster plots take the whole 512 px tiles the extent touches (Geo Engine 0.9.3): on NDVI (0.1 degree, anchor (0, 0))
# tile columns -1..1 and rows -1..0, i.e. lon -51.2..102.4, lat 51.2..-51.2: rows 388..1412, columns 1288..2824
WINDOW = (slice(388, 1412), slice(1288, 2824))
APRIL = "2014-04-01T00:00:00.000Z"
BUCKETS = 20


def histogram(buckets=BUCKETS):
    return {"type": "Plot", "operator": {"type": "Histogram", "params": {
        "bounds": "data", "buckets": {"type": "number", "value": buckets}, "attributeName": "ndvi"},
        "sources": {"source": NDVI["operator"]}}}


STATISTICS = {"type": "Plot", "operator": {"type": "Statistics", "params": {
    "columnNames": ["ndvi"], "percentiles": [0.25, 0.5, 0.75]}, "sources": {"source": [NDVI["operator"]]}}}


@pytest.fixture
def dock(plugin, tree_iface):
    from geoengine_qgis.ui.plot_dock import PlotDock

    widget = PlotDock(plugin.with_session, plugin.tasks, tree_iface.mapCanvas(), plugin.store.names,
                      tree_iface.mainWindow())
    widget.resize(700, 520)
    yield widget
    widget.deleteLater()


def show(dock, workflow_id, connection="admin", bounds=AFRICA, time=APRIL):
    from qgis.core import QgsCoordinateReferenceSystem, QgsRectangle

    dock.show_plot(connection, workflow_id, QgsRectangle(*bounds), QgsCoordinateReferenceSystem("EPSG:4326"), time)
    assert wait_for_fetch(lambda: dock.state in ("ready", "error", "raw"))


def ndvi_april(server):
    path = server.config.data_dir / "raster/modis_ndvi/MOD13A2_M_NDVI_2014-04-01.TIFF"
    array = gdal.Open(str(path)).ReadAsArray()[WINDOW].astype(np.float64)
    return array, array[array != 0]


def bar_runs(image, y):
    """Runs of the bar colour along row ``y`` of a QImage."""
    from geoengine_qgis.ui.charts import BAR_COLOR

    runs, inside = 0, False
    for x in range(image.width()):
        is_bar = image.pixelColor(x, y).rgb() == BAR_COLOR.rgb()
        runs += is_bar and not inside
        inside = is_bar
    return runs


def test_histogram_is_drawn_with_one_bar_per_bucket(dock, base_url, tmp_path):
    from geoengine_qgis.qgis_glue.plot_model import BarChart
    from geoengine_qgis.ui.charts import BAR_COLOR, render_bar_chart

    show(dock, register(base_url, histogram()))
    assert dock.state == "ready", dock.status.text()
    chart = dock.content
    assert isinstance(chart, BarChart) and chart.binned
    spec = json.loads(dock.output["data"]["vegaString"])
    assert len(chart.bars) == len(spec["data"]["values"]) == BUCKETS
    assert [b.value for b in chart.bars] == [v["Frequency"] for v in spec["data"]["values"]]

    image, layout = render_bar_chart(chart, 800, 480)
    assert len(layout.bars) == BUCKETS
    colours = {image.pixelColor(x, y).rgb() for x in range(0, 800, 3) for y in range(0, 480, 3)}
    assert len(colours) > 2  # not blank
    baseline = int(layout.plot_area.bottom()) - 1
    assert bar_runs(image, baseline) == sum(1 for b in chart.bars if b.value > 0)
    tallest = max(range(BUCKETS), key=lambda i: chart.bars[i].value)
    assert min(layout.bars, key=lambda r: r.top()) == layout.bars[tallest]
    assert image.pixelColor(int(layout.bars[tallest].center().x()), int(layout.bars[tallest].top()) + 1) == BAR_COLOR

    png = dock.export_png(str(tmp_path / "histogram.png"))
    exported = gdal.Open(str(png))
    assert (exported.RasterXSize, exported.RasterYSize) == (800, 480)
    saved = json.loads(dock.export_json(str(tmp_path / "histogram.json")).read_text())
    assert saved == dock.output


def test_statistics_table_equals_numpy_on_the_ndvi_window(dock, base_url, server):
    from geoengine_qgis.qgis_glue.plot_model import TablePlot

    show(dock, register(base_url, STATISTICS))
    assert dock.state == "ready", dock.status.text()
    table = dock.content
    assert isinstance(table, TablePlot) and table.columns == ["statistic", "ndvi"]
    window, valid = ndvi_april(server)
    expected = {"valueCount": window.size, "validCount": valid.size, "min": valid.min(), "max": valid.max(),
                "mean": valid.mean(), "stddev": valid.std(), "p25": np.quantile(valid, 0.25),
                "p50": np.quantile(valid, 0.5), "p75": np.quantile(valid, 0.75)}
    for key, value in expected.items():
        assert table.values[(key, "ndvi")] == pytest.approx(value, rel=1e-9), key
    # the widget shows the same rows
    shown = {dock.table.item(r, 0).text(): dock.table.item(r, 1).text() for r in range(dock.table.rowCount())}
    assert shown["mean"] == f"{valid.mean():.6g}" and shown["validCount"] == str(valid.size)
    assert "512 px tiles touching the extent" in dock.info.text()  # the user learns the area really counted


def test_loader_hand_over_shows_a_fetched_plot(dock, plugin, tree_iface, base_url, tmp_path):
    from geoengine_qgis.qgis_glue.layers import LayerRequest, WorkflowLayerLoader
    from geoengine_qgis.qgis_glue.tempfiles import PluginTempDir
    from qgis.core import QgsCoordinateReferenceSystem, QgsRectangle

    workflow_id = register(base_url, histogram(5))
    loader = WorkflowLayerLoader(plugin.tasks, PluginTempDir(str(tmp_path)), plugin.notifier,
                                 plot_handler=dock.show_fetched)
    outcomes = []

    def load(session):
        request = LayerRequest(workflow_id, QgsRectangle(*AFRICA), QgsCoordinateReferenceSystem("EPSG:4326"), APRIL,
                               connection_name="admin")
        loader.load(session, request, on_done=outcomes.append)

    plugin.with_session("admin", load)
    assert wait_for_fetch(lambda: bool(outcomes))
    assert outcomes[0].ok
    assert dock.state == "ready" and len(dock.content.bars) == 5
    assert workflow_id in dock.info.text()


def test_errors_show_a_message(dock, base_url):
    raster_id = register(base_url, NDVI)
    show(dock, raster_id)
    assert dock.state == "error" and "not a plot" in dock.status.text()

    show(dock, "5a7b1c9d-0000-4000-8000-000000000002")
    assert dock.state == "error" and "The server does not know this workflow ID" in dock.status.text()
    assert "Traceback" not in dock.status.text()

    show(dock, register(base_url, STATISTICS), connection="down")
    assert dock.state == "error" and "Check the server URL" in dock.status.text()

    dock.show_plot("admin", "not-a-uuid")
    assert dock.state == "error" and "workflow_id: not a UUID: 'not-a-uuid'" in dock.status.text()


def test_defaults_are_the_canvas_extent_crs_and_temporal_range(dock, tree_iface, base_url):
    from qgis.core import (
        QgsCoordinateReferenceSystem,
        QgsCoordinateTransform,
        QgsDateTimeRange,
        QgsProject,
        QgsRectangle,
    )
    from qgis.PyQt.QtCore import QDateTime, Qt

    canvas = tree_iface.mapCanvas()
    canvas.resize(400, 400)
    canvas.setDestinationCrs(QgsCoordinateReferenceSystem("EPSG:3857"))
    canvas.setExtent(QgsRectangle(0, 0, 1_000_000, 1_000_000))
    canvas.setTemporalRange(QgsDateTimeRange(QDateTime(2014, 2, 1, 0, 0, 0, 0, Qt.TimeSpec.UTC),
                                             QDateTime(2014, 3, 1, 0, 0, 0, 0, Qt.TimeSpec.UTC)))
    assert canvas.mapSettings().isTemporal()
    dock.show_plot("admin", register(base_url, STATISTICS))
    assert wait_for_fetch(lambda: dock.state in ("ready", "error"))
    assert dock.state == "ready", dock.status.text()
    request = dock.request
    assert request.crs.authid() == "EPSG:3857"
    assert request.time == ("2014-02-01T00:00:00.000Z", "2014-03-01T00:00:00.000Z")
    assert "2014-02-01T00:00:00.000Z" in dock.info.text() and "EPSG:4326" in dock.info.text()
    visible = canvas.mapSettings().visibleExtent()
    assert request.extent == visible
    transform = QgsCoordinateTransform(canvas.mapSettings().destinationCrs(), QgsCoordinateReferenceSystem("EPSG:4326"),
                                       QgsProject.instance())
    expected = transform.transformBoundingBox(visible)
    assert f"{expected.xMaximum():.4g}, {expected.yMaximum():.4g} (EPSG:4326)" in dock.info.text()
    assert dock.content.values[("validCount", "ndvi")] > 0


def test_follow_map_plots_again_for_the_new_extent(dock, tree_iface, base_url):
    from qgis.core import QgsCoordinateReferenceSystem, QgsRectangle

    canvas = tree_iface.mapCanvas()
    canvas.setDestinationCrs(QgsCoordinateReferenceSystem("EPSG:4326"))
    canvas.setExtent(QgsRectangle(*AFRICA))
    show(dock, register(base_url, STATISTICS), time=APRIL)
    first = dock.content.values[("validCount", "ndvi")]
    dock.follow_check.setChecked(True)
    canvas.setExtent(QgsRectangle(10.0, 0.0, 20.0, 10.0))
    assert wait_for_fetch(lambda: dock.request.extent != QgsRectangle(*AFRICA) and dock.state == "ready")
    assert dock.request.extent == canvas.mapSettings().visibleExtent()
    assert 0 < dock.content.values[("validCount", "ndvi")] < first
    dock.set_follow_map(False)
    assert not dock.follow_check.isChecked()
    before = dock.request
    canvas.setExtent(QgsRectangle(*AFRICA))
    # following would start the debounced re-plot in the extentsChanged slot, synchronously
    assert not dock._follow_timer.isActive()
    assert dock.request is before and dock.state == "ready"  # no longer following


def test_unsupported_vega_is_shown_as_json(dock):
    spec = {"mark": "line", "data": {"values": [{"t": 1, "v": 2}]},
            "encoding": {"x": {"field": "t"}, "y": {"field": "v"}}}
    dock.show_output({"outputFormat": "JsonVega", "plotType": "X", "data": {"vegaString": json.dumps(spec)}})
    assert dock.state == "raw"
    assert "mark 'line'" in dock.status.text()
    assert json.loads(dock.raw.toPlainText())["plotType"] == "X"


def test_png_plot_is_shown_as_the_image_and_exported_unchanged(dock, tmp_path):
    import base64

    from qgis.PyQt.QtCore import QBuffer, QByteArray, QIODevice
    from qgis.PyQt.QtGui import QColor, QImage

    image = QImage(3, 2, QImage.Format.Format_ARGB32)
    colours = [[(255, 0, 0), (0, 255, 0), (0, 0, 255)], [(10, 20, 30), (40, 50, 60), (70, 80, 90)]]
    for y, row in enumerate(colours):
        for x, rgb in enumerate(row):
            image.setPixelColor(x, y, QColor(*rgb))
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    assert image.save(buffer, "PNG")
    png = bytes(data)
    dock.show_output({"outputFormat": "ImagePng", "plotType": "Histogram",
                      "data": "data:image/png;base64," + base64.b64encode(png).decode()})
    assert dock.state == "ready" and dock.stack.currentWidget() is dock.image_label
    assert dock.status.text().endswith("Histogram (ImagePng).")
    shown = dock.image_label.pixmap().toImage()
    assert (shown.width(), shown.height()) == (3, 2)
    assert [[shown.pixelColor(x, y).getRgb()[:3] for x in range(3)] for y in range(2)] == colours
    assert dock.export_png(str(tmp_path / "plot.png")).read_bytes() == png

    dock.show_output({"outputFormat": "ImagePng", "plotType": "Histogram",
                      "data": base64.b64encode(b"GIF89a not a png").decode()})
    assert dock.state == "raw" and "not a PNG image" in dock.status.text()


def test_without_a_map_time_a_plot_uses_its_datas_first_step_not_today(dock, tree_iface, base_url):
    """The canvas is not temporal: the plot's descriptor carries its input's time bounds (as the real Histogram's
    does), so the dock plots NDVI's first month, whose file is the first of the test data's months."""
    from qgis.core import QgsCoordinateReferenceSystem, QgsRectangle

    first = sorted(p.name for p in (Path(__file__).resolve().parents[1] / "data/geoengine-test-data/raster/modis_ndvi")
                   .glob("*.TIFF"))[0]
    month = first.rsplit("_", 1)[1].split(".")[0]  # MOD13A2_M_NDVI_2014-01-01.TIFF -> 2014-01-01
    assert not tree_iface.mapCanvas().mapSettings().isTemporal()
    dock.show_plot("admin", register(base_url, histogram()), QgsRectangle(*AFRICA),
                   QgsCoordinateReferenceSystem("EPSG:4326"))
    assert wait_for_fetch(lambda: dock.state in ("ready", "error", "raw"))
    assert dock.state == "ready", dock.status.text()
    assert f"time {month}T00:00:00.000Z" in dock.info.text(), dock.info.text()
