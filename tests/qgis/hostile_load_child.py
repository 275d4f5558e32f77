"""A NEW headless QGIS that loads one workflow layer from a (hostile) server (run by test_hostile_plugin.py).

Usage: python hostile_load_child.py PACKAGE_PARENT API_URL raster|vector TEMP_ROOT. Loads the NDVI or the ports
workflow over Africa with the plugin's layer loader and prints one line ``RESULT <json>``: the outcome's error
class and message, the layers in the project, the message-bar texts and the files left in the temp folder. A
decode that reads out of bounds can kill this process, never the test runner.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

NDVI = {"type": "Raster", "operator": {"type": "GdalSource", "params": {"data": "ndvi"}}}
PORTS = {"type": "Vector", "operator": {"type": "OgrSource", "params": {"data": "ne_10m_ports"}}}


def main(package_parent: str, url: str, kind: str, temp_root: str) -> dict:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    sys.path.insert(0, package_parent)
    sys.path.insert(0, str(Path(__file__).parent))
    from qgis.testing import start_app

    start_app(cleanup=False)
    import plugin_support
    from geoengine_qgis.core.session import Session
    from geoengine_qgis.core.workflow import register_workflow
    from geoengine_qgis.qgis_glue.layers import WorkflowLayerLoader
    from geoengine_qgis.qgis_glue.messages import Notifier
    from geoengine_qgis.qgis_glue.tasks import TaskRunner
    from geoengine_qgis.qgis_glue.tempfiles import PluginTempDir
    from qgis.core import QgsProject
    from qgis.gui import QgsMessageBar

    bar = QgsMessageBar()
    runner = TaskRunner(Notifier(bar))
    tempdir = PluginTempDir(temp_root)
    project = QgsProject.instance()
    loader = WorkflowLayerLoader(runner, tempdir, Notifier(bar), project)
    session = Session(url, use_env=False)
    workflow = register_workflow(NDVI if kind == "raster" else PORTS, session=session)
    outcome, _task = plugin_support.run_load(loader, session, plugin_support.request(str(workflow), name="hostile"))
    files = [str(p) for p in Path(temp_root).rglob("*") if p.is_file()]
    return {"error": type(outcome.error).__name__ if outcome.error is not None else None,
            "message": str(outcome.error or ""), "layers": project.count(),
            "bar": [item.text() for item in bar.items()], "files": files}


if __name__ == "__main__":
    result = main(*sys.argv[1:5])
    print("RESULT " + json.dumps(result), flush=True)
    os._exit(0)  # no QGIS teardown (see tests/qgis/conftest.py)
