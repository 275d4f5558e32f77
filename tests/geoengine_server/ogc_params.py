"""OGC query parsing shared by WMS, WFS, WCS and plots: keys, CRS strings, axis order, bboxes.

Keys are case-insensitive (Geo Engine lower-cases them), values are exact. Problems found while
parsing the query string are ``UnableToParseQueryString`` errors (HTTP 400 before any handler work).
"""

from __future__ import annotations

import math
import re
from functools import lru_cache

from pyproj import CRS

from .engine import crs as engine_crs
from .engine.crs import check_srs, transform_points  # noqa: F401  (re-exported for the OGC modules)
from .engine.types import BBox, EngineError
from .errors import ApiError, missing_field, query_error

_CRS_PATTERN = re.compile(r"^(EPSG|SR-ORG|IAU2000|ESRI):(\d+)$")
_URN_PATTERN = re.compile(r"^urn:ogc:def:crs:(EPSG|SR-ORG|IAU2000|ESRI)::(\d+)$")


class OgcQuery:
    """Query parameters with lower-cased keys (the first occurrence of a key wins)."""

    def __init__(self, query) -> None:
        self.values: dict[str, str] = {}
        for key, value in query.items():
            self.values.setdefault(key.lower(), value)

    def get(self, key: str, default: str | None = None) -> str | None:
        return self.values.get(key, default)

    def require(self, key: str, field: str | None = None) -> str:
        """The value of ``key``; a missing key is Geo Engine's ``missing field `<field>``` error."""
        if key not in self.values:
            raise missing_field(field or key)
        return self.values[key]

    def uint(self, key: str) -> int:
        text = self.require(key)
        if not text.isdigit():
            raise query_error("invalid digit found in string" if text else "cannot parse integer from empty string")
        return int(text)

    def __contains__(self, key: str) -> bool:
        return key in self.values


def parse_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise query_error(f"invalid float literal: {text!r}") from None
    if not math.isfinite(value):
        raise query_error(f"invalid float literal: {text!r}")
    return value


def parse_numbers(text: str, count: int, what: str) -> list[float]:
    """Exactly ``count`` comma-separated numbers, else ``Invalid <what>``."""
    parts = text.split(",")
    if len(parts) != count:
        raise query_error(f"Invalid {what}")
    try:
        values = [float(p) for p in parts]
    except ValueError:
        raise query_error(f"Invalid {what}") from None
    if not all(math.isfinite(v) for v in values):
        raise query_error(f"Invalid {what}")
    return values


def parse_crs_string(text: str) -> str:
    """``AUTHORITY:CODE`` syntax check (parse time). ``CRS:84`` and other forms are rejected."""
    if not _CRS_PATTERN.match(text):
        raise query_error(f"cannot parse spatial reference '{text}' (expected AUTHORITY:CODE, e.g. EPSG:4326)")
    return text


def parse_crs_urn(text: str) -> str:
    """``urn:ogc:def:crs:EPSG::4326`` -> ``EPSG:4326``; anything else is ``cannot parse crs``."""
    m = _URN_PATTERN.match(text)
    if not m:
        raise query_error(f"cannot parse crs: '{text}' is not of the form urn:ogc:def:crs:EPSG::<code>")
    return f"{m.group(1)}:{m.group(2)}"


def check_known(crs: str) -> str:
    """``crs`` if PROJ knows it, else the ``UnknownSrsString`` error (raised in the handler)."""
    try:
        return check_srs(crs)
    except EngineError as exc:
        raise ApiError(exc.error, exc.message) from None


@lru_cache(maxsize=64)
def _north_east(crs: str) -> bool:
    axes = CRS.from_user_input(crs).axis_info
    return bool(axes) and axes[0].direction in ("north", "south")


def is_north_east(crs: str) -> bool:
    """True when the CRS's official axis order is northing first (EPSG:4326), as PROJ says."""
    return _north_east(check_known(crs))


def bbox_in_axis_order(values: list[float], crs: str) -> BBox:
    """WMS/WCS: four numbers in the CRS axis order -> an x/y box."""
    a, b, c, d = values
    if is_north_east(crs):
        return BBox(b, a, d, c)
    return BBox(a, b, c, d)


def transform_bbox(bbox: BBox, src: str, dst: str) -> BBox:
    """The box around ``bbox`` (in ``src``) in ``dst``; an error when it cannot be transformed at all."""
    try:
        return engine_crs.transform_bbox(bbox, src, dst)
    except EngineError as exc:
        raise ApiError(exc.error, exc.message) from None


def crs_wkt(crs: str) -> str:
    return CRS.from_user_input(check_known(crs)).to_wkt()
