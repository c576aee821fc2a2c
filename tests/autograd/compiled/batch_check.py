"""The batch replay's referee: a compiled batch against the eager engine, row by row.

``check_batch(fn, params, rows, ...)`` runs ``fn`` eagerly on every row (``out.backward(weight)``
accumulating into the parameters, as training does) and compares ``f.batch_value_and_grad(rows,
weight)`` with it, over columns (NumPy, a small ``batch.MIN_ROWS``) and row by row:

* row by row the replay is the eager computation line for line: the same floats, bit for bit;
* over columns the sums run in another order (NumPy's, a matrix product's), so a result may differ
  by rounding, and rounding can only grow through cancellation. The bound used is first order in the
  unit roundoff: ``|got - expected| <= 1e-12 * scale + tiny`` with ``scale = sum_rows |term|``,
  and, only when that fails, the finer ``scale = sum_rows sum_n |d term / d n| * |n|`` over every
  node ``n`` of the row's graph (for a gradient, of its ``create_graph`` graph), the derivatives
  taken with absolute local derivatives: how much any rounding anywhere in the row can move the term;
* a ``nan`` must be a ``nan`` in the same place, an infinity the same infinity.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from typing import Any

from autograd import Value, grad
from autograd.compiled import Compiled, TraceError, batch, compile
from autograd.engine import backpropagate, reverse_topological_order

RTOL = 1e-12
TINY = 1e-300


@dataclass
class Result:
    """A batch's ``(weight * sum of values, gradient per parameter)``."""

    value: float
    grads: list[float]


def arguments(row: Sequence[Any], plain: Collection[int]) -> list[Any]:
    """A row as ``fn``'s arguments: ``Value`` leaves, plain numbers at ``numbers``/``static`` positions."""
    return [x if k in plain else Value(x) for k, x in enumerate(row)]


def eager_batch(
    fn: Callable[..., Value],
    params: Sequence[Value],
    rows: Sequence[Sequence[Any]],
    plain: Collection[int],
    weight: float,
    by: str = "backward",
) -> Result:
    """The eager engine's batch: each row's ``out.backward(weight)`` accumulating from 0 (or, with
    ``by="grad"``, each row's ``backpropagate(out, weight)`` added to the sums)."""
    saved = [p.grad for p in params]
    for p in params:
        p.grad = 0.0
    total = 0.0
    try:
        for row in rows:
            out = fn(*arguments(row, plain))
            total += out.data
            if by == "grad":
                found = backpropagate(out, weight)
                for p in params:
                    p.grad += float(found.get(p, 0.0))
            else:
                out.backward(weight)
        return Result(weight * total, [p.grad for p in params])
    finally:
        for p, g in zip(params, saved):
            p.grad = g


def error_scale(root: Any) -> float:
    """``sum_n |d root/d n| * |n.data|`` over the graph below ``root``, every local derivative taken
    as its absolute value: a first-order bound on how far roundings anywhere can move ``root``."""
    if not isinstance(root, Value):
        return abs(float(root))
    sensitivity: dict[Value, float] = {root: 1.0}
    for node in reverse_topological_order(root):
        s = sensitivity.get(node)
        if s is None or node._op is None:
            continue
        local = node._op.local_grads(node)
        for position in node._op.differentiated:
            child, term = node.children[position], abs(local[position])
            if term != 0.0:  # no path (not 0 * inf = nan)
                sensitivity[child] = sensitivity.get(child, 0.0) + term * s
    return sum(s * abs(n.data) for n, s in sensitivity.items() if s != 0.0)


def fine_scales(
    fn: Callable[..., Value],
    params: Sequence[Value],
    rows: Sequence[Sequence[Any]],
    plain: Collection[int],
    weight: float,
) -> Result:
    """Per value and per gradient, the summed :func:`error_scale` of every row's term."""
    value, grads = 0.0, [0.0] * len(params)
    for row in rows:
        out = fn(*arguments(row, plain))
        value += error_scale(out)
        row_grads = grad(out, list(params), create_graph=True)
        grads = [g + error_scale(h) for g, h in zip(grads, row_grads)]
    return Result(abs(weight) * value, [abs(weight) * g for g in grads])


def agree(expected: float, got: float, scale: float) -> bool:
    """``got`` within ``RTOL * scale`` of ``expected``; non-finite numbers only equal to themselves."""
    if math.isnan(expected) or math.isnan(got):
        return math.isnan(expected) and math.isnan(got)
    if math.isinf(expected) or math.isinf(got):
        return expected == got
    return abs(got - expected) <= RTOL * scale + TINY


def same(a: float, b: float) -> bool:
    """Bit for bit (any ``nan`` equals any ``nan``; ``0.0`` and ``-0.0`` are told apart)."""
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)  # a nan's sign bit means nothing
    return a == b and math.copysign(1.0, a) == math.copysign(1.0, b)


def assert_agrees(
    expected: Result,
    got: tuple[float, list[float]],
    coarse: Result,
    fine: Callable[[], Result],
    what: str = "",
) -> None:
    """``got`` agrees with ``expected`` to the coarse scale, or else to the fine one (computed then)."""
    pairs = [("value", expected.value, got[0], coarse.value)]
    pairs += [
        (f"grad[{k}]", e, g, s) for k, (e, g, s) in enumerate(zip(expected.grads, got[1], coarse.grads))
    ]
    assert len(got[1]) == len(expected.grads), (
        f"{what}: {len(got[1])} gradients, expected {len(expected.grads)}"
    )
    failing = [(name, e, g) for name, e, g, s in pairs if not agree(e, g, s)]
    if not failing:
        return
    scales = fine()
    fine_of = {"value": scales.value, **{f"grad[{k}]": s for k, s in enumerate(scales.grads)}}
    wrong = [(name, e, g, fine_of[name]) for name, e, g in failing if not agree(e, g, fine_of[name])]
    assert not wrong, f"{what}: (what, eager, batch, scale) " + "; ".join(map(repr, wrong))


def coarse_scales(
    fn: Callable[..., Value],
    params: Sequence[Value],
    rows: Sequence[Sequence[Any]],
    plain: Collection[int],
    weight: float,
) -> Result:
    """``sum_rows |term|`` per value and per gradient (each row's gradient through ``backward``)."""
    value, grads = 0.0, [0.0] * len(params)
    saved = [p.grad for p in params]
    try:
        for row in rows:
            for p in params:
                p.grad = 0.0
            out = fn(*arguments(row, plain))
            out.backward(weight)
            value += abs(weight * out.data)
            grads = [g + abs(p.grad) for g, p in zip(grads, params)]
    finally:
        for p, g in zip(params, saved):
            p.grad = g
    return Result(value, grads)


def rows_over_columns(f: Compiled) -> int | None:
    """How many rows of ``f``'s last batch call ran over columns (``None`` until the code says)."""
    return getattr(f, "rows_over_columns", None)


def check_batch(
    fn: Callable[..., Value],
    params: Sequence[Value],
    rows: Sequence[Sequence[Any]],
    *,
    numbers: Collection[int] = (),
    static: Collection[int] = (),
    weight: float = 1.0,
    max_traces: int = 8,
    over_columns: bool | None = None,
    row_by_row: bool = True,
    by: str = "backward",
) -> Compiled:
    """Compile ``fn`` and check its batch replay against eager (see the module's docstring).

    Two calls over columns (the first traces as it goes, the second has every trace), then, with
    ``row_by_row``, a fresh compile with ``columns = False``: bit for bit. ``over_columns``: True
    asserts some rows of the second call ran over columns (rows near a threshold or a kink may go
    row by row), False that none did (when the replay says, through ``rows_over_columns``).
    ``by``: the eager reference, ``"backward"`` or ``"grad"`` (see :func:`eager_batch`). Returns
    the compiled function (columns on)."""
    plain = set(numbers) | set(static)
    expected = eager_batch(fn, params, rows, plain, weight, by)
    coarse = coarse_scales(fn, params, rows, plain, weight)

    def fine() -> Result:
        return fine_scales(fn, params, rows, plain, weight)

    f = compile(fn, params=list(params), numbers=numbers, static=static, max_traces=max_traces)
    f.columns = batch.AVAILABLE
    for call in ("first call (tracing)", "second call (every trace made)"):
        before = [p.grad for p in params]
        assert_agrees(expected, f.batch_value_and_grad(rows, weight), coarse, fine, f"over columns, {call}")
        assert [p.grad for p in params] == before, "batch_value_and_grad changed a .grad"
    count = rows_over_columns(f)
    if hasattr(f, "prepare"):  # rows checked and converted once, replayed as often as wanted
        prepared = f.prepare(rows)
        assert_agrees(expected, f.batch_value_and_grad(prepared, weight), coarse, fine, "prepared rows")
        assert rows_over_columns(f) == count, "prepared rows ran otherwise"
    if count is not None and over_columns is not None and batch.AVAILABLE and len(rows) >= batch.MIN_ROWS:
        ran = f"{count} of {len(rows)} rows ran over columns"
        assert (count > 0) if over_columns else (count == 0), ran
    if row_by_row:
        check_row_by_row(
            fn, params, rows, expected, numbers=numbers, static=static, weight=weight, max_traces=max_traces
        )
    return f


def check_row_by_row(
    fn: Callable[..., Value],
    params: Sequence[Value],
    rows: Sequence[Sequence[Any]],
    expected: Result | None = None,
    *,
    numbers: Collection[int] = (),
    static: Collection[int] = (),
    weight: float = 1.0,
    max_traces: int = 8,
) -> None:
    """With ``columns = False`` the batch is eager's, bit for bit."""
    if expected is None:
        expected = eager_batch(fn, params, rows, set(numbers) | set(static), weight)
    g = compile(fn, params=list(params), numbers=numbers, static=static, max_traces=max_traces)
    g.columns = False
    value, grads = g.batch_value_and_grad(rows, weight)
    if hasattr(g, "prepare"):
        again, regrads = g.batch_value_and_grad(g.prepare(rows), weight)
        assert all(map(same, [value, *grads], [again, *regrads])), "prepared rows, row by row"
    bits = [same(expected.value, value), *[same(e, h) for e, h in zip(expected.grads, grads)]]
    assert all(bits), ("row by row is not eager bit for bit", expected, (value, grads))


def check_batch_or_refusal(
    fn: Callable[..., Value], params: Sequence[Value], rows: Sequence[Sequence[Any]], **options: Any
) -> tuple[str, str]:
    """Like :func:`check_batch`, where a full trace cache may refuse: over columns the batch raises
    ``TraceError`` or gives eager's numbers (never another number); row by row likewise. Returns
    each way's outcome, ``"refused"`` or ``"right"`` (columns, row by row)."""
    outcomes = []
    for columns in (True, False):
        try:
            if columns:
                check_batch(fn, params, rows, row_by_row=False, **options)
            else:
                check_row_by_row(fn, params, rows, **options)
        except TraceError:
            outcomes.append("refused")
        else:
            outcomes.append("right")
    return outcomes[0], outcomes[1]


def check_batch_call(
    fn: Callable[..., Any],
    params: Sequence[Value],
    rows: Sequence[Sequence[Any]],
    *,
    numbers: Collection[int] = (),
    static: Collection[int] = (),
    max_traces: int = 8,
) -> Compiled:
    """``f.batch_call(rows)`` against eager ``fn`` row by row (one value, or a tuple of them): over
    columns each value to its row's :func:`error_scale`, row by row bit for bit."""
    plain = set(numbers) | set(static)
    outputs = []
    for row in rows:
        out = fn(*arguments(row, plain))
        outputs.append(out if isinstance(out, tuple) else (out,))
    f = compile(fn, params=list(params), numbers=numbers, static=static, max_traces=max_traces)
    f.columns = batch.AVAILABLE
    for call in ("first call (tracing)", "second call"):
        got = f.batch_call(rows)
        assert len(got) == len(rows)
        for k, (out, value) in enumerate(zip(outputs, got)):
            values = value if isinstance(value, tuple) else (value,)
            assert len(values) == len(out), (call, k, values)
            for j, (o, v) in enumerate(zip(out, values)):
                assert agree(o.data, v, abs(o.data)) or agree(o.data, v, error_scale(o)), (
                    call,
                    k,
                    j,
                    o.data,
                    v,
                )
    g = compile(fn, params=list(params), numbers=numbers, static=static, max_traces=max_traces)
    g.columns = False
    for out, value in zip(outputs, g.batch_call(rows)):
        values = value if isinstance(value, tuple) else (value,)
        assert all(map(same, [o.data for o in out], values)), ("row by row", out, values)
    return f
