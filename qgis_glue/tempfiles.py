"""The plugin's folder for downloaded results: a cache folder under the QGIS profile, one run folder per start.

* Results go to ``<QGIS profile>/geoengine/cache/geoengine-qgis-<process id>-<random>/`` (:func:`default_base`), not the
  system temp dir; each job gets a subfolder, removed again when the job fails or is cancelled.
* Unload (:meth:`PluginTempDir.close`) removes only the files no layer of the open project reads; the others
  stay where the layers expect them. After ``close`` the folder is never made again: a task that outlives the
  unload gets :class:`TempDirClosed` instead of a new folder nobody would remove.
* The next start (:func:`sweep`) removes every file in old run folders that no layer of the open project reads
  (the plugin was reloaded with the project open: those files stay), and the empty folders; folders of another
  running QGIS are left alone. Old ``geoengine-qgis-*`` folders in the system temp dir (before this layout, or
  Processing's) are removed once a day old.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterable, Iterator, Optional, Set

from .messages import log

PREFIX = "geoengine-qgis-"
STALE_SECONDS = 86_400  # folders whose owner cannot be checked count as stale after a day
_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")


class TempDirClosed(RuntimeError):
    """The plugin was unloaded: its folder is not made again."""


def default_base() -> Path:
    """``<QGIS profile>/geoengine/cache``: downloads live with the user's profile."""
    from qgis.core import QgsApplication

    return Path(QgsApplication.qgisSettingsDirPath()) / "geoengine" / "cache"


def _pid_alive(pid: int) -> Optional[bool]:
    """Whether process ``pid`` runs; None where it cannot be asked safely (Windows)."""
    if sys.platform.startswith("win"):
        return None  # os.kill would terminate it
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:
        return None
    return True


def _owner(folder: Path) -> Optional[int]:
    """The process id in a run folder's name ``geoengine-qgis-<pid>-<random>``; None for other names."""
    head = folder.name[len(PREFIX):].split("-", 1)[0]
    return int(head) if head.isdigit() else None


def _folder_owner_alive(folder: Path) -> bool:
    """True when the folder belongs to another running QGIS (or is too young to tell)."""
    pid = _owner(folder)
    if pid == os.getpid():
        return False  # ours from before a reload: only the files the open project reads stay
    alive = _pid_alive(pid) if pid is not None else None
    if alive is None:
        try:
            return time.time() - folder.stat().st_mtime < STALE_SECONDS
        except OSError:
            return False
    return alive


def _remove_unreferenced(folder: Path, keep: Set[Path]) -> int:
    """Remove the files under ``folder`` not in ``keep`` (resolved paths), then empty folders; returns files removed."""
    removed = 0
    for dirpath, _dirs, files in os.walk(folder, topdown=False):
        for name in files:
            path = Path(dirpath) / name
            if _resolved(path) in keep:
                continue
            try:
                path.unlink()
                removed += 1
            except OSError as exc:
                log(f"Could not remove {path}: {exc}")
        if Path(dirpath) != folder:
            try:
                os.rmdir(dirpath)
            except OSError:
                pass  # not empty: something is still used
    try:
        os.rmdir(folder)
    except OSError:
        pass  # files that layers read stay
    return removed


def _resolved(path: Path) -> Path:
    try:
        return path.resolve()
    except OSError:
        return path


def project_files(project=None) -> Set[Path]:
    """The files the layers of ``project`` (default: the open project) read, resolved."""
    from qgis.core import QgsProject

    project = project or QgsProject.instance()
    files: Set[Path] = set()
    for layer in project.mapLayers().values():
        source = layer.source().split("|", 1)[0]
        if source and not source.startswith(("http:", "https:", "url=", "memory")):
            files.add(_resolved(Path(source)))
    return files


def sweep(base: Optional[Path] = None, referenced: Optional[Iterable[Path]] = None,
          exclude: Optional[Path] = None, system_temp: Optional[Path] = None) -> int:
    """Start-up cleaning (see the module docstring); returns how many files were removed."""
    keep = {_resolved(Path(p)) for p in (project_files() if referenced is None else referenced)}
    removed = 0
    base = Path(base) if base is not None else default_base()
    if base.is_dir():
        for folder in base.glob(PREFIX + "*"):
            if folder.is_dir() and folder != exclude and not _folder_owner_alive(folder):
                removed += _remove_unreferenced(folder, keep)
    legacy = Path(system_temp or tempfile.gettempdir())
    for folder in legacy.glob(PREFIX + "*"):
        try:
            old = folder.is_dir() and time.time() - folder.stat().st_mtime > STALE_SECONDS
        except OSError:
            old = False
        if old and folder != exclude and not _folder_owner_alive(folder):
            removed += _remove_unreferenced(folder, keep)
    if removed:
        log(f"Removed {removed} Geo Engine file(s) left from earlier runs")
    return removed



def safe_stem(name: str, fallback: str = "layer", limit: Optional[int] = 40) -> str:
    """``name`` as a file name stem: letters, digits, ``-`` and ``_`` (others become ``_``), at most ``limit``
    characters; ``fallback`` when nothing is left."""
    stem = "".join(c if c.isalnum() or c in "-_" else "_" for c in name).strip("_")
    return stem[:limit] or fallback

class PluginTempDir:
    """The plugin's run folder below ``base`` (the profile's cache folder by default, :func:`default_base`)."""

    def __init__(self, base: Optional[str] = None) -> None:
        self._base = base
        self._root: Optional[Path] = None
        self._closed = False
        self._lock = threading.Lock()

    @property
    def base(self) -> Path:
        """The folder the run folder is made in."""
        return Path(self._base) if self._base is not None else default_base()

    @property
    def exists(self) -> bool:
        return self._root is not None and self._root.is_dir()

    @property
    def closed(self) -> bool:
        return self._closed

    @property
    def root(self) -> Path:
        """The folder itself, created on first access (safe from worker threads); :class:`TempDirClosed`
        after :meth:`close`."""
        with self._lock:
            if self._closed:
                raise TempDirClosed("the Geo Engine plugin was unloaded; its download folder is closed")
            if self._root is None or not self._root.is_dir():
                base = self.base
                base.mkdir(parents=True, exist_ok=True)
                self._root = Path(tempfile.mkdtemp(prefix=f"{PREFIX}{os.getpid()}-", dir=base))
            return self._root

    def job_dir(self, label: str) -> Path:
        """A new, empty subfolder for one job; ``label`` only makes the name readable."""
        safe = _UNSAFE.sub("_", label).strip("_")[:40] or "job"
        return Path(tempfile.mkdtemp(prefix=f"{safe}-", dir=self.root))

    def discard(self, path: Path) -> None:
        """Remove a job folder made by :meth:`job_dir`; paths outside the temp folder are refused."""
        path = Path(path)
        if self._root is None or self._root.resolve() not in path.resolve().parents:
            raise ValueError(f"not a job folder of the plugin's temporary folder: {path}")
        shutil.rmtree(path, ignore_errors=True)

    @contextmanager
    def job(self, label: str) -> Iterator[Path]:
        """A job folder that is removed if the block raises (failure or cancellation)."""
        path = self.job_dir(label)
        try:
            yield path
        except BaseException:
            self.discard(path)
            raise

    def close(self, keep: Optional[Callable[[], Iterable[Path]]] = None) -> int:
        """Unload: remove the files not in ``keep()`` (default: the files the open project's layers read),
        keep the others, and never make the folder again. Returns how many files stay."""
        with self._lock:
            self._closed = True
            root = self._root
        if root is None or not root.exists():
            return 0
        kept = {_resolved(Path(p)) for p in (keep() if keep is not None else project_files())}
        _remove_unreferenced(root, kept)
        staying = [p for p in kept if root.resolve() in p.parents and p.exists()]
        if staying:
            log(f"Kept {len(staying)} downloaded file(s) that layers of the open project read, under {root}; "
                "they are removed at a later start once no layer reads them")
        return len(staying)

    def cleanup(self) -> None:
        """Remove the whole folder (files still open elsewhere are logged, not fatal); it is made again on use."""
        with self._lock:
            root, self._root = self._root, None
        if root is None or not root.exists():
            return
        failures = []
        shutil.rmtree(root, onerror=lambda _func, path, _exc: failures.append(path))
        if failures:
            log(f"Could not remove {len(failures)} temporary file(s) under {root}, e.g. {failures[0]}")
