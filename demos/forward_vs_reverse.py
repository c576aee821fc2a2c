"""Forward mode vs reverse mode: why gradients are accumulated backward.

The chain rule multiplies local derivatives along the paths of the graph, and the product can be
formed in either direction:

* forward mode (``autograd.jvp``) starts at the inputs: it pushes a tangent, a direction dx, through
  the graph alongside the values and gets one directional derivative df = sum_i df/dx_i dx_i per
  pass. To get the whole gradient of a function of n inputs it needs n passes, one per input
  (dx = e_1, ..., e_n), each evaluating the whole graph;
* reverse mode (``autograd.grad``, ``backward()``) starts at the output: one forward pass records
  the graph, one backward pass carries df/d(node) from the output to every node, and all n partial
  derivatives arrive together.

So for one output and n inputs (a loss and its parameters) reverse mode costs about one pass and
forward mode about n; for one input and many outputs it would be the other way round. The price of
reverse mode is memory: it keeps the whole graph until the backward pass, while forward mode could
drop each value as soon as its successors are computed.

The function here is f(x) = log(sum_i exp(x_i)) (logsumexp), whose gradient is known in closed form:
df/dx_i = exp(x_i) / sum_k exp(x_k), the softmax.

Claim (checked): both modes give the same gradient (and it is the softmax); forward mode needs n
passes over the graph and reverse mode 1, so it does n times the work; and it takes longer.

The two modes also compose. A Hessian-vector product H v (curvature along v, what Newton-type
methods need) comes without forming H in two ways: forward-over-reverse, ``jvp`` of the gradient's
graph in direction v (``autograd.hvp``), or reverse-over-reverse, ``grad`` of ``grad(f) . v``. For
logsumexp H = diag(p) - p p^T with p the softmax, so H v = p * v - p (p . v). Claim (checked): both
ways give that closed form.

    python demos/forward_vs_reverse.py   # plot in demos/out/forward_vs_reverse/
"""

from __future__ import annotations

import math
import random
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))  # find lesson.py however this file is run

from lesson import check, finish, heading, parse_args, pyplot, save

from autograd import Value, grad, hvp, jvp, topological_order


class Counted:
    """``f(x) = log(sum_i exp(x_i))``, counting how often its graph is built and how many operations
    each graph holds (every pass, forward or reverse, evaluates each operation once and then
    differentiates it once)."""

    def __init__(self) -> None:
        self.passes = 0
        self.operations = 0

    def __call__(self, *x: Value) -> Value:
        out = sum((xi.exp() for xi in x), Value(0.0)).log()
        self.passes += 1
        self.operations += sum(1 for node in topological_order(out) if not node.is_leaf)
        return out


def forward_mode(x: list[float]) -> tuple[list[float], Counted, float]:
    """The gradient by n jvp passes, with tangent e_i for df/dx_i."""
    f = Counted()
    start = time.perf_counter()
    gradient = [jvp(f, x, [1.0 if j == i else 0.0 for j in range(len(x))])[1] for i in range(len(x))]
    return gradient, f, time.perf_counter() - start


def reverse_mode(x: list[float]) -> tuple[list[float], Counted, float]:
    """The gradient by one forward pass and one backward pass."""
    f = Counted()
    start = time.perf_counter()
    inputs = [Value(xi) for xi in x]
    gradient = grad(f(*inputs), inputs)
    return gradient, f, time.perf_counter() - start


def hvp_reverse_over_reverse(x: list[float], v: list[float]) -> list[float]:
    """H v as the gradient of (grad f . v): reverse mode over the gradient's graph."""
    inputs = [Value(xi) for xi in x]
    gradient = grad(Counted()(*inputs), inputs, create_graph=True)
    return grad(sum((g * vi for g, vi in zip(gradient, v)), Value(0.0)), inputs)


def softmax(x: list[float]) -> list[float]:
    top = max(x)
    e = [math.exp(xi - top) for xi in x]
    return [ei / sum(e) for ei in e]


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args("forward_vs_reverse", __doc__, argv)
    sizes = [4, 16, 64] if args.quick else [4, 16, 64, 256, 512]
    rng = random.Random(0)

    heading("the gradient of f(x) = log(sum_i exp(x_i)) for n inputs, both ways")
    print(
        f"  {'n':>5} {'forward passes':>15} {'reverse passes':>15} {'forward ops':>12} {'reverse ops':>12}"
        f" {'forward s':>10} {'reverse s':>10} {'time ratio':>11}"
    )
    rows = []
    for n in sizes:
        x = [rng.uniform(-3, 3) for _ in range(n)]
        g_forward, f_forward, t_forward = forward_mode(x)
        g_reverse, f_reverse, t_reverse = reverse_mode(x)
        exact = softmax(x)
        disagreement = max(max(abs(a - b), abs(a - c)) for a, b, c in zip(g_forward, g_reverse, exact))
        rows.append((n, f_forward, f_reverse, t_forward, t_reverse, disagreement))
        print(
            f"  {n:>5} {f_forward.passes:>15} {f_reverse.passes:>15} {2 * f_forward.operations:>12}"
            f" {2 * f_reverse.operations:>12} {t_forward:>10.4f} {t_reverse:>10.4f}"
            f" {t_forward / t_reverse:>10.1f}x"
        )
    print("  (ops: operations evaluated plus local derivatives taken, summed over the passes)")

    heading("checks")
    worst = max(row[5] for row in rows)
    check(
        f"forward mode, reverse mode and the closed form (softmax) agree (largest difference {worst:.1e})",
        worst < 1e-12,
    )
    check(
        "forward mode needs n passes for n inputs, reverse mode 1",
        all(ff.passes == n and fr.passes == 1 for n, ff, fr, *_ in rows),
    )
    check(
        "so forward mode does n times the work of reverse mode",
        all(ff.operations == n * fr.operations for n, ff, fr, *_ in rows),
    )
    n, _, _, t_forward, t_reverse, _ = rows[-1]
    check(
        f"and at n = {n} it takes longer: {t_forward / t_reverse:.0f}x the time of reverse mode",
        t_forward > 2 * t_reverse,
    )

    heading("a Hessian-vector product, both ways")
    x = [rng.uniform(-2, 2) for _ in range(6)]
    v = [rng.uniform(-1, 1) for _ in range(6)]
    p = softmax(x)
    exact = [pi * vi - pi * sum(pj * vj for pj, vj in zip(p, v)) for pi, vi in zip(p, v)]
    forward_over_reverse, reverse_over_reverse = hvp(Counted(), x, v), hvp_reverse_over_reverse(x, v)
    for name, product in (
        ("forward-over-reverse", forward_over_reverse),
        ("reverse-over-reverse", reverse_over_reverse),
    ):
        print(f"  {name}: " + " ".join(f"{h:8.5f}" for h in product))
    print("  closed form:          " + " ".join(f"{h:8.5f}" for h in exact))
    gap = max(abs(a - c) + abs(b - c) for a, b, c in zip(forward_over_reverse, reverse_over_reverse, exact))
    check(
        f"H v forward-over-reverse = reverse-over-reverse = p v - p (p . v) (within {gap:.1e})", gap < 1e-12
    )

    heading("pictures")
    plt = pyplot()
    if plt is not None:
        save(picture(plt, rows), args.out / "forward_vs_reverse.png")
    return 0


def picture(plt: Any, rows: list[Any]) -> Any:
    ns = [row[0] for row in rows]
    figure, (left, right) = plt.subplots(1, 2, figsize=(9, 3.2))
    forward, reverse = (
        {"color": "#b45309", "label": "forward mode (n jvp)"},
        {"color": "#1d4ed8", "label": "reverse mode (1 grad)"},
    )
    left.loglog(ns, [2 * row[1].operations for row in rows], "o-", **forward)
    left.loglog(ns, [2 * row[2].operations for row in rows], "s-", **reverse)
    left.set(title="operations for the whole gradient", xlabel="n inputs")
    right.loglog(ns, [row[3] for row in rows], "o-", **forward)
    right.loglog(ns, [row[4] for row in rows], "s-", **reverse)
    right.set(title="time for the whole gradient (s)", xlabel="n inputs")
    return finish(figure, left, right)


if __name__ == "__main__":
    sys.exit(main())
