"""Point an existing layer at new data without losing what the user sees: style, temporal settings, properties.

Used by the time-following raster layers (a month's GeoTIFF replaces the previous one) and by project
persistence (a copy next to the project, or a re-fetched file, replaces a temporary file). Main thread only.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

from qgis.core import (
    QgsDataProvider,
    QgsDateTimeRange,
    QgsProject,
    QgsRasterLayer,
    QgsVectorLayer,
)

from ..core.errors import MalformedResponseError
from .enums import RASTER_FIXED_RANGE, RASTER_PROVIDER_RANGE


def _options(project: Optional[QgsProject]) -> QgsDataProvider.ProviderOptions:
    options = QgsDataProvider.ProviderOptions()
    options.transformContext = (project or QgsProject.instance()).transformContext()
    return options


def swap_raster_source(layer: QgsRasterLayer, path: Path, project: Optional[QgsProject] = None,
                       keep_renderer: bool = True) -> None:
    """Make ``layer`` read the GeoTIFF at ``path`` (GDAL), keeping its renderer and temporal range.

    ``keep_renderer=False`` is for layers that were invalid (their renderer is a placeholder): QGIS then
    restores the style it read from the project, or sets its default.
    """
    renderer = layer.renderer().clone() if keep_renderer and layer.isValid() and layer.renderer() else None
    properties = layer.temporalProperties()
    temporal = (properties.isActive(), properties.mode(), properties.fixedTemporalRange())
    layer.setDataSource(str(path), layer.name(), "gdal", _options(project))
    if not layer.isValid():
        raise MalformedResponseError(f"QGIS cannot open the GeoTIFF {Path(path).name} for layer {layer.name()!r}")
    if renderer is not None:
        layer.setRenderer(renderer)
    set_temporal(layer, temporal[2] if temporal[1] == RASTER_FIXED_RANGE
                 else None, temporal[0])
    layer.triggerRepaint()


def set_temporal(layer: QgsRasterLayer, fixed: Optional[QgsDateTimeRange], active: bool = True) -> None:
    """A fixed temporal range (``None``: leave the mode alone) and whether the controller drives the layer."""
    properties = layer.temporalProperties()
    if fixed is not None:
        properties.setMode(RASTER_FIXED_RANGE)
        properties.setFixedTemporalRange(fixed)
    properties.setIsActive(active)


def swap_vector_source(layer: QgsVectorLayer, uri: str, provider: str = "ogr",
                       project: Optional[QgsProject] = None) -> None:
    """Make ``layer`` read ``uri`` (e.g. a GeoPackage written from it), keeping renderer and temporal settings."""
    renderer = layer.renderer().clone() if layer.renderer() else None
    properties = layer.temporalProperties()
    temporal = (properties.isActive(), properties.mode(), properties.startField(), properties.endField(),
                properties.startExpression(), properties.endExpression())
    layer.setDataSource(uri, layer.name(), provider, _options(project))
    if not layer.isValid():
        raise MalformedResponseError(f"QGIS cannot open {uri!r} for layer {layer.name()!r}")
    if renderer is not None:
        layer.setRenderer(renderer)
    properties = layer.temporalProperties()
    properties.setMode(temporal[1])
    properties.setStartField(temporal[2])
    properties.setEndField(temporal[3])
    properties.setStartExpression(temporal[4])
    properties.setEndExpression(temporal[5])
    properties.setIsActive(temporal[0])
    layer.triggerRepaint()


def swap_wms_source(layer: QgsRasterLayer, uri: str, project: Optional[QgsProject] = None) -> None:
    """Give a WMS layer a new URI (e.g. its WMS-T form), keeping its renderer; a temporal provider drives the
    layer's temporal properties as in a layer made from that URI."""
    renderer = layer.renderer().clone() if layer.isValid() and layer.renderer() else None
    layer.setDataSource(uri, layer.name(), "wms", _options(project))
    if not layer.isValid():
        raise MalformedResponseError(f"QGIS could not reopen the WMS layer {layer.name()!r} with time")
    if renderer is not None:
        layer.setRenderer(renderer)
    capabilities = layer.dataProvider().temporalCapabilities()
    if capabilities is not None and capabilities.hasTemporalCapabilities():  # a new layer would do this itself
        properties = layer.temporalProperties()
        properties.setDefaultsFromDataProviderTemporalCapabilities(capabilities)
        properties.setMode(RASTER_PROVIDER_RANGE)
        properties.setIsActive(True)
    layer.triggerRepaint()
