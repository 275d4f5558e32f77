"""Small widgets the docks and dialogs share: a status line, copy buttons, link labels; non-modal dialogs kept open."""

from __future__ import annotations

import html
from typing import List, Optional

from qgis.core import QgsApplication
from qgis.PyQt.QtCore import Qt
from qgis.PyQt.QtWidgets import QApplication, QLabel, QToolButton, QWidget

from ..qgis_glue.i18n import tr

INFO, LOADING, ERROR, OK, WARNING = "info", "loading", "error", "ok", "warning"
# (on a light window, on a dark window): both keep a contrast of at least 4.5:1 with the window colour
_COLOURS = {
    LOADING: ("#1f5fa8", "#8ab4f8"),
    ERROR: ("#b42318", "#ff8a80"),
    OK: ("#1a7f37", "#6ee7a0"),
    WARNING: ("#b54708", "#fdba74"),
}


def is_dark(widget: Optional[QWidget] = None) -> bool:
    """True when the widget's (or the application's) window colour is dark (a dark QGIS theme)."""
    palette = widget.palette() if widget is not None else QApplication.palette()
    return palette.color(palette.ColorRole.Window).lightness() < 128


def status_style(kind: str, widget: Optional[QWidget] = None) -> str:
    """The style sheet for a status text of ``kind`` that reads well on the current theme (light or dark)."""
    if kind == INFO:
        return "color: palette(mid);" if not is_dark(widget) else "color: palette(text);"
    colour = _COLOURS[kind][1 if is_dark(widget) else 0]
    return f"color: {colour};" + (" font-weight: bold;" if kind == ERROR else "")


class StatusLine(QLabel):
    """One line of state for a dock: info, loading, error or ok (word-wrapped, selectable)."""

    def __init__(self, parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self.setWordWrap(True)
        self.setTextFormat(Qt.TextFormat.PlainText)  # server error text: never HTML (no <img src>, no links)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.kind = INFO
        self.show_info("")

    def _show(self, kind: str, text: str) -> None:
        self.kind = kind
        self.setStyleSheet(status_style(kind, self))
        self.setText(text)
        self.setVisible(bool(text))

    def show_info(self, text: str) -> None:
        self._show(INFO, text)

    def show_loading(self, text: str) -> None:
        self._show(LOADING, text)

    def show_error(self, text: str) -> None:
        self._show(ERROR, text)

    def show_ok(self, text: str) -> None:
        self._show(OK, text)


def flags(value) -> int:
    """A Qt flag combination as the int some PyQt signatures take (PyQt5: int subclass; PyQt6: enum.Flag)."""
    return int(getattr(value, "value", value))


def copy_to_clipboard(text: str) -> None:
    QApplication.clipboard().setText(text)


def copy_button(text: str, tip: str, parent: Optional[QWidget] = None) -> QToolButton:
    """A small button that copies ``text`` to the clipboard."""
    button = QToolButton(parent)
    button.setIcon(QgsApplication.getThemeIcon("mActionEditCopy.svg"))
    button.setText(tr("Copy"))
    button.setToolTip(tip)
    button.setAutoRaise(True)
    button.clicked.connect(lambda _checked=False: copy_to_clipboard(text))
    return button


def is_link(text: str) -> bool:
    return text.strip().lower().startswith(("http://", "https://"))


def text_label(text: str, parent: Optional[QWidget] = None) -> QLabel:
    """A selectable, word-wrapped label; URLs become clickable links that open in the browser."""
    label = QLabel(parent)
    label.setWordWrap(True)
    if is_link(text):
        url = html.escape(text.strip(), quote=True)
        label.setTextFormat(Qt.TextFormat.RichText)
        label.setText(f'<a href="{url}">{html.escape(text.strip())}</a>')  # no-tr: the caller translated text
        label.setOpenExternalLinks(True)
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
    else:
        label.setTextFormat(Qt.TextFormat.PlainText)
        label.setText(text or "—")
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


LAST_FOLDER_KEY = "geoengine/ui/last_folder"


def save_file_name(parent: Optional[QWidget], title: str, suggestion: str, file_filter: str) -> str:
    """A save dialog that starts in the folder the user chose last time (any Geo Engine save dialog) and
    remembers the new one; returns the chosen path or ""."""
    from qgis.PyQt.QtWidgets import QFileDialog

    path, _filter = QFileDialog.getSaveFileName(parent, title, suggested_path(suggestion), file_filter)
    if path:
        remember_folder(path)
    return path


def suggested_path(name: str) -> str:
    """``name`` in the last used folder (just ``name`` before the first save)."""
    from pathlib import Path

    from qgis.core import QgsSettings

    folder = str(QgsSettings().value(LAST_FOLDER_KEY, "") or "")
    return str(Path(folder) / name) if folder and Path(folder).is_dir() else name


def remember_folder(path: str) -> None:
    from pathlib import Path

    from qgis.core import QgsSettings

    QgsSettings().setValue(LAST_FOLDER_KEY, str(Path(path).resolve().parent))


def keep_open(dialogs: List, dialog):
    """Show the non-modal ``dialog`` and hold it in ``dialogs`` (the reference keeps it alive) until it finishes;
    then it leaves the list and is deleted. Returns the dialog."""
    dialogs.append(dialog)
    dialog.finished.connect(lambda _result: forget_dialog(dialogs, dialog))
    dialog.show()
    return dialog


def forget_dialog(dialogs: List, dialog) -> None:
    if dialog in dialogs:
        dialogs.remove(dialog)
        dialog.deleteLater()


def close_dialogs(dialogs: List) -> None:
    """Close and delete every dialog held in ``dialogs`` (on unload)."""
    for dialog in list(dialogs):
        dialog.close()
        forget_dialog(dialogs, dialog)
