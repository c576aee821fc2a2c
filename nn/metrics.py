"""Metrics: numbers to watch during training (plain floats, no graph)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from autograd import Value
from nn.functional import argmax


def _data(x: Any) -> float:
    return x.data if isinstance(x, Value) else float(x)


def is_correct(output: Any, target: Any, threshold: float = 0.0) -> bool:
    """Whether one prediction is right.

    * several outputs (a list): ``argmax(output) == target`` (a class index);
    * one output (a score, logit or probability): the predicted class is ``output > threshold`` and
      the true class is ``target > 0``, so labels may be ``0/1`` or ``-1/+1``. Use ``threshold=0``
      for scores and logits (the default), ``0.5`` for probabilities from a sigmoid.
    """
    if isinstance(output, Sequence):
        return bool(argmax(output) == target)
    return (_data(output) > threshold) == (_data(target) > 0)


def accuracy(outputs: Sequence[Any], targets: Sequence[Any], threshold: float = 0.0) -> float:
    """The fraction of ``outputs`` that are correct (see :func:`is_correct`)."""
    if len(outputs) != len(targets):
        raise ValueError(f"accuracy: {len(outputs)} outputs but {len(targets)} targets")
    if not outputs:
        raise ValueError("accuracy: got an empty batch")
    return sum(is_correct(o, t, threshold) for o, t in zip(outputs, targets)) / len(outputs)
