"""OGC query parsing shared by WMS, WFS, WCS and plots: keys, CRS strings, axis order, bboxes.

Keys are case-insensitive (Geo Engine lower-cases them), values are exact. Problems found while
parsing the query string are ``UnableToParseQueryString`` errors (HTTP 400 before any handler work).
"""

from __future__ import annotations

import math
import re
import threading
from functools import lru_cache

import numpy as np
from osgeo import osr

from .engine.types import BBox
from .errors import ApiError, missing_field, query_error

osr.UseExceptions()

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


def unknown_srs(crs: str) -> ApiError:
    return ApiError("UnknownSrsString", f"Spatial reference system '{crs}' is unknown")


_srs_lock = threading.Lock()


@lru_cache(maxsize=64)
def _srs_info(crs: str) -> tuple[str, bool] | None:
    """(WKT, north-east axis order) for a known CRS, None for an unknown one."""
    authority, _, code = crs.partition(":")
    srs = osr.SpatialReference()
    try:
        if authority == "EPSG":
            srs.ImportFromEPSG(int(code))
        else:
            srs.SetFromUserInput(crs)
    except (RuntimeError, ValueError):
        return None
    north_east = bool(srs.EPSGTreatsAsLatLong() or srs.EPSGTreatsAsNorthingEasting())
    return srs.ExportToWkt(), north_east


def check_known(crs: str) -> str:
    """``crs`` if PROJ knows it, else the ``UnknownSrsString`` error (raised in the handler)."""
    with _srs_lock:
        info = _srs_info(crs)
    if info is None:
        raise unknown_srs(crs)
    return crs


def is_north_east(crs: str) -> bool:
    """True when the CRS's official axis order is northing first (EPSG:4326), as PROJ says."""
    check_known(crs)
    with _srs_lock:
        return _srs_info(crs)[1]


def bbox_in_axis_order(values: list[float], crs: str) -> BBox:
    """WMS/WCS: four numbers in the CRS axis order -> an x/y box."""
    a, b, c, d = values
    if is_north_east(crs):
        return BBox(b, a, d, c)
    return BBox(a, b, c, d)


def srs_object(crs: str) -> osr.SpatialReference:
    """A fresh osr object (traditional GIS x/y order) for ``crs``."""
    check_known(crs)
    with _srs_lock:
        wkt = _srs_info(crs)[0]
    srs = osr.SpatialReference()
    srs.ImportFromWkt(wkt)
    srs.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    return srs


_local = threading.local()


def _transformation(src: str, dst: str) -> osr.CoordinateTransformation:
    """One transformation object per thread and CRS pair (PROJ objects are not thread-safe)."""
    cache = getattr(_local, "cache", None)
    if cache is None:
        cache = _local.cache = {}
    if (src, dst) not in cache:
        cache[(src, dst)] = osr.CoordinateTransformation(srs_object(src), srs_object(dst))
    return cache[(src, dst)]


def transform_points(xs: np.ndarray, ys: np.ndarray, src: str, dst: str) -> tuple[np.ndarray, np.ndarray]:
    """Coordinates from ``src`` to ``dst`` (x/y order); points that do not transform become NaN."""
    if src == dst:
        return xs, ys
    shape = xs.shape
    pts = np.column_stack([xs.ravel(), ys.ravel()]).astype(float)
    ct = _transformation(src, dst)
    out = np.array(ct.TransformPoints(pts), dtype=float)[:, :2]
    bad = ~np.isfinite(out).all(axis=1) | (np.abs(out) > 1e300).any(axis=1)
    out[bad] = np.nan
    return out[:, 0].reshape(shape), out[:, 1].reshape(shape)


def transform_bbox(bbox: BBox, src: str, dst: str, densify: int = 21) -> BBox:
    """The box around ``bbox`` (in ``src``) in ``dst``, sampled on a grid so curved edges are covered."""
    if src == dst:
        return bbox
    gx, gy = np.meshgrid(np.linspace(bbox.xmin, bbox.xmax, densify), np.linspace(bbox.ymin, bbox.ymax, densify))
    xs, ys = transform_points(gx, gy, src, dst)
    ok = np.isfinite(xs) & np.isfinite(ys)
    if not ok.any():
        raise ApiError("Reprojection", f"The bounding box cannot be reprojected from {src} to {dst}")
    return BBox(float(xs[ok].min()), float(ys[ok].min()), float(xs[ok].max()), float(ys[ok].max()))
