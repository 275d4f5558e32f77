"""QGIS enum values that moved between QGIS 3.22 and 4.x, resolved once at import.

QGIS 3.22 has class-level unscoped enums (``QgsColorRampShader.Interpolated``); later 3.x versions add scoped
``Qgis.*`` enums and QGIS 4 (PyQt6) drops the unscoped names. :func:`pick` takes the newest spelling the running
QGIS has, so the setters of the same QGIS version receive the type they expect.
"""

from __future__ import annotations

from typing import Any, Tuple

from qgis.core import (
    Qgis,
    QgsColorRampShader,
    QgsContrastEnhancement,
    QgsPalLayerSettings,
    QgsRasterBandStats,
    QgsRasterLayerTemporalProperties,
    QgsSymbolLayer,
    QgsUnitTypes,
    QgsVectorFileWriter,
    QgsVectorLayerTemporalProperties,
    QgsWkbTypes,
)
from qgis.PyQt.QtCore import QMetaType, QVariant


def pick(*candidates: Tuple[Any, str]) -> Any:
    """The first ``(owner, "Dotted.Name")`` that exists; AttributeError naming all of them otherwise."""
    for owner, path in candidates:
        value = owner
        try:
            for part in path.split("."):
                value = getattr(value, part)
        except AttributeError:
            continue
        return value
    names = ", ".join(f"{getattr(owner, '__name__', owner)}.{path}" for owner, path in candidates)
    raise AttributeError(f"none of these QGIS names exists: {names}")


INTERPOLATED = pick((Qgis, "ShaderInterpolationMethod.Linear"), (QgsColorRampShader, "Type.Interpolated"))
STRETCH_MIN_MAX = pick((QgsContrastEnhancement, "ContrastEnhancementAlgorithm.StretchToMinimumMaximum"))
STATS_MIN_MAX = (pick((Qgis, "RasterBandStatistic.Min"), (QgsRasterBandStats, "Stats.Min"))
                 | pick((Qgis, "RasterBandStatistic.Max"), (QgsRasterBandStats, "Stats.Max")))
POINT_GEOMETRY = pick((Qgis, "GeometryType.Point"), (QgsWkbTypes, "GeometryType.PointGeometry"))
RASTER_FIXED_RANGE = pick((Qgis, "RasterTemporalMode.FixedTemporalRange"),
                          (QgsRasterLayerTemporalProperties, "ModeFixedTemporalRange"))
VECTOR_START_END_FIELDS = pick((Qgis, "VectorTemporalMode.FeatureDateTimeStartAndEndFromFields"),
                               (QgsVectorLayerTemporalProperties, "ModeFeatureDateTimeStartAndEndFromFields"))
VECTOR_START_END_EXPRESSIONS = pick((Qgis, "VectorTemporalMode.FeatureDateTimeStartAndEndFromExpressions"),
                                    (QgsVectorLayerTemporalProperties,
                                     "ModeFeatureDateTimeStartAndEndFromExpressions"))
RASTER_PROVIDER_RANGE = pick((Qgis, "RasterTemporalMode.TemporalRangeFromDataProvider"),
                             (QgsRasterLayerTemporalProperties, "ModeTemporalRangeFromDataProvider"))
WRITER_NO_ERROR = pick((QgsVectorFileWriter, "WriterError.NoError"), (QgsVectorFileWriter, "NoError"))


def field_type(name: str) -> Any:
    """``QVariant.<name>`` where QgsField takes QVariant types (QGIS 3), else ``QMetaType.Type.<name>``."""
    return pick((QVariant, name), (QMetaType, f"Type.{name}"))
FILL_COLOR = pick((QgsSymbolLayer, "Property.FillColor"), (QgsSymbolLayer, "Property.PropertyFillColor"))
STROKE_COLOR = pick((QgsSymbolLayer, "Property.StrokeColor"), (QgsSymbolLayer, "Property.PropertyStrokeColor"))
STROKE_WIDTH = pick((QgsSymbolLayer, "Property.StrokeWidth"), (QgsSymbolLayer, "Property.PropertyStrokeWidth"))
MARKER_SIZE = pick((QgsSymbolLayer, "Property.Size"), (QgsSymbolLayer, "Property.PropertySize"))
LABEL_COLOR = pick((QgsPalLayerSettings, "Property.Color"))
LABEL_BUFFER_COLOR = pick((QgsPalLayerSettings, "Property.BufferColor"))
LINE_GEOMETRY = pick((Qgis, "GeometryType.Line"), (QgsWkbTypes, "GeometryType.LineGeometry"))
POLYGON_GEOMETRY = pick((Qgis, "GeometryType.Polygon"), (QgsWkbTypes, "GeometryType.PolygonGeometry"))
RENDER_PIXELS = pick((Qgis, "RenderUnit.Pixels"), (QgsUnitTypes, "RenderUnit.RenderPixels"))
