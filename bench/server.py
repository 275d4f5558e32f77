"""The bundled Geo Engine-compatible test server as a subprocess, for the benchmarks."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PYTHON = REPO / ".venv" / "bin" / "python"
OFFICIAL_PYTHON = REPO / ".venv-official" / "bin" / "python"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ServerProcess:
    """``python -m geoengine_server --port N`` with quota bookkeeping off; stopped on exit."""

    def __init__(self, startup_timeout: float = 60.0, slow_tile_s: float = 0.0) -> None:
        port = free_port()
        env = {**os.environ, "PYTHONPATH": str(REPO / "tests")}
        if slow_tile_s:
            command = [str(PYTHON), str(REPO / "bench" / "slow_server.py"), str(port), str(slow_tile_s)]
        else:
            command = [str(PYTHON), "-m", "geoengine_server", "--port", str(port), "--quota-mode", "disabled"]
        self.process = subprocess.Popen(
            command,
            env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, cwd=str(REPO),
        )
        deadline = time.monotonic() + startup_timeout
        line = ""
        while time.monotonic() < deadline and not line.startswith("http"):
            line = self.process.stdout.readline().strip()
            if self.process.poll() is not None:
                raise RuntimeError("the test server exited while starting")
        if not line.startswith("http"):
            self.stop()
            raise RuntimeError("the test server did not start in time")
        self.base_url = line

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)

    def __enter__(self) -> ServerProcess:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def plugin_path() -> None:
    """Make the repository importable as package ``geoengine_qgis`` (as tests/conftest.py does)."""
    import tempfile

    parent = Path(tempfile.mkdtemp(prefix="geoengine-bench-"))
    (parent / "geoengine_qgis").symlink_to(REPO, target_is_directory=True)
    sys.path.insert(0, str(parent))
