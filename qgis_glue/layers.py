"""Load a workflow's result into QGIS: the one code path behind the dialog, the demo, tests and Processing.

Two steps, split by thread:

* :func:`fetch` (worker thread, inside a QgsTask): read the result descriptor, transform the extent into the
  workflow's CRS, gather title/provenance/symbology, then stream the data: rasters into GeoTIFFs in a job
  folder of the plugin's temp dir (or only a WMS URI), vectors into QgsFeature batches, plots as JSON.
  Without pyarrow or websockets the same files and batches come through WCS/WFS (:mod:`.ogc_fallback`).
  Cancel = the task's ``isCanceled``; on cancel or failure the job folder is removed.
  Streamed rasters come at the request's resolution (:mod:`.raster_resolution`: native, the canvas's or a given
  pixel size, through Geo Engine's Downsampling/Interpolation).
* :func:`materialize` (main thread): make the layers, style them, set custom properties and metadata, and add
  them to the project (slices of a time series in a group). If anything fails, nothing is left behind.

:class:`WorkflowLayerLoader` runs both through :class:`~.tasks.TaskRunner` (progress in QGIS's task manager;
errors to the message bar with details in the log) and calls ``on_done(LoadOutcome)``. It asks ``fetch`` to make
the layers in the worker too (``in_worker``: a vector layer filled as its batches arrive, raster layers opened and
styled), so the main thread only adds finished layers to the project and never stalls on large results.
"""

from __future__ import annotations

import json
import shutil
from contextlib import closing
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Iterator, List, Optional, Tuple, Union

from qgis.core import (
    QgsApplication,
    QgsCoordinateReferenceSystem,
    QgsCoordinateTransformContext,
    QgsMapLayer,
    QgsProject,
    QgsRectangle,
)

from ..core.colorizer import RasterSymbology
from ..core.datasets import get_dataset, source_dataset_name
from ..core.descriptors import PlotResultDescriptor, RasterResultDescriptor, VectorResultDescriptor
from ..core.download_estimate import DownloadEstimate, estimate_download
from ..core.errors import GeoEngineError, InputError
from ..core.session import Session
from ..core.types import QueryRectangle, RasterQueryRectangle, TimeInterval
from ..core.workflow import Workflow
from . import download_guard
from .errors import describe_error
from .extent import to_workflow_bounds
from .i18n import tr
from .layer_metadata import SourceInfo, build_metadata
from .messages import Notifier, log
from .ogc_fallback import OGC, TRANSPORTS, choose_transport, fetch_raster_slices, fetch_vector_batches, transport_note
from .point_files import FILE_MODE, StreamLayerBuilder
from .query import PROPERTY_PREFIX, LayerQuery, has_finite_time, interval_iso, iso, parse_iso
from .raster_layers import RasterSlice, read_slices, slice_layer, wms_layer, wms_uri
from .raster_resolution import ResolutionRequest, decide, describe_resolution, streamed_workflow
from .styling import style_raster_layer, style_vector_layer
from .tasks import CoreTask, TaskContext, TaskRunner
from .tempfiles import PluginTempDir, safe_stem
from .vector_layers import (
    FieldPlan,
    WorkerLayerBuilder,
    append_batches,
    create_memory_layer,
    features_from_batch,
    plan_fields,
    wire_temporal,
)

GEOTIFF, WMS = "geotiff", "wms"
RASTER_MODES = (GEOTIFF, WMS)
SessionSource = Union[Session, Callable[[], Session]]


# ------------------------------------------------------------------------------------------ requests


@dataclass(frozen=True)
class LayerOptions:
    """How to load: raster mode, grouping of time slices, a catalog layer's symbology, project target, and
    whether to look up the source's title, provenance and symbology (off when only the data is wanted, e.g.
    another time step of a layer already on the map)."""

    raster_mode: str = GEOTIFF
    group_slices: bool = True
    symbology: Optional[dict] = None  # e.g. a catalog layer's; overrides the source dataset's symbology
    add_to_project: bool = True
    source_info: bool = True
    transport: str = "auto"  # auto | stream | ogc (WCS/WFS); auto streams when pyarrow and websockets exist
    confirmed_bytes: int = 0  # the user agreed to a download up to this size (the size guard does not ask again)

    def __post_init__(self) -> None:
        if self.raster_mode not in RASTER_MODES:
            raise InputError(f"raster mode must be one of {RASTER_MODES}, got {self.raster_mode!r}",
                             field="raster_mode")
        if self.transport not in TRANSPORTS:
            raise InputError(f"transport must be one of {TRANSPORTS}, got {self.transport!r}", field="transport")


@dataclass(frozen=True)
class LayerRequest:
    """What to load: workflow, extent (+ its CRS), time (ISO start, optional end), bands (0-based), name.

    ``descriptor``: the workflow's result descriptor when the caller already fetched it (the dialog and the
    Browser do); the load then does not ask the server for it again."""

    workflow_id: str
    extent: QgsRectangle
    extent_crs: QgsCoordinateReferenceSystem
    time_start: str
    time_end: Optional[str] = None
    bands: Tuple[int, ...] = ()  # rasters; empty = every band
    name: str = ""
    connection_name: str = ""
    options: LayerOptions = field(default_factory=LayerOptions)
    descriptor: Optional[Any] = field(default=None, compare=False, repr=False)
    resolution: ResolutionRequest = field(default_factory=ResolutionRequest)  # streamed rasters

    @property
    def time_interval(self) -> TimeInterval:
        try:
            return TimeInterval(self.time_start, self.time_end or self.time_start)
        except GeoEngineError as exc:
            raise InputError(exc.message, field="time") from None


# ------------------------------------------------------------------------------------------- results


@dataclass
class Fetched:
    """What the worker produced; ``kind`` is raster, wms, vector or plot."""

    kind: str
    name: str
    query: LayerQuery
    descriptor: Any
    source: SourceInfo
    folder: Optional[Path] = None  # raster job folder
    slices: List[RasterSlice] = field(default_factory=list)
    uri: str = ""  # WMS
    plan: Optional[FieldPlan] = None  # vector
    batches: List[list] = field(default_factory=list)  # vector: lists of QgsFeature
    plot: Optional[dict] = None  # the WrappedPlotOutput of a plot workflow
    transport: str = ""  # GeoTIFF rasters and vectors: stream or ogc, the path the data came through
    layer: Optional[QgsMapLayer] = None  # vector: the memory layer built in the worker (``fetch(in_worker=True)``)
    prebuilt: Optional[Tuple[List[QgsMapLayer], List[str]]] = None  # layers + styling built in the worker

    @property
    def feature_count(self) -> int:
        if self.layer is not None:
            return self.layer.featureCount()
        return sum(len(b) for b in self.batches)


@dataclass
class LoadOutcome:
    """What ``on_done`` receives: the layers added (or the plot), or why nothing was added."""

    layers: List[QgsMapLayer] = field(default_factory=list)
    plot: Optional[Fetched] = None
    cancelled: bool = False
    error: Optional[BaseException] = None
    styling: List[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.cancelled and self.error is None


# ------------------------------------------------------------------------------------- worker thread


def _source_info(workflow: Workflow, options: LayerOptions) -> SourceInfo:
    """Title, description and symbology of the source dataset, and the provenance (best effort)."""
    title, description, symbology, origin = "", "", options.symbology, "request" if options.symbology else ""
    session = workflow.session
    url = session.url(f"{session.api_paths.workflow}/{workflow.workflow_id}")
    if not options.source_info:
        return SourceInfo(title, description, [], symbology, origin, url)
    try:
        provenance = [entry.provenance for entry in workflow.get_provenance()]
    except GeoEngineError as exc:
        log(f"No provenance for workflow {workflow.workflow_id}: {exc}")
        provenance = []
    try:
        name = source_dataset_name(workflow.workflow_definition())
        if name:
            info = get_dataset(name, session=workflow.session)
            title, description = info.display_name, info.description
            if symbology is None and info.symbology is not None:
                symbology, origin = info.symbology, f"dataset {name}"
    except GeoEngineError as exc:
        log(f"No dataset information for workflow {workflow.workflow_id}: {exc}")
    return SourceInfo(title, description, provenance, symbology, origin, url)


def _default_name(workflow: Workflow, source: SourceInfo) -> str:
    return source.title or f"Geo Engine {workflow.get_result_descriptor().kind} {str(workflow.workflow_id)[:8]}"


def _progress(context: Optional[TaskContext], low: float, high: float):
    def report(done: int, expected: Optional[int]) -> None:
        if context is None:
            return
        if expected:
            context.set_progress(low + (high - low) * min(1.0, done / expected))
        else:  # unknown total (vector batches): creep towards ``high``
            context.set_progress(high - (high - low) / (1 + done))
    return report


def fetch(session: Session, request: LayerRequest, tempdir: Optional[PluginTempDir],
          context: Optional[TaskContext] = None,
          transform_context: Optional[QgsCoordinateTransformContext] = None,
          in_worker: bool = False) -> Fetched:
    """Worker thread: everything that talks to the server (see the module docstring).

    ``in_worker``: make the layers here, styled and described, and hand them to the main thread
    (``Fetched.prebuilt``), which then only adds them to the project: a vector result's memory layer is filled as
    the batches arrive (:class:`~.vector_layers.WorkerLayerBuilder`), GeoTIFF slices become styled raster layers.
    Without it the main thread builds them (:func:`build_layers`) from QgsFeature batches and files."""
    fetched = _fetch(session, request, tempdir, context, transform_context, in_worker)
    if in_worker and fetched.kind in ("raster", "vector"):
        layers, styling = build_layers(fetched)
        main_thread = QgsApplication.instance().thread()
        for layer in layers:
            layer.moveToThread(main_thread)
        fetched.prebuilt = (layers, styling)
    return fetched


def _fetch(session: Session, request: LayerRequest, tempdir: Optional[PluginTempDir],
           context: Optional[TaskContext], transform_context: Optional[QgsCoordinateTransformContext],
           in_worker: bool) -> Fetched:
    if context is not None:
        context.set_progress(2)
    workflow = Workflow(request.workflow_id, session, result_descriptor=request.descriptor)
    descriptor = workflow.get_result_descriptor()
    interval = request.time_interval
    srs = descriptor.spatial_reference or request.extent_crs.authid()
    clip = None
    if isinstance(descriptor, RasterResultDescriptor) and descriptor.spatial_bounds is not None:
        clip = descriptor.spatial_bounds.as_tuple()
    bounds = to_workflow_bounds(request.extent, request.extent_crs, srs, transform_context, clip)
    check_time(interval, descriptor)
    if context is not None:
        context.set_progress(5)
        context.check_canceled()
    source = _source_info(workflow, request.options)
    name = request.name.strip() or _default_name(workflow, source)
    start, end = interval_strings(request)

    def query(kind: str, mode: str, bands: Tuple[int, ...] = ()) -> LayerQuery:
        return LayerQuery(str(workflow.workflow_id), request.connection_name, session.server_url, bounds, srs,
                          start, end, bands, kind, mode)

    if isinstance(descriptor, RasterResultDescriptor):
        bands = tuple(request.bands) or tuple(range(len(descriptor.bands)))
        descriptor.check_bands(list(bands))
        if request.options.raster_mode == WMS:
            colorizer = _wms_colorizer(source, bands)
            time_text = wms_time(start, end)
            uri = wms_uri(session.server_url, str(workflow.workflow_id), srs, time_text, colorizer)
            return Fetched("wms", name, query("raster", WMS, bands), descriptor, source, uri=uri)
        if tempdir is None:
            raise InputError("streamed GeoTIFFs need the plugin's temporary folder", field="tempdir")
        transport = choose_transport(request.options.transport)
        raster_query = RasterQueryRectangle(bounds, interval, list(bands), srs)
        unclipped = to_workflow_bounds(request.extent, request.extent_crs, srs, transform_context, None)
        choice = decide(request.resolution, descriptor, bounds, interval, bands, canvas_bounds=unclipped)
        check_size(estimate_download(descriptor, bounds, interval, list(bands), clip_to_data=False,
                                     resolution=None if choice.is_native else choice.pixel_size), tempdir,
                   request.options.confirmed_bytes)
        if not choice.is_native and f"({choice.label()})" not in name:  # e.g. another time step of this layer
            name = f"{name} ({choice.label()})"
        stream, stream_descriptor = streamed_workflow(workflow, choice)
        with tempdir.job(f"raster-{str(workflow.workflow_id)[:8]}") as folder:
            paths = _raster_files(stream, stream_descriptor, raster_query, folder, safe_stem(name), transport,
                                  context)
            if context is not None:
                context.check_canceled()
            if not paths:
                raise InputError("the workflow returned no raster data for this extent and time", field="time")
            slices = read_slices(paths)
        layer_query = replace(query("raster", GEOTIFF, bands), extra={"resolution": choice.to_property()})
        return Fetched("raster", name, layer_query, descriptor, source, folder=folder, slices=slices,
                       transport=transport)

    if isinstance(descriptor, VectorResultDescriptor):
        plan = plan_fields(descriptor)
        fields = plan.qgs_fields()
        transport = choose_transport(request.options.transport)
        batches = []
        vector_query = QueryRectangle(bounds, interval, srs)
        job: List[Path] = []  # the job folder, made only when a big point result is written to a file
        builder: Any = None
        if in_worker and transport != OGC:  # record batches as they arrive: a file layer when the result is big
            from ..core.vector_stream import declared_column_types

            def folder() -> Path:
                job.append(tempdir.job_dir(f"vector-{str(workflow.workflow_id)[:8]}"))
                return job[-1]

            builder = StreamLayerBuilder(descriptor, plan, name, folder if tempdir is not None else None,
                                         declared_column_types(workflow))
        elif in_worker:
            builder = WorkerLayerBuilder(descriptor, plan, name)
        limit, received = download_guard.vector_limit(request.options.confirmed_bytes), 0
        try:
            with closing(_vector_batches(workflow, descriptor, vector_query, transport, context,
                                         raw=isinstance(builder, StreamLayerBuilder))) as decoded:
                for batch in decoded:  # a cancel between batches closes the websocket at once
                    received += _batch_bytes(batch)
                    if limit is not None and received > limit:  # no size up front: stop at the limit and ask
                        raise download_guard.DownloadTooLarge(download_guard.vector_verdict(received))
                    if builder is not None:
                        builder.add(batch)
                    else:
                        batches.append(features_from_batch(batch, plan, fields))
                    if context is not None:
                        context.check_canceled()
            layer = builder.finish() if builder is not None else None
        except BaseException:
            for path in job:
                tempdir.discard(path)
            raise
        mode = FILE_MODE if job else "memory"
        return Fetched("vector", name, query("vector", mode), descriptor, source, plan=plan, batches=batches,
                       transport=transport, layer=layer, folder=job[0] if job else None)

    if not isinstance(descriptor, PlotResultDescriptor):
        raise InputError(f"a workflow result is a raster, vector or plot, not {type(descriptor).__name__}")
    plot = workflow.plot_json(QueryRectangle(bounds, interval, srs))
    return Fetched("plot", name, query("plot", "json"), descriptor, source, plot=plot)


def _batch_bytes(batch: Any) -> int:
    """About how many bytes a decoded feature batch took on the wire (its Arrow buffers, else its WKT)."""
    record_batch = getattr(batch, "record_batch", batch if hasattr(batch, "num_rows") else None)
    if record_batch is not None:
        return int(record_batch.nbytes)
    return sum(len(wkt or "") for wkt in batch.wkt) + 16 * len(batch.wkt)


def check_size(estimate: DownloadEstimate, tempdir: PluginTempDir, confirmed_bytes: int = 0) -> None:
    """Before any tile is fetched: :class:`~.download_guard.DownloadTooLarge` when the download is over the
    plugin's limits (not confirmed) or the free disk space of the temp folder."""
    download_guard.check(estimate, tempdir.base, confirmed_bytes)


def _raster_files(workflow: Workflow, descriptor: RasterResultDescriptor, raster_query: RasterQueryRectangle,
                  folder: Path, stem: str, transport: str, context: Optional[TaskContext]) -> List[Path]:
    """One GeoTIFF per time slice through ``transport``: the Arrow stream, or WCS (:mod:`.ogc_fallback`)."""
    progress = _progress(context, 5, 95)
    if transport == OGC:
        return fetch_raster_slices(workflow, descriptor, raster_query.spatial_bounds.as_tuple(), raster_query.srs,
                                   raster_query.time_interval, raster_query.raster_bands, folder, stem, progress,
                                   context.check_canceled if context is not None else None)
    from ..core.geotiff_writer import stream_raster_to_geotiff  # pyarrow + websockets: only when streaming

    cancelled = context.is_canceled if context is not None else None
    return stream_raster_to_geotiff(workflow, raster_query, folder, progress, cancelled, stem=stem)


def _vector_batches(workflow: Workflow, descriptor: VectorResultDescriptor, vector_query: QueryRectangle,
                    transport: str, context: Optional[TaskContext], raw: bool = False) -> Iterator[Any]:
    """Decoded feature batches through ``transport``: the Arrow stream, or WFS GeoJSON (:mod:`.ogc_fallback`);
    ``raw``: the stream's Arrow record batches undecoded."""
    progress = _progress(context, 5, 95)
    if transport == OGC:
        yield from fetch_vector_batches(workflow, descriptor, vector_query, progress,
                                        context.check_canceled if context is not None else None)
        return
    # pyarrow + websockets: only when streaming
    from ..core.vector_stream import stream_vector_batches, stream_vector_record_batches

    streamed = stream_vector_record_batches if raw else stream_vector_batches
    stream = streamed(workflow, vector_query, progress, context.is_canceled if context else None)
    with closing(stream):
        yield from stream


def wms_time(start: str, end: str) -> str:
    """``start`` or ``start/end`` with ``Z`` (QGIS's WMS provider sends ``+`` unencoded, which reads as a space)."""
    parts = [iso(moment) if (moment := parse_iso(text)) is not None else text for text in (start, end)]
    return parts[0] if parts[0] == parts[1] else f"{parts[0]}/{parts[1]}"


def check_time(interval: TimeInterval, descriptor: Any) -> None:
    """:class:`InputError` (field ``time``) when the query's time misses the result's time bounds entirely."""
    bounds = getattr(descriptor, "time_bounds", None)
    if bounds is None:
        return
    start, end = interval.start_ms, interval.end_ms
    if start == end:
        overlaps = bounds.start_ms <= start < bounds.end_ms or start == bounds.start_ms == bounds.end_ms
    else:
        overlaps = start < bounds.end_ms and end > bounds.start_ms
    if not overlaps:
        first, last = interval_iso(bounds)
        raise InputError(f"the time {interval.time_str} is outside the workflow's data ({first} to {last})",
                         field="time")


def interval_strings(request: LayerRequest) -> Tuple[str, str]:
    """The request's (start, end) as ``2014-04-01T00:00:00.000Z`` (end = start for an instant)."""
    def normal(text: str) -> str:
        moment = parse_iso(text)
        return iso(moment) if moment is not None else text

    return normal(request.time_start), normal(request.time_end or request.time_start)


def _wms_colorizer(source: SourceInfo, bands: Tuple[int, ...]):
    if not source.symbology:
        return None
    try:
        colorizer = RasterSymbology.from_response(source.symbology).raster_colorizer
    except InputError as exc:
        log(f"Symbology not usable for the WMS layer: {exc.message}")
        return None
    return colorizer


# --------------------------------------------------------------------------------------- main thread


def _finish_layer(layer: QgsMapLayer, fetched: Fetched, slice_times: Optional[Tuple[str, str]] = None) -> None:
    query = fetched.query
    if slice_times is not None:
        query = LayerQuery(query.workflow_id, query.connection_name, query.server_url, query.bounds, query.srs,
                           query.time_start, query.time_end, query.bands, query.kind, query.mode,
                           {**query.extra, "time_slice": f"{slice_times[0]}/{slice_times[1]}"})
    query.apply_to(layer)
    metadata = build_metadata(query, layer.name(), fetched.descriptor, fetched.source, slice_times)
    if fetched.transport:  # which path the data came through, for the user and for tests
        layer.setCustomProperty(PROPERTY_PREFIX + "transport", fetched.transport)
        metadata.addHistoryItem(tr("Geo Engine: loaded {path}").format(
            path=transport_note(fetched.transport, fetched.kind)))
    notes = [describe_resolution(str(query.extra.get("resolution", "")))]
    if query.mode == FILE_MODE:
        notes.append(tr("Stored as a FlatGeobuf file with a spatial index because the result is large; the layer "
                        "is read-only (Export > Save Features As... makes an editable copy)."))
    for note in filter(None, notes):
        metadata.setAbstract(f"{metadata.abstract()}\n\n{note}".strip())
    layer.setMetadata(metadata)


def build_layers(fetched: Fetched) -> Tuple[List[QgsMapLayer], List[str]]:
    """Main thread: the styled layers of a fetched result (not yet in a project) and how each was styled."""
    layers: List[QgsMapLayer] = []
    styling: List[str] = []
    if fetched.kind == "raster":
        label_slices = len(fetched.slices) > 1 or has_finite_time(fetched.descriptor)
        for raster_slice in fetched.slices:
            name = f"{fetched.name} {raster_slice.label}" if label_slices else fetched.name
            layer = slice_layer(raster_slice, name)
            styling.append(style_raster_layer(layer, fetched.source.symbology, fetched.query.bands,
                                              fetched.descriptor))
            _finish_layer(layer, fetched, (raster_slice.time_start, raster_slice.time_end))
            layers.append(layer)
    elif fetched.kind == "wms":
        layer = wms_layer(fetched.uri, fetched.name)
        styling.append("server" if fetched.source.symbology else "server default")
        _finish_layer(layer, fetched)
        layers.append(layer)
    elif fetched.kind == "vector":
        layer = fetched.layer
        if layer is None:
            layer = create_memory_layer(fetched.descriptor, fetched.plan, fetched.name)
            append_batches(layer, fetched.batches)
        wire_temporal(layer, fetched.plan)
        styling.append(style_vector_layer(layer, fetched.source.symbology))
        _finish_layer(layer, fetched)
        layers.append(layer)
    return layers, styling


def add_to_project(layers: List[QgsMapLayer], project: QgsProject, group_name: Optional[str] = None) -> None:
    """Add layers (in a new top group when ``group_name`` is given; the first layer on top)."""
    if group_name:
        group = project.layerTreeRoot().insertGroup(0, group_name)
        for layer in layers:
            project.addMapLayer(layer, False)
            group.addLayer(layer)
    else:
        for layer in layers:
            project.addMapLayer(layer)


def materialize(fetched: Fetched, project: Optional[QgsProject] = None,
                add: bool = True, group_slices: bool = True) -> LoadOutcome:
    """Main thread: layers from a fetched result, added to ``project``; on failure nothing stays behind."""
    if fetched.kind == "plot":
        return LoadOutcome(plot=fetched)
    layers: List[QgsMapLayer] = []
    try:
        layers, styling = fetched.prebuilt or build_layers(fetched)
        if add:
            group = fetched.name if group_slices and len(layers) > 1 else None
            add_to_project(layers, project or QgsProject.instance(), group)
    except BaseException:
        discard(fetched, layers, project or QgsProject.instance())
        raise
    return LoadOutcome(layers=layers, styling=styling)


def discard(fetched: Optional[Fetched], layers: List[QgsMapLayer], project: QgsProject,
            tempdir: Optional[PluginTempDir] = None) -> None:
    """Remove layers (from the project if they got there) and the job folder of a fetched raster."""
    for layer in layers:
        if project.mapLayer(layer.id()) is not None:
            project.removeMapLayer(layer.id())
    if fetched is not None and fetched.folder is not None:
        if tempdir is not None:
            tempdir.discard(fetched.folder)
        else:
            shutil.rmtree(fetched.folder, ignore_errors=True)


# -------------------------------------------------------------------------------------------- loader


def describe_plot(fetched: Fetched) -> str:
    plot = fetched.plot or {}
    size = len(json.dumps(plot.get("data")))
    return (f"Plot {fetched.name!r}: {plot.get('plotType', '?')} as {plot.get('outputFormat', '?')} "
            f"({size} bytes of data); open it in the plot dock.")


class WorkflowLayerLoader:
    """Loads workflow results as layers in background tasks (see the module docstring).

    ``plot_handler(fetched)`` is called on the main thread for plot workflows (e.g. a plot dock); without one
    the plot's kind and size go to the message bar.

    A download over the size limits (:mod:`.download_guard`) is not started: ``ask(verdict)`` (main thread,
    e.g. :func:`~.download_guard.ask_user`) may agree, and the load runs again with that size confirmed;
    without ``ask``, or when the disk is too full, the message bar says why and nothing is fetched.
    """

    def __init__(self, runner: TaskRunner, tempdir: PluginTempDir, notifier: Notifier,
                 project: Optional[QgsProject] = None,
                 plot_handler: Optional[Callable[[Fetched], None]] = None) -> None:
        self._runner = runner
        self._tempdir = tempdir
        self._notifier = notifier
        self._project = project
        self.plot_handler = plot_handler
        self.ask: Optional[Callable[[download_guard.GuardVerdict], bool]] = None

    @property
    def project(self) -> QgsProject:
        return self._project or QgsProject.instance()

    def load(self, session: SessionSource, request: LayerRequest,
             on_done: Optional[Callable[[LoadOutcome], None]] = None) -> CoreTask:
        """Start loading; ``session`` is a core Session or a callable returning one (called in the worker)."""
        transform_context = QgsCoordinateTransformContext(self.project.transformContext())
        description = tr("Geo Engine: load {name}").format(name=request.name or request.workflow_id)
        holder: dict = {}

        def work(context: TaskContext) -> Fetched:
            active = session() if callable(session) and not isinstance(session, Session) else session
            try:
                fetched = fetch(active, request, self._tempdir, context, transform_context, in_worker=True)
            except download_guard.DownloadTooLarge as exc:
                return exc  # decided on the main thread: ask, or tell why not
            holder["fetched"] = fetched
            return fetched

        def done(outcome: LoadOutcome) -> None:
            if on_done is not None:
                on_done(outcome)

        def succeeded(fetched: Union[Fetched, download_guard.DownloadTooLarge]) -> None:
            if isinstance(fetched, download_guard.DownloadTooLarge):
                self._too_large(fetched, session, request, done)
                return
            try:
                outcome = materialize(fetched, self.project, request.options.add_to_project,
                                      request.options.group_slices)
            except Exception as exc:  # noqa: BLE001 - reported like a worker failure
                self._tempdir_discard(fetched)
                report = describe_error(exc)
                self._notifier.error(f"{description}: {report.summary}", details=report.details)
                done(LoadOutcome(error=exc))
                return
            if outcome.plot is not None:
                if self.plot_handler is not None:
                    self.plot_handler(outcome.plot)
                else:
                    self._notifier.info(describe_plot(outcome.plot))
            else:
                count = len(outcome.layers)
                note = f", {transport_note(fetched.transport, fetched.kind)}" if fetched.transport else ""
                text = tr("Added 1 layer: {name}{note}") if count == 1 else tr("Added {count} layers: {name}{note}")
                self._notifier.success(text.format(count=count, name=fetched.name, note=note))
            done(outcome)

        def failed(exc: BaseException) -> None:  # the notifier already showed it
            self._tempdir_discard(holder.get("fetched"))
            done(LoadOutcome(error=exc))

        def cancelled() -> None:
            self._tempdir_discard(holder.get("fetched"))  # cancelled after the files were complete
            done(LoadOutcome(cancelled=True))

        task = CoreTask(description, work, self._notifier, on_success=succeeded, on_error=failed,
                        on_cancel=cancelled)
        return self._runner.start(task)

    def _too_large(self, exc: download_guard.DownloadTooLarge, session: SessionSource, request: LayerRequest,
                   done: Callable[[LoadOutcome], None]) -> None:
        verdict = exc.verdict
        size = verdict.estimate.bytes or 0
        if verdict.decision == download_guard.ASK and self.ask is not None and self.ask(verdict):
            options = replace(request.options, confirmed_bytes=max(size, request.options.confirmed_bytes))
            self.load(session, replace(request, options=options), done)
            return
        self._notifier.warning(tr("Not loaded: {name}. {message}").format(
            name=request.name or request.workflow_id, message=verdict.message))
        done(LoadOutcome(error=exc))

    def _tempdir_discard(self, fetched: Optional[Fetched]) -> None:
        if fetched is not None and fetched.folder is not None and fetched.folder.exists():
            try:
                self._tempdir.discard(fetched.folder)
            except ValueError:
                log(f"Not removing {fetched.folder}: outside the plugin's temporary folder")
