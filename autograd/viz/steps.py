"""Backpropagation one step at a time, as data.

``step_through(root)`` lists what the engine does, in the engine's order:

1. the forward pass, node by node in topological order: ``out = op(a, b)`` in numbers;
2. the seed: ``root.grad = 1``;
3. the backward pass, edge by edge in reverse topological order (each node after every node that
   uses it, in the engine's own order): for each node and each input, the chain rule
   ``child.grad += d(node)/d(child) * node.grad``, with the grad before and after.

The local derivatives come from the op table (``op.local_grads``), the same numbers ``backward()``
uses, summed in the same order from zero, so the last ``after`` of each value is exactly the
``.grad`` that ``backward()`` gives it on zeroed grads (the sum over all its paths).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Mapping
from dataclasses import dataclass

from autograd.engine import Value, reverse_topological_order
from autograd.ops import INPUT_NAMES
from autograd.viz.graph import DEFAULT_MAX_NODES, Drawing, format_number

DIGITS = 6  # significant digits in step descriptions


class _Substitute(ast.NodeTransformer):
    """Replaces the names ``a``, ``b``, ``out`` in an op rule by text (names or numbers)."""

    def __init__(self, values: Mapping[str, str]) -> None:
        self.values = values

    def visit_Name(self, node: ast.Name) -> ast.AST:
        text = self.values.get(node.id)
        return node if text is None else ast.copy_location(ast.Name(_term(text), ast.Load()), node)

    def visit_Call(self, node: ast.Call) -> ast.AST:
        # a function's argument needs no parentheses of its own: log(-2), not log((-2))
        node.args = [
            ast.Name(self.values[arg.id], ast.Load())
            if isinstance(arg, ast.Name) and arg.id in self.values
            else self.visit(arg)
            for arg in node.args
        ]
        return node


def substitute(rule: str, values: Mapping[str, str]) -> str:
    """``rule`` with each name in ``values`` replaced by its text, parenthesized unless it is a
    plain name or a non-negative number: ``substitute("a ** b", {"a": "-2", "b": "x"})`` is
    ``"(-2) ** x"``."""
    return ast.unparse(_Substitute(values).visit(ast.parse(rule, mode="eval")))


_ATOM = re.compile(r"[^\W\d][\w.]*(\[\d+\])*")  # x, w1.2, weights[0]


def _term(text: str) -> str:
    """Text as a term in a formula: parenthesized unless it is a plain name or number."""
    return text if _ATOM.fullmatch(text) or _is_plain_number(text) else f"({text})"


def _equation(*parts: str) -> str:
    """``parts`` joined by `` = ``, skipping a part equal to the one before (no ``1 = 1``)."""
    kept = [part for i, part in enumerate(parts) if i == 0 or part != parts[i - 1]]
    return " = ".join(kept)


def _is_plain_number(text: str) -> bool:
    try:
        return float(text) >= 0 and text[0].isdigit()
    except ValueError:
        return False


def _number(x: float) -> str:
    return format_number(x, DIGITS)


@dataclass(frozen=True)
class ForwardStep:
    """``node = op(inputs)``: the forward rule applied to numbers."""

    node: Value
    name: str
    rule: str  # the op's forward rule written with the inputs' names, e.g. "x * y"
    numbers: str  # the same with the inputs' values, e.g. "2 * 3"
    value: float

    def lines(self) -> list[str]:
        return [_equation(self.name, self.rule, self.numbers, _number(self.value))]

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
        return [f"{name}.grad = ∂{name}/∂{name} = {_number(self.value)}"]

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
    rule: str  # the local derivative with names, e.g. "y" for d(x*y)/dx
    numbers: str  # the same in numbers, e.g. "3"
    local: float  # d node / d child
    node_grad: float  # d root / d node
    before: float
    after: float

    @property
    def product(self) -> float:
        """``local * node_grad``: what this path adds to ``child.grad``."""
        return self.local * self.node_grad

    def lines(self) -> list[str]:
        node, child = _term(self.name), _term(self.child_name)
        return [
            _equation(f"∂{node}/∂{child}", self.rule, self.numbers, _number(self.local)),
            f"{child}.grad += ∂{node}/∂{child} × {node}.grad",
            f"{child}.grad += {_term(_number(self.local))} × {_term(_number(self.node_grad))}"
            f" = {_number(self.product)}",
            f"{child}.grad: {_number(self.before)} → {_number(self.after)}",
        ]

    def __str__(self) -> str:
        return "backward: " + "; ".join(self.lines())


Step = ForwardStep | SeedStep | BackwardStep


def _operands(drawing: Drawing, node: Value) -> tuple[dict[str, str], dict[str, str]]:
    """The op's variables (a, b, out) -> the nodes' names, and -> their numbers. A constant is
    written as its number in both (``x + 3``, not ``x + n2``)."""
    names: dict[str, str] = {"out": drawing.name(node)}
    numbers: dict[str, str] = {"out": _number(node.data)}
    for var, child in zip(INPUT_NAMES, node.children):
        is_number = child.is_constant and not child.label
        names[var] = _number(child.data) if is_number else drawing.name(child)
        numbers[var] = _number(child.data)
    return names, numbers


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
        op = node._op
        if op is None:
            continue
        rule_names, numbers = _operands(drawing, node)
        steps.append(
            ForwardStep(
                node,
                drawing.name(node),
                substitute(op.forward, rule_names),
                substitute(op.forward, numbers),
                node.data,
            )
        )
    grads: dict[Value, float] = {node: 0.0 for node in drawing.order}
    grads[root] = float(seed)
    steps.append(SeedStep(root, drawing.name(root), float(seed)))
    for node in reverse_topological_order(root):  # the order backward() uses
        op = node._op
        if op is None:
            continue
        rule_names, numbers = _operands(drawing, node)
        node_grad = grads[node]
        local_grads = op.local_grads(node)
        for position in op.differentiated:  # constants and decisions (step, ==) get no step
            child, local = node.children[position], local_grads[position]
            before = grads[child]
            grads[child] = after = before + local * node_grad  # the chain rule
            steps.append(
                BackwardStep(
                    node,
                    child,
                    position,
                    drawing.name(node),
                    drawing.name(child),
                    substitute(op.derivatives[position], rule_names),
                    substitute(op.derivatives[position], numbers),
                    local,
                    node_grad,
                    before,
                    after,
                )
            )
    return steps


def final_grads(steps: list[Step]) -> dict[Value, float]:
    """Each value's grad after the last step (0.0 for values no step reached)."""
    grads: dict[Value, float] = {}
    for step in steps:
        if isinstance(step, ForwardStep):
            grads.setdefault(step.node, 0.0)
        elif isinstance(step, SeedStep):
            grads[step.node] = step.value
        else:
            grads[step.child] = step.after
            grads.setdefault(step.node, 0.0)
    return grads
