"""WFS 2.0.0: ``GET /wfs/{workflowId}`` with GetCapabilities and GetFeature (vector workflows only).

Quirks kept from Geo Engine 0.9.3: capabilities are served as ``text/html``; ``typeNames`` is the
plain workflow UUID (a namespace is ``InvalidNamespace``); ``bbox`` is always x/y and exactly four
numbers; ``srsName`` is required and reprojects when it differs from the workflow CRS; the output is
always GeoJSON with a ``when`` member per feature; errors are 400 JSON. The type name
``93d6785e-5eea-4e0e-8074-e7f78733d988`` is a built-in mock of five points.
"""

from __future__ import annotations

import json

from aiohttp import web

from . import dataplane
from .app import uuid_param
from .arrow_codec import batch_count
from .engine import reproject_features
from .engine.types import BBox, Column, FeatureCollection, TimeInterval, VectorDescriptor
from .errors import ApiError
from .geojson import feature_collection_json
from .ogc_params import (
    OgcRequest,
    check_known,
    ogc_request,
    ogc_url,
    parse_crs_string,
    parse_numbers,
    parse_uuid,
    same_workflow,
    transform_bbox,
)
from .params import expect_variant, parse_time

# The built-in mock type name: geo-engine/geoengine@5748ef7:geoengine/services/src/api/handlers/wfs.rs
# (get_feature_mock)
MOCK_TYPE_NAME = "93d6785e-5eea-4e0e-8074-e7f78733d988"
REQUESTS = ("GetCapabilities", "GetFeature")


def mock_features() -> tuple[FeatureCollection, VectorDescriptor]:
    points = [(0.0, 0.1), (1.0, 1.1), (2.0, 3.1), (3.0, 3.1), (4.0, 4.1)]
    features = FeatureCollection(
        [f"MULTIPOINT(({x} {y}))" for x, y in points], [0] * 5, [1] * 5, {"foo": [0, None, 2, 3, 4]}
    )
    return features, VectorDescriptor("MultiPoint", "EPSG:4326", {"foo": Column("int")})


# Request parsing and capabilities: geo-engine/geoengine@5748ef7:geoengine/services/src/api/ogc/wfs/request.rs,
# geo-engine/geoengine@5748ef7:geoengine/services/src/api/handlers/wfs.rs
def parse_type_names(value: str) -> str:
    _, namespace_separator, name = value.rpartition(":")
    if namespace_separator:
        raise ApiError("InvalidNamespace", "Invalid namespace")
    return parse_uuid(name)


def capabilities_xml(url: str, workflow_id: str, crs: str) -> str:
    authority, _, code = crs.partition(":")
    dcp = f"""            <ows:DCP>
                <ows:HTTP>
                    <ows:Get xlink:href="{url}"/>
                    <ows:Post xlink:href="{url}"/>
                </ows:HTTP>
            </ows:DCP>"""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<wfs:WFS_Capabilities version="2.0.0"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
    xmlns="http://www.opengis.net/wfs/2.0"
    xmlns:wfs="http://www.opengis.net/wfs/2.0"
    xmlns:ows="http://www.opengis.net/ows/1.1"
    xmlns:xlink="http://www.w3.org/1999/xlink"
    xmlns:xs="http://www.w3.org/2001/XMLSchema" \
xsi:schemaLocation="http://www.opengis.net/wfs/2.0 http://schemas.opengis.net/wfs/2.0/wfs.xsd"
    xmlns:xml="http://www.w3.org/XML/1998/namespace">
    <ows:ServiceIdentification>
        <ows:Title>Geo Engine</ows:Title>
        <ows:ServiceType>WFS</ows:ServiceType>
        <ows:ServiceTypeVersion>2.0.0</ows:ServiceTypeVersion>
        <ows:Fees>NONE</ows:Fees>
        <ows:AccessConstraints>NONE</ows:AccessConstraints>
    </ows:ServiceIdentification>
    <ows:ServiceProvider>
        <ows:ProviderName>Geo Engine</ows:ProviderName>
        <ows:ServiceContact>
            <ows:ContactInfo>
                <ows:Address>
                    <ows:ElectronicMailAddress>info@geoengine.de</ows:ElectronicMailAddress>
                </ows:Address>
            </ows:ContactInfo>
        </ows:ServiceContact>
    </ows:ServiceProvider>
    <ows:OperationsMetadata>
        <ows:Operation name="GetCapabilities">
{dcp}
            <ows:Parameter name="AcceptVersions">
                <ows:AllowedValues>
                    <ows:Value>2.0.0</ows:Value>
                </ows:AllowedValues>
            </ows:Parameter>
            <ows:Parameter name="AcceptFormats">
                <ows:AllowedValues>
                    <ows:Value>text/xml</ows:Value>
                </ows:AllowedValues>
            </ows:Parameter>
        </ows:Operation>
        <ows:Operation name="GetFeature">
{dcp}
            <ows:Parameter name="resultType">
                <ows:AllowedValues>
                    <ows:Value>results</ows:Value>
                    <ows:Value>hits</ows:Value>
                </ows:AllowedValues>
            </ows:Parameter>
            <ows:Parameter name="outputFormat">
                <ows:AllowedValues>
                    <ows:Value>application/json</ows:Value>
                    <ows:Value>json</ows:Value>
                </ows:AllowedValues>
            </ows:Parameter>
            <ows:Constraint name="PagingIsTransactionSafe">
                <ows:NoValues/>
                <ows:DefaultValue>FALSE</ows:DefaultValue>
            </ows:Constraint>
        </ows:Operation>
        <ows:Constraint name="ImplementsBasicWFS">
            <ows:NoValues/>
            <ows:DefaultValue>TRUE</ows:DefaultValue>
        </ows:Constraint>
    </ows:OperationsMetadata>
    <FeatureTypeList>
        <FeatureType>
            <Name>{workflow_id}</Name>
            <Title>Workflow {workflow_id}</Title>
            <DefaultCRS>urn:ogc:def:crs:{authority}::{code}</DefaultCRS>
            <ows:WGS84BoundingBox>
                <ows:LowerCorner>-90 -180</ows:LowerCorner>
                <ows:UpperCorner>90 180</ows:UpperCorner>
            </ows:WGS84BoundingBox>
        </FeatureType>
    </FeatureTypeList>
</wfs:WFS_Capabilities>"""


async def get_capabilities(request: web.Request, call: OgcRequest) -> web.Response:
    workflow_id = call.workflow_id
    if same_workflow(MOCK_TYPE_NAME, workflow_id):
        crs = "EPSG:4326"
    else:
        _, operator = await dataplane.open_operator(request, workflow_id, "Vector", call.session)
        crs = operator.descriptor.spatial_reference
    xml = capabilities_xml(ogc_url(request, "wfs", workflow_id), workflow_id, crs)
    return web.Response(text=xml, content_type="text/html", charset="utf-8")


def encode(body: dict) -> bytes:
    return json.dumps(body, separators=(",", ":")).encode()


def query_features(operator, bbox: BBox, time: TimeInterval, srs: str, chunk_bytes: int) -> tuple[bytes, int]:
    """GeoJSON (encoded) of the features in ``bbox`` (``srs``) and the number of batches the query produced."""
    native = operator.descriptor.spatial_reference
    features = operator.query(transform_bbox(bbox, srs, native), time)
    batches = max(1, batch_count(features, chunk_bytes))
    features = reproject_features(features, native, srs)
    return encode(feature_collection_json(features, operator.descriptor)), batches


async def get_feature(request: web.Request, call: OgcRequest) -> web.Response:
    config = request.app["config"]
    workflow_id, query = call.workflow_id, call.query
    query.check_service("WFS")
    version = query.get("version")
    if version is not None:
        expect_variant(version, ("2.0.0",))
    type_names = query.require("typenames", "typeNames")
    values = parse_numbers(query.require("bbox"), 4, "bbox")
    srs_name = query.get("srsname")
    if srs_name is not None:
        parse_crs_string(srs_name)
    time = parse_time(query.get("time"), config.default_ogc_time_ms)

    name = parse_type_names(type_names)
    if not same_workflow(name, workflow_id):
        raise ApiError(
            "WFSEndpointTypeNamesMissmatch", f"WFS request endpoint {workflow_id} must match type_names {name}"
        )
    if same_workflow(MOCK_TYPE_NAME, name):
        features, descriptor = mock_features()
        return dataplane.data_response(encode(feature_collection_json(features, descriptor)), "application/json")
    computation = await dataplane.start(request, workflow_id, "Vector", call.session)
    check_known(computation.operator.descriptor.spatial_reference)
    if srs_name is None:
        raise ApiError("InvalidSpatialReference", "Invalid spatial reference")
    check_known(srs_name)
    bbox = BBox(*values)
    if bbox.xmax < bbox.xmin or bbox.ymax < bbox.ymin:
        raise ApiError("InvalidBoundingBox", "The bounding box's minimum must not exceed its maximum")
    body, batches = await computation.in_thread(query_features, bbox, time, srs_name, config.vector_chunk_bytes)
    return dataplane.data_response(body, "application/json", computation.record(batches))


async def wfs_handler(request: web.Request) -> web.Response:
    call = ogc_request(request, REQUESTS)
    if call.kind == "GetCapabilities":
        return await get_capabilities(request, call)
    return await get_feature(request, call)


def add_routes(app: web.Application) -> None:
    app.router.add_get(f"/wfs/{uuid_param('workflow_id')}", wfs_handler)
