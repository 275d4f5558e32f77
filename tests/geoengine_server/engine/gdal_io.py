"""Thread-safe windowed reads from raster files with GDAL.

Each thread keeps its own small LRU cache of open datasets (GDAL handles must not be shared
between threads); GDAL's block cache is shared and thread-safe.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from pathlib import Path

import numpy as np
from osgeo import gdal

from .types import EngineError, Window

gdal.UseExceptions()

_CACHE_SIZE = 16
_local = threading.local()
_MAX_DIRECT = 4096 * 4096  # larger strided reads let GDAL decimate (nearest neighbour)


def open_raster(path: Path) -> gdal.Dataset | None:
    """The thread's open handle for ``path``; ``None`` when the file does not exist."""
    cache: OrderedDict = getattr(_local, "cache", None)
    if cache is None:
        cache = _local.cache = OrderedDict()
    key = str(path)
    if key in cache:
        cache.move_to_end(key)
        return cache[key]
    if not Path(path).exists():
        return None
    try:
        ds = gdal.Open(key, gdal.GA_ReadOnly)
    except RuntimeError as exc:
        raise EngineError("Operator", f"Operator: Could not open gdal dataset for file path {key!r}: {exc}") from None
    cache[key] = ds
    while len(cache) > _CACHE_SIZE:
        cache.popitem(last=False)
    return ds


def _valid_run(start: int, count: int, step: int, size: int) -> tuple[int, int]:
    """Indices ``[i0, i1)`` of samples ``start + i*step`` (i < count) that lie in ``[0, size)``."""
    i0 = 0 if start >= 0 else -(start // step)
    i1 = count if start + (count - 1) * step < size else max(0, -(-(size - start) // step))
    return min(i0, count), max(min(i1, count), min(i0, count))


def read_window(
    path: Path,
    band_number: int,
    file_window: Window,
    step: int,
    nodata: float | None,
    dtype: np.dtype,
) -> np.ma.MaskedArray:
    """Pixels of ``file_window`` (file pixel grid; may exceed the file) sampled every ``step`` pixels.

    Outside the file, a missing file and ``nodata`` values are masked.
    """
    rows = -(-file_window.height // step)
    cols = -(-file_window.width // step)
    data = np.zeros((rows, cols), dtype)
    mask = np.ones((rows, cols), bool)
    ds = open_raster(path)
    if ds is None:
        return np.ma.MaskedArray(data, mask=mask)
    c0, c1 = _valid_run(file_window.x_off, cols, step, ds.RasterXSize)
    r0, r1 = _valid_run(file_window.y_off, rows, step, ds.RasterYSize)
    if c1 <= c0 or r1 <= r0:
        return np.ma.MaskedArray(data, mask=mask)
    band = ds.GetRasterBand(band_number)
    x0 = file_window.x_off + c0 * step
    y0 = file_window.y_off + r0 * step
    span_x = (c1 - c0 - 1) * step + 1
    span_y = (r1 - r0 - 1) * step + 1
    if step == 1:
        block = band.ReadAsArray(x0, y0, span_x, span_y)
    elif span_x * span_y <= _MAX_DIRECT:
        block = band.ReadAsArray(x0, y0, span_x, span_y)[::step, ::step]
    else:
        block = band.ReadAsArray(x0, y0, span_x, span_y, buf_xsize=c1 - c0, buf_ysize=r1 - r0)
    data[r0:r1, c0:c1] = block
    if nodata is None:
        mask[r0:r1, c0:c1] = False
    else:
        mask[r0:r1, c0:c1] = np.isnan(block) if np.isnan(nodata) else block == nodata
    return np.ma.MaskedArray(data, mask=mask)
