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
import floor_moons  # noqa: E402

SIZES = floor_moons.MOONS_SIZES


def mlp(params: Sequence[Value], x: Sequence[float]) -> Value:
    """micrograd's MLP by hand: each neuron ``b + w_0 x_0 + w_1 x_1 + ...``, relu but the last layer."""
    k = 0
    h: Sequence[Value | float] = x
    last = len(SIZES) - 2
    for layer, (nin, nout) in enumerate(zip(SIZES, SIZES[1:])):
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


def median_seconds(step: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--points", type=int, default=100)
    args = parser.parse_args(argv)
    X, y = floor_moons.moons_like(args.points)
    rng = random.Random(0)
    weights = [rng.uniform(-1, 1) for _ in range(floor_moons.parameter_count())]
    lr = 0.05

    # floor
    floor_params = list(weights)
    floor = median_seconds(lambda: floor_moons.sgd_step(floor_params, X, y, lr), args.repeats)

    # eager
    params = [Value(w) for w in weights]

    def eager_step() -> None:
        loss = moons_loss(params, X, y)
        for p in params:
            p.grad = 0.0
        loss.backward()
        for p in params:
            p.data -= lr * p.grad

    eager = median_seconds(eager_step, max(3, args.repeats // 2))

    # compiled
    params = [Value(w) for w in weights]
    gc.collect()
    start = time.perf_counter()
    step: Compiled = compile(lambda: moons_loss(params, X, y), params=params)
    step.source  # noqa: B018  (traces and compiles now)
    compile_time = time.perf_counter() - start

    def compiled_step() -> None:
        for p in params:
            p.grad = 0.0
        step.backward()
        for p in params:
            p.data -= lr * p.grad

    compiled = median_seconds(compiled_step, args.repeats)

    # the same numbers from all three
    check_params = [Value(w) for w in weights]
    check = compile(lambda: moons_loss(check_params, X, y), params=check_params)
    loss_c, grads_c = check.value_and_grad()
    loss_f, grads_f = floor_moons.loss_and_grads(weights, X, y)
    worst = max(abs(a - b) / max(1e-12, abs(b)) for a, b in zip(grads_c, grads_f) if b)
    lines = step.source.count("\n")
    print(f"moons step, {args.points} points, {step.n_nodes} nodes, {lines} lines of generated code")
    print(f"compile (trace + generate + CPython compile): {compile_time:.2f} s")
    print("| engine | ms per step | vs floor |")
    print("|---|---:|---:|")
    for name, seconds in (("floor (hand-written floats)", floor), ("compiled", compiled), ("eager", eager)):
        print(f"| {name} | {1e3 * seconds:.1f} | {seconds / floor:.2f}x |")
    print(f"loss compiled {loss_c!r} floor {loss_f!r}; worst grad rel diff {worst:.1e}")
    steps = 100
    print(f"100 steps compiled incl. compile: {compile_time + steps * compiled:.2f} s")


if __name__ == "__main__":
    main()
