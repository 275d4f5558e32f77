"""Geo Engine's raster tiling grid: which 512x512 tiles a stream query returns.

A raster's tiling grid has the raster's pixel size and is anchored at the pixel edge nearest to
the coordinate origin (0, 0); tiles are ``tile_size`` pixels square and numbered from that anchor.
A stream query's ``spatialBounds`` snap outward to this grid and every touched tile is streamed,
whole, for every time slice and band.

The arithmetic is Geo Engine 0.9.3's, float for float, so the plan names exactly the tiles it streams:

* anchor: the raster origin moved by ``floor((pixel/2 - origin) / pixel)`` pixels
  (geo-engine/geoengine@5748ef7:geoengine/datatypes/src/raster/geo_transform.rs ``nearest_pixel_edge``,
  geo-engine/geoengine@5748ef7:geoengine/datatypes/src/raster/grid_spatial.rs
  ``with_moved_origin_to_nearest_grid_edge``, reference (0, 0) from
  geo-engine/geoengine@5748ef7:geoengine/datatypes/src/raster/tiling.rs ``tiling_origin_reference``);
* upper-left pixel ``floor((x - anchor) / pixel)`` with no epsilon; lower-right pixel the same after
  moving the lower-right corner 1e-6 pixel inwards, never beyond the upper-left corner
  (geo_transform.rs ``spatial_to_grid_bounds``/``lower_right_pixel_idx``, used by
  geo-engine/geoengine@5748ef7:geoengine/services/src/api/handlers/workflows.rs ``raster_stream_websocket``);
* tiles: pixel indices floor-divided by the tile size (tiling.rs ``pixel_idx_to_tile_idx``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from .types import TIME_MAX_MS, TIME_MIN_MS, GeoTransform

TILE_SIZE = 512
_LOWER_RIGHT_SHIFT = 0.000_001  # pixels; the lower-right corner itself belongs to the next pixel


@dataclass(frozen=True)
class TileRange:
    """Tiles ``x0 <= tx < x1`` by ``y0 <= ty < y1`` on a :class:`TilingGrid` (exclusive ends)."""

    x0: int
    y0: int
    x1: int
    y1: int

    @property
    def columns(self) -> int:
        return self.x1 - self.x0

    @property
    def rows(self) -> int:
        return self.y1 - self.y0

    @property
    def count(self) -> int:
        return self.columns * self.rows


@dataclass(frozen=True)
class TilingGrid:
    """The tiling grid of one raster: ``anchor`` is the pixel edge nearest to (0, 0)."""

    anchor_x: float
    anchor_y: float
    x_pixel_size: float
    y_pixel_size: float  # negative
    tile_size: int = TILE_SIZE

    @classmethod
    def for_raster(cls, geo_transform: GeoTransform, tile_size: int = TILE_SIZE) -> TilingGrid:
        """The grid for a raster with ``geo_transform`` (its descriptor's ``spatialGrid.geoTransform``)."""
        gt = geo_transform
        if gt.x_pixel_size <= 0 or gt.y_pixel_size >= 0:
            raise ValueError(f"expected a north-up geo transform (x size > 0, y size < 0), got {gt}")
        # the pixel edge nearest (0, 0): the edge at or below (0, 0) + half a pixel
        shift_x = math.floor((gt.x_pixel_size * 0.5 - gt.x_min) / gt.x_pixel_size)
        shift_y = math.floor((gt.y_pixel_size * 0.5 - gt.y_max) / gt.y_pixel_size)
        anchor_x = gt.x_min + shift_x * gt.x_pixel_size
        anchor_y = gt.y_max + shift_y * gt.y_pixel_size
        return cls(anchor_x, anchor_y, gt.x_pixel_size, gt.y_pixel_size, tile_size)

    def pixel_range(self, xmin: float, ymin: float, xmax: float, ymax: float) -> tuple[int, int, int, int]:
        """Pixel columns/rows ``(c0, r0, c1, r1)``, exclusive ends, that the box touches (at least one).

        Geo Engine refuses boxes without area (``xmin < xmax`` and ``ymin < ymax`` are required), so does this.
        """
        if not (xmin < xmax and ymin < ymax):
            raise ValueError(f"the bounding box has no area: {xmin}, {ymin}, {xmax}, {ymax}")
        c0 = math.floor((xmin - self.anchor_x) / self.x_pixel_size)
        r0 = math.floor((ymax - self.anchor_y) / self.y_pixel_size)
        right = max(xmax - self.x_pixel_size * _LOWER_RIGHT_SHIFT, xmin)
        bottom = min(ymin - self.y_pixel_size * _LOWER_RIGHT_SHIFT, ymax)
        c1 = math.floor((right - self.anchor_x) / self.x_pixel_size)
        r1 = math.floor((bottom - self.anchor_y) / self.y_pixel_size)
        return c0, r0, c1 + 1, r1 + 1

    def tile_range(self, xmin: float, ymin: float, xmax: float, ymax: float) -> TileRange:
        """The tiles a stream query for this box returns."""
        c0, r0, c1, r1 = self.pixel_range(xmin, ymin, xmax, ymax)
        size = self.tile_size
        return TileRange(c0 // size, r0 // size, (c1 - 1) // size + 1, (r1 - 1) // size + 1)

    def tile_origin(self, tx: int, ty: int) -> tuple[float, float]:
        """Upper-left corner of tile ``(tx, ty)``."""
        return (
            self.anchor_x + tx * self.tile_size * self.x_pixel_size,
            self.anchor_y + ty * self.tile_size * self.y_pixel_size,
        )

    def pixel_of(self, x: float, y: float) -> tuple[int, int]:
        """The grid pixel ``(column, row)`` whose upper-left corner is at ``(x, y)``; ValueError when off-grid."""
        fx = (x - self.anchor_x) / self.x_pixel_size
        fy = (y - self.anchor_y) / self.y_pixel_size
        cx, cy = round(fx), round(fy)
        if abs(fx - cx) > 1e-3 or abs(fy - cy) > 1e-3:
            raise ValueError(f"tile origin ({x}, {y}) is not on the raster's pixel grid")
        return int(cx), int(cy)

    def geo_transform_at(self, column: int, row: int) -> GeoTransform:
        """The geo transform of a raster whose upper-left pixel is grid pixel ``(column, row)``."""
        return GeoTransform(
            self.anchor_x + column * self.x_pixel_size,
            self.anchor_y + row * self.y_pixel_size,
            self.x_pixel_size,
            self.y_pixel_size,
        )


_FIXED_STEP_MS = {"millis": 1, "seconds": 1000, "minutes": 60_000, "hours": 3_600_000, "days": 86_400_000}
_MAX_SLICES = 1000  # beyond this many slices the count is left to the stream (estimated, grown while streaming)


def _add_months(ms: int, months: int) -> int:
    """``ms`` shifted by whole calendar months (UTC; day-of-month clamped like chrono)."""
    import calendar
    import datetime as dt

    when = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc) + dt.timedelta(milliseconds=ms)
    total = when.year * 12 + (when.month - 1) + months
    year, month = divmod(total, 12)
    day = min(when.day, calendar.monthrange(year, month + 1)[1])
    shifted = when.replace(year=year, month=month + 1, day=day)
    return int((shifted - dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)) // dt.timedelta(milliseconds=1))


def time_slices(dimension: dict, bounds: tuple[int, int] | None, start: int, end: int) -> list[tuple[int, int]] | None:
    """The ``[start, end)`` ms time slices a stream of a regular raster returns for a query ``[start, end)``.

    ``dimension`` is the descriptor's ``time.dimension`` JSON, ``bounds`` its ``time.bounds`` in ms. Inside the
    bounds: the regular steps the query meets (an instant meets the one step containing it). Outside: ONE
    open-ended gap slice per side, ``[TIME_MIN, bounds start)`` and ``[bounds end, TIME_MAX]``, with no-data
    tiles, as Geo Engine 0.9.3's GdalSource streams them
    (geo-engine/geoengine@5748ef7:geoengine/operators/src/source/gdal_source/loading_info.rs
    ``DynamicGdalLoadingInfoPartIterator``). Without bounds every step the query meets counts.
    Returns None when the count cannot be known up front (irregular dimension, more than 1000 slices).
    """
    if not dimension or dimension.get("type") != "regular":
        return None
    try:
        origin = int(dimension["origin"])
        granularity = dimension["step"]["granularity"]
        step = int(dimension["step"]["step"])
    except (KeyError, TypeError, ValueError):
        return None
    if step <= 0 or end < start:
        return None
    before: list[tuple[int, int]] = []
    after: list[tuple[int, int]] = []
    if bounds is not None:
        lo, hi = bounds
        if start < lo:
            before.append((TIME_MIN_MS, lo))
            if end <= lo:
                return before
            start = lo
        elif start >= hi:
            return [(hi, TIME_MAX_MS)]
        if end > hi:
            after.append((hi, TIME_MAX_MS))
        end = min(end, hi)
    inner = _regular_steps(origin, granularity, step, start, end)
    return None if inner is None else before + inner + after


def _regular_steps(origin: int, granularity: str, step: int, start: int, end: int) -> list[tuple[int, int]] | None:
    """The steps meeting ``[start, end)`` (at least the one containing ``start``); None beyond 1000 or unknown."""
    try:
        if granularity in _FIXED_STEP_MS:
            width = _FIXED_STEP_MS[granularity] * step
            k = (start - origin) // width

            def at(i: int) -> int:
                return origin + i * width
        elif granularity in ("months", "years"):
            months = step * (12 if granularity == "years" else 1)
            k = int((start - origin) // (30 * 86_400_000 * months))  # a close first guess, fixed below
            while _add_months(origin, k * months) > start:
                k -= 1
            while _add_months(origin, (k + 1) * months) <= start:
                k += 1

            def at(i: int) -> int:
                return _add_months(origin, i * months)
        else:
            return None
        slices: list[tuple[int, int]] = []
        while len(slices) <= _MAX_SLICES:
            lo, hi = at(k), at(k + 1)
            if slices and lo >= end:
                break
            slices.append((lo, hi))
            k += 1
        return slices if len(slices) <= _MAX_SLICES else None
    except (OverflowError, ValueError):  # beyond datetime's years: unknown
        return None
