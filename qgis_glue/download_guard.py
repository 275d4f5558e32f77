"""Every download is sized before it starts: the threshold, the free disk space and the decision.

:func:`judge` turns a :class:`~..core.download_estimate.DownloadEstimate` into a :class:`GuardVerdict`:

* ``ok``: within the limits (plugin settings, :mod:`.plugin_settings`) and the disk has room;
* ``ask``: over the limits: an interactive caller (the Add-layer dialog, the Browser) asks the user and
  loads again with ``confirmed_bytes``; a caller that cannot ask (Processing, a time-following layer) refuses;
* ``refuse``: the disk where the files would go has not enough free space (no question helps).

Workers raise :class:`DownloadTooLarge` (an InputError with a clear message) before any tile is fetched.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from ..core.download_estimate import DownloadEstimate, format_bytes, format_count
from ..core.errors import InputError
from . import plugin_settings
from .i18n import tr

OK, ASK, REFUSE = "ok", "ask", "refuse"
DISK_RESERVE = 256 * 1024 * 1024  # leave this much free after the download


@dataclass(frozen=True)
class GuardLimits:
    """The thresholds; :meth:`from_settings` reads the plugin's settings."""

    max_bytes: int = plugin_settings.DEFAULT_MAX_DOWNLOAD_MB * 1024 * 1024
    max_pixels: int = plugin_settings.DEFAULT_MAX_DOWNLOAD_MEGAPIXELS * 1_000_000

    @classmethod
    def from_settings(cls) -> GuardLimits:
        return cls(plugin_settings.max_download_bytes(), plugin_settings.max_download_pixels())


@dataclass(frozen=True)
class GuardVerdict:
    """The decision for one download, the estimate behind it and a message for the user."""

    decision: str
    estimate: DownloadEstimate
    message: str
    free_bytes: Optional[int] = None

    @property
    def ok(self) -> bool:
        return self.decision == OK


class DownloadTooLarge(InputError):
    """A download over the limits (``verdict.decision`` ask) or over the free disk space (refuse)."""

    def __init__(self, verdict: GuardVerdict) -> None:
        super().__init__(verdict.message, field="extent")
        self.verdict = verdict


def free_space(folder: Optional[Path]) -> Optional[int]:
    """Free bytes on the disk holding ``folder`` (its nearest existing parent); None when unknown."""
    if folder is None:
        return None
    path = Path(folder)
    while not path.exists() and path != path.parent:
        path = path.parent
    try:
        return shutil.disk_usage(path).free
    except OSError:
        return None


def judge(estimate: DownloadEstimate, limits: Optional[GuardLimits] = None, folder: Optional[Path] = None,
          confirmed_bytes: int = 0) -> GuardVerdict:
    """The decision for ``estimate``: files go to ``folder`` (free space checked first); ``confirmed_bytes`` is
    what the user already agreed to (a download up to that size is not asked about again)."""
    limits = limits or GuardLimits.from_settings()
    if not estimate.known or not estimate.bytes:
        return GuardVerdict(OK, estimate, f"Download size: {estimate.describe()}.")
    size = estimate.bytes
    free = free_space(folder)
    if free is not None and size + DISK_RESERVE > free:
        return GuardVerdict(REFUSE, estimate,
                            f"The download needs up to {format_bytes(size)} ({estimate.describe()}), but only "
                            f"{format_bytes(free)} is free on the disk of {folder}. Choose a smaller extent, "
                            "fewer time steps or bands, or free some space.", free)
    over = []
    if size > limits.max_bytes:
        over.append(f"{format_bytes(size)} > {format_bytes(limits.max_bytes)}")
    if (estimate.pixels or 0) > limits.max_pixels:
        over.append(f"{format_count(estimate.pixels or 0)} > {format_count(limits.max_pixels)} pixels")
    if not over or size <= confirmed_bytes:
        return GuardVerdict(OK, estimate, f"Download size: {estimate.describe()}.", free)
    return GuardVerdict(ASK, estimate,
                        f"The download is larger than the limit ({'; '.join(over)}): {estimate.describe()}. "
                        "Choose a smaller extent, fewer time steps or bands, or raise the limit "
                        f"(setting {plugin_settings.MAX_DOWNLOAD_MB}).", free)


def check(estimate: DownloadEstimate, folder: Optional[Path], confirmed_bytes: int = 0,
          limits: Optional[GuardLimits] = None) -> GuardVerdict:
    """:func:`judge`, raising :class:`DownloadTooLarge` unless the verdict is ok."""
    verdict = judge(estimate, limits, folder, confirmed_bytes)
    if not verdict.ok:
        raise DownloadTooLarge(verdict)
    return verdict


def vector_limit(confirmed_bytes: int = 0, limits: Optional[GuardLimits] = None) -> Optional[int]:
    """Vector streams tell no size up front: the bytes a stream may bring before it stops and asks (None: the
    user already agreed to a large download)."""
    if confirmed_bytes > 0:
        return None
    return (limits or GuardLimits.from_settings()).max_bytes


def vector_verdict(received: int, limits: Optional[GuardLimits] = None) -> GuardVerdict:
    """The question for a vector stream that passed the limit after ``received`` bytes."""
    limits = limits or GuardLimits.from_settings()
    estimate = DownloadEstimate("vector", bytes=received)
    return GuardVerdict(ASK, estimate,
                        tr("The vector data passed the limit ({limit}) before its end. Choose a smaller extent or "
                           "time, or raise the limit (setting {setting}).").format(
                            limit=format_bytes(limits.max_bytes), setting=plugin_settings.MAX_DOWNLOAD_MB))


def ask_user(verdict: GuardVerdict, parent=None) -> bool:
    """Main thread: ask whether to download anyway (Yes/No, No by default). Refusals are not asked."""
    if verdict.decision != ASK:
        return False
    from qgis.PyQt.QtCore import Qt
    from qgis.PyQt.QtWidgets import QMessageBox

    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle(tr("Geo Engine: large download"))
    box.setTextFormat(Qt.TextFormat.PlainText)
    box.setText(tr("{message}\n\nDownload anyway?").format(message=verdict.message))
    box.setStandardButtons(QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No)
    box.setDefaultButton(QMessageBox.StandardButton.No)
    return box.exec() == QMessageBox.StandardButton.Yes
