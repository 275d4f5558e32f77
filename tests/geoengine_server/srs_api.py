"""``GET /spatialReferenceSpecification/{srs}``: name, PROJ string, extent and axes of a CRS (via OSR)."""

from __future__ import annotations

import re

from aiohttp import web
from osgeo import osr

from .auth import require_session
from .errors import ApiError

_SRS = re.compile(r"^(EPSG|ESRI|IAU_2015|SR-ORG):\d+$")


def invalid(srs: str) -> ApiError:
    return ApiError("InvalidSpatialReferenceString", f"Invalid spatial reference string: {srs}")


# geo-engine/geoengine@5748ef7:geoengine/services/src/api/handlers/spatial_references.rs
# (get_spatial_reference_specification_handler)
def specification(srs_string: str) -> dict:
    """Extent and axis labels in (east, north) order; ``axisOrder`` is the authority's order."""
    if not _SRS.match(srs_string):
        raise invalid(srs_string)
    srs = osr.SpatialReference()
    try:  # OSR reports failures by code or, when another module enabled exceptions, by raising
        failed = srs.SetFromUserInput(srs_string) != 0
    except RuntimeError:
        failed = True
    if failed:
        raise invalid(srs_string)
    area = srs.GetAreaOfUse()
    if area is None:
        raise ApiError("SpatialReferenceMissing", f"The spatial reference {srs_string} has no area of use")
    srs.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    wgs84 = osr.SpatialReference()
    wgs84.ImportFromEPSG(4326)
    wgs84.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    transform = osr.CoordinateTransformation(wgs84, srs)
    xmin, ymin, xmax, ymax = transform.TransformBounds(
        area.west_lon_degree, area.south_lat_degree, area.east_lon_degree, area.north_lat_degree, 21
    )
    axes = [(srs.GetAxisName(None, i), srs.GetAxisOrientation(None, i)) for i in range(2)]
    north_first = axes[0][1] in (osr.OAO_North, osr.OAO_South)
    labels = [axes[1][0], axes[0][0]] if north_first else [axes[0][0], axes[1][0]]
    proj = srs.ExportToProj4().strip()
    return {
        "name": srs.GetName(),
        "spatialReference": srs_string,
        "projString": proj if "+type=crs" in proj else f"{proj} +type=crs",
        "extent": {
            "lowerLeftCoordinate": {"x": float(xmin), "y": float(ymin)},
            "upperRightCoordinate": {"x": float(xmax), "y": float(ymax)},
        },
        "axisLabels": labels,
        "axisOrder": "northEast" if north_first else "eastNorth",
    }


async def srs_specification(request: web.Request) -> web.Response:
    require_session(request)
    return web.json_response(specification(request.match_info["srs"]))


def add_routes(app: web.Application) -> None:
    app.router.add_get("/spatialReferenceSpecification/{srs}", srs_specification)
