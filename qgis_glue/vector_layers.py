"""Vector workflow results as QGIS memory layers.

Worker thread: :func:`plan_fields` (typed fields from the result descriptor) and :func:`features_from_batch`
(QgsFeature objects from core's ``stream_vector_batches``; no QObject is created off the main thread).
Main thread: :func:`create_memory_layer` and :func:`append_batches`, then :func:`wire_temporal` when the
result has time.

Types: int/category -> LongLong, float -> Double, text -> String, bool -> Bool, dateTime -> DateTime.
Each feature's validity (the stream's ``__time``) goes into ``time_start``/``time_end`` DateTime fields when the
result has finite time bounds; open ends (Geo Engine's beginning/end of time) stay NULL.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Dict, Iterable, List, Optional, Sequence

from qgis.core import (
    QgsFeature,
    QgsField,
    QgsFields,
    QgsGeometry,
    QgsVectorLayer,
    QgsWkbTypes,
)
from qgis.PyQt.QtCore import QUrl

from ..core.descriptors import FeatureDataType, VectorDataType, VectorResultDescriptor
from ..core.errors import MalformedResponseError
from .enums import POINT_GEOMETRY, VECTOR_START_END_FIELDS, field_type
from .layer_metadata import qdatetime
from .query import has_finite_time, ms_to_datetime

if TYPE_CHECKING:  # pyarrow + websockets: imported only where batches are streamed
    from ..core.vector_stream import FeatureBatch

FIELD_TYPES = {
    FeatureDataType.INT: (field_type("LongLong"), "int8"),
    FeatureDataType.CATEGORY: (field_type("LongLong"), "int8"),
    FeatureDataType.FLOAT: (field_type("Double"), "double"),
    FeatureDataType.TEXT: (field_type("String"), "string"),
    FeatureDataType.BOOL: (field_type("Bool"), "boolean"),
    FeatureDataType.DATETIME: (field_type("DateTime"), "datetime"),
}
GEOMETRY_TYPES = {
    VectorDataType.MULTI_POINT: "MultiPoint",
    VectorDataType.MULTI_LINE_STRING: "MultiLineString",
    VectorDataType.MULTI_POLYGON: "MultiPolygon",
    VectorDataType.DATA: "None",
}


@dataclass(frozen=True)
class FieldPlan:
    """The memory layer's fields: the descriptor's columns plus optional time fields."""

    columns: List[str]
    types: Dict[str, FeatureDataType]
    time_start_field: Optional[str]
    time_end_field: Optional[str]

    def qgs_fields(self) -> QgsFields:
        fields = QgsFields()
        for name in self.columns:
            variant, type_name = FIELD_TYPES[self.types[name]]
            fields.append(QgsField(name, variant, type_name))
        for name in (self.time_start_field, self.time_end_field):
            if name:
                fields.append(QgsField(name, field_type("DateTime"), "datetime"))
        return fields

    def uri_fields(self) -> str:
        """``field=<name>:<type>&...`` with percent-encoded names: the memory provider reads its URI as a URL
        query, so a raw ``&``, ``#`` or ``%`` in a column name would rename, retype or drop columns."""
        parts = [f"field={_encoded(name)}:{FIELD_TYPES[self.types[name]][1]}" for name in self.columns]
        parts += [f"field={_encoded(name)}:datetime" for name in (self.time_start_field, self.time_end_field) if name]
        return "&".join(parts)


def _encoded(name: str) -> str:
    return bytes(QUrl.toPercentEncoding(name)).decode("ascii")


def _free_name(wanted: str, taken: Sequence[str]) -> str:
    name, counter = wanted, 1
    while name in taken:
        counter += 1
        name = f"{wanted}_{counter}"
    return name


def plan_fields(descriptor: VectorResultDescriptor) -> FieldPlan:
    columns = list(descriptor.columns)
    types = {name: info.data_type for name, info in descriptor.columns.items()}
    if has_finite_time(descriptor):
        start = _free_name("time_start", columns)
        end = _free_name("time_end", columns + [start])
        return FieldPlan(columns, types, start, end)
    return FieldPlan(columns, types, None, None)


def _value(value, data_type: FeatureDataType):
    if value is None:
        return None
    if data_type == FeatureDataType.DATETIME:
        return qdatetime(value) if isinstance(value, dt.datetime) else None
    return value


def _time(ms: int):
    moment = ms_to_datetime(ms)
    return qdatetime(moment) if moment is not None else None


def _geometry(wkt: Optional[str], multi: bool) -> QgsGeometry:
    if not wkt:
        return QgsGeometry()
    geometry = QgsGeometry.fromWkt(wkt)
    if geometry.isNull():
        raise MalformedResponseError(f"unreadable WKT geometry {wkt[:60]!r}")
    if multi and not geometry.isMultipart():
        geometry.convertToMultiType()
    return geometry


def features_from_batch(batch: FeatureBatch, plan: FieldPlan, fields: QgsFields,
                        multi: bool = True) -> List[QgsFeature]:
    """QgsFeatures (safe on a worker thread) from one decoded stream batch of core's vector stream."""
    columns = [batch.columns.get(name) for name in plan.columns]
    starts, ends = batch.time_start_ms.tolist(), batch.time_end_ms.tolist()
    out = []
    for i, wkt in enumerate(batch.wkt):
        feature = QgsFeature(fields)
        attributes = [None if values is None else _value(values[i], plan.types[name])
                      for name, values in zip(plan.columns, columns)]
        if plan.time_start_field:
            attributes += [_time(starts[i]), _time(ends[i])]
        feature.setAttributes(attributes)
        feature.setGeometry(_geometry(wkt, multi))
        out.append(feature)
    return out


def memory_layer_uri(descriptor: VectorResultDescriptor, plan: FieldPlan) -> str:
    geometry = GEOMETRY_TYPES[descriptor.data_type]
    crs = f"crs={descriptor.spatial_reference}&" if descriptor.spatial_reference else ""
    fields = plan.uri_fields()
    return f"{geometry}?{crs}{fields}" if fields else f"{geometry}?{crs}".rstrip("&")


def create_memory_layer(descriptor: VectorResultDescriptor, plan: FieldPlan, name: str) -> QgsVectorLayer:
    """Main thread: an empty memory layer with the planned fields, geometry type and CRS."""
    layer = QgsVectorLayer(memory_layer_uri(descriptor, plan), name, "memory")
    if not layer.isValid():
        raise MalformedResponseError(f"QGIS could not create a memory layer for {name!r}")
    return layer


def append_batches(layer: QgsVectorLayer, batches: Iterable[List[QgsFeature]]) -> int:
    """Main thread: add the features batch by batch; returns the count added."""
    provider = layer.dataProvider()
    added = 0
    for batch in batches:
        ok, _ = provider.addFeatures(batch)
        if not ok:
            raise MalformedResponseError(f"QGIS refused a batch of {len(batch)} features: "
                                         f"{'; '.join(provider.errors()[-3:])}")
        added += len(batch)
    layer.updateExtents()
    return added


def wire_temporal(layer: QgsVectorLayer, plan: FieldPlan) -> None:
    """Drive the layer from the temporal controller with its start/end fields."""
    if not plan.time_start_field:
        return
    properties = layer.temporalProperties()
    properties.setMode(VECTOR_START_END_FIELDS)
    properties.setStartField(plan.time_start_field)
    properties.setEndField(plan.time_end_field)
    properties.setIsActive(True)


def is_point_layer(layer: QgsVectorLayer) -> bool:
    return QgsWkbTypes.geometryType(layer.wkbType()) == POINT_GEOMETRY
