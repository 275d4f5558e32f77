"""What WMS, WFS and WCS (and partly plots and streams) share: query keys, the handler preamble,
endpoint-id checks, CRS strings, axis order, bboxes.

Keys are case-insensitive (Geo Engine lower-cases them), values are exact. Problems found while
parsing the query string are ``UnableToParseQueryString`` errors (HTTP 400 before any handler work).
"""

from __future__ import annotations

import math
import re
import uuid
from dataclasses import dataclass
from functools import lru_cache

from aiohttp import web
from pyproj import CRS

from .auth import require_session
from .engine import crs as engine_crs
from .engine.crs import check_srs
from .engine.types import BBox, EngineError
from .errors import BAD_FORMAT, ApiError, query_error
from .params import expect_variant, parse_uint, required
from .state import Session

_CRS_PATTERN = re.compile(r"^(EPSG|SR-ORG|IAU2000|ESRI):(\d+)$")
_URN_PATTERN = re.compile(r"^urn:ogc:def:crs:(EPSG|SR-ORG|IAU2000|ESRI)::(\d+)$")


class OgcQuery:
    """Query parameters with lower-cased keys. A parameter given twice (``time`` and ``TIME``) is Geo Engine's
    ``duplicate field`` error when the request reads it: keys are lower-cased and then deserialised into the
    request's struct (geo-engine/geoengine@5748ef7:geoengine/services/src/api/ogc/util.rs ``OgcQueryExtractor``);
    unknown parameters are ignored, duplicated or not."""

    def __init__(self, query) -> None:
        self.values: dict[str, str] = {}
        self.duplicates: set[str] = set()
        for key, value in query.items():
            key = key.lower()
            if key in self.values:
                self.duplicates.add(key)
            self.values.setdefault(key, value)

    def _check(self, key: str) -> None:
        if key in self.duplicates:
            raise query_error(f"duplicate field `{key}`")

    def get(self, key: str, default: str | None = None) -> str | None:
        self._check(key)
        return self.values.get(key, default)

    def require(self, key: str, field: str | None = None) -> str:
        """The value of ``key``; a missing key is Geo Engine's ``missing field `<field>``` error."""
        self._check(key)
        return required(self.values, key, field)

    def uint(self, key: str) -> int:
        return parse_uint(self.require(key))

    def request(self, choices: tuple[str, ...]) -> str:
        """The ``request`` value the service dispatches on, one of ``choices``."""
        return expect_variant(self.require("request"), choices)

    def check_service(self, service: str) -> None:
        expect_variant(self.require("service"), (service,))

    def __contains__(self, key: str) -> bool:
        return key in self.values


@dataclass
class OgcRequest:
    """An OGC call on ``/<service>/{workflow_id}`` after the checks every service makes first."""

    session: Session
    workflow_id: str
    query: OgcQuery
    kind: str  # the ``request`` value, e.g. ``GetMap``


def ogc_request(request: web.Request, kinds: tuple[str, ...]) -> OgcRequest:
    """Session (401) first, then the ``request`` value (one of ``kinds``) the service dispatches on."""
    session = require_session(request)
    query = OgcQuery(request.query)
    return OgcRequest(session, request.match_info["workflow_id"], query, query.request(kinds))


def ogc_url(request: web.Request, service: str, workflow_id: str) -> str:
    """``<external address>/<service>/<id>`` as Geo Engine writes it into capabilities."""
    base = request.app["config"].external_address or f"{request.scheme}://{request.host}/api/"
    return f"{base.rstrip('/')}/{service}/{workflow_id}"


def parse_uuid(text: str) -> str:
    """``text`` if it is a UUID, else Geo Engine's ``InvalidUuid`` (raised in the handler)."""
    try:
        uuid.UUID(text)
    except ValueError:
        raise ApiError("InvalidUuid", BAD_FORMAT) from None
    return text


def same_workflow(name: str, workflow_id: str) -> bool:
    """Whether a layer/identifier/type name names the endpoint's workflow (UUIDs compare case-insensitively)."""
    return name.lower() == workflow_id.lower()


def check_positive_area(bbox: BBox) -> BBox:
    """WMS/WCS boxes must have a positive width and height (``InvalidBoundingBox``)."""
    if not (bbox.xmax > bbox.xmin and bbox.ymax > bbox.ymin):
        raise ApiError("InvalidBoundingBox", "The bounding box must have a positive width and height")
    return bbox


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
