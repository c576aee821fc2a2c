"""The compiled replay: the same numbers as the eager engine, readable source, clear refusals."""

from __future__ import annotations

import math
import random
import re
from collections.abc import Callable, Sequence
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd import Value, detect_anomaly, grad, no_grad
from autograd.compiled import Compiled, TraceError, compile
from autograd.engine import apply, topological_order
from autograd.ops import OPS
from autograd.testing import expressions_with_points, mlp_expressions, op_inputs, points

RTOL = 1e-12


def op(name: str, *args: Value | float) -> Value:
    """Apply an op from the table by name (``op("tanh", x)`` is ``x.tanh()``)."""
    return apply(OPS[name], *args)


def same(expected: float, got: float, rtol: float = RTOL, atol: float = 0.0) -> bool:
    """Equal to ``rtol`` (nan equals nan, inf equals inf of the same sign)."""
    if expected == got or (math.isnan(expected) and math.isnan(got)):
        return True
    return math.isclose(expected, got, rel_tol=rtol, abs_tol=atol)


def assert_same(
    expected: Sequence[float], got: Sequence[float], rtol: float = RTOL, atol: float = 0.0
) -> None:
    assert len(expected) == len(got)
    for i, (e, g) in enumerate(zip(expected, got)):
        assert same(e, g, rtol, atol), f"item {i}: eager {e!r}, compiled {g!r}"


def eager(fn: Callable[..., Value], point: Sequence[float]) -> tuple[float, list[float]]:
    """Value and gradients from the eager engine."""
    xs = [Value(x) for x in point]
    out = fn(*xs)
    return out.data, [float(g) for g in grad(out, xs)]


def check_against_eager(fn: Callable[..., Value], *points_: Sequence[float]) -> Compiled:
    """Compile at the first point, then replay at every point and compare with eager."""
    f = compile(fn)
    for point in points_:
        value, grads = f.value_and_grad(*point)
        expected_value, expected_grads = eager(fn, point)
        assert same(expected_value, value), (expected_value, value)
        assert_same(expected_grads, grads)
        assert same(expected_value, f(*point))
    return f


# -- the same numbers as the eager engine ----------------------------------------------------------


def test_chain_rule_example() -> None:
    f = compile(lambda x, y: (x * y + 3) ** 2 + 1)
    assert f.value_and_grad(2.0, 3.0) == (82.0, [54.0, 36.0])  # df/dx = 2(xy+3)y, df/dy = 2(xy+3)x
    assert f(2.0, 3.0) == 82.0
    assert f.value_and_grad(-1.0, 0.5) == (7.25, [2.5, -5.0])  # replayed at new inputs


@pytest.mark.parametrize("name", list(OPS))
@given(data=st.data())
def test_every_op_matches_eager(name: str, data: st.DataObject) -> None:
    op = OPS[name]
    args = data.draw(op_inputs(op))
    other = data.draw(op_inputs(op))
    check_against_eager(lambda *xs: apply(op, *xs), args, other)
    if op.arity == 2:  # with one argument a constant (the 2 in x ** 2): no gradient for it
        check_against_eager(lambda x: apply(op, x, args[1]), args[:1], other[:1])
        check_against_eager(lambda x: apply(op, args[0], x), args[1:], other[1:])


@given(expressions_with_points(max_inputs=3, max_ops=8), st.data())
def test_random_graphs_match_eager_at_new_inputs(case: tuple, data: st.DataObject) -> None:
    expression, point = case
    again = data.draw(points(expression.n_inputs))
    check_against_eager(expression, point, again)


@given(mlp_expressions(activations=("tanh", "relu", "sigmoid", "linear")), st.data())
def test_mlp_graphs_match_eager(expression: object, data: st.DataObject) -> None:
    n = expression.n_inputs  # type: ignore[attr-defined]
    check_against_eager(expression, data.draw(points(n)), data.draw(points(n)))  # type: ignore[arg-type]


def test_reuse_sums_all_paths() -> None:
    def fn(x: Value, y: Value) -> Value:
        a = x + x  # children (x, x)
        b = a * a * y
        return b / (a + 1) - x * x

    f = check_against_eager(fn, [1.5, -2.0], [0.25, 3.0])
    assert f.n_inputs == 2


def test_ieee_values_replay_like_eager() -> None:
    # log(0) = -inf, 1/0 = inf, sqrt(-1) = nan: the replay gives what the engine gives
    check_against_eager(lambda x: op("log", x) + 1 / x + op("sqrt", x), [0.0], [-1.0], [2.0])
    # infinite, nan, negative and signed-zero constants are written so they read back exactly
    check_against_eager(lambda x: x * math.inf + x * -0.0 + x**-2 - x * -3.5, [2.0], [-0.5])
    check_against_eager(lambda x: x * math.nan, [1.0])
    check_against_eager(lambda x: x**0 + x**1 + 0.0**x, [0.0], [2.0], [-1.0])  # rules with branches


def test_rules_over_constants_are_evaluated_once() -> None:
    source = compile(lambda x: x**3 + x / 4, example=[1.0]).source
    assert "power(x, 2.0)" in source  # b * a ** (b - 1) with b = 3: the b - 1 is folded
    assert "0.25 * g_" in source  # d(a/b)/da = 1/b with b = 4
    # conditions in a rule that constants settle are decided once; the rest stay, exact at 0
    check_against_eager(lambda x: x**0 + x**3 + 2.0**x + 0.0**x, [0.0], [1.5], [-2.0])


def test_relu_abs_leaky_relu_derivatives_follow_the_runtime_value() -> None:
    f = check_against_eager(lambda x: x.relu() + abs(x) + x.leaky_relu(0.1), [1.0], [-1.0], [0.0])
    assert f.value_and_grad(2.0)[1] == [3.0]
    assert f.value_and_grad(-2.0)[1] == [-1 + 0.1]


def test_output_not_depending_on_inputs_has_zero_gradients() -> None:
    assert compile(lambda x, y: x * 2).value_and_grad(1.0, 5.0) == (2.0, [2.0, 0.0])
    assert compile(lambda x: Value(3.0) * 2).value_and_grad(1.0) == (6.0, [0.0])
    assert compile(lambda x: x).value_and_grad(4.0) == (4.0, [1.0])


def test_compile_inside_no_grad_still_records() -> None:
    with no_grad():
        f = compile(lambda x: x * x, example=[3.0])
        assert f.value_and_grad(3.0) == (9.0, [6.0])


# -- parameters and training -------------------------------------------------------------------------


def tiny_model(seed: int = 0) -> tuple[list[Value], Callable[[Sequence[float]], Value]]:
    """A 2-3-1 MLP by hand: relu hidden layer, linear output."""
    rng = random.Random(seed)
    params = [Value(rng.uniform(-1, 1), f"w{i}") for i in range(13)]

    def model(x: Sequence[Value | float]) -> Value:
        hidden = [
            (params[3 * j] * x[0] + params[3 * j + 1] * x[1] + params[3 * j + 2]).relu() for j in range(3)
        ]
        return params[9] * hidden[0] + params[10] * hidden[1] + params[11] * hidden[2] + params[12]

    return params, model


DATA = [([0.5, -1.0], 1.0), ([-0.3, 0.8], -1.0), ([1.2, 0.1], 1.0), ([-0.9, -0.4], -1.0)]


def batch_loss(params: Sequence[Value], model: Callable[[Sequence[float]], Value]) -> Value:
    losses = [(1 - y * model(x)).relu() for x, y in DATA]
    squares = [p * p for p in params]
    return sum(losses[1:], losses[0]) * (1 / len(losses)) + 1e-3 * sum(squares[1:], squares[0])


def test_params_gradients_match_eager_and_follow_new_data() -> None:
    params, model = tiny_model()
    step = compile(lambda: batch_loss(params, model), params=params)
    for _ in range(3):
        loss = batch_loss(params, model)
        expected = [float(g) for g in grad(loss, params)]
        value, grads = step.value_and_grad()
        assert same(loss.data, value)
        assert_same(expected, grads)
        for p in params:  # the next call must read the new .data
            p.data += 0.1
    assert step.param_names[:2] == ["w0", "w1"]


def test_training_compiled_equals_training_eager() -> None:
    eager_params, eager_model = tiny_model(seed=1)
    params, model = tiny_model(seed=1)
    step = compile(lambda: batch_loss(params, model), params=params)
    for _ in range(5):
        loss = batch_loss(eager_params, eager_model)
        for p in eager_params:
            p.grad = 0.0
        loss.backward()
        for p in params:
            p.grad = 0.0
        value = step.backward()
        assert same(loss.data, value)
        for a, b in zip(eager_params, params):
            assert same(a.grad, b.grad, atol=1e-15)
            a.data -= 0.1 * a.grad
            b.data -= 0.1 * b.grad
    assert_same([p.data for p in eager_params], [p.data for p in params], atol=1e-15)


def test_backward_accumulates_like_leaves() -> None:
    w = Value(3.0, "w")
    f = compile(lambda x: w * x, params=[w])
    assert f.backward(2.0) == 6.0
    assert w.grad == 2.0
    f.backward(5.0)
    assert w.grad == 7.0  # leaves accumulate; zero them between steps


def test_batch_replays_one_sample_per_row() -> None:
    params, model = tiny_model(seed=2)
    sample = compile(lambda x0, x1, y: (1 - y * model([x0, x1])).relu(), params=params)
    rows = [[*x, y] for x, y in DATA]
    total, grads = sample.batch_value_and_grad(rows, weight=1 / len(rows))
    losses = [(1 - y * model(x)).relu() for x, y in DATA]
    mean = sum(losses[1:], losses[0]) * (1 / len(losses))
    assert same(mean.data, total, atol=1e-15)
    assert_same([float(g) for g in grad(mean, params)], grads, atol=1e-15)
    for p in params:
        p.grad = 1.0
    sample.batch_backward(rows, weight=1 / len(rows))
    assert_same([1.0 + g for g in grads], [p.grad for p in params], atol=1e-15)


def test_batch_checks_rows() -> None:
    w = Value(2.0, "w")
    f = compile(lambda x, t: (w * x - t) ** 2, params=[w])
    rows = [(1, 0), (2.0, 1), [0.5, 0.25]]  # ints are fine
    total, grads = f.batch_value_and_grad(rows)
    assert total == 4.0 + 9.0 + 0.5625
    assert grads == [2 * 2.0 * 1 + 2 * 3.0 * 2 + 2 * 0.75 * 0.5]
    with pytest.raises(ValueError, match="takes 2 inputs"):
        f.batch_value_and_grad([(1.0, 2.0, 3.0)])
    with pytest.raises(TypeError, match="must be a real number"):
        f.batch_value_and_grad([(1.0, "2")])
    assert f.batch_value_and_grad([]) == (0.0, [0.0])


def test_params_from_a_mapping_name_the_variables() -> None:
    w, b = Value(2.0), Value(0.5)
    f = compile(lambda x: w * x + b, params={"weight": w, "layer.0.bias": b})
    assert f.value_and_grad(3.0) == (6.5, [2.0, 3.0, 1.0])
    assert f.param_names == ["weight", "layer_0_bias"]
    assert "weight * x" in f.source


def test_params_from_a_module() -> None:
    nn = pytest.importorskip("nn")
    model = nn.MLP(2, [4, 1], seed=0)
    X = [[0.5, -1.0], [-0.3, 0.8], [1.2, 0.1]]
    step = compile(lambda: sum((model(x) for x in X[1:]), model(X[0])), params=model)
    out = sum((model(x) for x in X[1:]), model(X[0]))
    value, grads = step.value_and_grad()
    assert same(out.data, value)
    assert_same([float(g) for g in grad(out, model.parameters())], grads)
    assert len(step.params) == len(model.parameters())


# -- readable source -----------------------------------------------------------------------------------


def test_source_has_one_line_per_node_and_per_chain_rule_step() -> None:
    def fn(x: Value, y: Value) -> Value:
        h = x * y
        h.label = "h"
        return op("tanh", h + 0.1) * h - 2 * x

    f = compile(fn, example=[0.5, 2.0])
    source = f.source
    xs = [Value(0.5, "x"), Value(2.0, "y")]
    out = fn(*xs)
    nodes = topological_order(out)
    ops = [n for n in nodes if n.children]
    steps = [(n, c) for n in ops for c in n.children if not c.is_constant]
    assert len(re.findall(r"^    \w+ = .*  # \S+$", source.split("# backward")[0], re.M)) == len(ops)
    assert len(re.findall(r"  # \S+: d/d[ab] = ", source)) == len(steps)
    assert "    h = x * y  # *" in source
    assert "0.1" in source  # constants inlined as their repr
    assert f"# tanh: d/da = {OPS['tanh'].derivatives[0]}" in source  # the rule, as declared
    assert source.startswith("def value_and_grad(x, y, params, seed, grads):")


def test_labels_that_are_not_usable_names_are_replaced() -> None:
    def fn(x: Value) -> Value:
        a = x * 2
        a.label = "exp"  # would shadow the exp() the code calls
        b = op("exp", a)
        b.label = "not a name"
        c = b + a
        c.label = "if"
        d = c * c
        d.label = "seed"
        return d

    source = check_against_eager(fn, [0.1], [0.3]).source
    assert re.search(r"^    exp_\d+ = x \* 2\.0  # \*$", source, re.M)
    assert re.search(r"^    not_a_name = exp\(exp_\d+\)", source, re.M)
    assert re.search(r"^    v_if = ", source, re.M)
    assert re.search(r"^    seed_\d+ = ", source, re.M)


def test_input_names_come_from_the_function() -> None:
    def loss(weight: Value, bias: Value) -> Value:
        return weight * bias

    assert compile(loss, example=[1.0, 2.0]).input_names == ["weight", "bias"]
    assert compile(lambda *xs: xs[0] * xs[1], example=[1.0, 2.0]).input_names == ["x0", "x1"]
    assert compile(lambda exp: exp * 2, example=[1.0]).value_and_grad(3.0) == (6.0, [2.0])


def test_batch_source() -> None:
    f = compile(lambda x, y: x * y + 1, example=[1.0, 2.0])
    assert "    for row in rows:\n        x, y = row\n        # forward" in f.batch_source
    assert "        total += v2\n" in f.batch_source
    assert "guards" not in f.batch_source  # a straight-line function has none


# -- refusals ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("result", [3.0, None, [], [Value(1.0), 2.0], "x"])
def test_refuses_outputs_that_are_not_values(result: object) -> None:
    f = compile(lambda x: result)
    with pytest.raises(TypeError, match="must return a Value"):
        f(1.0)


def test_drops_what_nothing_used() -> None:
    import autograd

    assert not hasattr(autograd, "trace")  # the alias that shadowed nothing useful
    assert not hasattr(compile(lambda x: x), "jacobian")


def test_refuses_the_wrong_number_of_inputs() -> None:
    f = compile(lambda x, y: x * y)
    with pytest.raises(ValueError, match="takes 2 inputs, got 3"):
        f(1.0, 2.0, 3.0)
    f(1.0, 2.0)
    with pytest.raises(ValueError, match=r"takes 2 inputs \(x, y\), got 1"):
        f.value_and_grad(1.0)
    g = compile(lambda *xs: xs[0] * 2)
    g(1.0)
    with pytest.raises(ValueError, match=r"takes 1 input \(x0\), got 2"):
        g(1.0, 2.0)


@pytest.mark.parametrize("bad", ["1.0", None, 1j, [1.0], Value(1.0)])
def test_refuses_inputs_that_are_not_real_numbers(bad: object) -> None:
    f = compile(lambda x: x * 2, example=[1.0])
    with pytest.raises(TypeError, match="must be a real number"):
        f(bad)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="must be a real number"):
        compile(lambda x: x * 2)(bad)  # type: ignore[arg-type]


def test_accepts_ints_and_other_real_numbers() -> None:
    from fractions import Fraction

    f = compile(lambda x: x * x)
    assert f.value_and_grad(3) == (9.0, [6.0])
    assert f(Fraction(1, 2)) == 0.25
    assert f(True) == 1.0


def test_detect_anomaly_runs_the_eager_engine() -> None:
    f = compile(lambda x: op("log", x) * 2)
    assert f(1.0) == 0.0
    assert f(0.0) == -math.inf  # IEEE: the replay does not raise
    with detect_anomaly(), pytest.raises(FloatingPointError, match="log"):
        f(0.0)
    with detect_anomaly(), pytest.raises(FloatingPointError, match="log"):
        f.batch_value_and_grad([[0.0]])


def test_randomness_is_refused() -> None:
    with pytest.raises(TraceError, match=r"traced twice at the same inputs.*randomness"):
        compile(lambda x: x * random.random())(2.0)


def test_refuses_an_undeclared_parameter() -> None:
    w = Value(2.0, "w")
    with pytest.raises(TraceError, match=r"neither inputs nor declared parameters: Value\(label='w'"):
        compile(lambda x: w * x)(1.0)
    with pytest.raises(TraceError, match="params="):
        compile(lambda: w * 3).source  # noqa: B018


def test_a_value_made_inside_the_function_is_a_constant() -> None:
    f = compile(lambda x: x * Value(2.0) + op("exp", Value(0.0)))
    assert f.value_and_grad(3.0) == (7.0, [2.0])
    assert "v1 = x * 2.0" in f.source and "+ 1.0" in f.source


def test_refuses_bad_params() -> None:
    x = Value(1.0)
    with pytest.raises(TypeError, match=r"params\[1\] must be a Value"):
        compile(lambda: x, params=[x, 2.0])
    with pytest.raises(ValueError, match="not a leaf"):
        compile(lambda: x, params=[x * 2])
    with pytest.raises(ValueError, match="listed twice"):
        compile(lambda: x, params=[x, x])
    with pytest.raises(TypeError, match="params must be"):
        compile(lambda: x, params=x)


def test_source_before_the_first_call() -> None:
    with pytest.raises(RuntimeError, match="not traced yet"):
        compile(lambda x: x * 2).source  # noqa: B018
    assert "def value_and_grad(params, seed, grads)" in compile(lambda: Value(1.0) * 2).source
    assert repr(compile(lambda x: x)) == "<compiled <lambda>: not traced yet>"


def test_each_trace_compiles_its_functions_when_first_used() -> None:
    f = compile(lambda x, y: x * y + 1, example=[2.0, 3.0])
    [entry] = f._entries
    assert entry._program is None  # traced and checked, no code generated yet
    assert "value_and_grad" not in vars(entry) and "forward" not in vars(entry)
    assert f(2.0, 3.0) == 7.0 and "forward" in vars(entry) and "value_and_grad" not in vars(entry)
    assert f.value_and_grad(4.0, 0.5) == (3.0, [0.5, 4.0]) and "value_and_grad" in vars(entry)
    assert f.value_and_grad(-1.0, 2.0) == (-1.0, [2.0, -1.0])  # the compiled one, from now on


def test_refuses_a_non_function() -> None:
    with pytest.raises(TypeError, match="takes a function"):
        compile(3.0)  # type: ignore[arg-type]


def test_batch_rows_must_be_sequences() -> None:
    f = compile(lambda x: x * 2)
    with pytest.raises(TypeError, match=r"rows\[0\] must be a sequence"):
        f.batch_value_and_grad([1.0])  # type: ignore[list-item]
    assert f.batch_value_and_grad([[1.0], [2.0]], weight=0.5) == (3.0, [])


def test_verify_compares_with_the_eager_engine() -> None:
    f = compile(lambda x, y: x if x.data > y.data else y * x)
    assert f.verify(1.0, 2.0) and f.verify(3.0, 2.0)  # the second re-traces
    g = compile(lambda x: [x * 2, x.relu()])
    assert g.verify(-1.0)


def test_a_user_op_written_as_python_callables_compiles() -> None:
    import autograd

    def forward(a: float) -> float:
        return a / (1 + math.exp(-a))

    def derivative(a: Any, out: Any) -> Any:  # swish' = out + sigmoid(a) (1 - out)
        return out + (1 - out) * (a.sigmoid() if isinstance(a, Value) else 1 / (1 + math.exp(-a)))

    swish = autograd.Op("swish_test", forward, [derivative])
    check_against_eager(lambda x: autograd.apply(swish, x) * x, [0.5], [-1.0], [2.0], [0.0])


def test_an_int_beyond_float_range_is_inf_as_eagerly() -> None:
    """Value(10**400) is inf; a compiled input is converted the same way (no bare OverflowError)."""
    f = compile(lambda x: x * 2)
    assert f.value_and_grad(10**400) == (math.inf, [2.0])
    assert f.value_and_grad(-(10**400)) == (-math.inf, [2.0])
