"""Streaming a raster workflow into GeoTIFF files, tile by tile, with memory that does not grow with the extent.

Layout of the output (one decision, documented here):

* one GeoTIFF per time slice, named ``<stem>_<start>.tif`` (``start`` as ``YYYYMMDDTHHMMSSZ``, or
  ``<ms>ms`` outside the calendar range), the selected bands as bands 1..n in selection order;
* the file covers exactly the tiles the server streams: the query's bounding box snapped outward
  to Geo Engine's tiling grid (512 px tiles anchored at the pixel edge nearest to (0, 0)). So every
  streamed tile is exactly one 512x512 GeoTIFF block and is written once, compressed, as it arrives;
  nothing is buffered and no block is read back. Parts outside the data are no-data. (Clipping to
  the data bounds would put tile edges inside blocks and force partial block rewrites.)
* internally tiled 512x512, band-interleaved, BigTIFF when the uncompressed size could exceed 4 GB,
  ``SPARSE_OK`` so tiles that are entirely no-data are never written (GDAL reads them back as no-data);
* compressed with ZSTD level 1 without a predictor (:data:`TEMPORARY_CODEC`, DEFLATE level 1 where GDAL has
  no ZSTD): chosen by measurement for temporary files (BENCHMARKS.md, "Temporary GeoTIFF codec"); files kept
  with a project are recompressed harder when copied (:mod:`.geotiff_archive`);
* files wider or taller than :data:`OVERVIEW_MIN_SIDE` px get internal overviews (2x, 4x, ... down to about
  256 px) in 256 px blocks, filled as the tiles arrive with each tile's every 2nd, 4th... pixel (nearest
  neighbour): level 2 fills whole blocks, the smaller levels collect one block row in memory and write it whole,
  so no block is written twice or read back; a tile off the planned grid makes them rebuilt at the end;
* masked pixels get the no-data value: ``no_data_value`` if given, else NaN for floats, 0 for U8,
  the maximum for wider unsigned and the minimum for signed integers (:func:`default_no_data_value`).
  Valid pixels that equal it are counted in ``GeoTiffSink.no_data_collisions`` (they read back as
  no-data), so a caller can warn and retry with another value;
* georeferenced in the workflow's CRS (WKT from ``osr``), with ``time_start``/``time_end`` metadata
  and band descriptions.

On cancel or any error every file of the job is removed.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import queue
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Optional, Sequence, Union

import numpy as np
from osgeo import gdal

from .errors import MalformedResponseError
from .gdal_types import (
    default_no_data_value,  # noqa: F401 - re-exported
    srs_wkt,
)
from .gdal_types import gdal_type as _gdal_type
from .gdal_types import set_no_data as _set_no_data
from .raster import RasterTile2D
from .raster_stream import plan_raster_stream, raster_stream
from .streaming import DEFAULT_OPEN_TIMEOUT, CancelCheck, ProgressCallback
from .tiling import TileRange, TilingGrid
from .types import QueryRectangle

log = logging.getLogger(__name__)

# The writer thread runs this much nicer than the thread that receives: it yields the CPU to receiving (and to
# QGIS's UI) and catches up from its queue; on two cores shared with the server the stream then reaches 0.93 of
# the raw receive rate instead of 0.88 (BENCHMARKS.md, case 1). Linux only; elsewhere the thread keeps its priority.
WRITER_NICENESS = 10
_FLUSH_BYTES = 4 << 20  # compress and write GDAL's cached blocks after this many bytes (bounds memory, overlaps work)
OVERVIEW_MIN_SIDE = 4096  # files with a side above this many pixels get overviews
_OVERVIEW_SMALLEST = 256  # the last overview level is the first at or below this many pixels on its longer side
_OVERVIEW_BLOCK = 256  # px: overview block size (level 2 of a 512 px tile fills whole blocks; 128 compresses worse)


def _has_zstd() -> bool:
    options = gdal.GetDriverByName("GTiff").GetMetadataItem("DMD_CREATIONOPTIONLIST") or ""
    return "ZSTD" in options


# codec name -> (COMPRESS, level option, predictor?, GDAL worker threads?)
CODECS = {
    "NONE": ("", "", False, False),
    "ZSTD": ("ZSTD", "ZSTD_LEVEL=1", False, False),
    "ZSTD_PREDICTOR": ("ZSTD", "ZSTD_LEVEL=1", True, False),
    "DEFLATE": ("DEFLATE", "ZLEVEL=1", True, True),  # the codec before the measurement (BENCHMARKS.md)
    "DEFLATE_1": ("DEFLATE", "ZLEVEL=1", True, False),
    "LZW": ("LZW", "", True, True),
}
TEMPORARY_CODEC = "ZSTD" if _has_zstd() else "DEFLATE_1"


def creation_options(
    dtype: np.dtype, width: int, height: int, bands: int, compress: str = TEMPORARY_CODEC, block: int = 512
) -> list[str]:
    """GTiff creation options for a streamed file (see the module docstring); ``block`` = the tile size,
    ``compress`` one of :data:`CODECS`."""
    dtype = np.dtype(dtype)
    uncompressed = width * height * bands * dtype.itemsize
    options = [
        "TILED=YES", f"BLOCKXSIZE={block}", f"BLOCKYSIZE={block}", "INTERLEAVE=BAND", "SPARSE_OK=TRUE",
        f"BIGTIFF={'YES' if uncompressed > 3_900_000_000 else 'NO'}",
    ]
    try:
        method, level, predictor, threads = CODECS[compress.upper()]
    except KeyError:
        raise ValueError(f"unknown GeoTIFF codec {compress!r}; one of {', '.join(CODECS)}") from None
    if method:
        options.append(f"COMPRESS={method}")
        options += [level] if level else []
        options += [f"PREDICTOR={3 if dtype.kind == 'f' else 2}"] if predictor else []
        options += ["NUM_THREADS=ALL_CPUS"] if threads else []
    if dtype == np.int8 and not hasattr(gdal, "GDT_Int8"):
        options.append("PIXELTYPE=SIGNEDBYTE")
    return options


def overview_factors(width: int, height: int, block: int = 512) -> list[int]:
    """2, 4, 8... for a file with a side above :data:`OVERVIEW_MIN_SIDE` px (none otherwise), until the longer
    side is at most about 256 px; factors divide ``block`` so each tile fills whole overview pixels."""
    side = max(width, height)
    if side <= OVERVIEW_MIN_SIDE:
        return []
    factors, factor = [], 2
    while factor <= block:
        factors.append(factor)
        if -(-side // factor) <= _OVERVIEW_SMALLEST:
            break
        factor *= 2
    return factors


def _time_label(ms: int) -> str:
    try:
        moment = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc) + dt.timedelta(milliseconds=ms)
    except OverflowError:
        return f"{ms}ms"
    label = moment.strftime("%Y%m%dT%H%M%S")
    if moment.microsecond:
        label += f"{moment.microsecond // 1000:03d}"
    return label + "Z"


def _iso(ms: int) -> str:
    try:
        moment = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc) + dt.timedelta(milliseconds=ms)
    except OverflowError:
        return str(ms)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass
class _OpenFile:
    path: Path
    dataset: Any
    tiles_left: int
    unflushed: int = 0
    rebuild_overviews: bool = False  # a tile was written off the planned grid
    strips: dict = field(default_factory=dict)  # (band index, overview level) -> _Strip


@dataclass
class _Strip:
    """One block row of an overview level whose part of a tile is smaller than a block: filled in memory from
    the tiles of that row and written whole, so its blocks are written once and never read back."""

    row: int
    data: np.ndarray


@dataclass
class GeoTiffSink:
    """Writes the tiles of one stream (any order, any time slices) into one tiled GeoTIFF per time slice.

    ``grid`` and ``tiles`` fix the file's extent; ``bands`` are the selected band indices (tile ``band``
    values) in output order. A slice's file is closed as soon as all its tiles have arrived.
    """

    directory: Path
    stem: str
    grid: TilingGrid
    tiles: TileRange
    bands: Sequence[int]
    dtype: np.dtype
    spatial_reference: str
    no_data_value: Any = None
    band_names: Optional[Sequence[str]] = None
    compress: str = TEMPORARY_CODEC
    paths: list[Path] = field(default_factory=list)
    no_data_collisions: int = 0

    def __post_init__(self) -> None:
        self.directory = Path(self.directory)
        self.dtype = np.dtype(self.dtype)
        if self.no_data_value is None:
            self.no_data_value = default_no_data_value(self.dtype)
        self._band_index = {band: i for i, band in enumerate(self.bands)}
        self._open: dict[tuple[int, int], _OpenFile] = {}
        self._done: set[tuple[int, int]] = set()
        self._slice_of: dict[Path, tuple[int, int]] = {}
        self._wkt = srs_wkt(self.spatial_reference)
        size = self.grid.tile_size
        self.width, self.height = self.tiles.columns * size, self.tiles.rows * size
        self._options = creation_options(self.dtype, self.width, self.height, len(self.bands), self.compress, size)
        self._gdal_type = _gdal_type(self.dtype)
        self._overviews = overview_factors(self.width, self.height, size)
        self._fill = self.dtype.type(self.no_data_value)
        origin = self.grid.geo_transform_at(self.tiles.x0 * size, self.tiles.y0 * size)
        self._geo_transform = origin.to_gdal()

    # ------------------------------------------------------------------------------------------ files

    def _file_for(self, tile: RasterTile2D) -> _OpenFile:
        key = (tile.time_start_ms, tile.time_end_ms)
        open_file = self._open.get(key)
        if open_file is not None:
            return open_file
        if key in self._done:
            raise MalformedResponseError(f"tile for time slice {_iso(key[0])} arrived after the slice was complete")
        path = self.directory / f"{self.stem}_{_time_label(key[0])}.tif"
        if path in self.paths:
            path = self.directory / f"{self.stem}_{_time_label(key[0])}_{_time_label(key[1])}.tif"
        self.paths.append(path)  # registered first: an error below still removes it
        self._slice_of[path] = key
        driver = gdal.GetDriverByName("GTiff")
        try:
            dataset = driver.Create(str(path), self.width, self.height, len(self.bands), self._gdal_type,
                                    options=self._options)
        except RuntimeError as exc:  # gdal.UseExceptions() is on in some hosts (QGIS, the tests)
            raise OSError(f"GDAL cannot create {path}: {exc}") from None
        if dataset is None:
            raise OSError(f"GDAL cannot create {path}: {gdal.GetLastErrorMsg()}")
        dataset.SetGeoTransform(self._geo_transform)
        if self._wkt:
            dataset.SetProjection(self._wkt)
        dataset.SetMetadata({"time_start": _iso(key[0]), "time_end": _iso(key[1])})
        for i in range(len(self.bands)):
            band = dataset.GetRasterBand(i + 1)
            _set_no_data(band, self.dtype, self.no_data_value)
            if self.band_names and i < len(self.band_names):
                band.SetDescription(str(self.band_names[i]))
        if self._overviews:  # empty levels, filled tile by tile in ``_put``
            method = CODECS[self.compress.upper()][0] or "NONE"
            block = str(_OVERVIEW_BLOCK)
            with _ThreadConfig("COMPRESS_OVERVIEW", method), _ThreadConfig("GDAL_TIFF_OVR_BLOCKSIZE", block):
                if dataset.BuildOverviews("NONE", self._overviews) != 0:
                    raise OSError(f"GDAL cannot add overviews to {path}: {gdal.GetLastErrorMsg()}")
        open_file = _OpenFile(path, dataset, self.tiles.count * len(self.bands))
        self._open[key] = open_file
        return open_file

    def _close(self, key: tuple[int, int]) -> None:
        open_file = self._open.pop(key)
        for (band_index, level), strip in open_file.strips.items():
            self._write_strip(open_file.dataset.GetRasterBand(band_index + 1).GetOverview(level), strip)
        open_file.strips.clear()
        _flush(open_file)
        if open_file.rebuild_overviews:
            open_file.dataset.BuildOverviews("NEAREST", self._overviews)
        open_file.dataset = None  # closes the file
        self._done.add(key)

    # ------------------------------------------------------------------------------------------ tiles

    def write(self, tile: RasterTile2D) -> None:
        """Write one tile straight into its block."""
        band_index = self._band_index.get(tile.band)
        if band_index is None:
            raise MalformedResponseError(f"tile of band {tile.band}, but bands {list(self.bands)} were requested")
        if tile.dtype != self.dtype:
            raise MalformedResponseError(f"tile of type {tile.dtype}, expected {self.dtype}")
        try:
            column, row = self.grid.pixel_of(tile.geo_transform.x_min, tile.geo_transform.y_max)
        except ValueError as exc:
            raise MalformedResponseError(str(exc)) from None
        size = self.grid.tile_size
        x_off = column - self.tiles.x0 * size
        y_off = row - self.tiles.y0 * size
        planned = x_off % size == 0 and y_off % size == 0 and 0 <= x_off < self.width and 0 <= y_off < self.height
        if not planned:
            self._write_unplanned(tile, band_index, x_off, y_off)
            return
        self._put(self._file_for(tile), band_index, tile, x_off, y_off)

    def _write_unplanned(self, tile: RasterTile2D, band_index: int, x_off: int, y_off: int) -> None:
        """A tile the plan did not name (a server whose tiling differs): its pixels inside the file are placed
        by its geo transform, a tile wholly outside the file (or of a finished slice) is dropped; both logged."""
        where = f"tile at ({tile.geo_transform.x_min}, {tile.geo_transform.y_max}), band {tile.band}"
        inside = (x_off < self.width and y_off < self.height
                  and x_off + tile.size_x > 0 and y_off + tile.size_y > 0)
        if not inside or (tile.time_start_ms, tile.time_end_ms) in self._done:
            log.warning("dropped the %s: it lies outside the planned tiles", where)
            return
        log.warning("the %s was not planned; its pixels inside the planned tiles are written", where)
        open_file = self._file_for(tile)
        open_file.rebuild_overviews = bool(self._overviews)
        self._put(open_file, band_index, tile, x_off, y_off, counts=False)

    def _put(self, open_file: _OpenFile, band_index: int, tile: RasterTile2D, x_off: int, y_off: int,
             counts: bool = True) -> None:
        """Write the part of ``tile`` inside the file at pixel offset ``(x_off, y_off)`` (may be negative)."""
        sx, sy = max(0, -x_off), max(0, -y_off)
        x, y = x_off + sx, y_off + sy
        h, w = min(tile.size_y - sy, self.height - y), min(tile.size_x - sx, self.width - x)
        data = tile.data
        values, mask = data.data[sy:sy + h, sx:sx + w], np.ma.getmask(data)
        if mask is not np.ma.nomask:
            mask = mask[sy:sy + h, sx:sx + w]
        if mask is np.ma.nomask or not mask.any():
            self._count_collisions(values, None)
            pixels = values
        elif mask.all():
            pixels = None  # sparse: the block stays unwritten and reads back as no-data
        else:
            self._count_collisions(values, mask)
            pixels = np.where(mask, self._fill, values)
        if pixels is not None:
            if self.dtype == np.int8 and self._gdal_type == gdal.GDT_Byte:
                pixels = pixels.view(np.uint8)
            band = open_file.dataset.GetRasterBand(band_index + 1)
            if band.WriteArray(pixels, x, y) != 0:
                raise OSError(f"GDAL cannot write {open_file.path}: {gdal.GetLastErrorMsg()}")
            if counts and self._overviews:
                self._put_overviews(open_file, band_index, band, pixels, x, y)
            open_file.unflushed += pixels.nbytes
            if open_file.unflushed >= _FLUSH_BYTES:
                _flush(open_file)
                open_file.unflushed = 0
        if not counts:
            return
        open_file.tiles_left -= 1
        if open_file.tiles_left <= 0:
            self._close((tile.time_start_ms, tile.time_end_ms))

    def _put_overviews(self, open_file: _OpenFile, band_index: int, band: Any, pixels: np.ndarray, x: int,
                       y: int) -> None:
        """Every ``f``-th pixel of a planned tile into overview level ``f`` (nearest neighbour, no read-back):
        straight into whole blocks, or into the level's block-row strip (:class:`_Strip`) when the tile's part is
        smaller than a block."""
        for level, factor in enumerate(self._overviews):
            overview = band.GetOverview(level)
            part = np.ascontiguousarray(pixels[::factor, ::factor])
            ox, oy = x // factor, y // factor
            row = oy // _OVERVIEW_BLOCK
            strip = open_file.strips.get((band_index, level))
            if part.shape[0] >= _OVERVIEW_BLOCK or (strip is not None and row < strip.row):  # whole blocks, or late
                if overview.WriteArray(part, ox, oy) != 0:
                    raise OSError(f"GDAL cannot write an overview: {gdal.GetLastErrorMsg()}")
                continue
            if strip is not None and row != strip.row:
                self._write_strip(overview, strip)
                strip = None
            if strip is None:
                height = min(_OVERVIEW_BLOCK, overview.YSize - row * _OVERVIEW_BLOCK)
                fill = np.full((height, overview.XSize), self._fill, self.dtype).view(part.dtype)
                strip = open_file.strips[(band_index, level)] = _Strip(row, fill)
            top = oy - row * _OVERVIEW_BLOCK
            h, w = min(part.shape[0], strip.data.shape[0] - top), min(part.shape[1], overview.XSize - ox)
            strip.data[top:top + h, ox:ox + w] = part[:h, :w]

    @staticmethod
    def _write_strip(overview: Any, strip: _Strip) -> None:
        if overview.WriteArray(strip.data, 0, strip.row * _OVERVIEW_BLOCK) != 0:
            raise OSError(f"GDAL cannot write an overview: {gdal.GetLastErrorMsg()}")

    def _count_collisions(self, values: np.ndarray, mask: Optional[np.ndarray]) -> None:
        if self.dtype.kind == "f":
            return  # NaN never equals a valid float
        fill = self._fill
        info = np.iinfo(self.dtype)
        # the no-data value is usually the type's minimum or maximum: one reduction, no temporary array
        if (fill == info.max and values.max() < fill) or (fill == info.min and values.min() > fill):
            return
        hits = values == fill
        if mask is not None:
            hits &= ~mask
        self.no_data_collisions += int(np.count_nonzero(hits))

    def write_all(self, tiles: Iterable[RasterTile2D], queue_size: int = 8) -> list[Path]:
        """Write every tile, then finish; on any error remove the files and re-raise.

        Tiles are handed to a writer thread through a queue of ``queue_size`` tiles, so receiving and
        decoding the next tile overlaps with GDAL's block write and compression (GDAL releases the GIL); the
        writer runs :data:`WRITER_NICENESS` nicer so receiving comes first.
        """
        if queue_size <= 0:
            return self._write_inline(tiles)
        pending: queue.Queue = queue.Queue(maxsize=queue_size)
        failure: list[BaseException] = []
        stop = threading.Event()

        def writer() -> None:
            _lower_priority(WRITER_NICENESS)
            try:
                while not stop.is_set():
                    tile = pending.get()
                    if tile is None:
                        return
                    self.write(tile)
            except BaseException as exc:  # noqa: BLE001 - handed to the caller's thread
                failure.append(exc)

        thread = threading.Thread(target=writer, name="geotiff-writer", daemon=True)
        thread.start()
        try:
            for tile in tiles:
                while True:
                    if failure:
                        raise failure[0]
                    try:
                        pending.put(tile, timeout=0.1)
                        break
                    except queue.Full:
                        continue
            while True:
                try:
                    pending.put(None, timeout=0.1)
                    break
                except queue.Full:
                    if failure:
                        break
            thread.join()
            if failure:
                raise failure[0]
        except BaseException:
            stop.set()
            _drain(pending)
            pending.put(None)
            thread.join()
            self.abort()
            raise
        return self._finish_or_abort()

    def _finish_or_abort(self) -> list[Path]:
        try:
            return self.finish()
        except BaseException:
            self.abort()
            raise

    def _write_inline(self, tiles: Iterable[RasterTile2D]) -> list[Path]:
        try:
            for tile in tiles:
                self.write(tile)
        except BaseException:
            self.abort()
            raise
        return self._finish_or_abort()

    def finish(self) -> list[Path]:
        """Close every file (slices with missing tiles keep no-data there); the paths in time order."""
        for key in list(self._open):
            self._close(key)
        return sorted(self.paths, key=self._slice_of.__getitem__)

    def abort(self) -> None:
        """Close and delete every file of this job."""
        for key in list(self._open):
            self._open.pop(key).dataset = None
        for path in self.paths:
            for candidate in (path, Path(f"{path}.aux.xml")):
                try:
                    os.remove(candidate)
                except FileNotFoundError:
                    pass
        self.paths.clear()


def _flush(open_file: _OpenFile) -> None:
    """Write the cached blocks, the overviews' too (GDAL's dataset flush leaves them in its cache, which then grows
    with the file); a failed write (disk full...) raises OSError instead of passing silently."""
    gdal.ErrorReset()
    dataset = open_file.dataset
    dataset.FlushCache()
    for index in range(dataset.RasterCount):
        band = dataset.GetRasterBand(index + 1)
        for level in range(band.GetOverviewCount()):
            band.GetOverview(level).FlushCache()
    if gdal.GetLastErrorType() >= gdal.CE_Failure:
        raise OSError(f"GDAL cannot write {open_file.path}: {gdal.GetLastErrorMsg()}")


def _lower_priority(niceness: int) -> None:
    """Make the calling thread ``niceness`` nicer (Linux threads have their own nice value; a no-op elsewhere)."""
    try:
        thread = threading.get_native_id()
        os.setpriority(os.PRIO_PROCESS, thread, min(19, os.getpriority(os.PRIO_PROCESS, thread) + niceness))
    except (AttributeError, OSError):  # no setpriority (Windows), or a platform whose ids are not threads'
        pass


class _ThreadConfig:
    """A GDAL config option of this thread for the ``with`` block (restored after)."""

    def __init__(self, key: str, value: str) -> None:
        self.key, self.value = key, value

    def __enter__(self) -> None:
        self.previous = gdal.GetThreadLocalConfigOption(self.key, None)
        gdal.SetThreadLocalConfigOption(self.key, self.value)

    def __exit__(self, *exc) -> None:
        gdal.SetThreadLocalConfigOption(self.key, self.previous)


def _drain(pending: queue.Queue) -> None:
    while True:
        try:
            pending.get_nowait()
        except queue.Empty:
            return


def stream_raster_to_geotiff(
    workflow: Any,
    query_rectangle: QueryRectangle,
    directory: Union[str, os.PathLike],
    progress: Optional[ProgressCallback] = None,
    cancelled: Optional[CancelCheck] = None,
    *,
    stem: Optional[str] = None,
    no_data_value: Any = None,
    compress: str = TEMPORARY_CODEC,
    open_timeout: float = DEFAULT_OPEN_TIMEOUT,
) -> list[Path]:
    """Stream the workflow's raster for the query into GeoTIFFs in ``directory``: one file per time slice.

    Tiles are written into their blocks as they arrive (memory does not grow with the extent). Bands follow
    the query (all bands for a plain QueryRectangle). ``stem`` defaults to the workflow id. On cancel
    (StreamCancelledError) or any error, every file written so far is removed and the error re-raised.
    Returns the paths in time order. See the module docstring for the file layout.
    """
    descriptor = workflow._require_raster()
    plan = plan_raster_stream(descriptor, query_rectangle)
    target = Path(directory)
    target.mkdir(parents=True, exist_ok=True)
    names = [descriptor.bands[b].name for b in plan.bands]
    sink = GeoTiffSink(target, stem or str(workflow.workflow_id), plan.grid, plan.tiles, plan.bands,
                       descriptor.data_type.to_np_dtype(), descriptor.spatial_reference, no_data_value, names, compress)
    tiles = raster_stream(workflow, query_rectangle, open_timeout, progress, cancelled, plan)
    try:
        paths = sink.write_all(tiles)
    finally:
        tiles.close()  # closes the websocket if the sink stopped early
    if sink.no_data_collisions:
        log.warning("%d valid pixels equal the no-data value %s and read back as no-data; pass no_data_value= "
                    "to choose another", sink.no_data_collisions, sink.no_data_value)
    return paths
