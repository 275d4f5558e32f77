"""Workflow results without pyarrow and websockets: rasters through WCS, vectors through WFS.

:func:`choose_transport` picks the streamed path when pyarrow and websockets can be imported, else this one
(``layers.fetch`` asks it). The files and features match the streamed path's, so every later step (layers,
styles, time slices, the Temporal Controller, projects) is the same:

* **raster** (:func:`fetch_raster_slices`): one GeoTIFF per time slice, covering the query's box snapped
  outward to Geo Engine's 512 px tiling grid at the native resolution, the selected bands in selection order,
  masked pixels set to the stream's no-data value, ``time_start``/``time_end`` metadata and band names. Each
  (time slice, band) is one WCS GetCoverage split over the server's tile limit and mosaicked
  (:func:`~..core.wcs_mosaic.fetch_coverage_mosaic`). Geo Engine's WCS returns the first band only, so the
  other bands of a multi-band raster come from a registered ``BandFilter`` workflow around it.
* **vector** (:func:`fetch_vector_batches`): one WFS GetFeature (GeoJSON); OGR reads the geometries, the
  descriptor types the properties and each feature's ``when`` member becomes its validity; the QgsFeatures
  come from the same :func:`~.vector_layers.features_from_batch` as streamed batches.

Progress goes through ``progress(done, expected)`` and cancel through ``check_cancel()`` (raises) between
requests. A raster query whose time dimension is irregular gets one slice (the one WCS returns for its start),
without a time range.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np
from osgeo import gdal, ogr

from ..core import ogc
from ..core.descriptors import FeatureDataType, RasterResultDescriptor, VectorResultDescriptor
from ..core.errors import InputError, MalformedResponseError
from ..core.gdal_types import default_no_data_value, gdal_type, set_no_data, srs_wkt
from ..core.tiling import TilingGrid, time_slices
from ..core.types import QueryRectangle, SpatialResolution, TimeInterval
from ..core.wcs_mosaic import fetch_coverage_mosaic
from ..core.workflow import Workflow, register_workflow
from .dependencies import is_available
from .i18n import QT_TR_NOOP, tr
from .query import iso, ms_to_datetime, parse_iso

STREAM, OGC, AUTO = "stream", "ogc", "auto"
TRANSPORTS = (AUTO, STREAM, OGC)
STREAM_MODULES = ("pyarrow", "websockets")
PATHS = {(STREAM, "raster"): QT_TR_NOOP("the Arrow raster stream"),
         (STREAM, "vector"): QT_TR_NOOP("the Arrow vector stream"),
         (OGC, "raster"): "WCS GeoTIFF", (OGC, "vector"): "WFS GeoJSON"}
FEATURES_PER_BATCH = 10_000
GE_MIN_MS, GE_MAX_MS = -8_334_601_228_800_000, 8_210_266_876_799_999  # Geo Engine's open time ends

EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)
Progress = Optional[Callable[[int, Optional[int]], None]]
CancelCheck = Optional[Callable[[], None]]


def choose_transport(requested: str = AUTO) -> str:
    """``stream`` when pyarrow and websockets can be imported (or ``requested`` says so), else ``ogc``."""
    if requested not in TRANSPORTS:
        raise InputError(f"transport must be one of {TRANSPORTS}, got {requested!r}", field="transport")
    if requested != AUTO:
        return requested
    return STREAM if all(is_available(module) for module in STREAM_MODULES) else OGC


def transport_note(transport: str, kind: str) -> str:
    """What a layer's message and metadata say about the path it came through, e.g. ``through WCS GeoTIFF``."""
    text = tr("through {path}").format(path=tr(PATHS.get((transport, kind), transport)))
    missing = [m for m in STREAM_MODULES if not is_available(m)] if transport == OGC else []
    return text + (" " + tr("({packages} not installed)").format(packages=", ".join(missing)) if missing else "")


# -------------------------------------------------------------------------------------------- rasters


@dataclass(frozen=True)
class OutputGrid:
    """The streamed file's pixel grid: the query's box snapped outward to the 512 px tiling grid."""

    x_min: float
    y_max: float
    resolution: SpatialResolution
    width: int
    height: int

    @property
    def bounds(self) -> Tuple[float, float, float, float]:
        return (self.x_min, self.y_max - self.height * self.resolution.y_resolution,
                self.x_min + self.width * self.resolution.x_resolution, self.y_max)


def output_grid(descriptor: RasterResultDescriptor, bounds: Sequence[float]) -> OutputGrid:
    geo_transform = descriptor.geo_transform
    resolution = descriptor.spatial_resolution
    if geo_transform is None or resolution is None:
        raise MalformedResponseError("the raster's result descriptor has no spatial grid (geo transform)")
    grid = TilingGrid.for_raster(geo_transform)
    tiles = grid.tile_range(*bounds)
    size = grid.tile_size
    origin = grid.geo_transform_at(tiles.x0 * size, tiles.y0 * size)
    return OutputGrid(origin.x_min, origin.y_max, resolution, tiles.columns * size, tiles.rows * size)


def slice_intervals(descriptor: RasterResultDescriptor, interval: TimeInterval) -> List[Optional[Tuple[int, int]]]:
    """The time slices the stream would return; ``[None]`` when they cannot be known (irregular time)."""
    bounds = descriptor.time_bounds
    slices = time_slices(descriptor.time_dimension.to_dict(),
                         None if bounds is None else (bounds.start_ms, bounds.end_ms),
                         interval.start_ms, interval.end_ms)
    return list(slices) if slices else [None]


def band_workflows(workflow: Workflow, bands: Sequence[int]) -> Dict[int, Workflow]:
    """A workflow per band whose WCS answer is that band: itself for band 0, else a ``BandFilter`` around it."""
    out: Dict[int, Workflow] = {}
    definition = None
    for band in bands:
        if band == 0:
            out[band] = workflow
            continue
        if definition is None:
            definition = workflow.workflow_definition()
        wrapped = {"type": "Raster", "operator": {"type": "BandFilter", "params": {"bands": [band]},
                                                   "sources": {"raster": definition["operator"]}}}
        out[band] = register_workflow(wrapped, session=workflow.session)
    return out


def _iso_ms(ms: int) -> str:
    moment = ms_to_datetime(ms)
    return iso(moment) if moment is not None else str(ms)


def _valid(tiff: ogc.GeoTiff) -> np.ndarray:
    if tiff.mask is not None:
        return tiff.mask
    if tiff.no_data_value is None:
        return np.ones(tiff.array.shape, bool)
    if math.isnan(tiff.no_data_value):
        return ~np.isnan(tiff.array)
    return tiff.array != tiff.array.dtype.type(tiff.no_data_value)


def _create(path: Path, grid: OutputGrid, dtype: np.dtype, count: int, wkt: str, times: Optional[Tuple[int, int]],
            names: Sequence[str], no_data: Any):
    options = ["TILED=YES", "BLOCKXSIZE=512", "BLOCKYSIZE=512", "INTERLEAVE=BAND", "COMPRESS=DEFLATE", "ZLEVEL=1",
               f"PREDICTOR={3 if dtype.kind == 'f' else 2}", "BIGTIFF=IF_SAFER"]
    dataset = gdal.GetDriverByName("GTiff").Create(str(path), grid.width, grid.height, count, gdal_type(dtype),
                                                   options=options)
    if dataset is None:
        raise OSError(f"GDAL cannot create {path}: {gdal.GetLastErrorMsg()}")
    dataset.SetGeoTransform((grid.x_min, grid.resolution.x_resolution, 0.0, grid.y_max, 0.0,
                             -grid.resolution.y_resolution))
    if wkt:
        dataset.SetProjection(wkt)
    if times is not None:
        dataset.SetMetadata({"time_start": _iso_ms(times[0]), "time_end": _iso_ms(times[1])})
    for index in range(count):
        band = dataset.GetRasterBand(index + 1)
        set_no_data(band, dtype, no_data)
        if index < len(names):
            band.SetDescription(str(names[index]))
    return dataset


def fetch_raster_slices(workflow: Workflow, descriptor: RasterResultDescriptor, bounds: Sequence[float], srs: str,
                        interval: TimeInterval, bands: Sequence[int], folder: Path, stem: str,
                        progress: Progress = None, check_cancel: CancelCheck = None) -> List[Path]:
    """One GeoTIFF per time slice in ``folder`` through WCS (see the module docstring); paths in time order."""
    grid = output_grid(descriptor, bounds)
    dtype = descriptor.data_type.to_np_dtype()
    no_data = default_no_data_value(dtype)
    slices = slice_intervals(descriptor, interval)
    steps = len(slices) * len(bands)
    per_band = band_workflows(workflow, bands)
    names = [descriptor.bands[b].name for b in bands]
    wkt = srs_wkt(srs)
    paths: List[Path] = []
    step = 0
    for index, times in enumerate(slices):
        path = Path(folder) / f"{stem}_{index:04d}.tif"
        paths.append(path)
        dataset = _create(path, grid, dtype, len(bands), wkt, times, names, no_data)
        try:
            for position, band in enumerate(bands):
                def on_part(done: int, total: int, _step: int = step) -> None:
                    if progress is not None:
                        progress(int(1000 * (_step + done / max(1, total))), 1000 * steps)
                    if check_cancel is not None:
                        check_cancel()

                query = QueryRectangle(grid.bounds, TimeInterval(times[0]) if times else interval, srs)
                data = fetch_coverage_mosaic(per_band[band], query, spatial_resolution=grid.resolution,
                                             tile_limit=workflow.wcs_tile_limit, on_part=on_part)
                tiff = ogc.read_geotiff(data)
                if tiff.array.shape != (grid.height, grid.width):
                    raise MalformedResponseError(f"the WCS mosaic is {tiff.array.shape[1]}x{tiff.array.shape[0]} "
                                                 f"px, expected {grid.width}x{grid.height}")
                values = np.where(_valid(tiff), tiff.array, dtype.type(no_data)).astype(dtype, copy=False)
                dataset.GetRasterBand(position + 1).WriteArray(values)
                step += 1
        finally:
            dataset = None  # noqa: F841 - closes the file
    if progress is not None:
        progress(steps, steps)
    return paths


# -------------------------------------------------------------------------------------------- vectors


@dataclass
class GeoJsonBatch:
    """Features of a WFS answer in the shape of a streamed batch (what ``features_from_batch`` reads)."""

    wkt: List[Optional[str]]
    columns: Dict[str, List[Any]]
    time_start_ms: np.ndarray
    time_end_ms: np.ndarray

    def __len__(self) -> int:
        return len(self.wkt)


def _property(value: Any, data_type: FeatureDataType) -> Any:
    if value is None:
        return None
    if data_type == FeatureDataType.DATETIME:
        return parse_iso(str(value))
    if data_type in (FeatureDataType.INT, FeatureDataType.CATEGORY):
        return int(value)
    if data_type == FeatureDataType.FLOAT:
        return float(value)
    if data_type == FeatureDataType.BOOL:
        return bool(value)
    return str(value)


def _when_ms(text: Any, open_end: int) -> int:
    moment = parse_iso(str(text)) if text is not None else None
    if moment is None:  # Geo Engine's open ends (years like -262143) and missing times
        return open_end
    return (moment - EPOCH) // dt.timedelta(milliseconds=1)


def _wkt(geometry: Any) -> Optional[str]:
    if not geometry:
        return None
    shape = ogr.CreateGeometryFromJson(json.dumps(geometry))
    if shape is None:
        raise MalformedResponseError(f"unreadable GeoJSON geometry {json.dumps(geometry)[:60]!r}")
    return shape.ExportToIsoWkt()


def geojson_batches(features: List[dict], descriptor: VectorResultDescriptor,
                    size: int = FEATURES_PER_BATCH) -> List[GeoJsonBatch]:
    """The WFS features as batches of at most ``size`` features."""
    types = {name: info.data_type for name, info in descriptor.columns.items()}
    batches = []
    for offset in range(0, len(features), size):
        chunk = features[offset:offset + size]
        props = [f.get("properties") or {} for f in chunk]
        whens = [f.get("when") or {} for f in chunk]
        batches.append(GeoJsonBatch(
            [_wkt(f.get("geometry")) for f in chunk],
            {name: [_property(p.get(name), kind) for p in props] for name, kind in types.items()},
            np.array([_when_ms(w.get("start"), GE_MIN_MS) for w in whens], np.int64),
            np.array([_when_ms(w.get("end"), GE_MAX_MS) for w in whens], np.int64)))
    return batches


def fetch_vector_batches(workflow: Workflow, descriptor: VectorResultDescriptor, query: QueryRectangle,
                         progress: Progress = None, check_cancel: CancelCheck = None) -> List[GeoJsonBatch]:
    """The features of ``query`` through one WFS GetFeature (GeoJSON), as batches."""
    if progress is not None:
        progress(0, None)
    collection = ogc.wfs_get_features(workflow.session, workflow.workflow_id, query)
    if check_cancel is not None:
        check_cancel()
    batches = geojson_batches(collection.features, descriptor)
    if progress is not None:
        progress(1, 1)
    return batches
