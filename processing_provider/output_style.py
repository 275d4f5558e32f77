"""Outputs that QGIS loads after a run look like the dialog's layers: same styling, properties and metadata.

The dialog's :func:`~..qgis_glue.layers.build_layers` makes a template layer from the fetched result (on the
output file for rasters; an empty memory layer for vectors) on the main thread, when Processing loads the
output; its style (renderer, temporal settings, ``geoengine/...`` custom properties) and metadata are copied
onto the loaded layer. Nothing is styled when the output is not loaded (models, ``qgis_process``).
"""

from __future__ import annotations

import dataclasses
from typing import Any, List

from qgis.core import (
    QgsMapLayer,
    QgsMapLayerStyle,
    QgsProcessingContext,
    QgsProcessingFeedback,
    QgsProcessingLayerPostProcessorInterface,
)

KEEP_ALIVE = 32  # post-processors QGIS has not called yet must stay referenced from Python


def style_like_the_dialog(layer: QgsMapLayer, fetched: Any) -> None:
    """Main thread: copy the dialog layer's style, custom properties and metadata onto ``layer``."""
    from ..qgis_glue.layers import build_layers

    templates, _styling = build_layers(fetched)
    if not templates:
        return
    template = templates[0]
    style = QgsMapLayerStyle()
    style.readFromLayer(template)
    style.writeToLayer(layer)
    for key in template.customPropertyKeys():
        if key.startswith("geoengine/"):
            layer.setCustomProperty(key, template.customProperty(key))
    layer.setMetadata(template.metadata())


class DialogStyle(QgsProcessingLayerPostProcessorInterface):
    """Applies :func:`style_like_the_dialog` to a loaded output."""

    _alive: List[DialogStyle] = []

    def __init__(self, fetched: Any) -> None:
        super().__init__()
        self.fetched = fetched
        self.applied = False

    def postProcessLayer(self, layer: QgsMapLayer, context: QgsProcessingContext,  # noqa: N802 - QGIS API
                         feedback: QgsProcessingFeedback) -> None:
        try:
            style_like_the_dialog(layer, self.fetched)
            self.applied = True
        except Exception as exc:  # noqa: BLE001 - styling is a bonus; the output itself is fine
            feedback.pushInfo(f"The Geo Engine style could not be applied: {exc}")

    @classmethod
    def attach(cls, context: QgsProcessingContext, destination: str, fetched: Any) -> bool:
        """Style ``destination`` when Processing loads it; True if it will be loaded."""
        if not destination or not context.willLoadLayerOnCompletion(destination):
            return False
        processor = cls(fetched)
        cls._alive = (cls._alive + [processor])[-KEEP_ALIVE:]
        context.layerToLoadOnCompletionDetails(destination).setPostProcessor(processor)
        return True


def for_raster_output(fetched: Any, path: str, chosen: Any) -> Any:
    """The fetched raster with only the written slice, at the output path (the job folder is gone)."""
    written = dataclasses.replace(chosen, path=path)
    return dataclasses.replace(fetched, slices=[written], folder=None)


def for_vector_output(fetched: Any) -> Any:
    """The fetched vector without its features (the template layer needs only fields, style and time)."""
    return dataclasses.replace(fetched, batches=[])
