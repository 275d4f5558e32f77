"""Translations: :func:`tr` for every user-visible string, and the plugin's QTranslator for the QGIS locale.

All strings share one translation context, ``GeoEngine``, so the same English text is translated once wherever
it appears (module functions, dialogs, subclasses). ``make translations`` extracts the ``tr("...")`` calls with
pylupdate5 and merges them into ``i18n/geoengine_<lang>.ts`` (tools/update_translations.py); ``make package``
compiles them with lrelease into ``i18n/geoengine_<lang>.qm`` inside the zip. :class:`Translations` loads the
``.qm`` matching QGIS's locale (*Settings > Options > General > Locale*) when the plugin starts.

Write ``tr("Add workflow layer…")`` with a literal (pylupdate5 only sees literals); put variable parts in with
``.format()`` after translating: ``tr("Added {count} layers").format(count=3)``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

from qgis.PyQt.QtCore import QCoreApplication, QTranslator

CONTEXT = "GeoEngine"
I18N_DIR = Path(__file__).resolve().parent.parent / "i18n"
PREFIX = "geoengine_"


def tr(text: str, disambiguation: Optional[str] = None, n: int = -1) -> str:
    """``text`` in the user's language (the English text itself when there is no translation)."""
    return QCoreApplication.translate(CONTEXT, text, disambiguation, n)


def QT_TR_NOOP(text: str) -> str:  # noqa: N802 - the name pylupdate5 looks for
    """Marks a literal for translation where it is defined (e.g. a module-level table); translate it with
    :func:`tr` where it is shown."""
    return text


def qgis_locale() -> str:
    """QGIS's user interface locale, e.g. ``de`` or ``pt_BR`` (``en`` without QGIS settings)."""
    try:
        from qgis.core import QgsApplication

        return QgsApplication.locale() or "en"
    except (ImportError, RuntimeError):
        return "en"


def qm_file(locale: str, folder: Path = I18N_DIR) -> Optional[Path]:
    """The compiled translation for ``locale``: ``geoengine_pt_BR.qm``, else ``geoengine_pt.qm``, else None."""
    for name in (locale, locale.split("_")[0]):
        path = folder / f"{PREFIX}{name}.qm"
        if name and path.is_file():
            return path
    return None


class Translations:
    """The plugin's QTranslator: installed for the QGIS locale when the plugin starts, removed on unload."""

    def __init__(self) -> None:
        self._translator: Optional[QTranslator] = None
        self.path: Optional[Path] = None

    def install(self, locale: Optional[str] = None, folder: Path = I18N_DIR) -> Optional[Path]:
        """Load and install the ``.qm`` for ``locale`` (default: QGIS's); returns its path, None for English or
        a language without a translation (the strings then stay English)."""
        self.remove()
        path = qm_file(locale or qgis_locale(), folder)
        if path is None:
            return None
        translator = QTranslator()
        if not translator.load(str(path)):
            return None
        QCoreApplication.installTranslator(translator)
        self._translator, self.path = translator, path
        return path

    def remove(self) -> None:
        if self._translator is not None:
            QCoreApplication.removeTranslator(self._translator)
        self._translator, self.path = None, None
