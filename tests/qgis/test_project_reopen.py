"""Save a project with Geo Engine layers (GeoTIFF NDVI, ports, live WMS) in this QGIS, unload the plugin, and
open the project in a NEW QGIS process with the plugin (tests/qgis/project_reopen_child.py).

The connection is saved as the plugin saves it (URL + Auth Manager config id); the child logs in only through
the Auth Manager. Two saves: with the downloaded files kept next to the project (the child opens them without
any server computation) and without (the child re-fetches the NDVI slice and the ports in the background).
"""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import plugin_support
import pytest
from layer_support import NDVI_TIFF, PORTS, PORTS_SHP
from osgeo import gdal, ogr
from plugin_support import NDVI, request

pytestmark = [pytest.mark.qgis, pytest.mark.slow]
CHILD = Path(__file__).with_name("project_reopen_child.py")
CONNECTION = "Geo Engine reopen test"
EMAIL, PASSWORD = "analyst@example.org", "analyst-password"
BOUNDS = (-20.0, -36.0, 53.0, 38.0)
POINTS = [(18.42, -33.92), (31.24, 30.04), (36.82, -1.29), (3.38, 6.52), (28.05, -26.2), (15.3, 4.4), (25.0, 10.0)]


def pixel_centres_and_values(month="2014-04-01"):
    source = gdal.Open(NDVI_TIFF.format(month))
    values, (x0, dx, _, y0, _, dy) = source.GetRasterBand(1).ReadAsArray(), source.GetGeoTransform()
    centres, expected = [], []
    for x, y in POINTS:
        col, row = int((x - x0) / dx), int((y - y0) / dy)
        centres.append((x0 + (col + 0.5) * dx, y0 + (row + 0.5) * dy))
        value = int(values[row, col])
        expected.append(None if value == 0 else value)
    return centres, expected


def ports_rows(columns) -> list:
    """Every port in BOUNDS as the child reports its layer's rows, read from the shapefile with OGR."""
    from vector_truth import ogr_rows

    assert {"name", "website", "scalerank"} <= set(columns)
    return json.loads(json.dumps([list(row) for row in ogr_rows(PORTS_SHP, columns, BOUNDS)]))


def ports_in_bounds():
    dataset = ogr.Open(str(PORTS_SHP))
    layer = dataset.GetLayer(0)
    layer.SetSpatialFilterRect(*BOUNDS)
    return sorted(str(f.GetField("name")) for f in layer)


@pytest.fixture
def saved_connection(qgis_app, base_url):
    from geoengine_qgis.qgis_glue.connections import PASSWORD as PASSWORD_KIND
    from geoengine_qgis.qgis_glue.connections import Connection, ConnectionStore
    from qgis.core import QgsApplication, QgsAuthMethodConfig

    plugin_support.ensure_master_password()
    config = QgsAuthMethodConfig("Basic")
    config.setName("Geo Engine analyst (reopen test)")
    config.setConfig("username", EMAIL)
    config.setConfig("password", PASSWORD)
    manager = QgsApplication.authManager()
    stored = manager.storeAuthenticationConfig(config)
    assert (stored[0] if isinstance(stored, tuple) else stored), "could not store the auth config"
    store = ConnectionStore()
    if CONNECTION in store.names():
        store.delete(CONNECTION)
    store.save(Connection(CONNECTION, base_url, PASSWORD_KIND, config.id()))
    yield CONNECTION
    store.delete(CONNECTION)
    manager.removeAuthenticationConfig(config.id())


@pytest.fixture
def plugin(qgis_app, saved_connection):
    import geoengine_qgis
    from qgis.core import QgsProject

    QgsProject.instance().clear()
    iface = plugin_support.WidgetIface()
    instance = geoengine_qgis.classFactory(iface)
    instance.initGui()
    yield instance
    if instance.tasks is not None:  # not yet unloaded by the test
        instance.unload()
    QgsProject.instance().clear()
    iface.close()


def plugin_session(plugin):
    sessions = []
    plugin.with_session(CONNECTION, sessions.append, lambda exc: sessions.append(exc))
    assert plugin_support.wait_until(lambda: bool(sessions), timeout=30), "no login within 30 s"
    assert not isinstance(sessions[0], BaseException), sessions[0]
    return sessions[0]


def load(plugin, session, layer_request):
    outcomes = []
    plugin.layer_loader().load(session, layer_request, on_done=outcomes.append)
    assert plugin_support.wait_until(lambda: bool(outcomes), timeout=60), "load did not finish"
    assert outcomes[0].ok, outcomes[0].error
    return outcomes[0].layers[0]


def project_text(path: Path) -> str:
    with zipfile.ZipFile(path) as archive:
        return "\n".join(archive.read(name).decode("utf-8", "replace") for name in archive.namelist())


def run_child(tmp_path, project_path, probe_wms=False, timeout=60):
    from qgis.core import QgsApplication, QgsSettings
    from qgis.PyQt.QtCore import QCoreApplication

    QgsSettings().sync()
    import geoengine_qgis

    config = {
        "project": str(project_path),
        "config_root": str(Path(QgsApplication.qgisSettingsDirPath()).parents[1]),
        "organization": QCoreApplication.organizationName(),
        "application": QCoreApplication.applicationName(),
        "package_parent": str(Path(geoengine_qgis.__file__).parent.parent),
        "points": [list(p) for p in pixel_centres_and_values()[0]],
        "bounds": list(BOUNDS),
        "probe_wms": probe_wms,
        "timeout": timeout,
    }
    config_path = tmp_path / f"child-{project_path.stem}.json"
    config_path.write_text(json.dumps(config), encoding="utf-8")
    env = plugin_support.env_without_proxy()
    env["QT_QPA_PLATFORM"] = "offscreen"
    completed = subprocess.run([sys.executable, str(CHILD), str(config_path)], capture_output=True, text=True,
                               timeout=timeout + 60, env=env, cwd=str(tmp_path))
    lines = [line for line in completed.stdout.splitlines() if line.startswith("RESULT ")]
    assert completed.returncode == 0 and lines, (completed.stdout[-3000:], completed.stderr[-3000:])
    return json.loads(lines[-1][len("RESULT "):])


def layers_by_kind(result):
    layers = {layer["name"]: layer for layer in result["layers"]}
    ndvi = [layer for name, layer in layers.items() if name == "NDVI"]  # a time-following layer: no date in the name
    wms = [layer for layer in layers.values() if layer["provider"] == "wms"]
    ports = layers.get("Ports")
    assert len(ndvi) == 1 and len(wms) == 1 and ports is not None, sorted(layers)
    return ndvi[0], ports, wms[0]


def test_project_reopens_in_a_new_qgis(server, plugin, tmp_path):
    from geoengine_qgis.core.workflow import register_workflow
    from geoengine_qgis.qgis_glue.layers import LayerOptions
    from geoengine_qgis.qgis_glue.project_state import set_keep_files
    from qgis.core import QgsProject

    session = plugin_session(plugin)
    ndvi_id = str(register_workflow(NDVI, session=session).workflow_id)
    ports_id = str(register_workflow(PORTS, session=session).workflow_id)
    ndvi = load(plugin, session, request(ndvi_id, bounds=BOUNDS, name="NDVI", connection_name=CONNECTION))
    load(plugin, session, request(ports_id, bounds=BOUNDS, name="Ports", connection_name=CONNECTION))
    wms = load(plugin, session, request(ndvi_id, bounds=BOUNDS, name="NDVI live", connection_name=CONNECTION,
                                        options=LayerOptions(raster_mode="wms")))
    assert wms.isValid() and wms.providerType() == "wms"
    assert plugin_support.wait_until(lambda: not plugin.temporal.busy(ndvi.id()), timeout=20)
    assert plugin.temporal.following(ndvi.id())
    assert plugin_support.wait_until(lambda: plugin.temporal.following(wms.id()), timeout=20)  # now WMS-T
    token = session.auth_header["Authorization"].split(" ", 1)[1]
    temp_root = plugin.tempdir.root

    project = QgsProject.instance()
    refetch_path, kept_path = tmp_path / "refetch.qgz", tmp_path / "kept.qgz"
    set_keep_files(project, False)
    assert project.write(str(refetch_path))
    set_keep_files(project, True)
    assert project.write(str(kept_path))
    assert (tmp_path / "kept_geoengine").is_dir() and not (tmp_path / "refetch_geoengine").exists()
    for path in (refetch_path, kept_path):
        text = project_text(path)
        assert "geoengine/workflow_id" in text and CONNECTION in text
        for secret in (token, PASSWORD, "Bearer", "Authorization"):
            assert secret not in text, f"{secret[:10]}... in {path.name}"

    settings = plugin_support.settings_file().read_text(encoding="utf-8", errors="replace")
    assert "authcfg=" in settings and PASSWORD not in settings and token not in settings  # secrets: Auth Manager

    plugin.unload()  # removes the temporary folder with the streamed files
    project.clear()
    assert not temp_root.exists()
    centres, expected = pixel_centres_and_values()
    ports = ports_in_bounds()
    ledger = server.api["quota"]

    # kept files: everything opens from the project folder; no computation on the server
    before = len(ledger.computations)
    kept = run_child(tmp_path, kept_path)
    assert kept["read"] and kept["settled"] and kept["connections"] == [CONNECTION]
    # only the WMS layer needs a session (its reconnect may already be done: the login can finish while QGIS
    # reads the project, so the restore then runs at once)
    assert set(kept["pending_after_read"].values()) <= {"reconnect"}
    ndvi_info, ports_info, wms_info = layers_by_kind(kept)
    assert ndvi_info["valid"] and ndvi_info["source_dir"] == "kept_geoengine" and ndvi_info["values"] == expected
    assert ndvi_info["following"] and ndvi_info["renderer"] == "paletted"  # the dataset's palette, from the project
    assert ports_info["provider"] == "ogr" and ports_info["features"] == len(ports) and ports_info["names"] == ports
    assert ports_info["rows"] == ports_rows(ports_info["columns"])
    assert wms_info["valid"] and wms_info["restore"] is None and wms_info["following"]  # WMS-T from the file
    assert kept["fetches"] == 0 and kept["sessions"] == [CONNECTION]
    assert len(ledger.computations) == before

    # no files kept: the NDVI slice and the ports are fetched again for their stored extent and time
    before = len(ledger.computations)
    refetched = run_child(tmp_path, refetch_path, probe_wms=True)
    assert refetched["read"] and refetched["settled"]
    assert [v for v in refetched["pending_after_read"].values() if v != "reconnect"] == ["refetch", "refetch"]
    ndvi_info, ports_info, wms_info = layers_by_kind(refetched)
    assert ndvi_info["valid"] and ndvi_info["restore"] is None and ndvi_info["values"] == expected
    assert ports_info["provider"] == "memory" and ports_info["features"] == len(ports)
    assert ports_info["names"] == ports and ports_info["rows"] == ports_rows(ports_info["columns"])
    assert wms_info["valid"] and wms_info["wms_block"] == [64, 64, True] and wms_info["following"]
    assert refetched["fetches"] == 2
    assert len(ledger.computations) >= before + 2
    assert all(c.workflow_id in (ndvi_id, ports_id) for c in ledger.computations[before:])
