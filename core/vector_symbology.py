"""Geo Engine's vector symbology (``point``, ``line``, ``polygon``) as dataclasses.

The JSON is the server's ``Symbology`` (geo-engine/geoengine@5748ef7:geoengine/services/src/projects/project.rs):
colours are ``{"type": "static", "color": [r, g, b, a]}`` or ``{"type": "derived", "attribute", "colorizer"}``
(a :class:`~.colorizer.Colorizer` applied to the attribute's value), numbers ``{"type": "static", "value"}`` or
``{"type": "derived", "attribute", "factor", "defaultValue"}`` (attribute x factor, the default when null).
Radii and widths are screen pixels, as the web UI draws them. ``text`` labels features with an attribute.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Optional, Union

from .colorizer import Colorizer, Rgba, rgba
from .errors import InputError


def _dict(value: Any, field_name: str) -> dict:
    if not isinstance(value, dict):
        raise InputError(f"expected an object, got {type(value).__name__}", field=field_name)
    return value


def _text(value: Any, field_name: str) -> str:
    if not isinstance(value, str) or not value:
        raise InputError(f"expected a column name, got {value!r}", field=field_name)
    return value


def _finite(value: Any, field_name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise InputError(f"expected a finite number, got {value!r}", field=field_name)
    return float(value)


@dataclass(frozen=True)
class StaticColor:
    color: Rgba


@dataclass(frozen=True)
class DerivedColor:
    attribute: str
    colorizer: Colorizer


ColorParam = Union[StaticColor, DerivedColor]


@dataclass(frozen=True)
class StaticNumber:
    value: float


@dataclass(frozen=True)
class DerivedNumber:
    attribute: str
    factor: float
    default_value: float


NumberParam = Union[StaticNumber, DerivedNumber]


def color_param(value: Any, field_name: str) -> ColorParam:
    value = _dict(value, field_name)
    kind = value.get("type")
    if kind == "static":
        return StaticColor(rgba(value.get("color"), f"{field_name}.color"))
    if kind == "derived":
        return DerivedColor(_text(value.get("attribute"), f"{field_name}.attribute"),
                            Colorizer.from_response(_dict(value.get("colorizer"), f"{field_name}.colorizer")))
    raise InputError(f"a colour is 'static' or 'derived', got {kind!r}", field=f"{field_name}.type")


def number_param(value: Any, field_name: str) -> NumberParam:
    value = _dict(value, field_name)
    kind = value.get("type")
    if kind == "static":
        number = _finite(value.get("value"), f"{field_name}.value")
        if number < 0:
            raise InputError(f"must not be negative, got {number:g}", field=f"{field_name}.value")
        return StaticNumber(number)
    if kind == "derived":
        return DerivedNumber(_text(value.get("attribute"), f"{field_name}.attribute"),
                             _finite(value.get("factor"), f"{field_name}.factor"),
                             _finite(value.get("defaultValue"), f"{field_name}.defaultValue"))
    raise InputError(f"a number is 'static' or 'derived', got {kind!r}", field=f"{field_name}.type")


@dataclass(frozen=True)
class Stroke:
    width: NumberParam
    color: ColorParam

    @staticmethod
    def from_response(value: Any, field_name: str = "stroke") -> Stroke:
        value = _dict(value, field_name)
        return Stroke(number_param(value.get("width"), f"{field_name}.width"),
                      color_param(value.get("color"), f"{field_name}.color"))


@dataclass(frozen=True)
class TextSymbology:
    attribute: str
    fill_color: ColorParam
    stroke: Stroke

    @staticmethod
    def from_response(value: Any) -> Optional[TextSymbology]:
        if value is None:
            return None
        value = _dict(value, "text")
        return TextSymbology(_text(value.get("attribute"), "text.attribute"),
                             color_param(value.get("fillColor"), "text.fillColor"),
                             Stroke.from_response(value.get("stroke"), "text.stroke"))


@dataclass(frozen=True)
class VectorSymbology:
    """``kind`` is point, line or polygon; ``radius`` only for points, ``fill_color`` not for lines."""

    kind: str
    stroke: Stroke
    fill_color: Optional[ColorParam] = None
    radius: Optional[NumberParam] = None
    text: Optional[TextSymbology] = None

    @staticmethod
    def from_response(response: Any) -> VectorSymbology:
        response = _dict(response, "symbology")
        kind = response.get("type")
        if kind not in ("point", "line", "polygon"):
            raise InputError(f"not a vector symbology: type {kind!r}", field="symbology.type")
        stroke = Stroke.from_response(response.get("stroke"))
        fill = color_param(response.get("fillColor"), "fillColor") if kind != "line" else None
        radius = number_param(response.get("radius"), "radius") if kind == "point" else None
        return VectorSymbology(kind, stroke, fill, radius, TextSymbology.from_response(response.get("text")))
