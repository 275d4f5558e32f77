"""QGIS glue between the pure-Python client in ``core`` and the QGIS desktop.

Connections and credentials (Auth Manager), the network request preprocessor, temporary files,
background tasks, dependency checks and user messages. Nothing here builds widgets.
"""
