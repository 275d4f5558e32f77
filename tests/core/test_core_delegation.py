"""Workflow's stream methods delegate to the streaming modules; optional packages missing give clear errors.

A missing package is simulated by putting ``None`` into ``sys.modules`` (Python then raises ImportError on
import), the way an interpreter without it behaves; the server is real.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
from osgeo import gdal, ogr

sys.path.insert(0, str(Path(__file__).parent))
from client_helpers import NDVI_FILE, PORTS_SHP  # noqa: E402
from geoengine_qgis.core.errors import (  # noqa: E402
    InputError,
    MethodNotCalledOnRasterException,
    MethodNotCalledOnVectorException,
    MissingDependencyError,
)
from geoengine_qgis.core.quota import DataUsage, data_usage  # noqa: E402
from geoengine_qgis.core.raster import merge_time_series  # noqa: E402
from geoengine_qgis.core.session import Session  # noqa: E402
from geoengine_qgis.core.types import QueryRectangle, RasterQueryRectangle  # noqa: E402

APRIL = "2014-04-01T12:00:00Z"


@pytest.fixture(scope="module")
def client(shared_server):
    return Session(shared_server.base_url, credentials=("admin@localhost", "adminadmin"))


def test_raster_stream_through_the_workflow(ndvi):
    query = QueryRectangle((0.0, 40.0, 20.0, 50.0), APRIL)
    tiles = list(ndvi.raster_stream(query))
    assert tiles and all(tile.band == 0 for tile in tiles)
    merged = merge_time_series(tiles)
    assert len(merged) == 1
    gt = merged[0].geo_transform
    col, row = round((0.0 - gt.x_min) / gt.x_pixel_size), round((50.0 - gt.y_max) / gt.y_pixel_size)
    window = merged[0].data[0, row:row + 100, col:col + 200].filled(0)
    source = gdal.Open(str(NDVI_FILE).format("2014-04-01"))
    assert np.array_equal(window, source.GetRasterBand(1).ReadAsArray(1800, 400, 200, 100))
    with pytest.raises(InputError) as info:
        ndvi.raster_stream(RasterQueryRectangle((0, 40, 20, 50), APRIL, [3]))
    assert info.value.field == "raster_bands"


def test_raster_stream_into_xarray_has_time_band_y_x(ndvi):
    array = ndvi.raster_stream_into_xarray(QueryRectangle((0.0, 40.0, 20.0, 50.0), APRIL))  # xarray: a dev requirement
    assert array.dims == ("time", "band", "y", "x") and array.shape[:2] == (1, 1)


def test_raster_stream_into_xarray_without_xarray_asks_nothing(ndvi, faults, monkeypatch):
    monkeypatch.setitem(sys.modules, "xarray", None)
    faults.http_500_remaining = 1
    with pytest.raises(MissingDependencyError, match="pip install xarray"):
        ndvi.raster_stream_into_xarray(QueryRectangle((0.0, 40.0, 20.0, 50.0), APRIL))
    assert faults.http_500_remaining == 1  # refused before any request


def test_vector_stream_through_the_workflow(ports):
    bbox = (-10.5, 35.3, 30.7, 60.1)
    frame = ports.vector_stream_into_geopandas(QueryRectangle(bbox, APRIL))
    dataset = ogr.Open(str(PORTS_SHP))
    layer = dataset.GetLayer()
    layer.SetSpatialFilterRect(*bbox)
    assert len(frame) == layer.GetFeatureCount() > 0
    assert {"time_start", "time_end", "name"} <= set(frame.columns)
    batches = list(ports.vector_stream(QueryRectangle(bbox, APRIL)))
    assert sum(len(b) for b in batches) == len(frame)


def test_stream_type_guards(ndvi, ports):
    query = QueryRectangle((0.0, 40.0, 20.0, 50.0), APRIL)
    with pytest.raises(MethodNotCalledOnRasterException):
        ports.raster_stream_into_xarray(query)
    with pytest.raises(MethodNotCalledOnVectorException):
        ndvi.vector_stream_into_geopandas(query)


def test_get_dataframe_without_geopandas(ports, faults, monkeypatch):
    monkeypatch.setitem(sys.modules, "geopandas", None)
    faults.http_500_remaining = 1
    with pytest.raises(MissingDependencyError) as info:
        ports.get_dataframe(QueryRectangle((-10.5, 35.3, 30.7, 60.1), APRIL))
    assert "pip install geopandas" in str(info.value) and isinstance(info.value, ImportError)
    assert faults.http_500_remaining == 1  # refused before any request
    faults.http_500_remaining = 0
    assert ports.get_geojson(QueryRectangle((-10.5, 35.3, 30.7, 60.1), "2014-04-01T12:00:00Z"))["features"]


def test_get_xarray_without_xarray(ndvi, faults, monkeypatch):
    monkeypatch.setitem(sys.modules, "xarray", None)
    faults.http_500_remaining = 1
    with pytest.raises(MissingDependencyError, match="pip install xarray"):
        ndvi.get_xarray(QueryRectangle((0.0, 40.0, 20.0, 50.0), APRIL))
    assert faults.http_500_remaining == 1


def test_data_usage_without_pandas_is_a_list(client, monkeypatch):
    monkeypatch.setitem(sys.modules, "pandas", None)
    rows = data_usage(session=client)
    assert isinstance(rows, list) and all(isinstance(r, DataUsage) for r in rows)
    with pytest.raises(MissingDependencyError, match="pandas"):
        data_usage(session=client, as_dataframe=True)


BLOCKED_IMPORTS = r"""
import sys

class Block:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("pyarrow", "websockets"):
            raise ImportError(f"No module named {name!r}", name=name)
        return None

sys.meta_path.insert(0, Block())
import geoengine_qgis.core as core
from geoengine_qgis.core.errors import MissingDependencyError

session = core.Session(sys.argv[1])
ndvi = core.register_workflow({"type": "Raster", "operator": {"type": "GdalSource", "params": {"data": "ndvi"}}},
                              session=session)
query = core.QueryRectangle((0.0, 40.0, 20.0, 50.0), "2014-04-01T12:00:00Z")
print("array", ndvi.get_array(query).shape)
try:
    ndvi.raster_stream(query)
except MissingDependencyError as exc:
    print("stream", exc)
print("loaded", sorted(m for m in sys.modules if m.startswith(("pyarrow", "websockets"))))
"""


def test_core_works_without_pyarrow_and_websockets(base_url):
    import subprocess

    package_parent = str(Path(sys.modules["geoengine_qgis"].__path__[0]).parent)  # the conftest symlink's folder
    result = subprocess.run([sys.executable, "-c", BLOCKED_IMPORTS, base_url], capture_output=True, text=True,
                            timeout=120, env={"PYTHONPATH": package_parent, "PATH": "/usr/bin:/bin"})
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert "array (100, 200)" in lines
    assert any(line.startswith("stream ") and "pip install pyarrow" in line for line in lines), lines
    assert "loaded []" in lines
