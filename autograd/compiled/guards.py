"""Guards: every number that leaves a traced ``Value`` into Python, and what Python did with it.

While :mod:`autograd.compiled.trace` runs a function, reading ``v.data`` of a value that depends on
the inputs does not give a plain float but a :class:`TracedNumber`: the same number, plus the
expression that computes it from the trace's variables (``("node", v)``). Arithmetic on traced
numbers gives traced numbers (``abs(d.data) - 1.0`` is ``(abs(v3) - 1.0)``). The moment information
leaves for Python, it is written down as a :class:`Guard`, a test that held when the trace was made:

=====================================  ==============================================================
what the code does                     the guard (must hold again for the trace to be replayed)
=====================================  ==============================================================
``a.data > b.data``, ``t == 1``         the comparison gives the same ``True``/``False``
``if x.data:``, ``bool(t)``             ``(x != 0)`` gives the same truth value
``int(t)``, ``round(t)``, ``floor``     the same integer (``for _ in range(int(x.data))``)
``format(t, ".2f")``, ``str``, ``repr``  the same text
``float(t)``, ``math.exp(t)``, hash    exactly the same number (the number itself escaped)
``a.data / b.data`` that raised        it raises again (and one that did not raise does not)
=====================================  ==============================================================

Everything else a float can do goes through ``float(t)`` (pinned exactly), so nothing leaves
unrecorded. A traced number is deliberately *not* a ``float`` subclass: C functions such as
``math.exp`` read a float subclass's value directly, without asking; for any other real number they
call ``__float__``, which records the guard.
"""

from __future__ import annotations

import math
import numbers
import operator
import sys
from collections.abc import Callable
from typing import Any, NamedTuple

#: An expression over the trace's variables, as nested tuples:
#: ``("node", value)``, ``("number", k)`` (number input k), ``("literal", x)``,
#: ``(symbol, left, right)`` for ``+ - * / // % ** < <= > >= == !=``, ``("neg", e)``, ``("pos", e)``,
#: ``("call", name, e, *literal args)`` for ``abs int round floor ceil trunc format str repr``,
#: ``("not", e)``, ``("raises", e)``, ``("same", e, x)`` (exactly ``x``: sign of zero, nan) and
#: ``("static", k, x)`` (static input k is exactly ``x``).
Expression = tuple[Any, ...]


class Guard(NamedTuple):
    """A test over the trace's variables that held while tracing, and the source line behind it."""

    test: Expression
    where: str  # "file.py:12: if h.data > 0:"


class GuardLog:
    """Where a trace's guards are written, and the leaves made from traced numbers."""

    def __init__(self) -> None:
        self.guards: list[Guard] = []
        self.leaf_expressions: dict[Any, Expression] = {}  # Value leaf made from a traced number
        self.active = True

    def into_leaf(self, number: TracedNumber) -> bool:
        """If ``float(number)`` is the engine making a graph leaf of it, remember the leaf's
        expression and return True (then the number is not pinned); see the tracer."""
        return False

    def add(self, test: Expression) -> None:
        if self.active:
            self.guards.append(Guard(test, user_line()))


#: Files whose frames are not "the user's line" in a guard's message (the tracer adds the engine's).
_OWN_FILES: set[str] = {__file__}
_GENERATED = ("<Value operator", "<op ", "<chainrule compiled", "<fold>")


def user_line() -> str:
    """``file:line: code`` of the innermost frame outside this package and the engine."""
    frame = sys._getframe(2)
    while frame is not None and (
        frame.f_code.co_filename in _OWN_FILES or frame.f_code.co_filename.startswith(_GENERATED)
    ):
        frame = frame.f_back  # type: ignore[assignment]
    if frame is None:
        return "<unknown>"
    import linecache

    code = linecache.getline(frame.f_code.co_filename, frame.f_lineno).strip()
    return f"{frame.f_code.co_filename}:{frame.f_lineno}: {code}"


_REAL = (int, float)


def _parts(x: object) -> tuple[float | int, Expression] | None:
    """``(value, expression)`` of a traced number or a plain real; ``None`` for anything else."""
    if isinstance(x, TracedNumber):
        return x.value, x.expression
    if type(x) in _REAL or isinstance(x, (int, float)):
        return x, ("literal", x)  # type: ignore[return-value]
    return None


def _binary(symbol: str, function: Callable[[Any, Any], Any], reflected: bool = False) -> Any:
    """A float operator on traced numbers: the float result, with its expression."""
    can_raise = symbol in ("/", "//", "%", "**")

    def method(self: TracedNumber, other: object) -> Any:
        parts = _parts(other)
        if parts is None:
            return NotImplemented
        (a, ea), (b, eb) = (self.value, self.expression), parts
        if reflected:
            (a, ea), (b, eb) = (b, eb), (a, ea)
        expression = (symbol, ea, eb)
        try:
            result = function(a, b)
        except ArithmeticError:
            self.log.add(("raises", expression))  # the code may catch it: it must raise again
            raise
        if can_raise:
            self.log.add(("not", ("raises", expression)))
        if type(result) is float:
            return TracedNumber(result, expression, self.log)
        self.log.add(("same", self.expression, self.value))  # complex, or an int from ints
        if isinstance(other, TracedNumber):
            other.log.add(("same", other.expression, other.value))
        return result

    method.__name__ = f"__{'r' if reflected else ''}{function.__name__.strip('_')}__"
    return method


def _compare(symbol: str, function: Callable[[Any, Any], bool]) -> Any:
    def method(self: TracedNumber, other: object) -> Any:
        parts = _parts(other)
        if parts is None:
            return NotImplemented
        result = function(self.value, parts[0])
        test = (symbol, self.expression, parts[1])
        self.log.add(test if result else ("not", test))
        return result

    return method


def _integer(name: str, function: Callable[[float], int]) -> Any:
    def method(self: TracedNumber, *args: Any) -> Any:
        if args and args[0] is not None:  # round(t, ndigits): a float, still traced
            return TracedNumber(
                round(self.value, args[0]), ("call", "round", self.expression, args[0]), self.log
            )
        result = function(self.value)
        self.log.add(("==", ("call", name, self.expression), ("literal", result)))
        return result

    return method


def _text(name: str, function: Callable[..., str]) -> Any:
    def method(self: TracedNumber, *args: Any) -> str:
        result = function(self.value, *args)
        self.log.add(("==", ("call", name, self.expression, *args), ("literal", result)))
        return result

    return method


class TracedNumber:
    """A number read from a traced value: behaves as its float, and records what Python learns."""

    __slots__ = ("expression", "log", "value")

    def __init__(self, value: float, expression: Expression, log: GuardLog) -> None:
        self.value = value
        self.expression = expression
        self.log = log

    def __float__(self) -> float:
        if not self.log.into_leaf(self):
            self.log.add(("same", self.expression, self.value))
        return self.value

    def __hash__(self) -> int:
        self.log.add(("same", self.expression, self.value))
        return hash(self.value)

    def __bool__(self) -> bool:
        result = bool(self.value)
        test = ("!=", self.expression, ("literal", 0.0))
        self.log.add(test if result else ("not", test))
        return result

    def __getattr__(self, name: str) -> Any:
        """Any other float attribute (``is_integer``, ``hex``, ...): the number escapes, pinned."""
        self.log.add(("same", self.expression, self.value))
        return getattr(self.value, name)

    def __neg__(self) -> TracedNumber:
        return TracedNumber(-self.value, ("neg", self.expression), self.log)

    def __pos__(self) -> TracedNumber:
        return TracedNumber(+self.value, ("pos", self.expression), self.log)

    def __abs__(self) -> TracedNumber:
        return TracedNumber(abs(self.value), ("call", "abs", self.expression), self.log)

    __add__, __radd__ = _binary("+", operator.add), _binary("+", operator.add, True)
    __sub__, __rsub__ = _binary("-", operator.sub), _binary("-", operator.sub, True)
    __mul__, __rmul__ = _binary("*", operator.mul), _binary("*", operator.mul, True)
    __truediv__, __rtruediv__ = _binary("/", operator.truediv), _binary("/", operator.truediv, True)
    __floordiv__, __rfloordiv__ = _binary("//", operator.floordiv), _binary("//", operator.floordiv, True)
    __mod__, __rmod__ = _binary("%", operator.mod), _binary("%", operator.mod, True)
    __pow__, __rpow__ = _binary("**", operator.pow), _binary("**", operator.pow, True)
    __lt__, __le__ = _compare("<", operator.lt), _compare("<=", operator.le)
    __gt__, __ge__ = _compare(">", operator.gt), _compare(">=", operator.ge)
    __eq__, __ne__ = _compare("==", operator.eq), _compare("!=", operator.ne)
    __int__ = _integer("int", int)
    __trunc__ = _integer("trunc", math.trunc)
    __floor__ = _integer("floor", math.floor)
    __ceil__ = _integer("ceil", math.ceil)
    __round__ = _integer("round", round)
    __format__ = _text("format", format)
    __str__ = _text("str", str)
    __repr__ = _text("repr", repr)

    def __divmod__(self, other: object) -> Any:
        return self // other, self % other

    def __rdivmod__(self, other: object) -> Any:
        return other // self, other % self


numbers.Real.register(TracedNumber)  # so the engine and nn accept it as a number (then float() pins it)


# -- writing guards out as source ----------------------------------------------------------------------


def literal(x: object) -> str:
    """A number (or text) as source that reads back exactly; negative numbers in parentheses."""
    if isinstance(x, float):
        if x != x:
            return "nan"
        if math.isinf(x):
            return "inf" if x > 0 else "(-inf)"
    text = repr(x)
    return f"({text})" if text[0] == "-" else text


_CALLS = {"abs": "abs", "int": "int", "round": "round", "floor": "floor", "ceil": "ceil", "trunc": "trunc",
          "format": "format", "str": "str", "repr": "repr"}  # fmt: skip

#: What the generated guard code calls (besides the op table's functions).
GUARD_FUNCTIONS: dict[str, Any] = {
    "floor": math.floor,
    "ceil": math.ceil,
    "trunc": math.trunc,
    "copysign": math.copysign,
}


def render(expression: Expression, name: Callable[[Expression], str]) -> str:
    """``expression`` as Python source; ``name`` gives the source of a ``node``/``number`` leaf."""
    kind = expression[0]
    if kind in ("node", "number"):
        return name(expression)
    if kind == "literal":
        return literal(expression[1])
    if kind == "static":  # a static input: exactly this value, of this type
        source, value = name(("number", expression[1])), expression[2]
        return f"(type({source}) is {type(value).__name__} and {source} == {literal(value)})"
    if kind in ("neg", "pos"):
        return f"({'-' if kind == 'neg' else '+'}{render(expression[1], name)})"
    if kind == "not":
        return f"(not {render(expression[1], name)})"
    if kind == "call":
        extra = "".join(f", {literal(x)}" for x in expression[3:])
        return f"{_CALLS[expression[1]]}({render(expression[2], name)}{extra})"
    if kind == "raises":
        return f"raises(lambda: {render(expression[1], name)})"
    if kind == "same":
        return _same(render(expression[1], name), expression[2])
    left, right = render(expression[1], name), render(expression[2], name)
    return f"({left} {kind} {right})"


def _same(source: str, x: float) -> str:
    """A test that ``source`` is exactly ``x`` (``-0.0`` is not ``0.0``; ``nan`` is ``nan``)."""
    if x != x:
        return f"({source} != {source})"
    if x == 0:
        return f"(copysign(1.0, {source}) == {literal(math.copysign(1.0, x))} and {source} == 0.0)"
    return f"({source} == {literal(x)})"


def raises(function: Callable[[], object]) -> bool:
    """True if evaluating ``function()`` raises an arithmetic error (a guard on ``a / b`` and such)."""
    try:
        function()
    except ArithmeticError:
        return True
    return False


GUARD_FUNCTIONS["raises"] = raises


def leaves(expression: Expression) -> list[Expression]:
    """The ``node`` and ``number`` leaves of ``expression`` (with repeats), left to right."""
    found, stack = [], [expression]
    while stack:
        e = stack.pop()
        if e[0] in ("node", "number"):
            found.append(e)
        elif e[0] != "literal":
            stack.extend(reversed([x for x in e[1:] if isinstance(x, tuple)]))
    return found


def failure(test: Expression, name: Callable[[Expression], str]) -> str:
    """Source that is true when ``test`` fails (``x > 0`` for the test ``not (x > 0)``)."""
    if test[0] == "not":
        return render(test[1], name)
    return f"not {render(test, name)}"
