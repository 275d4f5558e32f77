"""Workflows (0.10: processing graphs): register, load, and query their results.

Mirrors the official client's ``geoengine.workflow`` / ``geoengine.processing_graph`` module: ``Workflow``
(alias ``ProcessingGraph``), ``register_workflow``, ``workflow_by_id`` and the module functions for quota and
data usage. Every function takes an optional ``session=``; without it the default session from
:func:`~.session.initialize` is used.

Type guards (raster/vector/plot) and input checks run before any request.
"""

from __future__ import annotations

import io
import os
from typing import Any, Dict, Iterator, List, Optional, Union
from uuid import UUID

from . import ogc
from .colorizer import RasterColorizer
from .datasets import qualified_dataset_name
from .descriptors import (
    AnyResultDescriptor,
    PlotResultDescriptor,
    RasterResultDescriptor,
    ResultDescriptor,
    VectorResultDescriptor,
)
from .errors import (
    BadRequestError,
    InputError,
    MalformedResponseError,
    MethodNotCalledOnPlotException,
    MethodNotCalledOnRasterException,
    MethodNotCalledOnVectorException,
    MissingDependencyError,
)
from .http import Timeout, read_json
from .provenance import ProvenanceEntry, provenance_from_response
from .quota import (  # noqa: F401 - the official workflow module offers these names too
    DataUsage,
    DataUsageSummary,
    Quota,
    UsageSummaryGranularity,
    data_usage,
    data_usage_for_computation,
    data_usage_summary,
    get_quota,
    update_quota,
)
from .session import Session, resolve_session
from .tasks import Task, TaskId, get_task_list  # noqa: F401
from .types import QueryRectangle, RasterQueryRectangle, SpatialResolution, WorkflowId

WCS_TILE_LIMIT = 4  # Geo Engine's default [wcs] tile_limit (tiles of 512x512 px per GetCoverage)


class Workflow:
    """A registered workflow: its id, the session it belongs to and its result descriptor."""

    def __init__(
        self,
        workflow_id: Union[WorkflowId, UUID, str],
        session: Optional[Session] = None,
        result_descriptor: Optional[ResultDescriptor] = None,
        timeout: Timeout = None,
    ) -> None:
        self.workflow_id = WorkflowId(workflow_id)
        self.session = resolve_session(session)
        self._result_descriptor = result_descriptor or self._query_result_descriptor(timeout)

    # ------------------------------------------------------------------------------------ basics

    def __str__(self) -> str:
        return str(self.workflow_id)

    def __repr__(self) -> str:
        return f"Workflow({str(self.workflow_id)!r}, kind={self._result_descriptor.kind!r})"

    def __eq__(self, other: Any) -> bool:
        return isinstance(other, Workflow) and other.workflow_id == self.workflow_id

    def __hash__(self) -> int:
        return hash(self.workflow_id)

    def _path(self, suffix: str = "") -> str:
        return "{workflow}/" + str(self.workflow_id) + suffix

    def _query_result_descriptor(self, timeout: Timeout = None) -> ResultDescriptor:
        response = self.session.workflow_request("GET", self._path("/metadata"), timeout=timeout)
        return ResultDescriptor.from_response(read_json(response))

    def get_result_descriptor(self) -> AnyResultDescriptor:
        """The result descriptor fetched when this object was made."""
        return self._result_descriptor

    def workflow_definition(self, timeout: Timeout = None) -> dict:
        """The stored (normalised) workflow JSON."""
        return read_json(self.session.workflow_request("GET", self._path(), timeout=timeout))

    definition = workflow_definition

    # -------------------------------------------------------------------------------- input checks

    def _check_query(self, query: Any, field_name: str = "query") -> QueryRectangle:
        if not isinstance(query, QueryRectangle):
            raise InputError(f"expected a QueryRectangle, got {type(query).__name__}", field=field_name)
        if isinstance(query, RasterQueryRectangle) and self._result_descriptor.is_raster_result():
            self._result_descriptor.check_bands(query.raster_bands)
        return query

    # ---------------------------------------------------------------------------------------- vector

    def get_dataframe(self, bbox: QueryRectangle, timeout: Timeout = None, resolve_classifications: bool = False):
        """WFS GetFeature as a ``GeoDataFrame`` with ``start``/``end`` columns (needs geopandas).

        ``df.attrs["computation_id"]`` holds the server's ``x-computation-id`` header when it sends one.
        """
        descriptor = self._require_vector()
        query = self._check_query(bbox, "bbox")
        try:
            import geopandas  # noqa: F401
        except ImportError:
            raise MissingDependencyError("geopandas", "get_dataframe") from None
        collection = ogc.wfs_get_features(self.session, self.workflow_id, query, timeout)
        frame = ogc.features_to_geodataframe(collection, query.srs)
        if resolve_classifications:
            for column, info in descriptor.columns.items():
                classes = getattr(info.measurement, "classes", None)
                if classes and column in frame.columns:
                    frame[column] = frame[column].map(lambda v, c=classes: c.get(int(v), v) if v == v else v)
        return frame

    def get_geojson(self, bbox: QueryRectangle, timeout: Timeout = None) -> dict:
        """WFS GetFeature as GeoJSON (no geopandas needed)."""
        self._require_vector()
        query = self._check_query(bbox, "bbox")
        return ogc.wfs_get_features(self.session, self.workflow_id, query, timeout).geojson

    def vector_stream(self, query_rectangle: QueryRectangle, time_start_column: str = "time_start",
                      time_end_column: str = "time_end", open_timeout: float = 60, **kwargs: Any) -> Iterator[Any]:
        """The vector stream as ``GeoDataFrame`` batches (a generator; see :mod:`.vector_stream`)."""
        self._require_vector()
        self._check_query(query_rectangle, "query_rectangle")
        module = _streaming_module("vector_stream", "vector_stream")
        return module.vector_stream(self, query_rectangle, time_start_column=time_start_column,
                                    time_end_column=time_end_column, open_timeout=open_timeout, **kwargs)

    def vector_stream_into_geopandas(self, query_rectangle: QueryRectangle, time_start_column: str = "time_start",
                                     time_end_column: str = "time_end", open_timeout: float = 60, **kwargs: Any):
        """The whole vector stream as one ``GeoDataFrame``."""
        self._require_vector()
        self._check_query(query_rectangle, "query_rectangle")
        module = _streaming_module("vector_stream", "vector_stream_into_geopandas")
        return module.vector_stream_into_geopandas(self, query_rectangle, time_start_column=time_start_column,
                                                   time_end_column=time_end_column, open_timeout=open_timeout,
                                                   **kwargs)

    def stream_vector_batches(self, query_rectangle: QueryRectangle, progress: Any = None, cancelled: Any = None,
                              **kwargs: Any) -> Iterator[Any]:
        """The vector stream as decoded ``FeatureBatch`` objects, no pandas (a generator; see :mod:`.vector_stream`)."""
        self._require_vector()
        self._check_query(query_rectangle, "query_rectangle")
        module = _streaming_module("vector_stream", "stream_vector_batches")
        return module.stream_vector_batches(self, query_rectangle, progress, cancelled, **kwargs)

    # ---------------------------------------------------------------------------------------- raster

    def wms_get_map_as_image(self, bbox: QueryRectangle, raster_colorizer: RasterColorizer,
                             spatial_resolution: Any = None, timeout: Timeout = None):
        """WMS GetMap as a PIL image; size = bbox / ``spatial_resolution`` (or the query's resolution).

        An HTTP-200 XML exception report raises :class:`~.errors.OGCXMLError`, a JSON one :class:`~.errors.ApiError`.
        """
        descriptor = self._require_raster()
        query = self._check_query(bbox, "bbox")
        if not isinstance(raster_colorizer, RasterColorizer):
            raise InputError("expected a SingleBandRasterColorizer or MultiBandRasterColorizer",
                             field="raster_colorizer")
        descriptor.check_bands(raster_colorizer.bands())
        resolution = SpatialResolution.coerce(spatial_resolution) or query.resolution
        if resolution is None:
            raise InputError("a spatial resolution is needed for the image size", field="spatial_resolution")
        png = ogc.wms_get_map(self.session, self.workflow_id, query, raster_colorizer, resolution, timeout)
        return ogc.png_to_image(png)

    def get_coverage_bytes(self, bbox: QueryRectangle, spatial_resolution: Any = None, timeout: Timeout = None,
                           force_no_data_value: Optional[float] = None) -> bytes:
        """The first band as GeoTIFF bytes through WCS; requests beyond the tile limit are split and mosaicked."""
        descriptor = self._require_raster()
        query = self._check_query(bbox, "bbox")
        resolution = SpatialResolution.coerce(spatial_resolution) or query.resolution
        if self._coverage_tiles(descriptor, query, resolution) > self.wcs_tile_limit:
            return self._coverage_mosaic(query, resolution, force_no_data_value, timeout)
        try:
            return ogc.wcs_get_coverage(self.session, self.workflow_id, query, resolution, force_no_data_value, timeout)
        except BadRequestError as exc:
            if exc.error != "TileLimitExceeded" and "tile limit" not in (exc.message or "").lower():
                raise
            return self._coverage_mosaic(query, resolution, force_no_data_value, timeout)

    wcs_tile_limit = WCS_TILE_LIMIT

    @staticmethod
    def _coverage_tiles(descriptor: RasterResultDescriptor, query: QueryRectangle,
                        resolution: Optional[SpatialResolution]) -> int:
        """An estimate of the 512x512 tiles the server processes (0 when it cannot be told)."""
        from .tiling import TilingGrid
        from .types import GeoTransform

        resolution = resolution or descriptor.spatial_resolution
        if query.srs != descriptor.spatial_reference or resolution is None:
            return 0  # the server tells (TileLimitExceeded) and the request is then split
        b = query.spatial_bounds  # the output grid starts at the box's upper-left corner
        transform = GeoTransform(b.xmin, b.ymax, resolution.x_resolution, -resolution.y_resolution)
        return TilingGrid.for_raster(transform).tile_range(b.xmin, b.ymin, b.xmax, b.ymax).count

    def _coverage_mosaic(self, query: QueryRectangle, resolution: Optional[SpatialResolution],
                         force_no_data_value: Optional[float], timeout: Timeout) -> bytes:
        try:
            from .wcs_mosaic import fetch_coverage_mosaic
        except ImportError:
            raise InputError(
                f"the request needs more than Geo Engine's WCS limit of {self.wcs_tile_limit} tiles of 512x512 px "
                "and no mosaicking is available: use a smaller bbox, a coarser spatial_resolution or raster_stream",
                field="bbox") from None
        return fetch_coverage_mosaic(self, query, spatial_resolution=resolution,
                                     force_no_data_value=force_no_data_value, tile_limit=self.wcs_tile_limit,
                                     timeout=timeout)

    def get_array(self, bbox: QueryRectangle, spatial_resolution: Any = None, timeout: Timeout = None,
                  force_no_data_value: Optional[float] = None):
        """The first band as a numpy array (WCS GeoTIFF read with GDAL; no-data pixels keep their raw value)."""
        return ogc.read_geotiff(self.get_coverage_bytes(bbox, spatial_resolution, timeout, force_no_data_value)).array

    def get_xarray(self, bbox: QueryRectangle, spatial_resolution: Any = None, timeout: Timeout = None,
                   force_no_data_value: Optional[float] = None):
        """The first band as an ``xarray.DataArray`` (dims band, y, x; pixel-centre coords; attrs crs/res/transform).

        Needs xarray (:class:`~.errors.MissingDependencyError` before any request otherwise).
        """
        self._require_raster()
        try:
            import xarray as xr
        except ImportError:
            raise MissingDependencyError("xarray", "get_xarray") from None
        import numpy as np

        tiff = ogc.read_geotiff(self.get_coverage_bytes(bbox, spatial_resolution, timeout, force_no_data_value))
        gt = tiff.geo_transform
        rows, cols = tiff.array.shape
        xs = gt.x_min + (np.arange(cols) + 0.5) * gt.x_pixel_size
        ys = gt.y_max + (np.arange(rows) + 0.5) * gt.y_pixel_size
        array = xr.DataArray(tiff.array[np.newaxis], dims=("band", "y", "x"),
                             coords={"band": [1], "y": ys, "x": xs})
        array.attrs.update({"crs": bbox.srs, "res": (gt.x_pixel_size, gt.y_pixel_size), "transform": gt.to_gdal()})
        if tiff.no_data_value is not None:
            array.attrs["_FillValue"] = tiff.no_data_value
        return array

    def download_raster(self, bbox: QueryRectangle, file_path: Union[str, os.PathLike], timeout: Timeout = None,
                        file_format: str = "image/tiff", force_no_data_value: Optional[float] = None,
                        spatial_resolution: Any = None) -> None:
        """Save the WCS GeoTIFF (first band) to ``file_path``."""
        if file_format != "image/tiff":
            raise InputError(f"Geo Engine's WCS only produces image/tiff, not {file_format!r}", field="file_format")
        data = self.get_coverage_bytes(bbox, spatial_resolution, timeout, force_no_data_value)
        with open(file_path, "wb") as handle:
            handle.write(data)

    def raster_stream(self, query_rectangle: QueryRectangle, open_timeout: float = 60, **kwargs: Any) -> Iterator[Any]:
        """The raster stream as ``RasterTile2D`` objects (a generator; see :mod:`.raster_stream`)."""
        self._require_raster()
        self._check_query(query_rectangle, "query_rectangle")
        module = _streaming_module("raster_stream", "raster_stream")
        return module.raster_stream(self, query_rectangle, open_timeout=open_timeout, **kwargs)

    def raster_stream_into_xarray(self, query_rectangle: QueryRectangle, clip_to_query_rectangle: bool = False,
                                  open_timeout: float = 60, **kwargs: Any):
        """The whole raster stream as one ``xarray.DataArray`` (time, band, y, x)."""
        self._require_raster()
        self._check_query(query_rectangle, "query_rectangle")
        module = _streaming_module("raster_stream", "raster_stream_into_xarray")
        return module.raster_stream_into_xarray(self, query_rectangle, clip_to_query_rectangle=clip_to_query_rectangle,
                                                open_timeout=open_timeout, **kwargs)

    def stream_raster_to_geotiff(self, query_rectangle: QueryRectangle, directory: Union[str, os.PathLike],
                                 progress: Any = None, cancelled: Any = None, **kwargs: Any) -> List[Any]:
        """Stream into one tiled GeoTIFF per time slice in ``directory`` (see :mod:`.geotiff_writer`); the paths."""
        self._require_raster()
        self._check_query(query_rectangle, "query_rectangle")
        module = _streaming_module("geotiff_writer", "stream_raster_to_geotiff")
        return module.stream_raster_to_geotiff(self, query_rectangle, directory, progress, cancelled, **kwargs)

    def save_as_dataset(self, query_rectangle: QueryRectangle, name: Optional[str], display_name: str,
                        description: str = "", timeout: Timeout = None) -> Task:
        """``POST /datasetFromWorkflow/{id}`` (0.10: ``/datasetFromProcessingGraph``) -> the export :class:`Task`."""
        descriptor = self._require_raster()
        query = self._check_query(query_rectangle, "query_rectangle")
        if not isinstance(display_name, str) or not display_name.strip():
            raise InputError("a display name is required", field="display_name")
        if name is not None and (not isinstance(name, str) or not name.strip()):
            raise InputError("must be None or a non-empty dataset name", field="name")
        # Geo Engine stores it only as <user id>:<name> (bare: admins only), else the task fails at its end
        name = qualified_dataset_name(name, self.session.user_id, self.session.roles)
        body_query: Dict[str, Any] = query.to_dict()
        if descriptor.legacy:  # 0.8 servers also require the resolution
            resolution = query.resolution or descriptor.spatial_resolution
            if resolution is not None:
                body_query["spatialResolution"] = resolution.to_dict()
        body = {"name": name, "displayName": display_name, "description": description, "query": body_query}
        response = self.session.workflow_request("POST", "{dataset_from_workflow}/" + str(self.workflow_id),
                                                 json_body=body, timeout=timeout)
        return Task(TaskId.from_response(read_json(response, "POST")), self.session)

    # ------------------------------------------------------------------------------------------ plot

    def plot_json(self, bbox: QueryRectangle, spatial_resolution: Any = None, timeout: Timeout = None) -> dict:
        """The ``WrappedPlotOutput`` (``outputFormat``, ``plotType``, ``data``) of a plot workflow."""
        self._require_plot()
        query = self._check_query(bbox, "bbox")
        resolution = SpatialResolution.coerce(spatial_resolution)
        params = ogc.plot_params(query, resolution, send_default_resolution=self.session.api_generation != "0.10")
        try:
            body = self.session.get_json(f"plot/{self.workflow_id}", params, timeout)
        except BadRequestError as exc:  # a 0.10 server that still requires the field
            if params["spatialResolution"] is not None or "spatialResolution" not in (exc.message or ""):
                raise
            params = ogc.plot_params(query, resolution, send_default_resolution=True)
            body = self.session.get_json(f"plot/{self.workflow_id}", params, timeout)
        return ogc.parse_plot_output(body)

    def plot_chart(self, bbox: QueryRectangle, spatial_resolution: Any = None, timeout: Timeout = None):
        """An ``altair.Chart`` of a JsonVega plot; without altair the Vega-Lite spec as a ``dict``."""
        spec = ogc.vega_spec(self.plot_json(bbox, spatial_resolution, timeout))
        try:
            import altair
        except ImportError:
            return spec
        return altair.Chart.from_dict(spec)

    # ------------------------------------------------------------------------------------ metadata

    def get_provenance(self, timeout: Timeout = None) -> List[ProvenanceEntry]:
        """Citation, license and URI of the data the workflow reads (grouped by provenance)."""
        return provenance_from_response(read_json(self.session.workflow_request("GET", self._path("/provenance"),
                                                                                 timeout=timeout)))

    def metadata_zip(self, path: Union[str, os.PathLike, io.BytesIO], timeout: Timeout = None) -> None:
        """Write the ``allMetadata/zip`` (workflow/processing graph, descriptor, citation) to a path or BytesIO."""
        response = self.session.workflow_request("GET", self._path("/allMetadata/zip"),
                                                 headers={"Accept": "application/zip"}, timeout=timeout)
        if not response.content.startswith(b"PK"):
            raise MalformedResponseError("the metadata answer is not a zip file", status=response.status_code)
        if isinstance(path, io.IOBase):
            path.write(response.content)
        else:
            with open(path, "wb") as handle:
                handle.write(response.content)

    # -------------------------------------------------------------------------------- type guards

    def _require_raster(self) -> RasterResultDescriptor:
        if not self._result_descriptor.is_raster_result():
            raise MethodNotCalledOnRasterException(self._result_descriptor.kind)
        return self._result_descriptor  # type: ignore[return-value]

    def _require_vector(self) -> VectorResultDescriptor:
        if not self._result_descriptor.is_vector_result():
            raise MethodNotCalledOnVectorException(self._result_descriptor.kind)
        return self._result_descriptor  # type: ignore[return-value]

    def _require_plot(self) -> PlotResultDescriptor:
        if not self._result_descriptor.is_plot_result():
            raise MethodNotCalledOnPlotException(self._result_descriptor.kind)
        return self._result_descriptor  # type: ignore[return-value]


ProcessingGraph = Workflow


def _streaming_module(name: str, feature: str):
    """The streaming module ``name``; a missing pyarrow/websockets becomes :class:`MissingDependencyError`."""
    import importlib

    try:
        return importlib.import_module(f"{__package__}.{name}")
    except ImportError as exc:
        missing = (exc.name or "").split(".")[0]
        if missing in ("pyarrow", "websockets"):
            raise MissingDependencyError(missing, feature) from None
        raise


def register_workflow(workflow: dict, timeout: Timeout = None, session: Optional[Session] = None) -> Workflow:
    """``POST /workflow`` (0.10: ``/processingGraphs``) and return the :class:`Workflow` (with its descriptor)."""
    if hasattr(workflow, "to_workflow_dict"):
        workflow = workflow.to_workflow_dict()
    if not isinstance(workflow, dict) or not isinstance(workflow.get("operator"), dict):
        raise InputError('expected a dict like {"type": "Raster", "operator": {...}}', field="workflow")
    if workflow.get("type") not in ("Raster", "Vector", "Plot"):
        raise InputError(f"'type' must be Raster, Vector or Plot, got {workflow.get('type')!r}", field="workflow.type")
    active = resolve_session(session)
    response = active.workflow_request("POST", "{workflow}", json_body=workflow, timeout=timeout)
    return Workflow(WorkflowId.from_response(read_json(response, "POST")), active, timeout=timeout)


def workflow_by_id(workflow_id: Union[WorkflowId, UUID, str], session: Optional[Session] = None) -> Workflow:
    """The :class:`Workflow` for an id (the id is checked before any request; the descriptor is fetched)."""
    return Workflow(WorkflowId(workflow_id), session)


register_processing_graph = register_workflow
processing_graph_by_id = workflow_by_id
