"""core.resolution: the choice between native, canvas and given resolutions, and the wrapping workflow."""

from __future__ import annotations

import pytest
from geoengine_qgis.core import resolution as res
from geoengine_qgis.core.errors import InputError

NATIVE = (0.1, 0.1)
NDVI = {"type": "Raster", "operator": {"type": "GdalSource", "params": {"data": "ndvi"}}}


@pytest.mark.parametrize("target, size, factor", [
    ((0.3, 0.3), (0.3, 0.3), 3.0),        # a whole multiple stays
    ((0.52, 0.48), (0.5, 0.5), 5.0),      # rounded down, the larger axis decides, the same on both axes
    ((0.1, 0.1), (0.1, 0.1), 1.0),
    ((0.0999999, 0.1), (0.1, 0.1), 1.0),  # within the tolerance of a whole multiple
    ((0.05, 0.05), (0.05, 0.05), 0.5),    # finer: a whole fraction
    ((0.03, 0.03), (1 / 30, 1 / 30), 1 / 3),
])
def test_snap_to_whole_native_pixels(target, size, factor):
    got_size, got_factor = res.snap(NATIVE, target)
    assert got_factor == pytest.approx(factor) and got_size == pytest.approx(size)


def test_auto_is_native_while_small_and_the_canvas_otherwise():
    small = res.choose(res.AUTO, NATIVE, canvas=(0.36, 0.36), native_bytes=1000)
    assert small.is_native and small.mode == res.NATIVE and small.to_property() == "native"
    big = res.choose(res.AUTO, NATIVE, canvas=(0.36, 0.36), native_bytes=res.AUTO_LIMIT_BYTES + 1)
    assert big.mode == res.CANVAS and big.pixel_size == pytest.approx((0.3, 0.3)) and big.factor == 3
    assert big.label() == "canvas 0.3 x 0.3"
    unknown = res.choose(res.AUTO, NATIVE, canvas=(0.36, 0.36), native_bytes=None)
    assert unknown.is_native


def test_a_canvas_finer_than_native_is_native():
    assert res.choose(res.CANVAS, NATIVE, canvas=(0.09, 0.09)).is_native


def test_the_stored_property_reads_back():
    choice = res.choose(res.CUSTOM, NATIVE, custom=(0.3, 0.3))
    mode, size = res.from_property(choice.to_property())
    assert mode == res.CUSTOM and size == pytest.approx((0.3, 0.3))
    assert res.from_property("native") == (res.NATIVE, None)
    assert res.from_property("") is None and res.from_property("canvas:x,y") is None


def test_wrapping_workflows():
    coarse = res.resampled_workflow(NDVI, res.choose(res.CUSTOM, NATIVE, custom=(0.3, 0.3)))
    assert coarse["type"] == "Raster" and coarse["operator"]["type"] == "Downsampling"
    params = coarse["operator"]["params"]
    assert params["samplingMethod"] == "nearestNeighbor"
    assert params["outputResolution"]["type"] == "resolution"
    assert (params["outputResolution"]["x"], params["outputResolution"]["y"]) == pytest.approx((0.3, 0.3))
    assert coarse["operator"]["sources"] == {"raster": NDVI["operator"]}
    fine = res.resampled_workflow(NDVI, res.choose(res.CUSTOM, NATIVE, custom=(0.05, 0.05)))
    assert fine["operator"]["type"] == "Interpolation" and fine["operator"]["params"]["interpolation"] == "biLinear"
    assert res.resampled_workflow(NDVI, res.choose(res.NATIVE, NATIVE)) is NDVI


@pytest.mark.parametrize("call, field", [
    (lambda: res.choose("sharp", NATIVE), "resolution"),
    (lambda: res.choose(res.CUSTOM, NATIVE), "resolution"),
    (lambda: res.choose(res.CUSTOM, NATIVE, custom=(0, 1)), "resolution.x"),
    (lambda: res.resampled_workflow({"type": "Vector", "operator": {}}, res.choose(res.CUSTOM, NATIVE,
                                                                                   custom=(0.3, 0.3))), "resolution"),
    (lambda: res.canvas_pixel_size((0, 0, 1, 1), 0, 10), "resolution"),
])
def test_bad_input_names_the_field(call, field):
    with pytest.raises(InputError) as caught:
        call()
    assert caught.value.field == field
