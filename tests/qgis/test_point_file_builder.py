"""qgis_glue.point_files.StreamLayerBuilder on its own: which results become files (count, geometry, folder), the
fallback to a memory layer, the file's name and CRS. Batches are built here; expected values are their inputs."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest
from test_vector_layer_values import APRIL, descriptor

pytestmark = pytest.mark.qgis


def batch(xs, wkt=None) -> pa.RecordBatch:
    xs = np.asarray(xs, np.float64)
    geometry = pa.array(wkt if wkt is not None else [f"MULTIPOINT(({x} {x / 2}))" for x in xs.tolist()])
    times = pa.FixedSizeListArray.from_arrays(pa.array(np.full(2 * len(xs), APRIL, np.int64)), 2)
    return pa.RecordBatch.from_arrays([geometry, times, pa.array(np.arange(len(xs)))], ["__geometry", "__time", "n"])


def build(tmp_path, batches, threshold, data_type="MultiPoint", srs="EPSG:4326", name="points", folder=True):
    from geoengine_qgis.qgis_glue.point_files import StreamLayerBuilder
    from geoengine_qgis.qgis_glue.vector_layers import plan_fields

    result = descriptor({"n": "int"}, data_type=data_type, srs=srs)
    builder = StreamLayerBuilder(result, plan_fields(result), name, (lambda: tmp_path) if folder else None,
                                 {"n": "int"}, min_features=threshold)
    for record_batch in batches:
        builder.add(record_batch)
    return builder, builder.finish()


def test_the_default_threshold_is_inclusive_at_one_hundred_thousand(tmp_path, qgis_app):
    from geoengine_qgis.qgis_glue.point_files import StreamLayerBuilder
    from geoengine_qgis.qgis_glue.vector_layers import plan_fields

    result = descriptor({"n": "int"})
    xs = np.linspace(-170, 170, 100_000)
    for count, provider in ((99_999, "memory"), (100_000, "ogr")):
        folder = tmp_path / str(count)
        folder.mkdir()
        builder = StreamLayerBuilder(result, plan_fields(result), "p", lambda f=folder: f, {"n": "int"})
        builder.add(batch(xs[:count // 2]))
        builder.add(batch(xs[count // 2:count]))
        layer = builder.finish()
        assert layer.providerType() == provider and layer.featureCount() == count


def test_a_multi_point_feature_sends_everything_to_a_memory_layer(tmp_path, qgis_app):
    first = batch([1.0, 2.0])
    second = batch([0, 0], wkt=["MULTIPOINT((3 4),(5 6))", "MULTIPOINT((7 8))"])
    builder, layer = build(tmp_path, [first, second], threshold=1)
    assert layer.providerType() == "memory" and builder.path is None and not list(tmp_path.iterdir())
    got = sorted(f.geometry().asWkt() for f in layer.getFeatures())
    assert got == ["MultiPoint ((1 0.5))", "MultiPoint ((2 1))", "MultiPoint ((3 4),(5 6))", "MultiPoint ((7 8))"]


def test_without_a_folder_or_for_polygons_the_result_stays_in_memory(tmp_path, qgis_app):
    _, no_folder = build(tmp_path, [batch([1.0, 2.0, 3.0])], threshold=1, folder=False)
    assert no_folder.providerType() == "memory" and no_folder.featureCount() == 3
    square = "MULTIPOLYGON(((0 0,1 0,1 1,0 0)))"
    _, polygons = build(tmp_path, [batch([0, 0], wkt=[square, square])], threshold=1, data_type="MultiPolygon")
    assert polygons.providerType() == "memory" and polygons.featureCount() == 2
    assert not list(tmp_path.iterdir())


def test_the_file_is_named_after_the_layer_and_a_nameless_one_is_features(tmp_path, qgis_app):
    builder, layer = build(tmp_path, [batch([1.0])], threshold=1, name="Ports: 2014/04")
    assert builder.path.parent == tmp_path and builder.path.suffix == ".fgb"
    assert builder.path.stem.startswith("Ports") and "/" not in builder.path.stem
    nameless_folder = tmp_path / "nameless"
    nameless_folder.mkdir()
    builder, layer = build(nameless_folder, [batch([1.0])], threshold=1, name="")
    assert builder.path.name == "features.fgb" and layer.isValid()


def test_a_crs_without_an_epsg_code_reaches_the_file(tmp_path, qgis_app):
    from qgis.core import QgsCoordinateReferenceSystem

    _, layer = build(tmp_path, [batch([10.0, 20.0])], threshold=1, srs="ESRI:54009")
    assert layer.providerType() == "ogr"
    assert "+proj=moll" in layer.crs().toProj()
    assert layer.crs() == QgsCoordinateReferenceSystem("ESRI:54009")
