"""Raster ``GdalSource``: datasets of type ``GdalMetaDataRegular`` (one file per time step) and
``GdalStatic`` (one file for all time), read window by window with GDAL."""

from __future__ import annotations

import re
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from ..catalog import Dataset
from . import descriptors
from .build import register
from .gdal_io import read_window
from .params import spec_error
from .raster_base import RasterBase, empty, sample_shape
from .timesteps import TimeStep, regular_slices, split_ms
from .types import NUMPY_TYPES, EngineError, TimeInterval, Window

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


class GdalSource(RasterBase):
    """A raster dataset from the catalog (``params.data`` = dataset name)."""

    def __init__(self, dataset: Dataset):
        meta = dataset.meta
        self.dataset = dataset
        self.datasets = [dataset.name]
        self.kind = meta.get("type")
        if self.kind not in ("GdalMetaDataRegular", "GdalStatic"):
            raise EngineError(
                "InvalidDatasetSpec", f"Dataset {dataset.name!r} has unsupported metadata type {self.kind!r}"
            )
        self.descriptor = descriptors.raster_descriptor(meta["resultDescriptor"])
        params = meta["params"]
        self.path_template = params["filePath"]
        self.band_number = int(params.get("rasterbandChannel", 1))
        self.file_transform = descriptors.geo_transform(params["geoTransform"])
        self.nodata = params.get("noDataValue")
        self.file_not_found = params.get("fileNotFoundHandling", "NoData")
        self.dtype = np.dtype(NUMPY_TYPES[self.descriptor.data_type])
        gt, ft = self.descriptor.geo_transform, self.file_transform
        self.file_dx = int(round((gt.origin_x - ft.origin_x) / ft.x_pixel_size))
        self.file_dy = int(round((gt.origin_y - ft.origin_y) / ft.y_pixel_size))
        if self.kind == "GdalMetaDataRegular":
            self.step = TimeStep.from_json(meta["step"])
            self.data_time = descriptors.interval(meta["dataTime"])
            self.origin = self.data_time.start
            dim = self.descriptor.time_dimension
            if dim.get("type") == "regular":
                self.origin = dim["origin"]
            self.placeholders = meta.get("timePlaceholders") or {}

    def time_slices(self, interval: TimeInterval) -> list[TimeInterval]:
        if self.kind == "GdalStatic":
            bounds = self.descriptor.time_bounds
            if bounds is None or bounds.intersects(interval):
                return [bounds] if bounds else [interval]
            return [interval]
        return regular_slices(interval, self.origin, self.step, self.data_time)

    def _file_for(self, time: TimeInterval) -> Path | None:
        if self.kind == "GdalStatic":
            bounds = self.descriptor.time_bounds
            if bounds is not None and not bounds.intersects(time):
                return None
            return self.dataset.resolve(self.path_template)
        slot = self.step.snap(self.origin, time.start)
        if not (self.data_time.start <= slot.start < self.data_time.end):
            return None
        path = self.path_template
        for placeholder, spec in self.placeholders.items():
            ms = slot.start if spec.get("reference", "start") == "start" else slot.end
            text = format_placeholder(spec["format"], ms)
            if text is None:
                return None
            path = path.replace(placeholder, text)
        return self.dataset.resolve(path)

    def read_sampled(self, band: int, time: TimeInterval, window: Window, step: int) -> np.ma.MaskedArray:
        self.check_band(band)
        path = self._file_for(time)
        if path is None:
            return empty(self.descriptor.data_type, sample_shape(window, step))
        if not path.exists() and self.file_not_found != "NoData":
            raise EngineError("Operator", f"Operator: Could not open gdal dataset for file path \"{path}\"")
        file_window = Window(window.x_off + self.file_dx, window.y_off + self.file_dy, window.width, window.height)
        out = read_window(path, self.band_number, file_window, step, self.nodata, self.dtype)
        return _mask_outside(out, self.descriptor.grid_bounds, window, step)


def _mask_outside(array: np.ma.MaskedArray, bounds, window: Window, step: int) -> np.ma.MaskedArray:
    """Mask samples outside the descriptor's grid bounds (files may be larger than the dataset)."""
    cols = window.x_off + np.arange(array.shape[1]) * step
    rows = window.y_off + np.arange(array.shape[0]) * step
    outside_c = (cols < bounds.x_min) | (cols > bounds.x_max)
    outside_r = (rows < bounds.y_min) | (rows > bounds.y_max)
    if outside_c.any() or outside_r.any():
        array.mask[:, outside_c] = True
        array.mask[outside_r, :] = True
    return array


@register("Raster", "GdalSource")
def build_gdal_source(params: dict, sources, name: str) -> RasterBase:
    from .synthetic import SyntheticSource

    dataset = sources.dataset(params.get("data"))
    overview = params.get("overviewLevel")
    if overview is not None and (not isinstance(overview, int) or isinstance(overview, bool) or overview < 0):
        raise spec_error(name, f"field `overviewLevel` must be a non-negative integer or null (got {overview!r})")
    if dataset.meta.get("type") == "SyntheticRaster":
        return SyntheticSource(dataset)
    if dataset.meta.get("type") not in ("GdalMetaDataRegular", "GdalStatic"):
        raise EngineError(
            "InvalidOperatorType",
            f"Invalid operator type: expected Raster found Vector (dataset {dataset.name!r} is not a raster dataset)",
        )
    return GdalSource(dataset)
