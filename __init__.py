"""Geo Engine Workflows: a QGIS plugin for Geo Engine servers.

QGIS imports this package and calls :func:`classFactory` while it starts. Nothing here imports
the network client, reads credentials or opens a connection: the plugin class is imported only
when QGIS asks for it.
"""

from __future__ import annotations


def classFactory(iface):  # noqa: N802 - the name QGIS looks for
    """Return the plugin instance for the QGIS interface ``iface``."""
    from .plugin import GeoEnginePlugin

    return GeoEnginePlugin(iface)
