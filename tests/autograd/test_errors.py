"""Every bad input gets a clear error: the right exception type, and a message that says what was
wrong (the offending type or value) and what was expected."""

from __future__ import annotations

import math
import operator
from collections.abc import Callable
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest

from autograd import Op, Value, apply, grad, gradcheck, jvp, no_grad
from autograd.engine import backpropagate


class NotANumber:
    """A user type the engine knows nothing about."""


BAD_DATA: list[Any] = ["1.0", None, 1 + 2j, [1.0], (1.0,), {"x": 1.0}, b"1", NotANumber(), Value(1.0)]
BAD_IDS = ["str", "None", "complex", "list", "tuple", "dict", "bytes", "object", "Value"]
BINARY_OPERATORS = [operator.add, operator.sub, operator.mul, operator.truediv, operator.pow]


# -- Value(data, label) ---------------------------------------------------------------------------


@pytest.mark.parametrize("data", BAD_DATA, ids=BAD_IDS)
def test_value_rejects_non_real_data_naming_the_type(data: Any) -> None:
    with pytest.raises(TypeError, match=type(data).__name__):
        Value(data)


@pytest.mark.parametrize("data", [3, 2.5, True, Fraction(1, 4), Decimal("0.5"), -0.0, math.inf, math.nan])
def test_value_accepts_real_numbers_as_floats(data: Any) -> None:
    x = Value(data)
    assert type(x.data) is float
    assert x.data == float(data) or math.isnan(x.data)


def test_value_accepts_numpy_scalars() -> None:
    np = pytest.importorskip("numpy")
    for scalar in (np.float64(2.5), np.float32(2.5), np.int64(3), np.float16(0.5)):
        x = Value(scalar)
        assert type(x.data) is float and x.data == float(scalar)
        assert (x * scalar).data == float(scalar) ** 2
        assert (scalar * x).data == float(scalar) ** 2
    y = Value(2.0)
    (y * np.float64(3.0)).backward(np.float64(2.0))
    assert y.grad == 6.0 and type(y.grad) is float


def test_value_rejects_numpy_arrays_and_complex_scalars() -> None:
    np = pytest.importorskip("numpy")
    for bad in (np.array([1.0, 2.0]), np.array(1.0), np.complex128(1.0)):
        with pytest.raises(TypeError, match=type(bad).__name__):
            Value(bad)


@pytest.mark.parametrize("label", [None, 1, b"x", ["x"]])
def test_value_rejects_a_non_string_label(label: Any) -> None:
    with pytest.raises(TypeError, match="label"):
        Value(1.0, label)


def test_huge_ints_follow_ieee_instead_of_raising_overflow_error() -> None:
    assert Value(10**400).data == math.inf
    assert (Value(2.0) * 10**400).data == math.inf
    assert (Value(2.0) ** -(10**400)).data == 0.0


# -- operators ------------------------------------------------------------------------------------


@pytest.mark.parametrize("other", BAD_DATA[:-1], ids=BAD_IDS[:-1])
@pytest.mark.parametrize("op", BINARY_OPERATORS, ids=lambda f: f.__name__)
def test_operators_reject_non_numbers_on_either_side_naming_the_type(
    op: Callable[[Any, Any], Any], other: Any
) -> None:
    x = Value(1.0)
    with pytest.raises(TypeError, match=type(other).__name__):
        op(x, other)
    with pytest.raises(TypeError):
        op(other, x)


@pytest.mark.parametrize("alpha", ["0.1", None, 1j])
def test_leaky_relu_rejects_a_non_number_slope(alpha: Any) -> None:
    with pytest.raises(TypeError, match=type(alpha).__name__):
        Value(-1.0).leaky_relu(alpha)


@pytest.mark.parametrize("compare", [operator.lt, operator.le, operator.gt, operator.ge])
def test_values_are_not_ordered(compare: Callable[[Any, Any], bool]) -> None:
    a, b = Value(1.0), Value(2.0)
    for left, right in ((a, b), (a, 2.0), (2.0, a)):
        with pytest.raises(TypeError, match=r"\.data"):
            compare(left, right)


@pytest.mark.parametrize("op", [operator.floordiv, operator.mod, operator.matmul, operator.lshift])
def test_operators_the_engine_does_not_define_raise_type_error(op: Callable[[Any, Any], Any]) -> None:
    with pytest.raises(TypeError):
        op(Value(3.0), 2)


def test_a_value_has_no_truth_value() -> None:
    # float(v) is v.data (the number protocol, as PyTorch's float(tensor)); a truth value is refused
    with pytest.raises(TypeError, match="no truth value"):
        bool(Value(0.0))
    with pytest.raises(TypeError, match="no truth value"):
        Value(1.0) or 2.0


# -- backward -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "seed", ["1", None, 1j, [1.0], Value(1.0)], ids=["str", "None", "complex", "list", "Value"]
)
def test_backward_rejects_a_non_number_seed_naming_the_type(seed: Any) -> None:
    y = Value(2.0) * 3
    with pytest.raises(TypeError, match=type(seed).__name__):
        y.backward(seed)


# -- grad -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("output", [1.0, None, "y", [Value(1.0)]])
def test_grad_rejects_an_output_that_is_not_a_value(output: Any) -> None:
    with pytest.raises(TypeError, match=type(output).__name__):
        grad(output, [Value(1.0)])


def test_grad_rejects_a_single_value_instead_of_a_sequence() -> None:
    x = Value(1.0)
    with pytest.raises(TypeError, match=r"sequence"):
        grad(x * x, x)  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", [1.0, None, "x"])
def test_grad_rejects_inputs_that_are_not_values_naming_position_and_type(bad: Any) -> None:
    x = Value(1.0)
    with pytest.raises(TypeError, match=rf"inputs\[1\].*{type(bad).__name__}"):
        grad(x * x, [x, bad])


# -- jvp ------------------------------------------------------------------------------------------


def test_jvp_rejects_mismatched_lengths_stating_both() -> None:
    with pytest.raises(ValueError, match=r"2 inputs.*1 tangent"):
        jvp(lambda x, y: x * y, [1.0, 2.0], [1.0])


@pytest.mark.parametrize("where", ["inputs", "tangents"])
@pytest.mark.parametrize("bad", ["1", None, 1j])
def test_jvp_rejects_non_numbers_naming_where_and_type(where: str, bad: Any) -> None:
    inputs, tangents = [1.0, 2.0], [1.0, 0.0]
    (inputs if where == "inputs" else tangents)[1] = bad
    with pytest.raises(TypeError, match=rf"{where}\[1\].*{type(bad).__name__}"):
        jvp(lambda x, y: x * y, inputs, tangents)


def test_jvp_rejects_a_function_that_does_not_return_a_value() -> None:
    with pytest.raises(TypeError, match="float"):
        jvp(lambda x: x.data * 2, [1.0], [1.0])


# -- gradcheck ------------------------------------------------------------------------------------


@pytest.mark.parametrize("bad", ["1", None, Value(1.0)])
def test_gradcheck_rejects_non_number_inputs_naming_position_and_type(bad: Any) -> None:
    with pytest.raises(TypeError, match=rf"inputs\[0\].*{type(bad).__name__}"):
        gradcheck(lambda x: x * x, [bad])


@pytest.mark.parametrize(
    "options",
    [{"eps": 0.0}, {"eps": -1e-6}, {"eps": math.nan}, {"eps": math.inf}, {"atol": -1.0}, {"rtol": math.nan}],
    ids=["eps=0", "eps<0", "eps=nan", "eps=inf", "atol<0", "rtol=nan"],
)
def test_gradcheck_rejects_bad_tolerances_naming_them(options: dict[str, float]) -> None:
    [(name, _)] = options.items()
    with pytest.raises(ValueError, match=name):
        gradcheck(lambda x: x * x, [1.0], **options)


def test_gradcheck_rejects_a_function_that_does_not_return_a_value() -> None:
    with pytest.raises(TypeError, match="float"):
        gradcheck(lambda x: 2.0, [1.0])  # type: ignore[arg-type, return-value]


# -- never a bare arithmetic exception --------------------------------------------------------------


def test_bad_input_errors_are_never_bare_arithmetic_exceptions() -> None:
    """The errors above are TypeError/ValueError raised on purpose, never an accident of math."""
    attempts: list[Callable[[], object]] = [
        lambda: Value("x"),
        lambda: Value(1.0) + None,  # type: ignore[arg-type]
        lambda: Value(1.0).backward("1"),  # type: ignore[arg-type]
    ]
    for attempt in attempts:
        with pytest.raises(TypeError) as info:
            attempt()
        assert not isinstance(info.value, (OverflowError, ZeroDivisionError, ArithmeticError))
        assert len(str(info.value)) > 20  # a sentence, not just a repr


# -- numbers beyond float range are inf (as Value(10**400) is), never a bare OverflowError ---------


def test_backward_seed_beyond_float_range_is_inf() -> None:
    x = Value(2.0)
    (x * x).backward(10**400)
    assert x.grad == math.inf
    leaf = Value(1.0)
    leaf.backward(-(10**400))
    assert leaf.grad == -math.inf


def test_jvp_inputs_and_tangents_beyond_float_range_are_inf() -> None:
    assert jvp(lambda a: a * 2, [10**400], [1.0]) == (math.inf, 2.0)
    assert jvp(lambda a: a * 2, [1.0], [10**400]) == (2.0, math.inf)


def test_gradcheck_refuses_an_input_beyond_float_range_by_name() -> None:
    with pytest.raises(ValueError, match=r"inputs\[1\] is 1000.*finite differences need finite inputs"):
        gradcheck(lambda a, b: a * b, [1.0, 10**400])
    with pytest.raises(ValueError, match=r"inputs\[0\] is nan"):
        gradcheck(lambda a: a * 2, [math.nan])


# -- a gradient that cannot exist is an error, not a silent 0 -------------------------------------


def test_grad_of_an_output_computed_under_no_grad_says_so() -> None:
    x = Value(2.0)
    with no_grad():
        y = x * x  # a leaf: nothing recorded
    with pytest.raises(RuntimeError, match=r"grad: the output was computed under no_grad.*enable_grad"):
        grad(y, [x])  # was [0.0]
    with pytest.raises(RuntimeError, match=r"backward\(\): the output was computed under no_grad"):
        y.backward()  # was: y.grad = 1 and x.grad silently 0
    assert x.grad == 0.0


def test_grad_of_other_leaves_is_still_the_documented_zero_or_one() -> None:
    x = Value(2.0)
    assert grad(Value(3.0), [x]) == [0.0]  # an output that does not depend on x
    assert grad(x, [x]) == [1.0]
    assert grad(x.detach() * 3, [x]) == [0.0]
    with no_grad():
        y = x * x
    assert grad(y, [y]) == [1.0]  # d y / d y needs no graph
    with no_grad():
        z = (x * x).detach()
    z.backward()  # a detached copy is a plain leaf
    assert z.grad == 1.0


def test_backpropagate_takes_one_output() -> None:
    a, b = Value(1.0), Value(2.0)
    with pytest.raises(TypeError, match="backpropagate takes one output Value, got list"):
        backpropagate([a * b, a + b])  # type: ignore[arg-type]  # was: unhashable type: 'list'


def test_jvp_with_value_inputs_and_a_tangent_beyond_float_range() -> None:
    value, tangent = jvp(lambda a: a * 2, [Value(2.0)], [10**400])
    assert (value.data, tangent.data) == (4.0, math.inf)


def test_gradcheck_settings_beyond_float_range_are_refused_by_name() -> None:
    with pytest.raises(ValueError, match="eps must be a finite positive step, got inf"):
        gradcheck(lambda a: a * 2, [1.0], eps=10**400)  # 10**400 < math.inf is True for an int
    with pytest.raises(ValueError, match="atol=inf"):
        gradcheck(lambda a: a * 2, [1.0], atol=10**400)
    with pytest.raises(TypeError, match="eps must be a real number, got str"):
        gradcheck(lambda a: a * 2, [1.0], eps="small")  # type: ignore[arg-type]


def test_a_custom_op_returning_an_int_beyond_float_range_gives_inf() -> None:
    huge = Op("huge", lambda a: 10**400, [lambda a, out: 10**400])
    x = Value(1.0)
    y = apply(huge, x)
    (y * 2).backward()
    assert (y.data, x.grad) == (math.inf, math.inf)
