"""Norm penalties to add to a loss, in the seeds' form (``n`` = number of training samples):

    L1:  C = C0 + lambda/n  * sum_w |w|      dC/dw = dC0/dw + lambda/n * sign(w)   (constant pull)
    L2:  C = C0 + lambda/2n * sum_w w^2      dC/dw = dC0/dw + lambda/n * w         (proportional pull)

micrograd's demo adds ``1e-4 * sum(p * p)``: that is ``l2_penalty(params, lam=0.02, n=100)``.
(``Dropout`` lives with the layers, in :mod:`nn.layers`.)
"""

from __future__ import annotations

from collections.abc import Iterable

from autograd import Value


def _check(lam: float, n: int, where: str) -> None:
    if not lam >= 0:
        raise ValueError(f"{where}: lam must be >= 0, got {lam!r}")
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"{where}: n (the number of training samples) must be an int >= 1, got {n!r}")


def l1_penalty(params: Iterable[Value], lam: float, n: int = 1) -> Value:
    """``lam / n * sum |w|`` over ``params``."""
    _check(lam, n, "l1_penalty")
    return (lam / n) * sum((abs(w) for w in params), Value(0.0))


def l2_penalty(params: Iterable[Value], lam: float, n: int = 1) -> Value:
    """``lam / (2 n) * sum w^2`` over ``params``."""
    _check(lam, n, "l2_penalty")
    return (lam / (2 * n)) * sum((w * w for w in params), Value(0.0))
