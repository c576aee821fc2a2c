"""Compiled replay vs eager engine vs the hand-written floor, on micrograd's moons training step.

Run:  python tests/benchmarks/bench_compiled.py [--repeats 7] [--points 100]

One step: forward of ``MLP(2, [16, 16, 1])`` (ReLU hidden, linear output) on every point, the
max-margin loss ``mean(relu(1 - y_i * score_i)) + 1e-4 * sum(p * p)``, backward, and an SGD update.
Reported: the one-time compile cost (trace, code generation, CPython's compile) and the median
step time of each engine, with ratios. The garbage collector stays on, as users run it.
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from autograd import Value
from autograd.compiled import Compiled, compile

sys.path.insert(0, str(Path(__file__).parent))
import itertools

import floor_moons

SIZES = floor_moons.MOONS_SIZES


def mlp(params: Sequence[Value], x: Sequence[float]) -> Value:
    """micrograd's MLP by hand: each neuron ``b + w_0 x_0 + w_1 x_1 + ...``, relu but the last layer."""
    k = 0
    h: Sequence[Value | float] = x
    last = len(SIZES) - 2
    for layer, (nin, nout) in enumerate(itertools.pairwise(SIZES)):
        out = []
        for _ in range(nout):
            z = params[k + nin]
            for i in range(nin):
                z = z + params[k + i] * h[i]
            out.append(z if layer == last else z.relu())
            k += nin + 1
        h = out
    return h[0]  # type: ignore[return-value]


def moons_loss(params: Sequence[Value], X: Sequence[Sequence[float]], y: Sequence[float]) -> Value:
    """micrograd's demo loss: max-margin plus L2."""
    losses = [(1 - yi * mlp(params, xi)).relu() for xi, yi in zip(X, y)]
    data_loss = sum(losses[1:], losses[0]) * (1.0 / len(losses))
    squares = [p * p for p in params]
    return data_loss + 1e-4 * sum(squares[1:], squares[0])


def l2(params: Sequence[Value]) -> Value:
    squares = [p * p for p in params]
    return 1e-4 * sum(squares[1:], squares[0])


def sample_loss(params: Sequence[Value], x0: Value, x1: Value, y: Value) -> Value:
    """One sample's max-margin loss: the graph the per-sample replay records."""
    return (1 - y * mlp(params, [x0, x1])).relu()


def interleaved_medians(steps: dict[str, Callable[[], object]], repeats: int) -> dict[str, float]:
    """Median seconds per step of each function, run round-robin so that load on a shared machine
    hits them all alike."""
    times: dict[str, list[float]] = {name: [] for name in steps}
    for _ in range(repeats):
        for name, step in steps.items():
            start = time.perf_counter()
            step()
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(t) for name, t in times.items()}


def micrograd_step_function(
    weights: Sequence[float], X: Sequence[Sequence[float]], y: Sequence[float]
) -> Callable[[], None] | None:
    """One micrograd training step on the same model and data, or None without micrograd."""
    try:
        from micrograd.engine import Value as MicrogradValue
    except ImportError:
        return None
    params = [MicrogradValue(w) for w in weights]

    def step() -> None:
        loss = moons_loss(params, X, y)  # type: ignore[arg-type]
        for p in params:
            p.grad = 0.0
        loss.backward()
        for p in params:
            p.data -= 0.05 * p.grad

    return step


def train_compiled(
    weights: Sequence[float], X: Sequence[Sequence[float]], y: Sequence[float], per_sample: bool, steps: int
) -> tuple[float, float]:
    """micrograd's demo loop (SGD, learning rate 1.0 decaying to 0.1), compiled; the compile is
    inside the timing. Returns (seconds, final loss)."""
    start = time.perf_counter()
    params = [Value(w) for w in weights]
    rows = [[*x, yi] for x, yi in zip(X, y)]
    sample = compile(lambda a, b, t: sample_loss(params, a, b, t), params=params)
    penalty = compile(lambda: l2(params), params=params)
    whole = compile(lambda: moons_loss(params, X, y), params=params)
    loss = 0.0
    for k in range(steps):
        for p in params:
            p.grad = 0.0
        if per_sample:
            loss = sample.batch_backward(rows, weight=1.0 / len(rows)) + penalty.backward()  # type: ignore[operator]
        else:
            loss = whole.backward()  # type: ignore[assignment]
        lr = 1.0 - 0.9 * k / steps
        for p in params:
            p.data -= lr * p.grad
    return time.perf_counter() - start, loss


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--points", type=int, default=100)
    parser.add_argument("--no-micrograd", action="store_true", help="skip micrograd even if installed")
    args = parser.parse_args(argv)
    X, y = floor_moons.moons_like(args.points)
    rows = [[*x, yi] for x, yi in zip(X, y)]
    rng = random.Random(0)
    weights = [rng.uniform(-1, 1) for _ in range(floor_moons.parameter_count())]
    lr = 0.05

    def sgd(params: Sequence[Value]) -> None:
        for p in params:
            p.data -= lr * p.grad

    floor_params = list(weights)
    eager_params = [Value(w) for w in weights]

    def eager_step() -> None:
        loss = moons_loss(eager_params, X, y)
        for p in eager_params:
            p.grad = 0.0
        loss.backward()
        sgd(eager_params)

    # compiled, the whole batch as one graph
    batch_params = [Value(w) for w in weights]
    gc.collect()
    start = time.perf_counter()
    whole: Compiled = compile(lambda: moons_loss(batch_params, X, y), params=batch_params)
    whole.source  # noqa: B018  (traces and compiles now)
    whole_compile = time.perf_counter() - start

    def whole_step() -> None:
        for p in batch_params:
            p.grad = 0.0
        whole.backward()
        sgd(batch_params)

    # compiled, one sample replayed per row, plus the L2 term
    row_params = [Value(w) for w in weights]
    start = time.perf_counter()
    sample = compile(lambda x0, x1, yi: sample_loss(row_params, x0, x1, yi), params=row_params)
    sample.batch_value_and_grad(rows[:1])  # traces and compiles both the function and its batch loop
    penalty = compile(lambda: l2(row_params), params=row_params)
    penalty.source  # noqa: B018
    sample_compile = time.perf_counter() - start

    def sample_step() -> None:
        for p in row_params:
            p.grad = 0.0
        sample.batch_backward(rows, weight=1.0 / len(rows))
        penalty.backward()
        sgd(row_params)

    medians = interleaved_medians(
        {
            "floor (hand-written floats)": lambda: floor_moons.sgd_step(floor_params, X, y, lr),
            "compiled, whole batch": whole_step,
            "compiled, per sample": sample_step,
        },
        args.repeats,
    )
    # The slow engines one after the other, not interleaved: micrograd's graphs are reference
    # cycles, and the garbage they leave for the collector would bill the eager engine too.
    gc.collect()
    medians.update(interleaved_medians({"eager": eager_step}, 3))
    micrograd_step = None if args.no_micrograd else micrograd_step_function(weights, X, y)
    if micrograd_step is not None:
        gc.collect()
        medians.update(interleaved_medians({"micrograd": micrograd_step}, 3))
        gc.collect()
    floor = medians["floor (hand-written floats)"]

    # the same numbers from all of them (fresh parameters)
    fresh = [Value(w) for w in weights]
    loss_c, grads_c = compile(lambda: moons_loss(fresh, X, y), params=fresh).value_and_grad()
    per_row = compile(lambda a, b, t: sample_loss(fresh, a, b, t), params=fresh)
    loss_s, grads_s = per_row.batch_value_and_grad(rows, 1.0 / len(rows))
    loss_r, grads_r = compile(lambda: l2(fresh), params=fresh).value_and_grad()
    loss_f, grads_f = floor_moons.loss_and_grads(weights, X, y)

    def worst(grads: Sequence[float]) -> float:
        return max(abs(a - b) / max(1e-300, abs(b)) for a, b in zip(grads, grads_f) if b)

    lines = whole.source.count("\n")
    print(f"moons training step, {args.points} points, MLP(2, [16, 16, 1]), GC on, median of {args.repeats}")
    print(f"whole batch as one graph: {whole.n_nodes} nodes, {lines} lines of generated code")
    print(f"compile, whole batch (trace + generate + CPython compile): {whole_compile:.2f} s")
    print(
        f"compile, per sample ({sample.n_nodes} nodes) + L2 term ({penalty.n_nodes}): {sample_compile:.2f} s"
    )
    print("\n| engine | ms per step | vs floor |")
    print("|---|---:|---:|")
    for name, seconds in medians.items():
        print(f"| {name} | {1e3 * seconds:.1f} | {seconds / floor:.2f}x |")
    print(f"\nloss: floor {loss_f!r}, whole batch {loss_c!r}, per sample {loss_s + loss_r!r}")
    grads_sum = [a + b for a, b in zip(grads_s, grads_r)]
    print(f"worst gradient difference from the floor: whole {worst(grads_c):.1e}, ", end="")
    print(f"per sample {worst(grads_sum):.1e}")
    print("\n100 steps of the demo (lr 1.0 -> 0.1), compile included, measured end to end:")
    for per_sample in (True, False):
        seconds, loss = train_compiled(weights, X, y, per_sample, 100)
        name = "per sample" if per_sample else "whole batch"
        line = f"  compiled, {name}: {seconds:.2f} s (final loss {loss:.4f})"
        if "micrograd" in medians:
            line += f"; micrograd, 100 x its median step: {100 * medians['micrograd'] / seconds:.0f}x slower"
        print(line)


if __name__ == "__main__":
    main()
