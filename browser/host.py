"""What the Browser integration uses from the plugin (filled in by ``plugin.py``; tests fill it themselves)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Optional

from ..core.layers import MAX_PAGE_SIZE
from ..qgis_glue.connections import ConnectionStore
from ..qgis_glue.messages import Notifier
from ..qgis_glue.session_jobs import WithSession
from ..qgis_glue.sessions import SessionManager
from ..qgis_glue.tasks import TaskRunner

ShowProvenance = Callable[[str, str, str], Any]  # (connection name, workflow id, title) -> what was shown


@dataclass
class BrowserHost:
    """The plugin's parts the Browser shares: connections, sessions, tasks, the layer loader and the map canvas.

    ``loader`` returns the plugin's ``WorkflowLayerLoader`` (the "Add workflow layer" dialog's).
    ``show_provenance`` opens the plugin's provenance view; without it the Browser lists provenance in a text window.
    """

    store: ConnectionStore
    sessions: SessionManager
    with_session: WithSession
    runner: TaskRunner
    loader: Callable[[], Any]
    notifier: Notifier
    canvas: Any = None
    parent: Any = None
    show_provenance: Optional[ShowProvenance] = None
    open_connections: Optional[Callable[[], Any]] = None  # the plugin's connections dialog
    page_size: int = MAX_PAGE_SIZE
