"""Your own ops: ``autograd.Op`` with expression strings or Python callables, ``autograd.apply``, and
every path a built-in op takes (backward, create_graph, jvp, gradcheck, drawing, step-through,
compile), read generically from the op."""

from __future__ import annotations

import math

import pytest

from autograd import GradcheckError, Op, Value, apply, compile, grad, gradcheck, jvp
from autograd.testing import check_op
from autograd.viz import draw_dot, final_grads, step_through, stepthrough_html


def _sigmoid(a: float) -> float:
    return 1 / (1 + math.exp(-a))


def swish_closed_form(a: float) -> tuple[float, float, float]:
    """swish(a) = a s(a), its first and second derivatives."""
    s = _sigmoid(a)
    first = s + a * s * (1 - s)
    second = s * (1 - s) * (2 + a * (1 - 2 * s))
    return a * s, first, second


SWISH_STRING = Op("swish", "a * sigmoid(a)", ("sigmoid(a) + out * (1 - sigmoid(a))",), "a s(a)")
SWISH_CALLABLE = Op(
    "swish",
    lambda a: a * _sigmoid(a),
    [lambda a, out: a.sigmoid() + out * (1 - a.sigmoid())],  # Value methods: works on every path
)
SWISH_ARITHMETIC = Op(  # a derivative written with operators only works on floats and Values alike
    "swish",
    lambda a: a * _sigmoid(a),
    [lambda a, out: out / a + out * (1 - out / a)],
)
FORMS = pytest.mark.parametrize("op", [SWISH_STRING, SWISH_CALLABLE, SWISH_ARITHMETIC], ids=str)


@FORMS
@pytest.mark.parametrize("a", [-2.0, 0.5, 3.0])
def test_backward_grad_and_second_derivative_match_the_closed_form(op: Op, a: float) -> None:
    value, first, second = swish_closed_form(a)
    x = Value(a)
    out = apply(op, x)
    assert out.op == "swish" and out.children == (x,)
    assert out.data == pytest.approx(value, rel=1e-14)
    out.backward()
    assert x.grad == pytest.approx(first, rel=1e-12)
    [symbolic] = grad(out, [x], create_graph=True)
    assert isinstance(symbolic, Value) and symbolic.data == pytest.approx(first, rel=1e-12)
    assert grad(symbolic, [x]) == [pytest.approx(second, rel=1e-9)]
    assert jvp(lambda v: apply(op, v), [a], [2.0]) == (out.data, pytest.approx(2 * first, rel=1e-12))
    assert gradcheck(lambda v: apply(op, v) * 3, [a])


@FORMS
def test_check_op_passes_a_correct_op(op: Op) -> None:
    assert check_op(op, max_examples=30)


def test_check_op_and_gradcheck_catch_a_wrong_derivative() -> None:
    wrong = Op("swish", lambda a: a * _sigmoid(a), [lambda a, out: a.sigmoid()])  # forgot a term
    with pytest.raises(GradcheckError):
        check_op(wrong, max_examples=30)
    with pytest.raises(GradcheckError, match="input 0"):
        gradcheck(lambda v: apply(wrong, v), [1.0])


def test_two_input_callable_op_with_a_constant() -> None:
    hypot = Op(
        "hypot",
        math.hypot,
        [lambda a, b, out: a / out, lambda a, b, out: b / out],
        doc="sqrt(a^2 + b^2)",
    )
    x, y = Value(3.0), Value(4.0)
    out = apply(hypot, x, y)
    assert out.data == 5.0 and grad(out, [x, y]) == [0.6, 0.8]
    with_constant = apply(hypot, x, 4.0)  # a number becomes a Constant: no derivative for it
    assert with_constant._op.differentiated == (0,) and grad(with_constant, [x]) == [0.6]
    dx, _ = grad(out, [x, y], create_graph=True)
    assert grad(dx, [x, y]) == [pytest.approx(16 / 125), pytest.approx(-12 / 125)]


def test_drawing_and_step_through_read_a_custom_op_generically() -> None:
    x = Value(0.5, "x")
    out = apply(SWISH_CALLABLE, x) * 2
    assert "swish" in draw_dot(out).source
    steps = step_through(out)
    out.backward()
    assert final_grads(steps)[x] == pytest.approx(x.grad, rel=1e-15)
    assert "swish" in stepthrough_html(out)


@FORMS
def test_compile_replays_a_custom_op_at_new_inputs(op: Op) -> None:
    def f(v: Value) -> Value:
        return apply(op, v * v) + v

    compiled = compile(f)
    for a in (0.5, -1.5, 2.0):
        x = Value(a)
        out = f(x)
        value, [slope] = compiled.value_and_grad(a)
        assert value == pytest.approx(out.data, rel=1e-12)
        assert slope == pytest.approx(grad(out, [x])[0], rel=1e-12)


def test_an_unknown_function_in_a_rule_is_a_value_error_at_definition() -> None:
    with pytest.raises(ValueError, match=r"erff.*a rule may call: .*erf"):
        Op("erf2", "erff(a)", ("1.1283791670955126 * exp(-a * a)",))
    with pytest.raises(ValueError, match="gelu"):
        Op("mine", "a", ("gelu(a)",))
    with pytest.raises(ValueError, match=r"unknown name\(s\) x; it may read a, out"):
        Op("mine", "a", ("x * 2",))
    with pytest.raises(ValueError, match="not a Python expression"):
        Op("mine", "a +", ("1",))
    with pytest.raises(TypeError, match="expression string or a callable"):
        Op("mine", "a", (2.0,))  # type: ignore[arg-type]


def test_apply_checks_the_number_of_inputs() -> None:
    with pytest.raises(TypeError, match="takes 1 inputs, got 2"):
        apply(SWISH_STRING, Value(1.0), Value(2.0))


def test_a_user_function_named_like_a_builtin_does_not_replace_it() -> None:
    def exp(a: float) -> float:  # shadows the table's exp by name only
        return 2.0 * a

    double = Op("double", exp, ("2",))
    assert double.forward != "exp(a)" and apply(double, Value(3.0)).data == 6.0
    assert Value(0.0).exp().data == 1.0
