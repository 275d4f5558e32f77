"""core.colorizer: the numbers a colorizer carries, each checked against a hand-worked value.

Truth: the official client's defaults (geoengine-python ``geoengine/colorizer.py``: all default colours
(0, 0, 0, 0), ``n_steps=10``), Geo Engine's JSON names, and viridis table entries 0, 128 and 255
((0.267004, 0.004874, 0.329415), (0.127568, 0.566949, 0.550556), (0.993248, 0.906157, 0.143936)) times 255,
truncated as matplotlib's ``bytes=True`` does. Every refusal is checked for its error type *and* the field it names.
"""

from __future__ import annotations

import pytest
from geoengine_qgis.core.colorizer import (
    ColorBreakpoint,
    Colorizer,
    LinearGradientColorizer,
    LogarithmicGradientColorizer,
    MultiBandRasterColorizer,
    PaletteColorizer,
    RasterColorizer,
    RasterSymbology,
    SingleBandRasterColorizer,
    rgba,
)
from geoengine_qgis.core.errors import InputError

VIRIDIS_LOW, VIRIDIS_MID, VIRIDIS_HIGH = (68, 1, 84, 255), (32, 144, 140, 255), (253, 231, 36, 255)
CLEAR = (0, 0, 0, 0)


def refused(field, call, *args, **kwargs) -> InputError:
    with pytest.raises(InputError) as caught:
        call(*args, **kwargs)
    assert caught.value.field == field, (caught.value.field, str(caught.value))
    return caught.value


# ------------------------------------------------------------------------------------------- colours


def test_rgba_takes_exactly_four_channels_within_0_to_255():
    assert rgba([0, 128.0, 255, 7]) == (0, 128, 255, 7)
    assert all(isinstance(c, int) for c in rgba([0, 128.0, 255, 7]))
    for bad in ([0, 0, 0], (0, 0, 0, 0, 0), "0000", None):
        refused("color", rgba, bad)
    for bad in ([256, 0, 0, 0], [0, -1, 0, 0], [0, 0, 0.5, 0], [True, 0, 0, 0], [0, "1", 0, 0]):
        refused("fill", rgba, bad, "fill")


def test_breakpoint_values_are_finite_numbers():
    assert ColorBreakpoint(2.5, [1, 2, 3, 4]).to_dict() == {"value": 2.5, "color": [1, 2, 3, 4]}
    for bad in (float("nan"), float("inf"), True, "1"):
        refused("breakpoint.value", ColorBreakpoint, bad, CLEAR)
    refused("breakpoint.color", ColorBreakpoint, 1, (0, 0, 0))


# ------------------------------------------------------------------------------- official constructors


def test_linear_with_viridis_spaces_the_breakpoints_evenly():
    colorizer = Colorizer.linear_with_mpl_cmap("viridis", (0.0, 10.0), n_steps=5)
    assert isinstance(colorizer, LinearGradientColorizer)
    assert [b.value for b in colorizer.breakpoints] == [0.0, 2.5, 5.0, 7.5, 10.0]
    assert colorizer.breakpoints[0].color == VIRIDIS_LOW and colorizer.breakpoints[-1].color == VIRIDIS_HIGH
    assert colorizer.breakpoints[2].color == VIRIDIS_MID
    assert (colorizer.no_data_color, colorizer.over_color, colorizer.under_color) == (CLEAR, CLEAR, CLEAR)
    assert colorizer.min_value == 0.0 and colorizer.max_value == 10.0


def test_linear_defaults_are_the_official_clients():
    colorizer = Colorizer.linear_with_mpl_cmap("viridis", (-1, 1))
    assert len(colorizer.breakpoints) == 10
    assert [b.value for b in colorizer.breakpoints][:3] == pytest.approx([-1, -1 + 2 / 9, -1 + 4 / 9])
    colours = Colorizer.linear_with_mpl_cmap("viridis", (0, 1), 3, over_color=(1, 1, 1, 1),
                                             under_color=(2, 2, 2, 2), no_data_color=(3, 3, 3, 3))
    assert (colours.over_color, colours.under_color, colours.no_data_color) == ((1, 1, 1, 1), (2, 2, 2, 2),
                                                                               (3, 3, 3, 3))


def test_logarithmic_with_viridis_spaces_the_breakpoints_by_decades():
    colorizer = Colorizer.logarithmic_with_mpl_cmap("viridis", (1.0, 1000.0), n_steps=4)
    assert isinstance(colorizer, LogarithmicGradientColorizer)
    assert [b.value for b in colorizer.breakpoints] == pytest.approx([1.0, 10.0, 100.0, 1000.0], rel=1e-12)
    assert colorizer.breakpoints[0].color == VIRIDIS_LOW and colorizer.breakpoints[-1].color == VIRIDIS_HIGH
    assert (colorizer.no_data_color, colorizer.over_color, colorizer.under_color) == (CLEAR, CLEAR, CLEAR)
    assert len(Colorizer.logarithmic_with_mpl_cmap("viridis", (2.0, 3.0)).breakpoints) == 10
    assert Colorizer.logarithmic_with_mpl_cmap("viridis", (0.01, 1), 3).breakpoints[1].value == pytest.approx(0.1)


def test_a_colour_map_object_is_used_as_given():
    from matplotlib import colormaps

    colorizer = Colorizer.linear_with_mpl_cmap(colormaps["viridis"], (0, 1), n_steps=2)
    assert [b.color for b in colorizer.breakpoints] == [VIRIDIS_LOW, VIRIDIS_HIGH]


def test_constructor_refusals_name_their_field():
    refused("n_steps", Colorizer.linear_with_mpl_cmap, "viridis", (0, 1), n_steps=1)
    refused("n_steps", Colorizer.linear_with_mpl_cmap, "viridis", (0, 1), n_steps=True)
    refused("n_steps", Colorizer.linear_with_mpl_cmap, "viridis", (0, 1), n_steps=2.0)
    assert len(Colorizer.linear_with_mpl_cmap("viridis", (0, 1), n_steps=2).breakpoints) == 2
    refused("min_max", Colorizer.linear_with_mpl_cmap, "viridis", (1, 1))
    refused("min_max", Colorizer.linear_with_mpl_cmap, "viridis", (2, 1))
    refused("min_max", Colorizer.logarithmic_with_mpl_cmap, "viridis", (0, 1))
    refused("min_max", Colorizer.logarithmic_with_mpl_cmap, "viridis", (-1, 1))
    refused("color_map", Colorizer.linear_with_mpl_cmap, "no-such-map", (0, 1))


def test_palette_defaults_are_transparent():
    palette = Colorizer.palette({1: (1, 2, 3, 4)})
    assert isinstance(palette, PaletteColorizer)
    assert palette.to_dict() == {"type": "palette", "colors": {"1": [1, 2, 3, 4]}, "noDataColor": [0, 0, 0, 0],
                                 "defaultColor": [0, 0, 0, 0]}
    assert Colorizer.palette({2.5: (1, 2, 3, 4)}, (5, 5, 5, 5), (6, 6, 6, 6)).to_dict() == {
        "type": "palette", "colors": {"2.5": [1, 2, 3, 4]}, "noDataColor": [6, 6, 6, 6],
        "defaultColor": [5, 5, 5, 5]}


# ------------------------------------------------------------------------------------------- gradients


def test_gradient_defaults_and_breakpoint_order():
    points = [ColorBreakpoint(1, (1, 1, 1, 1)), ColorBreakpoint(1, (2, 2, 2, 2)), (3, (3, 3, 3, 3))]
    gradient = LinearGradientColorizer(points)  # equal neighbours are allowed, tuples become breakpoints
    assert gradient.breakpoints[2] == ColorBreakpoint(3, (3, 3, 3, 3))
    assert gradient.to_dict() == {"type": "linearGradient", "breakpoints": [
        {"value": 1, "color": [1, 1, 1, 1]}, {"value": 1, "color": [2, 2, 2, 2]}, {"value": 3, "color": [3, 3, 3, 3]}],
        "noDataColor": [0, 0, 0, 0], "overColor": [0, 0, 0, 0], "underColor": [0, 0, 0, 0]}
    assert LinearGradientColorizer([(5, CLEAR)]).min_value == 5 == LinearGradientColorizer([(5, CLEAR)]).max_value
    refused("breakpoints", LinearGradientColorizer, [])
    refused("breakpoints", LinearGradientColorizer, [(2, CLEAR), (1, CLEAR)])
    for name in ("no_data_color", "over_color", "under_color"):
        refused(name, LinearGradientColorizer, [(1, CLEAR)], **{name: (0, 0, 0)})


def test_logarithmic_breakpoints_must_be_positive():
    assert LogarithmicGradientColorizer([(0.001, CLEAR)]).min_value == 0.001
    refused("breakpoints", LogarithmicGradientColorizer, [(0, CLEAR), (1, CLEAR)])
    refused("breakpoints", LogarithmicGradientColorizer, [(-1, CLEAR)])


def test_missing_keys_name_the_colorizer():
    refused("colorizer.linearGradient", Colorizer.from_response, {"type": "linearGradient", "breakpoints": []})
    refused("colorizer.logarithmicGradient", Colorizer.from_response, {"type": "logarithmicGradient"})
    refused("colorizer.palette", Colorizer.from_response, {"type": "palette", "colors": {}})
    refused("colors", Colorizer.from_response, {"type": "palette", "colors": {"x": [0, 0, 0, 0]},
                                                "noDataColor": CLEAR, "defaultColor": CLEAR})
    error = refused("colorizer.type", Colorizer.from_response, {"type": "rgba"})
    assert "removed" in str(error)
    error = refused("colorizer.type", Colorizer.from_response, {"type": "other"})
    assert "unknown" in str(error)
    refused("colorizer", Colorizer.from_response, [])


def test_palette_holds_at_most_256_entries():
    assert len(PaletteColorizer({i: CLEAR for i in range(256)}).colors) == 256
    refused("colors", PaletteColorizer, {i: CLEAR for i in range(257)})
    refused("no_data_color", PaletteColorizer, {1: CLEAR}, no_data_color=(0,))
    refused("default_color", PaletteColorizer, {1: CLEAR}, default_color=(0,))


# ------------------------------------------------------------------------------------ raster colorizers


def test_single_band_defaults_to_band_zero_and_refuses_negative_bands():
    palette = {"type": "palette", "colors": {"1": [1, 2, 3, 4]}, "noDataColor": CLEAR, "defaultColor": CLEAR}
    single = RasterColorizer.from_response({"type": "singleBand", "bandColorizer": palette})
    assert single.band == 0 and single.bands() == [0]
    refused("band", SingleBandRasterColorizer, -1, Colorizer.palette({1: CLEAR}))
    refused("band", SingleBandRasterColorizer, True, Colorizer.palette({1: CLEAR}))
    refused("band", SingleBandRasterColorizer, 1.0, Colorizer.palette({1: CLEAR}))
    refused("band_colorizer", SingleBandRasterColorizer, 0, "palette")
    refused("raster_colorizer.type", RasterColorizer.from_response, {"type": "rgb"})
    refused("raster_colorizer", RasterColorizer.from_response, "singleBand")


MULTI = {"type": "multiBand", "redBand": 2, "greenBand": 1, "blueBand": 0, "redMin": 0, "redMax": 10,
         "greenMin": 1, "greenMax": 2, "blueMin": -5, "blueMax": 5}


def test_multi_band_scales_default_to_one_and_no_data_colour_stays_missing():
    multi = RasterColorizer.from_response(dict(MULTI))
    assert multi.bands() == [2, 1, 0]
    assert (multi.red_scale, multi.green_scale, multi.blue_scale) == (1.0, 1.0, 1.0)
    assert multi.no_data_color is None and "noDataColor" not in multi.to_dict()
    assert multi.to_dict() == {**MULTI, "redScale": 1.0, "greenScale": 1.0, "blueScale": 1.0}
    direct = MultiBandRasterColorizer(0, 1, 2, 0, 1, 0, 1, 0, 1)
    assert (direct.red_scale, direct.green_scale, direct.blue_scale, direct.no_data_color) == (1.0, 1.0, 1.0, None)
    with_colour = MultiBandRasterColorizer.from_response({**MULTI, "noDataColor": [1, 2, 3, 4], "redScale": 0.5})
    assert with_colour.no_data_color == (1, 2, 3, 4) and with_colour.to_dict()["noDataColor"] == [1, 2, 3, 4]
    assert with_colour.red_scale == 0.5


def test_multi_band_refusals_name_their_field():
    for colour in ("red", "green", "blue"):
        refused(f"{colour}_scale", MultiBandRasterColorizer, 0, 1, 2, 0, 1, 0, 1, 0, 1, **{f"{colour}_scale": 1.5})
        refused(f"{colour}_scale", MultiBandRasterColorizer, 0, 1, 2, 0, 1, 0, 1, 0, 1, **{f"{colour}_scale": -0.1})
    assert MultiBandRasterColorizer(0, 1, 2, 0, 1, 0, 1, 0, 1, red_scale=0, blue_scale=1).red_scale == 0
    refused("green_max", MultiBandRasterColorizer, 0, 1, 2, 0, 1, 3, 3, 0, 1)
    refused("blue_band", MultiBandRasterColorizer, 0, 1, -2, 0, 1, 0, 1, 0, 1)
    refused("no_data_color", MultiBandRasterColorizer, 0, 1, 2, 0, 1, 0, 1, 0, 1, no_data_color=(1, 2))
    refused("raster_colorizer.multiBand", RasterColorizer.from_response, {"type": "multiBand", "redBand": 0})


def test_symbology_opacity_within_0_to_1():
    colorizer = SingleBandRasterColorizer(0, Colorizer.palette({1: CLEAR}))
    assert RasterSymbology(colorizer).opacity == 1.0
    assert RasterSymbology(colorizer, 0).opacity == 0 and RasterSymbology(colorizer, 1).opacity == 1
    refused("opacity", RasterSymbology, colorizer, 1.01)
    refused("opacity", RasterSymbology, colorizer, -0.01)
    response = {"type": "raster", "rasterColorizer": colorizer.to_dict()}
    assert RasterSymbology.from_response(response).opacity == 1.0
    refused("symbology.type", RasterSymbology.from_response, {"type": "vector"})
    refused("symbology.type", RasterSymbology.from_response, [])


def test_logarithmic_steps_are_fractions_of_a_decade():
    colorizer = Colorizer.logarithmic_with_mpl_cmap("viridis", (1.0, 100.0), n_steps=4)
    assert [b.value for b in colorizer.breakpoints] == pytest.approx([1.0, 10 ** (2 / 3), 10 ** (4 / 3), 100.0])


def test_colorizers_are_immutable_values():
    import dataclasses

    palette = PaletteColorizer({1: CLEAR})
    single = SingleBandRasterColorizer(0, palette)
    for value, name in ((ColorBreakpoint(1, CLEAR), "value"), (palette, "colors"), (single, "band"),
                        (MultiBandRasterColorizer(0, 1, 2, 0, 1, 0, 1, 0, 1), "red_band"),
                        (RasterSymbology(single), "opacity")):
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(value, name, 2)


def test_palette_defaults_and_key_text_is_not_part_of_the_value():
    palette = PaletteColorizer({1: (1, 2, 3, 4)})
    assert (palette.no_data_color, palette.default_color) == (CLEAR, CLEAR)
    a = Colorizer.from_response({"type": "palette", "colors": {"1": [1, 2, 3, 4]}, "noDataColor": CLEAR,
                                 "defaultColor": CLEAR})
    b = Colorizer.from_response({"type": "palette", "colors": {"1.0": [1, 2, 3, 4]}, "noDataColor": CLEAR,
                                 "defaultColor": CLEAR})
    assert a == b == palette and "key_text" not in repr(a)
    assert a.to_dict()["colors"] == {"1": [1, 2, 3, 4]} and b.to_dict()["colors"] == {"1.0": [1, 2, 3, 4]}


def test_colour_maps_need_matplotlib(monkeypatch):
    import sys

    from geoengine_qgis.core.errors import MissingDependencyError

    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with pytest.raises(MissingDependencyError) as caught:
        Colorizer.linear_with_mpl_cmap("viridis", (0, 1))
    assert caught.value.package == "matplotlib"
