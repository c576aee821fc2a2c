"""Hypothesis strategies for property-based gradient tests (needs ``hypothesis``).

Check the engine, or your own op, against finite differences on random expression graphs::

    from hypothesis import given
    from autograd import gradcheck
    from autograd.testing import expressions_with_points

    @given(expressions_with_points())
    def test_gradients_match_finite_differences(case):
        expression, point = case    # e.g. (log(sqrt(((x0 * x0) + 0.25))) * x1), [0.5, -1.0]
        assert gradcheck(expression, point)    # an Expression is a function of Values

What is here:

* :class:`Domain`, :data:`DOMAINS` (``domains.py``): where each argument of each op is smooth, so that central
  differences are reliable (``log`` and ``sqrt`` away from 0, ``relu`` and ``abs`` away from the
  kink, denominators away from 0, moderate magnitudes);
* :func:`floats_for` and :func:`op_inputs`: floats inside those domains, for testing one op;
* :class:`Expression`: a random expression graph that builds as ``Value`` s *and* evaluates on
  plain floats; :func:`expressions` draws one over every op in :data:`autograd.ops.OPS` (read
  when drawing, so a newly declared op is included automatically), :func:`mlp_expressions` draws
  small MLP-like graphs, :func:`points` draws inputs, :func:`expressions_with_points` both;
* :func:`finite_differences`: central differences of any float function;
* :func:`check_op` (``check_op.py``): the property test of an op you declared yourself;
* :func:`check_engine` (``engine_check.py``, adapters in ``engines.py``): grades any scalar engine
  (your micrograd) against chainrule; also ``python -m autograd.testing check-engine mod:Value``.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from hypothesis import HealthCheck, Phase, find, settings
from hypothesis import strategies as st

from autograd.engine import Value, apply
from autograd.functional import central_differences
from autograd.ops import OPS
from autograd.testing.domains import (
    DEFAULT_DOMAIN,
    DOMAINS,
    Domain,
    _op,
    domains_for,
    floats_for,
    op_inputs,
)

__all__ = [
    "DEFAULT_DOMAIN",
    "DOMAINS",
    "Domain",
    "Expression",
    "Step",
    "domains_for",
    "expressions",
    "expressions_with_points",
    "finite_differences",
    "floats_for",
    "mlp_expressions",
    "op_inputs",
    "points",
]

T = TypeVar("T")


def points(n: int, bound: float = 2.0) -> st.SearchStrategy[list[float]]:
    """Lists of ``n`` finite floats in ``[-bound, bound]``: inputs for an :class:`Expression`."""
    if n < 0 or not bound > 0:
        raise ValueError(f"points needs n >= 0 and bound > 0, got n={n}, bound={bound}")
    return st.lists(st.floats(-bound, bound, allow_nan=False, allow_infinity=False), min_size=n, max_size=n)


# -- expression graphs ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    """One node of an :class:`Expression`: ``op`` applied to ``args``.

    Each argument is an ``int``, the index of an earlier node (the inputs are nodes
    ``0 .. n_inputs - 1``, then one node per step), or a ``float``, a constant (it enters the graph
    as a number, like the ``0.25`` in ``x * x + 0.25``). ``drawn`` is False for the plumbing that
    maps an argument into its op's domain and for the final sum.
    """

    op: str
    args: tuple[int | float, ...]
    drawn: bool = True


@dataclass(frozen=True)
class Expression:
    """A random expression graph: builds as ``Value`` s and evaluates on floats.

    The output is the last step. Nodes may be reused (fan-in, ``x0 + x0``) and inputs may go
    unused (their gradient is 0). Call it like the function it is::

        y = expression(Value(0.5), Value(-1.0))   # a Value graph; y.backward() works
        expression.evaluate([0.5, -1.0])          # the same number, from floats only
        gradcheck(expression, [0.5, -1.0])       # an Expression is a function of Values
    """

    n_inputs: int
    steps: tuple[Step, ...]
    names: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.steps:
            raise ValueError("an Expression needs at least one step")
        if self.names and len(self.names) != self.n_inputs:
            raise ValueError(f"{len(self.names)} names for {self.n_inputs} inputs")
        for index, step in enumerate(self.steps, start=self.n_inputs):
            op = _op(step.op)
            if len(step.args) != op.arity:
                raise ValueError(f"step {step} has {len(step.args)} args; op takes {op.arity}")
            for arg in step.args:
                if isinstance(arg, int) and not 0 <= arg < index:
                    raise ValueError(f"step {step} refers to node {arg}, not an earlier node")

    @property
    def input_names(self) -> tuple[str, ...]:
        """The inputs' names (``x0, x1, ...`` unless given)."""
        return self.names or tuple(f"x{i}" for i in range(self.n_inputs))

    @property
    def op_names(self) -> frozenset[str]:
        """Names of the ops drawn into this expression (not counting the domain plumbing)."""
        return frozenset(step.op for step in self.steps if step.drawn)

    @property
    def depth(self) -> int:
        """Longest chain of drawn ops from an input to the output."""
        depths = [0] * self.n_inputs
        for step in self.steps:
            below = max((depths[a] for a in step.args if isinstance(a, int)), default=0)
            depths.append(below + step.drawn)
        return depths[-1]

    def _run(self, inputs: Sequence[T], call: Callable[..., T]) -> list[T]:
        """Every node's value, inputs first: the one interpreter behind build and evaluate."""
        if len(inputs) != self.n_inputs:
            raise ValueError(f"this expression takes {self.n_inputs} inputs, got {len(inputs)}")
        nodes = list(inputs)
        for step in self.steps:
            args = [nodes[a] if isinstance(a, int) else a for a in step.args]
            nodes.append(call(OPS[step.op], *args))
        return nodes

    def __call__(self, *inputs: Value | float) -> Value:
        """Build the graph on ``inputs`` (``Value`` s, or numbers for constants); returns the output."""
        return self.build(inputs)

    def build(self, inputs: Sequence[Value | float]) -> Value:
        """The output ``Value``, built with the engine's ops from ``inputs``."""
        output = self._run(list(inputs), apply)[-1]
        assert isinstance(output, Value)  # the last node is a step's result
        return output

    def evaluate(self, point: Sequence[float]) -> float:
        """The output on plain floats (each op's float rule): what finite differences need."""
        return self.node_values(point)[-1]

    def node_values(self, point: Sequence[float]) -> list[float]:
        """Every node's value at ``point``, inputs first (e.g. to scale a tolerance)."""
        return self._run([float(x) for x in point], lambda op, *args: op.evaluate(*args))

    def magnitude(self, point: Sequence[float]) -> float:
        """The largest ``|value|`` of any node at ``point``: finite differences lose about
        ``1e-16 * magnitude / eps`` to rounding."""
        return max(abs(v) for v in self.node_values(point))

    def __str__(self) -> str:
        names = list(self.input_names)
        for step in self.steps:
            args = [names[a] if isinstance(a, int) else repr(a) for a in step.args]
            if len(args) == 2 and not step.op.isidentifier():
                names.append(f"({args[0]} {step.op} {args[1]})")
            else:
                names.append(f"{step.op}({', '.join(args)})")
        return names[-1]

    def __repr__(self) -> str:
        return f"<Expression of {', '.join(self.input_names)}: {self}>"


class _GraphBuilder:
    """Collects steps; tracks each node's depth in drawn ops and which nodes are used."""

    def __init__(self, n_inputs: int) -> None:
        self.n_inputs = n_inputs
        self.steps: list[Step] = []
        self.depths = [0] * n_inputs
        self.used = [False] * n_inputs
        self.values = list(range(n_inputs))  # nodes a drawn op may take: inputs and drawn ops

    def add(self, op: str, args: Iterable[int | float], drawn: bool = False) -> int:
        args = tuple(args)
        for arg in args:
            if isinstance(arg, int):
                self.used[arg] = True
        below = max((self.depths[a] for a in args if isinstance(a, int)), default=0)
        self.steps.append(Step(op, args, drawn))
        self.depths.append(below + drawn)
        self.used.append(False)
        index = self.n_inputs + len(self.steps) - 1
        if drawn:
            self.values.append(index)
        return index

    def into(self, domain: Domain, node: int, negative: bool) -> int:
        """A node whose value lies in ``domain`` for every value of ``node`` (a smooth map)."""
        if domain.kind == "real":
            return node
        if domain.kind == "bounded":
            mid, half = (domain.high + domain.low) / 2, (domain.high - domain.low) / 2
            scaled = self.add("*", (self.add("tanh", (node,)), half))
            return self.add("+", (scaled, mid)) if mid else scaled
        square = self.add("*", (node, node))
        positive = self.add("sqrt", (self.add("+", (square, domain.low**2)),))
        return self.add("neg", (positive,)) if domain.kind == "nonzero" and negative else positive

    def expression(self, names: tuple[str, ...] = ()) -> Expression:
        """The finished graph; drawn nodes nothing else uses are summed into the output."""
        unused = [i for i in self.values[self.n_inputs :] if not self.used[i]]
        output = unused[0]
        for node in unused[1:]:
            output = self.add("+", (output, node))
        return Expression(self.n_inputs, tuple(self.steps), names)


def _check_range(name: str, low: int, high: int, minimum: int) -> None:
    if not minimum <= low <= high:
        raise ValueError(f"expressions: need {minimum} <= min_{name} <= max_{name}, got {low}, {high}")


def expressions(
    min_inputs: int = 1,
    max_inputs: int = 3,
    max_ops: int = 6,
    max_depth: int = 4,
    ops: Iterable[str] | None = None,
) -> st.SearchStrategy[Expression]:
    """Random expression graphs over the ops in :data:`autograd.ops.OPS` (or just ``ops``).

    Draws ``min_inputs..max_inputs`` inputs and ``1..max_ops`` ops, each no deeper than
    ``max_depth`` ops above an input. Each argument is an earlier node (so nodes are reused:
    ``x0 * x0``, fan-in) or, for one argument of a binary op, a constant from its domain. Arguments
    are first mapped smoothly into their op's :class:`Domain` (``log(sqrt(t * t + 0.25))``), so the
    graph is smooth and finite everywhere and finite differences agree with the engine at any
    moderate point. Ops are read from ``OPS`` when drawing: a newly declared op is included.
    """
    _check_range("inputs", min_inputs, max_inputs, 1)
    if max_ops < 1 or max_depth < 1:
        raise ValueError(f"expressions: need max_ops >= 1 and max_depth >= 1, got {max_ops}, {max_depth}")
    chosen = None if ops is None else list(ops)
    if chosen is not None:
        if not chosen:
            raise ValueError("expressions: ops is empty")
        for name in chosen:
            _op(name)
    return _expressions(min_inputs, max_inputs, max_ops, max_depth, chosen)


@st.composite
def _expressions(
    draw: st.DrawFn,
    /,
    min_inputs: int,
    max_inputs: int,
    max_ops: int,
    max_depth: int,
    ops: list[str] | None,
) -> Expression:
    names = list(OPS) if ops is None else ops
    graph = _GraphBuilder(draw(st.integers(min_inputs, max_inputs)))
    for _ in range(draw(st.integers(1, max_ops))):
        op = OPS[draw(st.sampled_from(names))]
        below = [node for node in graph.values if graph.depths[node] < max_depth]
        constant_at = draw(st.sampled_from((None, *range(op.arity)))) if op.arity > 1 else None
        args: list[int | float] = []
        for i, domain in enumerate(domains_for(op)):
            if i == constant_at:
                args.append(draw(domain.floats()))
            else:
                node = draw(st.sampled_from(below))
                negative = domain.kind == "nonzero" and draw(st.booleans())
                args.append(graph.into(domain, node, negative))
        graph.add(op.name, args, drawn=True)
    return graph.expression()


@st.composite
def expressions_with_points(
    draw: st.DrawFn, /, bound: float = 2.0, **expression_options: Any
) -> tuple[Expression, list[float]]:
    """``(expression, point)``: an :func:`expressions` graph and inputs in ``[-bound, bound]``.
    Keyword options go to :func:`expressions`."""
    expression = draw(expressions(**expression_options))
    return expression, draw(points(expression.n_inputs, bound))


def mlp_expressions(
    max_features: int = 3,
    max_width: int = 3,
    max_layers: int = 2,
    activations: Sequence[str] = ("tanh", "sigmoid"),
) -> st.SearchStrategy[Expression]:
    """Small MLP-like graphs: ``features -> hidden layers -> one linear output``.

    The inputs are the features, then every weight and bias (named ``x0.., w0.., b0..``), so a
    gradient check covers what training differentiates. Each hidden neuron is
    ``activation(sum_i w_i h_i + b)``, the activation drawn per layer from ``activations`` (unary
    op names, or ``"linear"``); the default ones are smooth, so finite differences are reliable
    everywhere (``relu`` is not, at its kink).
    """
    if max_features < 1 or max_width < 1 or max_layers < 0:
        raise ValueError(
            "mlp_expressions: need max_features >= 1, max_width >= 1, max_layers >= 0, got "
            f"{max_features}, {max_width}, {max_layers}"
        )
    activations = list(activations)
    for name in activations:
        if name != "linear" and _op(name).arity != 1:
            raise ValueError(f"mlp_expressions: activation {name!r} is not a unary op")
    if not activations:
        raise ValueError("mlp_expressions: activations is empty")
    return _mlps(max_features, max_width, max_layers, activations)


@st.composite
def _mlps(
    draw: st.DrawFn, /, max_features: int, max_width: int, max_layers: int, activations: list[str]
) -> Expression:
    n_features = draw(st.integers(1, max_features))
    widths = draw(st.lists(st.integers(1, max_width), max_size=max_layers))
    layers = [(width, draw(st.sampled_from(activations))) for width in widths] + [(1, "linear")]
    sizes = [n_features] + [width for width, _ in layers]
    n_weights = sum(n_in * n_out for n_in, n_out in itertools.pairwise(sizes))
    n_biases = sum(sizes[1:])
    names = (
        tuple(f"x{i}" for i in range(n_features))
        + tuple(f"w{i}" for i in range(n_weights))
        + tuple(f"b{i}" for i in range(n_biases))
    )
    graph = _GraphBuilder(len(names))
    weights = iter(range(n_features, n_features + n_weights))
    biases = iter(range(n_features + n_weights, len(names)))
    layer = list(range(n_features))
    for width, activation in layers:
        outputs = []
        for _ in range(width):
            total = graph.add("*", (next(weights), layer[0]), drawn=True)
            for node in layer[1:]:
                product = graph.add("*", (next(weights), node), drawn=True)
                total = graph.add("+", (total, product), drawn=True)
            total = graph.add("+", (total, next(biases)), drawn=True)
            if activation != "linear":
                total = graph.add(activation, (total,), drawn=True)
            outputs.append(total)
        layer = outputs
    return Expression(len(names), tuple(graph.steps), names)


#: Central differences of a function of a list of floats (the one implementation, shared with
#: ``gradcheck``): ``finite_differences(f, point, eps=1e-6)``.
finite_differences = central_differences


def _find_smallest(
    strategy: st.SearchStrategy[T], fails: Callable[[T], bool], max_examples: int, seed: int | None
) -> T:
    """The smallest example of ``strategy`` for which ``fails`` is true: ``max_examples`` draws, then
    hypothesis shrinks (no database, no deadline, no health checks; ``seed`` None draws new examples
    each run). Raises ``hypothesis.errors.NoSuchExample`` when none fails."""
    search = settings(
        max_examples=max_examples,
        database=None,
        deadline=None,
        phases=(Phase.generate, Phase.shrink),
        suppress_health_check=list(HealthCheck),
    )
    return find(strategy, fails, settings=search, random=None if seed is None else random.Random(seed))


# The engine checker and check_op build on the strategies above (imported last: they import them).
from autograd.testing.check_op import check_op  # noqa: E402
from autograd.testing.engine_check import check_engine  # noqa: E402
from autograd.testing.engine_report import EngineCheckError, EngineReport  # noqa: E402
from autograd.testing.engines import (  # noqa: E402
    ChainruleAdapter,
    EngineAdapter,
    EngineAdapterError,
    MicrogradAdapter,
    adapter_for,
)

__all__ += [
    "ChainruleAdapter",
    "EngineAdapter",
    "EngineAdapterError",
    "EngineCheckError",
    "EngineReport",
    "MicrogradAdapter",
    "adapter_for",
    "check_engine",
    "check_op",
]
