"""Streaming rasters into GeoTIFFs: content equals the sources, layout, no-data, failures leave no files."""

from __future__ import annotations

import sys
import threading
from pathlib import Path

import numpy as np
import pytest
from osgeo import osr

sys.path.insert(0, str(Path(__file__).parent))
from geoengine_qgis.core.errors import MalformedResponseError, StreamClosedError  # noqa: E402
from geoengine_qgis.core.geotiff_writer import stream_raster_to_geotiff  # noqa: E402
from geoengine_qgis.core.streaming import StreamCancelledError  # noqa: E402
from geoengine_qgis.core.types import QueryRectangle, RasterQueryRectangle  # noqa: E402
from stream_helpers import (  # noqa: E402
    NDVI,
    NE2,
    SYNTHETIC,
    ndvi_file,
    ne_band_of,
    ne_rgb,
    overlap,
    read_file,
    read_tif,
    workflow,
)

pytestmark = pytest.mark.timeout(180)

WGS84 = osr.SpatialReference()
WGS84.ImportFromEPSG(4326)


def test_ndvi_months_become_one_file_each_equal_to_the_source(base_url, tmp_path) -> None:
    ndvi = workflow(base_url, NDVI)
    query = QueryRectangle((-20.0, -40.0, 50.0, 40.0), ("2014-02-01T00:00:00Z", "2014-05-01T00:00:00Z"))
    calls = []
    paths = stream_raster_to_geotiff(ndvi, query, tmp_path, progress=lambda d, e: calls.append((d, e)))
    assert [p.name for p in paths] == [f"{ndvi.workflow_id}_20140{m}01T000000Z.tif" for m in (2, 3, 4)]
    assert calls[-1][0] == calls[-1][1] == len(calls)  # every tile reported, expectation exact
    for month, path in zip((2, 3, 4), paths):
        tif = read_tif(path)
        source, source_gt = read_file(ndvi_file(month))
        # the file is the query snapped to 51.2 degree tiles: x -51.2..51.2, y -51.2..51.2
        assert tif.geo_transform == pytest.approx((-51.2, 0.1, 0.0, 51.2, 0.0, -0.1))
        assert tif.array.shape == (1, 1024, 1024)
        assert tif.srs.IsSame(WGS84)
        assert tif.no_data == [0.0]
        assert tif.block == (512, 512) and tif.compression == "ZSTD"  # the measured temporary codec
        assert tif.metadata["time_start"].startswith(f"2014-0{month}-01T00:00:00")
        np.testing.assert_array_equal(tif.array, overlap(source, source_gt, tif.array, tif.geo_transform, 0))
    assert not list(tmp_path.glob("*.aux.xml"))


def test_natural_earth_rgb_bands_equal_the_file_bands(base_url, tmp_path) -> None:
    rgb = workflow(base_url, ne_rgb())
    query = RasterQueryRectangle((-180.0, -90.0, 180.0, 90.0), "2014-01-01T00:00:00Z", [0, 1, 2])
    (path,) = stream_raster_to_geotiff(rgb, query, tmp_path, stem="rgb")
    tif = read_tif(path)
    assert path.name.startswith("rgb_")
    assert tif.array.shape == (3, 2048, 4096)  # 8 x 4 tiles of 512 px
    source, source_gt = read_file(NE2)
    for index, dataset in enumerate(("ne2_raster_blue", "ne2_raster_green", "ne2_raster_red")):
        band = source[ne_band_of(dataset) - 1][None]
        np.testing.assert_array_equal(tif.array[index][None], overlap(band, source_gt, tif.array[:1],
                                                                      tif.geo_transform, 0))
    from osgeo import gdal

    dataset = gdal.Open(str(path))
    assert [dataset.GetRasterBand(i + 1).GetDescription() for i in range(3)] == ["blue", "green", "red"]


def test_synthetic_window_equals_the_closed_form(base_url, tmp_path) -> None:
    synthetic = workflow(base_url, SYNTHETIC)
    query = QueryRectangle((20.0, -5.0, 21.5, -4.0), "2014-01-01T00:00:00Z")
    (path,) = stream_raster_to_geotiff(synthetic, query, tmp_path)
    tif = read_tif(path)
    col0 = round((tif.geo_transform[0] + 180.0) / 0.0018)
    row0 = round((90.0 - tif.geo_transform[3]) / 0.0018)
    _, height, width = tif.array.shape
    assert (height % 512, width % 512) == (0, 0)
    rows, cols = np.mgrid[row0:row0 + height, col0:col0 + width]
    np.testing.assert_array_equal(tif.array[0], (cols * 7 + rows * 13) % 65521)
    assert tif.no_data == [65535.0]  # U16: the maximum, which the closed form (mod 65521) never reaches


def test_cancel_mid_stream_closes_quickly_and_leaves_no_files(base_url, faults, tmp_path) -> None:
    ndvi = workflow(base_url, NDVI)
    faults.slow_tile_s = 0.3
    flag = threading.Event()
    seen: list[int] = []

    def progress(done: int, expected: int) -> None:
        seen.append(done)
        if done == 3:
            flag.set()

    with pytest.raises(StreamCancelledError):
        stream_raster_to_geotiff(ndvi, QueryRectangle((-180.0, -90.0, 180.0, 90.0), "2014-04-01T00:00:00Z"),
                                 tmp_path, progress=progress, cancelled=flag.is_set)
    assert max(seen) <= 4, seen  # stopped at the cancel (one tile may be in flight), not after all 32 tiles
    assert list(tmp_path.iterdir()) == []


def test_stream_failure_removes_partial_files(base_url, faults, tmp_path) -> None:
    ndvi = workflow(base_url, NDVI)
    faults.stream_fail_after = 40  # the first month (32 tiles) is complete, the second is not
    with pytest.raises(StreamClosedError) as info:
        stream_raster_to_geotiff(ndvi, QueryRectangle((-180.0, -90.0, 180.0, 90.0),
                                                      ("2014-01-01T00:00:00Z", "2014-03-01T00:00:00Z")), tmp_path)
    assert info.value.code == 1011
    assert list(tmp_path.iterdir()) == []


def test_malformed_arrow_removes_files_and_names_the_problem(base_url, faults, tmp_path) -> None:
    ndvi = workflow(base_url, NDVI)
    faults.malformed_arrow = True
    with pytest.raises(MalformedResponseError, match="Arrow IPC"):
        stream_raster_to_geotiff(ndvi, QueryRectangle((0.0, 0.0, 1.0, 1.0), "2014-04-01T00:00:00Z"), tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_an_unwritable_target_is_an_os_error_not_a_hang(base_url) -> None:
    ndvi = workflow(base_url, NDVI)
    with pytest.raises(OSError, match=r"GDAL cannot create /proc/self/\S+\.tif"):  # names the file it could not make
        stream_raster_to_geotiff(ndvi, QueryRectangle((0.0, 0.0, 1.0, 1.0), "2014-04-01T00:00:00Z"), "/proc/self")


def test_workflow_methods_delegate_to_the_streaming_modules(base_url, tmp_path) -> None:
    from geoengine_qgis.core.errors import InputError

    ndvi = workflow(base_url, NDVI)
    paths = ndvi.stream_raster_to_geotiff(QueryRectangle((0.0, 0.0, 1.0, 1.0), "2014-04-01T00:00:00Z"), tmp_path,
                                          stem="april")
    assert [p.name for p in paths] == ["april_20140401T000000Z.tif"]
    with pytest.raises(InputError, match="vector"):
        ndvi.stream_vector_batches(QueryRectangle((0.0, 0.0, 1.0, 1.0), "2014-04-01T00:00:00Z"))
    from stream_helpers import PORTS

    ports = workflow(base_url, PORTS)
    batches = list(ports.stream_vector_batches(QueryRectangle((-180.0, -90.0, 180.0, 90.0), "2014-04-01T00:00:00Z")))
    assert sum(len(b) for b in batches) > 1000
