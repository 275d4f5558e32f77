#!/usr/bin/env python3
"""Build the installable QGIS plugin zip: dist/geoengine_qgis-<version>.zip with one folder geoengine_qgis/.

Takes the working tree's files that git does not ignore (outside a git checkout: every file) minus what
is not part of the plugin: tests, benchmarks, tools, docs, CI and build configuration, caches. Then checks the
built zip against the rules plugins.qgis.org applies on upload (its validator, re-implemented here: size, no
path tricks, no .pyc/__pycache__/.git/__MACOSX, one top folder with a valid name, __init__.py, metadata.txt with
the required fields, the icon, LICENSE, http(s) links, no slash in the author) plus ours: a semantic version with
its changelog entry, no binaries, no compiled Qt files. Standard library only.
Usage: tools/package_plugin.py [--output DIR]
"""

from __future__ import annotations

import argparse
import configparser
import fnmatch
import io
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path
from urllib.parse import urlparse

REPO = Path(__file__).resolve().parents[1]
PACKAGE = "geoengine_qgis"
MAX_BYTES = 25_000_000  # the repository's limit (PLUGIN_MAX_UPLOAD_SIZE)
REQUIRED_METADATA = ("name", "description", "version", "qgisMinimumVersion", "author", "email", "about", "tracker",
                     "repository")
FORBIDDEN_DIRS = {"__MACOSX", ".git", "__pycache__"}
LINKS = {"tracker": "http://bugs", "repository": "http://repo", "homepage": "http://homepage"}  # key: placeholder
FOLDER_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_-]+$")
VERSION = re.compile(r"^\d+\.\d+\.\d+$")

EXCLUDED_TOP = {
    "tests", "bench", "tools", "docs", "dist", "build", ".ci", ".github", "Makefile", "pyproject.toml",
    "requirements.txt", "requirements-dev.txt", "requirements-official.txt", "demo.png",
}
EXCLUDED_PATTERNS = (
    ".*", "__pycache__", "*.pyc", "*.pyo", "*.zip", "*.orig", "*.rej", "*~", "ui_*.py", "resources_rc.py",
    "*.ts", "*.qm",  # translation sources stay out; the .qm files are compiled fresh by build()
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
        for name, data in compiled_translations(repo).items():
            archive.writestr(f"{PACKAGE}/i18n/{name}", data)
    try:
        validate_zip(tmp)
    except PackageError:
        tmp.unlink()
        raise
    os.replace(tmp, target)
    return target


def compiled_translations(repo: Path = REPO) -> dict:
    """``geoengine_<lang>.qm`` name -> bytes for every ``i18n/*.ts``, compiled by Qt's lrelease (Debian:
    qttools5-dev-tools); :class:`PackageError` when lrelease is missing or refuses a file."""
    sources = sorted((repo / "i18n").glob("*.ts"))
    if not sources:
        return {}
    tool = shutil.which("lrelease") or shutil.which("lrelease-qt5")
    if tool is None:
        raise PackageError("lrelease is missing (apt-get install qttools5-dev-tools): it compiles i18n/*.ts")
    out = {}
    with tempfile.TemporaryDirectory(prefix="geoengine-qm-") as scratch:
        for source in sources:
            target = Path(scratch) / f"{source.stem}.qm"
            result = subprocess.run([tool, "-silent", str(source), "-qm", str(target)], capture_output=True, text=True)
            if result.returncode != 0 or not target.exists():
                raise PackageError(f"lrelease failed on {source.name}: {result.stderr.strip() or result.stdout}")
            out[target.name] = target.read_bytes()
    return out


def validate_zip(path: Path) -> configparser.SectionProxy:
    """The plugin repository's upload checks on a built zip; :class:`PackageError` names the first broken rule."""
    size = path.stat().st_size
    if size > MAX_BYTES:
        raise PackageError(f"the package is {size / 1e6:.1f} MB; the plugin repository allows {MAX_BYTES / 1e6:.0f} MB")
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        for name in names:
            if ".." in name or name.startswith("/"):
                raise PackageError(f"zip entries must not hold path information: {name}")
            if ".pyc" in name:
                raise PackageError(f"zip must not contain .pyc files: {name}")
            forbidden = FORBIDDEN_DIRS.intersection(name.split("/"))
            if forbidden:
                raise PackageError(f"zip must not contain a {sorted(forbidden)[0]} folder: {name}")
        bad = archive.testzip()
        if bad:
            raise PackageError(f"bad zip entry (CRC): {bad}")
        folders = {name.split("/")[0] for name in names}
        if len(folders) != 1:
            raise PackageError(f"the zip must hold exactly one top folder, not {sorted(folders)}")
        folder = folders.pop()
        if not FOLDER_NAME.match(folder):
            raise PackageError(f"the top folder name {folder!r} must start with an ASCII letter and hold only "
                               "ASCII letters, digits, '-' and '_'")
        for required in ("__init__.py", "metadata.txt", "LICENSE"):
            if f"{folder}/{required}" not in names:
                raise PackageError(f"the package needs {required} in {folder}/")
        parser = configparser.ConfigParser(interpolation=None)
        parser.optionxform = str
        try:
            parser.read_file(io.StringIO(archive.read(f"{folder}/metadata.txt").decode("utf-8")))
        except (UnicodeDecodeError, configparser.Error) as exc:
            raise PackageError(f"metadata.txt cannot be read: {exc}") from None
        if not parser.has_section("general"):
            raise PackageError("metadata.txt has no [general] section")
        general = parser["general"]
        missing = [key for key in REQUIRED_METADATA if not general.get(key, "").strip()]
        if missing:
            raise PackageError(f"metadata.txt lacks required field(s): {', '.join(missing)}")
        icon = general.get("icon", "").strip().removeprefix("./")
        if not icon or f"{folder}/{icon}" not in names:
            raise PackageError(f"the icon {icon or '(none)'} named in metadata.txt is not in the package")
    for key, placeholder in LINKS.items():
        url = general.get(key, "").strip()
        parsed = urlparse(url)
        if url and (url == placeholder or parsed.scheme not in ("http", "https") or not parsed.netloc):
            raise PackageError(f"metadata.txt {key} is not a valid http(s) link: {url!r}")
    if "/" in general["author"]:
        raise PackageError("metadata.txt author must not contain slashes")
    version = general["version"].strip()
    if not VERSION.match(version):
        raise PackageError(f"metadata.txt version {version!r} is not MAJOR.MINOR.PATCH")
    changelog = general.get("changelog", "")
    if not changelog.strip().startswith(version):
        raise PackageError(f"metadata.txt changelog must start with the entry for version {version}")
    return general


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
