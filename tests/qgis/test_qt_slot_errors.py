"""An exception raised in a Python slot that Qt calls must fail the test that was running, not kill the run.

PyQt5 calls ``qFatal()`` (abort) for such exceptions when ``sys.excepthook`` is Python's default: the whole
pytest process died with "Fatal Python error: Aborted" and the main thread inside ``QgsProject.addMapLayer``
(the signal's emitter), e.g. when a ``layersAdded`` slot raised. tests/qgis/conftest.py installs a hook that
records the traceback and fails the test instead.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

import plugin_support
import pytest

pytestmark = pytest.mark.qgis

RAISING_SLOT = textwrap.dedent("""
    from qgis.testing import start_app
    app = start_app()
    from qgis.core import QgsProject, QgsVectorLayer

    def slot(layers):
        raise RuntimeError("raised in a layersAdded slot")

    QgsProject.instance().layersAdded.connect(slot)
    QgsProject.instance().addMapLayer(QgsVectorLayer("Point?crs=EPSG:4326", "p", "memory"))
    print("SURVIVED", flush=True)
""")


def test_default_hook_aborts_the_process(qgis_app):
    """The mechanism behind the crash: with Python's default hook the process aborts inside addMapLayer."""
    env = plugin_support.env_without_proxy()
    env["QT_QPA_PLATFORM"] = "offscreen"
    done = subprocess.run([sys.executable, "-X", "faulthandler", "-c", RAISING_SLOT], capture_output=True,
                          text=True, timeout=120, env=env)
    assert done.returncode != 0 and "SURVIVED" not in done.stdout
    assert "raised in a layersAdded slot" in done.stderr and "Fatal Python error: Aborted" in done.stderr


def test_slot_exception_is_recorded_for_the_test(project, slot_errors):
    from qgis.core import QgsVectorLayer

    def slot(_layers):
        raise RuntimeError("raised in a layersAdded slot")

    project.layersAdded.connect(slot)
    try:
        project.addMapLayer(QgsVectorLayer("Point?crs=EPSG:4326", "p", "memory"))
    finally:
        project.layersAdded.disconnect(slot)
    assert len(slot_errors) == 1 and "raised in a layersAdded slot" in slot_errors[0]
    slot_errors.clear()  # expected here; any other test with an entry fails at teardown


def test_task_failing_after_its_message_bar_was_deleted_does_not_raise_into_qt(qgis_app, slot_errors):
    """A task still running when the test (or dialog) that owned its message bar is gone reports to the log only:
    raising from ``QgsTask.finished`` (RuntimeError: wrapped QgsMessageBar deleted) aborted the run."""
    from geoengine_qgis.qgis_glue.messages import Notifier
    from geoengine_qgis.qgis_glue.tasks import TaskRunner
    from qgis.gui import QgsMessageBar

    bar = QgsMessageBar()
    notifier = Notifier(bar)
    runner = TaskRunner(notifier)
    release, results = __import__("threading").Event(), []

    def work(_context):
        release.wait(10)
        raise ValueError("the server said no")

    task = runner.submit("Geo Engine: late failure", work, on_error=results.append)
    bar.deleteLater()
    plugin_support.flush_deletes()  # the bar is gone while the task still runs
    release.set()
    assert plugin_support.wait_until(lambda: bool(results), timeout=20)
    assert isinstance(results[0], ValueError) and not task.isActive()
    assert slot_errors == []
    notifier.warning("after the bar is gone")  # direct use: the log only
