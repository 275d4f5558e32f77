"""Geo Engine's time formats: RFC 3339 query values, millisecond instants, GeoJSON ``when``."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

from .engine.types import TIME_MAX, TIME_MIN, TimeInterval

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_RFC3339 = re.compile(
    r"^(?P<year>[+-]?\d{4,6})-(?P<month>\d{2})-(?P<day>\d{2})[Tt ](?P<h>\d{2}):(?P<m>\d{2}):(?P<s>\d{2})"
    r"(?:\.(?P<frac>\d{1,9}))?(?P<tz>[Zz]|[+-]\d{2}:\d{2})$"
)


class TimeParseError(ValueError):
    pass


def parse_instant(text: str) -> int:
    """RFC 3339 with an offset -> ms. Date-only values or values without an offset are rejected.

    Years outside 1..9999 (Geo Engine's beginning/end of time) are accepted.
    """
    m = _RFC3339.match(text.strip())
    if not m:
        raise TimeParseError(f"input contains invalid characters or lacks a time zone offset: {text!r}")
    year = int(m["year"])
    frac = (m["frac"] or "0").ljust(9, "0")
    tz = m["tz"]
    offset_ms = 0
    if tz not in ("Z", "z"):
        sign = 1 if tz[0] == "+" else -1
        offset_ms = sign * (int(tz[1:3]) * 3600 + int(tz[4:6]) * 60) * 1000
    try:
        # Compute days via a proleptic Gregorian shift of 400-year cycles for years outside datetime's range.
        cycles, year_in_range = divmod(year - 2000, 400)
        base = datetime(
            2000 + year_in_range, int(m["month"]), int(m["day"]), int(m["h"]), int(m["m"]), int(m["s"]),
            tzinfo=timezone.utc,
        )
    except ValueError as exc:
        raise TimeParseError(f"invalid date {text!r}: {exc}") from None
    ms = (base - _EPOCH) // timedelta(milliseconds=1) + cycles * 146097 * 86_400_000
    return ms + int(frac[:3]) - offset_ms


# The OGC-style time value (instant or start/end): geo-engine/geoengine@5748ef7:geoengine/services/src/api/ogc/util.rs
# (parse_time)
def parse_time_param(text: str | None, default_ms: int) -> TimeInterval:
    """A ``time`` query value: empty -> default instant, ``t`` -> ``[t, t]``, ``a/b`` -> ``[a, b)``."""
    if text is None or text.strip() == "":
        return TimeInterval(default_ms, default_ms)
    if "/" in text:
        start, end = text.split("/", 1)
        interval = TimeInterval(parse_instant(start), parse_instant(end))
        if interval.end < interval.start:
            raise TimeParseError("the end of the time interval is before its start")
        return interval
    t = parse_instant(text)
    return TimeInterval(t, t)


def parse_json_instant(value) -> int:
    """A JSON ``TimeInstance``: integer ms, or an ISO string."""
    if isinstance(value, bool):
        raise TimeParseError(f"not a time instance: {value!r}")
    if isinstance(value, (int, float)):
        return int(value)
    if isinstance(value, str):
        return parse_instant(value)
    raise TimeParseError(f"not a time instance: {value!r}")


def _clamped(ms: int) -> tuple[str, datetime]:
    """Geo Engine's year text and the moment within it, for ``ms`` clamped to the valid range."""
    cycles, rest = divmod(max(TIME_MIN, min(TIME_MAX, ms)), 146097 * 86_400_000)
    moment = _EPOCH + timedelta(milliseconds=rest)
    return _year(moment.year + cycles * 400), moment


# geo-engine/geoengine@5748ef7:geoengine/datatypes/src/primitives/datetime.rs (to_datetime_string_with_millis), clamped
# like geo-engine/geoengine@5748ef7:geoengine/datatypes/src/primitives/time_instance.rs
def format_iso(ms: int, zulu: bool = True) -> str:
    """ms -> ``2014-04-01T00:00:00.000Z`` (or ``+00:00``); handles Geo Engine's extreme instants."""
    year, moment = _clamped(ms)
    body = moment.strftime("-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}"
    return f"{year}{body}{'Z' if zulu else '+00:00'}"


def format_when(ms: int) -> str:
    """GeoJSON ``when`` format: ``2014-04-01T00:00:00+00:00``, fraction only when non-zero."""
    year, moment = _clamped(ms)
    frac = moment.microsecond // 1000
    body = moment.strftime("-%m-%dT%H:%M:%S") + (f".{frac:03d}" if frac else "")
    return f"{year}{body}+00:00"


def _year(year: int) -> str:
    if 0 <= year <= 9999:
        return f"{year:04d}"
    return f"{'+' if year > 0 else '-'}{abs(year):06d}"
