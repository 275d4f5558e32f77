"""``qgis_process`` for real: the plugin installed in a throw-away QGIS profile, algorithms run from the command line
against the test server give the same GeoTIFF / features as ``processing.run`` (and so as the dialog's loader).

QGIS 3.22 (Debian): ``/usr/bin/qgis_process`` is a wrapper script that adds ``--noversioncheck`` from
/etc/default/qgis, which ``qgis_process.bin`` refuses ("Command --noversioncheck not known!"), so the binary is
called directly. The profile comes from ``QGIS_CUSTOM_CONFIG_PATH`` (its ``profiles/default``); the plugin is
a symlink in ``profiles/default/python/plugins`` and is switched on with ``qgis_process plugins enable``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import numpy as np
import pytest
from layer_support import PORTS, PORTS_SHP
from osgeo import ogr
from plugin_support import AFRICA
from processing_support import AFRICA_EXTENT, NDVI_ID, assert_equals_the_ndvi_file, read_tiff, start_processing

pytestmark = pytest.mark.qgis

REPO = Path(__file__).resolve().parents[2]
PLUGIN = "geoengine_qgis"
TIMEOUT = 180
CONNECTION = "qp local"
APRIL = "2014-04-01T00:00:00Z"


def qgis_process_binary() -> str:
    found = shutil.which("qgis_process.bin") or shutil.which("qgis_process")
    assert found, "qgis_process is not installed (Debian package qgis)"
    return found


@pytest.fixture
def profile(tmp_path):
    """A QGIS config folder with the plugin in its default profile; returns (config path, environment)."""
    config = tmp_path / "qgis-config"
    plugins = config / "profiles" / "default" / "python" / "plugins"
    plugins.mkdir(parents=True)
    (plugins / PLUGIN).symlink_to(REPO, target_is_directory=True)
    runtime = tmp_path / "xdg"
    runtime.mkdir(mode=0o700)
    env = {k: v for k, v in os.environ.items() if k.lower() not in ("http_proxy", "https_proxy", "all_proxy")}
    env.update(QT_QPA_PLATFORM="offscreen", QGIS_CUSTOM_CONFIG_PATH=str(config), XDG_RUNTIME_DIR=str(runtime),
               PYTHONPATH=sysconfig.get_paths()["purelib"])  # pyarrow/websockets of the venv for QGIS's Python
    return config, env


def qgis_process(env, *args, check=True) -> subprocess.CompletedProcess:
    result = subprocess.run([qgis_process_binary(), *args], capture_output=True, text=True, timeout=TIMEOUT,
                            env=env, cwd=env["XDG_RUNTIME_DIR"])
    if check:
        assert result.returncode == 0, (f"{args}: rc={result.returncode}\n{result.stdout[-2000:]}\n"
                                        f"{result.stderr[-3000:]}")
    return result


def run_json(env, algorithm, **parameters) -> dict:
    args = ["--json", "run", f"geoengine:{algorithm}", "--"] + [f"{k}={v}" for k, v in parameters.items()]
    result = qgis_process(env, *args)
    start = result.stdout.index("{")
    return json.loads(result.stdout[start:])["results"]


def enable_plugin_and_save_connection(config: Path, env, url: str) -> None:
    from qgis.PyQt.QtCore import QSettings

    qgis_process(env, "plugins", "enable", PLUGIN)
    ini = config / "profiles" / "default" / "QGIS" / "QGIS3.ini"
    settings = QSettings(str(ini), QSettings.IniFormat)
    assert settings.value(f"PythonPlugins/{PLUGIN}") in (True, "true")
    for key, value in (("url", url), ("auth_kind", "anonymous"), ("authcfg", "")):
        settings.setValue(f"geoengine/connections/{CONNECTION}/{key}", value)
    settings.sync()
    assert settings.status() == QSettings.NoError


def test_qgis_process_lists_the_plugin_and_its_algorithms(profile):
    config, env = profile
    qgis_process(env, "plugins", "enable", PLUGIN)
    listing = qgis_process(env, "plugins").stdout
    assert f"* {PLUGIN}" in listing  # "*": loaded, with a Processing provider
    algorithms = qgis_process(env, "list").stdout
    for name in ("loadworkflowraster", "loadworkflowvector", "registerworkflow", "runplotworkflow", "saveasdataset",
                 "getprovenance"):
        assert f"geoengine:{name}" in algorithms
    help_text = qgis_process(env, "help", "geoengine:loadworkflowraster").stdout
    assert "CONNECTION" in help_text and "TIME_SLICE" in help_text


def test_qgis_process_raster_equals_processing_run(profile, server, tmp_path, qgis_app):
    config, env = profile
    url = server.base_url
    enable_plugin_and_save_connection(config, env, url)
    registered = run_json(env, "registerworkflow", CONNECTION=url,
                          WORKFLOW_JSON='{"type":"Raster","operator":{"type":"GdalSource","params":{"data":"ndvi"}}}')
    assert registered == {"KIND": "raster", "WORKFLOW_ID": NDVI_ID}

    by_name = tmp_path / "by_name.tif"
    results = run_json(env, "loadworkflowraster", CONNECTION=CONNECTION, WORKFLOW=NDVI_ID, EXTENT=AFRICA_EXTENT,
                       TIME_START=APRIL, OUTPUT=by_name)
    assert results["OUTPUT"] == str(by_name) and results["SLICE_COUNT"] == 1
    by_url = tmp_path / "by_url.tif"
    run_json(env, "loadworkflowraster", CONNECTION=url, WORKFLOW=NDVI_ID, EXTENT=AFRICA_EXTENT,
             TIME_START=APRIL, OUTPUT=by_url)

    processing = start_processing()
    from geoengine_qgis import classFactory
    from qgis.core import QgsProcessingContext, QgsProcessingFeedback

    plugin = classFactory(None)
    plugin.initProcessing()
    try:
        in_process = tmp_path / "in_process.tif"
        processing.run("geoengine:loadworkflowraster",
                       {"CONNECTION": url, "WORKFLOW": NDVI_ID, "EXTENT": AFRICA_EXTENT, "TIME_START": APRIL,
                        "OUTPUT": str(in_process)}, feedback=QgsProcessingFeedback(), context=QgsProcessingContext())
    finally:
        plugin.unload()
    expected, transform, no_data, bands = read_tiff(in_process)
    for path in (by_name, by_url):
        array, other_transform, other_no_data, other_bands = read_tiff(path)
        assert (other_transform, other_no_data, other_bands) == (transform, no_data, bands)
        assert np.array_equal(array, expected)
    assert np.count_nonzero(expected != no_data) > 100_000
    assert assert_equals_the_ndvi_file(in_process) > 100_000  # and all three equal the data file


def test_qgis_process_vector_to_geopackage(profile, server, tmp_path):
    config, env = profile
    url = server.base_url
    enable_plugin_and_save_connection(config, env, url)
    registered = run_json(env, "registerworkflow", CONNECTION=CONNECTION, WORKFLOW_JSON=json.dumps(PORTS))
    assert registered["KIND"] == "vector"
    output = tmp_path / "ports.gpkg"
    results = run_json(env, "loadworkflowvector", CONNECTION=CONNECTION, WORKFLOW=registered["WORKFLOW_ID"],
                       EXTENT=AFRICA_EXTENT, TIME_START=APRIL, OUTPUT=output)
    source = ogr.Open(str(PORTS_SHP))
    layer = source.GetLayer(0)
    layer.SetSpatialFilterRect(*AFRICA)
    expected = layer.GetFeatureCount()
    written = ogr.Open(str(output))
    assert expected > 50 and results["FEATURE_COUNT"] == expected == written.GetLayer(0).GetFeatureCount()
    source = written = None


def test_qgis_process_reports_server_errors(profile, server, tmp_path):
    config, env = profile
    enable_plugin_and_save_connection(config, env, server.base_url)
    result = qgis_process(env, "run", "geoengine:loadworkflowraster", "--", f"CONNECTION={CONNECTION}",
                          "WORKFLOW=0b0b0b0b-0000-4000-8000-000000000000", f"EXTENT={AFRICA_EXTENT}",
                          f"OUTPUT={tmp_path / 'x.tif'}", check=False)
    assert result.returncode != 0
    assert "No workflow for given id" in result.stdout + result.stderr
    assert not (tmp_path / "x.tif").exists()


MAKE_AUTH_CONFIG = r"""
import sys
from qgis.core import QgsApplication, QgsAuthMethodConfig
profile, master, email, password = sys.argv[1:5]
app = QgsApplication([], False, profile)  # this profile's qgis-auth.db; QgsSettings is not touched
app.initQgis()
manager = QgsApplication.authManager()
assert manager.setMasterPassword(master, True)
config = QgsAuthMethodConfig("Basic")
config.setName("Geo Engine admin")
config.setConfig("username", email)
config.setConfig("password", password)
stored = manager.storeAuthenticationConfig(config)
assert stored[0] if isinstance(stored, tuple) else stored
print("AUTHCFG " + config.id())
app.exitQgis()
"""


def test_qgis_process_password_connection_with_the_master_password_file(profile, server, tmp_path):
    from qgis.PyQt.QtCore import QSettings

    config, env = profile
    qgis_process(env, "plugins", "enable", PLUGIN)
    profile_dir = config / "profiles" / "default"
    made = subprocess.run([sys.executable, "-c", MAKE_AUTH_CONFIG, str(profile_dir), "master-of-tests",
                           "admin@localhost", "adminadmin"], capture_output=True, text=True, timeout=TIMEOUT, env=env)
    ids = [line.split()[1] for line in made.stdout.splitlines() if line.startswith("AUTHCFG ")]
    assert made.returncode == 0 and ids, made.stderr[-2000:]
    settings = QSettings(str(profile_dir / "QGIS" / "QGIS3.ini"), QSettings.IniFormat)
    for key, value in (("url", server.base_url), ("auth_kind", "password"), ("authcfg", ids[0])):
        settings.setValue(f"geoengine/connections/admin/{key}", value)
    settings.sync()
    run_json(env, "registerworkflow", CONNECTION=server.base_url,
             WORKFLOW_JSON='{"type":"Raster","operator":{"type":"GdalSource","params":{"data":"ndvi"}}}')
    arguments = ("run", "geoengine:getprovenance", "--", "CONNECTION=admin", f"WORKFLOW={NDVI_ID}",
                 f"OUTPUT={tmp_path / 'provenance.csv'}")

    locked = qgis_process(env, *arguments, check=False)  # no master password: a clear error, no output
    assert locked.returncode != 0 and "master password" in locked.stdout + locked.stderr
    assert not (tmp_path / "provenance.csv").exists()

    password_file = tmp_path / "master.txt"
    password_file.write_text("master-of-tests\n", encoding="utf-8")
    unlocked = dict(env, QGIS_AUTH_PASSWORD_FILE=str(password_file))
    qgis_process(unlocked, *arguments)
    assert "MODIS Vegetation Index Products" in (tmp_path / "provenance.csv").read_text(encoding="utf-8")
