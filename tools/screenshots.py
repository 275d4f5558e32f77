#!/usr/bin/env python3
"""``make screenshots``: render the plugin's docks and dialogs, filled with real data, to PNG files in docs/.

Starts the bundled Geo Engine-compatible server in-process on a free loopback port, starts QGIS headless
(QT_QPA_PLATFORM=offscreen), logs in as the bundled admin and analyst users, fills each widget through its
public API exactly as the plugin does (background tasks against the server), and saves ``QWidget.grab()``.

Usage: tools/screenshots.py [--output docs] [--timeout 60]
Exit status 0 on success; on failure a one-line reason on stderr and status 1.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PLUGIN = "geoengine_qgis"
AFRICA = (-20.0, -36.0, 53.0, 38.0)
APRIL = ("2014-04-01T00:00:00.000Z", "2014-05-01T00:00:00.000Z")
NDVI = {"type": "Raster", "operator": {"type": "GdalSource", "params": {"data": "ndvi"}}}
HISTOGRAM = {"type": "Plot", "operator": {"type": "Histogram", "params": {
    "bounds": "data", "buckets": {"type": "number", "value": 20}, "attributeName": "ndvi"},
    "sources": {"source": NDVI["operator"]}}}
STATISTICS = {"type": "Plot", "operator": {"type": "Statistics", "params": {
    "columnNames": ["ndvi"], "percentiles": [0.25, 0.5, 0.75]}, "sources": {"source": [NDVI["operator"]]}}}
PORT_STATISTICS = {"type": "Plot", "operator": {"type": "Statistics", "params": {},
                   "sources": {"source": {"type": "OgrSource", "params": {"data": "ne_10m_ports"}}}}}
USERS = {"admin": ("admin@localhost", "adminadmin"), "analyst": ("analyst@example.org", "analyst-password")}


class ScreenshotError(Exception):
    """A widget did not reach the expected state."""


def import_plugin():
    """The repository as package ``geoengine_qgis`` (a symlink in a temp folder, as the tests do)."""
    parent = Path(tempfile.mkdtemp(prefix="geoengine-screens-"))
    (parent / PLUGIN).symlink_to(REPO, target_is_directory=True)
    sys.path.insert(0, str(parent))
    sys.path.insert(0, str(REPO / "tests"))
    sys.path.insert(0, str(REPO / "tests" / "qgis"))  # plugin_support


def wait(predicate, timeout: float, what: str) -> None:
    """Process Qt events until ``predicate()`` (the tests' bounded loop, tests/qgis/plugin_support.py)."""
    import plugin_support

    if not plugin_support.wait_until(predicate, timeout=timeout):
        raise ScreenshotError(f"{what} did not finish within {timeout:.0f} s")


def save(widget, path: Path, width: int, height: int) -> Path:
    from qgis.PyQt.QtCore import QCoreApplication

    widget.resize(width, height)
    widget.show()
    for _ in range(5):  # bounded: layout and paint passes
        QCoreApplication.processEvents()
    if not widget.grab().save(str(path), "PNG"):
        raise ScreenshotError(f"could not write {path}")
    print(f"wrote {path.relative_to(REPO) if path.is_relative_to(REPO) else path}")
    return path


def geoengine_layer(workflow_id: str, connection: str, name: str):
    from geoengine_qgis.qgis_glue.query import LayerQuery
    from qgis.core import QgsProject, QgsVectorLayer

    layer = QgsVectorLayer("Point?crs=EPSG:4326", name, "memory")
    LayerQuery(workflow_id, connection, "", AFRICA, "EPSG:4326", APRIL[0], APRIL[1], (0,), "raster",
               "geotiff").apply_to(layer)
    QgsProject.instance().addMapLayer(layer)
    return layer


def run(output: Path, timeout: float) -> None:
    import_plugin()
    from geoengine_server import ServerConfig
    from geoengine_server.runner import start_server
    from qgis.testing import start_app

    start_app()
    from geoengine_qgis.core.session import Session
    from geoengine_qgis.core.types import QueryRectangle
    from geoengine_qgis.core.workflow import register_workflow
    from geoengine_qgis.qgis_glue.messages import Notifier
    from geoengine_qgis.qgis_glue.tasks import TaskRunner
    from geoengine_qgis.ui.plot_dock import PlotDock
    from geoengine_qgis.ui.provenance_dock import ProvenanceDock
    from geoengine_qgis.ui.quota_dock import QuotaDock
    from geoengine_qgis.ui.save_dataset_dialog import SaveDatasetDialog
    from geoengine_qgis.ui.workflow_definition_dialog import WorkflowDefinitionDialog
    from qgis.core import QgsCoordinateReferenceSystem, QgsRectangle

    server = start_server(ServerConfig())
    sessions = {name: Session(server.base_url, credentials=creds, use_env=False) for name, creds in USERS.items()}
    runner = TaskRunner(Notifier())

    def with_session(name, on_ready, on_error=None):
        on_ready(sessions[name])

    try:
        output.mkdir(parents=True, exist_ok=True)
        ids = {name: str(register_workflow(w, session=sessions["admin"]).workflow_id)
               for name, w in (("ndvi", NDVI), ("histogram", HISTOGRAM), ("statistics", STATISTICS))}
        layer = geoengine_layer(ids["ndvi"], "admin", "NDVI (April 2014)")

        provenance = ProvenanceDock(with_session, runner)
        provenance.set_layer(layer)
        wait(lambda: provenance.state in ("ready", "error"), timeout, "the provenance dock")
        save(provenance, output / "provenance-dock.png", 460, 400)

        plot = PlotDock(with_session, runner, connection_names=lambda: list(USERS))
        extent, crs = QgsRectangle(*AFRICA), QgsCoordinateReferenceSystem("EPSG:4326")
        plot.show_plot("analyst", ids["histogram"], extent, crs, APRIL[0])
        wait(lambda: plot.state in ("ready", "error", "raw"), timeout, "the histogram")
        save(plot, output / "plot-dock-histogram.png", 620, 480)
        plot.show_plot("analyst", ids["statistics"], extent, crs, APRIL[0])
        wait(lambda: plot.state in ("ready", "error", "raw"), timeout, "the statistics")
        save(plot, output / "plot-dock-statistics.png", 620, 480)

        ports = register_workflow(PORT_STATISTICS, session=sessions["analyst"])
        ports.plot_json(QueryRectangle(AFRICA, APRIL[0], "EPSG:4326"))  # a second dataset in the usage log
        quota = QuotaDock(with_session, runner, lambda: list(USERS))
        quota.select_connection("admin")
        wait(lambda: quota.busy == 0, timeout, "the quota")
        quota.load_data_usage(0, 20)
        wait(lambda: quota.busy == 0, timeout, "the data usage")
        quota.tabs.setCurrentIndex(1)
        save(quota, output / "quota-dock-usage.png", 620, 560)
        quota.load_summary("minutes", None, 20)
        wait(lambda: quota.busy == 0, timeout, "the usage summary")
        quota.tabs.setCurrentIndex(2)
        save(quota, output / "quota-dock-summary.png", 620, 640)

        from geoengine_qgis.qgis_glue.query import LayerQuery

        small = LayerQuery(ids["ndvi"], "admin", "", (10.0, 0.0, 20.0, 10.0), "EPSG:4326", APRIL[0], APRIL[1], (0,),
                           "raster", "geotiff")
        dialog = SaveDatasetDialog(small, "NDVI (April 2014)", with_session, runner)
        dialog.description_edit.setPlainText("NDVI over Central Africa, April 2014")
        dialog.start()
        wait(lambda: dialog.state != "running", timeout, "saving the dataset")
        save(dialog, output / "save-dataset-dialog.png", 480, 380)

        definition = sessions["admin"].get_json(f"workflow/{ids['histogram']}")
        save(WorkflowDefinitionDialog(ids["histogram"], definition, "NDVI histogram"),
             output / "workflow-definition-dialog.png", 560, 420)
    finally:
        runner.cancel_all()
        for session in sessions.values():
            session.close()
        server.stop()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=REPO / "docs")
    parser.add_argument("--timeout", type=float, default=60.0)
    args = parser.parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    try:
        run(args.output.resolve(), args.timeout)
    except Exception as exc:  # noqa: BLE001 - one line for make, not a traceback
        print(f"make screenshots failed: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
