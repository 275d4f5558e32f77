"""Raster ``Reprojection`` (``params.targetSpatialReference``), nearest neighbour.

The output grid is derived: the source's data bounds transformed to the target CRS (Web Mercator
clipped to +-85.06 degrees), square pixels of the source's pixel size transformed at the centre
of the data, origin snapped to whole pixels from (0, 0). ``read`` maps the target pixel centres
back into the source grid and reads the needed source window once (decimated when it is much
larger than the target window, e.g. for overviews).
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np

from .build import register
from .crs import check_srs, transform_bbox, transform_points
from .params import get
from .raster_base import RasterBase, empty, sample_shape
from .types import GeoTransform, GridBounds, RasterDescriptor, RasterOperator, TimeInterval, Window

_SEPARABLE = {("EPSG:4326", "EPSG:3857"), ("EPSG:3857", "EPSG:4326")}
_EPS = 1e-9
_DIRECT_READ = 4096 * 4096


# The output grid: geo-engine/geoengine@5748ef7:geoengine/operators/src/processing/reprojection.rs; note the real
# default deriveOutSpec is projectionBounds (the target CRS's area of use), this server always derives from the data
# bounds (the real dataBounds)
def derive_grid(d: RasterDescriptor, target: str) -> tuple[GeoTransform, GridBounds]:
    src = d.spatial_reference
    bounds = d.data_bounds()
    out = transform_bbox(bounds, src, target)
    cx, cy = (bounds.xmin + bounds.xmax) / 2, (bounds.ymin + bounds.ymax) / 2
    gt = d.geo_transform
    tx, ty = transform_points(
        [cx, cx + gt.x_pixel_size, cx], [cy, cy, cy + gt.y_pixel_size], src, target
    )
    size = float(f"{(abs(tx[1] - tx[0]) + abs(ty[2] - ty[0])) / 2:.12g}")  # no float noise in descriptors
    if not math.isfinite(size) or size <= 0:
        size = max(out.xmax - out.xmin, out.ymax - out.ymin) / max(d.grid_bounds.width, 1)
    x0 = math.floor(out.xmin / size + _EPS) * size
    y0 = math.ceil(out.ymax / size - _EPS) * size
    cols = max(1, math.ceil((out.xmax - x0) / size - _EPS))
    rows = max(1, math.ceil((y0 - out.ymin) / size - _EPS))
    return GeoTransform(x0, y0, size, -size), GridBounds(0, 0, cols - 1, rows - 1)


class RasterReprojection(RasterBase):
    def __init__(self, source: RasterOperator, target: str):
        self.source = source
        self.target = target
        self.datasets = list(source.datasets)
        if target == source.descriptor.spatial_reference:
            self.descriptor = source.descriptor
        else:
            gt, gb = derive_grid(source.descriptor, target)
            self.descriptor = replace(
                source.descriptor, spatial_reference=target, geo_transform=gt, grid_bounds=gb, grid_state="derived"
            )

    def time_slices(self, interval: TimeInterval) -> list[TimeInterval]:
        return self.source.time_slices(interval)

    def read_sampled(self, band: int, time: TimeInterval, window: Window, step: int) -> np.ma.MaskedArray:
        self.check_band(band)
        if self.descriptor is self.source.descriptor:
            return self.source.read_sampled(band, time, window, step)
        shape = sample_shape(window, step)
        gt, gb = self.descriptor.geo_transform, self.descriptor.grid_bounds
        cols = window.x_off + np.arange(shape[1]) * step
        rows = window.y_off + np.arange(shape[0]) * step
        in_c = (cols >= gb.x_min) & (cols <= gb.x_max)
        in_r = (rows >= gb.y_min) & (rows <= gb.y_max)
        xs = gt.origin_x + (cols + 0.5) * gt.x_pixel_size
        ys = gt.origin_y + (rows + 0.5) * gt.y_pixel_size
        src, dst = self.source.descriptor.spatial_reference, self.target
        sgt, sgb = self.source.descriptor.geo_transform, self.source.descriptor.grid_bounds
        separable = (dst, src) in _SEPARABLE
        if separable:
            sx, _ = transform_points(xs, np.zeros_like(xs), dst, src)
            _, sy = transform_points(np.zeros_like(ys), ys, dst, src)
        else:
            gx, gy = np.meshgrid(xs, ys)
            sx, sy = transform_points(gx, gy, dst, src)
        with np.errstate(invalid="ignore"):
            sc = np.floor((sx - sgt.origin_x) / sgt.x_pixel_size)
            sr = np.floor((sy - sgt.origin_y) / sgt.y_pixel_size)
        ok_c = np.isfinite(sc) & (sc >= sgb.x_min) & (sc <= sgb.x_max)
        ok_r = np.isfinite(sr) & (sr >= sgb.y_min) & (sr <= sgb.y_max)
        if separable:
            ok_c &= in_c
            ok_r &= in_r
            valid = ok_r[:, None] & ok_c[None, :]
        else:
            valid = ok_c & ok_r & in_r[:, None] & in_c[None, :]
        if not valid.any():
            return empty(self.descriptor.data_type, shape)
        sc = np.where(ok_c, sc, 0).astype(np.int64)
        sr = np.where(ok_r, sr, 0).astype(np.int64)
        sel_c = sc[ok_c] if separable else sc[valid]
        sel_r = sr[ok_r] if separable else sr[valid]
        c0, c1, r0, r1 = int(sel_c.min()), int(sel_c.max()), int(sel_r.min()), int(sel_r.max())
        area = (c1 - c0 + 1) * (r1 - r0 + 1)
        s = 1
        if area > _DIRECT_READ:
            s = max(1, math.ceil(math.sqrt(area / max(4 * int(valid.sum()), _DIRECT_READ // 16))))
        block = self.source.read_sampled(band, time, Window(c0, r0, c1 - c0 + 1, r1 - r0 + 1), s)
        ci = np.clip((sc - c0) // s, 0, block.shape[1] - 1)
        ri = np.clip((sr - r0) // s, 0, block.shape[0] - 1)
        if separable:
            data = np.ma.getdata(block)[np.ix_(ri, ci)]
            mask = np.ma.getmaskarray(block)[np.ix_(ri, ci)] | ~valid
        else:
            data = np.ma.getdata(block)[ri, ci]
            mask = np.ma.getmaskarray(block)[ri, ci] | ~valid
        return np.ma.MaskedArray(data, mask=mask)


@register("Raster", "Reprojection")
def build_raster_reprojection(params: dict, sources, name: str) -> RasterReprojection:
    target = check_srs(get(params, name, "targetSpatialReference", str))
    return RasterReprojection(sources.one("source", "Raster"), target)
