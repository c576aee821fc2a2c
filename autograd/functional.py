"""The functional API: gradients as return values (``grad``), forward mode (``jvp``), Jacobians,
Hessians and Hessian-vector products, and a finite-difference check (``gradcheck``)."""

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


Outputs = Any  # a Value, or a sequence of Values (several outputs)


def jvp(fn: Callable[..., Outputs], inputs: Sequence[Any], tangents: Sequence[Any]) -> tuple[Any, Any]:
    """Forward mode: ``(fn(inputs), sum_i d fn/d x_i * tangents[i])``, the directional derivative.

    Derivatives accumulate forward, from the inputs to the output, in topological order:
    ``tangent[node] = sum over children of local_derivative * tangent[child]``; the same local
    derivatives as reverse mode, multiplied in the opposite order. One pass gives one direction.

    With numbers the results are floats. With ``Value``s among the inputs (or tangents), ``fn``
    runs on those ``Value``s and the tangents are built as ``Value`` graphs (the ``create_graph``
    form of each rule), so both results can be differentiated: ``jvp`` of a gradient is a
    Hessian-vector product (forward-over-reverse, see :func:`hvp`). ``fn`` may return a list of
    ``Value``s: then both results are lists.
    """
    inputs, tangents = list(inputs), list(tangents)
    if len(inputs) != len(tangents):
        raise ValueError(f"jvp: got {len(inputs)} inputs but {len(tangents)} tangents")
    for name, seq in (("inputs", inputs), ("tangents", tangents)):
        for i, x in enumerate(seq):
            if not (isinstance(x, Value) or is_real_number(x)):
                raise TypeError(f"jvp: {name}[{i}] must be a real number or a Value, got {type(x).__name__}")
    on_values = any(isinstance(x, Value) for x in (*inputs, *tangents))
    leaves = [x if isinstance(x, Value) else Value(to_float(x)) for x in inputs]
    with enable_grad():  # forward mode reads the recorded graph, even inside no_grad
        returned = fn(*leaves)
        single = not isinstance(returned, (list, tuple))
        outputs = [_check_output(out, "jvp: fn") for out in ([returned] if single else returned)]
        seeds = [t if isinstance(t, Value) else to_float(t) for t in tangents]
        tangent = _push_tangents(outputs, dict(zip(leaves, seeds)), on_values)
    zero: Any = Value(0.0) if on_values else 0.0
    values = [out if on_values else out.data for out in outputs]
    results = [tangent.get(out, zero) for out in outputs]
    if on_values:
        results = [r if isinstance(r, Value) else Value(to_float(r)) for r in results]
    return (values[0], results[0]) if single else (values, results)


def _push_tangents(outputs: list[Value], seeds: dict[Value, Any], on_values: bool) -> dict[Value, Any]:
    """``tangent[node]`` for every node of the outputs' graphs that a seeded input reaches (a
    seeded node keeps its seed, even when it was computed from other values)."""
    tangent = dict(seeds)
    for node in topological_order(outputs):
        op = node._op
        if op is None or node in seeds:
            continue
        children = node.children
        # a zero direction adds nothing (not even 0 * inf = nan), on floats and on Values alike;
        # a tangent that is a graph (a Value) always counts: it is differentiated later
        moving = [
            (i, t)
            for i in op.differentiated
            if (t := tangent.get(children[i])) is not None and (isinstance(t, Value) or t != 0.0)
        ]
        if not moving:
            continue  # no seeded input moves this node: its tangent is 0
        locals_ = op.symbolic_local_grads(node) if on_values else op.local_grads(node)
        node_tangent = locals_[moving[0][0]] * moving[0][1]
        for i, child_tangent in moving[1:]:
            node_tangent = node_tangent + locals_[i] * child_tangent
        tangent[node] = node_tangent
    return tangent


def _leaves(inputs: Sequence[float], where: str) -> list[Value]:
    inputs = list(inputs)
    for i, x in enumerate(inputs):
        if not is_real_number(x):
            raise TypeError(f"{where}: inputs[{i}] must be a real number, got {type(x).__name__}")
    return [Value(to_float(x), f"x{i}") for i, x in enumerate(inputs)]


def jacobian(fn: Callable[..., Outputs], inputs: Sequence[float]) -> list[list[float]]:
    """``J[i][j] = d out_i / d x_j``: one row per output of ``fn`` (a Value or a list of Values),
    by reverse mode (one backward pass per output)."""
    leaves = _leaves(inputs, "jacobian")
    with enable_grad():
        returned = fn(*leaves)
    outputs = [returned] if not isinstance(returned, (list, tuple)) else list(returned)
    return [grad(_check_output(out, "jacobian: fn"), leaves) for out in outputs]


def hessian(fn: Callable[..., Value], inputs: Sequence[float]) -> list[list[float]]:
    """``H[i][j] = d^2 f / dx_i dx_j`` of a function with one output, by reverse-over-reverse: the
    gradient as a graph (``create_graph=True``), then the gradient of each of its entries."""
    leaves = _leaves(inputs, "hessian")
    with enable_grad():
        output = _check_output(fn(*leaves), "hessian: fn")
        gradient = grad(output, leaves, create_graph=True)
    return [grad(g, leaves) for g in gradient]


def hvp(fn: Callable[..., Value], inputs: Sequence[float], vector: Sequence[float]) -> list[float]:
    """The Hessian-vector product ``H v`` without forming ``H``: forward mode over the gradient's
    graph (forward-over-reverse), one pass for the whole product:
    ``H v = d/dt grad f(x + t v)`` at ``t = 0``."""
    leaves = _leaves(inputs, "hvp")
    if len(vector) != len(leaves):
        raise ValueError(f"hvp: got {len(leaves)} inputs but a vector of {len(vector)}")
    _, product = jvp(lambda *x: grad(_check_output(fn(*x), "hvp: fn"), x, create_graph=True), leaves, vector)
    return [p.data for p in product]


class GradcheckError(AssertionError):
    """The engine's gradient and the finite-difference estimate disagree."""


def central_differences(
    f: Callable[[list[float]], float], point: Sequence[float], eps: float = 1e-6
) -> list[float]:
    """Central differences ``(f(x + eps e_i) - f(x - eps e_i)) / (2 eps)`` for each input ``i``:
    error ``O(eps**2)`` from truncation plus about ``1e-16 * |f| / eps`` from rounding."""
    point = [to_float(x) for x in point]
    estimates = []
    for i in range(len(point)):
        above, below = list(point), list(point)
        above[i] += eps
        below[i] -= eps
        estimates.append((f(above) - f(below)) / (2 * eps))
    return estimates


def numerical_grad(fn: Callable[..., Value], inputs: Sequence[float], eps: float = 1e-6) -> list[float]:
    """:func:`central_differences` of ``fn`` (a function of ``Value``s), evaluated without a graph."""

    def on_floats(point: list[float]) -> float:
        return _check_output(fn(*(Value(x) for x in point)), "gradcheck: fn").data

    with no_grad():
        return central_differences(on_floats, inputs, eps)


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
    for name, number in (("eps", eps), ("atol", atol), ("rtol", rtol)):
        if isinstance(number, bool) or not is_real_number(number):
            raise TypeError(f"gradcheck: {name} must be a real number, got {type(number).__name__}")
    eps, atol, rtol = to_float(eps), to_float(atol), to_float(rtol)  # 10**400 is inf: refused below
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
