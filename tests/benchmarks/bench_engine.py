"""Engine benchmark: chainrule vs micrograd, in one process, as medians of several repeats.

Run:  python tests/benchmarks/bench_engine.py [--repeats 5] [--sizes 1000 10000 100000]
(needs micrograd for the comparison: ``pip install -e ".[bench]"``).

Workload: a chain of n mixed ops (``*``, ``+`` with a number, ``relu``, ``-``) built from one input,
then ``backward()``. Reported per op: build time, backward time, their sum, and bytes per op
(tracemalloc, graph alive). The garbage collector stays on, as users run it; ``gc.collect()`` runs
between repeats, outside the timed region, so one run's garbage does not bill the next.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import threading
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

from autograd import Value


def build_chain(value_type: Callable[[float], Any], n: int) -> tuple[Any, Any]:
    """y = x; then n ops cycling through *, + number, relu, - (values stay bounded)."""
    x = value_type(0.9)
    y = x
    for i in range(n):
        step = i % 4
        if step == 0:
            y = y * x
        elif step == 1:
            y = y + 0.5
        elif step == 2:
            y = y.relu()
        else:
            y = y - x
    return x, y


def time_chain(value_type: Callable[[float], Any], n: int, repeats: int) -> dict[str, float]:
    builds, backwards = [], []
    for _ in range(repeats):
        gc.collect()
        start = time.perf_counter()
        x, y = build_chain(value_type, n)
        built = time.perf_counter()
        y.backward()
        done = time.perf_counter()
        builds.append(built - start)
        backwards.append(done - built)
        del x, y
    build = statistics.median(builds) / n * 1e9
    backward = statistics.median(backwards) / n * 1e9
    return {"build": build, "backward": backward, "total": build + backward}


def bytes_per_op(value_type: Callable[[float], Any], n: int) -> float:
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    graph = build_chain(value_type, n)
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    del graph
    return (after - before) / n


def in_big_stack(fn: Callable[[], Any]) -> Any:
    """Run fn in a thread with a large stack and recursion limit (micrograd recurses per node)."""
    result: list[Any] = []
    errors: list[BaseException] = []

    def target() -> None:
        try:
            result.append(fn())
        except BaseException as error:  # reported, not raised in the thread
            errors.append(error)

    old_limit = sys.getrecursionlimit()
    sys.setrecursionlimit(10**7)
    threading.stack_size(1024 * 1024 * 1024)
    try:
        thread = threading.Thread(target=target)
        thread.start()
        thread.join()
    finally:
        threading.stack_size(0)
        sys.setrecursionlimit(old_limit)
    if errors:
        raise errors[0]
    return result[0]


def engines() -> dict[str, Callable[[float], Any]]:
    found: dict[str, Callable[[float], Any]] = {"chainrule": Value}
    try:
        from micrograd.engine import Value as MicrogradValue

        found["micrograd"] = MicrogradValue
    except ImportError:
        print("(micrograd not installed: pip install -e '.[bench]' for the comparison)")
    return found


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10_000, 100_000])
    args = parser.parse_args(argv)
    found = engines()
    rows = []
    for n in args.sizes:
        repeats = args.repeats if n < 100_000 else max(3, args.repeats // 2)
        result = {name: in_big_stack(lambda v=v: time_chain(v, n, repeats)) for name, v in found.items()}
        rows.append((n, result))
    memory = {name: bytes_per_op(v, 10_000) for name, v in found.items()}

    print(f"\nchain of n mixed ops, ns per op (median of {args.repeats}; GC on)\n")
    header = "| n | engine | build | backward | build+backward | speedup vs micrograd |"
    print(header)
    print("|" + "---|" * header.count("|")[:-1] if False else "|---|---|---:|---:|---:|---:|")
    for n, result in rows:
        for name, r in result.items():
            ratio = ""
            if "micrograd" in result and name != "micrograd":
                ratio = f"{result['micrograd']['total'] / r['total']:.1f}x"
            print(f"| {n:,} | {name} | {r['build']:.0f} | {r['backward']:.0f} | {r['total']:.0f} | {ratio} |")
    print("\nmemory, bytes per op (graph of 10,000 ops alive, tracemalloc)\n")
    print("| engine | bytes per op | vs micrograd |")
    print("|---|---:|---:|")
    for name, b in memory.items():
        ratio = f"{b / memory['micrograd']:.2f}" if "micrograd" in memory else ""
        print(f"| {name} | {b:.0f} | {ratio} |")
    if len(rows) > 1:
        first, last = rows[0], rows[-1]
        for name in found:
            growth = last[1][name]["total"] / first[1][name]["total"]
            print(f"\n{name}: cost per op grows {growth:.1f}x from n={first[0]:,} to n={last[0]:,}")


if __name__ == "__main__":
    main()
