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

from .engine.crs import transform_points
from .engine.tiling import tiles_for_grid
from .engine.types import NUMPY_TYPES, BBox, GeoTransform, RasterOperator, TimeInterval, Window

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


def _axis(coords: np.ndarray, origin: float, size: float, lo: int, hi: int) -> tuple[np.ndarray, np.ndarray]:
    """Source pixel index of each coordinate along one axis, and whether it lies inside ``lo..hi``."""
    with np.errstate(invalid="ignore"):
        index = np.floor((coords - origin) / size)
        valid = np.isfinite(index) & (index >= lo) & (index <= hi)
    return np.where(valid, index, 0).astype(np.int64), valid


# The real WMS/WCS query the workflow at the requested grid and write its tiles
# (geo-engine/geoengine@5748ef7:geoengine/operators/src/util/raster_stream_to_png.rs,
# geo-engine/geoengine@5748ef7:geoengine/operators/src/util/raster_stream_to_geotiff.rs); this server samples nearest
# neighbours directly
def sample(operator: RasterOperator, bands: list[int], time: TimeInterval, grid: OutputGrid) -> list[np.ma.MaskedArray]:
    """One masked (height, width) array per band: the operator's pixels at the output pixel centres.

    The covering source window is read at native resolution when it has at most ``WINDOW_BUDGET``
    pixels (exact nearest neighbour); bigger windows are read with a stride (an overview, like
    GdalSource's overview levels), so a world map of a huge raster stays cheap. In the operator's own
    CRS rows and columns are independent, so the pixels are picked with an outer product of indices.
    """
    d = operator.descriptor
    gt, gb = d.geo_transform, d.grid_bounds
    dtype = NUMPY_TYPES[d.data_type]
    xs, ys = grid.centres()
    separable = grid.crs == d.spatial_reference
    if not separable:
        gx, gy = np.meshgrid(xs, ys)
        xs, ys = transform_points(gx, gy, grid.crs, d.spatial_reference)
    cols, valid_c = _axis(xs, gt.origin_x, gt.x_pixel_size, gb.x_min, gb.x_max)
    rows, valid_r = _axis(ys, gt.origin_y, gt.y_pixel_size, gb.y_min, gb.y_max)
    if separable:
        valid = valid_r[:, None] & valid_c[None, :]
        used_rows, used_cols = rows[valid_r], cols[valid_c]
    else:
        valid = valid_r & valid_c
        used_rows, used_cols = rows[valid], cols[valid]
    if not valid.any():
        return [np.ma.masked_all((grid.height, grid.width), dtype=dtype) for _ in bands]
    r0, r1 = int(used_rows.min()), int(used_rows.max())
    c0, c1 = int(used_cols.min()), int(used_cols.max())
    window = Window(c0, r0, c1 - c0 + 1, r1 - r0 + 1)
    step = max(1, math.ceil(math.sqrt(window.width * window.height / WINDOW_BUDGET)))
    rows_in = np.clip((rows - r0 + step // 2) // step, 0, (window.height - 1) // step)
    cols_in = np.clip((cols - c0 + step // 2) // step, 0, (window.width - 1) // step)
    index = np.ix_(rows_in, cols_in) if separable else (rows_in, cols_in)
    out = []
    for band in bands:
        source = operator.read(band, time, window) if step == 1 else operator.read_sampled(band, time, window, step)
        values = source[index]
        out.append(np.ma.masked_array(np.ma.getdata(values), mask=np.ma.getmaskarray(values) | ~valid))
    return out


def tile_count(geo_transform: GeoTransform, bbox: BBox, tile_size: int) -> int:
    """Tiles of Geo Engine's tiling grid (for the pixel grid ``geo_transform``) that ``bbox`` touches."""
    return len(tiles_for_grid(geo_transform, bbox, tile_size))
