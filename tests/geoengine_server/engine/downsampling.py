"""Raster ``Downsampling``: a coarser grid, each output pixel the input pixel under its centre.

Follows geo-engine/geoengine@5748ef7:geoengine/operators/src/processing/downsample/mod.rs:

* params ``samplingMethod`` (only ``nearestNeighbor``), ``outputResolution`` (``resolution`` x/y >= the input's
  pixel size, or ``fraction`` >= 1 multiplying it), ``outputOriginReference`` (null or a coordinate);
  source ``raster``;
* the output grid: origin moved to the edge nearest the reference (if any), then the resolution changed
  (``InitializedDownsampling::new_with_source_and_params``, see :mod:`.resample_grid`);
* pixel values (``fold_impl``): the centre of output pixel ``i`` (tiling grid) is
  ``origin + (i + 0.5) * size``; the input pixel is ``floor((centre - input origin) / input size)``; no-data
  (masked or empty input) stays no-data; data type, time steps and bands are the input's;
* an output grid equal to the input's forwards the query unchanged (``_query``).
"""

from __future__ import annotations

import numpy as np

from .build import register
from .params import choice
from .resample_grid import (
    ResampledRaster,
    ResolutionParam,
    checked_resolution,
    gather,
    moved_to_origin,
    parse_origin,
    parse_resolution,
    source_indices,
    with_changed_resolution,
)
from .types import RasterOperator, TimeInterval, Window


class Downsampling(ResampledRaster):
    def __init__(self, source: RasterOperator, resolution: ResolutionParam, origin: tuple[float, float] | None):
        d = source.descriptor
        res_x, res_y = checked_resolution(d, resolution, coarser=True)
        gt, gb = d.geo_transform, d.grid_bounds
        if origin is not None:
            gt, gb = moved_to_origin(gt, gb, origin)
        super().__init__(source, *with_changed_resolution(gt, gb, res_x, res_y))

    def resample(self, band: int, time: TimeInterval, window: Window, step: int) -> np.ma.MaskedArray:
        rows, cols, _, _ = source_indices(self.source.descriptor.geo_transform, self.descriptor.geo_transform,
                                          window, step, centre=True)
        return gather(self.source, band, time, rows, cols)


@register("Raster", "Downsampling")
def build_downsampling(params: dict, sources, name: str) -> Downsampling:
    choice(params, name, "samplingMethod", ("nearestNeighbor",))
    resolution = parse_resolution(params, name)
    origin = parse_origin(params, name)
    return Downsampling(sources.one("raster", "Raster"), resolution, origin)
