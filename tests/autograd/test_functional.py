"""The functional API: ``grad`` (first and higher order), ``jvp`` (forward mode), ``gradcheck`` and
``numerical_grad``."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import pytest

from autograd import (
    Constant,
    GradcheckError,
    Op,
    Value,
    compile,
    grad,
    gradcheck,
    hessian,
    hvp,
    jacobian,
    jvp,
    no_grad,
    topological_order,
)
from autograd.engine import apply
from autograd.functional import numerical_grad

# -- grad -----------------------------------------------------------------------------------------


def test_grad_returns_one_float_per_input_in_order() -> None:
    x, y = Value(2.0), Value(3.0)
    f = x * y + y.exp()
    assert grad(f, [y, x]) == [pytest.approx(2 + math.exp(3)), 3.0]
    assert all(type(g) is float for g in grad(f, [x, y]))


def test_grad_of_an_unrelated_input_is_zero() -> None:
    x, unused = Value(2.0), Value(5.0)
    f = x * x
    assert grad(f, [unused]) == [0.0]
    [zero] = grad(f, [unused], create_graph=True)
    assert isinstance(zero, Value) and zero.data == 0.0


def test_grad_of_an_output_with_respect_to_itself_is_one() -> None:
    x = Value(2.0)
    f = x.exp()
    assert grad(f, [f]) == [1.0]
    assert grad(x, [x]) == [1.0]
    [one] = grad(f, [f], create_graph=True)
    assert isinstance(one, Value) and one.data == 1.0


def test_grad_with_respect_to_an_interior_node() -> None:
    x = Value(2.0)
    hidden = x * 3
    f = hidden**2
    assert grad(f, [hidden, x]) == [12.0, 36.0]


def test_grad_repeated_inputs_each_get_the_gradient() -> None:
    x = Value(2.0)
    assert grad(x * x, [x, x]) == [4.0, 4.0]


def test_grad_accepts_any_sequence_of_inputs() -> None:
    x, y = Value(1.0), Value(2.0)
    f = x * y
    assert grad(f, (x, y)) == grad(f, [x, y]) == [2.0, 1.0]


def test_grad_matches_backward() -> None:
    x, y = Value(0.3), Value(-1.2)
    f = (x * y).tanh() + (x / y).sin()
    expected = grad(f, [x, y])
    f.backward()
    assert [x.grad, y.grad] == expected


def test_create_graph_gives_differentiable_gradients() -> None:
    x = Value(0.7)
    f = x.sin() * x
    [df] = grad(f, [x], create_graph=True)
    [d2f] = grad(df, [x])
    assert df.data == pytest.approx(math.cos(0.7) * 0.7 + math.sin(0.7))
    assert d2f == pytest.approx(-math.sin(0.7) * 0.7 + 2 * math.cos(0.7))


@pytest.mark.parametrize("x0", [-2.0, -0.5, 0.5, 3.0])
def test_third_derivative_of_a_cube(x0: float) -> None:
    x = Value(x0)
    [d1] = grad(x**3, [x], create_graph=True)
    [d2] = grad(d1, [x], create_graph=True)
    [d3] = grad(d2, [x])
    assert (d1.data, d2.data, d3) == (pytest.approx(3 * x0**2), pytest.approx(6 * x0), pytest.approx(6.0))


def test_mixed_partial_derivatives_are_symmetric() -> None:
    x, y = Value(0.4), Value(1.3)
    f = (x * y).exp() + x**2 * y.log()
    dx, dy = grad(f, [x, y], create_graph=True)
    [dxy] = grad(dx, [y])
    [dyx] = grad(dy, [x])
    expected = math.exp(0.52) * (1 + 0.52) + 2 * 0.4 / 1.3
    assert dxy == pytest.approx(expected) and dyx == pytest.approx(expected)


def test_second_derivative_of_a_piecewise_linear_function_is_zero() -> None:
    x = Value(1.5)
    [d1] = grad(x.relu() * 2 + abs(x), [x], create_graph=True)
    assert d1.data == 3.0
    assert grad(d1, [x]) == [0.0]


def test_create_graph_does_not_touch_dot_grad() -> None:
    x = Value(2.0)
    f = x**3
    [df] = grad(f, [x], create_graph=True)
    grad(df, [x])
    assert x.grad == 0.0 and f.grad == 0.0


def test_backward_through_a_gradient_graph() -> None:
    x = Value(2.0)
    [df] = grad(x**3, [x], create_graph=True)  # 3x^2
    df.backward()
    assert x.grad == pytest.approx(12.0)  # 6x


def test_grad_with_create_graph_inside_no_grad_still_records_the_derivative() -> None:
    x = Value(3.0)
    f = x * x * x
    with no_grad():
        [df] = grad(f, [x], create_graph=True)
    assert df.data == 27.0
    assert grad(df, [x]) == [18.0]


# -- jvp ------------------------------------------------------------------------------------------


def test_jvp_returns_value_and_directional_derivative() -> None:
    value, derivative = jvp(lambda x, y: x * y + y.sin(), [2.0, 0.5], [1.0, -2.0])
    assert value == pytest.approx(1.0 + math.sin(0.5))
    assert derivative == pytest.approx(0.5 * 1.0 + (2.0 + math.cos(0.5)) * -2.0)


def test_jvp_with_unit_tangents_gives_partial_derivatives() -> None:
    def f(x: Value, y: Value) -> Value:
        return (x * y + 3) ** 2 + 1

    assert jvp(f, [2.0, 3.0], [1.0, 0.0])[1] == 54.0  # 2xy^2 + 6y
    assert jvp(f, [2.0, 3.0], [0.0, 1.0])[1] == 36.0  # 2x^2y + 6x


def test_jvp_is_linear_in_the_tangent() -> None:
    def f(x: Value, y: Value) -> Value:
        return (x / y).exp() * x.cos()

    point = [0.3, 1.7]
    _, a = jvp(f, point, [1.0, 0.0])
    _, b = jvp(f, point, [0.0, 1.0])
    _, combined = jvp(f, point, [2.0, -3.0])
    assert combined == pytest.approx(2 * a - 3 * b)


def test_jvp_of_a_function_returning_its_input_or_a_constant() -> None:
    assert jvp(lambda x: x, [2.0], [5.0]) == (2.0, 5.0)
    assert jvp(lambda x: x * 0 + 7, [2.0], [5.0]) == (7.0, 0.0)


def test_jvp_with_reused_inputs() -> None:
    assert jvp(lambda x: x * x * x, [2.0], [1.0]) == (8.0, 12.0)


def test_jvp_inside_no_grad_still_differentiates() -> None:
    with no_grad():
        assert jvp(lambda x: x * x, [3.0], [1.0]) == (9.0, 6.0)


# -- gradcheck ------------------------------------------------------------------------------------

# An op whose declared derivative is wrong (d(a^2)/da is 2a, not a): gradcheck must catch it.
WRONG_SQUARE = Op("wrong_square", "a * a", ("a",))


def test_gradcheck_passes_for_correct_gradients() -> None:
    assert gradcheck(lambda x, y: (x * y).tanh() + (x / y).log(), [0.3, 1.7]) is True
    assert gradcheck(lambda: Value(1.0), []) is True


def test_gradcheck_raises_gradcheck_error_naming_the_input_with_both_numbers() -> None:
    def f(x: Value, y: Value) -> Value:
        return apply(WRONG_SQUARE, x) + y * 3

    with pytest.raises(GradcheckError) as info:
        gradcheck(f, [1.5, 2.0])
    message = str(info.value)
    assert "x0" in message and "1.5" in message  # the input
    assert "engine gradient 1.5" in message  # the engine's (wrong) number
    assert "3.0000" in message or "2.9999" in message  # the finite-difference estimate, 2 * 1.5
    assert "x1" not in message  # y's gradient is right


def test_gradcheck_error_is_an_assertion_error() -> None:
    assert issubclass(GradcheckError, AssertionError)
    with pytest.raises(AssertionError):
        gradcheck(lambda x: apply(WRONG_SQUARE, x), [2.0])


def test_gradcheck_catches_a_kink() -> None:
    with pytest.raises(GradcheckError, match="x0"):
        gradcheck(lambda x: x.relu(), [0.0])  # engine: 0, finite differences: 0.5


def test_gradcheck_tolerances_are_used() -> None:
    f = lambda x: apply(WRONG_SQUARE, x)  # engine: 1e-3, truth: 2e-3 at x = 1e-3
    with pytest.raises(GradcheckError):
        gradcheck(f, [1e-3], atol=1e-5)
    assert gradcheck(f, [1e-3], atol=1e-2)


def test_gradcheck_inside_no_grad_still_checks() -> None:
    with no_grad():
        assert gradcheck(lambda x: x * x, [3.0])


def test_numerical_grad_is_central_differences() -> None:
    estimate = numerical_grad(lambda x, y: x * x * y, [3.0, 2.0])
    assert estimate == [pytest.approx(12.0, rel=1e-8), pytest.approx(9.0, rel=1e-8)]


# -- piecewise derivatives are graph nodes on the create_graph path ------------------------------


def _ops_in(root: Value) -> set[str]:
    return {node.op for node in topological_order(root)}


@pytest.mark.parametrize(
    ("fn", "decisions"),
    [
        (lambda x: x.relu() * x, {"step"}),
        (lambda x: abs(x) * x, {"sign"}),
        (lambda x: x.leaky_relu(0.1) * x, {"step"}),
        (lambda x: x ** Value(2.0), {"==", ">=", "select"}),
    ],
)
def test_create_graph_records_each_piecewise_decision_as_a_node(
    fn: Callable[[Value], Value], decisions: set[str]
) -> None:
    x = Value(1.5)
    [derivative] = grad(fn(x), [x], create_graph=True)
    assert decisions <= _ops_in(derivative)


@pytest.mark.parametrize(
    "fn",
    [
        lambda x: grad(x.relu() * x, [x], create_graph=True)[0],
        lambda x: grad(abs(x) * x + x.leaky_relu(0.1) * x, [x], create_graph=True)[0],
        lambda x: grad(x ** (x * 0.5), [x], create_graph=True)[0],
    ],
)
def test_a_compiled_derivative_of_a_piecewise_op_is_right_on_both_sides(fn: Callable[[Value], Value]) -> None:
    # the replay evaluates step/sign/select again: issue 9's example returned (-1.0, [1.0]) at -1
    compiled = compile(fn)
    for x0 in (1.0, -1.0, 2.5, -0.5, 0.0):
        x = Value(x0)
        out = fn(x)
        value, [slope] = compiled.value_and_grad(x0)
        assert same(value, out.data) and same(slope, grad(out, [x])[0]), x0


def same(a: float, b: float) -> bool:
    """Equal to 1e-12 relative (the compiled contract), nan matching nan."""
    return math.isclose(a, b, rel_tol=1e-12) or (math.isnan(a) and math.isnan(b))


def test_power_gradients_match_pytorch_at_zero_and_at_exponent_zero() -> None:
    x, y = Value(0.0), Value(0.0)
    assert grad(x**y, [x, y]) == [0.0, 0.0]  # torch: d/db of 0 ** 0 is 0 (was -inf)
    for base in (1e-310, 5e-324, math.nan, 0.0, -2.0, math.inf):
        x = Value(base)
        assert grad(x ** Value(0.0), [x]) == [0.0], base  # torch 0 (was nan at a subnormal or nan)
        assert grad(x**0, [x]) == [0.0], base
        assert grad(x ** Value(0.0), [x], create_graph=True)[0].data == 0.0, base
    x, y = Value(0.0), Value(2.0)
    assert grad(x**y, [x, y]) == [0.0, 0.0]  # d/db of 0 ** b is 0 for b >= 0, as in PyTorch
    x, y = Value(0.0), Value(-1.0)
    assert grad(x**y, [y]) == [-math.inf]  # 0 ** -1 = inf, times log(0): PyTorch gives -inf too


def test_second_derivative_of_a_power_at_exponent_zero_is_not_cut_off() -> None:
    # d/da of a ** b is 0 at b = 0, but its slope in b there is a^-1 (1 + b ln a) = 1/a
    x, y = Value(2.0), Value(0.0)
    d_da = grad(x**y, [x], create_graph=True)[0]
    assert d_da.data == 0.0
    assert grad(d_da, [x, y]) == [0.0, 0.5]


# -- constants get no gradient ---------------------------------------------------------------------


def test_constants_keep_grad_zero_and_a_square_at_a_negative_input_has_no_nan() -> None:
    x = Value(-3.0)
    f = (x**2 + 3) * 2 - 1 / (x - 0.5)
    f.backward()
    constants = [node for node in topological_order(f) if node.is_constant]
    assert len(constants) == 5 and all(c.grad == 0.0 for c in constants)
    assert all(not math.isnan(node.grad) for node in topological_order(f))
    assert x.grad == pytest.approx(4 * -3 + 1 / 3.5**2)


def test_no_derivative_is_evaluated_for_a_constant_on_any_path() -> None:
    x = Value(-3.0)
    square = x**2  # d/db would be 9 * log(-3) = nan
    assert square._op.differentiated == (0,)
    assert "input_b.grad" not in inspect_source(square._op.chain_rule_step)
    assert square._op.symbolic_local_grads(square)[1] is None
    assert grad(square, [x]) == [-6.0]
    assert jvp(lambda v: v**2, [-3.0], [1.0]) == (9.0, -6.0)
    assert (2**x)._op.differentiated == (1,)
    with_a_constant_value = x * Constant(2.0)
    assert with_a_constant_value._op.differentiated == (0,)
    assert (Constant(2.0) * x)._op.differentiated == (1,)


def inspect_source(function: Callable[..., Any]) -> str:
    return "\n".join(str(c) for c in function.__code__.co_names)


def test_backward_grad_and_jvp_agree_with_constants_everywhere() -> None:
    def f(x: Value) -> Value:
        return (3 - x) * 2 + (2**x) / 4 + x.mul_add(2.0, 1.0) + 0.5 ** (x * x)

    x = Value(0.7)
    out = f(x)
    out.backward()
    [reverse] = grad(out, [x])
    [symbolic] = grad(out, [x], create_graph=True)
    assert x.grad == reverse == pytest.approx(symbolic.data, rel=1e-15)
    assert jvp(f, [0.7], [1.0])[1] == pytest.approx(reverse, rel=1e-15)


# -- jacobian, hessian, hvp, and jvp on Values ------------------------------------------------------


def test_jacobian_has_one_row_per_output() -> None:
    def polar(r: Value, theta: Value) -> list[Value]:
        return [r * theta.cos(), r * theta.sin()]

    r, theta = 2.0, 0.3
    expected = [[math.cos(theta), -r * math.sin(theta)], [math.sin(theta), r * math.cos(theta)]]
    for row, expected_row in zip(jacobian(polar, [r, theta]), expected):
        assert row == pytest.approx(expected_row, rel=1e-15)
    assert jacobian(lambda x, y: x * y, [2.0, 5.0]) == [[5.0, 2.0]]  # one Value: one row


@pytest.mark.parametrize(
    ("fn", "closed_form", "point"),
    [
        # f = x^2 y + sin(y): [[2y, 2x], [2x, -sin y]]
        (
            lambda x, y: x * x * y + y.sin(),
            lambda x, y: [[2 * y, 2 * x], [2 * x, -math.sin(y)]],
            (1.5, -0.7),
        ),
        # f = exp(x y): [[y^2, 1 + x y], [1 + x y, x^2]] e^(xy)
        (
            lambda x, y: (x * y).exp(),
            lambda x, y: [
                [y * y * math.exp(x * y), (1 + x * y) * math.exp(x * y)],
                [(1 + x * y) * math.exp(x * y), x * x * math.exp(x * y)],
            ],
            (0.4, 1.1),
        ),
        # f = log(x) / y + x ** y: a power with both inputs Values
        (
            lambda x, y: x.log() / y + x**y,
            lambda x, y: [
                [
                    -1 / (x * x * y) + y * (y - 1) * x ** (y - 2),
                    -1 / (x * y * y) + x ** (y - 1) * (1 + y * math.log(x)),
                ],
                [
                    -1 / (x * y * y) + x ** (y - 1) * (1 + y * math.log(x)),
                    2 * math.log(x) / y**3 + x**y * math.log(x) ** 2,
                ],
            ],
            (1.7, 2.5),
        ),
        # f = relu(x) * y + |x - y|: piecewise linear in each input
        (lambda x, y: x.relu() * y + abs(x - y), lambda x, y: [[0.0, 1.0], [1.0, 0.0]], (0.8, 0.3)),
    ],
)
def test_hessian_matches_closed_forms(
    fn: Callable[..., Value], closed_form: Callable[..., list[list[float]]], point: tuple[float, float]
) -> None:
    for row, expected_row in zip(hessian(fn, point), closed_form(*point)):
        assert row == pytest.approx(expected_row, rel=1e-12, abs=1e-15)


def test_hvp_forward_over_reverse_equals_reverse_over_reverse() -> None:
    def f(x: Value, y: Value, z: Value) -> Value:
        return (x * y).tanh() * z + (x - z) ** 2 * y.exp() + z.sigmoid() * x.log()

    point, vector = [1.3, -0.4, 0.8], [0.5, -1.0, 2.0]
    forward_over_reverse = hvp(f, point, vector)
    leaves = [Value(p) for p in point]
    gradient = grad(f(*leaves), leaves, create_graph=True)
    g_dot_v = sum((g * v for g, v in zip(gradient, vector)), Value(0.0))
    reverse_over_reverse = grad(g_dot_v, leaves)
    assert forward_over_reverse == pytest.approx(reverse_over_reverse, rel=1e-12)
    full = hessian(f, point)
    assert forward_over_reverse == pytest.approx(
        [sum(h * v for h, v in zip(row, vector)) for row in full], rel=1e-12
    )


def test_jvp_on_values_returns_differentiable_values() -> None:
    x = Value(2.0)
    value, tangent = jvp(lambda a: a**3, [x], [1.0])
    assert isinstance(value, Value) and isinstance(tangent, Value)
    assert (value.data, tangent.data) == (8.0, 12.0)
    assert grad(tangent, [x]) == [12.0]  # d/dx of 3x^2
    assert jvp(lambda a: a**3, [2.0], [1.0]) == (8.0, 12.0)  # numbers in, numbers out
    values, tangents = jvp(lambda a, b: [a * b, a + b], [2.0, 3.0], [1.0, 0.0])
    assert values == [6.0, 5.0] and tangents == [3.0, 1.0]


def test_jvp_with_a_value_tangent_is_differentiable_in_the_tangent() -> None:
    v = Value(0.5)
    _, tangent = jvp(lambda a: a.sin(), [Value(1.0)], [v])
    assert tangent.data == pytest.approx(0.5 * math.cos(1.0)) and grad(tangent, [v]) == [
        pytest.approx(math.cos(1.0))
    ]


def test_create_graph_builds_the_branch_not_taken_without_a_false_anomaly_alarm() -> None:
    # at 0 ** 0 the rule's other branch b * a ** (b - 1) is inf: built (a replay may need it) but
    # never used, so detect_anomaly must not report it
    from autograd import detect_anomaly

    x, y = Value(0.0), Value(0.0)
    with detect_anomaly():
        d_dx, d_dy = grad(x**y, [x, y], create_graph=True)
    assert (d_dx.data, d_dy.data) == (0.0, 0.0)
    assert "select" in _ops_in(d_dx) and "select" in _ops_in(d_dy)


def test_compiled_adds_no_term_for_an_input_that_gets_no_gradient() -> None:
    # eager adds nothing through step(x) (derivative 0 everywhere, as PyTorch): not even 0 * inf
    from autograd import OPS, apply

    def f(x: Value) -> Value:
        return apply(OPS["step"], x) * math.inf + x

    x = Value(2.0)
    assert grad(f(x), [x]) == [1.0]
    assert compile(f).value_and_grad(2.0)[1] == [1.0]


def test_jvp_on_values_adds_nothing_for_a_zero_direction() -> None:
    """Along (1, 0), ``x + sqrt(y)`` at y = 0 moves as x does: the tangent is 1 on floats, and was
    ``inf * 0 = nan`` on Values (the create_graph form), which multiplied the zero direction."""
    f = lambda x, y: x + y.sqrt()
    assert jvp(f, [1.0, 0.0], [1.0, 0.0]) == (1.0, 1.0)
    value, tangent = jvp(f, [Value(1.0), Value(0.0)], [1.0, 0.0])
    assert (value.data, tangent.data) == (1.0, 1.0)


def test_hvp_along_an_input_leaves_out_a_column_that_is_infinite() -> None:
    """``H v = d/dt grad f(x + t v)``: for ``x^2 + y sqrt(y)`` at y = 0 along x that is (2, 0), though
    d2f/dy2 = 0.75 / sqrt(y) is inf there (it was nan: inf * 0)."""
    assert hvp(lambda x, y: x * x + y * y.sqrt(), [1.0, 0.0], [1.0, 0.0]) == [2.0, 0.0]
