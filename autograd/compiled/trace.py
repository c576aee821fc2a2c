"""Tracing: run the function once on fresh ``Value``s, and keep its graph and its guards.

While a trace runs, ``Value.data`` is read through :class:`_DataReads` instead of the plain slot.
A read by the engine's op code (a generated operator method computing ``out.data`` from its inputs)
gets the float, as always: the replay recomputes it. A read by anything else (the user's function,
``nn`` code, a derivative rule's ``step(a)``) of a value that depends on the inputs or parameters
gets a :class:`~autograd.compiled.guards.TracedNumber`, so whatever Python decides with it is
recorded as a guard. Outside a trace, and in other threads, reads go straight to the slot.
"""

from __future__ import annotations

import contextvars
import sys
import threading
from collections.abc import Callable, Sequence
from typing import Any

from autograd import engine, functional, modes, numerics, ops
from autograd.compiled import guards
from autograd.compiled.guards import Expression, Guard, GuardLog, TracedNumber
from autograd.engine import Value, reverse_topological_order
from autograd.modes import enable_grad


class TraceError(ValueError):
    """The function cannot be compiled or replayed here: its path depends on numbers in a way
    the bounded set of traces does not cover, it is not deterministic, or it reads a leaf ``Value``
    that is neither an input nor a declared parameter. The message names the line."""


for _module in (engine, ops, numerics, modes, functional, guards):
    guards._OWN_FILES.add(_module.__file__ or "")
guards._OWN_FILES.update((__file__, __file__.replace("trace.py", "__init__.py")))


def _op_evaluation_codes() -> frozenset[Any]:
    """The code that reads ``.data`` only to compute a new node's ``.data`` (the forward rule)."""
    codes = {
        function.__code__
        for function in vars(Value).values()
        if callable(function) and getattr(function, "__code__", None) is not None
        and function.__code__.co_filename.startswith("<Value operator")
    }  # fmt: skip
    internal = (engine.apply, engine._binary, engine._record_node, engine._unrecorded)
    for function in (*internal, engine._maximum_of_value, engine._minimum_of_value):  # as Value operators
        codes.add(function.__code__)
    nested = list(codes)
    while nested:  # comprehensions inside them run in frames of their own (before Python 3.12)
        for constant in nested.pop().co_consts:
            if isinstance(constant, type(_op_evaluation_codes.__code__)):
                codes.add(constant)
                nested.append(constant)
    return frozenset(codes)


class Recorder:
    """One trace in progress: which values depend on the inputs, and the guards written so far."""

    def __init__(self, inputs: Sequence[Value], params: Sequence[Value]) -> None:
        self.log = _TraceLog()
        self.varies: dict[Value, bool] = dict.fromkeys([*inputs, *params], True)
        self.declared = frozenset([*inputs, *params])
        self.internal = _op_evaluation_codes()

    def read(self, node: Value, value: Any, frame: Any) -> Any:
        if frame.f_code in self.internal or not self.log.active:
            return value
        expression = self.leaf_expression(node)
        if expression is None:
            if not self.depends(node):
                return value
            expression = ("node", node)
        number = TracedNumber(value, expression, self.log)
        if frame.f_code is _FLOAT_CODE:  # float(v) must give a float: the number escapes, pinned
            return float(number)
        return number

    def leaf_expression(self, node: Value) -> Expression | None:
        return self.log.leaf_expressions.get(node)

    def depends(self, node: Value) -> bool:
        """True if ``node``'s value can change with the inputs or parameters (memoized)."""
        varies = self.varies
        found = varies.get(node)
        if found is not None:
            return found
        leaves = self.log.leaf_expressions
        stack = [node]
        push, pop = stack.append, stack.pop
        while stack:
            top = stack[-1]
            pending = False
            for child in top.children:
                if child not in varies:
                    push(child)
                    pending = True
            if pending:
                continue
            pop()
            if top not in varies:
                varies[top] = top in leaves or any(map(varies.__getitem__, top.children))
        return varies[node]


_FLOAT_CODE = getattr(getattr(Value, "__float__", None), "__code__", None)
_active: contextvars.ContextVar[Recorder | None] = contextvars.ContextVar("chainrule_trace", default=None)
_SLOT = Value.__dict__["data"]  # the slot descriptor that stores a Value's number
_GRAD_SLOT = Value.__dict__["grad"]
_lock = threading.Lock()
_tracing = 0  # traces in progress (any thread): while > 0, Value.data is a _DataReads


class _DataReads:
    """``Value.data`` during a trace: the slot, seen through the active :class:`Recorder`."""

    def __get__(self, node: Value | None, owner: type | None = None) -> Any:
        if node is None:
            return self
        value = _SLOT.__get__(node, owner)
        recorder = _active.get()
        if recorder is None:
            return value
        frame = sys._getframe(1)
        if frame.f_code in recorder.internal:  # the op computing a new node: the most common read
            return value
        return recorder.read(node, value, frame)

    def __set__(self, node: Value, value: Any) -> None:
        recorder = _active.get()
        if recorder is not None and recorder.log.active:
            if isinstance(value, TracedNumber):
                value = float(value)  # pinned: the number is stored in the graph
            if node in recorder.declared:
                raise TraceError(
                    f"the function writes .data of one of its inputs or parameters ({guards.user_line()}); "
                    "a replay would not repeat that. Compute a new Value instead"
                )
        _SLOT.__set__(node, value)


class _GradReads:
    """``Value.grad`` during a trace: the engine reads it (``backward()`` inside the function), the
    function may not (a gradient is no input of the replay: it would be frozen)."""

    def __get__(self, node: Value | None, owner: type | None = None) -> Any:
        if node is None:
            return self
        recorder = _active.get()
        if recorder is not None and recorder.log.active:
            filename = sys._getframe(1).f_code.co_filename
            if filename not in guards._OWN_FILES and not filename.startswith(guards._GENERATED):
                raise TraceError(
                    f"the function reads a .grad ({guards.user_line()}): a replay cannot follow it. "
                    "Compute with Values (grad(..., create_graph=True) for a derivative), or use the "
                    "eager engine"
                )
        return _GRAD_SLOT.__get__(node, owner)

    def __set__(self, node: Value, value: Any) -> None:
        _GRAD_SLOT.__set__(node, value)


def _float_into_leaf(number: TracedNumber) -> bool:
    """If ``float(number)`` is the engine making a leaf of it (``x * t`` or ``Value(t)``), remember
    that leaf's expression instead of pinning the number. True if it did."""
    caller = sys._getframe(3)  # into_leaf <- TracedNumber.__float__ <- engine._as_float
    if caller.f_code is not engine._as_float.__code__:
        return False
    maker = caller.f_back
    if maker is None:
        return False
    if maker.f_code is getattr(engine, "_constant", None).__code__:  # type: ignore[union-attr]
        leaf = maker.f_locals.get("constant")
    elif maker.f_code is Value.__init__.__code__:
        leaf = maker.f_locals.get("self")
    else:
        return False
    if not isinstance(leaf, Value):
        return False
    number.log.leaf_expressions[leaf] = number.expression
    return True


class _TraceLog(GuardLog):
    def into_leaf(self, number: TracedNumber) -> bool:
        return self.active and _float_into_leaf(number)


class Trace:
    """What one call of the function built: its output(s), the nodes the replay computes (each after
    its children), which of them need a gradient, and the guards. Several outputs (a model's
    scores) are replayed forward only; gradients need one output."""

    def __init__(
        self,
        outputs: list[Value],
        inputs: list[Value],
        params: list[Value],
        recorder: Recorder,
        numbers: list[Any],
    ) -> None:
        self.outputs, self.inputs, self.params, self.numbers = outputs, inputs, params, numbers
        self.output = outputs[0] if len(outputs) == 1 else None
        self.guards: list[Guard] = recorder.log.guards
        self.leaf_expressions = dict(recorder.log.leaf_expressions)
        roots = list(outputs)
        for expression in [g.test for g in self.guards] + list(self.leaf_expressions.values()):
            roots += [e[1] for e in guards.leaves(expression) if e[0] == "node"]
        self.order = self._order(roots)
        self.varies = _varies(self.order, recorder.varies, self.leaf_expressions)
        for node in self.leaf_expressions:
            self.varies[node] = True
        #: the numbers of the nodes that cannot change (the generated code's literals), as traced
        self.constants = {node: node.data for node in self.order if not self.varies[node]}
        needs = dict.fromkeys([*inputs, *params], True)
        for node in self.order:
            if node not in needs:
                needs[node] = any(map(needs.__getitem__, node.children))
        self.needs_grad = needs
        self.backward_order = []
        if self.output is not None:
            self.backward_order = [n for n in reverse_topological_order(self.output) if needs[n]]

    def _order(self, roots: list[Value]) -> list[Value]:
        """Every node the replay computes, each after its inputs; a leaf made from a traced number
        comes after the nodes its expression reads (no recursion)."""
        order: list[Value] = []
        visited: set[Value] = set()
        expressions = self.leaf_expressions
        stack: list[tuple[Value, bool]] = [(node, False) for node in reversed(roots)]
        pop, push, emit = stack.pop, stack.append, order.append
        while stack:
            node, inputs_done = pop()
            if inputs_done:
                emit(node)
            elif node not in visited:
                visited.add(node)
                push((node, True))
                inputs = node.children
                if node in expressions:
                    inputs = (*inputs, *[e[1] for e in guards.leaves(expressions[node]) if e[0] == "node"])
                for child in reversed(inputs):
                    if child not in visited:
                        push((child, False))
        return order

    def same_as(self, other: Trace) -> bool:
        """True if ``other`` generates the same code as this trace: node for node (in order) the same
        op, inputs, label, dependence, constant and leaf expression; the same inputs, parameters,
        outputs, backward order and guards. (False may still generate the same code: then the
        caller compares the code.) Linear in the graph: no code is generated."""
        if (len(self.order), len(self.guards), len(self.outputs)) != (
            len(other.order), len(other.guards), len(other.outputs)
        ):  # fmt: skip
            return False
        ours = {node: k for k, node in enumerate(self.order)}
        theirs = {node: k for k, node in enumerate(other.order)}
        ours_of, theirs_of = ours.get, theirs.get
        if (
            [ours_of(v) for v in self.inputs] != [theirs_of(v) for v in other.inputs]
            or [ours_of(v) for v in self.params] != [theirs_of(v) for v in other.params]
            or [ours[v] for v in self.outputs] != [theirs[v] for v in other.outputs]
            or [ours_of(v) for v in self.backward_order] != [theirs_of(v) for v in other.backward_order]
        ):
            return False
        varies, other_varies = self.varies, other.varies
        expressions, other_expressions = self.leaf_expressions, other.leaf_expressions
        for a, b in zip(self.order, other.order):
            if a._op is not b._op or a.label != b.label or varies[a] is not other_varies[b]:
                return False
            if [ours[c] for c in a.children] != [theirs[c] for c in b.children]:
                return False
            if not varies[a] and not _same_number(self.constants[a], other.constants[b]):
                return False
            if a in expressions or b in other_expressions:
                if a not in expressions or b not in other_expressions:
                    return False
                if _canonical(expressions[a], ours) != _canonical(other_expressions[b], theirs):
                    return False
        return all(
            g.where == h.where and _canonical(g.test, ours) == _canonical(h.test, theirs)
            for g, h in zip(self.guards, other.guards)
        )

    def outside_leaves(self) -> list[Value]:
        """Leaves that are not inputs, parameters, constants or made from traced numbers."""
        declared = set(self.inputs) | set(self.params)
        return [
            n for n in self.order
            if not n.children and not n.is_constant and n not in declared and n not in self.leaf_expressions
        ]  # fmt: skip


def _varies(
    order: list[Value], known: dict[Value, bool], leaves: dict[Value, Expression]
) -> dict[Value, bool]:
    """For each node of ``order`` (inputs first): can its value change with the inputs or parameters?
    (What :meth:`Recorder.depends` says, in one pass.)"""
    varies: dict[Value, bool] = {}
    for node in order:
        found = known.get(node)
        if found is None:
            found = node in leaves or any(map(varies.__getitem__, node.children))
        varies[node] = found
    return varies


def _same_number(x: object, y: object) -> bool:
    """True if ``x`` and ``y`` are written out as the same literal (``-0.0`` is not ``0.0``)."""
    return type(x) is type(y) and (x is y or repr(x) == repr(y))


def _canonical(expression: Expression, index: dict[Value, int]) -> Expression:
    """``expression`` with each node as its position in the trace and each number as its type
    and ``repr`` (what the generated code writes), so two traces' expressions compare with ``==``."""
    if expression[0] == "node":
        return ("node", index[expression[1]])
    return tuple(_canonical(x, index) if type(x) is tuple else (type(x), repr(x)) for x in expression)


def record(
    fn: Callable[..., Any],
    values: Sequence[Any],
    number_positions: frozenset[int],
    labels: Sequence[str],
    params: list[Value],
    static_positions: frozenset[int] = frozenset(),
) -> Trace:
    """Call ``fn`` at ``values`` (a ``Value`` per input, a traced number per number input, the
    value itself per static input) and return what it built. The function's exceptions propagate."""
    global _tracing
    inputs: list[Value] = []
    arguments: list[Any] = []
    recorder = Recorder([], params)
    numbers: list[Any] = []
    for k, (x, label) in enumerate(zip(values, labels)):
        if k in static_positions:
            recorder.log.guards.append(Guard(("static", k, x), f"the static input {label} = {x!r}"))
            arguments.append(x)
        elif k in number_positions:
            number = TracedNumber(x, ("number", k), recorder.log)
            numbers.append(number)
            arguments.append(number)
        else:
            node = Value(x, label)
            inputs.append(node)
            arguments.append(node)
    recorder.varies.update(dict.fromkeys(inputs, True))
    recorder.declared = frozenset([*inputs, *params])
    with _lock:
        _tracing += 1
        setattr(Value, "data", _DataReads())  # noqa: B010  (mypy: a slot)
        setattr(Value, "grad", _GradReads())  # noqa: B010
    token = _active.set(recorder)
    try:
        with enable_grad():
            result = fn(*arguments)
    finally:
        _active.reset(token)
        recorder.log.active = False
        with _lock:
            _tracing -= 1
            if _tracing == 0:
                setattr(Value, "data", _SLOT)  # noqa: B010
                setattr(Value, "grad", _GRAD_SLOT)  # noqa: B010
    if isinstance(result, Value):
        return Trace([result], inputs, params, recorder, numbers)
    if isinstance(result, (list, tuple)) and result and all(isinstance(v, Value) for v in result):
        return Trace(list(result), inputs, params, recorder, numbers)
    what = type(result).__name__
    if isinstance(result, (list, tuple)):
        bad = [type(v).__name__ for v in result if not isinstance(v, Value)]
        what = f"a {what} holding a {bad[0]}" if bad else f"an empty {what}"
    raise TypeError(
        f"the compiled function must return a Value (or a list of Values, replayed forward only), got "
        f"{what} (a plain number has no graph to differentiate)"
    )
