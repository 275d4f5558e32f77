"""Pure-Python Geo Engine client (no QGIS, no Qt): sessions, workflows, OGC calls, tasks, quota.

The public names mirror the official ``geoengine`` client's ``workflow`` module (0.10 aliases included:
``ProcessingGraph``, ``ProcessingGraphId``, ``register_processing_graph``, ``processing_graph_by_id``).
Streaming (``raster_stream``, ``vector_stream``) needs pyarrow and websockets and is imported lazily.
"""

from __future__ import annotations

from .colorizer import (  # noqa: F401
    ColorBreakpoint,
    Colorizer,
    LinearGradientColorizer,
    LogarithmicGradientColorizer,
    MultiBandRasterColorizer,
    PaletteColorizer,
    RasterColorizer,
    RasterSymbology,
    SingleBandRasterColorizer,
)
from .descriptors import (  # noqa: F401
    ClassificationMeasurement,
    ContinuousMeasurement,
    FeatureDataType,
    IrregularTimeDimension,
    Measurement,
    PlotResultDescriptor,
    RasterBandDescriptor,
    RasterDataType,
    RasterResultDescriptor,
    RegularTimeDimension,
    ResultDescriptor,
    TimeDescriptor,
    TimeStep,
    TimeStepGranularity,
    UnitlessMeasurement,
    VectorColumnInfo,
    VectorDataType,
    VectorResultDescriptor,
)
from .errors import *  # noqa: F401,F403
from .provenance import ExternalDataId, InternalDataId, Provenance, ProvenanceEntry  # noqa: F401
from .quota import (  # noqa: F401
    DataUsage,
    DataUsageSummary,
    Quota,
    UsageSummaryGranularity,
    data_usage,
    data_usage_for_computation,
    data_usage_summary,
    get_quota,
    update_quota,
)
from .session import ApiPaths, Session, get_session, initialize, reset  # noqa: F401
from .tasks import (  # noqa: F401
    AbortedTaskStatusInfo,
    CompletedTaskStatusInfo,
    FailedTaskStatusInfo,
    RunningTaskStatusInfo,
    Task,
    TaskId,
    TaskStatus,
    TaskStatusInfo,
    get_task_list,
)
from .types import (  # noqa: F401
    BoundingBox2D,
    GeoTransform,
    GridBoundingBox2D,
    GridIdx2D,
    ProcessingGraphId,
    QueryRectangle,
    RasterQueryRectangle,
    SpatialPartition2D,
    SpatialResolution,
    TimeInterval,
    WorkflowId,
)
from .workflow import (  # noqa: F401
    ProcessingGraph,
    Workflow,
    processing_graph_by_id,
    register_processing_graph,
    register_workflow,
    workflow_by_id,
)
