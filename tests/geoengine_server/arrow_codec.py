"""Raster tiles and feature batches as Geo Engine's websocket messages: one Arrow IPC *file* each."""

from __future__ import annotations

import json
from typing import Iterator

import numpy as np
import pyarrow as pa

from .engine.types import FeatureCollection, GeoTransform, TimeInterval, VectorDescriptor

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


def masked_array(values: np.ndarray, mask: np.ndarray, arrow_type: pa.DataType) -> pa.Array:
    """A nullable primitive array straight from numpy buffers (``pa.array(..., mask=)`` is ~1000x slower)."""
    validity = np.packbits(~mask, bitorder="little")
    return pa.Array.from_buffers(
        arrow_type, len(values), [pa.py_buffer(validity), pa.py_buffer(values)], null_count=int(mask.sum())
    )


def raster_tile_message(
    values: np.ma.MaskedArray,
    data_type: str,
    geo_transform: GeoTransform,
    time: TimeInterval,
    spatial_reference: str,
    band: int,
) -> memoryview:
    """A tile as one nullable ``data`` column (row-major, null = masked) with Geo Engine's metadata."""
    height, width = values.shape
    arrow_type = ARROW_TYPES[data_type]
    flat = np.ascontiguousarray(np.ma.getdata(values)).reshape(-1)
    mask = np.ma.getmask(values)
    if mask is np.ma.nomask or not mask.any():
        array = pa.array(flat, type=arrow_type)
    else:
        array = masked_array(flat, mask.reshape(-1), arrow_type)
    metadata = {
        "geoTransform": json.dumps(geo_transform.to_json(), separators=(",", ":")),
        "xSize": str(width),
        "ySize": str(height),
        "time": json.dumps(time.to_json(), separators=(",", ":")),
        "spatialReference": spatial_reference,
        "band": str(band),
    }
    schema = pa.schema([pa.field("data", arrow_type, nullable=True)], metadata=metadata)
    return ipc_file(pa.RecordBatch.from_arrays([array], schema=schema))


def _column_array(values: list, data_type: str) -> pa.Array:
    arrow_type = COLUMN_TYPES.get(data_type, pa.utf8())
    if data_type == "category":
        return pa.array([None if v is None else int(v) for v in values], type=arrow_type)
    if data_type == "dateTime":
        return pa.array([None if v is None else int(v) for v in values], type=pa.int64()).cast(arrow_type)
    return pa.array(values, type=arrow_type)


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


def split_features(features: FeatureCollection, chunk_bytes: int) -> Iterator[FeatureCollection]:
    """Consecutive slices whose estimated Arrow size stays within ``chunk_bytes`` (at least 1 feature)."""
    start, size = 0, 0
    for i in range(len(features)):
        item = _feature_bytes(features, i)
        if i > start and size + item > chunk_bytes:
            yield _slice(features, start, i)
            start, size = i, 0
        size += item
    if start < len(features):
        yield _slice(features, start, len(features))


def _slice(features: FeatureCollection, a: int, b: int) -> FeatureCollection:
    return FeatureCollection(
        features.wkt[a:b],
        features.time_start[a:b],
        features.time_end[a:b],
        {k: v[a:b] for k, v in features.columns.items()},
    )
