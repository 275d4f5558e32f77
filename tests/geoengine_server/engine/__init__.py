"""Computation on the Geo Engine test data: operators, sources and plots (no HTTP here).

``initialize(workflow, catalog)`` turns a workflow JSON into a Raster/Vector/PlotOperator
(see ``types.py``) or raises ``EngineError``.
"""

from .types import EngineError  # noqa: F401
