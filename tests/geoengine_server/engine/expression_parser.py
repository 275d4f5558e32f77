"""A small, safe parser for Geo Engine's raster expression language (no eval/exec).

Grammar (lowest precedence first)::

    program  := ("let" NAME "=" expr ";")* expr
    expr     := and ("||" and)*
    and      := compare ("&&" compare)*
    compare  := sum [("<" | "<=" | ">" | ">=" | "==" | "!=") sum] | sum "IS" "NODATA"
    sum      := product (("+" | "-") product)*
    product  := unary (("*" | "/") unary)*
    unary    := ("-" | "!") unary | primary
    primary  := NUMBER | BAND (A, B, ...) | NODATA | NAME | NAME "(" args ")" | "(" expr ")"
              | "if" expr "{" expr "}" "else" ("{" expr "}" | if-expression)

Every node has a static type, ``num`` or ``bool``: conditions must be boolean, arithmetic and
results numeric. Errors name the position (0-based character offset) of the problem.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

from .types import EngineError

FUNCTIONS = {  # name -> arity (min and max also take three arguments)
    "sqrt": 1, "abs": 1, "min": 2, "max": 2, "pow": 2, "log": 1, "ln": 1, "log10": 1, "exp": 1,
    "round": 1, "floor": 1, "ceil": 1, "sin": 1, "cos": 1, "tan": 1, "asin": 1, "acos": 1, "atan": 1,
    "mod": 2, "to_degrees": 1, "to_radians": 1, "pi": 0, "e": 0,
}
KEYWORDS = {"if", "else", "let", "NODATA", "IS"}
_TOKEN = re.compile(
    r"\s*(?:(?P<num>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)|(?P<name>[A-Za-z_][A-Za-z0-9_]*)"
    r"|(?P<op><=|>=|==|!=|&&|\|\||[-+*/<>!(){},;=]))"
)


def expression_error(message: str, position: int) -> EngineError:
    return EngineError("InvalidExpression", f"Invalid expression at position {position}: {message}")


@dataclass(frozen=True)
class Token:
    kind: str  # num | name | op | end
    text: str
    pos: int


def tokenize(text: str) -> list[Token]:
    tokens, pos = [], 0
    while True:
        while pos < len(text) and text[pos].isspace():
            pos += 1
        if pos >= len(text):
            tokens.append(Token("end", "", pos))
            return tokens
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise expression_error(f"unexpected character {text[pos]!r}", pos)
        kind = m.lastgroup
        tokens.append(Token(kind, m.group(kind), m.start(kind)))
        pos = m.end()


@dataclass(frozen=True)
class Node:
    op: str  # num | band | nodata | var | neg | not | bin | cmp | and | or | call | if | isnodata
    type: str  # num | bool
    args: tuple = ()
    value: object = None


@dataclass(frozen=True)
class Program:
    lets: tuple[tuple[str, Node], ...]
    body: Node
    bands: frozenset[int]  # band indices referenced


class _Parser:
    def __init__(self, text: str, band_count: int):
        self.tokens = tokenize(text)
        self.i = 0
        self.band_count = band_count
        self.scope: dict[str, str] = {}
        self.bands: set[int] = set()

    @property
    def tok(self) -> Token:
        return self.tokens[self.i]

    def take(self, text: str | None = None) -> Token:
        tok = self.tok
        if text is not None and tok.text != text:
            found = "the end of the expression" if tok.kind == "end" else repr(tok.text)
            raise expression_error(f"expected {text!r}, found {found}", tok.pos)
        self.i += 1
        return tok

    def accept(self, text: str) -> bool:
        if self.tok.text == text and self.tok.kind in ("op", "name"):
            self.i += 1
            return True
        return False

    def want(self, node: Node, type_: str, pos: int) -> Node:
        if node.type != type_:
            what = "a number" if type_ == "num" else "a boolean condition"
            raise expression_error(f"expected {what}", pos)
        return node

    def program(self) -> Program:
        lets = []
        while self.tok.text == "let":
            self.take()
            name_tok = self.take()
            text = name_tok.text
            if name_tok.kind != "name" or text in KEYWORDS or text in FUNCTIONS or _is_band(text):
                raise expression_error(f"invalid variable name {name_tok.text!r}", name_tok.pos)
            self.take("=")
            pos = self.tok.pos
            value = self.want(self.expr(), "num", pos)
            self.take(";")
            self.scope[name_tok.text] = "num"
            lets.append((name_tok.text, value))
        pos = self.tok.pos
        body = self.want(self.expr(), "num", pos)
        if self.tok.kind != "end":
            raise expression_error(f"unexpected {self.tok.text!r}", self.tok.pos)
        return Program(tuple(lets), body, frozenset(self.bands))

    def expr(self) -> Node:
        return self._logical("||", "or", self.conj)

    def conj(self) -> Node:
        return self._logical("&&", "and", self.compare)

    def _logical(self, symbol: str, op: str, operand: Callable[[], Node]) -> Node:
        """``operand (symbol operand)*``, left-associative, on boolean operands."""
        node = operand()
        while self.tok.text == symbol:
            pos = self.take().pos
            right = operand()
            node = Node(op, "bool", (self.want(node, "bool", pos), self.want(right, "bool", pos)))
        return node

    def compare(self) -> Node:
        start = self.tok.pos
        node = self.sum()
        if self.tok.text in ("<", "<=", ">", ">=", "==", "!="):
            op_tok = self.take()
            right_pos = self.tok.pos
            right = self.sum()
            self.want(node, "num", start)
            self.want(right, "num", right_pos)
            return Node("cmp", "bool", (node, right), op_tok.text)
        if self.tok.text == "IS":
            self.take()
            self.take("NODATA")
            return Node("isnodata", "bool", (self.want(node, "num", start),))
        return node

    def sum(self) -> Node:
        return self._arithmetic(("+", "-"), self.product)

    def product(self) -> Node:
        return self._arithmetic(("*", "/"), self.unary)

    def _arithmetic(self, operators: tuple[str, ...], operand: Callable[[], Node]) -> Node:
        """``operand (op operand)*`` for left-associative numeric ``operators``."""
        start = self.tok.pos
        node = operand()
        while self.tok.text in operators and self.tok.kind == "op":
            op = self.take().text
            pos = self.tok.pos
            right = operand()
            node = Node("bin", "num", (self.want(node, "num", start), self.want(right, "num", pos)), op)
        return node

    def unary(self) -> Node:
        if self.tok.text == "-" and self.tok.kind == "op":
            self.take()
            pos = self.tok.pos
            return Node("neg", "num", (self.want(self.unary(), "num", pos),))
        if self.tok.text == "!" and self.tok.kind == "op":
            self.take()
            pos = self.tok.pos
            return Node("not", "bool", (self.want(self.unary(), "bool", pos),))
        return self.primary()

    def primary(self) -> Node:
        tok = self.tok
        if tok.kind == "num":
            self.take()
            return Node("num", "num", value=float(tok.text))
        if tok.text == "(" and tok.kind == "op":
            self.take()
            node = self.expr()
            self.take(")")
            return node
        if tok.kind == "name":
            if tok.text == "if":
                return self.if_expr()
            if tok.text == "NODATA":
                self.take()
                return Node("nodata", "num")
            if tok.text in KEYWORDS:
                raise expression_error(f"unexpected keyword {tok.text!r}", tok.pos)
            self.take()
            if self.tok.text == "(" and self.tok.kind == "op":
                return self.call(tok)
            if _is_band(tok.text):
                index = ord(tok.text) - ord("A")
                if index >= self.band_count:
                    raise expression_error(
                        f"variable {tok.text} refers to band {index}, but the source has {self.band_count} band(s)",
                        tok.pos,
                    )
                self.bands.add(index)
                return Node("band", "num", value=index)
            if tok.text in self.scope:
                return Node("var", "num", value=tok.text)
            if tok.text in ("pi", "e"):
                return Node("call", "num", (), tok.text)
            raise expression_error(f"unknown variable {tok.text!r}", tok.pos)
        found = "the end of the expression" if tok.kind == "end" else repr(tok.text)
        raise expression_error(f"expected a value, found {found}", tok.pos)

    def call(self, name_tok: Token) -> Node:
        name = name_tok.text
        if name not in FUNCTIONS:
            raise expression_error(f"unknown function {name!r}", name_tok.pos)
        self.take("(")
        args = []
        if not (self.tok.text == ")" and self.tok.kind == "op"):
            while True:
                pos = self.tok.pos
                args.append(self.want(self.expr(), "num", pos))
                if not self.accept(","):
                    break
        self.take(")")
        if len(args) != FUNCTIONS[name] and not (name in ("min", "max") and len(args) == 3):
            message = f"function {name} takes {FUNCTIONS[name]} argument(s), got {len(args)}"
            raise expression_error(message, name_tok.pos)
        return Node("call", "num", tuple(args), name)

    def if_expr(self) -> Node:
        self.take("if")
        pos = self.tok.pos
        cond = self.want(self.expr(), "bool", pos)
        then = self.block()
        else_tok = self.tok
        if else_tok.text != "else":
            raise expression_error("expected 'else' (every if needs an else branch)", else_tok.pos)
        self.take()
        other = self.if_expr() if self.tok.text == "if" else self.block()
        return Node("if", "num", (cond, then, other))

    def block(self) -> Node:
        self.take("{")
        pos = self.tok.pos
        node = self.want(self.expr(), "num", pos)
        self.take("}")
        return node


def _is_band(name: str) -> bool:
    return len(name) == 1 and "A" <= name <= "Z"


# The expression language: geo-engine/geoengine@5748ef7:geoengine/expression/src/expression.pest,
# geo-engine/geoengine@5748ef7:geoengine/expression/src/parser.rs
def parse(text: str, band_count: int) -> Program:
    """Parse and type-check ``text`` for a source with ``band_count`` bands."""
    if not isinstance(text, str) or not text.strip():
        raise expression_error("the expression is empty", 0)
    return _Parser(text, band_count).program()
