"""Server tasks (e.g. ``save_as_dataset``): status variants, polling, abort, listing (wire reference 5.2).

Status JSON is tagged by ``status``: :class:`RunningTaskStatusInfo` (``pct_complete`` as a float 0..100 parsed
from ``"12.50%"``, plus the original text), :class:`CompletedTaskStatusInfo` (``info``),
:class:`AbortedTaskStatusInfo` (``clean_up``) and :class:`FailedTaskStatusInfo` (``error`` and ``clean_up``).
"""

from __future__ import annotations

import re
import sys
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from enum import Enum
from typing import Any, Callable, List, Optional, Tuple, Union
from uuid import UUID

from .errors import GeoEngineTimeoutError, InputError, MalformedResponseError
from .http import Timeout, read_json
from .session import Session, resolve_session
from .types import parse_uuid


class TaskStatus(str, Enum):
    RUNNING = "running"
    COMPLETED = "completed"
    ABORTED = "aborted"
    FAILED = "failed"


@dataclass(frozen=True)
class TaskId:
    id: UUID

    def __init__(self, task_id: Union[UUID, str]) -> None:
        object.__setattr__(self, "id", parse_uuid(task_id, "task_id"))

    @classmethod
    def from_response(cls, response: dict) -> TaskId:
        return cls(response["taskId"])

    def to_dict(self) -> UUID:
        return self.id

    def __str__(self) -> str:
        return str(self.id)


def parse_timestamp(text: Optional[str]) -> Optional[datetime]:
    """``2021-04-26T13:47:10.579Z`` (more fraction digits tolerated) as an aware UTC ``datetime``."""
    if not text:
        return None
    value = text.strip().replace("Z", "+00:00")
    if "." in value:  # datetime.fromisoformat on 3.9/3.10 accepts only 3 or 6 fraction digits
        head, _, rest = value.partition(".")
        digits = "".join(c for c in rest if c.isdigit())
        offset = rest[len(digits):]
        value = f"{head}.{(digits + '000000')[:6]}{offset}"
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def parse_percent(text: Any) -> float:
    """``"12.50%"`` -> ``12.5``."""
    if isinstance(text, (int, float)):
        return float(text)
    try:
        return float(str(text).strip().rstrip("%"))
    except ValueError:
        raise MalformedResponseError(f"pctComplete is not a percentage: {text!r}") from None


@dataclass(frozen=True)
class TaskStatusInfo:
    """Base of the four variants; :meth:`from_response` picks one."""

    status: TaskStatus
    time_started: Optional[datetime]

    @staticmethod
    def from_response(response: dict) -> TaskStatusInfo:
        if not isinstance(response, dict):
            raise MalformedResponseError("a task status is a JSON object")
        try:
            status = TaskStatus(response.get("status"))
        except ValueError:
            raise MalformedResponseError(f"unknown task status {response.get('status')!r}") from None
        started = parse_timestamp(response.get("timeStarted"))
        try:
            if status is TaskStatus.RUNNING:
                return RunningTaskStatusInfo(
                    status, started, parse_percent(response["pctComplete"]), str(response["pctComplete"]),
                    response.get("estimatedTimeRemaining"), response.get("info"), response.get("taskType"),
                    response.get("description"),
                )
            if status is TaskStatus.COMPLETED:
                return CompletedTaskStatusInfo(status, started, response.get("info"), response.get("timeTotal"),
                                               response.get("taskType"), response.get("description"))
            if status is TaskStatus.ABORTED:
                return AbortedTaskStatusInfo(status, started, response.get("cleanUp"))
            return FailedTaskStatusInfo(status, started, response["error"], response.get("cleanUp"))
        except KeyError as exc:
            raise MalformedResponseError(f"task status {status.value!r} without {exc.args[0]!r}") from None

    @property
    def finished(self) -> bool:
        return self.status is not TaskStatus.RUNNING

    def to_dict(self) -> dict:
        """The server's ``TaskStatus`` JSON shape."""
        result: dict = {"status": self.status.value}
        if self.time_started is not None:
            result["timeStarted"] = self.time_started.strftime("%Y-%m-%dT%H:%M:%S.") + \
                f"{self.time_started.microsecond // 1000:03d}Z"
        for name, key in _JSON_KEYS:
            if hasattr(self, name):
                result[key] = getattr(self, name)
        return result


@dataclass(frozen=True)
class RunningTaskStatusInfo(TaskStatusInfo):
    pct_complete: float
    pct_complete_text: str
    estimated_time_remaining: Optional[str]
    info: Any
    task_type: Optional[str]
    description: Optional[str]

    def progress_percent(self, start: Optional[datetime] = None, end: Optional[datetime] = None) -> float:
        """``pct_complete``, or, while that is 0, the progress the ``info`` text of a GeoTIFF export tells for
        a query over ``[start, end)`` (see :class:`WriterProgress`); 0 when neither says anything."""
        if self.pct_complete > 0:
            return self.pct_complete
        progress = WriterProgress.parse(self.info)
        return progress.percent_of(start, end) if progress is not None else 0.0


_WRITER_PROGRESS = re.compile(r"^Processing: Total tiles processed: (\d+); Tiles per time step: (\d+); "
                              r"Current \[([^,\]]+), ([^)\]]+)\) @ ([0-9.]+)%$")


@dataclass(frozen=True)
class WriterProgress:
    """The running ``info`` of Geo Engine 0.9.3's save-as-dataset task: its GeoTIFF writer keeps ``pctComplete``
    at 0 % until the end and reports ``Processing: Total tiles processed: N; Tiles per time step: M; Current
    [step start, step end) @ P%`` (``N`` is the 0-based index of the last tile written, ``P`` the share of the
    current time step). Unreadable step bounds (the open-ended gap slices) are ``None``."""

    tile_index: int
    tiles_per_step: int
    step_start: Optional[datetime]
    step_end: Optional[datetime]
    step_percent: float

    @classmethod
    def parse(cls, info: Any) -> Optional[WriterProgress]:
        match = _WRITER_PROGRESS.match(info.strip()) if isinstance(info, str) else None
        if match is None:
            return None
        return cls(int(match.group(1)), int(match.group(2)), parse_timestamp(match.group(3)),
                   parse_timestamp(match.group(4)), float(match.group(5)))

    def percent_of(self, start: Optional[datetime], end: Optional[datetime]) -> float:
        """Progress (0..100) through a query ``[start, end)``: the time before the current step, plus the current
        step's share of its part of the query. Without a query span (an instant) the current step's share."""
        if start is None or end is None or end <= start:
            return min(max(self.step_percent, 0.0), 100.0)
        step_start = min(max(self.step_start or start, start), end)
        step_end = min(max(self.step_end or end, step_start), end)
        before = (step_start - start).total_seconds()
        done = before + self.step_percent / 100.0 * (step_end - step_start).total_seconds()
        return min(max(100.0 * done / (end - start).total_seconds(), 0.0), 100.0)


@dataclass(frozen=True)
class CompletedTaskStatusInfo(TaskStatusInfo):
    info: Any
    time_total: Optional[str]
    task_type: Optional[str]
    description: Optional[str]


@dataclass(frozen=True)
class AbortedTaskStatusInfo(TaskStatusInfo):
    clean_up: Any


@dataclass(frozen=True)
class FailedTaskStatusInfo(TaskStatusInfo):
    error: Any
    clean_up: Any


_JSON_KEYS = (("task_type", "taskType"), ("description", "description"), ("pct_complete_text", "pctComplete"),
              ("estimated_time_remaining", "estimatedTimeRemaining"), ("info", "info"), ("time_total", "timeTotal"),
              ("error", "error"), ("clean_up", "cleanUp"))

ProgressCallback = Callable[[TaskStatusInfo], Optional[bool]]


class Task:
    """A server task: poll it, wait for it, abort it."""

    def __init__(self, task_id: Union[TaskId, UUID, str], session: Optional[Session] = None) -> None:
        self.task_id = task_id if isinstance(task_id, TaskId) else TaskId(task_id)
        self.session = resolve_session(session)

    def __eq__(self, other: Any) -> bool:
        return isinstance(other, Task) and other.task_id == self.task_id

    def __hash__(self) -> int:
        return hash(self.task_id)

    def __str__(self) -> str:
        return str(self.task_id)

    def __repr__(self) -> str:
        return f"Task({str(self.task_id)!r})"

    def get_status(self, timeout: Timeout = None) -> TaskStatusInfo:
        """``GET /tasks/{id}/status``."""
        return TaskStatusInfo.from_response(self.session.get_json(f"tasks/{self.task_id}/status", timeout=timeout))

    def abort(self, force: bool = False, timeout: Timeout = None) -> None:
        """``DELETE /tasks/{id}`` (``?force=true`` when ``force``); the server answers 202."""
        self.session.request("DELETE", f"tasks/{self.task_id}", params={"force": True} if force else None,
                             timeout=timeout)

    def wait_for_finish(
        self,
        check_interval_seconds: float = 5,
        timeout: Optional[float] = None,
        progress: Optional[ProgressCallback] = None,
        request_timeout: Timeout = None,
        print_status: bool = False,
    ) -> TaskStatusInfo:
        """Poll until the task is no longer running and return the final status.

        ``progress(status)`` is called after every poll; returning ``False`` stops waiting (the last status is
        returned). After ``timeout`` seconds :class:`GeoEngineTimeoutError` is raised (the task keeps running).
        ``print_status`` prints each status to stderr, as the official client does by default.
        """
        if check_interval_seconds <= 0:
            raise InputError("must be > 0", field="check_interval_seconds")
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            status = self.get_status(request_timeout)
            if print_status:
                print(status, file=sys.stderr)
            if progress is not None and progress(status) is False:
                return status
            if status.finished:
                return status
            if deadline is not None and time.monotonic() + check_interval_seconds > deadline:
                raise GeoEngineTimeoutError(
                    f"task {self.task_id} still running after {timeout} s "
                    f"({getattr(status, 'pct_complete', 0.0):.1f}% complete)", error="TaskTimeout")
            time.sleep(check_interval_seconds)


def get_task_list(
    filter: Optional[str] = None,  # noqa: A002 - the server's parameter name
    offset: int = 0,
    limit: int = 20,
    timeout: Timeout = None,
    session: Optional[Session] = None,
) -> List[Tuple[Task, TaskStatusInfo]]:
    """``GET /tasks/list``: ``(Task, status)`` pairs; ``filter`` in running|aborted|failed|completed."""
    if filter is not None and filter not in {s.value for s in TaskStatus}:
        raise InputError(f"must be running, aborted, failed or completed, got {filter!r}", field="filter")
    if not 0 < limit <= 20:
        raise InputError(f"must be within 1..20 (the server's list limit), got {limit}", field="limit")
    if offset < 0:
        raise InputError(f"must be >= 0, got {offset}", field="offset")
    active = resolve_session(session)
    items = read_json(active.request("GET", "tasks/list", params={"filter": filter, "offset": offset, "limit": limit},
                                     timeout=timeout))
    if not isinstance(items, list):
        raise MalformedResponseError("the task list is not a JSON list")
    return [(Task(item["taskId"], active), TaskStatusInfo.from_response(item)) for item in items]
