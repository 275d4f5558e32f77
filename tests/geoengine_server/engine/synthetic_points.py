"""``synthetic_points``: one million generated points with typed attributes and monthly times, for scale tests.

Point ``i`` (0 <= i < 1 000 000), EPSG:4326, computed on demand and never stored:

* position: the R2 low-discrepancy sequence, rounded to 6 decimals:
  ``x = round(-180 + 360 * frac(0.5 + i * A1), 6)``, ``y = round(-90 + 180 * frac(0.5 + i * A2), 6)``
  (``A1 = 0.7548776662466927``, ``A2 = 0.5698402909980532``);
* ``id`` (int) = i, ``value`` (float) = (i % 1000) / 4, ``kind`` (text) = ``KINDS[i % 4]``;
* time: month ``i % 12`` of 2014, ``[first day, first day of the next month)`` UTC.

Read through ``OgrSource`` with ``"data": "synthetic_points"``. Streams use :meth:`SyntheticPoints.arrow_messages`
(pyarrow all the way, no per-feature Python); WFS goes through :meth:`SyntheticPoints.query`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from ..catalog import Dataset
from . import descriptors
from .types import BBox, FeatureCollection, TimeInterval, VectorOperator

NAME = "synthetic_points"
COUNT = 1_000_000
A1, A2 = 0.7548776662466927, 0.5698402909980532
KINDS = ("harbour", "station", "tower", "well")
ROW_BYTES = 80  # estimated Arrow bytes per feature (WKT ~40, time 16, three columns)
MONTH_STARTS = np.array(
    [int(dt.datetime(2014 + m // 12, m % 12 + 1, 1, tzinfo=dt.timezone.utc).timestamp() * 1000) for m in range(13)],
    np.int64,
)


def definition() -> dict:
    """The dataset definition, in the shape of the files in ``dataset_defs``."""
    return {
        "properties": {
            "name": NAME,
            "displayName": "Synthetic points (1 million, procedural)",
            "description": "One million generated points (R2 sequence) with id, value, kind and a month of 2014.",
            "sourceOperator": "OgrSource",
        },
        "metaData": {
            "type": "SyntheticVector",
            "resultDescriptor": {
                "dataType": "MultiPoint",
                "spatialReference": "EPSG:4326",
                "columns": {
                    "id": {"dataType": "int", "measurement": {"type": "unitless"}},
                    "value": {"dataType": "float", "measurement": {"type": "unitless"}},
                    "kind": {"dataType": "text", "measurement": {"type": "unitless"}},
                },
                "time": {"start": "2014-01-01T00:00:00.000Z", "end": "2015-01-01T00:00:00.000Z"},
                "bbox": {"lowerLeftCoordinate": {"x": -180.0, "y": -90.0},
                         "upperRightCoordinate": {"x": 180.0, "y": 90.0}},
            },
        },
    }


def synthetic_points_dataset(data_dir: Path) -> Dataset:
    return Dataset.from_definition(definition(), data_dir)


def points(index: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(x, y) of points ``index`` (the closed form above)."""
    i = np.asarray(index, np.float64)
    x = np.round(-180.0 + 360.0 * np.modf(0.5 + i * A1)[0], 6)
    y = np.round(-90.0 + 180.0 * np.modf(0.5 + i * A2)[0], 6)
    return x, y


class SyntheticPoints(VectorOperator):
    def __init__(self, dataset: Dataset):
        self.datasets = [dataset.name]
        self.descriptor = descriptors.vector_descriptor(dataset.meta["resultDescriptor"])

    def _select(self, bbox: BBox, time: TimeInterval) -> np.ndarray:
        index = np.arange(COUNT, dtype=np.int64)
        x, y = points(index)
        month = index % 12
        start, end = MONTH_STARTS[month], MONTH_STARTS[month + 1]
        if time.start == time.end:
            in_time = (start <= time.start) & (time.start < end)
        else:
            in_time = (start < time.end) & (time.start < end)
        keep = in_time & (x >= bbox.xmin) & (x <= bbox.xmax) & (y >= bbox.ymin) & (y <= bbox.ymax)
        return index[keep]

    def query(self, bbox: BBox, time: TimeInterval) -> FeatureCollection:
        from .wkt import number

        index = self._select(bbox, time)
        x, y = points(index)
        month = index % 12
        return FeatureCollection(
            [f"MULTIPOINT(({number(a)} {number(b)}))" for a, b in zip(x.tolist(), y.tolist())],
            MONTH_STARTS[month].tolist(),
            MONTH_STARTS[month + 1].tolist(),
            {"id": index.tolist(), "value": ((index % 1000) / 4).tolist(),
             "kind": [KINDS[k] for k in (index % 4).tolist()]},
        )

    def arrow_messages(self, bbox: BBox, time: TimeInterval, chunk_bytes: int) -> Iterator[memoryview]:
        """The stream's messages (the layout of ``arrow_codec.vector_batch_message``), built column-wise."""
        import pyarrow as pa
        import pyarrow.compute as pc

        from ..arrow_codec import TIME_TYPE, ipc_file

        index = self._select(bbox, time)
        rows = max(1, chunk_bytes // ROW_BYTES)
        kinds = pa.array(KINDS, pa.utf8())
        schema = pa.schema([pa.field("__geometry", pa.utf8()), pa.field("__time", TIME_TYPE),
                            pa.field("id", pa.int64()), pa.field("value", pa.float64()),
                            pa.field("kind", pa.utf8())], metadata={"spatialReference": "EPSG:4326"})
        for first in range(0, max(len(index), 1), rows):
            part = index[first:first + rows]
            x, y = points(part)
            wkt = pc.binary_join_element_wise("MULTIPOINT((", pc.cast(pa.array(x), pa.utf8()), " ",
                                              pc.cast(pa.array(y), pa.utf8()), "))", "")
            month = part % 12
            times = np.column_stack([MONTH_STARTS[month], MONTH_STARTS[month + 1]]).reshape(-1)
            arrays = [wkt, pa.FixedSizeListArray.from_arrays(pa.array(times, pa.int64()), 2),
                      pa.array(part, pa.int64()), pa.array((part % 1000) / 4, pa.float64()),
                      kinds.take(pa.array(part % 4))]
            yield ipc_file(pa.RecordBatch.from_arrays(arrays, schema=schema))
