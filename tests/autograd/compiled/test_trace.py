"""Comparing two recordings without generating their code (``Trace.same_as``): the double-trace check.

``compile`` records the function twice at the same inputs; the two must generate the same code, or
the function is refused (randomness, state). ``same_as`` decides that from the graphs: it must never
say "same" for two traces whose code differs, and must say "same" for a deterministic function (else
the fast path is never taken).
"""

from __future__ import annotations

import itertools
import math
import random
from collections.abc import Callable, Sequence
from typing import Any

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from autograd import Value
from autograd.compiled import TraceError, compile
from autograd.compiled.codegen import generate
from autograd.compiled.trace import Trace, record
from autograd.testing import expressions_with_points, mlp_expressions, points
from nn import MLP
from nn.losses import cross_entropy
from tests.autograd.compiled.test_guards import coordinates, run, statements


def recorded(fn: Callable[..., Value], point: Sequence[Any], params: Sequence[Value] = ()) -> Trace:
    return record(fn, point, frozenset(), [f"x{k}" for k in range(len(point))], list(params))


def code(trace: Trace, n_params: int = 0, n_arguments: int | None = None) -> object:
    n = len(trace.inputs) if n_arguments is None else n_arguments
    return generate(trace, [f"x{k}" for k in range(n)], [f"p{k}" for k in range(n_params)])


def assert_agrees(first: Trace, second: Trace, n_params: int = 0) -> None:
    """``same_as`` never says "same" for two traces whose code differs."""
    if first.same_as(second):
        assert code(first, n_params) == code(second, n_params)


GUARDED: list[tuple[Callable[..., Value], list[float]]] = [
    (lambda x: x * x if x.data > 0 else -x, [1.0]),
    (lambda x: x * math.floor(x.data), [1.5]),
    (lambda x: x ** round(x.data), [2.6]),
    (lambda x: x * x.data + Value(x.data) * 2, [3.0]),
    (lambda x: x * math.copysign(1.0, x.data), [-0.0]),
    (lambda x, y: max([x, y], key=lambda v: v.data) * (1.0 / y.data), [1.0, 2.0]),
    (lambda x: x * len(format(x.data, ".1f")), [12.0]),
]


@given(expressions_with_points(max_inputs=3, max_ops=8), st.data())
def test_random_graphs_recorded_twice_are_the_same(case: tuple, data: st.DataObject) -> None:
    expression, point = case
    first, second = recorded(expression, point), recorded(expression, point)
    assert first.same_as(second) and code(first) == code(second)
    elsewhere = recorded(expression, data.draw(points(expression.n_inputs)))
    assert_agrees(first, elsewhere)


@given(mlp_expressions(activations=("tanh", "relu", "sigmoid", "linear")), st.data())
def test_mlp_graphs_recorded_twice_are_the_same(expression: Any, data: st.DataObject) -> None:
    point = data.draw(points(expression.n_inputs))
    first, second = recorded(expression, point), recorded(expression, point)
    assert first.same_as(second) and code(first) == code(second)
    assert_agrees(first, recorded(expression, data.draw(points(expression.n_inputs))))


def recorded_or_none(program: list[tuple[Any, ...]], point: list[float]) -> Trace | None:
    try:
        return recorded(lambda *xs: run(program, xs), point)
    except ValueError:
        return None  # the program refuses this point


@given(
    st.lists(statements, min_size=1, max_size=6),
    st.lists(statements, min_size=1, max_size=6),
    st.lists(coordinates, min_size=2, max_size=2),
    st.lists(coordinates, min_size=2, max_size=2),
)
def test_random_guarded_programs_are_the_same_only_if_their_code_is(
    first: list[tuple[Any, ...]], second: list[tuple[Any, ...]], point: list[float], other: list[float]
) -> None:
    """Programs with decisions, constants and create_graph derivatives: the same program twice is
    the same; another program, or the same one elsewhere, is the same only with the same code."""
    traced = recorded_or_none(first, point)
    assume(traced is not None)
    assert traced is not None
    again = recorded_or_none(first, point)
    assert again is not None and traced.same_as(again) and code(traced) == code(again)
    for trace in (recorded_or_none(second, point), recorded_or_none(first, other)):
        if trace is not None:
            assert_agrees(traced, trace)


@pytest.mark.parametrize("k", range(len(GUARDED)))
def test_guarded_functions_compare_their_guards(k: int) -> None:
    fn, point = GUARDED[k]
    first, second = recorded(fn, point), recorded(fn, point)
    assert (first.guards or first.leaf_expressions) and first.same_as(second) and code(first) == code(second)
    for other in ([2.5] * len(point), [-1.0] * len(point), [0.5] * len(point)):
        assert_agrees(first, recorded(fn, other))  # other guards: same_as must see it
    assert_agrees(first, recorded(GUARDED[k - 1][0], point[:1] * len(GUARDED[k - 1][1])))


def test_a_model_loss_with_a_static_label_is_the_same_twice() -> None:
    model = MLP(4, [3, 3], seed=1)
    fn = lambda *a: cross_entropy([model(list(a[:4]))], [a[4]])
    point = [0.5, -1.0, 0.25, 2.0, 1]
    first, second = (
        record(fn, point, frozenset(), [f"x{k}" for k in range(5)], model.parameters(), frozenset({4}))
        for _ in range(2)
    )
    assert first.same_as(second)
    assert code(first, len(model.parameters()), 5) == code(second, len(model.parameters()), 5)


def alternating(make: Callable[[bool], Callable[..., Value]]) -> Callable[..., Value]:
    """A function with state: each call runs ``make(True)``, then ``make(False)``, and so on."""
    calls = itertools.count()
    return lambda *xs: make(next(calls) % 2 == 0)(*xs)


def named(x: Value, label: str) -> Value:
    x.label = label
    return x


def in_order(first: bool) -> Callable[[Value], Value]:
    """The same graph, its two products created in either order (so backward adds them in the
    other order: another float sum)."""

    def fn(x: Value) -> Value:
        if first:
            a = x * 2
            b = x * 3
        else:
            b = x * 3
            a = x * 2
        return a + b

    return fn


STATEFUL: dict[str, tuple[Callable[..., Value], list[float]]] = {
    "a constant drawn at random": (lambda x: x * random.random(), [0.75]),
    "a node's label": (alternating(lambda odd: lambda x: named(x * 2, "a" if odd else "b") + 1), [0.75]),
    "the creation order of nodes": (alternating(in_order), [0.75]),
    "the sign of a zero constant": (
        alternating(lambda odd: lambda x: x * Value(0.0 if odd else -0.0)),
        [0.75],
    ),
    "a threshold": (
        alternating(lambda odd: lambda x: x * 2 if x.data > (0.5 if odd else 0.25) else x),
        [0.75],
    ),
    "the op": (alternating(lambda odd: lambda x: x.tanh() if odd else x.sigmoid()), [0.75]),
    "the inputs of an op": (alternating(lambda odd: lambda x, y: x - y if odd else y - x), [0.75, 0.5]),
    "a number read from the graph": (
        alternating(lambda odd: lambda x: x * (x.data if odd else x.data + 0)),
        [0.75],
    ),
    "the outputs": (
        alternating(lambda odd: lambda x, y: [x * y, x + y] if odd else [x + y, x * y]),
        [0.75, 0.5],
    ),
}


@pytest.mark.parametrize("case", list(STATEFUL))
def test_stateful_functions_differ_and_are_refused(case: str) -> None:
    fn, point = STATEFUL[case]
    first, second = recorded(fn, point), recorded(fn, point)
    assert code(first) != code(second) and not first.same_as(second)
    with pytest.raises(TraceError, match="traced twice at the same inputs"):
        compile(fn, example=point)


def test_the_code_is_generated_from_the_constants_as_traced() -> None:
    """The code is generated when first needed: a constant made inside the function and changed
    afterwards (through a reference the function kept) is still the number it was when traced."""
    made: list[Value] = []

    def fn(x: Value) -> Value:
        made.append(Value(2.0))
        return x * made[-1] + made[-1] ** 2

    f = compile(fn, example=[1.0])
    for c in made:
        c.data = 5.0
    assert f.value_and_grad(3.0) == (10.0, [2.0])
    assert "x * 2.0" in f.source


def test_graphs_that_differ_only_in_what_the_code_does_not_show_compile() -> None:
    """An op made anew at each call: another op object (``same_as`` cannot tell), the same code
    (the code is compared then): compiled, as when the code was always compared."""
    import autograd

    def fn(x: Value) -> Value:
        cube = autograd.Op("cube_made_per_call", "a ** 3", ["3 * a ** 2"])
        return autograd.apply(cube, x) + x

    assert not recorded(fn, [2.0]).same_as(recorded(fn, [2.0]))
    f = compile(fn)
    assert f.value_and_grad(2.0) == (10.0, [13.0]) and f.value_and_grad(-1.0) == (-2.0, [4.0])
