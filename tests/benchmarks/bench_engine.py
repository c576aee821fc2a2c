"""Engine benchmark: chainrule (eager and compiled) vs micrograd vs PyTorch vs hand-written floats.

Run:  python tests/benchmarks/bench_engine.py [--repeats 5] [--sizes 1000 10000 100000]
(micrograd for the comparison: ``pip install -e ".[bench]"``; PyTorch is used when installed.)

Workloads, all timed in one process as medians of several repeats, the garbage collector on as users
run it (``gc.collect()`` between engines and repeats, outside the timed region, so one engine's
garbage never bills another):

* a chain of n mixed ops (``*``, ``+`` a number, ``relu``, ``-``): build, backward, per op;
* one input reused n times (``y = y + x``): the fan-in into a single leaf;
* memory per op with the graph alive (tracemalloc);
* the deepest chain each engine can backpropagate through with default settings.
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
from autograd.compiled import compile

Build = Callable[[int], tuple[Any, Any]]  # n -> (leaf, output)


def chain(x: Any, n: int) -> Any:
    """n ops cycling through *, + number, relu, - (values stay bounded for x in (0, 1))."""
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
    return y


def reuse(x: Any, n: int) -> Any:
    """One input used n + 1 times: y = x + x + ... + x."""
    y = x
    for _ in range(n):
        y = y + x
    return y


def chain_floor(n: int) -> float:
    """The chain's value and d/dx by hand in plain floats: the cost of the arithmetic alone."""
    x = 0.9
    ys = [x]
    for i in range(n):
        y, step = ys[-1], i % 4
        ys.append(y * x if step == 0 else y + 0.5 if step == 1 else max(y, 0.0) if step == 2 else y - x)
    grad_y, grad_x = 1.0, 0.0
    for i in reversed(range(n)):
        step = i % 4
        if step == 0:
            grad_x += ys[i] * grad_y
            grad_y *= x
        elif step == 2 and ys[i] <= 0:
            grad_y = 0.0
        elif step == 3:
            grad_x -= grad_y
    return grad_x + grad_y


def median_ns_per_op(run: Callable[[], float | tuple[float, float]], n: int, repeats: int) -> list[float]:
    """Medians (ns per op) of the timings ``run`` returns, one or two per repeat."""
    samples: list[tuple[float, ...]] = []
    for _ in range(repeats):
        gc.collect()
        result = run()
        samples.append(result if isinstance(result, tuple) else (result,))
    return [statistics.median(column) / n * 1e9 for column in zip(*samples)]


def eager_timings(
    value_type: Callable[[float], Any], workload: Callable[[Any, int], Any], n: int
) -> Callable[[], tuple[float, float]]:
    def run() -> tuple[float, float]:
        start = time.perf_counter()
        x = value_type(0.9)
        y = workload(x, n)
        built = time.perf_counter()
        y.backward()
        return built - start, time.perf_counter() - built

    return run


def torch_value() -> Callable[[float], Any] | None:
    try:
        import torch
    except Exception:  # not installed, or installed but unloadable
        return None
    return lambda data: torch.tensor(data, dtype=torch.float64, requires_grad=True)


def micrograd_value() -> Callable[[float], Any] | None:
    try:
        from micrograd.engine import Value as MicrogradValue
    except ImportError:
        return None
    return MicrogradValue  # type: ignore[no-any-return]


def in_big_stack(fn: Callable[[], Any]) -> Any:
    """Run fn in a thread with a large stack and recursion limit: micrograd's topological sort
    recurses once per node, so deep graphs need both to be measured at all."""
    result: list[Any] = []
    errors: list[BaseException] = []

    def target() -> None:
        try:
            result.append(fn())
        except BaseException as error:
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


def bytes_per_op(value_type: Callable[[float], Any], n: int) -> float:
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    graph = chain(value_type(0.9), n)
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    del graph
    return (after - before) / n


def backward_works(value_type: Callable[[float], Any], depth: int) -> bool:
    y = value_type(0.5)
    for _ in range(depth):
        y = -y
    try:
        y.backward()
    except RecursionError:
        return False
    return True


def deepest_chain(value_type: Callable[[float], Any], limit: int) -> tuple[int, bool]:
    """The longest chain of ``-y`` (up to ``limit``) whose backward works with default settings, and
    whether a longer one failed: powers of ten, then bisection between the last two."""
    works, depth = 0, 10
    while depth <= limit and backward_works(value_type, depth):
        works, depth = depth, depth * 10
    if depth > limit:
        return works, False
    fails = depth
    while fails - works > 1:
        middle = (works + fails) // 2
        works, fails = (middle, fails) if backward_works(value_type, middle) else (works, middle)
    return works, True


def time_graph_engines(
    engines: dict[str, Callable[[float], Any]], n: int, repeats: int
) -> dict[str, list[float]]:
    """[build, backward, total] ns per op of the chain, for each graph-building engine."""
    results = {}
    for name, value_type in engines.items():
        run = eager_timings(value_type, chain, n)
        build, backward = in_big_stack(lambda run=run: median_ns_per_op(run, n, repeats))
        results[name] = [build, backward, build + backward]
    return results


def time_replay_and_floor(n: int, repeats: int) -> dict[str, list[float]]:
    """Forward + backward ns per op of the chain: compiled replay (compile timed once) and plain floats."""
    start = time.perf_counter()
    compiled = compile(lambda x: chain(x, n))
    compiled.value_and_grad(0.9)
    compile_seconds = time.perf_counter() - start

    def replay() -> float:
        start = time.perf_counter()
        compiled.value_and_grad(0.9)
        return time.perf_counter() - start

    def floor() -> float:
        start = time.perf_counter()
        chain_floor(n)
        return time.perf_counter() - start

    nan = float("nan")
    (replay_ns,) = median_ns_per_op(replay, n, repeats)
    (floor_ns,) = median_ns_per_op(floor, n, repeats)
    return {
        f"chainrule compiled (compile {compile_seconds:.2f} s, once)": [nan, nan, replay_ns],
        "hand-written floats": [nan, nan, floor_ns],
    }


def table(title: str, header: list[str], rows: list[list[str]]) -> None:
    print(f"\n{title}\n")
    print("| " + " | ".join(header) + " |")
    print("|" + "|".join(["---"] + ["---:"] * (len(header) - 1)) + "|")
    for row in rows:
        print("| " + " | ".join(row) + " |")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10_000, 100_000])
    parser.add_argument("--depth-limit", type=int, default=1_000_000)
    args = parser.parse_args(argv)
    engines: dict[str, Callable[[float], Any]] = {"chainrule": Value}
    found = micrograd_value()
    if found is None:
        print("(micrograd is not installed: pip install -e '.[bench]' for the comparison)")
    else:
        engines["micrograd"] = found
    repeats_for = {n: args.repeats if n < 100_000 else max(3, (args.repeats + 1) // 2) for n in args.sizes}
    results: dict[int, dict[str, list[float]]] = {n: {} for n in args.sizes}
    for n in args.sizes:
        results[n].update(time_graph_engines(engines, n, repeats_for[n]))
        results[n].update(time_replay_and_floor(n, repeats_for[n]))
    # PyTorch last: importing it adds ~150,000 objects that every later full collection would scan.
    found = torch_value()
    if found is None:
        print("(PyTorch is not installed: left out)")
    else:
        engines["PyTorch (0-d tensors)"] = found
        for n in args.sizes:
            results[n].update(time_graph_engines({"PyTorch (0-d tensors)": found}, n, repeats_for[n]))

    chain_rows: list[list[str]] = []
    for n in args.sizes:
        for name, (build, backward, total) in results[n].items():
            ratio = f"{results[n]['micrograd'][2] / total:.1f}x" if "micrograd" in results[n] else "n/a"
            cells = [f"{v:.0f}" if v == v else "-" for v in (build, backward, total)]
            chain_rows.append([f"{n:,}", name, *cells, ratio])
    table(
        f"chain of n mixed ops: ns per op (median of {args.repeats}; GC on)",
        ["n", "engine", "build", "backward", "build+backward", "speed vs micrograd"],
        chain_rows,
    )
    if len(args.sizes) > 1:
        first, last = args.sizes[0], args.sizes[-1]
        print()
        for name in results[first]:
            if "compiled" not in name:
                growth = results[last][name][2] / results[first][name][2]
                print(f"{name}: cost per op x{growth:.1f} from n={first:,} to n={last:,}")

    n = 10_000
    reuse_rows = []
    reuse_totals = {}
    for name, value_type in engines.items():
        run = eager_timings(value_type, reuse, n)
        build, backward = in_big_stack(lambda run=run: median_ns_per_op(run, n, args.repeats))
        reuse_totals[name] = build + backward
    for name, total in reuse_totals.items():
        ratio = f"{reuse_totals['micrograd'] / total:.1f}x" if "micrograd" in reuse_totals else "n/a"
        reuse_rows.append([name, f"{total:.0f}", ratio])
    table(
        f"one input reused {n:,} times: build+backward, ns per use",
        ["engine", "ns", "speed vs micrograd"],
        reuse_rows,
    )

    memory = {name: bytes_per_op(v, 10_000) for name, v in engines.items() if "PyTorch" not in name}
    table(
        "memory with the graph alive: bytes per op (10,000-op chain, tracemalloc)",
        ["engine", "bytes per op", "vs micrograd"],
        [
            [name, f"{b:.0f}", f"{b / memory['micrograd']:.2f}" if "micrograd" in memory else "n/a"]
            for name, b in memory.items()
        ],
    )
    depth_rows = []
    for name, value_type in engines.items():
        depth, failed = deepest_chain(value_type, args.depth_limit)
        note = f"(RecursionError at {depth + 1:,})" if failed else "(the largest tried)"
        depth_rows.append([name, f"{depth:,} {note}"])
    table("deepest chain whose backward works, default settings", ["engine", "depth"], depth_rows)


if __name__ == "__main__":
    main()
