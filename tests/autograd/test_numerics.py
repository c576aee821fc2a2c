"""IEEE-754 numerics, like PyTorch: special values instead of exceptions (in the forward pass, in
``backward``, in ``grad(create_graph=True)`` and in forward mode), and stable ``tanh``, ``sigmoid``
and ``exp`` for any finite input."""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from decimal import Decimal, getcontext

import pytest

from autograd import OPS, Value, grad, jvp, numerics
from autograd.engine import apply

inf, nan = math.inf, math.nan


def same(x: float, y: float) -> bool:
    """Equal as IEEE values: nan matches nan, and the sign of zero and infinity counts."""
    if math.isnan(y):
        return math.isnan(x)
    return x == y and math.copysign(1, x) == math.copysign(1, y)


# -- autograd.numerics ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("x", "y", "expected"),
    [
        (1.0, 0.0, inf),
        (-1.0, 0.0, -inf),
        (1.0, -0.0, -inf),
        (-1.0, -0.0, inf),
        (0.0, 0.0, nan),
        (nan, 0.0, nan),
        (inf, 0.0, inf),
        (6.0, 3.0, 2.0),
        (1.0, inf, 0.0),
    ],
)
def test_divide(x: float, y: float, expected: float) -> None:
    assert same(numerics.divide(x, y), expected)


@pytest.mark.parametrize(
    ("x", "y", "expected"),
    [
        (-8.0, 1 / 3, nan),  # never a complex number
        (-8.0, 3.0, -512.0),
        (-2.0, 0.5, nan),
        (0.0, -1.0, inf),
        (-0.0, -1.0, -inf),
        (0.0, -2.0, inf),
        (-0.0, -0.5, inf),
        (10.0, 400.0, inf),
        (-10.0, 401.0, -inf),
        (-10.0, 400.0, inf),
        (0.0, 0.0, 1.0),
        (nan, 0.0, 1.0),
        (1.0, nan, 1.0),
        (2.0, -1100.0, 0.0),
    ],
)
def test_power(x: float, y: float, expected: float) -> None:
    assert same(numerics.power(x, y), expected)


@pytest.mark.parametrize(
    ("function", "x", "expected"),
    [
        ("exp", 1000.0, inf),
        ("exp", -1000.0, 0.0),
        ("exp", nan, nan),
        ("log", 0.0, -inf),
        ("log", -0.0, -inf),
        ("log", -1.0, nan),
        ("log", inf, inf),
        ("log", nan, nan),
        ("sqrt", -1.0, nan),
        ("sqrt", -0.0, -0.0),
        ("sqrt", inf, inf),
        ("sin", inf, nan),
        ("cos", -inf, nan),
        ("tanh", 1000.0, 1.0),
        ("tanh", -1000.0, -1.0),
        ("tanh", inf, 1.0),
        ("sigmoid", 1000.0, 1.0),
        ("sigmoid", -1000.0, 0.0),
        ("sigmoid", inf, 1.0),
        ("sigmoid", -inf, 0.0),
        ("sigmoid", nan, nan),
        ("sigmoid", 0.0, 0.5),
        ("step", 0.0, 0.0),
        ("step", -0.0, 0.0),
        ("step", 1e-300, 1.0),
        ("sign", 0.0, 0.0),
        ("sign", -3.0, -1.0),
        ("sign", 2.0, 1.0),
    ],
)
def test_unary_functions(function: str, x: float, expected: float) -> None:
    assert same(getattr(numerics, function)(x), expected)


def _sigmoid_exact(x: int) -> float:
    getcontext().prec = 50
    e = Decimal(x).exp()
    return float(e / (1 + e))


@pytest.mark.parametrize("x", [-745, -700, -500, -40, -1, 0, 1, 40, 700])
def test_sigmoid_keeps_full_relative_precision(x: int) -> None:
    assert math.isclose(Value(x).sigmoid().data, _sigmoid_exact(x), rel_tol=1e-6)
    assert math.isclose(numerics.sigmoid(x), _sigmoid_exact(x), rel_tol=1e-12)


# -- Value: the contract's examples ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        (lambda: Value(0.0).log(), -inf),
        (lambda: Value(-1.0).log(), nan),
        (lambda: Value(1000.0).exp(), inf),
        (lambda: Value(1.0) / 0, inf),
        (lambda: Value(-1.0) / 0, -inf),
        (lambda: Value(0.0) / 0, nan),
        (lambda: 1 / Value(0.0), inf),
        (lambda: Value(-8.0) ** (1 / 3), nan),
        (lambda: Value(-8.0) ** Value(1 / 3), nan),
        (lambda: Value(-8.0) ** 3, -512.0),
        (lambda: Value(0.0) ** -1, inf),
        (lambda: Value(10.0) ** 400, inf),
        (lambda: 10 ** Value(400.0), inf),
        (lambda: Value(-1.0).sqrt(), nan),
        (lambda: Value(1e308) * 10, inf),
        (lambda: Value(1e308) + 1e308, inf),
        (lambda: Value(inf) - inf, nan),
        (lambda: Value(1000.0).tanh(), 1.0),
        (lambda: Value(-1000.0).tanh(), -1.0),
        (lambda: Value(1000.0).sigmoid(), 1.0),
        (lambda: Value(-1000.0).sigmoid(), 0.0),
        (lambda: Value(nan).relu(), nan),
    ],
)
def test_special_values_instead_of_exceptions(expression: object, expected: float) -> None:
    assert same(expression().data, expected)  # type: ignore[operator]


@pytest.mark.parametrize("x", [-1000.0, -700.0, 700.0, 1000.0])
@pytest.mark.parametrize("function", ["tanh", "sigmoid"])
def test_saturating_functions_have_finite_small_gradients_at_extremes(function: str, x: float) -> None:
    v = Value(x)
    [derivative] = grad(getattr(v, function)(), [v])
    assert math.isfinite(derivative) and 0.0 <= derivative < 1e-300


def test_sigmoid_gradient_far_left_keeps_relative_precision() -> None:
    x = Value(-700.0)
    [derivative] = grad(x.sigmoid(), [x])  # s(1 - s) = s to double precision here
    assert math.isclose(derivative, _sigmoid_exact(-700), rel_tol=1e-6)


def test_exp_of_large_negative_input_and_its_gradient_are_zero() -> None:
    x = Value(-1000.0)
    y = x.exp()
    y.backward()
    assert y.data == 0.0 and x.grad == 0.0


@pytest.mark.parametrize(
    ("function", "expected"),
    [("relu", 0.0), ("abs", 0.0), ("leaky_relu", 0.01), ("sqrt", inf), ("log", inf)],
)
def test_derivatives_at_zero(function: str, expected: float) -> None:
    x = Value(0.0)
    out = abs(x) if function == "abs" else getattr(x, function)()
    assert grad(out, [x]) == [expected]
    [symbolic] = grad(out, [x], create_graph=True)
    assert symbolic.data == expected
    assert jvp(lambda v: abs(v) if function == "abs" else getattr(v, function)(), [0.0], [1.0])[1] == expected


def test_polynomial_gradient_at_zero() -> None:
    x = Value(0.0)
    polynomial = sum((c * x**i for i, c in enumerate([1.0, 2.0, 3.0])), Value(0.0))  # 1 + 2x + 3x^2
    assert grad(polynomial, [x]) == [2.0]


def test_power_of_a_negative_base_with_an_integer_exponent_differentiates() -> None:
    x = Value(-2.0)
    [d] = grad(x**3, [x])
    assert d == 12.0


# -- no op ever raises on a number: the op table x special values ----------------------------------

SPECIAL = [0.0, -0.0, 1.0, -1.0, 0.5, -8.0, 1 / 3, 2.0, 3.0, 1000.0, -1000.0, -700.0, 710.0]
SPECIAL += [1e308, -1e308, 5e-324, inf, -inf, nan]
SPECIAL_FOR_THREE = [0.0, -0.0, 1.0, -2.0, 1e308, 5e-324, inf, -inf, nan]


@pytest.mark.parametrize("name", list(OPS))
def test_no_op_raises_on_any_number_in_any_path(name: str) -> None:
    """Forward, backward, grad, grad(create_graph=True) twice over, and jvp: IEEE values, never a
    bare OverflowError, ValueError or ZeroDivisionError (or anything else)."""
    op = OPS[name]
    specials = SPECIAL if op.arity < 3 else SPECIAL_FOR_THREE  # 19^3 cases would take seconds
    for args in itertools.product(specials, repeat=op.arity):
        # every input a Value, or one of them a plain number (a Constant in the graph)
        for constant_at in (None, *range(op.arity if op.arity > 1 else 0)):
            leaves = [Value(x) for x in args]
            inputs = [x if i == constant_at else leaf for i, (x, leaf) in enumerate(zip(args, leaves))]
            out = apply(op, *inputs)
            assert same(out.data, op.evaluate(*args))
            out.backward()
            floats = grad(out, leaves)
            for first, expected in zip(grad(out, leaves, create_graph=True), floats):
                assert same(first.data, expected) or constant_at is not None
                for second in grad(first, leaves, create_graph=True):
                    grad(second, leaves)
            jvp(_applied(name, args, constant_at), args, [1.0] * op.arity)


def _applied(name: str, args: tuple[float, ...], constant_at: int | None) -> Callable[..., Value]:
    """``OPS[name]`` as a function of Values, with argument ``constant_at`` fixed to a number."""

    def fn(*values: Value) -> Value:
        return apply(OPS[name], *(args[i] if i == constant_at else v for i, v in enumerate(values)))

    return fn


# -- the second round's ops: IEEE outside their domain, accurate where math is careful -------------


@pytest.mark.parametrize(
    ("method", "x", "expected"),
    [
        ("asin", 2.0, nan),
        ("acos", -1.5, nan),
        ("atanh", 1.0, inf),
        ("atanh", -1.0, -inf),
        ("atanh", 1.5, nan),
        ("acosh", 0.5, nan),
        ("log1p", -1.0, -inf),
        ("log1p", -2.0, nan),
        ("log2", 0.0, -inf),
        ("log10", -1.0, nan),
        ("sinh", 1000.0, inf),
        ("sinh", -1000.0, -inf),
        ("cosh", -1000.0, inf),
        ("expm1", 1000.0, inf),
        ("expm1", -1000.0, -1.0),
        ("tan", inf, nan),
        ("erf", inf, 1.0),
        ("erf", -inf, -1.0),
        ("atan", inf, math.pi / 2),
        ("asinh", -inf, -inf),
        ("log1p", 1e-20, 1e-20),  # 1 + 1e-20 would round to 1
        ("expm1", 1e-20, 1e-20),
        ("log2", 1024.0, 10.0),
        ("log10", 1e-5, -5.0),
    ],
)
def test_new_ops_give_ieee_values_never_exceptions(method: str, x: float, expected: float) -> None:
    assert same(getattr(Value(x), method)().data, expected)


def test_large_inputs_stay_accurate() -> None:
    assert Value(1e300).asinh().data == pytest.approx(math.log(2e300), rel=1e-15)
    assert Value(1e300).acosh().data == pytest.approx(math.log(2e300), rel=1e-15)
    x = Value(-40.0)
    assert grad(x.expm1(), [x]) == [math.exp(-40.0)]  # not (out + 1) = 0 after rounding
    x = Value(1 - 1e-10)
    [slope] = grad(x.asin(), [x])  # 1 / sqrt((1 - a)(1 + a)): no cancellation in 1 - a * a
    assert slope == pytest.approx(1 / math.sqrt(2e-10 - 1e-20), rel=1e-6)


def test_maximum_minimum_and_clamp_propagate_nan() -> None:
    from autograd import maximum, minimum

    assert math.isnan(maximum(Value(nan), 1.0).data) and math.isnan(maximum(1.0, Value(nan)).data)
    assert math.isnan(minimum(Value(2.0), nan).data)
    assert math.isnan(Value(nan).clamp(0.0, 1.0).data)
