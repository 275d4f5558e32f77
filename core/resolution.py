"""Loading a raster at another resolution than its native one: the choice, and the workflow that does it.

Geo Engine 0.9 streams only a workflow's native tiles. A coarser (or finer) result is another workflow: the
original wrapped in Geo Engine's ``Downsampling`` (nearest neighbour, coarser) or ``Interpolation`` (bilinear,
finer) operator with an explicit ``outputResolution``. Coarser targets are rounded to a whole multiple of the native
pixel size (finer ones to a whole fraction of it), so every output pixel is exactly one native pixel (or an even
split of one) and the server reads only the pixels it returns.

Modes: ``native``; ``canvas`` (the map canvas's pixel size in the workflow's CRS); ``custom`` (a given pixel size);
``auto`` (the default): native when the native download is small (:func:`~.download_estimate.estimate_download`
under ``auto_limit_bytes``), else the canvas's resolution.

Pure Python (no qgis).
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass
from typing import Any, Optional, Sequence, Tuple

from .errors import InputError
from .types import SpatialResolution

NATIVE, CANVAS, CUSTOM, AUTO = "native", "canvas", "custom", "auto"
MODES = (AUTO, NATIVE, CANVAS, CUSTOM)
AUTO_LIMIT_BYTES = 64 * 1024 * 1024  # native downloads up to this size stay native in ``auto``
_TOLERANCE = 1e-6  # a target within this fraction of a whole multiple counts as that multiple


@dataclass(frozen=True)
class ResolutionChoice:
    """The resolution a raster is loaded at: ``mode`` after ``auto`` was decided, ``pixel_size`` (x, y) of the
    result, ``factor`` (> 1: coarser, < 1: finer, 1: native) and why (``reason``, for the layer metadata)."""

    mode: str
    pixel_size: Tuple[float, float]
    factor: float = 1.0
    reason: str = ""

    @property
    def is_native(self) -> bool:
        return self.factor == 1.0

    def label(self) -> str:
        """Short text for layer names: ``native``, ``canvas 0.36 x 0.36`` or ``custom 0.05 x 0.05``."""
        if self.is_native:
            return "native"
        size = f"{_short(self.pixel_size[0])} x {_short(self.pixel_size[1])}"
        return f"{self.mode} {size}"

    def to_property(self) -> str:
        """``native`` or ``mode:x,y`` (stored on the layer; :meth:`from_property` reads it back)."""
        if self.is_native:
            return NATIVE
        return f"{self.mode}:{self.pixel_size[0]!r},{self.pixel_size[1]!r}"


def _short(value: float) -> str:
    return f"{value:.6g}"


def from_property(text: str) -> Optional[Tuple[str, Optional[Tuple[float, float]]]]:
    """(mode, pixel size or None) of a stored :meth:`ResolutionChoice.to_property`; None for empty/unreadable."""
    text = (text or "").strip()
    if not text:
        return None
    if text == NATIVE:
        return NATIVE, None
    mode, _, size = text.partition(":")
    try:
        x, y = (float(v) for v in size.split(","))
    except ValueError:
        return None
    return (mode if mode in MODES else CUSTOM), (x, y)


def snap(native: Tuple[float, float], target: Tuple[float, float]) -> Tuple[Tuple[float, float], float]:
    """``target`` moved to the nearest whole multiple (coarser) or whole fraction (finer) of ``native``; the same
    factor on both axes (the larger one, so neither axis gets finer than asked). Returns (pixel size, factor)."""
    nx, ny = abs(native[0]), abs(native[1])
    ratio = max(abs(target[0]) / nx, abs(target[1]) / ny)
    if not math.isfinite(ratio) or ratio <= 0:
        raise InputError(f"cannot load at pixel size {target}", field="resolution")
    if ratio >= 1 - _TOLERANCE:
        factor = float(max(1, math.floor(ratio + _TOLERANCE)))
    else:
        factor = 1.0 / max(1, round(1.0 / ratio))
    return (nx * factor, ny * factor), factor


def choose(mode: str, native: Tuple[float, float], canvas: Optional[Tuple[float, float]] = None,
           custom: Optional[Tuple[float, float]] = None, native_bytes: Optional[int] = None,
           auto_limit_bytes: int = AUTO_LIMIT_BYTES) -> ResolutionChoice:
    """Decide the resolution. ``native_bytes``: the native download's size (``auto`` needs it; unknown -> native)."""
    if mode not in MODES:
        raise InputError(f"resolution must be one of {', '.join(MODES)}, got {mode!r}", field="resolution")
    native = (abs(native[0]), abs(native[1]))
    if mode == AUTO:
        if native_bytes is None or native_bytes <= auto_limit_bytes or canvas is None:
            why = "unknown size" if native_bytes is None else f"{native_bytes} bytes at native resolution"
            return ResolutionChoice(NATIVE, native, 1.0, f"auto: {why}")
        choice = choose(CANVAS, native, canvas)
        return ResolutionChoice(CANVAS, choice.pixel_size, choice.factor,
                                f"auto: {native_bytes} bytes at native resolution exceed {auto_limit_bytes}")
    if mode == NATIVE:
        return ResolutionChoice(NATIVE, native, 1.0, "native")
    target = canvas if mode == CANVAS else custom
    if target is None:
        raise InputError(f"a {mode} resolution needs a pixel size", field="resolution")
    target = SpatialResolution.coerce(tuple(target)).as_tuple()
    size, factor = snap(native, target)
    if factor == 1.0:
        return ResolutionChoice(NATIVE, native, 1.0, f"{mode}: the native resolution is the nearest")
    return ResolutionChoice(mode, size, factor, f"{mode} {_short(target[0])} x {_short(target[1])}")


def resampled_workflow(workflow: dict, choice: ResolutionChoice) -> dict:
    """``workflow`` (``{"type": "Raster", "operator": ...}``) wrapped so it streams at ``choice``; unchanged when
    native. Coarser: ``Downsampling`` (nearestNeighbor); finer: ``Interpolation`` (biLinear)."""
    if workflow.get("type") != "Raster":
        raise InputError("only raster workflows have a resolution", field="resolution")
    if choice.is_native:
        return workflow
    resolution = {"type": "resolution", "x": choice.pixel_size[0], "y": choice.pixel_size[1]}
    if choice.factor > 1:
        params = {"samplingMethod": "nearestNeighbor", "outputResolution": resolution}
        operator = "Downsampling"
    else:
        params = {"interpolation": "biLinear", "outputResolution": resolution}
        operator = "Interpolation"
    return {"type": "Raster", "operator": {"type": operator, "params": params,
                                           "sources": {"raster": copy.deepcopy(workflow["operator"])}}}


def pixel_size_of(descriptor: Any) -> Tuple[float, float]:
    """(x, y) native pixel size of a raster result descriptor."""
    gt = getattr(descriptor, "geo_transform", None)
    if gt is None:
        raise InputError("the raster's result descriptor has no spatial grid", field="descriptor")
    return abs(gt.x_pixel_size), abs(gt.y_pixel_size)


def canvas_pixel_size(bbox: Sequence[float], width_px: int, height_px: int) -> Tuple[float, float]:
    """The pixel size of showing ``bbox`` (in the workflow's CRS) on a ``width_px`` x ``height_px`` canvas."""
    if width_px <= 0 or height_px <= 0:
        raise InputError("the map canvas has no size", field="resolution")
    xmin, ymin, xmax, ymax = (float(v) for v in bbox)
    return (xmax - xmin) / width_px, (ymax - ymin) / height_px
