"""``python -m geoengine_server [--port 3030] [--host 127.0.0.1]``: serve in the foreground."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from pathlib import Path

from .config import ServerConfig
from .hostile import ARROW_MODES
from .runner import start_server


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="geoengine_server", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=3030)
    parser.add_argument("--data", type=Path, default=None, help="Geo Engine test data folder")
    parser.add_argument("--quota-mode", choices=("disabled", "track", "check"), default="disabled",
                        help="quota tracking; off by default, as on a stock Geo Engine")
    parser.add_argument("--hostile-arrow", choices=ARROW_MODES[1:], default=None,
                        help="hostile mode: spoil every streamed Arrow message this way (see hostile.py)")
    parser.add_argument("--hostile-html", action="store_true",
                        help="hostile mode: HTML and file: links in display names, descriptions and errors")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    # with --data the default location is not searched (it may not exist)
    config = ServerConfig(quota_mode=args.quota_mode, **({"data_dir": args.data} if args.data else {}))
    config.hostile.arrow = args.hostile_arrow or ""
    config.hostile.html = args.hostile_html
    if not config.data_dir.is_dir():
        print(f"error: test data folder not found: {config.data_dir}", file=sys.stderr)
        return 2
    server = start_server(config, host=args.host, port=args.port)
    print(server.base_url, flush=True)

    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    while not stop.wait(0.5):
        pass
    server.stop()
    print("Geo Engine test server stopped.", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
