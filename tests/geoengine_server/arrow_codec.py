"""Raster tiles and feature batches as Geo Engine's websocket messages: one Arrow IPC *file* each."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Iterator

import numpy as np
import pyarrow as pa

from .engine.types import FeatureCollection, GeoTransform, RasterDescriptor, TimeInterval, VectorDescriptor

ARROW_TYPES = {
    "U8": pa.uint8(), "U16": pa.uint16(), "U32": pa.uint32(), "U64": pa.uint64(),
    "I8": pa.int8(), "I16": pa.int16(), "I32": pa.int32(), "I64": pa.int64(),
    "F32": pa.float32(), "F64": pa.float64(),
}

COLUMN_TYPES = {
    "int": pa.int64(), "float": pa.float64(), "text": pa.utf8(), "bool": pa.bool_(),
    "category": pa.uint8(), "dateTime": pa.date64(),
}

TIME_TYPE = pa.list_(pa.int64(), 2)


# Each websocket message is one Arrow IPC file: geo-engine/geoengine@5748ef7:geoengine/datatypes/src/collections/ipc.rs
def ipc_file(batch: pa.RecordBatch) -> memoryview:
    """One record batch as a complete Arrow IPC file (magic, batch, footer).

    A view of Arrow's own buffer: copying it into ``bytes`` would double the per-tile cost.
    """
    sink = pa.BufferOutputStream()
    with pa.ipc.new_file(sink, batch.schema) as writer:
        writer.write_batch(batch)
    return memoryview(sink.getvalue())


def warm_up() -> None:
    """Encode one tiny file: pyarrow's first IPC write costs ~0.3 s, better paid before the first NEXT."""
    ipc_file(pa.record_batch([pa.array(np.zeros(1, np.uint8))], names=["data"]))


def masked_array(values: np.ndarray, mask: np.ndarray, null_count: int, arrow_type: pa.DataType) -> pa.Array:
    """A nullable primitive array straight from numpy buffers (``pa.array(..., mask=)`` is ~1000x slower)."""
    validity = np.packbits(~mask, bitorder="little")
    return pa.Array.from_buffers(
        arrow_type, len(values), [pa.py_buffer(validity), pa.py_buffer(values)], null_count=null_count
    )


def _compact_json(obj) -> str:
    return json.dumps(obj, separators=(",", ":"))


@dataclass(frozen=True)
# Raster tile column and schema metadata keys:
# geo-engine/geoengine@5748ef7:geoengine/datatypes/src/raster/arrow_conversion.rs
class TileHeader:
    """What the messages of one tile share (all its bands): the Arrow type and the encoded metadata."""

    arrow_type: pa.DataType
    geo_transform: str  # compact JSON
    time: str  # compact JSON
    spatial_reference: str

    @classmethod
    def of(cls, descriptor: RasterDescriptor, geo_transform: GeoTransform, time: TimeInterval) -> TileHeader:
        return cls(
            ARROW_TYPES[descriptor.data_type],
            _compact_json(geo_transform.to_json()),
            _compact_json(time.to_json()),
            descriptor.spatial_reference,
        )


def raster_tile_message(values: np.ma.MaskedArray, header: TileHeader, band: int) -> memoryview:
    """A tile's band as one nullable ``data`` column (row-major, null = masked) with Geo Engine's metadata."""
    height, width = values.shape
    flat = np.ascontiguousarray(np.ma.getdata(values)).reshape(-1)
    mask = np.ma.getmask(values)
    null_count = 0 if mask is np.ma.nomask else int(np.count_nonzero(mask))
    if null_count == 0:
        array = pa.array(flat, type=header.arrow_type)
    else:
        array = masked_array(flat, mask.reshape(-1), null_count, header.arrow_type)
    metadata = {
        "geoTransform": header.geo_transform,
        "xSize": str(width),
        "ySize": str(height),
        "time": header.time,
        "spatialReference": header.spatial_reference,
        "band": str(band),
    }
    schema = pa.schema([pa.field("data", header.arrow_type, nullable=True)], metadata=metadata)
    return ipc_file(pa.RecordBatch.from_arrays([array], schema=schema))


def _column_array(values: list, data_type: str) -> pa.Array:
    arrow_type = COLUMN_TYPES.get(data_type, pa.utf8())
    if data_type == "category":
        return pa.array([None if v is None else int(v) for v in values], type=arrow_type)
    if data_type == "dateTime":
        return pa.array([None if v is None else int(v) for v in values], type=pa.int64()).cast(arrow_type)
    return pa.array(values, type=arrow_type)


# Feature batches (__geometry WKT, __time, spatialReference metadata):
# geo-engine/geoengine@5748ef7:geoengine/datatypes/src/collections/ipc.rs
def vector_batch_message(features: FeatureCollection, descriptor: VectorDescriptor) -> memoryview:
    """Features as ``__geometry`` (WKT), ``__time`` ([start, end]) and one column per attribute."""
    arrays = [pa.array(features.wkt, type=pa.utf8())]
    times = np.column_stack([np.asarray(features.time_start, np.int64), np.asarray(features.time_end, np.int64)])
    arrays.append(pa.FixedSizeListArray.from_arrays(pa.array(times.reshape(-1), pa.int64()), 2))
    fields = [pa.field("__geometry", pa.utf8()), pa.field("__time", TIME_TYPE)]
    for name, column in descriptor.columns.items():
        array = _column_array(features.columns.get(name, [None] * len(features)), column.data_type)
        arrays.append(array)
        fields.append(pa.field(name, array.type, nullable=True))
    schema = pa.schema(fields, metadata={"spatialReference": descriptor.spatial_reference})
    return ipc_file(pa.RecordBatch.from_arrays(arrays, schema=schema))


def _feature_bytes(features: FeatureCollection, index: int) -> int:
    size = len(features.wkt[index]) + 16
    for values in features.columns.values():
        value = values[index]
        size += len(value) if isinstance(value, str) else 8
    return size


def _batch_bounds(features: FeatureCollection, chunk_bytes: int) -> Iterator[tuple[int, int]]:
    """``(start, end)`` of consecutive slices whose estimated Arrow size stays within ``chunk_bytes``
    (at least 1 feature each)."""
    start, size = 0, 0
    for i in range(len(features)):
        item = _feature_bytes(features, i)
        if i > start and size + item > chunk_bytes:
            yield start, i
            start, size = i, 0
        size += item
    if start < len(features):
        yield start, len(features)


def split_features(features: FeatureCollection, chunk_bytes: int) -> Iterator[FeatureCollection]:
    """The features in batches of at most ``chunk_bytes`` (estimated); none for an empty collection."""
    for a, b in _batch_bounds(features, chunk_bytes):
        yield _slice(features, a, b)


def batch_count(features: FeatureCollection, chunk_bytes: int) -> int:
    """How many batches ``split_features`` makes, without copying them."""
    return sum(1 for _ in _batch_bounds(features, chunk_bytes))


def _slice(features: FeatureCollection, a: int, b: int) -> FeatureCollection:
    return FeatureCollection(
        features.wkt[a:b],
        features.time_start[a:b],
        features.time_end[a:b],
        {k: v[a:b] for k, v in features.columns.items()},
    )
