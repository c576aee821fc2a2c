"""The functional API: gradients as return values (``grad``), forward mode (``jvp``) and a
finite-difference check (``gradcheck``)."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

from autograd.engine import Value, _refuse_unrecorded, backpropagate, is_real_number, topological_order
from autograd.modes import enable_grad, no_grad
from autograd.numerics import to_float


def _check_output(output: object, where: str) -> Value:
    if not isinstance(output, Value):
        raise TypeError(f"{where}: the output must be a Value, got {type(output).__name__}")
    return output


def grad(output: Value, inputs: Sequence[Value], create_graph: bool = False) -> list[Any]:
    """``[d(output)/d(x) for x in inputs]``, without reading or writing any ``.grad``.

    An input that ``output`` does not depend on gets 0; an ``output`` computed under ``no_grad``
    (which recorded no graph) raises ``RuntimeError`` instead of giving a silent 0. With
    ``create_graph=True`` the gradients are ``Value``s whose graphs can be differentiated again
    (``grad(grad(f, [x], True)[0], [x])`` is ``f''(x)``); otherwise they are floats.
    """
    _check_output(output, "grad")
    if isinstance(inputs, Value):
        raise TypeError("grad: inputs must be a sequence of Values, e.g. [x], not a single Value")
    inputs = list(inputs)
    for i, x in enumerate(inputs):
        if not isinstance(x, Value):
            raise TypeError(f"grad: inputs[{i}] must be a Value, got {type(x).__name__}")
    if output._op is None and output not in inputs:
        _refuse_unrecorded(output, "grad")
    if create_graph:
        with enable_grad():  # the derivative graph is recorded even inside an enclosing no_grad
            grads = backpropagate(output, 1.0, create_graph=True)
    else:
        grads = backpropagate(output, 1.0)
    zero: Callable[[], Any] = (lambda: Value(0.0)) if create_graph else (lambda: 0.0)
    results = []
    for x in inputs:
        g = grads.get(x)
        if g is None:
            results.append(zero())
        elif create_graph and not isinstance(g, Value):
            results.append(Value(float(g)))  # d(output)/d(output) = 1: a constant
        else:
            results.append(g)
    return results


def jvp(fn: Callable[..., Value], inputs: Sequence[float], tangents: Sequence[float]) -> tuple[float, float]:
    """Forward mode: ``(fn(inputs), sum_i d fn/d x_i * tangents[i])``, the directional derivative.

    Derivatives accumulate forward, from the inputs to the output, in topological order:
    ``tangent[node] = sum over children of local_derivative * tangent[child]``; the same local
    derivatives as reverse mode, multiplied in the opposite order. One pass gives one direction.
    """
    inputs, tangents = list(inputs), list(tangents)
    if len(inputs) != len(tangents):
        raise ValueError(f"jvp: got {len(inputs)} inputs but {len(tangents)} tangents")
    for name, seq in (("inputs", inputs), ("tangents", tangents)):
        for i, x in enumerate(seq):
            if not is_real_number(x):
                raise TypeError(f"jvp: {name}[{i}] must be a real number, got {type(x).__name__}")
    leaves = [Value(x) for x in inputs]
    with enable_grad():  # forward mode reads the recorded graph, even inside no_grad
        output = _check_output(fn(*leaves), "jvp: fn")
    tangent: dict[Value, float] = {leaf: to_float(t) for leaf, t in zip(leaves, tangents)}
    for node in topological_order(output):
        if node._op is None:
            continue
        node_tangent = 0.0
        for child, local in zip(node.children, node._op.local_grads(node)):
            child_tangent = tangent.get(child, 0.0)
            if child_tangent:
                node_tangent += local * child_tangent
        tangent[node] = node_tangent
    return output.data, tangent.get(output, 0.0)


class GradcheckError(AssertionError):
    """The engine's gradient and the finite-difference estimate disagree."""


def numerical_grad(fn: Callable[..., Value], inputs: Sequence[float], eps: float = 1e-6) -> list[float]:
    """Central differences: ``(f(x + eps e_i) - f(x - eps e_i)) / 2 eps`` for each input ``i``."""
    point = [to_float(x) for x in inputs]
    estimates = []
    with no_grad():
        for i in range(len(point)):
            shifted = list(point)
            shifted[i] = point[i] + eps
            above = _check_output(fn(*(Value(x) for x in shifted)), "gradcheck: fn").data
            shifted[i] = point[i] - eps
            below = fn(*(Value(x) for x in shifted)).data
            estimates.append((above - below) / (2 * eps))
    return estimates


def gradcheck(
    fn: Callable[..., Value],
    inputs: Sequence[float],
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
) -> bool:
    """Check the engine's gradient of ``fn`` at ``inputs`` against central differences.

    Passes when ``|engine - numeric| <= atol + rtol * |numeric|`` for every input; otherwise raises
    ``GradcheckError`` naming each input that differs, with both numbers.
    """
    inputs = list(inputs)
    for i, x in enumerate(inputs):
        if not is_real_number(x):
            raise TypeError(f"gradcheck: inputs[{i}] must be a real number, got {type(x).__name__}")
        if not math.isfinite(to_float(x)):
            raise ValueError(f"gradcheck: inputs[{i}] is {x!r:.40}; finite differences need finite inputs")
    if not 0 < eps < math.inf:
        raise ValueError(f"gradcheck: eps must be a finite positive step, got {eps}")
    if not (0 <= atol < math.inf and 0 <= rtol < math.inf):
        raise ValueError(f"gradcheck: atol and rtol must be finite and >= 0, got atol={atol}, rtol={rtol}")
    leaves = [Value(x, f"x{i}") for i, x in enumerate(inputs)]
    with enable_grad():  # the engine's side needs the graph, even inside no_grad
        output = _check_output(fn(*leaves), "gradcheck: fn")
    analytic = grad(output, leaves)
    numeric = numerical_grad(fn, inputs, eps)
    mismatches = [
        f"input {i} (x{i}={inputs[i]!r}): engine gradient {a!r}, finite differences {n!r}"
        for i, (a, n) in enumerate(zip(analytic, numeric))
        if not abs(a - n) <= atol + rtol * abs(n)
    ]
    if mismatches:
        raise GradcheckError(
            f"gradcheck failed for {len(mismatches)} of {len(inputs)} inputs "
            f"(eps={eps}, atol={atol}, rtol={rtol}):\n  " + "\n  ".join(mismatches)
        )
    return True
