"""Raster colorizers and symbology in Geo Engine's JSON (symbology reference, section 3).

Band colorizers: :class:`LinearGradientColorizer` (``linearGradient``), :class:`LogarithmicGradientColorizer`
(``logarithmicGradient``) and :class:`PaletteColorizer` (``palette``). Raster colorizers:
:class:`SingleBandRasterColorizer` (``singleBand``) and :class:`MultiBandRasterColorizer` (``multiBand``), the
value of the WMS ``styles=custom:<json>`` parameter. :class:`RasterSymbology` wraps one with an opacity.

``X.from_response(json)`` followed by ``to_dict()`` gives back the same JSON (palette keys keep their text,
``"1"`` stays ``"1"`` and ``"1.0"`` stays ``"1.0"``; a missing multi-band ``noDataColor`` stays missing).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple

from .errors import InputError

Rgba = Tuple[int, int, int, int]


def rgba(value: Any, field_name: str = "color") -> Rgba:
    """Four integers 0..255 (a list or tuple), else :class:`InputError` naming ``field_name``."""
    if not isinstance(value, (list, tuple)) or len(value) != 4:
        raise InputError(f"a colour is [r, g, b, a] with four integers 0..255, got {value!r}", field=field_name)
    out = []
    for channel in value:
        if isinstance(channel, bool) or not isinstance(channel, (int, float)) or channel != int(channel):
            raise InputError(f"colour channels are integers 0..255, got {value!r}", field=field_name)
        if not 0 <= channel <= 255:
            raise InputError(f"colour channels are integers 0..255, got {value!r}", field=field_name)
        out.append(int(channel))
    return (out[0], out[1], out[2], out[3])


def _number(value: Any, field_name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise InputError(f"expected a finite number, got {value!r}", field=field_name)
    return value


def _format_key(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


# ------------------------------------------------------------------------------------- band colorizers


@dataclass(frozen=True)
class ColorBreakpoint:
    value: float
    color: Rgba

    def __post_init__(self) -> None:
        object.__setattr__(self, "value", _number(self.value, "breakpoint.value"))
        object.__setattr__(self, "color", rgba(self.color, "breakpoint.color"))

    @staticmethod
    def from_response(response: dict) -> ColorBreakpoint:
        return ColorBreakpoint(response["value"], response["color"])

    def to_dict(self) -> dict:
        return {"value": self.value, "color": list(self.color)}


class Colorizer:
    """A per-band colorizer; :meth:`from_response` picks the type from ``"type"``."""

    no_data_color: Rgba

    @staticmethod
    def from_response(response: dict) -> Colorizer:
        if not isinstance(response, dict):
            raise InputError(f"a colorizer is a JSON object, got {type(response).__name__}", field="colorizer")
        kind = response.get("type")
        if kind == "linearGradient":
            return LinearGradientColorizer.from_response(response)
        if kind == "logarithmicGradient":
            return LogarithmicGradientColorizer.from_response(response)
        if kind == "palette":
            return PaletteColorizer.from_response(response)
        if kind == "rgba":
            raise InputError("the 'rgba' colorizer was removed from Geo Engine (Nov 2024)", field="colorizer.type")
        raise InputError(f"unknown colorizer type {kind!r}", field="colorizer.type")

    def to_dict(self) -> dict:
        raise NotImplementedError

    def to_json(self) -> str:
        return json.dumps(self.to_dict())

    # The official client's constructors (same names and arguments).

    @staticmethod
    def linear_with_mpl_cmap(color_map: Any, min_max: Tuple[float, float], n_steps: int = 10,
                             over_color: Rgba = (0, 0, 0, 0), under_color: Rgba = (0, 0, 0, 0),
                             no_data_color: Rgba = (0, 0, 0, 0)) -> LinearGradientColorizer:
        """``n_steps`` breakpoints evenly over ``min_max`` coloured by a matplotlib colour map (needs matplotlib)."""
        values = _steps(min_max, n_steps, logarithmic=False)
        return LinearGradientColorizer(_mpl_breakpoints(color_map, values), no_data_color, over_color, under_color)

    @staticmethod
    def logarithmic_with_mpl_cmap(color_map: Any, min_max: Tuple[float, float], n_steps: int = 10,
                                  over_color: Rgba = (0, 0, 0, 0), under_color: Rgba = (0, 0, 0, 0),
                                  no_data_color: Rgba = (0, 0, 0, 0)) -> LogarithmicGradientColorizer:
        """Like :meth:`linear_with_mpl_cmap` with breakpoints evenly spaced in log10 (``min_max[0] > 0``)."""
        values = _steps(min_max, n_steps, logarithmic=True)
        return LogarithmicGradientColorizer(_mpl_breakpoints(color_map, values), no_data_color, over_color,
                                            under_color)

    @staticmethod
    def palette(color_mapping: Dict[float, Rgba], default_color: Rgba = (0, 0, 0, 0),
                no_data_color: Rgba = (0, 0, 0, 0)) -> PaletteColorizer:
        return PaletteColorizer(color_mapping, no_data_color, default_color)


def _steps(min_max: Tuple[float, float], n_steps: int, logarithmic: bool) -> List[float]:
    if isinstance(n_steps, bool) or not isinstance(n_steps, int) or n_steps < 2:
        raise InputError(f"must be an integer >= 2, got {n_steps!r}", field="n_steps")
    low, high = (_number(v, "min_max") for v in min_max)
    if high <= low:
        raise InputError(f"max {high} must be greater than min {low}", field="min_max")
    if logarithmic:
        if low <= 0:
            raise InputError(f"a logarithmic gradient needs min > 0, got {low}", field="min_max")
        return [10 ** (math.log10(low) + i * (math.log10(high) - math.log10(low)) / (n_steps - 1))
                for i in range(n_steps)]
    return [low + i * (high - low) / (n_steps - 1) for i in range(n_steps)]


def _mpl_breakpoints(color_map: Any, values: List[float]) -> List[ColorBreakpoint]:
    try:
        from matplotlib import colormaps
    except ImportError:
        from .errors import MissingDependencyError

        raise MissingDependencyError("matplotlib", "colorizers from matplotlib colour maps") from None
    try:
        cmap = colormaps[color_map] if isinstance(color_map, str) else color_map
    except KeyError:
        raise InputError(f"unknown matplotlib colour map {color_map!r}", field="color_map") from None
    count = len(values)
    colors = cmap([i / (count - 1) for i in range(count)], bytes=True)
    return [ColorBreakpoint(value, tuple(int(c) for c in color)) for value, color in zip(values, colors)]


@dataclass(frozen=True)
class _Gradient(Colorizer):
    breakpoints: List[ColorBreakpoint]
    no_data_color: Rgba = (0, 0, 0, 0)
    over_color: Rgba = (0, 0, 0, 0)
    under_color: Rgba = (0, 0, 0, 0)

    type_name = ""

    def __post_init__(self) -> None:
        points = [p if isinstance(p, ColorBreakpoint) else ColorBreakpoint(*p) for p in self.breakpoints]
        if len(points) < 1:
            raise InputError("at least one breakpoint is needed", field="breakpoints")
        if any(b.value < a.value for a, b in zip(points, points[1:])):
            raise InputError("breakpoint values must not decrease", field="breakpoints")
        object.__setattr__(self, "breakpoints", points)
        for name in ("no_data_color", "over_color", "under_color"):
            object.__setattr__(self, name, rgba(getattr(self, name), name))

    @classmethod
    def from_response(cls, response: dict):
        try:
            return cls(
                [ColorBreakpoint.from_response(b) for b in response["breakpoints"]],
                response["noDataColor"],
                response["overColor"],
                response["underColor"],
            )
        except KeyError as exc:
            raise InputError(f"missing key {exc.args[0]!r}", field=f"colorizer.{cls.type_name}") from None

    def to_dict(self) -> dict:
        return {
            "type": self.type_name,
            "breakpoints": [b.to_dict() for b in self.breakpoints],
            "noDataColor": list(self.no_data_color),
            "overColor": list(self.over_color),
            "underColor": list(self.under_color),
        }

    @property
    def min_value(self) -> float:
        return self.breakpoints[0].value

    @property
    def max_value(self) -> float:
        return self.breakpoints[-1].value


@dataclass(frozen=True)
class LinearGradientColorizer(_Gradient):
    """``linearGradient``: colours interpolated linearly between breakpoints."""

    type_name = "linearGradient"


@dataclass(frozen=True)
class LogarithmicGradientColorizer(_Gradient):
    """``logarithmicGradient``: interpolated in log10 space; every breakpoint value must be > 0."""

    type_name = "logarithmicGradient"

    def __post_init__(self) -> None:
        super().__post_init__()
        if any(b.value <= 0 for b in self.breakpoints):
            raise InputError("logarithmic breakpoints must be > 0", field="breakpoints")


@dataclass(frozen=True)
class PaletteColorizer(Colorizer):
    """``palette``: exact value -> colour; other values get ``default_color`` (at most 256 entries)."""

    colors: Dict[float, Rgba]
    no_data_color: Rgba = (0, 0, 0, 0)
    default_color: Rgba = (0, 0, 0, 0)
    key_text: Dict[float, str] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        colors = {_number(float(k), "colors"): rgba(v, f"colors[{k}]") for k, v in self.colors.items()}
        if len(colors) > 256:
            raise InputError(f"at most 256 palette entries, got {len(colors)}", field="colors")
        object.__setattr__(self, "colors", colors)
        object.__setattr__(self, "no_data_color", rgba(self.no_data_color, "no_data_color"))
        object.__setattr__(self, "default_color", rgba(self.default_color, "default_color"))

    @staticmethod
    def from_response(response: dict) -> PaletteColorizer:
        try:
            raw = response["colors"]
            keys = {}
            for key in raw:
                try:
                    keys[float(key)] = key
                except ValueError:
                    raise InputError(f"palette keys are numbers, got {key!r}", field="colors") from None
            return PaletteColorizer({float(k): v for k, v in raw.items()}, response["noDataColor"],
                                    response["defaultColor"], key_text=keys)
        except KeyError as exc:
            raise InputError(f"missing key {exc.args[0]!r}", field="colorizer.palette") from None

    def to_dict(self) -> dict:
        return {
            "type": "palette",
            "colors": {self.key_text.get(k, _format_key(k)): list(v) for k, v in self.colors.items()},
            "noDataColor": list(self.no_data_color),
            "defaultColor": list(self.default_color),
        }


# ------------------------------------------------------------------------------------ raster colorizers


class RasterColorizer:
    """``singleBand`` or ``multiBand``; the WMS ``styles`` value is ``"custom:" + to_json()``."""

    @staticmethod
    def from_response(response: dict) -> RasterColorizer:
        if not isinstance(response, dict):
            raise InputError("a raster colorizer is a JSON object", field="raster_colorizer")
        kind = response.get("type")
        if kind == "singleBand":
            return SingleBandRasterColorizer.from_response(response)
        if kind == "multiBand":
            return MultiBandRasterColorizer.from_response(response)
        raise InputError(f"unknown raster colorizer type {kind!r} (singleBand or multiBand)",
                         field="raster_colorizer.type")

    def bands(self) -> List[int]:
        raise NotImplementedError

    def to_dict(self) -> dict:
        raise NotImplementedError

    def to_json(self) -> str:
        return json.dumps(self.to_dict())

    def wms_style(self) -> str:
        return "custom:" + self.to_json()


def _band(value: Any, field_name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InputError(f"band indices are integers >= 0, got {value!r}", field=field_name)
    return value


@dataclass(frozen=True)
class SingleBandRasterColorizer(RasterColorizer):
    band: int
    band_colorizer: Colorizer

    def __post_init__(self) -> None:
        _band(self.band, "band")
        if not isinstance(self.band_colorizer, Colorizer):
            raise InputError("expected a Colorizer", field="band_colorizer")

    @staticmethod
    def from_response(response: dict) -> SingleBandRasterColorizer:
        colorizer = Colorizer.from_response(response.get("bandColorizer"))
        return SingleBandRasterColorizer(response.get("band", 0), colorizer)

    def bands(self) -> List[int]:
        return [self.band]

    def to_dict(self) -> dict:
        return {"type": "singleBand", "band": self.band, "bandColorizer": self.band_colorizer.to_dict()}


@dataclass(frozen=True)
class MultiBandRasterColorizer(RasterColorizer):
    """RGB from three bands; each channel ``clamp(255 * scale * (v - min) / (max - min))``, scale in 0..1."""

    red_band: int
    green_band: int
    blue_band: int
    red_min: float
    red_max: float
    green_min: float
    green_max: float
    blue_min: float
    blue_max: float
    red_scale: float = 1.0
    green_scale: float = 1.0
    blue_scale: float = 1.0
    no_data_color: Optional[Rgba] = None

    def __post_init__(self) -> None:
        for colour in ("red", "green", "blue"):
            _band(getattr(self, f"{colour}_band"), f"{colour}_band")
            low = _number(getattr(self, f"{colour}_min"), f"{colour}_min")
            high = _number(getattr(self, f"{colour}_max"), f"{colour}_max")
            if high <= low:
                raise InputError(f"max {high} must be greater than min {low}", field=f"{colour}_max")
            scale = _number(getattr(self, f"{colour}_scale"), f"{colour}_scale")
            if not 0 <= scale <= 1:
                raise InputError(f"scale must be within 0..1, got {scale}", field=f"{colour}_scale")
        if self.no_data_color is not None:
            object.__setattr__(self, "no_data_color", rgba(self.no_data_color, "no_data_color"))

    @staticmethod
    def from_response(response: dict) -> MultiBandRasterColorizer:
        try:
            args = [response[f"{c}Band"] for c in ("red", "green", "blue")]
            for colour in ("red", "green", "blue"):
                args += [response[f"{colour}Min"], response[f"{colour}Max"]]
        except KeyError as exc:
            raise InputError(f"missing key {exc.args[0]!r}", field="raster_colorizer.multiBand") from None
        return MultiBandRasterColorizer(
            *args,
            red_scale=response.get("redScale", 1.0),
            green_scale=response.get("greenScale", 1.0),
            blue_scale=response.get("blueScale", 1.0),
            no_data_color=response.get("noDataColor"),
        )

    def bands(self) -> List[int]:
        return [self.red_band, self.green_band, self.blue_band]

    def to_dict(self) -> dict:
        result: Dict[str, Any] = {"type": "multiBand"}
        for colour in ("red", "green", "blue"):
            result[f"{colour}Band"] = getattr(self, f"{colour}_band")
        for colour in ("red", "green", "blue"):
            for part in ("min", "max", "scale"):
                result[f"{colour}{part.capitalize()}"] = getattr(self, f"{colour}_{part}")
        if self.no_data_color is not None:
            result["noDataColor"] = list(self.no_data_color)
        return result


@dataclass(frozen=True)
class RasterSymbology:
    """``{"type": "raster", "opacity": ..., "rasterColorizer": ...}`` as stored with catalog layers."""

    raster_colorizer: RasterColorizer
    opacity: float = 1.0

    def __post_init__(self) -> None:
        if not 0 <= _number(self.opacity, "opacity") <= 1:
            raise InputError(f"opacity must be within 0..1, got {self.opacity}", field="opacity")

    @staticmethod
    def from_response(response: dict) -> RasterSymbology:
        if not isinstance(response, dict) or response.get("type") != "raster":
            raise InputError("not a raster symbology", field="symbology.type")
        return RasterSymbology(RasterColorizer.from_response(response.get("rasterColorizer")),
                               response.get("opacity", 1.0))

    def to_dict(self) -> dict:
        return {"type": "raster", "opacity": self.opacity, "rasterColorizer": self.raster_colorizer.to_dict()}

