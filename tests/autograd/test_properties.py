"""Property tests over random expression graphs (``autograd.testing``): the engine's gradients
agree with finite differences, with forward mode, with themselves across code paths, and second
derivatives agree with finite differences of first derivatives."""

from __future__ import annotations

import math

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from autograd import Value, grad, gradcheck, jvp, no_grad
from autograd.testing import (
    Expression,
    expressions,
    expressions_with_points,
    finite_differences,
    mlp_expressions,
    points,
)

Case = tuple[Expression, list[float]]
MODERATE = 1e6  # beyond this, rounding in finite differences (~1e-10 * magnitude) dominates


def agree(engine: float, estimate: float, magnitude: float) -> bool:
    """Engine vs central differences: relative 1e-4, plus what rounding costs at this magnitude."""
    return abs(engine - estimate) <= 1e-5 + 1e-4 * abs(estimate) + 1e-9 * magnitude


def close(x: float, y: float) -> bool:
    return math.isclose(x, y, rel_tol=1e-12, abs_tol=1e-12)


def leaves_at(point: list[float]) -> list[Value]:
    return [Value(x, f"x{i}") for i, x in enumerate(point)]


@given(expressions_with_points())
def test_gradients_match_finite_differences(case: Case) -> None:
    expression, point = case
    magnitude = expression.magnitude(point)
    assume(magnitude < MODERATE)
    leaves = leaves_at(point)
    engine = grad(expression(*leaves), leaves)
    numeric = finite_differences(expression.evaluate, point)
    for i, (e, n) in enumerate(zip(engine, numeric)):
        assert agree(e, n, magnitude), f"d/dx{i} of {expression}: engine {e}, finite differences {n}"


@given(expressions_with_points(), st.data())
def test_forward_mode_matches_reverse_mode(case: Case, data: st.DataObject) -> None:
    expression, point = case
    tangents = data.draw(points(len(point), bound=1.0), label="tangents")
    value, directional = jvp(expression, point, tangents)
    leaves = leaves_at(point)
    output = expression(*leaves)
    reverse = math.fsum(g * t for g, t in zip(grad(output, leaves), tangents))
    scale = math.fsum(abs(g * t) for g, t in zip(grad(output, leaves), tangents))
    assert value == output.data
    assert math.isclose(directional, reverse, rel_tol=1e-9, abs_tol=1e-12 * (1 + scale))


@given(expressions_with_points())
def test_building_with_values_computes_the_same_number_as_floats(case: Case) -> None:
    expression, point = case
    assert expression(*leaves_at(point)).data == expression.evaluate(point)


@given(expressions_with_points())
def test_backward_and_grad_agree_and_backward_twice_doubles_leaves(case: Case) -> None:
    expression, point = case
    leaves = leaves_at(point)
    output = expression(*leaves)
    expected = grad(output, leaves)
    output.backward()
    assert all(close(leaf.grad, g) for leaf, g in zip(leaves, expected))
    interior = [output, *(child for child in output.children if not child.is_leaf)]
    first_pass = [node.grad for node in interior]
    output.backward()
    # (equal up to rounding: a pass may add each path's contribution to .grad in turn)
    assert all(close(leaf.grad, 2 * g) for leaf, g in zip(leaves, expected))
    assert [node.grad for node in interior] == first_pass


@given(expressions_with_points())
def test_create_graph_gives_the_same_first_derivatives(case: Case) -> None:
    expression, point = case
    leaves = leaves_at(point)
    output = expression(*leaves)
    floats = grad(output, leaves)
    symbolic = grad(output, leaves, create_graph=True)
    for s, f in zip(symbolic, floats):
        assert math.isclose(s.data, f, rel_tol=1e-9, abs_tol=1e-12 * (1 + expression.magnitude(point)))


@settings(max_examples=20)
@given(expressions_with_points(max_ops=4, max_inputs=2))
def test_second_derivatives_match_finite_differences_of_first_derivatives(case: Case) -> None:
    expression, point = case
    magnitude = expression.magnitude(point)
    assume(magnitude < 1e3)
    leaves = leaves_at(point)
    first = grad(expression(*leaves), leaves, create_graph=True)
    for i, derivative in enumerate(first):

        def first_derivative(p: list[float], i: int = i) -> float:
            xs = leaves_at(p)
            return float(grad(expression(*xs), xs)[i])

        numeric = finite_differences(first_derivative, point, eps=1e-5)
        engine = grad(derivative, leaves)
        for j, (e, n) in enumerate(zip(engine, numeric)):
            assert abs(e - n) <= 1e-4 + 1e-3 * abs(n) + 1e-7 * magnitude, (i, j, e, n, str(expression))


@given(expressions_with_points())
def test_gradcheck_accepts_every_random_expression(case: Case) -> None:
    expression, point = case
    assume(expression.magnitude(point) < 1e4)
    assert gradcheck(expression, point, atol=1e-4, rtol=1e-3)


@given(mlp_expressions(), st.data())
def test_mlp_gradients_match_finite_differences(expression: Expression, data: st.DataObject) -> None:
    point = data.draw(points(expression.n_inputs, bound=1.5), label="point")
    leaves = leaves_at(point)
    engine = grad(expression(*leaves), leaves)
    numeric = finite_differences(expression.evaluate, point)
    for name, e, n in zip(expression.input_names, engine, numeric):
        assert agree(e, n, expression.magnitude(point)), f"d/d{name}: engine {e}, finite differences {n}"


@given(expressions(), st.data())
def test_no_grad_computes_the_same_number_without_a_graph(
    expression: Expression, data: st.DataObject
) -> None:
    point = data.draw(points(expression.n_inputs), label="point")
    with no_grad():
        output = expression(*leaves_at(point))
    assert output.is_leaf and output.data == expression.evaluate(point)
