"""Raster ``GdalSource``: datasets of type ``GdalMetaDataRegular`` (one file per time step) and
``GdalStatic`` (one file for all time), read window by window with GDAL."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from ..catalog import Dataset
from . import descriptors
from .build import register
from .gdal_io import read_window
from .params import spec_error
from .raster_base import RasterBase, empty, mask_outside_grid, sample_shape
from .timesteps import TimeStep, regular_slices, split_ms
from .types import NUMPY_TYPES, TIME_MAX, TIME_MIN, EngineError, GeoTransform, TimeInterval, Window

_CHRONO_TO_PY = {"%Y": "%Y", "%m": "%m", "%d": "%d", "%H": "%H", "%M": "%M", "%S": "%S", "%j": "%j"}


def format_placeholder(fmt: str, ms: int) -> str | None:
    """A chrono-style time format applied to ``ms`` (``None`` outside years 1..9999)."""
    y, m, d, rest = split_ms(ms)
    if not 1 <= y <= 9999:
        return None
    moment = datetime(y, m, d, tzinfo=timezone.utc).replace(
        hour=rest // 3_600_000, minute=rest // 60_000 % 60, second=rest // 1000 % 60
    )
    return re.sub(r"%[A-Za-z]", lambda mt: moment.strftime(_CHRONO_TO_PY.get(mt.group(0), mt.group(0))), fmt)


@dataclass(frozen=True)
class FileSpec:
    """How one file (or file template) of a dataset maps onto the dataset's pixel grid."""

    path: str
    band_number: int
    dx: int  # file column of the dataset grid's column 0
    dy: int
    nodata: float | None
    missing_is_no_data: bool

    @classmethod
    def from_params(cls, params: dict, grid: GeoTransform) -> FileSpec:
        ft = descriptors.geo_transform(params["geoTransform"])
        return cls(
            path=params["filePath"],
            band_number=int(params.get("rasterbandChannel", 1)),
            dx=int(round((grid.origin_x - ft.origin_x) / ft.x_pixel_size)),
            dy=int(round((grid.origin_y - ft.origin_y) / ft.y_pixel_size)),
            nodata=params.get("noDataValue"),
            missing_is_no_data=params.get("fileNotFoundHandling", "NoData") == "NoData",
        )


class GdalSource(RasterBase):
    """A raster dataset from the catalog (``params.data`` = dataset name).

    Metadata kinds: ``GdalStatic`` (one file; valid for its ``time`` or the descriptor's time
    bounds), ``GdalMetaDataRegular`` (a file per regular step, named through ``timePlaceholders``)
    and ``GdalMetaDataList`` (explicit ``[{time, params}]``). Steps without a file read as no-data.
    """

    KINDS = ("GdalStatic", "GdalMetaDataRegular", "GdalMetaDataList")

    def __init__(self, dataset: Dataset):
        meta = dataset.meta
        self.dataset = dataset
        self.datasets = [dataset.name]
        self.kind = meta.get("type")
        if self.kind not in self.KINDS:
            raise EngineError(
                "InvalidDatasetSpec", f"Dataset {dataset.name!r} has unsupported metadata type {self.kind!r}"
            )
        self.descriptor = descriptors.raster_descriptor(meta["resultDescriptor"])
        self.dtype = np.dtype(NUMPY_TYPES[self.descriptor.data_type])
        grid = self.descriptor.geo_transform
        if self.kind == "GdalMetaDataList":
            self.entries = [
                (descriptors.interval(e["time"]), FileSpec.from_params(e["params"], grid)) for e in meta["params"]
            ]
            return
        self.file = FileSpec.from_params(meta["params"], grid)
        if self.kind == "GdalStatic":
            # no `time`: valid for all time (TimeInterval::default(), geo-engine/geoengine@5748ef7:
            # geoengine/operators/src/source/gdal_source/loading_info.rs GdalMetaDataStatic::loading_info)
            self.valid = descriptors.interval(meta.get("time")) or TimeInterval(TIME_MIN, TIME_MAX)
            return
        self.step = TimeStep.from_json(meta["step"])
        self.data_time = descriptors.interval(meta["dataTime"])
        dim = self.descriptor.time_dimension
        self.origin = dim["origin"] if dim.get("type") == "regular" else self.data_time.start
        self.placeholders = meta.get("timePlaceholders") or {}

    def time_slices(self, interval: TimeInterval) -> list[TimeInterval]:
        if self.kind == "GdalStatic":
            return static_slices(self.valid, interval)
        if self.kind == "GdalMetaDataList":
            return [t for t, _ in self.entries if t.intersects(interval)] or [interval]
        return regular_slices(interval, self.origin, self.step, self.data_time)

    def _file_for(self, time: TimeInterval) -> tuple[Path, FileSpec] | None:
        if self.kind == "GdalStatic":
            if self.valid is not None and not self.valid.intersects(time):
                return None
            return self.dataset.resolve(self.file.path), self.file
        if self.kind == "GdalMetaDataList":
            probe = TimeInterval(time.start, time.start)
            for t, spec in self.entries:
                if t.intersects(probe) or t == time:
                    return self.dataset.resolve(spec.path), spec
            return None
        if not (self.data_time.start <= time.start < self.data_time.end):
            return None  # an open-ended gap slice (or a time outside the data): no file
        slot = self.step.snap(self.origin, time.start)
        if not (self.data_time.start <= slot.start < self.data_time.end):
            return None
        path = self.file.path
        for placeholder, spec in self.placeholders.items():
            ms = slot.start if spec.get("reference", "start") == "start" else slot.end
            text = format_placeholder(spec["format"], ms)
            if text is None:
                return None
            path = path.replace(placeholder, text)
        return self.dataset.resolve(path), self.file

    def read_sampled(self, band: int, time: TimeInterval, window: Window, step: int) -> np.ma.MaskedArray:
        self.check_band(band)
        found = self._file_for(time)
        if found is None:
            return empty(self.descriptor.data_type, sample_shape(window, step))
        path, spec = found
        if not spec.missing_is_no_data and not path.exists():
            raise EngineError("Operator", f"Operator: Could not open gdal dataset for file path \"{path}\"")
        file_window = Window(window.x_off + spec.dx, window.y_off + spec.dy, window.width, window.height)
        out = read_window(path, spec.band_number + band, file_window, step, spec.nodata, self.dtype)
        return mask_outside_grid(out, self.descriptor.grid_bounds, window, step)  # files may exceed the dataset


@register("Raster", "GdalSource")
def build_gdal_source(params: dict, sources, name: str) -> RasterBase:
    from .synthetic import SyntheticSource

    dataset = sources.dataset(params.get("data"))
    overview = params.get("overviewLevel")
    if overview is not None and (not isinstance(overview, int) or isinstance(overview, bool) or overview < 0):
        raise spec_error(name, f"field `overviewLevel` must be a non-negative integer or null (got {overview!r})")
    if dataset.meta.get("type") == "SyntheticRaster":
        return with_overview(SyntheticSource(dataset), overview)
    if dataset.meta.get("type") not in GdalSource.KINDS:
        raise EngineError(
            "InvalidOperatorType",
            f"Invalid operator type: expected Raster found Vector (dataset {dataset.name!r} is not a raster dataset)",
        )
    return with_overview(GdalSource(dataset), overview)


def with_overview(source: RasterBase, level: int | None) -> RasterBase:
    """``source`` at ``overviewLevel`` (levels 0 and 1 keep the native grid, see overview.py)."""
    from .overview import OverviewSource

    return OverviewSource(source, level) if level is not None and level > 1 else source


def static_slices(valid: TimeInterval, query: TimeInterval) -> list[TimeInterval]:
    """A static file's slices for ``query``: its validity where they meet, and one open-ended gap slice for each
    side of the query outside it (geo-engine/geoengine@5748ef7:geoengine/operators/src/source/gdal_source/
    loading_info.rs ``known_time_before``/``known_time_after``, filled by
    geo-engine/geoengine@5748ef7:geoengine/datatypes/src/primitives/time_gap_fill_iter.rs)."""
    out = []
    if query.start < valid.start:
        out.append(TimeInterval(TIME_MIN, valid.start))
    if valid.intersects(query):
        out.append(valid)
    if query.end > valid.end or query.start >= valid.end:
        out.append(TimeInterval(valid.end, TIME_MAX))
    return out
