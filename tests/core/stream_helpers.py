"""Shared by the stream tests: workflows, a session on the test server, and GeoTIFF reading."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from geoengine_qgis.core.session import Session
from geoengine_qgis.core.workflow import Workflow, register_workflow
from geoengine_server.config import default_data_dir
from osgeo import gdal, osr

gdal.UseExceptions()

DATA = default_data_dir()
NDVI_DIR = DATA / "raster/modis_ndvi"
NE2 = DATA / "raster/natural_earth_2/NE2_150M_SR_W.tif"
PORTS_SHP = DATA / "vector/data/ne_10m_ports/ne_10m_ports.shp"

NDVI = {"type": "Raster", "operator": {"type": "GdalSource", "params": {"data": "ndvi"}}}
SYNTHETIC = {"type": "Raster", "operator": {"type": "GdalSource", "params": {"data": "synthetic_u16"}}}
PORTS = {"type": "Vector", "operator": {"type": "OgrSource", "params": {"data": "ne_10m_ports"}}}
POINTS_WITH_TIME = {"type": "Vector", "operator": {"type": "OgrSource", "params": {"data": "points_with_time"}}}


def ne_rgb() -> dict:
    """The RasterStacker workflow of the "Natural Earth II – RGB" layer definition."""
    layer = json.loads((DATA / "layer_defs/natural_earth_rgb.json").read_text())
    return layer["workflow"]


def ne_band_of(dataset: str) -> int:
    """The NE2 file band a ``ne2_raster_*`` dataset reads (from its definition)."""
    for path in (DATA / "dataset_defs").glob("natural_earth_2_*.json"):
        definition = json.loads(path.read_text())
        if definition["properties"]["name"] == dataset:
            return int(_find_key(definition["metaData"], "rasterbandChannel"))
    raise KeyError(dataset)


def _find_key(value, key: str):
    if isinstance(value, dict):
        for k, v in value.items():
            if k.lower() == key.lower():
                return v
            found = _find_key(v, key)
            if found is not None:
                return found
    if isinstance(value, list):
        for item in value:
            found = _find_key(item, key)
            if found is not None:
                return found
    return None


def session(base_url: str) -> Session:
    return Session(base_url, use_env=False)


def workflow(base_url: str, definition: dict) -> Workflow:
    return register_workflow(definition, session=session(base_url))


@dataclass
class Tif:
    """A GeoTIFF read back with GDAL."""

    array: np.ndarray  # (bands, y, x)
    geo_transform: tuple
    srs: osr.SpatialReference
    no_data: list
    block: tuple
    compression: str
    metadata: dict


def read_tif(path: Path) -> Tif:
    dataset = gdal.Open(str(path))
    array = dataset.ReadAsArray()
    if array.ndim == 2:
        array = array[None]
    srs = osr.SpatialReference(wkt=dataset.GetProjection())
    band = dataset.GetRasterBand(1)
    no_data = [dataset.GetRasterBand(i + 1).GetNoDataValue() for i in range(dataset.RasterCount)]
    compression = dataset.GetMetadata("IMAGE_STRUCTURE").get("COMPRESSION", "")
    return Tif(array, dataset.GetGeoTransform(), srs, no_data, tuple(band.GetBlockSize()), compression,
               dataset.GetMetadata())


def ndvi_file(month: int) -> Path:
    return NDVI_DIR / f"MOD13A2_M_NDVI_2014-{month:02d}-01.TIFF"


def read_file(path: Path) -> tuple[np.ndarray, tuple]:
    dataset = gdal.Open(str(path))
    array = dataset.ReadAsArray()
    return (array if array.ndim == 3 else array[None]), dataset.GetGeoTransform()


def offset_in(source_gt: tuple, tif_gt: tuple) -> tuple[int, int]:
    """(column, row) of a streamed file's origin in a source grid with the same pixel size."""
    return round((tif_gt[0] - source_gt[0]) / source_gt[1]), round((tif_gt[3] - source_gt[3]) / source_gt[5])


def overlap(source: np.ndarray, source_gt: tuple, tif: np.ndarray, tif_gt: tuple, fill) -> np.ndarray:
    """The source (bands, y, x) re-cut onto the streamed file's grid, ``fill`` outside the source."""
    col, row = offset_in(source_gt, tif_gt)
    out = np.full(tif.shape, fill, dtype=source.dtype)
    _, h, w = tif.shape
    _, sh, sw = source.shape
    r0, c0 = max(row, 0), max(col, 0)
    r1, c1 = min(row + h, sh), min(col + w, sw)
    if r0 < r1 and c0 < c1:
        out[:, r0 - row:r1 - row, c0 - col:c1 - col] = source[:, r0:r1, c0:c1]
    return out
