"""Saved connections: QgsSettings round trip, secrets only in the Auth Manager, Test connection against the server."""

from __future__ import annotations

import plugin_support
import pytest
from plugin_support import ADMIN, ADMIN_PASSWORD, basic_config, closed_port

pytestmark = pytest.mark.qgis


@pytest.fixture
def auth(qgis_app):
    """The Auth Manager of the test profile, unlocked; configs made by a test are removed afterwards."""
    from qgis.core import QgsApplication

    plugin_support.ensure_master_password()
    manager = QgsApplication.authManager()
    before = set(manager.configIds())
    yield manager
    for config_id in set(manager.configIds()) - before:
        manager.removeAuthenticationConfig(config_id)


@pytest.fixture
def store(qgis_app):
    from geoengine_qgis.qgis_glue.connections import ConnectionStore
    from qgis.core import QgsSettings

    root = "geoengine/test-connections"
    yield ConnectionStore(root)
    QgsSettings().remove(root)


@pytest.fixture
def log_messages(qgis_app):
    from qgis.core import QgsApplication

    messages = []

    def record(message, tag, level):
        messages.append(message)

    QgsApplication.messageLog().messageReceived.connect(record)
    yield messages
    QgsApplication.messageLog().messageReceived.disconnect(record)


# --- settings round trip --------------------------------------------------------------------------


def test_password_connection_round_trip_keeps_the_password_out_of_settings(auth, store, base_url):
    from geoengine_qgis.qgis_glue.connections import PASSWORD, Connection, PasswordCredentials, load_credentials

    authcfg = basic_config(ADMIN, ADMIN_PASSWORD)
    saved = store.save(Connection(" Local ", base_url + "/", PASSWORD, authcfg))
    assert saved == Connection("Local", base_url, PASSWORD, authcfg)
    assert store.names() == ["Local"]
    assert store.load("Local") == saved
    assert load_credentials(saved) == PasswordCredentials(ADMIN, ADMIN_PASSWORD)
    assert "adminadmin" not in repr(load_credentials(saved))

    text = plugin_support.settings_file().read_text(encoding="utf-8", errors="replace")
    assert "test-connections" in text and authcfg in text and base_url in text
    assert ADMIN_PASSWORD not in text and ADMIN not in text


def test_token_connection_stores_the_token_in_the_auth_manager_only(auth, store, base_url):
    from geoengine_qgis.qgis_glue.connections import TOKEN, Connection, TokenCredentials, load_credentials, store_token

    token = "1b4d2e9a-1111-4222-8333-944455556666"
    authcfg = store_token("tok", token)
    saved = store.save(Connection("tok", base_url, TOKEN, authcfg))
    assert load_credentials(saved) == TokenCredentials(token)
    assert token not in plugin_support.settings_file().read_text(encoding="utf-8", errors="replace")

    # replacing the token updates the same Auth Manager entry
    new_token = "2b4d2e9a-1111-4222-8333-944455556666"
    assert store_token("tok", new_token, authcfg) == authcfg
    assert load_credentials(saved) == TokenCredentials(new_token)

    store.delete("tok")
    assert store.names() == []
    assert authcfg not in auth.configIds()  # the plugin's own token config goes with the connection


def test_deleting_a_password_connection_keeps_the_users_auth_config(auth, store, base_url):
    from geoengine_qgis.qgis_glue.connections import PASSWORD, Connection

    authcfg = basic_config(ADMIN, ADMIN_PASSWORD)
    store.save(Connection("a", base_url, PASSWORD, authcfg))
    store.delete("a")
    assert authcfg in auth.configIds()


def test_rename_moves_the_connection(auth, store, base_url):
    from geoengine_qgis.qgis_glue.connections import PASSWORD, Connection

    authcfg = basic_config(ADMIN, ADMIN_PASSWORD)
    store.save(Connection("old", base_url, PASSWORD, authcfg))
    store.save(Connection("new", base_url, PASSWORD, authcfg), previous_name="old")
    assert store.names() == ["new"]
    moved = store.load("new")  # URL and authentication moved with the name
    assert (moved.url, moved.auth_kind, moved.authcfg) == (base_url.rstrip("/"), PASSWORD, authcfg)
    with pytest.raises(KeyError, match="no saved Geo Engine connection named 'old'"):
        store.load("old")


@pytest.mark.parametrize(
    "connection_args, message",
    [
        (("", "http://h/api"), "needs a name"),
        (("a/b", "http://h/api"), "may not contain"),
        (("a", "ftp://h/api"), "http:// or https://"),
        (("a", "http://user:pw@h/api"), "Authentication Manager"),
        (("a", "http://h/api?x=1"), "query or fragment"),
        (("a", "http://h/api", "kerberos"), "Unknown authentication kind"),
        (("a", "http://h/api", "password", ""), "needs an authentication configuration"),
    ],
)
def test_invalid_connections_are_refused_with_a_clear_message(store, connection_args, message):
    from geoengine_qgis.qgis_glue.connections import Connection, ConnectionSettingsError

    with pytest.raises(ConnectionSettingsError, match=message):
        store.save(Connection(*connection_args))
    assert store.names() == []


def test_duplicate_name_is_refused(store, base_url):
    from geoengine_qgis.qgis_glue.connections import Connection, ConnectionSettingsError

    store.save(Connection("x", base_url))
    with pytest.raises(ConnectionSettingsError, match="already exists"):
        store.save(Connection("x", base_url))


def test_a_non_basic_auth_config_is_refused_at_use_time(auth, store, base_url):
    from geoengine_qgis.qgis_glue.connections import PASSWORD, Connection, ConnectionSettingsError, load_credentials
    from qgis.core import QgsAuthMethodConfig

    config = QgsAuthMethodConfig("EsriToken")
    config.setName("esri")
    config.setConfig("token", "abc")
    assert auth.storeAuthenticationConfig(config)
    with pytest.raises(ConnectionSettingsError, match="Basic"):
        load_credentials(Connection("e", base_url, PASSWORD, config.id()))
    with pytest.raises(ConnectionSettingsError, match="cannot be read"):
        load_credentials(Connection("e", base_url, PASSWORD, "nosuch1"))


# --- Test connection (background task, real server) -----------------------------------------------


@pytest.fixture
def dialog(qgis_app, store):
    from geoengine_qgis.qgis_glue.messages import Notifier
    from geoengine_qgis.qgis_glue.sessions import probe_connection
    from geoengine_qgis.qgis_glue.tasks import TaskRunner
    from geoengine_qgis.ui.connections_dialog import ConnectionsDialog

    runner = TaskRunner(Notifier())
    widget = ConnectionsDialog(store, runner, probe_connection)
    yield widget
    widget.done(0)
    runner.cancel_all()
    widget.deleteLater()


def run_test(dialog, timeout: float = 30.0) -> str:
    task = dialog.test_current()
    if task is not None:
        assert plugin_support.wait_until(lambda: dialog.test_button.isEnabled(), timeout=timeout), "test never finished"
    return dialog.status.text()


def fill(dialog, name, url, kind, authcfg=""):
    from geoengine_qgis.qgis_glue.connections import AUTH_KINDS

    dialog.new_connection()
    dialog.name_edit.setText(name)
    dialog.url_edit.setText(url)
    dialog.kind_combo.setCurrentIndex(AUTH_KINDS.index(kind))
    dialog.auth_select.setConfigId(authcfg)


def test_test_connection_anonymous_shows_version_and_user(dialog, base_url):
    fill(dialog, "anon", base_url, "anonymous")
    status = run_test(dialog)
    assert "Geo Engine 0.9.3" in status and "anonymous user" in status and base_url in status, status


def test_test_connection_with_email_and_password(dialog, auth, base_url, log_messages):
    authcfg = basic_config(ADMIN, ADMIN_PASSWORD)
    fill(dialog, "admin", base_url, "password", authcfg)
    assert dialog.save_current() is not None
    status = run_test(dialog)
    assert "Geo Engine 0.9.3" in status and f"<{ADMIN}>" in status and "valid until" in status, status
    assert not any(ADMIN_PASSWORD in message for message in log_messages)


def test_test_connection_runs_in_the_background(dialog, base_url, faults):
    """With a slow server the click returns at once; the result arrives later through the event loop."""
    faults.latency_s = 0.4  # per request; the probe sends three (anonymous, info, session) plus logout
    fill(dialog, "slow", base_url, "anonymous")
    task = dialog.test_current()
    # the click returned before the probe's answers (0.4 s each) could have come: still testing
    assert task is not None and not dialog.test_button.isEnabled()
    assert dialog.status.text().startswith("Testing")
    assert plugin_support.wait_until(lambda: dialog.test_button.isEnabled(), timeout=30)
    assert "Geo Engine 0.9.3" in dialog.status.text()


def test_closing_the_dialog_cancels_a_running_test(dialog, base_url, faults):
    faults.latency_s = 0.5
    fill(dialog, "slow", base_url, "anonymous")
    task = dialog.test_current()
    ended = []
    task.taskCompleted.connect(lambda: ended.append("completed"))
    task.taskTerminated.connect(lambda: ended.append("terminated"))
    dialog.done(0)
    assert task.isCanceled()
    # QgsTask calls finished() and then emits taskTerminated/taskCompleted on the main thread
    assert plugin_support.wait_until(lambda: ended, timeout=20)
    assert dialog.status.text().startswith("Testing")  # no callback reached the closed dialog


def test_wrong_password_gives_a_401_message(dialog, auth, base_url, log_messages):
    authcfg = basic_config(ADMIN, "wrong-password")
    fill(dialog, "bad", base_url, "password", authcfg)
    status = run_test(dialog)
    assert "401" in status and "password is wrong" in status, status
    assert not any("wrong-password" in message for message in log_messages)


def test_connection_refused_is_explained(dialog):
    fill(dialog, "down", f"http://127.0.0.1:{closed_port()}/api", "anonymous")
    status = run_test(dialog)
    assert "connection refused" in status.lower() and "proxy" in status.lower(), status


def test_wrong_path_is_explained(dialog, base_url):
    fill(dialog, "wrong path", base_url.replace("/api", "/geoengine"), "anonymous")
    status = run_test(dialog)
    assert "Not found (HTTP 404)" in status and "/geoengine/api/anonymous" in status and "ending in /api" in status


def test_test_connection_with_a_pasted_token(dialog, base_url, auth, log_messages):
    from geoengine_qgis.core.session import Session

    login = Session(base_url, credentials=(ADMIN, ADMIN_PASSWORD), use_env=False)
    token = login.auth_header["Authorization"].split()[1]
    fill(dialog, "pasted", base_url, "token")
    dialog.token_edit.setText(token)
    status = run_test(dialog)
    assert f"<{ADMIN}>" in status, status
    login.get_json("session")  # the probe did not log the user's token out
    # saving moves the token into the Auth Manager; the settings never see it
    saved = dialog.save_current()
    assert saved is not None and saved.authcfg in auth.configIds()
    assert token not in plugin_support.settings_file().read_text(encoding="utf-8", errors="replace")
    assert not any(token in message for message in log_messages)
    status = run_test(dialog)  # now from the Auth Manager
    assert f"<{ADMIN}>" in status, status
    login.logout()


def test_invalid_form_is_reported_without_a_task(dialog):
    fill(dialog, "x", "not a url", "anonymous")
    assert dialog.test_current() is None
    assert "http://" in dialog.status.text()


def test_dialog_lists_edits_renames_and_deletes(dialog, store, auth, base_url):
    from geoengine_qgis.qgis_glue.connections import PASSWORD, TOKEN, Connection

    authcfg = basic_config(ADMIN, ADMIN_PASSWORD)
    fill(dialog, "beta", base_url, "password", authcfg)
    assert dialog.save_current() == Connection("beta", base_url, PASSWORD, authcfg)
    fill(dialog, "alpha", base_url + "/", "token")
    dialog.token_edit.setText("c0ffee00-0000-4000-8000-000000000001")
    alpha = dialog.save_current()
    assert alpha.auth_kind == TOKEN and alpha.url == base_url
    assert [dialog.list.item(i).text() for i in range(dialog.list.count())] == ["alpha", "beta"]
    assert dialog.list.currentItem().text() == "alpha"
    assert dialog.token_edit.text() == "" and "token is stored" in dialog.token_status.text()

    dialog.list.setCurrentRow(1)  # beta: the form shows its settings
    assert dialog.name_edit.text() == "beta" and dialog.auth_select.configId() == authcfg
    dialog.name_edit.setText("gamma")
    assert dialog.save_current().name == "gamma"
    assert store.names() == ["alpha", "gamma"]

    dialog.list.setCurrentRow(0)
    dialog.delete_current()
    assert store.names() == ["gamma"]
    assert alpha.authcfg not in auth.configIds()


def test_dialog_save_errors_are_shown_not_raised(dialog, base_url):
    fill(dialog, "needs-login", base_url, "password", "")
    assert dialog.save_current() is None
    assert "needs an authentication configuration" in dialog.status.text()


def test_hand_edited_settings_give_clear_errors_not_crashes(dialog, store, base_url):
    from geoengine_qgis.qgis_glue.connections import ConnectionSettingsError
    from geoengine_qgis.qgis_glue.sessions import resolve
    from qgis.core import QgsSettings

    settings = QgsSettings()
    settings.setValue("geoengine/test-connections/edited/url", base_url)
    settings.setValue("geoengine/test-connections/edited/auth_kind", "kerberos")
    dialog.reload(select="edited")
    assert dialog.name_edit.text() == "edited"
    assert "Unknown authentication kind 'kerberos'" in dialog.status.text()
    with pytest.raises(ConnectionSettingsError, match="kerberos"):
        resolve(store.load("edited"))


def test_two_dialogs_deleting_the_same_connection(dialog, store, base_url):
    from geoengine_qgis.qgis_glue.connections import Connection
    from geoengine_qgis.qgis_glue.messages import Notifier
    from geoengine_qgis.qgis_glue.sessions import probe_connection
    from geoengine_qgis.qgis_glue.tasks import TaskRunner
    from geoengine_qgis.ui.connections_dialog import ConnectionsDialog

    store.save(Connection("shared", base_url))
    dialog.reload(select="shared")
    other = ConnectionsDialog(store, TaskRunner(Notifier()), probe_connection)
    try:
        other.delete_current()
        dialog.delete_current()  # already gone: no exception in the slot
        assert store.names() == []
        dialog._show("shared")  # a stale list entry
        assert dialog.list.count() == 0
    finally:
        other.done(0)
        other.deleteLater()
