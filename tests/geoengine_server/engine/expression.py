"""Raster ``Expression``: a per-pixel formula over the bands of source ``raster`` (A, B, C ...).

Params: ``expression``, ``outputType`` (U8..F64), ``outputBand`` ``{name, measurement}``
(default name ``expression``), ``mapNoData`` (false: any no-data in a used band -> no-data out;
true: no-data enters the formula as ``NODATA`` and can be tested with ``A IS NODATA``).
Results that are not finite (division by zero, ``NODATA``, sqrt of negatives) are no-data; the
rest is truncated and clipped to the output type's range.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from .build import register
from .expression_eval import evaluate
from .expression_parser import parse
from .params import choice, get
from .raster_base import RasterBase, sample_shape
from .types import NUMPY_TYPES, Band, RasterOperator, TimeInterval, Window


def cast_clipped(values: np.ndarray, data_type: str) -> np.ndarray:
    """Float values -> ``data_type``: integers truncated toward zero and clipped to the type's range."""
    dtype = np.dtype(NUMPY_TYPES[data_type])
    finite = np.where(np.isfinite(values), values, 0.0)
    if dtype.kind in "iu":
        info = np.iinfo(dtype)
        return np.clip(np.trunc(finite), info.min, info.max).astype(dtype)
    info = np.finfo(dtype)
    return np.clip(finite, info.min, info.max).astype(dtype)


class Expression(RasterBase):
    def __init__(self, source: RasterOperator, expression: str, output_type: str, band: Band, map_no_data: bool):
        self.source = source
        self.program = parse(expression, len(source.descriptor.bands))
        self.map_no_data = map_no_data
        self.output_type = output_type
        self.datasets = list(source.datasets)
        self.descriptor = replace(source.descriptor, data_type=output_type, bands=[band])

    def time_slices(self, interval: TimeInterval) -> list[TimeInterval]:
        return self.source.time_slices(interval)

    def read_sampled(self, band: int, time: TimeInterval, window: Window, step: int) -> np.ma.MaskedArray:
        self.check_band(band)
        shape = sample_shape(window, step)
        used = sorted(self.program.bands)
        bands, mask = {}, np.zeros(shape, bool)
        for index in used:
            pixels = self.source.read_sampled(index, time, window, step)
            band_mask = np.ma.getmaskarray(pixels)
            bands[index] = np.where(band_mask, np.nan, np.ma.getdata(pixels).astype(np.float64))
            mask |= band_mask
        result = evaluate(self.program, bands, shape)
        out_mask = ~np.isfinite(result)
        if not self.map_no_data:
            out_mask |= mask
        return np.ma.MaskedArray(cast_clipped(result, self.output_type), mask=out_mask)


# Params, output type clipping and no-data:
# geo-engine/geoengine@5748ef7:geoengine/operators/src/processing/expression/raster_operator.rs,
# geo-engine/geoengine@5748ef7:geoengine/operators/src/processing/expression/raster_query_processor.rs
@register("Raster", "Expression")
def build_expression(params: dict, sources, name: str) -> Expression:
    expression = get(params, name, "expression", str)
    output_type = choice(params, name, "outputType", tuple(NUMPY_TYPES), "F32")
    band_json = get(params, name, "outputBand", dict, {})
    band = Band(
        get(band_json, name, "name", str, "expression"),
        dict(get(band_json, name, "measurement", dict, {"type": "unitless"})),
    )
    map_no_data = get(params, name, "mapNoData", bool, False)
    return Expression(sources.one("raster", "Raster"), expression, output_type, band, map_no_data)
