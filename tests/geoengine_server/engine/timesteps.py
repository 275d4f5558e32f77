"""Regular time steps (Geo Engine's ``TimeStep``): snapping, stepping and a query's slices.

Calendar steps (months, years) work on proleptic Gregorian dates for any year, so stepping
near Geo Engine's beginning/end of time does not overflow ``datetime``.
"""

from __future__ import annotations

from dataclasses import dataclass

from .types import TIME_MAX, TIME_MIN, EngineError, TimeInterval

DAY_MS = 86_400_000
_FIXED_MS = {"millis": 1, "seconds": 1000, "minutes": 60_000, "hours": 3_600_000, "days": DAY_MS}


def days_from_civil(y: int, m: int, d: int) -> int:
    """Days since 1970-01-01 for a proleptic Gregorian date (any year)."""
    y -= m <= 2
    era = y // 400
    yoe = y - era * 400
    doy = (153 * (m + (-3 if m > 2 else 9)) + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


def civil_from_days(z: int) -> tuple[int, int, int]:
    z += 719468
    era = z // 146097
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    y = yoe + era * 400
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    d = doy - (153 * mp + 2) // 5 + 1
    m = mp + (3 if mp < 10 else -9)
    return y + (m <= 2), m, d


def split_ms(ms: int) -> tuple[int, int, int, int]:
    """ms -> (year, month, day, ms of the day)."""
    days, rest = divmod(ms, DAY_MS)
    y, m, d = civil_from_days(days)
    return y, m, d, rest


@dataclass(frozen=True)
class TimeStep:
    granularity: str  # millis | seconds | minutes | hours | days | months | years
    step: int

    @classmethod
    def from_json(cls, value: dict) -> TimeStep:
        gran, step = value.get("granularity"), value.get("step")
        if gran not in _FIXED_MS and gran not in ("months", "years"):
            raise EngineError("InvalidOperatorSpec", f"unknown time step granularity {gran!r}")
        if not isinstance(step, int) or step <= 0:
            raise EngineError("InvalidOperatorSpec", f"time step must be a positive integer, got {step!r}")
        return cls(gran, step)

    def to_json(self) -> dict:
        return {"granularity": self.granularity, "step": self.step}

    def _months(self) -> int:
        return self.step * (12 if self.granularity == "years" else 1)

    def add(self, t: int, n: int = 1) -> int:
        """``t`` moved by ``n`` steps (calendar steps keep day and time of day, clamped to month end)."""
        if self.granularity in _FIXED_MS:
            return t + n * self.step * _FIXED_MS[self.granularity]
        y, m, d, rest = split_ms(t)
        total = y * 12 + (m - 1) + n * self._months()
        ny, nm = divmod(total, 12)
        nm += 1
        last = days_from_civil(ny + (nm == 12), nm % 12 + 1, 1) - days_from_civil(ny, nm, 1)
        return days_from_civil(ny, nm, min(d, last)) * DAY_MS + rest

    def index(self, origin: int, t: int) -> int:
        """The number of the step (relative to ``origin``) whose interval contains ``t``."""
        if self.granularity in _FIXED_MS:
            return (t - origin) // (self.step * _FIXED_MS[self.granularity])
        oy, om, _, _ = split_ms(origin)
        ty, tm, _, _ = split_ms(t)
        n = ((ty * 12 + tm) - (oy * 12 + om)) // self._months()
        while self.add(origin, n) > t:
            n -= 1
        while self.add(origin, n + 1) <= t:
            n += 1
        return n

    def snap(self, origin: int, t: int) -> TimeInterval:
        """The step interval containing ``t``."""
        n = self.index(origin, t)
        return TimeInterval(self.add(origin, n), self.add(origin, n + 1))


def regular_slices(query: TimeInterval, origin: int, step: TimeStep, bounds: TimeInterval | None) -> list[TimeInterval]:
    """The time slices a regular GdalSource returns for ``query`` (an instant -> the one step containing it).

    As Geo Engine 0.9.3 (geo-engine/geoengine@5748ef7:geoengine/operators/src/source/gdal_source/loading_info.rs
    ``DynamicGdalLoadingInfoPartIterator``): regular steps only inside the data's ``bounds``; the part of the
    query before the data is ONE open-ended gap slice ``[TIME_MIN, bounds.start)``, the part after it ONE slice
    ``[bounds.end, TIME_MAX]``, both without a file (no-data tiles). The regular gap fill of
    geo-engine/geoengine@5748ef7:geoengine/datatypes/src/primitives/time_gap_fill_iter.rs then has nothing left
    to fill, since those slices reach the ends of time.
    """
    if bounds is None:
        start = max(query.start, TIME_MIN)
        return _steps(start, max(min(query.end, TIME_MAX), start + 1), origin, step)
    out: list[TimeInterval] = []
    if query.start < bounds.start:
        out.append(TimeInterval(TIME_MIN, bounds.start))
        if query.end <= bounds.start:
            return out
        first = bounds.start
    elif query.start < bounds.end:
        first = query.start
    else:
        return [TimeInterval(bounds.end, TIME_MAX)]
    # steps from the one containing `first` until the query (capped at the data's end) is covered; at least one
    out.extend(_steps(first, max(min(query.end, bounds.end), first + 1), origin, step))
    if query.end > bounds.end:
        out.append(TimeInterval(bounds.end, TIME_MAX))
    return out


def _steps(start: int, end: int, origin: int, step: TimeStep) -> list[TimeInterval]:
    out = []
    current = step.snap(origin, start)
    while current.start < end:
        out.append(current)
        current = TimeInterval(current.end, step.add(current.end))
    return out
