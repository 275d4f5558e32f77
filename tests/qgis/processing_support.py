"""Helpers of the Processing tests (tests/qgis/test_processing*.py): Processing started headless, the provider
registered through the plugin, saved connections, and reading GeoTIFFs back."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Optional

import numpy as np
import pytest
from osgeo import gdal
from plugin_support import NDVI_ID, basic_config  # noqa: F401 - NDVI_ID re-exported for the Processing tests

AFRICA_EXTENT = "-20,53,-36,38 [EPSG:4326]"  # xmin,xmax,ymin,ymax [crs], as Processing writes extents
HISTOGRAM = {"type": "Plot", "operator": {"type": "Histogram", "params": {
    "bounds": {"min": 0.0, "max": 255.0}, "buckets": {"type": "number", "value": 16}},
    "sources": {"source": {"type": "GdalSource", "params": {"data": "ndvi"}}}}}
STATISTICS = {"type": "Plot", "operator": {"type": "Statistics", "params": {},
                                           "sources": {"source": [{"type": "GdalSource", "params": {"data": "ndvi"}}]}}}


def start_processing():
    """``processing`` after ``Processing.initialize()`` (QGIS 3.22 headless: the plugin folder goes on sys.path)."""
    from qgis.core import QgsApplication

    plugins = str(Path(QgsApplication.pkgDataPath()) / "python" / "plugins")
    if plugins not in sys.path:
        sys.path.append(plugins)
    from processing.core.Processing import Processing

    Processing.initialize()
    import processing

    return processing


def read_tiff(path) -> tuple:
    """(array of band 1, geotransform, no-data value, band count) of a raster file."""
    dataset = gdal.Open(str(path))
    assert dataset is not None, f"GDAL cannot open {path}"
    band = dataset.GetRasterBand(1)
    return band.ReadAsArray(), dataset.GetGeoTransform(), band.GetNoDataValue(), dataset.RasterCount


def source_value(month: str, x: float, y: float, data_dir) -> int:
    """The NDVI source TIFF's value at (x, y) in EPSG:4326."""
    dataset = gdal.Open(str(Path(data_dir) / f"raster/modis_ndvi/MOD13A2_M_NDVI_{month}.TIFF"))
    x0, dx, _, y0, _, dy = dataset.GetGeoTransform()
    col, row = int((x - x0) / dx), int((y - y0) / dy)
    return int(dataset.GetRasterBand(1).ReadAsArray(col, row, 1, 1)[0, 0])


def pixel(array: np.ndarray, transform: tuple, x: float, y: float):
    x0, dx, _, y0, _, dy = transform
    return array[int((y - y0) / dy), int((x - x0) / dx)]


def save_anonymous_connection(name: str, url: str) -> None:
    from geoengine_qgis.qgis_glue.connections import ANONYMOUS, Connection

    _replace_connection(Connection(name, url, ANONYMOUS))


def save_password_connection(name: str, url: str, email: str, password: str) -> str:
    """A connection whose email/password sit in the Auth Manager (Basic config); returns the config id."""
    from geoengine_qgis.qgis_glue.connections import PASSWORD, Connection

    authcfg = basic_config(email, password, f"Processing test {name}")
    _replace_connection(Connection(name, url, PASSWORD, authcfg))
    return authcfg


def _replace_connection(connection) -> None:
    """Save ``connection`` in the default settings root, replacing a saved one of the same name."""
    from geoengine_qgis.qgis_glue.connections import ConnectionStore

    store = ConnectionStore()
    if connection.name in store.names():
        store.delete(connection.name)
    store.save(connection)


class Stopwatch:
    def __init__(self) -> None:
        self.start = time.monotonic()

    def elapsed(self) -> float:
        return time.monotonic() - self.start


def no_files_under(folder: Path, suffix: Optional[str] = None) -> bool:
    return not [p for p in Path(folder).rglob(f"*{suffix or ''}") if p.is_file()]


def assert_equals_the_ndvi_file(path, month: str = "2014-04-01") -> int:
    """The raster at ``path`` (0.1 degree NDVI grid) equals the month's NDVI file where they overlap, pixel for
    pixel; returns the number of valid pixels compared."""
    from geoengine_server.config import default_data_dir

    array, transform, _, _ = read_tiff(path)
    source, source_transform, _, _ = read_tiff(default_data_dir() / f"raster/modis_ndvi/MOD13A2_M_NDVI_{month}.TIFF")
    assert transform[1] == pytest.approx(source_transform[1]) and transform[5] == pytest.approx(source_transform[5])
    col0 = round((transform[0] - source_transform[0]) / source_transform[1])
    row0 = round((transform[3] - source_transform[3]) / source_transform[5])
    rows = slice(max(row0, 0), min(row0 + array.shape[0], source.shape[0]))
    cols = slice(max(col0, 0), min(col0 + array.shape[1], source.shape[1]))
    window = source[rows, cols]
    mine = array[rows.start - row0:rows.stop - row0, cols.start - col0:cols.stop - col0]
    assert window.size > 0 and np.array_equal(mine, window)
    return int(np.count_nonzero(window))
