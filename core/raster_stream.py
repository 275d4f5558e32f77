"""Raster workflow results as a stream of tiles (``/workflow/{id}/rasterStream``), and into xarray.

``raster_stream`` yields :class:`~.raster.RasterTile2D` in the server's order (time slice, tile row-major,
band); ``raster_stream_into_xarray`` gathers them (needs ``xarray``). Progress is reported as
``(tiles done, tiles expected)``; the expectation comes from the descriptor and the query on Geo Engine's
tiling grid; for irregular time dimensions it assumes one slice and grows by a slice when exceeded.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterator, List, Optional

from .descriptors import RasterResultDescriptor
from .errors import InputError, MalformedResponseError
from .raster import MergedRaster, RasterStreamProcessing, RasterTile2D, merge_time_series
from .streaming import DEFAULT_OPEN_TIMEOUT, CancelCheck, ProgressCallback, open_stream
from .tiling import TileRange, TilingGrid, time_slices
from .types import QueryRectangle, RasterQueryRectangle


@dataclass(frozen=True)
class RasterStreamPlan:
    """What a raster stream query will return: bands, the tiling grid, the tile range and the slice count."""

    bands: List[int]
    grid: TilingGrid
    tiles: TileRange
    slices: int  # exact for regular time dimensions, an estimate (1) for irregular ones
    params: dict

    @property
    def expected_messages(self) -> int:
        return self.slices * self.tiles.count * len(self.bands)

    @property
    def messages_per_slice(self) -> int:
        return self.tiles.count * len(self.bands)


def plan_raster_stream(descriptor: RasterResultDescriptor, query: QueryRectangle,
                       tile_size: int = 512) -> RasterStreamPlan:
    """Check ``query`` against the raster and work out its tiles (no request is sent)."""
    if not isinstance(query, QueryRectangle):
        raise InputError(f"expected a QueryRectangle, got {type(query).__name__}", field="query_rectangle")
    if isinstance(query, RasterQueryRectangle):
        bands = list(query.raster_bands)
    else:
        bands = list(range(len(descriptor.bands)))  # as the official client: all bands
    descriptor.check_bands(bands)
    srs = descriptor.spatial_reference
    if srs and query.srs != srs:
        raise InputError(f"streams take bounds in the workflow's CRS {srs}, the query is in {query.srs}; "
                         "transform the bounds first", field="query_rectangle.srs")
    geo_transform = descriptor.geo_transform
    if geo_transform is None:
        raise MalformedResponseError("the raster's result descriptor has no spatial grid (geo transform)")
    grid = TilingGrid.for_raster(geo_transform, tile_size)
    b = query.spatial_bounds
    if not (b.xmin < b.xmax and b.ymin < b.ymax):
        # geo-engine/geoengine@5748ef7:geoengine/services/src/util/parsing.rs parse_spatial_partition -> 400
        raise InputError(f"a raster stream needs a box with area, got {b.xmin}, {b.ymin}, {b.xmax}, {b.ymax}",
                         field="query_rectangle.spatial_bounds")
    tiles = grid.tile_range(*b.as_tuple())
    interval = query.time_interval
    bounds = descriptor.time_bounds
    slices = time_slices(
        descriptor.time_dimension.to_dict(),
        None if bounds is None else (bounds.start_ms, bounds.end_ms),
        interval.start_ms,
        interval.end_ms,
    )
    # irregular dimensions (static data, irregular series): estimated as one slice, corrected while streaming
    slices_count = 1 if slices is None else len(slices)
    params = {
        "resultType": "arrow",
        "spatialBounds": query.bbox_str,
        "timeInterval": query.time_str,
        "attributes": ",".join(str(b) for b in bands),
    }
    return RasterStreamPlan(bands, grid, tiles, slices_count, params)


def max_tile_message_bytes(descriptor: RasterResultDescriptor, tile_size: int) -> int:
    """The largest stream message accepted for one tile of this raster: twice its pixels and bitmap, plus 1 MiB."""
    bits = int("".join(ch for ch in descriptor.data_type.value if ch.isdigit()) or 64)
    return 2 * tile_size * tile_size * (bits // 8 + 1) + (1 << 20)


def raster_stream(
    workflow: Any,
    query_rectangle: QueryRectangle,
    open_timeout: float = DEFAULT_OPEN_TIMEOUT,
    progress: Optional[ProgressCallback] = None,
    cancelled: Optional[CancelCheck] = None,
    plan: Optional[RasterStreamPlan] = None,
) -> Iterator[RasterTile2D]:
    """The workflow's tiles for the query, decoded as they arrive (one ``NEXT`` kept outstanding).

    A plain :class:`QueryRectangle` streams all bands, a :class:`RasterQueryRectangle` its ``raster_bands``.
    ``progress(done, expected)`` is called after each tile; ``cancelled()`` is polled while waiting
    (StreamCancelledError). Stream errors: StreamClosedError (1011), the HTTP error classes before the upgrade,
    MalformedResponseError for messages that are not Geo Engine raster tiles.
    """
    descriptor = workflow._require_raster()
    plan = plan or plan_raster_stream(descriptor, query_rectangle)
    expected = plan.expected_messages
    done = 0
    cap = max_tile_message_bytes(descriptor, plan.grid.tile_size)
    for message in open_stream(workflow, "rasterStream", plan.params, open_timeout, cancelled, cap):
        tile = RasterStreamProcessing.process_bytes(message)
        done += 1
        if done > expected:  # more time slices than estimated: extend by whole slices
            expected += plan.messages_per_slice
        if progress is not None:
            progress(done, expected)
        yield tile


def raster_stream_into_arrays(workflow: Any, query_rectangle: QueryRectangle,
                              open_timeout: float = DEFAULT_OPEN_TIMEOUT, **kwargs: Any) -> List[MergedRaster]:
    """All tiles merged per time slice into masked numpy arrays (no xarray needed). Holds the whole result."""
    return merge_time_series(raster_stream(workflow, query_rectangle, open_timeout, **kwargs))


def raster_stream_into_xarray(
    workflow: Any,
    query_rectangle: QueryRectangle,
    clip_to_query_rectangle: bool = False,
    open_timeout: float = DEFAULT_OPEN_TIMEOUT,
    **kwargs: Any,
) -> Any:
    """One ``xarray.DataArray`` with dims (time, band, y, x), coords at pixel centres, no-data as NaN.

    ``clip_to_query_rectangle`` keeps the pixels that overlap the query box (whole streamed tiles otherwise).

    Needs ``xarray`` (MissingDependencyError before any request otherwise). Holds the whole result in memory;
    use :func:`~.geotiff_writer.stream_raster_to_geotiff` for large extents.
    """
    from .raster import _require_xarray

    xr = _require_xarray()
    workflow._require_raster()
    merged = raster_stream_into_arrays(workflow, query_rectangle, open_timeout, **kwargs)
    if not merged:
        raise MalformedResponseError("the raster stream returned no tiles")
    arrays = [m.to_xarray() for m in merged]
    result = xr.concat(arrays, dim="time")
    if clip_to_query_rectangle:
        # keep the pixels that overlap the box (partly covered edge pixels too; merely touching ones not)
        b = query_rectangle.spatial_bounds
        half_x = abs(merged[0].geo_transform.x_pixel_size) / 2 * (1 - 1e-6)
        half_y = abs(merged[0].geo_transform.y_pixel_size) / 2 * (1 - 1e-6)
        result = result.isel(x=((result.x + half_x > b.xmin) & (result.x - half_x < b.xmax)).values,
                             y=((result.y + half_y > b.ymin) & (result.y - half_y < b.ymax)).values)
    result.attrs["crs"] = merged[0].crs
    return result
