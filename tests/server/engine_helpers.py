"""Shared inputs of the engine tests: the catalog, NDVI files read directly with GDAL, times."""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from geoengine_server.catalog import Catalog
from geoengine_server.engine import initialize
from geoengine_server.engine.types import TimeInterval
from geoengine_server.timeutil import parse_instant
from server.control_helpers import NDVI  # noqa: F401  (re-exported)
from server.dataplane_helpers import DATA, NDVI_FILE, NE2, PORTS_SHP, pixel_of, raster  # noqa: F401  (NE2, PORTS_SHP re-exported)

NDVI_PATH = DATA / NDVI_FILE  # with ``{}`` for the date, ``2014-04-01``
GERMANY_GPKG = DATA / "vector" / "data" / "germany_polygon.gpkg"
PORTS = {"type": "OgrSource", "params": {"data": "ne_10m_ports", "attributeProjection": None}}


@lru_cache(maxsize=1)
def catalog() -> Catalog:
    return Catalog.load(DATA)


def build(workflow: dict):
    return initialize(workflow, catalog())


def instant(text: str) -> TimeInterval:
    t = parse_instant(text)
    return TimeInterval(t, t)


def vector(op: dict) -> dict:
    """A Vector workflow around ``op``."""
    return {"type": "Vector", "operator": op}


def plot(op: dict) -> dict:
    """A Plot workflow around ``op``."""
    return {"type": "Plot", "operator": op}


def interval(start: str, end: str) -> TimeInterval:
    return TimeInterval(parse_instant(start), parse_instant(end))


def ndvi_file(month: str) -> np.ndarray:
    """The whole NDVI TIFF of ``2014-MM-01`` read directly with GDAL."""
    return raster(DATA / NDVI_FILE.format(f"2014-{month}-01"))


def ndvi_pixel(x: float, y: float) -> tuple[int, int]:
    """(col, row) of the NDVI pixel containing lon/lat ``x, y``."""
    row, col = pixel_of(x, y)
    return col, row
