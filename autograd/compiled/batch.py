"""Batch replay over columns: one trace's lines as NumPy array operations over many rows at once.

Every row of a batch that a trace covers runs the same lines (that is what its guards check), so
the lines can run once over arrays, one element per row, as ``jax.vmap`` does for a traced
function: ``v1 = w * x0 + b`` is the same source with ``x0`` a column. Rules become array forms
(``a if t else b`` is ``where(t, a, b)``, ``max(a, 0.0)`` is ``maximum``), IEEE-754 as the scalar
functions (``log(0) = -inf``, ``1/0 = inf``, no exception). A parameter's gradient is the sum of its
column. The sums run in NumPy's order, so results equal the per-row replay to rounding (1e-12
relative), not bit for bit.

Only what can be vectorized soundly is: a trace whose guards read only inputs (a static label, a
comparison of a number input) gets a row mask; a guard on a computed value, or one that could raise
(``/``, ``int``, ``round``, ...) in Python, keeps its rows on the per-row replay, as does every op
whose rule calls a function without an array form here. NumPy is optional (``pip install
"chainrule[fast]"``); without it the per-row replay runs.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Sequence
from typing import Any

try:
    import numpy as np
except ImportError:  # the optional extra: the per-row replay is used
    np = None  # type: ignore[assignment]

from autograd.compiled.codegen import Program

AVAILABLE = np is not None

#: Fewer rows than this are replayed row by row: an array operation costs about 1 us, a scalar line of
#: the per-row replay about 15 ns, so over ~100 rows the two are even (measured on the moons step);
#: the columns win on large batches.
MIN_ROWS = 256


def _sigmoid(x: Any) -> Any:
    e = np.exp(-np.abs(x))  # e^t only for t <= 0, as numerics.sigmoid
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def _softplus(x: Any) -> Any:
    return np.maximum(x, 0.0) + np.log1p(np.exp(-np.abs(x)))


def _array_functions() -> dict[str, Any]:
    return {
        "exp": np.exp, "log": np.log, "sqrt": np.sqrt, "sin": np.sin, "cos": np.cos, "tanh": np.tanh,
        "sigmoid": _sigmoid, "softplus": _softplus,
        "step": lambda x: np.where(x > 0, 1.0, 0.0),
        "sign": lambda x: np.where(x > 0, 1.0, np.where(x < 0, -1.0, 0.0)),
        "divide": np.divide, "power": np.power, "abs": np.abs, "max": np.maximum,
        "where": np.where, "logical_and": np.logical_and, "logical_or": np.logical_or,
        "logical_not": np.logical_not, "inf": np.inf, "nan": np.nan,
    }  # fmt: skip


class _Unsupported(Exception):
    pass


class _ToArrays(ast.NodeTransformer):
    """A scalar line's expression as its array form; ``_Unsupported`` for anything else."""

    def __init__(self, functions: set[str], guard: bool) -> None:
        self.functions, self.guard = functions, guard

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
            raise _Unsupported("identity or membership test")
        operands = [self.visit(node.left), *[self.visit(c) for c in node.comparators]]
        pairs = [ast.Compare(a, [op], [b]) for a, op, b in zip(operands, node.ops, operands[1:])]
        result: ast.expr = pairs[0]
        for pair in pairs[1:]:
            result = _call("logical_and", [result, pair])
        return result

    def visit_BinOp(self, node: ast.BinOp) -> ast.AST:
        if self.guard and not isinstance(node.op, (ast.Add, ast.Sub, ast.Mult)):
            raise _Unsupported("a guard that could raise in Python")  # 1/0 raises there, not here
        return ast.BinOp(self.visit(node.left), node.op, self.visit(node.right))

    def visit_Call(self, node: ast.Call) -> ast.AST:
        if not isinstance(node.func, ast.Name) or node.func.id not in self.functions or node.keywords:
            raise _Unsupported(ast.unparse(node.func))
        return _call(node.func.id, [self.visit(a) for a in node.args])

    def visit_Lambda(self, node: ast.Lambda) -> ast.AST:
        raise _Unsupported("lambda")


def _call(name: str, args: list[ast.expr]) -> ast.Call:
    return ast.Call(ast.Name(name, ast.Load()), args, [])


def _arrays(source: str, guard: bool = False) -> str:
    """``source`` (statements) with every expression in its array form."""
    allowed = {"exp", "log", "sqrt", "sin", "cos", "tanh", "sigmoid", "softplus", "step", "sign",
               "divide", "power", "max", "abs"}  # fmt: skip
    if guard:
        allowed = {"abs"}
    tree = ast.parse("\n".join(line.strip() for line in source.splitlines()))
    transform = _ToArrays(allowed, guard)
    for statement in tree.body:
        if isinstance(statement, (ast.Assign, ast.AugAssign, ast.Expr)):
            statement.value = transform.visit(statement.value)
        else:
            raise _Unsupported(type(statement).__name__)
    return ast.unparse(ast.fix_missing_locations(tree))


def _static_guard(fails: str, static: dict[str, type]) -> str:
    """A guard's failure test with ``type(t) is int`` decided (the column's type is checked)."""
    for name, kind in static.items():
        fails = fails.replace(f"type({name}) is {kind.__name__}", "True")
    return fails


def vectorize(program: Program, static: dict[str, type]) -> Callable[..., Any] | None:
    """``columns(columns, params, seed) -> (mask, values, param grads)`` for one trace, or ``None``
    when it cannot be vectorized soundly. ``mask``: the rows it replayed (its guards hold there);
    values and each parameter's gradient: a column over those rows (or one number for all)."""
    if np is None or program.guards:
        return None  # guards on computed values stay on the per-row replay
    try:
        tests = [_arrays(_static_guard(fails, static), guard=True) for fails, _ in program.early]
        forward = _arrays(program.forward)
        backward = _arrays(program.backward)
    except (_Unsupported, SyntaxError):
        return None
    names = ", ".join(program.arguments) + ("," if len(program.arguments) == 1 else "")
    param_names = program.param_grads.strip("()\n ").replace("\n", " ")
    lines = ["def columns(columns, params, seed):"]
    lines.append(program.params.rstrip("\n") or "    pass")
    if program.arguments:
        lines.append(f"    {names} = columns")
    lines.append("    mask = True")
    for test in tests:
        lines.append(f"    mask = logical_and(mask, logical_not({test}))")
    lines.append("    if mask is not True:")
    lines.append(
        f"        {names} = [column[mask] for column in columns]" if program.arguments else "        pass"
    )
    grads = [g.strip() for g in param_names.split(",") if g.strip()]
    for g in grads:
        lines.append(f"    {g} = 0.0")
    lines += ["    " + line for line in (forward + "\n" + backward).splitlines()]
    lines.append(f"    return mask, {program.output}, [{', '.join(grads)}]")
    defined: dict[str, Any] = {}
    exec(
        compile("\n".join(lines) + "\n", "<chainrule compiled columns>", "exec"), _array_functions(), defined
    )
    function: Callable[..., Any] = defined["columns"]
    return function


def replay(
    traces: Sequence[Callable[..., Any] | None],
    columns: list[Any],
    params: list[float],
    seed: float,
    grads: list[float],
) -> tuple[float, list[float], Any]:
    """Every row that some trace covers, over columns: ``(sum of values, grads, rows left)``.

    Each row's terms are then added to each gradient one row after the other, in row order (as
    ``p.grad += term`` would, row by row): for a model whose parameters each get one term per row
    (an MLP) the gradients are the per-row replay's floats exactly."""
    n = len(columns[0]) if columns else 0
    values = np.zeros(n)
    terms = np.zeros((len(grads), n))
    covered = np.zeros(n, dtype=bool)
    left = np.arange(n)
    for replay_columns in traces:
        if replay_columns is None or not len(left):
            continue  # its rows stay on the per-row replay (any trace whose guards hold is right)
        with np.errstate(all="ignore"):
            mask, out, grad_columns = replay_columns([column[left] for column in columns], params, seed)
        rows = left if mask is True else left[mask]
        every = mask is True and len(rows) == n  # all rows: whole-row assignments, no indexing
        values[slice(None) if every else rows] = out
        for k, g in enumerate(grad_columns):
            terms[k, slice(None) if every else rows] = g
        covered[rows] = True
        left = left if mask is True else left[np.logical_not(mask)]
        if mask is True:
            left = left[:0]
    grads = [sum(row, start) for row, start in zip(terms[:, covered].tolist(), grads)]
    return sum(values[covered].tolist()), grads, left


def columns_of(
    rows: Sequence[Sequence[Any]], static: frozenset[int]
) -> tuple[list[Any], dict[int, type]] | None:
    """The rows as columns (float arrays; static inputs as arrays of their one type), or ``None``."""
    if np is None or len(rows) < MIN_ROWS:
        return None
    columns = [list(column) for column in zip(*rows)]
    kinds: dict[int, type] = {}
    arrays = []
    for k, column in enumerate(columns):
        if k in static:
            kind = type(column[0])
            if any(type(x) is not kind for x in column) or kind not in (int, bool):
                return None
            kinds[k] = kind
            arrays.append(np.array(column))
        else:
            arrays.append(np.array(column, dtype=float))
    return arrays, kinds
