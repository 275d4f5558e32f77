"""WFS 2.0.0 over real sockets: GeoJSON compared with OGR reading the shapefile."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
import requests
from pyproj import Transformer
from server.dataplane_helpers import PORTS, TIMEOUT, ogr_ports, register, session_ctx

MOCK = "93d6785e-5eea-4e0e-8074-e7f78733d988"


@pytest.fixture(scope="module")
def ctx(shared_server):
    return session_ctx(shared_server, ports=PORTS)


def get_feature(ctx, workflow_id=None, **params):
    workflow_id = workflow_id or ctx["ports"]
    query = {"service": "WFS", "version": "2.0.0", "request": "GetFeature", "typeNames": workflow_id,
             "srsName": "EPSG:4326", "time": "2014-04-01T12:00:00.000+00:00"}
    query.update(params)
    return requests.get(f"{ctx['base']}/wfs/{workflow_id}", params=query, headers=ctx["headers"], timeout=TIMEOUT)


def key(feature: dict) -> tuple[float, float]:
    x, y = feature["geometry"]["coordinates"]
    return round(x, 6), round(y, 6)


def test_ports_in_a_bbox_match_ogr(ctx):
    r = get_feature(ctx, bbox="-10,35,20,60")
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("application/json")
    body = r.json()
    assert body["type"] == "FeatureCollection"
    expected = ogr_ports(-10, 35, 20, 60)
    assert len(expected) > 20
    assert len(body["features"]) == len(expected)
    assert {key(f) for f in body["features"]} == set(expected)
    for feature in body["features"]:
        assert set(feature) == {"type", "geometry", "properties", "when"}
        assert feature["geometry"]["type"] == "Point"
        attributes = expected[key(feature)]
        assert feature["properties"]["name"] == attributes["name"]
        assert set(feature["properties"]) == {"natlscale", "scalerank", "featurecla", "name", "website"}
        assert feature["properties"]["scalerank"] == attributes["scalerank"]
        assert isinstance(feature["properties"]["natlscale"], float)
        assert feature["when"] == {"start": "-262143-01-01T00:00:00+00:00",
                                   "end": "+262142-12-31T23:59:59.999+00:00", "type": "Interval"}


def test_bbox_is_always_x_y(ctx):
    lon_lat = get_feature(ctx, bbox="-10,35,20,60").json()["features"]
    lat_lon = get_feature(ctx, bbox="35,-10,60,20").json()["features"]
    assert {key(f) for f in lat_lon} == set(ogr_ports(35, -10, 60, 20))
    assert {key(f) for f in lat_lon} != {key(f) for f in lon_lat}


def test_srs_name_reprojects_to_web_mercator(ctx):
    to_merc = Transformer.from_crs("EPSG:4326", "EPSG:3857", always_xy=True)
    xmin, ymin = to_merc.transform(-10, 35)
    xmax, ymax = to_merc.transform(20, 60)
    body = get_feature(ctx, bbox=f"{xmin},{ymin},{xmax},{ymax}", srsName="EPSG:3857").json()
    expected = sorted(to_merc.transform(lon, lat) for lon, lat in ogr_ports(-10, 35, 20, 60))
    got = sorted(tuple(f["geometry"]["coordinates"]) for f in body["features"])
    assert len(got) == len(expected) > 20
    assert got == [(pytest.approx(x, abs=0.5), pytest.approx(y, abs=0.5)) for x, y in expected]


def test_mock_type_name_needs_no_workflow(ctx):
    r = requests.get(f"{ctx['base']}/wfs/{MOCK}", params={
        "request": "GetFeature", "service": "WFS", "version": "2.0.0", "typeNames": MOCK, "bbox": "1,2,3,4"},
        headers=ctx["headers"], timeout=TIMEOUT)
    features = r.json()["features"]
    assert [f["geometry"]["coordinates"] for f in features] == [[0.0, 0.1], [1.0, 1.1], [2.0, 3.1], [3.0, 3.1],
                                                                [4.0, 4.1]]
    assert [f["properties"]["foo"] for f in features] == [0, None, 2, 3, 4]
    assert features[0]["when"] == {"start": "1970-01-01T00:00:00+00:00", "end": "1970-01-01T00:00:00.001+00:00",
                                   "type": "Interval"}


def test_errors(ctx):
    r = get_feature(ctx, typeNames=f"registry:{ctx['ports']}", bbox="-10,35,20,60")
    assert (r.status_code, r.json()) == (400, {"error": "InvalidNamespace", "message": "Invalid namespace"})
    r = get_feature(ctx, typeNames=None, bbox="-10,35,20,60")
    assert (r.status_code, r.json()["message"]) == (400, "Unable to parse query string: missing field `typeNames`")
    r = get_feature(ctx, bbox="-10,35,20,60,urn:ogc:def:crs:EPSG::4326")
    assert (r.status_code, r.json()["error"]) == (400, "UnableToParseQueryString")
    assert "Invalid bbox" in r.json()["message"]
    r = get_feature(ctx, bbox="-10,35,20,60", srsName=None)
    assert (r.status_code, r.json()["error"]) == (400, "InvalidSpatialReference")
    r = get_feature(ctx, typeNames=MOCK, bbox="-10,35,20,60")
    assert (r.status_code, r.json()["error"]) == (400, "WFSEndpointTypeNamesMissmatch")
    raster = register(ctx["base"], ctx["headers"], {"type": "Raster", "operator": {
        "type": "GdalSource", "params": {"data": "ndvi"}}})
    r = get_feature(ctx, raster, bbox="-10,35,20,60")
    assert r.status_code == 400 and r.json()["error"] == "InvalidOperatorType"
    r = get_feature(ctx, bbox="-10,35,20,60", request="DescribeFeatureType")
    assert (r.status_code, r.json()["error"]) == (400, "UnableToParseQueryString")
    r = requests.get(f"{ctx['base']}/wfs/{ctx['ports']}", params={"request": "GetCapabilities"}, timeout=TIMEOUT)
    assert r.status_code == 401


def test_time_filters_features_with_time(ctx):
    workflow = {"type": "Vector", "operator": {"type": "OgrSource", "params": {"data": "points_with_time"}}}
    wid = register(ctx["base"], ctx["headers"], workflow)
    everything = get_feature(ctx, wid, bbox="-180,-90,180,90",
                             time="2014-01-01T00:00:00Z/2015-01-01T00:00:00Z").json()["features"]
    assert len(everything) >= 5
    assert all(f["when"]["start"] <= f["when"]["end"] for f in everything)
    some = get_feature(ctx, wid, bbox="-180,-90,180,90", time="2014-04-15T00:00:00Z").json()["features"]
    assert 0 < len(some) < len(everything)
    assert all(f["when"]["start"] <= "2014-04-15T00:00:00+00:00" <= f["when"]["end"] for f in some)


def test_capabilities_are_text_html(ctx):
    r = requests.get(f"{ctx['base']}/wfs/{ctx['ports']}", params={"service": "WFS", "request": "GetCapabilities"},
                     headers=ctx["headers"], timeout=TIMEOUT)
    assert r.status_code == 200 and r.headers["Content-Type"] == "text/html; charset=utf-8"
    root = ET.fromstring(r.content)
    assert root.tag == "{http://www.opengis.net/wfs/2.0}WFS_Capabilities" and root.get("version") == "2.0.0"
    ns = {"w": "http://www.opengis.net/wfs/2.0"}
    assert root.find(".//w:FeatureType/w:Name", ns).text == ctx["ports"]
    assert root.find(".//w:FeatureType/w:DefaultCRS", ns).text == "urn:ogc:def:crs:EPSG::4326"
