"""Computation on the Geo Engine test data: operators, sources and plots (no HTTP here).

Public API:

* ``normalize(workflow) -> dict``: the stored form the workflow id is hashed from;
  ``workflow_id(workflow) -> str`` computes that id (``normalized_id`` for an already normalised one).
* ``initialize(workflow, catalog)`` turns a workflow JSON into a Raster/Vector/PlotOperator
  (see ``types.py``) or raises ``EngineError``.
* ``tiling_origin``, ``tiles_for_bbox``, ``window_for_bbox``, ``TileSpec`` (tiling.py).
* ``reproject_features(fc, src, dst)``, ``transform_bbox(bbox, src, dst)`` (vectors, CRS).
"""

from __future__ import annotations

from . import (  # noqa: F401  (importing registers the operators)
    downsampling,
    expression,
    gdal_source,
    histogram,
    interpolation,
    mock_sources,
    ogr_source,
    point_in_polygon,
    raster_reprojection,
    raster_vector_join,
    stacker,
    statistics,
    type_conversion,
    vector_reprojection,
)
from .build import BuildContext, invalid_type, kind_of
from .crs import check_srs, transform_bbox
from .normalize import normalize, normalized_id, workflow_id
from .tiling import TileSpec, tiles_for_bbox, tiling_origin, window_for_bbox
from .types import EngineError, PlotOperator, RasterOperator, VectorOperator
from .vector_reprojection import reproject_features

__all__ = [
    "EngineError",
    "TileSpec",
    "check_srs",
    "initialize",
    "normalize",
    "normalized_id",
    "reproject_features",
    "tiles_for_bbox",
    "tiling_origin",
    "transform_bbox",
    "window_for_bbox",
    "workflow_id",
]


def initialize(workflow: dict, catalog) -> RasterOperator | VectorOperator | PlotOperator:
    """Validate and initialise a workflow like Geo Engine's registration does."""
    normalized = normalize(workflow)
    kind = normalized["type"]
    found = kind_of(normalized["operator"])
    if found is not None and found != kind:
        raise invalid_type(kind, found)
    return BuildContext(catalog).build(normalized["operator"], kind)
