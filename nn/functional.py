"""Functions over a vector of scores: ``softmax``, ``log_softmax``, ``logsumexp`` and ``argmax``.

All are numerically stable: they subtract the largest score ``m`` first, which changes nothing
mathematically (``softmax(z - m) = softmax(z)``) but keeps every ``exp`` at or below ``e^0 = 1``,
so logits like ``(1000, 1000, -1000)`` give ``(0.5, 0.5, 0.0)`` instead of ``inf / inf = nan``.
``m`` is the exact maximum, a tree of ``maximum`` nodes in the graph while the scores are finite;
the shift does not change the function, so its gradient cancels (to rounding).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from autograd import Value, maximum
from nn.module import Scalar


def _as_values(scores: Sequence[Scalar], where: str) -> list[Value]:
    if isinstance(scores, Value) or not isinstance(scores, Sequence):
        raise TypeError(
            f"{where}: expected a sequence of scores (Values or numbers), got {type(scores).__name__}"
        )
    if len(scores) == 0:
        raise ValueError(f"{where}: got an empty sequence of scores")
    return [s if isinstance(s, Value) else Value(s) for s in scores]


def _max_finite(values: list[Value]) -> Value | float:
    """The shift ``m``: the largest score. While every score is finite it is computed inside the
    graph, so a compiled replay recomputes it for new numbers (its gradient cancels in ``z - m``),
    as a pairwise tree of ``maximum`` (exact): level by level ``maximum(z_0, z_1), maximum(z_2,
    z_3), ...``, an odd last one carried up, ``ceil(log2 n)`` levels (10 scores: 5, 3, 2, 1). Each
    level is one op over the same arrays, which the batch replay runs as one array operation (a
    serial chain would be one per score). Otherwise
    the largest finite score as a number, or 0 when none is finite (keeps ``z - m`` defined).
    Finite is tested with comparisons, which a compiled replay guards cheaply (``math.isfinite``
    would pin each score to its traced number)."""
    if all(-math.inf < v.data < math.inf for v in values):
        level = values
        while len(level) > 1:
            pairs = [maximum(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
            level = pairs + level[len(level) - len(level) % 2 :]  # an odd last one is carried up
        return level[0]
    finite = [v.data for v in values if math.isfinite(v.data)]
    return max(finite) if finite else 0.0


def logsumexp(scores: Sequence[Scalar]) -> Value:
    """``log sum_j e^z_j = m + log sum_j e^(z_j - m)``; d/dz_i = softmax(z)_i."""
    z = _as_values(scores, "logsumexp")
    m = _max_finite(z)
    total = sum((zj - m).exp() for zj in z)
    assert isinstance(total, Value)
    return total.log() + m


def softmax(scores: Sequence[Scalar]) -> list[Value]:
    """``softmax(z)_i = e^(z_i - m) / sum_j e^(z_j - m)``; d s_i/d z_j = s_i (1[i=j] - s_j)."""
    z = _as_values(scores, "softmax")
    m = _max_finite(z)
    exps = [(zi - m).exp() for zi in z]
    total = sum(exps)
    return [e / total for e in exps]


def log_softmax(scores: Sequence[Scalar]) -> list[Value]:
    """``log softmax(z)_i = z_i - logsumexp(z)``; d/dz_j = 1[i=j] - softmax(z)_j."""
    z = _as_values(scores, "log_softmax")
    lse = logsumexp(z)
    return [zi - lse for zi in z]


def argmax(values: Sequence[Scalar]) -> int:
    """Index of the largest value (the first one on a tie); works on Values and numbers."""
    if isinstance(values, Value) or not isinstance(values, Sequence):
        raise TypeError(f"argmax: expected a sequence, got {type(values).__name__}")
    if len(values) == 0:
        raise ValueError("argmax: got an empty sequence")
    numbers = [v.data if isinstance(v, Value) else float(v) for v in values]
    return max(range(len(numbers)), key=numbers.__getitem__)
