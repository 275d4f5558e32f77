"""Geo Engine's ``RasterColorizer`` JSON and how it turns band values into RGBA pixels.

Gradients follow the server's colour mapper: a 254-entry table between the first and the last
breakpoint, each value taking its nearest entry; values below/above the range get the under/over
colour, no-data (masked or NaN) the no-data colour. Palettes map exact values and fall back to
``defaultColor``. Multi-band: ``clamp(round(255 * scale * (v - min) / (max - min)), 0, 255)``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .errors import ApiError, unknown_variant

# The 254-entry colour table: geo-engine/geoengine@5748ef7:geoengine/datatypes/src/operations/image/colorizer.rs
TABLE_SIZE = 254


def colorizer_error(message: str) -> ApiError:
    return ApiError("SerdeJson", message)


def _color(value, where: str) -> tuple[int, int, int, int]:
    if (
        not isinstance(value, list)
        or len(value) != 4
        or not all(isinstance(c, int) and not isinstance(c, bool) and 0 <= c <= 255 for c in value)
    ):
        raise colorizer_error(f"{where}: a colour is a list of four integers 0..255, got {value!r}")
    return tuple(value)


def _number(value, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise colorizer_error(f"{where}: expected a number, got {value!r}")
    return float(value)


def _field(obj: dict, key: str, where: str):
    if key not in obj:
        raise colorizer_error(f"missing field `{key}` in {where}")
    return obj[key]


@dataclass
class Gradient:
    values: np.ndarray  # breakpoint values, increasing
    colors: np.ndarray  # (n, 4) uint8
    no_data: tuple
    over: tuple
    under: tuple
    logarithmic: bool

    def table(self) -> np.ndarray:
        """The (254, 4) colour table between the first and the last breakpoint."""
        lo, hi = self.values[0], self.values[-1]
        if self.logarithmic:
            samples = np.logspace(math.log10(lo), math.log10(hi), TABLE_SIZE)
            points, at = np.log10(self.values), np.log10(samples)
        else:
            samples = np.linspace(lo, hi, TABLE_SIZE)
            points, at = self.values, samples
        channels = [np.interp(at, points, self.colors[:, c].astype(float)) for c in range(4)]
        return np.clip(np.rint(np.stack(channels, axis=1)), 0, 255).astype(np.uint8)

    def apply(self, band: np.ma.MaskedArray) -> np.ndarray:
        data = np.ma.getdata(band)
        if data.dtype.kind in "ui" and data.dtype.itemsize <= 2:  # small integers: colour each value once
            info = np.iinfo(data.dtype)
            lut = self._apply_values(np.arange(info.min, info.max + 1, dtype=np.float64))
            out = lut[data if info.min == 0 else data.astype(np.int32) - info.min]
        else:
            out = self._apply_values(data.astype(np.float64))
        out[np.ma.getmaskarray(band)] = self.no_data
        return out

    def _apply_values(self, data: np.ndarray) -> np.ndarray:
        """RGBA for float values (NaN is no-data)."""
        invalid = np.isnan(data)
        lo, hi = self.values[0], self.values[-1]
        out = np.empty(data.shape + (4,), dtype=np.uint8)
        with np.errstate(invalid="ignore", divide="ignore"):
            if hi > lo:
                if self.logarithmic:
                    pos = (np.log10(np.maximum(data, 1e-300)) - math.log10(lo)) / (math.log10(hi) - math.log10(lo))
                else:
                    pos = (data - lo) / (hi - lo)
                index = np.clip(np.rint(pos * (TABLE_SIZE - 1)), 0, TABLE_SIZE - 1)
                index = np.where(np.isfinite(index), index, 0).astype(np.intp)
            else:
                index = np.zeros(data.shape, dtype=np.intp)
            out[...] = self.table()[index]
            out[data < lo] = self.under
            out[data > hi] = self.over
        out[invalid] = self.no_data
        return out


@dataclass
class Palette:
    keys: np.ndarray  # sorted values
    colors: np.ndarray  # (n, 4) uint8 in key order
    no_data: tuple
    default: tuple

    def apply(self, band: np.ma.MaskedArray) -> np.ndarray:
        data = np.ma.getdata(band)
        invalid = np.ma.getmaskarray(band)
        if data.dtype == np.uint8:  # one lookup table for the common byte case
            lut = np.tile(np.array(self.default, dtype=np.uint8), (256, 1))
            for key, color in zip(self.keys, self.colors):
                if float(key).is_integer() and 0 <= key <= 255:
                    lut[int(key)] = color
            out = lut[data]
        else:
            values = data.astype(np.float64)
            pos = np.clip(np.searchsorted(self.keys, values), 0, max(len(self.keys) - 1, 0))
            out = np.empty(data.shape + (4,), dtype=np.uint8)
            out[...] = self.default
            if len(self.keys):
                hit = self.keys[pos] == values
                out[hit] = self.colors[pos[hit]]
            invalid = invalid | np.isnan(values)
        out[invalid] = self.no_data
        return out


@dataclass
class SingleBand:
    band: int
    colorizer: Gradient | Palette

    @property
    def bands(self) -> list[int]:
        return [self.band]

    @property
    def no_data_color(self) -> tuple:
        return self.colorizer.no_data

    def render(self, bands: list[np.ma.MaskedArray]) -> np.ndarray:
        return self.colorizer.apply(bands[0])


@dataclass
class Channel:
    band: int
    min: float
    max: float
    scale: float

    def apply(self, band: np.ma.MaskedArray) -> np.ndarray:
        data = np.ma.getdata(band).astype(np.float64)
        span = self.max - self.min
        with np.errstate(invalid="ignore", divide="ignore"):
            scaled = 255.0 * self.scale * (data - self.min) / span if span else np.zeros_like(data)
            return np.clip(np.rint(np.nan_to_num(scaled)), 0, 255).astype(np.uint8)


@dataclass
class MultiBand:
    red: Channel
    green: Channel
    blue: Channel
    no_data: tuple

    @property
    def bands(self) -> list[int]:
        return [self.red.band, self.green.band, self.blue.band]

    @property
    def no_data_color(self) -> tuple:
        return self.no_data

    def render(self, bands: list[np.ma.MaskedArray]) -> np.ndarray:
        r, g, b = bands
        out = np.empty(r.shape + (4,), dtype=np.uint8)
        out[..., 0] = self.red.apply(r)
        out[..., 1] = self.green.apply(g)
        out[..., 2] = self.blue.apply(b)
        out[..., 3] = 255
        invalid = np.ma.getmaskarray(r) | np.ma.getmaskarray(g) | np.ma.getmaskarray(b)
        for band in bands:
            if band.dtype.kind == "f":
                invalid |= np.isnan(np.ma.getdata(band))
        out[invalid] = self.no_data
        return out


# Default single-band grey gradient and the multi-band mapping:
# geo-engine/geoengine@5748ef7:geoengine/operators/src/util/raster_stream_to_png.rs
def default_colorizer() -> SingleBand:
    """Geo Engine's WMS default: grey 0 (black) .. 255 (white) on band 0, transparent no-data."""
    return SingleBand(
        0,
        Gradient(
            np.array([0.0, 255.0]),
            np.array([[0, 0, 0, 255], [255, 255, 255, 255]], dtype=np.uint8),
            (0, 0, 0, 0),
            (255, 255, 255, 255),
            (0, 0, 0, 255),
            logarithmic=False,
        ),
    )


def _band_colorizer(obj) -> Gradient | Palette:
    if not isinstance(obj, dict):
        raise colorizer_error("bandColorizer must be an object")
    kind = _field(obj, "type", "bandColorizer")
    no_data = _color(obj.get("noDataColor", [0, 0, 0, 0]), "noDataColor")
    if kind in ("linearGradient", "logarithmicGradient"):
        points = _field(obj, "breakpoints", kind)
        if not isinstance(points, list) or len(points) < 2:
            raise colorizer_error(f"{kind}: at least two breakpoints are needed")
        values = np.array([_number(_field(p, "value", "breakpoint"), "breakpoint value") for p in points])
        colors = np.array([_color(_field(p, "color", "breakpoint"), "breakpoint color") for p in points], np.uint8)
        if np.any(np.diff(values) <= 0):
            raise colorizer_error(f"{kind}: breakpoint values must increase strictly")
        if kind == "logarithmicGradient" and values[0] <= 0:
            raise colorizer_error("logarithmicGradient: every breakpoint value must be > 0")
        over = _color(_field(obj, "overColor", kind), "overColor")
        under = _color(_field(obj, "underColor", kind), "underColor")
        return Gradient(values, colors, no_data, over, under, kind == "logarithmicGradient")
    if kind == "palette":
        colors = _field(obj, "colors", kind)
        if not isinstance(colors, dict) or len(colors) > 256:
            raise colorizer_error("palette: colors must be an object with at most 256 entries")
        try:
            items = sorted((float(k), _color(v, f"palette colour {k}")) for k, v in colors.items())
        except ValueError:
            raise colorizer_error("palette: colour keys must be numbers") from None
        keys = np.array([k for k, _ in items], dtype=np.float64)
        table = np.array([c for _, c in items], dtype=np.uint8).reshape(-1, 4)
        default = _color(_field(obj, "defaultColor", kind), "defaultColor")
        return Palette(keys, table, no_data, default)
    raise colorizer_error(unknown_variant(kind, ("linearGradient", "logarithmicGradient", "palette")))


def _band_index(value, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise colorizer_error(f"{where}: a band index is a non-negative integer, got {value!r}")
    return value


# RasterColorizer JSON: geo-engine/geoengine@5748ef7:geoengine/services/src/api/model/datatypes.rs
def parse_raster_colorizer(obj) -> SingleBand | MultiBand:
    """A ``RasterColorizer`` JSON object -> a renderer; bad input raises a ``SerdeJson`` ApiError."""
    if not isinstance(obj, dict):
        raise colorizer_error("a RasterColorizer must be a JSON object")
    kind = _field(obj, "type", "RasterColorizer")
    if kind == "singleBand":
        band = _band_index(_field(obj, "band", kind), "band")
        return SingleBand(band, _band_colorizer(_field(obj, "bandColorizer", kind)))
    if kind == "multiBand":
        channels = []
        for name in ("red", "green", "blue"):
            scale = _number(obj.get(f"{name}Scale", 1.0), f"{name}Scale")
            if not 0 <= scale <= 1:
                raise colorizer_error(f"{name}Scale must be in 0..1")
            channels.append(Channel(
                _band_index(_field(obj, f"{name}Band", kind), f"{name}Band"),
                _number(_field(obj, f"{name}Min", kind), f"{name}Min"),
                _number(_field(obj, f"{name}Max", kind), f"{name}Max"),
                scale,
            ))
        return MultiBand(*channels, _color(obj.get("noDataColor", [0, 0, 0, 0]), "noDataColor"))
    raise colorizer_error(unknown_variant(kind, ("singleBand", "multiBand")))
