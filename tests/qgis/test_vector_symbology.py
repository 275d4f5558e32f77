"""Geo Engine vector symbology -> QGIS renderers, checked on rendered pixels: static and derived (palette,
gradient) colours, derived radius, stroke colour/width, polygons, lines, text labels; and a three-band raster
without symbology as an RGB composite with a min/max stretch."""

from __future__ import annotations

import numpy as np
import pytest
from layer_support import LAYER_DB, NE_RGB_LAYER, PORTS, PORTS_SHP
from osgeo import gdal, ogr
from plugin_support import register_in as register
from plugin_support import request, run_load

pytestmark = pytest.mark.qgis

GERMANY = {"type": "Vector", "operator": {"type": "OgrSource", "params": {"data": "germany_outline"}}}
WHITE = (255, 255, 255, 255)
SIZE = 400


def static(color):
    return {"type": "static", "color": list(color)}


def number(value):
    return {"type": "static", "value": value}


def stroke(width, color):
    return {"width": number(width), "color": static(color)}


def render(layers, extent, size=SIZE):
    """The layers drawn over ``extent`` (EPSG:4326) on white with QgsMapRendererParallelJob (labels included);
    returns the image and the map-to-pixel transform."""
    from qgis.core import QgsCoordinateReferenceSystem, QgsMapRendererParallelJob, QgsMapSettings, QgsRectangle
    from qgis.PyQt.QtCore import QSize
    from qgis.PyQt.QtGui import QColor

    settings = QgsMapSettings()
    settings.setLayers(list(layers))
    settings.setDestinationCrs(QgsCoordinateReferenceSystem("EPSG:4326"))
    settings.setExtent(QgsRectangle(*extent))
    settings.setOutputSize(QSize(size, size))
    settings.setBackgroundColor(QColor(*WHITE))
    job = QgsMapRendererParallelJob(settings)
    job.start()
    job.waitForFinished()
    assert not job.errors(), [e.message for e in job.errors()]
    return job.renderedImage(), job.mapSettings().mapToPixel()


def pixel(image, transform, x, y, dx=0, dy=0):
    from qgis.PyQt.QtGui import QColor

    point = transform.transform(x, y)
    return QColor(image.pixel(int(point.x()) + dx, int(point.y()) + dy)).getRgb()


def isolated_ports(extent, min_distance):
    """(x, y, attributes) of ports inside ``extent`` with no other port within ``min_distance`` degrees."""
    source = ogr.Open(str(PORTS_SHP))
    layer = source.GetLayer(0)
    layer.SetSpatialFilterRect(*extent)
    ports = [(f.GetGeometryRef().GetX(), f.GetGeometryRef().GetY(), f.items()) for f in layer]
    return [(x, y, a) for x, y, a in ports
            if all((x - u) ** 2 + (y - v) ** 2 >= min_distance ** 2 for u, v, _ in ports if (u, v) != (x, y))]


def load(loader, session, workflow, extent, symbology, **kwargs):
    from geoengine_qgis.qgis_glue.layers import LayerOptions

    workflow_id = register(session, workflow)
    outcome, _ = run_load(loader, session, request(workflow_id, bounds=extent,
                                                   options=LayerOptions(symbology=symbology, **kwargs)))
    assert outcome.ok, outcome.error
    return outcome


PACIFIC = (100.0, -50.0, 180.0, 30.0)  # rendered at 800 px: 0.1 degree per pixel, many isolated ports


def test_static_point_symbology_draws_its_colours_and_radius(loader, session, project):
    symbology = {"type": "point", "radius": number(8), "fillColor": static((230, 20, 20, 255)),
                 "stroke": stroke(2, (0, 0, 255, 255)), "text": None}
    outcome = load(loader, session, PORTS, PACIFIC, symbology)
    assert outcome.styling == ["symbology:point"]
    image, transform = render(outcome.layers, PACIFIC, 800)
    ports = isolated_ports(PACIFIC, 2.5)
    assert len(ports) >= 5
    for x, y, _ in ports:
        assert pixel(image, transform, x, y) == (230, 20, 20, 255)
        assert pixel(image, transform, x, y, dx=8) == (0, 0, 255, 255)  # the 2 px stroke at the radius
        assert pixel(image, transform, x, y, dx=12) == WHITE


def test_derived_colour_and_radius_follow_the_columns(loader, session, project):
    ramp = {"type": "linearGradient", "breakpoints": [{"value": 1, "color": [0, 0, 255, 255]},
                                                      {"value": 9, "color": [255, 0, 0, 255]}],
            "noDataColor": [0, 0, 0, 0], "overColor": [0, 255, 0, 255], "underColor": [0, 0, 0, 255]}
    symbology = {"type": "point", "fillColor": {"type": "derived", "attribute": "scalerank", "colorizer": ramp},
                 "radius": {"type": "derived", "attribute": "scalerank", "factor": 1.0, "defaultValue": 3.0},
                 "stroke": stroke(0, (0, 0, 0, 255)), "text": None}
    outcome = load(loader, session, PORTS, PACIFIC, symbology)
    image, transform = render(outcome.layers, PACIFIC, 800)
    checked = set()
    for x, y, attributes in isolated_ports(PACIFIC, 2.5):
        rank = attributes["scalerank"]
        t = (rank - 1) / 8
        expected = (round(255 * t), 0, round(255 * (1 - t)), 255) if rank <= 9 else (0, 255, 0, 255)
        got = pixel(image, transform, x, y)
        assert all(abs(a - b) <= 1 for a, b in zip(got, expected)), (rank, got, expected)
        assert pixel(image, transform, x, y, dx=rank - 2) == got  # inside the radius (= scalerank px)
        assert pixel(image, transform, x, y, dx=rank + 3) == WHITE
        checked.add(rank)
    assert len(checked) >= 3  # several ranks, so several colours and radii


def test_polygon_fill_and_stroke(loader, session, project):
    extent = (0.0, 44.0, 20.0, 64.0)  # 0.05 degree per pixel
    symbology = {"type": "polygon", "fillColor": static((40, 160, 60, 255)), "stroke": stroke(6, (120, 0, 120, 255)),
                 "text": None, "autoSimplified": True}
    outcome = load(loader, session, GERMANY, extent, symbology)
    assert outcome.styling == ["symbology:polygon"]
    image, transform = render(outcome.layers, extent)
    assert pixel(image, transform, 10.0, 51.0) == (40, 160, 60, 255)  # inside Germany
    assert pixel(image, transform, 2.35, 48.85) == WHITE  # Paris
    colours = {image.pixel(x, y) for x in range(SIZE) for y in range(SIZE)}
    from qgis.PyQt.QtGui import QColor

    assert QColor(120, 0, 120).rgb() in colours  # the outline is drawn


def test_line_stroke_static_and_palette_colour(qgis_app):
    from geoengine_qgis.qgis_glue.styling import style_vector_layer
    from qgis.core import QgsFeature, QgsGeometry, QgsVectorLayer

    layer = QgsVectorLayer("MultiLineString?crs=EPSG:4326&field=kind:integer", "lines", "memory")
    features = []
    for kind, y in ((1, 2.0125), (2, 6.0125), (3, 8.0125)):  # on pixel centres (0.025 degree per pixel)
        feature = QgsFeature(layer.fields())
        feature.setAttributes([kind])
        feature.setGeometry(QgsGeometry.fromWkt(f"MULTILINESTRING((0 {y}, 10 {y}))"))
        features.append(feature)
    layer.dataProvider().addFeatures(features)
    palette = {"type": "palette", "colors": {"1": [255, 0, 0, 255], "2": [0, 0, 255, 255]},
               "noDataColor": [0, 0, 0, 0], "defaultColor": [0, 200, 0, 255]}
    how = style_vector_layer(layer, {"type": "line", "autoSimplified": False, "text": None, "stroke": {
        "width": number(5), "color": {"type": "derived", "attribute": "kind", "colorizer": palette}}})
    assert how == "symbology:line"
    image, transform = render([layer], (0.0, 0.0, 10.0, 10.0))
    assert pixel(image, transform, 5.0, 2.0125) == (255, 0, 0, 255)
    assert pixel(image, transform, 5.0, 6.0125) == (0, 0, 255, 255)
    assert pixel(image, transform, 5.0, 8.0125) == (0, 200, 0, 255)  # not in the palette: the default colour
    assert pixel(image, transform, 5.0, 2.0125, dy=2) == (255, 0, 0, 255)  # 5 px wide
    assert pixel(image, transform, 5.0, 2.0125, dy=5) == WHITE


def test_text_symbology_labels_features(qgis_app):
    from geoengine_qgis.qgis_glue.styling import style_vector_layer
    from qgis.core import QgsFeature, QgsGeometry, QgsVectorLayer
    from qgis.PyQt.QtGui import QColor

    def labelled(text):
        layer = QgsVectorLayer("MultiPoint?crs=EPSG:4326&field=name:string", "points", "memory")
        feature = QgsFeature(layer.fields())
        feature.setAttributes(["Hamburg Harbour"])
        feature.setGeometry(QgsGeometry.fromWkt("MULTIPOINT((5 5))"))
        layer.dataProvider().addFeatures([feature])
        style_vector_layer(layer, {"type": "point", "radius": number(3), "fillColor": static((0, 0, 0, 255)),
                                   "stroke": stroke(0, (0, 0, 0, 255)), "text": text})
        image, _ = render([layer], (0.0, 0.0, 10.0, 10.0))
        colours = [QColor(image.pixel(x, y)) for x in range(SIZE) for y in range(SIZE)]
        return sum(1 for c in colours if c.red() > 200 and c.green() < 120 and c.blue() > 200)  # magenta text

    text = {"attribute": "name", "fillColor": static((255, 0, 255, 255)), "stroke": stroke(0, (255, 255, 255, 255))}
    assert labelled(text) > 30
    assert labelled(None) == 0


def test_symbology_for_another_geometry_falls_back_to_the_default(qgis_app):
    from geoengine_qgis.qgis_glue.styling import style_vector_layer
    from qgis.core import QgsVectorLayer

    layer = QgsVectorLayer("MultiPolygon?crs=EPSG:4326", "polygons", "memory")
    how = style_vector_layer(layer, {"type": "point", "radius": number(3), "fillColor": static((0, 0, 0, 255)),
                                     "stroke": stroke(1, (0, 0, 0, 255)), "text": None})
    assert how.startswith("default (") and "another geometry" in how
    assert layer.renderer().symbol().symbolLayer(0).layerType() == "SimpleFill"
    bad = style_vector_layer(layer, {"type": "polygon", "fillColor": {"type": "static", "color": [1, 2]},
                                     "stroke": stroke(1, (0, 0, 0, 255))})
    assert bad.startswith("default (") and "[r, g, b, a]" in bad


def test_three_band_raster_without_symbology_is_an_rgb_composite(loader, session, project):
    from geoengine_qgis.core.datasets import get_layer
    from qgis.core import QgsMultiBandColorRenderer

    workflow = get_layer(LAYER_DB, NE_RGB_LAYER, session=session).workflow  # bands blue, green, red
    extent = (0.0, 30.0, 40.0, 70.0)
    outcome = load(loader, session, workflow, extent, None, source_info=False)
    assert outcome.styling == ["default rgb"]
    layer = outcome.layers[0]
    renderer = layer.renderer()
    assert isinstance(renderer, QgsMultiBandColorRenderer)
    assert (renderer.redBand(), renderer.greenBand(), renderer.blueBand()) == (3, 2, 1)
    dataset = gdal.Open(layer.source())
    bands = [dataset.GetRasterBand(n).ReadAsArray().astype(float) for n in (3, 2, 1)]  # r, g, b
    x0, dx, _, y0, _, dy = dataset.GetGeoTransform()
    inside = [b[int((y0 - 70) / -dy):int((y0 - 30) / -dy), int((0 - x0) / dx):int((40 - x0) / dx)] for b in bands]
    ranges = [(float(b[b > 0].min()), float(b[b > 0].max())) for b in inside]
    image, transform = render([layer], extent)
    rng = np.random.default_rng(3)
    for x, y in zip(rng.uniform(1, 39, 30), rng.uniform(31, 69, 30)):
        col, row = int((x - x0) / dx), int((y - y0) / dy)
        values = [b[row, col] for b in bands]
        if 0 in values:
            continue
        cx, cy = x0 + (col + 0.5) * dx, y0 + (row + 0.5) * dy
        expected = [max(0, min(255, round((v - lo) / (hi - lo) * 255))) for v, (lo, hi) in zip(values, ranges)]
        got = pixel(image, transform, cx, cy)[:3]
        assert all(abs(a - b) <= 3 for a, b in zip(got, expected)), (x, y, got, expected)
