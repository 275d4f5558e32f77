"""WMS 1.3.0 over real sockets: maps checked pixel by pixel against the source files."""

from __future__ import annotations

import time
import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
import requests
from pyproj import Transformer
from server.dataplane_helpers import (
    APRIL,
    NDVI,
    NDVI_APRIL,
    NE2,
    NE_RGB,
    PORTS,
    SYNTHETIC,
    TIMEOUT,
    custom_style,
    pixel_of,
    png,
    raster,
    register,
    session_ctx,
    stored_colorizer,
)


@pytest.fixture(scope="module")
def ctx(shared_server):
    return session_ctx(shared_server, ndvi=NDVI)


def get_map(ctx, workflow_id=None, **params):
    workflow_id = workflow_id or ctx["ndvi"]
    query = {
        "service": "WMS", "version": "1.3.0", "request": "GetMap", "layers": workflow_id, "styles": "",
        "crs": "EPSG:4326", "format": "image/png", "time": APRIL,
    }
    query.update(params)
    return requests.get(f"{ctx['base']}/wms/{workflow_id}", params=query, headers=ctx["headers"], timeout=TIMEOUT)


def europe(ctx, **params):
    """Lat 40..50, lon 0..20 at the native 0.1 degree resolution: one output pixel per file pixel."""
    r = get_map(ctx, bbox="40,0,50,20", width=200, height=100, **params)
    assert r.status_code == 200 and r.headers["Content-Type"] == "image/png", r.text[:300]
    image = png(r.content)
    assert image.shape == (100, 200, 4)
    row, col = pixel_of(0.05, 49.95)
    return image, raster(NDVI_APRIL)[row : row + 100, col : col + 200]


def test_default_style_is_grey_with_transparent_no_data(ctx):
    image, values = europe(ctx)
    valid = values != 0
    assert valid.sum() > 1000 and (~valid).sum() >= 1
    grey = image[..., 0].astype(int)
    assert np.abs(grey[valid] - values[valid]).max() <= 1
    assert (image[..., 0] == image[..., 1]).all() and (image[..., 1] == image[..., 2]).all()
    assert (image[..., 3][valid] == 255).all() and (image[..., 3][~valid] == 0).all()


def test_stored_palette_matches_the_file(ctx):
    colorizer = stored_colorizer("ndvi.json")
    image, values = europe(ctx, styles=custom_style(colorizer))
    colors = colorizer["bandColorizer"]["colors"]
    expected = np.array([colors[str(v)] for v in values.ravel()], dtype=np.uint8).reshape(image.shape)
    expected[values == 0] = colorizer["bandColorizer"]["noDataColor"]  # 0 is the dataset's no-data value
    assert (image == expected).all()


def test_palette_default_and_no_data_colours(ctx):
    style = {"type": "singleBand", "band": 0, "bandColorizer": {
        "type": "palette", "colors": {"200": [255, 0, 0, 255]},
        "noDataColor": [0, 0, 255, 255], "defaultColor": [0, 255, 0, 255]}}
    image, values = europe(ctx, styles=custom_style(style))
    assert (values == 200).any()
    assert (image[values == 200] == [255, 0, 0, 255]).all()
    assert (image[values == 0] == [0, 0, 255, 255]).all()
    other = (values != 200) & (values != 0)
    assert (image[other] == [0, 255, 0, 255]).all()


def test_linear_gradient_with_over_and_under_colours(ctx):
    style = {"type": "singleBand", "band": 0, "bandColorizer": {
        "type": "linearGradient",
        "breakpoints": [{"value": 100, "color": [255, 0, 0, 255]}, {"value": 200, "color": [0, 0, 255, 255]}],
        "noDataColor": [0, 0, 0, 0], "overColor": [1, 2, 3, 255], "underColor": [4, 5, 6, 255]}}
    image, values = europe(ctx, styles=custom_style(style))
    low, high, inside = (values < 100) & (values > 0), values > 200, (values >= 100) & (values <= 200)
    assert low.any() and high.any() and inside.any()
    assert (image[low] == [4, 5, 6, 255]).all()
    assert (image[high] == [1, 2, 3, 255]).all()
    fraction = (values[inside].astype(float) - 100) / 100
    assert np.abs(image[inside][:, 0] - 255 * (1 - fraction)).max() <= 2
    assert np.abs(image[inside][:, 2] - 255 * fraction).max() <= 2
    assert (image[values == 0][:, 3] == 0).all()


def test_logarithmic_gradient(ctx):
    style = {"type": "singleBand", "band": 0, "bandColorizer": {
        "type": "logarithmicGradient",
        "breakpoints": [{"value": 1, "color": [0, 0, 0, 255]}, {"value": 255, "color": [255, 255, 255, 255]}],
        "noDataColor": [0, 0, 0, 0], "overColor": [0, 0, 0, 255], "underColor": [0, 0, 0, 255]}}
    image, values = europe(ctx, styles=custom_style(style))
    valid = values > 0
    expected = 255 * np.log10(values[valid].astype(float)) / np.log10(255)
    assert np.abs(image[valid][:, 0] - expected).max() <= 2


def test_multiband_natural_earth_equals_the_file_rgb(ctx):
    rgb_id = register(ctx["base"], ctx["headers"], NE_RGB)
    style = {"type": "multiBand", "redBand": 2, "greenBand": 1, "blueBand": 0,
             "redMin": 0, "redMax": 255, "redScale": 1, "greenMin": 0, "greenMax": 255, "greenScale": 1,
             "blueMin": 0, "blueMax": 255, "blueScale": 1, "noDataColor": [0, 0, 0, 0]}
    r = get_map(ctx, rgb_id, bbox="-10,100,10,140", width=400, height=200, styles=custom_style(style))
    image = png(r.content)
    row, col = pixel_of(100.05, 9.95)
    for channel in range(3):
        expected = raster(NE2, channel + 1)[row : row + 200, col : col + 400]
        assert (image[..., channel] == expected).all()
    assert (image[..., 3] == 255).all()


def test_axis_order_4326_is_lat_lon_and_3857_is_x_y(ctx):
    image, values = europe(ctx)
    swapped = get_map(ctx, bbox="0,40,20,50", width=200, height=100)  # lon/lat order: a different area
    assert not (png(swapped.content) == image).all()

    to_lonlat = Transformer.from_crs("EPSG:3857", "EPSG:4326", always_xy=True)
    xmin, ymin, xmax, ymax = 0.0, 4_900_000.0, 2_200_000.0, 6_400_000.0
    r = get_map(ctx, crs="EPSG:3857", bbox=f"{xmin},{ymin},{xmax},{ymax}", width=220, height=150)
    merc = png(r.content)
    assert merc.shape == (150, 220, 4)
    ndvi = raster(NDVI_APRIL)
    checked = 0
    for j in range(5, 150, 29):
        for i in range(3, 220, 31):
            x = xmin + (i + 0.5) * (xmax - xmin) / 220
            y = ymax - (j + 0.5) * (ymax - ymin) / 150
            lon, lat = to_lonlat.transform(x, y)
            value = int(ndvi[pixel_of(lon, lat)])
            if value:
                assert abs(int(merc[j, i, 0]) - value) <= 1, (i, j, lon, lat)
                checked += 1
            else:
                assert merc[j, i, 3] == 0
    assert checked > 10


def test_outside_time_or_space_is_the_no_data_colour(ctx):
    for params in ({"time": "2000-01-01T00:00:00Z", "bbox": "40,0,50,20"}, {"bbox": "95,0,100,20"}):
        r = get_map(ctx, width=64, height=32, **params)
        image = png(r.content)
        assert image.shape == (32, 64, 4) and (image[..., 3] == 0).all()


def test_unknown_srs_is_an_xml_exception_with_a_leading_newline(ctx):
    r = get_map(ctx, crs="EPSG:432", bbox="40,0,50,20", width=10, height=10)
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("text/xml")
    assert r.content.startswith(b'\n<?xml version="1.0" encoding="UTF-8"?>')
    root = ET.fromstring(r.content[1:])
    assert root.tag.endswith("ServiceExceptionReport")
    assert "".join(root.itertext()).strip() == "Spatial reference system 'EPSG:432' is unknown"


def test_json_exceptions(ctx):
    for value in ("JSON", "application/json"):
        r = get_map(ctx, crs="EPSG:432", bbox="40,0,50,20", width=10, height=10, exceptions=value)
        assert r.status_code == 200
        assert r.json() == {"error": "UnknownSrsString", "message": "Spatial reference system 'EPSG:432' is unknown"}


def test_handler_errors_use_the_exception_path(ctx):
    other = "00000000-0000-4000-8000-000000000000"
    r = get_map(ctx, layers=other, bbox="40,0,50,20", width=10, height=10, exceptions="JSON")
    assert r.status_code == 200 and r.json()["error"] == "WMSEndpointLayerMissmatch"
    for width in ("0", "4097"):
        r = get_map(ctx, bbox="40,0,50,20", width=width, height=10, exceptions="JSON")
        assert (r.status_code, r.json()["error"]) == (200, "WMSInvalidImageSize")
    r = get_map(ctx, bbox="40,0,50,20", width=10, height=10, styles="custom:{nope")
    assert r.status_code == 200 and r.content.startswith(b"\n<?xml")
    r = get_map(ctx, other, bbox="40,0,50,20", width=10, height=10, exceptions="JSON")
    assert r.json() == {"error": "NoWorkflowForGivenId", "message": "No workflow for given id"}


def test_parse_errors_are_400_json_whatever_exceptions_says(ctx):
    r = get_map(ctx, layers=None, bbox="40,0,50,20", width=10, height=10, exceptions="XML")
    assert r.status_code == 400
    assert r.json() == {"error": "UnableToParseQueryString",
                        "message": "Unable to parse query string: missing field `layers`"}
    r = get_map(ctx, bbox="40,0,50,20", width="XYZ", height=10)
    assert (r.status_code, r.json()["error"]) == (400, "UnableToParseQueryString")
    r = get_map(ctx, bbox="40,0,50", width=10, height=10)
    assert (r.status_code, r.json()["error"]) == (400, "UnableToParseQueryString")
    r = get_map(ctx, version="1.1.1", bbox="40,0,50,20", width=10, height=10)
    assert r.status_code == 400


def test_keys_are_case_insensitive_values_are_not(ctx):
    query = {"SERVICE": "WMS", "VERSION": "1.3.0", "REQUEST": "GetMap", "LAYERS": ctx["ndvi"], "STYLES": "",
             "CRS": "EPSG:4326", "BBOX": "40,0,50,20", "WIDTH": "20", "HEIGHT": "10", "FORMAT": "image/png"}
    r = requests.get(f"{ctx['base']}/wms/{ctx['ndvi']}", params=query, headers=ctx["headers"], timeout=TIMEOUT)
    assert png(r.content).shape == (10, 20, 4)
    query["REQUEST"] = "getmap"
    r = requests.get(f"{ctx['base']}/wms/{ctx['ndvi']}", params=query, headers=ctx["headers"], timeout=TIMEOUT)
    assert r.status_code == 400


def test_crs_defaults_to_the_workflow_crs(ctx):
    r = get_map(ctx, crs=None, bbox="40,0,50,20", width=200, height=100)
    image, _ = europe(ctx)
    assert (png(r.content) == image).all()


@pytest.mark.parametrize("kind", ["GetLegendGraphic", "GetFeatureInfo", "GetStyles"])
def test_not_implemented_requests(ctx, kind):
    r = requests.get(f"{ctx['base']}/wms/{ctx['ndvi']}", params={"service": "WMS", "request": kind},
                     headers=ctx["headers"], timeout=TIMEOUT)
    assert (r.status_code, r.content) == (501, b"")


def test_capabilities(ctx):
    r = requests.get(f"{ctx['base']}/wms/{ctx['ndvi']}", params={"service": "WMS", "request": "GetCapabilities"},
                     headers=ctx["headers"], timeout=TIMEOUT)
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/xml")
    assert r.text.startswith('<WMS_Capabilities xmlns="http://www.opengis.net/wms"')
    ns = {"w": "http://www.opengis.net/wms", "xlink": "http://www.w3.org/1999/xlink"}
    root = ET.fromstring(r.text)
    layers = root.findall(".//w:Layer", ns)
    assert len(layers) == 1 and layers[0].get("queryable") == "1"
    assert layers[0].find("w:Name", ns).text == ctx["ndvi"]
    assert [c.text for c in layers[0].findall("w:CRS", ns)] == ["EPSG:4326"]
    hrefs = {e.get("{http://www.w3.org/1999/xlink}href") for e in root.iter("{http://www.opengis.net/wms}OnlineResource")}
    assert hrefs == {f"{ctx['base']}/wms/{ctx['ndvi']}"}


def test_authorisation_and_vector_workflows(ctx):
    r = requests.get(f"{ctx['base']}/wms/{ctx['ndvi']}", params={"request": "GetCapabilities"}, timeout=TIMEOUT)
    assert r.status_code == 401
    ports = register(ctx["base"], ctx["headers"], PORTS)
    r = get_map(ctx, ports, bbox="40,0,50,20", width=10, height=10, exceptions="JSON")
    assert r.status_code == 200 and r.json()["error"] == "InvalidOperatorType"


def test_world_map_renders_1024_by_512(ctx):
    """(How fast: bench/server_speed.py.)"""
    r = get_map(ctx, bbox="-90,-180,90,180", width=1024, height=512)
    assert png(r.content).shape == (512, 1024, 4)


def test_rendering_does_not_block_the_event_loop(ctx):
    with ThreadPoolExecutor(max_workers=1) as pool:
        big = pool.submit(get_map, ctx, bbox="-90,-180,90,180", width=4096, height=2048)  # ~1 s of work
        answered_while_rendering = 0
        for _ in range(20):  # bounded: at most 20 pings while the big map renders
            assert requests.get(f"{ctx['base']}/available", timeout=TIMEOUT).status_code == 204
            if big.done():
                break
            answered_while_rendering += 1  # a blocked event loop would answer only after the render
            time.sleep(0.02)
        assert png(big.result(timeout=60).content).shape == (2048, 4096, 4)
    assert answered_while_rendering >= 1


def test_invalid_colorizers_name_the_problem(ctx):
    def palette(band, colors):
        return {"type": "singleBand", "band": band, "bandColorizer": {
            "type": "palette", "colors": colors, "noDataColor": [0, 0, 0, 0], "defaultColor": [0, 0, 0, 0]}}

    cases = [
        ({"type": "singleBand", "band": 0}, "missing field `bandColorizer`"),
        ({"type": "rgba"}, "unknown variant `rgba`"),
        (palette(0, {"1": [1, 2, 3]}), "four integers"),
        (palette(3, {}), "Band index 3"),
    ]
    for style, text in cases:
        r = get_map(ctx, bbox="40,0,50,20", width=10, height=10, styles=custom_style(style), exceptions="JSON")
        assert r.status_code == 200 and text in r.json()["message"], (style, r.text)


def test_world_map_of_the_huge_synthetic_raster_reads_an_overview(ctx):
    synthetic = register(ctx["base"], ctx["headers"], SYNTHETIC)
    style = {"type": "singleBand", "band": 0, "bandColorizer": {
        "type": "linearGradient",
        "breakpoints": [{"value": 0, "color": [0, 0, 0, 255]}, {"value": 65520, "color": [255, 255, 255, 255]}],
        "noDataColor": [0, 0, 0, 0], "overColor": [255, 0, 0, 255], "underColor": [0, 0, 255, 255]}}
    r = get_map(ctx, synthetic, bbox="-90,-180,90,180", width=1024, height=512, styles=custom_style(style))
    image = png(r.content)
    assert image.shape == (512, 1024, 4)
    checked = 0
    for j in range(7, 512, 61):
        for i in range(5, 1024, 97):
            col = int((-180 + (i + 0.5) * 360 / 1024 + 180) / 0.0018)
            row = int((90 - (90 - (j + 0.5) * 180 / 512)) / 0.0018)
            value = (col * 7 + row * 13) % 65521
            if 2000 < value < 63500:  # away from the wrap-around of the closed form
                assert abs(int(image[j, i, 0]) - value * 255 / 65520) <= 4, (i, j, value)
                checked += 1
    assert checked > 30
