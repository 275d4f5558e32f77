"""The plugin's own settings in QgsSettings (``geoengine/...``): download limits and time-following behaviour.

Read them through the functions here (each falls back to its default on a missing or unreadable value), so
every part of the plugin agrees on the keys and defaults.
"""

from __future__ import annotations

from qgis.core import QgsSettings

MAX_DOWNLOAD_MB = "geoengine/downloads/max_megabytes"
MAX_DOWNLOAD_MEGAPIXELS = "geoengine/downloads/max_megapixels"
TIME_CACHE_MB = "geoengine/temporal/cache_megabytes"
FOLLOW_EXTENT = "geoengine/temporal/follow_extent"

DEFAULT_MAX_DOWNLOAD_MB = 2048  # 2 GB uncompressed
DEFAULT_MAX_DOWNLOAD_MEGAPIXELS = 1000  # 10^9 pixels (slices x bands x width x height)
DEFAULT_TIME_CACHE_MB = 512
DEFAULT_FOLLOW_EXTENT = True

# what the settings page (ui/settings_page.py) lets a user choose: (minimum, maximum) per number
RANGES = {MAX_DOWNLOAD_MB: (1, 1_048_576), MAX_DOWNLOAD_MEGAPIXELS: (1, 1_000_000), TIME_CACHE_MB: (16, 1_048_576)}
DEFAULTS = {MAX_DOWNLOAD_MB: DEFAULT_MAX_DOWNLOAD_MB, MAX_DOWNLOAD_MEGAPIXELS: DEFAULT_MAX_DOWNLOAD_MEGAPIXELS,
            TIME_CACHE_MB: DEFAULT_TIME_CACHE_MB}


def _number(key: str, default: float) -> float:
    try:
        value = float(QgsSettings().value(key, default))
    except (TypeError, ValueError):
        return default
    return value if value > 0 else default


def number(key: str) -> int:
    """The whole number stored under ``key`` (one of :data:`RANGES`), its default when missing or unreadable."""
    return int(_number(key, DEFAULTS[key]))


def set_number(key: str, value: int) -> None:
    """Store ``value`` under ``key``, clamped to its range in :data:`RANGES`; the readers see it at once."""
    low, high = RANGES[key]
    QgsSettings().setValue(key, max(low, min(high, int(value))))


def set_flag(key: str, on: bool) -> None:
    """Store a yes/no setting (e.g. :data:`FOLLOW_EXTENT`)."""
    QgsSettings().setValue(key, bool(on))


def max_download_bytes() -> int:
    """Above this many (uncompressed) bytes a download asks first or is refused."""
    return int(_number(MAX_DOWNLOAD_MB, DEFAULT_MAX_DOWNLOAD_MB) * 1024 * 1024)


def max_download_pixels() -> int:
    """Above this many pixels a download asks first or is refused."""
    return int(_number(MAX_DOWNLOAD_MEGAPIXELS, DEFAULT_MAX_DOWNLOAD_MEGAPIXELS) * 1_000_000)


def time_cache_bytes() -> int:
    """The byte budget of the time-following layers' slice cache (least recently used slices go first)."""
    return int(_number(TIME_CACHE_MB, DEFAULT_TIME_CACHE_MB) * 1024 * 1024)


def follow_extent() -> bool:
    """Whether time-following layers also refetch when the map leaves the extent they hold."""
    value = QgsSettings().value(FOLLOW_EXTENT, DEFAULT_FOLLOW_EXTENT)
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    return bool(value)
