"""The batch replay against the eager engine: random models and graphs, branchy losses whose guards
break mid-batch, IEEE edge inputs, full trace caches, hand-written neurons and shared weights.

Every test runs the batch over columns (NumPy, ``batch.MIN_ROWS`` lowered so small batches qualify)
and row by row, and compares both with eager (``tests/autograd/compiled/batch_check.py``). Without
NumPy the same tests run, both ways row by row."""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import nn
from autograd import Op, Value, apply, grad, maximum, minimum
from autograd.compiled import TraceError, batch, compile
from autograd.ops import OPS
from autograd.testing import expressions, mlp_expressions, points
from nn import losses
from nn.regularization import l2_penalty
from tests.autograd.compiled.batch_check import (
    check_batch,
    check_batch_call,
    check_batch_or_refusal,
    eager_batch,
    rows_over_columns,
)

ROWS = 12
#: half the profile's examples per property (the file has many), at least 5
FEW = settings(max_examples=max(5, settings().max_examples // 2))
ACTIVATIONS = ("relu", "tanh", "sigmoid", "leaky_relu", "linear")
EDGES = (0.0, -0.0, 1e308, -1e308, math.inf, -math.inf, math.nan, 5e-324, 1.0, -1.0)


@pytest.fixture(autouse=True)
def _small_batches_run_over_columns() -> Iterator[None]:
    before = batch.MIN_ROWS
    batch.MIN_ROWS = 4
    yield
    batch.MIN_ROWS = before


def model_rows(data: st.DataObject, nin: int, n: int = ROWS, bound: float = 2.0) -> list[list[float]]:
    return [data.draw(points(nin, bound)) for _ in range(n)]


def mlp(data: st.DataObject, nin: int, nout: int, output_activation: str | None = None) -> nn.MLP:
    hidden = data.draw(st.lists(st.integers(1, 4), min_size=0, max_size=2))
    activation = data.draw(st.sampled_from(ACTIVATIONS))
    return nn.MLP(nin, [*hidden, nout], activation, output_activation, seed=data.draw(st.integers(0, 2**16)))


def with_penalty(data: st.DataObject, model: nn.MLP, loss: Any) -> Any:
    """The per-row loss, plus an L2 penalty on the weights (a subgraph of parameters only) or not."""
    if not data.draw(st.booleans(), label="penalty"):
        return loss
    lam = data.draw(st.floats(1e-3, 1.0))
    return lambda *args: loss(*args) + l2_penalty(model.parameters(), lam, n=ROWS)


# -- nn.MLP under each loss ----------------------------------------------------------------------------


@FEW
@given(st.data())
def test_mlp_mse_equals_eager(data: st.DataObject) -> None:
    nin = data.draw(st.integers(1, 3))
    model = mlp(data, nin, 1)
    rows = [[*x, data.draw(st.floats(-2, 2))] for x in model_rows(data, nin)]
    loss = with_penalty(data, model, lambda *a: losses.mse([model(list(a[:nin]))], [a[nin]]))
    check_batch(
        loss,
        model.parameters(),
        rows,
        numbers=[nin],
        weight=data.draw(st.sampled_from([1.0, 1 / ROWS, -0.5])),
    )


@FEW
@given(st.data(), st.booleans())
def test_mlp_binary_cross_entropy_equals_eager(data: st.DataObject, from_logits: bool) -> None:
    nin = data.draw(st.integers(1, 3))
    model = mlp(data, nin, 1, None if from_logits else "sigmoid")
    rows = [[*x, data.draw(st.sampled_from([0.0, 1.0, 0.25]))] for x in model_rows(data, nin)]

    def loss(*a: Any) -> Value:
        return losses.binary_cross_entropy([model(list(a[:nin]))], [a[nin]], from_logits=from_logits)

    check_batch(with_penalty(data, model, loss), model.parameters(), rows, numbers=[nin], weight=1 / ROWS)


@FEW
@given(st.data())
def test_mlp_cross_entropy_with_int_labels_equals_eager(data: st.DataObject) -> None:
    nin, k = data.draw(st.integers(1, 3)), data.draw(st.integers(2, 4))
    model = mlp(data, nin, k)
    rows = [[*x, data.draw(st.integers(0, k - 1))] for x in model_rows(data, nin)]
    loss = with_penalty(data, model, lambda *a: losses.cross_entropy([model(list(a[:nin]))], [a[nin]]))
    check_batch(loss, model.parameters(), rows, static=[nin], weight=1 / ROWS)


@FEW
@given(st.data())
def test_mlp_cross_entropy_with_soft_labels_equals_eager(data: st.DataObject) -> None:
    nin, k = data.draw(st.integers(1, 3)), data.draw(st.integers(2, 3))
    model = mlp(data, nin, k)

    def soft() -> list[float]:
        raw = data.draw(st.lists(st.floats(0, 1), min_size=k, max_size=k))
        total = sum(raw)
        return [r / total for r in raw] if total > 0 else [1.0 / k] * k

    rows = [[*x, *soft()] for x in model_rows(data, nin)]
    loss = with_penalty(data, model, lambda *a: losses.cross_entropy([model(list(a[:nin]))], [list(a[nin:])]))
    check_batch(loss, model.parameters(), rows, numbers=range(nin, nin + k), weight=1 / ROWS)


@FEW
@given(st.data())
def test_mlp_hinge_with_static_labels_equals_eager(data: st.DataObject) -> None:
    nin = data.draw(st.integers(1, 3))
    model = mlp(data, nin, 1)
    rows = [[*x, data.draw(st.sampled_from([-1, 1]))] for x in model_rows(data, nin)]
    loss = with_penalty(data, model, lambda *a: losses.hinge([model(list(a[:nin]))], [a[nin]]))
    f = check_batch(loss, model.parameters(), rows, static=[nin], weight=1 / ROWS)
    assert f.n_traces == len({row[nin] for row in rows})


# -- random expression graphs --------------------------------------------------------------------------


@FEW
@given(
    mlp_expressions(
        max_features=3, max_width=3, max_layers=2, activations=("tanh", "sigmoid", "relu", "linear")
    ),
    st.data(),
)
def test_mlp_expressions_with_weights_as_parameters_equal_eager(expression: Any, data: st.DataObject) -> None:
    n = sum(1 for name in expression.input_names if name.startswith("x"))
    weights = [Value(data.draw(st.floats(-1, 1)), name) for name in expression.input_names[n:]]
    rows = model_rows(data, n)
    check_batch(lambda *xs: expression(*xs, *weights), weights, rows)


@FEW
@given(expressions(max_inputs=4, max_ops=8), st.data())
def test_random_graphs_with_some_inputs_as_parameters_equal_eager(
    expression: Any, data: st.DataObject
) -> None:
    """Inputs split at random into row inputs, number inputs and parameters: every mix of columns
    and per-batch scalars in one graph."""
    n = expression.n_inputs
    roles = data.draw(st.lists(st.sampled_from(["row", "number", "param"]), min_size=n, max_size=n))
    roles[0] = "row"
    params = [Value(data.draw(st.floats(-2, 2))) for role in roles if role == "param"]
    columns = [k for k, role in enumerate(roles) if role != "param"]
    numbers = [i for i, k in enumerate(columns) if roles[k] == "number"]

    def fn(*xs: Any) -> Value:
        given_, weights = iter(xs), iter(params)
        return expression(*[next(weights) if role == "param" else next(given_) for role in roles])

    rows = model_rows(data, len(columns))
    check_batch(fn, params, rows, numbers=numbers, weight=data.draw(st.sampled_from([1.0, 0.1])))


# -- branchy losses: guards that break mid-batch ---------------------------------------------------


def alternating(rows: list[list[float]], seed: int = 0) -> list[list[float]]:
    """The rows shuffled, so that consecutive rows take different branches."""
    rows = list(rows)
    random.Random(seed).shuffle(rows)
    return rows


@FEW
@given(st.data())
def test_huber_on_a_computed_value_equals_eager(data: st.DataObject) -> None:
    model = mlp(data, 2, 1)

    def huber(x0: Value, x1: Value, t: float) -> Value:
        d = model([x0, x1]) - t
        return 0.5 * d * d if abs(d.data) <= 1 else abs(d) - 0.5

    rows = [[*x, data.draw(st.floats(-3, 3))] for x in model_rows(data, 2, 2 * ROWS)]
    check_batch(huber, model.parameters(), rows, numbers=[2])


def test_huber_rows_on_both_sides_and_on_the_boundary() -> None:
    w = Value(0.5, "w")

    def huber(x: Value, t: float) -> Value:
        d = w * x - t
        return 0.5 * d * d if abs(d.data) <= 1 else abs(d) - 0.5

    rows = alternating(
        [[x / 4, t] for x in range(-12, 13) for t in (0.0, 1.0, -1.0)]
    )  # |d| = 1 exactly in some
    check_batch(huber, [w], rows, numbers=[1])


def test_a_branch_on_a_number_input_equals_eager() -> None:
    w, b = Value(0.8, "w"), Value(-0.1, "b")

    def branchy(x: Value, t: float) -> Value:
        return (w * x + b).tanh() * t if t > 0 else (w * x - t) ** 2 + b

    rows = alternating([[k / 7 - 1, float(k % 5 - 2)] for k in range(3 * ROWS)])
    check_batch(branchy, [w, b], rows, numbers=[1], over_columns=True)


def test_max_by_data_of_two_outputs_equals_eager() -> None:
    model = nn.MLP(2, [3, 2], activation="tanh", seed=3)

    def larger(x0: Value, x1: Value) -> Value:
        a, b = model([x0, x1])
        return a if a.data > b.data else b

    rng = random.Random(1)
    rows = [[rng.uniform(-3, 3), rng.uniform(-3, 3)] for _ in range(3 * ROWS)]
    f = check_batch(larger, model.parameters(), rows)
    assert f.n_traces == 2


def test_round_of_a_computed_value_as_a_constant_equals_eager() -> None:
    w = Value(1.3, "w")

    def to_nearest(x: Value) -> Value:
        h = w * x
        return (h - round(h.data)) ** 2  # the distance to the nearest integer, round() a recomputed constant

    rows = [[k / 3] for k in range(-15, 16)]  # h crosses several .5 points, including exact ties
    check_batch(to_nearest, [w], rows, max_traces=32)


def test_label_dependent_branches_equal_eager() -> None:
    model = nn.MLP(2, [4, 3], activation="relu", seed=5)

    def loss(x0: Value, x1: Value, label: int) -> Value:
        z = model([x0, x1])
        if label == 0:
            return losses.cross_entropy([z], [0])
        if label == 1:
            return (z[1] - 1.0) ** 2 + z[2].sigmoid()
        return abs(z[0] - z[2]) * 2

    rng = random.Random(2)
    rows = [[rng.uniform(-2, 2), rng.uniform(-2, 2), rng.randrange(3)] for _ in range(3 * ROWS)]
    f = check_batch(loss, model.parameters(), rows, static=[2], weight=0.25, over_columns=True)
    assert f.n_traces == 3


def test_a_weight_table_read_with_int_of_a_number_input_equals_eager() -> None:
    table = [Value(v, f"c{k}") for k, v in enumerate((0.5, 2.0, -1.0, 3.0))]
    w = Value(0.7, "w")

    def weighted(x: Value, t: float) -> Value:
        return table[int(t)] * (w * x - t) ** 2

    rows = alternating([[k / 5, float(k % 4)] for k in range(-10, 10)])
    check_batch(weighted, [w, *table], rows, numbers=[1])


def test_a_branch_whose_sides_differ_a_lot_on_a_computed_value() -> None:
    """Not continuous at the threshold: a row on the wrong side would be off by 10, not by rounding."""
    w = Value(0.25, "w")

    def jump(x: Value) -> Value:
        z = w * x + 0.5
        return z if z.data > 0 else z + 10.0

    rows = alternating([[k / 2] for k in range(-8, 8)])  # z = 0 exactly at x = -2
    check_batch(jump, [w], rows)


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


# -- hand-written neurons, shared and reused weights, constants --------------------------------------------


def test_micrograd_style_neurons_with_plus_and_times() -> None:
    rng = random.Random(4)
    layer1 = [([Value(rng.uniform(-1, 1)) for _ in range(3)], Value(rng.uniform(-1, 1))) for _ in range(4)]
    out_w, out_b = [Value(rng.uniform(-1, 1)) for _ in range(4)], Value(0.1)
    params = [p for ws, b in layer1 for p in (*ws, b)] + out_w + [out_b]

    def net(x0: Value, x1: Value, x2: Value) -> Value:
        x = [x0, x1, x2]
        h = [sum((wi * xi for wi, xi in zip(ws, x)), b).tanh() for ws, b in layer1]
        return sum((wi * hi for wi, hi in zip(out_w, h)), out_b)

    rows = [[rng.uniform(-2, 2) for _ in range(3)] for _ in range(2 * ROWS)]
    check_batch(net, params, rows, over_columns=True)


def test_the_same_weight_twice_in_one_neuron_and_in_two_neurons() -> None:
    a, b, c, bias = Value(0.3, "a"), Value(-0.7, "b"), Value(1.1, "c"), Value(0.2, "bias")

    def net(x0: Value, x1: Value, x2: Value) -> Value:
        n1 = a.mul_add(x0, a.mul_add(x1, b.mul_add(x2, bias)))  # a twice in one chain
        n2 = c.mul_add(x0, a.mul_add(x2, b))  # a again, and b as the addend
        n3 = a * x0 + a * x1 + c * x2 + bias  # the same, with + and *
        return n1.tanh() * n2 + n3.sigmoid()

    rng = random.Random(6)
    rows = [[rng.uniform(-2, 2) for _ in range(3)] for _ in range(2 * ROWS)]
    check_batch(net, [a, b, c, bias], rows, over_columns=True)


def test_a_weight_as_a_coefficient_and_elsewhere() -> None:
    w, v = Value(0.4, "w"), Value(-1.2, "v")

    def fn(x: Value, y: Value) -> Value:
        z = w.mul_add(x, v.mul_add(y, w))  # w a coefficient and the chain's start
        return z.tanh() + w.tanh() + w * x + (w * v).exp() * y

    rows = [[k / 5 - 1, 1 - k / 7] for k in range(2 * ROWS)]
    check_batch(fn, [w, v], rows, over_columns=True)


def test_constants_as_coefficients_and_inputs_as_coefficients() -> None:
    w, b = Value(0.6, "w"), Value(0.1, "b")

    def fn(x: Value, y: Value) -> Value:
        linear = 2 * x + 3 * y + b  # constant coefficients
        swapped = x.mul_add(w, y.mul_add(w, b))  # the input is the coefficient, the weight the factor
        constant = w.mul_add(2.0, 3.0)  # no column at all
        computed = linear.mul_add(swapped, x)  # a computed coefficient
        return linear.tanh() * swapped + constant * computed

    rows = [[k / 6 - 1, (k % 5) / 3] for k in range(2 * ROWS)]
    check_batch(fn, [w, b], rows, over_columns=True)


def test_a_partial_sum_of_a_chain_used_outside_it() -> None:
    w0, w1, w2, b = (Value(v) for v in (0.5, -0.25, 0.75, 0.1))

    def fn(x0: Value, x1: Value, x2: Value) -> Value:
        z1 = w0.mul_add(x0, b)
        z2 = w1.mul_add(x1, z1)
        z3 = w2.mul_add(x2, z2)
        return z3.tanh() + z1 * 3.0 + z2.sigmoid()  # z1 and z2 are read besides the chain

    rows = [[k / 5 - 1, 1 - k / 9, (k % 4) / 2] for k in range(2 * ROWS)]
    check_batch(fn, [w0, w1, w2, b], rows, over_columns=True)


def test_neurons_reading_inputs_in_different_orders_and_lengths() -> None:
    ws = [Value(v / 10) for v in range(-6, 7)]
    b = Value(0.05)

    def fn(x0: Value, x1: Value, x2: Value) -> Value:
        n1 = ws[0].mul_add(x0, ws[1].mul_add(x1, ws[2].mul_add(x2, b)))
        n2 = ws[3].mul_add(x2, ws[4].mul_add(x0, ws[5].mul_add(x1, b)))  # another order
        n3 = ws[6].mul_add(x1, b)  # shorter
        n4 = ws[7].mul_add(x0, ws[8].mul_add(x0, b))  # one input twice
        hidden = [n.tanh() for n in (n1, n2, n3, n4)]
        return ws[9].mul_add(
            hidden[0], ws[10].mul_add(hidden[1], ws[11].mul_add(hidden[2], ws[12] * hidden[3]))
        )

    rows = [[k / 5 - 1, 1 - k / 9, (k % 4) / 2] for k in range(2 * ROWS)]
    check_batch(fn, [*ws, b], rows, over_columns=True)


def test_same_op_nodes_that_depend_on_each_other() -> None:
    w, v = Value(0.9, "w"), Value(-0.4, "v")

    def fn(x: Value, y: Value) -> Value:
        t1, t2 = (w * x).tanh(), (v * y).tanh()
        t3 = (t1 + t2).tanh()  # a tanh of tanhs: not one group with t1 and t2
        t4 = (t3 * w).tanh()
        return t4 + t1 * t3

    rows = [[k / 5 - 1, 1 - k / 9] for k in range(2 * ROWS)]
    check_batch(fn, [w, v], rows, over_columns=True)


def test_batch_backward_accumulates_into_grad_as_eager() -> None:
    model = nn.MLP(3, [4, 2], activation="tanh", seed=7)
    rng = random.Random(7)
    rows = [[*(rng.uniform(-1, 1) for _ in range(3)), rng.randrange(2)] for _ in range(2 * ROWS)]

    def loss(x0: Value, x1: Value, x2: Value, t: int) -> Value:
        return losses.cross_entropy([model([x0, x1, x2])], [t])

    params = model.parameters()
    expected = eager_batch(loss, params, rows, {3}, 0.5)
    f = compile(loss, params=model, static=[3])
    for p in params:
        p.grad = 1.0
    f.batch_backward(rows, 0.5)  # traces
    for p in params:
        p.grad = 1.0
    total = f.batch_backward(rows, 0.5)
    assert total == pytest.approx(expected.value, rel=1e-12)
    assert [p.grad for p in params] == pytest.approx([1.0 + g for g in expected.grads], rel=1e-12, abs=1e-15)


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

W = Value(0.5, "w")


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


# -- nodes of one op that differ: constants, operand order, shapes ---------------------------------------


@pytest.mark.parametrize("one_sided", [False, True], ids=["both_bounds", "with_clamp_hi_only"])
def test_nodes_of_one_op_with_different_constants_and_operand_orders(one_sided: bool) -> None:
    """Same-op nodes side by side, each with its own constant or operand order: grouping them must
    keep each node's own (``x ** 2`` is not ``x ** 3``, ``2 - x`` is not ``x - 2``)."""
    u, v = Value(0.7, "u"), Value(-0.3, "v")

    def fn(x: Value, y: Value) -> Value:
        a, b, c = u * x, v * y, u * y
        powers = a**2 + b**3 + abs(c) ** 0.5 + 2.0**a
        subtractions = (a - 2.0) + (2.0 - b) + (c - a) + (b - c)
        divisions = a / 3.0 + 3.0 / (b * b + 1.0) + c / (a * a + 0.5)
        kinks = a.leaky_relu(0.1) + b.leaky_relu(0.3) + c.clamp(-0.5, 0.25) + a.clamp(lo=0.0)
        if one_sided:
            kinks = kinks + b.clamp(hi=0.1)
        extremes = maximum(a, 0.2) + maximum(b, c) + minimum(0.1, c) + minimum(a, b)
        return powers + subtractions + divisions + kinks + extremes

    rng = random.Random(9)
    rows = [[rng.uniform(-2, 2), rng.uniform(-2, 2)] for _ in range(2 * ROWS)]
    check_batch(fn, [u, v], rows, over_columns=None if one_sided else True)


def test_same_op_nodes_mixing_columns_parameters_and_constants() -> None:
    """``tanh`` of a column, of a parameter-only value and of a number input side by side."""
    u, v = Value(0.7, "u"), Value(-0.3, "v")

    def fn(x: Value, t: float) -> Value:
        per_row = (u * x).tanh()
        per_batch = (u * v).tanh()  # the same for every row
        per_number = (v * t).tanh()  # t is a plain number input
        return per_row * per_batch + per_number * x + (u + v).exp() * (x * t).exp()

    rows = [[k / 6 - 1, (k % 4) / 3] for k in range(2 * ROWS)]
    check_batch(fn, [u, v], rows, numbers=[1], over_columns=True)


def test_neurons_whose_weights_are_computed_and_whose_addend_is_another_neuron() -> None:
    """A layer whose weights are computed from parameters (``w * w``, ``w.tanh()``), a chain whose
    addend is another neuron's output (a residual), a column times a column."""
    w = [Value(v / 7) for v in range(-3, 4)]

    def fn(x0: Value, x1: Value, t: float) -> Value:
        n1 = (w[0] * w[0]).mul_add(x0, w[1].tanh().mul_add(x1, w[2]))
        n2 = w[3].mul_add(x0, w[4].mul_add(x1, n1))  # n1 is n2's addend
        n3 = x0.mul_add(x1, w[5] * t)  # both factors columns, a number input in the addend
        n4 = (w[6] * t).mul_add(x0, n3)  # a coefficient that varies by row through t
        return n1.tanh() + n2.sigmoid() + n3 * n4

    rows = [[k / 6 - 1, (k % 5) / 4, (k % 3) - 1.0] for k in range(2 * ROWS)]
    check_batch(fn, w, rows, numbers=[2], over_columns=True)


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


@pytest.mark.xfail(
    strict=True,
    reason="engine: Value.backward() steps from a node no gradient reaches (0 * inf = nan); grad() "
    "and compile skip it",
)
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


# -- where a layer's neurons go: the output, a guard, nowhere -------------------------------------------

_U, _V, _B = Value(0.3, "u"), Value(-0.4, "v"), Value(0.1, "b")


def _layer(x: Value, y: Value) -> tuple[Value, Value]:
    return W.mul_add(x, _V.mul_add(y, _B)), _V.mul_add(x, _U.mul_add(y, _B))


SHAPES = {
    "output_is_a_neuron": lambda x, y: (lambda z: z[0] if z[1].data > 0 else z[1])(_layer(x, y)),
    "sibling_read_by_a_guard_only": lambda x, y: (lambda z: z[0].tanh() * (2.0 if z[1].data > 0 else 3.0))(
        _layer(x, y)
    ),
    "sibling_never_used": lambda x, y: _layer(x, y)[0].tanh(),
    "neuron_read_three_times": lambda x, y: (lambda z: z * z + z.tanh() * z)(_layer(x, y)[0]),
    "coefficient_computed_from_parameters": lambda x, y: (W * _V + _U).tanh().mul_add(x, _B).relu() + _U * y,
    "output_is_one_of_a_group": lambda x, y: (lambda t: t[0] if t[1].data > 0 else t[0] * 2.0)(
        ((W * x).tanh(), (_V * y).tanh())
    ),
}


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_where_a_layers_neurons_go(shape: str) -> None:
    rows = [[k / 5 - 1, 1 - k / 7] for k in range(2 * ROWS)]
    check_batch(SHAPES[shape], [W, _U, _V, _B], rows, over_columns=True)


# -- batch_call: every row's value(s), forward only ----------------------------------------------------


@FEW
@given(st.data())
def test_batch_call_of_an_mlp_with_several_outputs_equals_eager(data: st.DataObject) -> None:
    nin, nout = data.draw(st.integers(1, 3)), data.draw(st.integers(1, 3))
    model = mlp(data, nin, nout)
    rows = model_rows(data, nin, 2 * ROWS)
    if data.draw(st.booleans(), label="edges"):
        rows[0] = [data.draw(st.sampled_from(EDGES)) for _ in range(nin)]

    def fn(*xs: Value) -> Any:
        out = model(list(xs))
        return tuple(out) if isinstance(out, list) else out

    f = check_batch_call(fn, model.parameters(), rows)
    assert rows_over_columns(f) in (None, 0, len(rows))  # every row over columns, or none


def test_batch_call_with_branches_and_labels_equals_eager() -> None:
    model = nn.MLP(2, [4, 3], activation="relu", seed=11)

    def fn(x0: Value, x1: Value, label: int) -> Any:
        z = model([x0, x1])
        top = max(z, key=lambda v: v.data)  # a decision on computed numbers
        return (top - z[label], z[label].tanh()) if top.data > 0 else (z[label], top)

    rng = random.Random(11)
    rows = [[rng.uniform(-2, 2), rng.uniform(-2, 2), rng.randrange(3)] for _ in range(3 * ROWS)]
    check_batch_call(fn, model.parameters(), rows, static=[2], max_traces=32)


@FEW
@given(st.data())
def test_labels_and_guards_with_rows_on_the_thresholds(data: st.DataObject) -> None:
    """Weights and inputs on a coarse grid, so that sums land exactly on a guard's threshold or a
    kink in eager's order for many rows; several labels, so that the rows left by the columns
    belong to different traces."""
    model = nn.MLP(2, [3, 3], activation=data.draw(st.sampled_from(["relu", "linear"])), seed=0)
    for p in model.parameters():
        p.data = data.draw(st.sampled_from([-1.0, -0.5, 0.0, 0.25, 0.5, 1.0, 1e-17, -5e-17]))
    grid = st.sampled_from([-2.0, -1.0, -0.5, 0.0, 0.5, 1.0, 2.0])
    rows = [[data.draw(grid), data.draw(grid), data.draw(st.integers(0, 2))] for _ in range(3 * ROWS)]

    def loss(x0: Value, x1: Value, label: int) -> Value:
        z = model([x0, x1])
        d = z[label] - z[(label + 1) % 3]
        return (
            0.5 * d * d if abs(d.data) <= 1 else abs(d) - 0.5 + (z[label] if z[label].data > 0 else -z[label])
        )

    check_batch(loss, model.parameters(), rows, static=[2], max_traces=32)
