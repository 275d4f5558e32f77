#!/usr/bin/env python3
"""User-visible text that bypasses ``tr()``; exits 1 and lists each place (run by ``make lint``).

Looks at the files the plugin zip ships for a string literal or f-string with letters handed straight to a
place users read: Qt text setters (``setText``, ``setWindowTitle``, ``setToolTip``...), widget constructors
(``QLabel("...")``, ``QPushButton``...), ``QMessageBox`` texts, ``addItem``/``addTab``/header labels, the
message bar (``notifier.info/success/warning/error/persistent``), the plugin's status lines and file
dialogs, dock titles, task descriptions (the task manager), ``QgsProcessingParameter*`` descriptions and
``displayName``/``group``/``shortHelpString`` of Processing algorithms. Text inside ``tr(...)`` (or
``tr(...).format(...)``) passes. A line with a ``# no-tr`` comment is skipped (brand names, ids). Log messages
(``log(...)``) and exception texts are for the log and stay English, and so does ``core/`` (no Qt).

Usage: python tools/check_tr.py [paths...]
"""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path
from typing import List, Tuple

sys.path.insert(0, str(Path(__file__).resolve().parent))
from shipped_sources import PURE_PYTHON, report  # noqa: E402

SETTERS = {"setText": 0, "setWindowTitle": 0, "setToolTip": 0, "setStatusTip": 0, "setWhatsThis": 0,
           "setPlaceholderText": 0, "setTitle": 0, "setLabelText": 0, "setSpecialValueText": 0, "setPrefix": 0,
           "setSuffix": 0, "addItem": 0, "insertItem": 1, "addTab": 1, "insertTab": 2, "setTabText": 1,
           "setTabToolTip": 1, "showMessage": 0, "addRow": 0, "setHeaderLabels": 0, "setHorizontalHeaderLabels": 0,
           "setButtonText": 1, "setAccessibleName": 0, "setDescription": 0}
WIDGETS = {"QLabel", "QPushButton", "QCheckBox", "QRadioButton", "QGroupBox", "QToolButton", "QMenu", "QAction",
           "QCommandLinkButton", "QTreeWidgetItem", "QListWidgetItem", "QTableWidgetItem", "QgsCollapsibleGroupBox"}
MESSAGE_BOX = {"information", "warning", "critical", "question", "about"}
NOTIFIER = {"info", "success", "warning", "error", "persistent"}
PROCESSING_TEXT = {"displayName", "group", "shortHelpString", "shortDescription"}
TASKS = {"submit": 0, "CoreTask": 0, "with_prepared": 1, "_run": 0, "_run_reported": 1, "run_with_session": 3}
STATUS = {"show_info", "show_ok", "show_error", "show_loading", "show_warning", "_set_status", "_say", "_show_state",
          "save_file_name", "open_file_name", "copy_button"}  # the plugin's own status lines and file dialogs
LETTERS = re.compile(r"[A-Za-z]{2,}")


def raw_text(node: ast.AST) -> bool:
    """A literal (or f-string, concatenation, list of them) with words that no tr() call wraps."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return bool(LETTERS.search(node.value))
    if isinstance(node, ast.JoinedStr):
        return any(raw_text(part) for part in node.values if isinstance(part, ast.Constant))
    if isinstance(node, ast.BinOp):
        return raw_text(node.left) or raw_text(node.right)
    if isinstance(node, (ast.List, ast.Tuple)):
        return any(raw_text(item) for item in node.elts)
    if isinstance(node, ast.IfExp):
        return raw_text(node.body) or raw_text(node.orelse)
    return False


def _name(func: ast.AST) -> Tuple[str, str]:
    """(receiver text, called name) of a call's function."""
    if isinstance(func, ast.Attribute):
        return ast.unparse(func.value), func.attr
    if isinstance(func, ast.Name):
        return "", func.id
    return "", ""


def user_text_args(call: ast.Call, in_qt_class: bool = False) -> List[ast.AST]:
    receiver, name = _name(call.func)
    args = call.args
    if name in SETTERS and len(args) > SETTERS[name]:
        return [args[SETTERS[name]]]
    if name in WIDGETS:
        return [a for a in args[:2] if isinstance(a, (ast.Constant, ast.JoinedStr, ast.BinOp, ast.IfExp))]
    if receiver == "QMessageBox" and name in MESSAGE_BOX:
        return list(args[1:3])
    if name in NOTIFIER and "notifier" in receiver.lower():
        return args[:1]
    if name in TASKS:  # a background task's description, shown in QGIS's task manager
        return [a for a in args[:TASKS[name] + 1] if isinstance(a, (ast.Constant, ast.JoinedStr))][-1:]
    if name in ("save_file_name", "open_file_name"):  # (parent, caption, file name, filter)
        return [a for i, a in enumerate(args) if i in (1, 3)]
    if name in STATUS:
        return [a for a in args if isinstance(a, (ast.Constant, ast.JoinedStr, ast.BinOp, ast.IfExp))]
    if name == "__init__" and receiver == "super()" and args and in_qt_class:  # a dock's or group's title
        return args[:1]
    if name.startswith("QgsProcessingParameter") and len(args) > 1:
        return [args[1]] + [k.value for k in call.keywords if k.arg == "description"]
    return []


def check_file(path: Path) -> List[Tuple[int, str]]:
    source = path.read_text(encoding="utf-8")
    lines = source.splitlines()
    findings = []
    tree = ast.parse(source, str(path))
    qt_calls = {id(call) for cls in ast.walk(tree) if isinstance(cls, ast.ClassDef)
                and any(ast.unparse(base).split(".")[-1].startswith("Q") for base in cls.bases)
                for call in ast.walk(cls) if isinstance(call, ast.Call)}
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            for arg in user_text_args(node, id(node) in qt_calls):
                if raw_text(arg):
                    findings.append((arg.lineno, f"not translated: {_name(node.func)[1]}: {ast.unparse(arg)[:70]}"))
        elif isinstance(node, ast.FunctionDef) and node.name in PROCESSING_TEXT:
            for ret in ast.walk(node):
                if isinstance(ret, ast.Return) and ret.value is not None and raw_text(ret.value):
                    findings.append((ret.lineno, f"not translated: {node.name} returns {ast.unparse(ret.value)[:70]}"))
    return [(line, text) for line, text in findings if "# no-tr" not in lines[line - 1]]


def main(argv: List[str]) -> int:
    return report(argv, check_file, "check_tr", "every user-visible text goes through tr()",
                  frozenset(PURE_PYTHON))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
