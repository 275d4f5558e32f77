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
from .raster_base import RasterBase
from .resample_grid import (
    ResolutionParam,
    gather,
    moved_to_origin,
    output_resolution,
    parse_origin,
    parse_resolution,
    resampled_descriptor,
    rust_float,
    source_indices,
    with_changed_resolution,
)
from .types import EngineError, RasterOperator, TimeInterval, Window


class Downsampling(RasterBase):
    def __init__(self, source: RasterOperator, resolution: ResolutionParam, origin: tuple[float, float] | None):
        self.source = source
        self.datasets = list(source.datasets)
        d = source.descriptor
        in_x, in_y = abs(d.geo_transform.x_pixel_size), abs(d.geo_transform.y_pixel_size)
        if resolution.kind == "fraction":
            for f in (resolution.x, resolution.y):
                if f < 1.0:
                    raise EngineError("DownsampleOperator", f"The fraction used to downsample must be >= 1, "
                                                            f"was {rust_float(f)}.")
        elif resolution.x < in_x or resolution.y < in_y:
            raise EngineError("DownsampleOperator",
                              "The output resolution must be higher than the input resolution.")
        res_x, res_y = output_resolution(d, resolution, divide=False)
        gt, gb = d.geo_transform, d.grid_bounds
        if origin is not None:
            gt, gb = moved_to_origin(gt, gb, origin)
        self.descriptor = resampled_descriptor(d, *with_changed_resolution(gt, gb, res_x, res_y))
        self.forward = (self.descriptor.geo_transform == d.geo_transform
                        and self.descriptor.grid_bounds == d.grid_bounds)

    def time_slices(self, interval: TimeInterval) -> list[TimeInterval]:
        return self.source.time_slices(interval)

    def read_sampled(self, band: int, time: TimeInterval, window: Window, step: int) -> np.ma.MaskedArray:
        self.check_band(band)
        if self.forward:
            return self.source.read_sampled(band, time, window, step)
        rows, cols, _, _ = source_indices(self.source.descriptor.geo_transform, self.descriptor.geo_transform,
                                          window, step, centre=True)
        return gather(self.source, band, time, rows, cols)


@register("Raster", "Downsampling")
def build_downsampling(params: dict, sources, name: str) -> Downsampling:
    choice(params, name, "samplingMethod", ("nearestNeighbor",))
    resolution = parse_resolution(params, name)
    origin = parse_origin(params, name)
    return Downsampling(sources.one("raster", "Raster"), resolution, origin)
