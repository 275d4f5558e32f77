"""Nearest-neighbour resampling of a raster operator onto an output grid (WMS maps, WCS coverages).

The output pixel centres (in the request CRS) are transformed into the operator's CRS and each takes
the source pixel it falls into. Only the source window that covers those pixels is read, at native
resolution; when that window would be huge (a world map of a very large raster) it is read with a
stride, so memory and time stay bounded.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .engine.tiling import tiling_offset, window_for_bbox
from .engine.types import NUMPY_TYPES, BBox, GeoTransform, RasterOperator, TimeInterval, Window
from .ogc_params import transform_points

WINDOW_BUDGET = 16_000_000  # source pixels read at native resolution; beyond, a strided read


@dataclass(frozen=True)
class OutputGrid:
    bbox: BBox  # in ``crs``
    width: int
    height: int
    crs: str

    def centres(self) -> tuple[np.ndarray, np.ndarray]:
        dx = (self.bbox.xmax - self.bbox.xmin) / self.width
        dy = (self.bbox.ymax - self.bbox.ymin) / self.height
        xs = self.bbox.xmin + (np.arange(self.width) + 0.5) * dx
        ys = self.bbox.ymax - (np.arange(self.height) + 0.5) * dy
        return xs, ys


def _source_indices(operator: RasterOperator, grid: OutputGrid):
    """Source (row, col) per output pixel as int arrays plus a validity mask (inside the data)."""
    d = operator.descriptor
    gt, gb = d.geo_transform, d.grid_bounds
    xs, ys = grid.centres()
    if grid.crs == d.spatial_reference:
        cols = np.floor((xs - gt.origin_x) / gt.x_pixel_size)
        rows = np.floor((ys - gt.origin_y) / gt.y_pixel_size)
        cols, rows = np.meshgrid(cols, rows)
    else:
        gx, gy = np.meshgrid(xs, ys)
        sx, sy = transform_points(gx, gy, grid.crs, d.spatial_reference)
        with np.errstate(invalid="ignore"):
            cols = np.floor((sx - gt.origin_x) / gt.x_pixel_size)
            rows = np.floor((sy - gt.origin_y) / gt.y_pixel_size)
    with np.errstate(invalid="ignore"):
        valid = (
            np.isfinite(cols) & np.isfinite(rows)
            & (cols >= gb.x_min) & (cols <= gb.x_max) & (rows >= gb.y_min) & (rows <= gb.y_max)
        )
    rows = np.where(valid, rows, 0).astype(np.int64)
    cols = np.where(valid, cols, 0).astype(np.int64)
    return rows, cols, valid


def sample(operator: RasterOperator, bands: list[int], time: TimeInterval, grid: OutputGrid) -> list[np.ma.MaskedArray]:
    """One masked (height, width) array per band: the operator's pixels at the output pixel centres.

    The covering source window is read at native resolution when it has at most ``WINDOW_BUDGET``
    pixels (exact nearest neighbour); bigger windows are read with a stride (an overview, like
    GdalSource's overview levels), so a world map of a huge raster stays cheap.
    """
    dtype = NUMPY_TYPES[operator.descriptor.data_type]
    rows, cols, valid = _source_indices(operator, grid)
    if not valid.any():
        return [np.ma.masked_all((grid.height, grid.width), dtype=dtype) for _ in bands]
    r0, r1 = int(rows[valid].min()), int(rows[valid].max())
    c0, c1 = int(cols[valid].min()), int(cols[valid].max())
    window = Window(c0, r0, c1 - c0 + 1, r1 - r0 + 1)
    step = max(1, math.ceil(math.sqrt(window.width * window.height / WINDOW_BUDGET)))
    if step > 1:
        rows_in = np.minimum((rows - r0 + step // 2) // step, (window.height - 1) // step)
        cols_in = np.minimum((cols - c0 + step // 2) // step, (window.width - 1) // step)
    else:
        rows_in, cols_in = rows - r0, cols - c0
    out = []
    for band in bands:
        source = operator.read(band, time, window) if step == 1 else operator.read_sampled(band, time, window, step)
        values = source[rows_in, cols_in]
        out.append(np.ma.masked_array(np.ma.getdata(values), mask=np.ma.getmaskarray(values) | ~valid))
    return out


def tile_count(geo_transform: GeoTransform, bbox: BBox, tile_size: int) -> int:
    """Tiles of Geo Engine's tiling grid (for the pixel grid ``geo_transform``) that ``bbox`` touches."""
    dx, dy = tiling_offset(geo_transform)
    w = window_for_bbox(geo_transform, bbox)
    columns = (w.x_off + w.width - 1 - dx) // tile_size - (w.x_off - dx) // tile_size + 1
    rows = (w.y_off + w.height - 1 - dy) // tile_size - (w.y_off - dy) // tile_size + 1
    return columns * rows
