"""Workflows the bundled server knows from the start, so the IDs in the README, the plugin's placeholders and
the Processing help can be pasted into a freshly started server. A real Geo Engine keeps registered workflows in
its database across restarts; our server keeps them in memory, so it registers these at every start."""

from __future__ import annotations

import logging

log = logging.getLogger("geoengine_server")

NDVI = {"type": "Raster", "operator": {"type": "GdalSource", "params": {"data": "ndvi"}}}
PORTS = {"type": "Vector", "operator": {"type": "OgrSource", "params": {"data": "ne_10m_ports"}}}
NDVI_HISTOGRAM = {"type": "Plot", "operator": {
    "type": "Histogram",
    "params": {"bounds": {"min": 0.0, "max": 255.0}, "buckets": {"type": "number", "value": 16}},
    "sources": {"source": NDVI["operator"]}}}

EXAMPLES = {"NDVI": NDVI, "Natural Earth 10m Ports": PORTS, "NDVI histogram": NDVI_HISTOGRAM}


def register_examples(registry) -> dict:
    """Register :data:`EXAMPLES` in ``registry`` (a WorkflowRegistry); returns ``{name: workflow id}``. An example
    whose data is missing (``GEOENGINE_TEST_DATA`` names another copy) is left out."""
    from .errors import ApiError

    registered = {}
    for name, workflow in EXAMPLES.items():
        try:
            registered[name] = registry.register(workflow)[0]
        except ApiError as exc:
            log.warning("example workflow %s not registered: %s", name, exc)
    return registered
