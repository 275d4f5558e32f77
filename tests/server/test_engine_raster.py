"""Raster sources and operators against direct GDAL reads of the test data (no HTTP)."""

from __future__ import annotations

import numpy as np
import pytest
from geoengine_server.engine import tiles_for_bbox, tiling_origin, window_for_bbox
from geoengine_server.engine.synthetic import HEIGHT, WIDTH, synthetic_value
from geoengine_server.engine.types import TIME_MAX, TIME_MIN, BBox, GeoTransform, TimeInterval, Window
from osgeo import gdal
from server.engine_helpers import NDVI, NDVI_PATH, NE2, build, catalog, instant, interval, ndvi_file, ndvi_pixel

SYNTHETIC = {"type": "Raster", "operator": {"type": "GdalSource", "params": {"data": "synthetic_u16"}}}


def test_ndvi_descriptor():
    d = build(NDVI).descriptor.to_json()
    assert d["dataType"] == "U8" and d["spatialReference"] == "EPSG:4326"
    assert d["time"] == {"bounds": {"start": 1388534400000, "end": 1404172800000},
                         "dimension": {"type": "regular", "origin": 1388534400000,
                                       "step": {"granularity": "months", "step": 1}}}
    grid = d["spatialGrid"]["spatialGrid"]
    assert grid["geoTransform"] == {"originCoordinate": {"x": -180.0, "y": 90.0}, "xPixelSize": 0.1, "yPixelSize": -0.1}
    assert grid["gridBounds"] == {"topLeftIdx": {"xIdx": 0, "yIdx": 0}, "bottomRightIdx": {"xIdx": 3599, "yIdx": 1799}}
    assert d["bands"] == [{"name": "ndvi", "measurement": {"type": "continuous", "measurement": "vegetation",
                                                           "unit": None}}]


@pytest.mark.parametrize("month", ["01", "03", "04", "06"])
def test_ndvi_pixels_equal_the_tiff(month):
    op = build(NDVI)
    (t,) = op.time_slices(instant(f"2014-{month}-15T12:00:00Z"))
    assert t == interval(f"2014-{month}-01T00:00:00Z", t_end(month))
    window = Window(1600, 700, 300, 250)
    got = op.read(0, t, window)
    tiff = ndvi_file(month)[700:950, 1600:1900]
    assert got.dtype == np.uint8 and got.shape == (250, 300)
    assert np.array_equal(np.ma.getmaskarray(got), tiff == 0)
    assert np.array_equal(got.filled(0), tiff)


def t_end(month: str) -> str:
    return f"2014-{int(month) + 1:02d}-01T00:00:00Z"


def test_buchanan_april_2014_is_178():
    col, row = ndvi_pixel(-10.05265018, 5.858055556)
    op = build(NDVI)
    (t,) = op.time_slices(instant("2014-04-01T12:00:00Z"))
    assert int(op.read(0, t, Window(col, row, 1, 1))[0, 0]) == 178 == int(ndvi_file("04")[row, col])


def test_window_crossing_the_data_edge_is_masked_outside():
    op = build(NDVI)
    (t,) = op.time_slices(instant("2014-02-01T00:00:00Z"))
    got = op.read(0, t, Window(3590, -5, 20, 15))
    assert got.shape == (15, 20)
    assert np.ma.getmaskarray(got)[:5, :].all() and np.ma.getmaskarray(got)[:, 10:].all()
    inner = ndvi_file("02")[0:10, 3590:3600]
    assert np.array_equal(got[5:, :10].filled(0), inner)
    assert np.array_equal(np.ma.getmaskarray(got)[5:, :10], inner == 0)


def test_time_slices_of_an_interval_and_outside_the_data():
    op = build(NDVI)
    slices = op.time_slices(interval("2014-02-15T00:00:00Z", "2014-05-01T00:00:00Z"))
    assert slices == [interval("2014-02-01T00:00:00Z", "2014-03-01T00:00:00Z"),
                      interval("2014-03-01T00:00:00Z", "2014-04-01T00:00:00Z"),
                      interval("2014-04-01T00:00:00Z", "2014-05-01T00:00:00Z")]
    (before,) = op.time_slices(instant("2013-12-24T00:00:00Z"))  # one open-ended gap slice (audit W1)
    assert before == TimeInterval(TIME_MIN, interval("2014-01-01T00:00:00Z", "2014-01-01T00:00:00Z").start)
    assert op.read(0, before, Window(1700, 800, 8, 8)).mask.all()
    (july,) = op.time_slices(instant("2014-07-10T00:00:00Z"))
    assert july.end == TIME_MAX
    assert op.read(0, july, Window(1700, 800, 8, 8)).mask.all()
    everything = op.time_slices(TimeInterval(TIME_MIN, TIME_MAX))
    assert everything[0].start == TIME_MIN and everything[-1].end == TIME_MAX
    assert everything[1:-1] == [interval(f"2014-{m:02d}-01T00:00:00Z", t_end(f"{m:02d}")) for m in range(1, 7)]


def test_natural_earth_rgb_layer():
    layer = catalog().layers["83866f7b-dcee-47b8-9242-e5636ceaf402"]
    op = build(layer["workflow"])
    assert [b.name for b in op.descriptor.bands] == ["blue", "green", "red"]
    assert sorted(op.datasets) == ["ne2_raster_blue", "ne2_raster_green", "ne2_raster_red"]
    (t,) = op.time_slices(instant("2014-04-01T12:00:00Z"))
    assert t == TimeInterval(TIME_MIN, TIME_MAX)
    ds = gdal.Open(str(NE2))
    window = Window(1000, 400, 64, 32)
    for band, file_band in ((0, 3), (1, 2), (2, 1)):
        expected = ds.GetRasterBand(file_band).ReadAsArray(1000, 400, 64, 32)
        got = op.read(band, t, window)
        assert not np.ma.getmaskarray(got).any()
        assert np.array_equal(got.data, expected)


def test_band_filter_and_type_conversion():
    stack = catalog().layers["83866f7b-dcee-47b8-9242-e5636ceaf402"]["workflow"]["operator"]
    red = build({"type": "Raster", "operator": {"type": "BandFilter", "params": {"bands": ["red"]},
                                                "sources": {"raster": stack}}})
    assert [b.name for b in red.descriptor.bands] == ["red"]
    conv = build({"type": "Raster", "operator": {"type": "RasterTypeConversion", "params": {"outputDataType": "F32"},
                                                 "sources": {"raster": NDVI["operator"]}}})
    (t,) = conv.time_slices(instant("2014-04-01T00:00:00Z"))
    got = conv.read(0, t, Window(1690, 830, 20, 20))
    assert conv.descriptor.data_type == "F32" and got.dtype == np.float32
    assert np.array_equal(got.filled(0).astype(np.uint8), ndvi_file("04")[830:850, 1690:1710])


def test_synthetic_values_equal_the_closed_form():
    op = build(SYNTHETIC)
    d = op.descriptor
    assert (d.grid_bounds.width, d.grid_bounds.height, d.data_type) == (WIDTH, HEIGHT, "U16")
    assert catalog().dataset("synthetic_u16").display_name == "Synthetic U16 (procedural)"
    (t,) = op.time_slices(instant("2020-01-01T00:00:00Z"))
    rng = np.random.default_rng(7)
    for _ in range(20):
        x, y = int(rng.integers(0, WIDTH - 64)), int(rng.integers(0, HEIGHT - 64))
        got = op.read(0, t, Window(x, y, 64, 48))
        cols, rows = np.meshgrid(np.arange(x, x + 64), np.arange(y, y + 48))
        assert np.array_equal(got.data, synthetic_value(cols, rows).astype(np.uint16))
        assert not np.ma.getmaskarray(got).any()
    edge = op.read(0, t, Window(WIDTH - 2, -1, 4, 3))
    assert np.ma.getmaskarray(edge).tolist() == [[True] * 4, [False, False, True, True], [False, False, True, True]]


def test_synthetic_sampled_reads_match_the_closed_form():
    """(The speed of a 512 px tile read is measured by bench/server_speed.py, not asserted here.)"""
    op = build(SYNTHETIC)
    (t,) = op.time_slices(instant("2020-01-01T00:00:00Z"))
    sampled = op.read_sampled(0, t, Window(10, 20, 1000, 700), 7)
    assert sampled.shape == (100, 143)
    assert int(sampled[3, 5]) == int(synthetic_value(10 + 5 * 7, 20 + 3 * 7))


def test_reprojection_to_web_mercator_samples_the_source():
    op = build({"type": "Raster", "operator": {"type": "Reprojection",
                                               "params": {"targetSpatialReference": "EPSG:3857"},
                                               "sources": {"source": NDVI["operator"]}}})
    d = op.descriptor
    assert d.spatial_reference == "EPSG:3857" and d.grid_state == "derived"
    assert d.geo_transform.x_pixel_size == pytest.approx(11131.95, rel=1e-3)
    assert d.geo_transform.origin_x == pytest.approx(-20037508.34, abs=2 * d.geo_transform.x_pixel_size)
    (t,) = op.time_slices(instant("2014-04-01T00:00:00Z"))
    gt = d.geo_transform
    from pyproj import Transformer

    inverse = Transformer.from_crs("EPSG:3857", "EPSG:4326", always_xy=True)
    tiff = ndvi_file("04")
    checked = 0
    for x, y in [(-1_118_000.0, 652_000.0), (1_500_000.0, 6_000_000.0), (-5_000_000.0, -2_000_000.0),
                 (11_000_000.0, 3_000_000.0), (2_500_000.0, 8_000_000.0)]:
        col, row = int((x - gt.origin_x) // gt.x_pixel_size), int((y - gt.origin_y) // gt.y_pixel_size)
        got = op.read(0, t, Window(col - 2, row - 2, 5, 5))[2, 2]
        cx, cy = gt.origin_x + (col + 0.5) * gt.x_pixel_size, gt.origin_y + (row + 0.5) * gt.y_pixel_size
        lon, lat = inverse.transform(cx, cy)
        sc, sr = ndvi_pixel(lon, lat)
        expected = tiff[sr, sc]
        if expected == 0:
            assert got is np.ma.masked
        else:
            assert int(got) == int(expected)
            checked += 1
    assert checked >= 3


def test_reprojecting_there_and_back_gives_the_source_grid_and_values():
    def reprojection(srs: str, source: dict) -> dict:
        return {"type": "Reprojection", "params": {"targetSpatialReference": srs}, "sources": {"source": source}}

    op = build({"type": "Raster", "operator": reprojection("EPSG:4326", reprojection("EPSG:3857", NDVI["operator"]))})
    gt = op.descriptor.geo_transform
    assert (gt.x_pixel_size, gt.y_pixel_size) == (0.1, -0.1)
    assert gt.origin_x == pytest.approx(-180.0) and op.descriptor.grid_bounds.width == 3600
    (t,) = op.time_slices(instant("2014-04-01T00:00:00Z"))
    got = op.read(0, t, Window(1500, 600, 300, 300))
    cols, rows = 1500 + np.arange(300), 600 + np.arange(300)
    src_cols = np.floor((gt.origin_x + (cols + 0.5) * 0.1 + 180) / 0.1).astype(int)
    src_rows = np.floor((90 - (gt.origin_y - (rows + 0.5) * 0.1)) / 0.1).astype(int)
    assert np.array_equal(got.filled(0), ndvi_file("04")[np.ix_(src_rows, src_cols)])




def test_tiling_grid_of_ndvi():
    d = build(NDVI).descriptor
    assert tiling_origin(d.geo_transform) == (0.0, 0.0)
    # half a pixel off (0, 0): the real server takes floor((0.05 + 180.05) / 0.1) = 1801 pixels -> +0.05
    assert tiling_origin(GeoTransform(-180.05, 90.0, 0.1, -0.1)) == pytest.approx((0.05, 0.0))
    tiles = tiles_for_bbox(d, BBox(-180, -90, 180, 90))
    assert len(tiles) == 32
    first, last = tiles[0], tiles[-1]
    assert (first.tile_x, first.tile_y) == (-4, -2) and (last.tile_x, last.tile_y) == (3, 1)
    assert first.window == Window(-248, -124, 512, 512)
    assert (first.geo_transform.origin_x, first.geo_transform.origin_y) == pytest.approx((-204.8, 102.4))
    assert [t.tile_y for t in tiles] == sorted(t.tile_y for t in tiles)  # row-major
    assert list(tiles)[5] == tiles[5] == tiles[-27] and tiles[30:] == [tiles[30], tiles[31]]
    synthetic = tiles_for_bbox(build(SYNTHETIC).descriptor, BBox(-180, -90, 180, 90))
    assert len(synthetic) == 392 * 196  # tiles -196..195 x -98..97 around (0, 0), built lazily
    assert synthetic[-1].window.x_off + 512 >= WIDTH and synthetic[-1].window.y_off + 512 >= HEIGHT
    small = tiles_for_bbox(d, BBox(0.05, 0.05, 1.0, 1.0))
    assert [(t.tile_x, t.tile_y) for t in small] == [(0, -1)]
    assert window_for_bbox(d.geo_transform, BBox(-10, 5, -9.95, 5.1)) == Window(1700, 849, 1, 1)


def test_reads_from_threads_agree():
    from concurrent.futures import ThreadPoolExecutor

    op = build(NDVI)
    (t,) = op.time_slices(instant("2014-05-01T00:00:00Z"))
    windows = [Window(100 * k, 50 * k, 256, 256) for k in range(16)]
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda w: op.read(0, t, w), windows))
    tiff = ndvi_file("05")
    for w, got in zip(windows, results):
        assert np.array_equal(got.filled(0), tiff[w.y_off:w.y_off + 256, w.x_off:w.x_off + 256])


def _ndvi_file_params(month: str) -> dict:
    ndvi = catalog().dataset("ndvi").meta["params"]
    return {**ndvi, "filePath": str(NDVI_PATH).format(f"2014-{month}-01")}


def test_list_and_static_metadata_with_own_time():
    from geoengine_server.catalog import Catalog, Dataset
    from geoengine_server.engine import initialize
    from server.engine_helpers import DATA

    own = Catalog.load(DATA)
    irregular = {"bounds": None, "dimension": "irregular"}
    descriptor = dict(catalog().dataset("ndvi").meta["resultDescriptor"], time=irregular)
    march = interval("2014-03-01T00:00:00Z", "2014-04-01T00:00:00Z")
    may = interval("2014-05-01T00:00:00Z", "2014-06-01T00:00:00Z")
    own.add_dataset(Dataset("l", "ndvi_list", "List", "", "GdalSource", {
        "type": "GdalMetaDataList", "resultDescriptor": descriptor,
        "params": [{"time": march.to_json(), "params": _ndvi_file_params("03")},
                   {"time": may.to_json(), "params": _ndvi_file_params("05")}]}, data_dir=DATA))
    own.add_dataset(Dataset("s", "ndvi_static_may", "Static", "", "GdalSource", {
        "type": "GdalStatic", "time": may.to_json(), "resultDescriptor": descriptor,
        "params": _ndvi_file_params("05")}, data_dir=DATA))
    listed = initialize({"type": "Raster", "operator": {"type": "GdalSource", "params": {"data": "ndvi_list"}}}, own)
    assert listed.time_slices(interval("2014-01-01T00:00:00Z", "2015-01-01T00:00:00Z")) == [march, may]
    window = Window(1650, 800, 40, 30)
    for t, month in ((march, "03"), (may, "05")):
        assert np.array_equal(listed.read(0, t, window).filled(0), ndvi_file(month)[800:830, 1650:1690])
    (april,) = listed.time_slices(instant("2014-04-15T00:00:00Z"))
    assert listed.read(0, april, window).mask.all()
    static = initialize({"type": "Raster", "operator": {"type": "GdalSource", "params": {"data": "ndvi_static_may"}}},
                        own)
    assert static.time_slices(instant("2014-05-20T00:00:00Z")) == [may]
    assert np.array_equal(static.read(0, may, window).filled(0), ndvi_file("05")[800:830, 1650:1690])
    (june,) = static.time_slices(instant("2014-06-20T00:00:00Z"))
    assert static.read(0, june, window).mask.all()
