"""geoengine:runplotworkflow - a plot workflow's output as JSON, and as PNG where the plugin can draw it.

The plot comes through the loader's :func:`~..qgis_glue.layers.fetch` (extent reprojected to the workflow's CRS).
The PNG is drawn by the plot dock's renderer: histograms and other Vega-Lite bar charts with
``ui.charts.render_bar_chart`` (via ``qgis_glue.plot_model.parse_plot``); ``ImagePng`` outputs are written as
they are. Tables (e.g. Statistics) have no picture: their PNG output stays empty and the log says so.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Dict, Optional

from qgis.core import (
    QgsProcessingContext,
    QgsProcessingFeedback,
    QgsProcessingOutputString,
    QgsProcessingParameterFileDestination,
)

from ..qgis_glue.i18n import QT_TR_NOOP, tr
from .base import CONNECTION_HELP, QUERY_HELP, GeoEngineAlgorithm
from .runtime import FeedbackContext
from .streams import streamed_fetch

PNG_SIZE = (800, 450)


def write_png(plot: dict, path: str) -> Optional[str]:
    """Draw ``plot`` into ``path``; returns None when written, else why not."""
    try:
        from ..qgis_glue.plot_model import BarChart, ImagePlot, UnsupportedPlot, parse_plot
    except ImportError as exc:
        return f"the plot renderer is not available ({exc})"
    try:
        content = parse_plot(plot)
    except UnsupportedPlot as exc:
        return exc.message
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, ImagePlot):
        Path(path).write_bytes(content.png)
        return None
    if isinstance(content, BarChart):
        from ..ui.charts import render_bar_chart

        image, _layout = render_bar_chart(content, *PNG_SIZE)
        return None if image.save(path, "PNG") else f"Qt could not write {path}"
    return f"a {type(content).__name__} ({plot.get('plotType', '?')}) has no picture; see the JSON output"


class RunPlotWorkflow(GeoEngineAlgorithm):
    ALGORITHM_ID = "runplotworkflow"
    DISPLAY_NAME = QT_TR_NOOP("Run plot workflow")
    OUTPUT_JSON, OUTPUT_PNG = "OUTPUT_JSON", "OUTPUT_PNG"
    HELP = (  # translated piece by piece (see base.shortHelpString)
        QT_TR_NOOP("Runs a plot workflow (e.g. Histogram, Statistics) for an extent and time and writes the "
                   "server's output (<code>outputFormat</code>, <code>plotType</code>, <code>data</code>) as JSON. "
                   "When a PNG file is given, bar charts (histograms) are drawn as in the plot dock and ImagePng "
                   "plots are saved as they are; tables (Statistics) have no picture.<br>"),
        CONNECTION_HELP,
        "<br>",
        QUERY_HELP,
        "<br>",
        QT_TR_NOOP("Example (command line):"),
        "<br><code>qgis_process.bin run geoengine:runplotworkflow -- "
        "CONNECTION=http://127.0.0.1:3030/api WORKFLOW=&lt;histogram uuid&gt; EXTENT=\"0,20,40,60 [EPSG:4326]\" "
        "TIME_START=2014-04-01T00:00:00Z OUTPUT_JSON=/tmp/hist.json OUTPUT_PNG=/tmp/hist.png</code>",
    )

    def define(self, config: Dict[str, Any]) -> None:
        self.add_workflow_parameter()
        self.add_query_parameters()
        self.addParameter(QgsProcessingParameterFileDestination(self.OUTPUT_JSON, tr("Plot JSON"),
                                                                tr("JSON files (*.json)")))
        self.addParameter(QgsProcessingParameterFileDestination(
            self.OUTPUT_PNG, tr("Plot image"), "PNG files (*.png)", optional=True, createByDefault=False))
        self.addOutput(QgsProcessingOutputString("PLOT_TYPE", "Plot type"))
        self.addOutput(QgsProcessingOutputString("OUTPUT_FORMAT", "Output format of the server"))

    def work(self, session, parameters: Dict[str, Any], context: QgsProcessingContext,
            feedback: QgsProcessingFeedback, progress: FeedbackContext) -> Dict[str, Any]:
        workflow, _descriptor, rectangle, crs, start, end = self.query(session, parameters, context, "plot")
        json_path = self.parameterAsFileOutput(parameters, self.OUTPUT_JSON, context)
        png_path = self.parameterAsFileOutput(parameters, self.OUTPUT_PNG, context)
        fetched = streamed_fetch(session, str(workflow.workflow_id), rectangle, crs, (start, end),
                                 self.connection_name, feedback, (0, 80), context.transformContext())
        progress.check_canceled()
        plot = fetched.plot or {}
        Path(json_path).parent.mkdir(parents=True, exist_ok=True)
        Path(json_path).write_text(json.dumps(plot, indent=2), encoding="utf-8")
        results: Dict[str, Any] = {self.OUTPUT_JSON: json_path, "PLOT_TYPE": plot.get("plotType", ""),
                                   "OUTPUT_FORMAT": plot.get("outputFormat", "")}
        if png_path:
            problem = write_png(plot, png_path)
            if problem is None:
                results[self.OUTPUT_PNG] = png_path
            else:
                feedback.pushWarning(f"No PNG written: {problem}")
                results[self.OUTPUT_PNG] = None
        feedback.setProgress(100)
        return results
