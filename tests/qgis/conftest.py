"""Headless QGIS for the tests in tests/qgis (offscreen Qt platform, throw-away profile)."""

from __future__ import annotations

import os
import shutil
import sys
import time

import pytest

SHUTDOWN_WAIT_S = 10.0
_started = {"app": False, "status": 0}


@pytest.fixture(scope="session")
def qgis_app():
    """One QgsApplication for the whole run (qgis.testing.start_app: temp profile, providers loaded).

    At the end of the session the fixture stops QGIS's background work (tasks, thread pool) and closes the
    windows the tests left. It does not tear QGIS down: ``exitQgis`` and the destructors that run during
    interpreter shutdown crashed the process after all tests had passed (segfaults and heap corruption in
    QGIS threads). ``pytest_unconfigure`` below ends the process with pytest's exit status instead.
    """
    from qgis.testing import start_app

    app = start_app(cleanup=False)
    _started["app"] = True
    yield app
    quiesce()


def quiesce() -> None:
    """Cancel QGIS tasks, wait for thread-pool work and close every top-level window (bounded waits)."""
    from qgis.core import QgsApplication
    from qgis.PyQt.QtCore import QCoreApplication, QThreadPool
    from qgis.PyQt.QtWidgets import QApplication

    tasks = QgsApplication.taskManager()
    tasks.cancelAll()
    deadline = time.monotonic() + SHUTDOWN_WAIT_S
    while tasks.countActiveTasks() and time.monotonic() < deadline:
        QCoreApplication.processEvents()
        time.sleep(0.01)
    QThreadPool.globalInstance().waitForDone(int(SHUTDOWN_WAIT_S * 1000))
    for widget in QApplication.topLevelWidgets():
        widget.close()
    QCoreApplication.processEvents()


def pytest_sessionfinish(session, exitstatus):
    _started["status"] = int(exitstatus)


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config):
    """After QGIS ran in this process: remove its temporary profile and exit without interpreter teardown."""
    if not _started["app"]:
        return
    profile = os.environ.get("QGIS_CUSTOM_CONFIG_PATH", "")
    if os.path.basename(profile).startswith("QGIS-PythonTestConfigPath-"):
        shutil.rmtree(profile, ignore_errors=True)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(_started["status"])
