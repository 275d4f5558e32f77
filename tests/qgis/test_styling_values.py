"""qgis_glue.styling raster parts against hand-worked numbers: ramp items around the ends, the logarithmic ramp's
samples, multi-band stretches with a scale, no-data colours, default stretches and RGB band order.

Truth: Geo Engine's colorizer semantics (geo-engine/geoengine@5748ef7:datatypes/src/operations/image/colorizer.rs:
linear interpolation between breakpoints, in log10 for the logarithmic gradient; the multi-band channel is
``255 * scale * (v - min) / (max - min)``, so a scale s stretches ``min .. min + (max - min) / s``), and rasters
written here with GDAL.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from geoengine_qgis.core.colorizer import (
    ColorBreakpoint,
    LinearGradientColorizer,
    LogarithmicGradientColorizer,
    MultiBandRasterColorizer,
    PaletteColorizer,
    SingleBandRasterColorizer,
)
from osgeo import gdal

pytestmark = pytest.mark.qgis
RED, GREEN, BLUE = (255, 0, 0, 255), (0, 255, 0, 255), (0, 0, 255, 255)


def rgba(color) -> tuple:
    return color.getRgb()


def raster(tmp_path, bands):
    from qgis.core import QgsRasterLayer

    path = str(tmp_path / f"r{len(bands)}.tif")
    rows, cols = bands[0].shape
    dataset = gdal.GetDriverByName("GTiff").Create(path, cols, rows, len(bands), gdal.GDT_Float32)
    dataset.SetGeoTransform((0, 1, 0, rows, 0, -1))
    for i, values in enumerate(bands):
        dataset.GetRasterBand(i + 1).WriteArray(values.astype(np.float32))
    dataset = None
    layer = QgsRasterLayer(path, "r", "gdal")
    assert layer.isValid()
    return layer


def test_linear_items_are_the_breakpoints_between_under_and_over(qgis_app):
    from geoengine_qgis.qgis_glue.styling import gradient_items

    colorizer = LinearGradientColorizer([ColorBreakpoint(10, RED), ColorBreakpoint(30, BLUE)],
                                        over_color=(1, 1, 1, 255), under_color=(2, 2, 2, 255))
    items = gradient_items(colorizer)
    assert [i.value for i in items] == pytest.approx([10 - 20e-6, 10, 30, 30 + 20e-6], abs=1e-12)
    assert [rgba(i.color) for i in items] == [(2, 2, 2, 255), RED, BLUE, (1, 1, 1, 255)]
    assert [i.label for i in items] == ["under", "10", "30", "over"]
    single = gradient_items(LinearGradientColorizer([ColorBreakpoint(-5, RED)]))
    assert [i.value for i in single] == pytest.approx([-5 - 5e-6, -5, -5 + 5e-6], abs=1e-15)
    zero = gradient_items(LinearGradientColorizer([ColorBreakpoint(0, RED)]))
    assert [i.value for i in zero] == pytest.approx([-1e-9, 0, 1e-9], abs=1e-18)


def test_logarithmic_items_interpolate_in_log10(qgis_app):
    from geoengine_qgis.qgis_glue.styling import LOG_SAMPLES, gradient_items

    assert LOG_SAMPLES == 254
    points = [ColorBreakpoint(1, RED), ColorBreakpoint(100, GREEN), ColorBreakpoint(10_000, BLUE)]
    items = gradient_items(LogarithmicGradientColorizer(points))[1:-1]
    assert len(items) == 254
    for i in (0, 1, 63, 126, 127, 200, 253):
        log_value = 4 * i / 253
        assert items[i].value == pytest.approx(10 ** log_value, rel=1e-12)
        a, b, t = (RED, GREEN, log_value / 2) if log_value <= 2 else (GREEN, BLUE, (log_value - 2) / 2)
        assert rgba(items[i].color) == tuple(int(round(x + (y - x) * t)) for x, y in zip(a, b)), i
    assert items[-1].value == pytest.approx(10_000) and rgba(items[-1].color) == BLUE
    ends = gradient_items(LogarithmicGradientColorizer(points))
    assert ends[0].value == pytest.approx(1 - 9999e-6) and ends[-1].value == pytest.approx(10_000 + 9999e-6)


def test_multiband_stretch_follows_min_max_and_scale(qgis_app, tmp_path):
    from geoengine_qgis.qgis_glue.styling import renderer_for_colorizer

    ones = np.ones((2, 2))
    layer = raster(tmp_path, [ones, 2 * ones, 3 * ones])
    colorizer = MultiBandRasterColorizer(2, 0, 1, 10, 30, 0, 100, -5, 5, red_scale=0.5, green_scale=1.0,
                                         blue_scale=0.25, no_data_color=(9, 8, 7, 6))
    renderer = renderer_for_colorizer(layer, colorizer, {0: 1, 1: 2, 2: 3})
    assert (renderer.redBand(), renderer.greenBand(), renderer.blueBand()) == (3, 1, 2)
    red, green, blue = (renderer.redContrastEnhancement(), renderer.greenContrastEnhancement(),
                        renderer.blueContrastEnhancement())
    assert (red.minimumValue(), red.maximumValue()) == (10, 50)  # 10 + 20 / 0.5
    assert (green.minimumValue(), green.maximumValue()) == (0, 100)
    assert (blue.minimumValue(), blue.maximumValue()) == (-5, 35)  # -5 + 10 / 0.25
    assert rgba(renderer.nodataColor()) == (9, 8, 7, 6)
    plain = renderer_for_colorizer(layer, MultiBandRasterColorizer(0, 1, 2, 0, 1, 0, 1, 0, 1), {0: 1, 1: 2, 2: 3})
    assert rgba(plain.nodataColor()) == (0, 0, 0, 0)  # no colour given: transparent


def test_palette_no_data_colour_and_missing_bands(qgis_app, tmp_path):
    from geoengine_qgis.core.errors import InputError
    from geoengine_qgis.qgis_glue.styling import renderer_for_colorizer

    layer = raster(tmp_path, [np.ones((2, 2))])
    palette = SingleBandRasterColorizer(0, PaletteColorizer({1: RED}, no_data_color=(5, 6, 7, 8)))
    assert rgba(renderer_for_colorizer(layer, palette, {0: 1}).nodataColor()) == (5, 6, 7, 8)
    with pytest.raises(InputError) as caught:
        renderer_for_colorizer(layer, SingleBandRasterColorizer(3, PaletteColorizer({1: RED})), {0: 1})
    assert caught.value.field == "bands" and "[3]" in str(caught.value)


def test_default_stretch_of_a_constant_band_is_a_unit_range(qgis_app, tmp_path):
    from geoengine_qgis.qgis_glue.styling import default_renderer

    layer = raster(tmp_path, [np.full((3, 3), 7.0)])
    stretch = default_renderer(layer).contrastEnhancement()
    assert (stretch.minimumValue(), stretch.maximumValue()) == (7, 8)


def test_rgb_band_order_from_band_names(qgis_app, tmp_path):
    from geoengine_qgis.qgis_glue.styling import rgb_renderer

    layer = raster(tmp_path, [np.full((2, 2), v) for v in (1.0, 2.0, 3.0)])
    named = rgb_renderer(layer, ["Blue", "green", "RED"])
    assert (named.redBand(), named.greenBand(), named.blueBand()) == (3, 2, 1)
    plain = rgb_renderer(layer, ["a", "b", "c"])
    assert (plain.redBand(), plain.greenBand(), plain.blueBand()) == (1, 2, 3)
    stretch = named.redContrastEnhancement()
    assert (stretch.minimumValue(), stretch.maximumValue()) == (3, 4)  # band 3 is constant 3: a unit range
    assert math.isclose(plain.blueContrastEnhancement().minimumValue(), 3)
