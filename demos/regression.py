"""Regression with one hidden layer of ReLUs, trained one sample at a time (stochastic gradient descent).

The network of the seeds: d inputs, one hidden layer of m ReLU neurons, one linear output,

    z_j = sum_i w_ji x_i + b_j,    a_j = max(0, z_j),    F(x) = sum_j w_j a_j + b,

fitted to data pairs (x, y) with the squared error of one sample, l(y, F(x)) = 1/2 (y - F(x))^2.
Stochastic gradient descent visits the samples in a random order and, after each one, moves every
parameter theta against that sample's gradient:

    theta <- theta - eta * dl/dtheta.

The data: 40 points of y = sin(x) + noise (standard deviation 0.05) on [-pi, pi]. A ReLU network is a
piecewise-linear function, so the fit is a chain of line segments with one kink per hidden neuron.

Claim (checked): the mean squared error on the training points ends below 0.01 (0.06 with
``--quick``); the noise alone accounts for 0.0025.

    python demos/regression.py            # picture in demos/out/regression/
"""

from __future__ import annotations

import math
import random
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))  # find lesson.py however this file is run

from lesson import check, heading, parse_args, pyplot, save

from autograd import Value, no_grad
from nn import MLP
from nn.data import make_sine

SEED = 0
HIDDEN = 16  # m, the number of ReLU neurons
N = 40
NOISE = 0.05
LR_START, LR_END = 0.05, 0.005  # eta, lowered linearly over the epochs to let SGD settle


def F(model: MLP, x: Sequence[float]) -> Value:
    """The network's output for one input (a single Value: the last layer has one neuron)."""
    output = model(x)
    assert isinstance(output, Value)
    return output


def mse(model: MLP, X: Sequence[Sequence[float]], y: Sequence[float]) -> float:
    with no_grad():
        return sum((F(model, x).data - t) ** 2 for x, t in zip(X, y)) / len(y)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args("regression", __doc__, argv)
    epochs, target = (30, 0.06) if args.quick else (150, 0.01)

    X, y = make_sine(N, noise=NOISE, seed=SEED)  # X holds one-element lists [x]
    model = MLP(1, [HIDDEN, 1], activation="relu", seed=SEED)
    params = model.parameters()
    heading(
        f"{N} points of sin(x) + noise; model {model.nin} -> {HIDDEN} ReLU -> 1 linear, "
        f"{len(params)} parameters"
    )
    print(f"mean squared error before training: {mse(model, X, y):.4f}")

    heading(f"stochastic gradient descent: {epochs} epochs x {N} single-sample steps")
    rng = random.Random(SEED)
    order = list(range(N))
    history = []
    for epoch in range(epochs):
        eta = LR_START + (LR_END - LR_START) * epoch / max(1, epochs - 1)
        rng.shuffle(order)
        for i in order:
            loss = 0.5 * (y[i] - F(model, X[i])) ** 2  # l(y, F(x)) for one sample
            model.zero_grad()
            loss.backward()
            for p in params:
                p.data -= eta * p.grad  # theta <- theta - eta * dl/dtheta
        history.append(mse(model, X, y))
        if (epoch + 1) % max(1, epochs // 6) == 0 or epoch + 1 == epochs:
            print(f"epoch {epoch + 1:>4}/{epochs}  eta {eta:.4f}  mean squared error {history[-1]:.5f}")

    heading("results")
    grid = [-math.pi + 2 * math.pi * i / 199 for i in range(200)]
    with no_grad():
        fit = [F(model, [x]).data for x in grid]
    to_sine = sum((f - math.sin(x)) ** 2 for f, x in zip(fit, grid)) / len(grid)
    kinks = sum(
        1
        for n in model.layers[0].neurons
        if n.w[0].data != 0 and -math.pi < -n.b.data / n.w[0].data < math.pi
    )
    print(f"training mean squared error {history[-1]:.5f} (noise variance {NOISE**2:.4f})")
    print(f"mean squared distance to the noise-free sin(x): {to_sine:.5f}")
    print(f"{kinks} of {HIDDEN} ReLU kinks (x = -b_j / w_j) fall inside [-pi, pi]")
    check(f"training mean squared error {history[-1]:.4f} is below {target}", history[-1] < target)

    heading("pictures")
    plt = pyplot()
    if plt is not None:
        save(picture(plt, X, y, grid, fit, history), args.out / "regression.png")
    return 0


def picture(
    plt: Any,
    X: Sequence[Sequence[float]],
    y: Sequence[float],
    grid: list[float],
    fit: list[float],
    history: list[float],
) -> Any:
    figure, (left, right) = plt.subplots(1, 2, figsize=(9, 3.2))
    left.plot(grid, [math.sin(x) for x in grid], color="#9ca3af", linestyle="--", label="sin(x)")
    left.scatter([x[0] for x in X], y, s=14, color="#1d4ed8", label="data")
    left.plot(grid, fit, color="#b45309", label=f"network ({HIDDEN} ReLUs)")
    left.set(title="the fit: piecewise linear", xlabel="x", ylabel="y")
    left.legend(fontsize=8)
    right.semilogy(range(1, len(history) + 1), history, color="#b45309")
    right.set(title="mean squared error per epoch", xlabel="epoch")
    for ax in (left, right):
        ax.grid(alpha=0.3)
    figure.tight_layout()
    return figure


if __name__ == "__main__":
    sys.exit(main())
