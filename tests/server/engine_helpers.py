"""Shared inputs of the engine tests: the catalog, NDVI files read directly with GDAL, times."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np
from geoengine_server.catalog import Catalog
from geoengine_server.config import default_data_dir
from geoengine_server.engine import initialize
from geoengine_server.engine.types import TimeInterval
from geoengine_server.timeutil import parse_instant
from osgeo import gdal

DATA = Path(default_data_dir())
NDVI_FILE = DATA / "raster" / "modis_ndvi" / "MOD13A2_M_NDVI_{}.TIFF"
NE2_FILE = DATA / "raster" / "natural_earth_2" / "NE2_150M_SR_W.tif"
PORTS_SHP = DATA / "vector" / "data" / "ne_10m_ports" / "ne_10m_ports.shp"
GERMANY_GPKG = DATA / "vector" / "data" / "germany_polygon.gpkg"
NDVI = {"type": "Raster", "operator": {"type": "GdalSource", "params": {"data": "ndvi"}}}
PORTS = {"type": "OgrSource", "params": {"data": "ne_10m_ports", "attributeProjection": None}}


@lru_cache(maxsize=1)
def catalog() -> Catalog:
    return Catalog.load(DATA)


def build(workflow: dict):
    return initialize(workflow, catalog())


def instant(text: str) -> TimeInterval:
    t = parse_instant(text)
    return TimeInterval(t, t)


def interval(start: str, end: str) -> TimeInterval:
    return TimeInterval(parse_instant(start), parse_instant(end))


@lru_cache(maxsize=8)
def ndvi_file(month: str) -> np.ndarray:
    """The whole NDVI TIFF of ``2014-MM-01`` read directly with GDAL."""
    ds = gdal.Open(str(NDVI_FILE).format(f"2014-{month}-01"))
    return ds.GetRasterBand(1).ReadAsArray()


def ndvi_pixel(x: float, y: float) -> tuple[int, int]:
    """(col, row) of the NDVI pixel containing lon/lat ``x, y``."""
    return int(np.floor((x + 180.0) / 0.1)), int(np.floor((90.0 - y) / 0.1))
