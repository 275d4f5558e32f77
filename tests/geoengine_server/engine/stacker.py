"""Raster ``RasterStacker`` (bands of several rasters side by side) and ``BandFilter`` (a subset)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from .build import register
from .params import get, spec_error
from .raster_base import RasterBase
from .slices import merge_slices
from .types import Band, EngineError, RasterOperator, TimeInterval, Window


class RasterStacker(RasterBase):
    """Output band k is band j of source i, in source order."""

    def __init__(self, sources: list[RasterOperator], band_names: list[str]):
        first = sources[0].descriptor
        for src in sources[1:]:
            d = src.descriptor
            if d.spatial_reference != first.spatial_reference:
                raise EngineError(
                    "RasterInputsMustHaveSameSpatialReferenceAndDatatype",
                    "Raster inputs must have the same spatial reference: "
                    f"{first.spatial_reference} vs {d.spatial_reference}",
                )
            if d.geo_transform != first.geo_transform or d.data_type != first.data_type:
                raise EngineError(
                    "RasterInputsMustHaveSameSpatialReferenceAndDatatype",
                    "Raster inputs must share grid and data type",
                )
        self.sources = sources
        self.band_map = [(i, j) for i, s in enumerate(sources) for j in range(len(s.descriptor.bands))]
        bands = [Band(n, sources[i].descriptor.bands[j].measurement) for n, (i, j) in zip(band_names, self.band_map)]
        self.datasets = sorted({d for s in sources for d in s.datasets})
        self.descriptor = replace(first, bands=bands)

    def time_slices(self, interval: TimeInterval) -> list[TimeInterval]:
        return merge_slices([s.time_slices(interval) for s in self.sources])

    def read_sampled(self, band: int, time: TimeInterval, window: Window, step: int) -> np.ma.MaskedArray:
        self.check_band(band)
        i, j = self.band_map[band]
        return self.sources[i].read_sampled(j, time, window, step)


def _band_names(params: dict, name: str, sources: list[RasterOperator]) -> list[str]:
    original = [b.name for s in sources for b in s.descriptor.bands]
    rename = get(params, name, "renameBands", dict, {"type": "default"})
    kind = rename.get("type")
    if kind == "default":
        seen: dict[str, int] = {}
        out = []
        for n in original:
            seen[n] = seen.get(n, 0) + 1
            out.append(n if seen[n] == 1 else f"{n} ({seen[n] - 1})")
        return out
    if kind == "suffix":
        values = rename.get("values")
        if not isinstance(values, list) or len(values) != len(sources):
            raise spec_error(name, "`renameBands.values` must hold one suffix per source")
        return [f"{b.name}{values[i]}" for i, s in enumerate(sources) for b in s.descriptor.bands]
    if kind == "rename":
        values = rename.get("values")
        if not isinstance(values, list) or len(values) != len(original):
            raise spec_error(name, f"`renameBands.values` must hold {len(original)} band names")
        if len(set(values)) != len(values):
            raise spec_error(name, "`renameBands.values` must be unique")
        return [str(v) for v in values]
    raise spec_error(name, f"`renameBands.type` must be default, suffix or rename (got {kind!r})")


# geo-engine/geoengine@5748ef7:geoengine/operators/src/processing/raster_stacker.rs
@register("Raster", "RasterStacker")
def build_stacker(params: dict, sources, name: str) -> RasterStacker:
    rasters = sources.many("rasters", "Raster")
    return RasterStacker(rasters, _band_names(params, name, rasters))


class BandFilter(RasterBase):
    def __init__(self, source: RasterOperator, indices: list[int]):
        self.source = source
        self.indices = indices
        self.datasets = list(source.datasets)
        self.descriptor = replace(source.descriptor, bands=[source.descriptor.bands[i] for i in indices])

    def time_slices(self, interval: TimeInterval) -> list[TimeInterval]:
        return self.source.time_slices(interval)

    def read_sampled(self, band: int, time: TimeInterval, window: Window, step: int) -> np.ma.MaskedArray:
        self.check_band(band)
        return self.source.read_sampled(self.indices[band], time, window, step)


# Bands by name or index: geo-engine/geoengine@5748ef7:geoengine/operators/src/processing/band_filter.rs
@register("Raster", "BandFilter")
def build_band_filter(params: dict, sources, name: str) -> BandFilter:
    source = sources.one("raster", "Raster")
    names = [b.name for b in source.descriptor.bands]
    wanted = get(params, name, "bands", list)
    indices = []
    for item in wanted:
        if isinstance(item, int) and not isinstance(item, bool) and 0 <= item < len(names):
            indices.append(item)
        elif isinstance(item, str) and item in names:
            indices.append(names.index(item))
        else:
            raise spec_error(name, f"unknown band {item!r} in `bands` (the source has {names})")
    if not indices:
        raise spec_error(name, "`bands` must not be empty")
    return BandFilter(source, indices)
