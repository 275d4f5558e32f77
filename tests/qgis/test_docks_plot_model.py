"""What the plot dock draws from plot outputs (no server): Vega-Lite bars, JsonPlain tables, PNG images, and the
bar chart renderer's layout."""

from __future__ import annotations

import base64
import json

import pytest

pytestmark = pytest.mark.qgis


def test_categorical_bars_and_titles():
    from geoengine_qgis.qgis_glue.plot_model import parse_plot

    spec = {"mark": {"type": "bar"}, "title": {"text": "Classes"},
            "data": {"values": [{"class": "water", "n": 3}, {"class": "forest", "n": 5.5}]},
            "encoding": {"x": {"field": "class", "title": "land cover"}, "y": {"field": "n"}}}
    chart = parse_plot({"outputFormat": "JsonVega", "plotType": "ClassHistogram",
                        "data": {"vegaString": json.dumps(spec)}})
    assert [(b.label, b.value) for b in chart.bars] == [("water", 3.0), ("forest", 5.5)]
    assert not chart.binned and chart.title == "Classes" and chart.x_title == "land cover" and chart.y_title == "n"


def test_parsed_vega_spec_of_010_servers_is_used():
    from geoengine_qgis.qgis_glue.plot_model import parse_plot

    spec = {"mark": "bar", "data": {"values": [{"binStart": 0, "binEnd": 1, "Frequency": 4}]},
            "encoding": {"x": {"field": "binStart"}, "x2": {"field": "binEnd"}, "y": {"field": "Frequency"}}}
    chart = parse_plot({"outputFormat": "JsonVega", "data": {"vegaSpec": spec, "vegaString": "not json"}})
    assert chart.binned and chart.bars[0].start == 0 and chart.bars[0].end == 1 and chart.bars[0].value == 4


@pytest.mark.parametrize("output, message", [
    ({"outputFormat": "JsonVega", "data": {"vegaString": "{"}}, "no readable vegaString"),
    ({"outputFormat": "JsonVega", "data": {"vegaString": json.dumps({"mark": "line"})}}, "mark 'line'"),
    ({"outputFormat": "JsonVega", "data": {"vegaString": json.dumps(
        {"mark": "bar", "data": {"values": [{"x": 1, "y": "many"}]},
         "encoding": {"x": {"field": "x"}, "y": {"field": "y"}}})}}, "y is not a number"),
    ({"outputFormat": "ImagePng", "data": "bm90IGEgcG5n"}, "not a PNG"),
    ({"outputFormat": "Csv", "data": ""}, "'Csv' is not supported"),
    ({"data": {}}, "no outputFormat"),
])
def test_unsupported_outputs_name_the_problem(output, message):
    from geoengine_qgis.qgis_glue.plot_model import UnsupportedPlot, parse_plot

    with pytest.raises(UnsupportedPlot, match=message):
        parse_plot(output)


def test_png_and_plain_json(qgis_app):
    from geoengine_qgis.qgis_glue.plot_model import ImagePlot, TablePlot, parse_plot
    from qgis.PyQt.QtCore import QBuffer, QByteArray, QIODevice
    from qgis.PyQt.QtGui import QColor, QImage

    image = QImage(4, 3, QImage.Format.Format_ARGB32)
    image.fill(QColor(200, 10, 10))
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    png = bytes(data)
    plot = parse_plot({"outputFormat": "ImagePng", "data": base64.b64encode(png).decode()})
    assert isinstance(plot, ImagePlot) and plot.png == png

    table = parse_plot({"outputFormat": "JsonPlain", "plotType": "Other",
                        "data": {"a": 1, "b": {"c": [1, 2]}, "d": [{"e": None}]}})
    assert isinstance(table, TablePlot)
    assert table.rows == [["a", "1"], ["b.c", "1, 2"], ["d[0].e", "—"]]


def test_statistics_of_several_inputs_and_empty_ones():
    from geoengine_qgis.qgis_glue.plot_model import parse_plot

    data = {"a": {"valueCount": 4, "validCount": 3, "min": 1.0, "max": 3.0, "mean": 2.0, "stddev": 0.5,
                  "percentiles": [{"percentile": 0.5, "value": 2.0}]},
            "b": {"valueCount": 0, "validCount": 0, "min": None, "max": None, "mean": None, "stddev": None,
                  "percentiles": [{"percentile": 0.5, "value": None}]}}
    table = parse_plot({"outputFormat": "JsonPlain", "plotType": "Statistics", "data": data})
    assert table.columns == ["statistic", "a", "b"]
    assert table.rows[-1] == ["p50", "2", "—"]
    assert table.values[("mean", "a")] == 2.0 and table.values[("mean", "b")] is None


def test_renderer_layout(qgis_app):
    from geoengine_qgis.qgis_glue.plot_model import Bar, BarChart
    from geoengine_qgis.ui.charts import nice_ticks, render_bar_chart

    assert nice_ticks(7, integers=True) == (8.0, [0.0, 2.0, 4.0, 6.0, 8.0])
    assert nice_ticks(0.7)[0] == pytest.approx(0.8)
    assert nice_ticks(0) == (1.0, [0.0, 1.0])
    chart = BarChart([Bar(str(i), float(v)) for i, v in enumerate([1, 0, 4, 2])])
    image, layout = render_bar_chart(chart, 400, 200)
    assert (image.width(), image.height()) == (400, 200)
    heights = [r.height() for r in layout.bars]
    assert heights[1] == 0 and heights[2] == max(heights) and heights[2] == pytest.approx(layout.plot_area.height(),
                                                                                             abs=1.5)
    assert all(a.right() < b.left() for a, b in zip(layout.bars, layout.bars[1:]))  # separated bars
    assert render_bar_chart(BarChart([]), 300, 150)[1].bars == []
