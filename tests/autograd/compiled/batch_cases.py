"""Rows and models for the batch replay's tests (``test_batch_vs_eager.py``, ``test_batch_edges.py``)."""

from __future__ import annotations

import math
import random

from hypothesis import settings
from hypothesis import strategies as st

import nn
from autograd import Value
from autograd.testing import points

ROWS = 12
#: half the profile's examples per property (the files have many), at least 5
FEW = settings(max_examples=max(5, settings().max_examples // 2))
ACTIVATIONS = ("relu", "tanh", "sigmoid", "leaky_relu", "linear")
EDGES = (0.0, -0.0, 1e308, -1e308, math.inf, -math.inf, math.nan, 5e-324, 1.0, -1.0)
#: a parameter for the small hand-written functions
W = Value(0.5, "w")


def model_rows(data: st.DataObject, nin: int, n: int = ROWS, bound: float = 2.0) -> list[list[float]]:
    return [data.draw(points(nin, bound)) for _ in range(n)]


def mlp(data: st.DataObject, nin: int, nout: int, output_activation: str | None = None) -> nn.MLP:
    hidden = data.draw(st.lists(st.integers(1, 4), min_size=0, max_size=2))
    activation = data.draw(st.sampled_from(ACTIVATIONS))
    return nn.MLP(nin, [*hidden, nout], activation, output_activation, seed=data.draw(st.integers(0, 2**16)))


def alternating(rows: list[list[float]], seed: int = 0) -> list[list[float]]:
    """The rows shuffled, so that consecutive rows take different branches."""
    rows = list(rows)
    random.Random(seed).shuffle(rows)
    return rows
