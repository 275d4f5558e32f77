"""Worker thread: a streamed vector result as a QGIS layer, sized by what arrives.

Small results (and any that are not all single points) become memory layers as before
(:class:`~.vector_layers.WorkerLayerBuilder`). A point result of :data:`FILE_LAYER_MIN_FEATURES` features or more
becomes an indexed FlatGeobuf file in the job's temporary folder (:mod:`..core.flatgeobuf`), opened through OGR:
a million points take about the time the stream takes to arrive instead of half a minute of ``QgsFeature``
building and memory-provider indexing (BENCHMARKS.md, case 5). The file layer has the same fields, types, CRS
and time fields as the memory layer would; it is read-only (save it as another format to edit). Projects keep
it like a streamed GeoTIFF: copied next to the project on save, or written as an empty memory layer that is
fetched again on open when files are not kept (:mod:`.project_state`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Dict, List, Optional

from qgis.core import QgsVectorLayer

from ..core.descriptors import VectorDataType, VectorResultDescriptor
from ..core.errors import MalformedResponseError
from .vector_layers import FieldPlan, WorkerLayerBuilder

FILE_LAYER_MIN_FEATURES = 100_000  # from here on a point result is written to a file (a memory layer stalls)
FILE_MODE = "flatgeobuf"  # LayerQuery.mode of such a layer ("memory" for memory layers)


def file_columns(plan: FieldPlan) -> List[Any]:
    """The file's attributes: the planned columns, then the time fields (from the stream's ``__time``)."""
    from ..core.flatgeobuf import Column

    columns = [Column(name, plan.types[name].value, name) for name in plan.columns]
    if plan.time_start_field:
        columns.append(Column(plan.time_start_field, "dateTime", "__time_start"))
        columns.append(Column(plan.time_end_field, "dateTime", "__time_end"))
    return columns


class StreamLayerBuilder:
    """Takes the stream's Arrow record batches as they arrive (:meth:`add`) and makes the layer (:meth:`finish`):
    a FlatGeobuf file layer for big point results, else a memory layer.

    ``folder()`` gives the job folder for the file (called only when a file is written); ``declared`` the column
    types of the result descriptor; ``min_features`` the size from which a point result goes to a file (default
    :data:`FILE_LAYER_MIN_FEATURES`, read when the builder is made).
    """

    def __init__(self, descriptor: VectorResultDescriptor, plan: FieldPlan, name: str,
                 folder: Optional[Callable[[], Path]], declared: Dict[str, str],
                 min_features: Optional[int] = None) -> None:
        self.descriptor, self.plan, self.name = descriptor, plan, name
        self._folder, self._declared = folder, declared
        self._min_features = FILE_LAYER_MIN_FEATURES if min_features is None else min_features
        self._batches: list = []
        self.count = 0
        self.path: Optional[Path] = None  # the file, once written
        self._writer = None
        if folder is not None and descriptor.data_type == VectorDataType.MULTI_POINT:
            from ..core.flatgeobuf import PointFileWriter
            from ..core.gdal_types import srs_wkt

            srs = descriptor.spatial_reference or ""
            self._writer = PointFileWriter(file_columns(plan), srs, name, srs_wkt(srs) if srs else "")

    @property
    def as_file(self) -> bool:
        """Whether :meth:`finish` writes a file (so far)."""
        return self._writer is not None and self.count >= self._min_features

    def add(self, record_batch: Any) -> None:
        """One stream message (a validated ``pyarrow.RecordBatch``)."""
        if self._writer is not None:
            from ..core.flatgeobuf import NotSinglePoints

            try:
                self._writer.add(record_batch)
            except NotSinglePoints:
                self._writer = None  # e.g. a multi-point feature: the memory layer takes everything
        self._batches.append(record_batch)
        self.count += record_batch.num_rows

    def finish(self) -> QgsVectorLayer:
        """The layer, not yet in a project (the loader styles it and moves it to the main thread)."""
        if self.as_file:
            return self._file_layer()
        from ..core.vector_stream import FeatureBatch

        builder = WorkerLayerBuilder(self.descriptor, self.plan, self.name)
        batches, self._batches = self._batches, []
        for record_batch in batches:
            builder.add(FeatureBatch.from_record_batch(record_batch, self._declared))
        return builder.finish()

    def _file_layer(self) -> QgsVectorLayer:
        from ..core.flatgeobuf import NotSinglePoints
        from .tempfiles import safe_stem

        folder = Path(self._folder())
        path = folder / f"{safe_stem(self.name, 'features')}.fgb"
        self._batches = []  # the writer holds what it needs
        try:
            self._writer.write(path)
        except NotSinglePoints as exc:  # cannot happen after add() accepted every batch
            raise MalformedResponseError(str(exc)) from None
        self._writer = None
        self.path = path
        layer = QgsVectorLayer(str(path), self.name, "ogr")
        if not layer.isValid():
            raise MalformedResponseError(f"QGIS could not open the written file {path.name} for {self.name!r}")
        return layer
