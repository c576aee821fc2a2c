"""The floor: micrograd's moons training step written by hand as plain-float Python.

No graph, no objects per operation: the forward pass of an MLP with ReLU hidden layers and a linear
output, the max-margin loss with L2 regularization, and its backward pass derived by hand, written
as fast as plain Python allows. Builtins do every inner loop, with no Python call per operation::

    score_i = MLP(x_i)
    loss    = mean_i relu(1 - y_i * score_i) + alpha * sum_p p^2

    forward, per sample    z = W h + b          one ``sum(map(mul, w, h), b)`` per neuron
    backward, per sample   delta_in = W^T delta_out, masked by relu'(z)
    weight gradients       dL/dW_ji = sum_i delta_j(i) h_i(i) over the batch, once at the end:
                           one ``sum(map(mul, deltas_j, inputs_i))`` per weight (columns from ``zip(*)``)

This is what any engine is measured against: the same arithmetic with zero bookkeeping. Like a graph
replayed for every sample (and like NumPy or PyTorch), it takes no data-dependent shortcut: it
back-propagates zeros through inactive ReLUs rather than skipping their sums, so the work does not
depend on how many units happen to be active. Parameters are one flat list in micrograd's (and
``nn.MLP.parameters()``'s) order: layer by layer, neuron by neuron, each neuron's weights then its
bias.

Run it directly to time one step:  python tests/benchmarks/floor_moons.py
"""

from __future__ import annotations

import itertools
import random
import time
from collections.abc import Sequence
from operator import mul

Sizes = Sequence[int]
Layer = tuple[list[list[float]], list[float]]  # a layer's weight rows (one per neuron) and biases
MOONS_SIZES: tuple[int, ...] = (2, 16, 16, 1)


def parameter_count(sizes: Sizes = MOONS_SIZES) -> int:
    """Weights plus biases: ``sum (nin + 1) * nout`` over the layers (337 for 2-16-16-1)."""
    return sum((nin + 1) * nout for nin, nout in itertools.pairwise(sizes))


def layers_of(params: Sequence[float], sizes: Sizes) -> list[Layer]:
    """The flat parameter list as ``(weight rows, biases)`` per layer."""
    if len(params) != parameter_count(sizes):
        raise ValueError(f"expected {parameter_count(sizes)} parameters, got {len(params)}")
    layers: list[Layer] = []
    k = 0
    for nin, nout in itertools.pairwise(sizes):
        rows, biases = [], []
        for _ in range(nout):
            rows.append(list(params[k : k + nin]))
            biases.append(params[k + nin])
            k += nin + 1
        layers.append((rows, biases))
    return layers


def weight_gradients(
    layers: Sequence[Layer],
    inputs: Sequence[Sequence[Sequence[float]]],
    deltas: Sequence[Sequence[Sequence[float]]],
    decay: float = 0.0,
) -> list[float]:
    """``dL/dW_ji = sum over samples of delta_j * h_i`` and ``dL/db_j = sum of delta_j``, plus
    ``decay * p`` (the L2 term's ``2 alpha p``), flat in the parameters' order.

    ``inputs[l]`` and ``deltas[l]`` hold, per sample, layer ``l``'s input and ``dL/dz`` of its
    outputs; ``zip(*)`` turns them into columns over the batch, and each gradient is one dot product.
    """
    grads: list[float] = []
    for (rows, biases), ins, ds in zip(layers, inputs, deltas):
        columns = list(zip(*ins))
        for row, b, delta in zip(rows, biases, zip(*ds)):
            grads.extend([sum(map(mul, delta, column), decay * w) for column, w in zip(columns, row)])
            grads.append(sum(delta, decay * b))
    return grads


def loss_and_grads(
    params: Sequence[float],
    X: Sequence[Sequence[float]],
    y: Sequence[float],
    sizes: Sizes = MOONS_SIZES,
    alpha: float = 1e-4,
) -> tuple[float, list[float]]:
    """Loss and ``d loss / d p`` for every parameter, in the order of ``params``.

    ``y`` holds labels in {-1, +1}; hidden layers use ReLU, the last layer is one linear score.
    """
    if len(sizes) < 3 or sizes[-1] != 1:
        raise ValueError(f"expected sizes (nin, hidden..., 1): hidden layers and one score, got {sizes}")
    layers = layers_of(params, sizes)
    hidden = layers[:-1]
    (w_out,), (b_out,) = layers[-1]
    # the hidden weights' columns after the first layer, for the backward pass: W^T delta
    columns = [list(zip(*rows)) for rows, _ in hidden[1:]]
    inputs: list[list[Sequence[float]]] = [[] for _ in layers]
    deltas: list[list[Sequence[float]]] = [[] for _ in layers]
    n = len(X)
    data_loss = 0.0
    for x, label in zip(X, y):
        h: Sequence[float] = x
        for (rows, biases), seen in zip(hidden, inputs):
            seen.append(h)
            h = [s if s > 0.0 else 0.0 for s in [sum(map(mul, row, h), b) for row, b in zip(rows, biases)]]
        inputs[-1].append(h)
        margin = 1.0 - label * sum(map(mul, w_out, h), b_out)
        g = -label / n if margin > 0.0 else 0.0  # d loss / d score: relu'(margin) * -label / n
        data_loss += margin if margin > 0.0 else 0.0
        deltas[-1].append((g,))
        # relu'(z) > 0 exactly where the layer's output h > 0
        delta = [w * g if s > 0.0 else 0.0 for w, s in zip(w_out, h)]
        for layer in range(len(columns), 0, -1):
            deltas[layer].append(delta)
            back = [sum(map(mul, column, delta)) for column in columns[layer - 1]]
            delta = [t if s > 0.0 else 0.0 for t, s in zip(back, inputs[layer][-1])]
        deltas[0].append(delta)
    loss = data_loss / n + alpha * sum(map(mul, params, params))
    return loss, weight_gradients(layers, inputs, deltas, 2.0 * alpha)


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
    params[:] = [p - lr * g for p, g in zip(params, grads)]
    return loss


if __name__ == "__main__":
    rng = random.Random(1)
    params = [rng.uniform(-1, 1) for _ in range(parameter_count())]
    X, y = moons_like()
    times = []
    for _ in range(20):
        start = time.process_time()
        sgd_step(params, X, y, 0.1)
        times.append(time.process_time() - start)
    times.sort()
    print(f"floor: moons step {1e3 * times[len(times) // 2]:.2f} ms (median of 20, CPU time)")
