"""Shared fixtures: the Geo Engine-compatible server on loopback and the plugin as a package.

The repository root is the plugin folder. Whatever the clone's folder is called, tests import
the plugin as ``geoengine_qgis`` through a symlink made here, the name QGIS installs it under.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
TESTS = REPO / "tests"
PLUGIN_PACKAGE = "geoengine_qgis"

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("XDG_RUNTIME_DIR", tempfile.mkdtemp(prefix="xdg-"))
if str(TESTS) not in sys.path:
    sys.path.insert(0, str(TESTS))

_package_parent = Path(tempfile.mkdtemp(prefix="geoengine-qgis-pkg-"))
(_package_parent / PLUGIN_PACKAGE).symlink_to(REPO, target_is_directory=True)
sys.path.insert(0, str(_package_parent))

from geoengine_server import Faults, ServerConfig  # noqa: E402
from geoengine_server.runner import RunningServer, start_server  # noqa: E402
from hypothesis import settings as hypothesis_settings  # noqa: E402

# Property tests draw the same examples on every run (a failure seen in CI is replayed by the next run);
# each test's own @settings (max_examples, deadline) still apply.
hypothesis_settings.register_profile("geoengine", derandomize=True, database=None)
hypothesis_settings.load_profile("geoengine")

# Geo Engine's quota tracking is off by default (so is the bundled server's); the test servers switch it on,
# since the quota and usage tests need it. Tests of the default start their own ``ServerConfig()``.
TRACKING = {"quota_mode": "track"}


@pytest.fixture(scope="session")
def shared_server() -> RunningServer:
    """One server for the whole run (state accumulates: use ``server`` for fault resets)."""
    running = start_server(ServerConfig(**TRACKING))
    yield running
    running.stop()


@pytest.fixture
def server(shared_server: RunningServer) -> RunningServer:
    """The shared server, with every fault switched off again after the test."""
    yield shared_server
    shared_server.config.faults.reset()


@pytest.fixture
def fresh_server(request) -> RunningServer:
    """A server of the test's own, for tests that change settings (quota mode, lifetimes...).

    Parametrise indirectly with a dict of ``ServerConfig`` fields to change them.
    """
    overrides = getattr(request, "param", {}) or {}
    running = start_server(ServerConfig(**{**TRACKING, **overrides}))
    yield running
    running.stop()


@pytest.fixture
def base_url(server: RunningServer) -> str:
    return server.base_url


@pytest.fixture
def faults(server: RunningServer) -> Faults:
    return server.config.faults


@pytest.fixture(scope="session")
def hostile_server() -> RunningServer:
    """A server of its own for the hostile-mode tests (``config.hostile``, see geoengine_server/hostile.py)."""
    running = start_server(ServerConfig())
    yield running
    running.stop()


@pytest.fixture
def hostile(hostile_server: RunningServer) -> RunningServer:
    """The hostile server, with every hostile switch and fault off again after the test."""
    yield hostile_server
    hostile_server.config.hostile.reset()
    hostile_server.config.faults.reset()


@pytest.fixture
def recorder():
    """An AuthRecorder on another loopback port: where hostile redirects point; records any credentials."""
    from geoengine_server.hostile import AuthRecorder

    started = AuthRecorder().start()
    yield started
    started.stop()
