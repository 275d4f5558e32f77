"""Big point results as FlatGeobuf file layers (qgis_glue.point_files): the same features, fields and times as
the memory layer of the same workflow, checked against the source file with OGR; nothing left behind on
failure; kept with projects or fetched again. The threshold is lowered so that small datasets take the file
path; the million-point case is in test_big_vector.py."""

from __future__ import annotations

import re
from pathlib import Path

import plugin_support
import pytest
from layer_support import POINTS_WITH_TIME, PORTS, PORTS_SHP
from plugin_support import AFRICA, request, run_load
from plugin_support import register_in as register
from qgis.PyQt.QtCore import QVariant
from test_project_state import ports_expected, project_text, state, tempdir  # noqa: F401 - fixtures
from vector_truth import assert_rows_match, layer_rows, ogr_rows

pytestmark = pytest.mark.qgis

PORT_TYPES = {"website": QVariant.String, "name": QVariant.String, "natlscale": QVariant.Double,
              "scalerank": QVariant.LongLong, "featurecla": QVariant.String}


@pytest.fixture
def file_from(monkeypatch):
    """Set the feature count from which a point result becomes a file layer."""
    from geoengine_qgis.qgis_glue import point_files

    def set_threshold(count: int) -> None:
        monkeypatch.setattr(point_files, "FILE_LAYER_MIN_FEATURES", count)

    return set_threshold


def job_files(folder) -> list:
    return sorted(p.name for p in Path(folder.root).rglob("*"))  # files and job folders


def test_ports_as_a_file_layer_hold_the_shapefile_values(loader, session, tempdir, file_from):  # noqa: F811
    from qgis.core import QgsFeatureSource, QgsWkbTypes

    file_from(1)
    outcome, _ = run_load(loader, session, request(register(session, PORTS), name="Ports"))
    assert outcome.ok, outcome.error
    layer = outcome.layers[0]
    source = Path(layer.source().split("|")[0])
    assert layer.providerType() == "ogr" and source.suffix == ".fgb"
    assert Path(tempdir.root).resolve() in source.resolve().parents
    assert layer.customProperty("geoengine/mode") == "flatgeobuf"
    expected = ports_expected()
    assert layer.featureCount() == expected > 50
    assert layer.wkbType() == QgsWkbTypes.MultiPoint and layer.crs().authid() == "EPSG:4326"
    assert {f.name(): f.type() for f in layer.fields()} == PORT_TYPES  # what the memory layer has
    assert layer.dataProvider().hasSpatialIndex() == QgsFeatureSource.SpatialIndexPresence.SpatialIndexPresent
    assert assert_rows_match(layer, PORTS_SHP, AFRICA) == expected
    for box in ((10.0, -10.0, 30.0, 10.0), (-20.0, 30.0, 0.0, 38.0)):  # the file's index answers box queries
        from qgis.core import QgsFeatureRequest, QgsRectangle

        got = sorted(f["name"] or "" for f in layer.getFeatures(QgsFeatureRequest(QgsRectangle(*box))))
        want = sorted(row[1] or "" for row in ogr_rows(PORTS_SHP, ["name"], box))
        assert got == want and got


def test_the_threshold_is_inclusive_and_smaller_results_stay_in_memory(loader, session, file_from):
    workflow_id = register(session, PORTS)
    expected = ports_expected()
    file_from(expected + 1)
    below, _ = run_load(loader, session, request(workflow_id, name="below"))
    file_from(expected)
    at, _ = run_load(loader, session, request(workflow_id, name="at"))
    assert below.ok and at.ok, (below.error, at.error)
    assert below.layers[0].providerType() == "memory" and below.layers[0].customProperty("geoengine/mode") == "memory"
    assert at.layers[0].providerType() == "ogr" and at.layers[0].featureCount() == expected
    assert "FlatGeobuf file" in at.layers[0].metadata().abstract() and "read-only" in at.layers[0].metadata().abstract()
    assert "FlatGeobuf" not in below.layers[0].metadata().abstract()  # the user is told only where it applies


def test_times_and_temporal_settings_equal_the_memory_layers(loader, session, file_from):
    workflow_id = register(session, POINTS_WITH_TIME)
    world = dict(bounds=(-180, -90, 180, 90), start="2000-01-01T00:00:00.000Z", end="2030-01-01T00:00:00.000Z")
    memory, _ = run_load(loader, session, request(workflow_id, name="memory", **world))
    file_from(1)
    on_file, _ = run_load(loader, session, request(workflow_id, name="file", **world))
    assert memory.ok and on_file.ok, (memory.error, on_file.error)
    mine, reference = on_file.layers[0], memory.layers[0]
    assert mine.providerType() == "ogr" and reference.providerType() == "memory"
    columns = [f.name() for f in reference.fields()]
    assert "time_start" in columns and [f.name() for f in mine.fields()] == columns
    assert [f.type() for f in mine.fields()] == [f.type() for f in reference.fields()]
    rows = layer_rows(mine, columns)
    assert rows == layer_rows(reference, columns) and len(rows) >= 5
    assert any(row[columns.index("time_start") + 1] is not None for row in rows)
    mine_t, reference_t = mine.temporalProperties(), reference.temporalProperties()
    assert mine_t.isActive() and reference_t.isActive()
    assert (mine_t.mode(), mine_t.startField(), mine_t.endField()) == (
        reference_t.mode(), reference_t.startField(), reference_t.endField())


def test_a_failed_write_leaves_no_layer_and_no_file(loader, session, tempdir, file_from, monkeypatch, project):  # noqa: F811
    from geoengine_qgis.core import flatgeobuf

    file_from(1)
    written = []
    original = flatgeobuf._records

    def fail_after_a_block(*args):
        if written:
            raise OSError(28, "No space left on device")
        written.append(True)
        return original(*args)

    monkeypatch.setattr(flatgeobuf, "_BLOCK_ROWS", 64)  # several blocks: the file is half written when it fails
    monkeypatch.setattr(flatgeobuf, "_records", fail_after_a_block)
    layers_before = set(project.mapLayers())
    outcome, _ = run_load(loader, session, request(register(session, PORTS), name="Ports"))
    assert not outcome.ok and "No space left on device" in str(outcome.error)
    assert written  # the failure came mid-file
    assert set(project.mapLayers()) == layers_before
    assert job_files(tempdir) == []


def test_a_cancelled_load_leaves_no_file(loader, session, tempdir, file_from, project):  # noqa: F811
    file_from(1)
    layers_before = set(project.mapLayers())
    outcome, task = run_load(loader, session, request(register(session, PORTS), name="Ports"), cancel_after_start=True)
    assert outcome.cancelled and not outcome.layers
    assert set(project.mapLayers()) == layers_before
    assert job_files(tempdir) == []


def test_kept_with_the_project_or_fetched_again(server, loader, session, state, project, tempdir,  # noqa: F811
                                                tmp_path, file_from):
    from geoengine_qgis.qgis_glue.project_state import set_keep_files, storage_folder

    file_from(1)
    outcome, _ = run_load(loader, session, request(register(session, PORTS), name="Ports"))
    assert outcome.ok, outcome.error
    layer = outcome.layers[0]
    expected = ports_expected()

    set_keep_files(project, False)  # the file stays in the temporary folder: the project gets a memory layer
    lean = tmp_path / "lean.qgz"
    assert project.write(str(lean))
    ports_xml = [chunk for chunk in project_text(lean).split("<maplayer")[1:] if "<layername>Ports<" in chunk]
    assert len(ports_xml) == 1 and re.search(r"<provider[^>]*>memory</provider>", ports_xml[0])
    assert ".fgb" not in ports_xml[0]
    assert layer.providerType() == "ogr"  # the open project keeps reading the file

    set_keep_files(project, True)  # copied next to the project, the layer switched to the copy
    kept = tmp_path / "kept.qgz"
    assert project.write(str(kept))
    copy = Path(layer.source().split("|")[0])
    assert copy.parent == storage_folder(project) and copy.suffix == ".fgb"
    assert assert_rows_match(layer, PORTS_SHP, AFRICA) == expected

    project.clear()
    tempdir.cleanup()
    assert project.read(str(lean))
    restored = project.mapLayersByName("Ports")[0]
    assert plugin_support.wait_until(lambda: not state.pending, timeout=60), state.pending
    # fetched again and built in the worker: above the threshold that is a file again, read by the same layer
    assert restored.providerType() == "ogr" and restored.source().split("|")[0].endswith(".fgb")
    assert restored.customProperty("geoengine/mode") == "flatgeobuf" and restored.featureCount() == expected
    assert assert_rows_match(restored, PORTS_SHP, AFRICA) == expected


def test_a_lean_project_restores_a_small_layer_into_its_memory_layer(  # noqa: F811 - fixtures
        server, loader, session, state, project, tempdir, tmp_path, file_from):  # noqa: F811
    from geoengine_qgis.qgis_glue.project_state import set_keep_files

    file_from(1)
    outcome, _ = run_load(loader, session, request(register(session, PORTS), name="Ports"))
    assert outcome.ok and outcome.layers[0].providerType() == "ogr", outcome.error
    set_keep_files(project, False)
    lean = tmp_path / "lean.qgz"
    assert project.write(str(lean))
    project.clear()
    tempdir.cleanup()
    file_from(10**9)  # the same result is small now: it comes back as features of the memory layer
    assert project.read(str(lean))
    restored = project.mapLayersByName("Ports")[0]
    assert plugin_support.wait_until(lambda: not state.pending, timeout=60), state.pending
    assert restored.providerType() == "memory" and restored.featureCount() == ports_expected()
    assert assert_rows_match(restored, PORTS_SHP, AFRICA) == ports_expected()
