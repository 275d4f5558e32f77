"""WMS 1.3.0: ``GET /wms/{workflowId}`` with GetCapabilities and GetMap (raster workflows only).

Quirks kept from Geo Engine 0.9.3: errors raised while answering GetMap come back with HTTP 200 as
a ``ServiceExceptionReport`` starting with a newline before ``<?xml`` (or as JSON with
``exceptions=JSON``); a query string that does not parse is a 400 JSON error; capabilities list only
the native CRS and a whole-world box; GetLegendGraphic/GetFeatureInfo/GetStyles answer 501.
"""

from __future__ import annotations

import io
import json
import uuid
from dataclasses import dataclass

import numpy as np
from aiohttp import web
from PIL import Image

from . import dataplane
from .app import uuid_param
from .auth import require_session
from .colorizer import default_colorizer, parse_raster_colorizer
from .engine.types import GeoTransform, TimeInterval
from .errors import ApiError, json_error, query_error
from .ogc_params import OgcQuery, bbox_in_axis_order, check_known, parse_crs_string, parse_numbers
from .sampling import OutputGrid, sample, tile_count
from .timeutil import TimeParseError, parse_time_param

NOT_IMPLEMENTED = ("GetLegendGraphic", "GetFeatureInfo", "GetStyles")
REQUESTS = ("GetCapabilities", "GetMap") + NOT_IMPLEMENTED


def ogc_url(request: web.Request, service: str, workflow_id: str) -> str:
    """``<external address>/<service>/<id>`` as Geo Engine writes it into capabilities."""
    base = request.app["config"].external_address or f"{request.scheme}://{request.host}/api/"
    return f"{base.rstrip('/')}/{service}/{workflow_id}"


def dispatch_value(query: OgcQuery) -> str:
    value = query.require("request")
    if value not in REQUESTS:
        raise query_error(f"unknown variant `{value}`, expected one of " + ", ".join(f"`{r}`" for r in REQUESTS))
    return value


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
    if value is None or value in ("XML", "application/vnd.ogc.se_xml"):
        return False
    if value in ("JSON", "application/json"):
        return True
    raise query_error(f"unknown variant `{value}`, expected one of `XML`, `application/vnd.ogc.se_xml`, "
                      "`JSON`, `application/json`")


def parse_get_map(query: OgcQuery, default_time_ms: int) -> GetMap:
    """The GetMap query; problems here are 400 ``UnableToParseQueryString`` whatever ``exceptions`` says."""
    version = query.require("version")
    if version != "1.3.0":
        raise query_error(f"unknown variant `{version}`, expected `1.3.0`")
    if query.require("service") != "WMS":
        raise query_error(f"unknown variant `{query.get('service')}`, expected `WMS`")
    layers = query.require("layers")
    styles = query.require("styles")
    bbox_values = parse_numbers(query.require("bbox"), 4, "bbox")
    width, height = query.uint("width"), query.uint("height")
    fmt = query.require("format")
    if fmt not in ("image/png", "text/xml"):
        raise query_error(f"unknown variant `{fmt}`, expected `image/png` or `text/xml`")
    crs = query.get("crs")
    if crs is not None:
        parse_crs_string(crs)
    transparent = query.get("transparent")
    if transparent is not None and transparent not in ("true", "false", "TRUE", "FALSE"):
        raise query_error(f"invalid value for transparent: `{transparent}`")
    try:
        time = parse_time_param(query.get("time"), default_time_ms)
    except TimeParseError as exc:
        raise query_error(str(exc)) from None
    return GetMap(layers, styles, crs, bbox_values, width, height, time, parse_exceptions(query))


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


def style_colorizer(styles: str):
    """``custom:<RasterColorizer JSON>`` -> renderer; anything else -> the default grey gradient."""
    if not styles.startswith("custom:"):
        return default_colorizer()
    try:
        obj = json.loads(styles[len("custom:") :])
    except json.JSONDecodeError as exc:
        raise ApiError("SerdeJson", f"{exc.msg} at line {exc.lineno} column {exc.colno}") from None
    return parse_raster_colorizer(obj)


def render_png(operator, colorizer, grid: OutputGrid, time: TimeInterval) -> bytes:
    """The map as an RGBA PNG of exactly ``grid.width`` x ``grid.height`` pixels."""
    band_count = len(operator.descriptor.bands)
    for band in colorizer.bands:
        if band >= band_count:
            raise ApiError("InvalidBandIndex", f"Band index {band} is out of range (the raster has {band_count})")
    slices = operator.time_slices(time)
    if slices:
        bands = sample(operator, colorizer.bands, slices[0], grid)
        rgba = colorizer.render(bands)
    else:
        rgba = np.empty((grid.height, grid.width, 4), dtype=np.uint8)
        rgba[...] = colorizer.no_data_color
    buffer = io.BytesIO()
    Image.fromarray(rgba, "RGBA").save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue()


async def get_map(request: web.Request, workflow_id: str, params: GetMap) -> web.Response:
    config = request.app["config"]
    try:
        uuid.UUID(params.layers)
    except ValueError:
        raise ApiError("InvalidUuid", "Identifier does not have the right format.") from None
    if params.layers.lower() != workflow_id.lower():
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
    computation = await dataplane.start(request, workflow_id, "Raster")
    operator = computation.operator
    crs = check_known(params.crs or operator.descriptor.spatial_reference)
    check_known(operator.descriptor.spatial_reference)
    bbox = bbox_in_axis_order(params.bbox_values, crs)
    if not (bbox.xmax > bbox.xmin and bbox.ymax > bbox.ymin):
        raise ApiError("InvalidBoundingBox", "The bounding box must have a positive width and height")
    grid = OutputGrid(bbox, params.width, params.height, crs)
    png = await computation.in_thread(render_png, colorizer, grid, params.time)
    x_res, y_res = (bbox.xmax - bbox.xmin) / params.width, (bbox.ymax - bbox.ymin) / params.height
    tiles = tile_count(GeoTransform(bbox.xmin, bbox.ymax, x_res, -y_res), bbox, config.tile_size)
    response = web.Response(body=png, content_type="image/png", headers={"Cache-Control": "no-cache"})
    return dataplane.with_computation_id(response, computation.record(tiles))


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
            <GetCapabilities>
                <Format>text/xml</Format>
                <DCPType>
                    <HTTP>
                        <Get>
                            <OnlineResource xlink:href="{url}"/>
                        </Get>
                    </HTTP>
                </DCPType>
            </GetCapabilities>
            <GetMap>
                <Format>image/png</Format>
                <DCPType>
                    <HTTP>
                        <Get>
                            <OnlineResource xlink:href="{url}"/>
                        </Get>
                    </HTTP>
                </DCPType>
            </GetMap>
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


async def get_capabilities(request: web.Request, workflow_id: str) -> web.Response:
    _, operator = await dataplane.open_operator(request, workflow_id, "Raster")
    xml = capabilities_xml(ogc_url(request, "wms", workflow_id), workflow_id, operator.descriptor.spatial_reference)
    return web.Response(text=xml, content_type="text/xml")


async def wms_handler(request: web.Request) -> web.Response:
    require_session(request)
    workflow_id = request.match_info["workflow_id"]
    query = OgcQuery(request.query)
    kind = dispatch_value(query)
    if kind in NOT_IMPLEMENTED:
        return web.Response(status=501)
    if kind == "GetCapabilities":
        return await get_capabilities(request, workflow_id)
    params = parse_get_map(query, request.app["config"].default_ogc_time_ms)
    try:
        return await get_map(request, workflow_id, params)
    except ApiError as exc:
        if exc.status == 401:
            raise
        return exception_response(exc, params.json_exceptions)


def add_routes(app: web.Application) -> None:
    app.router.add_get(f"/wms/{uuid_param('workflow_id')}", wms_handler)

