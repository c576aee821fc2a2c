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

from autograd import OPS, Value, grad, jvp
from autograd.engine import apply
from autograd.testing import finite_differences, op_inputs

Fn = Callable[..., Any]


def _sigmoid(a: float) -> float:
    return 1 / (1 + math.exp(-a))


def _step(a: float) -> float:
    return 1.0 if a > 0 else 0.0


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
