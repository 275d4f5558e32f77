"""WCS GetCoverage beyond Geo Engine's tile limit: split into allowed requests and mosaic them.

Geo Engine computes a GetCoverage on the output grid (origin at the box's upper-left corner, the
requested or native resolution) cut into 512x512 tiles anchored at the pixel edge nearest to (0, 0),
and refuses more than ``wcs.tile_limit`` (4) tiles times time slices (``TileLimitExceeded``).

:func:`fetch_coverage_mosaic` lays the same output grid over the whole box, groups its tiles into
blocks of at most ``tile_limit`` tiles (2x2 = 1024x1024 px by default), requests each block with a
box on exactly those pixel edges and the same explicit resolution (so every part lies on one pixel
lattice and the mosaic is seamless), and writes the parts into one GeoTIFF at their pixel offsets.
A part the server still refuses is split in two and retried (bounded). As with a single request,
only the first time slice is returned; a query spanning more time slices than the tile budget allows
asks for the instant at its start (which selects the same first slice).
"""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass
from typing import Any, Callable, List, Optional, Tuple

import numpy as np

from . import ogc
from .errors import BadRequestError, InputError, MalformedResponseError
from .srs_input import checked_srs_input
from .tiling import TilingGrid, time_slices
from .types import GeoTransform, QueryRectangle, SpatialResolution, TimeInterval

MAX_MOSAIC_BYTES = 4 << 30  # refuse mosaics whose pixels alone exceed 4 GiB: stream them instead
_MAX_SPLITS = 16


@dataclass(frozen=True)
class Part:
    """Output pixels ``[c0, c1) x [r0, r1)`` of the mosaic."""

    c0: int
    r0: int
    c1: int
    r1: int

    @property
    def width(self) -> int:
        return self.c1 - self.c0

    @property
    def height(self) -> int:
        return self.r1 - self.r0

    def halves(self) -> Tuple[Part, Part]:
        if self.width >= self.height:
            mid = self.c0 + self.width // 2
            return Part(self.c0, self.r0, mid, self.r1), Part(mid, self.r0, self.c1, self.r1)
        mid = self.r0 + self.height // 2
        return Part(self.c0, self.r0, self.c1, mid), Part(self.c0, mid, self.c1, self.r1)


def output_resolution(workflow: Any, query: QueryRectangle,
                      spatial_resolution: Optional[SpatialResolution]) -> SpatialResolution:
    """The explicit resolution every part uses: the given one, else the native one (kept across CRSs)."""
    if spatial_resolution is not None:
        return spatial_resolution
    descriptor = workflow.get_result_descriptor()
    native = descriptor.spatial_resolution
    if native is None:
        raise InputError("the raster has no native resolution: pass spatial_resolution", field="spatial_resolution")
    if query.srs == descriptor.spatial_reference:
        return native
    # as the server: about as many pixels across the box as the native grid has
    from osgeo import osr

    source, target = osr.SpatialReference(), osr.SpatialReference()
    source.SetFromUserInput(checked_srs_input(query.srs))
    target.SetFromUserInput(checked_srs_input(descriptor.spatial_reference))  # the server's: no paths, no URLs
    for srs in (source, target):
        srs.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    b = query.spatial_bounds
    xmin, ymin, xmax, ymax = osr.CoordinateTransformation(source, target).TransformBounds(
        b.xmin, b.ymin, b.xmax, b.ymax, 21)
    columns = max(1.0, (xmax - xmin) / native.x_resolution)
    rows = max(1.0, (ymax - ymin) / native.y_resolution)
    return SpatialResolution((b.xmax - b.xmin) / columns, (b.ymax - b.ymin) / rows)


def plan_parts(width: int, height: int, origin_x: float, origin_y: float, resolution: SpatialResolution,
               tiles_per_part: int, tile_size: int = 512) -> List[Part]:
    """Blocks of whole tiles of the output grid's tiling grid, at most ``tiles_per_part`` tiles each."""
    if tiles_per_part < 1:
        raise InputError("the tile budget per request must be at least 1", field="tile_limit")
    across = max(1, math.isqrt(tiles_per_part))
    down = max(1, tiles_per_part // across)
    grid = TilingGrid.for_raster(GeoTransform(origin_x, origin_y, resolution.x_resolution,
                                              -resolution.y_resolution), tile_size)
    # output pixel 0 is grid pixel `shift` of the tiling grid
    shift_x = round((origin_x - grid.anchor_x) / resolution.x_resolution)
    shift_y = round((origin_y - grid.anchor_y) / -resolution.y_resolution)
    step_x, step_y = across * tile_size, down * tile_size
    cols = _cuts(shift_x, width, step_x)
    rows = _cuts(shift_y, height, step_y)
    return [Part(c0, r0, c1, r1) for r0, r1 in rows for c0, c1 in cols]


def _cuts(shift: int, length: int, step: int) -> List[Tuple[int, int]]:
    """``[0, length)`` cut where ``shift + position`` is a multiple of ``step``."""
    first = (-shift) % step or step
    edges = [0] + list(range(first, length, step)) + [length]
    return [(a, b) for a, b in zip(edges, edges[1:]) if b > a]


def fetch_coverage_mosaic(
    workflow: Any,
    query: QueryRectangle,
    spatial_resolution: Optional[SpatialResolution] = None,
    force_no_data_value: Optional[float] = None,
    tile_limit: int = 4,
    timeout: Any = None,
    on_part: Optional[Callable[[int, int], None]] = None,
) -> bytes:
    """The first band of ``query`` as one GeoTIFF (bytes), fetched in parts the server's tile limit allows.

    ``on_part(done, total)`` is called before each request (parts done so far, parts planned): for progress, and
    it may raise to cancel between requests."""
    from osgeo import gdal

    descriptor = workflow._require_raster()
    resolution = output_resolution(workflow, query, spatial_resolution)
    b = query.spatial_bounds
    width = max(1, math.ceil((b.xmax - b.xmin) / resolution.x_resolution - 1e-9))
    height = max(1, math.ceil((b.ymax - b.ymin) / resolution.y_resolution - 1e-9))
    dtype = descriptor.data_type.to_np_dtype()
    if width * height * dtype.itemsize > MAX_MOSAIC_BYTES:
        raise InputError(f"a {width}x{height} px coverage is too large to hold in memory: use "
                         "stream_raster_to_geotiff or a coarser spatial_resolution", field="bbox")
    interval, per_part = _time_and_budget(descriptor, query, tile_limit)
    parts = plan_parts(width, height, b.xmin, b.ymax, resolution, per_part)

    path = f"/vsimem/geoengine-mosaic-{uuid.uuid4().hex}.tif"
    mosaic = None
    try:
        pending = [(part, 0) for part in parts]
        placed = 0
        budget = len(parts) * 4 + _MAX_SPLITS * 2  # bounded work even if the server keeps refusing
        while pending:
            budget -= 1
            if budget < 0:
                raise MalformedResponseError("the server kept refusing WCS parts for the tile limit")
            part, depth = pending.pop(0)
            if on_part is not None:
                on_part(placed, placed + len(pending) + 1)
            sub = QueryRectangle(
                (b.xmin + part.c0 * resolution.x_resolution, b.ymax - part.r1 * resolution.y_resolution,
                 b.xmin + part.c1 * resolution.x_resolution, b.ymax - part.r0 * resolution.y_resolution),
                interval, query.srs)
            try:
                data = ogc.wcs_get_coverage(workflow.session, workflow.workflow_id, sub, resolution,
                                            force_no_data_value, timeout)
            except BadRequestError as exc:
                limited = exc.error == "TileLimitExceeded" or "tile limit" in (exc.message or "").lower()
                if not limited or depth >= _MAX_SPLITS or (part.width == 1 and part.height == 1):
                    raise
                pending[:0] = [(half, depth + 1) for half in part.halves()]
                continue
            tiff = ogc.read_geotiff(data, (part.width, part.height))
            if mosaic is None:
                mosaic = _create(gdal, path, width, height, tiff, b, resolution, force_no_data_value)
            _place(mosaic, tiff, part, b, resolution)
            placed += 1
        mosaic.FlushCache()
        mosaic = None
        return _read_vsimem(gdal, path)
    finally:
        mosaic = None
        gdal.Unlink(path)


def _time_and_budget(descriptor: Any, query: QueryRectangle, tile_limit: int) -> Tuple[TimeInterval, int]:
    interval = query.time_interval
    bounds = descriptor.time_bounds
    slices = time_slices(descriptor.time_dimension.to_dict(),
                         None if bounds is None else (bounds.start_ms, bounds.end_ms),
                         interval.start_ms, interval.end_ms)
    count = 1 if slices is None else max(1, len(slices))
    if tile_limit // count >= 1:
        return interval, tile_limit // count
    return TimeInterval(interval.start), tile_limit  # the instant selects the same first slice


def _create(gdal: Any, path: str, width: int, height: int, first: Any, bounds: Any,
            resolution: SpatialResolution, no_data: Optional[float]) -> Any:
    from .gdal_types import gdal_type

    options = ["TILED=YES", "BLOCKXSIZE=512", "BLOCKYSIZE=512", "COMPRESS=DEFLATE", "ZLEVEL=1"]
    dataset = gdal.GetDriverByName("GTiff").Create(path, width, height, 1, gdal_type(first.array.dtype),
                                                   options=options)
    dataset.SetGeoTransform((bounds.xmin, resolution.x_resolution, 0.0, bounds.ymax, 0.0, -resolution.y_resolution))
    if first.srs_wkt:
        dataset.SetProjection(first.srs_wkt)
    band = dataset.GetRasterBand(1)
    if no_data is not None:
        band.SetNoDataValue(float(no_data))
    elif first.no_data_value is not None:
        band.SetNoDataValue(first.no_data_value)
    else:
        # thread-local: a process-wide CPLSetConfigOption frees the old value while GDAL code in other threads
        # (QGIS renderers, the GeoTIFF writer) may still hold the pointer CPLGetConfigOption gave them
        previous = gdal.GetThreadLocalConfigOption("GDAL_TIFF_INTERNAL_MASK", None)
        gdal.SetThreadLocalConfigOption("GDAL_TIFF_INTERNAL_MASK", "YES")
        try:
            dataset.CreateMaskBand(gdal.GMF_PER_DATASET)
        finally:
            gdal.SetThreadLocalConfigOption("GDAL_TIFF_INTERNAL_MASK", previous)
    return dataset


def _place(mosaic: Any, tiff: Any, part: Part, bounds: Any, resolution: SpatialResolution) -> None:
    gt = tiff.geo_transform
    expected_x = bounds.xmin + part.c0 * resolution.x_resolution
    expected_y = bounds.ymax - part.r0 * resolution.y_resolution
    if (abs(gt.x_min - expected_x) > 1e-3 * resolution.x_resolution
            or abs(gt.y_max - expected_y) > 1e-3 * resolution.y_resolution):
        raise MalformedResponseError(f"WCS part starts at ({gt.x_min}, {gt.y_max}), expected ({expected_x}, "
                                     f"{expected_y})")
    rows, cols = tiff.array.shape
    if (rows, cols) != (part.height, part.width):
        raise MalformedResponseError(f"WCS part is {cols}x{rows} px, expected {part.width}x{part.height}")
    band = mosaic.GetRasterBand(1)
    band.WriteArray(tiff.array, part.c0, part.r0)
    if tiff.mask is not None and band.GetMaskFlags() & 0x02:  # GMF_PER_DATASET
        band.GetMaskBand().WriteArray(np.where(tiff.mask, 255, 0).astype(np.uint8), part.c0, part.r0)
    elif tiff.mask is None and band.GetMaskFlags() & 0x02:
        band.GetMaskBand().WriteArray(np.full((rows, cols), 255, np.uint8), part.c0, part.r0)


def _read_vsimem(gdal: Any, path: str) -> bytes:
    handle = gdal.VSIFOpenL(path, "rb")
    if handle is None:
        raise MalformedResponseError("the mosaic could not be read back")
    try:
        gdal.VSIFSeekL(handle, 0, 2)
        size = gdal.VSIFTellL(handle)
        gdal.VSIFSeekL(handle, 0, 0)
        return bytes(gdal.VSIFReadL(1, size, handle))
    finally:
        gdal.VSIFCloseL(handle)
