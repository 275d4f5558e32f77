"""Raster layers of Geo Engine time series that follow QGIS's Temporal Controller.

Design: ONE layer in the Layers panel per time series (not a group of per-month layers). The layer is a GDAL
layer on the GeoTIFF of one time slice; its temporal range (fixed mode) is the workflow's whole time bounds,
so QGIS shows it for every time inside the data and hides it outside. When the map canvas' temporal range
changes (the Temporal Controller drives ``QgsMapCanvas.setTemporalRange``), :class:`TemporalRasterLayers`
finds the slice that contains the start of the new range: from its cache (per workflow, extent, CRS, bands
and slice), or by fetching it in a background QgsTask through the layer loader's :func:`~.layers.fetch` for the
layer's stored extent. It then swaps the layer's data source (style and temporal settings kept) and updates
the stored query (``geoengine/time``, ``geoengine/time_slice``), the metadata's temporal extent and the date in
the layer name. Moving the controller quickly fetches at most one slice per layer at a time; the newest
wanted time wins.

Which layers follow: GeoTIFF layers the loader made for ONE slice (query time within that slice) of a workflow
with a regular time dimension. A range of several slices stays the loader's group of fixed-range layers.
The time bounds come from the result descriptor (fetched once in the background) and are stored on the layer
as ``geoengine/time_bounds``; ``geoengine/temporal = follow`` marks the layer (both survive project files).
Cached files live in the plugin's temporary folder (removed on unload).

Vector layers: the loader drives them by their ``time_start``/``time_end`` fields. QGIS's start/end-field filter
(``end > range start``) never shows an instant (start == end) that lies on a range start, e.g. monthly points
dated the 1st, in any frame. :func:`instant_safe_vector_time` switches such layers to start/end expressions in
which an instant lasts one second (QGIS expressions drop milliseconds) and NULL ends are open; the manager
applies it to Geo Engine vector layers as they are added.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, List, Optional, Tuple

from qgis.core import (
    QgsCoordinateReferenceSystem,
    QgsCoordinateTransformContext,
    QgsDateTimeRange,
    QgsExpression,
    QgsMapLayer,
    QgsProject,
    QgsRasterLayer,
    QgsRectangle,
    QgsVectorLayer,
    QgsVectorLayerTemporalProperties,
)
from qgis.PyQt.QtCore import QObject, pyqtSignal

from ..core.workflow import Workflow
from .layer_metadata import qdatetime
from .layer_sources import set_temporal, swap_raster_source
from .messages import Notifier, log
from .query import PROPERTY_PREFIX, LayerQuery, iso, parse_iso, regular_step, time_bounds
from .tasks import TaskRunner
from .tempfiles import PluginTempDir

FOLLOW_KEY = PROPERTY_PREFIX + "temporal"
FOLLOW = "follow"
BOUNDS_KEY = PROPERTY_PREFIX + "time_bounds"
SLICE_KEY = PROPERTY_PREFIX + "time_slice"
OPEN_START, OPEN_END = "make_datetime(1,1,1,0,0,0)", "make_datetime(9999,12,31,0,0,0)"
# session_for(query, on_ready(session), on_error(exception)): hands a core Session for the layer's connection
SessionFor = Callable[[LayerQuery, Callable[[object], None], Callable[[BaseException], None]], object]


def qdatetime_to_utc(value) -> Optional[dt.datetime]:
    """A QDateTime as an aware UTC datetime (``None`` if invalid)."""
    if value is None or not value.isValid():
        return None
    return dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc) + dt.timedelta(milliseconds=value.toMSecsSinceEpoch())


def parse_range(text: str) -> Optional[Tuple[dt.datetime, dt.datetime]]:
    """``"start/end"`` ISO text -> (start, end), or ``None`` if either part is unreadable."""
    start_text, _, end_text = (text or "").partition("/")
    start, end = parse_iso(start_text), parse_iso(end_text or start_text)
    return (start, end) if start is not None and end is not None else None


@dataclass(frozen=True)
class CachedSlice:
    """A fetched time slice [start, end) and its GeoTIFF."""

    start: dt.datetime
    end: dt.datetime
    path: Path

    def covers(self, moment: dt.datetime) -> bool:
        return self.start <= moment < self.end or self.start == self.end == moment


CacheKey = Tuple[str, Tuple[float, ...], str, Tuple[int, ...]]


class SliceCache:
    """Fetched slices per (workflow, extent, CRS, bands); entries whose file is gone are dropped."""

    def __init__(self) -> None:
        self._slices: Dict[CacheKey, List[CachedSlice]] = {}

    @staticmethod
    def key(query: LayerQuery) -> CacheKey:
        return (query.workflow_id, tuple(round(v, 9) for v in query.bounds), query.srs, tuple(query.bands))

    def find(self, key: CacheKey, moment: dt.datetime) -> Optional[CachedSlice]:
        entries = self._slices.get(key, [])
        entries[:] = [entry for entry in entries if entry.path.is_file()]
        return next((entry for entry in entries if entry.covers(moment)), None)

    def add(self, key: CacheKey, entry: CachedSlice) -> None:
        entries = self._slices.setdefault(key, [])
        entries[:] = [e for e in entries if (e.start, e.end) != (entry.start, entry.end)] + [entry]

    def __len__(self) -> int:
        return sum(len(entries) for entries in self._slices.values())


@dataclass
class _Followed:
    layer: QgsRasterLayer
    query: LayerQuery
    bounds: Optional[Tuple[dt.datetime, dt.datetime]] = None
    wanted: Optional[dt.datetime] = None
    shown: Optional[CachedSlice] = None
    busy: bool = False  # a fetch (or the login before it) is under way
    tried: List[dt.datetime] = field(default_factory=list)  # moments a finished fetch did not cover


def follow_candidate(layer: QgsMapLayer) -> bool:
    """A GeoTIFF layer of one time slice loaded by the plugin (or one already marked as following)."""
    if not isinstance(layer, QgsRasterLayer) or layer.providerType() != "gdal":
        return False
    query = LayerQuery.from_layer(layer)
    if query is None or query.kind != "raster" or query.mode != "geotiff":
        return False
    if layer.customProperty(FOLLOW_KEY) == FOLLOW:
        return True
    piece = parse_range(str(layer.customProperty(SLICE_KEY) or ""))
    wanted = parse_range(f"{query.time_start}/{query.time_end}")
    if piece is None or wanted is None:
        return False
    start, end = piece
    return start <= wanted[0] and (wanted[1] <= end or wanted[0] == wanted[1])


def instant_safe_vector_time(layer: QgsMapLayer) -> bool:
    """Make a start/end-field temporal vector layer show instants (see the module docstring); True if changed."""
    if not isinstance(layer, QgsVectorLayer) or LayerQuery.from_layer(layer) is None:
        return False
    properties = layer.temporalProperties()
    start, end = properties.startField(), properties.endField()
    if properties.mode() != QgsVectorLayerTemporalProperties.ModeFeatureDateTimeStartAndEndFromFields or not (
            start and end):
        return False
    start_ref, end_ref = (QgsExpression.quotedColumnRef(name) for name in (start, end))
    properties.setMode(QgsVectorLayerTemporalProperties.ModeFeatureDateTimeStartAndEndFromExpressions)
    properties.setStartExpression(f"coalesce({start_ref}, {OPEN_START})")
    properties.setEndExpression(
        f"coalesce(if({end_ref} = {start_ref}, {end_ref} + make_interval(seconds:=1), {end_ref}), {OPEN_END})")
    return True


class TemporalRasterLayers(QObject):
    """Keeps time-series raster layers in step with the canvas' temporal range (see the module docstring)."""

    sliceShown = pyqtSignal(str, str)  # layer id, ISO start of the slice now shown  # noqa: N815 - Qt naming
    fetchFailed = pyqtSignal(str, str)  # layer id, reason  # noqa: N815

    def __init__(self, canvas, runner: TaskRunner, tempdir: PluginTempDir, notifier: Notifier,
                 session_for: SessionFor, project: Optional[QgsProject] = None, auto_adopt: bool = True) -> None:
        super().__init__()
        self._canvas = canvas
        self._runner = runner
        self._tempdir = tempdir
        self._notifier = notifier
        self._session_for = session_for
        self._project = project or QgsProject.instance()
        self._followed: Dict[str, _Followed] = {}
        self.cache = SliceCache()
        self.fetch_count = 0  # slices requested from the server (cache misses)
        self._auto = auto_adopt
        canvas.temporalRangeChanged.connect(self._range_changed)
        self._project.layersWillBeRemoved.connect(self._forget)
        if auto_adopt:
            self._project.layersAdded.connect(self._layers_added)

    # --- lifetime ---------------------------------------------------------------------------------------
    def stop(self) -> None:
        """Disconnect from the canvas and project (plugin unload); layers keep their current slice."""
        for signal, slot in ((self._canvas.temporalRangeChanged, self._range_changed),
                             (self._project.layersWillBeRemoved, self._forget),
                             (self._project.layersAdded, self._layers_added)):
            try:
                signal.disconnect(slot)
            except (TypeError, RuntimeError):  # never connected, or the object is gone
                pass
        self._followed.clear()

    def following(self, layer_id: str) -> bool:
        return layer_id in self._followed

    def busy(self, layer_id: str) -> bool:
        entry = self._followed.get(layer_id)
        return entry is not None and entry.busy

    # --- adoption ---------------------------------------------------------------------------------------
    def _layers_added(self, layers) -> None:
        for layer in layers:
            if follow_candidate(layer):
                self.adopt(layer)
            else:
                instant_safe_vector_time(layer)

    def _forget(self, layer_ids) -> None:
        for layer_id in layer_ids:
            self._followed.pop(layer_id, None)

    def adopt(self, layer: QgsRasterLayer) -> bool:
        """Start following ``layer`` (see :func:`follow_candidate`); False if it cannot follow."""
        if not follow_candidate(layer):
            return False
        if layer.id() in self._followed:
            return True
        query = LayerQuery.from_layer(layer)
        entry = _Followed(layer, query)
        piece = parse_range(str(layer.customProperty(SLICE_KEY) or ""))
        if piece is not None and layer.isValid():
            entry.shown = CachedSlice(piece[0], piece[1], Path(layer.source()))
            self.cache.add(SliceCache.key(query), entry.shown)
        self._followed[layer.id()] = entry
        bounds = parse_range(str(layer.customProperty(BOUNDS_KEY) or ""))
        if bounds is not None and layer.customProperty(FOLLOW_KEY) == FOLLOW:
            self._set_bounds(entry, bounds)
            self._range_changed()
        else:
            self._learn_bounds(entry)
        return True

    def refresh(self, layer: QgsMapLayer) -> bool:
        """Follow ``layer`` anew after its data source changed elsewhere (e.g. restored with a project)."""
        self._followed.pop(layer.id(), None)
        return self.adopt(layer)

    def _learn_bounds(self, entry: _Followed) -> None:
        """Fetch the result descriptor in the background: time bounds and whether the series is regular."""
        layer_id = entry.layer.id()
        entry.busy = True

        def work(_context):
            descriptor = Workflow(entry.query.workflow_id, holder["session"]).get_result_descriptor()
            return time_bounds(descriptor), regular_step(descriptor) is not None

        def learned(result) -> None:
            entry.busy = False
            bounds, regular = result
            if layer_id not in self._followed:
                return
            if not regular or bounds is None or None in bounds:
                log(f"Layer {entry.layer.name()!r} does not follow the temporal controller: not a regular time "
                    "series with finite bounds")
                self._followed.pop(layer_id, None)
                return
            entry.layer.setCustomProperty(FOLLOW_KEY, FOLLOW)
            entry.layer.setCustomProperty(BOUNDS_KEY, f"{iso(bounds[0])}/{iso(bounds[1])}")
            self._set_bounds(entry, bounds)
            self._range_changed()

        def failed(exc: BaseException) -> None:
            entry.busy = False
            self._followed.pop(layer_id, None)
            self.fetchFailed.emit(layer_id, str(exc))

        holder: dict = {}

        def ready(session) -> None:
            holder["session"] = session
            self._runner.submit(f"Geo Engine: time steps of {entry.layer.name()}", work, on_success=learned,
                                on_error=failed, notify_errors=False)

        self._session_for(entry.query, ready, failed)

    @staticmethod
    def _set_bounds(entry: _Followed, bounds: Tuple[dt.datetime, dt.datetime]) -> None:
        entry.bounds = bounds
        set_temporal(entry.layer, QgsDateTimeRange(qdatetime(bounds[0]), qdatetime(bounds[1]), True, False))

    # --- following the controller -----------------------------------------------------------------------
    def current_moment(self) -> Optional[dt.datetime]:
        """The start of the canvas' temporal range, or ``None`` when the map is not temporal."""
        if not self._canvas.mapSettings().isTemporal():
            return None
        return qdatetime_to_utc(self._canvas.temporalRange().begin())

    def _range_changed(self) -> None:
        moment = self.current_moment()
        if moment is None:
            return
        for entry in list(self._followed.values()):
            if entry.bounds is not None:
                self._show(entry, moment)

    def _show(self, entry: _Followed, moment: dt.datetime) -> None:
        start, end = entry.bounds
        if not entry.layer.isValid():
            return  # its file is missing: project restoring re-fetches it, then calls refresh()
        if not start <= moment < end:
            return  # outside the data: QGIS hides the layer (its fixed range is the bounds)
        entry.wanted = moment
        hit = self.cache.find(SliceCache.key(entry.query), moment)
        if hit is not None:
            if entry.shown != hit:
                self._swap(entry, hit)
            return
        if not entry.busy and moment not in entry.tried:
            self._fetch(entry, moment)

    def _swap(self, entry: _Followed, piece: CachedSlice) -> None:
        layer = entry.layer
        old_label = entry.shown.start.date().isoformat() if entry.shown is not None else ""
        swap_raster_source(layer, piece.path, self._project)
        entry.shown = piece
        start, end = iso(piece.start), iso(piece.end)
        entry.query = dataclasses.replace(entry.query, time_start=start, time_end=start)
        entry.query.apply_to(layer)
        layer.setCustomProperty(SLICE_KEY, f"{start}/{end}")
        new_label = piece.start.date().isoformat()
        if old_label and layer.name().endswith(old_label):
            layer.setName(layer.name()[: -len(old_label)] + new_label)
        metadata = layer.metadata()
        extent = metadata.extent()
        extent.setTemporalExtents([QgsDateTimeRange(qdatetime(piece.start), qdatetime(piece.end))])
        metadata.setExtent(extent)
        layer.setMetadata(metadata)
        self.sliceShown.emit(layer.id(), start)

    def _fetch(self, entry: _Followed, moment: dt.datetime) -> None:
        from .layers import LayerOptions, LayerRequest, fetch

        layer_id = entry.layer.id()
        entry.busy = True
        self.fetch_count += 1
        query = entry.query
        request = LayerRequest(query.workflow_id, QgsRectangle(*query.bounds), QgsCoordinateReferenceSystem(query.srs),
                               iso(moment), None, tuple(query.bands), entry.layer.name(), query.connection_name,
                               LayerOptions(add_to_project=False))
        transform_context = QgsCoordinateTransformContext(self._project.transformContext())
        holder: dict = {}

        def work(context):
            return fetch(holder["session"], request, self._tempdir, context, transform_context)

        def fetched(result) -> None:
            entry.busy = False
            key = SliceCache.key(query)
            for piece in result.slices:
                start, end = parse_iso(piece.time_start), parse_iso(piece.time_end)
                if start is not None and end is not None:
                    self.cache.add(key, CachedSlice(start, end, piece.path))
            if self.cache.find(key, moment) is None:
                entry.tried.append(moment)
                log(f"Geo Engine returned no slice covering {iso(moment)} for layer {entry.layer.name()!r}")
            self._continue(layer_id)

        def failed(exc: BaseException) -> None:
            entry.busy = False
            entry.tried.append(moment)
            self.fetchFailed.emit(layer_id, str(exc))

        def cancelled() -> None:
            entry.busy = False

        def ready(session) -> None:
            holder["session"] = session
            self._runner.submit(f"Geo Engine: {entry.layer.name()} at {iso(moment)[:10]}", work,
                                on_success=fetched, on_error=failed, on_cancel=cancelled)

        self._session_for(query, ready, failed)

    def _continue(self, layer_id: str) -> None:
        """After a fetch: show the newest wanted time (cached now, or fetch it next)."""
        entry = self._followed.get(layer_id)
        if entry is None or entry.wanted is None:
            return
        if entry.layer.id() not in self._project.mapLayers():
            self._followed.pop(layer_id, None)
            return
        self._show(entry, entry.wanted)
