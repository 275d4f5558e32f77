"""Raster ``Interpolation``: a finer grid, nearest neighbour or bilinear.

Follows geo-engine/geoengine@5748ef7:geoengine/operators/src/processing/interpolation/mod.rs and
geo-engine/geoengine@5748ef7:geoengine/datatypes/src/raster/operations/interpolation.rs:

* params ``interpolation`` (``nearestNeighbor`` | ``biLinear``), ``outputResolution`` (``resolution`` x/y <= the
  input's pixel size, or ``fraction`` >= 1 dividing it), ``outputOriginReference``; source ``raster``;
* the output grid: resolution changed first, then moved to the edge nearest the reference (the reverse order
  of ``Downsampling``);
* nearest neighbour: the input pixel under the output pixel's centre;
* bilinear: from the output pixel's *upper-left corner* ``(x, y)``, input pixel ``a`` under it, ``b`` below,
  ``c`` right, ``d`` diagonal; with ``a``'s upper-left corner ``(a_x, a_y)``, ``c_x = a_x + size_x``,
  ``b_y = a_y + size_y``: ``(a (c_x-x)(b_y-y) + c (x-a_x)(b_y-y) + b (c_x-x)(y-a_y) + d (x-a_x)(y-a_y)) /
  ((c_x-a_x)(b_y-a_y))``, no-data when any of the four is; cast back like Rust's ``as`` (integers truncate
  towards zero and saturate, NaN -> 0).
"""

from __future__ import annotations

import numpy as np

from .build import register
from .params import choice
from .resample_grid import (
    ResampledRaster,
    ResolutionParam,
    checked_resolution,
    gather,
    moved_to_origin,
    parse_origin,
    parse_resolution,
    source_indices,
    with_changed_resolution,
)
from .tiling import tiling_offset, tiling_origin
from .types import NUMPY_TYPES, RasterOperator, TimeInterval, Window

METHODS = ("nearestNeighbor", "biLinear")


def rust_as(values: np.ndarray, data_type: str) -> np.ndarray:
    """f64 -> the pixel type as Rust's ``as`` casts (saturating, truncating, NaN -> 0 for integers)."""
    target = np.dtype(NUMPY_TYPES[data_type])
    if target.kind == "f":
        return values.astype(target)
    info = np.iinfo(target)
    clean = np.nan_to_num(np.trunc(values), nan=0.0, posinf=float(info.max), neginf=float(info.min))
    return np.clip(clean, info.min, info.max).astype(target)


class Interpolation(ResampledRaster):
    def __init__(self, source: RasterOperator, method: str, resolution: ResolutionParam,
                 origin: tuple[float, float] | None):
        self.method = method
        d = source.descriptor
        gt, gb = with_changed_resolution(d.geo_transform, d.grid_bounds, *checked_resolution(d, resolution, False))
        if origin is not None:
            gt, gb = moved_to_origin(gt, gb, origin)
        super().__init__(source, gt, gb)

    def resample(self, band: int, time: TimeInterval, window: Window, step: int) -> np.ma.MaskedArray:
        if self.method == "nearestNeighbor":
            rows, cols, _, _ = source_indices(self.source.descriptor.geo_transform, self.descriptor.geo_transform,
                                              window, step, centre=True)
            return gather(self.source, band, time, rows, cols)
        return self._bilinear(band, time, window, step)

    def _bilinear(self, band: int, time: TimeInterval, window: Window, step: int) -> np.ma.MaskedArray:
        src, out = self.source.descriptor.geo_transform, self.descriptor.geo_transform
        rows, cols, ys, xs = source_indices(src, out, window, step, centre=False)
        (ax, ay), (dx, dy) = tiling_origin(src), tiling_offset(src)
        a_x = ax + (cols - dx).astype(np.float64) * src.x_pixel_size
        a_y = ay + (rows - dy).astype(np.float64) * src.y_pixel_size
        c_x, b_y = a_x + src.x_pixel_size, a_y + src.y_pixel_size
        n_r, n_c = rows.size, cols.size
        block = gather(self.source, band, time, np.concatenate([rows, rows + 1]), np.concatenate([cols, cols + 1]))
        values = np.ma.getdata(block).astype(np.float64)
        mask = np.ma.getmaskarray(block)
        a, c = values[:n_r, :n_c], values[:n_r, n_c:]
        b, d = values[n_r:, :n_c], values[n_r:, n_c:]
        missing = mask[:n_r, :n_c] | mask[:n_r, n_c:] | mask[n_r:, :n_c] | mask[n_r:, n_c:]
        cx_x, x_ax = (c_x - xs)[None, :], (xs - a_x)[None, :]
        by_y, y_ay = (b_y - ys)[:, None], (ys - a_y)[:, None]
        with np.errstate(invalid="ignore", over="ignore"):
            value = (a * cx_x * by_y + c * x_ax * by_y + b * cx_x * y_ay + d * x_ax * y_ay) / (
                (c_x - a_x)[None, :] * (b_y - a_y)[:, None])
        return np.ma.MaskedArray(rust_as(value, self.descriptor.data_type), mask=missing)


@register("Raster", "Interpolation")
def build_interpolation(params: dict, sources, name: str) -> Interpolation:
    method = choice(params, name, "interpolation", METHODS)
    resolution = parse_resolution(params, name)
    origin = parse_origin(params, name)
    return Interpolation(sources.one("raster", "Raster"), method, resolution, origin)
