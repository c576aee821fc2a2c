"""compile never gives a wrong answer: Python decisions on traced numbers are guarded.

Every call of a compiled function equals the eager engine (value and gradients), or re-traces, or
raises TraceError. The differential test at the end generates small programs that branch on their
data and checks that over many points.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import pytest
from hypothesis import assume, event, given, settings
from hypothesis import strategies as st

from autograd import Value, grad, maximum, minimum
from autograd.compiled import TraceError, compile
from autograd.engine import apply
from autograd.ops import OPS

RTOL = 1e-12


def same(expected: float, got: float) -> bool:
    if expected == got or (math.isnan(expected) and math.isnan(got)):
        return True
    return math.isclose(expected, got, rel_tol=RTOL)


def eager(fn: Callable[..., Value], point: Sequence[float]) -> tuple[float, list[float]]:
    xs = [Value(x) for x in point]
    out = fn(*xs)
    return out.data, [float(g) for g in grad(out, xs)]


def outcome(f: Any, fn: Callable[..., Value], point: Sequence[float]) -> str:
    """Compare one call with eager: "matched", or "refused" (TraceError), or "raised" (both did)."""
    try:
        expected = eager(fn, point)
    except (ValueError, ArithmeticError) as error:
        with pytest.raises((type(error), TraceError)):
            f.value_and_grad(*point)
        return "raised"
    try:
        value, grads = f.value_and_grad(*point)
    except TraceError:
        return "refused"
    assert same(expected[0], value), (point, expected[0], value)
    assert len(grads) == len(expected[1])
    for e, g in zip(expected[1], grads):
        assert same(e, g), (point, expected[1], grads)
    return "matched"


def check_everywhere(fn: Callable[..., Value], points: Sequence[Sequence[float]], **options: Any) -> Any:
    f = compile(fn, **options)
    outcomes = [outcome(f, fn, p) for p in points]
    return f, outcomes


# -- the examples ------------------------------------------------------------------------------


def test_grad_with_create_graph_of_relu_follows_the_sign() -> None:
    fn = lambda x: grad(x.relu() * x, [x], create_graph=True)[0]
    f = compile(fn)
    assert f.value_and_grad(1.0) == (2.0, [2.0])
    assert f.value_and_grad(-1.0) == (0.0, [0.0])  # eager: d/dx (relu(x) x) = 0 for x < 0
    _, outcomes = check_everywhere(fn, [[1.0], [-1.0], [0.0], [2.5], [-0.5]])
    assert outcomes == ["matched"] * 5


@pytest.mark.parametrize("method", ["relu", "abs", "leaky_relu"])
def test_second_derivatives_of_piecewise_ops(method: str) -> None:
    def fn(x: Value) -> Value:
        [dy] = grad(_unary(method, x * x * x) * x, [x], create_graph=True)
        return dy * x

    _, outcomes = check_everywhere(fn, [[1.5], [-1.5], [0.0], [0.7], [-2.0], [1.5]])
    assert set(outcomes) == {"matched"}


def test_power_rule_at_zero_is_re_evaluated() -> None:
    fn = lambda x, y: grad(x**y, [x], create_graph=True)[0]
    _, outcomes = check_everywhere(fn, [[0.0, 2.0], [1.0, 2.0], [0.0, 0.0], [2.0, 0.0], [0.0, 1.0]])
    assert set(outcomes) == {"matched"}


def test_a_comparison_between_inputs_re_traces() -> None:
    f = compile(lambda x, y: x if x.data > y.data else y)
    assert f.value_and_grad(1.0, 2.0) == (2.0, [0.0, 1.0])
    assert f.value_and_grad(3.0, 2.0) == (3.0, [1.0, 0.0])  # eager's answer, from a second trace
    assert f.n_traces == 2
    assert f.value_and_grad(0.0, 5.0) == (5.0, [0.0, 1.0]) and f.n_traces == 2  # the first one again
    assert "if (x > y):" in f.sources[0] and "if not (x > y):" in f.sources[1]


def test_the_straight_line_api_example_is_bit_for_bit() -> None:
    """(x - x) + sqrt((x + x)(x + x) + 0.25) at 1e-144: the order of the chain-rule terms decides
    whether the tiny term survives the cancelling +1 and -1; the replay adds them as backward()."""
    fn = lambda x: (x - x) + ((x + x) * (x + x) + 0.25).sqrt()
    for point in (1e-144, 3e-150, 0.3, -2.0):
        x = Value(point)
        out = fn(x)
        out.backward()
        value, [dx] = compile(fn).value_and_grad(point)
        assert value == out.data and dx == x.grad == eager(fn, [point])[1][0]


# -- what the guards see -------------------------------------------------------------------------------


def huber(d: Value, delta: float = 1.0) -> Value:
    return 0.5 * d * d if abs(d.data) <= delta else delta * (abs(d) - 0.5 * delta)


ADVERSARIAL: dict[str, tuple[Callable[..., Value], list[list[float]]]] = {
    "sign of an input": (lambda x: x * x if x.data > 0 else -x, [[1.0], [-1.0], [0.0], [2.0]]),
    "threshold on an interior value": (lambda x: huber(x * 2 - 1), [[0.1], [2.0], [0.75], [-3.0]]),
    "floor": (lambda x: x * math.floor(x.data), [[1.5], [2.5], [1.7], [-0.5]]),
    "round": (lambda x: x ** round(x.data), [[1.2], [2.6], [1.4], [0.2]]),
    "loop over int(x.data)": (
        lambda x: math.prod([x] * max(1, min(int(x.data), 4)), start=Value(1.0)),
        [[1.5], [3.5], [1.2], [9.0]],
    ),
    "number taken out with .data": (lambda x: x * x.data, [[2.0], [3.0], [-1.0]]),
    "detach": (lambda x: x * x.detach() + x, [[2.0], [3.0], [-1.0]]),
    "Value(x.data)": (lambda x, y: x * Value(y.data) + y, [[2.0, 1.0], [3.0, -4.0]]),
    "float()": (lambda x: x * 2 if float(x.data) < 1 else x, [[0.5], [2.0], [0.7]]),
    "format": (lambda x: x * len(format(x.data, ".1f")), [[1.0], [12.0], [1.04], [-3.0]]),
    "bool": (lambda x: x + 1 if x.data else x * 3, [[0.0], [2.0], [0.0], [-0.0]]),
    "chained comparison": (lambda x: x.relu() if 0 < x.data < 1 else x.tanh(), [[0.5], [2.0], [0.2], [-1.0]]),
    "max over values by .data": (
        lambda x, y, z: max([x, y, z], key=lambda v: v.data) * 2,
        [[1.0, 2.0, 3.0], [3.0, 2.0, 1.0], [0.0, 5.0, 1.0]],
    ),
    "division by a traced number": (lambda x, y: x * (1.0 / y.data), [[1.0, 2.0], [1.0, 4.0]]),
    "sign of zero": (lambda x: x * math.copysign(1.0, x.data), [[0.0], [-0.0], [0.0], [2.0]]),
    "nan": (lambda x: x if x.data == x.data else x * 0, [[1.0], [math.nan], [2.0]]),
}


@pytest.mark.parametrize("case", list(ADVERSARIAL))
def test_adversarial_functions_match_eager_or_re_trace(case: str) -> None:
    fn, points = ADVERSARIAL[case]
    _, outcomes = check_everywhere(fn, points)
    assert set(outcomes) == {"matched"}, outcomes


def test_raising_at_some_inputs_raises_there_too() -> None:
    def fn(x: Value) -> Value:
        if x.data > 1.0:
            raise ValueError("only up to 1")
        return x * 3

    f = compile(fn)
    assert f.value_and_grad(1.0) == (3.0, [3.0])
    with pytest.raises(ValueError, match="only up to 1"):
        f.value_and_grad(5.0)  # the guard fails, the re-trace runs fn, which raises as eagerly
    assert f.value_and_grad(0.5) == (1.5, [3.0])


def test_an_error_the_code_catches_is_guarded() -> None:
    def fn(x: Value, y: Value) -> Value:
        try:
            scale = x.data / y.data
        except ZeroDivisionError:
            scale = 0.0
        return x * scale + y

    _, outcomes = check_everywhere(fn, [[1.0, 0.0], [1.0, 2.0], [3.0, 0.0], [2.0, 4.0]])
    assert set(outcomes) == {"matched"}


def test_parameters_read_in_python_are_guarded() -> None:
    w = Value(1.0, "w")
    f = compile(lambda x: w * x if w.data > 0 else w * x * x, params=[w])
    assert f.value_and_grad(2.0) == (2.0, [1.0, 2.0])
    w.data = -1.0
    assert f.value_and_grad(2.0) == (-4.0, [-4.0, 4.0])  # eager: w x^2, d/dx = 2wx, d/dw = x^2
    assert f.n_traces == 2


def test_too_many_paths_is_a_trace_error_naming_the_line() -> None:
    f = compile(lambda x: x * round(x.data * 10), max_traces=3)
    for point in (0.1, 0.2, 0.3):
        f.value_and_grad(point)
    with pytest.raises(TraceError, match=r"none of its 3 traces.*test_guards\.py:\d+: f = compile"):
        f.value_and_grad(0.4)


def test_straight_line_functions_have_no_guards() -> None:
    for name, op in OPS.items():
        f = compile(lambda *xs, op=op: apply(op, *xs), example=[0.5] * op.arity)
        assert "guards" not in f.source, name
    nn = pytest.importorskip("nn")
    model = nn.MLP(2, [4, 4, 1], seed=0)
    f = compile(lambda x0, x1, t: (1 - t * model([x0, x1])).relu(), params=model, example=[0.1, 0.2, 1.0])
    assert "guards" not in f.source


def test_maximum_minimum_and_the_softmax_shift_have_no_guards() -> None:
    """``maximum``/``minimum`` (a generated operator called as a function, not a method) read their
    inputs' numbers inside the op, not in user code: no guard, one trace for either order. The
    softmax shift is a tree of them: its only guards are the finiteness tests."""
    f = compile(lambda a, b: maximum(a, b) + minimum(a, b) + maximum(a, 2.0), example=[1.0, 3.0])
    assert "guards" not in f.source
    nn = pytest.importorskip("nn")
    g = compile(lambda *z: nn.functional.logsumexp(z), example=[0.1, -2.0, 0.3, 1.5, 0.2])
    guards = [line for line in g.source.splitlines() if line.lstrip().startswith("if not (")]
    assert len(guards) == 2 * 5  # only -inf < z < inf per score (the finite case), none from the max
    for z in ([3.0, -2.0, 0.3, 1.5, 0.2], [0.0, 0.0, 0.0, 0.0, 9.0]):
        x = [Value(v) for v in z]
        expected = nn.functional.logsumexp(x)
        value, grads = g.value_and_grad(*z)
        assert value == pytest.approx(expected.data, rel=RTOL)
        assert grads == pytest.approx(grad(expected, x), rel=RTOL, abs=1e-15)


def test_number_inputs_are_plain_numbers_and_guarded() -> None:
    weights = {0: 1.0, 1: 5.0}

    def weighted(x: Value, t: Any) -> Value:
        assert not isinstance(t, Value)
        return weights[int(t)] * (x - t) ** 2  # int(t) is guarded; x - t computes with t

    f = compile(weighted, numbers=["t"])
    for x, t in [(0.5, 0.0), (0.5, 1.0), (2.0, 0.0), (-1.0, 1.0)]:
        expected = weights[int(t)] * (x - t) ** 2, [2 * weights[int(t)] * (x - t)]
        assert f.value_and_grad(x, t) == expected
    assert f.n_traces == 2  # one per class, (x - t) recomputed from t in each


def test_writing_data_of_an_input_is_refused() -> None:
    def fn(x: Value) -> Value:
        x.data = 2.0
        return x * 2

    with pytest.raises(TraceError, match=r"writes \.data"):
        compile(fn)(1.0)


# -- the differential test -----------------------------------------------------------------------------

UNARY = ("relu", "abs", "tanh", "leaky_relu", "sin", "neg", "square")
BINARY = ("+", "-", "*", "/")
CONDITIONS = ("compare", "sign", "threshold", "floor", "round")


def _unary(name: str, v: Value) -> Value:
    if name == "neg":
        return -v
    if name == "square":
        return v**2
    if name == "abs":
        return abs(v)
    return getattr(v, name)()  # type: ignore[no-any-return]


def _binary(name: str, a: Value, b: Value) -> Value:
    return {"+": a + b, "-": a - b, "*": a * b, "/": a / (b * b + 1)}[name]


def _condition(kind: str, a: Value, b: Value, threshold: float) -> bool:
    if kind == "compare":
        return a.data > b.data
    if kind == "sign":
        return a.data >= 0
    if kind == "threshold":
        return abs(a.data) < threshold
    if kind == "floor":
        return math.floor(a.data) % 2 == 0
    return round(a.data) == 1


statements = st.one_of(
    st.tuples(st.just("unary"), st.sampled_from(UNARY), st.integers(0, 20)),
    st.tuples(st.just("binary"), st.sampled_from(BINARY), st.integers(0, 20), st.integers(0, 20)),
    st.tuples(
        st.just("if"), st.sampled_from(CONDITIONS), st.integers(0, 20), st.integers(0, 20),
        st.sampled_from((0.5, 1.0, 2.0)), st.sampled_from(UNARY), st.sampled_from(UNARY),
    ),
    st.tuples(st.just("loop"), st.integers(0, 20), st.sampled_from(BINARY)),
    st.tuples(st.just("raise"), st.integers(0, 20), st.sampled_from((1.5, 2.5))),
    st.tuples(st.just("constant"), st.integers(0, 20), st.integers(0, 20)),
    st.tuples(st.just("grad"), st.sampled_from(("relu", "abs", "leaky_relu", "square")), st.integers(0, 20)),
)  # fmt: skip


def run(program: Sequence[tuple[Any, ...]], xs: Sequence[Value]) -> Value:
    """Interpret ``program`` over the inputs: each statement adds a value computed from earlier ones."""
    values = list(xs)

    def pick(k: int) -> Value:
        return values[k % len(values)]

    for statement in program:
        kind = statement[0]
        if kind == "unary":
            values.append(_unary(statement[1], pick(statement[2])))
        elif kind == "binary":
            values.append(_binary(statement[1], pick(statement[2]), pick(statement[3])))
        elif kind == "if":
            _, condition, i, j, threshold, then, otherwise = statement
            taken = then if _condition(condition, pick(i), pick(j), threshold) else otherwise
            values.append(_unary(taken, pick(i)))
        elif kind == "loop":
            v = pick(statement[1])
            for _ in range(min(int(abs(v.data)), 3)):
                v = _binary(statement[2], v, pick(statement[1]))
            values.append(v)
        elif kind == "raise":
            if pick(statement[1]).data > statement[2]:
                raise ValueError("the program refuses this input")
        elif kind == "constant":
            values.append(pick(statement[1]) * pick(statement[2]).data)
        else:
            v = pick(statement[2])
            [dv] = grad(_unary(statement[1], v) * v, [v], create_graph=True)
            values.append(dv)
    return sum(values[len(xs) :], values[0]) if len(values) > len(xs) else values[0] * 1.0


coordinates = st.one_of(
    st.sampled_from((0.0, -0.0, 0.5, 1.0, -1.0, 2.0, 1.5, -0.5)), st.floats(-3.0, 3.0, allow_nan=False)
)


@settings(deadline=None)
@given(
    program=st.lists(statements, min_size=1, max_size=8),
    n_inputs=st.integers(1, 3),
    points=st.lists(st.lists(coordinates, min_size=3, max_size=3), min_size=2, max_size=8),
)
def test_generated_programs_match_eager_or_refuse(
    program: list[tuple[Any, ...]], n_inputs: int, points: list[list[float]]
) -> None:
    fn = lambda *xs: run(program, xs)
    first = points[0][:n_inputs]
    try:
        eager(fn, first)
    except ValueError:
        assume(False)  # the program refuses the tracing point itself
    f = compile(fn, example=first)
    for point in points:
        event(outcome(f, fn, point[:n_inputs]))  # --hypothesis-show-statistics counts them
    event(f"traces: {f.n_traces}")


def test_the_number_protocol_is_guarded() -> None:
    fn = lambda x: x * 2 if float(x) > 1 else x * x.item() + len(f"{x:.1f}")
    _, outcomes = check_everywhere(fn, [[2.0], [0.5], [3.0], [-12.0], [0.25]])
    assert set(outcomes) == {"matched"}


def test_a_batch_replays_each_row_on_its_own_path_in_order() -> None:
    w = Value(0.7, "w")

    def fn(x: Value, t: Any) -> Value:
        d = w * x - t
        return 0.5 * d * d if abs(d.data) <= 1 else abs(d) - 0.5

    rows = [[0.5, 0.0], [4.0, 0.0], [1.0, 1.0], [-3.0, 1.0], [2.0, 0.5]]
    f = compile(fn, params=[w], numbers=["t"])
    total, [dw] = f.batch_value_and_grad(rows, weight=0.5)
    expected, grads = 0.0, 0.0
    for x, t in rows:
        out = fn(Value(x), t)
        expected += out.data
        grads += float(grad(out, [w])[0])
    assert total == pytest.approx(0.5 * expected, rel=RTOL) and dw == pytest.approx(0.5 * grads, rel=RTOL)
    assert f.n_traces == 2 and "# trace 1" in f.batch_source
    assert f.batch_call(rows) == [fn(Value(x), t).data for x, t in rows]


def test_static_inputs_are_passed_as_they_are_one_trace_per_value() -> None:
    def fn(x: Value, k: Any) -> Value:
        assert type(k) is int
        return x * [1.0, 2.0, 3.0][k]

    f = compile(fn, static=["k"])
    assert f.batch_call([[1.5, 0], [1.5, 2], [2.0, 0], [1.0, 1]]) == [1.5, 4.5, 2.0, 2.0]
    assert f.n_traces == 3
    assert f.value_and_grad(2.0, 1) == (4.0, [2.0])
    assert "(type(k) is int and k == 0)" in f.sources[0]


def test_reading_a_grad_is_refused() -> None:
    w = Value(1.0, "w")
    w.grad = 3.0
    with pytest.raises(TraceError, match=r"reads a \.grad .*test_guards\.py"):
        compile(lambda x: x * w.grad, params=[w])(2.0)

    def inner_backward(x: Value) -> Value:
        y = x * x
        y.backward()  # the engine reads and writes .grad: allowed
        return y * 2

    f = compile(inner_backward)
    assert f.value_and_grad(3.0) == (18.0, [12.0])
