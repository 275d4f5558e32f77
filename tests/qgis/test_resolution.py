"""Loading rasters at the canvas's (or a given) resolution: the layer holds the data downsampled the way Geo Engine's
Downsampling operator does (expected pixels computed here with numpy from the TIFF), says its resolution, and
``auto`` keeps small loads native."""

from __future__ import annotations

import numpy as np
import pytest
from layer_support import NDVI_TIFF
from osgeo import gdal
from plugin_support import NDVI, request, run_load, wait_until
from plugin_support import register_in as register
from resolution_support import layer_array, load_ndvi, ndvi_downsampled, resolution

pytestmark = pytest.mark.qgis

WORLD = (-180.0, -90.0, 180.0, 90.0)
SYNTHETIC = {"type": "Raster", "operator": {"type": "GdalSource", "params": {"data": "synthetic_u16"}}}


def test_canvas_resolution_load_equals_the_tiff_downsampled_like_geo_engine(loader, session):
    workflow_id = register(session, NDVI)
    # a 1200 x 600 px canvas on the world: 0.3 degree pixels, three native pixels each
    outcome, _ = run_load(loader, session, request(workflow_id, bounds=WORLD, name="NDVI",
                                                   resolution=resolution("canvas", (1200, 600))))
    assert outcome.ok, outcome.error
    layer = outcome.layers[0]
    assert abs(layer.rasterUnitsPerPixelX() - 0.3) < 1e-9 and abs(layer.rasterUnitsPerPixelY() - 0.3) < 1e-9
    assert "(canvas 0.3 x 0.3)" in layer.name()
    stored = layer.customProperty("geoengine/resolution")
    assert stored.startswith("canvas:") and [round(float(v), 9) for v in stored[7:].split(",")] == [0.3, 0.3]
    assert layer.customProperty("geoengine/workflow_id") == workflow_id  # the original workflow, not the wrapper
    assert "Resolution: canvas, 0.3 x 0.3 per pixel" in layer.metadata().abstract()
    got, gt = layer_array(layer)
    want = ndvi_downsampled(3, gt, got.shape)
    assert (got.mask == want.mask).all()
    assert (~got.mask).sum() > 50_000 and (got.data[~got.mask] == want.data[~want.mask]).all()


def test_a_given_resolution_is_rounded_to_a_whole_multiple_of_the_native_pixel(loader, session):
    layer = load_ndvi(loader, session, (0, 0, 40, 40), resolution("custom", pixel_size=(0.52, 0.48)))
    assert abs(layer.rasterUnitsPerPixelX() - 0.5) < 1e-9  # 5.2 native pixels -> 5, the same on both axes
    got, gt = layer_array(layer)
    want = ndvi_downsampled(5, gt, got.shape)
    assert (got.mask == want.mask).all() and (got.data[~got.mask] == want.data[~want.mask]).all()


def test_auto_keeps_a_small_load_native_and_takes_the_canvas_for_a_huge_one(loader, session):
    ndvi = register(session, NDVI)
    outcome, _ = run_load(loader, session, request(ndvi, name="small", resolution=resolution("auto", (800, 800))))
    assert outcome.ok, outcome.error
    small = outcome.layers[0]
    assert abs(small.rasterUnitsPerPixelX() - 0.1) < 1e-9 and "(" not in small.name()
    assert small.customProperty("geoengine/resolution") == "native"
    assert "Resolution: native" in small.metadata().abstract()

    synthetic = register(session, SYNTHETIC)  # 200 000 x 100 000 px: 40 GB at native resolution
    outcome, _ = run_load(loader, session, request(synthetic, bounds=WORLD, name="synthetic",
                                                   start="2014-04-01T00:00:00.000Z",
                                                   resolution=resolution("auto", (995, 497))))
    assert outcome.ok, outcome.error
    layer = outcome.layers[0]
    # 0.3622 degrees per canvas pixel -> 201 native pixels of 0.0018 (whole multiples only)
    assert abs(layer.rasterUnitsPerPixelX() - 0.3618) < 1e-9 and "(canvas 0.3618 x 0.3618)" in layer.name()
    got, gt = layer_array(layer)
    assert got.count() > 400_000
    # nearest neighbour of the closed form: output pixel j covers native pixels 201 j .. 201 j + 200 from the
    # GeoTIFF's corner; its centre is native pixel 201 j + 100
    col0, row0 = round((gt[0] + 180) / 0.0018), round((90 - gt[3]) / 0.0018)
    cols = col0 + np.arange(got.shape[1], dtype=np.int64) * 201 + 100
    rows = row0 + np.arange(got.shape[0], dtype=np.int64) * 201 + 100
    inside = ((rows >= 0) & (rows < 100_000))[:, None] & ((cols >= 0) & (cols < 200_000))[None, :]
    want = (cols[None, :] * 7 + rows[:, None] * 13) % 65521
    assert (got.mask == ~inside).all() and (got.data[inside] == want[inside]).all()


# --- the Add-layer dialog's Resolution row -----------------------------------------------------------------
from test_add_layer_dialog import NDVI_ID, canvas, dialog, parts, store  # noqa: E402,F401  (fixtures)


def test_the_dialog_loads_at_the_map_canvas_resolution(dialog, canvas, project):  # noqa: F811
    import math

    from geoengine_qgis.core.resolution import CANVAS
    from qgis.core import QgsRectangle

    canvas.setExtent(QgsRectangle(*WORLD))
    dialog.extent_box.setCurrentExtent(canvas.extent(), canvas.mapSettings().destinationCrs())
    dialog.extent_box.setOutputExtentFromCurrent()
    dialog.id_edit.setText(NDVI_ID)
    assert wait_until(lambda: dialog.descriptor is not None)
    assert dialog.resolution_row.isEnabled()
    dialog.resolution_row.mode_combo.setCurrentIndex(dialog.resolution_row.mode_combo.findData(CANVAS))
    assert not dialog.resolution_row.size_spin.isEnabled()  # only for a given pixel size
    factor = math.floor(canvas.mapUnitsPerPixel() / 0.1 + 1e-6)
    assert factor >= 2
    dialog.range_check.setChecked(False)
    dialog.ok_button.click()
    assert wait_until(lambda: project.count() == 1, timeout=60)
    layer = next(iter(project.mapLayers().values()))
    assert abs(layer.rasterUnitsPerPixelX() - factor * 0.1) < 1e-9
    assert "(canvas" in layer.name() and layer.customProperty("geoengine/resolution").startswith("canvas:")


# --- Processing: Load workflow raster with Resolution = Pixel size ------------------------------------------
from test_processing_algorithms import APRIL, NDVI_JSON, processing, run, url  # noqa: E402,F401  (fixtures)
from test_processing_algorithms import register as register_json  # noqa: E402


def test_processing_loads_at_a_given_pixel_size(processing, url, tmp_path):  # noqa: F811
    from qgis.core import QgsProcessingException

    workflow_id = register_json(processing, url, NDVI_JSON)
    target = tmp_path / "coarse.tif"
    run(processing, "loadworkflowraster", {"CONNECTION": url, "WORKFLOW": workflow_id,
                                           "EXTENT": "0,40,0,40 [EPSG:4326]", "TIME_START": APRIL,
                                           "RESOLUTION": 2, "PIXEL_SIZE": 0.3, "OUTPUT": str(target)})
    dataset = gdal.Open(str(target))
    gt = dataset.GetGeoTransform()
    assert abs(gt[1] - 0.3) < 1e-9 and abs(gt[5] + 0.3) < 1e-9
    values = dataset.GetRasterBand(1).ReadAsArray()
    nodata = dataset.GetRasterBand(1).GetNoDataValue()
    got = np.ma.MaskedArray(values, mask=values == nodata)
    want = ndvi_downsampled(3, gt, got.shape)
    assert (got.mask == want.mask).all() and (got.data[~got.mask] == want.data[~want.mask]).all()
    with pytest.raises(QgsProcessingException, match="positive Pixel size"):
        run(processing, "loadworkflowraster", {"CONNECTION": url, "WORKFLOW": workflow_id,
                                               "EXTENT": "0,40,0,40 [EPSG:4326]", "TIME_START": APRIL,
                                               "RESOLUTION": 2, "OUTPUT": str(tmp_path / "x.tif")})


def test_the_canvas_resolution_comes_from_the_whole_view_not_the_part_with_data(loader, session):
    # a canvas of 720 x 360 px showing twice the world: one degree per pixel, although the data covers half of it
    layer = load_ndvi(loader, session, (-360, -180, 360, 180), resolution("canvas", (720, 360)))
    assert abs(layer.rasterUnitsPerPixelX() - 1.0) < 1e-9


def test_a_finer_pixel_size_interpolates_bilinearly_from_the_native_pixels(loader, session):
    layer = load_ndvi(loader, session, (10, 40, 20, 50), resolution("custom", pixel_size=(0.05, 0.05)))
    assert abs(layer.rasterUnitsPerPixelX() - 0.05) < 1e-9 and "(custom 0.05 x 0.05)" in layer.name()
    got, gt = layer_array(layer)
    source = gdal.Open(str(NDVI_TIFF.format("2014-04-01")))
    values = source.GetRasterBand(1).ReadAsArray().astype(np.int64)
    # every second output pixel's upper-left corner is a native pixel's corner: bilinear weights (1, 0, 0, 0), so
    # it is that native pixel (Rust's ``as`` truncates, and 0.1 * 0.1 / (0.1 * 0.1) may land a hair below 1)
    col0, row0 = round((gt[0] + 180) / 0.1), round((90 - gt[3]) / 0.1)
    corner = got[0::2, 0::2]
    native = values[row0:row0 + corner.shape[0], col0:col0 + corner.shape[1]]
    ok = ~np.ma.getmaskarray(corner)
    assert ok.sum() > 1000
    assert set(np.unique(np.ma.getdata(corner)[ok].astype(np.int64) - native[ok]).tolist()) <= {-1, 0}
    # in between: the mean of two neighbours (weights 1/2, 1/2), truncated
    between = got[0::2, 1::2][:, :-1]
    left = native[:, :between.shape[1]]
    right = values[row0:row0 + between.shape[0], col0 + 1:col0 + 1 + between.shape[1]]
    fine = ~np.ma.getmaskarray(between) & (left != 0) & (right != 0)
    expected = (left + right)[fine] / 2
    assert set(np.unique(np.ma.getdata(between)[fine] - np.floor(expected + 1e-9)).tolist()) <= {-1, 0}
