"""One temporary folder per plugin run for downloaded results, with per-job subfolders.

The folder is made on first use (not at start-up) and removed by :meth:`PluginTempDir.cleanup`,
which the plugin calls on unload. A job's subfolder is removed again when the job fails or is
cancelled (:meth:`PluginTempDir.job`).
"""

from __future__ import annotations

import re
import shutil
import tempfile
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Optional

from .messages import log

PREFIX = "geoengine-qgis-"
_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")



def safe_stem(name: str, fallback: str = "layer", limit: Optional[int] = 40) -> str:
    """``name`` as a file name stem: letters, digits, ``-`` and ``_`` (others become ``_``), at most ``limit``
    characters; ``fallback`` when nothing is left."""
    stem = "".join(c if c.isalnum() or c in "-_" else "_" for c in name).strip("_")
    return stem[:limit] or fallback

class PluginTempDir:
    """The plugin's temporary folder, below ``base`` (the system temp folder by default)."""

    def __init__(self, base: Optional[str] = None) -> None:
        self._base = base
        self._root: Optional[Path] = None
        self._lock = threading.Lock()

    @property
    def exists(self) -> bool:
        return self._root is not None and self._root.is_dir()

    @property
    def root(self) -> Path:
        """The folder itself, created on first access (safe from worker threads)."""
        with self._lock:
            if self._root is None or not self._root.is_dir():
                self._root = Path(tempfile.mkdtemp(prefix=PREFIX, dir=self._base))
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

    def cleanup(self) -> None:
        """Remove the whole folder (files still open elsewhere are logged, not fatal)."""
        with self._lock:
            root, self._root = self._root, None
        if root is None or not root.exists():
            return
        failures = []
        shutil.rmtree(root, onerror=lambda _func, path, _exc: failures.append(path))
        if failures:
            log(f"Could not remove {len(failures)} temporary file(s) under {root}, e.g. {failures[0]}")
