"""The Expression operator and its safe parser (no HTTP)."""

from __future__ import annotations

import numpy as np
import pytest
from geoengine_server.engine import EngineError
from geoengine_server.engine.expression_eval import evaluate
from geoengine_server.engine.expression_parser import parse
from geoengine_server.engine.types import Window
from hypothesis import given, settings
from hypothesis import strategies as st
from server.engine_helpers import NDVI, build, catalog, instant, ndvi_file

A = np.array([[50.0, 150.0, np.nan], [0.0, 255.0, 101.0]])


def run(text: str, a: np.ndarray = A, bands: int = 1) -> np.ndarray:
    return evaluate(parse(text, bands), {0: a}, a.shape)


def expression_workflow(expression: str, output_type: str = "U8", map_no_data: bool = False) -> dict:
    return {"type": "Raster", "operator": {
        "type": "Expression",
        "params": {"expression": expression, "outputType": output_type, "mapNoData": map_no_data,
                   "outputBand": {"name": "out", "measurement": {"type": "unitless"}}},
        "sources": {"raster": NDVI["operator"]}}}


def test_layer_definition_expression_on_ndvi():
    layer = catalog().layers["c078db52-2dc6-4838-ad75-340cefeab476"]
    op = build(layer["workflow"])
    assert [b.name for b in op.descriptor.bands] == ["ndvi", "ndvi_masked"]
    (t,) = op.time_slices(instant("2014-04-01T12:00:00Z"))
    window = Window(1500, 600, 200, 150)
    tiff = ndvi_file("04")[600:750, 1500:1700]
    masked = op.read(1, t, window)
    assert np.array_equal(np.ma.getmaskarray(masked), tiff == 0)
    expected = np.where(tiff > 100, tiff, 0)
    assert np.array_equal(masked.filled(0), np.where(tiff == 0, 0, expected))


def test_arithmetic_and_precedence():
    assert run("1 + 2 * 3")[0, 0] == 7
    assert run("(1 + 2) * 3")[0, 0] == 9
    assert run("-2 * -3 - 1")[0, 0] == 5
    assert run("10 / 4 / 5")[0, 0] == 0.5
    assert run("2 - 3 - 4")[0, 0] == -5
    assert run("A * 2 + 1")[0, :2].tolist() == [101.0, 301.0]


def test_booleans_functions_and_let():
    assert run("if 1 < 2 && !(3 > 4) || 0 == 1 { 1 } else { 0 }")[0, 0] == 1
    assert run("sqrt(16) + abs(-2) + min(3, 4) + max(3, 4) + pow(2, 3)")[0, 0] == 4 + 2 + 3 + 4 + 8
    assert run("round(2.5) + round(-2.5) + floor(1.7) + ceil(1.2)")[0, 0] == 3 - 3 + 1 + 2
    assert run("log(exp(2))")[0, 0] == pytest.approx(2.0)
    assert run("min(5, 2, 9) + max(5, 2, 9)")[0, 0] == 11
    assert run("mod(7, 3) + mod(-7, 3)")[0, 0] == 0  # remainder keeps the dividend's sign (Rust %)
    assert run("let x = A * 2; let y = x + 1; y")[1, 0] == 1.0


def test_nested_if_else_and_else_if():
    got = run("if A < 60 { 1 } else if A < 200 { if A > 120 { 2 } else { 3 } } else { 4 }")
    assert got[0, 0] == 1 and got[0, 1] == 2 and got[1, 2] == 3 and got[1, 1] == 4


def test_nodata_and_division_by_zero_are_masked():
    op = build(expression_workflow("A / (A - A)", "F32"))
    (t,) = op.time_slices(instant("2014-04-01T00:00:00Z"))
    assert op.read(0, t, Window(1600, 700, 10, 10)).mask.all()
    op = build(expression_workflow("if A > 150 { NODATA } else { A }"))
    got = op.read(0, t, Window(1600, 700, 100, 100))
    tiff = ndvi_file("04")[700:800, 1600:1700]
    assert np.array_equal(np.ma.getmaskarray(got), (tiff > 150) | (tiff == 0))


def test_map_no_data_lets_the_formula_see_no_data():
    (t,) = build(NDVI).time_slices(instant("2014-04-01T00:00:00Z"))
    window = Window(2260, 90, 60, 20)  # holds some no-data (0) pixels
    tiff = ndvi_file("04")[90:110, 2260:2320]
    assert (tiff == 0).any() and (tiff != 0).any()
    on = build(expression_workflow("if A IS NODATA { 7 } else { 1 }", "U8", True)).read(0, t, window)
    assert np.array_equal(on.filled(0), np.where(tiff == 0, 7, 1))
    off = build(expression_workflow("if A IS NODATA { 7 } else { 1 }", "U8", False)).read(0, t, window)
    assert np.array_equal(np.ma.getmaskarray(off), tiff == 0)


def test_output_type_clips():
    op = build(expression_workflow("A * 100 - 300", "I8"))
    (t,) = op.time_slices(instant("2014-04-01T00:00:00Z"))
    got = op.read(0, t, Window(1600, 700, 50, 50))
    tiff = ndvi_file("04")[700:750, 1600:1650].astype(float)
    assert got.dtype == np.int8
    assert np.array_equal(got.filled(0), np.where(tiff == 0, 0, np.clip(tiff * 100 - 300, -128, 127)))


@pytest.mark.parametrize("text, position, words", [
    ("1 +", 3, "expected a value"),
    ("(1 + 2", 6, "expected ')'"),
    ("if A > 1 { 2 }", 14, "else"),
    ("A && 1", 2, "boolean"),
    ("if A { 1 } else { 2 }", 3, "boolean"),
    ("foo(1)", 0, "unknown function"),
    ("B + 1", 0, "band"),
    ("1 $ 2", 2, "unexpected character"),
    ("sqrt(1, 2)", 0, "argument"),
    ("1 2", 2, "unexpected"),
    ("", 0, "empty"),
])
def test_syntax_errors_name_the_position(text, position, words):
    with pytest.raises(EngineError) as err:
        parse(text, 1)
    assert err.value.error == "InvalidExpression"
    assert f"position {position}" in err.value.message and words in err.value.message


@pytest.mark.parametrize("text, position, words", [
    ("__import__('os')", 11, "unexpected character"), ('__import__("os").system("true")', 11, "unexpected character"),
    ("A.__class__", 1, "unexpected character '.'"), ("open(1)", 0, "unknown function 'open'"),
    ("exec(1)", 0, "unknown function 'exec'"), ("lambda: 1", 6, "unexpected character ':'"),
    ("[1]", 0, "unexpected character '['"), ("A; 1", 1, "unexpected ';'"),
])
def test_code_injection_is_rejected(text, position, words):
    with pytest.raises(EngineError) as err:
        parse(text, 1)
    assert err.value.error == "InvalidExpression"
    assert f"position {position}" in err.value.message and words in err.value.message


def test_errors_surface_through_initialize():
    with pytest.raises(EngineError) as err:
        build(expression_workflow("A +* 2"))
    assert err.value.error == "InvalidExpression" and "position 3" in err.value.message
    with pytest.raises(EngineError) as err:
        build(expression_workflow("A", "U7"))
    assert "outputType" in err.value.message


# --- property test: random arithmetic trees against a direct numpy computation -----------------

def _tree(depth: int):
    leaf = st.one_of(
        st.integers(0, 50).map(lambda v: (str(v), lambda a, v=v: np.full_like(a, float(v)))),
        st.just(("A", lambda a: a)),
    )
    if depth == 0:
        return leaf
    sub = _tree(depth - 1)
    binary = st.tuples(st.sampled_from(["+", "-", "*", "/"]), sub, sub).map(_combine)
    neg = sub.map(lambda t: (f"-({t[0]})", lambda a, f=t[1]: -f(a)))
    return st.one_of(leaf, binary, neg)


def _combine(parts):
    op, (lt, lf), (rt, rf) = parts
    fns = {"+": np.add, "-": np.subtract, "*": np.multiply, "/": np.divide}
    return f"({lt}) {op} ({rt})", lambda a, f=fns[op]: f(lf(a), rf(a))


@settings(max_examples=150, deadline=None)
@given(_tree(3), st.lists(st.floats(-100, 100, allow_nan=False), min_size=1, max_size=6))
def test_random_arithmetic_matches_numpy(tree, values):
    text, reference = tree
    a = np.array([values], dtype=np.float64)
    with np.errstate(all="ignore"):
        expected = reference(a)
    got = evaluate(parse(text, 1), {0: a}, a.shape)
    assert np.allclose(got, expected, equal_nan=True, rtol=1e-12, atol=0)
