"""Vector ``OgrSource``: features of an ``OgrMetaData`` dataset, loaded once per file and cached.

Feature time comes from the definition's ``loadingInfo.time``: ``none`` (beginning..end of time),
``start`` (with ``duration``), ``start+end`` or ``start+duration``; time fields may be OGR date
fields or strings in a ``custom`` (chrono) format, ``auto`` (ISO 8601) or ``seconds``/``millis``.
Params: ``data``, ``attributeProjection`` (list of columns or null), ``attributeFilters`` (null or
``[{attribute, ranges: [[min, max], ...], keepNulls}]``, ranges inclusive).
"""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import numpy as np
from osgeo import ogr

from .. import timeutil  # a module import: timeutil imports this package (engine.types)
from ..catalog import Dataset
from . import descriptors
from .build import register
from .params import get, spec_error
from .types import TIME_MAX, TIME_MIN, BBox, EngineError, FeatureCollection, TimeInterval, VectorOperator
from .vector_data import FeatureTable
from .wkt import to_multi_wkt

_tables: dict[tuple[str, str], FeatureTable] = {}
_lock = threading.Lock()


def _parse_time(value, fmt: dict) -> int:
    kind = (fmt or {}).get("format", "auto")
    if isinstance(value, datetime):
        return int(value.timestamp() * 1000)
    if kind in ("seconds", "unixTimeStamp"):
        return int(float(value) * 1000)
    if kind == "millis":
        return int(value)
    text = str(value)
    if kind == "custom":
        moment = datetime.strptime(text, fmt["customFormat"])
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=timezone.utc)
        return int(moment.timestamp() * 1000)
    try:
        return timeutil.parse_instant(text)
    except timeutil.TimeParseError:
        moment = datetime.fromisoformat(text)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=timezone.utc)
        return int(moment.timestamp() * 1000)


def _field_value(feature: ogr.Feature, name: str):
    index = feature.GetFieldIndex(name)
    if index < 0 or not feature.IsFieldSetAndNotNull(index):
        return None
    if feature.GetFieldType(index) in (ogr.OFTDateTime, ogr.OFTDate):
        y, mo, d, h, mi, s, tz = feature.GetFieldAsDateTime(index)
        moment = datetime(y, mo, d, h, mi, int(s), int(round((s % 1) * 1e6)), tzinfo=timezone.utc)
        if tz > 1:
            moment -= timedelta(minutes=(tz - 100) * 15)
        return moment
    return feature.GetField(index)


# Feature time specs (none, start, start+end, start+duration):
# geo-engine/geoengine@5748ef7:geoengine/operators/src/source/ogr_source/mod.rs (OgrSourceDatasetTimeType)
def _feature_time(feature: ogr.Feature, spec: dict) -> tuple[int, int]:
    kind = spec.get("type", "none")
    if kind == "none":
        return TIME_MIN, TIME_MAX
    start = _parse_time(_required(feature, spec["startField"]), spec.get("startFormat"))
    if kind == "start+end":
        return start, _parse_time(_required(feature, spec["endField"]), spec.get("endFormat"))
    if kind == "start+duration":
        return start, start + int(float(_required(feature, spec["durationField"])) * 1000)
    if kind == "start":
        duration = spec.get("duration") or {"type": "zero"}
        if duration.get("type") == "infinite":
            return start, TIME_MAX
        if duration.get("type") == "value":
            return start, start + int(duration.get("value", 0))
        return start, start
    raise EngineError("InvalidDatasetSpec", f"Unsupported OGR time type {kind!r}")


def _required(feature: ogr.Feature, name: str):
    value = _field_value(feature, name)
    if value is None:
        raise ValueError(f"missing time field {name!r}")
    return value


def load_table(dataset: Dataset) -> FeatureTable:
    """The dataset's features (all columns of the result descriptor), loaded once."""
    info = dataset.meta["loadingInfo"]
    path = str(dataset.resolve(info["fileName"]))
    key = (path, info.get("layerName", ""))
    with _lock:
        if key in _tables:
            return _tables[key]
        table = _read(dataset, path, info)
        _tables[key] = table
        return table


def _read(dataset: Dataset, path: str, info: dict) -> FeatureTable:
    columns = dataset.meta["resultDescriptor"].get("columns") or {}
    try:
        source = ogr.Open(path)
    except RuntimeError as exc:
        raise EngineError("Operator", f"Operator: Could not open dataset {path!r}: {exc}") from None
    layer = source.GetLayerByName(info["layerName"]) if info.get("layerName") else source.GetLayer(0)
    if layer is None:
        layer = source.GetLayer(0)
    time_spec = info.get("time") or {"type": "none"}
    abort = info.get("onError", "ignore") == "abort"
    wkt, starts, ends, values = [], [], [], {name: [] for name in columns}
    for feature in layer:
        try:
            start, end = _feature_time(feature, time_spec)
            text = to_multi_wkt(feature.GetGeometryRef())
        except (ValueError, TypeError, KeyError) as exc:
            if abort:
                message = f"Operator: could not read feature {feature.GetFID()} of {path!r}: {exc}"
                raise EngineError("Operator", message) from None
            continue
        wkt.append(text)
        starts.append(start)
        ends.append(end)
        for name, column in columns.items():
            value = _field_value(feature, name)
            if value is not None:
                kind = column["dataType"]
                value = int(value) if kind == "int" else float(value) if kind == "float" else str(value)
            values[name].append(value)
    return FeatureTable.build(wkt, starts, ends, values)


def _filter_mask(table: FeatureTable, indices: np.ndarray, filters: list[dict]) -> np.ndarray:
    keep = np.ones(len(indices), bool)
    for f in filters:
        column = table.columns[f["attribute"]]
        ranges = f.get("ranges") or []
        keep_nulls = bool(f.get("keepNulls", False))
        for k, i in enumerate(indices):
            if not keep[k]:
                continue
            value = column[i]
            if value is None:
                keep[k] = keep_nulls
            else:
                keep[k] = any(lo <= value <= hi for lo, hi in ranges)
    return keep


class OgrSource(VectorOperator):
    def __init__(self, dataset: Dataset, projection: list[str] | None, filters: list[dict] | None):
        self.dataset = dataset
        self.datasets = [dataset.name]
        descriptor = descriptors.vector_descriptor(dataset.meta["resultDescriptor"])
        if projection is not None:
            descriptor = replace(descriptor, columns={k: descriptor.columns[k] for k in projection})
        self.descriptor = descriptor
        self.filters = filters or []

    def query(self, bbox: BBox, time: TimeInterval) -> FeatureCollection:
        table = load_table(self.dataset)
        indices = table.select(bbox, time)
        if self.filters:
            indices = indices[_filter_mask(table, indices, self.filters)]
        return table.collection(indices, list(self.descriptor.columns))


# geo-engine/geoengine@5748ef7:geoengine/operators/src/source/ogr_source/mod.rs
@register("Vector", "OgrSource")
def build_ogr_source(params: dict, sources, name: str) -> OgrSource:
    dataset = sources.dataset(params.get("data"))
    if dataset.meta.get("type") != "OgrMetaData":
        if dataset.meta.get("type") == "MockMetaData":
            from .mock_sources import MockDatasetSource

            return MockDatasetSource(dataset)
        if dataset.meta.get("type") == "SyntheticVector":
            from .synthetic_points import SyntheticPoints

            return SyntheticPoints(dataset)
        raise EngineError(
            "InvalidOperatorType",
            f"Invalid operator type: expected Vector found Raster (dataset {dataset.name!r} is not a vector dataset)",
        )
    columns = dataset.meta["resultDescriptor"].get("columns") or {}
    projection = get(params, name, "attributeProjection", list, None)
    if projection is not None:
        unknown = [c for c in projection if c not in columns]
        if unknown:
            raise EngineError("ColumnDoesNotExist", f"Column {unknown[0]!r} does not exist (columns: {list(columns)})")
    filters = get(params, name, "attributeFilters", list, None)
    for f in filters or []:
        if not isinstance(f, dict) or not isinstance(f.get("attribute"), str):
            raise spec_error(name, f"every entry of `attributeFilters` needs an `attribute` (got {f!r})")
        if f["attribute"] not in columns:
            raise EngineError("ColumnDoesNotExist", f"Column {f['attribute']!r} does not exist")
        ranges = f.get("ranges")
        if not isinstance(ranges, list) or not all(isinstance(r, list) and len(r) == 2 for r in ranges):
            raise spec_error(name, f"`attributeFilters[].ranges` must be a list of [min, max] pairs (got {ranges!r})")
    return OgrSource(dataset, projection, filters)
