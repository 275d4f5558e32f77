"""WMS 1.3.0: ``GET /wms/{workflowId}`` with GetCapabilities and GetMap (raster workflows only).

Quirks kept from Geo Engine 0.9.3: errors raised while answering GetMap come back with HTTP 200 as
a ``ServiceExceptionReport`` starting with a newline before ``<?xml`` (or as JSON with
``exceptions=JSON``); a query string that does not parse is a 400 JSON error; capabilities list only
the native CRS and a whole-world box; GetLegendGraphic/GetFeatureInfo/GetStyles answer 501.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass

import numpy as np
from aiohttp import web
from PIL import Image

from . import dataplane
from .app import uuid_param
from .colorizer import default_colorizer, parse_raster_colorizer
from .engine.tiling import tiling_offset
from .engine.types import GeoTransform, TimeInterval
from .errors import ApiError, json_error, query_error
from .ogc_params import (
    OgcQuery,
    OgcRequest,
    bbox_in_axis_order,
    check_known,
    check_positive_area,
    ogc_request,
    ogc_url,
    parse_crs_string,
    parse_numbers,
    parse_uuid,
    same_workflow,
)
from .params import expect_variant, parse_time
from .sampling import OutputGrid, sample, tile_count

NOT_IMPLEMENTED = ("GetLegendGraphic", "GetFeatureInfo", "GetStyles")
REQUESTS = ("GetCapabilities", "GetMap") + NOT_IMPLEMENTED
EXCEPTION_FORMATS = ("XML", "application/vnd.ogc.se_xml", "JSON", "application/json")


@dataclass
class GetMap:
    layers: str
    styles: str
    crs: str | None
    bbox_values: list[float]
    width: int
    height: int
    time: TimeInterval
    json_exceptions: bool


def parse_exceptions(query: OgcQuery) -> bool:
    """True for JSON exceptions, False for XML (the default)."""
    value = query.get("exceptions")
    if value is None:
        return False
    return expect_variant(value, EXCEPTION_FORMATS) in ("JSON", "application/json")


# GetMap parameters: geo-engine/geoengine@5748ef7:geoengine/services/src/api/ogc/wms/request.rs
def parse_get_map(query: OgcQuery, default_time_ms: int) -> GetMap:
    """The GetMap query; problems here are 400 ``UnableToParseQueryString`` whatever ``exceptions`` says."""
    expect_variant(query.require("version"), ("1.3.0",))
    query.check_service("WMS")
    layers = query.require("layers")
    styles = query.require("styles")
    bbox_values = parse_numbers(query.require("bbox"), 4, "bbox")
    width, height = query.uint("width"), query.uint("height")
    expect_variant(query.require("format"), ("image/png", "text/xml"))
    crs = query.get("crs")
    if crs is not None:
        parse_crs_string(crs)
    transparent = query.get("transparent")
    if transparent is not None and transparent not in ("true", "false", "TRUE", "FALSE"):
        raise query_error(f"invalid value for transparent: `{transparent}`")
    time = parse_time(query.get("time"), default_time_ms)
    return GetMap(layers, styles, crs, bbox_values, width, height, time, parse_exceptions(query))


# Errors as XML (HTTP 200) or JSON with exceptions=JSON:
# geo-engine/geoengine@5748ef7:geoengine/services/src/api/handlers/wms.rs
def exception_response(error: ApiError, as_json: bool) -> web.Response:
    """Geo Engine's WMS error answer: HTTP 200, XML with a leading newline, or JSON."""
    if as_json:
        return json_error(200, error.error, error.message)
    body = (
        '\n<?xml version="1.0" encoding="UTF-8"?>\n'
        '    <ServiceExceptionReport version="1.3.0" xmlns="http://www.opengis.net/ogc" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://www.opengis.net/ogc '
        'https://cdc.dwd.de/geoserver/schemas/wms/1.3.0/exceptions_1_3_0.xsd">\n'
        "    <ServiceException>\n"
        f"        {_xml_text(error.message)}\n"
        "    </ServiceException>\n"
        "</ServiceExceptionReport>"
    )
    return web.Response(status=200, text=body, content_type="text/xml")


def _xml_text(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


# styles=custom:<RasterColorizer>: geo-engine/geoengine@5748ef7:geoengine/services/src/api/handlers/wms.rs
def style_colorizer(styles: str):
    """``custom:<RasterColorizer JSON>`` -> renderer; anything else -> the default grey gradient."""
    if not styles.startswith("custom:"):
        return default_colorizer()
    try:
        obj = json.loads(styles[len("custom:") :])
    except json.JSONDecodeError as exc:
        raise ApiError("SerdeJson", f"{exc.msg} at line {exc.lineno} column {exc.colno}") from None
    return parse_raster_colorizer(obj)


def blit_slices(operator, bands: list[int], slices: list[TimeInterval], grid: OutputGrid) -> list[np.ma.MaskedArray]:
    """Every time slice of ``TIME`` folded into one map, as Geo Engine 0.9.3 does: the map's 512 px tiles (on the
    output grid's tiling grid) arrive slice by slice; a tile without any data is skipped, any other overwrites the
    tile whole, no-data pixels included, so the last slice with data in a tile wins
    (geo-engine/geoengine@5748ef7:geoengine/operators/src/util/raster_stream_to_png.rs ``blit_tile``).
    Tiles are judged by the map's pixels only (the real server also sees the tile's pixels beyond the map)."""
    size = 512
    dx = (grid.bbox.xmax - grid.bbox.xmin) / grid.width
    dy = (grid.bbox.ymax - grid.bbox.ymin) / grid.height
    shift_x, shift_y = tiling_offset(GeoTransform(grid.bbox.xmin, grid.bbox.ymax, dx, -dy))
    tx = (np.arange(grid.width) - shift_x) // size
    ty = (np.arange(grid.height) - shift_y) // size
    tx, ty = tx - tx[0], ty - ty[0]
    tile_of = ty[:, None] * (tx[-1] + 1) + tx[None, :]
    result = None
    for time in slices:
        sampled = sample(operator, bands, time, grid)
        if result is None:
            result = [np.ma.masked_array(b.data.copy(), mask=np.ma.getmaskarray(b).copy()) for b in sampled]
            continue
        valid = np.zeros((grid.height, grid.width), dtype=bool)
        for b in sampled:
            valid |= ~np.ma.getmaskarray(b)
        filled = np.bincount(tile_of[valid], minlength=int(tile_of.max()) + 1) > 0
        take = filled[tile_of]
        for target, b in zip(result, sampled):
            target.data[take] = b.data[take]
            target.mask[take] = np.ma.getmaskarray(b)[take]
    return result


def render_png(operator, colorizer, grid: OutputGrid, time: TimeInterval) -> bytes:
    """The map as an RGBA PNG of exactly ``grid.width`` x ``grid.height`` pixels."""
    band_count = len(operator.descriptor.bands)
    for band in colorizer.bands:
        if band >= band_count:
            raise ApiError("InvalidBandIndex", f"Band index {band} is out of range (the raster has {band_count})")
    slices = operator.time_slices(time)
    if slices:
        rgba = colorizer.render(blit_slices(operator, colorizer.bands, slices, grid))
    else:
        rgba = np.empty((grid.height, grid.width, 4), dtype=np.uint8)
        rgba[...] = colorizer.no_data_color
    buffer = io.BytesIO()
    Image.fromarray(rgba, "RGBA").save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue()


async def get_map(request: web.Request, call: OgcRequest, params: GetMap) -> web.Response:
    config = request.app["config"]
    workflow_id = call.workflow_id
    if not same_workflow(parse_uuid(params.layers), workflow_id):
        raise ApiError(
            "WMSEndpointLayerMissmatch", f"WMS request endpoint {workflow_id} must match layer {params.layers}"
        )
    limit = config.wms_max_size
    if not (1 <= params.width <= limit and 1 <= params.height <= limit):
        raise ApiError(
            "WMSInvalidImageSize",
            f"The requested image size {params.width}x{params.height} is invalid: "
            f"width and height must be between 1 and {limit}",
        )
    colorizer = style_colorizer(params.styles)
    computation = await dataplane.start(request, workflow_id, "Raster", call.session)
    operator = computation.operator
    crs = check_known(params.crs or operator.descriptor.spatial_reference)
    check_known(operator.descriptor.spatial_reference)
    bbox = check_positive_area(bbox_in_axis_order(params.bbox_values, crs))
    grid = OutputGrid(bbox, params.width, params.height, crs)
    png = await computation.in_thread(render_png, colorizer, grid, params.time)
    x_res, y_res = (bbox.xmax - bbox.xmin) / params.width, (bbox.ymax - bbox.ymin) / params.height
    tiles = tile_count(GeoTransform(bbox.xmin, bbox.ymax, x_res, -y_res), bbox, config.tile_size)
    return dataplane.data_response(png, "image/png", computation.record(tiles))


def _request_xml(name: str, fmt: str, url: str) -> str:
    return f"""            <{name}>
                <Format>{fmt}</Format>
                <DCPType>
                    <HTTP>
                        <Get>
                            <OnlineResource xlink:href="{url}"/>
                        </Get>
                    </HTTP>
                </DCPType>
            </{name}>"""


# geo-engine/geoengine@5748ef7:geoengine/services/src/api/handlers/wms.rs (capabilities)
def capabilities_xml(url: str, workflow_id: str, crs: str) -> str:
    return f"""<WMS_Capabilities xmlns="http://www.opengis.net/wms" xmlns:sld="http://www.opengis.net/sld" \
xmlns:xlink="http://www.w3.org/1999/xlink" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" version="1.3.0" \
xsi:schemaLocation="http://www.opengis.net/wms http://schemas.opengis.net/wms/1.3.0/capabilities_1_3_0.xsd \
http://www.opengis.net/sld http://schemas.opengis.net/sld/1.1.0/sld_capabilities.xsd">
    <Service>
        <Name>WMS</Name>
        <Title>Geo Engine WMS</Title>
        <OnlineResource xmlns:xlink="http://www.w3.org/1999/xlink" xlink:href="{url}"/>
    </Service>
    <Capability>
        <Request>
{_request_xml("GetCapabilities", "text/xml", url)}
{_request_xml("GetMap", "image/png", url)}
        </Request>
        <Exception>
            <Format>XML</Format>
            <Format>JSON</Format>
        </Exception>
        <Layer queryable="1">
            <Name>{workflow_id}</Name>
            <Title>Workflow {workflow_id}</Title>
            <CRS>{crs}</CRS>
            <EX_GeographicBoundingBox>
                <westBoundLongitude>-180</westBoundLongitude>
                <eastBoundLongitude>180</eastBoundLongitude>
                <southBoundLatitude>-90</southBoundLatitude>
                <northBoundLatitude>90</northBoundLatitude>
            </EX_GeographicBoundingBox>
            <BoundingBox CRS="EPSG:4326" minx="-90.0" miny="-180.0" maxx="90.0" maxy="180.0"/>
        </Layer>
    </Capability>
</WMS_Capabilities>"""


async def get_capabilities(request: web.Request, call: OgcRequest) -> web.Response:
    workflow_id = call.workflow_id
    _, operator = await dataplane.open_operator(request, workflow_id, "Raster", call.session)
    xml = capabilities_xml(ogc_url(request, "wms", workflow_id), workflow_id, operator.descriptor.spatial_reference)
    return web.Response(text=xml, content_type="text/xml")


async def wms_handler(request: web.Request) -> web.Response:
    call = ogc_request(request, REQUESTS)
    if call.kind in NOT_IMPLEMENTED:
        return web.Response(status=501)
    if call.kind == "GetCapabilities":
        return await get_capabilities(request, call)
    params = parse_get_map(call.query, request.app["config"].default_ogc_time_ms)
    try:
        return await get_map(request, call, params)
    except ApiError as exc:
        if exc.status == 401:
            raise
        return exception_response(exc, params.json_exceptions)


def add_routes(app: web.Application) -> None:
    app.router.add_get(f"/wms/{uuid_param('workflow_id')}", wms_handler)

