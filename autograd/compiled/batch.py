"""Batch replay over columns: one trace run once over many rows, as NumPy array operations.

Every row of a batch that a trace covers runs the same graph (that is what its guards check), so
the graph can run once over arrays with one element per row, as ``jax.vmap`` does for a traced
function. :mod:`autograd.compiled.packing` regroups the graph first (a layer of neurons is one
matrix product, the same op over a layer one 2-D operation); :mod:`autograd.compiled.columns` writes
that plan out as NumPy code, forward then backward (the rules' array forms and the thresholds below
are in :mod:`autograd.compiled.arrays`), and this module runs it for :class:`~autograd.compiled.Compiled`:

* an op's forward and derivatives are its rules from the op table, in array form (``a if t else
  b`` is ``where(t, a, b)``; ``max(a, 0.0)`` is ``maximum``), IEEE-754 as the scalar functions
  (``log(0) = -inf``, ``1/0 = inf``, no exception);
* a layer ``Z = V W^T + b`` has the backward ``dV = dZ W``, ``dW = dZ^T V``, ``db = sum_rows dZ``;
* a parameter's gradient is the sum over rows of its terms.

**Guards become row masks.** A trace's guards (its decisions on numbers) are tested on every row
at once, over arrays; the rows where one fails are left to the next trace, a new trace, or the
row-by-row replay. Only guards that cannot raise in Python (``+ - *``, ``abs``, comparisons) are
vectorized; a trace with another one (or with an op that has no array form here) runs row by row.

**Kinks.** The same holds inside an op: relu, abs, max, clamp, a comparison decide on their input,
and a sum in another order can land on the other side of the kink (``1e-17`` instead of eager's
exact 0). A row where any such input is within ``1e-9`` of its kink, relative to the size of the
terms of the matrix products before it, is replayed row by row.

**Numbers.** The sums run in NumPy's order (matrix products, pairwise sums), so values and
gradients equal the row-by-row replay (which is eager's, bit for bit) to rounding: within about
``1e-12`` of the sum of the magnitudes of the summed terms. A batch with numbers near the float
range (an input, a parameter or a sum beyond 1e250, or one not finite) is replayed row by row:
there, the order of a sum decides whether it overflows. ``Compiled.columns = False`` gives the
row-by-row replay. NumPy is optional (``pip install "chainrule[fast]"``); without it, rows run
one by one.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

try:
    import numpy as np
except ImportError:  # the optional extra: the per-row replay is used
    np = None  # type: ignore[assignment]

from autograd.compiled.arrays import HUGE as HUGE
from autograd.compiled.arrays import MARGIN as MARGIN
from autograd.compiled.arrays import MARGIN_ABSOLUTE as MARGIN_ABSOLUTE
from autograd.compiled.arrays import _array_functions as _array_functions
from autograd.compiled.arrays import arrays as arrays
from autograd.compiled.columns import _write as _write
from autograd.compiled.packing import Unsupported
from autograd.compiled.trace import Trace

if TYPE_CHECKING:
    from autograd.compiled import Compiled

AVAILABLE = np is not None

#: Fewer rows than this are replayed row by row (an array operation has a fixed cost of about a
#: microsecond; a scalar line of the row-by-row replay about 20 ns).
MIN_ROWS = 32


def vectorize(
    trace: Trace, columns: dict[int, int], static: dict[int, type], backward: bool = True
) -> Callable[..., Any] | None:
    """``run(X, S, P, seed) -> (mask, sum of values, param grads)`` for one trace, or ``None`` when
    it cannot be vectorized. ``X``: the inputs that are not static, as columns of one array;
    ``S``: each static input's column; ``P``: the parameters. ``mask``: ``None`` when the trace's
    guards hold on every row (then the values and gradients are there), else the rows where they
    hold (and nothing else: call again with those rows)."""
    if np is None:
        return None
    try:
        source, constants = _write(trace, columns, static, backward)
    except (Unsupported, SyntaxError, KeyError, IndexError):
        return None
    namespace = {**_array_functions(), **constants}
    defined: dict[str, Any] = {}
    exec(compile(source, "<chainrule compiled columns>", "exec"), namespace, defined)
    function: Callable[..., Any] = defined["columns"]
    function.source = source  # type: ignore[attr-defined]
    function.early = defined["early"]  # type: ignore[attr-defined]
    return function


def replay(
    traces: Sequence[Callable[..., Any] | None],
    X: Any,
    S: dict[int, Any],
    params: list[float],
    seed: float,
    values: Any = None,
) -> tuple[float, Any, Any, Any]:
    """The rows some trace covers, over columns: ``(sum of values, param grads, rows left, which of
    them are unsure)``. Each row goes to the first trace whose guards hold there; a row is unsure
    when a trace's decision on a computed number is within rounding of its threshold there (the
    row-by-row replay decides it, as eager does). With ``values`` (an array with a place for each
    row), the traces are forward ones: each row's value(s) are written there instead."""
    P = np.array(params, dtype=float)
    total, grads = 0.0, np.zeros(len(params))
    remaining = np.ones(len(X), dtype=bool)
    unsure = np.zeros(len(X), dtype=bool)
    with np.errstate(all="ignore"):
        for run in traces:
            if run is None or not remaining.any():
                continue
            ok = run.early(X, S, P)  # type: ignore[attr-defined]  # the guards on inputs: which rows this trace may take
            take = remaining if ok is None else remaining & ok
            rows = None if take.all() else np.flatnonzero(take)  # None: every row, no copy
            while rows is None or len(rows):
                part = (X, S) if rows is None else (X[rows], {k: s[rows] for k, s in S.items()})
                mask, doubt, g = run(*part, P, seed)
                if g is not None:  # every row of these: the values and gradients
                    if values is None:
                        total += float(doubt)
                        grads += g
                    else:
                        values[slice(None) if rows is None else rows] = doubt
                    remaining[slice(None) if rows is None else rows] = False
                    break
                rows = np.arange(len(X)) if rows is None else rows
                if doubt is not None:
                    unsure[rows[doubt]] = True
                rows = rows[mask]  # guards failed on some rows: the others, again
    left = np.flatnonzero(remaining)
    return total, grads, left, unsure[left]


def one_row(row: Sequence[Any], static: frozenset[int]) -> tuple[Any, dict[int, Any]]:
    """One row as ``(X, S)`` columns (of length 1)."""
    X = np.array([[float(x) for k, x in enumerate(row) if k not in static]])
    return X, {k: np.array([row[k]], dtype=object if abs(row[k]) > 2**62 else None) for k in static}


def early_holds(function: Callable[..., Any], X: Any, S: dict[int, Any], params: list[float]) -> bool:
    """True if the trace's guards on inputs hold on the one row ``X``, ``S``."""
    with np.errstate(all="ignore"):
        ok = function.early(X, S, np.array(params, dtype=float))  # type: ignore[attr-defined]
    return ok is None or bool(ok[0])


def empty(n: int, k: int) -> Any:
    """A place for each row's value (``k`` of them per row when ``k > 1``)."""
    return np.full((n, k) if k > 1 else n, np.nan)


def moderate(numbers: list[float], *arrays: Any) -> bool:
    """True if every number is finite and below :data:`HUGE` in size: then no order of the sums
    overflows (a result near the float range, or an input there, sends the batch row by row, where
    the order is eager's)."""
    return all(a is None or bool((np.abs(a) < HUGE).all()) for a in (np.array(numbers), *arrays))


def columns_of(
    rows: Sequence[Sequence[Any]], static: frozenset[int]
) -> tuple[Any, dict[int, Any], dict[int, type]] | None:
    """The rows as ``(X, S, kinds)``: the inputs that are not static as one float array (a column
    each), each static input's column and its one type; ``None`` without NumPy or for few rows."""
    if np is None or len(rows) < MIN_ROWS:
        return None
    n = len(rows[0])
    S: dict[int, Any] = {}
    kinds: dict[int, type] = {}
    for k in sorted(static):
        column = [row[k] for row in rows]
        kind = type(column[0])
        if kind not in (int, bool) or any(type(x) is not kind for x in column):
            return None
        kinds[k] = kind
        S[k] = np.array(column)
        if S[k].dtype == object:
            return None  # an int beyond int64: row by row
    kept = [k for k in range(n) if k not in static]
    try:
        X = np.array(rows, dtype=float)  # a static int or bool becomes a float here; its column is S
    except OverflowError:  # an int beyond float range (a static label): row by row
        return None
    if X.shape != (len(rows), n):
        return None
    return (X[:, kept] if static else X), S, kinds


# -- the batch replay over columns of a Compiled function ---------------------------------------------


class Rows:
    """Rows of inputs checked once (and as NumPy columns), made by :meth:`Compiled.prepare`."""

    def __init__(self, compiled: Compiled, rows: list[Sequence[float]], columns: Any) -> None:
        self.compiled, self.rows, self.columns = compiled, rows, columns

    def __len__(self) -> int:
        return len(self.rows)

    def __repr__(self) -> str:
        return f"<{len(self.rows)} rows{' as columns' if self.columns is not None else ''}>"


def prepare(compiled: Compiled, checked: list[Sequence[float]]) -> Rows:
    """Checked rows, with their columns when the batch replay over columns will use them."""
    return Rows(compiled, checked, _columns_for(compiled, checked))


def prepared(compiled: Compiled, rows: object) -> Any:
    """The columns of rows :meth:`Compiled.prepare` made for this function (``None`` otherwise)."""
    mine = isinstance(rows, Rows) and rows.compiled is compiled and compiled.columns
    return rows.columns if mine else None  # type: ignore[attr-defined]


def _columns_for(compiled: Compiled, rows: list[Sequence[float]], got: Any = None) -> Any:
    """``got``, else the rows' ``(X, S, kinds)`` when the function replays over columns (else ``None``)."""
    if got is None and compiled._entries and compiled.columns:
        got = columns_of(rows, compiled._static_positions)
    return got


def _positions(compiled: Compiled) -> dict[int, int]:
    """Each input that is not static: its column in ``X``."""
    static = compiled._static_positions
    return {k: i for i, k in enumerate(k for k in range(compiled.n_inputs) if k not in static)}


def gradients(
    compiled: Compiled,
    rows: list[Sequence[float]],
    seed: float,
    grads: list[float],
    params: list[float],
    got: Any = None,
) -> tuple[float, list[float], list[Sequence[float]]]:
    """Replay what it can of the rows over columns: ``(sum of their values, grads with their terms
    added, the rows left)``, the rows left in their order. Rows that no trace covers get a new trace
    (while there is room for one), so a batch of ten labels makes its ten traces here, each replayed
    over its rows at once."""
    compiled.rows_over_columns = 0
    got = _columns_for(compiled, rows, got)
    if got is None:
        return 0.0, grads, rows
    X, S, kinds = got
    columns = _positions(compiled)
    total, summed = 0.0, None
    left = None  # indexes into rows, None: all of them
    while True:
        functions = [entry.columns(kinds, columns) for entry in compiled._entries]
        part_X = X if left is None else X[left]
        part_S = S if left is None else {k: s[left] for k, s in S.items()}
        value, g, still, unsure = replay(functions, part_X, part_S, params, seed)
        total += value
        summed = g if summed is None else summed + g
        left = still if left is None else left[still]
        uncovered = left[~unsure]  # rows no trace takes, surely: they need a trace of their own
        if not len(uncovered) or None in functions or len(compiled._entries) >= compiled.max_traces:
            break  # done, or what is left needs the row-by-row replay (it traces or raises)
        compiled._trace(list(rows[int(uncovered[0])]))
    if not moderate([total, *params], summed, X):
        return 0.0, grads, rows  # near the float range, a sum's order decides whether it overflows
    compiled.rows_over_columns = len(rows) - len(left)
    new_grads = [a + b for a, b in zip(grads, summed.tolist())] if summed is not None else grads
    return total, new_grads, [rows[k] for k in left.tolist()]


def few_rows(
    compiled: Compiled,
    rows: list[Sequence[float]],
    params: list[float],
    seed: float,
    grads: list[float],
    total: float,
) -> tuple[float, list[float], list[Sequence[float]]]:
    """A few rows left by the columns (near a threshold), each on the scalar replay of the first
    trace whose guards hold there: the trace's input guards are tested over columns first, so
    only the function of the trace that takes the row is compiled (not the loop over all)."""
    kinds = {k: type(rows[0][k]) for k in compiled._static_positions}
    columns = _positions(compiled)
    left: list[Sequence[float]] = []
    for row in rows:
        X, S = one_row(row, compiled._static_positions)
        for entry in compiled._entries:
            function = entry.columns(kinds, columns)
            if function is not None and not early_holds(function, X, S, params):
                continue
            result = entry.value_and_grad(*row, params, seed, grads)
            if result is not None:
                total, grads = total + result[0], result[2]
                break
        else:
            left.append(row)
    return total, list(grads), left


def values(compiled: Compiled, rows: list[Sequence[float]], got: Any) -> list[Any] | None:
    """Every row's value(s) over columns, or ``None`` if some row needs the per-row replay
    (then all of them go there: a forward pass is cheap row by row, and keeps one order)."""
    got = _columns_for(compiled, rows, got)
    if got is None:
        return None
    X, S, kinds = got
    columns = _positions(compiled)
    functions = [entry.columns(kinds, columns, backward=False) for entry in compiled._entries]
    n_outputs = compiled._entries[0].n_outputs
    found = empty(len(rows), n_outputs)
    _, _, left, _ = replay(functions, X, S, compiled._param_data(), 1.0, found)
    if len(left):
        return None
    compiled.rows_over_columns = len(rows)
    if n_outputs == 1:
        return found.tolist()  # type: ignore[no-any-return]
    return [tuple(row) for row in found.tolist()]
