"""Which optional Python packages are importable, and what their absence disables.

The check only locates modules (``importlib.util.find_spec``); it imports nothing heavy, so it is
cheap enough for ``initGui``. The features that need a package keep checking :func:`is_available`
before they run and fall back as :data:`DEPENDENCIES` describes.
"""

from __future__ import annotations

import importlib.util
import sys
from dataclasses import dataclass
from typing import Optional, Tuple

from qgis.core import Qgis
from qgis.PyQt.QtCore import Qt

from .i18n import tr
from .messages import Notifier, log


@dataclass(frozen=True)
class Dependency:
    """A Python package, the feature it enables and what the plugin does without it."""

    module: str
    pip_name: str
    feature: str
    fallback: Optional[str] = None
    pip_spec: str = ""  # what to pass to pip when it is not just the name (a version limit)

    @property
    def requirement(self) -> str:
        """The argument for ``pip install``, quoted when it holds a version limit: ``"pyarrow<24"``."""
        return f'"{self.pip_spec}"' if self.pip_spec else self.pip_name

    @property
    def required(self) -> bool:
        """No fallback: the plugin cannot talk to a server at all without it."""
        return self.fallback is None


DEPENDENCIES: Tuple[Dependency, ...] = (
    Dependency("requests", "requests", "all requests to Geo Engine servers"),
    Dependency("numpy", "numpy", "raster and vector results (QGIS normally ships it)"),
    Dependency("osgeo.gdal", "GDAL", "raster and vector results (QGIS normally ships it)"),
    Dependency(
        "pyarrow",
        "pyarrow",
        "Arrow raster and vector streams",
        "rasters come through WCS GeoTIFF and vectors through WFS GeoJSON instead (the same layers)",
        "pyarrow<24",  # pyarrow 24+ needs NumPy 2; Debian 12 and many QGIS installs ship NumPy 1.x
    ),
    Dependency(
        "websockets",
        "websockets",
        "websocket streams of raster tiles and vector batches",
        "rasters come through WCS GeoTIFF and vectors through WFS GeoJSON instead (the same layers)",
    ),
    Dependency(
        "geopandas",
        "geopandas",
        "GeoDataFrame results (get_dataframe)",
        "vector results are loaded as QGIS layers without geopandas",
    ),
)


def is_available(module: str) -> bool:
    """True when ``module`` can be imported (found on the path and not blocked in ``sys.modules``)."""
    if module in sys.modules:
        return sys.modules[module] is not None
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


def missing_dependencies(dependencies: Tuple[Dependency, ...] = DEPENDENCIES) -> Tuple[Dependency, ...]:
    """The dependencies that cannot be imported, in declaration order."""
    return tuple(dep for dep in dependencies if not is_available(dep.module))


README_SECTION = "installing-the-plugins-python-packages-for-qgis"  # README: "Installing the plugin's Python…"


def install_command(deps: Tuple[Dependency, ...], platform: str = sys.platform) -> str:
    """The pip command for QGIS's Python on this platform, as the README gives it."""
    names = " ".join(dep.requirement for dep in deps)
    if platform.startswith("win"):
        return f"python -m pip install {names}"  # in the OSGeo4W Shell
    return f"python3 -m pip install --user {names}"


def explain(dep: Dependency) -> str:
    """One sentence naming the package, the feature it disables and the fallback."""
    text = f"Python package '{dep.pip_name}' is missing, which disables: {dep.feature}."
    if dep.fallback:
        text += f" Fallback: {dep.fallback}."
    return text + f" Install it into QGIS's Python: {install_command((dep,))}"


def readme_link(homepage: str) -> str:
    """The README section on installing packages, from the plugin's homepage (``…#readme``)."""
    return homepage.split("#", 1)[0] + "#" + README_SECTION if homepage else ""


def report_missing(notifier: Notifier, dependencies: Tuple[Dependency, ...] = DEPENDENCIES,
                   homepage: str = "") -> Tuple[Dependency, ...]:
    """Log one line per missing package and show one message bar notice that stays until closed, with the
    install command and a link to the README; returns the missing ones."""
    missing = missing_dependencies(dependencies)
    if not missing:
        return missing
    for dep in missing:
        log(explain(dep))
    names = ", ".join(dep.pip_name for dep in missing)
    level = Qgis.MessageLevel.Critical if any(dep.required for dep in missing) else Qgis.MessageLevel.Warning
    text = tr("Missing Python package(s): {names}. Install into QGIS's Python, then restart QGIS: {command}").format(
        names=names, command=install_command(missing))
    notifier.persistent(text, level, details=tr("The Geo Engine log says what each package enables."),
                        widget=_link_label(readme_link(homepage)))
    return missing


def _link_label(url: str):
    """A "How to install" link for the message bar (None without a URL or without a GUI)."""
    if not url:
        return None
    from qgis.PyQt.QtWidgets import QApplication, QLabel

    if not isinstance(QApplication.instance(), QApplication):
        return None
    label = QLabel(tr('<a href="{url}">How to install (README)</a>').format(url=url))
    label.setTextFormat(Qt.TextFormat.RichText)
    label.setOpenExternalLinks(True)
    label.setObjectName("GeoEngineInstallHelp")
    return label
