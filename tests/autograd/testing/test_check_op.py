"""``autograd.testing.check_op``: every op in the table passes; a wrong derivative is caught and
reported with the input, the rule and both numbers, at a shrunk point; domains are respected."""

from __future__ import annotations

import math
import re

import pytest

from autograd import OPS, GradcheckError, Op
from autograd.testing import Domain, check_op


@pytest.mark.parametrize("name", list(OPS))
def test_every_op_in_the_table_passes(name: str) -> None:
    assert check_op(OPS[name], max_examples=15) is True


def numbers_in(message: str) -> list[float]:
    return [float(x) for x in re.findall(r"gives? (-?[\d.e+-]+)", message)]


def test_a_wrong_derivative_is_caught_with_the_input_the_rule_and_both_numbers() -> None:
    cube = Op("cube", "a * a * a", ("2 * a * a",))  # should be 3 * a * a
    with pytest.raises(GradcheckError) as raised:
        check_op(cube)
    message = str(raised.value)
    assert "op 'cube': d out/d a at a=" in message and "'2 * a * a'" in message
    a = float(re.search(r"at a=([\d.e+-]+)", message).group(1))  # type: ignore[union-attr]
    engine, numeric = numbers_in(message)
    assert engine == pytest.approx(2 * a * a) and numeric == pytest.approx(3 * a * a, rel=1e-6)
    assert 0.25 <= a <= 0.75  # inside the default domain


def test_the_second_input_of_a_binary_op_is_named() -> None:
    wrong = Op("times", "a * b", ("b", "b"))  # d(ab)/db is a
    with pytest.raises(GradcheckError, match=r"d out/d b at a=.*, b=.*'b' gives"):
        check_op(wrong)


def test_a_rule_wrong_only_outside_the_default_domain_needs_that_domain() -> None:
    softsign = Op("softsign", "a / (1 + abs(a))", ("1 / (1 + a) ** 2",))  # right only for a > 0
    assert check_op(softsign)  # the default domain (0.25, 0.75) never sees a < 0
    with pytest.raises(GradcheckError) as raised:
        check_op(softsign, domains=[Domain("real", -3.0, 3.0)])
    a = float(re.search(r"at a=(-?[\d.e+-]+)", str(raised.value)).group(1))  # type: ignore[union-attr]
    assert a < 0


def test_a_domain_where_the_op_is_not_finite_is_refused() -> None:
    shifted_log = Op("shifted_log", "log(a - 10)", ("1 / (a - 10)",))  # nan on (0.25, 0.75)
    with pytest.raises(ValueError, match=r"not finite at most points.*domains="):
        check_op(shifted_log, max_examples=10)


def test_the_same_seed_reports_the_same_point() -> None:
    cube = Op("cube", "a * a * a", ("2 * a * a",))
    messages = []
    for _ in range(2):
        with pytest.raises(GradcheckError) as raised:
            check_op(cube, seed=7)
        messages.append(str(raised.value))
    assert messages[0] == messages[1]


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: check_op("cube"), TypeError, "autograd.Op"),  # type: ignore[arg-type]
        (lambda: check_op(OPS["+"], max_examples=0), ValueError, "max_examples"),
        (lambda: check_op(OPS["+"], domains=[Domain("real", 0.0, 1.0)]), ValueError, "takes 2 inputs"),
    ],
)
def test_bad_arguments(call: object, error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        call()  # type: ignore[operator]


# -- ops written as Python callables -----------------------------------------------------------------


def swish(a: float) -> float:
    return a / (1 + math.exp(-a))


REAL = [Domain("real", -5.0, 5.0)]


def test_a_callable_op_with_the_right_derivative_passes() -> None:
    op = Op("swish", swish, [lambda a, out: a.sigmoid() + out * (1 - a.sigmoid())])
    assert check_op(op, domains=REAL)


def test_a_callable_derivative_that_forgot_the_product_rule_is_caught() -> None:
    op = Op("swish", swish, [lambda a, out: a.sigmoid()])  # forgot + out * (1 - s)
    with pytest.raises(GradcheckError) as raised:
        check_op(op, domains=REAL)
    message = str(raised.value)
    assert "op 'swish': d out/d a at a=" in message and "through backward()" in message
    a = float(re.search(r"at a=(-?[\d.e+-]+)", message).group(1))  # type: ignore[union-attr]
    s = 1 / (1 + math.exp(-a))
    engine, numeric = numbers_in(message)
    assert engine == pytest.approx(s) and numeric == pytest.approx(s + a * s * (1 - s), rel=1e-6)


def test_a_derivative_that_only_works_on_floats_is_caught_on_the_create_graph_path() -> None:
    # backward() calls it with floats; grad(create_graph=True) with Values, which have no order
    op = Op(
        "softsign", lambda a: a / (1 + abs(a)), [lambda a, out: (1 - out) ** 2 if a > 0 else (1 + out) ** 2]
    )
    with pytest.raises(
        GradcheckError, match=r"grad\(create_graph=True\) raised TypeError .*Values are not ordered"
    ):
        check_op(op, domains=[Domain("real", -3.0, 3.0)])
