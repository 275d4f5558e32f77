"""A small read-only text window with Copy and Close (the Browser's provenance and workflow-JSON views)."""

from __future__ import annotations

from typing import Optional

from qgis.PyQt.QtGui import QFontDatabase
from qgis.PyQt.QtWidgets import QDialog, QDialogButtonBox, QLabel, QPlainTextEdit, QVBoxLayout, QWidget

from ..qgis_glue.plain_text import set_plain
from .widgets import copy_to_clipboard


class TextDialog(QDialog):
    """Shows ``text`` under a ``heading``; ``monospace`` for JSON."""

    def __init__(self, title: str, heading: str, text: str, parent: Optional[QWidget] = None,
                 monospace: bool = False) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.resize(620, 460)
        layout = QVBoxLayout(self)
        label = QLabel(self)
        set_plain(label, heading)
        label.setWordWrap(True)
        self.text_edit = QPlainTextEdit(self)
        self.text_edit.setReadOnly(True)
        self.text_edit.setPlainText(text)
        if monospace:
            self.text_edit.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        copy = buttons.addButton("Copy", QDialogButtonBox.ButtonRole.ActionRole)
        copy.clicked.connect(lambda _checked=False: copy_to_clipboard(self.text()))
        buttons.rejected.connect(self.reject)
        layout.addWidget(label)
        layout.addWidget(self.text_edit, 1)
        layout.addWidget(buttons)

    def text(self) -> str:
        return self.text_edit.toPlainText()
