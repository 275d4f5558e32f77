"""User-facing messages: short ones in the message bar, details in the log panel, never a traceback dialog."""

from __future__ import annotations

from typing import Optional

from qgis.core import Qgis, QgsMessageLog
from qgis.PyQt import sip

LOG_TAG = "Geo Engine"
BAR_SECONDS = 8


def log(message: str, level: Qgis.MessageLevel = Qgis.MessageLevel.Info) -> None:
    """Write ``message`` to the "Geo Engine" tab of the QGIS log panel."""
    QgsMessageLog.logMessage(message, LOG_TAG, level)


class Notifier:
    """Sends messages to a message bar (``iface.messageBar()``) and the log panel.

    Without a bar (headless use, tests without an iface), everything goes to the log only.
    """

    def __init__(self, message_bar=None) -> None:
        self._bar = message_bar

    def detach(self) -> None:
        """Stop using the message bar (called on unload: the bar outlives the plugin)."""
        self._bar = None

    def info(self, text: str, title: str = LOG_TAG) -> None:
        self._push(title, text, Qgis.MessageLevel.Info)

    def success(self, text: str, title: str = LOG_TAG) -> None:
        self._push(title, text, Qgis.MessageLevel.Success)

    def warning(self, text: str, title: str = LOG_TAG, details: Optional[str] = None) -> None:
        self._push(title, text, Qgis.MessageLevel.Warning, details)

    def error(self, text: str, title: str = LOG_TAG, details: Optional[str] = None) -> None:
        self._push(title, text, Qgis.MessageLevel.Critical, details)

    def _push(self, title: str, text: str, level: Qgis.MessageLevel, details: Optional[str] = None) -> None:
        log(f"{text}\n{details}" if details else text, level)
        bar = self._bar
        if bar is not None and sip.isdeleted(bar):  # e.g. a dialog's bar, closed while its task still ran
            self._bar = bar = None
        if bar is not None:
            bar.pushMessage(title, text, level=level, duration=BAR_SECONDS)
