"""The loader's fetch (``qgis_glue.layers``) for the algorithms that stream data, imported on first use.

Importing ``qgis_glue.layers`` lazily keeps the provider light. Without pyarrow or websockets its fetch loads
through WCS/WFS (``qgis_glue.ogc_fallback``); an ImportError of either package still becomes
:class:`~..core.errors.MissingDependencyError` naming it.
"""

from __future__ import annotations

from typing import Optional, Tuple

from qgis.core import QgsCoordinateReferenceSystem, QgsCoordinateTransformContext, QgsProcessingFeedback, QgsRectangle

from ..core.errors import MissingDependencyError
from .runtime import FeedbackContext

STREAM_PACKAGES = ("pyarrow", "websockets")


def layers_module(feature: str = "Geo Engine Processing streams"):
    """``qgis_glue.layers``; a missing pyarrow/websockets becomes MissingDependencyError."""
    try:
        from ..qgis_glue import layers
    except ImportError as exc:
        missing = (exc.name or "").split(".")[0]
        if missing in STREAM_PACKAGES:
            raise MissingDependencyError(missing, feature) from None
        raise
    return layers


def streamed_fetch(session, workflow_id: str, rectangle: QgsRectangle, crs: QgsCoordinateReferenceSystem,
                   time: Tuple[str, Optional[str]], connection_name: str, feedback: QgsProcessingFeedback,
                   progress_range: Tuple[float, float], transform_context: QgsCoordinateTransformContext,
                   tempdir=None, bands: Tuple[int, ...] = (), resolution=None):
    """Worker thread: the dialog's :func:`~..qgis_glue.layers.fetch` for one query (nothing added to a project)."""
    layers = layers_module()
    request = layers.LayerRequest(workflow_id, rectangle, crs, time[0], time[1], tuple(bands),
                                  connection_name=connection_name,
                                  options=layers.LayerOptions(add_to_project=False),
                                  **({} if resolution is None else {"resolution": resolution}))
    return layers.fetch(session, request, tempdir, FeedbackContext(feedback, *progress_range), transform_context)
