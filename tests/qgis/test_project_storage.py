"""Projects keep their data (issue 9): Save As to another folder copies rasters AND vectors there; a project
stored in a GeoPackage writes nothing to a relative folder and says why."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
import test_project_state
from plugin_support import wait_until
from test_project_state import load_both, ndvi_matches, ports_expected

state, tempdir = test_project_state.state, test_project_state.tempdir  # fixtures of the project tests

pytestmark = pytest.mark.qgis


def _file_of(layer) -> Path:
    return Path(layer.source().split("|", 1)[0])


def test_save_as_carries_rasters_and_vectors_to_the_new_folder(server, session, loader, state, project,
                                                                tempdir, tmp_path):
    from geoengine_qgis.qgis_glue.project_state import storage_folder

    ndvi, ports = load_both(loader, session)
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    second.mkdir()
    assert project.write(str(first / "africa.qgz"))
    assert _file_of(ndvi).parent == _file_of(ports).parent == first / "africa_geoengine"
    assert project.write(str(second / "copy.qgz"))  # Project > Save As...
    folder = storage_folder(project)
    assert folder == second / "copy_geoengine"
    assert _file_of(ndvi).parent == folder and _file_of(ports).parent == folder
    shutil.rmtree(first)  # the old project is gone: the new one still has everything

    project.clear()
    tempdir.cleanup()
    assert project.read(str(second / "copy.qgz"))
    layers = {layer.name(): layer for layer in project.mapLayers().values()}
    raster = next(layer for name, layer in layers.items() if name.startswith("NDVI"))
    vector = layers["Ports"]
    assert state.fetch_count == 0
    assert raster.isValid() and ndvi_matches(raster)[0]
    assert vector.isValid() and vector.featureCount() == ports_expected()
    assert _file_of(vector).parent == folder


def test_a_project_in_a_geopackage_writes_no_relative_folder(session, loader, state, project,
                                                             tempdir, tmp_path, bar, monkeypatch):
    ndvi, ports = load_both(loader, session)
    sources = (ndvi.source(), ports.source())
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    uri = f"geopackage:{tmp_path / 'projects.gpkg'}?projectName=africa"
    assert project.write(uri)
    assert project.projectStorage() is not None
    assert list(cwd.rglob("*")) == [] and not any(p.name.endswith("_geoengine") for p in tmp_path.iterdir())
    assert (ndvi.source(), ports.source()) == sources  # nothing repointed at a relative path
    texts = [item.text() for item in bar.items()]
    assert any("stored in a database or GeoPackage" in text for text in texts), texts
    assert project.write(uri)  # told once per project
    assert sum("stored in a database or GeoPackage" in item.text() for item in bar.items()) == 1
    assert os.getcwd() == str(cwd)


def test_missing_downloads_do_not_reach_the_unavailable_layers_handler(server, session, loader, state,
                                                                       project, tempdir, tmp_path):
    from geoengine_qgis.qgis_glue.project_state import set_keep_files
    from plugin_support import read_recording_bad_layers

    ndvi, _ports = load_both(loader, session)
    name = ndvi.name()
    set_keep_files(project, False)  # the project points at the download folder
    path = tmp_path / "nofiles.qgz"
    assert project.write(str(path))
    project.clear()
    tempdir.cleanup()  # the downloads are gone (a later start swept them)
    offered = read_recording_bad_layers(project, path)
    assert name not in offered, offered  # QGIS did not offer to remove it
    raster = next(layer for layer in project.mapLayers().values() if layer.name() == name)
    assert wait_until(lambda: not state.pending, timeout=30)
    assert raster.isValid() and ndvi_matches(raster)[0]
