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

import inspect
import math
import sys
from collections.abc import Callable, Sequence
from typing import Any, TypeAlias

from autograd import numerics
from autograd.generate import INPUT_NAMES as INPUT_NAMES  # re-exported: the rules' input names
from autograd.generate import (
    chain_rule_step_source,
    define,
    evaluate_source,
    local_grads_source,
    symbolic_local_grads_source,
)
from autograd.modes import GradModeSwitch, no_grad
from autograd.rules import graph_form, ieee_form, names_read

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
    "tan": numerics.tan,
    "sinh": numerics.sinh,
    "cosh": numerics.cosh,
    "asin": numerics.asin,
    "acos": numerics.acos,
    "atan": math.atan,
    "asinh": math.asinh,
    "acosh": numerics.acosh,
    "atanh": numerics.atanh,
    "log1p": numerics.log1p,
    "expm1": numerics.expm1,
    "log2": numerics.log2,
    "log10": numerics.log10,
    "erf": numerics.erf,
    "maximum": numerics.maximum,
    "minimum": numerics.minimum,
    "clamp": numerics.clamp,
}


def _is_number(x: Any) -> bool:
    return isinstance(x, (int, float))


class _Graph:
    """How the create_graph form records a node: ``autograd.engine`` sets ``apply`` and ``value``
    (the Value class) when it loads (the op table cannot import the engine, built from it)."""

    apply: Callable[..., Any]
    value: Callable[[float], Any]
    no_grad = staticmethod(no_grad)


graph = _Graph()


def _node_or_number(name: str) -> Callable[..., Any]:
    """``name`` of the op table on the create_graph path: on plain numbers (constants) the float
    function, otherwise a node of the op ``name`` (so ``step(x)`` is recorded in the graph)."""
    on_floats = FLOAT_FUNCTIONS.get(name)

    def function(*args: Any) -> Any:
        for x in args:
            if not _is_number(x):
                return graph.apply(OPS[name], *args)
        return on_floats(*args) if on_floats is not None else OPS[name].evaluate(*args)

    function.__name__ = name
    return function


_unchecked = GradModeSwitch("unchecked", "check_anomaly", False, "no nan/inf alarm inside")


def _select_branches(test: Any, body: Callable[[], Any], orelse: Callable[[], Any]) -> Any:
    """``select(test, body(), orelse())`` for a ``Value`` test: both branches are built (a replay
    at other inputs may take either), the one not taken without ``detect_anomaly``'s check (its
    value, e.g. ``0 ** -1 = inf`` at a singular point, is never used)."""
    taken, other = (body, orelse) if test.data else (orelse, body)
    taken_value = taken()
    with _unchecked:
        other_value = other()
    if test.data:
        return graph.apply(OPS["select"], test, taken_value, other_value)
    return graph.apply(OPS["select"], test, other_value, taken_value)


# ... and on the create_graph path, where an input is a Value node, or a plain number if it is a
# constant (see Op.symbolic_local_grads). Every piecewise decision (step, sign, a comparison, a
# conditional) is a node there: the derivative graph holds the decision, not its value at one input.
_BY_HAND: dict[str, Any] = {
    "exp": lambda v: numerics.exp(v) if _is_number(v) else v.exp(),
    "log": lambda v: numerics.log(v) if _is_number(v) else v.log(),
    "sqrt": lambda v: numerics.sqrt(v) if _is_number(v) else v.sqrt(),
    "sin": lambda v: numerics.sin(v) if _is_number(v) else v.sin(),
    "cos": lambda v: numerics.cos(v) if _is_number(v) else v.cos(),
    "tanh": lambda v: numerics.tanh(v) if _is_number(v) else v.tanh(),
    "sigmoid": lambda v: numerics.sigmoid(v) if _is_number(v) else v.sigmoid(),
    "softplus": lambda v: numerics.softplus(v) if _is_number(v) else v.softplus(),
    "divide": lambda x, y: numerics.divide(x, y) if _is_number(x) and _is_number(y) else x / y,
    "power": lambda x, y: numerics.power(x, y) if _is_number(x) and _is_number(y) else x**y,
    "abs": abs,
    "is_number": _is_number,
    "step": _node_or_number("step"),
    "sign": _node_or_number("sign"),
    "select": _node_or_number("select"),
    "select_branches": _select_branches,
    "equal": lambda x, y: x == y if _is_number(x) and _is_number(y) else graph.apply(OPS["=="], x, y),
    "greater": lambda x, y: x > y if _is_number(x) and _is_number(y) else graph.apply(OPS[">"], x, y),
    "greater_equal": lambda x, y: x >= y if _is_number(x) and _is_number(y) else graph.apply(OPS[">="], x, y),
}
VALUE_FUNCTIONS: dict[str, Any] = {
    **_BY_HAND,
    # every other function the rules may call (tan, ..., erf, maximum, minimum, clamp) is a node of the op
    # of that name (the ops are declared below, so the names come from FLOAT_FUNCTIONS; max is Python's)
    **{name: _node_or_number(name) for name in FLOAT_FUNCTIONS if name not in _BY_HAND and name != "max"},
}


# the functions the table's rules may call (before any user op registers its own)
_BUILTIN_FUNCTIONS = frozenset(FLOAT_FUNCTIONS) & frozenset(VALUE_FUNCTIONS)

#: A rule: an expression string over a, b, c (and out, for derivatives), or a Python callable.
Rule: TypeAlias = "str | Callable[..., Any]"

# names a rule may read besides its inputs and out
_RULE_CONSTANTS = frozenset({"inf", "nan"})


def _as_rules(name: str, forward: Rule, derivatives: tuple[Rule, ...]) -> tuple[str, tuple[str, ...]]:
    """The op's rules as expression strings: a callable is registered under a readable name and
    called from its rule (``swish(a)``, ``d_swish_da(a, out)``); a string is checked for names
    it cannot use (``ValueError`` naming them, at definition rather than at the first call)."""
    inputs = INPUT_NAMES[: len(derivatives)]
    stem = "".join(ch if ch.isalnum() else "_" for ch in name).strip("_") or "op"
    if callable(forward):
        forward = _register(forward, stem, inputs, on_values=False)
    rules = []
    for x, derivative in zip(inputs, derivatives):
        if callable(derivative):
            derivative = _register(derivative, f"d_{stem}_d{x}", (*inputs, "out"), on_values=True)
        rules.append(derivative)
    _check_rule(name, "forward rule", forward, inputs, FLOAT_FUNCTIONS)
    for x, rule in zip(inputs, rules):
        _check_rule(name, f"derivative d/d{x}", rule, (*inputs, "out"), VALUE_FUNCTIONS)
    return forward, tuple(rules)


def _check_rule(name: str, what: str, rule: object, variables: tuple[str, ...], functions: Any) -> None:
    if not isinstance(rule, str):
        raise TypeError(f"Op {name!r}: the {what} must be an expression string or a callable, got {rule!r}")
    read, called = names_read(rule)
    unknown_functions = sorted(f for f in called if f not in functions or f not in FLOAT_FUNCTIONS)
    if unknown_functions:
        known = ", ".join(sorted(_BUILTIN_FUNCTIONS))
        raise ValueError(
            f"Op {name!r}: the {what} {rule!r} calls unknown function(s) {', '.join(unknown_functions)}; "
            f"a rule may call: {known} (or pass a Python callable instead of a string)"
        )
    unknown = sorted(read - set(variables) - _RULE_CONSTANTS - set(FLOAT_FUNCTIONS))
    if unknown:
        raise ValueError(
            f"Op {name!r}: the {what} {rule!r} reads unknown name(s) {', '.join(unknown)}; "
            f"it may read {', '.join(variables)}"
        )


def _register(function: Callable[..., Any], base: str, parameters: tuple[str, ...], on_values: bool) -> str:
    """Make ``function`` callable from rules under a fresh name; return the call as a rule."""
    own = getattr(function, "__name__", "")
    name = own if own.isidentifier() and own != "<lambda>" and not own.startswith("_") else base
    taken = FLOAT_FUNCTIONS.keys() | VALUE_FUNCTIONS.keys() | set(INPUT_NAMES) | {"out"}
    candidate, number = name, 1
    while candidate in taken:
        number += 1
        candidate = f"{name}_{number}"

    written_for_values = False

    def on_floats(*args: float) -> float:
        """``function`` on floats; one written with Value methods (``a.sigmoid()``) gets Values,
        outside the graph."""
        nonlocal written_for_values
        if not written_for_values:
            try:
                return numerics.to_float(function(*args))  # 10**400 is inf
            except AttributeError:  # e.g. 'float' object has no attribute 'sigmoid'
                written_for_values = True
        with graph.no_grad():
            return numerics.to_float(function(*map(graph.value, args)))

    on_floats.__name__ = on_floats.__qualname__ = candidate
    FLOAT_FUNCTIONS[candidate] = on_floats
    VALUE_FUNCTIONS[candidate] = function if on_values else on_floats
    return f"{candidate}({', '.join(parameters)})"


def _is_zero(rule: str) -> bool:
    """A derivative that is zero everywhere (``step``, a comparison): its input gets no gradient."""
    return rule.strip() in ("0", "0.0")


class Op:
    """One differentiable operation: ``out = forward(a[, b])`` and ``d out / d input``.

    Attributes:
        name: the name shown as ``Value.op`` and in drawings (``"+"``, ``"tanh"``, ...).
        forward: the forward rule over the inputs ``a`` (and ``b``), as a Python expression.
        derivatives: one expression per input for its local derivative, over ``a``, ``b``, ``out``.
        doc: the math in words, for docs and drawings.
        is_symmetric: True when swapping two inputs never changes the result (``+``, ``*``):
            drawings then leave the edges unlabelled.
        arity: number of inputs.
        forward_source / derivative_sources: the IEEE-754 float forms (used by the compiled replay).
        constant_inputs: per input, True if it is a ``Constant`` at nodes of this op (see
            :meth:`for_inputs`); a constant gets no gradient and no derivative is evaluated for it.
        differentiated: positions of the inputs that get a gradient: not constant, and whose
            derivative is not zero everywhere (``"0"``: ``step``, comparisons, ``select``'s test).
        decision_inputs: positions of the inputs that are not constant yet get no gradient (the
            operands of ``step``, ``sign``, comparisons, ``select``'s test): a node read only there
            is reached by no gradient. Empty for most ops.
        evaluate(*floats): the forward rule on floats.
        local_grads(node): the local derivatives at a recorded node, as floats (0.0 for an input
            that is not differentiated).
        chain_rule_step(node): ``child.grad += local_derivative * node.grad`` for each
            differentiated child: the fast path of ``Value.backward()``, generated from the rules;
            returns True for an op with ``decision_inputs`` (None otherwise).
        symbolic_local_grads(node): the same derivatives built as ``Value`` graphs (``None`` for an
            input that is not differentiated).
    """

    __slots__ = (
        "_variants",
        "arity",
        "chain_rule_step",
        "constant_inputs",
        "decision_inputs",
        "derivative_sources",
        "derivatives",
        "differentiated",
        "doc",
        "evaluate",
        "forward",
        "forward_source",
        "is_symmetric",
        "local_grads",
        "name",
        "python_callables",
        "symbolic_local_grads",
        "table_op",
    )

    def __init__(
        self,
        name: str,
        forward: Rule,
        derivatives: Rule | Sequence[Rule],
        doc: str = "",
        *,
        is_symmetric: bool = False,
        _constant_inputs: tuple[bool, ...] | None = None,
    ) -> None:
        if isinstance(derivatives, str) or callable(derivatives):
            derivatives = (derivatives,)  # one input: Op("cube", "a * a * a", "3 * a * a")
        derivatives = tuple(derivatives)
        if not isinstance(name, str) or not name:
            raise TypeError(f"Op: the name must be a non-empty str, got {name!r}")
        if not 1 <= len(derivatives) <= len(INPUT_NAMES):
            raise ValueError(f"Op {name!r}: give one derivative per input (1 to 3), got {len(derivatives)}")
        self.name = name
        self.doc = doc
        self.is_symmetric = is_symmetric
        self.arity = len(derivatives)
        self.python_callables = callable(forward) or any(callable(d) for d in derivatives)
        self.forward, self.derivatives = _as_rules(name, forward, derivatives)
        self.constant_inputs = _constant_inputs or (False,) * self.arity
        self.differentiated = tuple(
            i
            for i, (rule, constant) in enumerate(zip(self.derivatives, self.constant_inputs))
            if not constant and not _is_zero(rule)
        )
        self.decision_inputs = tuple(
            i for i, constant in enumerate(self.constant_inputs) if not (constant or i in self.differentiated)
        )
        self._variants: dict[tuple[bool, ...], Op] = {self.constant_inputs: self}
        self.table_op = self
        self.forward_source = ieee_form(self.forward)
        self.derivative_sources = tuple(ieee_form(d) for d in self.derivatives)
        self._generate()

    def _generate(self) -> None:
        """Generate this op's four functions from its rules (see :mod:`autograd.generate`)."""
        inputs, label = INPUT_NAMES[: self.arity], self._label()
        used = tuple(d if i in self.differentiated else None for i, d in enumerate(self.derivative_sources))
        self.evaluate = define(
            evaluate_source(inputs, self.forward_source), "evaluate", FLOAT_FUNCTIONS, label
        )
        self.local_grads = define(local_grads_source(inputs, used), "local_grads", FLOAT_FUNCTIONS, label)
        self.chain_rule_step = define(
            chain_rule_step_source(inputs, used, bool(self.decision_inputs)),
            "chain_rule_step",
            FLOAT_FUNCTIONS,
            label,
        )
        # A constant input (the 2 in x ** 2) needs no derivative, and enters the others as a plain
        # number: d(x ** 2)/dx builds 2.0 * x ** 1.0, with no node for 2 - 1 whose own derivative
        # would take log(x) of a negative base (nan, and a false alarm under detect_anomaly).
        # (Python callables receive every input as a Value, as documented.)
        constants = tuple(
            x for x, constant in zip(inputs, self.constant_inputs) if constant and not self.python_callables
        )
        symbolic = tuple(
            graph_form(rule) if i in self.differentiated else None for i, rule in enumerate(self.derivatives)
        )
        self.symbolic_local_grads = define(
            symbolic_local_grads_source(inputs, symbolic, constants),
            "symbolic_local_grads",
            VALUE_FUNCTIONS,
            label,
        )

    def _label(self) -> str:
        """``'**'`` or ``'**' (b constant)``: names the generated sources of this op."""
        constants = [x for x, constant in zip(INPUT_NAMES, self.constant_inputs) if constant]
        return repr(self.name) + (f" ({', '.join(constants)} constant)" if constants else "")

    @property
    def source(self) -> str:
        """Everything generated from this op's rules, as Python source (what ``backward()``,
        ``grad`` and forward mode run for it): ``print(OPS["tanh"].source)``."""
        functions = (self.evaluate, self.local_grads, self.chain_rule_step, self.symbolic_local_grads)
        return "\n".join(inspect.getsource(function) for function in functions)

    def for_inputs(self, inputs: tuple[Any, ...]) -> Op:
        """The op to record for a node with these input ``Value``s: this op, or (when some inputs
        are ``Constant``s) its variant that evaluates no derivative for them."""
        return self.with_constants(tuple(x.is_constant for x in inputs))

    def with_constants(self, constant_inputs: tuple[bool, ...]) -> Op:
        """This op with the inputs marked True as constants: same name and rules, no gradient
        for them (made once per pattern)."""
        table_op = self.table_op
        variant = table_op._variants.get(constant_inputs)
        if variant is None:
            variant = Op(
                table_op.name,
                table_op.forward,
                table_op.derivatives,
                table_op.doc,
                is_symmetric=table_op.is_symmetric,
                _constant_inputs=constant_inputs,
            )
            variant.python_callables = table_op.python_callables
            variant._generate()  # with the table op's setting for constants
            variant.table_op = table_op
            variant._variants = table_op._variants
            table_op._variants[constant_inputs] = variant
        return variant

    def __repr__(self) -> str:
        return f"Op({self.name!r}, {self.forward!r}, {self.derivatives!r})"


# fmt: off
# The table. For each op: name, forward rule, local derivative per input (d out/da, d out/db), math.
ADD     = Op("+",       "a + b",       ("1", "1"),                  "d(a+b)/da = d/db = 1", is_symmetric=True)
SUB     = Op("-",       "a - b",       ("1", "-1"),                 "d(a-b)/da = 1, d(a-b)/db = -1")
MUL     = Op("*",       "a * b",       ("b", "a"),                  "d(ab)/da = b, d/db = a",
             is_symmetric=True)
DIV     = Op("/",       "a / b",       ("1 / b", "-out / b"),       "d(a/b)/da = 1/b, d(a/b)/db = -a/b^2")
POW     = Op("**",      "a ** b",      # 0 where 0 * inf would give nan (a ** -1 overflows below 5.6e-309)
             ("0.0 if b == 0 and not abs(a) >= 5.6e-309 else b * a ** (b - 1)",   # x^0 = 1: flat
              "0.0 if a == 0 and b >= 0 else out * log(a)"),                      # 0^b, as PyTorch
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

TAN     = Op("tan",     "tan(a)",      ("1 + out * out",),          "d tan(a)/da = 1 + tan(a)^2 = 1/cos(a)^2")
SINH    = Op("sinh",    "sinh(a)",     ("cosh(a)",),                "d sinh(a)/da = cosh(a)")
COSH    = Op("cosh",    "cosh(a)",     ("sinh(a)",),                "d cosh(a)/da = sinh(a)")
ASIN    = Op("asin",    "asin(a)",     ("1 / sqrt((1 - a) * (1 + a))",),   "d asin(a)/da = 1/sqrt(1 - a^2)")
ACOS    = Op("acos",    "acos(a)",     ("-1 / sqrt((1 - a) * (1 + a))",),  "d acos(a)/da = -1/sqrt(1 - a^2)")
ATAN    = Op("atan",    "atan(a)",     ("1 / (1 + a * a)",),        "d atan(a)/da = 1/(1 + a^2)")
ASINH   = Op("asinh",   "asinh(a)",    ("1 / sqrt(a * a + 1)",),    "d asinh(a)/da = 1/sqrt(a^2 + 1)")
ACOSH   = Op("acosh",   "acosh(a)",    ("1 / sqrt((a - 1) * (a + 1))",),   "d acosh(a)/da = 1/sqrt(a^2 - 1)")
ATANH   = Op("atanh",   "atanh(a)",    ("1 / ((1 - a) * (1 + a))",),       "d atanh(a)/da = 1/(1 - a^2)")
LOG1P   = Op("log1p",   "log1p(a)",    ("1 / (1 + a)",),            "d ln(1 + a)/da = 1/(1 + a)")
EXPM1   = Op("expm1",   "expm1(a)",    ("exp(a)",),                 "d (e^a - 1)/da = e^a")
LOG2    = Op("log2",    "log2(a)",     ("1 / (a * log(2))",),       "d log2(a)/da = 1/(a ln 2)")
LOG10   = Op("log10",   "log10(a)",    ("1 / (a * log(10))",),      "d log10(a)/da = 1/(a ln 10)")
ERF     = Op("erf",     "erf(a)",      ("1.1283791670955126 * exp(-a * a)",),  # 2/sqrt(pi)
             "d erf(a)/da = 2/sqrt(pi) e^(-a^2)")
# At a tie each input gets half the gradient (as PyTorch); a clamp's bounds b, c get it where they bind.
MAXIMUM = Op("maximum", "maximum(a, b)", ("0.0 if a < b else 0.5 if a == b else 1.0",
                                          "0.0 if b < a else 0.5 if a == b else 1.0"), "max(a, b)",
             is_symmetric=True)
MINIMUM = Op("minimum", "minimum(a, b)", ("0.0 if a > b else 0.5 if a == b else 1.0",
                                          "0.0 if b > a else 0.5 if a == b else 1.0"), "min(a, b)",
             is_symmetric=True)
CLAMP   = Op("clamp",   "clamp(a, b, c)", ("1.0 if b <= a <= c else 0.0",
                                           "1.0 if a < b and b < c else 0.0",
                                           "1.0 if a > c or c < b else 0.0"), "min(max(a, lo=b), hi=c)")

# Piecewise-constant ops: their derivative is zero (no gradient flows through a decision). They are
# nodes on the create_graph path, where the derivative of relu is step(a) and that of ** has tests.
STEP    = Op("step",    "step(a)",     ("0",),                      "1 if a > 0 else 0; d/da = 0")
SIGN    = Op("sign",    "sign(a)",     ("0",),                      "1, 0 or -1 as a > 0, = 0, < 0; d/da = 0")
EQUAL   = Op("==",      "1.0 if a == b else 0.0", ("0", "0"),       "1 if a = b else 0; d/da = d/db = 0",
             is_symmetric=True)
GREATER = Op(">",       "1.0 if a > b else 0.0",  ("0", "0"),       "1 if a > b else 0; d/da = d/db = 0")
GREATER_EQUAL = Op(">=", "1.0 if a >= b else 0.0", ("0", "0"),      "1 if a >= b else 0; d/da = d/db = 0")
SELECT  = Op("select",  "b if a else c", ("0", "1.0 if a else 0.0", "0.0 if a else 1.0"),
             "b if a (is not 0) else c; d/db = 1 if a else 0, d/dc = 0 if a else 1")

#: Every op, by name: the op test matrix, the drawing and the compiled replay iterate over this.
OPS: dict[str, Op] = {op.name: op for op in (
    ADD, SUB, MUL, DIV, POW, NEG, ABS, EXP, LOG, SQRT, SIN, COS, TANH, SIGMOID, RELU, LEAKY_RELU, SOFTPLUS,
    MUL_ADD, TAN, SINH, COSH, ASIN, ACOS, ATAN, ASINH, ACOSH, ATANH, LOG1P, EXPM1, LOG2, LOG10, ERF,
    MAXIMUM, MINIMUM, CLAMP, STEP, SIGN, EQUAL, GREATER, GREATER_EQUAL, SELECT,
)}
# fmt: on

#: The table's functions of one input that are ``Value`` methods of the same name (``x.tanh()``): ``abs``
#: is ``abs(x)``, and ``step`` and ``sign`` are decisions, recorded on the create_graph path only.
UNARY_FUNCTIONS = tuple(
    name for name, op in OPS.items() if op.forward == f"{name}(a)" and name not in ("abs", "step", "sign")
)


def main(argv: Sequence[str]) -> int:
    """``python -m autograd tanh "**"``: each op's rules and the code generated from them."""
    names = list(argv) or list(OPS)
    unknown = [name for name in names if name not in OPS]
    if unknown:
        print(f"unknown op(s) {', '.join(unknown)}; the ops are: {' '.join(OPS)}", file=sys.stderr)
        return 2
    for name in names:
        print(f"# {OPS[name]!r}\n# {OPS[name].doc}\n{OPS[name].source}")
    return 0
