"""The batch replay against the eager engine: random models and graphs under every loss, branchy
losses whose guards break mid-batch, hand-written neurons, shared and reused weights, same-op nodes,
batch_call. IEEE edges, raising rows, kinks and thresholds: ``test_batch_edges.py``.

Every test runs the batch over columns (NumPy, ``batch.MIN_ROWS`` lowered so small batches qualify)
and row by row, and compares both with eager (``tests/autograd/compiled/batch_check.py``). Without
NumPy the same tests run, both ways row by row."""

from __future__ import annotations

import random
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import nn
from autograd import Value, maximum, minimum
from autograd.compiled import compile
from autograd.testing import expressions, mlp_expressions
from nn import losses
from nn.regularization import l2_penalty
from tests.autograd.compiled.batch_cases import FEW, ROWS, W, alternating, mlp, model_rows
from tests.autograd.compiled.batch_check import (
    check_batch,
    eager_batch,
)

pytestmark = pytest.mark.usefixtures("small_batches_run_over_columns")


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
