"""What a vector layer must contain, read from the data file with OGR (never with the plugin's code).

``assert_rows_match(layer, path, bounds)`` compares every feature of a QGIS layer (memory or file) with the
source file's features in ``bounds``: all attribute columns the layer shares with the file, and the geometry
(normalised to multi-part WKT with 6 decimals). Rows are compared as sorted lists, so order does not matter
but a value moved to another feature, a shifted vertex or a lost column does.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import List, Optional, Sequence, Tuple

from osgeo import ogr
from qgis.core import QgsGeometry
from qgis.PyQt.QtCore import QDateTime, QVariant

TIME_FIELDS = ("time_start", "time_end")


def _plain(value):
    if value is None or (isinstance(value, QVariant) and value.isNull()):
        return None
    if isinstance(value, QDateTime):
        return value.toString("yyyy-MM-dd HH:mm:ss") if value.isValid() else None
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _wkt(geometry: QgsGeometry) -> str:
    if geometry.isNull():
        return ""
    geometry = QgsGeometry(geometry)
    if not geometry.isMultipart():
        geometry.convertToMultiType()
    return geometry.asWkt(6)


def layer_rows(layer, columns: Sequence[str]) -> List[Tuple]:
    """(geometry WKT, attribute values...) of every feature of a QGIS vector layer, sorted."""
    return sorted(((_wkt(f.geometry()), *(_plain(f[name]) for name in columns)) for f in layer.getFeatures()),
                  key=repr)


def ogr_rows(path, columns: Sequence[str], bounds: Optional[Sequence[float]] = None, within=None) -> List[Tuple]:
    """The same rows read from a data file with OGR, optionally only those intersecting ``bounds`` or the OGR
    geometry ``within``."""
    dataset = ogr.Open(str(path))
    source = dataset.GetLayer(0)
    if bounds is not None:
        source.SetSpatialFilterRect(*bounds)
    if within is not None:
        source.SetSpatialFilter(within)
    rows = []
    for feature in source:
        ref = feature.GetGeometryRef()
        geometry = QgsGeometry.fromWkt(ref.ExportToWkt()) if ref is not None else QgsGeometry()
        values = []
        for name in columns:
            index = feature.GetFieldIndex(name)
            values.append(None if index < 0 or not feature.IsFieldSetAndNotNull(index) else _plain(
                _ogr_value(feature, index)))
        rows.append((_wkt(geometry), *values))
    dataset = None
    return sorted(rows, key=repr)


def _ogr_value(feature, index):
    if feature.GetFieldDefnRef(index).GetType() in (ogr.OFTDateTime, ogr.OFTDate):
        parts = feature.GetFieldAsDateTime(index)  # [y, m, d, H, M, S(float), tz]
        return dt.datetime(*parts[:5], int(parts[5]))
    return feature.GetField(index)


def data_columns(layer) -> List[str]:
    """The layer's attribute columns apart from the plugin's validity fields."""
    return [f.name() for f in layer.fields() if f.name() not in TIME_FIELDS and f.name() != "fid"]


def assert_rows_match(layer, path: Path, bounds: Optional[Sequence[float]] = None,
                      columns: Optional[Sequence[str]] = None, within=None) -> int:
    """Every feature's geometry and attributes equal the data file's; returns the number of rows compared."""
    columns = list(columns) if columns is not None else data_columns(layer)
    got, expected = layer_rows(layer, columns), ogr_rows(path, columns, bounds, within)
    assert len(got) == len(expected), (len(got), len(expected))
    for mine, truth in zip(got, expected):
        assert mine == truth, f"columns {['geometry', *columns]}:\n layer {mine}\n file  {truth}"
    return len(got)
