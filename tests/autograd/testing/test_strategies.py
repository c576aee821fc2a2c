"""The strategies in ``autograd.testing`` themselves: domains cover the op table, drawn floats are
inside them, random graphs cover every op (including one declared later), reuse nodes, respect
their bounds and stay inside every op's domain, and the README example works."""

from __future__ import annotations

import math

import pytest
from hypothesis import Phase, find, given, settings
from hypothesis import strategies as st

from autograd import OPS, Op, Value, gradcheck, topological_order
from autograd.testing import (
    DEFAULT_DOMAIN,
    DOMAINS,
    Domain,
    Expression,
    Step,
    domains_for,
    expressions,
    expressions_with_points,
    finite_differences,
    floats_for,
    mlp_expressions,
    op_inputs,
    points,
)

op_names = pytest.mark.parametrize("name", list(OPS))
# find() a first example without shrinking it: we only need to know one exists.
SEARCH = settings(max_examples=2000, phases=[Phase.generate], database=None)


# -- domains ----------------------------------------------------------------------------------------


@op_names
def test_every_op_has_a_domain_per_argument(name: str) -> None:
    assert name in DOMAINS, f"op {name!r} has no entry in autograd.testing.DOMAINS: add its domain"
    assert len(DOMAINS[name]) == OPS[name].arity


def test_domains_name_only_declared_ops() -> None:
    assert set(DOMAINS) <= set(OPS)


@op_names
@given(data=st.data())
def test_floats_for_draws_inside_the_domain_where_the_op_is_finite(name: str, data: st.DataObject) -> None:
    args = data.draw(op_inputs(name))
    assert len(args) == OPS[name].arity
    for arg, domain in zip(args, domains_for(name)):
        assert any(low <= arg <= high for low, high in domain.intervals)
        assert domain.is_safe(arg)
    assert math.isfinite(OPS[name].evaluate(*args))
    assert math.isfinite(data.draw(floats_for(name, OPS[name].arity - 1)))


def test_domain_intervals_by_kind() -> None:
    assert Domain("nonzero", 0.5, 5.0).intervals == ((-5.0, -0.5), (0.5, 5.0))
    assert Domain("positive", 0.5, 5.0).intervals == ((0.5, 5.0),)
    assert Domain("bounded", -3.0, 3.0).is_safe(2.9) and not Domain("bounded", -3.0, 3.0).is_safe(3.1)
    assert not Domain("nonzero", 0.5, 5.0).is_safe(0.1) and Domain("nonzero", 0.5, 5.0).is_safe(-50.0)
    assert not Domain("real", -5.0, 5.0).is_safe(math.nan)


def test_an_op_without_a_domain_gets_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(OPS, "cube", Op("cube", "a * a * a", ("3 * a * a",)))
    assert domains_for("cube") == (DEFAULT_DOMAIN,)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: floats_for("nope"), "unknown op 'nope'"),
        (lambda: floats_for("+", 2), "arguments 0..1"),
        (lambda: domains_for("frobnicate"), "the ops are"),
        (lambda: Domain("odd", 0.0, 1.0), "kind"),  # type: ignore[arg-type]
        (lambda: Domain("real", 1.0, 1.0), "low < high"),
        (lambda: Domain("positive", 0.0, 1.0), "low > 0"),
        (lambda: points(-1), "n >= 0"),
        (lambda: expressions(min_inputs=0), "min_inputs"),
        (lambda: expressions(min_inputs=3, max_inputs=2), "min_inputs"),
        (lambda: expressions(max_ops=0), "max_ops"),
        (lambda: expressions(ops=[]), "empty"),
        (lambda: expressions(ops=["+", "nope"]), "nope"),
        (lambda: mlp_expressions(activations=["+"]), "unary"),
        (lambda: mlp_expressions(activations=["nope"]), "nope"),
        (lambda: mlp_expressions(max_width=0), "max_width"),
    ],
)
def test_bad_arguments_raise_value_error_saying_what_is_wrong(make: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        make()  # type: ignore[operator]


# -- random expressions ---------------------------------------------------------------------------


@given(expressions(min_inputs=2, max_inputs=4, max_ops=5, max_depth=3))
def test_expressions_respect_their_bounds(expression: Expression) -> None:
    assert 2 <= expression.n_inputs <= 4
    assert 1 <= sum(step.drawn for step in expression.steps) <= 5
    assert 1 <= expression.depth <= 3
    assert expression.op_names <= set(OPS)


@given(expressions(ops=["log", "sqrt", "/"]))
def test_expressions_can_be_limited_to_some_ops(expression: Expression) -> None:
    assert expression.op_names <= {"log", "sqrt", "/"}


@given(expressions_with_points(bound=30.0, max_depth=3))
def test_every_argument_lands_inside_its_ops_domain_at_any_point(
    case: tuple[Expression, list[float]],
) -> None:
    expression, point = case
    values = expression.node_values(point)
    assert all(math.isfinite(v) for v in values)
    for step in expression.steps:
        if step.drawn:
            for arg, domain in zip(step.args, domains_for(step.op)):
                value = values[arg] if isinstance(arg, int) else arg
                assert domain.is_safe(value), (step, value, str(expression))


@op_names
def test_default_expressions_reach_every_op(name: str) -> None:
    found = find(expressions(), lambda e: name in e.op_names, settings=SEARCH)
    assert name in found.op_names


def test_a_newly_declared_op_is_drawn_and_differentiated(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(OPS, "cube", Op("cube", "a * a * a", ("3 * a * a",)))
    found = find(expressions(), lambda e: "cube" in e.op_names, settings=SEARCH)
    assert gradcheck(found, [0.3] * found.n_inputs)


def test_expressions_reuse_nodes() -> None:
    same_twice = find(
        expressions(),
        lambda e: any(s.drawn and len(s.args) == 2 and s.args[0] == s.args[1] for s in e.steps),
        settings=SEARCH,
    )
    output = same_twice(*[Value(0.5) for _ in range(same_twice.n_inputs)])
    nodes = topological_order(output)
    assert any(len(node.children) == 2 and node.children[0] is node.children[1] for node in nodes)


def test_expressions_mix_in_constants() -> None:
    found = find(
        expressions(max_inputs=1),
        lambda e: any(s.drawn and any(isinstance(a, float) for a in s.args) for s in e.steps),
        settings=SEARCH,
    )
    output = found(Value(0.5))
    assert any(node.is_constant for node in topological_order(output))
    assert output.data == found.evaluate([0.5])


@given(expressions_with_points())
def test_build_and_evaluate_agree_and_inputs_go_through(case: tuple[Expression, list[float]]) -> None:
    expression, point = case
    leaves = [Value(x) for x in point]
    output = expression(*leaves)
    assert isinstance(output, Value)
    assert output.data == expression.evaluate(point) == expression.node_values(point)[-1]
    assert expression.build(leaves).data == output.data
    assert expression.magnitude(point) >= abs(output.data)


def test_expression_rendering_and_validation() -> None:
    expression = Expression(
        2, (Step("*", (0, 0), drawn=False), Step("+", (2, 0.25)), Step("log", (3,)), Step("*", (4, 1)))
    )
    assert str(expression) == "(log(((x0 * x0) + 0.25)) * x1)"
    assert "x0, x1" in repr(expression)
    assert expression.op_names == {"+", "log", "*"}
    assert expression.depth == 3
    assert expression.evaluate([1.0, 2.0]) == pytest.approx(2 * math.log(1.25))
    with pytest.raises(ValueError, match="takes 2 inputs, got 1"):
        expression(Value(1.0))
    with pytest.raises(ValueError, match="earlier node"):
        Expression(1, (Step("+", (0, 1)),))
    with pytest.raises(ValueError, match="op takes 1"):
        Expression(1, (Step("log", (0, 0)),))
    with pytest.raises(ValueError, match="unknown op"):
        Expression(1, (Step("nope", (0,)),))
    with pytest.raises(ValueError, match="at least one step"):
        Expression(1, ())


# -- MLPs, finite differences, the README example --------------------------------------------------


@given(mlp_expressions(max_features=2, max_width=2, max_layers=2))
def test_mlp_expressions_have_features_weights_and_biases(expression: Expression) -> None:
    names = expression.input_names
    features = sum(name.startswith("x") for name in names)
    assert 1 <= features <= 2
    assert any(name.startswith("w") for name in names) and any(name.startswith("b") for name in names)
    assert expression.op_names <= {"*", "+", "tanh", "sigmoid"}
    assert math.isfinite(expression.evaluate([0.5] * expression.n_inputs))


def test_finite_differences_of_a_known_function() -> None:
    estimate = finite_differences(lambda p: p[0] ** 2 + 3 * p[1], [2.0, -1.0])
    assert estimate == [pytest.approx(4.0, rel=1e-8), pytest.approx(3.0, rel=1e-8)]


@given(expressions_with_points())
def test_readme_example(case: tuple[Expression, list[float]]) -> None:
    expression, point = case
    assert gradcheck(expression, point)
