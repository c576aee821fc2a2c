"""Batch replay over NumPy columns: the same numbers as eager, rows a trace cannot take row by row."""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd import Value, grad
from autograd.compiled import batch, compile
from autograd.testing import expressions, mlp_expressions, points

pytest.importorskip("numpy", reason="the batch replay over columns needs the optional numpy (the fast extra)")

RTOL = 1e-12
ROWS = 16


@pytest.fixture(autouse=True, scope="module")
def _small_batches_run_over_columns() -> Any:
    """Columns from 16 rows on (the default threshold is for speed, not for correctness)."""
    before = batch.MIN_ROWS
    batch.MIN_ROWS = ROWS
    yield
    batch.MIN_ROWS = before


def close(expected: float, got: float, scale: float) -> bool:
    """Equal to rounding: within RTOL of ``scale``, the sum of the magnitudes of the summed terms
    (the columns add them in another order; only cancellation can cost relative precision)."""
    if expected == got or (math.isnan(expected) and math.isnan(got)):
        return True
    return abs(expected - got) <= RTOL * scale + 1e-300


def eager_sum(
    fn: Callable[..., Value], params: Sequence[Value], rows: Sequence[Sequence[Any]]
) -> tuple[list[float], list[float]]:
    """Sums over rows of fn's value and of its gradient w.r.t. each param, eagerly, and the sums
    of their magnitudes: ``([value, *grads], [scale of each])``."""
    sums, scales = [0.0] * (len(params) + 1), [0.0] * (len(params) + 1)
    for row in rows:
        out = fn(*[Value(x) if isinstance(x, float) else x for x in row])
        terms = [out.data, *[float(h) for h in grad(out, list(params))]]
        sums = [a + t for a, t in zip(sums, terms)]
        scales = [a + abs(t) for a, t in zip(scales, terms)]
    return sums, scales


def check(fn: Callable[..., Value], params: Sequence[Value], rows: list[list[Any]], **options: Any) -> Any:
    f = compile(fn, params=list(params), **options)
    f.batch_value_and_grad(rows)  # traces every path
    total, grads = f.batch_value_and_grad(rows)
    expected, scales = eager_sum(fn, params, rows)
    for e, g, scale in zip(expected, [total, *grads], scales):
        assert close(e, g, scale), (expected, [total, *grads])
    return f


@given(mlp_expressions(activations=("tanh", "relu", "sigmoid", "linear")), st.data())
def test_random_mlps_over_columns_equal_eager(expression: Any, data: st.DataObject) -> None:
    n = expression.n_inputs
    w = Value(data.draw(st.floats(-2, 2)), "w")
    rows = [data.draw(points(n)) for _ in range(ROWS)]
    f = check(lambda *xs: expression(*xs) * w, [w], rows)
    assert 0 <= f.rows_over_columns <= ROWS  # rows near a kink of relu/abs go row by row


@given(expressions(max_inputs=3, max_ops=8), st.data())
def test_random_graphs_over_columns_equal_eager(expression: Any, data: st.DataObject) -> None:
    w = Value(data.draw(st.floats(0.5, 2)), "w")
    rows = [data.draw(points(expression.n_inputs)) for _ in range(ROWS)]
    check(lambda *xs: expression(*xs) * w + w * w, [w], rows)


def test_static_labels_run_over_columns_equal_row_by_row_to_rounding() -> None:
    nn = pytest.importorskip("nn")
    model = nn.MLP(2, [8, 8, 1], seed=0)
    rng = random.Random(0)
    rows = [[rng.uniform(-2, 2), rng.uniform(-2, 2), rng.choice([-1, 1])] for _ in range(40)]
    f = compile(lambda x0, x1, t: (1 - t * model([x0, x1])).relu(), params=model, static=["t"])
    f.batch_value_and_grad(rows)  # both labels traced
    assert f.rows_over_columns == len(rows)
    over_columns = f.batch_value_and_grad(rows, 0.025)
    f.columns = False
    row_by_row = f.batch_value_and_grad(rows, 0.025)
    _, scales = eager_sum(
        lambda x0, x1, t: (1 - t * model([x0, x1])).relu() * 0.025, model.parameters(), rows
    )
    for e, g, scale in zip([row_by_row[0], *row_by_row[1]], [over_columns[0], *over_columns[1]], scales):
        assert close(e, g, scale)


def test_rows_whose_trace_has_guards_on_computed_values_go_row_by_row() -> None:
    w = Value(0.7, "w")

    def huber(x: Value, t: Any) -> Value:
        d = w * x - t
        return 0.5 * d * d if abs(d.data) <= 1 else abs(d) - 0.5

    rows = [[x / 4, float(k % 3)] for k, x in enumerate(range(-20, 20))]
    f = check(huber, [w], rows, numbers=["t"])
    assert f.n_traces == 2 and f.rows_over_columns > 0


def test_ieee_values_over_columns() -> None:
    w = Value(1.5, "w")
    rows = [[x] for x in (0.0, -1.0, 2.0, -0.0, 1e308, -1e308, 3.0, 0.5) * 2]
    check(lambda x: (x * w).log() + 1 / x + (x * w).sqrt() + (x * 1000).exp() + (x * w) ** 0.5, [w], rows)


def test_without_numpy_the_rows_go_one_by_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(batch, "AVAILABLE", False)
    w = Value(0.5, "w")
    f = check(lambda x: (x * w).tanh(), [w], [[x / 10] for x in range(20)])
    assert not f.columns


@given(st.sampled_from(["linear", "relu", "leaky_relu", "tanh", "sigmoid"]), st.integers(0, 2**16), st.data())
def test_nn_mlps_with_each_activation_over_columns_equal_eager(
    activation: str, seed: int, data: st.DataObject
) -> None:
    nn = pytest.importorskip("nn")
    model = nn.MLP(2, [4, 3, 1], activation=activation, seed=seed)
    rows = [[*data.draw(points(2)), data.draw(st.sampled_from([-1, 1]))] for _ in range(2 * ROWS)]
    f = check(lambda x0, x1, t: (1 - t * model([x0, x1])).relu(), model.parameters(), rows, static=["t"])
    assert f.rows_over_columns > 0 or activation in ("relu", "leaky_relu")  # kinks: row by row


def test_rows_breaking_an_input_guard_are_split_by_a_mask() -> None:
    w = Value(0.8, "w")

    def branchy(x: Value, t: Any) -> Value:
        number = t.data if isinstance(t, Value) else t  # eager passes a Value, a replay the number
        return (w * x).tanh() * t if number > 0 else (w * x - t) ** 2

    rows = [[k / 7 - 1, float(k % 5 - 2)] for k in range(3 * ROWS)]  # t > 0 on some rows only
    f = check(branchy, [w], rows, numbers=["t"])
    assert f.n_traces == 2 and f.rows_over_columns >= len(rows) - 4  # a ** 2 at a ~ 0: row by row


@given(st.integers(0, 2**16), st.sampled_from(["relu", "tanh", "sigmoid"]), st.data())
def test_batch_call_over_columns_equals_each_call(seed: int, activation: str, data: st.DataObject) -> None:
    """Forward only, several outputs (a model's scores): each row's values, over columns."""
    nn = pytest.importorskip("nn")
    model = nn.MLP(3, [5, 4], activation=activation, seed=seed)
    f = compile(lambda *xs: model(list(xs)), params=model)
    rows = [data.draw(points(3)) for _ in range(ROWS)]
    got = f.batch_call(rows)
    assert f.rows_over_columns in (0, ROWS)  # all over columns, or (a row near a kink) all row by row
    for row, values in zip(rows, got):
        expected = [v.data for v in model([Value(x) for x in row])]
        size = max([1.0, *(abs(x) for x in row)]) * sum(abs(p.data) for p in model.parameters())
        assert len(values) == 4
        assert all(close(e, g, size) for e, g in zip(expected, values)), (expected, values)


def test_batch_call_of_one_output_over_prepared_rows() -> None:
    w = Value(0.5, "w")
    f = compile(lambda x, y: (w * x + y).tanh(), params=[w])
    rows = [[k / 10, 1 - k / 20] for k in range(ROWS)]
    prepared = f.prepare(rows)
    assert f.batch_call(prepared) == pytest.approx([f(*row) for row in rows], rel=1e-15)
    assert f.rows_over_columns == ROWS
