"""Backpropagation one step at a time, as data.

``step_through(root)`` lists what the engine does, in the engine's order:

1. the forward pass, node by node in topological order: ``out = op(a, b)`` in numbers;
2. the seed: ``root.grad = 1``;
3. the backward pass, edge by edge in reverse topological order (each node after every node that
   uses it, in the engine's own order): for each node and each input, the chain rule
   ``child.grad += d(node)/d(child) * node.grad``, with the grad before and after (a node read only
   by decisions, such as ``step`` or ``>``, gets no gradient and has no steps, as in ``backward()``).

The local derivatives come from the op table (``op.local_grads``), the same numbers ``backward()``
uses, summed in the same order from zero, so the last ``after`` of each value is exactly the
``.grad`` that ``backward()`` gives it on zeroed grads (the sum over all its paths).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from autograd.engine import Value, reverse_topological_order
from autograd.ops import INPUT_NAMES, Op
from autograd.viz.formula import Formula, number_text
from autograd.viz.formula import term as _term
from autograd.viz.graph import DEFAULT_MAX_NODES, Drawing

#: Derivatives written for reading, where the table's form is written for speed (``step(a)`` is
#: ``1 if a > 0 else 0``). An op with a ``readable_derivatives`` attribute brings its own.
READABLE_DERIVATIVES: dict[str, tuple[str, ...]] = {
    "relu": ("1 if a > 0 else 0",),
    "leaky_relu": ("1 if a > 0 else b", "0 if a > 0 else a"),
}


def _equation(*parts: str) -> str:
    """``parts`` joined by `` = ``, skipping a part equal to the one before (no ``1 = 1``)."""
    kept = [part for i, part in enumerate(parts) if i == 0 or part != parts[i - 1]]
    return " = ".join(kept)


def _since(why: str) -> str:
    return f" (since {why})" if why else ""


@dataclass(frozen=True)
class ForwardStep:
    """``node = op(inputs)``: the forward rule applied to numbers."""

    node: Value
    name: str
    rule: str  # the op's forward rule written with the inputs' names, e.g. "x · y"
    numbers: str  # the same with the inputs' values, e.g. "2 · 3"
    value: float
    why: str = ""  # the case of a piecewise rule that applies, e.g. "6 > 0"

    def lines(self) -> list[str]:
        return [_equation(self.name, self.rule, self.numbers, number_text(self.value)) + _since(self.why)]

    def __str__(self) -> str:
        return "forward: " + " ".join(self.lines())


@dataclass(frozen=True)
class SeedStep:
    """``root.grad = seed``: d(root)/d(root) = 1 starts the backward pass."""

    node: Value
    name: str
    value: float

    def lines(self) -> list[str]:
        name = _term(self.name)
        return [f"{name}.grad = ∂{name}/∂{name} = {number_text(self.value)}"]

    def __str__(self) -> str:
        return "seed: " + self.lines()[0]


@dataclass(frozen=True)
class BackwardStep:
    """One chain-rule product along the edge from ``child`` (input ``position``) into ``node``:
    ``child.grad += local * node_grad``, taking ``child.grad`` from ``before`` to ``after``."""

    node: Value
    child: Value
    position: int  # 0 for input a, 1 for b
    name: str
    child_name: str
    rule: str  # the local derivative with names, e.g. "y" for d(x*y)/dx; "" for a callable rule
    numbers: str  # the same in numbers, e.g. "3"
    local: float  # d node / d child
    node_grad: float  # d root / d node
    before: float
    after: float
    why: str = ""  # the case of a piecewise rule that applies, e.g. "6 > 0"
    general: str = ""  # the op's rule for this input, e.g. "∂(a^b)/∂a = b · a^(b - 1)"

    @property
    def product(self) -> float:
        """``local * node_grad``: what this path adds to ``child.grad``."""
        return self.local * self.node_grad

    def lines(self) -> list[str]:
        node, child = _term(self.name), _term(self.child_name)
        return [
            _equation(f"∂{node}/∂{child}", self.rule, self.numbers, number_text(self.local))
            + _since(self.why),
            f"{child}.grad += ∂{node}/∂{child} × {node}.grad",
            f"{child}.grad += {_term(number_text(self.local))} × {_term(number_text(self.node_grad))}"
            f" = {number_text(self.product)}",
            f"{child}.grad: {number_text(self.before)} → {number_text(self.after)}",
        ]

    def __str__(self) -> str:
        return "backward: " + "; ".join(self.lines())


Step = ForwardStep | SeedStep | BackwardStep


@dataclass(frozen=True)
class _Operands:
    """One node's op inputs (``a``, ``b``, ``c``) and ``out``: as names, as numbers (text and
    float), and which are constants (written as their number, never differentiated)."""

    names: dict[str, str]
    texts: dict[str, str]
    numbers: dict[str, float]
    constants: frozenset[str]

    @classmethod
    def of(cls, drawing: Drawing, node: Value) -> _Operands:
        names, texts, numbers = (
            {"out": drawing.name(node)},
            {"out": number_text(node.data)},
            {"out": node.data},
        )
        constants = set()
        for var, child in zip(INPUT_NAMES, node.children):
            if child.is_constant and not child.label:
                constants.add(var)
            names[var] = number_text(child.data) if var in constants else drawing.name(child)
            texts[var] = number_text(child.data)
            numbers[var] = child.data
        return cls(names, texts, numbers, frozenset(constants))

    def write(self, rule: object) -> tuple[str, str, str]:
        """``rule`` as math with names, with numbers, and the special case it hit (see
        :class:`Formula`); ``("", "", "")`` for a rule that is not an expression (a callable)."""
        if not isinstance(rule, str):
            return "", "", ""
        formula = Formula(rule, self.numbers, self.constants)
        return formula.text(self.names), formula.text(self.texts), formula.why(self.texts)


def derivative_rule(op: Op, position: int) -> object:
    """The derivative of ``op`` with respect to input ``position``, in its most readable form."""
    readable = getattr(op, "readable_derivatives", None) or READABLE_DERIVATIVES.get(op.name)
    return (readable or op.derivatives)[position]


def step_through(
    root: Value,
    seed: float = 1.0,
    *,
    names: Mapping[str, object] | None = None,
    max_nodes: int | None = DEFAULT_MAX_NODES,
) -> list[Step]:
    """The forward and backward passes of ``root``'s graph as a list of steps (see the module doc).

    Reads no ``.grad`` and writes none: the backward pass starts from zero grads, so the final
    ``after`` of each value equals what ``root.backward(seed)`` adds to its ``.grad``. ``names``
    names unlabelled values (e.g. ``names=locals()``); others are called ``n{i}`` by their position
    in topological order, as in ``draw_dot(..., show_ids=True)``.
    """
    return steps_of(Drawing.of(root, names, max_nodes, show_ids=True), seed)


def steps_of(drawing: Drawing, seed: float = 1.0) -> list[Step]:
    """:func:`step_through` for a graph already collected as a :class:`Drawing`."""
    root = drawing.root
    steps: list[Step] = []
    for node in drawing.order:
        if node._op is not None:
            steps.append(_forward_step(drawing, node))
    grads: dict[Value, float] = {node: 0.0 for node in drawing.order}
    grads[root] = float(seed)
    steps.append(SeedStep(root, drawing.name(root), float(seed)))
    reached = {root}
    for node in reverse_topological_order(root):  # the order backward() uses
        if node not in reached:
            continue  # read only by decisions (step, ==): no gradient reaches it, it passes none on
        op = node._op
        assert op is not None  # only interior nodes are listed
        operands = _Operands.of(drawing, node)
        node_grad = grads[node]
        local_grads = op.local_grads(node)
        for position in op.differentiated:  # constants and decisions (step, ==) get no step
            child, local = node.children[position], local_grads[position]
            before = grads[child]
            grads[child] = after = before + local * node_grad  # the chain rule
            reached.add(child)
            rule, numbers, why = operands.write(derivative_rule(op, position))
            names = (drawing.name(node), drawing.name(child))
            general = general_rule(op, position, operands)
            steps.append(
                BackwardStep(
                    node,
                    child,
                    position,
                    *names,
                    rule,
                    numbers,
                    local,
                    node_grad,
                    before,
                    after,
                    why,
                    general,
                )
            )
    return steps


def _forward_step(drawing: Drawing, node: Value) -> ForwardStep:
    op = node._op
    assert op is not None
    operands = _Operands.of(drawing, node)
    rule, numbers, why = operands.write(op.forward)
    if not rule:  # a forward rule given as a callable: name the op and its inputs
        arguments = ", ".join(operands.names[x] for x in INPUT_NAMES[: op.arity])
        rule, numbers = f"{op.name}({arguments})", ""
    return ForwardStep(node, drawing.name(node), rule, numbers, node.data, why)


def general_rule(op: Op, position: int, operands: _Operands) -> str:
    """The op's derivative for input ``position`` written over its own input names, at the case
    that applies: ``∂(a^b)/∂a = b · a^(b - 1)``, ``∂tanh(a)/∂a = 1 - tanh(a)²``; ``""`` for a
    rule given as a callable."""
    rule = derivative_rule(op, position)
    if getattr(op, "python_callables", False):  # a rule written as Python: its doc says the math
        return op.doc
    if not isinstance(rule, str) or not isinstance(op.forward, str):
        return ""
    own = {x: x for x in INPUT_NAMES}
    forward = Formula(op.forward, operands.numbers)
    derivative = Formula(rule, operands.numbers)
    top = forward.text(own)
    top = top if re.fullmatch(r"[\w.]+\([^()]*\)|\w+", top) else f"({top})"
    why = derivative.why(own)
    inputs = ", ".join(f"{x} = {operands.names[x]}" for x in INPUT_NAMES[: op.arity])
    rule = f"∂{top}/∂{INPUT_NAMES[position]} = {derivative.text(own, out=forward)}"
    return rule + (f" when {why}" if why else "") + f", with {inputs}"


def final_grads(steps: list[Step]) -> dict[Value, float]:
    """Each value's grad after the last step (0.0 for values no step reached)."""
    grads: dict[Value, float] = {}
    for step in steps:
        if isinstance(step, ForwardStep):  # every value appears here, as a result or an input
            grads.setdefault(step.node, 0.0)
            for child in step.node.children:
                grads.setdefault(child, 0.0)
        elif isinstance(step, SeedStep):
            grads[step.node] = step.value
        else:
            grads[step.child] = step.after
            grads.setdefault(step.node, 0.0)
    return grads
