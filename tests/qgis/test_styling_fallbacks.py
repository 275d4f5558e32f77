"""qgis_glue.styling edge cases against hand-worked values: the default vector symbology per geometry type, the
static fallbacks a symbol keeps under data-defined (derived) parameters, text halos, the per-feature number and
colour expressions evaluated by QGIS, logarithmic ramps at float edges, and default stretches of bands whose
statistics are not finite.

Truth: the defaults documented in styling.py (web UI look: circles of radius 4 with a white 1 px outline, 1 px
lines, polygons filled (0, 92, 170, 96) with a black 1 px outline; derived parameters fall back to black 1 px
strokes, radius 5 and black text with a white 1 px halo), Geo Engine's colorizer semantics
(geo-engine/geoengine: datatypes/src/operations/image/colorizer.rs: a value at a breakpoint takes its colour,
below the first the under colour, above the last the over colour) and rasters written here with GDAL.
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
)
from geoengine_qgis.core.vector_symbology import (
    DerivedColor,
    DerivedNumber,
    StaticColor,
    StaticNumber,
    Stroke,
    TextSymbology,
    VectorSymbology,
)
from test_styling_values import raster

pytestmark = pytest.mark.qgis
RED, GREEN, BLUE = (255, 0, 0, 255), (0, 255, 0, 255), (0, 0, 255, 255)
UNDER, OVER, NO_DATA = (1, 2, 3, 255), (4, 5, 6, 255), (7, 8, 9, 10)
BLUE_UI = (0, 92, 170, 255)  # the web UI's blue
RAMP = LinearGradientColorizer([ColorBreakpoint(0, RED), ColorBreakpoint(10, BLUE)])


def memory_layer(geometry: str, fields: str = ""):
    from qgis.core import QgsVectorLayer

    layer = QgsVectorLayer(f"{geometry}?crs=EPSG:4326{fields}", geometry.lower(), "memory")
    assert layer.isValid()
    return layer


def evaluate(expression: str, **attributes):
    """``expression`` evaluated by QGIS for one feature with ``attributes`` (None -> NULL)."""
    from qgis.core import (
        QgsExpression,
        QgsExpressionContext,
        QgsExpressionContextScope,
        QgsFeature,
        QgsField,
        QgsFields,
    )
    from qgis.PyQt.QtCore import QVariant

    fields = QgsFields()
    for name in attributes:
        fields.append(QgsField(name, QVariant.Double))
    feature = QgsFeature(fields)
    feature.setAttributes([QVariant() if v is None else v for v in attributes.values()])
    feature.setValid(True)
    scope = QgsExpressionContextScope()
    scope.setFields(fields)
    scope.setFeature(feature)
    context = QgsExpressionContext()
    context.appendScope(scope)
    parsed = QgsExpression(expression)
    assert not parsed.hasParserError(), parsed.parserErrorString()
    value = parsed.evaluate(context)
    assert not parsed.hasEvalError(), parsed.evalErrorString()
    return value


def colour_of(expression: str, value) -> tuple:
    """The 'r,g,b,a' text an expression gives for a feature whose ``v`` is ``value``, as a tuple."""
    text = evaluate(expression, v=value)
    return tuple(int(part) for part in str(text).split(","))


def rgba(color) -> tuple:
    assert color.isValid()
    return color.getRgb()


# ------------------------------------------------------------------------------ vector defaults


@pytest.mark.parametrize("geometry, expected", [
    ("MultiPoint", VectorSymbology("point", Stroke(StaticNumber(1.0), StaticColor((255, 255, 255, 255))),
                                   StaticColor(BLUE_UI), StaticNumber(4.0))),
    ("MultiLineString", VectorSymbology("line", Stroke(StaticNumber(1.0), StaticColor(BLUE_UI)))),
    ("MultiPolygon", VectorSymbology("polygon", Stroke(StaticNumber(1.0), StaticColor((0, 0, 0, 255))),
                                     StaticColor((0, 92, 170, 96)))),
])
def test_default_vector_symbology_per_geometry_type(qgis_app, geometry, expected):
    from geoengine_qgis.qgis_glue.styling import default_vector_symbology

    assert default_vector_symbology(memory_layer(geometry)) == expected


def test_default_symbols_drawn_without_symbology(qgis_app):
    from geoengine_qgis.qgis_glue.styling import style_vector_layer

    points = memory_layer("MultiPoint")
    assert style_vector_layer(points) == "default"
    marker = points.renderer().symbol().symbolLayer(0)
    assert rgba(marker.color()) == BLUE_UI and rgba(marker.strokeColor()) == (255, 255, 255, 255)
    assert (marker.size(), marker.strokeWidth()) == (8.0, 1.0)  # radius 4 -> diameter 8 px
    lines = memory_layer("MultiLineString")
    assert style_vector_layer(lines) == "default"
    line = lines.renderer().symbol().symbolLayer(0)
    assert rgba(line.color()) == BLUE_UI and line.width() == 1.0
    polygons = memory_layer("MultiPolygon")
    assert style_vector_layer(polygons) == "default"
    fill = polygons.renderer().symbol().symbolLayer(0)
    assert rgba(fill.color()) == (0, 92, 170, 96) and rgba(fill.strokeColor()) == (0, 0, 0, 255)
    assert fill.strokeWidth() == 1.0
    assert style_vector_layer(memory_layer("None")) == "none (no geometry)"


def test_derived_parameters_keep_static_fallbacks_on_the_symbol(qgis_app):
    """Derived colours and numbers become data-defined properties; the static values underneath (what the legend
    shows and QGIS uses where the expression gives nothing) are black 1 px strokes and radius 5."""
    from geoengine_qgis.qgis_glue.enums import FILL_COLOR, MARKER_SIZE, STROKE_COLOR, STROKE_WIDTH
    from geoengine_qgis.qgis_glue.styling import vector_symbol

    stroke = Stroke(DerivedNumber("w", 1.0, 2.0), DerivedColor("v", RAMP))
    point = vector_symbol(VectorSymbology("point", stroke, DerivedColor("v", RAMP), DerivedNumber("r", 1.0, 3.0)))
    marker = point.symbolLayer(0)
    assert rgba(marker.strokeColor()) == (0, 0, 0, 255) and marker.strokeWidth() == 1.0
    assert marker.size() == 10.0  # radius 5 -> diameter 10 px
    assert rgba(marker.color()) == BLUE_UI
    properties = marker.dataDefinedProperties()
    assert all(properties.isActive(key) for key in (FILL_COLOR, MARKER_SIZE, STROKE_COLOR, STROKE_WIDTH))
    # the expressions QGIS evaluates per feature: width = w x 1, diameter = 2 x r x 1, NULL -> the defaults
    assert evaluate(properties.property(STROKE_WIDTH).expressionString(), w=3.0) == pytest.approx(3.0)
    assert evaluate(properties.property(STROKE_WIDTH).expressionString(), w=None) == pytest.approx(2.0)
    assert evaluate(properties.property(MARKER_SIZE).expressionString(), r=3.5) == pytest.approx(7.0)
    assert evaluate(properties.property(MARKER_SIZE).expressionString(), r=None) == pytest.approx(6.0)
    assert colour_of(properties.property(FILL_COLOR).expressionString(), 5.0) == (128, 0, 128, 255)
    line_symbol = vector_symbol(VectorSymbology("line", stroke))  # kept: its symbol layer dies with it
    line = line_symbol.symbolLayer(0)
    assert rgba(line.color()) == (0, 0, 0, 255) and line.width() == 1.0


def test_text_halo_follows_the_stroke_width_and_falls_back_to_white_1_px(qgis_app):
    from geoengine_qgis.qgis_glue.enums import RENDER_PIXELS
    from geoengine_qgis.qgis_glue.styling import text_labeling

    def text_format(text):
        return text_labeling(text).settings().format()  # a copy: lives on without the labeling

    static = text_format(TextSymbology("name", StaticColor(RED), Stroke(StaticNumber(2.0), StaticColor(GREEN))))
    assert rgba(static.color()) == RED and static.size() == 13.0 and static.sizeUnit() == RENDER_PIXELS
    assert static.buffer().enabled() and static.buffer().size() == 2.0 and rgba(static.buffer().color()) == GREEN
    assert not text_format(TextSymbology("name", StaticColor(RED),
                                         Stroke(StaticNumber(0.0), StaticColor(GREEN)))).buffer().enabled()
    derived = text_format(TextSymbology("name", DerivedColor("v", RAMP),
                                        Stroke(DerivedNumber("w", 1.0, 2.0), DerivedColor("v", RAMP))))
    assert rgba(derived.color()) == (0, 0, 0, 255)
    assert derived.buffer().enabled() and derived.buffer().size() == 1.0
    assert rgba(derived.buffer().color()) == (255, 255, 255, 255)
    # the derived colours are data-defined on the label settings: RAMP at 5 is halfway red -> blue
    from geoengine_qgis.qgis_glue.enums import LABEL_BUFFER_COLOR, LABEL_COLOR

    labeling = text_labeling(TextSymbology("name", DerivedColor("v", RAMP),
                                           Stroke(StaticNumber(1.0), DerivedColor("v", RAMP))))
    settings = labeling.settings()  # owned by the labeling, which is kept
    properties = settings.dataDefinedProperties()
    for key in (LABEL_COLOR, LABEL_BUFFER_COLOR):
        assert properties.isActive(key)
        assert colour_of(properties.property(key).expressionString(), 5.0) == (128, 0, 128, 255)


def test_labels_from_a_column_whose_name_is_not_an_expression(qgis_app):
    """The label field is a column name, not an expression: a name with a space labels too."""
    from geoengine_qgis.qgis_glue.styling import style_vector_layer
    from qgis.core import (
        QgsCoordinateReferenceSystem,
        QgsFeature,
        QgsGeometry,
        QgsMapRendererParallelJob,
        QgsMapSettings,
        QgsRectangle,
        QgsVectorLayer,
    )
    from qgis.PyQt.QtCore import QSize
    from qgis.PyQt.QtGui import QColor

    layer = QgsVectorLayer("MultiPoint?crs=EPSG:4326&field=port name:string", "points", "memory")
    feature = QgsFeature(layer.fields())
    feature.setAttributes(["Hamburg Harbour"])
    feature.setGeometry(QgsGeometry.fromWkt("MULTIPOINT((5 5))"))
    layer.dataProvider().addFeatures([feature])
    magenta = {"type": "static", "color": [255, 0, 255, 255]}
    style_vector_layer(layer, {"type": "point", "radius": {"type": "static", "value": 1},
                               "fillColor": {"type": "static", "color": [0, 0, 0, 255]},
                               "stroke": {"width": {"type": "static", "value": 0}, "color": magenta},
                               "text": {"attribute": "port name", "fillColor": magenta,
                                        "stroke": {"width": {"type": "static", "value": 0}, "color": magenta}}})
    settings = QgsMapSettings()
    settings.setLayers([layer])
    settings.setDestinationCrs(QgsCoordinateReferenceSystem("EPSG:4326"))
    settings.setExtent(QgsRectangle(0, 0, 10, 10))
    settings.setOutputSize(QSize(200, 200))
    settings.setBackgroundColor(QColor(255, 255, 255))
    job = QgsMapRendererParallelJob(settings)
    job.start()
    job.waitForFinished()
    image = job.renderedImage()
    colours = [QColor(image.pixel(x, y)) for x in range(200) for y in range(200)]
    assert sum(1 for c in colours if c.red() > 200 and c.green() < 120 and c.blue() > 200) > 30  # magenta text


# ------------------------------------------------------------------------------ expressions


def test_number_expression_is_attribute_times_factor_or_the_default(qgis_app):
    from geoengine_qgis.qgis_glue.styling import number_expression

    param = DerivedNumber("w", 2.5, 7.0)
    assert evaluate(number_expression(param), w=4.0) == pytest.approx(10.0)  # 4 x 2.5
    assert evaluate(number_expression(param), w=None) == pytest.approx(7.0)
    assert evaluate(number_expression(param, 2.0), w=4.0) == pytest.approx(20.0)


def test_colour_expression_of_a_single_breakpoint(qgis_app):
    from geoengine_qgis.qgis_glue.styling import colorizer_expression

    expression = colorizer_expression("v", LinearGradientColorizer([ColorBreakpoint(5, RED)], NO_DATA, OVER, UNDER))
    assert colour_of(expression, 4.0) == UNDER
    assert colour_of(expression, 5.0) == RED
    assert colour_of(expression, 6.0) == OVER
    assert colour_of(expression, None) == NO_DATA


def test_colour_expression_interpolates_between_breakpoints(qgis_app):
    from geoengine_qgis.qgis_glue.styling import colorizer_expression

    expression = colorizer_expression("v", LinearGradientColorizer(
        [ColorBreakpoint(0, RED), ColorBreakpoint(10, BLUE), ColorBreakpoint(20, GREEN)], NO_DATA, OVER, UNDER))
    assert colour_of(expression, 5.0) == (128, 0, 128, 255)  # halfway red -> blue: 127.5 rounds to 128
    assert colour_of(expression, 10.0) == BLUE
    assert colour_of(expression, 15.0) == (0, 128, 128, 255)
    assert colour_of(expression, 20.0) == GREEN
    assert colour_of(expression, 20.5) == OVER and colour_of(expression, -0.5) == UNDER


def test_colour_expression_with_a_doubled_breakpoint(qgis_app):
    """Two breakpoints at 5 (a step): 5 takes one of their colours (never NULL), above it the next segment."""
    from geoengine_qgis.qgis_glue.styling import colorizer_expression

    expression = colorizer_expression("v", LinearGradientColorizer(
        [ColorBreakpoint(5, RED), ColorBreakpoint(5, BLUE), ColorBreakpoint(10, GREEN)], NO_DATA, OVER, UNDER))
    assert colour_of(expression, 5.0) in (RED, BLUE)
    assert colour_of(expression, 7.5) == (0, 128, 128, 255)  # halfway blue -> green
    assert colour_of(expression, 4.0) == UNDER


# ------------------------------------------------------------------------------ raster ramps and stretches


def test_under_and_over_items_sit_a_millionth_of_a_short_span_outside(qgis_app):
    from geoengine_qgis.qgis_glue.styling import gradient_items

    items = gradient_items(LinearGradientColorizer([ColorBreakpoint(0, RED), ColorBreakpoint(0.5, BLUE)]))
    assert [i.value for i in items] == pytest.approx([-0.5e-6, 0, 0.5, 0.5 + 0.5e-6], abs=1e-15)


def test_logarithmic_ramp_of_one_breakpoint_is_that_breakpoint(qgis_app):
    from geoengine_qgis.qgis_glue.styling import gradient_items

    items = gradient_items(LogarithmicGradientColorizer([ColorBreakpoint(10, RED)], NO_DATA, OVER, UNDER))
    assert [i.label for i in items] == ["under", "10", "over"]
    assert [rgba(i.color) for i in items] == [UNDER, RED, OVER]


def test_logarithmic_ramp_ends_at_the_last_breakpoint_colour_past_float_rounding(qgis_app):
    """The last sample, 10 ** (log10(50) * 253 / 253), is 50.00000000000002, a hair above the last breakpoint:
    still its colour (BLUE), not an extrapolation of the segment before it."""
    from geoengine_qgis.qgis_glue.styling import LOG_SAMPLES, gradient_items

    assert 10 ** (math.log10(50) * 253 / 253) > 50  # the float edge this test is about (the last of 254 samples)
    points = [ColorBreakpoint(1, RED), ColorBreakpoint(10, GREEN), ColorBreakpoint(50, BLUE)]
    items = gradient_items(LogarithmicGradientColorizer(points))[1:-1]
    assert len(items) == LOG_SAMPLES
    assert items[-1].value == pytest.approx(50) and rgba(items[-1].color) == BLUE
    assert items[0].value == pytest.approx(1) and rgba(items[0].color) == RED


def test_logarithmic_ramp_with_two_breakpoints_at_the_lowest_value(qgis_app):
    """Equal first breakpoints (a zero log span): the first sample takes the first colour, as QGIS's interpolated
    shader does for equal items; the rest interpolates GREEN -> BLUE over 10..1000 in log10."""
    from geoengine_qgis.qgis_glue.styling import gradient_items

    points = [ColorBreakpoint(10, RED), ColorBreakpoint(10, GREEN), ColorBreakpoint(1000, BLUE)]
    items = gradient_items(LogarithmicGradientColorizer(points))[1:-1]
    assert items[0].value == pytest.approx(10) and rgba(items[0].color) == RED
    assert items[100].value == pytest.approx(10 ** (1 + 2 * 100 / 253), rel=1e-12)
    t = (2 * 100 / 253) / 2  # sample 100: log10 = 1 + 2 * 100 / 253; t = (log10 - 1) over the span 3 - 1
    assert rgba(items[100].color) == tuple(int(round(x + (y - x) * t)) for x, y in zip(GREEN, BLUE))


def test_logarithmic_ramp_whose_breakpoints_share_one_value_takes_the_first_colour(qgis_app):
    """Both breakpoints at 10: every sample is 10 and takes the first breakpoint's colour, as QGIS's interpolated
    shader does for equal items."""
    from geoengine_qgis.qgis_glue.styling import gradient_items

    items = gradient_items(LogarithmicGradientColorizer([ColorBreakpoint(10, RED), ColorBreakpoint(10, BLUE)]))[1:-1]
    assert all(i.value == pytest.approx(10) for i in items)
    assert {rgba(i.color) for i in items} == {RED}


def test_no_data_colour_of_a_multiband_colorizer_without_one_is_transparent(qgis_app, tmp_path):
    from geoengine_qgis.qgis_glue.styling import renderer_for_colorizer
    from qgis.PyQt.QtGui import QColor

    layer = raster(tmp_path, [np.ones((2, 2))] * 3)
    colorizer = MultiBandRasterColorizer(0, 1, 2, 0, 1, 0, 1, 0, 1)
    assert colorizer.no_data_color is None
    colour = renderer_for_colorizer(layer, colorizer, {0: 1, 1: 2, 2: 3}).nodataColor()
    assert colour.isValid() and colour == QColor(0, 0, 0, 0)


def test_rgb_fallback_names_the_reason_unchanged(qgis_app, tmp_path):
    """Only the leading 'default' becomes 'default rgb'; the reason keeps its own words (here 'defaultColor')."""
    from geoengine_qgis.qgis_glue.styling import style_raster_layer

    layer = raster(tmp_path, [np.full((2, 2), v) for v in (1.0, 2.0, 3.0)])
    palette = {"type": "palette", "colors": {"1": [1, 2, 3, 255]}, "noDataColor": [0, 0, 0, 0]}  # no defaultColor
    symbology = {"type": "raster", "opacity": 1.0,
                 "rasterColorizer": {"type": "singleBand", "band": 0, "bandColorizer": palette}}
    how = style_raster_layer(layer, symbology, [0, 1, 2])
    assert how.startswith("default rgb (") and "'defaultColor'" in how, how


def test_multiband_scale_divides_the_range_exactly(qgis_app, tmp_path):
    """max = min + (max - min) / scale, also when the quotient is not a whole number (0.3: 1 / 0.3 = 3.33...)."""
    from geoengine_qgis.qgis_glue.styling import renderer_for_colorizer

    layer = raster(tmp_path, [np.ones((2, 2))] * 3)
    colorizer = MultiBandRasterColorizer(0, 1, 2, 0, 1, 2, 3, 0, 10, red_scale=0.3, green_scale=0.8, blue_scale=1.0)
    renderer = renderer_for_colorizer(layer, colorizer, {0: 1, 1: 2, 2: 3})
    assert renderer.redContrastEnhancement().maximumValue() == pytest.approx(1 / 0.3, rel=1e-12)
    assert renderer.greenContrastEnhancement().maximumValue() == pytest.approx(2 + 1 / 0.8, rel=1e-12)
    assert renderer.blueContrastEnhancement().maximumValue() == pytest.approx(10, rel=1e-12)
    # scale 0 cannot be a min/max stretch (Geo Engine would draw the channel black): the plain range is kept
    unscaled = MultiBandRasterColorizer(0, 1, 2, 0, 100, 0, 100, 0, 100, red_scale=0.0)
    stretch = renderer_for_colorizer(layer, unscaled, {0: 1, 1: 2, 2: 3}).redContrastEnhancement()
    assert (stretch.minimumValue(), stretch.maximumValue()) == (0, 100)


@pytest.mark.parametrize("values, expected", [
    ([[-np.inf, 1.0], [2.0, 3.0]], (0.0, 1.0)),  # no finite minimum: the unit range 0..1
    ([[np.inf, 1.0], [2.0, 3.0]], (1.0, 2.0)),  # no finite maximum: a unit range from the minimum
])
def test_default_stretch_of_a_band_with_infinite_values(qgis_app, tmp_path, values, expected):
    from geoengine_qgis.qgis_glue.styling import default_renderer

    stretch = default_renderer(raster(tmp_path, [np.array(values)])).contrastEnhancement()
    assert (stretch.minimumValue(), stretch.maximumValue()) == expected


