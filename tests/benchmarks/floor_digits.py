"""The floor for digits: ``MLP(64, [32, 10])`` with softmax cross-entropy, written by hand as plain floats.

The same kind of code as the moons floor (``floor_moons.py``): no graph, builtins for every inner
loop, no data-dependent shortcut (zeros go back through inactive ReLUs, sums over zero pixels are
done), the whole batch's forward and backward in one call::

    h = relu(W1 x + b1)                                  one ``sum(map(mul, w, x), b)`` per neuron
    z = W2 h + b2
    loss = mean_i [ logsumexp(z_i) - z_i,t ]             logsumexp(z) = m + log sum_k e^(z_k - m)
    dL/dz_k = (softmax(z)_k - [k = t]) / n               softmax(z)_k = e^(z_k - m) / sum_j e^(z_j - m)
    dL/dh = W2^T dL/dz, masked by relu'                  weight gradients: ``floor_moons.weight_gradients``

Parameters are one flat list in ``nn.MLP.parameters()``'s order (layer by layer, neuron by neuron,
weights then bias); the hidden layers use ReLU (``nn.MLP``'s default) and the last layer is linear.

Run it directly to time one epoch as one batch:  python tests/benchmarks/floor_digits.py
"""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Sequence
from operator import mul
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from floor_moons import Sizes, layers_of, parameter_count, weight_gradients

DIGITS_SIZES: tuple[int, ...] = (64, 32, 10)


def loss_and_grads(
    params: Sequence[float], X: Sequence[Sequence[float]], y: Sequence[int], sizes: Sizes = DIGITS_SIZES
) -> tuple[float, list[float]]:
    """Mean softmax cross-entropy over the batch and ``d loss / d p`` for every parameter, in the
    order of ``params``. ``y`` holds class indices; ReLU hidden layers, linear scores."""
    if len(sizes) < 3:
        raise ValueError(f"expected sizes (nin, hidden..., classes), got {sizes}")
    layers = layers_of(params, sizes)
    hidden, (w_out, b_out) = layers[:-1], layers[-1]
    columns = [list(zip(*rows)) for rows, _ in layers[1:]]  # W^T for the backward pass
    inputs: list[list[Sequence[float]]] = [[] for _ in layers]
    deltas: list[list[Sequence[float]]] = [[] for _ in layers]
    n = len(X)
    scale = 1.0 / n
    exp, log = math.exp, math.log
    total = 0.0
    for x, t in zip(X, y):
        h: Sequence[float] = x
        for (rows, biases), seen in zip(hidden, inputs):
            seen.append(h)
            h = [s if s > 0.0 else 0.0 for s in [sum(map(mul, row, h), b) for row, b in zip(rows, biases)]]
        inputs[-1].append(h)
        z = [sum(map(mul, row, h), b) for row, b in zip(w_out, b_out)]
        top = max(z)
        e = [exp(zk - top) for zk in z]
        s = sum(e)
        total += log(s) + top - z[t]
        delta = [ek / s * scale for ek in e]
        delta[t] -= scale
        for layer in range(len(columns), 0, -1):
            deltas[layer].append(delta)
            back = [sum(map(mul, column, delta)) for column in columns[layer - 1]]
            # relu'(z) > 0 exactly where the layer's output h > 0
            delta = [g if v > 0.0 else 0.0 for g, v in zip(back, inputs[layer][-1])]
        deltas[0].append(delta)
    return total * scale, weight_gradients(layers, inputs, deltas)


def digits() -> tuple[list[list[float]], list[int]]:
    """The 1,797 UCI digits with pixels scaled to [0, 1], and their labels."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    from nn.data import load_digits

    X, y = load_digits()
    return [[p / 16 for p in x] for x in X], y


if __name__ == "__main__":
    import random

    rng = random.Random(0)
    params = [rng.uniform(-0.3, 0.3) for _ in range(parameter_count(DIGITS_SIZES))]
    X, y = digits()
    times = []
    for _ in range(5):
        start = time.process_time()
        loss_and_grads(params, X, y)
        times.append(time.process_time() - start)
    times.sort()
    print(f"floor: digits epoch as one batch {1e3 * times[len(times) // 2]:.0f} ms (median of 5, CPU time)")
