"""Raster layers of Geo Engine time series that follow QGIS's Temporal Controller.

Design: ONE layer in the Layers panel per time series (not a group of per-month layers). The layer is a GDAL
layer on the GeoTIFF of one time slice; its temporal range (fixed mode) is that slice, so any render at another
time (an animation export, a layout, another map view) draws nothing rather than the wrong month. When the map
canvas' temporal range
changes (the Temporal Controller drives ``QgsMapCanvas.setTemporalRange``), :class:`TemporalRasterLayers`
finds the slice that contains the start of the new range: from its cache (per workflow, extent, CRS, bands
and slice), or by fetching it in a background QgsTask through the layer loader's :func:`~.layers.fetch` for the
layer's stored extent, or for the canvas extent when the map shows parts outside it (panning away fetches
the current step after a short pause; zooming in, or panning back into an extent fetched before, uses the
cache). It then swaps the layer's data source (style kept, fixed range = the new slice) and updates the stored
query (``geoengine/time``, ``geoengine/time_slice``, ``geoengine/extent``) and the metadata's temporal extent; the
layer name stays, and a step does not mark the project modified. Moving the controller quickly fetches at most
one slice per layer at a time; the newest wanted time wins.

Bounded: only layers checked in the Layers panel fetch; following the view can be switched off (setting
``geoengine/temporal/follow_extent``); a view whose download would exceed the size limit (:mod:`.download_guard`)
is not fetched (the layer keeps its extent, the user is told once); the slice cache has an LRU byte budget
(setting ``geoengine/temporal/cache_megabytes``).

Which layers follow: GeoTIFF layers the loader made for ONE slice (query time within that slice) of a workflow
with a regular time dimension. A range of several slices stays the loader's group of fixed-range layers.
The time bounds come from the result descriptor (fetched once in the background) and are stored on the layer
as ``geoengine/time_bounds``; ``geoengine/temporal = follow`` marks the layer (both survive project files).
Cached files live in the plugin's download folder (:mod:`.tempfiles`).

Live WMS layers of a regular series become WMS-T layers (:mod:`.wms_time`): QGIS itself sends the controller's
time with each GetMap, so nothing is fetched or cached here; only the stored time follows.

Vector layers: the loader drives them by their ``time_start``/``time_end`` fields. QGIS's start/end-field filter
(``end > range start``) never shows an instant (start == end) that lies on a range start, e.g. monthly points
dated the 1st, in any frame. :func:`instant_safe_vector_time` switches such layers to start/end expressions in
which an instant lasts one second (QGIS expressions drop milliseconds) and NULL ends are open; the manager
applies it to Geo Engine vector layers as they are added.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Tuple

from qgis.core import (
    QgsBox3d,
    QgsCoordinateReferenceSystem,
    QgsCoordinateTransformContext,
    QgsDateTimeRange,
    QgsExpression,
    QgsMapLayer,
    QgsProject,
    QgsRasterLayer,
    QgsRectangle,
    QgsVectorLayer,
)
from qgis.PyQt.QtCore import QObject, QTimer, pyqtSignal

from ..core.descriptors import TimeStep
from ..core.download_estimate import estimate_download
from ..core.errors import GeoEngineError, InputError
from ..core.workflow import Workflow
from . import plugin_settings
from .download_guard import DownloadTooLarge, judge
from .enums import VECTOR_START_END_EXPRESSIONS, VECTOR_START_END_FIELDS
from .errors import describe_error
from .extent import to_workflow_bounds
from .i18n import tr
from .layer_metadata import qdatetime
from .layer_sources import set_temporal, swap_raster_source, swap_wms_source
from .messages import Notifier, log
from .query import PROPERTY_PREFIX, LayerQuery, iso, parse_iso, regular_step, time_bounds
from .raster_resolution import from_query as resolution_of
from .tasks import TaskRunner
from .tempfiles import PluginTempDir, project_files
from .wms_time import is_wmst, slice_containing, wms_candidate, wmst_uri

FOLLOW_KEY = PROPERTY_PREFIX + "temporal"
FOLLOW = "follow"
BOUNDS_KEY = PROPERTY_PREFIX + "time_bounds"
SLICE_KEY = PROPERTY_PREFIX + "time_slice"
STEP_KEY = PROPERTY_PREFIX + "time_step"  # "1 months"
PAN_DELAY_MS = 700  # after the last pan/zoom before a following layer fetches for the new view
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


def parse_step(text: str) -> Optional[TimeStep]:
    """``"1 months"`` -> TimeStep, ``None`` if unreadable."""
    count, _, unit = text.strip().partition(" ")
    try:
        return TimeStep(int(count), unit)
    except (ValueError, GeoEngineError):
        return None


@dataclass(frozen=True)
class CachedSlice:
    """A fetched time slice [start, end) and its GeoTIFF."""

    start: dt.datetime
    end: dt.datetime
    path: Path

    def covers(self, moment: dt.datetime) -> bool:
        return self.start <= moment < self.end or self.start == self.end == moment


CacheKey = Tuple[str, Tuple[float, ...], str, Tuple[int, ...], str]  # ..., resolution


class SliceCache:
    """Fetched slices per (workflow, extent, CRS, bands); entries whose file is gone are dropped.

    The files' total size stays within ``budget()`` bytes (the plugin setting by default): the least recently
    used slices go first, their files deleted, except those ``in_use()`` (shown by a layer) and the newest."""

    def __init__(self, budget: Optional[Callable[[], int]] = None,
                 in_use: Optional[Callable[[], set]] = None) -> None:
        self._slices: Dict[CacheKey, List[CachedSlice]] = {}
        self._used: Dict[Path, int] = {}  # file -> last use (a counter)
        self._clock = 0
        self._budget = budget or plugin_settings.time_cache_bytes
        self._in_use = in_use or (lambda: set())
        self.evicted = 0  # files removed to stay within the budget

    def _touch(self, entry: CachedSlice) -> None:
        self._clock += 1
        self._used[entry.path] = self._clock

    @property
    def size(self) -> int:
        """Bytes of the cached files."""
        return sum(_file_size(entry.path) for entries in self._slices.values() for entry in entries)

    @staticmethod
    def key(query: LayerQuery) -> CacheKey:
        return (query.workflow_id, tuple(round(v, 9) for v in query.bounds), query.srs, tuple(query.bands),
                str(query.extra.get("resolution", "")))

    def find(self, key: CacheKey, moment: dt.datetime) -> Optional[CachedSlice]:
        entries = self._slices.get(key, [])
        entries[:] = [entry for entry in entries if entry.path.is_file()]
        hit = next((entry for entry in entries if entry.covers(moment)), None)
        if hit is not None:
            self._touch(hit)
        return hit

    def add(self, key: CacheKey, entry: CachedSlice) -> None:
        entries = self._slices.setdefault(key, [])
        entries[:] = [e for e in entries if (e.start, e.end) != (entry.start, entry.end)] + [entry]
        self._touch(entry)
        self.shrink(keep=entry.path)

    def shrink(self, keep: Optional[Path] = None) -> None:
        """Delete least recently used files until the cache fits its budget."""
        budget = self._budget()
        all_entries = [(key, e) for key, entries in self._slices.items() for e in entries]
        total = sum(_file_size(e.path) for _key, e in all_entries)
        if total <= budget:
            return
        protected = {Path(p) for p in self._in_use()} | ({keep} if keep is not None else set())
        for key, entry in sorted(all_entries, key=lambda item: self._used.get(item[1].path, 0)):
            if total <= budget:
                break
            if entry.path in protected:
                continue
            total -= _file_size(entry.path)
            self._slices[key] = [e for e in self._slices[key] if e is not entry]
            self._used.pop(entry.path, None)
            _remove_slice_file(entry.path)
            self.evicted += 1

    def covering(self, query: LayerQuery, view: Tuple[float, ...],
                 moment: dt.datetime) -> Optional[Tuple[Tuple[float, ...], CachedSlice]]:
        """A cached slice of ``query``'s workflow/CRS/bands at ``moment`` whose extent contains ``view``."""
        wanted = QgsRectangle(*view)
        for key in list(self._slices):
            same = key[0] == query.workflow_id and key[2] == query.srs and key[3] == tuple(query.bands)
            if same and QgsRectangle(*key[1]).contains(wanted):
                hit = self.find(key, moment)
                if hit is not None:
                    return key[1], hit
        return None

    def __len__(self) -> int:
        return sum(len(entries) for entries in self._slices.values())


def _file_size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _remove_slice_file(path: Path) -> None:
    """Delete an evicted slice and its job folder when that is empty now."""
    try:
        path.unlink()
        path.parent.rmdir()
    except OSError:
        pass


@dataclass
class _Followed:
    layer: QgsRasterLayer
    query: LayerQuery
    bounds: Optional[Tuple[dt.datetime, dt.datetime]] = None
    wanted: Optional[dt.datetime] = None
    shown: Optional[CachedSlice] = None
    busy: bool = False  # a fetch (or the login before it) is under way
    tried: List[dt.datetime] = field(default_factory=list)  # moments a finished fetch did not cover
    view_moved: bool = False  # the map was panned or zoomed since the layer began to follow
    kept_bounds: Optional[Tuple[float, ...]] = None  # the extent held before following the view


def slice_range(start: dt.datetime, end: dt.datetime) -> QgsDateTimeRange:
    """A slice's fixed temporal range, open at both ends: QGIS 3.22's ``QgsDateTimeRange.overlaps`` takes
    ``[Apr, May)`` to overlap the frame ``[Mar, Apr)`` (it ignores the frame's open end), so a closed beginning
    would draw April's slice in March's frame too. ``(Apr, May)`` overlaps exactly April's frames."""
    return QgsDateTimeRange(qdatetime(start), qdatetime(end), False, False)


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
    if properties.mode() != VECTOR_START_END_FIELDS or not (
            start and end):
        return False
    start_ref, end_ref = (QgsExpression.quotedColumnRef(name) for name in (start, end))
    properties.setMode(VECTOR_START_END_EXPRESSIONS)
    properties.setStartExpression(f"coalesce({start_ref}, {OPEN_START})")
    properties.setEndExpression(
        f"coalesce(if({end_ref} = {start_ref}, {end_ref} + make_interval(seconds:=1), {end_ref}), {OPEN_END})")
    return True


class TemporalRasterLayers(QObject):
    """Keeps time-series raster layers in step with the canvas' temporal range (see the module docstring)."""

    sliceShown = pyqtSignal(str, str)  # layer id, ISO start of the slice now shown  # noqa: N815 - Qt naming
    fetchFailed = pyqtSignal(str, str)  # layer id, reason  # noqa: N815
    wmsTimed = pyqtSignal(str)  # layer id of a WMS layer that became a WMS-T layer  # noqa: N815
    followed = pyqtSignal(str)  # layer id of a raster layer that now follows the controller

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
        self._wms: Dict[str, Tuple[QgsRasterLayer, Tuple[dt.datetime, dt.datetime], TimeStep]] = {}
        self._wms_pending: set = set()
        self.cache = SliceCache(in_use=lambda: project_files(self._project))
        self.fetch_count = 0  # slices requested from the server (cache misses)
        self._descriptors: Dict[Tuple[str, str], Any] = {}  # (server URL, workflow id) -> result descriptor
        self._auto = auto_adopt
        self._follow_extent: Optional[bool] = None  # None: the plugin setting
        self.refused: Dict[str, str] = {}  # layer id -> why the view was not fetched (over the size limit)
        self._pan_timer = QTimer(self)
        self._pan_timer.setSingleShot(True)
        self._pan_timer.setInterval(PAN_DELAY_MS)
        self._pan_timer.timeout.connect(self._range_changed)
        canvas.temporalRangeChanged.connect(self._range_changed)
        canvas.extentsChanged.connect(self._extent_changed)
        self._project.layersWillBeRemoved.connect(self._forget)
        self._tree = self._project.layerTreeRoot()
        self._tree.visibilityChanged.connect(self._visibility_changed)
        if auto_adopt:
            self._project.layersAdded.connect(self._layers_added)

    # --- lifetime ---------------------------------------------------------------------------------------
    def stop(self) -> None:
        """Disconnect from the canvas and project (plugin unload); layers keep their current slice."""
        self._pan_timer.stop()
        for signal, slot in ((self._canvas.temporalRangeChanged, self._range_changed),
                             (self._canvas.extentsChanged, self._extent_changed),
                             (self._project.layersWillBeRemoved, self._forget),
                             (self._tree.visibilityChanged, self._visibility_changed),
                             (self._project.layersAdded, self._layers_added)):
            try:
                signal.disconnect(slot)
            except (TypeError, RuntimeError):  # never connected, or the object is gone
                pass
        self._followed.clear()
        self._wms.clear()

    @property
    def follow_extent(self) -> bool:
        """Whether layers refetch for the canvas extent when it leaves their stored extent (plugin setting
        ``geoengine/temporal/follow_extent`` unless set here)."""
        return plugin_settings.follow_extent() if self._follow_extent is None else self._follow_extent

    @follow_extent.setter
    def follow_extent(self, value: Optional[bool]) -> None:
        self._follow_extent = value

    def _visible(self, layer: QgsMapLayer) -> bool:
        """Checked in the Layers panel (with its groups); layers outside the tree count as visible."""
        node = self._tree.findLayer(layer.id())
        return node is None or node.isVisible()

    def _visibility_changed(self, _node=None) -> None:
        """A layer shown again catches up with the controller's time."""
        try:
            self._range_changed()
        except Exception as exc:  # noqa: BLE001 - a slot must not raise into QGIS
            log(f"Geo Engine time following: {type(exc).__name__}: {exc}")

    def following(self, layer_id: str) -> bool:
        return layer_id in self._followed or layer_id in self._wms

    def busy(self, layer_id: str) -> bool:
        entry = self._followed.get(layer_id)
        return entry is not None and entry.busy

    # --- adoption ---------------------------------------------------------------------------------------
    def _layers_added(self, layers) -> None:
        """Slot of ``layersAdded``: never raises into QGIS (PyQt aborts on exceptions in slots)."""
        for layer in layers:
            try:
                if follow_candidate(layer):
                    self.adopt(layer)
                elif wms_candidate(layer) or is_wmst(layer):
                    self.adopt_wms(layer)
                else:
                    instant_safe_vector_time(layer)
            except Exception as exc:  # noqa: BLE001
                report = describe_error(exc)
                self._notifier.warning(tr("Layer {layer} does not follow the temporal controller: {summary}").format(
                    layer=repr(layer.name()), summary=report.summary), details=report.details)

    def _forget(self, layer_ids) -> None:
        for layer_id in layer_ids:
            self._followed.pop(layer_id, None)
            self._wms.pop(layer_id, None)

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
            self.followed.emit(layer.id())
            self._range_changed()
        else:
            self._learn_bounds(entry)
        return True

    def refresh(self, layer: QgsMapLayer) -> bool:
        """Follow ``layer`` anew after its data source changed elsewhere (e.g. restored with a project)."""
        self._followed.pop(layer.id(), None)
        if wms_candidate(layer) or is_wmst(layer):  # a WMS layer the project held as a placeholder
            return self.adopt_wms(layer)
        return self.adopt(layer)

    def _learn_bounds(self, entry: _Followed) -> None:
        """Time bounds from the result descriptor (background); only regular series with finite bounds follow."""
        layer_id = entry.layer.id()
        entry.busy = True

        def learned(bounds, step) -> None:
            entry.busy = False
            if layer_id not in self._followed:
                return
            entry.layer.setCustomProperty(FOLLOW_KEY, FOLLOW)
            entry.layer.setCustomProperty(BOUNDS_KEY, f"{iso(bounds[0])}/{iso(bounds[1])}")
            entry.layer.setCustomProperty(STEP_KEY, f"{step.step} {step.granularity.value}")  # for the controller
            label = f" {entry.shown.start.date().isoformat()}" if entry.shown is not None else ""
            if label and entry.layer.name().endswith(label):  # once: the name no longer names one date
                entry.layer.setName(entry.layer.name()[: -len(label)])
            self._set_bounds(entry, bounds)
            self.followed.emit(layer_id)
            self._range_changed()

        def failed(reason: str) -> None:
            entry.busy = False
            self._followed.pop(layer_id, None)
            self.fetchFailed.emit(layer_id, reason)

        self._describe(entry.layer, entry.query, learned, failed)

    def _describe(self, layer: QgsMapLayer, query: LayerQuery, learned, failed) -> None:
        """``learned(bounds, step)`` for a regular series with finite bounds, else ``failed(reason)``."""
        name = layer.name()
        holder: dict = {}

        def work(_context):
            return Workflow(query.workflow_id, holder["session"]).get_result_descriptor()

        def done(descriptor) -> None:
            # kept for the slice fetches (workflow ids are content hashes: the descriptor never changes)
            self._descriptors[(holder["session"].server_url, query.workflow_id)] = descriptor
            bounds, step = time_bounds(descriptor), regular_step(descriptor)
            if step is None or bounds is None or None in bounds:
                log(f"Layer {name!r} does not follow the temporal controller: not a regular time series with "
                    "finite bounds")
                failed("not a regular time series")
                return
            learned(bounds, step)

        def ready(session) -> None:
            holder["session"] = session
            self._runner.submit(tr("Geo Engine: time steps of {name}").format(name=name), work, on_success=done,
                                on_error=lambda exc: failed(str(exc)), notify_errors=False)

        self._session_for(query, ready, lambda exc: failed(str(exc)))

    # --- live WMS layers (qgis_glue.wms_time) -----------------------------------------------------------------
    def adopt_wms(self, layer: QgsRasterLayer) -> bool:
        """Turn a plugin WMS layer of a regular series into a WMS-T layer (after a descriptor fetch)."""
        if is_wmst(layer) and layer.customProperty(FOLLOW_KEY) == FOLLOW:  # e.g. read from a project
            bounds = parse_range(str(layer.customProperty(BOUNDS_KEY) or ""))
            step = parse_step(str(layer.customProperty(STEP_KEY) or ""))
            if bounds is None or step is None:
                return False
            self._wms[layer.id()] = (layer, bounds, step)
            self._range_changed()
            return True
        if not wms_candidate(layer) or layer.id() in self._wms_pending:
            return False
        query = LayerQuery.from_layer(layer)
        layer_id = layer.id()
        self._wms_pending.add(layer_id)

        def learned(bounds, step) -> None:
            self._wms_pending.discard(layer_id)
            if self._project.mapLayer(layer_id) is None:
                return
            start = parse_iso(query.time_start) or bounds[0]
            shown = slice_containing(start, bounds[0], step) if bounds[0] <= start < bounds[1] else (start, start)
            uri = wmst_uri(layer.source(), bounds, step, shown)
            if uri is None:
                return
            swap_wms_source(layer, uri, self._project)
            layer.setCustomProperty(FOLLOW_KEY, FOLLOW)
            layer.setCustomProperty(BOUNDS_KEY, f"{iso(bounds[0])}/{iso(bounds[1])}")
            layer.setCustomProperty(STEP_KEY, f"{step.step} {step.granularity.value}")
            self._wms[layer_id] = (layer, bounds, step)
            self.wmsTimed.emit(layer_id)
            self._range_changed()

        def failed(reason: str) -> None:
            self._wms_pending.discard(layer_id)
            self.fetchFailed.emit(layer_id, reason)

        self._describe(layer, query, learned, failed)
        return True

    def wms_pending(self, layer_id: str) -> bool:
        return layer_id in self._wms_pending

    def _wms_time(self, moment: dt.datetime) -> None:
        """Keep the stored time of WMS-T layers at the step QGIS requests (the one containing ``moment``)."""
        for layer, bounds, step in list(self._wms.values()):
            if not bounds[0] <= moment < bounds[1]:
                continue
            start, _end = slice_containing(moment, bounds[0], step)
            query = dataclasses.replace(LayerQuery.from_layer(layer), time_start=iso(start), time_end=iso(start))
            query.apply_to(layer)

    @staticmethod
    def _set_bounds(entry: _Followed, bounds: Tuple[dt.datetime, dt.datetime]) -> None:
        """Learn the series' bounds; the layer's fixed range is the slice it holds (so no render at another
        time, e.g. an exported animation frame, shows this slice as if it were that time's)."""
        entry.bounds = bounds
        start, end = (entry.shown.start, entry.shown.end) if entry.shown is not None else bounds
        set_temporal(entry.layer, slice_range(start, end))

    # --- following the controller -----------------------------------------------------------------------
    def current_moment(self) -> Optional[dt.datetime]:
        """The start of the canvas' temporal range, or ``None`` when the map is not temporal."""
        if not self._canvas.mapSettings().isTemporal():
            return None
        return qdatetime_to_utc(self._canvas.temporalRange().begin())

    def _range_changed(self) -> None:
        """Slot of the canvas' ``temporalRangeChanged`` (never raises into QGIS)."""
        moment = self.current_moment()
        if moment is None:
            return
        try:
            self._wms_time(moment)
        except Exception as exc:  # noqa: BLE001
            log(f"Geo Engine WMS time not updated: {type(exc).__name__}: {exc}")
        for entry in list(self._followed.values()):
            if entry.bounds is not None:
                try:
                    self._show(entry, moment)
                except Exception as exc:  # noqa: BLE001 - e.g. a cached file QGIS cannot open
                    report = describe_error(exc)
                    self.fetchFailed.emit(entry.layer.id(), report.summary)
                    self._notifier.warning(f"{entry.layer.name()}: {report.summary}", details=report.details)

    def _extent_changed(self) -> None:
        for entry in self._followed.values():  # only a view the user moved to is fetched, not the one it had
            entry.view_moved = True
        if self._followed and self.follow_extent and self.current_moment() is not None:
            self._pan_timer.start()  # debounced: one check after the user stops panning

    def view_bounds(self, query: LayerQuery) -> Optional[Tuple[float, float, float, float]]:
        """The canvas extent in the layer's CRS if the canvas shows parts outside ``query``'s extent, else None."""
        settings = self._canvas.mapSettings()
        extent = settings.visibleExtent()
        if not self.follow_extent or extent.isEmpty() or not settings.destinationCrs().isValid():
            return None
        try:
            bounds = to_workflow_bounds(extent, settings.destinationCrs(), query.srs, self._project.transformContext())
        except InputError:
            return None
        return None if QgsRectangle(*query.bounds).contains(QgsRectangle(*bounds)) else bounds

    def _show(self, entry: _Followed, moment: dt.datetime) -> None:
        start, end = entry.bounds
        if not entry.layer.isValid():
            return  # its file is missing: project restoring re-fetches it, then calls refresh()
        if not start <= moment < end:
            return  # outside the data: nothing to show
        if not self._visible(entry.layer):
            return  # unchecked in the Layers panel: nothing is fetched until it is shown again
        view = self.view_bounds(entry.query) if entry.view_moved else None
        if view is not None:  # the view left the stored extent: a cached extent around it, or the view itself
            covering = self.cache.covering(entry.query, view, moment)
            if covering is not None or self._view_allowed(entry, view, moment):
                entry.kept_bounds = entry.query.bounds
                entry.query = dataclasses.replace(entry.query, bounds=covering[0] if covering else view)
                entry.tried.clear()
        entry.wanted = moment
        hit = self.cache.find(SliceCache.key(entry.query), moment)
        if hit is not None:
            if entry.shown != hit:
                self._swap(entry, hit)
            return
        if not entry.busy and moment not in entry.tried:
            self._fetch(entry, moment)

    def _view_allowed(self, entry: _Followed, view: Tuple[float, ...], moment: dt.datetime) -> bool:
        """Whether fetching ``view`` stays within the download limits; if not, the layer keeps its extent and
        the user is told once (the layer never fetches past the limit)."""
        descriptor = next((d for (url, wid), d in self._descriptors.items() if wid == entry.query.workflow_id),
                          None)
        if descriptor is None:
            return True  # unknown yet: the fetch itself checks the size before any tile
        try:
            estimate = estimate_download(descriptor, view, iso(moment), list(entry.query.bands) or None,
                                         resolution=resolution_of(entry.query).pixel_size)  # the layer's own
        except GeoEngineError:
            return True
        verdict = judge(estimate, folder=self._tempdir.base)
        if verdict.ok:
            self.refused.pop(entry.layer.id(), None)
            return True
        if entry.layer.id() not in self.refused:
            self._notifier.warning(tr("{layer}: the view is not fetched. {message}").format(
                layer=entry.layer.name(), message=verdict.message))
        self.refused[entry.layer.id()] = verdict.message
        return False

    def _swap(self, entry: _Followed, piece: CachedSlice) -> None:
        """Show ``piece``: a time step is not an edit of the project (name kept, the modified flag as before)."""
        layer = entry.layer
        was_dirty = self._project.isDirty()
        swap_raster_source(layer, piece.path, self._project)
        set_temporal(layer, slice_range(piece.start, piece.end))
        entry.shown = piece
        start, end = iso(piece.start), iso(piece.end)
        entry.query = dataclasses.replace(entry.query, time_start=start, time_end=start)
        entry.query.apply_to(layer)
        layer.setCustomProperty(SLICE_KEY, f"{start}/{end}")
        metadata = layer.metadata()
        extent = metadata.extent()
        extent.setTemporalExtents([QgsDateTimeRange(qdatetime(piece.start), qdatetime(piece.end))])
        spatial = extent.spatialExtents()
        if spatial:  # the stored extent may have followed the view
            spatial[0].bounds = QgsBox3d(*entry.query.bounds[:2], 0.0, *entry.query.bounds[2:], 0.0)
            extent.setSpatialExtents(spatial)
        metadata.setExtent(extent)
        layer.setMetadata(metadata)
        if not was_dirty:
            self._project.setDirty(False)
        self.sliceShown.emit(layer.id(), start)

    def _fetch(self, entry: _Followed, moment: dt.datetime) -> None:
        from .layers import LayerOptions, LayerRequest, fetch

        layer_id = entry.layer.id()
        entry.busy = True
        self.fetch_count += 1
        query = entry.query
        request = LayerRequest(query.workflow_id, QgsRectangle(*query.bounds), QgsCoordinateReferenceSystem(query.srs),
                               iso(moment), None, tuple(query.bands), entry.layer.name(), query.connection_name,
                               LayerOptions(add_to_project=False, source_info=False),  # only the slices are used
                               resolution=resolution_of(query))  # the layer's own resolution
        transform_context = QgsCoordinateTransformContext(self._project.transformContext())
        holder: dict = {}

        def work(context):
            session = holder["session"]
            key = (session.server_url, query.workflow_id)
            known = self._descriptors.get(key)
            if known is None:  # e.g. a layer of a reopened project: kept, so later views are sized before a task
                known = self._descriptors[key] = Workflow(query.workflow_id, session).get_result_descriptor()
            return fetch(session, replace(request, descriptor=known), self._tempdir, context, transform_context)

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
            if isinstance(exc, DownloadTooLarge) and entry.kept_bounds is not None:
                # the view was over the limit (its size was not known before): back to the extent it held
                entry.query = dataclasses.replace(entry.query, bounds=entry.kept_bounds)
                self.refused[layer_id] = exc.verdict.message
                entry.tried.clear()
            self.fetchFailed.emit(layer_id, str(exc))

        def cancelled() -> None:
            entry.busy = False

        def ready(session) -> None:
            holder["session"] = session
            self._runner.submit(tr("Geo Engine: {layer} at {date}").format(
                layer=entry.layer.name(), date=iso(moment)[:10]), work,
                                on_success=fetched, on_error=failed, on_cancel=cancelled)

        self._session_for(query, ready, failed)

    def load_all_steps(self, layer: QgsRasterLayer, start: dt.datetime, end: dt.datetime, loader,
                       on_done: Optional[Callable[[Any], None]] = None) -> bool:
        """Load every time step of a following layer in ``[start, end)`` (e.g. the Temporal Controller's range)
        as one fixed-range layer per step, in a group: what an animation export, a temporal layout or another
        map view needs to show the right step in every frame. Goes through ``loader`` (size guard included);
        ``on_done(LoadOutcome)``. False when ``layer`` does not follow the controller."""
        from .layers import LayerOptions, LayerRequest

        entry = self._followed.get(layer.id())
        if entry is None:
            return False
        query = entry.query
        request = LayerRequest(query.workflow_id, QgsRectangle(*query.bounds), QgsCoordinateReferenceSystem(query.srs),
                               iso(start), iso(end), tuple(query.bands), f"{layer.name()} (all time steps)",
                               query.connection_name, LayerOptions(group_slices=True, source_info=False))

        def styled(outcome) -> None:
            if outcome.ok and layer.renderer() is not None:
                for step in outcome.layers:  # drawn as the following layer is (its style may be the user's)
                    step.setRenderer(layer.renderer().clone())
                    fixed = step.temporalProperties().fixedTemporalRange()
                    set_temporal(step, QgsDateTimeRange(fixed.begin(), fixed.end(), False, False))
                    step.triggerRepaint()
            if on_done is not None:
                on_done(outcome)

        def ready(session) -> None:
            known = self._descriptors.get((session.server_url, query.workflow_id))
            loader.load(session, replace(request, descriptor=known), styled)

        def failed(exc: BaseException) -> None:
            self._notifier.error(tr("{layer}: the time steps were not loaded: {summary}").format(
                layer=layer.name(), summary=describe_error(exc).summary))

        self._session_for(query, ready, failed)
        return True

    def _continue(self, layer_id: str) -> None:
        """After a fetch: show the newest wanted time (cached now, or fetch it next)."""
        entry = self._followed.get(layer_id)
        if entry is None or entry.wanted is None:
            return
        if entry.layer.id() not in self._project.mapLayers():
            self._followed.pop(layer_id, None)
            return
        self._show(entry, entry.wanted)
