"""WCS requests beyond the tile limit: split into allowed parts and mosaicked seamlessly."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).parent))
from geoengine_qgis.core import ogc, wcs_mosaic  # noqa: E402
from geoengine_qgis.core.tiling import TilingGrid  # noqa: E402
from geoengine_qgis.core.types import GeoTransform, QueryRectangle, SpatialResolution  # noqa: E402
from geoengine_qgis.core.wcs_mosaic import fetch_coverage_mosaic, plan_parts  # noqa: E402
from stream_helpers import NDVI, SYNTHETIC, ndvi_file, read_file, workflow  # noqa: E402

pytestmark = pytest.mark.timeout(180)


@settings(max_examples=200, deadline=None)
@given(width=st.integers(1, 5000), height=st.integers(1, 5000), x=st.floats(-1e4, 1e4), y=st.floats(-1e4, 1e4),
       res=st.sampled_from([0.1, 0.05, 1.0, 30.0, 0.0018]), budget=st.integers(1, 9))
def test_parts_tile_the_output_and_respect_the_tile_budget(width, height, x, y, res, budget) -> None:
    resolution = SpatialResolution(res, res)
    parts = plan_parts(width, height, x, y, resolution, budget)
    covered = np.zeros((min(height, 64), min(width, 64)), dtype=np.int32)  # spot check of the corner
    area = 0
    for part in parts:
        assert 0 <= part.c0 < part.c1 <= width and 0 <= part.r0 < part.r1 <= height
        area += part.width * part.height
        covered[part.r0:min(part.r1, 64), part.c0:min(part.c1, 64)] += 1
        # the part's pixels, on the tiling grid's lattice, touch at most `budget` tiles (nominal pixel
        # positions: a real server may see float noise at a part's edge and refuse; the mosaic then splits)
        grid = TilingGrid.for_raster(GeoTransform(x, y, res, -res))
        sx, sy = round((x - grid.anchor_x) / res), round((grid.anchor_y - y) / res)
        columns = (sx + part.c1 - 1) // 512 - (sx + part.c0) // 512 + 1
        rows = (sy + part.r1 - 1) // 512 - (sy + part.r0) // 512 + 1
        assert columns * rows <= budget
    assert area == width * height and (covered == 1).all()


def _single(base_url_unlimited: str, definition: dict, query: QueryRectangle, resolution=None) -> ogc.GeoTiff:
    unlimited = workflow(base_url_unlimited, definition)
    return ogc.read_geotiff(ogc.wcs_get_coverage(unlimited.session, unlimited.workflow_id, query, resolution))


@pytest.mark.parametrize("fresh_server", [{"wcs_tile_limit": 10_000}], indirect=True)
@pytest.mark.parametrize("box, resolution", [
    ((-180.0, -90.0, 180.0, 90.0), None),  # native: 3600 x 1800 px, 8 parts
    ((-13.37, -40.1, 77.7, 33.3), 0.05),  # not on the native grid, parts cut inside source pixels
])
def test_mosaic_equals_one_unlimited_request(base_url, fresh_server, box, resolution, monkeypatch) -> None:
    ndvi = workflow(base_url, NDVI)
    query = QueryRectangle(box, "2014-04-01T00:00:00Z")
    calls = []
    original = ogc.wcs_get_coverage
    monkeypatch.setattr(ogc, "wcs_get_coverage", lambda *a, **k: calls.append(a[2]) or original(*a, **k))
    res = SpatialResolution.coerce(resolution)
    tiff = ogc.read_geotiff(fetch_coverage_mosaic(ndvi, query, res))
    monkeypatch.setattr(ogc, "wcs_get_coverage", original)
    reference = _single(fresh_server.base_url, NDVI, query, res)
    assert len(calls) > 1  # really split (and no part was refused: each call is one planned part)
    width, height = tiff.array.shape[1], tiff.array.shape[0]
    assert len(calls) == len(plan_parts(width, height, box[0], box[3], res or SpatialResolution(0.1, 0.1), 4))
    assert tiff.array.shape == reference.array.shape
    np.testing.assert_array_equal(tiff.array, reference.array)
    np.testing.assert_array_equal(tiff.mask, reference.mask)
    assert tiff.geo_transform.to_gdal() == pytest.approx(reference.geo_transform.to_gdal())


def test_workflow_get_array_uses_the_mosaic_and_equals_the_file(base_url) -> None:
    ndvi = workflow(base_url, NDVI)
    array = ndvi.get_array(QueryRectangle((-180.0, -90.0, 180.0, 90.0), "2014-04-01T00:00:00Z"))
    source, _ = read_file(ndvi_file(4))
    np.testing.assert_array_equal(array, source[0])


def test_interval_over_many_months_returns_the_first_month(base_url) -> None:
    ndvi = workflow(base_url, NDVI)
    query = QueryRectangle((-180.0, -90.0, 180.0, 90.0), ("2014-01-01T00:00:00Z", "2014-07-01T00:00:00Z"))
    tiff = ogc.read_geotiff(fetch_coverage_mosaic(ndvi, query, force_no_data_value=7.0))
    source, _ = read_file(ndvi_file(1))
    assert (source[0] == 0).sum() > 20000  # January's pixels without a value (the file's no-data, 0)
    np.testing.assert_array_equal(tiff.array, np.where(source[0] == 0, 7, source[0]))  # they carry the forced 7
    assert tiff.no_data_value == 7.0


def test_synthetic_window_with_a_forced_no_data_value(base_url) -> None:
    synthetic = workflow(base_url, SYNTHETIC)
    box = (10.0, 10.0, 13.0, 12.0)  # 1667 x 1112 px at 0.0018 degrees
    tiff = ogc.read_geotiff(fetch_coverage_mosaic(synthetic, QueryRectangle(box, "2014-01-01T00:00:00Z"),
                                                  force_no_data_value=65535.0))
    gt = tiff.geo_transform
    col0 = round((gt.x_min + 180.0) / 0.0018)
    row0 = round((90.0 - gt.y_max) / 0.0018)
    rows, cols = np.mgrid[row0:row0 + tiff.array.shape[0], col0:col0 + tiff.array.shape[1]]
    np.testing.assert_array_equal(tiff.array, (cols * 7 + rows * 13) % 65521)


def test_huge_mosaics_are_refused_with_advice(base_url) -> None:
    synthetic = workflow(base_url, SYNTHETIC)
    with pytest.raises(wcs_mosaic.InputError, match="stream_raster_to_geotiff"):
        fetch_coverage_mosaic(synthetic, QueryRectangle((-180.0, -90.0, 180.0, 90.0), "2014-01-01T00:00:00Z"))


@pytest.mark.parametrize("fresh_server", [{"wcs_tile_limit": 10_000}], indirect=True)
def test_mosaic_in_another_crs_equals_one_unlimited_request(base_url, fresh_server) -> None:
    ndvi = workflow(base_url, NDVI)
    query = QueryRectangle((-2_000_000.0, 4_000_000.0, 3_000_000.0, 7_000_000.0), "2014-04-01T00:00:00Z",
                           srs="EPSG:3857")
    res = SpatialResolution(2_500.0, 2_500.0)  # 2000 x 1200 px: 12 tiles of the output grid
    tiff = ogc.read_geotiff(fetch_coverage_mosaic(ndvi, query, res))
    reference = _single(fresh_server.base_url, NDVI, query, res)
    assert tiff.array.shape == reference.array.shape == (1200, 2000)
    np.testing.assert_array_equal(tiff.array, reference.array)
    np.testing.assert_array_equal(tiff.mask, reference.mask)
    native = ogc.read_geotiff(fetch_coverage_mosaic(ndvi, query))  # resolution estimated like the server's
    assert abs(native.array.shape[1] - round(5_000_000 / (20037508.34 * 2 / 3600))) <= 2


@pytest.mark.parametrize("fresh_server", [{"wcs_tile_limit": 1}], indirect=True)
def test_parts_the_server_refuses_are_split_in_halves(fresh_server) -> None:
    """The client plans parts of up to 4 tiles; this server takes 1 tile per request and answers
    TileLimitExceeded. Each refused part is split in halves until it passes; the mosaic still equals the file."""
    ndvi = workflow(fresh_server.base_url, NDVI)
    box = (0.0, 0.0, 102.4, 51.2)  # 1024 x 512 px = 2 x 1 tiles on the native grid (anchored at 0, 0)
    planned = len(plan_parts(1024, 512, box[0], box[3], SpatialResolution(0.1, 0.1), 4))
    totals = []
    tiff = ogc.read_geotiff(fetch_coverage_mosaic(ndvi, QueryRectangle(box, "2014-04-01T00:00:00Z"),
                                                  on_part=lambda done, total: totals.append(total)))
    assert planned == 1 and max(totals) == 2  # one planned part, refused, split into two that pass
    source, gt = read_file(ndvi_file(4))
    col0, row0 = round((box[0] - gt[0]) / gt[1]), round((box[3] - gt[3]) / gt[5])
    np.testing.assert_array_equal(tiff.array, source[0][row0:row0 + 512, col0:col0 + 1024])


def test_halves_split_the_longer_side():
    assert wcs_mosaic.Part(0, 0, 10, 4).halves() == (wcs_mosaic.Part(0, 0, 5, 4), wcs_mosaic.Part(5, 0, 10, 4))
    assert wcs_mosaic.Part(2, 1, 5, 8).halves() == (wcs_mosaic.Part(2, 1, 5, 4), wcs_mosaic.Part(2, 4, 5, 8))
    assert wcs_mosaic.Part(0, 0, 3, 3).halves() == (wcs_mosaic.Part(0, 0, 1, 3), wcs_mosaic.Part(1, 0, 3, 3))
