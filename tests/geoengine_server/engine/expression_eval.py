"""Evaluating a parsed expression on numpy arrays (float64; NaN stands for no-data)."""

from __future__ import annotations

import numpy as np

from .expression_parser import Node, Program

_UNARY = {
    "sqrt": np.sqrt, "abs": np.abs, "log": np.log, "ln": np.log, "log10": np.log10, "exp": np.exp,
    "floor": np.floor, "ceil": np.ceil, "sin": np.sin, "cos": np.cos, "tan": np.tan, "asin": np.arcsin,
    "acos": np.arccos, "atan": np.arctan, "to_degrees": np.degrees, "to_radians": np.radians,
}
_BINARY = {"min": np.minimum, "max": np.maximum, "pow": np.power, "mod": np.fmod}
_CMP = {"<": np.less, "<=": np.less_equal, ">": np.greater, ">=": np.greater_equal, "==": np.equal, "!=": np.not_equal}
_ARITH = {"+": np.add, "-": np.subtract, "*": np.multiply, "/": np.divide}


def evaluate(program: Program, bands: dict[int, np.ndarray], shape: tuple[int, ...]) -> np.ndarray:
    """The program's float64 result; ``bands`` maps band index -> float64 array (NaN = no-data)."""
    env: dict[str, np.ndarray] = {}
    with np.errstate(all="ignore"):
        for name, node in program.lets:
            env[name] = _eval(node, bands, env, shape)
        return np.broadcast_to(_eval(program.body, bands, env, shape), shape).astype(np.float64)


# round() is f64::round (half away from zero): geo-engine/geoengine@5748ef7:geoengine/expression/src/functions.rs
def _round_half_away(x):
    return np.sign(x) * np.floor(np.abs(x) + 0.5)


def _eval(node: Node, bands, env, shape):
    op = node.op
    if op == "num":
        return np.float64(node.value)
    if op == "nodata":
        return np.float64(np.nan)
    if op == "band":
        return bands[node.value]
    if op == "var":
        return env[node.value]
    args = [_eval(a, bands, env, shape) for a in node.args]
    if op == "neg":
        return np.negative(args[0])
    if op == "not":
        return np.logical_not(args[0])
    if op == "bin":
        return _ARITH[node.value](args[0], args[1])
    if op == "cmp":
        return _CMP[node.value](args[0], args[1])
    if op == "and":
        return np.logical_and(args[0], args[1])
    if op == "or":
        return np.logical_or(args[0], args[1])
    if op == "isnodata":
        return np.isnan(args[0])
    if op == "if":
        return np.where(args[0], args[1], args[2])
    if op == "call":
        name = node.value
        if name == "pi":
            return np.float64(np.pi)
        if name == "e":
            return np.float64(np.e)
        if name == "round":
            return _round_half_away(args[0])
        if name in _UNARY:
            return _UNARY[name](args[0])
        result = _BINARY[name](args[0], args[1])
        return _BINARY[name](result, args[2]) if len(args) == 3 else result
    raise AssertionError(f"unknown node {op}")
