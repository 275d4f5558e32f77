"""Raster tiles from Geo Engine's websocket stream, and merging them into one array.

Each stream message is an Arrow IPC file with one record batch: a nullable ``data`` column
(row-major, null = no-data) and string metadata ``geoTransform``, ``xSize``, ``ySize``, ``time``,
``spatialReference`` and ``band``. Decoding keeps Arrow's buffers: the pixels are a read-only
numpy view on the received message, the validity bitmap becomes a boolean mask.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Iterable

import numpy as np
import pyarrow as pa

from .errors import GeoEngineError, MalformedResponseError
from .types import GeoTransform, SpatialPartition2D, SpatialResolution, TimeInterval

__all__ = ["GeoTransform", "MergedRaster", "RasterStreamProcessing", "RasterTile2D", "merge_time_series"]

_NUMPY_OF_ARROW = {
    pa.uint8(): np.uint8, pa.uint16(): np.uint16, pa.uint32(): np.uint32, pa.uint64(): np.uint64,
    pa.int8(): np.int8, pa.int16(): np.int16, pa.int32(): np.int32, pa.int64(): np.int64,
    pa.float32(): np.float32, pa.float64(): np.float64,
}


MAX_TILE_SIDE = 8192  # pixels per tile side accepted from a stream (Geo Engine tiles are 512 by default)


def _ms_to_datetime64(ms: int) -> np.datetime64:
    return np.datetime64(int(ms), "ms")


@dataclass
class RasterTile2D:
    """One band of one tile: ``data`` is a masked array of shape ``(y_size, x_size)`` (mask = no-data)."""

    data: np.ma.MaskedArray
    geo_transform: GeoTransform
    crs: str
    time_start_ms: int
    time_end_ms: int
    band: int

    @property
    def shape(self) -> tuple[int, int]:
        return self.data.shape

    @property
    def size_y(self) -> int:
        return self.data.shape[0]

    @property
    def size_x(self) -> int:
        return self.data.shape[1]

    @property
    def dtype(self) -> np.dtype:
        return self.data.dtype

    @property
    def time_start(self) -> np.datetime64:
        return _ms_to_datetime64(self.time_start_ms)

    @property
    def time_end(self) -> np.datetime64:
        return _ms_to_datetime64(self.time_end_ms)

    @property
    def time(self) -> TimeInterval:
        return TimeInterval(self.time_start_ms, self.time_end_ms)

    @property
    def pixel_size(self) -> tuple[float, float]:
        return (self.geo_transform.x_pixel_size, self.geo_transform.y_pixel_size)

    def spatial_partition(self) -> SpatialPartition2D:
        return SpatialPartition2D(*self.bounds)

    def spatial_resolution(self) -> SpatialResolution:
        return self.geo_transform.spatial_resolution()

    @property
    def has_null_values(self) -> bool:
        return bool(np.ma.getmaskarray(self.data).any()) if self.data.mask is not np.ma.nomask else False

    def is_empty(self) -> bool:
        """True when every pixel is no-data."""
        return self.data.mask is not np.ma.nomask and bool(np.all(self.data.mask))

    def to_numpy_masked_array(self) -> np.ma.MaskedArray:
        return self.data

    def to_numpy_data_array(self, fill_null_value: Any = 0) -> np.ndarray:
        """The pixels with no-data replaced by ``fill_null_value`` (a new array)."""
        return self.data.filled(fill_null_value)

    def to_numpy_mask_array(self) -> np.ndarray | None:
        """True where no-data; None when the tile has no no-data pixels."""
        return np.ma.getmaskarray(self.data) if self.has_null_values else None

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """``(xmin, ymin, xmax, ymax)`` of the tile."""
        gt = self.geo_transform
        return (
            gt.x_min,
            gt.y_max + self.size_y * gt.y_pixel_size,
            gt.x_min + self.size_x * gt.x_pixel_size,
            gt.y_max,
        )

    def coords_x(self, pixel_center: bool = False) -> np.ndarray:
        gt = self.geo_transform
        shift = 0.5 if pixel_center else 0.0
        return gt.x_min + (np.arange(self.size_x) + shift) * gt.x_pixel_size

    def coords_y(self, pixel_center: bool = False) -> np.ndarray:
        gt = self.geo_transform
        shift = 0.5 if pixel_center else 0.0
        return gt.y_max + (np.arange(self.size_y) + shift) * gt.y_pixel_size

    def to_xarray(self) -> Any:
        """The tile as ``xarray.DataArray`` (dims y, x; coords at pixel centres; no-data as NaN)."""
        xr = _require_xarray()
        return xr.DataArray(
            self.data.astype(np.float64).filled(np.nan) if self.has_null_values else self.data.data,
            dims=["y", "x"],
            coords={"x": self.coords_x(True), "y": self.coords_y(True), "time": self.time_start, "band": self.band},
            attrs={"crs": self.crs},
        )

    @classmethod
    def from_record_batch(cls, batch: pa.RecordBatch) -> RasterTile2D:
        """Decode a Geo Engine raster record batch; MalformedResponseError naming what is wrong."""
        meta = batch.schema.metadata or {}
        try:
            gt = GeoTransform.from_response(json.loads(meta[b"geoTransform"]))
            x_size, y_size = int(meta[b"xSize"]), int(meta[b"ySize"])
            time = json.loads(meta[b"time"])
            start, end = int(time["start"]), int(time["end"])
            crs = meta.get(b"spatialReference", b"").decode("utf-8")
            band = int(meta.get(b"band", b"0"))
        except (KeyError, TypeError, ValueError, GeoEngineError) as exc:
            raise MalformedResponseError(f"raster tile metadata is missing or invalid: {exc!r}") from None
        if not (0 < x_size <= MAX_TILE_SIDE and 0 < y_size <= MAX_TILE_SIDE):
            raise MalformedResponseError(f"raster tile declares {x_size}x{y_size} pixels; at most "
                                         f"{MAX_TILE_SIDE}x{MAX_TILE_SIDE} are accepted")
        if batch.num_columns < 1:
            raise MalformedResponseError("raster tile has no data column")
        data = _masked_view(batch.column(0), (y_size, x_size))
        return cls(data, gt, crs, start, end, band)


def _masked_view(column: pa.Array, shape: tuple[int, int]) -> np.ma.MaskedArray:
    """A numpy view on the Arrow column's values, masked by its validity bitmap (no copy of the values)."""
    dtype = _NUMPY_OF_ARROW.get(column.type)
    if dtype is None:
        raise MalformedResponseError(f"raster tile has unsupported pixel type {column.type}")
    count = shape[0] * shape[1]
    if len(column) != count:
        raise MalformedResponseError(f"raster tile has {len(column)} pixels, expected {shape[1]}x{shape[0]}")
    validity, values = column.buffers()[:2]
    itemsize = np.dtype(dtype).itemsize
    if values is None or values.size < (column.offset + count) * itemsize:
        raise MalformedResponseError("raster tile data buffer is too short")
    array = np.frombuffer(values, dtype=dtype, count=count, offset=column.offset * itemsize).reshape(shape)
    nulls = column.null_count
    if nulls == 0 or validity is None:
        mask: Any = np.ma.nomask
    elif nulls == count:
        mask = np.ones(shape, dtype=bool)
    else:
        bits = np.unpackbits(np.frombuffer(validity, dtype=np.uint8), count=column.offset + count, bitorder="little")
        mask = (bits[column.offset:] == 0).reshape(shape)
    return np.ma.MaskedArray(array, mask=mask, copy=False)


class RasterStreamProcessing:
    """Decoding stream messages and merging tiles (names as in the official client)."""

    @classmethod
    def read_arrow_ipc(cls, arrow_ipc: bytes) -> pa.RecordBatch:
        """The single record batch of an Arrow IPC file; MalformedResponseError if it is not one."""
        try:
            reader = pa.ipc.open_file(pa.py_buffer(arrow_ipc))
            if reader.num_record_batches < 1:
                raise MalformedResponseError("stream message holds no record batch")
            batch = reader.get_batch(0)
        except (pa.ArrowInvalid, pa.ArrowIOError, OSError) as exc:
            raise MalformedResponseError(f"stream message is not an Arrow IPC file: {exc}") from None
        try:
            # The IPC reader checks only the structure; offsets and UTF-8 come from the server and a forged
            # offset makes any later read go out of bounds (Arrow's "Security Considerations").
            batch.validate(full=True)
        except (pa.ArrowInvalid, pa.ArrowException, ValueError) as exc:
            raise MalformedResponseError(f"stream message holds an invalid Arrow record batch: {exc}") from None
        return batch

    @classmethod
    def process_bytes(cls, tile_bytes: bytes | None) -> RasterTile2D | None:
        """Decode one raster stream message (None passes through)."""
        if tile_bytes is None:
            return None
        return RasterTile2D.from_record_batch(cls.read_arrow_ipc(tile_bytes))

    @classmethod
    def merge_tiles(cls, tiles: list[RasterTile2D]) -> MergedRaster | None:
        """Tiles of one time slice placed by their geo transforms into one (band, y, x) array; None if empty."""
        return _merge_one_time(tiles) if tiles else None


@dataclass
class MergedRaster:
    """Bands of one time slice: ``data`` has shape ``(bands, y, x)``, masked where no-data or not covered."""

    data: np.ma.MaskedArray
    geo_transform: GeoTransform
    bands: list[int]
    crs: str
    time_start_ms: int
    time_end_ms: int

    def to_xarray(self) -> Any:
        """``xarray.DataArray`` with dims (band, y, x), pixel-centre coords; no-data as NaN."""
        xr = _require_xarray()
        gt = self.geo_transform
        _, height, width = self.data.shape
        values = self.data.astype(np.float64).filled(np.nan) if np.ma.is_masked(self.data) else self.data.data
        return xr.DataArray(
            values,
            dims=["band", "y", "x"],
            coords={
                "band": self.bands,
                "x": gt.x_min + (np.arange(width) + 0.5) * gt.x_pixel_size,
                "y": gt.y_max + (np.arange(height) + 0.5) * gt.y_pixel_size,
                "time": _ms_to_datetime64(self.time_start_ms),
            },
            attrs={"crs": self.crs},
        )


def _merge_one_time(tiles: list[RasterTile2D]) -> MergedRaster:
    first = tiles[0]
    px, py = first.geo_transform.x_pixel_size, first.geo_transform.y_pixel_size
    for tile in tiles:
        if (tile.time_start_ms, tile.time_end_ms) != (first.time_start_ms, first.time_end_ms):
            raise ValueError("merge_tiles needs tiles of one time slice; use merge_time_series for several")
        gt = tile.geo_transform
        if not (np.isclose(gt.x_pixel_size, px) and np.isclose(gt.y_pixel_size, py)):
            raise ValueError("tiles have different pixel sizes")
        if tile.dtype != first.dtype:
            raise ValueError("tiles have different pixel types")
    # pixel offsets of every tile relative to the first one's origin
    offsets = [
        (round((t.geo_transform.x_min - first.geo_transform.x_min) / px),
         round((t.geo_transform.y_max - first.geo_transform.y_max) / py))
        for t in tiles
    ]
    x0 = min(o[0] for o in offsets)
    y0 = min(o[1] for o in offsets)
    x1 = max(o[0] + t.size_x for o, t in zip(offsets, tiles))
    y1 = max(o[1] + t.size_y for o, t in zip(offsets, tiles))
    bands = sorted({t.band for t in tiles})
    covered = sum(t.size_x * t.size_y for t in tiles) / len(bands)
    if (y1 - y0) * (x1 - x0) > 4 * covered + (1 << 20):  # a tile far from the others: no huge allocation
        raise MalformedResponseError(f"the tiles of one time slice span {x1 - x0} x {y1 - y0} pixels but cover only "
                                     f"{int(covered)}: a tile lies far outside the others; not merged")
    index = {b: i for i, b in enumerate(bands)}
    values = np.zeros((len(bands), y1 - y0, x1 - x0), dtype=first.dtype)
    mask = np.ones(values.shape, dtype=bool)
    for (ox, oy), tile in zip(offsets, tiles):
        window = (index[tile.band], slice(oy - y0, oy - y0 + tile.size_y), slice(ox - x0, ox - x0 + tile.size_x))
        values[window] = tile.data.data
        mask[window] = np.ma.getmaskarray(tile.data)
    gt = GeoTransform(first.geo_transform.x_min + x0 * px, first.geo_transform.y_max + y0 * py, px, py)
    return MergedRaster(np.ma.MaskedArray(values, mask=mask), gt, bands, first.crs, first.time_start_ms,
                        first.time_end_ms)


def merge_time_series(tiles: Iterable[RasterTile2D]) -> list[MergedRaster]:
    """Tiles of any number of time slices merged per slice, ordered by start time."""
    by_time: dict[tuple[int, int], list[RasterTile2D]] = {}
    for tile in tiles:
        by_time.setdefault((tile.time_start_ms, tile.time_end_ms), []).append(tile)
    return [_merge_one_time(by_time[key]) for key in sorted(by_time)]


def _require_xarray() -> Any:
    try:
        import xarray
    except ImportError:
        from .errors import MissingDependencyError

        raise MissingDependencyError("xarray", "Raster stream to xarray") from None
    return xarray
