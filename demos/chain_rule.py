"""The chain rule, by hand and by the engine, on the worked example f(x, y) = (xy + 3)^2 + 1.

Worked out by hand, df/dx = 2xy^2 + 6y. A computer gets there another way: it cuts f into pieces
that each do one operation,

    m = x * y,    k = m + 3,    h = k^2,    g = h + 1    (so f = g(h(k(m(x, y))))),

knows the derivative of each piece on its own (a *local* derivative: dg/dh = 1, dh/dk = 2k,
dk/dm = 1, dm/dx = y), and multiplies them along the path from f back to x:

    df/dx = dg/dh * dh/dk * dk/dm * dm/dx = 1 * 2(xy + 3) * 1 * y = 2xy^2 + 6y.

Backpropagation does those products starting at the output (dg/dh first), so that one backward
pass reaches every input: x and y share the first three factors.

This demo builds f from ``Value``s, prints each local derivative the engine uses (from its op table)
and their product, checks df/dx = 2xy^2 + 6y and df/dy = 2x^2y + 6x at the worked point and at
random points, and draws the graph (SVG) and a page that steps through the backward pass.

    python demos/chain_rule.py                                  # pictures in demos/out/chain_rule/
    python -m autograd.viz demos/chain_rule.py:build --html f.html
"""

from __future__ import annotations

import random
import sys
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # find lesson.py however this file is run

from lesson import check, close, draw_graph, heading, parse_args

from autograd import OPS, Value, grad, gradcheck
from autograd.viz import BackwardStep, step_through

X, Y = 2.0, 3.0  # the point where we differentiate


def named(value: Value, label: str) -> Value:
    value.label = label
    return value


def pieces(x: float = X, y: float = Y) -> dict[str, Value]:
    """f as its one-operation pieces: ``{"x", "y", "m", "k", "h", "g"}`` (g is f)."""
    xv, yv = Value(x, "x"), Value(y, "y")
    m = named(xv * yv, "m")
    k = named(m + 3, "k")
    h = named(k**2, "h")
    g = named(h + 1, "g")
    return {"x": xv, "y": yv, "m": m, "k": k, "h": h, "g": g}


def build() -> Value:
    """The output of the worked example at (x, y) = (2, 3), for ``python -m autograd.viz``."""
    return pieces()["g"]


def f(x: Value, y: Value) -> Value:
    return (x * y + 3) ** 2 + 1


def df_dx(x: float, y: float) -> float:
    return 2 * x * y**2 + 6 * y  # by hand


def df_dy(x: float, y: float) -> float:
    return 2 * x**2 * y + 6 * x  # by hand


def local_derivative(node: Value, child: Value) -> tuple[str, float]:
    """d node / d child as the engine computes it: the op table's rule, and its value here."""
    op = OPS[node.op]
    position = node.children.index(child)
    operands = ", ".join(f"{var} = {c.label or format(c.data, 'g')}" for var, c in zip("ab", node.children))
    rule = f"op {op.name}: out = {op.forward}, d out/d{'ab'[position]} = {op.derivatives[position]}"
    return f"{rule}; {operands}", op.local_grads(node)[position]


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args("chain_rule", __doc__, argv)
    p = pieces()
    x, y, m, k, h, g = (p[name] for name in "xymkhg")

    heading(f"forward pass at x = {X:g}, y = {Y:g}: one operation per piece")
    for text, node in (("m = x * y", m), ("k = m + 3", k), ("h = k ** 2", h), ("f = g = h + 1", g)):
        print(f"  {text:<14} = {node.data:g}")

    heading("local derivatives: each piece differentiated on its own (rules from the op table)")
    hand = {"dg/dh": "1", "dh/dk": "2k", "dk/dm": "1", "dm/dx": "y", "dm/dy": "x"}
    local = {}
    edges = (("dg/dh", g, h), ("dh/dk", h, k), ("dk/dm", k, m), ("dm/dx", m, x), ("dm/dy", m, y))
    for name, node, child in edges:
        rule, value = local_derivative(node, child)
        local[name] = value
        print(f"  {name} = {hand[name]:<3} = {value:<4g}  [{rule}]")

    heading("the chain rule: multiply the local derivatives along each path")
    shared = local["dg/dh"] * local["dh/dk"] * local["dk/dm"]
    product_x, product_y = shared * local["dm/dx"], shared * local["dm/dy"]
    print(
        f"  df/dx = dg/dh * dh/dk * dk/dm * dm/dx = {local['dg/dh']:g} * {local['dh/dk']:g} * "
        f"{local['dk/dm']:g} * {local['dm/dx']:g} = {product_x:g}"
    )
    print(
        f"  df/dy = dg/dh * dh/dk * dk/dm * dm/dy = {local['dg/dh']:g} * {local['dh/dk']:g} * "
        f"{local['dk/dm']:g} * {local['dm/dy']:g} = {product_y:g}"
    )
    print(f"  by hand: df/dx = 2xy^2 + 6y = {df_dx(X, Y):g},  df/dy = 2x^2y + 6x = {df_dy(X, Y):g}")

    heading("backpropagation: the same products, from the output back to the inputs")
    for step in step_through(g):
        if isinstance(step, BackwardStep) and not step.child.is_constant:
            print(
                f"  {step.child_name}.grad += d{step.name}/d{step.child_name} * {step.name}.grad"
                f" = {step.local:g} * {step.node_grad:g}  ->  {step.child_name}.grad = {step.after:g}"
            )
    g.backward()
    print(f"  g.backward():  x.grad = {x.grad:g},  y.grad = {y.grad:g}")

    heading("checks")
    check(
        "the product of local derivatives is 2xy^2 + 6y and 2x^2y + 6x at (2, 3)",
        close(product_x, df_dx(X, Y)) and close(product_y, df_dy(X, Y)),
    )
    check(
        "backward() gives the same: x.grad = df/dx, y.grad = df/dy",
        close(x.grad, df_dx(X, Y)) and close(y.grad, df_dy(X, Y)),
    )
    rng = random.Random(0)
    points = [(rng.uniform(-5, 5), rng.uniform(-5, 5)) for _ in range(20 if args.quick else 1000)]
    worst = 0.0
    for a, b in points:
        xv, yv = Value(a), Value(b)
        gx, gy = grad(f(xv, yv), [xv, yv])
        worst = max(
            worst,
            abs(gx - df_dx(a, b)) / max(1.0, abs(df_dx(a, b))),
            abs(gy - df_dy(a, b)) / max(1.0, abs(df_dy(a, b))),
        )
    check(
        f"grad(f) matches both formulas at {len(points)} random points (worst relative error {worst:.1e})",
        worst < 1e-12,
    )
    check("finite differences agree (gradcheck)", gradcheck(f, [X, Y]))

    heading("pictures")
    draw_graph(g, args.out, "chain_rule_graph")
    return 0


if __name__ == "__main__":
    sys.exit(main())
