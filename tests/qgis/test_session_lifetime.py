"""Sessions live as long as layers need them (issue 9), counted in the test server's request log:

* N live WMS layers of a reopened project: ONE login for their connection;
* the server forgets the session: the next GetMap gets 401, the plugin renews (one more login) and the layers
  draw again, pixel for pixel as before; a session close to its ``validUntil`` is renewed ahead;
* a wrong password is not tried again in a loop, until the connection is saved again;
* deleting a connection stops its Bearer header at once and logs its session out on the server.
"""

from __future__ import annotations

import datetime as dt

import plugin_support
import pytest
from plugin_support import NDVI, request, run_load, wait_until

pytestmark = pytest.mark.qgis
EXTENT = (10.0, -10.0, 30.0, 10.0)
LAYERS = 3


def _logins(server) -> int:
    return sum(1 for line in server.call(lambda: list(server.api["request_log"])) if line == "POST /login")


def _render(layer, check_errors: bool = True) -> list:
    return plugin_support.render_pixels(layer, EXTENT, size=120, check_errors=check_errors)


def _with_session(plugin, name: str):
    """The connection's session through the plugin (login in a task if needed); (session or None, error)."""
    got = []
    plugin.with_session(name, lambda session: got.append((session, None)), lambda exc: got.append((None, exc)))
    assert wait_until(lambda: bool(got), timeout=20)
    return got[0]


def test_reopened_project_logs_in_once_and_wms_layers_survive_session_expiry(iface, project, server, tmp_path):
    from geoengine_qgis.qgis_glue.layers import LayerOptions

    plugin = plugin_support.start_plugin(iface, server.base_url)
    try:
        session, error = _with_session(plugin, "admin")
        assert error is None
        workflow_id = plugin_support.register_in(session, NDVI)
        for index in range(LAYERS):
            outcome, _ = run_load(plugin.layer_loader(), session,
                                  request(workflow_id, bounds=EXTENT, name=f"NDVI live {index}",
                                          connection_name="admin", options=LayerOptions(raster_mode="wms")))
            assert outcome.ok, outcome.error
        path = tmp_path / "live.qgz"
        assert project.write(str(path))
    finally:
        plugin_support.stop_plugin(plugin)
    project.clear()

    plugin = plugin_support.start_plugin(iface, server.base_url)  # a new start: no session yet
    try:
        before = _logins(server)
        assert project.read(str(path))
        # the plugin's WMS layers (read as placeholders: no "unavailable layers" dialog, test_wms_unavailable.py)
        layers = [layer for layer in project.mapLayers().values() if layer.customProperty("geoengine/mode") == "wms"]
        assert len(layers) == LAYERS
        assert wait_until(lambda: not plugin.project_state.pending and plugin.sessions.get("admin") is not None
                          and not any(plugin.temporal.wms_pending(layer.id()) for layer in layers), timeout=30)
        assert all(layer.providerType() == "wms" and layer.isValid() for layer in layers)
        assert _logins(server) == before + 1  # N layers, one login
        assert plugin.sessions.logins == 1

        first = _render(layers[0])
        assert len(set(first)) > 5
        server.call(server.api["users"].expire_all_sessions)  # the server forgets every session
        refused = _render(layers[0], check_errors=False)
        assert refused != first  # the GetMap was refused (401): nothing drawn
        assert wait_until(lambda: _logins(server) == before + 2 and "admin" not in plugin.sessions._renewing,
                          timeout=20), "a 401 of a live WMS layer did not renew the session"
        assert _render(layers[0]) == first
        assert _logins(server) == before + 2  # one renewal for all layers

        # ahead of validUntil: the periodic check renews without waiting for a 401
        active = plugin.sessions.get("admin")
        active.valid_until = (dt.datetime.now(dt.timezone.utc) + dt.timedelta(minutes=5)).isoformat()
        assert plugin.sessions.renew_expiring() == ["admin"]
        assert wait_until(lambda: _logins(server) == before + 3 and "admin" not in plugin.sessions._renewing,
                          timeout=20)
        assert _render(layers[0]) == first
    finally:
        plugin_support.stop_plugin(plugin)


def test_a_wrong_password_is_not_retried_in_a_loop(iface, server):
    from geoengine_qgis.qgis_glue.connections import PASSWORD, Connection

    plugin = plugin_support.start_plugin(iface, server.base_url)
    try:
        plugin.store.save(Connection("wrong", server.base_url, PASSWORD,
                                     plugin_support.basic_config(plugin_support.ADMIN, "not the password",
                                                                 "wrong password test")))
        before = _logins(server)
        errors = [_with_session(plugin, "wrong")[1] for _attempt in range(3)]
        assert all(error is not None for error in errors)
        assert "401" in str(errors[0]) or "password" in str(errors[0]).lower()
        assert _logins(server) == before + 1  # asked the server once
        plugin.store.save(plugin.store.load("wrong"), previous_name="wrong")  # saved again: a new try is allowed
        assert _with_session(plugin, "wrong")[1] is not None
        assert _logins(server) == before + 2
    finally:
        plugin.store.delete("wrong")
        plugin_support.stop_plugin(plugin)


def _session_valid(base_url: str, token: str) -> bool:
    import requests

    return requests.get(f"{base_url}/session", headers={"Authorization": f"Bearer {token}"}, timeout=10).ok


def test_deleting_a_connection_stops_its_header_and_logs_out(iface, server):
    plugin = plugin_support.start_plugin(iface, server.base_url)
    try:
        session, error = _with_session(plugin, "analyst")
        assert error is None
        token = session.auth_header["Authorization"][len("Bearer "):]
        probe = f"{server.base_url}/workflow/x"
        assert plugin.injector.token_for(probe) == token
        assert _session_valid(server.base_url, token)
        plugin.store.delete("analyst")
        assert plugin.injector.token_for(probe) is None  # at once, before the logout reaches the server
        assert plugin.sessions.get("analyst") is None
        assert wait_until(lambda: not _session_valid(server.base_url, token), timeout=20)
    finally:
        plugin_support.stop_plugin(plugin)


def test_callers_that_ask_at_once_share_one_login(iface, server):
    plugin = plugin_support.start_plugin(iface, server.base_url)
    try:
        before = _logins(server)
        got = []
        returned = [plugin.with_session("analyst", got.append) for _layer in range(LAYERS)]
        # the same login task for every caller that asks while it runs (a caller after it finished, as on a
        # loaded machine where the login can win the race, gets the session at once and no task)
        assert returned[0] is not None and {id(t) for t in returned if t is not None} == {id(returned[0])}
        assert wait_until(lambda: len(got) == LAYERS, timeout=20)
        assert len({id(session) for session in got}) == 1
        assert _logins(server) == before + 1
    finally:
        plugin_support.stop_plugin(plugin)
