"""geoengine:registerworkflow - register a workflow given as JSON text or a .json file; outputs its id."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Dict

from qgis.core import (
    QgsProcessingContext,
    QgsProcessingFeedback,
    QgsProcessingOutputString,
    QgsProcessingParameterFile,
    QgsProcessingParameterString,
)

from ..core.errors import InputError
from ..core.workflow import register_workflow
from ..qgis_glue.i18n import QT_TR_NOOP, tr
from .base import CONNECTION_HELP, GeoEngineAlgorithm
from .runtime import FeedbackContext


def read_workflow_json(text: str, path: str) -> dict:
    """The workflow dict from ``text`` or, when that is empty, from the file ``path`` (exactly one is needed)."""
    text, path = (text or "").strip(), (path or "").strip()
    if text and path:
        raise InputError("give the workflow either as JSON text or as a file, not both", field="workflow")
    if path:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as exc:
            raise InputError(f"cannot read the workflow file {path!r}: {exc.strerror}", field="workflow") from None
    if not text:
        raise InputError("give the workflow as JSON text or as a .json file", field="workflow")
    try:
        workflow = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"the workflow is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}",
                         field="workflow") from None
    if not isinstance(workflow, dict):
        raise InputError('the workflow JSON must be an object like {"type": "Raster", "operator": {...}}',
                         field="workflow")
    return workflow


class RegisterWorkflow(GeoEngineAlgorithm):
    ALGORITHM_ID = "registerworkflow"
    DISPLAY_NAME = QT_TR_NOOP("Register workflow from JSON")
    JSON, FILE = "WORKFLOW_JSON", "WORKFLOW_FILE"
    HELP = (  # translated piece by piece (see base.shortHelpString)
        QT_TR_NOOP("Registers a workflow on the server and outputs its id (WORKFLOW_ID) and result kind (KIND: "
                   "raster, vector or plot). Geo Engine ids are content hashes: the same workflow always gets the "
                   "same id.<br>"),
        CONNECTION_HELP,
        "<br>",
        QT_TR_NOOP("Give the workflow as <b>JSON text</b> or as a <b>.json file</b>.<br>"),
        QT_TR_NOOP("Example (command line):"),
        "<br><code>qgis_process.bin run geoengine:registerworkflow -- "
        "CONNECTION=http://127.0.0.1:3030/api WORKFLOW_JSON='{\"type\": \"Raster\", \"operator\": "
        "{\"type\": \"GdalSource\", \"params\": {\"data\": \"ndvi\"}}}'</code> outputs "
        "WORKFLOW_ID 1e415c9c-55f3-51a2-b50b-b5053d1debbb.",
    )

    def define(self, config: Dict[str, Any]) -> None:
        self.addParameter(QgsProcessingParameterString(self.JSON, tr("Workflow JSON"), multiLine=True, optional=True))
        self.addParameter(QgsProcessingParameterFile(self.FILE, tr("... or a workflow JSON file"), extension="json",
                                                     optional=True))
        self.addOutput(QgsProcessingOutputString("WORKFLOW_ID", "Workflow id"))
        self.addOutput(QgsProcessingOutputString("KIND", "Result kind"))

    def work(self, session, parameters: Dict[str, Any], context: QgsProcessingContext,
            feedback: QgsProcessingFeedback, progress: FeedbackContext) -> Dict[str, Any]:
        definition = read_workflow_json(self.parameterAsString(parameters, self.JSON, context),
                                        self.parameterAsFile(parameters, self.FILE, context))
        progress.check_canceled()
        workflow = register_workflow(definition, session=session)
        kind = workflow.get_result_descriptor().kind
        feedback.pushInfo(f"Registered {kind} workflow {workflow.workflow_id}")
        feedback.setProgress(100)
        return {"WORKFLOW_ID": str(workflow.workflow_id), "KIND": kind}
