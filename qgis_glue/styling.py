"""QGIS renderers from Geo Engine symbology (symbology reference, section 3.5).

* ``singleBand`` + ``linearGradient`` -> :class:`QgsSingleBandPseudoColorRenderer` with an interpolated
  :class:`QgsColorRampShader`; the under/over colours become extra items just outside the first/last breakpoint.
* ``logarithmicGradient`` -> the same renderer with the ramp densified in log10 space (QGIS cannot interpolate
  logarithmically): :data:`LOG_SAMPLES` items, like the server's 254-entry colour table.
* ``palette`` -> :class:`QgsPalettedRasterRenderer` (``defaultColor`` has no QGIS equivalent and is dropped).
* ``multiBand`` -> :class:`QgsMultiBandColorRenderer` with a min/max stretch per channel (``scale < 1`` widens max).
* no symbology -> a grey min/max stretch of the first band from the layer's statistics; three bands -> an RGB
  composite (bands named red/green/blue in that order, else 1, 2, 3) with a min/max stretch per band.
* vector ``point``/``line``/``polygon`` (:mod:`..core.vector_symbology`) -> a single-symbol renderer with a
  circle marker, simple line or simple fill; static colours and pixel widths/radii are set on the symbol layer,
  colours and numbers derived from a column become data-defined expressions (:func:`colorizer_expression`:
  the Geo Engine colorizer evaluated per feature), ``text`` a label with a halo.

Geo Engine bands are 0-based indices into the workflow's bands; a loaded layer holds the *selected* bands in
selection order, so ``band_map`` translates workflow band -> QGIS band number (1-based).
"""

from __future__ import annotations

import math
from typing import Dict, List, Optional, Sequence, Tuple

from qgis.core import (
    QgsColorRampShader,
    QgsContrastEnhancement,
    QgsExpression,
    QgsFillSymbol,
    QgsLineSymbol,
    QgsMarkerSymbol,
    QgsMultiBandColorRenderer,
    QgsPalettedRasterRenderer,
    QgsPalLayerSettings,
    QgsProperty,
    QgsRasterLayer,
    QgsRasterShader,
    QgsSingleBandGrayRenderer,
    QgsSingleBandPseudoColorRenderer,
    QgsSingleSymbolRenderer,
    QgsTextBufferSettings,
    QgsTextFormat,
    QgsVectorLayer,
    QgsVectorLayerSimpleLabeling,
    QgsWkbTypes,
)
from qgis.PyQt.QtGui import QColor

from ..core.colorizer import (
    Colorizer,
    LinearGradientColorizer,
    LogarithmicGradientColorizer,
    MultiBandRasterColorizer,
    PaletteColorizer,
    RasterColorizer,
    RasterSymbology,
    SingleBandRasterColorizer,
)
from ..core.errors import InputError
from ..core.vector_symbology import (
    DerivedColor,
    DerivedNumber,
    StaticColor,
    StaticNumber,
    Stroke,
    TextSymbology,
    VectorSymbology,
)
from .enums import (
    FILL_COLOR,
    INTERPOLATED,
    LABEL_BUFFER_COLOR,
    LABEL_COLOR,
    LINE_GEOMETRY,
    MARKER_SIZE,
    POINT_GEOMETRY,
    POLYGON_GEOMETRY,
    RENDER_PIXELS,
    STATS_MIN_MAX,
    STRETCH_MIN_MAX,
    STROKE_COLOR,
    STROKE_WIDTH,
)

LOG_SAMPLES = 254
STATS_SAMPLE_SIZE = 250_000  # pixels read for a default stretch (bounded, also for huge rasters)
DEFAULT_POINT_COLOR = (0, 92, 170, 255)
DEFAULT_FILL_COLOR = (0, 92, 170, 96)
LABEL_SIZE_PX = 13.0


def qcolor(rgba: Sequence[int]) -> QColor:
    return QColor(int(rgba[0]), int(rgba[1]), int(rgba[2]), int(rgba[3]))


def band_map(selected_bands: Sequence[int]) -> Dict[int, int]:
    """Workflow band index (0-based) -> band number in the loaded layer (1-based, selection order)."""
    return {band: position + 1 for position, band in enumerate(selected_bands)}


# ------------------------------------------------------------------------------------ colour ramps


def _interpolate(a: Sequence[int], b: Sequence[int], t: float) -> QColor:
    return QColor(*(int(round(x + (y - x) * t)) for x, y in zip(a, b)))


def gradient_items(colorizer: Colorizer) -> List[QgsColorRampShader.ColorRampItem]:
    """Colour-ramp items for a linear or logarithmic gradient, with under/over items around the ends."""
    points = colorizer.breakpoints
    if isinstance(colorizer, LogarithmicGradientColorizer) and len(points) > 1:
        low, high = math.log10(points[0].value), math.log10(points[-1].value)
        items = []
        for i in range(LOG_SAMPLES):
            log_value = low + (high - low) * i / (LOG_SAMPLES - 1)
            value = 10 ** log_value
            upper = next((k for k in range(1, len(points)) if points[k].value >= value), len(points) - 1)
            a, b = points[upper - 1], points[upper]
            span = math.log10(b.value) - math.log10(a.value)
            t = 0.0 if span == 0 else (log_value - math.log10(a.value)) / span
            items.append(QgsColorRampShader.ColorRampItem(value, _interpolate(a.color, b.color, min(1, max(0, t))),
                                                          f"{value:.6g}"))
    else:
        items = [QgsColorRampShader.ColorRampItem(p.value, qcolor(p.color), f"{p.value:g}") for p in points]
    span = points[-1].value - points[0].value
    epsilon = span * 1e-6 if span > 0 else max(abs(points[0].value) * 1e-6, 1e-9)
    under = QgsColorRampShader.ColorRampItem(points[0].value - epsilon, qcolor(colorizer.under_color), "under")
    over = QgsColorRampShader.ColorRampItem(points[-1].value + epsilon, qcolor(colorizer.over_color), "over")
    return [under, *items, over]


def pseudocolor_renderer(provider, band: int, colorizer: Colorizer) -> QgsSingleBandPseudoColorRenderer:
    items = gradient_items(colorizer)
    ramp = QgsColorRampShader(colorizer.min_value, colorizer.max_value)
    ramp.setColorRampType(INTERPOLATED)
    ramp.setColorRampItemList(items)
    ramp.setClip(False)  # outside the items: the under/over items' colours
    shader = QgsRasterShader()
    shader.setRasterShaderFunction(ramp)
    renderer = QgsSingleBandPseudoColorRenderer(provider, band, shader)
    renderer.setClassificationMin(colorizer.min_value)
    renderer.setClassificationMax(colorizer.max_value)
    return renderer


def palette_renderer(provider, band: int, colorizer: PaletteColorizer,
                     labels: Optional[Dict[int, str]] = None) -> QgsPalettedRasterRenderer:
    """Classes in value order, labelled with the band's class names when it is a classification."""
    labels = labels or {}
    classes = [QgsPalettedRasterRenderer.Class(value, qcolor(color),
                                               labels.get(int(value), f"{value:g}") if value == int(value)
                                               else f"{value:g}")
               for value, color in sorted(colorizer.colors.items())]
    return QgsPalettedRasterRenderer(provider, band, classes)


def _stretch(data_type, low: float, high: float) -> QgsContrastEnhancement:
    enhancement = QgsContrastEnhancement(data_type)
    enhancement.setContrastEnhancementAlgorithm(STRETCH_MIN_MAX)
    enhancement.setMinimumValue(low)
    enhancement.setMaximumValue(high)
    return enhancement


def multiband_renderer(provider, colorizer: MultiBandRasterColorizer,
                       bands: Dict[int, int]) -> QgsMultiBandColorRenderer:
    numbers = {c: bands[getattr(colorizer, f"{c}_band")] for c in ("red", "green", "blue")}
    renderer = QgsMultiBandColorRenderer(provider, numbers["red"], numbers["green"], numbers["blue"])
    setters = {"red": renderer.setRedContrastEnhancement, "green": renderer.setGreenContrastEnhancement,
               "blue": renderer.setBlueContrastEnhancement}
    for colour, setter in setters.items():
        low, high = getattr(colorizer, f"{colour}_min"), getattr(colorizer, f"{colour}_max")
        scale = getattr(colorizer, f"{colour}_scale") or 1.0
        high = low + (high - low) / scale if scale > 0 else high
        setter(_stretch(provider.dataType(numbers[colour]), low, high))
    return renderer


def renderer_for_colorizer(layer: QgsRasterLayer, colorizer: RasterColorizer, bands: Dict[int, int],
                           class_labels: Optional[Dict[int, Dict[int, str]]] = None):
    """The QGIS renderer for a raster colorizer, or :class:`InputError` if it names a band the layer lacks.

    ``class_labels``: workflow band -> {class value: name} for classification bands (palette legends).
    """
    missing = [b for b in colorizer.bands() if b not in bands]
    if missing:
        raise InputError(f"the colorizer uses band(s) {missing}, which were not loaded", field="bands")
    provider = layer.dataProvider()
    if isinstance(colorizer, MultiBandRasterColorizer):
        renderer = multiband_renderer(provider, colorizer, bands)
        no_data = colorizer.no_data_color
    else:
        if not isinstance(colorizer, SingleBandRasterColorizer):
            raise TypeError(f"a raster colorizer is single- or multi-band, not {type(colorizer).__name__}")
        band, inner = bands[colorizer.band], colorizer.band_colorizer
        if isinstance(inner, PaletteColorizer):
            renderer = palette_renderer(provider, band, inner, (class_labels or {}).get(colorizer.band))
        elif isinstance(inner, (LinearGradientColorizer, LogarithmicGradientColorizer)):
            renderer = pseudocolor_renderer(provider, band, inner)
        else:
            raise InputError(f"unsupported colorizer {type(inner).__name__}", field="colorizer.type")
        no_data = inner.no_data_color
    renderer.setNodataColor(qcolor(no_data) if no_data is not None else QColor(0, 0, 0, 0))
    return renderer


def _band_range(layer: QgsRasterLayer, band: int) -> Tuple[float, float]:
    """Min and max of ``band`` from (sampled) layer statistics; a unit range when they are unusable."""
    stats = layer.dataProvider().bandStatistics(band, STATS_MIN_MAX, layer.extent(), STATS_SAMPLE_SIZE)
    low, high = stats.minimumValue, stats.maximumValue
    if not (math.isfinite(low) and math.isfinite(high)) or high <= low:
        low, high = (low, low + 1) if math.isfinite(low) else (0.0, 1.0)
    return low, high


def default_renderer(layer: QgsRasterLayer, band: int = 1) -> QgsSingleBandGrayRenderer:
    """A grey min/max stretch of ``band`` from (sampled) layer statistics."""
    provider = layer.dataProvider()
    renderer = QgsSingleBandGrayRenderer(provider, band)
    renderer.setContrastEnhancement(_stretch(provider.dataType(band), *_band_range(layer, band)))
    return renderer


def rgb_renderer(layer: QgsRasterLayer, band_names: Sequence[str] = ()) -> QgsMultiBandColorRenderer:
    """Three bands as an RGB composite, each with its own min/max stretch: the bands called red, green and blue
    when the names say so (e.g. a stack stored blue, green, red), else bands 1, 2, 3."""
    names = [str(name).lower() for name in band_names]
    colours = ("red", "green", "blue")
    order = [names.index(c) + 1 for c in colours] if set(colours) <= set(names) else [1, 2, 3]
    provider = layer.dataProvider()
    renderer = QgsMultiBandColorRenderer(provider, *order)
    setters = (renderer.setRedContrastEnhancement, renderer.setGreenContrastEnhancement,
               renderer.setBlueContrastEnhancement)
    for number, setter in zip(order, setters):
        setter(_stretch(provider.dataType(number), *_band_range(layer, number)))
    return renderer


def class_labels_of(descriptor) -> Dict[int, Dict[int, str]]:
    """Workflow band -> class names, for the bands whose measurement is a classification."""
    labels = {}
    for index, band in enumerate(getattr(descriptor, "bands", None) or []):
        classes = getattr(band.measurement, "classes", None)
        if classes:
            labels[index] = {int(k): str(v) for k, v in classes.items()}
    return labels


def style_raster_layer(layer: QgsRasterLayer, symbology: Optional[dict], selected_bands: Sequence[int],
                       descriptor=None) -> str:
    """Apply the Geo Engine raster symbology (raw JSON) or a default stretch; returns what was applied.

    The result is ``"symbology:<type>"`` or ``"default"`` (with the reason in ``"default (...)"``). With the
    result ``descriptor``, palette classes of classification bands carry their class names.
    """
    bands = band_map(selected_bands)
    how = "default"
    renderer = None
    if symbology:
        try:
            parsed = RasterSymbology.from_response(symbology)
            renderer = renderer_for_colorizer(layer, parsed.raster_colorizer, bands, class_labels_of(descriptor))
            renderer.setOpacity(parsed.opacity)
            kind = parsed.raster_colorizer
            inner = getattr(kind, "band_colorizer", None)
            how = f"symbology:{type(inner or kind).__name__}"
        except InputError as exc:
            how = f"default ({exc.message})"
            renderer = None
    if renderer is None and layer.bandCount() == 3:
        names = [descriptor.bands[b].name for b in selected_bands] if descriptor is not None else []
        renderer = rgb_renderer(layer, names)
        how = how.replace("default", "default rgb", 1)
    if renderer is None:
        renderer = default_renderer(layer)
    layer.setRenderer(renderer)
    layer.triggerRepaint()
    return how


# ----------------------------------------------------------------------------------------- vectors


def _rgba_text(color: Sequence[int]) -> str:
    return f"{int(color[0])},{int(color[1])},{int(color[2])},{int(color[3])}"


def _literal(color: Sequence[int]) -> str:
    return f"'{_rgba_text(color)}'"


def _lerp(a: Sequence[int], b: Sequence[int], t: str) -> str:
    channels = [f"round({x} + ({y} - {x}) * ({t}))" for x, y in zip(a, b)]
    return f"color_rgba({', '.join(channels)})"


def colorizer_expression(column: str, colorizer: Colorizer) -> str:
    """A QGIS expression giving a feature's colour (``'r,g,b,a'``) as Geo Engine colours ``column`` with the
    colorizer: gradients interpolate between breakpoints (logarithmic ones in log10), values below/above take
    the under/over colour, palettes look values up (others: the default colour), NULL takes the no-data colour."""
    x = QgsExpression.quotedColumnRef(column)
    cases = [f"WHEN {x} IS NULL THEN {_literal(colorizer.no_data_color)}"]
    if isinstance(colorizer, PaletteColorizer):
        cases += [f"WHEN {x} = {value!r} THEN {_literal(color)}" for value, color in sorted(colorizer.colors.items())]
        return f"CASE {' '.join(cases)} ELSE {_literal(colorizer.default_color)} END"
    points = colorizer.breakpoints
    log = isinstance(colorizer, LogarithmicGradientColorizer)
    scale = (lambda text: f"log10({text})") if log else (lambda text: text)  # noqa: E731
    cases.append(f"WHEN {x} < {points[0].value!r} THEN {_literal(colorizer.under_color)}")
    for a, b in zip(points, points[1:]):
        if b.value > a.value:
            t = f"({scale(x)} - {scale(repr(a.value))}) / ({scale(repr(b.value))} - {scale(repr(a.value))})"
            cases.append(f"WHEN {x} <= {b.value!r} THEN {_lerp(a.color, b.color, t)}")
    cases.append(f"WHEN {x} <= {points[-1].value!r} THEN {_literal(points[-1].color)}")
    return f"CASE {' '.join(cases)} ELSE {_literal(colorizer.over_color)} END"


def number_expression(param: DerivedNumber, times: float = 1.0) -> str:
    """``attribute x factor`` (x ``times``), the default value when the attribute is NULL."""
    x = QgsExpression.quotedColumnRef(param.attribute)
    return f"coalesce({x} * {param.factor!r}, {param.default_value!r}) * {times!r}"


def _static_or(param, fallback):
    return param.color if isinstance(param, StaticColor) else fallback


def _number_or(param, fallback: float) -> float:
    return param.value if isinstance(param, StaticNumber) else fallback


def _data_define(symbol_layer, key, param, times: float = 1.0) -> None:
    if isinstance(param, DerivedColor):
        symbol_layer.setDataDefinedProperty(key, QgsProperty.fromExpression(
            colorizer_expression(param.attribute, param.colorizer)))
    elif isinstance(param, DerivedNumber):
        symbol_layer.setDataDefinedProperty(key, QgsProperty.fromExpression(number_expression(param, times)))


def vector_symbol(symbology: VectorSymbology):
    """The QGIS symbol: static colours and pixel sizes set, derived ones as data-defined properties."""
    stroke = symbology.stroke
    stroke_color = _rgba_text(_static_or(stroke.color, (0, 0, 0, 255)))
    stroke_width = str(_number_or(stroke.width, 1.0))
    if symbology.kind == "point":
        radius = _number_or(symbology.radius, 5.0)
        symbol = QgsMarkerSymbol.createSimple({
            "name": "circle", "color": _rgba_text(_static_or(symbology.fill_color, DEFAULT_POINT_COLOR)),
            "outline_color": stroke_color, "outline_width": stroke_width, "outline_width_unit": "Pixel",
            "size": str(2 * radius), "size_unit": "Pixel"})
        layer = symbol.symbolLayer(0)
        _data_define(layer, FILL_COLOR, symbology.fill_color)
        _data_define(layer, MARKER_SIZE, symbology.radius, 2.0)  # radius -> diameter
    elif symbology.kind == "line":
        symbol = QgsLineSymbol.createSimple({"line_color": stroke_color, "line_width": stroke_width,
                                             "line_width_unit": "Pixel"})
        layer = symbol.symbolLayer(0)
    else:
        symbol = QgsFillSymbol.createSimple({
            "color": _rgba_text(_static_or(symbology.fill_color, DEFAULT_FILL_COLOR)), "style": "solid",
            "outline_color": stroke_color, "outline_width": stroke_width, "outline_width_unit": "Pixel"})
        layer = symbol.symbolLayer(0)
        _data_define(layer, FILL_COLOR, symbology.fill_color)
    _data_define(layer, STROKE_COLOR, stroke.color)
    _data_define(layer, STROKE_WIDTH, stroke.width)
    return symbol


def text_labeling(text: TextSymbology) -> QgsVectorLayerSimpleLabeling:
    """Labels from ``text.attribute`` in the text colour with a halo in the stroke colour and width (pixels)."""
    settings = QgsPalLayerSettings()
    settings.fieldName = text.attribute
    settings.isExpression = False
    text_format = QgsTextFormat()
    text_format.setColor(qcolor(_static_or(text.fill_color, (0, 0, 0, 255))))
    text_format.setSize(LABEL_SIZE_PX)
    text_format.setSizeUnit(RENDER_PIXELS)
    buffer = QgsTextBufferSettings()
    width = _number_or(text.stroke.width, 1.0)
    buffer.setEnabled(width > 0)
    buffer.setSize(width)
    buffer.setSizeUnit(RENDER_PIXELS)
    buffer.setColor(qcolor(_static_or(text.stroke.color, (255, 255, 255, 255))))
    text_format.setBuffer(buffer)
    settings.setFormat(text_format)
    properties = settings.dataDefinedProperties()
    for key, param in ((LABEL_COLOR, text.fill_color), (LABEL_BUFFER_COLOR, text.stroke.color)):
        if isinstance(param, DerivedColor):
            properties.setProperty(key, QgsProperty.fromExpression(
                colorizer_expression(param.attribute, param.colorizer)))
    settings.setDataDefinedProperties(properties)
    return QgsVectorLayerSimpleLabeling(settings)


def default_vector_symbology(layer: QgsVectorLayer) -> Optional[VectorSymbology]:
    """A visible default like the web UI's: circles, 1 px lines, filled polygons with a black 1 px outline."""
    kind = {POINT_GEOMETRY: "point", LINE_GEOMETRY: "line", POLYGON_GEOMETRY: "polygon"}.get(
        QgsWkbTypes.geometryType(layer.wkbType()))
    if kind is None:
        return None
    stroke = Stroke(StaticNumber(1.0), StaticColor((255, 255, 255, 255) if kind == "point" else
                                                   (0, 0, 0, 255) if kind == "polygon" else DEFAULT_POINT_COLOR))
    fill = StaticColor(DEFAULT_POINT_COLOR if kind == "point" else DEFAULT_FILL_COLOR) if kind != "line" else None
    return VectorSymbology(kind, stroke, fill, StaticNumber(4.0) if kind == "point" else None)


def style_vector_layer(layer: QgsVectorLayer, symbology: Optional[dict] = None) -> str:
    """Apply Geo Engine's vector symbology (raw JSON) or the default; returns what was applied:
    ``"symbology:<kind>"``, ``"default"`` or ``"default (<why the symbology was not usable>)"``."""
    how = "default"
    parsed = None
    if symbology and symbology.get("type") != "raster":
        try:
            parsed = VectorSymbology.from_response(symbology)
            how = f"symbology:{parsed.kind}"
        except InputError as exc:
            how = f"default ({exc.message})"
    geometry = QgsWkbTypes.geometryType(layer.wkbType())
    expected = {"point": POINT_GEOMETRY, "line": LINE_GEOMETRY, "polygon": POLYGON_GEOMETRY}
    if parsed is not None and expected[parsed.kind] != geometry:
        how, parsed = f"default (a {parsed.kind} symbology for another geometry type)", None
    parsed = parsed or default_vector_symbology(layer)
    if parsed is None:
        return "none (no geometry)"
    layer.setRenderer(QgsSingleSymbolRenderer(vector_symbol(parsed)))
    if parsed.text is not None:
        layer.setLabeling(text_labeling(parsed.text))
        layer.setLabelsEnabled(True)
    layer.triggerRepaint()
    return how


def style_point_layer(layer: QgsVectorLayer, symbology: Optional[dict] = None) -> None:
    """A point layer styled by :func:`style_vector_layer` (kept for callers of the point-only version)."""
    style_vector_layer(layer, symbology)
