"""``GdalSource.overviewLevel``: the source read at a coarser grid, as Geo Engine 0.9.3 does.

Level ``L`` > 0 multiplies the pixel size by ``L`` and floor-divides the grid bounds by ``L``
(geo-engine/geoengine@5748ef7:geoengine/operators/src/source/gdal_worker_process/mod.rs
``overview_level_spatial_grid``, used by
geo-engine/geoengine@5748ef7:geoengine/operators/src/source/gdal_source/mod.rs ``initialize_with_overview_level``);
0 or none keeps the native grid. Pixels are read with GDAL's default nearest-neighbour downsampling of an
``L`` times larger window (process_impl.rs ``read_as`` with no sampling mode), which takes source pixel
``i * L + L // 2`` for output pixel ``i``.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from .raster_base import RasterBase
from .types import GeoTransform, GridBounds, TimeInterval, Window


class OverviewSource(RasterBase):
    """A source raster seen at overview level ``level`` (> 1)."""

    def __init__(self, source: RasterBase, level: int):
        self.source, self.level = source, level
        self.datasets = source.datasets
        d, gt, gb = source.descriptor, source.descriptor.geo_transform, source.descriptor.grid_bounds
        self.descriptor = replace(
            d,
            geo_transform=GeoTransform(gt.origin_x, gt.origin_y, gt.x_pixel_size * level, gt.y_pixel_size * level),
            grid_bounds=GridBounds(gb.x_min // level, gb.y_min // level, gb.x_max // level, gb.y_max // level),
        )

    def time_slices(self, interval: TimeInterval) -> list[TimeInterval]:
        return self.source.time_slices(interval)

    def read_sampled(self, band: int, time: TimeInterval, window: Window, step: int) -> np.ma.MaskedArray:
        level, half = self.level, self.level // 2
        source_window = Window(window.x_off * level + half, window.y_off * level + half,
                               window.width * level, window.height * level)
        return self.source.read_sampled(band, time, source_window, step * level)
