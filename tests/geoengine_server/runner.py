"""Run the server on loopback in a background thread (tests, demo, benchmarks)."""

from __future__ import annotations

import asyncio
import socket
import threading
from dataclasses import dataclass

from aiohttp import web

from .app import create_app
from .config import ServerConfig


@dataclass
class RunningServer:
    host: str
    port: int
    config: ServerConfig
    app: web.Application
    _loop: asyncio.AbstractEventLoop
    _runner: web.AppRunner
    _thread: threading.Thread

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>/api`` (no trailing slash)."""
        return f"http://{self.host}:{self.port}{self.config.api_prefix}"

    @property
    def api(self) -> web.Application:
        """The ``/api`` sub-application holding the services (users, workflows, tasks...)."""
        return self.app["api"]

    def call(self, fn, *args):
        """Run ``fn(*args)`` on the server's event loop thread and return its result."""
        async def _run():
            return fn(*args)

        return asyncio.run_coroutine_threadsafe(_run(), self._loop).result(timeout=30)

    def stop(self) -> None:
        future = asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop)
        future.result(timeout=30)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=30)


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def start_server(config: ServerConfig | None = None, host: str = "127.0.0.1", port: int = 0) -> RunningServer:
    """Start the server in a daemon thread; returns once it accepts connections."""
    config = config or ServerConfig()
    port = port or free_port(host)
    if config.external_address is None:
        config.external_address = f"http://{host}:{port}{config.api_prefix}/"
    app = create_app(config)
    loop = asyncio.new_event_loop()
    # Long request lines: WMS ``styles=custom:{...}`` with a 256-entry palette is ~16 KB of URL.
    runner = web.AppRunner(app, access_log=None, max_line_size=1 << 17, max_field_size=1 << 16)
    started = threading.Event()
    failure: list[BaseException] = []

    def serve() -> None:
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(runner.setup())
            loop.run_until_complete(web.TCPSite(runner, host, port).start())
        except BaseException as exc:  # reported to the caller below
            failure.append(exc)
            started.set()
            return
        started.set()
        loop.run_forever()
        loop.close()

    thread = threading.Thread(target=serve, name=f"geoengine-server-{port}", daemon=True)
    thread.start()
    started.wait(timeout=60)
    if failure:
        raise RuntimeError(f"the Geo Engine test server could not start on {host}:{port}: {failure[0]}")
    return RunningServer(host, port, config, app, loop, runner, thread)
