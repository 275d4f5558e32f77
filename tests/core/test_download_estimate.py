"""The download estimate equals what the server then streams: tile messages, pixels and bytes.

Expected sizes come from live streams (tiles counted, pixel bytes summed) and the data files' data types (GDAL).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from osgeo import gdal

sys.path.insert(0, str(Path(__file__).parent))
from geoengine_qgis.core.download_estimate import estimate_download, format_bytes  # noqa: E402
from geoengine_qgis.core.raster_stream import raster_stream  # noqa: E402
from geoengine_qgis.core.types import RasterQueryRectangle  # noqa: E402
from stream_helpers import NDVI, NDVI_DIR, NE2, PORTS, ne_rgb, workflow  # noqa: E402


def _file_pixel_bytes(path: Path) -> int:
    dataset = gdal.Open(str(path))
    return gdal.GetDataTypeSize(dataset.GetRasterBand(1).DataType) // 8


def _streamed(wf, box, interval, bands) -> tuple[int, int, int]:
    """(messages, pixels, bytes) of a live raster stream."""
    messages = pixels = size = 0
    for tile in raster_stream(wf, RasterQueryRectangle(box, interval, bands)):
        messages += 1
        pixels += tile.data.size
        size += tile.data.size * tile.data.dtype.itemsize
    return messages, pixels, size


@pytest.mark.timeout(120)
@pytest.mark.parametrize("definition, box, interval, bands, data_file", [
    (NDVI, (-10.0, 30.0, 60.0, 60.0), ("2014-03-01T00:00:00Z", "2014-05-01T00:00:00Z"), [0],
     NDVI_DIR / "MOD13A2_M_NDVI_2014-03-01.TIFF"),
    (NDVI, (5.0, 45.0, 5.1, 45.1), "2014-04-15T12:00:00Z", [0], NDVI_DIR / "MOD13A2_M_NDVI_2014-04-01.TIFF"),
    (None, (-30.0, -20.0, 40.0, 35.0), "2014-01-01T00:00:00Z", [0, 2], NE2),
])
def test_estimate_equals_the_live_stream(base_url, definition, box, interval, bands, data_file) -> None:
    wf = workflow(base_url, definition or ne_rgb())
    estimate = estimate_download(wf.get_result_descriptor(), box, interval, bands)
    messages, pixels, size = _streamed(wf, box, interval, bands)
    assert estimate.messages == messages
    assert estimate.pixels == pixels
    assert estimate.bytes == size
    assert estimate.bytes_per_pixel == _file_pixel_bytes(data_file)
    assert estimate.bands == len(bands)
    assert estimate.slices_exact == (definition is NDVI)  # the RGB stack is static: irregular time


def test_every_band_by_default_and_slices_multiply(base_url) -> None:
    descriptor = workflow(base_url, ne_rgb()).get_result_descriptor()
    box = (0.0, 0.0, 10.0, 10.0)
    one = estimate_download(descriptor, box, "2014-01-01T00:00:00Z", [1])
    every = estimate_download(descriptor, box, "2014-01-01T00:00:00Z")
    assert every.bands == gdal.Open(str(NE2)).RasterCount == 3
    assert every.bytes == 3 * one.bytes
    ndvi = workflow(base_url, NDVI).get_result_descriptor()
    months = estimate_download(ndvi, box, ("2014-01-01T00:00:00Z", "2014-07-01T00:00:00Z"))
    month = estimate_download(ndvi, box, "2014-01-01T00:00:00Z")
    assert months.slices == 6 and months.bytes == 6 * month.bytes


def test_coarser_target_resolution_shrinks_the_grid(base_url) -> None:
    descriptor = workflow(base_url, NDVI).get_result_descriptor()
    native_px = abs(gdal.Open(str(NDVI_DIR / "MOD13A2_M_NDVI_2014-04-01.TIFF")).GetGeoTransform()[1])
    box = (-180.0, -90.0, 180.0, 90.0)
    native = estimate_download(descriptor, box, "2014-04-01T00:00:00Z")
    coarse = estimate_download(descriptor, box, "2014-04-01T00:00:00Z", resolution=native_px * 8)
    assert native.pixel_size == pytest.approx((native_px, native_px))
    assert coarse.pixel_size == pytest.approx((native_px * 8, native_px * 8))
    # the tile mosaic covers the box, with less than one tile of overhang on each side
    for est in (native, coarse):
        assert est.columns * est.pixel_size[0] >= 360 - 1e-6
        assert (est.columns - 2 * 512) * est.pixel_size[0] < 360
    assert coarse.bytes <= native.bytes / 8  # 64x fewer pixels, rounded up to whole tiles


def test_no_overlap_is_empty_and_vectors_are_unknown(base_url) -> None:
    ndvi = workflow(base_url, NDVI).get_result_descriptor()
    outside = estimate_download(ndvi, (200.0, 100.0, 210.0, 110.0), "2014-04-01T00:00:00Z")
    assert outside.bytes == 0 and outside.tiles == 0
    ports = estimate_download(workflow(base_url, PORTS).get_result_descriptor(), (0, 0, 1, 1), "2014-04-01T00:00:00Z")
    assert not ports.known and ports.bytes is None
    assert "feature count" in ports.describe()


def test_format_bytes() -> None:
    assert format_bytes(512) == "512 B"
    assert format_bytes(1536) == "1.5 KB"
    assert format_bytes(3 * 1024**3) == "3.0 GB"
