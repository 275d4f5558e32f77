"""geoengine:loadworkflowvector - a vector workflow's features into any feature sink QGIS can write.

Features come from the loader's :func:`~..qgis_glue.layers.fetch` (the dialog's stream -> QgsFeature batches,
fields planned from the result descriptor, time columns as DateTime fields), and go into the sink batch by
batch. The sink is created only after the stream is complete, so a run cancelled or failed while streaming
writes nothing (writing the sink itself is not interrupted).
"""

from __future__ import annotations

from typing import Any, Dict

from qgis.core import (
    QgsCoordinateReferenceSystem,
    QgsFeatureSink,
    QgsProcessingContext,
    QgsProcessingException,
    QgsProcessingFeedback,
    QgsProcessingOutputNumber,
    QgsProcessingParameterFeatureSink,
    QgsWkbTypes,
)

from ..core.descriptors import VectorDataType
from ..qgis_glue.i18n import QT_TR_NOOP, tr
from .base import CONNECTION_HELP, QUERY_HELP, GeoEngineAlgorithm
from .compat import NO_GEOMETRY, VECTOR_ANY_GEOMETRY
from .output_style import for_vector_output
from .runtime import FeedbackContext
from .streams import streamed_fetch


def wkb_type(data_type: VectorDataType) -> int:
    """The sink's geometry type for a Geo Engine vector data type (``Data`` = no geometry)."""
    if data_type == VectorDataType.DATA:
        return NO_GEOMETRY
    from ..qgis_glue.vector_layers import GEOMETRY_TYPES  # after the stream: pyarrow is there

    return QgsWkbTypes.parseType(GEOMETRY_TYPES[data_type])


class LoadWorkflowVector(GeoEngineAlgorithm):
    ALGORITHM_ID = "loadworkflowvector"
    DISPLAY_NAME = QT_TR_NOOP("Load workflow vector")
    OUTPUT = "OUTPUT"
    HELP = (  # translated piece by piece (see base.shortHelpString)
        QT_TR_NOOP("Streams a vector workflow's features for an extent and time into a new vector output (memory "
                   "layer, GeoPackage, Shapefile, ... - any format QGIS writes), with the same fields and features "
                   "as the <i>Add workflow layer</i> dialog. Results with a time get time_start/time_end "
                   "fields.<br>"),
        CONNECTION_HELP,
        "<br>",
        QUERY_HELP,
        "<br>",
        QT_TR_NOOP("Example (command line):"),
        "<br><code>qgis_process.bin run geoengine:loadworkflowvector -- "
        "CONNECTION=\"My server\" WORKFLOW=&lt;uuid&gt; EXTENT=\"-20,53,-36,38 [EPSG:4326]\" "
        "OUTPUT=/tmp/ports.gpkg</code>",
    )

    def define(self, config: Dict[str, Any]) -> None:
        self.add_workflow_parameter()
        self.add_query_parameters()
        self.addParameter(QgsProcessingParameterFeatureSink(self.OUTPUT, tr("Features"),
                                                            VECTOR_ANY_GEOMETRY))
        self.addOutput(QgsProcessingOutputNumber("FEATURE_COUNT", "Number of features"))

    def work(self, session, parameters: Dict[str, Any], context: QgsProcessingContext,
            feedback: QgsProcessingFeedback, progress: FeedbackContext) -> Dict[str, Any]:
        workflow, descriptor, rectangle, crs, start, end = self.query(session, parameters, context, "vector")
        fetched = streamed_fetch(session, str(workflow.workflow_id), rectangle, crs, (start, end),
                                 self.connection_name, feedback, (0, 90), context.transformContext())
        progress.check_canceled()
        fields = fetched.plan.qgs_fields()
        sink, destination = self.parameterAsSink(parameters, self.OUTPUT, context, fields,
                                                 wkb_type(descriptor.data_type),
                                                 QgsCoordinateReferenceSystem(descriptor.spatial_reference or ""))
        if sink is None:
            raise QgsProcessingException(self.invalidSinkError(parameters, self.OUTPUT))
        total, written = max(1, fetched.feature_count), 0
        for batch in fetched.batches:
            if not sink.addFeatures(batch, QgsFeatureSink.Flag.FastInsert):
                raise QgsProcessingException(f"Could not write features to the output: {sink.lastError()}")
            written += len(batch)
            feedback.setProgress(90 + 10 * written / total)
        self.style_when_loaded(destination, for_vector_output(fetched))
        feedback.pushInfo(f"Wrote {written} feature(s)")
        return {self.OUTPUT: destination, "FEATURE_COUNT": written}

