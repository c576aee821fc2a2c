"""Random expression graphs over the forms an engine supports, run on that engine and on chainrule.

The graphs are :class:`~autograd.testing.Expression` s (chainrule op names, constants on either side
of a binary op), drawn by :func:`engine_expressions` from the forms :func:`discover_forms` found.
Each argument is mapped smoothly into its op's domain with only ``+ * /`` (so micrograd, which has
no ``tanh`` or ``sqrt``, can be checked too)::

    positive or nonzero (log, a base, a denominator, relu away from 0):   t * t + low   (or its * -1.0)
    bounded (exp, sin, an exponent):   mid + 2 * half * t / (t * t + 1.0)     (tanh(t) if no x / y)

:func:`run_engine` builds one on an engine, :func:`reference` on chainrule (values and gradients of
every node), and :func:`as_code` prints it as code for the engine, the way a learner would type it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

from autograd.engine import Value, apply, backpropagate
from autograd.ops import OPS
from autograd.testing import Domain, Expression, _GraphBuilder, domains_for, points
from autograd.testing.engines import BINARY_OPERATORS, EngineAdapter, Form

__all__ = [
    "Reference",
    "as_code",
    "engine_expressions",
    "engine_expressions_with_points",
    "node_texts",
    "reference",
    "run_engine",
    "used_inputs",
]


class _EngineGraphBuilder(_GraphBuilder):
    """A graph builder whose domain plumbing uses only the engine's basic forms."""

    def __init__(self, n_inputs: int, forms: frozenset[Form]) -> None:
        super().__init__(n_inputs)
        self.forms = forms

    def into(self, domain: Domain, node: int, negative: bool) -> int:
        if domain.kind == "real":
            return node
        square = self.add("*", (node, node))
        if domain.kind == "bounded":
            mid, half = (domain.high + domain.low) / 2, (domain.high - domain.low) / 2
            if Form("/") in self.forms:  # t / (t^2 + 1) lies in [-1/2, 1/2]
                ratio = self.add("/", (node, self.add("+", (square, 1.0))))
                scaled = self.add("*", (ratio, 2 * half))
            else:
                scaled = self.add("*", (self.add("tanh", (node,)), half))
            return self.add("+", (scaled, mid)) if mid else scaled
        positive = self.add("+", (square, domain.low))
        return self.add("*", (positive, -1.0)) if negative else positive


def can_map(domain: Domain, forms: frozenset[Form]) -> bool:
    """True if a node can be mapped into ``domain`` with ``forms``."""
    return domain.kind != "bounded" or Form("/") in forms or Form("tanh") in forms


def drawable(forms: frozenset[Form]) -> list[Form]:
    """The forms whose node arguments can all be mapped into their domains."""
    return [
        form
        for form in sorted(forms, key=_form_order)
        if all(
            can_map(domain, forms) for i, domain in enumerate(domains_for(form.op)) if i != form.constant_at
        )
    ]


def _form_order(form: Form) -> tuple[int, int]:
    # simplest first, so hypothesis shrinks towards + and *
    return list(OPS).index(form.op), {None: 0, 1: 1, 0: 2}[form.constant_at]


@st.composite
def engine_expressions(
    draw: st.DrawFn,
    /,
    forms: frozenset[Form],
    min_ops: int = 1,
    max_ops: int = 4,
    max_inputs: int = 2,
    max_depth: int = 3,
) -> Expression:
    """Random graphs of ``min_ops..max_ops`` ops drawn from ``forms`` (nodes reused, numbers on
    either side of an operator)."""
    choices = drawable(forms)
    graph = _EngineGraphBuilder(draw(st.integers(1, max_inputs)), forms)
    for _ in range(draw(st.integers(min_ops, max_ops))):
        form = draw(st.sampled_from(choices))
        below = [node for node in graph.values if graph.depths[node] < max_depth]
        args: list[int | float] = []
        for i, domain in enumerate(domains_for(form.op)):
            if i == form.constant_at:
                args.append(draw(domain.floats()))
            else:
                negative = domain.kind == "nonzero" and draw(st.booleans())
                args.append(graph.into(domain, draw(st.sampled_from(below)), negative))
        graph.add(form.op, args, drawn=True)
    return graph.expression()


@st.composite
def engine_expressions_with_points(
    draw: st.DrawFn, /, forms: frozenset[Form], min_ops: int = 1, max_ops: int = 4
) -> tuple[Expression, list[float]]:
    """``(expression, point)`` with the inputs in ``[-2, 2]``."""
    expression = draw(engine_expressions(forms, min_ops, max_ops))
    return expression, draw(points(expression.n_inputs))


# -- running a graph -------------------------------------------------------------------------------


def run_engine(adapter: EngineAdapter, expression: Expression, point: Sequence[float]) -> list[Any]:
    """Every node of ``expression`` built on the engine at ``point``, inputs first."""
    nodes = [adapter.leaf(float(x)) for x in point]
    for step in expression.steps:
        nodes.append(adapter.apply(step.op, *(nodes[a] if isinstance(a, int) else a for a in step.args)))
    return nodes


@dataclass(frozen=True)
class Reference:
    """chainrule's numbers for every node of an expression (inputs first): values and
    d(output)/d(node); ``scale`` is the largest of their magnitudes (for tolerances)."""

    values: list[float]
    grads: list[float]

    @property
    def scale(self) -> float:
        return max(1.0, *(abs(x) for x in self.values + self.grads))


def reference(expression: Expression, point: Sequence[float]) -> Reference:
    """chainrule's values and gradients for every node of ``expression`` at ``point``."""
    nodes = [Value(float(x)) for x in point]
    for step in expression.steps:
        nodes.append(apply(OPS[step.op], *(nodes[a] if isinstance(a, int) else a for a in step.args)))
    grads = backpropagate(nodes[-1])
    return Reference([node.data for node in nodes], [float(grads.get(node, 0.0)) for node in nodes])


# -- printing a graph as code ----------------------------------------------------------------------


def as_code(
    expression: Expression, point: Sequence[float], adapter: EngineAdapter, then: Sequence[str] = ()
) -> str:
    """``expression`` at ``point`` as code for the engine: leaves ``x0 = Value(0.5)``, a name ``t3``
    for each node used twice (so the code builds the same graph), ``y =`` the output, then ``then``."""
    cls = adapter.value_class.__name__
    lines = [f"x{i} = {cls}({float(point[i])!r})" for i in used_inputs(expression)]
    return "\n".join([*lines, *_layout(expression, adapter)[0], *then])


def used_inputs(expression: Expression) -> list[int]:
    """The inputs some step uses (an unused one is left out of printed examples)."""
    used = {a for step in expression.steps for a in step.args if isinstance(a, int)}
    return [i for i in range(expression.n_inputs) if i in used]


def node_texts(expression: Expression, adapter: EngineAdapter) -> tuple[list[str], list[str]]:
    """How :func:`as_code` writes each node (inputs first): its name or, if inlined, its source;
    and each node's source (``t3 = x0 * x0`` for a named one)."""
    _, texts, sources = _layout(expression, adapter)
    return texts, sources


def _layout(expression: Expression, adapter: EngineAdapter) -> tuple[list[str], list[str], list[str]]:
    """The assignment lines of :func:`as_code`, each node's text in them, and each node's source."""
    n = expression.n_inputs
    uses = [0] * (n + len(expression.steps))
    for step in expression.steps:
        for arg in step.args:
            if isinstance(arg, int):
                uses[arg] += 1
    lines: list[str] = []
    text = [f"x{i}" for i in range(n)]
    sources = list(text)
    atomic = [True] * n
    last = n + len(expression.steps) - 1
    for index, step in enumerate(expression.steps, start=n):
        args = [
            (text[a] if atomic[a] else f"({text[a]})") if isinstance(a, int) else repr(a) for a in step.args
        ]
        source = adapter.spell(step.op, args)
        name = "y" if index == last else f"t{index}" if uses[index] > 1 else ""
        if name:
            lines.append(f"{name} = {source}")
        text.append(name or source)
        sources.append(f"{name} = {source}" if name else source)
        atomic.append(bool(name) or step.op not in (*BINARY_OPERATORS, "neg"))  # x.tanh(), abs(x)
    return lines, text, sources
