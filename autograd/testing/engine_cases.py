"""Hand-picked cases for the engine properties that random graphs rarely pin down on their own.

* node reuse: ``a + a``, ``a - a``, ``a * a``, ``x * x * x``, ``a * b + a``, ``t = a * b; t + t``;
* numbers on either side: ``x0 + 3.0`` and ``3.0 + x0`` for ``+ - * / **``;
* deep chains: ``y = y * 0.999 + 0.001`` repeated, the smallest failing length found by bisection;
* IEEE edge numbers: ``x / 0``, ``0 ** -1``, ``10 ** 1000``, ``exp(1000)``, ``log(0)``, ``tanh(1000)``...

Each case is an :class:`~autograd.testing.Expression` at a point (so it prints as code the same way as
a random one), with the forms it needs; cases whose forms the engine lacks are left out.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass

from autograd.testing import Expression, Step
from autograd.testing.engine_compare import raised, same
from autograd.testing.engine_report import Failure, Mismatch
from autograd.testing.engines import BINARY_OPERATORS, EngineAdapter, Form, missing_reflection

__all__ = ["Case", "chain_failure", "edge_cases", "number_cases", "reuse_cases"]


@dataclass(frozen=True)
class Case:
    """An expression at a point, and the forms it needs."""

    expression: Expression
    point: tuple[float, ...]
    needs: tuple[Form, ...]

    def runs_on(self, forms: dict[Form, str | None]) -> bool:
        return all(forms.get(form, "missing") is None for form in self.needs)


def _case(n_inputs: int, steps: list[tuple[str, tuple[int | float, ...]]], point: tuple[float, ...]) -> Case:
    expression = Expression(n_inputs, tuple(Step(op, args) for op, args in steps))
    needs = tuple(
        Form(step.op, next((i for i, a in enumerate(step.args) if isinstance(a, float)), None))
        for step in expression.steps
    )
    return Case(expression, point, needs)


def reuse_cases() -> list[Case]:
    """A node used more than once: its gradient is the sum over every use."""
    return [
        _case(1, [("+", (0, 0))], (0.7,)),  # a + a: 2
        _case(1, [("*", (0, 0))], (0.7,)),  # a * a: 2a
        _case(1, [("*", (0, 0)), ("*", (1, 0))], (0.7,)),  # x * x * x: 3x^2
        _case(2, [("*", (0, 1)), ("+", (2, 0))], (0.7, -1.3)),  # a * b + a: b + 1, a
        _case(2, [("*", (0, 1)), ("+", (2, 2))], (0.7, -1.3)),  # t = a * b; t + t: 2b, 2a
        _case(1, [("-", (0, 0))], (0.7,)),  # a - a: 0
        _case(1, [("/", (0, 0))], (0.7,)),  # a / a: 0
    ]


NUMBER = 3.0  # not 2.0: x * 2 == x + x would hide a swapped rule


def number_cases(forms: dict[Form, str | None]) -> tuple[list[Case], list[tuple[Case, str]]]:
    """``x0 op 3.0`` and ``3.0 op x0`` for each operator; and the cases for ``+ - * /`` with the
    number on the left that the engine refuses (with the method it misses), which are failures."""
    cases, refused = [], []
    for op in BINARY_OPERATORS:
        for case in (_case(1, [(op, (0, NUMBER))], (0.7,)), _case(1, [(op, (NUMBER, 0))], (0.7,))):
            form = case.needs[0]
            if forms.get(form) is None:
                cases.append(case)
            elif form.constant_at == 0 and op != "**" and forms.get(Form(op, 1)) is None:
                refused.append((case, f"{forms[form]}; define {missing_reflection(form)}"))
    return cases, refused


def edge_cases() -> list[Case]:
    """Numbers at the edges, where IEEE-754 (PyTorch, NumPy) gives inf or nan rather than raising,
    and where a naive formula overflows (``tanh(1000)`` is 1, ``sigmoid(-1000)`` is 0)."""
    return [
        _case(1, [("/", (0, 0.0))], (1.0,)),  # inf
        _case(2, [("/", (0, 1))], (1.0, 0.0)),  # inf
        _case(1, [("/", (0, 0.0))], (0.0,)),  # nan
        _case(1, [("**", (0, -1.0))], (0.0,)),  # inf
        _case(1, [("**", (0, 1000.0))], (10.0,)),  # inf
        _case(1, [("exp", (0,))], (1000.0,)),  # inf
        _case(1, [("log", (0,))], (0.0,)),  # -inf
        _case(1, [("log", (0,))], (-1.0,)),  # nan
        _case(1, [("sqrt", (0,))], (-1.0,)),  # nan
        _case(1, [("tanh", (0,))], (1000.0,)),  # 1
        _case(1, [("tanh", (0,))], (-1000.0,)),  # -1
        _case(1, [("sigmoid", (0,))], (-1000.0,)),  # 0
        _case(1, [("sigmoid", (0,))], (1000.0,)),  # 1
    ]


# -- deep chains -----------------------------------------------------------------------------------

FACTOR, SHIFT = 0.999, 0.001  # y = y * 0.999 + 0.001: dy/dx0 = 0.999 ** links


def chain_code(adapter: EngineAdapter, links: int) -> str:
    cls = adapter.value_class.__name__
    return "\n".join(
        [
            f"x0 = {cls}(0.5)",
            "y = x0",
            f"for _ in range({links}):  # {2 * links} ops deep",
            f"    y = y * {FACTOR} + {SHIFT}",
            "y.backward()",
        ]
    )


def chain_mismatch(adapter: EngineAdapter, links: int) -> Mismatch | None:
    """A chain of ``links`` links (``2 * links`` ops): built, backpropagated, ``x0.grad`` right."""
    expected = FACTOR**links
    try:
        x0 = adapter.leaf(0.5)
        y = x0
        for _ in range(links):
            y = adapter.apply("+", adapter.apply("*", y, FACTOR), SHIFT)
    except Exception as error:
        return Mismatch("building the chain", "no error", raised(error))
    try:
        with _default_recursion_limit():
            adapter.backward(y)
        actual = adapter.grad(x0)
    except Exception as error:
        return Mismatch("y.backward()", "no error", raised(error))
    return None if same(actual, expected, 1e-9) else Mismatch("x0.grad", expected, actual)


DEFAULT_RECURSION_LIMIT = 1000  # CPython's default


@contextmanager
def _default_recursion_limit() -> Iterator[None]:
    """Backward runs under Python's default recursion limit, so the verdict does not depend on a
    library (a docs builder, a test plugin) that raised the limit in this process."""
    previous = sys.getrecursionlimit()
    with suppress(RecursionError):  # already deeper than that: keep the limit in force
        sys.setrecursionlimit(min(previous, DEFAULT_RECURSION_LIMIT))
    try:
        yield
    finally:
        sys.setrecursionlimit(previous)


def chain_failure(adapter: EngineAdapter, max_links: int) -> Failure | None:
    """The shortest failing chain up to ``max_links`` links, by bisection (failures are assumed to
    start at some length and persist: a recursion limit, a quadratic sort)."""
    mismatch = chain_mismatch(adapter, max_links)
    if mismatch is None:
        return None
    low, high = 0, max_links  # chain(low) works (0 links: y is x0), chain(high) fails
    if chain_mismatch(adapter, 1) is not None:
        high = 1
    while high - low > 1:
        middle = (low + high) // 2
        found = chain_mismatch(adapter, middle)
        if found is None:
            low = middle
        else:
            high, mismatch = middle, found
    failing = chain_mismatch(adapter, high) or mismatch
    recursion = "RecursionError" in str(failing.actual)
    hint = f"Chains of up to {low} links ({2 * low} ops) work. " + (
        "A recursive topological sort uses one Python stack frame per node, and Python stops at "
        "sys.getrecursionlimit() (1,000) frames: sort with an explicit stack (a list) instead."
        if recursion
        else ""
    )
    why = (
        "a network's graph is as deep as its longest path: an RNN unrolled over a sequence, or a "
        "hundred training steps kept in one graph, is thousands of ops deep"
    )
    return Failure(
        chain_code(adapter, high), Mismatch(failing.what, failing.expected, failing.actual, hint), why
    )
