#!/usr/bin/env python3
"""Screenshots of 0.2.0's features (part of ``make screenshots``), with data from the bundled server:

* ``docs/styled-vector.png``: Natural Earth ports styled by a Geo Engine point symbology (colour and radius from
  ``scalerank``, labels from ``name``) over Germany (polygon symbology) and the Natural Earth RGB raster (a
  three-band raster without symbology: the RGB composite), all loaded through the plugin's layer loader;
* ``docs/german-menu.png``: the plugin's *Web > Geo Engine* menu in a QGIS whose locale is German (the ``.qm``
  compiled by lrelease as ``make package`` does), and ``docs/connections-dialog-de.png``: the Connections dialog
  in German after a successful *Test connection*.

Usage: tools/feature_screenshots.py [--output docs] [--timeout 60]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tools"))
import screenshots  # noqa: E402 - import_plugin, wait, ScreenshotError
from package_plugin import compiled_translations  # noqa: E402

EXTENT = (2.0, 45.0, 18.0, 57.0)
PORTS = {"type": "Vector", "operator": {"type": "OgrSource", "params": {"data": "ne_10m_ports"}}}
GERMANY = {"type": "Vector", "operator": {"type": "OgrSource", "params": {"data": "germany_outline"}}}
RAMP = {"type": "linearGradient", "breakpoints": [{"value": 3, "color": [255, 235, 59, 255]},
                                                 {"value": 9, "color": [183, 28, 28, 255]}],
        "noDataColor": [0, 0, 0, 0], "overColor": [183, 28, 28, 255], "underColor": [255, 235, 59, 255]}
PORT_STYLE = {"type": "point",
              "radius": {"type": "derived", "attribute": "scalerank", "factor": 1.2, "defaultValue": 4},
              "fillColor": {"type": "derived", "attribute": "scalerank", "colorizer": RAMP},
              "stroke": {"width": {"type": "static", "value": 1}, "color": {"type": "static", "color": [0, 0, 0, 255]}},
              "text": {"attribute": "name", "fillColor": {"type": "static", "color": [20, 20, 20, 255]},
                       "stroke": {"width": {"type": "static", "value": 2},
                                  "color": {"type": "static", "color": [255, 255, 255, 255]}}}}
GERMANY_STYLE = {"type": "polygon", "fillColor": {"type": "static", "color": [255, 255, 255, 70]},
                 "stroke": {"width": {"type": "static", "value": 3},
                            "color": {"type": "static", "color": [30, 60, 160, 255]}},
                 "text": None, "autoSimplified": True}


def load(loader, session, workflow, symbology, name, timeout):
    import plugin_support
    from geoengine_qgis.core.workflow import register_workflow
    from geoengine_qgis.qgis_glue.layers import LayerOptions

    workflow_id = register_workflow(workflow, session=session).workflow_id
    options = LayerOptions(symbology=symbology, source_info=symbology is not None)
    outcome, _ = plugin_support.run_load(loader, session, plugin_support.request(
        workflow_id, bounds=EXTENT, name=name, options=options), timeout=timeout)
    if not outcome.ok:
        raise screenshots.ScreenshotError(f"{name}: {outcome.error}")
    return outcome.layers


def shoot_styled_vector(output: Path, timeout: float) -> None:
    from geoengine_qgis.core.datasets import get_layer
    from geoengine_qgis.core.session import Session
    from geoengine_qgis.qgis_glue.layers import WorkflowLayerLoader
    from geoengine_qgis.qgis_glue.messages import Notifier
    from geoengine_qgis.qgis_glue.tasks import TaskRunner
    from geoengine_qgis.qgis_glue.tempfiles import PluginTempDir
    from geoengine_server.runner import start_server
    from qgis.core import (
        QgsCoordinateReferenceSystem,
        QgsMapRendererParallelJob,
        QgsMapSettings,
        QgsProject,
        QgsRectangle,
    )
    from qgis.PyQt.QtCore import QSize
    from qgis.PyQt.QtGui import QColor

    server = start_server()
    session = Session(server.base_url, use_env=False)
    tempdir = PluginTempDir(tempfile.mkdtemp(prefix="geoengine-feature-screens-"))
    loader = WorkflowLayerLoader(TaskRunner(Notifier()), tempdir, Notifier(), QgsProject.instance())
    try:
        rgb = get_layer("ce5e84db-cbf9-48a2-9a32-d4b7cc56ea74", "83866f7b-dcee-47b8-9242-e5636ceaf402",
                        session=session).workflow
        layers = (load(loader, session, PORTS, PORT_STYLE, "Ports", timeout)
                  + load(loader, session, GERMANY, GERMANY_STYLE, "Germany", timeout)
                  + load(loader, session, rgb, None, "Natural Earth RGB", timeout))
        settings = QgsMapSettings()
        settings.setLayers(layers)
        settings.setDestinationCrs(QgsCoordinateReferenceSystem("EPSG:4326"))
        settings.setExtent(QgsRectangle(*EXTENT))
        settings.setOutputSize(QSize(960, 720))
        settings.setBackgroundColor(QColor(255, 255, 255))
        job = QgsMapRendererParallelJob(settings)
        job.start()
        job.waitForFinished()
        if job.errors():
            raise screenshots.ScreenshotError("; ".join(e.message for e in job.errors()))
        path = output / "styled-vector.png"
        if not job.renderedImage().save(str(path), "PNG"):
            raise screenshots.ScreenshotError(f"could not write {path}")
        print(f"wrote {path.relative_to(REPO) if path.is_relative_to(REPO) else path}")
    finally:
        QgsProject.instance().clear()
        tempdir.cleanup()
        session.close()
        server.stop()


def shoot_german_menu(output: Path) -> None:
    import plugin_support
    from geoengine_qgis import classFactory
    from qgis.PyQt.QtCore import QCoreApplication, QPoint

    with tempfile.TemporaryDirectory(prefix="geoengine-qm-") as folder:
        for name, data in compiled_translations().items():
            Path(folder, name).write_bytes(data)
        iface = plugin_support.WidgetIface()
        plugin = classFactory(iface)
        plugin.translations.install("de_DE", Path(folder))
        if plugin.translations.path is None:
            raise screenshots.ScreenshotError("no German translation was compiled")
        plugin.initGui()
        try:
            menu = iface._submenu("Geo Engine")
            if menu is None:
                raise screenshots.ScreenshotError("the Geo Engine menu is missing")
            menu.popup(QPoint(0, 0))
            for _ in range(10):  # bounded: layout and paint passes
                QCoreApplication.processEvents()
            path = output / "german-menu.png"
            if not menu.grab().save(str(path), "PNG"):
                raise screenshots.ScreenshotError(f"could not write {path}")
            menu.hide()
            print(f"wrote {path.relative_to(REPO) if path.is_relative_to(REPO) else path}")
        finally:
            plugin.unload()
            iface.close()


def shoot_german_connections(output: Path, timeout: float) -> None:
    """The Connections dialog in German after a successful "Test connection" (docs/connections-dialog-de.png)."""
    from geoengine_qgis.qgis_glue.i18n import Translations
    from geoengine_qgis.qgis_glue.messages import Notifier
    from geoengine_qgis.qgis_glue.sessions import probe_connection
    from geoengine_qgis.qgis_glue.tasks import TaskRunner
    from geoengine_qgis.ui.connections_dialog import ConnectionsDialog
    from geoengine_server.runner import start_server

    server = start_server()
    saved = screenshots.SavedConnections(server.base_url)
    translations = Translations()
    try:
        with tempfile.TemporaryDirectory(prefix="geoengine-qm-") as folder:
            for name, data in compiled_translations().items():
                Path(folder, name).write_bytes(data)
            translations.install("de_DE", Path(folder))
        dialog = ConnectionsDialog(saved.store, TaskRunner(Notifier()), probe_connection)
        dialog.show()
        dialog.reload(select=screenshots.ANALYST_NAME)
        if dialog.test_current() is None:
            raise screenshots.ScreenshotError(f"the connection test did not start: {dialog.status.text()}")
        screenshots.wait(lambda: dialog.test_button.isEnabled(), timeout, "the connection test")
        if not dialog.status.text().startswith("Verbunden mit Geo Engine"):
            raise screenshots.ScreenshotError(f"the connection test failed: {dialog.status.text()}")
        screenshots.save(dialog, output / "connections-dialog-de.png", 920, 400)
        dialog.close()
    finally:
        translations.remove()
        saved.close()
        server.stop()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=REPO / "docs")
    parser.add_argument("--timeout", type=float, default=60.0)
    args = parser.parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    try:
        screenshots.import_plugin()
        from qgis.testing import start_app

        start_app()
        output = args.output.resolve()
        output.mkdir(parents=True, exist_ok=True)
        shoot_styled_vector(output, args.timeout)
        shoot_german_menu(output)
        shoot_german_connections(output, args.timeout)
    except Exception as exc:  # noqa: BLE001 - one line for make, not a traceback
        print(f"feature screenshots failed: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
