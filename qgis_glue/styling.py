"""QGIS renderers from Geo Engine symbology (symbology reference, section 3.5).

* ``singleBand`` + ``linearGradient`` -> :class:`QgsSingleBandPseudoColorRenderer` with an interpolated
  :class:`QgsColorRampShader`; the under/over colours become extra items just outside the first/last breakpoint.
* ``logarithmicGradient`` -> the same renderer with the ramp densified in log10 space (QGIS cannot interpolate
  logarithmically): :data:`LOG_SAMPLES` items, like the server's 254-entry colour table.
* ``palette`` -> :class:`QgsPalettedRasterRenderer` (``defaultColor`` has no QGIS equivalent and is dropped).
* ``multiBand`` -> :class:`QgsMultiBandColorRenderer` with a min/max stretch per channel (``scale < 1`` widens max).
* no symbology -> a grey min/max stretch of the first band from the layer's statistics.

Geo Engine bands are 0-based indices into the workflow's bands; a loaded layer holds the *selected* bands in
selection order, so ``band_map`` translates workflow band -> QGIS band number (1-based).
"""

from __future__ import annotations

import math
from typing import Dict, List, Optional, Sequence

from qgis.core import (
    QgsColorRampShader,
    QgsContrastEnhancement,
    QgsMarkerSymbol,
    QgsMultiBandColorRenderer,
    QgsPalettedRasterRenderer,
    QgsRasterLayer,
    QgsRasterShader,
    QgsSingleBandGrayRenderer,
    QgsSingleBandPseudoColorRenderer,
    QgsSingleSymbolRenderer,
    QgsVectorLayer,
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
from .enums import INTERPOLATED, STATS_MIN_MAX, STRETCH_MIN_MAX

LOG_SAMPLES = 254
STATS_SAMPLE_SIZE = 250_000  # pixels read for a default stretch (bounded, also for huge rasters)
DEFAULT_POINT_COLOR = (0, 92, 170, 255)


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
        assert isinstance(colorizer, SingleBandRasterColorizer)
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


def default_renderer(layer: QgsRasterLayer, band: int = 1) -> QgsSingleBandGrayRenderer:
    """A grey min/max stretch of ``band`` from (sampled) layer statistics."""
    provider = layer.dataProvider()
    stats = provider.bandStatistics(band, STATS_MIN_MAX, layer.extent(),
                                    STATS_SAMPLE_SIZE)
    low, high = stats.minimumValue, stats.maximumValue
    if not (math.isfinite(low) and math.isfinite(high)) or high <= low:
        low, high = (low, low + 1) if math.isfinite(low) else (0.0, 1.0)
    renderer = QgsSingleBandGrayRenderer(provider, band)
    renderer.setContrastEnhancement(_stretch(provider.dataType(band), low, high))
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
    if renderer is None:
        renderer = default_renderer(layer)
    layer.setRenderer(renderer)
    layer.triggerRepaint()
    return how


# ----------------------------------------------------------------------------------------- vectors


def _static_color(param: Optional[dict], fallback: Sequence[int]) -> QColor:
    if isinstance(param, dict) and param.get("type") == "static" and isinstance(param.get("color"), list):
        return qcolor(param["color"])
    return qcolor(fallback)


def _static_number(param: Optional[dict], fallback: float) -> float:
    if isinstance(param, dict) and param.get("type") == "static" and isinstance(param.get("value"), (int, float)):
        return float(param["value"])
    return fallback


def _encode(color: QColor) -> str:
    return f"{color.red()},{color.green()},{color.blue()},{color.alpha()}"


def style_point_layer(layer: QgsVectorLayer, symbology: Optional[dict] = None) -> None:
    """A circle marker: static colours and radius (pixels) from a ``point`` symbology, else a visible default."""
    point = symbology if isinstance(symbology, dict) and symbology.get("type") == "point" else {}
    stroke = point.get("stroke") or {}
    radius = _static_number(point.get("radius"), 4.0)
    symbol = QgsMarkerSymbol.createSimple({
        "name": "circle",
        "color": _encode(_static_color(point.get("fillColor"), DEFAULT_POINT_COLOR)),
        "outline_color": _encode(_static_color(stroke.get("color"), (255, 255, 255, 255))),
        "outline_width": str(_static_number(stroke.get("width"), 1.0)),
        "outline_width_unit": "Pixel",
        "size": str(2 * radius),
        "size_unit": "Pixel",
    })
    layer.setRenderer(QgsSingleSymbolRenderer(symbol))
    layer.triggerRepaint()
