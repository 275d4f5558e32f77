"""Shared pieces of raster operators: sampled reads, band checks and masked-array helpers."""

from __future__ import annotations

from abc import abstractmethod

import numpy as np

from .types import NUMPY_TYPES, EngineError, GridBounds, RasterOperator, TimeInterval, Window


def sample_shape(window: Window, step: int) -> tuple[int, int]:
    """(rows, cols) of a window read with every ``step``-th pixel."""
    return -(-window.height // step), -(-window.width // step)


def empty(descriptor_type: str, shape: tuple[int, int]) -> np.ma.MaskedArray:
    """An all-masked array of the given data type."""
    return np.ma.MaskedArray(np.zeros(shape, NUMPY_TYPES[descriptor_type]), mask=np.ones(shape, bool))


def full_mask(array: np.ma.MaskedArray) -> np.ma.MaskedArray:
    """The same array with a full-size boolean mask (never ``nomask``)."""
    return np.ma.MaskedArray(np.ma.getdata(array), mask=np.ma.getmaskarray(array))


# Pixels outside the data's grid bounds are no-data, as the real source fills them:
# geo-engine/geoengine@5748ef7:geoengine/operators/src/source/gdal_source/mod.rs
def mask_outside_grid(array: np.ma.MaskedArray, bounds: GridBounds, window: Window, step: int) -> np.ma.MaskedArray:
    """``array`` (a strided read of ``window``, with a full mask) with the samples outside ``bounds`` masked."""
    cols = window.x_off + np.arange(array.shape[1]) * step
    rows = window.y_off + np.arange(array.shape[0]) * step
    outside_c = (cols < bounds.x_min) | (cols > bounds.x_max)
    outside_r = (rows < bounds.y_min) | (rows > bounds.y_max)
    if outside_c.any() or outside_r.any():
        array.mask[:, outside_c] = True
        array.mask[outside_r, :] = True
    return array


class RasterBase(RasterOperator):
    """Implements ``read`` through ``read_sampled`` (every operator supports strided reads)."""

    def read(self, band: int, time: TimeInterval, window: Window) -> np.ma.MaskedArray:
        return self.read_sampled(band, time, window, 1)

    @abstractmethod
    def read_sampled(self, band: int, time: TimeInterval, window: Window, step: int) -> np.ma.MaskedArray:
        """Pixels ``(x_off + i*step, y_off + j*step)`` of ``window``; shape ``sample_shape(window, step)``."""

    def check_band(self, band: int) -> None:
        if not isinstance(band, (int, np.integer)) or not 0 <= band < len(self.descriptor.bands):
            raise EngineError(
                "InvalidBandIndex",
                f"Band index {band} is out of range: the raster has {len(self.descriptor.bands)} band(s)",
            )
