"""One expression on your engine against chainrule: the comparisons behind every engine property.

Each function builds an expression on the engine at a point and returns a :class:`Mismatch` (what
is wrong, the expected and the actual number, a hint) or None if the engine is right there. An
exception raised by the engine is a mismatch too (its text is the "actual").
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from autograd.testing import Expression
from autograd.testing.engine_graphs import Reference, node_texts, reference, run_engine
from autograd.testing.engine_report import Mismatch, number
from autograd.testing.engines import EngineAdapter

__all__ = ["gradient_mismatch", "same", "twice_mismatch", "value_mismatch", "zeroing_mismatch"]

EPS = 1e-6  # central-difference step


def same(actual: float, expected: float, tolerance: float) -> bool:
    """Equal within ``tolerance``; nan equals nan and an infinity equals itself (IEEE results)."""
    if math.isnan(expected) or math.isinf(expected):
        return actual == expected or (math.isnan(expected) and math.isnan(actual))
    return abs(actual - expected) <= tolerance


def raised(error: BaseException) -> str:
    """``ZeroDivisionError (float division by zero)``: an exception as a report shows it."""
    text = str(error).splitlines()[0][:100] if str(error) else ""
    return f"{type(error).__name__}" + (f" ({text})" if text else "")


def value_mismatch(
    adapter: EngineAdapter, expression: Expression, point: Sequence[float], ref: Reference | None = None
) -> Mismatch | None:
    """``y.data`` against chainrule's value (relative 1e-9 of the graph's largest number)."""
    ref = ref or reference(expression, point)
    try:
        actual = adapter.data(run_engine(adapter, expression, point)[-1])
    except Exception as error:
        return Mismatch("y.data", ref.values[-1], raised(error))
    expected = ref.values[-1]
    if same(actual, expected, 1e-9 * ref.scale):
        return None
    return Mismatch("y.data", expected, actual)


def gradient_mismatch(
    adapter: EngineAdapter, expression: Expression, point: Sequence[float], ref: Reference | None = None
) -> Mismatch | None:
    """Each input's ``.grad`` after ``y.backward()`` against chainrule's d(y)/d(input)."""
    ref = ref or reference(expression, point)
    try:
        nodes = run_engine(adapter, expression, point)
    except Exception:
        return None  # a forward that raises is the values property's finding
    try:
        adapter.backward(nodes[-1])
        grads = [_leaf_grad(adapter, leaf, ref.grads[i]) for i, leaf in enumerate(nodes[: len(point)])]
    except Exception as error:
        return Mismatch("y.backward()", "no error", raised(error))
    tolerance = 1e-8 * ref.scale
    for i, actual in enumerate(grads):
        if not same(actual, ref.grads[i], tolerance):
            hint = _finite_difference_hint(adapter, expression, point, i, actual, ref.grads[i])
            hint = " ".join(filter(None, (hint, _first_wrong_node(adapter, expression, nodes, ref))))
            return Mismatch(f"x{i}.grad", ref.grads[i], actual, hint)
    return None


def _leaf_grad(adapter: EngineAdapter, leaf: Any, expected: float) -> float:
    if getattr(leaf, "grad", 0.0) is None and expected == 0:
        return 0.0  # an unused input may keep grad None (PyTorch does)
    return adapter.grad(leaf)


def _finite_difference_hint(
    adapter: EngineAdapter,
    expression: Expression,
    point: Sequence[float],
    i: int,
    actual: float,
    expected: float,
) -> str:
    """What central differences of the engine's own forward say: forward or backward at fault."""
    try:
        shifted = [list(point), list(point)]
        shifted[0][i] += EPS
        shifted[1][i] -= EPS
        above, below = (adapter.data(run_engine(adapter, expression, p)[-1]) for p in shifted)
    except Exception:
        return ""
    estimate = (above - below) / (2 * EPS)
    text = f"Central differences of your own forward give {number(estimate)}"
    tolerance = 1e-5 + 1e-4 * abs(estimate)
    if abs(estimate - expected) <= tolerance:
        return text + ": your forward is right here, so a backward rule is wrong."
    if abs(estimate - actual) <= tolerance:
        return text + ": your backward agrees with your forward, so the forward value is what is off."
    return text + "."


def _first_wrong_node(
    adapter: EngineAdapter, expression: Expression, nodes: list[Any], ref: Reference
) -> str:
    """Going backward from y, the first node whose ``.grad`` is wrong, and the ops it flows from."""
    try:
        seed = adapter.grad(nodes[-1])
        if not same(seed, 1.0, 1e-12):
            return (
                f"After y.backward(), y.grad is {number(seed)}: "
                "backward() starts the chain rule from dy/dy = 1."
            )
        for k in range(len(nodes) - 2, -1, -1):
            actual = adapter.grad(nodes[k])
            if same(actual, ref.grads[k], 1e-8 * ref.scale):
                continue
            texts, sources = node_texts(expression, adapter)
            user_steps = [
                (index, step)
                for index, step in enumerate(expression.steps, start=expression.n_inputs)
                if any(isinstance(a, int) and a == k for a in step.args)
            ]
            users = [f"`{_short(sources[index])}`" for index, _ in user_steps]
            ops = sorted({step.op for _, step in user_steps})
            return (
                f"Going backward from y, the first wrong .grad is that of `{_short(texts[k])}`: "
                f"{number(actual)} instead of {number(ref.grads[k])}. It flows back from "
                f"{' and '.join(users)}: check the backward rule of {', '.join(ops)} "
                "(and that each input's grad is added to with +=, not replaced)."
            )
    except Exception:
        return ""
    return ""


def _short(text: str) -> str:
    return text if len(text) <= 60 else text[:57] + "..."


def _leaves_and_first_pass(
    adapter: EngineAdapter, expression: Expression, point: Sequence[float]
) -> tuple[Any, list[Any], list[float]] | None:
    try:
        nodes = run_engine(adapter, expression, point)
        adapter.backward(nodes[-1])
        leaves = nodes[: len(point)]
        return nodes[-1], leaves, [adapter.grad(leaf) for leaf in leaves]
    except Exception:
        return None  # the gradients property reports a backward that raises


def twice_mismatch(adapter: EngineAdapter, expression: Expression, point: Sequence[float]) -> Mismatch | None:
    """After a second ``y.backward()`` each leaf's grad is twice the first (or the engine refuses)."""
    first_pass = _leaves_and_first_pass(adapter, expression, point)
    if first_pass is None:
        return None
    y, leaves, first = first_pass
    try:
        adapter.backward(y)
        second = [adapter.grad(leaf) for leaf in leaves]
    except Exception:
        return None  # refusing a second backward (as PyTorch does by default) is never a wrong number
    for i, (g1, g2) in enumerate(zip(first, second)):
        if not same(g2, 2 * g1, 1e-9 * max(1.0, abs(g1))):
            if same(g2, g1, 1e-9 * max(1.0, abs(g1))):
                hint = (
                    "The second backward() replaced the leaf's grad instead of adding to it: gradients "
                    "accumulate (+=) into leaves, which is why training loops call zero_grad()."
                )
            else:
                hint = (
                    "The second pass added the first pass's gradients of the interior nodes again: "
                    "backward() should start every interior node from grad 0 (only leaves accumulate). "
                    "An op written with others (x - y as x + (-y)) has interior nodes too."
                )
            return Mismatch(f"x{i}.grad after the second backward()", 2 * g1, g2, hint)
    return None


def zeroing_mismatch(
    adapter: EngineAdapter, expression: Expression, point: Sequence[float]
) -> Mismatch | None:
    """After ``x.grad = 0`` on every leaf, ``y.backward()`` again gives the first gradients."""
    first_pass = _leaves_and_first_pass(adapter, expression, point)
    if first_pass is None:
        return None
    y, leaves, first = first_pass
    try:
        for leaf in leaves:
            adapter.zero_grad(leaf)
        adapter.backward(y)
        second = [adapter.grad(leaf) for leaf in leaves]
    except Exception:
        return None
    for i, (g1, g2) in enumerate(zip(first, second)):
        if not same(g2, g1, 1e-9 * max(1.0, abs(g1))):
            hint = (
                "The leaves were zeroed, but the interior nodes still held the first pass's gradients "
                "and passed them on again: backward() should start every interior node from grad 0."
            )
            return Mismatch(f"x{i}.grad after zeroing and a second backward()", g1, g2, hint)
    return None
