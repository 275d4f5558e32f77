"""User-facing messages: short ones in the message bar, details in the log panel, never a traceback dialog.

The bar shows one "Geo Engine" title, the first sentence of the text (what failed, in words) and a "More"
button with the rest and the details. The bar renders HTML, so every text is escaped (server text is plain).
Warnings that ``core`` writes to Python's ``logging`` (e.g. pixels masked
as no-data) reach the "Geo Engine" log tab through :class:`CoreLogForwarder`.
"""

from __future__ import annotations

import logging
import re
from typing import Optional, Tuple

from qgis.core import Qgis, QgsMessageLog
from qgis.PyQt import sip
from qgis.PyQt.QtCore import Qt

from .i18n import tr
from .plain_text import escape

LOG_TAG = "Geo Engine"
BAR_SECONDS = 8
BAR_CHARS = 110  # longer first lines wrap in the message bar, which then shows only their first line
_PREFIX = re.compile(r"^(?:\s*Geo Engine\s*:\s*)+", re.IGNORECASE)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z(\"'])")


def strip_prefix(text: str) -> str:
    """``text`` without leading "Geo Engine:" (the bar's title says it once)."""
    return _PREFIX.sub("", text, count=1)


def split_message(text: str, details: Optional[str] = None) -> Tuple[str, str]:
    """(first line for the bar, the rest for its "More" button): the first line ends at the first line break, or
    at the first sentence end when the line is longer than :data:`BAR_CHARS`."""
    text = strip_prefix(text).strip()
    head, _, rest = text.partition("\n")
    if len(head) > BAR_CHARS:
        parts = _SENTENCE_END.split(head, maxsplit=1)
        if len(parts) == 2:
            head, rest = parts[0], (parts[1] + "\n" + rest).strip()
    more = "\n\n".join(part for part in (rest.strip(), (details or "").strip()) if part)
    return head, more


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

    def persistent(self, text: str, level: Qgis.MessageLevel = Qgis.MessageLevel.Warning,
                   details: Optional[str] = None, widget=None):
        """A message that stays in the bar until the user closes it; ``widget`` (e.g. a link) is added to it.
        Returns the bar item (None without a bar)."""
        head = strip_prefix(text).strip()  # all of it: the user acts on it (e.g. copies a command)
        log(f"{head}\n{details}" if details else head, level)
        bar = self._live_bar()
        if bar is None:
            return None
        from qgis.gui import QgsMessageBarItem

        item = QgsMessageBarItem(LOG_TAG, escape(head), level, 0)
        if widget is not None:
            item.setWidget(widget)
            sip.transferto(widget, item)  # the item owns it now (else Python would delete it after this call)
        bar.pushItem(item)
        return item

    def _live_bar(self):
        bar = self._bar
        if bar is not None and sip.isdeleted(bar):  # e.g. a dialog's bar, closed while its task still ran
            self._bar = bar = None
        return bar

    def _push(self, title: str, text: str, level: Qgis.MessageLevel, details: Optional[str] = None) -> None:
        head, more = split_message(text, details)
        log(f"{head}\n{more}" if more else head, level)
        bar = self._live_bar()
        if bar is None:
            return
        if more:
            bar.pushItem(details_item(title, head, more, level, BAR_SECONDS))
        else:
            bar.pushMessage(escape(title), escape(head), level=level, duration=BAR_SECONDS)


def details_item(title: str, head: str, more: str, level: Qgis.MessageLevel, duration: int):
    """A message bar item showing ``head`` with a "Details" button that opens ``more`` as plain text (also kept
    as the item's ``details`` property)."""
    from qgis.gui import QgsMessageBarItem
    from qgis.PyQt.QtWidgets import QLabel, QMessageBox, QPushButton

    item = QgsMessageBarItem(escape(title), escape(head), level, duration)  # the bar renders HTML
    item.setProperty("details", more)
    button = QPushButton(tr("Details"))
    button.setObjectName("GeoEngineDetailsButton")

    def show() -> None:
        box = QMessageBox(QMessageBox.Icon.Information, title, head, QMessageBox.StandardButton.Close, item)
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.setDetailedText(more)
        box.setInformativeText(more.split("\n\n", 1)[0])
        for label in box.findChildren(QLabel, "qt_msgbox_informativelabel"):  # Qt leaves it in AutoText
            label.setTextFormat(Qt.TextFormat.PlainText)
        box.open()

    button.clicked.connect(lambda _checked=False: show())
    item.setWidget(button)
    sip.transferto(button, item)
    return item


class CoreLogForwarder(logging.Handler):
    """Sends warnings of the ``core`` package's loggers to the "Geo Engine" log tab instead of stderr."""

    LEVELS = ((logging.ERROR, Qgis.MessageLevel.Critical), (logging.WARNING, Qgis.MessageLevel.Warning))

    def __init__(self, logger_name: Optional[str] = None) -> None:
        super().__init__(logging.WARNING)
        root = __name__.rsplit(".", 2)[0] if __name__.count(".") >= 2 else "core"
        self.logger = logging.getLogger(logger_name or f"{root}.core")

    def emit(self, record: logging.LogRecord) -> None:
        try:
            level = next((qgis_level for limit, qgis_level in self.LEVELS if record.levelno >= limit),
                         Qgis.MessageLevel.Info)
            log(self.format(record), level)
        except Exception:  # noqa: BLE001 - logging must never raise into the caller
            self.handleError(record)

    def install(self) -> CoreLogForwarder:
        """Forward from now on; the records no longer reach the terminal (stderr)."""
        self.logger.addHandler(self)
        self.logger.propagate = False
        return self

    def uninstall(self) -> None:
        self.logger.removeHandler(self)
        self.logger.propagate = True
