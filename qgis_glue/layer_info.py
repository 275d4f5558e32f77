"""Which Geo Engine workflow a QGIS layer shows (from the custom properties the loader wrote).

:func:`geoengine_query` reads the :class:`~.query.LayerQuery` of a layer or returns ``None``;
:func:`require_geoengine_layer` turns "no layer" and "not a Geo Engine layer" into one clear error.
"""

from __future__ import annotations

from typing import Optional

from ..core.errors import InputError
from .i18n import QT_TR_NOOP
from .query import LayerQuery

NO_LAYER = QT_TR_NOOP("Select a layer that was added from Geo Engine (Add workflow layer) first.")


class NoGeoEngineLayer(InputError):
    """The action needs a layer the plugin added, and there is none selected."""


def geoengine_query(layer) -> Optional[LayerQuery]:
    """The query stored on ``layer`` (``None`` for no layer, a deleted one, or a layer from elsewhere)."""
    if layer is None:
        return None
    try:
        return LayerQuery.from_layer(layer)
    except (RuntimeError, ValueError):  # a deleted C++ layer, or hand-edited properties
        return None


def require_geoengine_layer(layer, kind: Optional[str] = None) -> LayerQuery:
    """The layer's query; :class:`NoGeoEngineLayer` if there is none (or it is not of ``kind``)."""
    query = geoengine_query(layer)
    if query is None:
        name = _layer_name(layer)
        raise NoGeoEngineLayer(f"{name} was not added from Geo Engine. {NO_LAYER}" if name else NO_LAYER)
    if kind is not None and query.kind and query.kind != kind:
        raise NoGeoEngineLayer(f"this needs a Geo Engine {kind} layer; {_layer_name(layer)} is a {query.kind} layer")
    return query


def _layer_name(layer) -> str:
    try:
        return f"Layer '{layer.name()}'" if layer is not None else ""
    except RuntimeError:
        return ""
