"""The op table: every operation the engine knows, declared once.

Each op states its forward rule and, beside it, the local derivative of its output with respect to
each input, written as ordinary math over the input names ``a``, ``b`` and the output ``out``::

    MUL = Op("*", "a * b", ("b", "a"))        # d(ab)/da = b,  d(ab)/db = a

That one declaration serves every part of the engine:

* the forward pass evaluates the forward rule on floats;
* ``backward()`` evaluates the derivatives on floats (the fast path);
* ``grad(..., create_graph=True)`` and higher-order derivatives evaluate the *same* expressions on
  ``Value`` nodes, so the derivative is itself a graph that can be differentiated again;
* forward mode (``jvp``), the graph drawing, the step-through and the compiled replay read the same
  table, so an op added here is picked up by all of them (and by the op test matrix).

Float evaluation goes through :mod:`autograd.numerics`: ``/`` and ``**`` in a rule are rewritten to
IEEE-754 ``divide`` and ``power``, so ``1 / a`` at ``a = 0`` is ``inf``, never ``ZeroDivisionError``.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from typing import Any

from autograd import numerics

INPUT_NAMES = ("a", "b", "c")

# Names a rule may use, on floats (IEEE-754, never raising) ...
FLOAT_FUNCTIONS: dict[str, Any] = {
    "exp": numerics.exp,
    "log": numerics.log,
    "sqrt": numerics.sqrt,
    "sin": numerics.sin,
    "cos": numerics.cos,
    "tanh": numerics.tanh,
    "sigmoid": numerics.sigmoid,
    "softplus": numerics.softplus,
    "step": numerics.step,
    "sign": numerics.sign,
    "divide": numerics.divide,
    "power": numerics.power,
    "abs": abs,
    "max": max,
}


# ... and on the create_graph path, where an input is a Value node, or a plain number if it is a
# constant (see Op.symbolic_local_grads). step and sign are piecewise constant, so their value is a
# plain float: their own derivative is zero almost everywhere.
def _is_number(x: Any) -> bool:
    return isinstance(x, (int, float))


VALUE_FUNCTIONS: dict[str, Any] = {
    "exp": lambda v: numerics.exp(v) if _is_number(v) else v.exp(),
    "log": lambda v: numerics.log(v) if _is_number(v) else v.log(),
    "sqrt": lambda v: numerics.sqrt(v) if _is_number(v) else v.sqrt(),
    "sin": lambda v: numerics.sin(v) if _is_number(v) else v.sin(),
    "cos": lambda v: numerics.cos(v) if _is_number(v) else v.cos(),
    "tanh": lambda v: numerics.tanh(v) if _is_number(v) else v.tanh(),
    "sigmoid": lambda v: numerics.sigmoid(v) if _is_number(v) else v.sigmoid(),
    "softplus": lambda v: numerics.softplus(v) if _is_number(v) else v.softplus(),
    "step": lambda v: numerics.step(v if _is_number(v) else v.data),
    "sign": lambda v: numerics.sign(v if _is_number(v) else v.data),
    "divide": lambda x, y: numerics.divide(x, y) if _is_number(x) and _is_number(y) else x / y,
    "power": lambda x, y: numerics.power(x, y) if _is_number(x) and _is_number(y) else x**y,
    "abs": abs,
    "number": lambda v: v if _is_number(v) else v.data,
}


class _IEEEArithmetic(ast.NodeTransformer):
    """Rewrites ``x / y`` to ``divide(x, y)`` and ``x ** y`` to ``power(x, y)``."""

    def visit_BinOp(self, node: ast.BinOp) -> ast.AST:
        self.generic_visit(node)
        name = {ast.Div: "divide", ast.Pow: "power"}.get(type(node.op))
        if name is None:
            return node
        call = ast.Call(func=ast.Name(name, ast.Load()), args=[node.left, node.right], keywords=[])
        return ast.copy_location(call, node)


def ieee_source(expression: str) -> str:
    """The float form of a rule: the same expression with IEEE-754 ``/`` and ``**``."""
    tree = _IEEEArithmetic().visit(ast.parse(expression, mode="eval"))
    return ast.unparse(ast.fix_missing_locations(tree))


class _CompareNumbers(ast.NodeTransformer):
    """Rewrites ``b == 0`` to ``number(b) == 0``: a condition in a rule tests the number, on the
    create_graph path too (where ``b`` is a ``Value`` and ``==`` would compare identities)."""

    def visit_Compare(self, node: ast.Compare) -> ast.AST:
        self.generic_visit(node)
        node.left = _number_of(node.left)
        node.comparators = [_number_of(operand) for operand in node.comparators]
        return node


def _number_of(operand: ast.expr) -> ast.expr:
    return ast.Call(func=ast.Name("number", ast.Load()), args=[operand], keywords=[])


def symbolic_source(float_source: str) -> str:
    """The create_graph form of a rule: its comparisons read the inputs' numbers."""
    tree = _CompareNumbers().visit(ast.parse(float_source, mode="eval"))
    return ast.unparse(ast.fix_missing_locations(tree))


def _define(source: str, name: str, namespace: dict[str, Any]) -> Callable[..., Any]:
    scope = dict(namespace)
    exec(compile(source, f"<op {name}>", "exec"), scope)
    return scope[name]  # type: ignore[no-any-return]


def _chain_rule_step_source(inputs: tuple[str, ...], derivatives: tuple[str, ...]) -> str:
    """Source of ``chain_rule_step(node)``: one ``input.grad += local * grad`` line per input."""
    used = " ".join(derivatives)
    lines = ["def chain_rule_step(node):", f"    {', '.join('input_' + x for x in inputs)}, = node.children"]
    lines += [f"    {x} = input_{x}.data" for x in inputs if x in used]
    if "out" in used:
        lines.append("    out = node.data")
    lines.append("    grad = node.grad")
    for x, derivative in zip(inputs, derivatives):
        term = {"1": "grad", "-1": "-grad"}.get(derivative, f"({derivative}) * grad")
        lines.append(f"    input_{x}.grad += {term}")
    return "\n".join(lines) + "\n"


class Op:
    """One differentiable operation: ``out = forward(a[, b])`` and ``d out / d input``.

    Attributes:
        name: the name shown as ``Value.op`` and in drawings (``"+"``, ``"tanh"``, ...).
        forward: the forward rule over the inputs ``a`` (and ``b``), as a Python expression.
        derivatives: one expression per input for its local derivative, over ``a``, ``b``, ``out``.
        doc: the math in words, for docs and drawings.
        arity: number of inputs.
        forward_source / derivative_sources: the IEEE-754 float forms (used by the compiled replay).
        evaluate(*floats): the forward rule on floats.
        local_grads(node): the local derivatives at a recorded node, as floats.
        chain_rule_step(node): ``child.grad += local_derivative * node.grad`` for each child: the
            fast path of ``Value.backward()``, generated from the same derivative expressions.
        symbolic_local_grads(node): the same derivatives built as ``Value`` graphs.
    """

    __slots__ = (
        "arity",
        "chain_rule_step",
        "derivative_sources",
        "derivatives",
        "doc",
        "evaluate",
        "forward",
        "forward_source",
        "local_grads",
        "name",
        "symbolic_local_grads",
    )

    def __init__(self, name: str, forward: str, derivatives: tuple[str, ...], doc: str = "") -> None:
        self.name = name
        self.forward = forward
        self.derivatives = derivatives
        self.doc = doc
        self.arity = len(derivatives)
        inputs = INPUT_NAMES[: self.arity]
        args = ", ".join(inputs)
        self.forward_source = ieee_source(forward)
        self.derivative_sources = tuple(ieee_source(d) for d in derivatives)
        self.evaluate = _define(
            f"def evaluate({args}):\n    return {self.forward_source}\n", "evaluate", FLOAT_FUNCTIONS
        )
        unpack = "".join(f"    {x} = {x}.data\n" for x in inputs)
        self.local_grads = _define(
            f"def local_grads(node):\n    {args}, = node.children\n{unpack}"
            f"    out = node.data\n    return ({', '.join(self.derivative_sources)},)\n",
            "local_grads",
            FLOAT_FUNCTIONS,
        )
        self.chain_rule_step = _define(
            _chain_rule_step_source(inputs, self.derivative_sources), "chain_rule_step", FLOAT_FUNCTIONS
        )
        # A constant input (the 2 in x ** 2) needs no derivative, and enters the others as a plain
        # number: d(x ** 2)/dx builds 2.0 * x ** 1.0, with no node for 2 - 1 whose own derivative
        # would take log(x) of a negative base (nan, and a false alarm under detect_anomaly).
        constants = "".join(
            f"    {x}_is_constant = {x}.is_constant\n    if {x}_is_constant:\n        {x} = {x}.data\n"
            for x in inputs
        )
        guarded = ", ".join(
            f"0.0 if {x}_is_constant else {symbolic_source(d)}"
            for x, d in zip(inputs, self.derivative_sources)
        )
        self.symbolic_local_grads = _define(
            f"def symbolic_local_grads(node):\n    {args}, = node.children\n{constants}"
            f"    out = node\n    return ({guarded},)\n",
            "symbolic_local_grads",
            VALUE_FUNCTIONS,
        )

    def __repr__(self) -> str:
        return f"Op({self.name!r}, {self.forward!r}, {self.derivatives!r})"


# fmt: off
# The table. For each op: name, forward rule, local derivative per input (d out/da, d out/db), math.
ADD     = Op("+",       "a + b",       ("1", "1"),                  "d(a+b)/da = 1, d(a+b)/db = 1")
SUB     = Op("-",       "a - b",       ("1", "-1"),                 "d(a-b)/da = 1, d(a-b)/db = -1")
MUL     = Op("*",       "a * b",       ("b", "a"),                  "d(ab)/da = b, d(ab)/db = a")
DIV     = Op("/",       "a / b",       ("1 / b", "-out / b"),       "d(a/b)/da = 1/b, d(a/b)/db = -a/b^2")
POW     = Op("**",      "a ** b",      ("0.0 if a == 0 and b == 0 else b * a ** (b - 1)",  # 0^0
                                        "0.0 if a == 0 and out == 0 else out * log(a)"),  # 0^b, b > 0
             "d(a^b)/da = b a^(b-1), d/db = a^b ln a")
NEG     = Op("neg",     "-a",          ("-1",),                     "d(-a)/da = -1")
ABS     = Op("abs",     "abs(a)",      ("sign(a)",),                "d|a|/da = sign(a), 0 at a = 0")
EXP     = Op("exp",     "exp(a)",      ("out",),                    "d e^a/da = e^a")
LOG     = Op("log",     "log(a)",      ("1 / a",),                  "d ln(a)/da = 1/a")
SQRT    = Op("sqrt",    "sqrt(a)",     ("0.5 / out",),              "d sqrt(a)/da = 1/(2 sqrt(a))")
SIN     = Op("sin",     "sin(a)",      ("cos(a)",),                 "d sin(a)/da = cos(a)")
COS     = Op("cos",     "cos(a)",      ("-sin(a)",),                "d cos(a)/da = -sin(a)")
TANH    = Op("tanh",    "tanh(a)",     ("1 - out * out",),          "d tanh(a)/da = 1 - tanh(a)^2")
SIGMOID = Op("sigmoid", "sigmoid(a)",  ("out * (1 - out)",),        "d s(a)/da = s(a) (1 - s(a))")
RELU    = Op("relu",    "max(a, 0.0)", ("step(a)",),                "d max(a, 0)/da = 1 if a > 0 else 0")
MUL_ADD = Op("mul_add", "a * b + c", ("b", "a", "1"),               "d(ab+c)/da = b, /db = a, /dc = 1")
SOFTPLUS = Op("softplus", "softplus(a)", ("sigmoid(a)",),           "d ln(1 + e^a)/da = s(a)")
LEAKY_RELU = Op("leaky_relu", "a if a > 0 else b * a",             # b is the slope alpha
                ("step(a) + (1 - step(a)) * b", "(1 - step(a)) * a"), "d/da = 1 if a > 0 else alpha")

#: Every op, by name: the op test matrix, the drawing and the compiled replay iterate over this.
OPS: dict[str, Op] = {op.name: op for op in (
    ADD, SUB, MUL, DIV, POW, NEG, ABS, EXP, LOG, SQRT, SIN, COS, TANH, SIGMOID, RELU, LEAKY_RELU, SOFTPLUS,
    MUL_ADD,
)}
# fmt: on
