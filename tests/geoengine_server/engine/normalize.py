"""The stored, re-serialised form of a workflow JSON (what Geo Engine hashes the workflow id from).

Geo Engine deserialises a workflow into its typed model, falls back to a legacy model, and
re-serialises it: key order follows the Rust structs and defaults appear. The defaults below
were checked against published workflow ids: ``GdalSource`` -> ``1e415c9c-...`` and the notebook's
``Histogram`` -> ``23c29655-...``. The notebook's ``RasterVectorJoin`` over ``OgrSource``/``GdalSource``
parses typed at 0.9.3, whose ``OgrSource`` has no ``attributeFilters``: ``332023f9-...`` (the notebook's
``18a38a75-...`` is a stale id of the legacy model). Operators we do not know pass through unchanged.
"""

from __future__ import annotations

import json
import uuid
from typing import Any, Callable

from .types import EngineError

WORKFLOW_KINDS = ("Raster", "Vector", "Plot")
_BAD_WORKFLOW = "Error in user input: data did not match any variant of untagged enum Workflow"


def workflow_id(workflow: dict) -> str:
    """The deterministic id of a workflow (normalised first)."""
    return normalized_id(normalize(workflow))


def normalized_id(normalized: dict) -> str:
    """``uuid5(NAMESPACE_OID, compact JSON)`` of a normalised workflow, non-ASCII text unescaped as serde writes it."""
    text = json.dumps(normalized, separators=(",", ":"), ensure_ascii=False)
    return str(uuid.uuid5(uuid.NAMESPACE_OID, text))


def normalize(workflow: dict) -> dict:
    """``{"type", "operator"}`` with operators normalised; raises ``BodyDeserializeError`` when malformed."""
    if not isinstance(workflow, dict) or set(workflow) != {"type", "operator"}:
        raise EngineError("BodyDeserializeError", _BAD_WORKFLOW)
    if workflow["type"] not in WORKFLOW_KINDS or not _is_operator(workflow["operator"]):
        raise EngineError("BodyDeserializeError", _BAD_WORKFLOW)
    operator = workflow["operator"]
    return {"type": workflow["type"], "operator": normalize_operator(operator, _all_typed(operator))}


# Operators with a typed model in 0.9.3 (geo-engine/geoengine@5748ef7:geoengine/services/src/api/model/
# processing_graphs/mod.rs RasterOperator/VectorOperator/PlotOperator). A graph made only of these parses typed;
# one other operator anywhere makes the whole graph fall back to the legacy model
# (geo-engine/geoengine@5748ef7:geoengine/services/src/workflows/workflow.rs ``Workflow``, untagged Typed | Legacy).
TYPED_OPERATORS = frozenset({
    "BandFilter", "Downsampling", "Expression", "GdalSource", "Interpolation", "MultiBandGdalSource",
    "RasterStacker", "RasterTypeConversion", "Reprojection", "TemporalRasterAggregation",
    "MockPointSource", "OgrSource", "RasterVectorJoin", "VectorExpression", "Histogram", "Statistics",
})


def _all_typed(op: Any) -> bool:
    if isinstance(op, list):
        return all(_all_typed(o) for o in op)
    if not _is_operator(op):
        return True
    return op["type"] in TYPED_OPERATORS and all(_all_typed(s) for s in op.get("sources", {}).values())


def _is_operator(op: Any) -> bool:
    return (
        isinstance(op, dict)
        and isinstance(op.get("type"), str)
        and set(op) <= {"type", "params", "sources"}
        and isinstance(op.get("params", {}), dict)
        and isinstance(op.get("sources", {}), dict)
    )


def normalize_operator(op: Any, typed: bool = False) -> Any:
    """One operator: known ones get their defaults, sources are normalised recursively; ``typed`` when the
    whole graph parses with the typed model."""
    if not _is_operator(op):
        return op
    out: dict = {"type": op["type"]}
    if "params" in op:
        params = op["params"]
        if typed and op["type"] == "OgrSource":
            out["params"] = _typed_ogr_source(params)
        else:
            fixer = _PARAM_FIXERS.get(op["type"])
            out["params"] = fixer(params) if fixer else params
    if "sources" in op:
        out["sources"] = {k: _normalize_source(v, typed) for k, v in op["sources"].items()}
    return out


def _normalize_source(value: Any, typed: bool) -> Any:
    if isinstance(value, list):
        return [normalize_operator(v, typed) for v in value]
    return normalize_operator(value, typed)


def _ordered(params: dict, order: list[tuple[str, Any]]) -> dict:
    """Known keys first in struct order (missing ones get their default), unknown keys after."""
    out = {}
    for key, default in order:
        out[key] = params[key] if key in params else default
    for key, value in params.items():
        if key not in out:
            out[key] = value
    return out


def _float(value: Any) -> Any:
    return float(value) if isinstance(value, int) and not isinstance(value, bool) else value


def _gdal_source(params: dict) -> dict:
    if not isinstance(params.get("data"), str):  # legacy form (e.g. {"type":"internal",...}): unchanged
        return params
    return _ordered(params, [("data", None), ("overviewLevel", None)])


def _ogr_source(params: dict) -> dict:
    if not isinstance(params.get("data"), str):
        return params
    return _ordered(params, [("data", None), ("attributeProjection", None), ("attributeFilters", None)])


def _typed_ogr_source(params: dict) -> dict:
    """The typed OgrSource has only ``data`` and ``attributeProjection``; other keys (``attributeFilters``) are
    dropped (geo-engine/geoengine@5748ef7:geoengine/services/src/api/model/processing_graphs/source.rs
    ``OgrSourceParameters``, no ``deny_unknown_fields``)."""
    if not isinstance(params.get("data"), str):
        return params
    return {"data": params["data"], "attributeProjection": params.get("attributeProjection")}


def _raster_vector_join(params: dict) -> dict:
    """Both the typed and the legacy model need ``names`` as a tagged ColumnNames and both aggregations
    (geo-engine/geoengine@5748ef7:geoengine/services/src/api/model/processing_graphs/processing.rs
    ``RasterVectorJoinParameters``, .../processing_graphs/parameters.rs ``ColumnNames``,
    geo-engine/geoengine@5748ef7:geoengine/operators/src/processing/raster_vector_join/mod.rs): a short form
    ``{"names": [...], "aggregation": ...}`` matches no variant of the workflow and is a 400."""
    names = params.get("names")
    tagged = isinstance(names, dict) and (
        names.get("type") == "default" or (names.get("type") in ("suffix", "names")
                                           and isinstance(names.get("values"), list)))
    if not tagged or "featureAggregation" not in params or "temporalAggregation" not in params:
        raise EngineError("BodyDeserializeError", _BAD_WORKFLOW)
    return _ordered(params, [
        ("names", None),
        ("featureAggregation", "first"),
        ("featureAggregationIgnoreNoData", False),
        ("temporalAggregation", "none"),
        ("temporalAggregationIgnoreNoData", False),
    ])


def _histogram(params: dict) -> dict:
    name_key = "columnName" if "columnName" in params else "attributeName"
    order: list[tuple[str, Any]] = [] if name_key not in params else [(name_key, None)]
    order += [("bounds", "data"), ("buckets", None), ("interactive", False)]
    out = _ordered(params, order)
    if isinstance(out.get("bounds"), dict):
        out["bounds"] = {k: _float(v) for k, v in out["bounds"].items()}
    return out


def _expression(params: dict) -> dict:
    """Struct order; ``outputType`` and ``mapNoData`` are required by the typed and the legacy model alike
    (geo-engine/geoengine@5748ef7:geoengine/services/src/api/model/processing_graphs/processing.rs
    ``ExpressionParameters``, geo-engine/geoengine@5748ef7:geoengine/operators/src/processing/expression/
    raster_operator.rs ``ExpressionParams``), so a workflow without them is a 400."""
    if "outputType" not in params or "mapNoData" not in params:
        raise EngineError("BodyDeserializeError", _BAD_WORKFLOW)
    keys = ["expression", "outputType", "outputBand", "mapNoData"]
    out = {k: params[k] for k in keys if k in params}
    out.update((k, v) for k, v in params.items() if k not in out)
    return out


def _mock_point_source(params: dict) -> dict:
    points = params.get("points")
    if not isinstance(points, list):
        return params
    out = dict(params)
    out["points"] = [
        {k: _float(v) for k, v in p.items()} if isinstance(p, dict) else p for p in points
    ]
    return out


def _resampling(method_key: str) -> Callable[[dict], dict]:
    """``Downsampling``/``Interpolation`` params in struct order; ``outputOriginReference`` defaults to null."""

    def fix(params: dict) -> dict:
        out = _ordered(params, [(method_key, None), ("outputResolution", None), ("outputOriginReference", None)])
        if isinstance(out.get("outputResolution"), dict):
            out["outputResolution"] = {k: _float(v) for k, v in out["outputResolution"].items()}
        if isinstance(out.get("outputOriginReference"), dict):
            out["outputOriginReference"] = {k: _float(v) for k, v in out["outputOriginReference"].items()}
        return out

    return fix


_PARAM_FIXERS: dict[str, Callable[[dict], dict]] = {
    "GdalSource": _gdal_source,
    "OgrSource": _ogr_source,
    "RasterVectorJoin": _raster_vector_join,
    "Histogram": _histogram,
    "MockPointSource": _mock_point_source,
    "Expression": _expression,
    "Downsampling": _resampling("samplingMethod"),
    "Interpolation": _resampling("interpolation"),
}
