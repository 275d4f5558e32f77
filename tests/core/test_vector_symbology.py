"""core/vector_symbology.py: Geo Engine's point/line/polygon symbology JSON, and clear errors for bad input."""

from __future__ import annotations

import pytest
from geoengine_qgis.core.colorizer import LinearGradientColorizer, PaletteColorizer
from geoengine_qgis.core.errors import InputError
from geoengine_qgis.core.vector_symbology import (
    DerivedColor,
    DerivedNumber,
    StaticColor,
    StaticNumber,
    VectorSymbology,
)

STROKE = {"width": {"type": "static", "value": 2}, "color": {"type": "static", "color": [0, 0, 0, 255]}}
PALETTE = {"type": "palette", "colors": {"1": [255, 0, 0, 255]}, "noDataColor": [0, 0, 0, 0],
           "defaultColor": [9, 9, 9, 255]}
GRADIENT = {"type": "linearGradient", "breakpoints": [{"value": 0, "color": [0, 0, 0, 255]},
                                                      {"value": 10, "color": [255, 255, 255, 255]}],
            "noDataColor": [0, 0, 0, 0], "overColor": [1, 1, 1, 255], "underColor": [2, 2, 2, 255]}


def test_point_with_derived_colour_radius_and_text():
    parsed = VectorSymbology.from_response({
        "type": "point", "radius": {"type": "derived", "attribute": "rank", "factor": 1.5, "defaultValue": 4},
        "fillColor": {"type": "derived", "attribute": "rank", "colorizer": GRADIENT}, "stroke": STROKE,
        "text": {"attribute": "name", "fillColor": {"type": "derived", "attribute": "kind", "colorizer": PALETTE},
                 "stroke": STROKE}})
    assert parsed.kind == "point"
    assert parsed.radius == DerivedNumber("rank", 1.5, 4.0)
    assert isinstance(parsed.fill_color, DerivedColor) and isinstance(parsed.fill_color.colorizer,
                                                                       LinearGradientColorizer)
    assert parsed.stroke.width == StaticNumber(2.0) and parsed.stroke.color == StaticColor((0, 0, 0, 255))
    assert parsed.text.attribute == "name" and isinstance(parsed.text.fill_color.colorizer, PaletteColorizer)


def test_line_has_no_fill_and_polygon_no_radius():
    line = VectorSymbology.from_response({"type": "line", "stroke": STROKE, "text": None, "autoSimplified": True})
    assert line.fill_color is None and line.radius is None and line.text is None
    polygon = VectorSymbology.from_response({"type": "polygon", "stroke": STROKE, "autoSimplified": True,
                                             "fillColor": {"type": "static", "color": [1, 2, 3, 4]}})
    assert polygon.fill_color == StaticColor((1, 2, 3, 4)) and polygon.radius is None


@pytest.mark.parametrize("symbology, field", [
    ({"type": "raster"}, "symbology.type"),
    ({"type": "line"}, "stroke"),
    ({"type": "line", "stroke": {"width": {"type": "static", "value": -1}, "color": STROKE["color"]}},
     "stroke.width.value"),
    ({"type": "line", "stroke": {"width": {"type": "dynamic"}, "color": STROKE["color"]}}, "stroke.width.type"),
    ({"type": "polygon", "stroke": STROKE, "fillColor": {"type": "static", "color": [1, 2, 3]}}, "fillColor.color"),
    ({"type": "polygon", "stroke": STROKE, "fillColor": {"type": "derived", "attribute": "", "colorizer": PALETTE}},
     "fillColor.attribute"),
    ({"type": "point", "stroke": STROKE, "fillColor": STROKE["color"],
      "radius": {"type": "derived", "attribute": "x", "factor": float("nan"), "defaultValue": 1}}, "radius.factor"),
    ({"type": "point", "stroke": STROKE, "fillColor": STROKE["color"], "radius": {"type": "static", "value": 3},
      "text": {"attribute": "name", "fillColor": STROKE["color"]}}, "text.stroke"),
])
def test_bad_symbology_names_the_field(symbology, field):
    with pytest.raises(InputError) as info:
        VectorSymbology.from_response(symbology)
    assert info.value.field == field
