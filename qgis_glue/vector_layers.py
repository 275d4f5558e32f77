"""Vector workflow results as QGIS memory layers.

Worker thread: :func:`plan_fields` (typed fields from the result descriptor) and :func:`features_from_batch`
(QgsFeature objects from core's ``stream_vector_batches``). Points are built from their coordinates: the
batch's ``__geometry`` column is parsed once with pyarrow (core's ``parse_points``) and the WKB of all its points
is packed with numpy; other geometries go through WKT. Date/time values are converted once per distinct value.

Two ways to make the layer:

* :class:`WorkerLayerBuilder` (the loader's way): the memory layer is created in the worker, every batch is added
  as it arrives, the spatial index and extent are built there, and the finished layer is moved to the main
  thread; the main thread only styles it and adds it to the project (no stall that grows with the features);
* :func:`create_memory_layer` + :func:`append_batches` on the main thread (Processing and project reloads,
  which hand the features on).

Then :func:`wire_temporal` when the result has time.

Types: int/category -> LongLong, float -> Double, text -> String, bool -> Bool, dateTime -> DateTime.
Each feature's validity (the stream's ``__time``) goes into ``time_start``/``time_end`` DateTime fields when the
result has finite time bounds; open ends (Geo Engine's beginning/end of time) stay NULL.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from itertools import islice
from typing import TYPE_CHECKING, Dict, Iterable, Iterator, List, Optional, Sequence

import numpy as np
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


_MULTIPOINT_WKB = np.dtype([("order", "u1"), ("type", "<u4"), ("count", "<u4"), ("part_order", "u1"),
                            ("part_type", "<u4"), ("x", "<f8"), ("y", "<f8")])
_POINT_WKB = np.dtype([("order", "u1"), ("type", "<u4"), ("x", "<f8"), ("y", "<f8")])


def point_coordinates(batch: FeatureBatch) -> Optional[tuple]:
    """(x, y) float arrays when every feature of the batch is one point (``MULTIPOINT((x y))``, ``POINT (x y)``),
    parsed column-wise by :func:`..core.flatgeobuf.parse_points`; None otherwise (then each feature's WKT is read)."""
    record_batch = getattr(batch, "record_batch", None)
    if record_batch is None or "__geometry" not in record_batch.schema.names or record_batch.num_rows == 0:
        return None
    from ..core.flatgeobuf import NotSinglePoints, parse_points  # pyarrow: only where batches are streamed

    try:
        return parse_points(record_batch.column("__geometry"))
    except NotSinglePoints:
        return None


def point_geometries(xs: np.ndarray, ys: np.ndarray, multi: bool) -> Iterator[QgsGeometry]:
    """QgsGeometries of points from coordinate arrays: one packed WKB buffer, no WKT (made as consumed)."""
    records = np.zeros(len(xs), _MULTIPOINT_WKB if multi else _POINT_WKB)
    records["order"], records["x"], records["y"] = 1, xs, ys
    if multi:
        records["type"], records["count"], records["part_order"], records["part_type"] = 4, 1, 1, 1
    else:
        records["type"] = 1
    raw, size = records.tobytes(), records.dtype.itemsize
    for start in range(0, len(raw), size):
        geometry = QgsGeometry()
        geometry.fromWkb(raw[start:start + size])
        yield geometry


class _Converter:
    """Attribute values as QGIS wants them; date/times through a cache (a series repeats few distinct times)."""

    def __init__(self) -> None:
        self._times: Dict[int, object] = {}
        self._datetimes: Dict[dt.datetime, object] = {}

    def time(self, ms: int):
        value = self._times.get(ms)
        if value is None:
            value = self._times[ms] = _time(ms)
        return value

    def column(self, values: Optional[list], data_type: FeatureDataType, count: int) -> list:
        if values is None:
            return [None] * count
        if data_type != FeatureDataType.DATETIME:
            return values
        cache = self._datetimes
        out = []
        for value in values:
            if not isinstance(value, dt.datetime):
                out.append(None)
                continue
            converted = cache.get(value)
            if converted is None:
                converted = cache[value] = qdatetime(value)
            out.append(converted)
        return out


def features_from_batch(batch: FeatureBatch, plan: FieldPlan, fields: QgsFields,
                        multi: bool = True, converter: Optional[_Converter] = None) -> List[QgsFeature]:
    """QgsFeatures (safe on a worker thread) from one decoded stream batch of core's vector stream."""
    return list(iter_features(batch, plan, fields, multi, converter))


def iter_features(batch: FeatureBatch, plan: FieldPlan, fields: QgsFields, multi: bool = True,
                  converter: Optional[_Converter] = None) -> Iterator[QgsFeature]:
    """:func:`features_from_batch` one feature at a time (a consumer that hands them on in small chunks keeps
    few of them alive, so Python's garbage collector has little to walk through)."""
    converter = converter or _Converter()
    count = len(batch)
    columns = [converter.column(batch.columns.get(name), plan.types[name], count) for name in plan.columns]
    if plan.time_start_field:
        time = converter.time
        columns += [[time(ms) for ms in batch.time_start_ms.tolist()],
                    [time(ms) for ms in batch.time_end_ms.tolist()]]
    rows = zip(*columns) if columns else ([] for _ in range(count))
    coordinates = point_coordinates(batch)
    geometries = (point_geometries(*coordinates, multi) if coordinates is not None
                  else (_geometry(wkt, multi) for wkt in batch.wkt))
    for attributes, geometry in zip(rows, geometries):
        feature = QgsFeature(fields)
        feature.setAttributes(list(attributes))
        feature.setGeometry(geometry)
        yield feature


def memory_layer_uri(descriptor: VectorResultDescriptor, plan: FieldPlan) -> str:
    geometry = GEOMETRY_TYPES[descriptor.data_type]
    crs = f"crs={descriptor.spatial_reference}&" if descriptor.spatial_reference else ""
    fields = plan.uri_fields()
    return f"{geometry}?{crs}{fields}" if fields else f"{geometry}?{crs}".rstrip("&")


def create_memory_layer(descriptor: VectorResultDescriptor, plan: FieldPlan, name: str) -> QgsVectorLayer:
    """An empty memory layer with the planned fields, geometry type and CRS (on the thread that fills it)."""
    layer = QgsVectorLayer(memory_layer_uri(descriptor, plan), name, "memory")
    if not layer.isValid():
        raise MalformedResponseError(f"QGIS could not create a memory layer for {name!r}")
    return layer


# Features are made and added 256 at a time: few QgsFeature wrappers are alive at once, so Python's garbage
# collector promotes few of them and its full collections (100+ ms holding Python's lock in a QGIS process, i.e. a
# main-thread stall) stay rare. With 13 000 per call the load of one million points stalled 100-290 ms and took
# 31-58 s; with 256 its longest stall is 20-55 ms and it takes 19-45 s, by machine load (BENCHMARKS.md).
ADD_CHUNK = 256


class WorkerLayerBuilder:
    """Worker thread: a memory layer filled batch by batch where the features arrive, finished (spatial index,
    extent) there by :meth:`finish`; the loader then styles it and moves it to the main thread, which never adds a
    feature."""

    def __init__(self, descriptor: VectorResultDescriptor, plan: FieldPlan, name: str) -> None:
        self.plan = plan
        self.layer = create_memory_layer(descriptor, plan, name)
        self.fields = self.layer.fields()
        self.converter = _Converter()
        self.count = 0

    def add(self, batch: FeatureBatch) -> int:
        """Add one decoded stream batch; returns the features added."""
        features = iter_features(batch, self.plan, self.fields, converter=self.converter)
        added = 0
        while True:
            chunk = list(islice(features, ADD_CHUNK))
            if not chunk:
                return added
            added += append_batches(self.layer, [chunk], update_extents=False)
            self.count += len(chunk)

    def finish(self) -> QgsVectorLayer:
        """Spatial index and extent here; the caller styles it and moves it to the main thread."""
        provider = self.layer.dataProvider()
        provider.createSpatialIndex()
        self.layer.updateExtents()
        return self.layer


def append_batches(layer: QgsVectorLayer, batches: Iterable[List[QgsFeature]], update_extents: bool = True) -> int:
    """Add the features batch by batch (on the layer's thread); returns the count added."""
    provider = layer.dataProvider()
    added = 0
    for batch in batches:
        ok, _ = provider.addFeatures(batch)
        if not ok:
            raise MalformedResponseError(f"QGIS refused a batch of {len(batch)} features: "
                                         f"{'; '.join(provider.errors()[-3:])}")
        added += len(batch)
    if update_extents:
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
