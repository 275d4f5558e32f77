"""geoengine:getprovenance - citation, license and URI of the data a workflow reads, as a table."""

from __future__ import annotations

from typing import Any, Dict

from qgis.core import (
    QgsCoordinateReferenceSystem,
    QgsFeature,
    QgsFeatureSink,
    QgsField,
    QgsFields,
    QgsProcessingContext,
    QgsProcessingException,
    QgsProcessingFeedback,
    QgsProcessingOutputNumber,
    QgsProcessingParameterFeatureSink,
)

from ..qgis_glue.i18n import QT_TR_NOOP, tr
from .base import CONNECTION_HELP, EXAMPLE_ID_HELP, GeoEngineAlgorithm
from .compat import NO_GEOMETRY, STRING_FIELD, VECTOR_TABLE
from .runtime import FeedbackContext

COLUMNS = ("citation", "license", "uri", "data")


def provenance_fields() -> QgsFields:
    fields = QgsFields()
    for name in COLUMNS:
        fields.append(QgsField(name, STRING_FIELD))
    return fields


class GetProvenance(GeoEngineAlgorithm):
    ALGORITHM_ID = "getprovenance"
    DISPLAY_NAME = QT_TR_NOOP("Get workflow provenance")
    OUTPUT = "OUTPUT"
    HELP = (  # translated piece by piece (see base.shortHelpString)
        QT_TR_NOOP("Writes the provenance of a workflow (<code>/workflow/{id}/provenance</code>) as a table "
                   "without geometry: one row per source with the fields citation, license, uri and data (the data "
                   "ids, comma-separated).<br>"),
        CONNECTION_HELP,
        "<br>",
        QT_TR_NOOP("Example (command line):"),
        "<br><code>qgis_process.bin run geoengine:getprovenance -- "
        "CONNECTION=http://127.0.0.1:3030/api WORKFLOW=1e415c9c-55f3-51a2-b50b-b5053d1debbb "
        "OUTPUT=/tmp/provenance.csv</code><br>",
        EXAMPLE_ID_HELP,
    )

    def define(self, config: Dict[str, Any]) -> None:
        self.add_workflow_parameter()
        self.addParameter(QgsProcessingParameterFeatureSink(self.OUTPUT, tr("Provenance"), VECTOR_TABLE))
        self.addOutput(QgsProcessingOutputNumber("ROW_COUNT", "Number of provenance entries"))

    def work(self, session, parameters: Dict[str, Any], context: QgsProcessingContext,
            feedback: QgsProcessingFeedback, progress: FeedbackContext) -> Dict[str, Any]:
        workflow = self.workflow(session, parameters, context)
        entries = workflow.get_provenance()
        progress.check_canceled()
        fields = provenance_fields()
        sink, destination = self.parameterAsSink(parameters, self.OUTPUT, context, fields, NO_GEOMETRY,
                                                 QgsCoordinateReferenceSystem())
        if sink is None:
            raise QgsProcessingException(self.invalidSinkError(parameters, self.OUTPUT))
        for entry in entries:
            feature = QgsFeature(fields)
            feature.setAttributes([entry.citation, entry.license, entry.uri, ", ".join(str(d) for d in entry.data)])
            sink.addFeature(feature, QgsFeatureSink.Flag.FastInsert)
        feedback.setProgress(100)
        return {self.OUTPUT: destination, "ROW_COUNT": len(entries)}
