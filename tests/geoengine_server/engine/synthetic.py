"""``synthetic_u16``: a procedurally generated 200 000 x 100 000 U16 raster for scale tests.

Pixel ``(x_idx, y_idx)`` (column, row from the upper-left corner at (-180, 90), 0.0018 degree
pixels, EPSG:4326) has the value ``(x_idx * 7 + y_idx * 13) % 65521``. There is no no-data and
one static time slice (beginning .. end of time). Tiles are computed on demand, never stored.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..catalog import Dataset
from . import descriptors
from .raster_base import RasterBase, empty, sample_shape
from .types import TIME_MAX, TIME_MIN, EngineError, TimeInterval, Window

NAME = "synthetic_u16"
WIDTH, HEIGHT = 200_000, 100_000
PIXEL = 0.0018
MODULUS = 65521


def synthetic_value(x_idx, y_idx):
    """The closed form (numpy arrays or ints)."""
    return (np.asarray(x_idx, np.int64) * 7 + np.asarray(y_idx, np.int64) * 13) % MODULUS


def definition() -> dict:
    """The dataset definition, in the same shape as the files in ``dataset_defs``."""
    return {
        "properties": {
            "name": NAME,
            "displayName": "Synthetic U16 (procedural)",
            "description": "Procedural test raster: value = (x_idx * 7 + y_idx * 13) % 65521, "
            "200000 x 100000 pixels of 0.0018 degrees, computed on demand.",
            "sourceOperator": "GdalSource",
        },
        "metaData": {
            "type": "SyntheticRaster",
            "resultDescriptor": {
                "dataType": "U16",
                "spatialReference": "EPSG:4326",
                "time": {
                    "bounds": {"start": TIME_MIN, "end": TIME_MAX},
                    "dimension": "irregular",
                },
                "spatialGrid": {
                    "state": "source",
                    "spatialGrid": {
                        "geoTransform": {
                            "originCoordinate": {"x": -180.0, "y": 90.0},
                            "xPixelSize": PIXEL,
                            "yPixelSize": -PIXEL,
                        },
                        "gridBounds": {"min": [0, 0], "max": [HEIGHT - 1, WIDTH - 1]},
                    },
                },
                "bands": [{"name": "value", "measurement": {"type": "unitless"}}],
            },
            "params": {"formula": "(x_idx * 7 + y_idx * 13) % 65521"},
        },
    }


def synthetic_dataset(data_dir: Path) -> Dataset:
    return Dataset.from_definition(definition(), data_dir)


class SyntheticSource(RasterBase):
    """Reads of ``synthetic_u16``: vectorised closed form over the requested pixels."""

    def __init__(self, dataset: Dataset):
        if dataset.meta.get("type") != "SyntheticRaster":
            raise EngineError("InvalidDatasetSpec", f"Dataset {dataset.name!r} is not synthetic")
        self.datasets = [dataset.name]
        self.descriptor = descriptors.raster_descriptor(dataset.meta["resultDescriptor"])

    def time_slices(self, interval: TimeInterval) -> list[TimeInterval]:
        return [self.descriptor.time_bounds]

    def read_sampled(self, band: int, time: TimeInterval, window: Window, step: int) -> np.ma.MaskedArray:
        shape = sample_shape(window, step)
        cols = window.x_off + np.arange(shape[1], dtype=np.int64) * step
        rows = window.y_off + np.arange(shape[0], dtype=np.int64) * step
        return self.read_indices(band, time, rows, cols)

    def read_indices(self, band: int, time: TimeInterval, rows: np.ndarray, cols: np.ndarray) -> np.ma.MaskedArray:
        """The pixels at ``rows x cols`` (any pixel indices; resampling operators gather with it)."""
        self.check_band(band)
        shape = (len(rows), len(cols))
        if not self.descriptor.time_bounds.intersects(time):
            return empty("U16", shape)
        rows, cols = np.asarray(rows, np.int64), np.asarray(cols, np.int64)
        col_part = (cols * 7) % MODULUS
        row_part = (rows * 13) % MODULUS
        values = col_part[None, :].astype(np.int32) + row_part[:, None].astype(np.int32)
        values[values >= MODULUS] -= MODULUS
        gb = self.descriptor.grid_bounds
        outside = ((rows < gb.y_min) | (rows > gb.y_max))[:, None] | ((cols < gb.x_min) | (cols > gb.x_max))[None, :]
        return np.ma.MaskedArray(values.astype(np.uint16), mask=outside)
