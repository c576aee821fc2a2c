"""Compile time of the two graphs the batch replay trains: digits (one trace per label) and moons.

Run:  python tests/benchmarks/bench_compile_time.py [--repeats 5] [--profile]

1. digits: ``MLP(64, [32, 10])``, one sample's softmax cross-entropy with its int label a static
   input (as ``fit(compile=True)`` compiles it): ten traces of ~4,900 nodes, one per label.
2. moons: ``MLP(2, [16, 16, 1])``, one point's max-margin loss (the target a number input) and the
   L2 penalty compiled on its own (``bench_compiled``).

For each trace: ``trace`` is what ``Compiled.compile_seconds`` counts (tracing twice and checking
the two agree: what the batch replay over columns needs), ``first call`` the first
``value_and_grad`` that made it (tracing, generating the code, CPython compiling the generated
``value_and_grad``); both CPU time. Medians of ``--repeats`` fresh models,
in one process. ``--profile`` prints cProfile's top functions for one digits compile.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import bench_compiled
import bench_digits

from autograd.compiled import Compiled, compile
from nn import MLP
from nn.losses import cross_entropy


def digits_rows() -> list[list[Any]]:
    """One row ``[*pixels, label]`` per label 0..9 (the first image of each)."""
    X, y = bench_digits.digits()
    first: dict[int, list[Any]] = {}
    for x, t in zip(X, y):
        first.setdefault(t, [*x, t])
    return [first[t] for t in sorted(first)]


def digits_compiled() -> Compiled:
    model = MLP(64, [32, 10], seed=0, init="he")
    return compile(
        lambda *a: cross_entropy([model(list(a[:64]))], [a[64]]), params=model, static=[64], max_traces=16
    )


def moons_compiled() -> tuple[Compiled, Compiled]:
    model = MLP(2, [16, 16, 1], seed=0)
    loss = bench_compiled.sample_loss
    sample = compile(lambda x0, x1, t: loss(model, [x0, x1], t), params=model, numbers=["t"])
    penalty = compile(lambda: bench_compiled.penalty(model), params=model)
    return sample, penalty


def first_calls(f: Compiled, rows: list[list[Any]]) -> list[tuple[float, float]]:
    """``(trace CPU seconds, first-call CPU seconds)`` for each row (each makes a new trace)."""
    traced = [0.0]
    trace = f._trace

    def timed(numbers: list[float]) -> Any:  # what compile_seconds counts, in CPU time
        start = time.process_time()
        try:
            return trace(numbers)
        finally:
            traced[0] += time.process_time() - start

    f._trace = timed  # type: ignore[method-assign]
    times = []
    for row in rows:
        traced[0] = 0.0
        start = time.process_time()
        f.value_and_grad(*row)
        times.append((traced[0], time.process_time() - start))
    return times


def measure(repeats: int) -> dict[str, list[list[tuple[float, float]]]]:
    rows = digits_rows()
    runs: dict[str, list[list[tuple[float, float]]]] = {"digits": [], "moons sample": [], "moons penalty": []}
    for _ in range(repeats):
        runs["digits"].append(first_calls(digits_compiled(), rows))
        sample, penalty = moons_compiled()
        runs["moons sample"].append(first_calls(sample, [[0.5, -0.25, 1.0]]))
        runs["moons penalty"].append(first_calls(penalty, [[]]))
    return runs


def report(runs: dict[str, list[list[tuple[float, float]]]]) -> None:
    print(f"{'graph':<16}{'trace':>8}{'trace s':>10}{'first call s':>14}")
    for name, repeats in runs.items():
        n = len(repeats[0])
        for k in range(n):
            traced = statistics.median(r[k][0] for r in repeats)
            called = statistics.median(r[k][1] for r in repeats)
            print(f"{name:<16}{k:>8}{traced:>10.3f}{called:>14.3f}")
        traced = statistics.median(sum(t for t, _ in r) for r in repeats)
        called = statistics.median(sum(c for _, c in r) for r in repeats)
        print(f"{name:<16}{'all':>8}{traced:>10.3f}{called:>14.3f}")


def profile(run: Callable[[], object]) -> None:
    import cProfile
    import pstats

    profiler = cProfile.Profile()
    profiler.runcall(run)
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(40)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args(argv)
    if args.profile:
        rows = digits_rows()
        profile(lambda: first_calls(digits_compiled(), rows))
        return
    print(f"compile time, median of {args.repeats} fresh compiles (CPU seconds)")
    report(measure(args.repeats))


if __name__ == "__main__":
    main()
