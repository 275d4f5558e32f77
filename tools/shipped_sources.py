"""The Python files the plugin zip ships, and the report loop of the checks that read them (check_qt6, check_tr)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Callable, Iterator, List, Tuple

ROOT = Path(__file__).resolve().parent.parent
SKIP_PARTS = {".venv", ".venv-official", "build", "dist", "data", "__pycache__", ".git", "tests", "tools", "bench"}
PURE_PYTHON = {"core"}  # no Qt there: its messages are the client's (English), the plugin words what it shows


def python_files(paths: List[Path]) -> Iterator[Path]:
    """``.py`` files among ``paths`` (folders searched, minus tests, tools, bench, caches and virtualenvs)."""
    for path in paths:
        if path.is_file() and path.suffix == ".py":
            yield path
        elif path.is_dir():
            for file in sorted(path.rglob("*.py")):
                if not SKIP_PARTS.intersection(file.relative_to(path).parts):
                    yield file


def report(argv: List[str], check: Callable[[Path], List[Tuple[int, str]]], name: str, clean: str,
           skip: frozenset = frozenset()) -> int:
    """Print ``file:line: finding`` for every finding of ``check`` in ``argv`` (default: the plugin); 1 if any."""
    total = 0
    for file in python_files([Path(p) for p in argv] or [ROOT]):
        if skip and file.resolve().is_relative_to(ROOT) and skip.intersection(file.resolve().relative_to(ROOT).parts):
            continue
        for line, message in sorted(check(file)):
            print(f"{file.relative_to(ROOT) if file.is_relative_to(ROOT) else file}:{line}: {message}")
            total += 1
    if total:
        print(f"{name}: {total} finding(s)", file=sys.stderr)
        return 1
    print(f"{name}: {clean}")
    return 0
