"""Golden values: worked examples with known answers (micrograd's README expression, the seeds'
chain-rule example, micrograd's tanh neuron), cross-checked against micrograd when installed."""

from __future__ import annotations

import math
from typing import Any

import pytest

from autograd import Value, grad, jvp


def micrograd_readme(a: Any, b: Any) -> Any:
    """The expression from micrograd's README, for any Value class (ours or micrograd's)."""
    c = a + b
    d = a * b + b**3
    c += c + 1
    c += 1 + c + (-a)
    d += d * 2 + (b + a).relu()
    d += 3 * d + (b - a).relu()
    e = c - d
    f = e**2
    g = f / 2.0
    g += 10.0 / f
    return g


def test_micrograd_readme_expression() -> None:
    a, b = Value(-4.0, "a"), Value(2.0, "b")
    g = micrograd_readme(a, b)
    g.backward()
    assert g.data == pytest.approx(24.7041, abs=1e-4)
    assert a.grad == pytest.approx(138.8338, abs=1e-4)  # dg/da
    assert b.grad == pytest.approx(645.5773, abs=1e-4)  # dg/db


def test_micrograd_readme_expression_in_forward_mode() -> None:
    assert jvp(micrograd_readme, [-4.0, 2.0], [1.0, 0.0])[1] == pytest.approx(138.8338, abs=1e-4)
    assert jvp(micrograd_readme, [-4.0, 2.0], [0.0, 1.0])[1] == pytest.approx(645.5773, abs=1e-4)


def test_micrograd_readme_expression_matches_micrograd_exactly() -> None:
    micrograd = pytest.importorskip("micrograd.engine")
    theirs_a, theirs_b = micrograd.Value(-4.0), micrograd.Value(2.0)
    theirs = micrograd_readme(theirs_a, theirs_b)
    theirs.backward()
    a, b = Value(-4.0), Value(2.0)
    ours = micrograd_readme(a, b)
    ours.backward()
    assert ours.data == theirs.data
    assert (a.grad, b.grad) == (
        pytest.approx(theirs_a.grad, rel=1e-12),
        pytest.approx(theirs_b.grad, rel=1e-12),
    )


@pytest.mark.parametrize(("x0", "y0"), [(2.0, 3.0), (-1.0, 0.5), (0.0, 4.0), (1.5, -2.0)])
def test_chain_rule_example_from_the_seeds(x0: float, y0: float) -> None:
    """f(x, y) = (xy + 3)^2 + 1: df/dx = 2xy^2 + 6y, df/dy = 2x^2y + 6x, and each link of the chain
    g(h) = h + 1, h(k) = k^2, k(m) = m + 3, m(x, y) = xy holds its own gradient."""
    x, y = Value(x0, "x"), Value(y0, "y")
    m = x * y
    k = m + 3
    h = k**2
    f = h + 1
    f.backward()
    assert f.data == (x0 * y0 + 3) ** 2 + 1
    assert x.grad == pytest.approx(2 * x0 * y0**2 + 6 * y0)
    assert y.grad == pytest.approx(2 * x0**2 * y0 + 6 * x0)
    assert (h.grad, k.grad, m.grad) == (1.0, pytest.approx(2 * (x0 * y0 + 3)), pytest.approx(2 * x0 * y0 + 6))
    assert grad(f, [x, y]) == [x.grad, y.grad]


def test_micrograd_lecture_neuron() -> None:
    """o = tanh(x1 w1 + x2 w2 + b), with b chosen so that o = 1/sqrt(2)."""
    x1, x2 = Value(2.0, "x1"), Value(0.0, "x2")
    w1, w2 = Value(-3.0, "w1"), Value(1.0, "w2")
    b = Value(6.8813735870195432, "b")
    n = x1 * w1 + x2 * w2 + b
    o = n.tanh()
    o.backward()
    assert o.data == pytest.approx(1 / math.sqrt(2))
    assert n.grad == pytest.approx(0.5)
    assert (x1.grad, w1.grad, x2.grad, w2.grad) == (
        pytest.approx(-1.5),
        pytest.approx(1.0),
        pytest.approx(0.5),
        0.0,
    )


def test_micrograd_lecture_neuron_with_tanh_spelled_out() -> None:
    """The same neuron with tanh(n) = (e^2n - 1) / (e^2n + 1) built from exp and division."""
    x1, x2 = Value(2.0), Value(0.0)
    w1, w2 = Value(-3.0), Value(1.0)
    n = x1 * w1 + x2 * w2 + 6.8813735870195432
    e = (2 * n).exp()
    o = (e - 1) / (e + 1)
    o.backward()
    assert o.data == pytest.approx(1 / math.sqrt(2))
    assert (x1.grad, w1.grad, x2.grad, w2.grad) == (
        pytest.approx(-1.5),
        pytest.approx(1.0),
        pytest.approx(0.5),
        0.0,
    )
