"""The op test matrix, built from the op table: every op in ``OPS`` is checked the moment it is
declared (forward vs ``math``, derivative vs closed form and vs central differences, second
derivative vs closed form, forward mode vs reverse mode).

The tables below are written independently of ``autograd/ops.py`` (from ``math`` and calculus).
Declaring a new op makes ``test_op_is_in_every_table`` fail until it has an entry in each.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd
from autograd import OPS, Op, Value, grad, jvp, ops
from autograd.engine import apply
from autograd.testing import finite_differences, op_inputs

Fn = Callable[..., Any]


def _sigmoid(a: float) -> float:
    return 1 / (1 + math.exp(-a))


def _step(a: float) -> float:
    return 1.0 if a > 0 else 0.0


# the table's functions of one input after the first round's (tan, ..., erf): each is math's function of
# the same name
UNARY_FUNCTIONS = [
    name
    for name in ops.UNARY_FUNCTIONS
    if name not in ("exp", "log", "sqrt", "sin", "cos", "tanh", "sigmoid", "softplus")
]

# How a user writes each op (a Value method or a Python operator).
CALLS: dict[str, Fn] = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "/": operator.truediv,
    "**": operator.pow,
    "neg": operator.neg,
    "abs": abs,
    "exp": Value.exp,
    "log": Value.log,
    "sqrt": Value.sqrt,
    "sin": Value.sin,
    "cos": Value.cos,
    "tanh": Value.tanh,
    "sigmoid": Value.sigmoid,
    "softplus": Value.softplus,
    "mul_add": Value.mul_add,
    "relu": Value.relu,
    "leaky_relu": Value.leaky_relu,
    "step": lambda a: apply(OPS["step"], a),
    "sign": lambda a: apply(OPS["sign"], a),
    "==": lambda a, b: apply(OPS["=="], a, b),
    ">": lambda a, b: apply(OPS[">"], a, b),
    ">=": lambda a, b: apply(OPS[">="], a, b),
    "select": lambda a, b, c: apply(OPS["select"], a, b, c),
    **{name: getattr(Value, name) for name in UNARY_FUNCTIONS},
    "maximum": autograd.maximum,
    "minimum": autograd.minimum,
    "clamp": Value.clamp,
}

# f(a[, b]) from the standard library.
FORWARD: dict[str, Fn] = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "/": lambda a, b: a / b,
    "**": math.pow,
    "neg": lambda a: -a,
    "abs": math.fabs,
    "exp": math.exp,
    "log": math.log,
    "sqrt": math.sqrt,
    "sin": math.sin,
    "cos": math.cos,
    "tanh": math.tanh,
    "sigmoid": _sigmoid,
    "softplus": lambda a: math.log1p(math.exp(a)),
    "mul_add": lambda a, b, c: a * b + c,
    "relu": lambda a: max(a, 0.0),
    "leaky_relu": lambda a, alpha: a if a > 0 else alpha * a,
    "step": _step,
    "sign": lambda a: math.copysign(1.0, a) if a else 0.0,
    "==": lambda a, b: float(a == b),
    ">": lambda a, b: float(a > b),
    ">=": lambda a, b: float(a >= b),
    "select": lambda a, b, c: b if a != 0 else c,
    **{name: getattr(math, name) for name in UNARY_FUNCTIONS},
    "maximum": max,
    "minimum": min,
    "clamp": lambda a, lo, hi: min(max(a, lo), hi),
}

# (df/da[, df/db]) in closed form.
DERIVATIVE: dict[str, Fn] = {
    "+": lambda a, b: (1.0, 1.0),
    "-": lambda a, b: (1.0, -1.0),
    "*": lambda a, b: (b, a),
    "/": lambda a, b: (1 / b, -a / b**2),
    "**": lambda a, b: (b * a ** (b - 1), a**b * math.log(a)),
    "neg": lambda a: (-1.0,),
    "abs": lambda a: (math.copysign(1.0, a),),
    "exp": lambda a: (math.exp(a),),
    "log": lambda a: (1 / a,),
    "sqrt": lambda a: (1 / (2 * math.sqrt(a)),),
    "sin": lambda a: (math.cos(a),),
    "cos": lambda a: (-math.sin(a),),
    "tanh": lambda a: (1 / math.cosh(a) ** 2,),
    "sigmoid": lambda a: (math.exp(-a) / (1 + math.exp(-a)) ** 2,),
    "softplus": lambda a: (1 / (1 + math.exp(-a)),),
    "mul_add": lambda a, b, c: (b, a, 1.0),
    "relu": lambda a: (_step(a),),
    "leaky_relu": lambda a, alpha: (1.0, 0.0) if a > 0 else (alpha, a),
    "step": lambda a: (0.0,),
    "sign": lambda a: (0.0,),
    "==": lambda a, b: (0.0, 0.0),
    ">": lambda a, b: (0.0, 0.0),
    ">=": lambda a, b: (0.0, 0.0),
    "select": lambda a, b, c: (0.0, float(a != 0), float(a == 0)),
    "tan": lambda a: (1 / math.cos(a) ** 2,),
    "sinh": lambda a: (math.cosh(a),),
    "cosh": lambda a: (math.sinh(a),),
    "asin": lambda a: (1 / math.sqrt(1 - a * a),),
    "acos": lambda a: (-1 / math.sqrt(1 - a * a),),
    "atan": lambda a: (1 / (1 + a * a),),
    "asinh": lambda a: (1 / math.sqrt(a * a + 1),),
    "acosh": lambda a: (1 / math.sqrt(a * a - 1),),
    "atanh": lambda a: (1 / (1 - a * a),),
    "log1p": lambda a: (1 / (1 + a),),
    "expm1": lambda a: (math.exp(a),),
    "log2": lambda a: (1 / (a * math.log(2)),),
    "log10": lambda a: (1 / (a * math.log(10)),),
    "erf": lambda a: (2 / math.sqrt(math.pi) * math.exp(-a * a),),
    "maximum": lambda a, b: (1.0, 0.0) if a > b else (0.0, 1.0) if a < b else (0.5, 0.5),
    "minimum": lambda a, b: (1.0, 0.0) if a < b else (0.0, 1.0) if a > b else (0.5, 0.5),
    "clamp": lambda a, lo, hi: (
        (1.0, 0.0, 0.0) if lo <= a <= hi else (0.0, 1.0, 0.0) if a < lo else (0.0, 0.0, 1.0)
    ),
}

# Hessian ((f_aa, f_ab), (f_ba, f_bb)) in closed form; ((f_aa,),) for one input.
HESSIAN: dict[str, Fn] = {
    "+": lambda a, b: ((0.0, 0.0), (0.0, 0.0)),
    "-": lambda a, b: ((0.0, 0.0), (0.0, 0.0)),
    "*": lambda a, b: ((0.0, 1.0), (1.0, 0.0)),
    "/": lambda a, b: ((0.0, -1 / b**2), (-1 / b**2, 2 * a / b**3)),
    "**": lambda a, b: (
        (b * (b - 1) * a ** (b - 2), a ** (b - 1) * (1 + b * math.log(a))),
        (a ** (b - 1) * (1 + b * math.log(a)), a**b * math.log(a) ** 2),
    ),
    "neg": lambda a: ((0.0,),),
    "abs": lambda a: ((0.0,),),
    "exp": lambda a: ((math.exp(a),),),
    "log": lambda a: ((-1 / a**2,),),
    "sqrt": lambda a: ((-1 / (4 * a**1.5),),),
    "sin": lambda a: ((-math.sin(a),),),
    "cos": lambda a: ((-math.cos(a),),),
    "tanh": lambda a: ((-2 * math.tanh(a) / math.cosh(a) ** 2,),),
    "sigmoid": lambda a: ((_sigmoid(a) * (1 - _sigmoid(a)) * (1 - 2 * _sigmoid(a)),),),
    "softplus": lambda a: ((_sigmoid(a) * (1 - _sigmoid(a)),),),
    "mul_add": lambda a, b, c: ((0.0, 1.0, 0.0), (1.0, 0.0, 0.0), (0.0, 0.0, 0.0)),
    "relu": lambda a: ((0.0,),),
    "leaky_relu": lambda a, alpha: ((0.0, 0.0), (0.0, 0.0)) if a > 0 else ((0.0, 1.0), (1.0, 0.0)),
    "step": lambda a: ((0.0,),),
    "sign": lambda a: ((0.0,),),
    "==": lambda a, b: ((0.0, 0.0), (0.0, 0.0)),
    ">": lambda a, b: ((0.0, 0.0), (0.0, 0.0)),
    ">=": lambda a, b: ((0.0, 0.0), (0.0, 0.0)),
    "select": lambda a, b, c: ((0.0,) * 3,) * 3,
    "tan": lambda a: ((2 * math.tan(a) / math.cos(a) ** 2,),),
    "sinh": lambda a: ((math.sinh(a),),),
    "cosh": lambda a: ((math.cosh(a),),),
    "asin": lambda a: ((a / (1 - a * a) ** 1.5,),),
    "acos": lambda a: ((-a / (1 - a * a) ** 1.5,),),
    "atan": lambda a: ((-2 * a / (1 + a * a) ** 2,),),
    "asinh": lambda a: ((-a / (a * a + 1) ** 1.5,),),
    "acosh": lambda a: ((-a / (a * a - 1) ** 1.5,),),
    "atanh": lambda a: ((2 * a / (1 - a * a) ** 2,),),
    "log1p": lambda a: ((-1 / (1 + a) ** 2,),),
    "expm1": lambda a: ((math.exp(a),),),
    "log2": lambda a: ((-1 / (a * a * math.log(2)),),),
    "log10": lambda a: ((-1 / (a * a * math.log(10)),),),
    "erf": lambda a: ((-4 * a / math.sqrt(math.pi) * math.exp(-a * a),),),
    "maximum": lambda a, b: ((0.0, 0.0), (0.0, 0.0)),
    "minimum": lambda a, b: ((0.0, 0.0), (0.0, 0.0)),
    "clamp": lambda a, lo, hi: ((0.0,) * 3,) * 3,
}

TABLES = {"CALLS": CALLS, "FORWARD": FORWARD, "DERIVATIVE": DERIVATIVE, "HESSIAN": HESSIAN}
op_names = pytest.mark.parametrize("name", list(OPS))


def close(x: float, y: float, rel: float = 1e-9, abs_: float = 1e-12) -> bool:
    return math.isclose(x, y, rel_tol=rel, abs_tol=abs_)


def record(name: str, args: tuple[float, ...]) -> tuple[Value, list[Value]]:
    """``name`` applied, the way users write it, to one leaf per argument."""
    leaves = [Value(x, f"x{i}") for i, x in enumerate(args)]
    return CALLS[name](*leaves), leaves


@op_names
def test_op_is_in_every_table(name: str) -> None:
    missing = [table for table, entries in TABLES.items() if name not in entries]
    assert not missing, f"op {name!r} is declared in autograd/ops.py but has no entry in {missing} here"


@pytest.mark.parametrize("table", list(TABLES))
def test_tables_name_only_declared_ops(table: str) -> None:
    assert set(TABLES[table]) <= set(OPS), f"{table} names ops that do not exist"


@op_names
def test_user_syntax_records_the_op_with_children_in_order(name: str) -> None:
    out, leaves = record(name, (0.7, 0.3, 0.4)[: OPS[name].arity])
    assert out.op == name
    assert out.children == tuple(leaves)
    assert all(child is leaf for child, leaf in zip(out.children, leaves))
    assert not out.is_leaf


@op_names
@given(data=st.data())
def test_forward_matches_math(name: str, data: st.DataObject) -> None:
    args = data.draw(op_inputs(name), label="args")
    out, _ = record(name, args)
    assert close(out.data, FORWARD[name](*args), rel=1e-12, abs_=1e-300)
    assert out.data == OPS[name].evaluate(*args)


@op_names
@given(data=st.data())
def test_derivative_matches_closed_form(name: str, data: st.DataObject) -> None:
    args = data.draw(op_inputs(name), label="args")
    out, leaves = record(name, args)
    for engine, expected in zip(grad(out, leaves), DERIVATIVE[name](*args)):
        assert close(engine, expected), (engine, expected)


@op_names
@given(data=st.data())
def test_derivative_matches_central_differences(name: str, data: st.DataObject) -> None:
    args = data.draw(op_inputs(name), label="args")
    out, leaves = record(name, args)
    numeric = finite_differences(lambda p: OPS[name].evaluate(*p), args)
    for engine, estimate in zip(grad(out, leaves), numeric):
        assert close(engine, estimate, rel=1e-5, abs_=1e-6), (engine, estimate)


@op_names
@given(data=st.data())
def test_second_derivative_matches_closed_form(name: str, data: st.DataObject) -> None:
    args = data.draw(op_inputs(name), label="args")
    out, leaves = record(name, args)
    first = grad(out, leaves, create_graph=True)
    assert all(isinstance(g, Value) for g in first)
    for row, (g, expected_row) in enumerate(zip(first, HESSIAN[name](*args))):
        for column, (engine, expected) in enumerate(zip(grad(g, leaves), expected_row)):
            assert close(engine, expected, rel=1e-8, abs_=1e-10), (row, column, engine, expected)


@op_names
@given(data=st.data())
def test_create_graph_gives_the_same_first_derivative(name: str, data: st.DataObject) -> None:
    args = data.draw(op_inputs(name), label="args")
    out, leaves = record(name, args)
    symbolic = [g.data for g in grad(out, leaves, create_graph=True)]
    assert all(close(s, f, rel=1e-13) for s, f in zip(symbolic, grad(out, leaves)))


@op_names
@given(data=st.data())
def test_forward_mode_matches_reverse_mode(name: str, data: st.DataObject) -> None:
    args = data.draw(op_inputs(name), label="args")
    tangents = data.draw(st.tuples(*[st.floats(-2, 2)] * len(args)), label="tangents")
    value, directional = jvp(CALLS[name], args, tangents)
    out, leaves = record(name, args)
    assert value == out.data
    reverse = math.fsum(g * t for g, t in zip(grad(out, leaves), tangents))
    assert close(directional, reverse, rel=1e-12, abs_=1e-12)


@pytest.mark.parametrize("name", [name for name, op in OPS.items() if op.arity == 2])
@given(data=st.data())
def test_a_number_on_either_side_becomes_a_constant(name: str, data: st.DataObject) -> None:
    a, b = data.draw(op_inputs(name), label="args")
    x, y = Value(a), Value(b)
    forms = [(CALLS[name](x, b), x, 0)]
    if not name.isidentifier():  # an infix operator: the number may come first (2 ** x)
        forms.append((CALLS[name](a, y), y, 1))
    for out, variable, position in forms:
        constant = out.children[1 - position]
        assert out.op == name
        assert close(out.data, FORWARD[name](a, b), rel=1e-12, abs_=0.0)
        assert out.children[position] is variable
        assert constant.is_constant and constant.data == (a, b)[1 - position]
        [derivative] = grad(out, [variable])
        assert close(derivative, DERIVATIVE[name](a, b)[position])


# -- maximum, minimum, clamp: ties and bounds as PyTorch ----------------------------------------


def test_maximum_and_minimum_split_the_gradient_at_a_tie() -> None:
    x, y = Value(2.0), Value(2.0)
    assert grad(autograd.maximum(x, y), [x, y]) == [0.5, 0.5]
    assert grad(autograd.minimum(x, y), [x, y]) == [0.5, 0.5]
    assert grad(autograd.maximum(x, x), [x]) == [1.0]  # both halves reach x
    assert grad(autograd.maximum(x, Value(3.0)), [x]) == [0.0]
    assert grad(autograd.minimum(x, Value(3.0)), [x]) == [1.0]
    assert autograd.maximum(1.0, x).data == 2.0 and autograd.minimum(x, 1).data == 1.0


@pytest.mark.parametrize(
    ("x", "lo", "hi", "value", "grads"),
    [
        (0.5, 0.0, 1.0, 0.5, [1.0, 0.0, 0.0]),
        (-1.0, 0.0, 1.0, 0.0, [0.0, 1.0, 0.0]),
        (2.0, 0.0, 1.0, 1.0, [0.0, 0.0, 1.0]),
        (0.0, 0.0, 1.0, 0.0, [1.0, 0.0, 0.0]),  # at a bound x keeps the gradient (inclusive)
        (1.0, 0.0, 1.0, 1.0, [1.0, 0.0, 0.0]),
        (0.5, 2.0, 1.0, 1.0, [0.0, 0.0, 1.0]),  # lo > hi: the result is hi
    ],
)
def test_clamp_gradients_follow_pytorch(
    x: float, lo: float, hi: float, value: float, grads: list[float]
) -> None:
    leaves = [Value(x), Value(lo), Value(hi)]
    out = leaves[0].clamp(leaves[1], leaves[2])
    assert out.data == value and grad(out, leaves) == grads


def test_clamp_with_one_bound_or_none() -> None:
    x = Value(-3.0)
    assert x.clamp(lo=0.0).data == 0.0 and x.clamp(hi=-5.0).data == -5.0 and x.clamp().data == -3.0
    assert grad(x.clamp(hi=0.0), [x]) == [1.0] and grad(x.clamp(lo=0.0), [x]) == [0.0]
    out = x.clamp(lo=0.0)
    assert all(child.is_constant for child in out.children[1:])  # the bounds get no gradient


# -- PyTorch float64 cross-check (skips when torch is not installed) -----------------------------

NEW_OPS = [*UNARY_FUNCTIONS, "maximum", "minimum", "clamp"]


@pytest.mark.parametrize("name", NEW_OPS)
@given(data=st.data())
def test_new_ops_match_pytorch_float64(name: str, data: st.DataObject) -> None:
    torch = pytest.importorskip("torch")
    args = data.draw(op_inputs(name), label="args")
    out, leaves = record(name, args)
    tensors = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in args]
    functions = {"maximum": torch.maximum, "minimum": torch.minimum, "clamp": torch.clamp}
    expected = functions.get(name, getattr(torch, name))(*tensors)
    assert close(out.data, expected.item(), rel=1e-14, abs_=1e-300)
    firsts = torch.autograd.grad(expected, tensors, create_graph=True, allow_unused=True)
    ours = grad(out, leaves, create_graph=True)
    for i, (first, mine) in enumerate(zip(firsts, ours)):
        torch_first = 0.0 if first is None else first.item()
        assert close(mine.data, torch_first, rel=1e-12), (i, mine.data, torch_first)
        if first is None or not first.requires_grad:
            continue
        seconds = torch.autograd.grad(first, tensors, allow_unused=True)
        for j, (second, engine) in enumerate(zip(seconds, grad(mine, leaves))):
            torch_second = 0.0 if second is None else second.item()
            assert close(engine, torch_second, rel=1e-10, abs_=1e-12), (i, j, engine, torch_second)


# -- generated code you can read -------------------------------------------------------------------


def test_generated_methods_and_chain_rule_steps_have_readable_source() -> None:
    import inspect

    method = inspect.getsource(Value.tanh)
    assert "out.data = tanh(a)" in method
    step = inspect.getsource(OPS["tanh"].chain_rule_step)
    assert step.startswith("def chain_rule_step(node):") and "input_a.grad += (1 - out * out) * grad" in step
    square = (Value(3.0) ** 2)._op  # the variant with a constant exponent: no line for it
    assert "input_b.grad" not in inspect.getsource(square.chain_rule_step)
    assert "def symbolic_local_grads(node):" in OPS["relu"].source and "step(a)" in OPS["relu"].source


def test_a_traceback_through_generated_code_shows_the_rule() -> None:
    import traceback

    boom = Op("boom", lambda a: a, [lambda a, out: 1 / 0])
    x = Value(1.0)
    out = autograd.apply(boom, x)
    try:
        out.backward()
    except ZeroDivisionError as error:
        text = "".join(traceback.format_exception(error))
    assert "input_a.grad +=" in text  # the generated chain-rule step's line, not "???"


@op_names
def test_is_symmetric_is_declared_truthfully(name: str) -> None:
    op = OPS[name]
    if op.is_symmetric:
        assert op.arity == 2
        for a, b in [(2.0, 3.0), (-1.5, 0.25), (0.0, 7.0)]:
            assert op.evaluate(a, b) == op.evaluate(b, a)
    elif op.arity == 2:
        assert name not in ("+", "*", "maximum", "minimum", "==")


def test_python_m_autograd_prints_what_the_table_generates(capsys: pytest.CaptureFixture[str]) -> None:
    from autograd.ops import main

    assert main(["tanh", "**"]) == 0
    out = capsys.readouterr().out
    assert "# Op('tanh'" in out and "def chain_rule_step(node):" in out and "power(a, b)" in out
    assert main(["nope"]) == 2 and "unknown op(s) nope" in capsys.readouterr().err
