"""What "Save result as dataset" stored, read back over plain HTTP and compared with the NDVI TIFFs (GDAL).

No plugin code is used here: the saved dataset is read through a ``GdalSource`` workflow registered with
``requests`` and fetched as a WCS GeoTIFF, one request per month; the expected pixels are the source file's
window read with GDAL. A month outside the saved span must come back without a single valid pixel.
"""

from __future__ import annotations

import uuid

import numpy as np
import requests
from layer_support import NDVI_TIFF
from osgeo import gdal

RES = 0.1  # the NDVI files' pixel size (degrees)


def _headers(base_url: str, email: str, password: str) -> dict:
    token = requests.post(f"{base_url}/login", json={"email": email, "password": password}, timeout=10).json()
    return {"Authorization": f"Bearer {token['id']}"}


def source_window(month: str, bounds) -> np.ndarray:
    """The NDVI file of ``2014-MM-01`` inside ``bounds`` (xmin, ymin, xmax, ymax) at its own resolution."""
    dataset = gdal.Open(NDVI_TIFF.format(month))
    x0, dx, _, y0, _, dy = dataset.GetGeoTransform()
    col0, col1 = round((bounds[0] - x0) / dx), round((bounds[2] - x0) / dx)
    row0, row1 = round((bounds[3] - y0) / dy), round((bounds[1] - y0) / dy)
    band = dataset.GetRasterBand(1)
    return band.ReadAsArray(col0, row0, col1 - col0, row1 - row0)


def saved_window(base_url: str, headers: dict, dataset: str, bounds, month: str) -> np.ndarray:
    """The saved dataset inside ``bounds`` at mid-``month``, as a WCS GeoTIFF read with GDAL."""
    workflow = {"type": "Raster", "operator": {"type": "GdalSource", "params": {"data": dataset}}}
    registered = requests.post(f"{base_url}/workflow", json=workflow, headers=headers, timeout=30)
    registered.raise_for_status()
    workflow_id = registered.json()["id"]
    xmin, ymin, xmax, ymax = bounds
    params = {"service": "WCS", "version": "1.1.1", "request": "GetCoverage", "identifier": workflow_id,
              "boundingbox": f"{ymin},{xmin},{ymax},{xmax}", "timesequence": f"{month}T12:00:00.000Z",
              "format": "image/tiff", "crs": "urn:ogc:def:crs:EPSG::4326", "resx": str(-RES), "resy": str(RES)}
    response = requests.get(f"{base_url}/wcs/{workflow_id}", params=params, headers=headers, timeout=60)
    response.raise_for_status()
    path = f"/vsimem/saved-{uuid.uuid4().hex}.tif"
    gdal.FileFromMemBuffer(path, response.content)
    try:
        saved = gdal.Open(path)  # keep the dataset alive while its band is read
        band = saved.GetRasterBand(1)
        values, nodata = band.ReadAsArray(), band.GetNoDataValue()
        saved = None
    finally:
        gdal.Unlink(path)
    return np.where(values == nodata, 0, values) if nodata is not None else values


def assert_saved_like_the_source(base_url: str, dataset: str, bounds, months, outside: str,
                                 email: str = "admin@localhost", password: str = "adminadmin") -> None:
    """Every month in ``months`` equals the source file over ``bounds``; the month ``outside`` holds no data."""
    headers = _headers(base_url, email, password)
    for month in months:
        got, expected = saved_window(base_url, headers, dataset, bounds, month), source_window(month, bounds)
        assert got.shape == expected.shape, (month, got.shape, expected.shape)
        assert np.count_nonzero(expected) > 0.5 * expected.size, month  # a window that can show a loss
        assert np.array_equal(got, expected), (month, int(np.count_nonzero(got != expected)))
    assert not np.any(saved_window(base_url, headers, dataset, bounds, outside)), f"{outside} was not saved"
