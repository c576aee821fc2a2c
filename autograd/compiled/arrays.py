"""The scalar rules in array form, and the thresholds of the batch replay's decisions.

:func:`arrays` turns an op's scalar rule (``a if t else b``, ``max(a, 0.0)``) into its NumPy form
(``where(t, a, b)``, ``maximum``); :func:`_array_functions` is the namespace the generated code runs
in, each function with the scalar one's special values. :func:`_kinks` and :func:`_margins` find the
decisions inside a rule or a guard, which a row must be clear of (by :data:`MARGIN`) to run over
columns. Pure functions: :mod:`autograd.compiled.columns` writes the code, :mod:`autograd.compiled.batch`
runs it (and says why).
"""

from __future__ import annotations

import ast
import itertools
import math
from typing import Any

try:
    import numpy as np
except ImportError:  # the optional extra: nothing here is called without it
    np = None  # type: ignore[assignment]

from autograd.compiled.packing import Unsupported

#: A decision on a computed number holds over columns only where the number is clear of the threshold
#: by this much (relative to the size of the terms before it, and absolute): the arrays compute it with
#: sums in another order than the scalar replay, so a row within rounding of the threshold is replayed
#: row by row, as eager decides. A sum of n terms in another order is off by at most about
#: n * 1.1e-16 of the sum of their sizes: far below 1e-9 for any layer of fewer than a million inputs.
MARGIN, MARGIN_ABSOLUTE = 1e-9, 1e-12


#: Ops whose NumPy form rounds exactly as the scalar replay does (IEEE-754 basic operations): the
#: others (exp, tanh, ...) may differ in the last bit, relative to their result's size.
_ROUNDED_AS_PYTHON = frozenset(
    {"+", "-", "*", "/", "neg", "abs", "sqrt", "relu", "leaky_relu", "mul_add", "maximum", "minimum", "clamp",
     "step", "sign", "==", ">", ">=", "select"}
)  # fmt: skip

_KINK_FUNCTIONS = {"step": 1, "sign": 1, "abs": 1, "max": 2, "maximum": 2, "minimum": 2, "clamp": 3}


#: Sums whose inputs or results reach this size are left to the row-by-row replay.
HUGE = 1e250


def _sigmoid(x: Any) -> Any:
    e = np.exp(-np.abs(x))  # e^t only for t <= 0, as numerics.sigmoid
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def _softplus(x: Any) -> Any:
    return np.where(np.isnan(x), x, np.maximum(x, 0.0) + np.log1p(np.exp(-np.abs(x))))


def _nan_unless(x: Any, fine: Any, y: Any) -> Any:
    return np.where(fine, y, np.nan)


def _clear(x: Any, y: Any, size: Any) -> Any:
    """Where ``x`` vs ``y`` is decided beyond rounding: ``|x - y| > MARGIN (|x| + |y| + size)``, or
    one of them is infinite (no rounding moves a finite number onto an infinity)."""
    return (np.abs(x - y) > MARGIN * (np.abs(x) + np.abs(y) + size)) | np.isinf(x) | np.isinf(y)


def _clear_of_zero(x: Any, size: Any) -> Any:
    """``_clear(x, 0, size)`` in fewer operations: ``|x| > MARGIN (|x| + size)``."""
    return np.abs(x) > (MARGIN / (1 - MARGIN)) * size


def _each_row(test: Any) -> Any:
    """A test over several columns holds on a row when it holds in each of them."""
    return test.all(axis=1) if np.ndim(test) == 2 else test


def _array_functions() -> dict[str, Any]:
    """The scalar rules' functions over arrays, each with the scalar function's special values."""
    finite = np.isfinite
    return {
        "exp": np.exp, "log": np.log, "sqrt": np.sqrt, "tanh": np.tanh, "sigmoid": _sigmoid,
        "softplus": _softplus, "divide": np.divide, "power": np.power, "abs": np.abs,
        "sin": lambda x: _nan_unless(x, finite(x), np.sin(x)),
        "cos": lambda x: _nan_unless(x, finite(x), np.cos(x)),
        "tan": lambda x: _nan_unless(x, finite(x), np.tan(x)),
        "sinh": np.sinh, "cosh": np.cosh, "asin": np.arcsin, "acos": np.arccos, "atan": np.arctan,
        "asinh": np.arcsinh, "acosh": np.arccosh, "atanh": np.arctanh, "log1p": np.log1p,
        "expm1": np.expm1, "log2": np.log2, "log10": np.log10,
        "erf": np.vectorize(math.erf, otypes=[float]),
        "step": lambda x: np.where(x > 0, 1.0, 0.0),
        "sign": lambda x: np.where(x > 0, 1.0, np.where(x < 0, -1.0, 0.0)),
        "max": np.maximum, "maximum": np.maximum, "minimum": np.minimum,
        "clamp": lambda x, lo, hi: np.minimum(np.maximum(x, lo), hi),
        "where": np.where, "logical_and": np.logical_and, "logical_or": np.logical_or,
        "logical_not": np.logical_not, "inf": np.inf, "nan": np.nan, "zeros_like": np.zeros_like,
        "full": np.full, "zeros": np.zeros, "outer": np.outer, "add_at": np.add.at, "stack": np.stack,
        "array": np.array, "ones": np.ones, "broadcast_to": np.broadcast_to,
        "each_row": _each_row, "clear": _clear, "clear_of_zero": _clear_of_zero,
    }  # fmt: skip


_FUNCTIONS = frozenset(
    {"exp", "log", "sqrt", "tanh", "sigmoid", "softplus", "divide", "power", "abs", "sin", "cos", "tan",
     "sinh", "cosh", "asin", "acos", "atan", "asinh", "acosh", "atanh", "log1p", "expm1", "log2", "log10",
     "erf", "step", "sign", "max", "maximum", "minimum", "clamp"}
)  # fmt: skip


class _ToArrays(ast.NodeTransformer):
    """A scalar expression as its array form; :class:`Unsupported` for anything else."""

    def __init__(self, guard: bool) -> None:
        extra = {"clear", "clear_of_zero"}
        self.functions, self.guard = ({"abs"} | extra if guard else _FUNCTIONS | extra), guard

    def visit_IfExp(self, node: ast.IfExp) -> ast.AST:
        return _call("where", [self.visit(node.test), self.visit(node.body), self.visit(node.orelse)])

    def visit_BoolOp(self, node: ast.BoolOp) -> ast.AST:
        name = "logical_and" if isinstance(node.op, ast.And) else "logical_or"
        values = [self.visit(v) for v in node.values]
        result = values[0]
        for value in values[1:]:
            result = _call(name, [result, value])
        return result  # type: ignore[no-any-return]

    def visit_UnaryOp(self, node: ast.UnaryOp) -> ast.AST:
        operand = self.visit(node.operand)
        if isinstance(node.op, ast.Not):
            return _call("logical_not", [operand])
        return ast.UnaryOp(node.op, operand)

    def visit_Compare(self, node: ast.Compare) -> ast.AST:
        if any(isinstance(op, (ast.Is, ast.IsNot, ast.In, ast.NotIn)) for op in node.ops):
            raise Unsupported("identity or membership test")
        operands = [self.visit(node.left), *[self.visit(c) for c in node.comparators]]
        pairs = [ast.Compare(a, [op], [b]) for a, op, b in zip(operands, node.ops, operands[1:])]
        result: ast.expr = pairs[0]
        for pair in pairs[1:]:
            result = _call("logical_and", [result, pair])
        return result

    def visit_BinOp(self, node: ast.BinOp) -> ast.AST:
        allowed = (ast.Add, ast.Sub, ast.Mult) if self.guard else (ast.Add, ast.Sub, ast.Mult, ast.MatMult)
        if not isinstance(node.op, allowed):
            raise Unsupported("an operator that could raise in Python")  # 1/0 raises there, not here
        return ast.BinOp(self.visit(node.left), node.op, self.visit(node.right))

    def visit_Call(self, node: ast.Call) -> ast.AST:
        if not isinstance(node.func, ast.Name) or node.func.id not in self.functions or node.keywords:
            raise Unsupported(ast.unparse(node.func))
        return _call(node.func.id, [self.visit(a) for a in node.args])

    def visit_Lambda(self, node: ast.Lambda) -> ast.AST:
        raise Unsupported("lambda")


def _call(name: str, args: list[ast.expr]) -> ast.Call:
    return ast.Call(ast.Name(name, ast.Load()), args, [])


def arrays(expression: str, guard: bool = False) -> str:
    """A scalar expression in its array form (``guard``: only what cannot raise in Python)."""
    tree = ast.parse(expression.strip(), mode="eval")
    return ast.unparse(ast.fix_missing_locations(_ToArrays(guard).visit(tree)))


def _kinks(expression: str) -> list[tuple[str, str]]:
    """The decisions inside an op's rule, as pairs ``(x, y)`` it compares: ``a > 0`` in an ``if``,
    ``step(a)`` (a vs 0), ``max(a, b)``, ``clamp(a, lo, hi)`` (a vs lo, a vs hi)."""
    found = []
    for node in ast.walk(ast.parse(expression.strip(), mode="eval")):
        if isinstance(node, ast.Compare):
            operands = [node.left, *node.comparators]
            found += [(ast.unparse(a), ast.unparse(b)) for a, b in itertools.pairwise(operands)]
        elif (
            isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in _KINK_FUNCTIONS
        ):
            args = [ast.unparse(a) for a in node.args]
            if _KINK_FUNCTIONS[node.func.id] == 1:
                found.append((args[0], "0.0"))
            else:
                found += [(args[0], other) for other in args[1:]]
    return [(x, y) for x, y in found if not {x, y} & {"inf", "-inf", "(-inf)", "nan"}]


def _reads(expression: str) -> set[str]:
    return {n.id for n in ast.walk(ast.parse(expression, mode="eval")) if isinstance(n, ast.Name)}


def _substitute(expression: str, names: dict[str, str]) -> str:
    """``expression`` with each name replaced by its source (parsed, not text-replaced)."""

    class Replace(ast.NodeTransformer):
        def visit_Name(self, node: ast.Name) -> ast.AST:
            return ast.parse(names[node.id], mode="eval").body if node.id in names else node

    return ast.unparse(Replace().visit(ast.parse(expression, mode="eval")))


def _margins(fails: str, size: str = "scale") -> list[str]:
    """For each comparison ``a < b`` in a guard: ``|a - b| > MARGIN (|a| + |b| + scale)``, ``scale``
    the size of the terms of the matrix products before it (at least ``MARGIN_ABSOLUTE / MARGIN``)."""
    found = []
    for node in ast.walk(ast.parse(fails.strip(), mode="eval")):
        if isinstance(node, ast.Compare):
            operands = [node.left, *node.comparators]
            for a, b in itertools.pairwise(operands):
                x, y = ast.unparse(a), ast.unparse(b)
                if {x, y} & {"inf", "-inf", "(-inf)", "nan"}:
                    continue  # against an infinity: only an infinite number is near it
                found.append(f"clear({x}, {y}, {size})")
    return found
