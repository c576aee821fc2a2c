"""How the engine checker talks to a scalar autodiff engine: yours, micrograd, or chainrule.

An engine is anything with a ``Value``-like class: make a leaf from a number, combine leaves with
Python operators and methods, call ``backward()`` on a result, read each leaf's ``.grad`` and each
node's ``.data``. :class:`EngineAdapter` says how, with defaults that fit micrograd-style engines::

    leaf(0.5)            Value(0.5)
    apply("+", a, 2.0)   a + 2.0       (operators for + - * / ** neg abs, methods for the rest:
    apply("tanh", a)     a.tanh()       the names are chainrule's op names, autograd.ops.OPS)
    backward(y)          y.backward()
    data(y), grad(x)     float(y.data), float(x.grad)
    zero_grad(x)         x.grad = 0.0
    children(y)          y._prev / y.children / y._children, whichever exists (for notes only)

Override a method in a subclass when your engine differs (``Tensor.from_float(x)``, ``y.backprop()``,
...) and pass an instance to :func:`~autograd.testing.check_engine`. :func:`adapter_for` picks a
ready adapter for a class: :class:`ChainruleAdapter` for ``autograd.Value``, :class:`MicrogradAdapter`
for classes whose nodes keep their inputs in ``_prev``, the generic one otherwise.

:func:`discover_forms` probes which *forms* the engine supports: each op with both inputs nodes
(``x - y``), a number on the right (``x - 2``) or on the left (``2 - x``).
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any

from autograd.engine import Value
from autograd.ops import OPS

__all__ = [
    "BINARY_OPERATORS",
    "ChainruleAdapter",
    "EngineAdapter",
    "EngineAdapterError",
    "Form",
    "MicrogradAdapter",
    "adapter_for",
    "discover_forms",
]

#: Binary ops the checker reaches through Python's operators, by chainrule op name.
BINARY_OPERATORS: dict[str, Callable[[Any, Any], Any]] = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "/": operator.truediv,
    "**": operator.pow,
}
# Unary ops reached through an operator or a builtin rather than a method.
_UNARY_OPERATORS: dict[str, Callable[[Any], Any]] = {"neg": operator.neg, "abs": abs}
_UNARY_SPELLING = {"neg": "-{}", "abs": "abs({})"}
_REFLECTED = {"+": "__radd__", "-": "__rsub__", "*": "__rmul__", "/": "__rtruediv__", "**": "__rpow__"}


class EngineAdapterError(TypeError):
    """The engine cannot be checked: it lacks something the checker needs (said in the message)."""


class EngineAdapter:
    """The checker's view of an engine; the defaults fit micrograd-style ``Value`` classes.

    Attributes:
        value_class: the engine's node class (``Value``).
        name: how reports name the engine, e.g. ``"micrograd.engine.Value"``.
        children_attribute: where a node keeps its inputs (``"_prev"``), or None if unknown.
    """

    children_attribute: str | None = None

    def __init__(self, value_class: type, name: str | None = None) -> None:
        self.value_class = value_class
        self.name = name or f"{value_class.__module__}.{value_class.__qualname__}"

    def leaf(self, x: float) -> Any:
        """A new leaf holding ``x``."""
        return self.value_class(x)

    def is_node(self, x: object) -> bool:
        """True for the engine's nodes (the result of an op must be one)."""
        return isinstance(x, self.value_class)

    def apply(self, op: str, *args: Any) -> Any:
        """``op`` (a chainrule op name) on nodes and numbers, spelled as your engine's users do."""
        if op in BINARY_OPERATORS:
            return BINARY_OPERATORS[op](*args)
        if op in _UNARY_OPERATORS:
            return _UNARY_OPERATORS[op](*args)
        return getattr(args[0], op)(*args[1:])

    def backward(self, node: Any) -> None:
        """Backpropagate from ``node``: ``node.backward()``."""
        node.backward()

    def data(self, node: Any) -> float:
        """The node's number."""
        return _float_attribute(node.data, "data")

    def grad(self, node: Any) -> float:
        """The node's gradient after ``backward()``."""
        return _float_attribute(node.grad, "grad")

    def zero_grad(self, node: Any) -> None:
        """What an optimizer's ``zero_grad()`` does to one parameter."""
        node.grad = 0.0

    def children(self, node: Any) -> Collection[Any] | None:
        """The node's inputs as the engine stores them, or None if the adapter cannot tell."""
        names = [self.children_attribute] if self.children_attribute else ["children", "_prev", "_children"]
        for name in names:
            stored = getattr(node, name, None)
            if isinstance(stored, Collection) and not isinstance(stored, (str, bytes)):
                return stored
        return None

    def spell(self, op: str, args: list[str]) -> str:
        """Python source for ``op`` on argument sources, as :meth:`apply` runs it (for reports)."""
        if op in BINARY_OPERATORS:
            return f"{args[0]} {op} {args[1]}"
        if op in _UNARY_SPELLING:
            return _UNARY_SPELLING[op].format(args[0])
        return f"{args[0]}.{op}({', '.join(args[1:])})"

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name})"


class MicrogradAdapter(EngineAdapter):
    """micrograd's protocol: ``Value(data)``, inputs in ``_prev`` (a set), ``backward()``, ``.grad``."""

    children_attribute = "_prev"


class ChainruleAdapter(EngineAdapter):
    """chainrule itself (``autograd.Value``): the reference every other engine is compared with."""

    children_attribute = "children"

    def __init__(self, value_class: type = Value, name: str = "chainrule (autograd.Value)") -> None:
        super().__init__(value_class, name)

    def is_node(self, x: object) -> bool:
        return isinstance(x, Value)  # ops on a subclass's nodes make plain Values


def _float_attribute(x: object, attribute: str) -> float:
    if isinstance(x, bool) or x is None:
        raise TypeError(f".{attribute} is {x!r}, not a number")
    try:
        return float(x)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise TypeError(f".{attribute} is a {type(x).__name__}, not a number: {x!r:.60}") from None


def adapter_for(target: object) -> EngineAdapter:
    """The adapter for ``target``: an :class:`EngineAdapter` (returned as is) or a ``Value`` class.

    The class is introspected on a leaf ``Value(0.5)``: it must have ``.data`` (0.5), ``.grad`` and
    a ``backward`` method; otherwise :class:`EngineAdapterError` says what is missing.
    """
    if isinstance(target, EngineAdapter):
        return target
    if not isinstance(target, type):
        raise EngineAdapterError(
            f"check_engine takes your Value class (or an EngineAdapter), got {type(target).__name__}"
        )
    if issubclass(target, Value):
        return ChainruleAdapter(target)
    name = f"{target.__module__}.{target.__qualname__}"
    try:
        leaf: Any = target(0.5)  # type: ignore[call-arg]
    except Exception as error:
        raise EngineAdapterError(
            f"{name}(0.5) raised {type(error).__name__}: {error}; the checker makes leaves as Value(number) "
            "(write an EngineAdapter subclass with your own leaf() otherwise)"
        ) from error
    for attribute in ("data", "grad"):
        if not hasattr(leaf, attribute):
            raise EngineAdapterError(f"{name}(0.5) has no .{attribute}: a Value needs .data and .grad")
    if not callable(getattr(leaf, "backward", None)):
        raise EngineAdapterError(f"{name}(0.5) has no backward() method")
    if getattr(leaf, "data", None) != 0.5:
        raise EngineAdapterError(f"{name}(0.5).data is {leaf.data!r}, expected 0.5")
    if isinstance(getattr(leaf, "_prev", None), Collection):
        return MicrogradAdapter(target, name)
    return EngineAdapter(target, name)


# -- forms: which ops, with numbers on which side --------------------------------------------------


@dataclass(frozen=True)
class Form:
    """An op with its operands' kinds: ``Form("-", None)`` is ``x - y`` (both nodes),
    ``Form("-", 1)`` is ``x - 2`` (a number at argument 1), ``Form("-", 0)`` is ``2 - x``."""

    op: str
    constant_at: int | None = None

    def __str__(self) -> str:
        if self.op in BINARY_OPERATORS:
            left = "2" if self.constant_at == 0 else "x"
            right = "2" if self.constant_at == 1 else ("x" if self.constant_at == 0 else "y")
            return f"{left} {self.op} {right}"
        if self.op in _UNARY_SPELLING:
            return _UNARY_SPELLING[self.op].format("x")
        return f"x.{self.op}()"


#: Forms every checked engine must have: the checker builds its domain plumbing from them.
REQUIRED_FORMS = (Form("+"), Form("*"), Form("+", 1), Form("*", 1))


def candidate_forms(adapter: EngineAdapter) -> list[Form]:
    """Forms to probe: the binary operators in each operand pattern, ``-x``, ``abs(x)``, and every
    one-input op of chainrule's table that the engine's class has as a method (``x.tanh()``)."""
    forms = [Form(op, at) for op in BINARY_OPERATORS for at in (None, 1, 0)]
    forms += [Form(name) for name in _UNARY_OPERATORS]
    forms += [
        Form(name)
        for name, op in OPS.items()
        if op.arity == 1
        and name not in _UNARY_OPERATORS
        and callable(getattr(adapter.value_class, name, None))
    ]
    return forms


def probe_point(op: str, argument: int) -> float:
    """A number well inside where argument ``argument`` of ``op`` is smooth."""
    from autograd.testing import domains_for  # the package's domains (imported late: no cycle)

    domain = domains_for(op)[argument]
    low, high = domain.intervals[-1]
    return 0.75 if domain.kind == "real" else low + 0.4 * (high - low)


def discover_forms(adapter: EngineAdapter) -> dict[Form, str | None]:
    """Each candidate form: None if the engine runs it, else why not (the exception it raised).

    A form runs if it returns one of the engine's nodes whose ``.data`` is a number; whether the
    number is right is for the checks to say.
    """
    found: dict[Form, str | None] = {}
    for form in candidate_forms(adapter):
        args: list[Any] = []
        for i in range(OPS[form.op].arity):
            x = probe_point(form.op, i)
            args.append(x if i == form.constant_at else adapter.leaf(x))
        try:
            out = adapter.apply(form.op, *args)
            if not adapter.is_node(out):
                raise TypeError(f"returned {type(out).__name__}, not a {adapter.value_class.__name__}")
            adapter.data(out)
        except Exception as error:
            found[form] = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
        else:
            found[form] = None
    return found


def missing_reflection(form: Form) -> str:
    """Which method makes ``2 - x`` work (``__rsub__``)."""
    return _REFLECTED.get(form.op, "")
