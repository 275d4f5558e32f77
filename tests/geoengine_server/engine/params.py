"""Reading operator params with errors that name the operator and the field."""

from __future__ import annotations

from typing import Any

from .types import EngineError

_MISSING = object()


# The variant: geo-engine/geoengine@5748ef7:geoengine/operators/src/error.rs (InvalidOperatorSpec, whose text there is
# "InvalidOperatorSpec: <reason>"; params the typed model cannot read are a BodyDeserializeError there)
def spec_error(operator: str, reason: str) -> EngineError:
    return EngineError("InvalidOperatorSpec", f"Invalid operator specification: {operator}: {reason}")


def get(params: dict, operator: str, key: str, kinds: type | tuple, default: Any = _MISSING) -> Any:
    """``params[key]`` checked against ``kinds``; missing -> ``default`` or an error naming the field."""
    if key not in params or (params[key] is None and default is not _MISSING):
        if default is _MISSING:
            raise spec_error(operator, f"missing field `{key}`")
        return default
    value = params[key]
    if isinstance(value, bool) and bool not in (kinds if isinstance(kinds, tuple) else (kinds,)):
        raise spec_error(operator, f"field `{key}` has the wrong type (got {value!r})")
    if not isinstance(value, kinds):
        raise spec_error(operator, f"field `{key}` has the wrong type (got {value!r})")
    return value


def choice(params: dict, operator: str, key: str, options: tuple[str, ...], default: str | None = None) -> str:
    value = get(params, operator, key, str, default) if default is not None else get(params, operator, key, str)
    if value not in options:
        raise spec_error(operator, f"field `{key}` must be one of {', '.join(options)} (got {value!r})")
    return value
