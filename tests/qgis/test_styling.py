"""Geo Engine symbology -> QGIS renderers: palette (NDVI), multiBand (Natural Earth RGB), linear and logarithmic
gradients with under/over colours, the default grey stretch, and colorizers naming bands that were not loaded."""

from __future__ import annotations

import numpy as np
import pytest
from layer_support import DATA, LAYER_DB, NE_RGB_LAYER
from osgeo import gdal, osr
from plugin_support import NDVI, request, run_load

pytestmark = pytest.mark.qgis


def block_color(block, row, col):
    from qgis.PyQt.QtGui import QColor

    return QColor.fromRgba(block.color(row, col))


def ramp_shader(layer):
    return layer.renderer().shader().rasterShaderFunction()


def test_ndvi_gets_its_256_entry_palette(loader, session):
    from geoengine_qgis.core.workflow import register_workflow
    from qgis.core import QgsPalettedRasterRenderer

    workflow_id = register_workflow(NDVI, session=session).workflow_id
    outcome, _ = run_load(loader, session, request(workflow_id, bounds=(0, 0, 10, 10)))
    assert outcome.ok, outcome.error
    assert outcome.styling == ["symbology:PaletteColorizer"]
    renderer = outcome.layers[0].renderer()
    assert isinstance(renderer, QgsPalettedRasterRenderer) and renderer.band() == 1
    classes = {c.value: c.color for c in renderer.classes()}
    assert len(classes) == 256
    assert classes[0].alpha() == 0 and classes[1].getRgb() == (235, 223, 214, 255)
    assert renderer.nodataColor().alpha() == 0


def test_a_given_symbology_overrides_the_datasets(loader, session):
    from geoengine_qgis.core.workflow import register_workflow
    from geoengine_qgis.qgis_glue.layers import LayerOptions
    from qgis.core import QgsSingleBandPseudoColorRenderer

    workflow_id = register_workflow(NDVI, session=session).workflow_id
    grey = gradient("linearGradient", [(1, (0, 0, 0, 255)), (254, (255, 255, 255, 255))])
    outcome, _ = run_load(loader, session, request(workflow_id, bounds=(0, 0, 10, 10),
                                                   options=LayerOptions(symbology=grey)))
    assert outcome.ok, outcome.error
    assert outcome.styling == ["symbology:LinearGradientColorizer"]
    renderer = outcome.layers[0].renderer()
    assert isinstance(renderer, QgsSingleBandPseudoColorRenderer)
    assert (renderer.classificationMin(), renderer.classificationMax()) == (1, 254)


def test_natural_earth_rgb_layer_gets_a_multiband_renderer(loader, session):
    from geoengine_qgis.core.datasets import get_layer, layer_workflow_id
    from geoengine_qgis.qgis_glue.layers import LayerOptions
    from qgis.core import QgsContrastEnhancement, QgsMultiBandColorRenderer

    layer_info = get_layer(LAYER_DB, NE_RGB_LAYER, session=session)
    workflow_id = layer_workflow_id(LAYER_DB, NE_RGB_LAYER, session=session)
    bounds = (5.0, 45.0, 15.0, 55.0)
    outcome, _ = run_load(loader, session, request(workflow_id, bounds=bounds, name="NE RGB",
                                                   options=LayerOptions(symbology=layer_info.symbology)))
    assert outcome.ok, outcome.error
    layer = outcome.layers[0]
    assert layer.bandCount() == 3 and layer.customProperty("geoengine/bands") == "0,1,2"
    renderer = layer.renderer()
    assert isinstance(renderer, QgsMultiBandColorRenderer)
    # Geo Engine bands (blue, green, red) = 0, 1, 2; redBand 2 -> QGIS band 3, blueBand 0 -> QGIS band 1
    assert (renderer.redBand(), renderer.greenBand(), renderer.blueBand()) == (3, 2, 1)
    for enhancement in (renderer.redContrastEnhancement(), renderer.greenContrastEnhancement(),
                        renderer.blueContrastEnhancement()):
        assert enhancement.contrastEnhancementAlgorithm() == QgsContrastEnhancement.StretchToMinimumMaximum
        assert (enhancement.minimumValue(), enhancement.maximumValue()) == (0, 255)

    # the rendered colours are the source file's RGB (stretch 0..255 is the identity)
    source = gdal.Open(str(DATA / "raster/natural_earth_2/NE2_150M_SR_W.tif"))
    x0, dx, _, y0, _, dy = source.GetGeoTransform()
    rgb = [source.GetRasterBand(b).ReadAsArray() for b in (1, 2, 3)]
    extent = layer.extent()
    width, height = layer.width(), layer.height()
    block = renderer.block(1, extent, width, height)
    for x, y in ((8.05, 50.05), (12.55, 46.25), (6.15, 53.95)):  # pixel centres
        col, row = int((x - extent.xMinimum()) / layer.rasterUnitsPerPixelX()), int(
            (extent.yMaximum() - y) / layer.rasterUnitsPerPixelY())
        src_col, src_row = int((x - x0) / dx), int((y - y0) / dy)
        expected = tuple(int(band[src_row, src_col]) for band in rgb)
        color = block_color(block, row, col)
        assert (color.red(), color.green(), color.blue()) == expected


def synthetic_layer(tmp_path, values: np.ndarray, name="synthetic"):
    """A small float32 GeoTIFF as a QGIS layer (EPSG:4326, 1 degree pixels)."""
    from qgis.core import QgsRasterLayer

    path = tmp_path / f"{name}.tif"
    rows, cols = values.shape
    dataset = gdal.GetDriverByName("GTiff").Create(str(path), cols, rows, 1, gdal.GDT_Float32)
    dataset.SetGeoTransform((0, 1, 0, rows, 0, -1))
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(4326)
    dataset.SetProjection(srs.ExportToWkt())
    dataset.GetRasterBand(1).WriteArray(values.astype(np.float32))
    dataset.GetRasterBand(1).SetNoDataValue(-9999)
    dataset = None
    layer = QgsRasterLayer(str(path), name, "gdal")
    assert layer.isValid()
    return layer


def gradient(kind, points, under=(1, 2, 3, 255), over=(250, 251, 252, 255), opacity=1.0):
    colorizer = {"type": kind, "breakpoints": [{"value": v, "color": list(c)} for v, c in points],
                 "noDataColor": [0, 0, 0, 0], "overColor": list(over), "underColor": list(under)}
    return {"type": "raster", "opacity": opacity,
            "rasterColorizer": {"type": "singleBand", "band": 0, "bandColorizer": colorizer}}


def pixel_colors(layer, values):
    block = layer.renderer().block(1, layer.extent(), layer.width(), layer.height())
    rows, cols = values.shape
    return {float(values[r, c]): block_color(block, r, c).getRgb() for r in range(rows) for c in range(cols)}


def test_linear_gradient_interpolates_and_keeps_under_and_over_colours(qgis_app, tmp_path):
    from geoengine_qgis.qgis_glue.styling import style_raster_layer
    from qgis.core import QgsColorRampShader, QgsSingleBandPseudoColorRenderer

    values = np.array([[-5, 0, 50], [100, 200, 25]], dtype=np.float32)
    layer = synthetic_layer(tmp_path, values)
    points = [(0, (0, 0, 0, 255)), (100, (200, 100, 0, 255))]
    how = style_raster_layer(layer, gradient("linearGradient", points), [0])
    assert how == "symbology:LinearGradientColorizer"
    renderer = layer.renderer()
    assert isinstance(renderer, QgsSingleBandPseudoColorRenderer)
    assert (renderer.classificationMin(), renderer.classificationMax()) == (0, 100)
    assert ramp_shader(layer).colorRampType() == QgsColorRampShader.Interpolated
    colors = pixel_colors(layer, values)
    assert colors[0.0][:3] == (0, 0, 0) and colors[100.0][:3] == (200, 100, 0)
    assert colors[50.0][:3] == (100, 50, 0) and colors[25.0][:3] == (50, 25, 0)
    assert colors[-5.0][:3] == (1, 2, 3)  # underColor
    assert colors[200.0][:3] == (250, 251, 252)  # overColor
    style_raster_layer(layer, gradient("linearGradient", points, opacity=0.8), [0])
    assert layer.renderer().opacity() == pytest.approx(0.8)


def test_logarithmic_gradient_is_densified_in_log_space(qgis_app, tmp_path):
    from geoengine_qgis.qgis_glue.styling import LOG_SAMPLES, style_raster_layer

    values = np.array([[1, 10, 100], [1000, 31.622776, 5000]], dtype=np.float32)
    layer = synthetic_layer(tmp_path, values, "log")
    symbology = gradient("logarithmicGradient", [(1, (0, 0, 0, 255)), (1000, (255, 255, 255, 255))])
    assert style_raster_layer(layer, symbology, [0]) == "symbology:LogarithmicGradientColorizer"
    items = ramp_shader(layer).colorRampItemList()
    assert len(items) == LOG_SAMPLES + 2
    assert all(a.value < b.value for a, b in zip(items, items[1:]))
    colors = pixel_colors(layer, values)
    # log10: 10 is a third of the way, 100 two thirds (a linear ramp would put 10 at 1 %)
    assert abs(colors[10.0][0] - 85) <= 2 and abs(colors[100.0][0] - 170) <= 2
    assert colors[5000.0][:3] == (250, 251, 252)


def test_without_symbology_a_grey_min_max_stretch(qgis_app, tmp_path):
    from geoengine_qgis.qgis_glue.styling import style_raster_layer
    from qgis.core import QgsSingleBandGrayRenderer

    values = np.arange(12, dtype=np.float32).reshape(3, 4) * 10 + 7
    layer = synthetic_layer(tmp_path, values, "grey")
    assert style_raster_layer(layer, None, [0]) == "default"
    renderer = layer.renderer()
    assert isinstance(renderer, QgsSingleBandGrayRenderer)
    enhancement = renderer.contrastEnhancement()
    assert (enhancement.minimumValue(), enhancement.maximumValue()) == (7, 117)


def test_colorizer_for_a_band_that_was_not_loaded_falls_back(qgis_app, tmp_path):
    from geoengine_qgis.qgis_glue.styling import style_raster_layer
    from qgis.core import QgsSingleBandGrayRenderer

    layer = synthetic_layer(tmp_path, np.ones((2, 2)), "band")
    symbology = gradient("linearGradient", [(0, (0, 0, 0, 255)), (1, (255, 255, 255, 255))])
    symbology["rasterColorizer"]["band"] = 2
    how = style_raster_layer(layer, symbology, [0])
    assert how.startswith("default (") and "band" in how
    assert isinstance(layer.renderer(), QgsSingleBandGrayRenderer)


def test_point_symbology_static_colours(qgis_app):
    from geoengine_qgis.qgis_glue.styling import style_point_layer
    from qgis.core import QgsVectorLayer

    layer = QgsVectorLayer("MultiPoint?crs=EPSG:4326", "points", "memory")
    style_point_layer(layer, {"type": "point", "radius": {"type": "static", "value": 6},
                              "fillColor": {"type": "static", "color": [255, 0, 0, 255]},
                              "stroke": {"width": {"type": "static", "value": 2},
                                         "color": {"type": "static", "color": [0, 0, 0, 255]}}})
    symbol = layer.renderer().symbol()
    assert symbol.color().getRgb() == (255, 0, 0, 255)
    assert symbol.size() == 12


def test_palette_classes_carry_the_class_names_of_a_classification_band(qgis_app, tmp_path):
    from geoengine_qgis.core.descriptors import ResultDescriptor
    from geoengine_qgis.qgis_glue.styling import style_raster_layer

    values = np.array([[1, 2], [2, 3]], dtype=np.float32)
    layer = synthetic_layer(tmp_path, values, "classes")
    descriptor = ResultDescriptor.from_response({
        "type": "raster", "dataType": "U8", "spatialReference": "EPSG:4326",
        "time": {"bounds": None, "dimension": {"type": "irregular"}}, "spatialGrid": None,
        "bands": [{"name": "landcover", "measurement": {"type": "classification", "measurement": "landcover",
                                                        "classes": {"1": "Forest", "2": "Water"}}}]})
    symbology = {"type": "raster", "opacity": 1.0, "rasterColorizer": {"type": "singleBand", "band": 0,
        "bandColorizer": {"type": "palette", "colors": {"1": [0, 100, 0, 255], "2": [0, 0, 200, 255],
                                                        "3": [9, 9, 9, 255]},
                          "noDataColor": [0, 0, 0, 0], "defaultColor": [0, 0, 0, 0]}}}
    assert style_raster_layer(layer, symbology, [0], descriptor) == "symbology:PaletteColorizer"
    labels = {c.value: c.label for c in layer.renderer().classes()}
    assert labels == {1.0: "Forest", 2.0: "Water", 3.0: "3"}
