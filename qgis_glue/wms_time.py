"""Live WMS layers of Geo Engine time series as WMS-T layers, so QGIS itself sends the controller's time.

Geo Engine's GetCapabilities has no time ``<Dimension>``, so QGIS does not know the layer is temporal. The WMS
provider also takes the dimension from its URI: ``type=wmst``, ``timeDimensionExtent=<start>/<end>/<ISO step>``,
``temporalSource=provider``, ``allowTemporalUpdates=true``, and ``time=<start>/<end>`` for the time shown while
the Temporal Controller is off. With those, every GetMap carries ``TIME=`` = the time of the dimension closest
to the map's temporal range (checked against the test server: April and May render differently, April equals
the URI's fixed time). Nothing is fetched or cached by the plugin; the URI survives project files.
"""

from __future__ import annotations

import datetime as dt
from typing import Optional, Tuple

from qgis.core import QgsDataSourceUri, QgsMapLayer, QgsRasterLayer

from ..core.descriptors import TimeStep, TimeStepGranularity
from .query import LayerQuery, add_step, iso

WMST_KEYS = ("type", "timeDimensionExtent", "temporalSource", "allowTemporalUpdates", "time")
_DURATION = {
    TimeStepGranularity.YEARS: ("P", "Y"), TimeStepGranularity.MONTHS: ("P", "M"),
    TimeStepGranularity.DAYS: ("P", "D"), TimeStepGranularity.HOURS: ("PT", "H"),
    TimeStepGranularity.MINUTES: ("PT", "M"), TimeStepGranularity.SECONDS: ("PT", "S"),
}


def iso_duration(step: TimeStep) -> Optional[str]:
    """``P1M``, ``PT6H``...; ``None`` for milliseconds (no ISO 8601 duration QGIS reads)."""
    parts = _DURATION.get(step.granularity)
    return f"{parts[0]}{step.step}{parts[1]}" if parts else None


def _uri(layer_or_text) -> QgsDataSourceUri:
    uri = QgsDataSourceUri()
    text = layer_or_text.source() if isinstance(layer_or_text, QgsMapLayer) else str(layer_or_text)
    uri.setEncodedUri(text)
    return uri


def is_wmst(layer: QgsMapLayer) -> bool:
    return layer.providerType() == "wms" and _uri(layer).param("type") == "wmst"


def wms_candidate(layer: QgsMapLayer) -> bool:
    """A live WMS layer the plugin loaded that is not yet time-aware."""
    if not isinstance(layer, QgsRasterLayer) or layer.providerType() != "wms" or is_wmst(layer):
        return False
    query = LayerQuery.from_layer(layer)
    return query is not None and query.mode == "wms"


def slice_containing(moment: dt.datetime, origin: dt.datetime, step: TimeStep,
                     limit: int = 100_000) -> Tuple[dt.datetime, dt.datetime]:
    """The step [start, end) of the regular series from ``origin`` that contains ``moment`` (bounded search)."""
    start = origin
    end = add_step(origin, step)
    width = max((end - start).total_seconds(), 0.001)
    guess = int((moment - origin).total_seconds() // width)  # months/years vary: start near, then walk
    if guess > 1:
        start = add_step(origin, step, guess - 1)
        end = add_step(start, step)
    for _ in range(limit):
        if moment < start:
            start = add_step(start, step, -1)
        elif moment >= end:
            start = end
        else:
            return start, end
        end = add_step(start, step)
    raise ValueError(f"no time step of {step} from {iso(origin)} within {limit} steps of {iso(moment)}")


def wmst_uri(source: str, bounds: Tuple[dt.datetime, dt.datetime], step: TimeStep,
             shown: Tuple[dt.datetime, dt.datetime]) -> Optional[str]:
    """The WMS-T form of a plugin WMS URI (``time`` moved from the GetMap URL into the URI), or ``None``."""
    duration = iso_duration(step)
    if duration is None:
        return None
    uri = _uri(source)
    url = uri.param("url").split("?", 1)[0]
    for key in ("url",) + WMST_KEYS:
        uri.removeParam(key)
    uri.setParam("url", url)
    uri.setParam("type", "wmst")
    uri.setParam("timeDimensionExtent", f"{iso(bounds[0])}/{iso(bounds[1])}/{duration}")
    uri.setParam("temporalSource", "provider")
    uri.setParam("allowTemporalUpdates", "true")
    uri.setParam("time", f"{iso(shown[0])}/{iso(shown[1])}")
    return bytes(uri.encodedUri()).decode("utf-8")
