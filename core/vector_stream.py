"""Vector workflow results from ``/workflow/{id}/vectorStream``: feature batches as they arrive.

Each message is one Arrow record batch (wire reference 11.4): ``__geometry`` (WKT, ``""`` = none),
``__time`` (``[start_ms, end_ms]``) and one nullable column per attribute (int -> int64, float -> float64,
text -> utf8, bool -> bool, category -> uint8, dateTime -> date64). Schema metadata: ``spatialReference``.

* :func:`stream_vector_batches` yields :class:`FeatureBatch` (plain Python values, no pandas) for callers
  that append features batch by batch (the QGIS layer writer);
* :func:`vector_stream` / :func:`vector_stream_into_geopandas` are the official client's calls and need
  geopandas.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Dict, Iterator, List, Optional

import numpy as np
import pyarrow as pa

from .errors import InputError, MalformedResponseError, MissingDependencyError
from .raster import RasterStreamProcessing
from .streaming import DEFAULT_OPEN_TIMEOUT, CancelCheck, ProgressCallback, open_stream
from .types import QueryRectangle

MAX_BATCH_BYTES = 64 << 20  # one vector batch (Geo Engine sends chunks of about 1 MiB)
GEOMETRY_COLUMN = "__geometry"
TIME_COLUMN = "__time"
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)

# Arrow type of each Geo Engine column type, and back (for columns the descriptor does not list)
ARROW_OF_COLUMN_TYPE = {"int": pa.int64(), "float": pa.float64(), "text": pa.utf8(), "bool": pa.bool_(),
                        "category": pa.uint8(), "dateTime": pa.date64()}


def _column_type_of(arrow_type: pa.DataType) -> str:
    if pa.types.is_boolean(arrow_type):
        return "bool"
    if pa.types.is_uint8(arrow_type):
        return "category"
    if pa.types.is_integer(arrow_type):
        return "int"
    if pa.types.is_floating(arrow_type):
        return "float"
    if pa.types.is_date(arrow_type) or pa.types.is_timestamp(arrow_type):
        return "dateTime"
    return "text"


def ms_to_datetime(ms: Optional[int]) -> Optional[dt.datetime]:
    """UTC ``datetime`` of epoch milliseconds; None for null and for instants outside years 1..9999."""
    if ms is None:
        return None
    try:
        return _EPOCH + dt.timedelta(milliseconds=int(ms))
    except OverflowError:
        return None


@dataclass
class FeatureBatch:
    """Decoded features of one stream message, as parallel lists (row ``i`` is one feature)."""

    wkt: List[Optional[str]]  # None when the feature has no geometry
    time_start_ms: np.ndarray  # int64
    time_end_ms: np.ndarray  # int64
    columns: Dict[str, List[Any]]  # int / float / str / bool / int (category) / datetime (UTC) or None
    column_types: Dict[str, str]  # Geo Engine column types: int, float, text, bool, category, dateTime
    spatial_reference: str
    record_batch: Optional[pa.RecordBatch] = field(default=None, repr=False)

    def __len__(self) -> int:
        return len(self.wkt)

    @property
    def time_start(self) -> List[Optional[dt.datetime]]:
        return [ms_to_datetime(v) for v in self.time_start_ms.tolist()]

    @property
    def time_end(self) -> List[Optional[dt.datetime]]:
        return [ms_to_datetime(v) for v in self.time_end_ms.tolist()]

    def rows(self) -> Iterator[tuple]:
        """``(wkt, [attribute values in column order], start_ms, end_ms)`` per feature."""
        names = list(self.columns)
        starts, ends = self.time_start_ms.tolist(), self.time_end_ms.tolist()
        for i, wkt in enumerate(self.wkt):
            yield wkt, [self.columns[name][i] for name in names], starts[i], ends[i]

    @classmethod
    def from_record_batch(cls, batch: pa.RecordBatch, declared: Optional[Dict[str, str]] = None) -> FeatureBatch:
        """Decode a Geo Engine vector batch; ``declared`` = column types from the result descriptor."""
        names = batch.schema.names
        if TIME_COLUMN not in names:
            raise MalformedResponseError(f"vector batch without a {TIME_COLUMN} column (columns: {names})")
        count = batch.num_rows
        if GEOMETRY_COLUMN in names:
            wkt = [w or None for w in batch.column(GEOMETRY_COLUMN).to_pylist()]
        else:
            wkt = [None] * count  # a pure data collection
        starts, ends = _time_columns(batch.column(TIME_COLUMN), count)
        columns: Dict[str, List[Any]] = {}
        types: Dict[str, str] = {}
        for name in names:
            if name in (GEOMETRY_COLUMN, TIME_COLUMN):
                continue
            array = batch.column(name)
            kind = (declared or {}).get(name) or _column_type_of(array.type)
            types[name] = kind
            columns[name] = _values(array, kind)
        metadata = batch.schema.metadata or {}
        srs = metadata.get(b"spatialReference", b"").decode("utf-8")
        return cls(wkt, starts, ends, columns, types, srs, batch)


def _time_columns(column: pa.Array, count: int) -> tuple[np.ndarray, np.ndarray]:
    if not (pa.types.is_fixed_size_list(column.type) or pa.types.is_list(column.type)):
        raise MalformedResponseError(f"{TIME_COLUMN} must be a list of two int64, got {column.type}")
    values = column.flatten().to_numpy(zero_copy_only=False).astype(np.int64, copy=False)
    if values.size != 2 * count:
        raise MalformedResponseError(f"{TIME_COLUMN} holds {values.size} values for {count} features")
    pairs = values.reshape(count, 2)
    return pairs[:, 0].copy(), pairs[:, 1].copy()


_native = {"int": pa.types.is_integer, "category": pa.types.is_integer, "float": pa.types.is_floating,
           "bool": pa.types.is_boolean, "text": lambda t: pa.types.is_string(t) or pa.types.is_large_string(t)}


def _values(array: pa.Array, kind: str) -> List[Any]:
    if kind == "dateTime":
        if pa.types.is_date64(array.type) or pa.types.is_timestamp(array.type):
            array = array.cast(pa.int64())
        return [ms_to_datetime(v) for v in array.to_pylist()]
    values = array.to_pylist()
    if _native.get(kind, lambda _t: False)(array.type):  # already Python ints/floats/bools/strs or None
        return values
    if kind == "int" or kind == "category":
        return [None if v is None else int(v) for v in values]
    if kind == "float":
        return [None if v is None else float(v) for v in values]
    if kind == "bool":
        return [None if v is None else bool(v) for v in values]
    return [None if v is None else str(v) for v in values]


def _vector_params(workflow: Any, query: QueryRectangle) -> dict:
    descriptor = workflow._require_vector()
    if not isinstance(query, QueryRectangle):
        raise InputError(f"expected a QueryRectangle, got {type(query).__name__}", field="query_rectangle")
    srs = descriptor.spatial_reference
    if srs and query.srs != srs:
        raise InputError(f"streams take bounds in the workflow's CRS {srs}, the query is in {query.srs}; "
                         "transform the bounds first", field="query_rectangle.srs")
    return {"resultType": "arrow", "spatialBounds": query.bbox_str, "timeInterval": query.time_str}


def _record_batches(workflow: Any, query: QueryRectangle, open_timeout: float,
                    progress: Optional[ProgressCallback], cancelled: Optional[CancelCheck]) -> Iterator[pa.RecordBatch]:
    params = _vector_params(workflow, query)
    done = 0
    for message in open_stream(workflow, "vectorStream", params, open_timeout, cancelled, MAX_BATCH_BYTES):
        batch = RasterStreamProcessing.read_arrow_ipc(message)
        done += 1
        if progress is not None:
            progress(done, None)  # the number of batches is not known up front
        yield batch


def declared_column_types(workflow: Any) -> Dict[str, str]:
    """Column name -> Geo Engine column type, from the workflow's result descriptor."""
    return {name: info.data_type.value for name, info in workflow._require_vector().columns.items()}


def stream_vector_record_batches(
    workflow: Any,
    query_rectangle: QueryRectangle,
    progress: Optional[ProgressCallback] = None,
    cancelled: Optional[CancelCheck] = None,
    open_timeout: float = DEFAULT_OPEN_TIMEOUT,
) -> Iterator[pa.RecordBatch]:
    """The stream's validated Arrow record batches as they arrive, undecoded (for column-wise consumers such as
    :mod:`.flatgeobuf`); see :func:`stream_vector_batches` for the arguments."""
    yield from _record_batches(workflow, query_rectangle, open_timeout, progress, cancelled)


def stream_vector_batches(
    workflow: Any,
    query_rectangle: QueryRectangle,
    progress: Optional[ProgressCallback] = None,
    cancelled: Optional[CancelCheck] = None,
    open_timeout: float = DEFAULT_OPEN_TIMEOUT,
) -> Iterator[FeatureBatch]:
    """The workflow's features for the query, one :class:`FeatureBatch` per stream message.

    ``progress(batches done, None)`` after each batch; ``cancelled()`` is polled while waiting.
    """
    declared = declared_column_types(workflow)
    for batch in _record_batches(workflow, query_rectangle, open_timeout, progress, cancelled):
        yield FeatureBatch.from_record_batch(batch, declared)


def _require_geopandas() -> tuple[Any, Any]:
    try:
        import geopandas
        import pandas
    except ImportError:
        raise MissingDependencyError("geopandas", "Vector streams as GeoDataFrames") from None
    return geopandas, pandas


def _time_series(pd: Any, ms: np.ndarray) -> Any:
    """UTC times: ``datetime64[ms]`` (pandas 2+, keeps the beginning/end of time); pandas 1 clamps to ns range."""
    if int(pd.__version__.split(".")[0]) >= 2:
        return pd.Series(ms.astype("datetime64[ms]")).dt.tz_localize("UTC")
    lo, hi = pd.Timestamp.min.value // 1_000_000 + 1, pd.Timestamp.max.value // 1_000_000
    return pd.Series(np.clip(ms, lo, hi).astype("datetime64[ms]").astype("datetime64[ns]")).dt.tz_localize("UTC")


def batch_to_geodataframe(batch: FeatureBatch, time_start_column: str = "time_start",
                          time_end_column: str = "time_end") -> Any:
    """A ``GeoDataFrame``: geometry from WKT, CRS from the batch, attribute columns, UTC time columns."""
    gpd, pd = _require_geopandas()
    frame = batch.record_batch.drop_columns([c for c in (GEOMETRY_COLUMN, TIME_COLUMN)
                                             if c in batch.record_batch.schema.names]).to_pandas()
    geometry = gpd.GeoSeries.from_wkt(pd.Series(batch.wkt, dtype=object))
    result = gpd.GeoDataFrame(frame, geometry=geometry, crs=batch.spatial_reference or None)
    result[time_start_column] = _time_series(pd, batch.time_start_ms)
    result[time_end_column] = _time_series(pd, batch.time_end_ms)
    return result


def vector_stream(
    workflow: Any,
    query_rectangle: QueryRectangle,
    time_start_column: str = "time_start",
    time_end_column: str = "time_end",
    open_timeout: float = DEFAULT_OPEN_TIMEOUT,
    progress: Optional[ProgressCallback] = None,
    cancelled: Optional[CancelCheck] = None,
) -> Iterator[Any]:
    """One ``GeoDataFrame`` per stream message (needs geopandas; checked before any request)."""
    _require_geopandas()
    for batch in stream_vector_batches(workflow, query_rectangle, progress, cancelled, open_timeout):
        yield batch_to_geodataframe(batch, time_start_column, time_end_column)


def vector_stream_into_geopandas(
    workflow: Any,
    query_rectangle: QueryRectangle,
    time_start_column: str = "time_start",
    time_end_column: str = "time_end",
    open_timeout: float = DEFAULT_OPEN_TIMEOUT,
    progress: Optional[ProgressCallback] = None,
    cancelled: Optional[CancelCheck] = None,
) -> Any:
    """All batches concatenated into one ``GeoDataFrame`` (index 0..n-1). Holds the whole result."""
    gpd, pd = _require_geopandas()
    frames = list(vector_stream(workflow, query_rectangle, time_start_column, time_end_column, open_timeout,
                                progress, cancelled))
    if not frames:
        raise MalformedResponseError("the vector stream returned no batch")
    if len(frames) == 1:
        return frames[0]
    return gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), crs=frames[0].crs)
