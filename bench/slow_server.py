"""The bundled server with ``faults.slow_tile_s`` set: a server that needs wall time (not CPU) per tile.

Usage: slow_server.py <port> <seconds per tile>; prints the base URL, serves until terminated.
Used by run_all.py to show that the pipelined ``NEXT`` hides the client's work when the server is the
bottleneck (as a real Geo Engine reading and computing tiles usually is).
"""

from __future__ import annotations

import signal
import sys
import threading

from geoengine_server import Faults, ServerConfig
from geoengine_server.runner import start_server


def main() -> None:
    port, seconds = int(sys.argv[1]), float(sys.argv[2])
    server = start_server(ServerConfig(quota_mode="disabled", faults=Faults(slow_tile_s=seconds)), port=port)
    print(server.base_url, flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    while not stop.wait(0.5):
        pass
    server.stop()


if __name__ == "__main__":
    main()
