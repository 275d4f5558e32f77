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

from .messages import Notifier, log


@dataclass(frozen=True)
class Dependency:
    """A Python package, the feature it enables and what the plugin does without it."""

    module: str
    pip_name: str
    feature: str
    fallback: Optional[str] = None

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


def explain(dep: Dependency) -> str:
    """One sentence naming the package, the feature it disables and the fallback."""
    text = f"Python package '{dep.pip_name}' is missing, which disables: {dep.feature}."
    if dep.fallback:
        text += f" Fallback: {dep.fallback}."
    return text + f" Install it into QGIS's Python (pip install {dep.pip_name})."


def report_missing(notifier: Notifier, dependencies: Tuple[Dependency, ...] = DEPENDENCIES) -> Tuple[Dependency, ...]:
    """Log one line per missing package and show one message bar summary; returns the missing ones."""
    missing = missing_dependencies(dependencies)
    if not missing:
        return missing
    for dep in missing:
        log(explain(dep))
    names = ", ".join(dep.pip_name for dep in missing)
    severe = any(dep.required for dep in missing)
    text = f"Missing Python package(s): {names}. See the Geo Engine log for what this disables and the fallback."
    if severe:
        notifier.error(text)
    else:
        notifier.warning(text)
    return missing
