"""The worked example of the chain rule, ready to draw: ``f(x, y) = (xy + 3)^2 + 1`` at (2, 3).

``python -m autograd.viz autograd.viz.example:chain_rule --html out.html`` steps through it.
"""

from __future__ import annotations

from autograd.engine import Value


def chain_rule() -> Value:
    """f = (xy + 3)^2 + 1 at x = 2, y = 3: f = 82, df/dx = 2(xy + 3)y = 54, df/dy = 2(xy + 3)x = 36."""
    x, y = Value(2.0, "x"), Value(3.0, "y")
    xy = x * y
    xy.label = "xy"
    u = xy + 3
    u.label = "xy + 3"
    square = u**2
    square.label = "(xy + 3)^2"
    f = square + 1
    f.label = "f"
    return f
