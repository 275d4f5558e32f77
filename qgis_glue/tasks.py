"""Run a blocking ``core`` call in a QGIS background task, with progress, cancel and main-thread results.

Pattern::

    runner = TaskRunner(notifier)
    runner.submit(
        "Add workflow layer",
        lambda ctx: client_call(..., cancel=ctx.is_canceled, progress=ctx.set_fraction),
        on_success=add_layer,          # main thread, gets the return value
    )

``work`` runs on a worker thread and must not touch widgets or the project. Everything that does goes
in the callbacks, which QGIS calls on the main thread from :meth:`QgsTask.finished`. Failures go to the
message bar (one sentence) and the log panel (details), never to a traceback dialog.
"""

from __future__ import annotations

from typing import Any, Callable, Optional, Set

from qgis.core import Qgis, QgsApplication, QgsTask

from .errors import describe_error
from .i18n import tr
from .messages import Notifier, log


class TaskCancelled(Exception):
    """Raised inside ``work`` (by :meth:`TaskContext.check_canceled`) to stop early."""


class TaskContext:
    """What ``work`` sees of its task: progress reporting and the cancel flag."""

    def __init__(self, task: QgsTask) -> None:
        self._task = task

    def set_progress(self, percent: float) -> None:
        """Progress in percent, clamped to 0..100."""
        self._task.setProgress(max(0.0, min(100.0, float(percent))))

    def set_fraction(self, fraction: float) -> None:
        """Progress as a fraction 0..1."""
        self.set_progress(100.0 * fraction)

    def is_canceled(self) -> bool:
        """True once the user (or unload) cancelled the task; pass this as a core cancel callback."""
        return self._task.isCanceled()

    def check_canceled(self) -> None:
        """Raise :class:`TaskCancelled` if the task was cancelled."""
        if self._task.isCanceled():
            raise TaskCancelled()


class CoreTask(QgsTask):
    """A QgsTask around ``work(context) -> result`` with main-thread callbacks.

    ``on_success(result)``, ``on_error(exception)`` and ``on_cancel()`` are optional. Errors are
    reported through ``notifier`` (message bar + log) before ``on_error`` runs; with
    ``notify_errors=False`` they only go to the log, for callers that show the error themselves.
    """

    def __init__(
        self,
        description: str,
        work: Callable[[TaskContext], Any],
        notifier: Notifier,
        on_success: Optional[Callable[[Any], None]] = None,
        on_error: Optional[Callable[[BaseException], None]] = None,
        on_cancel: Optional[Callable[[], None]] = None,
        can_cancel: bool = True,
        notify_errors: bool = True,
    ) -> None:
        flags = QgsTask.Flag.CanCancel if can_cancel else QgsTask.Flag(0)
        silent = getattr(QgsTask.Flag, "Silent", None)  # QGIS 3.26+: no "Task complete/failed" notification
        if silent is not None:
            flags |= silent
        super().__init__(description, flags)
        self._work = work
        self._notifier = notifier
        self._on_success = on_success
        self._on_error = on_error
        self._on_cancel = on_cancel
        self._notify_errors = notify_errors
        self._on_done: Optional[Callable[[CoreTask], None]] = None
        self.result: Any = None
        self.exception: Optional[BaseException] = None

    def cancel(self) -> None:
        """Cancel; the task then ends as complete with "cancelled" in its description, so QGIS (3.22-3.24, which
        notifies about tasks that ran 5 s or more) says "Task complete: …: cancelled", not "Task failed"."""
        if not self.isCanceled():
            self.setDescription(tr("{description}: cancelled").format(description=self.description()))
        super().cancel()

    def run(self) -> bool:  # worker thread
        try:
            self.result = self._work(TaskContext(self))
        except TaskCancelled:
            return True  # finished() sees isCanceled()
        except Exception as exc:  # noqa: BLE001 - delivered to finished() on the main thread
            if self.isCanceled():
                return True
            self.exception = exc
            return False
        return True

    def detach(self) -> None:
        """Forget the callbacks: the task may still end, but nobody is told (plugin unload)."""
        self._on_success = self._on_error = self._on_cancel = None

    def finished(self, ok: bool) -> None:  # main thread; Qt calls it, so it must never raise (PyQt aborts)
        try:
            self._deliver(ok)
        except Exception as exc:  # noqa: BLE001 - e.g. the notifier's widgets are gone; the log still gets it
            log(f"{self.description()}: the result could not be reported: {type(exc).__name__}: {exc}",
                Qgis.MessageLevel.Warning)
        finally:
            if self._on_done is not None:
                self._on_done(self)

    def _deliver(self, ok: bool) -> None:
        if self.isCanceled() and self.exception is None:
            ok = False  # cancelled: neither a result nor an error
        if ok:
            self._call(self._on_success, self.result)
        elif self.exception is not None:
            report = describe_error(self.exception)
            try:
                if self._notify_errors:
                    self._notifier.error(tr("{description} failed: {summary}").format(
                        description=self.description(), summary=report.summary), details=report.details)
                else:
                    log(f"{self.description()}: {report.summary}\n{report.details}", Qgis.MessageLevel.Warning)
            finally:
                self._call(self._on_error, self.exception)
        else:
            text = self.description()
            log(text if text.endswith(": cancelled") else f"{text}: cancelled")
            self._call(self._on_cancel)

    def _call(self, callback: Optional[Callable[..., None]], *args: Any) -> None:
        if callback is None:
            return
        try:
            callback(*args)
        except Exception as exc:  # noqa: BLE001 - a failing callback must not raise into QGIS
            report = describe_error(exc)
            self._notifier.error(f"{self.description()}: {report.summary}", details=report.details)


class TaskRunner:
    """Starts :class:`CoreTask` objects in QGIS's task manager and keeps them alive until they end."""

    def __init__(self, notifier: Notifier, manager=None) -> None:
        self._notifier = notifier
        self._manager = manager or QgsApplication.taskManager()
        self._tasks: Set[CoreTask] = set()

    @property
    def active(self) -> Set[CoreTask]:
        return set(self._tasks)

    def submit(self, description: str, work: Callable[[TaskContext], Any], **callbacks: Any) -> CoreTask:
        """Make a task for ``work`` (callbacks as for :class:`CoreTask`) and start it."""
        return self.start(CoreTask(description, work, self._notifier, **callbacks))

    def start(self, task: CoreTask) -> CoreTask:
        task._on_done = self._tasks.discard
        self._tasks.add(task)
        self._manager.addTask(task)
        return task

    def cancel_all(self, wait_ms: int = 5000) -> int:
        """Detach and cancel every task, waiting up to ``wait_ms`` in total; returns how many were cancelled."""
        tasks = list(self._tasks)
        for task in tasks:
            task.detach()
            task.cancel()
        per_task = max(1, wait_ms // max(1, len(tasks)))
        for task in tasks:
            task.waitForFinished(per_task)
        self._tasks.clear()
        return len(tasks)
