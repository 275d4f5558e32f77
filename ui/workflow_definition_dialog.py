"""A read-only view of a workflow's JSON (pretty-printed, monospace) with a copy button."""

from __future__ import annotations

import json
from typing import Optional

from qgis.PyQt.QtCore import Qt
from qgis.PyQt.QtGui import QFont, QFontDatabase, QFontInfo
from qgis.PyQt.QtWidgets import QDialog, QHBoxLayout, QLabel, QPlainTextEdit, QPushButton, QVBoxLayout, QWidget

from ..qgis_glue.i18n import tr
from ..qgis_glue.plain_text import escape
from .widgets import copy_to_clipboard


def monospace_font() -> QFont:
    """The system's fixed-width font, asked for as fixed-pitch with the typewriter hint (headless Qt may not know
    the system font; which family fontconfig then picks is the machine's business)."""
    font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
    if not QFontInfo(font).fixedPitch():
        font = QFont("monospace")
    font.setStyleHint(QFont.StyleHint.TypeWriter)
    font.setFixedPitch(True)
    return font


def pretty_json(value) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False)


class WorkflowDefinitionDialog(QDialog):
    """Shows ``definition`` (the stored workflow JSON) of ``workflow_id``."""

    def __init__(self, workflow_id: str, definition: dict, title: str = "", parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self.setObjectName("GeoEngineWorkflowDefinitionDialog")
        self.setWindowTitle(tr("Workflow definition – {title}").format(title=title) if title
                            else tr("Workflow definition"))
        self.workflow_id = workflow_id
        self.definition = definition
        layout = QVBoxLayout(self)
        header = QLabel(tr("Workflow <b>{workflow_id}</b>").format(workflow_id=escape(workflow_id)), self)
        header.setTextFormat(Qt.TextFormat.RichText)
        self.text = QPlainTextEdit(self)
        self.text.setReadOnly(True)
        self.text.setFont(monospace_font())
        self.text.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.text.setPlainText(pretty_json(definition))
        buttons = QHBoxLayout()
        copy_json = QPushButton(tr("Copy JSON"), self)
        copy_json.clicked.connect(lambda _checked=False: copy_to_clipboard(self.text.toPlainText()))
        copy_id = QPushButton(tr("Copy workflow id"), self)
        copy_id.clicked.connect(lambda _checked=False: copy_to_clipboard(workflow_id))
        close = QPushButton(tr("Close"), self)
        close.clicked.connect(self.accept)
        buttons.addWidget(copy_json)
        buttons.addWidget(copy_id)
        buttons.addStretch(1)
        buttons.addWidget(close)
        layout.addWidget(header)
        layout.addWidget(self.text, 1)
        layout.addLayout(buttons)
        self.resize(560, 420)
