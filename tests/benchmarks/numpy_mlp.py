"""The benchmark MLPs written by hand in NumPy: what fused array code costs (a reference, not a floor).

Each layer is one matrix product over the whole batch, and its backward two more; the ReLU and the
losses are elementwise array operations. The same math as the plain-float floors
(``floor_moons.py``, ``floor_digits.py``), with the batch as the first axis::

    H_0 = X,  Z_l = H_(l-1) W_l^T + b_l,  H_l = relu(Z_l)          (the last layer linear)
    dW_l = dZ_l^T H_(l-1),  db_l = sum over rows of dZ_l,  dZ_(l-1) = (dZ_l W_l) * [H_(l-1) > 0]

Parameters come in as the floors' flat list (``nn.MLP.parameters()``'s order) and are held as one
``(W, b)`` pair of float64 arrays per layer. NumPy is imported here, so import this module only
where NumPy is installed.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

import numpy as np

Layers = list[tuple[Any, Any]]  # (W of shape (nout, nin), b of shape (nout,)) per layer


def layers_of(params: Sequence[float], sizes: Sequence[int]) -> Layers:
    """The flat parameter list (each neuron's weights then its bias) as ``(W, b)`` arrays per layer."""
    layers, k = [], 0
    for nin, nout in itertools.pairwise(sizes):
        block = np.array(params[k : k + nout * (nin + 1)], dtype=float).reshape(nout, nin + 1)
        layers.append((block[:, :nin].copy(), block[:, nin].copy()))
        k += nout * (nin + 1)
    return layers


def flat(grads: Layers) -> list[float]:
    """``(dW, db)`` per layer back in the flat order of the parameters."""
    return [float(g) for dW, db in grads for g in np.hstack([dW, db[:, None]]).ravel()]


def forward(layers: Layers, X: Any) -> list[Any]:
    """Every layer's input and, last, the scores: ``[H_0 = X, H_1, ..., Z_out]``."""
    activations = [X]
    for k, (W, b) in enumerate(layers):
        Z = activations[-1] @ W.T + b
        activations.append(Z if k == len(layers) - 1 else np.maximum(Z, 0.0))
    return activations


def backward(layers: Layers, activations: list[Any], dZ: Any, decay: float = 0.0) -> Layers:
    """``(dW, db)`` per layer from ``dZ = d loss / d scores``, plus ``decay * p`` (L2's ``2 alpha p``)."""
    grads = []
    for k in range(len(layers) - 1, -1, -1):
        W, b = layers[k]
        H = activations[k]
        grads.append((dZ.T @ H + decay * W, dZ.sum(axis=0) + decay * b))
        if k:
            dZ = (dZ @ W) * (H > 0.0)  # relu'(z) > 0 exactly where its output H > 0
    return grads[::-1]


def moons_loss_and_grads(layers: Layers, X: Any, y: Any, alpha: float = 1e-4) -> tuple[float, Layers]:
    """``mean_i relu(1 - y_i score_i) + alpha sum_p p^2`` and its gradients (``y`` in {-1, +1})."""
    activations = forward(layers, X)
    margin = 1.0 - y * activations[-1][:, 0]
    active = margin > 0.0
    n = len(y)
    penalty = sum(float(np.vdot(W, W) + np.vdot(b, b)) for W, b in layers)
    loss = float(np.where(active, margin, 0.0).sum()) / n + alpha * penalty
    dZ = np.where(active, -y / n, 0.0)[:, None]
    return loss, backward(layers, activations, dZ, 2.0 * alpha)


def digits_loss_and_grads(layers: Layers, X: Any, y: Any) -> tuple[float, Layers]:
    """Mean softmax cross-entropy ``logsumexp(z_i) - z_i,t`` and its gradients (``y``: class indices)."""
    activations = forward(layers, X)
    Z = activations[-1]
    top = Z.max(axis=1, keepdims=True)
    E = np.exp(Z - top)
    S = E.sum(axis=1, keepdims=True)
    rows = np.arange(len(y))
    loss = float((np.log(S[:, 0]) + top[:, 0] - Z[rows, y]).mean())
    dZ = E / S  # softmax
    dZ[rows, y] -= 1.0
    return loss, backward(layers, activations, dZ / len(y))


def sgd(layers: Layers, grads: Layers, lr: float) -> None:
    """``p -= lr * dp`` in place."""
    for (W, b), (dW, db) in zip(layers, grads):
        W -= lr * dW
        b -= lr * db
