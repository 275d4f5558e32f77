"""Helpers for the data-plane tests (WMS, WFS, WCS, plots, streams): reference pixels from the files."""

from __future__ import annotations

import io
import json
from functools import lru_cache
from typing import Iterator

import numpy as np
from geoengine_server.config import default_data_dir
from osgeo import gdal, ogr
from PIL import Image
from server.control_helpers import NDVI, NDVI_FILE, PORTS, anonymous, register  # noqa: F401  (re-exported)

gdal.UseExceptions()

DATA = default_data_dir()
NDVI_APRIL = DATA / NDVI_FILE.format("2014-04-01")
NE2 = DATA / "raster/natural_earth_2/NE2_150M_SR_W.tif"
PORTS_SHP = DATA / "vector/data/ne_10m_ports/ne_10m_ports.shp"
APRIL = "2014-04-01T00:00:00.000Z"
NE_RGB = {
    "type": "Raster",
    "operator": {
        "type": "RasterStacker",
        "params": {"renameBands": {"type": "rename", "values": ["blue", "green", "red"]}},
        "sources": {
            "rasters": [
                {"type": "GdalSource", "params": {"data": "ne2_raster_blue"}},
                {"type": "GdalSource", "params": {"data": "ne2_raster_green"}},
                {"type": "GdalSource", "params": {"data": "ne2_raster_red"}},
            ]
        },
    },
}
SYNTHETIC = {"type": "Raster", "operator": {"type": "GdalSource", "params": {"data": "synthetic_u16"}}}
TIMEOUT = 30


def session_ctx(server, **workflows: dict) -> dict:
    """A module's test context: ``base`` URL, ``headers`` of a fresh anonymous session and, per keyword,
    the id of that workflow registered in the session."""
    base = server.base_url
    headers = anonymous(base)
    return {"base": base, "headers": headers, **{name: register(base, headers, w) for name, w in workflows.items()}}


@lru_cache(maxsize=8)
def raster(path, band: int = 1) -> np.ndarray:
    """A whole band of a test file (read once per run)."""
    dataset = gdal.Open(str(path))  # keep the dataset alive while its band is read
    return dataset.GetRasterBand(band).ReadAsArray()


def pixel_of(lon: float, lat: float) -> tuple[int, int]:
    """(row, col) of the 0.1 degree world grid (-180, 90 upper-left) that holds the coordinate."""
    return int(np.floor((90.0 - lat) / 0.1)), int(np.floor((lon + 180.0) / 0.1))


def png(content: bytes) -> np.ndarray:
    assert content[:8] == b"\x89PNG\r\n\x1a\n", content[:200]
    image = Image.open(io.BytesIO(content))
    assert image.mode == "RGBA"
    return np.asarray(image)


def stored_colorizer(dataset_file: str) -> dict:
    """The ``rasterColorizer`` of a dataset definition's symbology."""
    definition = json.loads((DATA / "dataset_defs" / dataset_file).read_text())
    return definition["properties"]["symbology"]["rasterColorizer"]


def custom_style(colorizer: dict) -> str:
    return "custom:" + json.dumps(colorizer)


def _ogr_ports_in(xmin, ymin, xmax, ymax) -> Iterator[tuple[float, float, ogr.Feature]]:
    """``(x, y, feature)`` of each of the shapefile's ports in the box (edges included)."""
    source = ogr.Open(str(PORTS_SHP))  # keep the data source alive while its layer is read
    for feature in source.GetLayer():
        point = feature.GetGeometryRef()
        x, y = point.GetX(), point.GetY()
        if xmin <= x <= xmax and ymin <= y <= ymax:
            yield x, y, feature


def ogr_ports(xmin, ymin, xmax, ymax) -> dict:
    """(lon, lat) rounded to 6 places -> attributes, of the shapefile's ports in the box (edges included)."""
    return {(round(x, 6), round(y, 6)): feature.items() for x, y, feature in _ogr_ports_in(xmin, ymin, xmax, ymax)}


def ogr_port_count(xmin, ymin, xmax, ymax) -> int:
    """How many of the shapefile's ports lie in the box (edges included; duplicates counted)."""
    return sum(1 for _ in _ogr_ports_in(xmin, ymin, xmax, ymax))
