#!/usr/bin/env python3
"""``make demo``: the plugin's main job, headless, against the bundled Geo Engine-compatible server.

1. starts the test server (``python -m geoengine_server``, PYTHONPATH=tests) on a free loopback port;
2. starts QGIS without a GUI in a throw-away profile and installs the plugin the way QGIS does: the repository
   as ``python/plugins/geoengine_qgis`` (a symlink), then ``qgis.utils.loadPlugin`` + ``startPlugin``;
3. saves an anonymous connection and logs in through the plugin (``with_session``);
4. adds the MODIS NDVI raster (April 2014, Africa, styled from the dataset's palette) and the Natural Earth
   ports through the plugin's WorkflowLayerLoader, the code behind "Add workflow layer…";
5. renders the map to ``demo.png`` (1000 x 1000) and prints the provenance and quota it read.

Exit status 0 on success; on any failure a one-line reason on stderr and status 1.
Usage: tools/demo.py [--output demo.png] [--size 1000] [--timeout 120]
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PLUGIN = "geoengine_qgis"
CONNECTION = "Geo Engine demo (local)"
AFRICA = (-20.0, -36.0, 53.0, 38.0)
APRIL = "2014-04-01T00:00:00.000Z"
NDVI = {"type": "Raster", "operator": {"type": "GdalSource", "params": {"data": "ndvi"}}}
PORTS = {"type": "Vector", "operator": {"type": "OgrSource", "params": {"data": "ne_10m_ports"}}}


class DemoError(Exception):
    """A step of the demo failed; the message says which and why."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(timeout: float, log_path: Path) -> tuple:
    """The bundled server as a child process (output to ``log_path``); returns (process, base_url) once ``/info``
    answers."""
    port = free_port()
    env = dict(os.environ, PYTHONPATH=str(REPO / "tests"))
    for key in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        env.pop(key, None)
    with open(log_path, "w", encoding="utf-8") as log:
        process = subprocess.Popen([sys.executable, "-m", "geoengine_server", "--port", str(port)], cwd=REPO,
                                   env=env, stdout=log, stderr=subprocess.STDOUT)
    base_url = f"http://127.0.0.1:{port}/api"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            lines = log_path.read_text(encoding="utf-8", errors="replace").strip().splitlines() or ["no output"]
            raise DemoError(f"the test server exited with status {process.returncode}: {lines[-1][-300:]}")
        try:
            with urllib.request.urlopen(f"{base_url}/info", timeout=2) as answer:  # noqa: S310 - loopback only
                if answer.status == 200:
                    return process, base_url
        except OSError:
            time.sleep(0.2)
    process.terminate()
    raise DemoError(f"the test server did not answer on {base_url} within {timeout:.0f} s")


def stop_server(process) -> None:
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)


def qgis_test_support():
    """tests/qgis/plugin_support.py: the tests' stand-in QgisInterface (real widgets) and bounded event loop."""
    folder = str(REPO / "tests" / "qgis")
    if folder not in sys.path:
        sys.path.insert(0, folder)
    import plugin_support

    return plugin_support


def wait_for(predicate, timeout: float, what: str) -> None:
    """Process Qt events until ``predicate()`` (bounded by ``timeout``)."""
    if not qgis_test_support().wait_until(predicate, timeout=timeout):
        raise DemoError(f"timed out after {timeout:.0f} s waiting for {what}")


def start_qgis(profile: Path):
    """Headless QGIS whose settings, auth database and plugins all live in the throw-away ``profile``."""
    from qgis.core import QgsApplication
    from qgis.PyQt.QtCore import QCoreApplication, QSettings

    QCoreApplication.setOrganizationName("QGIS")
    QCoreApplication.setOrganizationDomain("qgis.org")
    QCoreApplication.setApplicationName("QGIS3")
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(profile))
    app = QgsApplication([], False, str(profile))
    app.initQgis()
    return app


def install_and_start_plugin(iface):
    """Install the repository as the profile's ``geoengine_qgis`` plugin and start it as QGIS does."""
    import qgis.utils
    from qgis.core import QgsApplication

    plugins_dir = Path(QgsApplication.qgisSettingsDirPath()) / "python" / "plugins"
    plugins_dir.mkdir(parents=True, exist_ok=True)
    (plugins_dir / PLUGIN).symlink_to(REPO, target_is_directory=True)
    qgis.utils.iface = iface
    qgis.utils.plugin_paths = [str(plugins_dir)]
    sys.path.insert(0, str(plugins_dir))
    qgis.utils.updateAvailablePlugins()
    if PLUGIN not in qgis.utils.available_plugins:
        raise DemoError(f"QGIS does not see the plugin in {plugins_dir} (metadata.txt missing?)")
    if not qgis.utils.loadPlugin(PLUGIN):
        raise DemoError("qgis.utils.loadPlugin failed (see the messages above)")
    if not qgis.utils.startPlugin(PLUGIN):
        raise DemoError("qgis.utils.startPlugin failed: classFactory() or initGui() raised")
    return qgis.utils.plugins[PLUGIN]


def login(plugin, base_url: str, timeout: float):
    from geoengine_qgis.qgis_glue.connections import Connection

    plugin.store.save(Connection(CONNECTION, base_url))
    ready, failed = [], []
    plugin.with_session(CONNECTION, ready.append, failed.append)
    wait_for(lambda: ready or failed, timeout, "the login")
    if failed:
        raise DemoError(f"logging in to {base_url} failed: {failed[0]}")
    return ready[0]


def load(plugin, session, workflow: dict, name: str, timeout: float):
    """Register ``workflow`` and add it through the plugin's loader (as the dialog does)."""
    from geoengine_qgis.core.workflow import register_workflow
    from geoengine_qgis.qgis_glue.layers import LayerRequest
    from qgis.core import QgsCoordinateReferenceSystem, QgsRectangle

    workflow_id = str(register_workflow(workflow, session=session).workflow_id)
    request = LayerRequest(workflow_id, QgsRectangle(*AFRICA), QgsCoordinateReferenceSystem("EPSG:4326"), APRIL,
                           name=name, connection_name=CONNECTION)
    outcomes = []
    plugin.layer_loader().load(session, request, on_done=outcomes.append)
    wait_for(lambda: outcomes, timeout, f"the {name} layer")
    outcome = outcomes[0]
    if not outcome.ok:
        raise DemoError(f"loading {name} failed: {outcome.error or 'cancelled'}")
    return workflow_id, outcome


def render(layers, output: Path, size: int, timeout: float) -> dict:
    from qgis.core import QgsCoordinateReferenceSystem, QgsMapRendererParallelJob, QgsMapSettings, QgsRectangle
    from qgis.PyQt.QtCore import QSize
    from qgis.PyQt.QtGui import QColor

    settings = QgsMapSettings()
    settings.setLayers(layers)
    settings.setDestinationCrs(QgsCoordinateReferenceSystem("EPSG:4326"))
    settings.setExtent(QgsRectangle(*AFRICA))
    settings.setOutputSize(QSize(size, size))
    settings.setBackgroundColor(QColor(255, 255, 255))
    job = QgsMapRendererParallelJob(settings)
    job.start()
    wait_for(lambda: not job.isActive(), timeout, "the map to render")
    image = job.renderedImage()
    if image.isNull() or not image.save(str(output), "PNG"):
        raise DemoError(f"could not write {output}")
    background = QColor(255, 255, 255).rgb()
    step = max(1, size // 200)
    sampled = [image.pixel(x, y) for x in range(0, image.width(), step) for y in range(0, image.height(), step)]
    drawn = sum(1 for p in sampled if p != background)
    return {"sampled": len(sampled), "drawn": drawn, "colours": len(set(sampled)), "errors": list(job.errors())}


def print_facts(session, ndvi_id: str, ports_id: str, outcomes: dict) -> None:
    from geoengine_qgis.core.quota import get_quota
    from geoengine_qgis.core.workflow import workflow_by_id

    for name, workflow_id in (("NDVI", ndvi_id), ("Ports", ports_id)):
        print(f"\n{name}: workflow {workflow_id}")
        for layer in outcomes[name].layers:
            print(f"  layer {layer.name()!r}: {layer.providerType()}, CRS {layer.crs().authid()}, "
                  f"{layer.featureCount() if hasattr(layer, 'featureCount') else layer.width()} "
                  f"{'features' if hasattr(layer, 'featureCount') else 'px wide'}; styling {outcomes[name].styling}")
        for entry in workflow_by_id(workflow_id, session=session).get_provenance():
            print(f"  provenance: {entry.citation}")
            print(f"    licence: {entry.license}")
            print(f"    uri: {entry.uri}")
    quota = get_quota(session=session)
    print(f"\nQuota: {quota.available} available, {quota.used} used")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--output", type=Path, default=REPO / "demo.png")
    parser.add_argument("--size", type=int, default=1000)
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds allowed for each step")
    args = parser.parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ.setdefault("XDG_RUNTIME_DIR", tempfile.mkdtemp(prefix="xdg-"))

    server = None
    app = None
    plugin = None
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="geoengine-demo-profile-") as profile:
        try:
            server, base_url = start_server(args.timeout, Path(profile) / "server.log")
            print(f"Test server: {base_url}")
            app = start_qgis(Path(profile))
            from qgis.core import Qgis, QgsProject

            print(f"QGIS {Qgis.QGIS_VERSION} (headless), profile {profile}")
            iface = qgis_test_support().WidgetIface()
            plugin = install_and_start_plugin(iface)
            print(f"Plugin started as QGIS does: {type(plugin).__module__}.{type(plugin).__name__}")
            session = login(plugin, base_url, args.timeout)
            ndvi_id, ndvi = load(plugin, session, NDVI, "NDVI", args.timeout)
            ports_id, ports = load(plugin, session, PORTS, "Ports", args.timeout)
            project = QgsProject.instance()
            layers = [ports.layers[0], *ndvi.layers]  # first = drawn on top
            if any(project.mapLayer(layer.id()) is None for layer in layers):
                raise DemoError("the loader did not add the layers to the project")
            stats = render(layers, args.output, args.size, args.timeout)
            if stats["errors"]:
                raise DemoError(f"rendering reported errors: {stats['errors']}")
            if stats["drawn"] < stats["sampled"] // 10 or stats["colours"] < 10:
                raise DemoError(f"{args.output} looks empty ({stats['drawn']} of {stats['sampled']} sampled pixels "
                                f"drawn, {stats['colours']} colours)")
            print_facts(session, ndvi_id, ports_id, {"NDVI": ndvi, "Ports": ports})
            print(f"\nWrote {args.output} ({args.size}x{args.size}; {stats['drawn']} of {stats['sampled']} sampled "
                  f"pixels drawn, {stats['colours']} colours) in {time.monotonic() - started:.1f} s")
            return 0
        except DemoError as exc:
            print(f"make demo failed: {exc}", file=sys.stderr)
            return 1
        except Exception as exc:  # noqa: BLE001 - one clear line, not a traceback, for the user
            print(f"make demo failed: {type(exc).__name__}: {exc}", file=sys.stderr)
            return 1
        finally:
            if app is not None:
                from qgis.core import QgsProject

                QgsProject.instance().clear()  # before unload removes the plugin's temporary files
            if plugin is not None:
                import qgis.utils

                qgis.utils.unloadPlugin(PLUGIN)
            stop_server(server)


if __name__ == "__main__":
    sys.exit(main())
