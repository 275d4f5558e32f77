"""A Geo Engine 0.9.3/0.10-compatible server for tests, the demo and benchmarks.

Real HTTP and websockets (aiohttp), real computation with GDAL/OGR and numpy on the
Geo Engine test data. Start it with ``python -m geoengine_server`` or, in tests, with
:func:`geoengine_server.runner.start_server`.
"""

from .app import create_app
from .config import Faults, ServerConfig

__all__ = ["create_app", "Faults", "ServerConfig"]
