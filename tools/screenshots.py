#!/usr/bin/env python3
"""``make screenshots``: render the plugin's docks and dialogs, filled with real data, to PNG files in docs/.

Starts the bundled Geo Engine-compatible server in-process on a free loopback port, starts QGIS headless
(QT_QPA_PLATFORM=offscreen), logs in as the bundled admin and analyst users, fills each widget through its
public API exactly as the plugin does (background tasks against the server), and saves ``QWidget.grab()``.
Also: the "Add workflow layer" dialog (its catalog, NDVI picked from it with April chosen, and the size question
for the synthetic dataset at world extent) and the Connections dialog on two saved connections of their own
(anonymous, and the analyst with the password in the Auth Manager; both removed afterwards), QGIS's Processing
dialog for
geoengine:loadworkflowraster, and docs/temporal-ndvi.png: one time-following NDVI layer rendered for the April
and May frames of a monthly Temporal Controller.

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
NDVI_ID = "1e415c9c-55f3-51a2-b50b-b5053d1debbb"  # GdalSource ndvi (Geo Engine ids are content hashes)
SETTINGS_ROOT = "geoengine/screenshot-connections"  # saved connections of the screenshots only (removed after)
ANONYMOUS_NAME, ANALYST_NAME = "Bundled server (anonymous)", "Bundled server (analyst)"
HEADER = 90  # pixels above each temporal panel for the month and the frame
MONTHS = (("April 2014", 3), ("May 2014", 4))  # (label, frame of the monthly Temporal Controller from January)


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


class SavedConnections:
    """Two saved connections to the bundled server in a settings root of their own: anonymous, and the analyst
    (email + password in an Auth Manager Basic config). Sessions are opened the plugin's way (resolve, log in)."""

    def __init__(self, base_url: str) -> None:
        import plugin_support
        from geoengine_qgis.qgis_glue.connections import ANONYMOUS, PASSWORD, Connection, ConnectionStore

        self.store = ConnectionStore(SETTINGS_ROOT)
        for name in self.store.names():  # left over from an interrupted run
            self.store.delete(name)
        self.authcfg = plugin_support.basic_config(*USERS["analyst"], name="Geo Engine analyst (screenshots)")
        self.store.save(Connection(ANONYMOUS_NAME, base_url, ANONYMOUS))
        self.store.save(Connection(ANALYST_NAME, base_url, PASSWORD, self.authcfg))
        self._sessions = {}

    def with_session(self, name, on_ready, on_error=None):
        """The plugin's ``with_session`` contract, synchronously (log in once per connection)."""
        from geoengine_qgis.qgis_glue.sessions import open_session, resolve

        try:
            if name not in self._sessions:
                self._sessions[name] = open_session(resolve(self.store.load(name)))
        except Exception as exc:  # noqa: BLE001 - handed to the widget like the plugin does
            if on_error is None:
                raise
            on_error(exc)
            return
        on_ready(self._sessions[name])

    def close(self) -> None:
        from qgis.core import QgsApplication, QgsSettings

        for session in self._sessions.values():
            session.close()
        QgsSettings().remove(SETTINGS_ROOT)
        QgsApplication.authManager().removeAuthenticationConfig(self.authcfg)


def shoot_add_layer(saved: SavedConnections, runner, loader, output: Path, timeout: float) -> None:
    """The "Add workflow layer" dialog: its catalog (datasets and a collection opened), NDVI picked from it with
    April chosen in the month list, and the size question for the synthetic dataset at world extent."""
    from geoengine_qgis.core import resolution
    from geoengine_qgis.ui.add_layer_dialog import AddLayerDialog
    from qgis.core import QgsCoordinateReferenceSystem, QgsRectangle

    dialog = AddLayerDialog(saved.store, saved.with_session, runner, loader)
    dialog.show()
    dialog.connection_combo.setCurrentText(ANONYMOUS_NAME)
    dialog.extent_box.setOutputExtentFromUser(QgsRectangle(*AFRICA), QgsCoordinateReferenceSystem("EPSG:4326"))
    picker = dialog.catalog
    tree = picker.tree
    datasets, collections = tree.topLevelItem(1), tree.topLevelItem(0)

    def opened(item) -> bool:
        return item.childCount() > 0 and item.child(0).text(0) != "Loading…"

    for item in (collections, datasets):
        item.setExpanded(True)
        wait(lambda item=item: opened(item), timeout, f"the catalog's {item.text(0)}")
    catalog = collections.child(0)
    catalog.setExpanded(True)
    wait(lambda: opened(catalog), timeout, "the Data Catalog")
    test_collection = next(catalog.child(i) for i in range(catalog.childCount())
                           if catalog.child(i).text(0) == "A test collection")
    test_collection.setExpanded(True)
    wait(lambda: opened(test_collection), timeout, "A test collection")
    ndvi = next(datasets.child(i) for i in range(datasets.childCount()) if datasets.child(i).text(0) == "NDVI")
    tree.setCurrentItem(ndvi)
    tree.scrollToItem(test_collection)
    save(dialog, output / "add-layer-catalog.png", 700, 760)

    picker.use_button.click()  # registers NDVI's workflow and fills in its ID
    wait(lambda: dialog.descriptor is not None or "rror" in dialog.message_label.text(), timeout,
         "fetching the NDVI result descriptor")
    if dialog.descriptor is None or not dialog.ok_button.isEnabled():
        raise ScreenshotError(f"add-layer dialog not ready: {dialog.message_label.text()}")
    dialog.step_combo.activated.emit(dialog.step_combo.findText("2014-04"))  # April, as a user picks it
    save(dialog, output / "add-layer-dialog.png", 700, 760)

    synthetic = str(register_workflow_json(saved, {"type": "Raster", "operator": {
        "type": "GdalSource", "params": {"data": "synthetic_u16"}}}))
    dialog.id_edit.setText(synthetic)
    wait(lambda: dialog.descriptor is not None and dialog.workflow_id == synthetic, timeout,
         "the synthetic dataset's descriptor")
    dialog.resolution_row.mode_combo.setCurrentIndex(dialog.resolution_row.mode_combo.findData(resolution.NATIVE))
    dialog.extent_box.setOutputExtentFromUser(QgsRectangle(-180, -90, 180, 90),
                                              QgsCoordinateReferenceSystem("EPSG:4326"))
    if dialog.ok_button.text() != "Add anyway":
        raise ScreenshotError(f"no size question for the world at native resolution: {dialog.message_label.text()}")
    save(dialog, output / "add-layer-size-question.png", 700, 760)
    dialog.close()


def register_workflow_json(saved: SavedConnections, workflow: dict) -> str:
    from geoengine_qgis.core.workflow import register_workflow

    found = []
    saved.with_session(ANONYMOUS_NAME, lambda session: found.append(register_workflow(workflow, session=session)))
    if not found:
        raise ScreenshotError("no session for the anonymous connection")
    return str(found[0].workflow_id)


def shoot_connections(saved: SavedConnections, runner, output: Path, timeout: float) -> None:
    """The Connections dialog on the analyst's connection after a successful "Test connection"."""
    from geoengine_qgis.qgis_glue.sessions import probe_connection
    from geoengine_qgis.ui.connections_dialog import ConnectionsDialog

    dialog = ConnectionsDialog(saved.store, runner, probe_connection)
    dialog.show()
    dialog.reload(select=ANALYST_NAME)
    if dialog.test_current() is None:
        raise ScreenshotError(f"the connection test did not start: {dialog.status.text()}")
    wait(lambda: dialog.test_button.isEnabled(), timeout, "the connection test")
    if not dialog.status.text().startswith("Connected to Geo Engine"):
        raise ScreenshotError(f"the connection test failed: {dialog.status.text()}")
    save(dialog, output / "connections-dialog.png", 920, 400)
    dialog.close()


def shoot_processing(base_url: str, output: Path) -> None:
    """QGIS's own Processing dialog for geoengine:loadworkflowraster with the NDVI query filled in."""
    import plugin_support
    from geoengine_qgis.processing_provider.provider import GeoEngineProvider
    from qgis.core import QgsApplication

    plugin_support.start_qgis_processing()  # QGIS's own Processing plugin
    provider = GeoEngineProvider()
    registry = QgsApplication.processingRegistry()
    registry.addProvider(provider)
    try:
        from processing.gui.AlgorithmDialog import AlgorithmDialog

        algorithm = registry.createAlgorithmById("geoengine:loadworkflowraster")
        if algorithm is None:
            raise ScreenshotError("geoengine:loadworkflowraster is not registered")
        dialog = AlgorithmDialog(algorithm)
        dialog.setParameters({
            "CONNECTION": base_url, "WORKFLOW": NDVI_ID, "EXTENT": "-20,53,-36,38 [EPSG:4326]",
            "TIME_START": APRIL[0], "TIME_END": "", "BANDS": "0", "TIME_SLICE": 0, "OUTPUT": "/tmp/ndvi-april.tif"})
        save(dialog, output / "processing-algorithm.png", 1180, 820)
        dialog.close()
        dialog.deleteLater()
    finally:
        registry.removeProvider(provider)


def render_panel(layer, canvas, size: int, label: str):
    """``layer`` drawn as the canvas draws it now (its temporal range), with ``label`` on top."""
    from qgis.core import QgsMapRendererSequentialJob
    from qgis.PyQt.QtCore import QRect, QSize, Qt
    from qgis.PyQt.QtGui import QColor, QFont, QImage, QPainter

    settings = canvas.mapSettings()
    settings.setLayers([layer])
    settings.setOutputSize(QSize(size, size))
    settings.setBackgroundColor(QColor(255, 255, 255))
    job = QgsMapRendererSequentialJob(settings)
    job.start()
    job.waitForFinished()  # bounded by the GDAL provider (a local file)
    if job.errors():
        raise ScreenshotError("; ".join(e.message for e in job.errors()))
    begin, end = (settings.temporalRange().begin(), settings.temporalRange().end())
    lines = ((label, 26, True), (f"Temporal Controller frame {begin.toString('yyyy-MM-dd')} to "
                                 f"{end.toString('yyyy-MM-dd')}", 14, False), (f'layer "{layer.name()}"', 14, False))
    image = QImage(size, size + HEADER, QImage.Format.Format_RGB32)
    image.fill(QColor(255, 255, 255))
    painter = QPainter(image)
    painter.setPen(QColor(20, 20, 20))
    top = 6
    for text, pixels, bold in lines:
        font = QFont()
        font.setPixelSize(pixels)
        font.setBold(bold)
        painter.setFont(font)
        painter.drawText(QRect(0, top, size, pixels + 8), int(Qt.AlignmentFlag.AlignCenter), text)
        top += pixels + 8
    painter.drawImage(0, HEADER, job.renderedImage())
    painter.end()
    return image


def shoot_temporal(session, runner, project, output: Path, timeout: float) -> None:
    """One NDVI layer following a monthly Temporal Controller: April and May 2014 over Africa side by side."""
    from geoengine_qgis.qgis_glue.layers import LayerRequest, WorkflowLayerLoader
    from geoengine_qgis.qgis_glue.messages import Notifier
    from geoengine_qgis.qgis_glue.tempfiles import PluginTempDir
    from geoengine_qgis.qgis_glue.temporal import TemporalRasterLayers
    from qgis.core import (
        QgsCoordinateReferenceSystem,
        QgsDateTimeRange,
        QgsInterval,
        QgsRectangle,
        QgsTemporalNavigationObject,
        QgsUnitTypes,
    )
    from qgis.gui import QgsMapCanvas
    from qgis.PyQt.QtCore import QDate, QDateTime, Qt, QTime
    from qgis.PyQt.QtGui import QColor, QImage, QPainter

    def utc(month):
        return QDateTime(QDate(2014, month, 1), QTime(0, 0), Qt.TimeSpec.UTC)

    tempdir = PluginTempDir()
    canvas = QgsMapCanvas()
    navigation = QgsTemporalNavigationObject(canvas)
    canvas.setTemporalController(navigation)
    canvas.setDestinationCrs(QgsCoordinateReferenceSystem("EPSG:4326"))
    canvas.resize(480, 480)
    canvas.setExtent(QgsRectangle(*AFRICA))
    temporal = TemporalRasterLayers(canvas, runner, tempdir, Notifier(),
                                    lambda _query, on_ready, _on_error: on_ready(session), project)
    loader = WorkflowLayerLoader(runner, tempdir, Notifier(), project)
    try:
        outcomes = []
        loader.load(session, LayerRequest(NDVI_ID, QgsRectangle(*AFRICA), QgsCoordinateReferenceSystem("EPSG:4326"),
                                          APRIL[0], None, name="NDVI"), on_done=outcomes.append)
        wait(lambda: bool(outcomes), timeout, "loading the NDVI layer")
        if not outcomes[0].ok:
            raise ScreenshotError(f"loading NDVI failed: {outcomes[0].error}")
        layer = outcomes[0].layers[0]
        wait(lambda: temporal.following(layer.id()) and not temporal.busy(layer.id()), timeout,
             "making the NDVI layer time-following")
        navigation.setTemporalExtents(QgsDateTimeRange(utc(1), utc(7)))
        navigation.setFrameDuration(QgsInterval(1, QgsUnitTypes.TemporalMonths))
        navigation.setNavigationMode(QgsTemporalNavigationObject.Animated)
        panels = []
        for label, frame in MONTHS:
            navigation.setCurrentFrameNumber(frame)
            begin = canvas.temporalRange().begin().toString("yyyy-MM-dd")
            wait(lambda day=begin: not temporal.busy(layer.id())  # a step keeps the name; the stored time moves
                 and str(layer.customProperty("geoengine/time")).startswith(day), timeout, f"showing {label}")
            panels.append(render_panel(layer, canvas, 480, label))
        gap = 12
        image = QImage(len(panels) * 480 + (len(panels) + 1) * gap, 480 + HEADER + 2 * gap,
                       QImage.Format.Format_RGB32)
        image.fill(QColor(235, 235, 235))
        painter = QPainter(image)
        for index, panel in enumerate(panels):
            painter.drawImage(gap + index * (480 + gap), gap, panel)
        painter.end()
        path = output / "temporal-ndvi.png"
        if not image.save(str(path), "PNG"):
            raise ScreenshotError(f"could not write {path}")
        print(f"wrote {path.relative_to(REPO) if path.is_relative_to(REPO) else path}")
    finally:
        temporal.stop()
        project.removeAllMapLayers()
        tempdir.cleanup()
        canvas.deleteLater()


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

    server = start_server(ServerConfig(quota_mode="track"))  # the quota dock shows usage
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
        provenance.show()  # a hidden dock does not load (it waits until it is shown)
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

        if ids["ndvi"] != NDVI_ID:
            raise ScreenshotError(f"the NDVI workflow id is {ids['ndvi']}, not {NDVI_ID}")
        saved = SavedConnections(server.base_url)
        try:
            from geoengine_qgis.qgis_glue.layers import WorkflowLayerLoader
            from geoengine_qgis.qgis_glue.tempfiles import PluginTempDir

            tempdir = PluginTempDir()
            try:
                shoot_add_layer(saved, runner, WorkflowLayerLoader(runner, tempdir, Notifier()), output, timeout)
            finally:
                tempdir.cleanup()
            shoot_connections(saved, runner, output, timeout)
        finally:
            saved.close()
        shoot_processing(server.base_url, output)
        from qgis.core import QgsProject

        QgsProject.instance().removeAllMapLayers()
        shoot_temporal(sessions["admin"], runner, QgsProject.instance(), output, timeout)
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
