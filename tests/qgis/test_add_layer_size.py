"""The size guard in the Add-layer dialog: the download size is shown as extent, time and bands change; over the
limit the dialog asks ("Add anyway") instead of saying "Ready."; the progress row's Cancel stops a load, which
then says "cancelled" (the task ends as complete with "cancelled" in its name, not as "Task failed").

Expected sizes are worked out here from the NDVI GeoTIFF's pixel size (GDAL) and Geo Engine's 512-pixel tiles
anchored at (0, 0)."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from plugin_support import NDVI_ID, wait_until
from test_add_layer_dialog import canvas, dialog, parts, store  # noqa: F401 - the dialog's fixtures

pytestmark = pytest.mark.qgis
NDVI_TIFF = (Path(__file__).resolve().parents[1]
             / "data/geoengine-test-data/raster/modis_ndvi/MOD13A2_M_NDVI_2014-04-01.TIFF")
TILE = 512


@pytest.fixture
def limit_mb():
    from geoengine_qgis.qgis_glue.plugin_settings import MAX_DOWNLOAD_MB
    from qgis.core import QgsSettings

    def set_limit(megabytes):
        QgsSettings().setValue(MAX_DOWNLOAD_MB, megabytes)

    yield set_limit
    QgsSettings().remove(MAX_DOWNLOAD_MB)


def expected_pixels(xmin, ymin, xmax, ymax):
    """Columns and rows of the tiles covering the box (512 px tiles of the GeoTIFF's pixel size from (0, 0))."""
    from osgeo import gdal

    pixel = gdal.Open(str(NDVI_TIFF)).GetGeoTransform()[1]
    span = TILE * pixel
    columns = (math.floor(xmax / span) - math.floor(xmin / span) + 1) * TILE
    rows = (math.floor(ymax / span) - math.floor(ymin / span) + 1) * TILE
    return columns, rows


def set_extent(dialog, box):  # noqa: F811
    from qgis.core import QgsCoordinateReferenceSystem, QgsRectangle

    dialog.extent_box.setOutputExtentFromUser(QgsRectangle(*box), QgsCoordinateReferenceSystem("EPSG:4326"))


def ndvi_native(dialog):  # noqa: F811
    from geoengine_qgis.core import resolution

    dialog.id_edit.setText(NDVI_ID)
    assert wait_until(lambda: dialog.descriptor is not None), dialog.message_label.text()
    dialog.resolution_row.mode_combo.setCurrentIndex(dialog.resolution_row.mode_combo.findData(resolution.NATIVE))
    return dialog


def test_the_size_follows_extent_time_and_bands(dialog):  # noqa: F811
    ndvi_native(dialog)
    small, large = (10.5, 0.5, 19.5, 9.5), (-20.0, -36.0, 53.0, 38.0)
    set_extent(dialog, small)
    columns, rows = expected_pixels(*small)
    assert f"1 time slice x 1 band x {columns} x {rows} px" in dialog.size_label.text(), dialog.size_label.text()
    set_extent(dialog, large)
    columns, rows = expected_pixels(*large)
    assert (columns, rows) != expected_pixels(*small)
    assert f"1 time slice x 1 band x {columns} x {rows} px" in dialog.size_label.text(), dialog.size_label.text()
    dialog.end_edit.setDateTime(dialog.start_edit.dateTime().addMonths(3))  # Jan, Feb, Mar
    assert f"3 time slices x 1 band x {columns} x {rows} px" in dialog.size_label.text(), dialog.size_label.text()
    assert dialog.message_label.text() == "Ready." and dialog.ok_button.text() == "Add layer"


def test_an_extent_off_the_data_is_named_before_adding(dialog):  # noqa: F811
    ndvi_native(dialog)
    set_extent(dialog, (252.8, 87.9, 630.6, 399.9))  # the field report's panned-off map
    assert not dialog.ok_button.isEnabled()
    assert dialog.message_label.text().startswith("Extent:"), dialog.message_label.text()


def test_over_the_limit_the_dialog_asks(dialog, limit_mb):  # noqa: F811
    ndvi_native(dialog)
    box = (-20.0, -36.0, 53.0, 38.0)
    set_extent(dialog, box)
    columns, rows = expected_pixels(*box)
    size = columns * rows * 1  # U8: one byte per pixel
    limit_mb(1)
    assert size > 1024 * 1024
    dialog._update()  # settings are read when the input changes; here the limit changed under the dialog
    assert dialog.ok_button.isEnabled() and dialog.ok_button.text() == "Add anyway"
    assert dialog.message_label.text().startswith("Large download.") and "Add it anyway?" in \
        dialog.message_label.text()
    assert "Ready." not in dialog.message_label.text()
    assert dialog.build_request(NDVI_ID).options.confirmed_bytes == size  # the loader does not ask again
    set_extent(dialog, (10.5, 0.5, 19.5, 9.5))  # one tile: under the limit
    assert dialog.message_label.text() == "Ready." and dialog.ok_button.text() == "Add layer"
    assert dialog.build_request(NDVI_ID).options.confirmed_bytes == 0


def test_cancel_in_the_progress_row_stops_the_load_and_says_cancelled(dialog, project, faults):  # noqa: F811
    from qgis.core import QgsApplication, QgsTask

    ndvi_native(dialog)
    statuses = {}
    manager = QgsApplication.taskManager()

    def record(task_id, status):
        task = manager.task(task_id)
        if task is not None:
            statuses[task_id] = (task.description(), status)  # the last one is how it ended

    manager.statusChanged.connect(record)
    try:
        faults.latency_s = 0.5  # every request waits: time to press Cancel
        dialog.ok_button.click()
        assert dialog.progress_row.isVisibleTo(dialog) and not dialog.form_widget.isEnabled()
        # cancelled while it runs (a task still queued ends without any notification from QGIS)
        assert wait_until(lambda: dialog.load_task is not None
                          and dialog.load_task.status() == QgsTask.TaskStatus.Running)
        dialog.cancel_load_button.click()
        assert wait_until(lambda: dialog.load_task is None, timeout=30)
    finally:
        manager.statusChanged.disconnect(record)
    assert dialog.message_label.text() == "Load cancelled: nothing was added."
    assert project.count() == 0 and dialog.result() != dialog.Accepted
    assert not dialog.progress_row.isVisibleTo(dialog) and dialog.form_widget.isEnabled()
    ours = [end for end in statuses.values() if end[0].startswith("Geo Engine: load")]
    # QGIS names an ended task by its description: "Task complete: Geo Engine: load NDVI: cancelled", never
    # "Task failed", which it says for Terminated tasks
    assert ours == [("Geo Engine: load NDVI: cancelled", QgsTask.TaskStatus.Complete)], ours
