"""Run one piece of server work for a named connection: get (or log in to) its session, then work in a task.

Docks and dialogs use :func:`run_with_session`; the plugin's ``with_session`` (or anything with the same
signature: ``with_session(connection_name, on_ready, on_error)``) provides the session, a
:class:`~.tasks.TaskRunner` runs the work. Errors reach ``on_error`` on the main thread as exceptions; the
caller shows :func:`~.errors.describe_error`'s summary (no traceback).
"""

from __future__ import annotations

from typing import Any, Callable, Optional

from .layer_info import NoGeoEngineLayer
from .tasks import CoreTask, TaskContext, TaskRunner

WithSession = Callable[[str, Callable[[Any], None], Optional[Callable[[BaseException], None]]], Any]


def run_with_session(
    with_session: WithSession,
    runner: TaskRunner,
    connection_name: str,
    description: str,
    work: Callable[[Any, TaskContext], Any],
    on_success: Callable[[Any], None],
    on_error: Callable[[BaseException], None],
    on_cancel: Optional[Callable[[], None]] = None,
    on_task: Optional[Callable[[CoreTask], None]] = None,
    notify_errors: bool = False,
    on_session_error: Optional[Callable[[BaseException], None]] = None,
) -> None:
    """Main thread: ``work(session, context)`` in a background task once the connection's session is ready.

    ``on_task(task)`` is told the work task when it starts (for cancel buttons). Exactly one of
    ``on_success``/``on_error``/``on_cancel`` runs later on the main thread (a cancel without ``on_cancel``
    is silent). Failures to get the session (unknown connection, login refused) go to ``on_session_error``
    when given (the plugin's ``with_session`` has already shown them in the message bar), else to ``on_error``.
    """
    if not connection_name:
        on_error(NoGeoEngineLayer("the layer names no Geo Engine connection; add it again from Geo Engine"))
        return

    def ready(session) -> None:
        task = runner.submit(description, lambda context: work(session, context), on_success=on_success,
                             on_error=on_error, on_cancel=on_cancel, notify_errors=notify_errors)
        if on_task is not None:
            on_task(task)

    with_session(connection_name, ready, on_session_error or on_error)

