"""When the first time-series layer of a project starts following the Temporal Controller, give the controller
the series' range and step (NDVI: 2014-01-01 to 2014-07-01, one month), so a user does not set "months" and the
end date by hand. Once per project (a project property remembers it); the setting
``geoengine/temporal/set_controller`` (default on) switches it off."""

from __future__ import annotations

from typing import Optional

from qgis.core import QgsDateTimeRange, QgsInterval, QgsProject, QgsSettings, QgsUnitTypes

from .i18n import tr
from .layer_metadata import qdatetime
from .messages import Notifier
from .query import LayerQuery, add_step, describe_step, parse_iso
from .temporal import BOUNDS_KEY, STEP_KEY, parse_range, parse_step

SETTING = "geoengine/temporal/set_controller"
PROJECT_SCOPE, PROJECT_KEY = "geoengine", "temporal_controller_set"
_UNITS = {"millis": "TemporalMilliseconds", "seconds": "TemporalSeconds", "minutes": "TemporalMinutes",
          "hours": "TemporalHours", "days": "TemporalDays", "months": "TemporalMonths", "years": "TemporalYears"}


def enabled() -> bool:
    value = QgsSettings().value(SETTING, True)
    return value.strip().lower() in ("1", "true", "yes", "on") if isinstance(value, str) else bool(value)


def _enum(owner, *names):
    """The first of ``names`` that ``owner`` has (QGIS 3.22 .. 4 spellings)."""
    for name in names:
        scoped, _, member = name.rpartition(".")
        holder = getattr(owner, scoped, None) if scoped else owner
        if holder is not None and hasattr(holder, member):
            return getattr(holder, member)
    raise AttributeError(names[0])


def frame_of(layer, first, step, limit: int = 100_000) -> int:
    """The index of the step that holds the layer's time (0 when it lies before the first or is unreadable)."""
    moment = parse_iso(LayerQuery.from_layer(layer).time_start) if LayerQuery.from_layer(layer) else None
    if moment is None:
        return 0
    for index in range(limit):
        if add_step(first, step, index + 1) > moment:
            return index
    return 0


class ControllerSetup:
    """Connects to :class:`~.temporal.TemporalRasterLayers` ``followed``/``wmsTimed``; ``controller`` is the
    canvas's :class:`QgsTemporalNavigationObject` (QGIS's Temporal Controller)."""

    def __init__(self, temporal, controller, notifier: Optional[Notifier] = None,
                 project: Optional[QgsProject] = None) -> None:
        self._controller = controller
        self._notifier = notifier
        self._project = project or QgsProject.instance()
        self._temporal = temporal
        temporal.followed.connect(self._followed)
        temporal.wmsTimed.connect(self._followed)

    def stop(self) -> None:
        for signal in (self._temporal.followed, self._temporal.wmsTimed):
            try:
                signal.disconnect(self._followed)
            except (TypeError, RuntimeError):
                pass

    def _followed(self, layer_id: str) -> None:
        """Slot: never raises into Qt."""
        try:
            self.apply(self._project.mapLayer(layer_id))
        except Exception as exc:  # noqa: BLE001 - the layer follows anyway; the controller keeps its settings
            from .messages import log

            log(f"Temporal Controller not set up: {type(exc).__name__}: {exc}")

    def apply(self, layer) -> bool:
        """Set the controller from ``layer``'s series if this is the project's first; True when it did."""
        if layer is None or self._controller is None or not enabled():
            return False
        done, _ok = self._project.readBoolEntry(PROJECT_SCOPE, PROJECT_KEY, False)
        if done:
            return False
        bounds = parse_range(str(layer.customProperty(BOUNDS_KEY) or ""))
        step = parse_step(str(layer.customProperty(STEP_KEY) or ""))
        if bounds is None or step is None:
            return False
        navigation = self._controller
        navigation.setTemporalExtents(QgsDateTimeRange(qdatetime(bounds[0]), qdatetime(bounds[1]), True, False))
        unit = _enum(QgsUnitTypes, f"TemporalUnit.{_UNITS[step.granularity.value]}", _UNITS[step.granularity.value])
        navigation.setFrameDuration(QgsInterval(step.step, unit))
        animated = _enum(type(navigation), "NavigationMode.Animated", "Animated")
        navigation.setNavigationMode(animated)
        navigation.setCurrentFrameNumber(frame_of(layer, bounds[0], step))  # the step the layer shows
        self._project.writeEntryBool(PROJECT_SCOPE, PROJECT_KEY, True)
        if self._notifier is not None:
            self._notifier.info(tr("Temporal Controller set to the series of {layer}: {start:%Y-%m-%d} to "
                                   "{end:%Y-%m-%d}, {step} (setting {setting}).").format(
                layer=layer.name(), start=bounds[0], end=bounds[1], step=describe_step(step), setting=SETTING))
        return True
