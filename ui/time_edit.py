"""A UTC date-time field that takes a whole typed date ("2014-04-01", "2014-04-01 12:00", ISO 8601 with "Z"),
with a calendar button. QDateTimeEdit edits section by section: selecting all and typing a date there changed
only part of it (2026-04-01 instead of 2014-04-01)."""

from __future__ import annotations

import re
from typing import Optional

from qgis.PyQt.QtCore import QDate, QDateTime, Qt, QTime, pyqtSignal
from qgis.PyQt.QtWidgets import QCalendarWidget, QHBoxLayout, QLineEdit, QMenu, QToolButton, QWidget, QWidgetAction

from ..qgis_glue.i18n import tr

DISPLAY = "yyyy-MM-dd HH:mm:ss"
_TEXT = re.compile(r"^\s*(\d{4})(?:-(\d{1,2})(?:-(\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?)?)?"
                   r"\s*(?:Z|[+-]00:?00)?\s*$", re.IGNORECASE)


def parse_time_text(text: str) -> QDateTime:
    """UTC QDateTime of a typed date (year, year-month, date, date and time); an invalid QDateTime otherwise."""
    match = _TEXT.match(text or "")
    if not match:
        return QDateTime()
    year, month, day, hour, minute, second = (int(g) if g else None for g in match.groups())
    date = QDate(year, month or 1, day or 1)
    time = QTime(hour or 0, minute or 0, second or 0)
    if not date.isValid() or not time.isValid():
        return QDateTime()
    return QDateTime(date, time, Qt.TimeSpec.UTC)


class TimeEdit(QWidget):
    """``dateTime()``/``setDateTime()``/``dateTimeChanged`` like QDateTimeEdit, in UTC; typed text is parsed
    as a whole. ``dateTime()`` is invalid while the text is not a date (:meth:`problem` says why)."""

    dateTimeChanged = pyqtSignal(QDateTime)  # noqa: N815 - Qt signal name

    def __init__(self, parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self.line = QLineEdit(self)
        self.line.setPlaceholderText(tr("YYYY-MM-DD hh:mm"))
        self.line.setToolTip(tr("Type a date such as 2014-04-01 or 2014-04-01 12:00 (UTC), or pick one"))
        self.line.textEdited.connect(self._typed)
        # room for the whole date and time (the time row also holds the step list and the range check box)
        self.line.setMinimumWidth(self.line.fontMetrics().horizontalAdvance("2014-04-01 00:00:00") + 16)
        self.calendar = QCalendarWidget()
        self.calendar.setGridVisible(True)
        self.calendar.clicked.connect(self._picked)
        self.button = QToolButton(self)
        self.button.setText("▾")
        self.button.setToolTip(tr("Pick a date"))
        self.button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(self.button)
        action = QWidgetAction(menu)
        action.setDefaultWidget(self.calendar)
        menu.addAction(action)
        menu.aboutToShow.connect(self._sync_calendar)
        self.button.setMenu(menu)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.line, 1)
        layout.addWidget(self.button)
        self._value = QDateTime()

    def dateTime(self) -> QDateTime:  # noqa: N802 - QDateTimeEdit's name
        return QDateTime(self._value)

    def setDateTime(self, value: QDateTime) -> None:  # noqa: N802
        value = QDateTime(value).toUTC() if value.isValid() else QDateTime()
        changed = value != self._value
        self._value = value
        self.line.setText(value.toString(DISPLAY) if value.isValid() else "")
        if changed:
            self.dateTimeChanged.emit(QDateTime(value))

    def text(self) -> str:
        return self.line.text()

    def problem(self) -> Optional[str]:
        """None while the text is a date, else what is wrong with it."""
        if self._value.isValid():
            return None
        if not self.line.text().strip():
            return "enter a date such as 2014-04-01"
        return f"{self.line.text().strip()!r} is not a date like 2014-04-01 or 2014-04-01 12:00"

    def _typed(self, text: str) -> None:
        value = parse_time_text(text)
        if value != self._value or not value.isValid():  # an invalid text changes what problem() says
            self._value = value
            self.dateTimeChanged.emit(QDateTime(value))

    def _sync_calendar(self) -> None:
        if self._value.isValid():
            self.calendar.setSelectedDate(self._value.date())

    def _picked(self, date: QDate) -> None:
        time = self._value.time() if self._value.isValid() else QTime(0, 0)
        self.setDateTime(QDateTime(date, time, Qt.TimeSpec.UTC))
        self.button.menu().hide()
