"""Icons loaded from SVG files in ``resources/`` (no compiled Qt resources)."""

from __future__ import annotations

from pathlib import Path

from qgis.PyQt.QtGui import QIcon

RESOURCES = Path(__file__).resolve().parent.parent / "resources"


def icon_path(name: str) -> Path:
    """Path of a file in ``resources/``; raises FileNotFoundError for a missing icon."""
    path = RESOURCES / name
    if not path.is_file():
        raise FileNotFoundError(f"missing plugin icon {path}")
    return path


def icon(name: str) -> QIcon:
    return QIcon(str(icon_path(name)))
