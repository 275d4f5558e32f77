"""Extents: a rectangle in some CRS (canvas, layer, drawn) -> bounds in the workflow's CRS, clipped to its data."""

from __future__ import annotations

import math
from typing import Optional, Tuple

from qgis.core import (
    QgsCoordinateReferenceSystem,
    QgsCoordinateTransform,
    QgsCoordinateTransformContext,
    QgsCsException,
    QgsRectangle,
)

from ..core.errors import InputError

Bounds = Tuple[float, float, float, float]


def crs_for(srs: str) -> QgsCoordinateReferenceSystem:
    """QGIS CRS for a Geo Engine ``AUTHORITY:CODE`` string; :class:`InputError` when QGIS does not know it."""
    crs = QgsCoordinateReferenceSystem(srs)
    if not srs or not crs.isValid():
        raise InputError(f"QGIS does not know the workflow's CRS {srs!r}", field="crs")
    return crs


def to_workflow_bounds(
    rectangle: QgsRectangle,
    rectangle_crs: QgsCoordinateReferenceSystem,
    workflow_srs: str,
    context: Optional[QgsCoordinateTransformContext] = None,
    clip_to: Optional[Bounds] = None,
) -> Bounds:
    """``rectangle`` (in ``rectangle_crs``) as (xmin, ymin, xmax, ymax) in the workflow's CRS.

    The bounding box of the transformed rectangle (edges densified by QGIS) is used. With ``clip_to`` the
    result is intersected with the data's bounds; no overlap is an :class:`InputError` naming the extent.
    Safe on worker threads (pass a copy of the project's transform context).
    """
    if rectangle is None or rectangle.isEmpty() or not all(
            math.isfinite(v) for v in (rectangle.xMinimum(), rectangle.yMinimum(),
                                       rectangle.xMaximum(), rectangle.yMaximum())):
        raise InputError("the extent is empty; choose an extent with a width and a height", field="extent")
    target = crs_for(workflow_srs)
    if not rectangle_crs.isValid():
        raise InputError("the extent has no valid CRS", field="extent")
    result = QgsRectangle(rectangle)
    if rectangle_crs != target:
        transform = QgsCoordinateTransform(rectangle_crs, target, context or QgsCoordinateTransformContext())
        try:
            result = transform.transformBoundingBox(rectangle)
        except QgsCsException as exc:
            raise InputError(f"the extent cannot be transformed to {workflow_srs}: {exc}", field="extent") from None
    if clip_to is not None:
        data = QgsRectangle(*clip_to)
        if not result.intersects(data):
            raise InputError(f"the extent does not overlap the workflow's data ({format_bounds(clip_to)} in "
                             f"{workflow_srs})", field="extent")
        result = result.intersect(data)
    bounds = (result.xMinimum(), result.yMinimum(), result.xMaximum(), result.yMaximum())
    if bounds[2] <= bounds[0] or bounds[3] <= bounds[1]:
        raise InputError("the extent has no area in the workflow's CRS", field="extent")
    return bounds


def format_bounds(bounds: Bounds) -> str:
    return ", ".join(f"{v:.6g}" for v in bounds)
