"""What ``Downsampling`` and ``Interpolation`` share: their resolution params, the output grid, and
reading the source pixels an output grid needs.

Geo Engine 0.9.3 semantics:

* ``outputResolution`` is ``{"type": "resolution", "x", "y"}`` (a pixel size) or ``{"type": "fraction",
  "x", "y"}`` (the input pixel size times / divided by the fraction, which must be >= 1);
  ``outputOriginReference`` is null or a coordinate
  (geo-engine/geoengine@5748ef7:geoengine/operators/src/processing/downsample/mod.rs ``DownsamplingParams``).
* The output grid keeps the input's origin and covers the input's spatial partition: upper-left pixel
  ``floor``, lower-right pixel after moving the corner 1e-6 pixel inwards
  (geo-engine/geoengine@5748ef7:geoengine/datatypes/src/raster/grid_spatial.rs ``with_changed_resolution``,
  geo-engine/geoengine@5748ef7:geoengine/datatypes/src/raster/geo_transform.rs ``spatial_to_grid_bounds``).
  An origin reference moves the grid to the pixel edge nearest to it, then puts the origin exactly on it
  (``with_moved_origin_to_nearest_grid_edge`` + ``replace_origin``).
* Pixel arithmetic runs on the tiling geo transforms (origin at the pixel edge nearest (0, 0)) of input and
  output, as the operators' sub-queries do; :func:`source_indices` maps output pixels to input pixels there.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from functools import reduce

import numpy as np

from .params import get, spec_error
from .raster_base import RasterBase
from .tiling import tiling_offset, tiling_origin
from .types import EngineError, GeoTransform, GridBounds, RasterDescriptor, RasterOperator, TimeInterval, Window

_EDGE_SHIFT = 0.000_001  # pixels: geo_transform.rs ``lower_right_pixel_idx``
_DIRECT_READ = 1 << 24  # pixels: a bounding window up to this size is read whole and gathered


def rust_float(value: float) -> str:
    """An f64 as Rust's ``Display`` writes it (``2``, ``0.5``)."""
    return str(int(value)) if float(value).is_integer() and abs(value) < 1e16 else repr(float(value))


@dataclass(frozen=True)
class ResolutionParam:
    kind: str  # resolution | fraction
    x: float
    y: float


def parse_resolution(params: dict, operator: str) -> ResolutionParam:
    value = get(params, operator, "outputResolution", dict)
    kind = value.get("type")
    if kind not in ("resolution", "fraction"):
        raise spec_error(operator, f"field `outputResolution.type` must be resolution or fraction (got {kind!r})")
    numbers = []
    for axis in ("x", "y"):
        number = value.get(axis)
        if isinstance(number, bool) or not isinstance(number, (int, float)) or not math.isfinite(number):
            raise spec_error(operator, f"field `outputResolution.{axis}` must be a number (got {number!r})")
        numbers.append(float(number))
    if kind == "resolution" and min(numbers) <= 0:
        raise spec_error(operator, f"field `outputResolution` must be a positive pixel size (got {value!r})")
    return ResolutionParam(kind, numbers[0], numbers[1])


def parse_origin(params: dict, operator: str) -> tuple[float, float] | None:
    value = params.get("outputOriginReference")
    if value is None:
        return None
    if isinstance(value, dict) and set(value) >= {"x", "y"}:
        x, y = value["x"], value["y"]
    elif isinstance(value, list) and len(value) == 2:
        x, y = value
    else:
        raise spec_error(operator, f"field `outputOriginReference` must be a coordinate {{x, y}} (got {value!r})")
    if any(isinstance(v, bool) or not isinstance(v, (int, float)) for v in (x, y)):
        raise spec_error(operator, f"field `outputOriginReference` must hold numbers (got {value!r})")
    return float(x), float(y)


def _floor_index(coordinate: float, origin: float, size: float) -> int:
    return math.floor((coordinate - origin) / size)


def with_changed_resolution(gt: GeoTransform, gb: GridBounds, res_x: float, res_y: float
                            ) -> tuple[GeoTransform, GridBounds]:
    """Same origin, new pixel size, bounds covering the old spatial partition."""
    ul_x, ul_y = gt.origin_x + gb.x_min * gt.x_pixel_size, gt.origin_y + gb.y_min * gt.y_pixel_size
    lr_x, lr_y = gt.origin_x + (gb.x_max + 1) * gt.x_pixel_size, gt.origin_y + (gb.y_max + 1) * gt.y_pixel_size
    out = GeoTransform(gt.origin_x, gt.origin_y, res_x, -res_y)
    right = max(lr_x - out.x_pixel_size * _EDGE_SHIFT, ul_x)
    bottom = min(lr_y - out.y_pixel_size * _EDGE_SHIFT, ul_y)
    return out, GridBounds(
        _floor_index(ul_x, out.origin_x, out.x_pixel_size), _floor_index(ul_y, out.origin_y, out.y_pixel_size),
        _floor_index(right, out.origin_x, out.x_pixel_size), _floor_index(bottom, out.origin_y, out.y_pixel_size),
    )


def moved_to_origin(gt: GeoTransform, gb: GridBounds, origin: tuple[float, float]
                    ) -> tuple[GeoTransform, GridBounds]:
    """``with_moved_origin_to_nearest_grid_edge(origin).replace_origin(origin)``."""
    ix = _floor_index(origin[0] + gt.x_pixel_size * 0.5, gt.origin_x, gt.x_pixel_size)
    iy = _floor_index(origin[1] + gt.y_pixel_size * 0.5, gt.origin_y, gt.y_pixel_size)
    bounds = GridBounds(gb.x_min - ix, gb.y_min - iy, gb.x_max - ix, gb.y_max - iy)
    return GeoTransform(origin[0], origin[1], gt.x_pixel_size, gt.y_pixel_size), bounds


def output_resolution(d: RasterDescriptor, res: ResolutionParam, divide: bool) -> tuple[float, float]:
    """The output pixel size: explicit, or the input's times (``divide``: divided by) the fraction."""
    if res.kind == "resolution":
        return res.x, res.y
    in_x, in_y = abs(d.geo_transform.x_pixel_size), abs(d.geo_transform.y_pixel_size)
    return (in_x / res.x, in_y / res.y) if divide else (in_x * res.x, in_y * res.y)


def checked_resolution(d: RasterDescriptor, res: ResolutionParam, coarser: bool) -> tuple[float, float]:
    """The output pixel size after the operators' checks: fractions >= 1, an explicit resolution no finer
    (``Downsampling``, ``coarser``) or no coarser (``Interpolation``) than the input's; errors as Geo Engine words
    them (downsample/mod.rs ``DownsamplingError``, interpolation/mod.rs ``InterpolationError``)."""
    code, prefix, verb = (("DownsampleOperator", "", "downsample") if coarser
                          else ("InterpolationOperator", "Interpolation error: ", "interpolate"))
    if res.kind == "fraction":
        for f in (res.x, res.y):
            if f < 1.0:
                raise EngineError(code, f"{prefix}The fraction used to {verb} must be >= 1, was {rust_float(f)}.")
    else:
        in_x, in_y = abs(d.geo_transform.x_pixel_size), abs(d.geo_transform.y_pixel_size)
        if (res.x < in_x or res.y < in_y) if coarser else (res.x > in_x or res.y > in_y):
            raise EngineError(code, f"{prefix}The output resolution must be higher than the input resolution.")
    return output_resolution(d, res, divide=not coarser)


class ResampledRaster(RasterBase):
    """An operator on ``source``'s pixels in another grid: same spatial reference, data type, time steps, bands
    and grid state (``RasterResultDescriptor`` with a changed ``spatial_grid``). A grid equal to the input's
    forwards reads unchanged; otherwise ``resample`` computes them."""

    def __init__(self, source: RasterOperator, gt: GeoTransform, gb: GridBounds):
        self.source = source
        self.datasets = list(source.datasets)
        self.descriptor = replace(source.descriptor, geo_transform=gt, grid_bounds=gb)
        self.forward = gt == source.descriptor.geo_transform and gb == source.descriptor.grid_bounds

    def time_slices(self, interval: TimeInterval) -> list[TimeInterval]:
        return self.source.time_slices(interval)

    def read_sampled(self, band: int, time: TimeInterval, window: Window, step: int) -> np.ma.MaskedArray:
        self.check_band(band)
        if self.forward:
            return self.source.read_sampled(band, time, window, step)
        return self.resample(band, time, window, step)

    def resample(self, band: int, time: TimeInterval, window: Window, step: int) -> np.ma.MaskedArray:
        raise NotImplementedError


def _axis_positions(out: GeoTransform, start: int, count: int, step: int, axis: str, centre: bool) -> np.ndarray:
    """Coordinates of output pixels ``start + i*step`` (window indices) along ``axis``, computed from the
    output's tiling geo transform like the real operators (centre or upper-left edge)."""
    anchor = tiling_origin(out)[0 if axis == "x" else 1]
    offset = tiling_offset(out)[0 if axis == "x" else 1]
    size = out.x_pixel_size if axis == "x" else out.y_pixel_size
    index = (start + np.arange(count, dtype=np.int64) * step - offset).astype(np.float64)
    return anchor + (index + 0.5) * size if centre else anchor + index * size


def source_indices(src: GeoTransform, out: GeoTransform, window: Window, step: int, centre: bool
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """For the output pixels of ``window`` (every ``step``-th): (source rows, source cols) as window indices
    of the source grid, and the output coordinates (ys, xs) they were computed from."""
    rows_n, cols_n = -(-window.height // step), -(-window.width // step)
    xs = _axis_positions(out, window.x_off, cols_n, step, "x", centre)
    ys = _axis_positions(out, window.y_off, rows_n, step, "y", centre)
    (ax, ay), (dx, dy) = tiling_origin(src), tiling_offset(src)
    cols = np.floor((xs - ax) / src.x_pixel_size).astype(np.int64) + dx
    rows = np.floor((ys - ay) / src.y_pixel_size).astype(np.int64) + dy
    return rows, cols, ys, xs


def _progression_step(values: np.ndarray) -> int | None:
    """The common step of strictly increasing ``values`` (None when the steps differ)."""
    if values.size == 1:
        return 1
    steps = np.diff(values)
    return int(steps[0]) if steps[0] > 0 and np.all(steps == steps[0]) else None


def gather(source: RasterOperator, band: int, time: TimeInterval, rows: np.ndarray, cols: np.ndarray
           ) -> np.ma.MaskedArray:
    """``source``'s pixels at every (row, col) of ``rows x cols`` (source window indices, any order, repeats
    allowed), reading only what is needed: an operator's own ``read_indices``, a strided read when the
    distinct indices are evenly spaced, else the bounding window."""
    urows, rinv = np.unique(rows, return_inverse=True)
    ucols, cinv = np.unique(cols, return_inverse=True)
    own = getattr(source, "read_indices", None)
    if own is not None:
        block = own(band, time, urows, ucols)
    else:
        block = _read_unique(source, band, time, urows, ucols)
    data = np.ma.getdata(block)[np.ix_(rinv, cinv)]
    mask = np.ma.getmaskarray(block)[np.ix_(rinv, cinv)]
    return np.ma.MaskedArray(data, mask=mask)


def _read_unique(source: RasterOperator, band: int, time: TimeInterval, rows: np.ndarray, cols: np.ndarray
                 ) -> np.ma.MaskedArray:
    r0, c0 = int(rows[0]), int(cols[0])
    height, width = int(rows[-1]) - r0 + 1, int(cols[-1]) - c0 + 1
    step_r, step_c = _progression_step(rows), _progression_step(cols)
    if step_r is not None and step_c is not None:
        if rows.size == 1:
            step_r = step_c
        if cols.size == 1:
            step_c = step_r
        step = math.gcd(step_r, step_c)
        block = source.read_sampled(band, time, Window(c0, r0, width, height), step)
        return block[:: step_r // step, :: step_c // step]
    step = reduce(math.gcd, [int(v) for v in np.diff(rows)] + [int(v) for v in np.diff(cols)], 0) or 1
    if (height // step + 1) * (width // step + 1) > _DIRECT_READ:
        raise EngineError("DownsampleOperator", f"resampling would read {height} x {width} source pixels unevenly "
                          "spaced; choose an output resolution that is a whole multiple of the input's")
    block = source.read_sampled(band, time, Window(c0, r0, width, height), step)
    return block[np.ix_((rows - r0) // step, (cols - c0) // step)]
