"""Server settings and the fault-injection switches tests flip."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from .hostile import HostileMode

# The repository carries the Geo Engine test data (tests/data/geoengine-test-data, see tests/data/README.md),
# so a bare clone runs the server, the demo and the tests; GEOENGINE_TEST_DATA points elsewhere.
_REPO = Path(__file__).resolve().parents[2]
BUNDLED_DATA_DIR = _REPO / "tests" / "data" / "geoengine-test-data"


def default_data_dir() -> Path:
    """The Geo Engine test data: ``$GEOENGINE_TEST_DATA`` when set, else the copy inside the repository."""
    env = os.environ.get("GEOENGINE_TEST_DATA")
    candidate = Path(env) if env else BUNDLED_DATA_DIR
    if (candidate / "dataset_defs").is_dir():
        return candidate
    where = f"GEOENGINE_TEST_DATA={env}" if env else str(BUNDLED_DATA_DIR)
    raise FileNotFoundError(f"Geo Engine test data not found at {where}: it must hold dataset_defs/")


@dataclass
class Faults:
    """Faults a test switches on through the server object (never through request parameters)."""

    latency_s: float = 0.0  # added before every HTTP response
    http_500_remaining: int = 0  # the next N requests answer 500
    http_500_path_prefix: str = ""  # ... only those whose path (below /api) starts with this
    stream_fail_after: int | None = None  # websocket streams close 1011 after N messages
    stream_fail_text: str = ""  # ... with this error text (a default names the fault)
    slow_tile_s: float = 0.0  # delay before each streamed message
    malformed_arrow: bool = False  # streamed messages are not valid Arrow IPC files

    def reset(self) -> None:
        self.__init__()  # type: ignore[misc]


@dataclass
class ServerConfig:
    """What a real Geo Engine reads from Settings.toml, plus the test data location."""

    data_dir: Path = field(default_factory=default_data_dir)
    api_prefix: str = "/api"
    version: str = "0.9.3"
    external_address: str | None = None  # e.g. http://127.0.0.1:3030/api/ ; derived when None
    session_lifetime_s: float = 30 * 24 * 3600.0
    anonymous_access: bool = True
    tile_size: int = 512
    wcs_tile_limit: int = 4
    wms_max_size: int = 4096
    list_limit: int = 20
    default_ogc_time_ms: int = 1388534400000  # 2014-01-01T00:00:00Z
    # disabled | track | check; off by default like the real server (its tracker then drops every usage message):
    # geo-engine/geoengine@5748ef7:geoengine/Settings-default.toml,
    # geo-engine/geoengine@5748ef7:geoengine/services/src/quota/mod.rs
    quota_mode: str = "disabled"
    default_available_quota: int = 10_000_000
    task_seconds_per_tile: float = 0.05  # pacing of datasetFromWorkflow so progress is visible
    vector_chunk_bytes: int = 1 << 20
    # the real server writes the whole error text into the close frame, even beyond the 123 bytes a close reason may
    # hold (geo-engine/geoengine@5748ef7:geoengine/services/src/workflows/websocket_stream.rs), which clients then
    # reject as an invalid frame (1006); True does the same, False cuts reasons to 123 bytes
    untruncated_close_reasons: bool = False
    faults: Faults = field(default_factory=Faults)
    hostile: HostileMode = field(default_factory=HostileMode)  # see hostile.py: a broken or malicious server
