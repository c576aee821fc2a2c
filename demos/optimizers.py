"""Four optimizers on the same problem: SGD, SGD with momentum, RMSprop and Adam.

Every optimizer gets the gradient g = dloss/dw from backpropagation; they differ in the step they
take with it:

    SGD        w -= lr * g
    momentum   v = 0.9 v + g;                      w -= lr * v        (a running sum: speeds along
                                                                       directions that agree)
    RMSprop    s = 0.99 s + 0.01 g^2;              w -= lr * g / sqrt(s)     (per-weight step size:
                                                                       small where g is large)
    Adam       m = 0.9 m + 0.1 g, s = 0.999 s + 0.001 g^2, both bias-corrected (m^, s^);
               w -= lr * m^ / sqrt(s^)                                (momentum and RMSprop together)

The problem: a tanh MLP(2, [8, 8, 1]) classifying 40 two-moons points, binary cross-entropy on its
logit, full-batch steps, every run from the same initial weights. Each optimizer uses a customary
learning rate (SGD and momentum 0.1, RMSprop and Adam 0.01); none is tuned for this problem.

Claim (checked): after the same number of steps, momentum, RMSprop and Adam all reach a lower loss
than plain SGD. The loss curves go on one plot.

    python demos/optimizers.py   # plot in demos/out/optimizers/
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))  # find lesson.py however this file is run

from lesson import check, finish, heading, parse_args, pyplot, save

from autograd import Value
from nn import MLP
from nn.data import make_moons
from nn.losses import binary_cross_entropy
from nn.optim import SGD, Adam, Optimizer, RMSprop

SEED = 0
OPTIMIZERS: dict[str, Callable[[list[Value]], Optimizer]] = {
    "SGD (lr 0.1)": lambda params: SGD(params, lr=0.1),
    "momentum 0.9 (lr 0.1)": lambda params: SGD(params, lr=0.1, momentum=0.9),
    "RMSprop (lr 0.01)": lambda params: RMSprop(params, lr=0.01),
    "Adam (lr 0.01)": lambda params: Adam(params, lr=0.01),
}


def train(
    make_optimizer: Callable[[list[Value]], Optimizer], X: list[list[float]], y: list[int], steps: int
) -> list[float]:
    """The loss at every step of full-batch training from the same initial weights."""
    model = MLP(2, [8, 8, 1], activation="tanh", seed=SEED)
    optimizer = make_optimizer(model.parameters())
    losses = []
    for _ in range(steps):
        optimizer.zero_grad()
        loss = binary_cross_entropy([model(x) for x in X], y, from_logits=True)
        loss.backward()
        optimizer.step()
        losses.append(loss.data)
    return losses


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args("optimizers", __doc__, argv)
    n, steps = (20, 60) if args.quick else (40, 200)
    X, y = make_moons(n, noise=0.1, seed=SEED)

    heading(f"{steps} full-batch steps on {n} two-moons points, tanh MLP(2, [8, 8, 1]), same start")
    curves = {}
    for name, make_optimizer in OPTIMIZERS.items():
        start = time.perf_counter()
        curves[name] = train(make_optimizer, X, y, steps)
        marks = "  ".join(f"{curves[name][k]:.4f}" for k in (0, steps // 4, steps // 2, steps - 1))
        print(
            f"  {name:<22} loss at steps 1, {steps // 4}, {steps // 2}, {steps}:  {marks}"
            f"   ({time.perf_counter() - start:.1f} s)"
        )

    heading("checks")
    sgd_final = curves["SGD (lr 0.1)"][-1]
    for name, curve in list(curves.items())[1:]:
        check(
            f"{name} ends lower than plain SGD: {curve[-1]:.4f} < {sgd_final:.4f} "
            f"({sgd_final / curve[-1]:.1f}x lower)",
            curve[-1] < sgd_final,
        )

    heading("pictures")
    plt = pyplot()
    if plt is not None:
        save(picture(plt, curves), args.out / "optimizers.png")
    return 0


def picture(plt: Any, curves: dict[str, list[float]]) -> Any:
    figure, ax = plt.subplots(figsize=(6, 3.8))
    for name, curve in curves.items():
        ax.semilogy(range(1, len(curve) + 1), curve, label=name)
    ax.set(title="the same network, four optimizers", xlabel="step", ylabel="binary cross-entropy")
    return finish(figure, ax)


if __name__ == "__main__":
    sys.exit(main())
