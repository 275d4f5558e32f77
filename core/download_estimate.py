"""How big a download will be, before it starts: pixels, bytes, tiles, time slices and bands.

Raster streams return whole 512x512 tiles of Geo Engine's tiling grid (:mod:`.tiling`) for every time slice
and band the query meets, so the size is known up front from the result descriptor alone:
``tiles x tile_size^2 x slices x bands`` pixels of the raster's data type. That is the uncompressed size on the
wire and the upper bound of the GeoTIFFs on disk (they are compressed and sparse). Irregular time dimensions
do not tell their slice count; the estimate then assumes one slice and says so (``slices_exact``).

Vector streams carry no feature count: the server streams every feature in the box (Geo Engine sets no feature
limit on ``vectorStream``; it sends Arrow batches of about ``query_context.chunk_byte_size``, 1 MiB by default,
geo-engine/geoengine@c436477:geoengine/Settings-default.toml), so a vector estimate reports the size as unknown
and ``server_limit`` None.

Pure Python (no qgis): the Add-layer dialog, the Browser, Processing and time-following layers use it through
``qgis_glue.download_guard``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional, Sequence, Tuple

from .descriptors import PlotResultDescriptor, RasterResultDescriptor, VectorResultDescriptor
from .errors import InputError
from .tiling import TILE_SIZE, TilingGrid, time_slices
from .types import GeoTransform, SpatialResolution, TimeInterval

RASTER, VECTOR, PLOT = "raster", "vector", "plot"


@dataclass(frozen=True)
class DownloadEstimate:
    """The size of one query's result. ``bytes``/``pixels`` are None when unknown (vectors).

    Raster fields: ``tiles`` per slice and band, ``columns``/``rows`` of the tile mosaic in pixels, ``slices``
    (exact unless ``slices_exact`` is False), ``bands``, ``pixel_size`` (x, y) of the fetched grid and
    ``bytes_per_pixel``. Vector: ``server_limit`` is the most features the server returns (None: no cap)."""

    kind: str
    pixels: Optional[int] = None
    bytes: Optional[int] = None
    tiles: int = 0
    slices: int = 0
    slices_exact: bool = True
    bands: int = 0
    columns: int = 0
    rows: int = 0
    pixel_size: Optional[Tuple[float, float]] = None
    bytes_per_pixel: int = 0
    server_limit: Optional[int] = None

    @property
    def known(self) -> bool:
        """Whether the size is known before the download (rasters and plots yes, vectors no)."""
        return self.bytes is not None

    @property
    def messages(self) -> int:
        """Tile messages the stream sends (slices x tiles x bands)."""
        return self.slices * self.tiles * self.bands

    def describe(self) -> str:
        """One line for a person, e.g. ``3 time slices x 1 band x 1024 x 512 px: 1.6 M pixels, 6.3 MB``."""
        if self.kind == VECTOR:
            return ("vector data: the server does not tell the feature count before the download and sets no "
                    "limit on it")
        if self.kind == PLOT:
            return "a plot: a small JSON document"
        slices = f"{self.slices}{'' if self.slices_exact else '+'} time slice{'s' if self.slices != 1 else ''}"
        bands = f"{self.bands} band{'s' if self.bands != 1 else ''}"
        return (f"{slices} x {bands} x {self.columns} x {self.rows} px: "
                f"{format_count(self.pixels or 0)} pixels, {format_bytes(self.bytes or 0)}")


def format_bytes(size: float) -> str:
    """``1536`` -> ``1.5 KB`` (powers of 1024; B, KB, MB, GB, TB)."""
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if abs(value) < 1024:
            return f"{int(value)} B" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} TB"


def format_count(count: float) -> str:
    """``1234567`` -> ``1.2 M`` (k, M, G: powers of 1000)."""
    value = float(count)
    for unit in ("", " k", " M"):
        if abs(value) < 1000:
            return f"{int(value)}" if not unit else f"{value:.1f}{unit}"
        value /= 1000
    return f"{value:.1f} G"


def bytes_per_pixel(data_type: Any) -> int:
    """Bytes of one pixel of a Geo Engine raster data type (``U8`` -> 1, ``F64`` -> 8)."""
    text = getattr(data_type, "value", data_type)
    try:
        return int(str(text)[1:]) // 8
    except ValueError:
        raise InputError(f"unknown raster data type {text!r}", field="dataType") from None


def _target_grid(native: GeoTransform, resolution: Any, tile_size: int) -> TilingGrid:
    """The tiling grid of the raster resampled to ``resolution`` (same upper-left corner)."""
    target = SpatialResolution.coerce(resolution)
    if target is None:
        return TilingGrid.for_raster(native, tile_size)
    return TilingGrid.for_raster(
        GeoTransform(native.x_min, native.y_max, target.x_resolution, -target.y_resolution), tile_size)


def _clip(bbox: Sequence[float], bounds: Optional[Tuple[float, float, float, float]]):
    """``bbox`` cut to ``bounds``; None when they do not overlap."""
    xmin, ymin, xmax, ymax = (float(v) for v in bbox)
    if bounds is None:
        return xmin, ymin, xmax, ymax
    bx0, by0, bx1, by1 = bounds
    xmin, ymin, xmax, ymax = max(xmin, bx0), max(ymin, by0), min(xmax, bx1), min(ymax, by1)
    if xmin >= xmax or ymin >= ymax:
        return None
    return xmin, ymin, xmax, ymax


def estimate_download(descriptor: Any, bbox: Sequence[float], time: Any,
                      bands: Optional[Sequence[int]] = None, resolution: Any = None,
                      clip_to_data: bool = True, tile_size: int = TILE_SIZE) -> DownloadEstimate:
    """The size of streaming ``descriptor``'s result for ``bbox`` (xmin, ymin, xmax, ymax in the workflow's CRS),
    ``time`` (a :class:`TimeInterval` or anything it takes) and ``bands`` (0-based; None = every band).

    ``resolution`` (a pixel size: number, (x, y) or SpatialResolution; None = the raster's native grid) sizes a
    fetch at another resolution, e.g. the canvas's. ``clip_to_data`` cuts the box to the raster's bounds first,
    as the plugin's loaders do (no overlap: an empty estimate). No request is sent."""
    if isinstance(descriptor, VectorResultDescriptor):
        return DownloadEstimate(VECTOR)
    if isinstance(descriptor, PlotResultDescriptor):
        return DownloadEstimate(PLOT, pixels=0, bytes=0)
    if not isinstance(descriptor, RasterResultDescriptor):
        raise InputError(f"expected a result descriptor, got {type(descriptor).__name__}", field="descriptor")
    band_list = list(range(len(descriptor.bands))) if bands is None or len(bands) == 0 else [int(b) for b in bands]
    descriptor.check_bands(band_list)
    native = descriptor.geo_transform
    if native is None:
        raise InputError("the raster's result descriptor has no spatial grid", field="descriptor")
    grid = _target_grid(native, resolution, tile_size)
    size = bytes_per_pixel(descriptor.data_type)
    pixel_size = (grid.x_pixel_size, -grid.y_pixel_size)
    data_bounds = descriptor.spatial_bounds.as_tuple() if clip_to_data and descriptor.spatial_bounds else None
    box = _clip(bbox, data_bounds)
    if box is None:
        return DownloadEstimate(RASTER, 0, 0, 0, 0, True, len(band_list), 0, 0, pixel_size, size)
    tiles = grid.tile_range(*box)
    interval = TimeInterval.coerce(time)
    data_time = descriptor.time_bounds
    steps = time_slices(descriptor.time_dimension.to_dict(),
                        None if data_time is None else (data_time.start_ms, data_time.end_ms),
                        interval.start_ms, interval.end_ms)
    slices = 1 if steps is None else len(steps)
    columns, rows = tiles.columns * tile_size, tiles.rows * tile_size
    pixels = columns * rows * slices * len(band_list)
    return DownloadEstimate(RASTER, pixels, pixels * size, tiles.count, slices, steps is not None, len(band_list),
                            columns, rows, pixel_size, size)
