"""Geo Engine's tiling grid: tiles of ``tile_size`` pixels anchored at the pixel edge nearest (0, 0).

Used by raster streams, WCS and WMS to cut an operator's pixel grid into whole tiles.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from .types import BBox, GeoTransform, RasterDescriptor, Window

_EPS = 1e-9


@dataclass(frozen=True)
class TileSpec:
    """One tile: its index in the tiling grid, its window in the operator grid, its own geo transform."""

    tile_x: int
    tile_y: int
    window: Window
    geo_transform: GeoTransform  # upper-left corner of the tile


def tiling_offset(gt: GeoTransform) -> tuple[int, int]:
    """Pixel offset (columns, rows) of the tiling origin from ``gt``'s origin."""
    return int(round(-gt.origin_x / gt.x_pixel_size)), int(round(-gt.origin_y / gt.y_pixel_size))


def tiling_origin(gt: GeoTransform) -> tuple[float, float]:
    """The pixel edge nearest to coordinate (0, 0) (for NDVI exactly (0, 0))."""
    dx, dy = tiling_offset(gt)
    return gt.origin_x + dx * gt.x_pixel_size, gt.origin_y + dy * gt.y_pixel_size


def pixel_range(start: float, end: float, origin: float, size: float) -> tuple[int, int]:
    """Inclusive pixel indices covering ``[start, end]`` along one axis (end edge exclusive)."""
    a, b = (start - origin) / size, (end - origin) / size
    lo, hi = min(a, b), max(a, b)
    first = math.floor(lo + _EPS)
    last = math.ceil(hi - _EPS) - 1
    return first, max(first, last)


def window_for_bbox(gt: GeoTransform, bbox: BBox) -> Window:
    """The operator-grid pixels that intersect ``bbox`` (at least one pixel)."""
    c0, c1 = pixel_range(bbox.xmin, bbox.xmax, gt.origin_x, gt.x_pixel_size)
    r0, r1 = pixel_range(bbox.ymax, bbox.ymin, gt.origin_y, gt.y_pixel_size)
    return Window(c0, r0, c1 - c0 + 1, r1 - r0 + 1)


def window_geo_transform(gt: GeoTransform, window: Window) -> GeoTransform:
    return GeoTransform(
        gt.origin_x + window.x_off * gt.x_pixel_size,
        gt.origin_y + window.y_off * gt.y_pixel_size,
        gt.x_pixel_size,
        gt.y_pixel_size,
    )


def tiles_for_bbox(descriptor: RasterDescriptor, bbox: BBox, tile_size: int = 512) -> list[TileSpec]:
    """Whole tiles of the tiling grid covering ``bbox``, row-major from the top-left."""
    gt = descriptor.geo_transform
    dx, dy = tiling_offset(gt)
    w = window_for_bbox(gt, bbox)
    tx0, tx1 = (w.x_off - dx) // tile_size, (w.x_off + w.width - 1 - dx) // tile_size
    ty0, ty1 = (w.y_off - dy) // tile_size, (w.y_off + w.height - 1 - dy) // tile_size
    tiles = []
    for ty in range(ty0, ty1 + 1):
        for tx in range(tx0, tx1 + 1):
            window = Window(dx + tx * tile_size, dy + ty * tile_size, tile_size, tile_size)
            tiles.append(TileSpec(tx, ty, window, window_geo_transform(gt, window)))
    return tiles
