"""Query-string values with Geo Engine's answers for missing or malformed ones.

Geo Engine parses query strings with serde before the handler runs: a missing field is
``UnableToParseQueryString: missing field `x```, a bad number ``invalid digit found in string``,
a bad enum value ``unknown variant `x`, expected one of ...``. Validators (``limit`` <= 20)
answer ``ValidationError``.
"""

from __future__ import annotations

from typing import Mapping, Sequence

from aiohttp import web

from . import errors
from .engine.types import TimeInterval
from .errors import ApiError
from .timeutil import TimeParseError, parse_time_param

_NO_DEFAULT = object()


# serde query parsing errors (before the handler): geo-engine/geoengine@5748ef7:geoengine/services/src/util/server.rs
def required(query: Mapping[str, str], name: str, field: str | None = None) -> str:
    """``query[name]``; a missing key is serde's ``missing field `<field>``` (``field`` defaults to ``name``)."""
    if name not in query:
        raise errors.missing_field(field or name)
    return query[name]


def parse_uint(raw: str) -> int:
    """A non-negative integer with Rust's parse errors."""
    if raw == "":
        raise errors.query_error("cannot parse integer from empty string")
    if not raw.isdigit():
        raise errors.query_error("invalid digit found in string")
    return int(raw)


def parse_time(text: str | None, default_ms: int) -> TimeInterval:
    """A ``time`` query value (see ``parse_time_param``); a bad one is ``UnableToParseQueryString``."""
    try:
        return parse_time_param(text, default_ms)
    except TimeParseError as exc:
        raise errors.query_error(str(exc)) from None


def expect_variant(value: str, choices: Sequence[str]) -> str:
    """``value`` if it is one of ``choices``, else serde's ``unknown variant`` query error."""
    if value not in choices:
        raise errors.query_error(errors.unknown_variant(value, choices))
    return value


def query_int(request: web.Request, name: str, default=_NO_DEFAULT) -> int:
    """A non-negative integer parameter; required unless ``default`` is given."""
    raw = request.query.get(name)
    if raw is None:
        if default is _NO_DEFAULT:
            raise errors.missing_field(name)
        return default
    return parse_uint(raw)


def query_enum(request: web.Request, name: str, choices: tuple[str, ...], default=_NO_DEFAULT):
    """One of ``choices``; required unless ``default`` is given (``None`` allowed)."""
    raw = request.query.get(name)
    if raw is None or (raw == "" and default is not _NO_DEFAULT):
        if default is _NO_DEFAULT:
            raise errors.missing_field(name)
        return default
    if raw not in choices:
        expected = ", ".join(f"`{c}`" for c in choices)
        raise errors.query_error(f"unknown variant `{raw}`, expected one of {expected}")
    return raw


def query_bool(request: web.Request, name: str, default: bool = False) -> bool:
    raw = request.query.get(name)
    if raw is None or raw == "":
        return default
    if raw not in ("true", "false"):
        raise errors.query_error("provided string was not `true` or `false`")
    return raw == "true"


# ValidatedQuery's ValidationError for a too large limit:
# geo-engine/geoengine@5748ef7:geoengine/services/src/util/extractors.rs
def paging(request: web.Request, *, max_limit: int | None, default_limit=_NO_DEFAULT, default_offset=_NO_DEFAULT):
    """``(offset, limit)``; ``limit`` above ``max_limit`` is a ``ValidationError``."""
    offset = query_int(request, "offset", default_offset)
    limit = query_int(request, "limit", default_limit)
    if max_limit is not None and limit > max_limit:
        raise ApiError(
            "ValidationError",
            f'limit: Validation error: range [{{"max": Number({max_limit}.0), "value": Number({limit})}}]',
        )
    return offset, limit
