"""Enum values that moved between QGIS 3.22 and QGIS 4 (``Qgis.*`` scoped enums, Qt 6's QMetaType).

Each value is looked up under its QGIS 4 name first and under the 3.22 class-scoped name otherwise.
"""

from __future__ import annotations

from typing import Any, Callable

from qgis.core import Qgis, QgsProcessing, QgsProcessingParameterDefinition, QgsProcessingParameterNumber, QgsWkbTypes
from qgis.PyQt.QtCore import QMetaType, QVariant


def _pick(new: Callable[[], Any], old: Callable[[], Any]) -> Any:
    try:
        return new()
    except AttributeError:
        return old()


NO_GEOMETRY = _pick(lambda: Qgis.WkbType.NoGeometry, lambda: QgsWkbTypes.Type.NoGeometry)
INTEGER = _pick(lambda: Qgis.ProcessingNumberParameterType.Integer,
                lambda: QgsProcessingParameterNumber.Type.Integer)
DOUBLE = _pick(lambda: Qgis.ProcessingNumberParameterType.Double, lambda: QgsProcessingParameterNumber.Type.Double)
VECTOR_ANY_GEOMETRY = _pick(lambda: Qgis.ProcessingSourceType.VectorAnyGeometry,
                            lambda: QgsProcessing.SourceType.TypeVectorAnyGeometry)
VECTOR_TABLE = _pick(lambda: Qgis.ProcessingSourceType.Vector, lambda: QgsProcessing.SourceType.TypeVector)
ADVANCED = _pick(lambda: Qgis.ProcessingParameterFlag.Advanced,
                 lambda: QgsProcessingParameterDefinition.Flag.FlagAdvanced)
STRING_FIELD = _pick(lambda: QVariant.Type.String, lambda: QMetaType.Type.QString)
