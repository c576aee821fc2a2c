"""The engine: ``Value`` records the graph as you compute; ``backward`` applies the chain rule.

Every ``Value`` remembers the op that made it and its inputs (``children``, in argument order). The
op's local derivatives live in the op table (:mod:`autograd.ops`), so backpropagation is one loop::

    for node in reverse topological order:
        for child, local in zip(node.children, local derivatives of node):
            grad[child] += local * grad[node]          # the chain rule

It runs in two places: ``Value.backward`` writes the gradients into ``.grad`` (the fast path: each
op's ``chain_rule_step``, generated from its derivative rules, does the inner loop for one node), and
``backpropagate`` collects them in a dict for ``grad()``, on ``Value``s when ``create_graph=True``.

A graph holds no reference cycles (a node points only at its inputs; no closures), so dropping the
last reference to an output frees the whole graph at once by reference counting.
"""

from __future__ import annotations

import decimal
import itertools
import math
import numbers
from collections.abc import Callable, Sequence
from operator import attrgetter
from typing import Any, TypeAlias

from autograd.generate import PARAMETERS, operator_source, register_source
from autograd.modes import RECORDING, grad_mode
from autograd.numerics import to_float
from autograd.ops import (
    CLAMP,
    FLOAT_FUNCTIONS,
    LEAKY_RELU,
    MAXIMUM,
    MINIMUM,
    OPS,
    UNARY_FUNCTIONS,
    Op,
    graph,
)

Number: TypeAlias = "int | float"
Operand: TypeAlias = "Value | int | float"


def is_real_number(x: object) -> bool:
    """True for ints, floats and other real scalars (NumPy scalars, Fraction, Decimal); False for
    strings, complex numbers, containers, None and Values."""
    return type(x) in _BUILTIN_REALS or isinstance(x, (numbers.Real, decimal.Decimal))


#: Jupyter's rich display of a Value (its drawing): the package registers one that imports
#: autograd.viz on first use, so the engine needs no drawing code; without it, the repr.
display_hook: Callable[[Value], dict[str, str]] | None = None

_BUILTIN_REALS = frozenset({float, int})  # checked first: an ABC isinstance check is slow


def _as_float(data: object) -> float:
    """``data`` as a float, or ``TypeError`` naming its type."""
    if not is_real_number(data):
        raise TypeError(
            f"Value data must be a real number (int or float), got {type(data).__name__}: {data!r:.60}"
        )
    try:
        return float(data)  # type: ignore[arg-type]
    except OverflowError:  # an int beyond float range: IEEE-754 rounds it to infinity
        return math.inf if data > 0 else -math.inf  # type: ignore[operator]


def _binary_placeholder(self: Value, other: Operand) -> Value:
    raise NotImplementedError  # replaced by a generated operator right after the class


def _unary_placeholder(self: Value) -> Value:
    raise NotImplementedError  # replaced by a generated operator right after the class


def _ternary_placeholder(self: Value, factor: Operand, addend: Operand) -> Value:
    raise NotImplementedError  # replaced by a generated operator right after the class


class Value:
    """A scalar that remembers how it was computed, so it can be differentiated.

    Attributes:
        data: the number (a float; optimizers write to it).
        grad: d(output)/d(this) after ``output.backward()``; 0.0 until then.
        label: a name for drawings and error messages.
        children: the input ``Value``s of the op that made this one, in argument order
            (``a + a`` has children ``(a, a)``); ``()`` for a leaf.
        op: the op's name (``"+"``, ``"tanh"``, ...), ``""`` for a leaf.
    """

    __slots__ = ("_creation", "_op", "children", "data", "grad", "label")
    _creation: int  # recorded nodes only: a counter that orders them by creation
    is_constant = False  # True for numbers that entered the graph through an operator

    def __init__(self, data: Any, label: str = "") -> None:
        self.data = data if type(data) is float else _as_float(data)
        self.grad: Any = 0.0
        if type(label) is not str:
            raise TypeError(f"Value label must be a str, got {type(label).__name__}")
        self.label = label
        self.children: tuple[Value, ...] = ()
        self._op: Op | None = None

    # -- graph structure -------------------------------------------------------------------------

    @property
    def op(self) -> str:
        """Name of the op that produced this value; ``""`` for a leaf."""
        return "" if self._op is None else self._op.name

    @property
    def is_leaf(self) -> bool:
        """True for a value made directly (an input or a parameter), not by an op."""
        return self._op is None

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, str]:
        """Jupyter shows a value as its graph (see ``autograd.viz.mimebundle``), else as text."""
        return {"text/plain": repr(self)} if display_hook is None else display_hook(self)

    def detach(self) -> Value:
        """A new leaf with the same data, cut off from this value's graph."""
        return Value(self.data, self.label)

    def __repr__(self) -> str:
        label = f", label={self.label!r}" if self.label else ""
        return f"{type(self).__name__}(data={self.data!r}, grad={self.grad!r}{label})"

    # -- the chain rule --------------------------------------------------------------------------

    def backward(self, gradient: Number = 1.0) -> None:
        """Backpropagate from this value: ``leaf.grad += d(self)/d(leaf) * gradient``.

        Leaves accumulate (zero them between steps); every interior node's ``grad`` is set to its
        value for this pass (0.0 for a node read only by decisions, such as ``step`` or ``>``: no
        gradient reaches it, and it passes none on). Iterative: a chain of a million nodes works.
        (``grad()`` computes the same numbers without touching ``.grad``; see :func:`backpropagate`.)
        """
        if not is_real_number(gradient):
            raise TypeError(
                f"backward(gradient) takes a real number (the seed d(loss)/d(self)), "
                f"got {type(gradient).__name__}"
            )
        seed = to_float(gradient)  # 10**400 is inf, as Value(10**400) is
        if self._op is None:
            _refuse_unrecorded(self, "backward()")
            self.grad += seed
            return
        nodes = reverse_topological_order(self)  # interior nodes, each before its inputs
        for node in nodes:
            node.grad = 0.0
        self.grad = seed
        check_anomaly = grad_mode.get().check_anomaly
        for node in nodes:
            # the chain rule: child.grad += d(node)/d(child) * node.grad, for each child
            if node._op.chain_rule_step(node) is not None:  # type: ignore[union-attr]  # a decision
                _backward_reached(nodes, nodes.index(node), check_anomaly)  # some nodes below: no gradient
                return
            if check_anomaly:
                for child in node.children:
                    _check_gradient(node, child, child.grad)

    # -- operators and functions: generated from the op table (see _operator below) ---------------

    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = _binary_placeholder
    __truediv__ = __rtruediv__ = __pow__ = __rpow__ = _binary_placeholder
    __neg__ = __abs__ = exp = log = sqrt = sin = cos = tanh = sigmoid = softplus = relu = _unary_placeholder
    tan = sinh = cosh = asin = acos = atan = asinh = acosh = atanh = _unary_placeholder
    log1p = expm1 = log2 = log10 = erf = _unary_placeholder
    mul_add = _ternary_placeholder  # self * factor + addend in one node (a neuron's weighted sum)

    def __pos__(self) -> Value:
        return self

    def leaky_relu(self, alpha: Number = 0.01) -> Value:
        """x if x > 0 else alpha * x"""
        return _binary(LEAKY_RELU, self, alpha)

    def clamp(self, lo: Operand | None = None, hi: Operand | None = None) -> Value:
        """``min(max(x, lo), hi)``; a bound left out is no bound. d/dx = 1 for lo <= x <= hi, else
        0 (a bound that is a ``Value`` gets the gradient where it binds, as in PyTorch)."""
        return apply(CLAMP, self, -math.inf if lo is None else lo, math.inf if hi is None else hi)

    # -- Python's number protocol: a Value reads as its number, but has no truth value ------------

    def __float__(self) -> float:
        """``float(v)`` is ``v.data`` (a plain number: no graph, no gradient)."""
        return self.data

    def item(self) -> float:
        """``v.data``, as PyTorch's ``tensor.item()``."""
        return self.data

    def __format__(self, spec: str) -> str:
        """``f"{loss:.3f}"`` formats ``loss.data``; an empty spec gives ``repr(v)``."""
        return format(self.data, spec) if spec else repr(self)

    def __bool__(self) -> bool:
        raise TypeError(
            "a Value has no truth value (it is a graph node): test its number instead, "
            "e.g. `if v.data > 0:` or `if v.data:`"
        )

    # -- no ordering: compare .data; == and != are identity (a Value is a hashable graph node) ----

    def _no_ordering(self, other: object) -> bool:
        raise TypeError("Values are not ordered: compare their numbers instead, e.g. `a.data < b.data`")

    __lt__ = __le__ = __gt__ = __ge__ = _no_ordering


class Constant(Value):
    """A plain number that entered the graph through an operator: the ``3`` in ``x + 3``.

    It is a leaf like any other, but not something you differentiate with respect to; drawings show
    it apart from inputs and parameters.
    """

    __slots__ = ()
    is_constant = True


def _operator(op: Op, reflected: bool = False, name: str = "") -> Callable[..., Value]:
    """The ``Value`` method for ``op`` (named ``name``, else from ``_METHOD_NAMES``): the source
    ``operator_source`` writes, registered under a readable file name (so ``inspect.getsource`` and
    debuggers show it) and bound to the engine."""
    inputs = ("other", "self") if reflected else PARAMETERS[op.arity]
    method_name = name or _METHOD_NAMES[op.name][reflected]
    namespace = {
        **FLOAT_FUNCTIONS,
        "Value": Value,
        "op": op,
        "constant_op": op.with_constants(tuple(x == "other" for x in inputs)) if op.arity == 2 else op,
        "constant": _constant,
        "new_node": _new_node,
        "grad_mode": grad_mode,
        "RECORDING": RECORDING,
        "unrecorded": _unrecorded,
        "next_creation": _next_creation,
    }
    source = operator_source(op.arity, reflected, op.forward_source)
    filename = register_source(source, f"<Value operator {method_name}>")
    exec(compile(source, filename, "exec"), namespace)
    method: Callable[..., Value] = namespace["method"]
    method.__name__ = method_name
    method.__qualname__ = f"Value.{method_name}"
    method.__doc__ = op.doc
    return method


# op name -> (method name, reflected method name)
_METHOD_NAMES: dict[str, tuple[str, str]] = {
    "+": ("__add__", "__radd__"),
    "-": ("__sub__", "__rsub__"),
    "*": ("__mul__", "__rmul__"),
    "/": ("__truediv__", "__rtruediv__"),
    "**": ("__pow__", "__rpow__"),
    "neg": ("__neg__", ""),
    "abs": ("__abs__", ""),
    **{name: (name, "") for name in UNARY_FUNCTIONS},
    "relu": ("relu", ""),
    "mul_add": ("mul_add", ""),
}


def _install_operators() -> None:
    for op in OPS.values():
        names = _METHOD_NAMES.get(op.name)
        if names is None:
            continue  # reached through its own method (leaky_relu takes a keyword) or apply()
        for reflected, method_name in enumerate(names):
            if method_name:
                setattr(Value, method_name, _operator(op, bool(reflected)))
                setattr(Constant, method_name, _constant_operator(op, bool(reflected)))


def _constant_operator(op: Op, reflected: bool) -> Callable[..., Value]:
    """The method on a ``Constant`` (rare: a constant used as an operand): through ``apply``, which
    records the variant of ``op`` that gives the constant no gradient."""

    def method(self: Value, *others: Operand) -> Value:
        return apply(op, *others, self) if reflected else apply(op, self, *others)

    return method


def apply(op: Op, *inputs: Operand) -> Value:
    """Run ``op`` forward on ``inputs`` (Values or numbers) and record the result in the graph.

    A number becomes a ``Constant`` input, which gets no gradient."""
    if len(inputs) != op.arity:
        raise TypeError(f"op {op.name!r} takes {op.arity} inputs, got {len(inputs)}")
    nodes = tuple(x if isinstance(x, Value) else _constant(op, x, inputs[0]) for x in inputs)
    return _record_node(op.for_inputs(nodes), op.evaluate(*[node.data for node in nodes]), nodes)


def maximum(a: Operand, b: Operand) -> Value:
    """The larger of ``a`` and ``b`` (nan if either is nan); at a tie each gets half the gradient."""
    if type(a) is Value:  # the generated operator, as fast as ``a + b`` (softmax's shift is a tree of these)
        return _maximum_of_value(a, b)
    return apply(MAXIMUM, a, b)  # a number or a Constant first: apply picks the op's constant variant


def minimum(a: Operand, b: Operand) -> Value:
    """The smaller of ``a`` and ``b`` (nan if either is nan); at a tie each gets half the gradient."""
    if type(a) is Value:
        return _minimum_of_value(a, b)
    return apply(MINIMUM, a, b)


graph.value = Value  # for a user's derivative written with Value methods, called on floats
graph.apply = apply  # the op table's create_graph form records step, select, ... through it


def _binary(op: Op, a: Operand, b: Operand) -> Value:
    return apply(op, a, b)


def _record_node(op: Op, data: float, children: tuple[Value, ...]) -> Value:
    """A new node holding ``data``, the output of ``op`` on ``children``, recorded in the graph
    (inside ``no_grad`` or ``detect_anomaly`` finished by ``_unrecorded``)."""
    out = _new_node(Value)
    out.data = data
    out.grad = 0.0
    out.label = ""
    if grad_mode.get() is RECORDING:
        out.children = children
        out._op = op
        out._creation = _next_creation()
        return out
    return _unrecorded(out, op, children)


def _unrecorded(out: Value, op: Op, children: tuple[Value, ...]) -> Value:
    """Finish ``out`` outside the common case: inside ``no_grad`` and/or ``detect_anomaly``."""
    mode = grad_mode.get()
    out.children = children if mode.record else ()
    out._op = op if mode.record else None
    out._creation = _next_creation() if mode.record else COMPUTED_WITHOUT_GRAPH
    if mode.check_anomaly and not math.isfinite(out.data):
        raise FloatingPointError(
            f"detect_anomaly: op {op.name!r} produced {out.data} from inputs "
            + ", ".join(_describe(child) for child in children)
        )
    return out


# An op's result computed under no_grad is a leaf (nothing was recorded); this creation number
# marks it, so that backward() and grad() can say why no gradient reaches its inputs.
COMPUTED_WITHOUT_GRAPH = -1


def _refuse_unrecorded(node: Value, where: str) -> None:
    """``RuntimeError`` if ``node`` was computed by an op under ``no_grad`` (like PyTorch's "does not
    require grad"): its gradient with respect to anything would silently be 0."""
    if getattr(node, "_creation", None) == COMPUTED_WITHOUT_GRAPH:
        raise RuntimeError(
            f"{where}: the output was computed under no_grad, so no graph was recorded and no "
            "gradient can reach its inputs; compute it outside no_grad (or inside enable_grad())"
        )


_new_node = object.__new__

# Every recorded node gets the next number: a node's inputs always exist before it, so sorting
# nodes by this number, newest first, puts each node before all of its inputs.
_next_creation = itertools.count().__next__


def _constant(op: Op, number: object, other: object) -> Constant:
    """A number operand as a ``Constant`` leaf; anything else is a ``TypeError``."""
    if not is_real_number(number):
        raise TypeError(
            f"unsupported operand for {op.name!r}: {type(number).__name__} with "
            f"{type(other).__name__} (a Value combines with a Value, int or float)"
        )
    constant = _new_node(Constant)
    constant.data = _as_float(number)
    constant.grad = 0.0
    constant.label = ""
    constant.children = ()
    constant._op = None
    return constant


def _describe(node: Value) -> str:
    name = f"{node.label!r} " if node.label else ""
    return f"{name}{node.op or 'leaf'}={node.data}"


# -- graph traversal and backpropagation ---------------------------------------------------------


def reverse_topological_order(root: Value) -> list[Value]:
    """``root`` and every interior node below it, each one before all of its inputs.

    That is the order the chain rule needs: when a node comes up, every path from ``root`` to it
    has been summed into its gradient. A node's inputs are always created before it, so the nodes
    reachable from ``root``, newest first, are in this order. No recursion: depth is limited only
    by memory. Leaves are left out (they have nothing to pass on).
    """
    if root._op is None:
        return []
    seen = {root}
    stack = [root]
    while stack:
        for child in stack.pop().children:
            if child._op is not None and child not in seen:
                seen.add(child)
                stack.append(child)
    return sorted(seen, key=_creation_of, reverse=True)


_creation_of = attrgetter("_creation")


def topological_order(root: Value | Sequence[Value]) -> list[Value]:
    """Every node ``root`` depends on, each after all of its inputs (leaves first, ``root`` last).

    Deterministic (children are visited in argument order) and iterative (no recursion limit).
    ``root`` may also be a sequence of outputs: their graphs in one order, first output first.
    """
    roots = [root] if isinstance(root, Value) else list(root)
    order: list[Value] = []
    visited: set[Value] = set()
    stack: list[tuple[Value, bool]] = [(node, False) for node in reversed(roots)]
    while stack:
        node, children_done = stack.pop()
        if children_done:
            order.append(node)
        elif node not in visited:
            visited.add(node)
            stack.append((node, True))
            stack.extend((child, False) for child in reversed(node.children) if child not in visited)
    return order


def backpropagate(root: Value, seed: Any = 1.0, create_graph: bool = False) -> dict[Value, Any]:
    """The chain rule over the graph below ``root``: returns ``d(root)/d(node) * seed`` per node.

    Reads and writes no ``.grad``. With ``create_graph`` the local derivatives are built as ``Value``
    graphs (from the same op rules), so the results can be differentiated again.
    """
    if not isinstance(root, Value):
        raise TypeError(
            f"backpropagate takes one output Value, got {type(root).__name__}; for several outputs "
            "backpropagate their sum, or each one in turn"
        )
    check_anomaly = grad_mode.get().check_anomaly
    grads: dict[Value, Any] = {root: seed}
    if root._op is None:
        return grads
    for node in reverse_topological_order(root):
        node_grad = grads.get(node)
        if node_grad is None:
            continue  # reached only through decisions (step, ==): no gradient flows into it
        op: Op = node._op  # type: ignore[assignment]  # only interior nodes are yielded
        local_grads = op.symbolic_local_grads(node) if create_graph else op.local_grads(node)
        for position in op.differentiated:  # constants and decisions (step, ==) get no gradient
            child, local = node.children[position], local_grads[position]
            # the chain rule: d root/d child += d node/d child * d root/d node
            grads[child] = grads[child] + local * node_grad if child in grads else local * node_grad
            if check_anomaly:
                _check_gradient(node, child, grads[child])
    return grads


def _backward_reached(nodes: list[Value], decision: int, check_anomaly: bool) -> None:
    """``backward()`` past its first decision ``nodes[decision]`` (stepped, not yet checked): the
    chain rule from the nodes a gradient reaches only, as in :func:`backpropagate`. A node read only
    by decisions keeps its 0.0 (stepping it would add ``0.0 * local``: nan where ``local`` is inf)."""
    reached = {nodes[0]}  # the root
    for node in nodes[: decision + 1]:  # reached (no decision above them) and stepped
        for position in node._op.differentiated:  # type: ignore[union-attr]
            reached.add(node.children[position])
    if check_anomaly:
        for child in nodes[decision].children:
            _check_gradient(nodes[decision], child, child.grad)
    for node in nodes[decision + 1 :]:
        if node not in reached:
            continue  # read only by decisions: no gradient reaches it, it passes none on
        op: Op = node._op  # type: ignore[assignment]  # only interior nodes are listed
        op.chain_rule_step(node)  # child.grad += d(node)/d(child) * node.grad
        if check_anomaly:
            for child in node.children:
                _check_gradient(node, child, child.grad)
        for position in op.differentiated:
            reached.add(node.children[position])


def _check_gradient(node: Value, child: Value, grad: Any) -> None:
    if child.is_constant:
        return
    number = grad.data if isinstance(grad, Value) else grad
    if not math.isfinite(number):
        raise FloatingPointError(
            f"detect_anomaly: gradient {number} flowing back through op {node.op!r}"
            f"{' (' + repr(node.label) + ')' if node.label else ''} into its input {_describe(child)}; "
            f"op inputs: " + ", ".join(_describe(c) for c in node.children)
        )


_install_operators()
_maximum_of_value = _operator(MAXIMUM, name="maximum")
_minimum_of_value = _operator(MINIMUM, name="minimum")
