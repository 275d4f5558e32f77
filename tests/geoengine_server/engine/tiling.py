"""Geo Engine's tiling grid: tiles of ``tile_size`` pixels anchored at the pixel edge nearest (0, 0).

Used by raster streams, WCS and WMS to cut an operator's pixel grid into whole tiles. The arithmetic
follows Geo Engine 0.9.3 float for float (so a client planning tiles like the real server agrees with us):

* anchor: the operator origin moved by ``floor((pixel/2 - origin) / pixel)`` pixels
  (geo-engine/geoengine@5748ef7:geoengine/datatypes/src/raster/geo_transform.rs ``nearest_pixel_edge``;
  geo-engine/geoengine@5748ef7:geoengine/datatypes/src/raster/grid_spatial.rs
  ``tiling_spatial_grid_definition``; reference (0, 0):
  geo-engine/geoengine@5748ef7:geoengine/datatypes/src/raster/tiling.rs ``tiling_origin_reference``);
* stream bounds: upper-left pixel ``floor((x - anchor) / pixel)`` without epsilon, lower-right pixel
  after moving the corner 1e-6 pixel inwards (geo_transform.rs ``spatial_to_grid_bounds``, called by
  geo-engine/geoengine@5748ef7:geoengine/services/src/api/handlers/workflows.rs ``raster_stream_websocket``);
* tiles: floor division of those pixel bounds by the tile size, each tile's origin
  ``anchor + (tile index * tile size) * pixel`` (tiling.rs ``pixel_idx_to_tile_idx``, ``tile_geo_transform``).
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
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
    """Pixel offset (columns, rows) of the tiling origin from ``gt``'s origin: the edge nearest (0, 0)."""
    return (math.floor((gt.x_pixel_size * 0.5 - gt.origin_x) / gt.x_pixel_size),
            math.floor((gt.y_pixel_size * 0.5 - gt.origin_y) / gt.y_pixel_size))


LOWER_RIGHT_SHIFT = 0.000_001  # pixels (geo_transform.rs ``lower_right_pixel_idx``)


def stream_pixel_bounds(gt: GeoTransform, bbox: BBox) -> tuple[int, int, int, int]:
    """Inclusive tiling-grid pixels ``(c0, r0, c1, r1)`` of a stream's ``spatialBounds``, as Geo Engine
    computes them (relative to the tiling anchor, see the module docstring)."""
    ax, ay = tiling_origin(gt)
    c0 = math.floor((bbox.xmin - ax) / gt.x_pixel_size)
    r0 = math.floor((bbox.ymax - ay) / gt.y_pixel_size)
    right = max(bbox.xmax - gt.x_pixel_size * LOWER_RIGHT_SHIFT, bbox.xmin)
    bottom = min(bbox.ymin - gt.y_pixel_size * LOWER_RIGHT_SHIFT, bbox.ymax)
    return (c0, r0, math.floor((right - ax) / gt.x_pixel_size), math.floor((bottom - ay) / gt.y_pixel_size))


def plot_tiles_window(gt: GeoTransform, bbox: BBox, tile_size: int = 512) -> Window:
    """The whole tiles a raster plot reads for ``bbox``, as an operator-grid window: the pixels the box
    intersects, its lower-right corner included (no 1e-6 shift:
    geo-engine/geoengine@5748ef7:geoengine/datatypes/src/raster/geo_transform.rs
    ``bounding_box_2d_to_intersecting_grid_bounds``, used by
    geo-engine/geoengine@5748ef7:geoengine/datatypes/src/primitives/query_rectangle.rs
    ``from_bounds_and_geo_transform``), widened to the tiles holding them."""
    ax, ay = tiling_origin(gt)
    c0 = math.floor((bbox.xmin - ax) / gt.x_pixel_size) // tile_size
    r0 = math.floor((bbox.ymax - ay) / gt.y_pixel_size) // tile_size
    c1 = math.floor((bbox.xmax - ax) / gt.x_pixel_size) // tile_size
    r1 = math.floor((bbox.ymin - ay) / gt.y_pixel_size) // tile_size
    dx, dy = tiling_offset(gt)
    return Window(dx + c0 * tile_size, dy + r0 * tile_size, (c1 - c0 + 1) * tile_size, (r1 - r0 + 1) * tile_size)


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


class TileGrid(Sequence):
    """The tiles of a rectangle of the tiling grid, row-major, built lazily (a world query on a
    huge raster has tens of thousands of tiles). Supports ``len``, indexing and iteration."""

    def __init__(self, gt: GeoTransform, offset: tuple[int, int], tile_size: int, tx: range, ty: range):
        self.gt, self.offset, self.tile_size, self.tx, self.ty = gt, offset, tile_size, tx, ty

    def __len__(self) -> int:
        return len(self.tx) * len(self.ty)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError("tile index out of range")
        row, col = divmod(index, len(self.tx))
        return self._tile(self.tx[col], self.ty[row])

    def __iter__(self) -> Iterator[TileSpec]:
        for ty in self.ty:
            for tx in self.tx:
                yield self._tile(tx, ty)

    def _tile(self, tx: int, ty: int) -> TileSpec:
        size, (dx, dy) = self.tile_size, self.offset
        window = Window(dx + tx * size, dy + ty * size, size, size)
        ax, ay = tiling_origin(self.gt)
        gt = GeoTransform(ax + (tx * size) * self.gt.x_pixel_size, ay + (ty * size) * self.gt.y_pixel_size,
                          self.gt.x_pixel_size, self.gt.y_pixel_size)
        return TileSpec(tx, ty, window, gt)


def tiles_for_bbox(descriptor: RasterDescriptor, bbox: BBox, tile_size: int = 512) -> TileGrid:
    """Whole tiles of the tiling grid covering ``bbox``, row-major from the top-left (a lazy sequence)."""
    return tiles_for_grid(descriptor.geo_transform, bbox, tile_size)


def tiles_for_grid(gt: GeoTransform, bbox: BBox, tile_size: int = 512) -> TileGrid:
    """``tiles_for_bbox`` for the pixel grid ``gt`` (no descriptor needed)."""
    c0, r0, c1, r1 = stream_pixel_bounds(gt, bbox)
    tx0, tx1, ty0, ty1 = c0 // tile_size, c1 // tile_size, r0 // tile_size, r1 // tile_size
    return TileGrid(gt, tiling_offset(gt), tile_size, range(tx0, tx1 + 1), range(ty0, ty1 + 1))
