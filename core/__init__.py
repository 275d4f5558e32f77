"""Pure-Python Geo Engine client (no QGIS, no Qt): sessions, workflows, OGC calls, tasks, quota.

The public names mirror the official ``geoengine`` client's ``workflow`` module; see :mod:`.workflow`.
"""

from __future__ import annotations

from .errors import *  # noqa: F401,F403
from .session import Session, get_session, initialize, reset  # noqa: F401
from .types import (  # noqa: F401
    BoundingBox2D,
    GeoTransform,
    QueryRectangle,
    RasterQueryRectangle,
    SpatialPartition2D,
    SpatialResolution,
    TimeInterval,
    WorkflowId,
)
from .workflow import Workflow, register_workflow, workflow_by_id  # noqa: F401
