"""A NEW headless QGIS that opens a saved project with the plugin running (run by test_project_reopen.py).

Usage: python project_reopen_child.py CONFIG.json. The config names the project, the parent's QGIS profile
(settings + Auth Manager database: the saved connection and its auth config), the settings' organisation and
application names, the plugin package's parent folder and the points to sample. The child enters the Auth
Manager's master password (as a user would when QGIS asks), starts the plugin as QGIS does (classFactory +
initGui), reads the project, waits (bounded) until the plugin has restored its layers, and prints one line
``RESULT <json>`` describing every layer.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path


def main(config_path: str) -> int:
    config = json.loads(Path(config_path).read_text(encoding="utf-8"))
    os.environ["QGIS_CUSTOM_CONFIG_PATH"] = config["config_root"]
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    sys.path.insert(0, config["package_parent"])
    sys.path.insert(0, str(Path(__file__).parent))

    from qgis.core import QgsApplication, QgsPointXY, QgsProject, QgsRaster, QgsRectangle
    from qgis.PyQt.QtCore import QCoreApplication

    app = QgsApplication([], False)
    QCoreApplication.setOrganizationName(config["organization"])
    QCoreApplication.setApplicationName(config["application"])
    app.initQgis()

    import plugin_support  # WidgetIface, ensure_master_password, wait_until (bounded)

    messages: list = []
    QgsApplication.messageLog().messageReceived.connect(
        lambda text, tag, _level: messages.append(text[:300]) if tag == "Geo Engine" else None)
    plugin_support.ensure_master_password()
    import geoengine_qgis

    iface = plugin_support.WidgetIface()
    plugin = geoengine_qgis.classFactory(iface)
    plugin.initGui()
    result: dict = {"connections": plugin.store.names(), "layers": []}
    project = QgsProject.instance()
    result["read"] = project.read(config["project"])
    state = plugin.project_state
    result["pending_after_read"] = dict(state.pending)
    result["settled"] = plugin_support.wait_until(lambda: not state.pending, timeout=float(config["timeout"]))
    result["fetches"] = state.fetch_count
    for layer in sorted(project.mapLayers().values(), key=lambda item: item.name()):
        info = {
            "name": layer.name(), "provider": layer.providerType(), "valid": layer.isValid(),
            "source_dir": Path(layer.source().split("|")[0]).parent.name if layer.providerType() != "wms" else "",
            "restore": layer.customProperty("geoengine/restore"),
            "workflow_id": layer.customProperty("geoengine/workflow_id"),
            "following": bool(plugin.temporal and plugin.temporal.following(layer.id())),
        }
        if hasattr(layer, "featureCount"):
            info["features"] = layer.featureCount()
            info["names"] = sorted(str(f["name"]) for f in layer.getFeatures())[:400]
            from vector_truth import data_columns, layer_rows

            info["columns"] = data_columns(layer)
            info["rows"] = [list(row) for row in layer_rows(layer, info["columns"])]  # every value and vertex
        elif layer.isValid() and layer.providerType() == "gdal":
            info["values"] = [layer.dataProvider().identify(QgsPointXY(x, y), QgsRaster.IdentifyFormatValue)
                              .results().get(1) for x, y in config["points"]]
            info["renderer"] = layer.renderer().type()
        elif layer.isValid() and layer.providerType() == "wms" and config.get("probe_wms"):
            block = layer.dataProvider().block(1, QgsRectangle(*config["bounds"]), 64, 64)
            info["wms_block"] = [block.width(), block.height(), not block.isEmpty()]
        result["layers"].append(info)
    result["sessions"] = plugin.sessions.names()
    result["log"] = messages
    plugin.unload()
    project.clear()
    print("RESULT " + json.dumps(result), flush=True)
    time.sleep(0.1)
    app.exitQgis()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
