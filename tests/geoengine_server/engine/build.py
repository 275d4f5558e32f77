"""Turning operator JSON into initialised operators, with Geo Engine's registration checks.

Operator builders are registered per output kind (Raster, Vector, Plot) by name; a builder gets
the operator's params and a ``BuildContext`` that builds its sources with the expected kind.
"""

from __future__ import annotations

from typing import Any, Callable

from ..catalog import Catalog, Dataset
from .params import spec_error
from .types import EngineError

Builder = Callable[[dict, "BuildContext", str], Any]
BUILDERS: dict[str, dict[str, Builder]] = {"Raster": {}, "Vector": {}, "Plot": {}}


# Operators by output kind and name, sources checked for their kind:
# geo-engine/geoengine@5748ef7:geoengine/operators/src/engine/operator.rs,
# geo-engine/geoengine@5748ef7:geoengine/operators/src/engine/initialized_sources.rs
def register(kind: str, name: str) -> Callable[[Builder], Builder]:
    def deco(fn: Builder) -> Builder:
        BUILDERS[kind][name] = fn
        return fn

    return deco


def kind_of(op: Any) -> str | None:
    """The output kind of an operator JSON (``None`` when unknown)."""
    if not isinstance(op, dict):
        return None
    name = op.get("type")
    kinds = [k for k, table in BUILDERS.items() if name in table]
    if len(kinds) == 1:
        return kinds[0]
    if len(kinds) > 1:  # e.g. Reprojection: the kind of its source
        sources = op.get("sources") or {}
        source = sources.get("source")
        return kind_of(source) if source is not None else kinds[0]
    return None


def invalid_type(expected: str, found: str) -> EngineError:
    return EngineError("InvalidOperatorType", f"Invalid operator type: expected {expected} found {found}")


def srs_mismatch(expected: str, found: str) -> EngineError:
    """Sources that must share a spatial reference do not."""
    return EngineError("InvalidSpatialReference", f"Invalid spatial reference: expected {expected} found {found}")


class BuildContext:
    """Builds (sub-)operators against a catalog."""

    def __init__(self, catalog: Catalog):
        self.catalog = catalog

    def build(self, op: Any, kind: str) -> Any:
        if not isinstance(op, dict) or not isinstance(op.get("type"), str):
            raise EngineError(
                "BodyDeserializeError", f"Error in user input: expected a {kind} operator object, got {op!r}"
            )
        name = op["type"]
        found = kind_of(op)
        if found is None:
            known = sorted(set().union(*[set(t) for t in BUILDERS.values()]))
            raise EngineError("UnknownOperator", f"Unknown operator type {name!r}; known operators: {', '.join(known)}")
        if found != kind:
            raise invalid_type(kind, found)
        params = op.get("params") or {}
        if not isinstance(params, dict):
            raise spec_error(name, "`params` must be an object")
        sources = op.get("sources") or {}
        if not isinstance(sources, dict):
            raise spec_error(name, "`sources` must be an object")
        return BUILDERS[kind][name](params, _Sources(self, name, sources), name)

    def dataset(self, data: Any, operator: str) -> Dataset:
        """Resolve ``params.data``: a name (``name``, ``namespace:name``, backticks) or a legacy internal id."""
        if isinstance(data, dict):
            if data.get("type") == "internal" and isinstance(data.get("datasetId"), str):
                found = self.catalog.dataset_by_id(data["datasetId"])
                if found is None:
                    raise EngineError("UnknownDatasetId", f"Unknown dataset id: {data['datasetId']}")
                return found
            raise spec_error(operator, f"field `data` must be a dataset name, got {data!r}")
        if not isinstance(data, str) or not data:
            raise spec_error(operator, "missing field `data` (a dataset name)")
        if data.startswith("_:"):
            raise EngineError(
                "UnknownDatasetName", f"Unknown dataset name: {data} (external providers are not available)"
            )
        found = self.catalog.dataset(data)
        if found is None:
            raise EngineError("UnknownDatasetName", f"Unknown dataset name: {data}")
        return found


class _Sources:
    """An operator's ``sources`` with typed accessors."""

    def __init__(self, ctx: BuildContext, operator: str, sources: dict):
        self.ctx = ctx
        self.operator = operator
        self.sources = sources

    def _required(self, key: str) -> Any:
        if self.sources.get(key) is None:
            raise spec_error(self.operator, f"missing source `{key}`")
        return self.sources[key]

    def one(self, key: str, kind: str) -> Any:
        value = self._required(key)
        if isinstance(value, list):
            if len(value) != 1:
                raise spec_error(self.operator, f"source `{key}` must be a single {kind} operator")
            value = value[0]
        return self.ctx.build(value, kind)

    def many(self, key: str, kind: str) -> list:
        value = self._required(key)
        items = value if isinstance(value, list) else [value]
        if not items:
            raise spec_error(self.operator, f"source `{key}` must not be empty")
        return [self.ctx.build(v, kind) for v in items]

    def raw(self, key: str) -> Any:
        return self.sources.get(key)

    def kind(self, key: str) -> str | None:
        """The output kind of the (first) operator under ``key``; ``None`` when unknown or absent."""
        value = self.sources.get(key)
        return kind_of(value[0] if isinstance(value, list) and value else value)

    def dataset(self, data: Any) -> Dataset:
        return self.ctx.dataset(data, self.operator)
