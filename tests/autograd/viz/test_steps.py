"""autograd.viz.steps: the step-through as data reproduces the engine's forward and backward."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd import OPS, Value, grad, topological_order
from autograd.engine import apply, backpropagate
from autograd.testing import expressions_with_points, mlp_expressions
from autograd.viz import BackwardStep, ForwardStep, SeedStep, final_grads, step_through
from autograd.viz.example import chain_rule
from autograd.viz.formula import Formula


def same(x: float, y: float) -> bool:
    """Equal as numbers, with nan equal to nan (no tolerance: the step-through must match exactly)."""
    return x == y or (math.isnan(x) and math.isnan(y))


@st.composite
def raw_graphs(draw: st.DrawFn) -> Value:
    """Any graph over every op in OPS: reused nodes (``a + a``), constants, and any numbers, even
    where an op gives nan or inf (the step-through must agree with backward() there too)."""
    numbers = st.one_of(
        st.floats(-3, 3),
        st.sampled_from([0.0, -0.0, 1.0, -1.0, 2.0, 0.5, 1e300, -1e-300]),
        st.floats(allow_nan=True, allow_infinity=True),
    )
    nodes = [Value(draw(numbers), f"x{i}") for i in range(draw(st.integers(1, 3)))]
    for _ in range(draw(st.integers(1, 12))):
        op = OPS[draw(st.sampled_from(sorted(OPS)))]
        args: list[Value | float] = [draw(st.sampled_from(nodes)) for _ in range(op.arity)]
        if op.arity == 2 and draw(st.booleans()):
            args[draw(st.integers(0, 1))] = draw(numbers)
        nodes.append(apply(op, *args))
    if draw(st.booleans()):  # fan-in: the output also uses earlier results
        nodes.append(apply(OPS["+"], nodes[-1], draw(st.sampled_from(nodes))))
    return nodes[-1]


def check_against_backward(root: Value) -> None:
    """Every grad after the last step equals what backward() computes from zero grads, and every
    forward value is the op's rule applied to its inputs."""
    order = topological_order(root)
    assert all(node.grad == 0.0 for node in order)
    steps = step_through(root, max_nodes=None)
    assert all(node.grad == 0.0 for node in order)  # step_through reads and writes no .grad
    for step in steps:
        if isinstance(step, ForwardStep):
            assert step.node._op is not None
            assert same(step.value, step.node._op.evaluate(*(c.data for c in step.node.children)))
        elif isinstance(step, BackwardStep):
            assert same(step.after, step.before + step.local * step.node_grad)
    backward = [s for s in steps if isinstance(s, BackwardStep)]
    assert not any(step.child.is_constant for step in backward)  # no step into a constant
    texts = [s.rule for s in steps if isinstance(s, ForwardStep)] + [s.rule + s.general for s in backward]
    assert not [text for text in texts if " if " in text]  # no guard clause, ever
    expected = backpropagate(root)  # grad()'s numbers: no step from a node no gradient reaches
    root.backward()
    grads = final_grads(steps)
    assert set(grads) == set(order)
    for node in order:
        if node.is_constant:
            assert grads[node] == 0.0  # never differentiated
        else:
            assert same(grads[node], node.grad), (node, grads[node], node.grad)
            assert same(node.grad, expected.get(node, 0.0)), (node, node.grad, expected.get(node))


@given(raw_graphs())
def test_steps_reproduce_backward_on_random_graphs(root: Value) -> None:
    check_against_backward(root)


@given(expressions_with_points(max_ops=8))
def test_steps_reproduce_backward_on_testing_expressions(case: tuple) -> None:
    expression, point = case
    check_against_backward(expression.build([Value(x) for x in point]))


@given(mlp_expressions(), st.randoms(use_true_random=False))
def test_steps_reproduce_backward_on_mlps(expression: object, random: object) -> None:
    n = expression.n_inputs  # type: ignore[attr-defined]
    point = [random.uniform(-1, 1) for _ in range(n)]  # type: ignore[attr-defined]
    check_against_backward(expression.build([Value(x) for x in point]))  # type: ignore[attr-defined]


def test_no_step_from_a_node_read_only_by_a_decision() -> None:
    """``sqrt(w)`` at w = 0 (local derivative inf) feeds only ``>``: no gradient reaches it, so it
    has no step (one gave ``w.grad += inf × 0 = nan``), as in backward() and grad()."""
    w = Value(0.0, "w")
    u = w.sqrt()
    out = apply(OPS[">"], u, 0.5) * w
    steps = step_through(out)
    assert not [s for s in steps if isinstance(s, BackwardStep) and s.node is u]
    assert final_grads(steps)[w] == grad(out, [w])[0] == 0.0
    check_against_backward(out)


def test_chain_rule_example_step_by_step() -> None:
    steps = step_through(chain_rule())
    kinds = [type(step).__name__ for step in steps]
    # 4 forward steps, the seed, and 5 backward steps: none into the constants 3, 2 and 1
    assert kinds == ["ForwardStep"] * 4 + ["SeedStep"] + ["BackwardStep"] * 5
    assert [str(step) for step in steps[:5]] == [
        "forward: xy = x · y = 2 · 3 = 6",
        "forward: xy + 3 = 6 + 3 = 9",
        "forward: (xy + 3)^2 = 9^2 = 81",
        "forward: f = ((xy + 3)^2) + 1 = 81 + 1 = 82",
        "seed: f.grad = ∂f/∂f = 1",
    ]
    into_x = next(s for s in steps if isinstance(s, BackwardStep) and s.child_name == "x")
    assert (into_x.rule, into_x.numbers, into_x.local, into_x.node_grad) == ("y", "3", 3.0, 18.0)
    assert (into_x.before, into_x.after, into_x.product) == (0.0, 54.0, 54.0)
    assert into_x.general == "∂(a · b)/∂a = b, with a = x, b = y"
    assert into_x.lines() == [
        "∂xy/∂x = y = 3",
        "x.grad += ∂xy/∂x × xy.grad",
        "x.grad += 3 × 18 = 54",
        "x.grad: 0 → 54",
    ]
    square = next(s for s in steps if isinstance(s, BackwardStep) and s.name == "(xy + 3)^2")
    # the op's rule in math form, then with the constant exponent folded in, then in numbers;
    # never the table's guard "0.0 if a == 0 and b == 0 else ..."
    assert square.general == "∂(a^b)/∂a = b · a^(b - 1), with a = xy + 3, b = 2"
    assert square.lines()[0] == "∂((xy + 3)^2)/∂(xy + 3) = 2 · (xy + 3) = 2 · 9 = 18"
    assert square.local == 18.0


def test_piecewise_rules_show_the_case_that_applies() -> None:
    x = Value(-1.5, "x")
    relu, leaky = step_through(x.relu()), step_through(x.leaky_relu(0.1))
    assert relu[-1].lines()[0] == "∂n1/∂x = 0 (since -1.5 ≤ 0)"  # type: ignore[union-attr]
    assert relu[-1].general == "∂max(a, 0)/∂a = 0 when a ≤ 0, with a = x"  # type: ignore[union-attr]
    assert leaky[-1].lines()[0] == "∂n2/∂x = 0.1 (since -1.5 ≤ 0)"  # type: ignore[union-attr]
    zero = Value(0.0, "z")
    at_zero = step_through(zero**0)[-1]  # 0 ** 0: the special case is named, with its numbers
    assert isinstance(at_zero, BackwardStep)
    assert at_zero.lines()[0] == "∂n2/∂z = 0 (since 0 = 0 and not (|0| ≥ 5.6e-309))"
    clamped = step_through(Value(2.0, "x").clamp(0, 1))[-1]
    assert isinstance(clamped, BackwardStep) and clamped.lines()[0] == "∂n3/∂x = 0 (since not (0 ≤ 2 ≤ 1))"


def test_a_rule_written_in_python_shows_its_doc_and_its_numbers() -> None:
    from autograd import Op, apply

    cube = Op("cube", lambda a: a**3, (lambda a, out: 3 * a * a,), doc="d a^3/da = 3a^2")
    step = step_through(apply(cube, Value(2.0, "x")))[-1]
    assert isinstance(step, BackwardStep) and step.general == "d a^3/da = 3a^2"
    assert step.lines()[0].endswith("= 12") and step.after == 12.0
    y = Value(0.5, "y")
    tanh = step_through(y.tanh())[-1]
    assert isinstance(tanh, BackwardStep) and tanh.general == "∂tanh(a)/∂a = 1 - tanh(a)², with a = y"
    assert tanh.lines()[0] == "∂n1/∂y = 1 - n1² = 1 - 0.462117² = 0.786448"


def test_no_step_into_constants() -> None:
    x = Value(3.0, "x")
    steps = step_through((x + 3) * 2 - x**2)
    targets = [s.child for s in steps if isinstance(s, BackwardStep)]
    assert targets and all(not t.is_constant for t in targets)
    assert {t.label for t in targets if t.is_leaf} == {"x"}


def test_a_value_used_twice_gets_both_paths() -> None:
    a = Value(3.0, "a")
    steps = step_through(a * a)
    into_a = [s for s in steps if isinstance(s, BackwardStep)]
    assert [(s.before, s.after) for s in into_a] == [(0.0, 3.0), (3.0, 6.0)]
    assert final_grads(steps)[a] == 6.0


def test_seed_and_unnamed_values() -> None:
    x = Value(2.0)
    steps = step_through(x * 3, seed=0.5)
    assert isinstance(steps[1], SeedStep) and steps[1].value == 0.5 and steps[1].name == "n2"
    assert str(steps[0]) == "forward: n2 = n0 · 3 = 2 · 3 = 6"  # a constant shows as its number
    assert final_grads(steps)[x] == 1.5


def test_names_from_a_namespace() -> None:
    w, x = Value(-2.0), Value(0.5)
    out = w * x
    steps = step_through(out, names=locals())
    assert str(steps[0]) == "forward: out = w · x = -2 · 0.5 = -1"


def test_a_leaf_root_has_only_the_seed() -> None:
    x = Value(2.0, "x")
    assert [str(s) for s in step_through(x)] == ["seed: x.grad = ∂x/∂x = 1"]


@pytest.mark.parametrize(
    ("rule", "values", "expected"),
    [
        ("a ** b", {"a": "-2", "b": "x"}, "(-2)^x"),
        ("log(a)", {"a": "-2"}, "ln(-2)"),
        ("-out / b", {"out": "f", "b": "xy + 3"}, "-f / (xy + 3)"),
        ("-out / b", {"out": "-2", "b": "3"}, "-(-2) / 3"),
        ("a - b", {"a": "x", "b": "-3"}, "x - (-3)"),
        ("a - (b - a)", {"a": "x", "b": "y"}, "x - (y - x)"),
        ("(a + b) * a", {"a": "x", "b": "y"}, "(x + y) · x"),
        ("a ** (b * a)", {"a": "x", "b": "y"}, "x^(y · x)"),
        ("1 - out * out", {"out": "t"}, "1 - t²"),
        ("a * b + c", {"a": "w", "b": "x", "c": "L0.N1.b"}, "w · x + L0.N1.b"),
    ],
)
def test_math_form(rule: str, values: dict[str, str], expected: str) -> None:
    numbers = dict.fromkeys(("a", "b", "c", "out"), 1.0)
    assert Formula(rule, numbers).text(values) == expected


def test_constants_fold_into_the_rule() -> None:
    pow_rule = "0.0 if a == 0 and b == 0 else b * a ** (b - 1)"
    assert Formula(pow_rule, {"a": 9.0, "b": 2.0}, {"b"}).text({"a": "k"}) == "2 · k"
    assert Formula(pow_rule, {"a": 9.0, "b": 3.0}, {"b"}).text({"a": "k"}) == "3 · k^2"
    assert Formula("a / b", {"a": 1.0, "b": 3.0}, {"a", "b"}).text({}) == "1 / 3"  # not 0.333333
