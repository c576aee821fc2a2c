"""The batch replay against the eager engine at the edges: IEEE special values in the rows, every
op of the table, rows where Python raises, full trace caches, and sums that eager's order puts
exactly on a kink or a guard's threshold (or past the float range) where another order does not.

Every test runs the batch over columns (NumPy, ``batch.MIN_ROWS`` lowered so small batches qualify)
and row by row, and compares both with eager (``tests/autograd/compiled/batch_check.py``). Without
NumPy the same tests run, both ways row by row."""

from __future__ import annotations

import math
import random
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import nn
from autograd import Op, Value, apply, grad, maximum, minimum
from autograd.compiled import TraceError, batch, compile
from autograd.ops import OPS
from nn import losses
from tests.autograd.compiled.batch_cases import EDGES, FEW, ROWS, W, alternating, mlp
from tests.autograd.compiled.batch_check import (
    check_batch,
    check_batch_or_refusal,
    eager_batch,
)

pytestmark = pytest.mark.usefixtures("small_batches_run_over_columns")


# -- IEEE edges in the rows -------------------------------------------------------------------------------


@FEW
@given(st.data())
def test_ieee_edge_inputs_through_an_mlp_equal_eager(data: st.DataObject) -> None:
    model = mlp(data, 2, 1)
    rows = [[data.draw(st.sampled_from(EDGES) | st.floats(-2, 2)) for _ in range(2)] for _ in range(ROWS)]
    check_batch(lambda x0, x1: model([x0, x1]), model.parameters(), rows)


def test_ieee_edge_inputs_through_every_kind_of_op() -> None:
    w = Value(1.5, "w")

    def fn(x: Value) -> Value:
        y = x * w
        return (
            y.log()
            + 1 / y
            + y.sqrt()
            + (y * 1000).exp()
            + y**0.5
            + y.tanh()
            + y.sigmoid()
            + y.relu()
            + abs(y)
        )

    check_batch(fn, [w], [[x] for x in EDGES * 2])


def test_a_nan_row_takes_the_else_branch_as_in_python() -> None:
    """``nan > 0`` is False: the row's value does not depend on the nan, so a row sent to the wrong
    trace would show (2w, not 3w)."""
    w = Value(1.25, "w")

    def pick(x: Value) -> Value:
        return w * 2.0 if x.data > 0 else w * 3.0

    rows = alternating([[x] for x in (1.0, -1.0, math.nan, 0.0, -0.0, math.inf, -math.inf, 2.0)] * 2)
    f = check_batch(pick, [w], rows)
    value, _ = f.batch_value_and_grad([[math.nan]] * 8)
    assert value == 8 * 3.75


def test_a_nan_row_under_a_less_or_equal_guard() -> None:
    w = Value(0.5, "w")

    def pick(x: Value) -> Value:
        return w * 2.0 if abs(x.data) <= 1 else w * 3.0  # nan: False, the else branch

    rows = alternating([[x] for x in (0.5, 2.0, math.nan, -math.nan, 1.0, -1.0, math.inf, 0.0)] * 2)
    check_batch(pick, [w], rows)


def test_round_of_nan_or_inf_raises_as_eager() -> None:
    w = Value(1.0, "w")

    def to_nearest(x: Value) -> Value:
        h = w * x
        return (h - round(h.data)) ** 2

    rows = [[k / 3] for k in range(10)] + [[math.inf]] + [[k / 3] for k in range(10)]
    with pytest.raises((OverflowError, ValueError)):
        eager_batch(to_nearest, [w], rows, set(), 1.0)
    f = compile(to_nearest, params=[w], max_traces=32)
    f.batch_value_and_grad(rows[:10])
    with pytest.raises((OverflowError, ValueError, TraceError)):
        f.batch_value_and_grad(rows)


# -- full trace caches --------------------------------------------------------------------------------


@pytest.mark.parametrize("max_traces", [1, 2, 3, 8])
def test_rows_beyond_max_traces_raise_or_are_right(max_traces: int) -> None:
    w = Value(0.9, "w")

    def stairs(x: Value) -> Value:
        k = int(x.data)  # one path per integer part: five here
        return w ** (k + 1) * x

    rows = alternating([[k / 2] for k in range(0, 10)] * 2)
    columns, row_by_row = check_batch_or_refusal(stairs, [w], rows, max_traces=max_traces)
    assert row_by_row == ("refused" if max_traces < 5 else "right")
    if max_traces >= 5:
        assert columns == "right"


# -- every op of the table, custom ops, derivatives inside the loss ------------------------------------

ORDINARY = (0.5, -0.5, 2.0, -3.0, 0.99, -1.0, 1.5, 0.0)


#: ops that pass no gradient to any input (comparisons, step, sign): their own test below
DECISIONS = sorted(name for name, op in OPS.items() if not op.differentiated)


@pytest.mark.parametrize("name", sorted(set(OPS) - set(DECISIONS)))
def test_every_op_over_edge_rows_equals_eager(name: str) -> None:
    op, w = OPS[name], Value(1.25, "w")
    values = EDGES + ORDINARY
    if op.arity == 1:
        rows = [[x, 0.5] for x in values]
    else:
        rows = [[x, y] for x in values for y in (ORDINARY[k % len(ORDINARY)] for k in range(3))]
        rows += [[y, x] for x, y in zip(values, EDGES)]
    rows = alternating(rows, seed=len(name))

    def fn(x: Value, y: Value) -> Value:
        wx = w * x
        if op.arity == 1:
            return apply(op, wx) + y
        if op.arity == 2:
            return apply(op, wx, y) + apply(op, y, wx)
        return apply(op, wx, y, x) + apply(op, y, x, wx)

    check_batch(fn, [w], rows)


@pytest.mark.parametrize("name", DECISIONS)
def test_every_decision_op_over_edge_rows_equals_grad(name: str) -> None:
    """No gradient flows through a comparison: d/dw is 0 at every row, inf and nan rows included
    (as ``grad()`` says; ``Value.backward()`` gives ``inf * 0 = nan`` there, an engine defect)."""
    op, w = OPS[name], Value(1.25, "w")
    rows = alternating([[x, y] for x in EDGES + ORDINARY for y in (0.5, -0.0, 2.0)], seed=len(name))

    def fn(x: Value, y: Value) -> Value:
        wx = w * x
        return (apply(op, wx) if op.arity == 1 else apply(op, wx, y) + apply(op, y, wx)) * w

    check_batch(fn, [w], rows, by="grad")


def test_a_custom_op_written_as_python_callables() -> None:
    gamma = Op("lgamma", lambda a: math.lgamma(a), [lambda a, out: (a + 1e-3).log()])  # no array form
    w = Value(0.5, "w")
    rows = [[1.0 + k / 4] for k in range(2 * ROWS)]
    check_batch(lambda x: apply(gamma, w * x) * w + (w * x).tanh(), [w], rows)


def test_a_gradient_inside_the_loss_with_piecewise_derivatives() -> None:
    """An input-gradient penalty: d model/d x built with create_graph (relu's step, abs' sign inside)."""
    model = nn.MLP(2, [4, 1], activation="relu", seed=8)

    def loss(x0: Value, x1: Value, t: float) -> Value:
        out = model([x0, x1])
        dx0, dx1 = grad(out, [x0, x1], create_graph=True)
        return (out - t) ** 2 + 0.1 * (dx0 * dx0 + abs(dx1))

    rng = random.Random(8)
    rows = [[rng.uniform(-2, 2), rng.uniform(-2, 2), rng.uniform(-1, 1)] for _ in range(2 * ROWS)]
    check_batch(loss, model.parameters(), rows, numbers=[2])


def test_a_function_that_ignores_its_inputs() -> None:
    w = Value(1.5, "w")
    check_batch(lambda x, t: w * 2.0 + t * 0.0, [w], [[float(k), 1.0] for k in range(ROWS)], numbers=[1])


@pytest.mark.parametrize("weight", [0.0, 1e-300, 1e300, -1.0, math.inf, math.nan])
def test_extreme_weights_scale_as_eager(weight: float) -> None:
    """The weight seeds the backward pass at the output, as ``out.backward(weight)``: scaling the
    sums afterwards instead overflows (``x * x * 1e-300`` at x = 1e300) or misses ``0 * inf``."""
    w = Value(1.5, "w")
    rows = [[x] for x in (1e300, 1e-300, 0.0, 2.0, -1e200, 3.0, 1e154, -0.5)]
    check_batch(lambda x: (w * x) * x + (w * x).log() + w, [w], rows, weight=weight)


def test_static_labels_beyond_int64_and_bools() -> None:
    w = Value(0.5, "w")
    rows = alternating([[k / 3, 2**70 if k % 2 else 3] for k in range(ROWS)])
    check_batch(lambda x, t: w * x * t + w * (t % 7), [w], rows, static=[1])
    rows = alternating([[k / 3, 2**1100 if k % 2 else -3] for k in range(ROWS)])  # beyond float range
    check_batch(lambda x, t: (w * x * t).tanh() + w * (t % 7), [w], rows, static=[1])
    rows = alternating([[k / 3, k % 3 == 0] for k in range(ROWS)])
    check_batch(lambda x, t: (w * x).tanh() * (2.0 if t else -1.0) + t, [w], rows, static=[1])


# -- Python's own decisions on computed numbers: raising, signs of zero, builtins ---------------------


def _inverse_guard(x: Value) -> Value:
    d = W * x
    return d * 2 if 1 / d.data > 0.5 else d * 3  # ZeroDivisionError at d = 0


def _sqrt_guard(x: Value) -> Value:
    d = W * x
    return d * 2 if math.sqrt(d.data) > 0.5 else d * 3  # ValueError at d < 0


def _int_constant(x: Value) -> Value:
    d = W * x
    return d * int(d.data)  # OverflowError at inf, ValueError at nan


def _on_the_input(x: Value) -> Value:
    return W * 2 if 1 / x.data > 0.5 else W * math.log(x.data)  # guards on an input: 1/0, log(-1)


@pytest.mark.parametrize(
    ("fn", "bad", "error"),
    [
        (_inverse_guard, 0.0, ZeroDivisionError),
        (_sqrt_guard, -1.0, ValueError),
        (_int_constant, math.inf, OverflowError),
        (_int_constant, math.nan, ValueError),
        (_on_the_input, 0.0, ZeroDivisionError),
        (_on_the_input, -1.0, ValueError),
    ],
    ids=["1/0", "sqrt(-1)", "int(inf)", "int(nan)", "input 1/0", "input log(-1)"],
)
@pytest.mark.parametrize("columns", [True, False], ids=["columns", "row_by_row"])
def test_a_row_where_python_raises_raises_in_the_batch(
    fn: Any, bad: float, error: type, columns: bool
) -> None:
    """A row at which the function raises in Python raises the same in a batch: never a number."""
    good = [[k / 4 + 1] for k in range(ROWS)]
    rows = [*good[: ROWS // 2], [bad], *good[ROWS // 2 :]]
    with pytest.raises(error):
        eager_batch(fn, [W], rows, set(), 1.0)
    f = compile(fn, params=[W], max_traces=32)
    f.columns = columns and batch.AVAILABLE
    f.batch_value_and_grad(good)  # every good path traced
    f.batch_value_and_grad(good)
    with pytest.raises(error):
        f.batch_value_and_grad(rows)


def test_python_builtins_on_computed_numbers_equal_eager() -> None:
    def fn(x: Value) -> Value:
        d = W * x
        chained = d * 2 if -0.5 < d.data < 0.5 else d * 3
        clipped = d * max(d.data, 0.25) + d * min(abs(d.data), 1.0)
        truthy = d * 5 if bool(d.data) else d * 7
        return chained + clipped + truthy

    rows = alternating([[k / 2 - 2] for k in range(3 * ROWS)])
    check_batch(fn, [W], rows, max_traces=32)


def test_floor_division_and_modulo_of_computed_numbers_equal_eager() -> None:
    def fn(x: Value) -> Value:
        d = W * x
        return d * (d.data // 0.5) + d * (d.data % 0.75)

    check_batch(fn, [W], [[k / 3 - 2] for k in range(ROWS)], max_traces=32)


def test_the_sign_of_zero_in_a_guard_and_through_a_division() -> None:
    """``copysign`` tells -0.0 from 0.0, and so does ``1 / z``: a sum that rounds -0.0 to 0.0
    (an accumulator started at +0.0) would flip a sigmoid from 0 to 1."""
    b = Value(-0.0, "b")

    def fn(x0: Value, x1: Value) -> Value:
        z = W.mul_add(x0, W.mul_add(x1, b))
        side = z * 2 if math.copysign(1.0, z.data) > 0 else z * 3
        return (1 / z).sigmoid() * W + side

    zeros = [[0.0, 0.0], [-0.0, 0.0], [0.0, -0.0], [-0.0, -0.0], [1.0, -2.0], [-1.0, 2.0]]
    check_batch(fn, [W, b], alternating(zeros * 3))


# -- rows on a threshold or a kink: where another order of the same sums decides otherwise ---------------


def test_rows_exactly_on_a_guard_threshold_do_not_use_up_the_trace_cache() -> None:
    """|d| = 1 exactly on the first rows: over columns those rows are too close to call, so they go
    row by row, under one of the two traces the batch needs (not a new trace each time round)."""

    def huber(x: Value, t: float) -> Value:
        d = W * x - t
        return 0.5 * d * d if abs(d.data) <= 1 else abs(d) - 0.5

    rows = [[2.0, 0.0]] * 4 + [[float(k), 0.5] for k in range(2 * ROWS)]
    f = check_batch(huber, [W], rows, numbers=[1])
    assert f.n_traces == 2


def test_a_number_pinned_by_a_python_function_does_not_use_up_the_trace_cache() -> None:
    """``math.sqrt(d.data)`` needs the exact number, so each row has its own trace, as row by row."""

    def fn(x: Value) -> Value:
        d = W * x
        return d * 2 if math.sqrt(abs(d.data)) > 0.5 else d * 3

    rows = [[float(k)] for k in range(1, 5)] * 2
    f = check_batch(fn, [W], rows, max_traces=6)
    assert f.n_traces == 4


def test_a_relu_whose_input_eager_sums_to_exactly_zero() -> None:
    """``z = w1 x1 + (w0 x0 + b)`` is exactly 0 in eager's order (1 + 1e-17 rounds to 1) and 1e-17
    in a dot product's order: relu's derivative there is 0, not 1, and so are the gradients."""
    w0, w1, b = Value(1.0, "w0"), Value(-1.0, "w1"), Value(1e-17, "b")

    def neuron(x0: Value, x1: Value) -> Value:
        return w1.mul_add(x1, w0.mul_add(x0, b)).relu() + (w0 * x0).tanh()

    rows = [[1.0, 1.0]] * ROWS + [[0.5, -0.5]] * ROWS
    check_batch(neuron, [w0, w1, b], rows)


def test_a_hinge_whose_margin_eager_sums_to_exactly_zero() -> None:
    """The same through nn: the weighted sum ``((b + w0 x0) + w1 x1) + w2 x2`` is exactly 1.0 in
    eager's order (each -5e-17 is under half an ulp of 1), which puts the hinge ``relu(1 - s)`` on
    its kink (gradient 0); ``(w0 x0 + w1 x1 + w2 x2) + b`` is 1 - 2^-53, past it."""
    model = nn.MLP(3, [1], seed=0)
    assert [p.label for p in model.parameters()][-1].endswith("b")
    for p, value in zip(model.parameters(), (-5e-17, -5e-17, 0.0, 1.0)):
        p.data = value
    rows = [[1.0, 1.0, 1.0, 1]] * ROWS + [[0.5, 0.25, 2.0, -1]] * ROWS
    check_batch(lambda *a: losses.hinge([model(list(a[:3]))], [a[3]]), model.parameters(), rows, static=[3])


@pytest.mark.parametrize("kink", ["abs", "maximum", "minimum", "leaky_relu", "clamp"])
def test_other_kinks_whose_input_eager_sums_to_exactly_zero(kink: str) -> None:
    """As for relu: ``abs`` (derivative sign(0) = 0), ``maximum``/``minimum`` (a tie: half each),
    ``leaky_relu``, ``clamp``, at an input that eager's order sums to exactly 0."""
    w0, w1, b = Value(1.0, "w0"), Value(-1.0, "w1"), Value(1e-17, "b")
    forms = {
        "abs": lambda z: abs(z),
        "maximum": lambda z: maximum(z, 0.0),
        "minimum": lambda z: minimum(z, 0.0),
        "leaky_relu": lambda z: z.leaky_relu(0.1),
        "clamp": lambda z: z.clamp(0.0, 1.0),
    }

    def neuron(x0: Value, x1: Value) -> Value:
        return forms[kink](w1.mul_add(x1, w0.mul_add(x0, b))) * w0

    check_batch(neuron, [w0, w1, b], [[1.0, 1.0]] * ROWS + [[0.5, -0.5]] * ROWS)


def test_a_guard_on_a_sum_of_large_terms_that_eager_makes_exactly_zero() -> None:
    """At (1, 1) eager's ``(1e-11 + 1e6) - 1e6`` is exactly 0 (else branch); ``(1e6 - 1e6) + 1e-11``
    is 1e-11, far from 0 by an absolute margin but not by the size of the summed terms (1e6): the
    row must not be taken by the ``v > 0`` trace, nor make copies of the else trace."""
    w0, w1, b = Value(1e6, "w0"), Value(-1e6, "w1"), Value(1e-11, "b")

    def fn(x0: Value, x1: Value) -> Value:
        v = w1.mul_add(x1, w0.mul_add(x0, b))
        return v * 2 if v.data > 0 else v * 3 + w0

    rows = [[2.0, 1.0]] * ROWS + [[1.0, 1.0]] * ROWS  # the first rows trace v > 0
    check_batch(fn, [w0, w1, b], rows)
    f = check_batch(fn, [w0, w1, b], rows[::-1], max_traces=2)  # the else trace first
    assert f.n_traces == 2


#: ``math.exp(X0)`` is 13583.342664386912, NumPy's ``exp`` one ulp (1.8e-12) above it
X0 = 9.516599516949393


def test_a_guard_after_a_function_numpy_rounds_otherwise() -> None:
    """``exp(x) - c`` is exactly 0 in eager at x = X0 (``c = math.exp(X0)``) and 1.8e-12 over
    NumPy's ``exp``: a decision on it must follow eager's."""
    c = Value(math.exp(X0), "c")

    def fn(x: Value) -> Value:
        v = x.exp() - c
        return v * 2 if v.data > 0 else v * 3 + c

    check_batch(fn, [c], [[X0 + 1.0]] * ROWS + [[X0]] * ROWS)


def test_a_sum_that_overflows_in_eager_order_only() -> None:
    """Terms 1e308, 1e308, -1e308, -1e308 (products of moderate numbers): eager's running sum is
    inf after two; a sum in another order may be 0 or nan. tanh(z * 1e-300) then reads 1 or 0."""
    ws = [Value(s * 1e154) for s in (1, 1, -1, -1)]
    b = Value(0.0)

    def fn(*xs: Value) -> Value:
        z = b
        for w, x in zip(ws, xs):
            z = w.mul_add(x, z)
        return (z * 1e-300).tanh() * ws[0] * 1e-154

    check_batch(fn, [*ws, b], [[1e154] * 4] * ROWS)


def test_a_function_of_no_inputs_over_many_rows() -> None:
    """Rows with no numbers in them: one value per row all the same (the columns had no length)."""
    w = Value(1.5, "w")
    check_batch(lambda: w * w, [w], [[]] * ROWS)


def test_backward_agrees_with_grad_below_a_comparison_at_inf() -> None:
    """``w * x`` feeds only a comparison: no gradient reaches it, so none flows to ``w``; backward()
    still steps from it with its 0.0 and adds ``x * 0 = inf * 0 = nan`` to ``w.grad`` at x = inf."""
    w = Value(1.25, "w")
    out = apply(OPS[">"], w * Value(math.inf), Value(0.5)) * w
    out.backward()
    assert w.grad == grad(out, [w])[0] == 1.0


@pytest.mark.parametrize("kink", ["relu", "abs"])
def test_a_kink_after_a_function_numpy_rounds_otherwise(kink: str) -> None:
    """``relu(exp(x) - c)`` at x = X0: eager's 0 is NumPy's 1.8e-12, and relu's derivative there
    0 or 1: the gradient is off by |d/dc| = 1 per row (abs: 0 against 1, sign(0) = 0)."""
    c = Value(math.exp(X0), "c")

    def fn(x: Value) -> Value:
        v = x.exp() - c
        return (v.relu() if kink == "relu" else abs(v)) * c

    check_batch(fn, [c], [[X0 + 1.0]] * ROWS + [[X0]] * ROWS)


# -- the parameter vector in any order --------------------------------------------------------------


@pytest.mark.parametrize("order", ["as_is", "reversed", "shuffled", "with_unused", "layers_swapped"])
def test_parameters_listed_in_any_order(order: str) -> None:
    """A layer's weights read from the parameter vector (as strided views where they lie in order):
    right for any order of ``params``, and with parameters the function never reads in between."""
    model = nn.MLP(3, [4, 3, 2], activation="tanh", seed=1)
    params = model.parameters()
    if order == "reversed":
        params = params[::-1]
    elif order == "shuffled":
        random.Random(0).shuffle(params)
    elif order == "with_unused":
        params = [q for p in params for q in (p, Value(0.0))]
    elif order == "layers_swapped":
        params = [p for layer in model.layers[::-1] for p in layer.parameters()]
    rng = random.Random(1)
    rows = [[*(rng.uniform(-2, 2) for _ in range(3)), rng.randrange(2)] for _ in range(2 * ROWS)]
    check_batch(
        lambda *a: losses.cross_entropy([model(list(a[:3]))], [a[3]]),
        params,
        rows,
        static=[3],
        over_columns=True,
    )


_W0, _W1, _B, _ONE = Value(-5e-17), Value(-5e-17), Value(1.0), Value(1.0)


def _z(x0: Value, x1: Value) -> Value:
    """1.0 in eager's order at (1, 1) (each -5e-17 under half an ulp of 1), 1 - 2^-53 in a dot's."""
    return _W1.mul_add(x1, _W0.mul_add(x0, _B))


AT_ONE = {
    "maximum_tie": lambda x0, x1: maximum(_z(x0, x1), _ONE * x0 * x0),
    "minimum_tie": lambda x0, x1: minimum(_z(x0, x1), _ONE * x0 * x0),
    "clamp_lo": lambda x0, x1: _z(x0, x1).clamp(1.0, 2.0) * _ONE,
    "clamp_hi": lambda x0, x1: _z(x0, x1).clamp(0.0, 1.0) * _ONE,
    "relu_shifted": lambda x0, x1: (_z(x0, x1) - 1.0).relu() * _ONE,
    "abs_of_difference": lambda x0, x1: abs(_z(x0, x1) - _ONE),
    "guard_ge": lambda x0, x1: (lambda z: z * 2 if z.data >= 1.0 else z * 3)(_z(x0, x1)) * _ONE,
    "guard_eq": lambda x0, x1: (lambda z: z * 2 if z.data == 1.0 else z * 3)(_z(x0, x1)) * _ONE,
    "max_by_data": lambda x0, x1: (lambda z, y: z if z.data > y.data else y)(_z(x0, x1), _ONE * x0 * x0),
}


@pytest.mark.parametrize("case", sorted(AT_ONE))
def test_kinks_and_thresholds_away_from_zero(case: str) -> None:
    """Ties and kinks at 1, not 0 (a maximum of two columns, clamp bounds, shifted relu, guards)."""
    check_batch(AT_ONE[case], [_W0, _W1, _B, _ONE], [[1.0, 1.0]] * ROWS + [[0.5, 2.0]] * ROWS)
