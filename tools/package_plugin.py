#!/usr/bin/env python3
"""Build the installable QGIS plugin zip: dist/geoengine_qgis-<version>.zip with one folder geoengine_qgis/.

Takes the working tree's files that git does not ignore (outside a git checkout: every file) minus what
is not part of the plugin: tests, benchmarks, tools, docs, CI and build configuration, caches. Then checks the plugin
repository's rules: required metadata fields, LICENSE inside, no binaries, no compiled Qt files, at most
25 MB. Standard library only. Usage: tools/package_plugin.py [--output DIR]
"""

from __future__ import annotations

import argparse
import configparser
import fnmatch
import os
import subprocess
import sys
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PACKAGE = "geoengine_qgis"
MAX_BYTES = 25 * 1024 * 1024
REQUIRED_METADATA = ("name", "qgisMinimumVersion", "description", "about", "version", "author", "email", "repository")

EXCLUDED_TOP = {
    "tests", "bench", "tools", "docs", "dist", "build", ".ci", ".github", "Makefile", "pyproject.toml",
    "requirements.txt", "requirements-dev.txt", "requirements-official.txt", "demo.png",
}
EXCLUDED_PATTERNS = (
    ".*", "__pycache__", "*.pyc", "*.pyo", "*.zip", "*.orig", "*.rej", "*~", "ui_*.py", "resources_rc.py",
)
BINARY_SUFFIXES = {".so", ".pyd", ".dll", ".dylib", ".exe", ".bin", ".a", ".lib", ".o", ".whl", ".egg"}


class PackageError(Exception):
    """The package would break a plugin repository rule."""


def _git_files(repo: Path, *options: str) -> list:
    out = subprocess.run(["git", "-C", str(repo), "ls-files", "-z", *options], check=True, capture_output=True).stdout
    return [Path(p) for p in out.decode("utf-8").split("\0") if p and (repo / p).is_file()]


def candidate_files(repo: Path) -> list:
    """Relative paths of the working tree's files: in a git checkout, tracked files plus untracked ones that
    .gitignore does not exclude (so the zip matches what the tests ran against); otherwise every file."""
    if (repo / ".git").exists():
        return sorted(set(_git_files(repo)) | set(_git_files(repo, "--others", "--exclude-standard")))
    return [p.relative_to(repo) for p in repo.rglob("*") if p.is_file()]


def untracked_files(repo: Path) -> list:
    return _git_files(repo, "--others", "--exclude-standard") if (repo / ".git").exists() else []


def is_excluded(path: Path) -> bool:
    if path.parts[0] in EXCLUDED_TOP:
        return True
    return any(fnmatch.fnmatch(part, pattern) for part in path.parts for pattern in EXCLUDED_PATTERNS)


def plugin_files(repo: Path = REPO) -> list:
    return sorted(p for p in candidate_files(repo) if not is_excluded(p))


def read_metadata(repo: Path) -> configparser.SectionProxy:
    parser = configparser.ConfigParser(interpolation=None)
    with open(repo / "metadata.txt", encoding="utf-8") as handle:
        parser.read_file(handle)
    general = parser["general"]
    missing = [key for key in REQUIRED_METADATA if not general.get(key, "").strip()]
    if missing:
        raise PackageError(f"metadata.txt lacks required field(s): {', '.join(missing)}")
    for key in ("description", "about"):
        if "<" in general[key] and ">" in general[key]:
            raise PackageError(f"metadata.txt {key} must not contain HTML")
    return general


def check_files(files: list) -> None:
    names = {str(p) for p in files}
    for required in ("metadata.txt", "__init__.py", "LICENSE"):
        if required not in names:
            raise PackageError(f"the package needs {required} at its top level")
    binaries = [str(p) for p in files if p.suffix.lower() in BINARY_SUFFIXES]
    if binaries:
        raise PackageError(f"binaries are not allowed in a plugin package: {', '.join(binaries)}")


def build(output: Path, repo: Path = REPO) -> Path:
    metadata = read_metadata(repo)
    files = plugin_files(repo)
    check_files(files)
    output.mkdir(parents=True, exist_ok=True)
    target = output / f"{PACKAGE}-{metadata['version']}.zip"
    tmp = target.with_suffix(".zip.part")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path in files:
            archive.write(repo / path, f"{PACKAGE}/{path.as_posix()}")
    size = tmp.stat().st_size
    if size > MAX_BYTES:
        tmp.unlink()
        raise PackageError(f"the package is {size / 1e6:.1f} MB; the plugin repository allows 25 MB")
    os.replace(tmp, target)
    return target


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=REPO / "dist", help="folder for the zip (default: dist/)")
    args = parser.parse_args(argv)
    try:
        target = build(args.output)
    except PackageError as exc:
        print(f"package: {exc}", file=sys.stderr)
        return 1
    untracked = [str(p) for p in untracked_files(REPO) if not is_excluded(p)]
    if untracked:
        print(f"package: warning: {len(untracked)} untracked file(s) packaged, e.g. {untracked[0]}", file=sys.stderr)
    with zipfile.ZipFile(target) as archive:
        count = len(archive.namelist())
    print(f"{target} ({count} files, {target.stat().st_size / 1024:.0f} KiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
