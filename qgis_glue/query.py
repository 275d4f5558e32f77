"""What a workflow layer was loaded with (workflow, connection, extent, CRS, time, bands) and time defaults.

:class:`LayerQuery` is stored on every loaded layer as custom properties (``geoengine/...``) so the layer can
be reloaded, its provenance shown or its workflow opened later. :func:`default_time` picks the time a new
layer starts with: the first step of a regular time dimension (NDVI: its first month), else the start of the
time bounds as an instant.
"""

from __future__ import annotations

import calendar
import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any, Optional, Tuple

from ..core.descriptors import RegularTimeDimension, TimeStep, TimeStepGranularity
from ..core.types import TimeInterval, datetime64_to_ms

PROPERTY_PREFIX = "geoengine/"
UTC = dt.timezone.utc
# Geo Engine's "beginning/end of time" and anything outside Python's calendar count as open ends.
_MIN_MS = int(dt.datetime(1, 1, 1, tzinfo=UTC).timestamp() * 1000)
_MAX_MS = int(dt.datetime(9999, 12, 31, tzinfo=UTC).timestamp() * 1000)


def ms_to_datetime(ms: int) -> Optional[dt.datetime]:
    """UTC datetime of epoch milliseconds, or ``None`` outside years 1..9999 (open ends)."""
    if not _MIN_MS <= ms <= _MAX_MS:
        return None
    return dt.datetime(1970, 1, 1, tzinfo=UTC) + dt.timedelta(milliseconds=ms)


def parse_iso(text: str) -> Optional[dt.datetime]:
    """An ISO 8601 time (``Z`` allowed) or epoch milliseconds as text -> UTC datetime; ``None`` if unreadable."""
    try:
        moment = dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except (ValueError, AttributeError):
        try:
            return ms_to_datetime(int(text))
        except (ValueError, TypeError):
            return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def iso(moment: dt.datetime) -> str:
    """``2014-04-01T00:00:00.000Z``."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def add_step(moment: dt.datetime, step: TimeStep, times: int = 1) -> dt.datetime:
    """``moment`` plus ``times`` steps (months and years keep the day of month, clamped to the month's end)."""
    count = step.step * times
    granularity = step.granularity
    if granularity in (TimeStepGranularity.MONTHS, TimeStepGranularity.YEARS):
        months = count * (12 if granularity == TimeStepGranularity.YEARS else 1)
        index = moment.year * 12 + moment.month - 1 + months
        year, month = divmod(index, 12)
        day = min(moment.day, calendar.monthrange(year, month + 1)[1])
        return moment.replace(year=year, month=month + 1, day=day)
    seconds = {"millis": 0.001, "seconds": 1, "minutes": 60, "hours": 3600, "days": 86400}[granularity.value]
    return moment + dt.timedelta(seconds=seconds * count)


def describe_step(step: TimeStep) -> str:
    unit = step.granularity.value
    return f"every {unit[:-1]}" if step.step == 1 else f"every {step.step} {unit}"


def time_bounds(descriptor: Any) -> Optional[Tuple[Optional[dt.datetime], Optional[dt.datetime]]]:
    """(start, end) of the descriptor's time bounds as datetimes (``None`` for open ends), or ``None``."""
    bounds = getattr(descriptor, "time_bounds", None)
    if bounds is None:
        return None
    return ms_to_datetime(bounds.start_ms), ms_to_datetime(bounds.end_ms)


def regular_step(descriptor: Any) -> Optional[TimeStep]:
    dimension = getattr(descriptor, "time_dimension", None)
    return dimension.step if isinstance(dimension, RegularTimeDimension) else None


def default_time(descriptor: Any, fallback: Optional[dt.datetime] = None) -> Tuple[dt.datetime, dt.datetime]:
    """The time a new layer of this workflow starts with: ``(start, end)``, ``start == end`` for an instant.

    Regular rasters: the first step from the start of the time bounds. Otherwise the start of the bounds as an
    instant; without finite bounds ``fallback`` (default: today, 00:00 UTC).
    """
    bounds = time_bounds(descriptor)
    start = bounds[0] if bounds else None
    if start is None:
        start = fallback or dt.datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
        return start, start
    step = regular_step(descriptor)
    if step is not None:
        end = add_step(start, step)
        if bounds[1] is not None and end > bounds[1]:
            end = bounds[1]
        return start, end
    return start, start


def has_finite_time(descriptor: Any) -> bool:
    """True when the result has time bounds with at least one finite end (not "all of time")."""
    bounds = time_bounds(descriptor)
    return bounds is not None and (bounds[0] is not None or bounds[1] is not None)


@dataclass(frozen=True)
class LayerQuery:
    """The query a layer was loaded with; written to and read from the layer's custom properties."""

    workflow_id: str
    connection_name: str
    server_url: str
    bounds: Tuple[float, float, float, float]  # xmin, ymin, xmax, ymax in ``srs``
    srs: str
    time_start: str  # ISO 8601 (UTC)
    time_end: str
    bands: Tuple[int, ...] = ()
    kind: str = ""  # raster | vector
    mode: str = ""  # geotiff | wms | memory | flatgeobuf
    extra: dict = field(default_factory=dict)  # e.g. the time slice of one raster layer

    @property
    def time_interval(self) -> TimeInterval:
        return TimeInterval(self.time_start, self.time_end)

    def to_properties(self) -> dict:
        """``{"geoengine/workflow_id": ..., ...}``: strings only (QGIS project files keep them as text)."""
        values = {
            "workflow_id": self.workflow_id,
            "connection": self.connection_name,
            "server_url": self.server_url,
            "extent": ",".join(repr(float(v)) for v in self.bounds),
            "crs": self.srs,
            "time": f"{self.time_start}/{self.time_end}",
            "bands": ",".join(str(b) for b in self.bands),
            "kind": self.kind,
            "mode": self.mode,
        }
        values.update({k: str(v) for k, v in self.extra.items()})
        values["query"] = json.dumps({
            "workflowId": self.workflow_id, "bbox": list(self.bounds), "crs": self.srs,
            "time": {"start": self.time_start, "end": self.time_end}, "bands": list(self.bands),
        }, sort_keys=True)
        return {PROPERTY_PREFIX + k: v for k, v in values.items()}

    def apply_to(self, layer) -> None:
        for key, value in self.to_properties().items():
            layer.setCustomProperty(key, value)

    @classmethod
    def from_layer(cls, layer) -> Optional[LayerQuery]:
        """The query stored on ``layer``, or ``None`` for layers the plugin did not load."""
        workflow_id = layer.customProperty(PROPERTY_PREFIX + "workflow_id")
        if not workflow_id:
            return None

        def text(key: str) -> str:
            return str(layer.customProperty(PROPERTY_PREFIX + key) or "")

        bounds = tuple(float(v) for v in text("extent").split(",")) if text("extent") else (0.0, 0.0, 0.0, 0.0)
        start, _, end = text("time").partition("/")
        bands = tuple(int(b) for b in text("bands").split(",") if b.strip())
        extra = {"resolution": text("resolution")} if text("resolution") else {}  # raster_resolution: mode:x,y
        return cls(str(workflow_id), text("connection"), text("server_url"), bounds, text("crs"), start,
                   end or start, bands, text("kind"), text("mode"), extra)


def interval_iso(interval: TimeInterval) -> Tuple[str, str]:
    """``(start, end)`` ISO strings of a core TimeInterval."""
    def one(value) -> str:
        moment = ms_to_datetime(datetime64_to_ms(value))
        return iso(moment) if moment is not None else str(datetime64_to_ms(value))

    return one(interval.start), one(interval.end)
