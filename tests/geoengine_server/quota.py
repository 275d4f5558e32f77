"""Per-user quota, the computation log and data usage (``config.quota_mode``: disabled | track | check).

API for the other server modules (kept stable; the ledger is ``request.app["quota"]``)::

    ledger.check(user_id) -> None
        Before a computation starts. Raises
        ApiError("CreatingProcessorFailed", "CreatingProcessorFailed: QuotaExhausted") (400)
        when quota_mode == "check" and the user's available quota is <= 0.

    ledger.record(user_id, workflow_id, datasets: list[str], count: int) -> str
        After (or while) a computation produced ``count`` elements (tiles, feature batches, plots).
        Returns a fresh computation id (uuid string; send it as ``x-computation-id`` if you like).
        In track/check mode it subtracts ``count`` from available, adds it to used, logs the
        computation {timestamp, computationId, workflowId, count} and one data-usage entry
        {timestamp, userId, computationId, data, count} per dataset name. In disabled mode
        nothing is recorded (the id is still returned).

Both methods are thread-safe. Quota numbers themselves: ``quota(user_id) -> (available, used)``
and ``set_available(user_id, n)``.
"""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone

from .config import ServerConfig
from .errors import ApiError
from .state import ADMIN_ROLE, format_timestamp

# check mode: geo-engine/geoengine@5748ef7:geoengine/services/src/quota/mod.rs (QuotaExhausted), wrapped by
# geo-engine/geoengine@5748ef7:geoengine/operators/src/error.rs (CreatingProcessorFailed)
QUOTA_EXHAUSTED = ("CreatingProcessorFailed", "CreatingProcessorFailed: QuotaExhausted")
# The built-in admin starts with the largest bigint:
# geo-engine/geoengine@5748ef7:geoengine/services/src/contexts/migrations/current_schema.rs (ADMIN_QUOTA)
ADMIN_QUOTA = 9_223_372_036_854_775_807
GRANULARITIES = ("minutes", "hours", "days", "months", "years")


@dataclass
class Computation:
    timestamp: datetime
    computation_id: str
    user_id: str
    workflow_id: str
    count: int

    def to_json(self, with_graph_id: bool = True) -> dict:
        """0.9.3's ``ComputationQuota`` (geo-engine/geoengine@5748ef7:geoengine/services/src/quota/mod.rs);
        ``with_graph_id`` adds the 0.10 name ``processingGraphId`` (the 0.10 official client requires it)."""
        body = {
            "timestamp": format_timestamp(self.timestamp),
            "computationId": self.computation_id,
            "workflowId": self.workflow_id,
            "count": self.count,
        }
        if with_graph_id:
            body["processingGraphId"] = self.workflow_id
        return body


# The usage rows: geo-engine/geoengine@5748ef7:geoengine/services/src/quota/mod.rs (DataUsage, DataUsageSummary)
@dataclass
class DataUsage:
    timestamp: datetime
    user_id: str
    computation_id: str
    data: str
    count: int

    def to_json(self) -> dict:
        return {
            "timestamp": format_timestamp(self.timestamp),
            "userId": self.user_id,
            "computationId": self.computation_id,
            "data": self.data,
            "count": self.count,
        }


# date_trunc of the usage summary: geo-engine/geoengine@5748ef7:geoengine/services/src/users/postgres_userdb.rs
def truncate(moment: datetime, granularity: str) -> datetime:
    """The start of the minute/hour/day/month/year ``moment`` falls in."""
    moment = moment.replace(second=0, microsecond=0)
    if granularity in ("hours", "days", "months", "years"):
        moment = moment.replace(minute=0)
    if granularity in ("days", "months", "years"):
        moment = moment.replace(hour=0)
    if granularity in ("months", "years"):
        moment = moment.replace(day=1)
    if granularity == "years":
        moment = moment.replace(month=1)
    return moment


@dataclass
class QuotaLedger:
    config: ServerConfig
    available: dict[str, int] = field(default_factory=dict)  # by user id; absent -> the default
    used: dict[str, int] = field(default_factory=dict)
    computations: list[Computation] = field(default_factory=list)  # oldest first
    data_usage: list[DataUsage] = field(default_factory=list)  # oldest first

    def __post_init__(self) -> None:
        self._lock = threading.Lock()

    @property
    def tracking(self) -> bool:
        return self.config.quota_mode in ("track", "check")

    def _available(self, user_id: str) -> int:
        """The user's available quota (the configured default until it was set or used); hold the lock."""
        default = ADMIN_QUOTA if user_id == ADMIN_ROLE else self.config.default_available_quota
        return self.available.get(user_id, default)

    def quota(self, user_id: str) -> tuple[int, int]:
        with self._lock:
            return self._available(user_id), self.used.get(user_id, 0)

    def set_available(self, user_id: str, available: int) -> None:
        with self._lock:
            self.available[user_id] = available

    def check(self, user_id: str) -> None:
        if self.config.quota_mode == "check" and self.quota(user_id)[0] <= 0:
            raise ApiError(*QUOTA_EXHAUSTED)

    def record(self, user_id: str, workflow_id: str, datasets: list[str], count: int) -> str:
        computation_id = str(uuid.uuid4())
        if not self.tracking:
            return computation_id
        now = datetime.now(timezone.utc)
        with self._lock:
            self.available[user_id] = self._available(user_id) - count
            self.used[user_id] = self.used.get(user_id, 0) + count
            self.computations.append(Computation(now, computation_id, user_id, workflow_id, count))
            for name in dict.fromkeys(datasets):  # once per dataset, in order
                self.data_usage.append(DataUsage(now, user_id, computation_id, name, count))
        return computation_id

    def computations_of(self, user_id: str, offset: int, limit: int) -> list[Computation]:
        """The user's computations, newest first."""
        with self._lock:
            mine = [c for c in reversed(self.computations) if c.user_id == user_id]
        return mine[offset : offset + limit]

    def computation(self, computation_id: str) -> Computation | None:
        with self._lock:
            return next((c for c in self.computations if c.computation_id == computation_id), None)

    def usage(self, offset: int, limit: int) -> list[DataUsage]:
        """All data usage, newest first."""
        with self._lock:
            entries = list(reversed(self.data_usage))
        return entries[offset : offset + limit]

    def usage_summary(self, granularity: str, offset: int, limit: int, dataset: str | None = None) -> list[dict]:
        """Counts summed per truncated timestamp and dataset, newest first (then by dataset name)."""
        sums: dict[tuple[datetime, str], int] = {}
        with self._lock:
            entries = list(self.data_usage)
        for entry in entries:
            if dataset is not None and entry.data != dataset:
                continue
            key = (truncate(entry.timestamp, granularity), entry.data)
            sums[key] = sums.get(key, 0) + entry.count
        ordered = sorted(sums.items(), key=lambda kv: (-kv[0][0].timestamp(), kv[0][1]))
        return [
            {"timestamp": format_timestamp(moment), "data": data, "count": count}
            for (moment, data), count in ordered[offset : offset + limit]
        ]
