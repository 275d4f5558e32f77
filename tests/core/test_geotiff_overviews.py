"""Streamed GeoTIFFs above 4096 px on a side get internal overviews while they are written; smaller ones none."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
from osgeo import gdal

sys.path.insert(0, str(Path(__file__).resolve().parent))
from geoengine_qgis.core.geotiff_writer import stream_raster_to_geotiff  # noqa: E402
from geoengine_qgis.core.types import QueryRectangle  # noqa: E402
from stream_helpers import SYNTHETIC, workflow  # noqa: E402

pytestmark = pytest.mark.timeout(180)
PIXEL = 0.0018


def window(pixels: int) -> QueryRectangle:
    """``pixels`` x ``pixels`` synthetic pixels from (0, 0) south-east: exactly whole 512 px tiles when a multiple."""
    return QueryRectangle((0.0, -pixels * PIXEL, pixels * PIXEL, 0.0), "2014-01-01T00:00:00Z")


def closed_form(row0: int, col0: int, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    return ((col0 + cols)[None, :] * 7 + (row0 + rows)[:, None] * 13) % 65521


def test_a_large_file_has_every_overview_level_holding_the_nearest_native_pixels(base_url, tmp_path):
    (path,) = stream_raster_to_geotiff(workflow(base_url, SYNTHETIC), window(5120), tmp_path)
    dataset = gdal.Open(str(path))
    band = dataset.GetRasterBand(1)
    assert (dataset.RasterXSize, dataset.RasterYSize) == (5120, 5120)
    sizes = [(band.GetOverview(i).XSize, band.GetOverview(i).YSize) for i in range(band.GetOverviewCount())]
    assert sizes == [(2560, 2560), (1280, 1280), (640, 640), (320, 320), (160, 160)]  # down to <= 256 px
    assert not path.with_name(path.name + ".ovr").exists()  # internal, travels with the file
    gt = dataset.GetGeoTransform()
    col0, row0 = round((gt[0] + 180) / PIXEL), round((90 - gt[3]) / PIXEL)
    for i, (width, height) in enumerate(sizes):
        factor = 5120 // width
        got = band.GetOverview(i).ReadAsArray()
        want = closed_form(row0, col0, np.arange(height) * factor, np.arange(width) * factor)
        np.testing.assert_array_equal(got, want)


def test_a_file_up_to_4096_px_has_no_overviews(base_url, tmp_path):
    (path,) = stream_raster_to_geotiff(workflow(base_url, SYNTHETIC), window(4096), tmp_path)
    dataset = gdal.Open(str(path))
    assert dataset.RasterXSize == 4096 and dataset.GetRasterBand(1).GetOverviewCount() == 0
