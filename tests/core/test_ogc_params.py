"""core.ogc: the OGC and plot query parameters, and the GeoTIFF/PNG answers, against hand-worked values.

Truth: Geo Engine's OGC handlers (geo-engine/geoengine@5748ef7:services/src/api/handlers/wcs.rs reads
``boundingbox`` y-first for EPSG:4326 and ``resx``/``resy`` in the CRS's axis order; wms.rs takes
``width``/``height``), the official client's parameter names, and GeoTIFFs written here with GDAL.
The last two tests ask the bundled server for pixels and compare them with the NDVI file.
"""

from __future__ import annotations

import uuid

import numpy as np
import pytest
import requests
from geoengine_qgis.core import ogc
from geoengine_qgis.core.colorizer import Colorizer, SingleBandRasterColorizer
from geoengine_qgis.core.errors import ApiError, InputError, MalformedResponseError, OGCXMLError
from geoengine_qgis.core.session import Session
from geoengine_qgis.core.types import QueryRectangle, SpatialResolution
from geoengine_qgis.core.workflow import register_workflow
from osgeo import gdal, osr
from stream_helpers import NDVI, ndvi_file

WORKFLOW = "8df9b0e6-e4b4-586e-90a3-6cf0f08c4e62"
T = "2014-04-01T00:00:00.000+00:00"
PALETTE = SingleBandRasterColorizer(0, Colorizer.palette({1: (255, 0, 0, 255)}))


def query(bounds=(0.0, 40.0, 20.0, 50.0), srs="EPSG:4326", time="2014-04-01T00:00:00Z"):
    return QueryRectangle(bounds, time, srs=srs)


# ------------------------------------------------------------------------------------------------ WMS


def test_wms_size_is_bbox_over_resolution_truncated():
    assert ogc.wms_image_size(query(), SpatialResolution(0.1, 0.5)) == (200, 20)
    assert ogc.wms_image_size(query(), SpatialResolution(0.3, 0.3)) == (66, 33)  # 66.67 and 33.3 truncated
    assert ogc.wms_image_size(query((0, 0, 4096, 1)), SpatialResolution(1, 1)) == (4096, 1)
    for resolution in (SpatialResolution(0.001, 1), SpatialResolution(1, 11)):  # 20000 px wide; 0 px high
        with pytest.raises(InputError) as caught:
            ogc.wms_image_size(query(), resolution)
        assert caught.value.field == "spatial_resolution"
    with pytest.raises(InputError, match="height would be 0 px"):
        ogc.wms_image_size(query(), SpatialResolution(1, 11))
    with pytest.raises(InputError, match="width would be 4097 px"):
        ogc.wms_image_size(query((0, 0, 4097, 1)), SpatialResolution(1, 1))


def test_wms_get_map_params_are_wms_1_3_with_a_y_first_bbox():
    params = ogc.wms_get_map_params(WORKFLOW, query(), PALETTE, SpatialResolution(0.1, 0.1))
    assert params == {"service": "WMS", "version": "1.3.0", "request": "GetMap", "layers": WORKFLOW,
                      "styles": "custom:" + PALETTE.to_json(), "crs": "EPSG:4326", "bbox": "40.0,0.0,50.0,20.0",
                      "width": 200, "height": 100, "format": "image/png", "time": T}
    mercator = ogc.wms_get_map_params(WORKFLOW, query((0, 0, 1000, 500), "EPSG:3857"), PALETTE,
                                      SpatialResolution(10, 10))
    assert mercator["bbox"] == "0.0,0.0,1000.0,500.0" and (mercator["width"], mercator["height"]) == (100, 50)


def answer(content: bytes, status: int = 200, content_type: str = "image/png") -> requests.Response:
    response = requests.Response()
    response._content, response.status_code, response.url = content, status, "http://127.0.0.1:1/api/wms/x"
    response.headers["Content-Type"] = content_type
    return response


def test_wms_bodies_png_xml_error_json_error_and_other():
    png = ogc.PNG_MAGIC + b"rest"
    assert ogc.check_wms_body(answer(png)) == png
    with pytest.raises(OGCXMLError):
        ogc.check_wms_body(answer(b'\n<?xml version="1.0"?><ServiceExceptionReport><ServiceException>bad'
                                  b"</ServiceException></ServiceExceptionReport>", content_type="text/xml"))
    with pytest.raises(ApiError) as caught:
        ogc.check_wms_body(answer(b'{"error": "NoSuchWorkflow", "message": "gone"}', 400, "application/json"))
    assert caught.value.error == "NoSuchWorkflow" and "gone" in str(caught.value)
    with pytest.raises(MalformedResponseError, match=r"text/html that is not a PNG \(5 bytes\)"):
        ogc.check_wms_body(answer(b"<html", content_type="text/html"))
    with pytest.raises(MalformedResponseError, match="not a PNG"):
        ogc.check_wms_body(answer(b'{"no": "error key"}', content_type="application/json"))
    with pytest.raises(MalformedResponseError, match="not a PNG"):
        ogc.check_wms_body(answer(b"\xff\xfe", content_type="application/octet-stream"))


# ------------------------------------------------------------------------------------------------ WFS


def test_wfs_bbox_is_never_swapped():
    assert ogc.wfs_get_feature_params(WORKFLOW, query()) == {
        "bbox": "0.0,40.0,20.0,50.0", "request": "GetFeature", "service": "WFS", "srsName": "EPSG:4326",
        "time": T, "typeNames": WORKFLOW, "version": "2.0.0"}


# ------------------------------------------------------------------------------------------------ WCS


def test_wcs_crs_urn():
    assert ogc.wcs_crs_urn("EPSG:4326") == "urn:ogc:def:crs:EPSG::4326"
    assert ogc.wcs_crs_urn("EPSG:32632") == "urn:ogc:def:crs:EPSG::32632"


def test_wcs_params_lat_lon_order_for_epsg_4326():
    params = ogc.wcs_get_coverage_params(WORKFLOW, query(), SpatialResolution(0.2, 0.1), 7)
    assert params == {"version": "1.1.1", "request": "GetCoverage", "service": "WCS", "identifier": WORKFLOW,
                      "boundingbox": "40.0,0.0,50.0,20.0", "timesequence": T, "format": "image/tiff",
                      "store": "False", "crs": "urn:ogc:def:crs:EPSG::4326",
                      "resx": "-0.1", "resy": "0.2",  # (-y, x): latitude first, negative
                      "nodatavalue": "7.0"}


def test_wcs_params_east_north_order_for_web_mercator():
    params = ogc.wcs_get_coverage_params(WORKFLOW, query((0, 0, 1000, 500), "EPSG:3857"), SpatialResolution(20, 10))
    assert (params["boundingbox"], params["resx"], params["resy"]) == ("0.0,0.0,1000.0,500.0", "20.0", "10.0")
    assert "nodatavalue" not in params and params["crs"] == "urn:ogc:def:crs:EPSG::3857"
    assert "resx" not in ogc.wcs_get_coverage_params(WORKFLOW, query())


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -float("inf")])
def test_wcs_refuses_a_non_finite_no_data_value(bad):
    with pytest.raises(InputError) as caught:
        ogc.wcs_get_coverage_params(WORKFLOW, query(), None, bad)
    assert caught.value.field == "force_no_data_value"


def geotiff_bytes(array: np.ndarray, nodata=None, mask=None, gt=(10.0, 0.5, 0.0, 50.0, 0.0, -0.5)) -> bytes:
    path = f"/vsimem/test-{uuid.uuid4().hex}.tif"
    kind = gdal.GDT_Byte if array.dtype == np.uint8 else gdal.GDT_Float32
    dataset = gdal.GetDriverByName("GTiff").Create(path, array.shape[1], array.shape[0], 1, kind)
    dataset.SetGeoTransform(gt)
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(4326)
    dataset.SetProjection(srs.ExportToWkt())
    band = dataset.GetRasterBand(1)
    band.WriteArray(array)
    if nodata is not None:
        band.SetNoDataValue(nodata)
    if mask is not None:
        gdal.SetConfigOption("GDAL_TIFF_INTERNAL_MASK", "YES")  # inside the file, not a .msk beside it
        try:
            band.CreateMaskBand(gdal.GMF_PER_DATASET)
        finally:
            gdal.SetConfigOption("GDAL_TIFF_INTERNAL_MASK", None)
        band.GetMaskBand().WriteArray(mask.astype(np.uint8) * 255)
    dataset = None
    data = gdal.VSIFOpenL(path, "rb")
    gdal.VSIFSeekL(data, 0, 2)
    size = gdal.VSIFTellL(data)
    gdal.VSIFSeekL(data, 0, 0)
    content = gdal.VSIFReadL(1, size, data)
    gdal.VSIFCloseL(data)
    gdal.Unlink(path)
    return content


def test_read_geotiff_gives_pixels_transform_and_no_data():
    array = np.arange(12, dtype=np.uint8).reshape(3, 4)
    tiff = ogc.read_geotiff(geotiff_bytes(array, nodata=5))
    np.testing.assert_array_equal(tiff.array, array)
    assert tiff.geo_transform.to_gdal() == (10.0, 0.5, 0.0, 50.0, 0.0, -0.5)
    assert tiff.no_data_value == 5 and tiff.mask is None and "4326" in tiff.srs_wkt
    plain = ogc.read_geotiff(geotiff_bytes(array))
    assert plain.no_data_value is None and plain.mask is None


def test_read_geotiff_keeps_an_internal_mask():
    array = np.ones((2, 3), dtype=np.uint8)
    valid = np.array([[True, False, True], [False, True, True]])
    tiff = ogc.read_geotiff(geotiff_bytes(array, mask=valid))
    np.testing.assert_array_equal(tiff.mask, valid)


def test_read_geotiff_checks_the_declared_size_first():
    content = geotiff_bytes(np.zeros((10, 100), dtype=np.uint8))  # 100 wide, 10 high
    assert ogc.read_geotiff(content, expected_size=(98, 8)).array.shape == (10, 100)  # 98 * 1.01 + 2 = 100
    with pytest.raises(MalformedResponseError, match="declares 100 x 10 pixels, the request asked for 97 x 10"):
        ogc.read_geotiff(content, expected_size=(97, 10))
    with pytest.raises(MalformedResponseError, match="the request asked for 100 x 7"):
        ogc.read_geotiff(content, expected_size=(100, 7))


def test_coverage_pixel_limit(monkeypatch):
    monkeypatch.setattr(ogc, "MAX_COVERAGE_PIXELS", 1000)
    ogc._check_coverage_size(100, 10, None)
    with pytest.raises(MalformedResponseError, match="more than the 1,000 read at once"):
        ogc._check_coverage_size(101, 10, None)


# ---------------------------------------------------------------------------------------------- plots


def test_plot_params_default_resolution_only_for_old_servers():
    q = query((0.0, 0.0, 2048.0, 1024.0))
    old = ogc.plot_params(q, None, send_default_resolution=True)
    assert old == {"bbox": "0.0,0.0,2048.0,1024.0", "crs": "EPSG:4326", "time": T,
                   "spatialResolution": "2.0,1.0"}  # 2048 / 1024, 1024 / 1024
    assert ogc.plot_params(q, None, send_default_resolution=False)["spatialResolution"] is None
    assert ogc.plot_params(q, SpatialResolution(0.5, 0.25), True)["spatialResolution"] == "0.5,0.25"
    flat = ogc.plot_params(query((5, 5, 5.000000001, 6)), None, True)["spatialResolution"]
    assert flat == f"{1e-6 / 1024},{1 / 1024}"  # a zero-width bbox still sends a positive resolution


def test_plot_output_and_vega_spec():
    body = {"outputFormat": "JsonVega", "plotType": "Histogram", "data": {"vegaString": '{"mark": "bar"}'}}
    assert ogc.parse_plot_output(body) is body
    assert ogc.vega_spec(body) == {"mark": "bar"}
    assert ogc.vega_spec({"outputFormat": "JsonVega", "data": {"vegaSpec": {"mark": "line"}}}) == {"mark": "line"}
    for bad in ([], {"data": {}}, {"outputFormat": "JsonPlain"}):
        with pytest.raises(MalformedResponseError, match="not a WrappedPlotOutput"):
            ogc.parse_plot_output(bad)
    with pytest.raises(InputError) as caught:
        ogc.vega_spec({"outputFormat": "JsonPlain", "data": {}})
    assert caught.value.field == "plot" and "'JsonPlain'" in str(caught.value)
    with pytest.raises(MalformedResponseError, match="no parseable 'vegaString'"):
        ogc.vega_spec({"outputFormat": "JsonVega", "data": {"vegaString": "{not json"}})


# ------------------------------------------------------------------------------- pixels from the server


def ndvi_month(month: int, bounds):
    dataset = gdal.Open(str(ndvi_file(month)))
    x0, dx, _, y0, _, dy = dataset.GetGeoTransform()
    col0, col1 = round((bounds[0] - x0) / dx), round((bounds[2] - x0) / dx)
    row0, row1 = round((bounds[3] - y0) / dy), round((bounds[1] - y0) / dy)
    band = dataset.GetRasterBand(1)
    return band.ReadAsArray(col0, row0, col1 - col0, row1 - row0), band.GetNoDataValue()


@pytest.fixture(scope="module")
def ndvi(shared_server):
    return register_workflow(NDVI, session=Session(shared_server.base_url))


def test_forced_no_data_value_fills_the_no_data_pixels(ndvi):
    bounds = (-115.0, 60.0, -95.0, 70.0)  # northern Canada in January: 3162 pixels without a value (0)
    expected, file_nodata = ndvi_month(1, bounds)
    empty = expected == file_nodata
    assert 1000 < empty.sum() < empty.size - 1000
    january = query(bounds, time="2014-01-15T00:00:00Z")
    tiff = ogc.read_geotiff(ogc.wcs_get_coverage(ndvi.session, ndvi.workflow_id, january, None, 7))
    assert tiff.no_data_value == 7.0
    np.testing.assert_array_equal(tiff.array[~empty], expected[~empty])
    assert (tiff.array[empty] == 7).all()


def test_non_square_resolution_in_epsg_4326_keeps_rows_and_columns(ndvi):
    bounds = (0.0, 40.0, 20.0, 50.0)
    tiff = ogc.read_geotiff(ogc.wcs_get_coverage(ndvi.session, ndvi.workflow_id, query(bounds),
                                                 SpatialResolution(0.2, 0.1)))
    assert tiff.array.shape == (100, 100)  # 10 degrees / 0.1 rows, 20 degrees / 0.2 columns
    assert tiff.geo_transform.to_gdal() == pytest.approx((0.0, 0.2, 0.0, 50.0, 0.0, -0.1))


# ------------------------------------------------------------------------------- answers and fallbacks


def test_feature_collections_and_geodataframes():
    import dataclasses

    import pandas as pd

    assert ogc.FeatureCollection({"type": "FeatureCollection", "features": None}, None).features == []
    collection = ogc.FeatureCollection({"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [8.5, 53.25]}, "properties": {"name": "a"},
         "when": {"start": "2014-04-01T00:00:00.000Z", "end": "2014-05-01T00:00:00.000Z"}},
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [9.0, 54.0]}, "properties": {"name": "b"}},
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [9.5, 54.5]}, "properties": {"name": "c"},
         "when": {"start": "2014-04-01T02:00:00+02:00", "end": "2014-05-01T02:00:00+02:00"}},  # an offset: to UTC
    ]}, "a-computation")
    with pytest.raises(dataclasses.FrozenInstanceError):
        collection.computation_id = "other"
    frame = ogc.features_to_geodataframe(collection, "EPSG:4326")
    assert list(frame["name"]) == ["a", "b", "c"] and frame.crs.to_epsg() == 4326
    assert [(p.x, p.y) for p in frame.geometry] == [(8.5, 53.25), (9.0, 54.0), (9.5, 54.5)]
    assert frame["start"][2] == frame["start"][0] and frame["end"][2] == frame["end"][0]
    assert str(frame["end"].dt.tz) == "UTC"
    assert frame["start"][0] == pd.Timestamp("2014-04-01", tz="UTC") and frame["end"][0] == pd.Timestamp(
        "2014-05-01", tz="UTC")
    assert pd.isna(frame["start"][1]) and str(frame["start"].dt.tz) == "UTC"  # no "when": NaT
    assert frame.attrs["computation_id"] == "a-computation"
    empty = ogc.features_to_geodataframe(ogc.FeatureCollection({"type": "FeatureCollection", "features": []}, None),
                                         "EPSG:3857")
    assert len(empty) == 0 and empty.crs.to_epsg() == 3857


def test_optional_packages_missing(monkeypatch):
    import sys

    from geoengine_qgis.core.errors import MissingDependencyError

    monkeypatch.setitem(sys.modules, "PIL", None)
    with pytest.raises(MissingDependencyError) as caught:
        ogc.png_to_image(ogc.PNG_MAGIC)
    assert caught.value.package == "PIL" and "pip install pillow" in str(caught.value)
    monkeypatch.setitem(sys.modules, "geopandas", None)
    with pytest.raises(MissingDependencyError) as caught:
        ogc.features_to_geodataframe(ogc.FeatureCollection({"features": []}, None), "EPSG:4326")
    assert caught.value.package == "geopandas"


def test_geotiff_results_are_frozen_and_the_pixel_limit_is_2_to_the_28():
    import dataclasses

    tiff = ogc.read_geotiff(geotiff_bytes(np.zeros((1, 1), dtype=np.uint8)))
    with pytest.raises(dataclasses.FrozenInstanceError):
        tiff.no_data_value = 1
    assert ogc.MAX_COVERAGE_PIXELS == 268_435_456  # 2 GiB as float64


def test_answers_that_are_not_what_was_asked_for(ndvi, monkeypatch):
    """The server's answers replaced by others (fault injection on the session): each is named."""
    session = ndvi.session
    wfs_answer = answer(b'{"type": "Feature"}', content_type="application/json")
    monkeypatch.setattr(session, "request", lambda *args, **kwargs: wfs_answer)
    with pytest.raises(MalformedResponseError, match="not a GeoJSON FeatureCollection"):
        ogc.wfs_get_features(session, WORKFLOW, query())
    wfs_answer = answer(b'[1, 2]', content_type="application/json")
    with pytest.raises(MalformedResponseError, match="not a GeoJSON FeatureCollection"):
        ogc.wfs_get_features(session, WORKFLOW, query())
    good = answer(b'{"type": "FeatureCollection", "features": []}', content_type="application/json")
    good.headers["x-computation-id"] = "c-1"
    monkeypatch.setattr(session, "request", lambda *args, **kwargs: good)
    assert ogc.wfs_get_features(session, WORKFLOW, query()).computation_id == "c-1"
    big_endian = geotiff_bytes(np.zeros((1, 1), dtype=np.uint8))
    for content, ok in ((b"MM\x00*" + big_endian[4:], True), (b"II+\x00rest", True), (big_endian, True),
                        (b"<html>", False)):
        coverage = answer(content, content_type="image/tiff" if ok else "text/html")
        monkeypatch.setattr(session, "request", lambda *args, coverage=coverage, **kwargs: coverage)
        if ok:
            assert ogc.wcs_get_coverage(session, WORKFLOW, query()) == content
        else:
            with pytest.raises(MalformedResponseError, match="WCS answered text/html, not a GeoTIFF"):
                ogc.wcs_get_coverage(session, WORKFLOW, query())


def test_read_geotiff_names_garbage_and_truncated_coverages():
    assert gdal.GetUseExceptions()  # as in QGIS: GDAL raises RuntimeError, which must not reach the user raw
    with pytest.raises(MalformedResponseError, match="the coverage is not a readable GeoTIFF"):
        ogc.read_geotiff(b"<html>502 Bad Gateway</html>")
    whole = geotiff_bytes(np.arange(300 * 300, dtype=np.uint8).reshape(300, 300))
    with pytest.raises(MalformedResponseError, match="the coverage"):
        ogc.read_geotiff(whole[:len(whole) // 3])  # cut off in the middle of the pixels
