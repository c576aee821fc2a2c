"""The main demo: a neural network learns to separate two moons (micrograd's demo, reproduced).

The data: 100 points on two interleaving half circles with a little noise, labelled -1 and +1.
The model: an MLP with two hidden layers of 16 ReLU neurons and one linear output, 337 parameters
in all, that gives each point a score; its sign is the predicted class. The objective is the
max-margin (SVM) loss plus L2 regularization,

    loss = 1/N sum_i max(0, 1 - y_i * score_i)  +  1e-4 * sum_w w^2,

minimized by full-batch gradient descent: 100 steps of w -= lr * dloss/dw, with the learning rate
falling in a straight line from 1.0 to 0.1. Each step builds the graph of the loss (about 65,000
scalar operations) and backpropagates through it.

Claim (checked): the network reaches 100% training accuracy. The demo also measures accuracy on
fresh points it never trained on, draws the decision boundary and the loss/accuracy curves, and
prints how long it took. A ``TrainingRecorder`` watches every step and writes ``replay.html``: open
it in a browser and press play to watch the weights, the curves and the boundary change.

    python demos/moons.py              # pictures in demos/out/moons/
    python demos/moons.py --quick      # 30 points, 30 steps
    python demos/moons.py --compiled   # the same numbers, faster (autograd.compiled; README: speed)
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))  # find lesson.py however this file is run

from lesson import check, heading, parse_args, pyplot, save

from autograd import Value, no_grad
from nn import MLP, History, Module, StepResult, fit, l2_penalty
from nn.data import make_moons
from nn.losses import hinge
from nn.optim import SGD
from nn.schedules import LinearDecay
from nn.viz import TrainingRecorder

SEED = 1337  # micrograd's demo seed; used for the data and the initial weights
ALPHA = 1e-4  # L2 strength: alpha * sum w^2


def scores(model: MLP, X: Sequence[Sequence[float]]) -> list[float]:
    """The model's score for each point, without recording a graph."""
    with no_grad():
        return [value.data for value in map(model, X) if isinstance(value, Value)]  # one output each


def accuracy(s: Sequence[float], y: Sequence[int]) -> float:
    return sum((si > 0) == (yi > 0) for si, yi in zip(s, y)) / len(y)


def compiled_step(
    model: MLP, X: list[list[float]], y: list[int], penalty: Callable[[Module], Value]
) -> Callable[..., StepResult]:
    """``fit``'s gradient computation as a compiled replay: the graph of the loss is recorded once and
    rerun as straight-line float code at every step (see ``autograd.compiled``). It fills the same
    ``.grad``s with the same numbers as ``loss.backward()``; it reports no per-point outputs, so the
    training accuracy is not recorded step by step."""
    from autograd.compiled import compile

    replay = compile(lambda: hinge([model(x) for x in X], y) + penalty(model), params=model)

    def step(X_batch: list[list[float]], y_batch: list[int]) -> StepResult:
        model.zero_grad()
        loss = replay.backward()  # the loss (one output: a float); the grads go into p.grad
        assert isinstance(loss, float)
        return StepResult(loss, None)

    return step


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--compiled",
        action="store_true",
        help="compute the gradients with a compiled replay of the graph (faster)",
    )


def main(argv: Sequence[str] | None = None) -> int:
    started = time.perf_counter()
    args = parse_args("moons", __doc__, argv, add_arguments)
    n, steps = (30, 30) if args.quick else (100, 100)

    heading(f"data: {n} points, two moons with noise 0.1; labels -1 / +1")
    X, labels = make_moons(n, noise=0.1, seed=SEED)
    y = [2 * t - 1 for t in labels]  # 0/1 -> -1/+1, as the max-margin loss wants

    model = MLP(2, [16, 16, 1], seed=SEED)  # ReLU hidden layers, linear output: a score
    print(f"model: {model}")

    heading(f"training: {steps} steps of full-batch gradient descent, lr 1.0 -> 0.1 (one epoch = one step)")
    optimizer = SGD(model.parameters(), lr=1.0)
    schedule = LinearDecay(optimizer, end_lr=0.1, total_steps=steps)  # lr_k = 1.0 - 0.9 k / steps
    # the seeds' L2 term lambda/2n sum w^2 with lambda = 2 n alpha is alpha * sum w^2
    penalty = lambda m: l2_penalty(m.parameters(), lam=2 * n * ALPHA, n=n)
    # a snapshot per step; the page embeds a step-through of sample #0 at the last step (not in quick)
    recorder = TrainingRecorder(
        data=(X, y), grid=24 if args.quick else 40, stepthroughs=0 if args.quick else 1
    )
    train_start = time.perf_counter()
    step_fn = compiled_step(model, X, y, penalty) if args.compiled else None
    history = fit(
        model,
        X,
        y,
        loss=hinge,
        optimizer=optimizer,
        epochs=steps,
        penalty=penalty,
        schedule=schedule,
        log_every=max(1, steps // 10),
        step_fn=step_fn,
        callbacks=[recorder],
    )
    train_seconds = time.perf_counter() - train_start
    how = "compiled replay" if args.compiled else "graph built and backpropagated every step"
    print(f"trained in {train_seconds:.1f} s ({1000 * train_seconds / steps:.0f} ms per step; {how})")

    heading("results")
    train_accuracy = accuracy(scores(model, X), y)
    X_new, labels_new = make_moons(200, noise=0.1, seed=SEED + 1)
    new_accuracy = accuracy(scores(model, X_new), [2 * t - 1 for t in labels_new])
    print(f"loss {history.loss[0]:.4f} -> {history.loss[-1]:.4f}")
    print(f"training accuracy {train_accuracy:.0%}; accuracy on 200 new points {new_accuracy:.1%}")
    first = next((k + 1 for k, a in enumerate(history.accuracy) if a == 1.0), None)
    if first is not None:
        print(f"first reached 100% training accuracy at step {first}")

    if args.quick:
        check(
            "quick run: the loss falls below a quarter of its start and training accuracy is >= 90%",
            history.loss[-1] < history.loss[0] / 4 and train_accuracy >= 0.9,
        )
    else:
        check(
            "the network classifies every training point correctly (100% training accuracy)",
            train_accuracy == 1.0,
        )

    heading("pictures")
    replay = recorder.save(args.out / "replay.html")
    print(f"wrote {replay} (the run replayed: open it in a browser and press play)")
    plt = pyplot()
    if plt is not None:
        grid = 25 if args.quick else 70
        save(decision_boundary(plt, model, X, y, grid), args.out / "decision_boundary.png")
        save(training_curves(plt, history), args.out / "training.png")
    print(f"total time {time.perf_counter() - started:.1f} s")
    return 0


def decision_boundary(plt: Any, model: MLP, X: Sequence[Sequence[float]], y: Sequence[int], grid: int) -> Any:
    """The sign of the score over the plane (the two regions the network carves) with the data."""
    xs, ys = [p[0] for p in X], [p[1] for p in X]
    x0, x1, y0, y1 = min(xs) - 0.5, max(xs) + 0.5, min(ys) - 0.5, max(ys) + 0.5
    gx = [x0 + (x1 - x0) * i / (grid - 1) for i in range(grid)]
    gy = [y0 + (y1 - y0) * j / (grid - 1) for j in range(grid)]
    z = [scores(model, [[a, b] for a in gx]) for b in gy]
    figure, ax = plt.subplots(figsize=(5, 4))
    ax.contourf(gx, gy, z, levels=[-1e9, 0, 1e9], colors=["#fbd5d5", "#d5e3fb"])
    ax.contour(gx, gy, z, levels=[0], colors="#374151", linewidths=1)
    for label, color, marker in ((-1, "#dc2626", "o"), (1, "#2563eb", "s")):
        ax.scatter(
            [p[0] for p, t in zip(X, y) if t == label],
            [p[1] for p, t in zip(X, y) if t == label],
            c=color,
            marker=marker,
            s=18,
            edgecolors="white",
            linewidths=0.5,
            label=f"y = {label:+d}",
        )
    ax.set(title="MLP(2, [16, 16, 1]) on two moons: decision boundary", xlabel="x1", ylabel="x2")
    ax.legend(loc="lower left", fontsize=8)
    return figure


def training_curves(plt: Any, history: History) -> Any:
    """Loss (log scale) and training accuracy per step (when recorded)."""
    steps = range(1, history.epochs + 1)
    figure, axes = plt.subplots(
        1, 2 if history.accuracy else 1, figsize=(8 if history.accuracy else 4, 3), squeeze=False
    )
    axes[0][0].semilogy(steps, history.loss, color="#b45309")
    axes[0][0].set(title="loss (max-margin + L2)", xlabel="step")
    if history.accuracy:
        axes[0][1].plot(steps, [100 * a for a in history.accuracy], color="#1d4ed8")
        axes[0][1].set(title="training accuracy (%)", xlabel="step", ylim=(40, 102))
    for ax in axes[0]:
        ax.grid(alpha=0.3)
    figure.tight_layout()
    return figure


if __name__ == "__main__":
    sys.exit(main())
