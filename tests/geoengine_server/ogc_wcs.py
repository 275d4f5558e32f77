"""WCS 1.1.x: ``GET /wcs/{workflowId}`` with GetCapabilities, DescribeCoverage, GetCoverage (rasters).

Quirks kept from Geo Engine 0.9.3: the CRS must be a ``urn:ogc:def:crs:EPSG::<code>`` URN; the
bounding box and the grid offsets / ``resx``, ``resy`` are in the CRS axis order (EPSG:4326 is
lat/lon); ``gridorigin`` is ignored (the output starts at the box's upper-left corner); only the first
band is returned, as a single-band GeoTIFF; errors are 400 JSON.

Tile limit: the output grid (origin at the box's upper-left corner, the requested or native
resolution) is cut into Geo Engine's 512 x 512 tiling grid anchored at the pixel edge nearest to
(0, 0); the tiles the box touches, times the number of time slices in the query, are what Geo Engine
would compute. More than ``config.wcs_tile_limit`` is ``TileLimitExceeded``. Only the first time
slice is written to the file.

No-data: with ``nodatavalue`` the masked pixels take that value and the band declares it; without
it the GeoTIFF carries an internal per-dataset mask band.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from aiohttp import web

from . import dataplane
from .app import uuid_param
from .engine.types import NUMPY_TYPES, BBox, GeoTransform, RasterOperator, TimeInterval
from .errors import ApiError, missing_field, query_error
from .geotiff import geotiff_bytes
from .ogc_params import (
    OgcQuery,
    OgcRequest,
    bbox_in_axis_order,
    check_known,
    check_positive_area,
    is_north_east,
    ogc_request,
    ogc_url,
    parse_crs_urn,
    parse_float,
    parse_numbers,
    parse_uuid,
    same_workflow,
    transform_bbox,
)
from .params import expect_variant, parse_time
from .sampling import OutputGrid, sample, tile_count

# WCS 1.1.x handler and request parsing (URN CRS, axis order, timesequence, tile limit):
# geo-engine/geoengine@5748ef7:geoengine/services/src/api/handlers/wcs.rs,
# geo-engine/geoengine@5748ef7:geoengine/services/src/api/ogc/wcs/request.rs
REQUESTS = ("GetCapabilities", "DescribeCoverage", "GetCoverage")
VERSIONS = ("1.1.0", "1.1.1")


def rust_float(value: float) -> str:
    """A float as Rust's ``Display`` writes it: ``-90``, ``0.1``, never an exponent."""
    return np.format_float_positional(float(value), trim="-")


def check_version(query: OgcQuery, required: bool) -> None:
    version = query.require("version") if required else query.get("version")
    if version is not None:
        expect_variant(version, VERSIONS)


def _operation_xml(name: str, url: str) -> str:
    return f"""                <ows:Operation name="{name}">
                    <ows:DCP>
                        <ows:HTTP>
                                <ows:Get xlink:href="{url}?"/>
                        </ows:HTTP>
                    </ows:DCP>
                </ows:Operation>"""


def capabilities_xml(url: str, workflow_id: str) -> str:
    operations = "\n".join(_operation_xml(name, url) for name in REQUESTS)
    return f"""<?xml version="1.0" encoding="UTF-8"?>
    <wcs:Capabilities version="1.1.1"
            xmlns:wcs="http://www.opengis.net/wcs/1.1.1"
            xmlns:xlink="http://www.w3.org/1999/xlink"
            xmlns:ogc="http://www.opengis.net/ogc"
            xmlns:ows="http://www.opengis.net/ows/1.1"
            xmlns:gml="http://www.opengis.net/gml"
            xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" \
xsi:schemaLocation="http://www.opengis.net/wcs/1.1.1 {url}/schemas/wcs/1.1.1/wcsGetCapabilities.xsd" \
updateSequence="152">
            <ows:ServiceIdentification>
                <ows:Title>Web Coverage Service</ows:Title>
                <ows:ServiceType>WCS</ows:ServiceType>
                <ows:ServiceTypeVersion>1.1.1</ows:ServiceTypeVersion>
                <ows:Fees>NONE</ows:Fees>
                <ows:AccessConstraints>NONE</ows:AccessConstraints>
            </ows:ServiceIdentification>
            <ows:ServiceProvider>
                <ows:ProviderName>Provider Name</ows:ProviderName>
            </ows:ServiceProvider>
            <ows:OperationsMetadata>
{operations}
            </ows:OperationsMetadata>
            <wcs:Contents>
                <wcs:CoverageSummary>
                    <ows:Title>Workflow {workflow_id}</ows:Title>
                    <ows:WGS84BoundingBox>
                        <ows:LowerCorner>-180.0 -90.0</ows:LowerCorner>
                        <ows:UpperCorner>180.0 90.0</ows:UpperCorner>
                    </ows:WGS84BoundingBox>
                    <wcs:Identifier>{workflow_id}</wcs:Identifier>
                </wcs:CoverageSummary>
            </wcs:Contents>
    </wcs:Capabilities>"""


def describe_xml(url: str, workflow_id: str, operator: RasterOperator) -> str:
    d = operator.descriptor
    crs = d.spatial_reference
    authority, _, code = crs.partition(":")
    b = d.data_bounds()
    lower, upper = ((b.ymin, b.xmin), (b.ymax, b.xmax)) if is_north_east(crs) else ((b.xmin, b.ymin), (b.xmax, b.ymax))
    f = rust_float
    return f"""<?xml version="1.0" encoding="UTF-8"?>
    <wcs:CoverageDescriptions xmlns:wcs="http://www.opengis.net/wcs/1.1.1"
        xmlns:xlink="http://www.w3.org/1999/xlink"
        xmlns:ogc="http://www.opengis.net/ogc"
        xmlns:ows="http://www.opengis.net/ows/1.1"
        xmlns:gml="http://www.opengis.net/gml"
        xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" \
xsi:schemaLocation="http://www.opengis.net/wcs/1.1.1 {url}/schemas/wcs/1.1.1/wcsDescribeCoverage.xsd">
        <wcs:CoverageDescription>
            <ows:Title>Workflow {workflow_id}</ows:Title>
            <wcs:Identifier>{workflow_id}</wcs:Identifier>
            <wcs:Domain>
                <wcs:SpatialDomain>
                    <ows:BoundingBox crs="urn:ogc:def:crs:{authority}::{code}" dimensions="2">
                        <ows:LowerCorner>{f(lower[0])} {f(lower[1])}</ows:LowerCorner>
                        <ows:UpperCorner>{f(upper[0])} {f(upper[1])}</ows:UpperCorner>
                    </ows:BoundingBox>
                    <ows:BoundingBox crs="urn:ogc:def:crs:OGC:1.3:CRS:imageCRS" dimensions="2">
                        <ows:LowerCorner>0 0</ows:LowerCorner>
                        <ows:UpperCorner>{d.grid_bounds.width} {d.grid_bounds.height}</ows:UpperCorner>
                    </ows:BoundingBox>
                    <wcs:GridCRS>
                        <wcs:GridBaseCRS>urn:ogc:def:crs:{authority}::{code}</wcs:GridBaseCRS>
                        <wcs:GridType>urn:ogc:def:method:WCS:1.1:2dGridIn2dCrs</wcs:GridType>
                        <wcs:GridOrigin>{f(b.xmin)} {f(b.ymax)}</wcs:GridOrigin>
                        <wcs:GridOffsets>{f(abs(d.geo_transform.x_pixel_size))} 0.0 0.0 \
{f(-abs(d.geo_transform.y_pixel_size))}</wcs:GridOffsets>
                        <wcs:GridCS>urn:ogc:def:cs:OGC:0.0:Grid2dSquareCS</wcs:GridCS>
                    </wcs:GridCRS>
                </wcs:SpatialDomain>
            </wcs:Domain>
            <wcs:Range>
                <wcs:Field>
                    <wcs:Identifier>contents</wcs:Identifier>
                    <wcs:Axis identifier="Bands">
                        <wcs:AvailableKeys>
                            <wcs:Key>{d.bands[0].name}</wcs:Key>
                        </wcs:AvailableKeys>
                    </wcs:Axis>
                </wcs:Field>
            </wcs:Range>
            <wcs:SupportedCRS>{crs}</wcs:SupportedCRS>
            <wcs:SupportedFormat>image/tiff</wcs:SupportedFormat>
        </wcs:CoverageDescription>
    </wcs:CoverageDescriptions>"""


@dataclass
class GetCoverage:
    identifier: str
    bbox_values: list[float]
    bbox_crs: str | None
    crs: str
    offsets: tuple[float, float] | None  # CRS axis order, absolute values
    time: TimeInterval
    no_data: float | None


def parse_get_coverage(query: OgcQuery, default_time_ms: int) -> GetCoverage:
    query.check_service("WCS")
    check_version(query, required=True)
    identifier = query.require("identifier")
    expect_variant(query.require("format"), ("image/tiff",))
    parts = query.require("boundingbox").split(",")
    if len(parts) not in (4, 5):
        raise query_error("Invalid bbox")
    bbox_values = parse_numbers(",".join(parts[:4]), 4, "bbox")
    bbox_crs = parse_crs_urn(parts[4]) if len(parts) == 5 else None
    crs_text = query.get("gridbasecrs", query.get("crs"))
    if crs_text is None:
        raise missing_field("gridbasecrs")
    crs = parse_crs_urn(crs_text)
    offsets = None
    if "gridoffsets" in query:
        a, b = parse_numbers(query.get("gridoffsets"), 2, "grid offset")
        offsets = (abs(a), abs(b))
    elif "resx" in query and "resy" in query:
        offsets = (abs(parse_float(query.get("resx"))), abs(parse_float(query.get("resy"))))
    time = parse_time(query.get("time", query.get("timesequence")), default_time_ms)
    no_data = parse_float(query.get("nodatavalue")) if "nodatavalue" in query else None
    return GetCoverage(identifier, bbox_values, bbox_crs, crs, offsets, time, no_data)


def output_grid(params: GetCoverage, operator: RasterOperator) -> tuple[OutputGrid, GeoTransform]:
    """The output pixel grid: upper-left corner of the box, requested or native resolution."""
    crs = params.crs
    bbox = check_positive_area(bbox_in_axis_order(params.bbox_values, crs))
    if params.offsets is not None:
        first, second = params.offsets
        x_res, y_res = (second, first) if is_north_east(crs) else (first, second)
    else:
        x_res, y_res = native_resolution(operator, bbox, crs)
    if not (x_res > 0 and y_res > 0):
        raise ApiError("WcsInvalidGridOffsets", "Wcs invalid grid offsets")
    width = max(1, math.ceil((bbox.xmax - bbox.xmin) / x_res - 1e-9))
    height = max(1, math.ceil((bbox.ymax - bbox.ymin) / y_res - 1e-9))
    grid_box = BBox(bbox.xmin, bbox.ymax - height * y_res, bbox.xmin + width * x_res, bbox.ymax)
    return OutputGrid(grid_box, width, height, crs), GeoTransform(bbox.xmin, bbox.ymax, x_res, -y_res)


def native_resolution(operator: RasterOperator, bbox: BBox, crs: str) -> tuple[float, float]:
    gt = operator.descriptor.geo_transform
    native = operator.descriptor.spatial_reference
    if crs == native:
        return abs(gt.x_pixel_size), abs(gt.y_pixel_size)
    # Keep about as many pixels as the native grid has across the box.
    box = transform_bbox(bbox, crs, native)
    columns = max(1.0, (box.xmax - box.xmin) / abs(gt.x_pixel_size))
    rows = max(1.0, (box.ymax - box.ymin) / abs(gt.y_pixel_size))
    return (bbox.xmax - bbox.xmin) / columns, (bbox.ymax - bbox.ymin) / rows


def coverage(operator: RasterOperator, params: GetCoverage, grid: OutputGrid, gt: GeoTransform,
             slices: list[TimeInterval]) -> bytes:
    if slices:
        values = sample(operator, [0], slices[0], grid)[0]
    else:
        values = np.ma.masked_all((grid.height, grid.width), dtype=NUMPY_TYPES[operator.descriptor.data_type])
    return geotiff_bytes(values, gt, params.crs, params.no_data)


async def get_coverage(request: web.Request, call: OgcRequest, params: GetCoverage) -> web.Response:
    config = request.app["config"]
    workflow_id = call.workflow_id
    if not same_workflow(parse_uuid(params.identifier), workflow_id):
        raise ApiError(
            "WCSEndpointIdentifierMissmatch",
            f"WCS request endpoint {workflow_id} must match identifier {params.identifier}",
        )
    if params.bbox_crs is not None and params.bbox_crs != params.crs:
        raise ApiError("WcsBoundingboxCrsMustEqualGridBaseCrs", "Wcs boundingbox crs must equal grid base crs")
    computation = await dataplane.start(request, workflow_id, "Raster", call.session)
    operator = computation.operator
    check_known(params.crs)
    check_known(operator.descriptor.spatial_reference)
    grid, gt = output_grid(params, operator)
    slices = operator.time_slices(params.time)
    tiles = tile_count(gt, grid.bbox, config.tile_size) * max(1, len(slices))
    if tiles > config.wcs_tile_limit:
        raise ApiError("TileLimitExceeded", f"Exceeded the tile limit {config.wcs_tile_limit}")
    body = await computation.in_thread(coverage, params, grid, gt, slices)
    return dataplane.data_response(body, "image/tiff", computation.record(tiles))


async def wcs_handler(request: web.Request) -> web.Response:
    call = ogc_request(request, REQUESTS)
    workflow_id, query = call.workflow_id, call.query
    url = ogc_url(request, "wcs", workflow_id)
    if call.kind == "GetCapabilities":
        check_version(query, required=False)
        return web.Response(text=capabilities_xml(url, workflow_id), content_type="text/xml")
    if call.kind == "DescribeCoverage":
        check_version(query, required=True)
        identifiers = query.require("identifiers")
        if not same_workflow(identifiers, workflow_id):
            raise ApiError(
                "WCSEndpointIdentifiersMissmatch",
                f"WCS request endpoint {workflow_id} must match identifiers {identifiers}",
            )
        _, operator = await dataplane.open_operator(request, workflow_id, "Raster", call.session)
        check_known(operator.descriptor.spatial_reference)
        return web.Response(text=describe_xml(url, workflow_id, operator), content_type="text/xml")
    params = parse_get_coverage(query, request.app["config"].default_ogc_time_ms)
    return await get_coverage(request, call, params)


def add_routes(app: web.Application) -> None:
    app.router.add_get(f"/wcs/{uuid_param('workflow_id')}", wcs_handler)
