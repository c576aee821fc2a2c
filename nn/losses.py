"""Loss functions: how far a batch of predictions is from its targets, as one ``Value``.

Every loss takes a batch (a list of per-sample predictions and a list of targets; a single sample
is also accepted) and returns the ``reduction`` (``"mean"``, the default, or ``"sum"``) over it.
With ``N`` samples and mean reduction (``p`` a prediction, ``t`` its target):

* ``mse``: ``L = 1/N sum (p - t)^2`` (averaged over every output); ``dL/dp = 2 (p - t) / N``.
* ``binary_cross_entropy``: ``L = -1/N sum t log p + (1 - t) log(1 - p)``;
  ``dL/dp = (p - t) / (p (1 - p) N)``. With ``from_logits=True``, ``p = sigmoid(z)`` computed
  stably, and ``dL/dz = (sigmoid(z) - t) / N``.
* ``cross_entropy`` from logits ``z``: ``L = 1/N sum logsumexp(z) - z_t``;
  ``dL/dz = (softmax(z) - onehot(t)) / N``.
* ``hinge`` (labels ``y`` = -1 or +1): ``L = 1/N sum max(0, margin - y s)``;
  ``dL/ds = -y / N`` where ``margin - y s > 0``, else 0.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from autograd import Value
from autograd.engine import is_real_number
from autograd.numerics import to_float
from nn.functional import logsumexp

LOG_FLOOR = -100.0  # like PyTorch's BCELoss: log(0) costs 100, not inf


def _batch(predictions: Any, targets: Any, where: str) -> tuple[list[Any], list[Any]]:
    """``(predictions, targets)`` as equal-length lists of samples; a lone sample becomes a batch."""
    if isinstance(predictions, Value) or is_real_number(predictions):
        predictions, targets = [predictions], [targets]
    if not isinstance(predictions, Sequence) or isinstance(predictions, str):
        raise TypeError(f"{where}: predictions must be a list, got {type(predictions).__name__}")
    if isinstance(targets, (str, bytes)) or not hasattr(targets, "__len__"):
        raise TypeError(f"{where}: targets must be a list, got {type(targets).__name__}")
    if len(predictions) != len(targets):
        raise ValueError(f"{where}: {len(predictions)} predictions but {len(targets)} targets")
    if len(predictions) == 0:
        raise ValueError(f"{where}: got an empty batch")
    return list(predictions), list(targets)


def _reduce(terms: list[Any], count: int, reduction: str, where: str) -> Value:
    total = sum(terms)
    if reduction == "mean":
        total = total / count
    elif reduction != "sum":
        raise ValueError(f"{where}: reduction must be 'mean' or 'sum', got {reduction!r}")
    return total if isinstance(total, Value) else Value(total)


def _target(t: object, where: str, i: int) -> Any:
    """Target ``i``, checked: an ``int`` becomes a float (``inf`` beyond float range); any other real
    number is kept as it is, so a number that ``compile`` traces (a target passed with ``numbers=``)
    enters the graph as a recomputed constant instead of being fixed to its traced value."""
    if isinstance(t, bool) or not is_real_number(t):
        raise TypeError(f"{where}: target {i} must be a number, got {type(t).__name__} {t!r:.40}")
    return to_float(t) if isinstance(t, int) else t


def _prediction(p: Any, where: str, i: int) -> Value:
    """Prediction ``i`` as one ``Value``, or a ``TypeError`` that blames the prediction (not the
    target) when it is a list of outputs (a model with several outputs, or a whole batch)."""
    if isinstance(p, Value):
        return p
    if isinstance(p, bool) or not is_real_number(p):
        if isinstance(p, Sequence) and not isinstance(p, str):
            shape = f"a list of {len(p)} value{'' if len(p) == 1 else 's'}"
            hint = " (a batch inside a sample, or a model with more outputs than targets?)"
        else:
            shape, hint = f"{type(p).__name__} {p!r:.40}", ""
        raise TypeError(f"{where}: prediction {i} is {shape}; expected a Value or a number{hint}")
    return Value(to_float(p))


def mse(predictions: Any, targets: Any, reduction: str = "mean") -> Value:
    """Mean squared error ``1/N sum (p - t)^2`` over every output of every sample. A sample's
    prediction is a ``Value`` (one output) or a list of them (then its target is a list too)."""
    predictions, targets = _batch(predictions, targets, "mse")
    terms = []
    for i, (p, t) in enumerate(zip(predictions, targets)):
        if isinstance(p, Value) or is_real_number(p):
            pairs = [(p, t)]
        else:
            if not isinstance(p, Sequence) or isinstance(p, str):
                _prediction(p, "mse", i)  # raises, naming the prediction
            if not isinstance(t, Sequence) or len(p) != len(t):
                raise ValueError(f"mse: sample {i} has {len(p)} outputs but its target is {t!r:.60}")
            pairs = list(zip(p, t))
        for pj, tj in pairs:
            if not isinstance(pj, Value):
                pj = _prediction(pj, "mse", i).data
            diff = pj - _target(tj, "mse", i)
            terms.append(diff * diff)
    return _reduce(terms, len(terms), reduction, "mse")


def _clamped_log(p: Value) -> Value:
    """``max(log p, -100)``: finite for ``p = 0``; below the floor the gradient is 0 (PyTorch).
    A ``nan`` passes through: clamping it would hide a diverged run behind a finite loss."""
    log_p = p.log()
    return Value(LOG_FLOOR) if log_p.data < LOG_FLOOR else log_p


def binary_cross_entropy(
    predictions: Any, targets: Any, reduction: str = "mean", *, from_logits: bool = False
) -> Value:
    """``-1/N sum t log p + (1 - t) log(1 - p)`` for targets ``t`` in ``[0, 1]``.

    ``predictions`` are probabilities ``p`` in ``[0, 1]`` (e.g. from a sigmoid output layer; one
    outside raises ``ValueError``, a ``nan`` gives a ``nan`` loss), or raw scores ``z`` with
    ``from_logits=True``: then ``p = sigmoid(z)`` and the loss is computed stably as
    ``softplus(z) - t z`` (no ``log(0)`` however large ``|z|``).
    """
    where = "binary_cross_entropy"
    predictions, targets = _batch(predictions, targets, where)
    terms = []
    for i, (p, t) in enumerate(zip(predictions, targets)):
        p = _prediction(p, where, i)
        t = _target(t, where, i)
        if not 0.0 <= t <= 1.0:
            raise ValueError(f"{where}: target {i} is {t}; targets must be in [0, 1]")
        if from_logits:
            terms.append(p.softplus() - t * p)
            continue
        if not 0.0 <= p.data <= 1.0 and p.data == p.data:  # nan is let through: a nan loss
            raise ValueError(
                f"{where}: prediction {i} is {p.data}, not a probability in [0, 1]; for raw scores "
                "(no sigmoid on the output) use binary_cross_entropy(..., from_logits=True)"
            )
        terms.append(-(t * _clamped_log(p) + (1.0 - t) * _clamped_log(1.0 - p)))
    return _reduce(terms, len(terms), reduction, where)


def cross_entropy(logits: Any, targets: Any, reduction: str = "mean") -> Value:
    """Softmax cross-entropy from raw scores: per sample ``logsumexp(z) - z_t = -log softmax(z)_t``.

    ``logits`` is a list of per-sample score lists (or one sample's list); each target is a class
    index, or a list of class probabilities (soft labels: ``-sum_k t_k log softmax(z)_k``). Stable
    for any finite scores (see :func:`nn.functional.logsumexp`).
    """
    if logits and isinstance(logits, Sequence) and not isinstance(logits[0], Sequence):
        logits, targets = [logits], [targets]  # one sample
    logits, targets = _batch(logits, targets, "cross_entropy")
    terms = []
    for i, (z, t) in enumerate(zip(logits, targets)):
        if not isinstance(z, Sequence) or len(z) < 2:
            raise ValueError(f"cross_entropy: sample {i} needs a list of >= 2 class scores, got {z!r:.60}")
        lse = logsumexp(z)
        if isinstance(t, Sequence):
            if len(t) != len(z):
                raise ValueError(
                    f"cross_entropy: sample {i} has {len(z)} scores but {len(t)} target probabilities"
                )
            terms.append(sum(_target(tk, "cross_entropy", i) * (lse - zk) for tk, zk in zip(t, z)))
        else:
            if isinstance(t, bool) or not isinstance(t, int) or not 0 <= t < len(z):
                raise ValueError(
                    f"cross_entropy: target {i} is {t!r}; expected a class index 0..{len(z) - 1}"
                )
            terms.append(lse - z[t])
    return _reduce(terms, len(terms), reduction, "cross_entropy")


def hinge(scores: Any, targets: Any, reduction: str = "mean", margin: float = 1.0) -> Value:
    """Max-margin loss ``1/N sum max(0, margin - y s)`` for labels ``y`` in ``{-1, +1}``: zero once
    each score is on the right side by at least ``margin`` (the SVM loss of micrograd's demo)."""
    scores, targets = _batch(scores, targets, "hinge")
    terms = []
    for i, (s, y) in enumerate(zip(scores, targets)):
        if y not in (-1, 1) or isinstance(y, bool):
            raise ValueError(
                f"hinge: label {i} is {y!r}; labels must be -1 or +1 (map 0/1 labels with 2 * y - 1)"
            )
        s = _prediction(s, "hinge", i)
        terms.append((margin - y * s).relu())
    return _reduce(terms, len(terms), reduction, "hinge")
