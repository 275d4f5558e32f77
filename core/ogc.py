"""OGC and plot requests: parameter building, the requests themselves, and response parsing.

* WMS 1.3.0 GetMap (wire reference 9.1, 13.5): bbox in the CRS axis order (EPSG:4326 y-first),
  ``styles=custom:<RasterColorizer JSON>``; errors come back with HTTP 200 as ``\\n<?xml`` exception reports
  (:class:`~.errors.OGCXMLError`) or JSON.
* WFS 2.0.0 GetFeature (9.2): bbox always x/y, ``srsName``; GeoJSON with a ``when`` member per feature.
* WCS 1.1.1 GetCoverage (9.3, 13.5): y-first bbox for EPSG:4326 without CRS suffix, ``crs=urn:ogc:def:crs:…``,
  ``resx``/``resy`` as ``(-y, x)`` for EPSG:4326; a single-band GeoTIFF, read with GDAL through ``/vsimem``.
* Plots (10): ``bbox`` x/y, ``crs``, ``time``, ``spatialResolution``.

Query values are percent-encoded one by one (``+`` -> ``%2B``) by :mod:`.http`.
"""

from __future__ import annotations

import json
import math
import uuid
from dataclasses import dataclass
from typing import Any, Dict, Optional, Tuple

import numpy as np
import requests

from .colorizer import RasterColorizer
from .errors import ApiError, InputError, MalformedResponseError, MissingDependencyError, OGCXMLError
from .http import Timeout, describe_request, read_json
from .session import Session
from .types import GeoTransform, QueryRectangle, SpatialResolution, WorkflowId, srs_is_north_east

WMS_MAX_SIZE = 4096
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


# ---------------------------------------------------------------------------------------------- WMS


def wms_image_size(query: QueryRectangle, spatial_resolution: SpatialResolution) -> Tuple[int, int]:
    """``(width, height)`` = bbox size / resolution, truncated like the official client; 1..4096 each."""
    bounds = query.spatial_bounds
    width = int(bounds.x_axis_size() / spatial_resolution.x_resolution)
    height = int(bounds.y_axis_size() / spatial_resolution.y_resolution)
    for name, size in (("width", width), ("height", height)):
        if not 1 <= size <= WMS_MAX_SIZE:
            raise InputError(
                f"the image {name} would be {size} px (bbox / resolution); Geo Engine's WMS accepts 1..{WMS_MAX_SIZE}",
                field="spatial_resolution",
            )
    return width, height


def wms_get_map_params(
    workflow_id: WorkflowId,
    query: QueryRectangle,
    raster_colorizer: RasterColorizer,
    spatial_resolution: SpatialResolution,
) -> Dict[str, Any]:
    """The GetMap query (no ``exceptions``: errors come as the default XML report)."""
    width, height = wms_image_size(query, spatial_resolution)
    return {
        "service": "WMS",
        "version": "1.3.0",
        "request": "GetMap",
        "layers": str(workflow_id),
        "styles": raster_colorizer.wms_style(),
        "crs": query.srs,
        "bbox": query.bbox_ogc_str,
        "width": width,
        "height": height,
        "format": "image/png",
        "time": query.time_str,
    }


def check_wms_body(response: requests.Response) -> bytes:
    """The PNG bytes of a GetMap answer, or the error the HTTP-200 body carries."""
    content = response.content
    where = describe_request("GET", response.url)
    if content.startswith(PNG_MAGIC):
        return content
    if OGCXMLError.is_ogc_error(content):
        raise OGCXMLError(content, url=where, status=response.status_code)
    try:
        body = json.loads(content.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        body = None
    if isinstance(body, dict) and "error" in body:
        raise ApiError(str(body.get("message", "")), error=body.get("error"), status=response.status_code, url=where)
    raise MalformedResponseError(
        f"WMS answered {response.headers.get('Content-Type', 'no content type')} that is not a PNG "
        f"({len(content)} bytes)", status=response.status_code, url=where)


def wms_get_map(session: Session, workflow_id: WorkflowId, query: QueryRectangle, raster_colorizer: RasterColorizer,
                spatial_resolution: SpatialResolution, timeout: Timeout = None) -> bytes:
    """GetMap -> PNG bytes."""
    params = wms_get_map_params(workflow_id, query, raster_colorizer, spatial_resolution)
    response = session.request("GET", f"wms/{workflow_id}", params=params, headers={"Accept": "image/png"},
                               timeout=timeout)
    return check_wms_body(response)


def png_to_image(png: bytes):
    """A PIL image (Pillow is a runtime dependency)."""
    try:
        from PIL import Image
    except ImportError:
        raise MissingDependencyError("PIL", "wms_get_map_as_image", pip_name="pillow") from None
    from io import BytesIO

    image = Image.open(BytesIO(png))
    image.load()
    return image


# ---------------------------------------------------------------------------------------------- WFS


def wfs_get_feature_params(workflow_id: WorkflowId, query: QueryRectangle) -> Dict[str, Any]:
    """The GetFeature query; the bbox is x/y in every CRS (never swapped)."""
    return {
        "bbox": query.bbox_str,
        "request": "GetFeature",
        "service": "WFS",
        "srsName": query.srs,
        "time": query.time_str,
        "typeNames": str(workflow_id),
        "version": "2.0.0",
    }


@dataclass(frozen=True)
class FeatureCollection:
    """A WFS answer: the GeoJSON and the ``x-computation-id`` header (when the server sends it)."""

    geojson: dict
    computation_id: Optional[str]

    @property
    def features(self) -> list:
        return self.geojson.get("features") or []


def wfs_get_features(session: Session, workflow_id: WorkflowId, query: QueryRectangle,
                     timeout: Timeout = None) -> FeatureCollection:
    response = session.request("GET", f"wfs/{workflow_id}", params=wfs_get_feature_params(workflow_id, query),
                               timeout=timeout)
    geojson = read_json(response)
    if not isinstance(geojson, dict) or geojson.get("type") != "FeatureCollection":
        raise MalformedResponseError("the WFS answer is not a GeoJSON FeatureCollection",
                                     url=describe_request("GET", response.url))
    return FeatureCollection(geojson, response.headers.get("x-computation-id"))


def features_to_geodataframe(collection: FeatureCollection, srs: str):
    """A ``GeoDataFrame`` with the properties, the geometry and ``start``/``end`` (UTC; out of range -> NaT)."""
    try:
        import geopandas as gpd
        import pandas as pd
    except ImportError:
        raise MissingDependencyError("geopandas", "get_dataframe") from None
    features = collection.features
    if features:
        frame = gpd.GeoDataFrame.from_features(features)
        frame = frame.set_crs(srs, allow_override=True)
    else:
        frame = gpd.GeoDataFrame({"geometry": gpd.GeoSeries([], dtype="geometry")}, geometry="geometry", crs=srs)
    whens = [f.get("when") or {} for f in features]
    frame["start"] = pd.to_datetime([w.get("start") for w in whens], errors="coerce", utc=True)
    frame["end"] = pd.to_datetime([w.get("end") for w in whens], errors="coerce", utc=True)
    frame.attrs["computation_id"] = collection.computation_id
    return frame


# ---------------------------------------------------------------------------------------------- WCS


def wcs_crs_urn(srs: str) -> str:
    """``EPSG:4326`` -> ``urn:ogc:def:crs:EPSG::4326``."""
    return "urn:ogc:def:crs:" + srs.replace(":", "::")


def wcs_get_coverage_params(
    workflow_id: WorkflowId,
    query: QueryRectangle,
    spatial_resolution: Optional[SpatialResolution] = None,
    force_no_data_value: Optional[float] = None,
) -> Dict[str, Any]:
    """The GetCoverage query as the official client sends it (reference 13.5)."""
    params: Dict[str, Any] = {
        "version": "1.1.1",
        "request": "GetCoverage",
        "service": "WCS",
        "identifier": str(workflow_id),
        "boundingbox": query.bbox_ogc_str,
        "timesequence": query.time_str,
        "format": "image/tiff",
        "store": "False",
        "crs": wcs_crs_urn(query.srs),
    }
    if spatial_resolution is not None:
        if srs_is_north_east(query.srs):
            resx, resy = -spatial_resolution.y_resolution, spatial_resolution.x_resolution
        else:
            resx, resy = spatial_resolution.as_tuple()
        params["resx"], params["resy"] = str(resx), str(resy)
    if force_no_data_value is not None:
        if not math.isfinite(float(force_no_data_value)):
            raise InputError("must be a finite number", field="force_no_data_value")
        params["nodatavalue"] = str(float(force_no_data_value))
    return params


def wcs_get_coverage(
    session: Session,
    workflow_id: WorkflowId,
    query: QueryRectangle,
    spatial_resolution: Optional[SpatialResolution] = None,
    force_no_data_value: Optional[float] = None,
    timeout: Timeout = None,
) -> bytes:
    """One GetCoverage request -> GeoTIFF bytes (errors are 400 JSON, raised as :class:`~.errors.ApiError`)."""
    params = wcs_get_coverage_params(workflow_id, query, spatial_resolution, force_no_data_value)
    response = session.request("GET", f"wcs/{workflow_id}", params=params, timeout=timeout)
    content = response.content
    if not (content.startswith(b"II*\x00") or content.startswith(b"MM\x00*") or content.startswith(b"II+\x00")):
        raise MalformedResponseError(
            f"WCS answered {response.headers.get('Content-Type', 'no content type')}, not a GeoTIFF",
            status=response.status_code, url=describe_request("GET", response.url))
    return content


@dataclass(frozen=True)
class GeoTiff:
    """A decoded single-band GeoTIFF."""

    array: np.ndarray
    geo_transform: GeoTransform
    srs_wkt: str
    no_data_value: Optional[float]
    mask: Optional[np.ndarray]  # True where valid (from the TIFF's mask band), when it has one


MAX_COVERAGE_PIXELS = 1 << 28  # 268 M pixels (2 GiB as float64): a bigger coverage is refused before reading


def read_geotiff(data: bytes, expected_size: Optional[Tuple[int, int]] = None) -> GeoTiff:
    """Decode GeoTIFF bytes (band 1) with GDAL through ``/vsimem`` (nothing touches the disk).

    The declared size is checked before any pixel is read (a small sparse file can declare 10^10 pixels):
    at most ``expected_size`` (width, height) plus 1 % and 2 pixels when given, and :data:`MAX_COVERAGE_PIXELS`.
    """
    from osgeo import gdal

    path = f"/vsimem/geoengine-{uuid.uuid4().hex}.tif"
    gdal.FileFromMemBuffer(path, data)
    try:
        try:  # GDAL raises RuntimeError where exceptions are on (QGIS), else returns None
            dataset = gdal.Open(path)
        except RuntimeError as exc:
            raise MalformedResponseError(f"the coverage is not a readable GeoTIFF: {exc}") from None
        if dataset is None:
            raise MalformedResponseError("the coverage is not a readable GeoTIFF")
        _check_coverage_size(dataset.RasterXSize, dataset.RasterYSize, expected_size)
        band = dataset.GetRasterBand(1)
        try:
            array = band.ReadAsArray()
        except RuntimeError as exc:
            raise MalformedResponseError(f"the coverage's pixels cannot be read: {exc}") from None
        if array is None:
            raise MalformedResponseError("the coverage's pixels cannot be read")
        mask = None
        flags = band.GetMaskFlags()
        if not flags & gdal.GMF_ALL_VALID and not flags & gdal.GMF_NODATA:
            mask = band.GetMaskBand().ReadAsArray() > 0
        result = GeoTiff(array, GeoTransform.from_gdal(dataset.GetGeoTransform()), dataset.GetProjection(),
                         band.GetNoDataValue(), mask)
        dataset = None
        return result
    finally:
        gdal.Unlink(path)


def _check_coverage_size(width: int, height: int, expected: Optional[Tuple[int, int]]) -> None:
    limit = MAX_COVERAGE_PIXELS
    if expected is not None:
        limit_w, limit_h = (int(n * 1.01) + 2 for n in expected)
        if width > limit_w or height > limit_h:
            raise MalformedResponseError(f"the coverage declares {width} x {height} pixels, the request asked for "
                                         f"{expected[0]} x {expected[1]}; not read")
    if width * height > limit:
        raise MalformedResponseError(f"the coverage declares {width} x {height} pixels, more than the "
                                     f"{limit:,} read at once; not read")


# ---------------------------------------------------------------------------------------------- plots


def plot_params(query: QueryRectangle, spatial_resolution: Optional[SpatialResolution],
                send_default_resolution: bool) -> Dict[str, Any]:
    """``bbox`` (x/y, never swapped), ``crs``, ``time``, ``spatialResolution``.

    Without a resolution, 0.10 servers get none (they then read rasters at native resolution); 0.8/0.9 servers
    require the field but do not use it, so they get the bbox size / 1024.
    """
    resolution = spatial_resolution or query.resolution
    if resolution is None and send_default_resolution:
        bounds = query.spatial_bounds
        resolution = SpatialResolution(max(bounds.x_axis_size(), 1e-6) / 1024, max(bounds.y_axis_size(), 1e-6) / 1024)
    return {
        "bbox": query.bbox_str,
        "crs": query.srs,
        "time": query.time_str,
        "spatialResolution": str(resolution) if resolution is not None else None,
    }


def parse_plot_output(body: Any) -> dict:
    """Check a ``WrappedPlotOutput`` (``outputFormat``, ``plotType``, ``data``)."""
    if not isinstance(body, dict) or "outputFormat" not in body or "data" not in body:
        raise MalformedResponseError("the plot answer is not a WrappedPlotOutput")
    return body


def vega_spec(plot_output: dict) -> dict:
    """The Vega-Lite spec of a ``JsonVega`` plot (``vegaString`` is JSON inside a string)."""
    if plot_output.get("outputFormat") != "JsonVega":
        raise InputError(f"plot_chart needs a JsonVega plot, this one is {plot_output.get('outputFormat')!r} "
                         "(use plot_json)", field="plot")
    data = plot_output.get("data") or {}
    if isinstance(data.get("vegaSpec"), dict):  # 0.10 clients read an already-parsed spec
        return data["vegaSpec"]
    try:
        return json.loads(data["vegaString"])
    except (KeyError, TypeError, ValueError) as exc:
        raise MalformedResponseError("the JsonVega plot has no parseable 'vegaString'") from exc
