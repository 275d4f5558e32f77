"""Raster ``RasterTypeConversion``: cast pixels to ``params.outputDataType`` (truncated, clipped)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from .build import register
from .expression import cast_clipped
from .params import choice
from .raster_base import RasterBase
from .types import NUMPY_TYPES, RasterOperator, TimeInterval, Window


# geo-engine/geoengine@5748ef7:geoengine/operators/src/processing/raster_type_conversion.rs
class RasterTypeConversion(RasterBase):
    def __init__(self, source: RasterOperator, data_type: str):
        self.source = source
        self.datasets = list(source.datasets)
        self.descriptor = replace(source.descriptor, data_type=data_type)

    def time_slices(self, interval: TimeInterval) -> list[TimeInterval]:
        return self.source.time_slices(interval)

    def read_sampled(self, band: int, time: TimeInterval, window: Window, step: int) -> np.ma.MaskedArray:
        self.check_band(band)
        pixels = self.source.read_sampled(band, time, window, step)
        values = np.ma.getdata(pixels).astype(np.float64)
        return np.ma.MaskedArray(cast_clipped(values, self.descriptor.data_type), mask=np.ma.getmaskarray(pixels))


@register("Raster", "RasterTypeConversion")
def build_type_conversion(params: dict, sources, name: str) -> RasterTypeConversion:
    data_type = choice(params, name, "outputDataType", tuple(NUMPY_TYPES))
    return RasterTypeConversion(sources.one("raster", "Raster"), data_type)
