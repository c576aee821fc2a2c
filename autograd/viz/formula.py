"""An op's rule written as math, with names or numbers in place of its inputs.

The op table writes rules as Python (``b * a ** (b - 1)``, guards such as ``0.0 if a == 0 and
b == 0 else ...`` included). For a learner the step-through writes the same rule as math:

* ``*`` is ``·``, ``**`` is ``^``, ``log`` is ``ln``, ``x * x`` is ``x²``;
* a choice ``p if test else q`` shows only the branch that holds at these numbers (the guard for
  ``0 ** 0`` never appears unless the numbers are 0 and 0), and says why when it is the special one;
* constant inputs are folded in: ``d(k ** 2)/dk`` is ``2 · k``, not ``2 · k^(2 - 1)``.

>>> rule = Formula("0.0 if a == 0 and b == 0 else b * a ** (b - 1)", {"a": 9.0, "b": 2.0}, {"b"})
>>> rule.text({"a": "k"}), rule.text({"a": "9"})
('2 · k', '2 · 9')
>>> Formula("1 - out * out", {"a": 0.5, "out": 0.46}).text({"a": "a"}, out=Formula("tanh(a)", {}))
'1 - tanh(a)²'
"""

from __future__ import annotations

import ast
import math
import re
from collections.abc import Mapping

from autograd.ops import FLOAT_FUNCTIONS
from autograd.rules import ieee_form, parse
from autograd.viz.graph import format_number

DIGITS = 6  # significant digits of numbers in formulas

_FUNCTION_NAMES = {"log": "ln"}
_NEGATE: dict[type[ast.cmpop], type[ast.cmpop]] = {
    ast.Gt: ast.LtE,
    ast.Lt: ast.GtE,
    ast.GtE: ast.Lt,
    ast.LtE: ast.Gt,
}
_COMPARE = {ast.Eq: "=", ast.NotEq: "≠", ast.Gt: ">", ast.Lt: "<", ast.GtE: "≥", ast.LtE: "≤"}
_BINARY = {ast.Add: ("+", 1), ast.Sub: ("-", 1), ast.Mult: ("·", 2), ast.Div: ("/", 2), ast.Pow: ("^", 4)}
_ATOM = re.compile(r"[^\W\d][\w.]*(\[\d+\])*")  # x, w1.2, L0.N1.w0, weights[0]
ATOM, UNARY, LOOSE = 5, 3, 0  # precedence of a name or number, of -x, of any other text


def number_text(x: float) -> str:
    """A number as shown in formulas: ``2``, ``0.5``, ``-1``, ``inf``."""
    return format_number(x, DIGITS)


def _evaluate(tree: ast.expr, numbers: Mapping[str, float]) -> object:
    """``tree`` evaluated on floats with the engine's IEEE-754 rules (``/`` and ``**`` never raise)."""
    source = ieee_form(ast.unparse(tree))
    return eval(compile(source, "<rule>", "eval"), dict(FLOAT_FUNCTIONS), dict(numbers))


class _Resolve(ast.NodeTransformer):
    """Replaces each ``p if test else q`` by the branch that holds at ``numbers``; remembers the
    test when the first branch (the special case) is taken."""

    def __init__(self, numbers: Mapping[str, float]) -> None:
        self.numbers = numbers
        self.conditions: list[ast.expr] = []

    def visit_IfExp(self, node: ast.IfExp) -> ast.AST:
        try:
            holds = bool(_evaluate(node.test, self.numbers))
        except Exception:  # a rule that cannot be evaluated here is shown whole
            return self.generic_visit(node)
        if holds:
            self.conditions.append(node.test)
        elif (negated := _negation(node.test)) is not None:
            self.conditions.append(negated)  # the other side of a threshold: relu's a ≤ 0
        branch: ast.AST = self.visit(node.body if holds else node.orelse)
        return branch


def _negation(test: ast.expr) -> ast.expr | None:
    """``a ≤ 0`` for ``a > 0``, ``not (b ≤ a ≤ c)``: the negation of a comparison, else ``None``
    (a compound guard, such as the one for ``0 ** 0``, is not worth a word in the common case)."""
    if not isinstance(test, ast.Compare):
        return None
    if len(test.ops) == 1 and type(test.ops[0]) in _NEGATE:
        return ast.Compare(test.left, [_NEGATE[type(test.ops[0])]()], test.comparators)
    return ast.UnaryOp(ast.Not(), test)  # not (b ≤ a ≤ c)


class _Fold(ast.NodeTransformer):
    """Computes what involves only numbers (``2 - 1`` is ``1``) and drops ``^1``, ``1 ·`` and ``· 1``."""

    def __init__(self, constants: Mapping[str, float]) -> None:
        self.constants = constants

    def visit_Name(self, node: ast.Name) -> ast.AST:
        value = self.constants.get(node.id)
        return node if value is None else ast.Constant(value)

    def visit_BinOp(self, node: ast.BinOp) -> ast.AST:
        self.generic_visit(node)
        left, right = node.left, node.right
        if _is_number(left) and _is_number(right) and type(node.op) in _BINARY:
            value = _evaluate(node, {})
            if isinstance(value, float) and math.isfinite(value) and float(value).is_integer():
                return ast.Constant(value)  # only exact small results: 2 - 1, not 1 / 3
        if isinstance(node.op, ast.Pow) and _is_number(right, 1.0):
            return left
        if isinstance(node.op, ast.Mult) and _is_number(left, 1.0):
            return right
        if isinstance(node.op, (ast.Mult, ast.Div)) and _is_number(right, 1.0):
            return left
        return node


def _is_number(node: ast.expr, value: float | None = None) -> bool:
    if not isinstance(node, ast.Constant) or isinstance(node.value, bool):
        return False
    return isinstance(node.value, (int, float)) and (value is None or node.value == value)


class Formula:
    """A rule resolved at one point: branches chosen, constant inputs folded in; written out
    with any text for each input by :meth:`text`."""

    def __init__(
        self, rule: str, numbers: Mapping[str, float], constants: frozenset[str] | set[str] = frozenset()
    ) -> None:
        resolve = _Resolve(numbers)
        tree = resolve.visit(parse(rule).body)
        self.tree: ast.expr = _Fold({name: numbers[name] for name in constants}).visit(tree)
        self.conditions = resolve.conditions
        self.numbers = numbers

    def text(self, names: Mapping[str, str], out: Formula | None = None) -> str:
        """The rule as math, each input written as ``names[input]``; with ``out`` (the forward
        rule), ``out`` is written as that rule: ``1 - tanh(a)²`` rather than ``1 - out²``."""
        return _Render(names, out.tree if out else None).text(self.tree)

    def why(self, names: Mapping[str, str]) -> str:
        """The special case that chose the branch (``"a > 0"``, ``"0 = 0 and 0 = 0"``), or ``""``."""
        return " and ".join(_Render(names).text(test) for test in self.conditions)


class _Render:
    """Writes an expression tree as math text: ``b · a^(b - 1)``."""

    def __init__(self, names: Mapping[str, str], out: ast.expr | None = None) -> None:
        self.names = names
        self.out = out

    def text(self, node: ast.expr) -> str:
        return self.visit(node)[0]

    def visit(self, node: ast.expr) -> tuple[str, int]:
        """The text of ``node`` and its precedence (``ATOM`` binds tightest)."""
        if isinstance(node, ast.Name) and node.id == "out" and self.out is not None:
            return self.visit(self.out)
        if isinstance(node, ast.Name):
            return _leaf(self.names.get(node.id, node.id))
        if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
            return _leaf(number_text(float(node.value)))
        if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
            return self.binary(node)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            operand, precedence = self.visit(node.operand)
            sign = "-" if isinstance(node.op, ast.USub) else "+"
            bare = precedence >= UNARY and not operand.startswith(("-", "+"))
            return sign + (operand if bare else f"({operand})"), UNARY
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            operand, precedence = self.visit(node.operand)
            return "not " + (operand if precedence > LOOSE else f"({operand})"), LOOSE
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "abs":
            return f"|{self.text(node.args[0])}|", ATOM
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            name = _FUNCTION_NAMES.get(node.func.id, node.func.id)
            return f"{name}({', '.join(self.text(arg) for arg in node.args)})", ATOM
        if isinstance(node, ast.Compare):
            parts = [self.visit(node.left)[0]]
            for op, right in zip(node.ops, node.comparators):
                parts += [_COMPARE.get(type(op), "?"), self.visit(right)[0]]
            return " ".join(parts), LOOSE
        if isinstance(node, ast.BoolOp):
            word = " and " if isinstance(node.op, ast.And) else " or "
            return word.join(self.visit(value)[0] for value in node.values), LOOSE
        if isinstance(node, ast.IfExp):
            body, test, orelse = (self.text(part) for part in (node.body, node.test, node.orelse))
            return f"{body} if {test} else {orelse}", LOOSE
        return ast.unparse(node), LOOSE

    def binary(self, node: ast.BinOp) -> tuple[str, int]:
        symbol, precedence = _BINARY[type(node.op)]
        if isinstance(node.op, ast.Mult) and self.same(node.left, node.right):
            base, base_precedence = self.visit(node.left)
            return (base if base_precedence == ATOM else f"({base})") + "²", UNARY + 1
        left, left_precedence = self.visit(node.left)
        right, right_precedence = self.visit(node.right)
        if isinstance(node.op, ast.Pow):  # right-associative, binds tightest
            left = left if left_precedence == ATOM else f"({left})"
            right = right if right_precedence == ATOM else f"({right})"
            return f"{left}^{right}", precedence
        if left_precedence < precedence:
            left = f"({left})"
        if (
            right_precedence < precedence
            or right_precedence == UNARY  # x · (-2), x - (-y)
            or (right_precedence == precedence and isinstance(node.op, (ast.Sub, ast.Div)))
        ):
            right = f"({right})"
        return f"{left} {symbol} {right}", precedence

    def same(self, left: ast.expr, right: ast.expr) -> bool:
        """``left`` and ``right`` are the same name or call (so ``x · x`` is written ``x²``)."""
        if not all(isinstance(side, (ast.Name, ast.Call)) for side in (left, right)):
            return False
        if isinstance(left, ast.Name) and left.id == "out" and self.out is not None:
            left = self.out
        if isinstance(right, ast.Name) and right.id == "out" and self.out is not None:
            right = self.out
        return ast.dump(left) == ast.dump(right)


def term(text: str) -> str:
    """Text as a term in a formula: parenthesized unless it is a plain name or a number ≥ 0."""
    return text if _leaf(text)[1] == ATOM else f"({text})"


def _leaf(text: str) -> tuple[str, int]:
    """A substituted name or number: an atom, a negative number (like ``-x``), or loose text
    (a label such as ``xy + 3``, which gets parentheses as an operand)."""
    if _ATOM.fullmatch(text) or re.fullmatch(r"\d[\w.+]*", text) or text in ("inf", "nan"):
        return text, ATOM
    if re.fullmatch(r"-\d[\w.+-]*|-inf", text):
        return text, UNARY
    return text, LOOSE
