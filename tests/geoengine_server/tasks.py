"""Background tasks: status in Geo Engine's ``TaskStatus`` shapes, progress, abort and clean-up.

``manager.start(task, work, on_success, clean_up)`` runs ``work(task)`` in a worker thread (the event
loop stays free). ``work`` reports progress with ``task.set_completion(fraction, info)`` and calls
``task.check_abort()`` between units of work; ``on_success(result)`` runs on the event loop and
returns the completed task's ``info``; ``clean_up()`` removes partial results after an abort or a
failure.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Callable

from .engine.types import EngineError
from .errors import ApiError
from .state import format_timestamp

log = logging.getLogger("geoengine_server.tasks")
FILTERS = ("running", "aborted", "failed", "completed")


class TaskAborted(Exception):
    """Raised inside a worker by ``Task.check_abort`` once the user aborted the task."""


class TaskFailed(Exception):
    """A failure whose text is the failed status's ``error`` as is: the real status serialises
    ``error.to_string()`` (geo-engine/geoengine@5748ef7:geoengine/services/src/tasks/mod.rs)."""


# TaskError texts: geo-engine/geoengine@5748ef7:geoengine/services/src/tasks/error.rs
def task_error(message: str) -> ApiError:
    return ApiError("Task", f"TaskError: {message}")


def _hms(seconds: float) -> str:
    seconds = int(seconds)
    return f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


def _error_text(exc: BaseException) -> str:
    if isinstance(exc, TaskFailed):
        return str(exc)
    if isinstance(exc, (ApiError, EngineError)):
        return exc.message if exc.message.startswith(exc.error) else f"{exc.error}: {exc.message}"
    return f"{type(exc).__name__}: {exc}"


def _estimate(seconds_per_fraction: list[float], remaining: float) -> str:
    """``"HH:MM:SS (± HH:MM:SS)"``, ``?`` for what is not known yet: the mean and standard deviation of the
    seconds-per-completion samples times the remaining fraction
    (geo-engine/geoengine@5748ef7:geoengine/services/src/tasks/time_estimation.rs)."""
    if not seconds_per_fraction:
        return "? (± ?)"
    count = len(seconds_per_fraction)
    mean = sum(seconds_per_fraction) / count
    spread = "?"
    if count > 1:
        variance = sum((s - mean) ** 2 for s in seconds_per_fraction) / count
        spread = _hms(remaining * variance**0.5)
    return f"{_hms(remaining * mean)} (± {spread})"


@dataclass
class Task:
    id: str
    owner: str
    task_type: str
    description: str
    started: datetime = field(default_factory=lambda: datetime.now(timezone.utc))
    state: str = "running"  # running | completed | aborted | failed
    fraction: float = 0.0  # the reported completion, 0..1
    info: Any = None
    running_info: str | None = None  # the running status's ``info`` (the GeoTIFF writer's progress text)
    error: str | None = None
    clean_up: dict | None = None
    finished: datetime | None = None
    abort_requested: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._seconds_per_fraction: list[float] = []

    # --- called from the worker thread ---
    def set_completion(self, fraction: float, info: str | None = None) -> None:
        """The real ``TaskContext::set_completion``: the completion (0..1) and the running status's ``info``
        (geo-engine/geoengine@5748ef7:geoengine/services/src/tasks/mod.rs)."""
        fraction = min(max(fraction, 0.0), 1.0)
        with self._lock:
            self.fraction = fraction
            if info is not None:
                self.running_info = info
            elapsed = int((datetime.now(timezone.utc) - self.started).total_seconds())
            if elapsed > 0 and fraction > 0:  # whole seconds, only with progress, as the real estimator
                self._seconds_per_fraction.append(elapsed / fraction)

    def check_abort(self) -> None:
        if self.abort_requested.is_set():
            raise TaskAborted(self.id)

    # --- status ---
    def _running_fields(self) -> dict:
        with self._lock:
            fraction, info = self.fraction, self.running_info
            samples = list(self._seconds_per_fraction)
        return {
            "pctComplete": f"{100.0 * fraction:.2f}%",
            "estimatedTimeRemaining": _estimate(samples, 1.0 - fraction),
            "info": info,
            "timeStarted": format_timestamp(self.started),
        }

    # TaskStatus shapes (tagged by status, pctComplete as {:.2}%, failed error as a string):
    # geo-engine/geoengine@5748ef7:geoengine/services/src/tasks/mod.rs
    def status_json(self) -> dict:
        if self.state == "running":
            return {"status": "running", "taskType": self.task_type, "description": self.description,
                    **self._running_fields()}
        if self.state == "completed":
            return {
                "status": "completed",
                "taskType": self.task_type,
                "description": self.description,
                "info": self.info,
                "timeTotal": _hms(((self.finished or self.started) - self.started).total_seconds()),
                "timeStarted": format_timestamp(self.started),
            }
        if self.state == "aborted":
            return {"status": "aborted", "cleanUp": self.clean_up}
        return {"status": "failed", "error": self.error, "cleanUp": self.clean_up}


class TaskManager:
    """Every task of this server; each user sees only their own."""

    def __init__(self) -> None:
        self._tasks: dict[str, Task] = {}
        self._running: dict[str, asyncio.Task] = {}

    def create(self, owner: str, task_type: str, description: str) -> Task:
        task = Task(str(uuid.uuid4()), owner, task_type, description)
        self._tasks[task.id] = task
        return task

    def get(self, task_id: str, owner: str) -> Task:
        task = self._tasks.get(task_id.lower())
        if task is None or task.owner != owner:
            raise task_error(f"Task not found with id: {task_id.lower()}")
        return task

    def list(self, owner: str, status: str | None, offset: int, limit: int) -> list[dict]:
        """Newest first, each status with its ``taskId``."""
        mine = [t for t in reversed(self._tasks.values()) if t.owner == owner and status in (None, t.state)]
        return [{**t.status_json(), "taskId": t.id} for t in mine[offset : offset + limit]]

    # Abort with and without clean-up: geo-engine/geoengine@5748ef7:geoengine/services/src/tasks/in_memory.rs
    def abort(self, task_id: str, owner: str, force: bool) -> None:
        """Without ``force`` the worker stops at its next check and cleans up; with it no clean-up is reported."""
        task = self.get(task_id, owner)
        if task.state == "aborted":
            if not force:
                raise task_error(f"Task was already aborted by the user: {task.id}")
            task.clean_up = {"status": "noCleanUp"}
            return
        if task.state != "running":
            raise task_error(f"Task was already finished: {task.id}")
        running = task._running_fields()
        task.state = "aborted"
        task.finished = datetime.now(timezone.utc)
        task.clean_up = {"status": "noCleanUp"} if force else {"status": "running", **running}
        task.abort_requested.set()

    def start(
        self,
        task: Task,
        work: Callable[[Task], Any],
        on_success: Callable[[Any], Any],
        clean_up: Callable[[], None],
    ) -> None:
        """Run ``work`` in a thread; must be called on the event loop."""
        self._running[task.id] = asyncio.get_running_loop().create_task(self._run(task, work, on_success, clean_up))

    async def _run(self, task: Task, work, on_success, clean_up) -> None:
        loop = asyncio.get_running_loop()
        try:
            result = await loop.run_in_executor(None, work, task)
            if task.state == "aborted":
                raise TaskAborted(task.id)
            info = on_success(result)
            task.info, task.state, task.finished = info, "completed", datetime.now(timezone.utc)
        except TaskAborted:
            await self._clean(task, clean_up)
            if task.clean_up and task.clean_up.get("status") == "running":
                task.clean_up = {"status": "completed", "info": None}
        except Exception as exc:  # the task failed: report it in its status
            log.info("task %s failed: %s", task.id, exc, exc_info=not isinstance(exc, (ApiError, EngineError)))
            outcome = await self._clean(task, clean_up)
            task.error, task.state, task.finished = _error_text(exc), "failed", datetime.now(timezone.utc)
            task.clean_up = outcome
        finally:
            self._running.pop(task.id, None)

    @staticmethod
    async def _clean(task: Task, clean_up) -> dict:
        try:
            await asyncio.get_running_loop().run_in_executor(None, clean_up)
        except Exception as exc:  # reported in the task's status
            return {"status": "failed", "error": _error_text(exc)}
        return {"status": "completed", "info": None}

    async def shutdown(self, timeout: float = 10.0) -> None:
        """Abort every running task and wait (bounded) for the workers to clean up."""
        for task_id in list(self._running):
            task = self._tasks[task_id]
            if task.state == "running":
                self.abort(task_id, task.owner, force=False)
        pending = list(self._running.values())
        if pending:
            await asyncio.wait(pending, timeout=timeout)
