"""Selecting a layer does not log in unless a dock needs it (issue 9): with the provenance dock closed, selecting
Geo Engine layers sends no login (counted in the server's request log); showing the dock loads the selection."""

from __future__ import annotations

import pytest
from plugin_support import NDVI, geoengine_layer, register, wait_for_fetch

pytestmark = pytest.mark.qgis


def _logins(server) -> int:
    return sum(1 for line in server.call(lambda: list(server.api["request_log"])) if line == "POST /login")


def test_a_closed_dock_does_not_log_in_on_selection(plugin, tree_iface, server, base_url):
    from geoengine_qgis.ui.provenance_dock import ProvenanceDock

    dock = ProvenanceDock(plugin.with_session, plugin.tasks, tree_iface.mainWindow())
    dock.follow(tree_iface)
    window = tree_iface.mainWindow()
    window.show()  # docks report being shown only inside a visible window
    try:
        dock.close()  # the user closed it
        workflow_id = register(base_url, NDVI)
        before = _logins(server)
        for name in ("first", "second"):
            tree_iface.layerTreeView().setCurrentLayer(geoengine_layer(workflow_id, "admin", name=name))
        assert plugin.sessions.get("admin") is None and plugin.sessions.logins == 0
        assert _logins(server) == before and dock.state != "loading"

        dock.show()  # needed now: the current selection is loaded (one login)
        assert wait_for_fetch(lambda: dock.state in ("ready", "error"))
        assert dock.state == "ready", dock.status.text()
        assert _logins(server) == before + 1
    finally:
        window.hide()
        dock.unfollow()
        dock.deleteLater()
