"""WCS 1.1.1 over real sockets: GeoTIFF values compared with the NDVI file."""

from __future__ import annotations

import uuid
import xml.etree.ElementTree as ET

import numpy as np
import pytest
import requests
from osgeo import gdal
from pyproj import Transformer
from server.control_helpers import user_id
from server.dataplane_helpers import NDVI, NDVI_APRIL, TIMEOUT, pixel_of, raster, session_ctx

URN_4326 = "urn:ogc:def:crs:EPSG::4326"


@pytest.fixture(scope="module")
def ctx(shared_server):
    return session_ctx(shared_server, ndvi=NDVI)


def get_coverage(ctx, **params):
    query = {"service": "WCS", "request": "GetCoverage", "version": "1.1.1", "identifier": ctx["ndvi"],
             "format": "image/tiff", "gridbasecrs": URN_4326, "time": "2014-04-01T00:00:00.000Z"}
    query.update(params)
    return requests.get(f"{ctx['base']}/wcs/{ctx['ndvi']}", params=query, headers=ctx["headers"], timeout=TIMEOUT)


def open_tiff(content: bytes):
    """(values, mask, geo transform, band, dataset) of a GeoTIFF answer."""
    path = f"/vsimem/test-{uuid.uuid4().hex}.tif"
    gdal.FileFromMemBuffer(path, content)
    dataset = gdal.Open(path)
    gdal.Unlink(path)
    band = dataset.GetRasterBand(1)
    return band.ReadAsArray(), band.GetMaskBand().ReadAsArray(), dataset.GetGeoTransform(), band, dataset


def test_native_resolution_equals_the_file_window(ctx, shared_server):
    r = get_coverage(ctx, boundingbox="20,-10,80,50,urn:ogc:def:crs:EPSG::4326", gridorigin="80,-10",
                     gridoffsets="0.1,0.1")
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"] == "image/tiff"
    values, mask, gt, band, dataset = open_tiff(r.content)
    assert dataset.RasterCount == 1 and values.shape == (600, 600)
    assert gt == pytest.approx((-10.0, 0.1, 0.0, 80.0, 0.0, -0.1))
    row, col = pixel_of(-9.95, 79.95)
    expected = raster(NDVI_APRIL)[row : row + 600, col : col + 600]
    assert (values == expected).all()
    assert band.GetMaskFlags() == gdal.GMF_PER_DATASET
    assert ((mask == 0) == (expected == 0)).all() and (expected == 0).sum() > 10
    newest = shared_server.api["quota"].computations_of(user_id(ctx["base"], ctx["headers"]), 0, 1)[0]
    assert newest.count == 4  # 600 x 600 pixels from (-10, 80): 2 x 2 tiles of the grid anchored at (0, 0)


def test_no_data_value_parameter(ctx):
    r = get_coverage(ctx, boundingbox="20,-10,80,50", nodatavalue="0.0")
    values, _, _, band, _ = open_tiff(r.content)
    assert band.GetNoDataValue() == 0.0 and band.GetMaskFlags() == gdal.GMF_NODATA
    assert values.shape == (600, 600)


def test_grid_offsets_and_resx_resy_resample(ctx):
    file = raster(NDVI_APRIL)
    r = get_coverage(ctx, boundingbox="20,-10,80,50", gridoffsets="0.3,-0.3")
    values, _, gt, _, _ = open_tiff(r.content)
    assert values.shape == (200, 200) and gt == pytest.approx((-10.0, 0.3, 0.0, 80.0, 0.0, -0.3))
    rows, cols = 101 + 3 * np.arange(200), 1701 + 3 * np.arange(200)
    assert (values == file[np.ix_(rows, cols)]).all()
    # resx/resy in the CRS axis order (lat, lon for EPSG:4326), signs ignored: 0.3 deg rows, 0.5 deg columns
    r = get_coverage(ctx, boundingbox="20,-10,80,50", resx="-0.3", resy="0.5", gridbasecrs=None, crs=URN_4326)
    values, _, gt, _, _ = open_tiff(r.content)
    assert values.shape == (200, 120) and gt == pytest.approx((-10.0, 0.5, 0.0, 80.0, 0.0, -0.3))
    assert (values == file[np.ix_(101 + 3 * np.arange(200), 1702 + 5 * np.arange(120))]).all()


def test_web_mercator_output(ctx):
    r = get_coverage(ctx, boundingbox="0,5000000,1000000,6000000,urn:ogc:def:crs:EPSG::3857",
                     gridbasecrs="urn:ogc:def:crs:EPSG::3857", gridoffsets="10000,10000")
    values, _, gt, _, dataset = open_tiff(r.content)
    assert values.shape == (100, 100) and gt == pytest.approx((0.0, 10000.0, 0.0, 6000000.0, 0.0, -10000.0))
    assert "Pseudo-Mercator" in dataset.GetProjection()
    to_lonlat = Transformer.from_crs("EPSG:3857", "EPSG:4326", always_xy=True)
    file = raster(NDVI_APRIL)
    for j, i in ((0, 0), (13, 77), (50, 50), (99, 99), (71, 3)):
        lon, lat = to_lonlat.transform(5000 + 10000 * i, 6000000 - 5000 - 10000 * j)
        assert values[j, i] == file[pixel_of(lon, lat)]


def test_tile_limit(ctx):
    # 1024 x 512 pixels from (0, 0): 2 x 1 tiles of the grid anchored at (0, 0); one more pixel row: 2 x 2.
    assert get_coverage(ctx, boundingbox="0,0,51.2,102.4").status_code == 200
    assert get_coverage(ctx, boundingbox="-0.1,0,51.2,102.4").status_code == 200
    r = get_coverage(ctx, boundingbox="-0.1,-0.1,51.2,102.4")  # 3 x 2 tiles
    assert (r.status_code, r.json()) == (400, {"error": "TileLimitExceeded", "message": "Exceeded the tile limit 4"})
    r = get_coverage(ctx, boundingbox="-90,-180,90,180")
    assert r.status_code == 400 and r.json()["error"] == "TileLimitExceeded"
    assert get_coverage(ctx, boundingbox="-90,-180,90,180", gridoffsets="0.5,0.5").status_code == 200


def test_crs_and_parameter_rules(ctx):
    r = get_coverage(ctx, boundingbox="20,-10,80,50", gridbasecrs="EPSG:4326")
    assert r.status_code == 400 and r.json()["error"] == "UnableToParseQueryString"
    assert "cannot parse crs" in r.json()["message"]
    r = get_coverage(ctx, boundingbox="20,-10,80,50,urn:ogc:def:crs:EPSG::3857")
    assert (r.status_code, r.json()["error"]) == (400, "WcsBoundingboxCrsMustEqualGridBaseCrs")
    r = get_coverage(ctx, boundingbox="20,-10,80,50", gridoffsets="0.1,0.0,0.0,-0.1")
    assert (r.status_code, r.json()["message"]) == (400, "Unable to parse query string: Invalid grid offset")
    r = get_coverage(ctx, boundingbox="20,-10,80,50", identifier=str(uuid.uuid4()))
    assert (r.status_code, r.json()["error"]) == (400, "WCSEndpointIdentifierMissmatch")
    r = get_coverage(ctx, boundingbox="20,-10,80,50", version="2.0.1")
    assert r.status_code == 400
    r = get_coverage(ctx, boundingbox="20,-10,80,50", format="image/png")
    assert r.status_code == 400
    r = get_coverage(ctx, boundingbox=None)
    assert r.json()["message"] == "Unable to parse query string: missing field `boundingbox`"


def test_timesequence_alias_and_default_time(ctx):
    april = get_coverage(ctx, boundingbox="40,0,50,20", time=None, timesequence="2014-04-01T12:00:00.000+00:00")
    values, *_ = open_tiff(april.content)
    row, col = pixel_of(0.05, 49.95)
    assert (values == raster(NDVI_APRIL)[row : row + 100, col : col + 200]).all()
    january = open_tiff(get_coverage(ctx, boundingbox="40,0,50,20", time=None).content)[0]
    assert not (january == values).all()  # the default time is 2014-01-01


def test_capabilities_and_describe_coverage(ctx):
    params = {"service": "WCS", "request": "GetCapabilities", "version": "1.1.1"}
    r = requests.get(f"{ctx['base']}/wcs/{ctx['ndvi']}", params=params, headers=ctx["headers"], timeout=TIMEOUT)
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/xml")
    root = ET.fromstring(r.content)
    ows = "{http://www.opengis.net/ows/1.1}"
    assert root.find(f"{ows}ServiceIdentification/{ows}Fees").text == "NONE"
    assert root.find(f"{ows}ServiceIdentification/{ows}AccessConstraints").text == "NONE"
    hrefs = {e.get("{http://www.w3.org/1999/xlink}href") for e in root.iter(f"{ows}Get")}
    assert hrefs == {f"{ctx['base']}/wcs/{ctx['ndvi']}?"}

    params = {"service": "WCS", "request": "DescribeCoverage", "version": "1.1.1", "identifiers": ctx["ndvi"]}
    r = requests.get(f"{ctx['base']}/wcs/{ctx['ndvi']}", params=params, headers=ctx["headers"], timeout=TIMEOUT)
    text = r.text
    for fragment in ("<ows:LowerCorner>-90 -180</ows:LowerCorner>", "<ows:UpperCorner>3600 1800</ows:UpperCorner>",
                     "<wcs:GridOrigin>-180 90</wcs:GridOrigin>", "<wcs:GridOffsets>0.1 0.0 0.0 -0.1</wcs:GridOffsets>",
                     "<wcs:Key>ndvi</wcs:Key>", "<wcs:SupportedCRS>EPSG:4326</wcs:SupportedCRS>",
                     f'<ows:BoundingBox crs="{URN_4326}" dimensions="2">'):
        assert fragment in text
    ET.fromstring(r.content)


def test_owslib_reads_the_capabilities(ctx):
    from owslib.wcs import WebCoverageService

    wcs = WebCoverageService(f"{ctx['base']}/wcs/{ctx['ndvi']}", version="1.1.1", headers=ctx["headers"])
    assert ctx["ndvi"] in wcs.contents
