"""`make package`: the zip's content, and installing it into a fresh profile and loading it with qgis.utils."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.qgis

REPO = Path(__file__).resolve().parents[2]
SUPPORT = Path(__file__).with_name("plugin_support.py")


@pytest.fixture(scope="module")
def package_zip(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    result = subprocess.run([sys.executable, str(REPO / "tools" / "package_plugin.py"), "--output", str(out)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    zips = list(out.glob("geoengine_qgis-*.zip"))
    assert len(zips) == 1
    return zips[0]


def test_make_package_target_runs_the_packager():
    result = subprocess.run(["make", "-n", "package"], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "tools/package_plugin.py --output dist" in result.stdout


def test_zip_holds_the_plugin_and_nothing_else(package_zip):
    with zipfile.ZipFile(package_zip) as archive:
        names = archive.namelist()
        metadata = archive.read("geoengine_qgis/metadata.txt").decode("utf-8")
    version = re.search(r"^version=(.+)$", (REPO / "metadata.txt").read_text(encoding="utf-8"), re.M).group(1)
    assert version == "0.2.0" and package_zip.name == f"geoengine_qgis-{version}.zip"
    assert all(name.startswith("geoengine_qgis/") for name in names)
    inner = {name[len("geoengine_qgis/"):] for name in names}
    for required in ("metadata.txt", "__init__.py", "plugin.py", "LICENSE", "resources/icon.svg",
                     "qgis_glue/connections.py", "qgis_glue/tasks.py", "ui/connections_dialog.py", "core/session.py"):
        assert required in inner, required
    top = {name.split("/")[0] for name in inner}
    assert not top & {"tests", "bench", "tools", ".ci", ".git", "docs", "Makefile", "pyproject.toml", "dist"}
    assert not [n for n in inner if "__pycache__" in n or n.endswith((".pyc", ".so", ".pyd", ".dll", ".zip"))]
    assert not [n for n in inner if n.startswith("requirements")]
    assert package_zip.stat().st_size < 25 * 1024 * 1024
    assert "icon=resources/icon.svg" in metadata


def test_packager_refuses_binaries(tmp_path):
    sys.path.insert(0, str(REPO / "tools"))
    try:
        import package_plugin
    finally:
        sys.path.remove(str(REPO / "tools"))
    with pytest.raises(package_plugin.PackageError, match="binaries"):
        package_plugin.check_files([Path("metadata.txt"), Path("__init__.py"), Path("LICENSE"), Path("lib/x.so")])
    with pytest.raises(package_plugin.PackageError, match="LICENSE"):
        package_plugin.check_files([Path("metadata.txt"), Path("__init__.py")])


def packager():
    sys.path.insert(0, str(REPO / "tools"))
    try:
        import package_plugin
    finally:
        sys.path.remove(str(REPO / "tools"))
    return package_plugin


def rewritten(source: Path, target: Path, change) -> Path:
    """A copy of the zip with ``change(name, data) -> [(name, data), ...]`` applied to every entry."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for name in old.namelist():
            for new_name, data in change(name, old.read(name)):
                new.writestr(new_name, data)
    return target


def edit_metadata(pattern, replacement):
    def change(name, data):
        if name.endswith("/metadata.txt"):
            data = re.sub(pattern, replacement, data.decode("utf-8"), flags=re.M).encode("utf-8")
        return [(name, data)]
    return change


BROKEN = {
    "pyc": (lambda n, d: [(n, d)] + ([("geoengine_qgis/plugin.pyc", b"x")] if n.endswith("/plugin.py") else []),
            ".pyc"),
    "macosx": (lambda n, d: [(n, d)] + ([("geoengine_qgis/__MACOSX/x", b"x")] if n.endswith("/plugin.py") else []),
               "__MACOSX"),
    "two_folders": (lambda n, d: [(n, d)] + ([("other/x.py", b"x")] if n.endswith("/plugin.py") else []),
                    "one top folder"),
    "folder_name": (lambda n, d: [("1geoengine" + n[len("geoengine_qgis"):], d)], "top folder name"),
    "no_license": (lambda n, d: [] if n.endswith("/LICENSE") else [(n, d)], "LICENSE"),
    "no_tracker": (edit_metadata(r"^tracker=.*$", ""), "tracker"),
    "placeholder_link": (edit_metadata(r"^repository=.*$", "repository=http://repo"), "repository"),
    "no_icon": (lambda n, d: [] if n.endswith("/icon.svg") else [(n, d)], "icon"),
    "author_slash": (edit_metadata(r"^author=.*$", "author=a/b"), "slashes"),
    "version": (edit_metadata(r"^version=.*$", "version=0.2"), "MAJOR.MINOR.PATCH"),
    "changelog": (edit_metadata(r"^changelog=0\.2\.0$", "changelog=0.1.9"), "changelog"),
}


def test_built_zip_passes_the_repository_rules(package_zip):
    general = packager().validate_zip(package_zip)
    assert general["supportsQt6"] == "True" and general["changelog"].startswith(general["version"])


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_repository_rules_refuse_a_broken_zip(package_zip, tmp_path, case):
    change, message = BROKEN[case]
    broken = rewritten(package_zip, tmp_path / "broken.zip", change)
    with pytest.raises(packager().PackageError, match=re.escape(message)):
        packager().validate_zip(broken)


INSTALL = r"""
import importlib.util, json, os, sys, zipfile
from pathlib import Path

profile, package_zip, support_path = map(Path, sys.argv[1:4])
from qgis.testing import start_app
app = start_app()
plugins = profile / "python" / "plugins"
plugins.mkdir(parents=True)
with zipfile.ZipFile(package_zip) as archive:
    archive.extractall(plugins)

spec = importlib.util.spec_from_file_location("support", support_path)
support = importlib.util.module_from_spec(spec); spec.loader.exec_module(support)

import qgis.utils
qgis.utils.plugin_paths = [str(plugins)]
sys.path.insert(0, str(plugins))
qgis.utils.updateAvailablePlugins()
iface = support.WidgetIface()
qgis.utils.iface = iface
"""

INSTALL_AND_LOAD = INSTALL + r"""
report = {"available": "geoengine_qgis" in qgis.utils.available_plugins,
          "name": qgis.utils.pluginMetadata("geoengine_qgis", "name"), "rounds": []}
for _ in range(2):
    loaded = qgis.utils.loadPlugin("geoengine_qgis")
    started = qgis.utils.startPlugin("geoengine_qgis")
    if not started:  # qgis.utils printed the reason (e.g. a module missing from the package) to stdout
        sys.exit(2)
    module_file = sys.modules["geoengine_qgis"].__file__
    menu = iface.submenu_actions("Geo Engine")
    toolbars = iface.toolbars()
    unloaded = qgis.utils.unloadPlugin("geoengine_qgis")
    report["rounds"].append({
        "loaded": loaded, "started": started, "from_profile": module_file.startswith(str(plugins)),
        "menu": menu, "toolbars": toolbars, "unloaded": unloaded,
        "menu_after": iface.web_submenus(), "toolbars_after": iface.toolbars(),
        "modules_after": sorted(m for m in sys.modules if m.startswith("geoengine_qgis")),
        "non_packages_after": sorted(m for m in sys.modules
                                     if m.startswith("geoengine_qgis") and not hasattr(sys.modules[m], "__path__")),
    })
print("REPORT " + json.dumps(report))
"""


def run_installed(script: str, package_zip: Path, tmp_path: Path):
    """``script`` (INSTALL + checks) in a fresh QGIS whose profile holds the extracted zip: (REPORT json, stderr)."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONDONTWRITEBYTECODE="1")
    env.pop("PYTHONPATH", None)  # only the fresh profile may provide geoengine_qgis
    result = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path / "profile"), str(package_zip), str(SUPPORT)],
        capture_output=True, text=True, timeout=180, env=env, cwd=str(tmp_path),
    )
    lines = [line for line in result.stdout.splitlines() if line.startswith("REPORT ")]
    assert result.returncode == 0 and lines, (result.stdout[-3000:], result.stderr[-3000:])
    return json.loads(lines[-1][len("REPORT "):]), result.stderr


MENU = ["Connections…", "Add workflow layer…", "Provenance", "Quota && usage", "Plot", "Save result as dataset…",
        "Download metadata…", "Show workflow definition", "Copy workflow id", "Settings…",
        "Help"]  # written out, not ACTIONS


def test_installed_zip_loads_starts_and_unloads_twice_with_qgis_utils(package_zip, tmp_path):
    report, stderr = run_installed(INSTALL_AND_LOAD, package_zip, tmp_path)
    assert report["available"] and report["name"] == "Geo Engine Workflows"
    assert len(report["rounds"]) == 2
    for round_ in report["rounds"]:
        assert round_["loaded"] and round_["started"] and round_["unloaded"], round_
        assert round_["from_profile"], round_
        assert round_["menu"] == MENU
        assert round_["toolbars"] == ["Geo Engine"]
        assert round_["menu_after"] == [] and round_["toolbars_after"] == []
        # qgis.utils drops every module it saw imported; it never sees subpackage __init__ modules that
        # Python imports implicitly for "from .qgis_glue.x import y", so only such packages may stay
        assert "geoengine_qgis" not in round_["modules_after"]
        assert round_["non_packages_after"] == [], round_
    assert "Traceback" not in stderr, stderr[-3000:]


GERMAN_START = INSTALL + r"""
from qgis.core import QgsApplication, QgsSettings
settings = QgsSettings()
settings.setValue("locale/overrideFlag", True)
settings.setValue("locale/userLocale", "de_DE")
started = qgis.utils.loadPlugin("geoengine_qgis") and qgis.utils.startPlugin("geoengine_qgis")
plugin = qgis.utils.plugins["geoengine_qgis"]
tips = [action.toolTip() for action in plugin.actions.values()]
print("REPORT " + json.dumps({"locale": QgsApplication.locale(), "started": started,
                              "menu": iface.submenu_actions("Geo Engine"), "tips": tips,
                              "qm": str(plugin.translations.path)}))
qgis.utils.unloadPlugin("geoengine_qgis")
"""


def german(source: str) -> str:
    """The German translation of ``source`` in i18n/geoengine_de.ts (read independently of the plugin)."""
    import xml.etree.ElementTree as ET

    for node in ET.parse(REPO / "i18n" / "geoengine_de.ts").getroot().iter("message"):
        if node.findtext("source") == source:
            return node.findtext("translation") or ""
    raise AssertionError(f"{source!r} is not in geoengine_de.ts")


def test_installed_zip_speaks_german_in_a_german_qgis(package_zip, tmp_path):
    report, _ = run_installed(GERMAN_START, package_zip, tmp_path)
    assert report["locale"] == "de_DE" and report["started"]
    assert report["qm"].endswith("i18n/geoengine_de.qm")
    expected = [german(text) for text in MENU]
    assert report["menu"] == expected
    assert "Verbindungen…" in report["menu"] and "Workflow-Layer hinzufügen…" in report["menu"]
    assert all(menu != text for menu, text in zip(report["menu"], MENU) if text != "Plot")
    assert german("Manage Geo Engine server connections") in report["tips"]


def test_translations_are_current_and_complete():
    result = subprocess.run([sys.executable, str(REPO / "tools" / "update_translations.py"), "--check"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr


def test_translation_placeholders_must_match_their_source():
    sys.path.insert(0, str(REPO / "tools"))
    try:
        import update_translations
    finally:
        sys.path.remove(str(REPO / "tools"))
    good = {"Added {count} layers: {name}": "{count} Layer hinzugefügt: {name}",
            "pixel size {x:g} x {y:g}": "Pixelgröße {x:g} x {y:g}", "{{literal}} braces": "{{wörtliche}} Klammern"}
    assert update_translations.placeholder_problems(good) == []
    bad = {"Not loaded: {error}": "Nicht geladen: {fehler}", "Saved {written}.": "Gespeichert."}
    assert len(update_translations.placeholder_problems(bad)) == 2
