"""Background tasks (QgsTaskManager) around core calls, and the plugin's temporary folder."""

from __future__ import annotations

import threading
import time

import plugin_support
import pytest

pytestmark = pytest.mark.qgis


@pytest.fixture
def log_messages(qgis_app):
    from qgis.core import QgsApplication

    messages = []

    def record(message, tag, level):
        if tag == "Geo Engine":
            messages.append(message)

    QgsApplication.messageLog().messageReceived.connect(record)
    yield messages
    QgsApplication.messageLog().messageReceived.disconnect(record)


def wait_done(runner, timeout=30.0):
    assert plugin_support.wait_until(lambda: not runner.active, timeout=timeout), "task did not finish in time"


def test_a_core_call_runs_off_the_main_thread_and_delivers_on_it(runner, base_url):
    from geoengine_qgis.qgis_glue.connections import Connection
    from geoengine_qgis.qgis_glue.sessions import open_session, resolve

    resolved = resolve(Connection("local", base_url), credentials=None)
    threads, results = {}, []

    def work(context):
        threads["work"] = threading.current_thread()
        session = open_session(resolved)
        context.set_progress(50)
        try:
            return session.server_version, session.get_json("session")["user"]["id"] == session.user_id
        finally:
            session.logout()

    def on_success(result):
        threads["callback"] = threading.current_thread()
        results.append(result)

    task = runner.submit("server version", work, on_success=on_success)
    wait_done(runner)
    assert results == [("0.9.3", True)]
    assert threads["work"] is not threading.main_thread()
    assert threads["callback"] is threading.main_thread()
    assert task.progress() >= 50


def test_a_core_error_goes_to_the_bar_short_and_the_log_in_detail(runner, bar, log_messages):
    from geoengine_qgis.core.errors import GeoEngineConnectionError
    from geoengine_qgis.core.session import Session

    port = plugin_support.closed_port()
    errors = []
    runner.submit("connect", lambda ctx: Session(f"http://127.0.0.1:{port}/api", use_env=False),
                  on_error=errors.append)
    wait_done(runner)
    assert len(errors) == 1 and isinstance(errors[0], GeoEngineConnectionError)
    items = bar.items()
    assert len(items) == 1
    assert items[0].text().startswith("connect failed: Cannot connect to the Geo Engine server")
    assert "Traceback" not in items[0].text()
    assert any("GeoEngineConnectionError" in message for message in log_messages)


def test_a_401_is_reported_as_not_authorised(runner, bar, base_url):
    from geoengine_qgis.core.session import Session

    runner.submit("login", lambda ctx: Session(base_url, credentials=("admin@localhost", "nope"), use_env=False))
    wait_done(runner)
    assert "Not authorised (HTTP 401)" in bar.items()[0].text()


def test_an_unexpected_error_logs_the_traceback_but_the_bar_stays_short(runner, bar, log_messages):
    def work(context):
        raise ZeroDivisionError("boom")

    runner.submit("compute", work)
    wait_done(runner)
    assert bar.items()[0].text() == "compute failed: Unexpected error: ZeroDivisionError: boom"
    assert any("Traceback" in message and "ZeroDivisionError" in message for message in log_messages)


def test_cancel_is_seen_by_the_work_and_reported_as_cancelled(runner, bar, log_messages):
    started, outcomes = threading.Event(), []

    def work(context):
        started.set()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not context.is_canceled():  # a core cancel callback
            time.sleep(0.01)
        context.check_canceled()
        return "not cancelled"

    task = runner.submit("slow", work, on_success=outcomes.append, on_cancel=lambda: outcomes.append("cancelled"),
                         on_error=outcomes.append)
    assert started.wait(10)
    task.cancel()
    wait_done(runner)
    assert outcomes == ["cancelled"]
    assert bar.items() == []
    assert "slow: cancelled" in log_messages


def test_a_failing_callback_is_reported_not_raised(runner, bar):
    def broken(_result):
        raise KeyError("layer")

    runner.submit("callback", lambda ctx: 1, on_success=broken)
    wait_done(runner)
    assert "KeyError" in bar.items()[0].text()


def test_errors_can_be_left_to_the_caller(runner, bar, log_messages):
    from geoengine_qgis.qgis_glue.messages import Notifier
    from geoengine_qgis.qgis_glue.tasks import CoreTask

    errors = []
    task = CoreTask("quiet", lambda ctx: 1 / 0, Notifier(bar), on_error=errors.append, notify_errors=False)
    runner.start(task)
    wait_done(runner)
    assert len(errors) == 1 and bar.items() == []
    assert any(message.startswith("quiet: Unexpected error") for message in log_messages)


def test_run_and_finished_can_be_driven_directly(bar):
    """The logic without the task manager: run() on this thread, then finished()."""
    from geoengine_qgis.qgis_glue.messages import Notifier
    from geoengine_qgis.qgis_glue.tasks import CoreTask

    results = []
    task = CoreTask("direct", lambda ctx: (ctx.set_fraction(0.25), "ok")[1], Notifier(bar), on_success=results.append)
    assert task.run() is True
    assert task.progress() == 25
    task.finished(True)
    assert results == ["ok"]


# --- temp folder --------------------------------------------------------------------------------


def test_temp_folder_is_made_lazily_and_removed(tmp_path):
    from geoengine_qgis.qgis_glue.tempfiles import PluginTempDir

    temp = PluginTempDir(base=str(tmp_path))
    assert not temp.exists and list(tmp_path.iterdir()) == []
    first, second = temp.job_dir("NDVI 2014/01"), temp.job_dir("NDVI 2014/01")
    assert first != second and first.parent == temp.root == second.parent
    assert "/" not in first.name[len("NDVI"):] and first.name.startswith("NDVI_2014_01-")
    (first / "tile.tif").write_bytes(b"x")
    temp.cleanup()
    assert not temp.exists and list(tmp_path.iterdir()) == []
    temp.cleanup()  # twice is fine


def test_failed_or_cancelled_job_folder_is_removed(tmp_path):
    from geoengine_qgis.qgis_glue.tasks import TaskCancelled
    from geoengine_qgis.qgis_glue.tempfiles import PluginTempDir

    temp = PluginTempDir(base=str(tmp_path))
    with temp.job("ok") as kept:
        (kept / "a.tif").write_bytes(b"x")
    assert kept.is_dir()
    for error in (RuntimeError("download failed"), TaskCancelled()):
        with pytest.raises(type(error)):
            with temp.job("fails") as path:
                (path / "partial.tif").write_bytes(b"x")
                raise error
        assert not path.exists()
    assert [p.name for p in temp.root.iterdir()] == [kept.name]


def test_discard_refuses_paths_outside_the_temp_folder(tmp_path):
    from geoengine_qgis.qgis_glue.tempfiles import PluginTempDir

    temp = PluginTempDir(base=str(tmp_path / "plugin"))
    (tmp_path / "plugin").mkdir()
    outside = tmp_path / "precious"
    outside.mkdir()
    temp.job_dir("x")
    with pytest.raises(ValueError, match="not a job folder"):
        temp.discard(outside)
    with pytest.raises(ValueError):
        temp.discard(temp.root)  # the root itself is not a job folder
    assert outside.is_dir()


def test_can_cancel_flag(bar):
    from geoengine_qgis.qgis_glue.messages import Notifier
    from geoengine_qgis.qgis_glue.tasks import CoreTask

    assert CoreTask("c", lambda ctx: None, Notifier(bar)).canCancel()
    assert not CoreTask("n", lambda ctx: None, Notifier(bar), can_cancel=False).canCancel()
