#!/usr/bin/env python3
"""``make translations``: bring ``i18n/geoengine_<lang>.ts`` up to date with the ``tr("...")`` calls in the plugin.

pylupdate5 (Debian: pyqt5-dev-tools) extracts every ``tr("...")`` and ``QT_TR_NOOP("...")`` literal of the files
``make package`` ships into a scratch ``.ts``. This script puts them into one context, ``GeoEngine`` (the one
``qgis_glue.i18n.tr`` uses at run time), keeps each existing translation whose English source is still used,
marks new strings ``unfinished`` and drops strings no longer in the code. ``self.tr(...)`` is refused: its context
would be the class name, which the run-time lookup does not use.

Usage: tools/update_translations.py [--check] [--add LANG]
  --check   change nothing; exit 1 if a .ts is out of date, has untranslated strings, or a translation's
            {placeholders} differ from its source's (always reported)
  --add de  start i18n/geoengine_de.ts (if it does not exist yet)
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Tuple

REPO = Path(__file__).resolve().parents[1]
I18N = REPO / "i18n"
CONTEXT = "GeoEngine"
ALLOWED_CONTEXTS = {"@default", CONTEXT}
sys.path.insert(0, str(REPO / "tools"))
from package_plugin import plugin_files  # noqa: E402 - the files the zip ships


@dataclass
class Message:
    source: str
    locations: List[Tuple[str, int]] = field(default_factory=list)
    translation: str = ""


def extract(files: List[Path]) -> Dict[str, Message]:
    """English source -> message (locations in file order) from pylupdate5."""
    tool = shutil.which("pylupdate5")
    if tool is None:
        raise SystemExit("pylupdate5 is missing: apt-get install pyqt5-dev-tools (tools/ensure-host-packages.sh)")
    with tempfile.TemporaryDirectory(prefix="geoengine-ts-") as scratch:
        out = Path(scratch) / "extracted.ts"
        result = subprocess.run([tool, "-noobsolete", *[str(REPO / f) for f in files], "-ts", str(out)],
                                capture_output=True, text=True, cwd=REPO)
        if result.returncode != 0 or not out.exists():
            raise SystemExit(f"pylupdate5 failed: {result.stderr.strip()}")
        root = ET.parse(out).getroot()
    messages: Dict[str, Message] = {}
    wrong = []
    for context in root.iter("context"):
        name = context.findtext("name")
        for node in context.iter("message"):
            source = node.findtext("source") or ""
            # pylupdate5 writes each location relative to the .ts it wrote (in the scratch folder): make it
            # relative to the repository, so the file does not depend on where the checkout lies.
            locations = [(_relative(os.path.normpath(os.path.join(scratch, loc.get("filename", "")))),
                          int(loc.get("line", "0")))
                         for loc in node.iter("location")]
            if name not in ALLOWED_CONTEXTS:
                wrong += [f"{file}:{line}: self.tr({source!r}) in {name}: use qgis_glue.i18n.tr"
                          for file, line in locations]
                continue
            message = messages.setdefault(source, Message(source))
            message.locations += [loc for loc in locations if loc not in message.locations]
    if wrong:
        raise SystemExit("\n".join(wrong))
    return messages


def _relative(filename: str) -> str:
    path = Path(filename)
    try:
        return (path if not path.is_absolute() else path.relative_to(REPO)).as_posix()
    except ValueError:
        return path.as_posix()


def read_translations(path: Path) -> Dict[str, str]:
    """English source -> finished translation of an existing .ts (unfinished and empty ones are left out)."""
    if not path.exists():
        return {}
    out = {}
    for node in ET.parse(path).getroot().iter("message"):
        translation = node.find("translation")
        if translation is None or translation.get("type") in ("unfinished", "obsolete", "vanished"):
            continue
        if translation.text:
            out[node.findtext("source") or ""] = translation.text
    return out


PLACEHOLDER = re.compile(r"(?<!\{)\{([A-Za-z_][A-Za-z0-9_]*)(?:[:!][^{}]*)?\}(?!\})")


def placeholder_problems(known: Dict[str, str]) -> List[str]:
    """Translations whose ``{name}`` fields differ from their source's (``.format()`` would fail or lose one)."""
    return [f"{source!r}: {sorted(set(PLACEHOLDER.findall(text)))} instead of "
            f"{sorted(set(PLACEHOLDER.findall(source)))}"
            for source, text in known.items() if set(PLACEHOLDER.findall(source)) != set(PLACEHOLDER.findall(text))]


def render(language: str, messages: Dict[str, Message], known: Dict[str, str]) -> str:
    root = ET.Element("TS", version="2.1", language=language, sourcelanguage="en")
    context = ET.SubElement(root, "context")
    ET.SubElement(context, "name").text = CONTEXT
    ordered = sorted(messages.values(), key=lambda m: (m.locations[:1] or [("", 0)])[0])
    for message in ordered:
        node = ET.SubElement(context, "message")
        for file, line in message.locations:
            location = ET.SubElement(node, "location", filename=f"../{file}", line=str(line))
            del location
        ET.SubElement(node, "source").text = message.source
        translation = ET.SubElement(node, "translation")
        if message.source in known:
            translation.text = known[message.source]
        else:
            translation.set("type", "unfinished")
    ET.indent(root, space="    ")
    return '<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE TS>\n' + ET.tostring(root, encoding="unicode") + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true")
    parser.add_argument("--add", metavar="LANG")
    args = parser.parse_args(argv)
    files = [f for f in plugin_files() if f.suffix == ".py"]
    messages = extract(files)
    targets = sorted(I18N.glob("geoengine_*.ts"))
    if args.add and I18N / f"geoengine_{args.add}.ts" not in targets:
        targets.append(I18N / f"geoengine_{args.add}.ts")
    status = 0
    for path in targets:
        language = path.stem[len("geoengine_"):]
        known = read_translations(path)
        text = render(language, messages, known)
        missing = sorted(m.source for m in messages.values() if m.source not in known)
        current = path.read_text(encoding="utf-8") if path.exists() else ""
        for problem in placeholder_problems(known):
            print(f"{path.relative_to(REPO)}: placeholders differ in {problem}", file=sys.stderr)
            status = 1
        if args.check:
            if text != current:
                print(f"{path.relative_to(REPO)} is out of date: run make translations", file=sys.stderr)
                status = 1
            if missing:
                print(f"{path.relative_to(REPO)}: {len(missing)} untranslated, e.g. {missing[0]!r}", file=sys.stderr)
                status = 1
            continue
        I18N.mkdir(exist_ok=True)
        if text != current:
            path.write_text(text, encoding="utf-8")
        print(f"{path.relative_to(REPO)}: {len(messages)} strings, {len(messages) - len(missing)} translated, "
              f"{len(missing)} to do")
    return status


if __name__ == "__main__":
    sys.exit(main())
