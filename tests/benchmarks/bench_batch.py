"""Batch replay against the honest floor and batched PyTorch: the moons step and a digits epoch.

Run:  python tests/benchmarks/bench_batch.py [--repeats 7]

1. micrograd's moons step (100 points, ``MLP(2, [16, 16, 1])``, max-margin + L2, SGD): the compiled
   sample loss replayed row by row and over NumPy columns (``autograd.compiled.batch``), the
   hand-written floor (``floor_moons.py``), and PyTorch with batched float64 tensors (matrix products,
   what a user picks for speed).
2. A digits epoch: the 1,797 images as one batch through ``MLP(64, [32, 10])``, mean softmax
   cross-entropy, forward + backward + one update: the compiled sample loss (one trace per label)
   row by row and over columns, the hand-written floor (``bench_digits.FloatMLP``), PyTorch batched.

All in one process, round-robin, medians of CPU time (``time.process_time``: the machine's 2 cores
are shared). Every engine's loss is checked against the floor's before timing.
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import bench_compiled
import bench_digits
import floor_moons

from autograd.compiled import Compiled, batch, compile
from nn import MLP
from nn.losses import cross_entropy


def medians(steps: dict[str, Callable[[], object]], repeats: int) -> dict[str, float]:
    times: dict[str, list[float]] = {name: [] for name in steps}
    for _ in range(repeats):
        for name, step in steps.items():
            start = time.process_time()
            step()
            times[name].append(time.process_time() - start)
    return {name: statistics.median(t) for name, t in times.items()}


def torch_layers(weights: Sequence[float], sizes: Sequence[int]) -> list[tuple[Any, Any]] | None:
    """``(W, b)`` float64 leaf tensors per layer from a flat list in micrograd's order, or None."""
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(1)  # one core, as every other row here (its worker threads' spinning is CPU time)
    layers, k = [], 0
    for nin, nout in itertools.pairwise(sizes):
        chunk = torch.tensor(weights[k : k + nout * (nin + 1)], dtype=torch.float64).reshape(nout, nin + 1)
        k += nout * (nin + 1)
        layers.append((chunk[:, :nin].clone().requires_grad_(), chunk[:, nin].clone().requires_grad_()))
    return layers


def torch_forward(layers: list[tuple[Any, Any]], X: Any) -> Any:
    h = X
    for k, (W, b) in enumerate(layers):
        h = h @ W.T + b
        if k < len(layers) - 1:
            h = h.relu()
    return h


def torch_step(layers: list[tuple[Any, Any]], loss_of: Callable[[], Any], lr: float) -> Callable[[], float]:
    import torch

    params = [p for layer in layers for p in layer]

    def step() -> float:
        loss = loss_of()
        for p in params:
            p.grad = None
        loss.backward()
        with torch.no_grad():
            for p in params:
                p -= lr * p.grad
        return float(loss.detach())

    return step


def flat(model: MLP) -> list[float]:
    return [p.data for p in model.parameters()]


def replay_step(f: Compiled, model: MLP, rows: list[list[Any]], lr: float, extra: Compiled | None = None):  # type: ignore[no-untyped-def]
    params = model.parameters()

    def step() -> float:
        for p in params:
            p.grad = 0.0
        loss = f.batch_backward(rows, weight=1.0 / len(rows)) + (extra.backward() if extra else 0.0)
        for p in params:
            p.data -= lr * p.grad
        return loss  # type: ignore[no-any-return]

    return step


def moons(repeats: int) -> tuple[dict[str, float], float]:
    import random

    X, y = floor_moons.moons_like(100)
    rows = [[*x, yi] for x, yi in zip(X, y)]
    rng = random.Random(0)
    weights = [rng.uniform(-1, 1) for _ in range(floor_moons.parameter_count())]
    lr = 0.0  # the weights stay put: every repeat times the same step
    steps: dict[str, Callable[[], object]] = {}
    old = batch.MIN_ROWS
    batch.MIN_ROWS = 1  # the columns row runs over columns at 100 rows
    try:
        compile_seconds = 0.0
        for columns in (False, True):
            model = bench_compiled.chainrule_model(weights)
            f = compile(
                lambda x0, x1, t, m=model: bench_compiled.sample_loss(m, [x0, x1], t),
                params=model,
                numbers=["t"],
            )
            penalty = compile(lambda m=model: bench_compiled.penalty(m), params=model)
            name, seconds = prepare(f, columns, rows)
            compile_seconds = max(compile_seconds, seconds)
            steps[name] = replay_step(f, model, rows, lr, penalty)
        return timed(steps, weights, X, y, lr, repeats), compile_seconds
    finally:
        batch.MIN_ROWS = old


def timed(  # type: ignore[no-untyped-def]
    steps: dict[str, Callable[[], object]], weights: list[float], X, y, lr: float, repeats: int
) -> dict[str, float]:
    floor_params = list(weights)
    steps["hand-written floats (the floor)"] = lambda: floor_moons.sgd_step(floor_params, X, y, lr)
    layers = torch_layers(weights, floor_moons.MOONS_SIZES)
    if layers is not None:
        import torch

        tX, ty = torch.tensor(X, dtype=torch.float64), torch.tensor(y, dtype=torch.float64)
        params = [p for layer in layers for p in layer]

        def loss_of() -> Any:
            score = torch_forward(layers, tX)[:, 0]
            return (1 - ty * score).relu().mean() + bench_compiled.ALPHA * sum((p * p).sum() for p in params)

        steps["PyTorch 2, batched float64 tensors"] = torch_step(layers, loss_of, lr)
    expected = floor_moons.loss_and_grads(weights, X, y)[0]
    for name, step in steps.items():
        got = float(step())  # type: ignore[arg-type]
        assert abs(got - expected) <= 1e-12 * abs(expected), (name, got, expected)
    return medians(steps, repeats)


def prepare(f: Compiled, columns: bool, rows: list[list[Any]]) -> tuple[str, float]:
    """Trace, generate and (with ``columns``) vectorize ``f`` by replaying ``rows`` once; the row's
    name (saying whether the columns ran) and the seconds that took (the one-time compile)."""
    f.columns = columns and batch.AVAILABLE
    start = time.process_time()
    f.batch_value_and_grad(rows)
    seconds = time.process_time() - start
    if not columns:
        return "chainrule batch replay, row by row", seconds
    vectorized = any(v is not None for e in f._entries for v in e._columns.values())
    if vectorized:
        return "chainrule batch replay, over NumPy columns", seconds
    return "chainrule batch replay, columns asked (not vectorized: guards on computed values)", seconds


def digits(repeats: int) -> tuple[dict[str, float], float]:
    X, y = bench_digits.digits()
    rows = [[*x, t] for x, t in zip(X, y)]
    steps: dict[str, Callable[[], object]] = {}
    compile_seconds = 0.0
    for columns in (False, True):
        model = MLP(64, [32, 10], seed=0, init="he")
        f = compile(
            lambda *a, m=model: cross_entropy(m(list(a[:64])), a[64]),
            params=model,
            static=[64],
            max_traces=16,
        )
        name, seconds = prepare(f, columns, rows)  # one trace per label
        compile_seconds = max(compile_seconds, seconds)
        steps[name] = replay_step(f, model, rows, 0.0)
    floor = bench_digits.FloatMLP(MLP(64, [32, 10], seed=0, init="he"))
    start_weights = (floor.W1, floor.b1, floor.W2, floor.b2)
    steps["hand-written floats (the floor)"] = lambda: floor.batch(X, y, 0.0)
    layers = torch_layers(flat(MLP(64, [32, 10], seed=0, init="he")), (64, 32, 10))
    if layers is not None:
        import torch

        tX, ty = torch.tensor(X, dtype=torch.float64), torch.tensor(y)
        ce = torch.nn.functional.cross_entropy
        steps["PyTorch 2, batched float64 tensors"] = torch_step(
            layers, lambda: ce(torch_forward(layers, tX), ty), 0.0
        )
    expected = floor.batch(X, y, 0.0)
    assert (floor.W1, floor.b1, floor.W2, floor.b2) == start_weights
    for name, step in steps.items():
        got = float(step())  # type: ignore[arg-type]
        assert abs(got - expected) <= 1e-12 * abs(expected), (name, got, expected)
    return medians(steps, repeats), compile_seconds


def table(title: str, result: dict[str, float]) -> None:
    floor = result["hand-written floats (the floor)"]
    torch_s = result.get("PyTorch 2, batched float64 tensors")
    print(f"\n{title}\n")
    print("| engine | ms | speed vs the floor | time vs PyTorch |")
    print("|---|---:|---:|---:|")
    for name, seconds in result.items():
        vs_torch = f"{seconds / torch_s:.1f}x" if torch_s else "n/a"
        print(f"| {name} | {1e3 * seconds:.2f} | {floor / seconds:.2f}x | {vs_torch} |")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args(argv)
    result, seconds = moons(args.repeats)
    table(
        f"moons step, 100 points, median of {args.repeats} (compile of the sample loss: {seconds:.2f} s)",
        result,
    )
    result, seconds = digits(max(3, args.repeats // 2))
    table(
        f"digits epoch as one batch, 1,797 images, median of {max(3, args.repeats // 2)} "
        f"(compile, 10 traces: {seconds:.2f} s)",
        result,
    )


if __name__ == "__main__":
    main()
