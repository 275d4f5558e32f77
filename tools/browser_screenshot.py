#!/usr/bin/env python3
"""Render QGIS's Browser panel with the plugin's "Geo Engine" tree expanded against the bundled server.

Starts the server on a free loopback port and QGIS headless, installs the plugin as QGIS does, saves one
anonymous connection, expands Layer collections > Data Catalog > A test collection and Datasets through the
browser model (nodes fill on QGIS's worker threads) and saves ``QWidget.grab()`` of a QgsBrowserTreeView.

Usage: tools/browser_screenshot.py [--output docs/browser-panel.png] [--timeout 30]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CONNECTION = "Local Geo Engine"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", default=str(REPO / "docs" / "browser-panel.png"))
    parser.add_argument("--timeout", type=float, default=30.0)
    args = parser.parse_args()
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    package_parent = Path(tempfile.mkdtemp(prefix="geoengine-qgis-pkg-"))
    (package_parent / "geoengine_qgis").symlink_to(REPO, target_is_directory=True)
    sys.path[:0] = [str(package_parent), str(REPO / "tests"), str(REPO / "tests" / "qgis")]

    from qgis.testing import start_app

    start_app()
    from geoengine_qgis.browser.items import RootItem
    from geoengine_qgis.plugin import GeoEnginePlugin
    from geoengine_qgis.qgis_glue.connections import Connection
    from geoengine_server import ServerConfig
    from geoengine_server.runner import start_server
    from plugin_support import WidgetIface, wait_until
    from qgis.core import Qgis, QgsBrowserModel, QgsBrowserProxyModel
    from qgis.gui import QgsBrowserTreeView

    server = start_server(ServerConfig())
    iface = WidgetIface()
    plugin = GeoEnginePlugin(iface)
    if CONNECTION in plugin.store.names():
        plugin.store.delete(CONNECTION)
    plugin.store.save(Connection(CONNECTION, server.base_url))
    plugin.initGui()
    model = QgsBrowserModel()
    model.initialize()
    proxy = QgsBrowserProxyModel()
    proxy.setBrowserModel(model)
    view = QgsBrowserTreeView()
    view.setModel(proxy)
    view.setHeaderHidden(True)
    view.resize(440, 620)

    def expand(index, name: str):
        item = model.dataItem(index)
        if model.canFetchMore(index):
            model.fetchMore(index)
        if not wait_until(lambda: item.state() == Qgis.BrowserItemState.Populated, args.timeout):
            raise RuntimeError(f"{item.path()} did not fill within {args.timeout} s")
        view.expand(proxy.mapFromSource(index))
        rows = [model.index(row, 0, index) for row in range(model.rowCount(index))]
        found = [i for i in rows if model.dataItem(i).name() == name] if name else [index]
        if not found:
            raise RuntimeError(f"no {name!r} below {item.path()}")
        return found[0]

    try:
        root = next(model.index(row, 0) for row in range(model.rowCount())
                    if isinstance(model.dataItem(model.index(row, 0)), RootItem))
        connection = expand(root, CONNECTION)
        collections = expand(connection, "Layer collections")
        collection = expand(expand(collections, "Data Catalog"), "A test collection")
        ports = expand(collection, "Ports in Germany")
        expand(expand(connection, "Datasets"), "")
        view.setCurrentIndex(proxy.mapFromSource(ports))
        view.show()
        view.scrollTo(proxy.mapFromSource(root), QgsBrowserTreeView.PositionAtTop)
        deadline = time.monotonic() + 1.0
        wait_until(lambda: time.monotonic() > deadline, 2.0)
        view.grab().save(args.output)
        print(f"saved {args.output}")
        return 0
    except RuntimeError as exc:
        print(f"browser screenshot failed: {exc}", file=sys.stderr)
        return 1
    finally:
        plugin.unload()
        plugin.store.delete(CONNECTION)
        server.stop()


if __name__ == "__main__":
    sys.exit(main())
