"""The floor: micrograd's moons training step written by hand as plain-float Python.

No graph, no objects per operation: just the forward pass of an MLP with ReLU hidden layers and a
linear output, the max-margin loss with L2 regularization, and its backward pass derived by hand,
written as fast as plain Python allows (a neuron's sum is ``sum(map(mul, w, h), b)``, a layer's
backward two list comprehensions: builtins do the inner loops, no Python call per operation)::

    score_i = MLP(x_i)
    loss    = mean_i relu(1 - y_i * score_i) + alpha * sum_p p^2

This is what any engine is measured against: the same arithmetic with zero bookkeeping. Like a
graph replayed for every sample, it takes no data-dependent shortcuts (it back-propagates zeros
through inactive ReLUs rather than skipping them), so the comparison is like for like. Parameters
are one flat list in micrograd's (and ``nn.MLP.parameters()``'s) order: layer by layer, neuron by
neuron, each neuron's weights then its bias.

Run it directly to time one step:  python tests/benchmarks/floor_moons.py
"""

from __future__ import annotations

import itertools
import random
import time
from collections.abc import Sequence
from operator import mul

Sizes = Sequence[int]
MOONS_SIZES: tuple[int, ...] = (2, 16, 16, 1)


def parameter_count(sizes: Sizes = MOONS_SIZES) -> int:
    """Weights plus biases: ``sum (nin + 1) * nout`` over the layers (337 for 2-16-16-1)."""
    return sum((nin + 1) * nout for nin, nout in itertools.pairwise(sizes))


def loss_and_grads(
    params: Sequence[float],
    X: Sequence[Sequence[float]],
    y: Sequence[float],
    sizes: Sizes = MOONS_SIZES,
    alpha: float = 1e-4,
) -> tuple[float, list[float]]:
    """Loss and ``d loss / d p`` for every parameter, in the order of ``params``.

    ``y`` holds labels in {-1, +1}; hidden layers use ReLU, the last layer is linear.
    """
    if len(params) != parameter_count(sizes):
        raise ValueError(f"expected {parameter_count(sizes)} parameters, got {len(params)}")
    # Split the flat list into per-layer weight rows and biases.
    weights: list[list[list[float]]] = []
    biases: list[list[float]] = []
    k = 0
    for nin, nout in itertools.pairwise(sizes):
        rows, bs = [], []
        for _ in range(nout):
            rows.append(list(params[k : k + nin]))
            bs.append(params[k + nin])
            k += nin + 1
        weights.append(rows)
        biases.append(bs)
    # the weights' columns, for the backward pass: back_i = sum_j delta_j * w_ji
    columns = [[list(column) for column in zip(*rows)] for rows in weights]
    grad_w = [[[0.0] * len(row) for row in rows] for rows in weights]
    grad_b = [[0.0] * len(bs) for bs in biases]
    last = len(weights) - 1
    n = len(X)
    data_loss = 0.0

    for x, label in zip(X, y):
        # forward: keep each layer's input and pre-activation for the backward pass
        inputs: list[list[float]] = []
        pre: list[list[float]] = []
        h = list(x)
        for layer, (rows, bs) in enumerate(zip(weights, biases)):
            inputs.append(h)
            z = [sum(map(mul, row, h), b) for row, b in zip(rows, bs)]  # b + w0 h0 + w1 h1 + ...
            pre.append(z)
            h = z if layer == last else [s if s > 0.0 else 0.0 for s in z]
        margin = 1.0 - label * h[0]
        active = 1.0 if margin > 0.0 else 0.0  # relu'(margin)
        data_loss += margin * active
        # backward: d loss / d score = -label / n where the relu is active
        delta = [-label * active / n]
        for layer in range(last, -1, -1):
            h, gw, gb = inputs[layer], grad_w[layer], grad_b[layer]
            for j, d in enumerate(delta):
                gb[j] += d
                gw[j] = [g + d * v for g, v in zip(gw[j], h)]
            if layer:
                back = [sum(map(mul, column, delta)) for column in columns[layer]]
                delta = [g if s > 0.0 else 0.0 for g, s in zip(back, pre[layer - 1])]

    loss = data_loss / n + alpha * sum(p * p for p in params)
    grads: list[float] = []
    for gw, gb in zip(grad_w, grad_b):
        for gwj, gbj in zip(gw, gb):
            grads.extend(gwj)
            grads.append(gbj)
    return loss, [g + 2.0 * alpha * p for g, p in zip(grads, params)]


def moons_like(n: int = 100, seed: int = 0) -> tuple[list[list[float]], list[float]]:
    """Two noisy interleaved half circles with labels in {-1, +1} (no dependency on ``nn``)."""
    import math

    rng = random.Random(seed)
    X: list[list[float]] = []
    y: list[float] = []
    for i in range(n):
        t = math.pi * (i // 2) / max(1, n // 2 - 1)
        if i % 2 == 0:
            X.append([math.cos(t) + rng.gauss(0, 0.1), math.sin(t) + rng.gauss(0, 0.1)])
            y.append(-1.0)
        else:
            X.append([1 - math.cos(t) + rng.gauss(0, 0.1), 0.5 - math.sin(t) + rng.gauss(0, 0.1)])
            y.append(1.0)
    return X, y


def sgd_step(params: list[float], X: Sequence[Sequence[float]], y: Sequence[float], lr: float) -> float:
    """One full-batch training step in place; returns the loss before the update."""
    loss, grads = loss_and_grads(params, X, y)
    for i, g in enumerate(grads):
        params[i] -= lr * g
    return loss


if __name__ == "__main__":
    rng = random.Random(1)
    params = [rng.uniform(-1, 1) for _ in range(parameter_count())]
    X, y = moons_like()
    times = []
    for _ in range(20):
        start = time.perf_counter()
        sgd_step(params, X, y, 0.1)
        times.append(time.perf_counter() - start)
    times.sort()
    print(f"floor: moons step {1e3 * times[len(times) // 2]:.2f} ms (median of 20)")
