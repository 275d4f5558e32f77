"""core.geotiff_writer's creation options and overview levels against hand-worked values (GDAL's GTiff options:
https://gdal.org/drivers/raster/gtiff.html; BigTIFF above 3.9 GB uncompressed, predictor 2 for integers and 3 for
floating point)."""

from __future__ import annotations

import numpy as np
import pytest
from geoengine_qgis.core import geotiff_writer as gw
from osgeo import gdal

BASE = ["TILED=YES", "BLOCKXSIZE=512", "BLOCKYSIZE=512", "INTERLEAVE=BAND", "SPARSE_OK=TRUE"]


@pytest.mark.parametrize("codec, extra", [
    ("NONE", []),
    ("ZSTD", ["COMPRESS=ZSTD", "ZSTD_LEVEL=1"]),
    ("zstd_predictor", ["COMPRESS=ZSTD", "ZSTD_LEVEL=1", "PREDICTOR=2"]),
    ("DEFLATE", ["COMPRESS=DEFLATE", "ZLEVEL=1", "PREDICTOR=2", "NUM_THREADS=ALL_CPUS"]),
    ("DEFLATE_1", ["COMPRESS=DEFLATE", "ZLEVEL=1", "PREDICTOR=2"]),
    ("LZW", ["COMPRESS=LZW", "PREDICTOR=2", "NUM_THREADS=ALL_CPUS"]),
])
def test_codec_options(codec, extra):
    assert gw.creation_options(np.uint16, 10, 10, 1, codec) == BASE + ["BIGTIFF=NO"] + extra


def test_float_predictor_bigtiff_threshold_and_unknown_codecs():
    assert gw.creation_options(np.float32, 1, 1, 1, "LZW")[-2] == "PREDICTOR=3"
    # 3 900 000 000 bytes exactly stay classic TIFF; one more byte needs BigTIFF
    assert "BIGTIFF=NO" in gw.creation_options(np.uint8, 3_900_000_000, 1, 1, "NONE")
    assert "BIGTIFF=YES" in gw.creation_options(np.uint8, 3_900_000_001, 1, 1, "NONE")
    assert "BIGTIFF=YES" in gw.creation_options(np.uint16, 1_950_000_001, 1, 1, "NONE")  # 2 bytes a pixel
    assert gw.creation_options(np.uint8, 4, 4, 1, "NONE", block=256)[1:3] == ["BLOCKXSIZE=256", "BLOCKYSIZE=256"]
    with pytest.raises(ValueError, match="unknown GeoTIFF codec 'JPEG'"):
        gw.creation_options(np.uint8, 1, 1, 1, "JPEG")


def test_signed_bytes_need_the_old_pixel_type_only_without_gdal_int8():
    options = gw.creation_options(np.int8, 1, 1, 1, "NONE")
    assert ("PIXELTYPE=SIGNEDBYTE" in options) == (not hasattr(gdal, "GDT_Int8"))
    assert "PIXELTYPE=SIGNEDBYTE" not in gw.creation_options(np.uint8, 1, 1, 1, "NONE")


@pytest.mark.parametrize("width, height, factors", [
    (4096, 4096, []),  # not above 4096 px: no overviews
    (4097, 100, [2, 4, 8, 16, 32]),  # 4097 / 16 = 256.06 -> 257 px > 256; / 32 -> 129 px
    (8192, 8192, [2, 4, 8, 16, 32]),  # 8192 / 32 = 256: the last level
    (200_000, 10, [2, 4, 8, 16, 32, 64, 128, 256, 512]),  # stops at the tile size
])
def test_overview_levels(width, height, factors):
    assert gw.overview_factors(width, height) == factors
    assert gw.overview_factors(height, width) == factors
