"""QGIS 4 / Qt 6 readiness of the plugin's Python code; exits 1 and lists every finding (run by ``make lint``).

Three rules, so that ``supportsQt6=True`` in metadata.txt stays true:

* **Qt only through qgis.PyQt**: no ``import PyQt5``/``PyQt6``/``sip``/``PySide`` anywhere.
* **no exec_**: ``exec()`` exists in PyQt5 and PyQt6, ``exec_()`` only in PyQt5.
* **scoped enums**: ``Owner.Member`` where ``Owner`` is a Qt or QGIS class and ``Member`` one of its enum values
  (found by importing QGIS, not from a list): ``Owner.EnumType.Member`` when that exists, or ``Qgis.EnumType.name``
  when QGIS moved the enum to ``Qgis`` and ``Owner.Member`` is only an alias (PyQt6 drops unscoped names; QGIS's
  auto-additions patch only some). Spellings that differ between QGIS versions go through
  ``qgis_glue/enums.py``'s ``pick`` with strings.

Usage: python tools/check_qt6.py [paths...]  (default: the folders shipped in the plugin zip; tests, tools and
bench run only on this machine's QGIS and are not checked).
"""

from __future__ import annotations

import ast
import importlib
import re
import sys
from pathlib import Path
from typing import Dict, List, Tuple

sys.path.insert(0, str(Path(__file__).resolve().parent))
from shipped_sources import report  # noqa: E402

QT_MODULES = ("qgis.PyQt.QtCore", "qgis.PyQt.QtGui", "qgis.PyQt.QtWidgets", "qgis.PyQt.QtNetwork",
              "qgis.PyQt.QtXml", "qgis.PyQt.QtSvg", "qgis.PyQt.QtPrintSupport")
QGIS_MODULES = ("qgis.core", "qgis.gui", "qgis.analysis")
FORBIDDEN_IMPORT = re.compile(r"^(PyQt5|PyQt6|sip|PySide2|PySide6)(\.|$)")


def owners() -> Dict[str, type]:
    """Class name -> class for every Qt and QGIS module the plugin may use (modules missing here are skipped)."""
    found: Dict[str, type] = {}
    for name in QT_MODULES + QGIS_MODULES:
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        for attr, value in vars(module).items():
            if isinstance(value, type) and not attr.startswith("_"):
                found.setdefault(attr, value)
    return found


def scoped_spelling(owner_name: str, owner: type, member: str, qgis: type) -> str:
    """The scoped spelling of ``owner.member`` when it is an enum value: ``Owner.EnumType.member``, or
    ``Qgis.EnumType.name`` for the enums QGIS moved to ``Qgis`` (the old name is an alias); "" otherwise."""
    try:
        value = getattr(owner, member)
    except Exception:  # noqa: BLE001 - odd descriptors: not an enum
        return ""
    if isinstance(value, type) or not isinstance(value, int) or type(value) in (int, bool):
        return ""
    enum_type = type(value)
    type_name = enum_type.__name__
    if type_name == member:
        return ""
    if getattr(owner, type_name, None) is enum_type and getattr(enum_type, member, None) is not None:
        return f"{owner_name}.{type_name}.{member}"
    name = getattr(value, "name", "")
    if qgis is not None and getattr(qgis, type_name, None) is enum_type and name:
        return f"Qgis.{type_name}.{name}"
    return ""


def check_file(path: Path, classes: Dict[str, type]) -> List[Tuple[int, str]]:
    source = path.read_text(encoding="utf-8")
    tree = ast.parse(source, str(path))
    findings: List[Tuple[int, str]] = []
    chained = {id(node.value) for node in ast.walk(tree) if isinstance(node, ast.Attribute)}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            findings += [(node.lineno, f"import {a.name}: use qgis.PyQt") for a in node.names
                         if FORBIDDEN_IMPORT.match(a.name)]
        elif isinstance(node, ast.ImportFrom) and node.module and FORBIDDEN_IMPORT.match(node.module):
            findings.append((node.lineno, f"from {node.module} import ...: use qgis.PyQt"))
        elif isinstance(node, ast.Attribute):
            if node.attr == "exec_":
                findings.append((node.lineno, "exec_(): use exec()"))
            elif (isinstance(node.value, ast.Name) and node.value.id in classes and id(node) not in chained
                  and node.attr[:1].isupper()):
                scoped = scoped_spelling(node.value.id, classes[node.value.id], node.attr, classes.get("Qgis"))
                if scoped:
                    findings.append((node.lineno, f"{node.value.id}.{node.attr}: use {scoped}"))
    return findings


def main(argv: List[str]) -> int:
    classes = owners()
    if "Qt" not in classes:
        print("check_qt6: qgis.PyQt cannot be imported; run with QGIS's Python", file=sys.stderr)
        return 2
    return report(argv, lambda path: check_file(path, classes), "check_qt6",
                  "no unscoped enums, exec_ or direct PyQt imports")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
