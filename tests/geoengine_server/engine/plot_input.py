"""The numbers plots work on: raster band values in a bbox, or a vector column.

Rasters are read as Geo Engine 0.9.3's Statistics and Histogram read them: every pixel of every
whole 512 px tile that the bbox touches, for every time slice of the query; empty tiles count as
no-data (geo-engine/geoengine@5748ef7:geoengine/operators/src/plot/statistics.rs,
geo-engine/geoengine@5748ef7:geoengine/operators/src/plot/histogram.rs ``from_bounds_and_geo_transform``).
So a small box on NDVI is evaluated over its whole 51.2 degree tile. Unlike the real server, windows
larger than ``MAX_PIXELS`` (4096 x 4096) are decimated (every ``step``-th pixel) to bound the test server.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .params import spec_error
from .tiling import plot_tiles_window
from .types import BBox, EngineError, FeatureCollection, RasterOperator, TimeInterval, VectorOperator

MAX_PIXELS = 4096 * 4096


@dataclass
class Values:
    valid: np.ndarray  # float64 values that are not no-data
    total: int  # all values looked at (no-data included)


def raster_values(raster: RasterOperator, band: int, bbox: BBox, time: TimeInterval) -> Values:
    window = plot_tiles_window(raster.descriptor.geo_transform, bbox)
    area = window.width * window.height
    step = 1 if area <= MAX_PIXELS else math.ceil(math.sqrt(area / MAX_PIXELS))
    chunks, total = [], 0
    for s in raster.time_slices(time):
        pixels = raster.read_sampled(band, s, window, step)
        total += pixels.size
        chunks.append(np.ma.getdata(pixels)[~np.ma.getmaskarray(pixels)].astype(np.float64))
    valid = np.concatenate(chunks) if chunks else np.zeros(0)
    return Values(valid, total)


def numeric_column(vector: VectorOperator, column: str, operator: str) -> None:
    """Check that ``column`` exists and is numeric."""
    columns = vector.descriptor.columns
    if column not in columns:
        raise EngineError("ColumnDoesNotExist", f"Column {column!r} does not exist (columns: {list(columns)})")
    if columns[column].data_type not in ("int", "float"):
        raise spec_error(operator, f"column `{column}` must be numerical")


def column_values(features: FeatureCollection, column: str) -> Values:
    """A numeric column's finite values; nulls and NaN count as no-data."""
    data = features.columns.get(column, [])
    valid = np.array([float(v) for v in data if v is not None], np.float64)
    return Values(valid[np.isfinite(valid)], len(data))


def vector_values(vector: VectorOperator, column: str, bbox: BBox, time: TimeInterval) -> Values:
    return column_values(vector.query(bbox, time), column)
