"""``GET /plot/{workflowId}?bbox&crs&time&spatialResolution``: a plot workflow's ``WrappedPlotOutput``.

The bbox is x/y in every CRS (never swapped). ``crs`` is required in practice (``MissingSpatialReference``)
and the bbox is reprojected into the workflow's CRS when it differs. ``spatialResolution`` is required
by 0.9 (which parses but does not use it) and optional when emulating 0.10, whose official client omits it.
"""

from __future__ import annotations

import json

from aiohttp import web

from . import dataplane
from .app import uuid_param
from .auth import require_session
from .engine.types import BBox
from .errors import ApiError, query_error
from .ogc_params import check_known, parse_crs_string, parse_numbers, transform_bbox
from .params import parse_time, required


def with_vega_spec(output: dict, version: str) -> dict:
    """0.9.3 sends a JsonVega plot's spec only as ``vegaString``, a JSON string
    (geo-engine/geoengine@5748ef7:geoengine/datatypes/src/plots/mod.rs); the 0.10 emulation adds ``vegaSpec``
    (the parsed object, which the 0.10 official client's ``plot_chart`` reads)."""
    data = output.get("data")
    if not version.startswith("0.10"):
        return output
    if output.get("outputFormat") == "JsonVega" and isinstance(data, dict) and "vegaString" in data:
        output = {**output, "data": {**data, "vegaSpec": json.loads(data["vegaString"])}}
    return output


# Query, CRS check and WrappedPlotOutput: geo-engine/geoengine@5748ef7:geoengine/services/src/api/handlers/plots.rs
async def plot_handler(request: web.Request) -> web.Response:
    session = require_session(request)
    workflow_id = request.match_info["workflow_id"]
    bbox = BBox(*parse_numbers(required(request.query, "bbox"), 4, "bbox"))
    crs = request.query.get("crs")
    if crs is not None:
        parse_crs_string(crs)
    time = parse_time(required(request.query, "time"), 0)
    resolution = request.query.get("spatialResolution")
    if resolution is None and not request.app["config"].version.startswith("0.10"):
        resolution = required(request.query, "spatialResolution")  # 0.9 requires it (but does not use it)
    if resolution is not None:
        x_res, y_res = parse_numbers(resolution, 2, "spatial resolution")
        if not (x_res > 0 and y_res > 0):
            raise query_error("Invalid spatial resolution: both values must be > 0")

    computation = await dataplane.start(request, workflow_id, "Plot", session)
    if crs is None:
        raise ApiError("MissingSpatialReference", "Missing spatial reference")
    native = computation.operator.descriptor.spatial_reference
    check_known(crs)
    if crs != native:
        bbox = transform_bbox(bbox, crs, check_known(native))
    output = await computation.in_thread(lambda operator: operator.plot(bbox, time))
    output = with_vega_spec(output, request.app["config"].version)
    response = web.json_response(output)
    return dataplane.with_computation_id(response, computation.record(1))


def add_routes(app: web.Application) -> None:
    app.router.add_get(f"/plot/{uuid_param('workflow_id')}", plot_handler)
