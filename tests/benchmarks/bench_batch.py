"""Batch replay against the honest floors, micrograd, hand-written NumPy and batched PyTorch.

Run:  python tests/benchmarks/bench_batch.py [--repeats 7]

1. micrograd's moons step (100 points, ``MLP(2, [16, 16, 1])``, max-margin + L2, SGD): the compiled
   sample loss replayed row by row and over NumPy columns (``Compiled.batch_backward``; the columns
   forced on at 100 rows), the hand-written plain-float floor (``floor_moons.py``), micrograd 0.1.0
   (its own MLP, with the cyclic garbage collector on and paused: its graphs are reference cycles),
   PyTorch with batched float64 tensors on one thread, and the same MLP hand-written in NumPy.
2. A digits epoch as one batch: the 1,797 images through ``MLP(64, [32, 10])`` (ReLU, ``nn.MLP``'s
   default), mean softmax cross-entropy, forward + backward + one update: the compiled sample loss
   (the label a static input: one trace per label) row by row and over columns, the floor
   (``floor_digits.py``), PyTorch batched, NumPy by hand.
3. Compile time of both sample losses: from ``compile()`` until every trace exists and runs (the
   first ``batch_value_and_grad`` over all the rows), minus one steady-state ``batch_value_and_grad``.

One process, medians of CPU time (``time.process_time``: the machine's cores are shared), the fast
rows round-robin; micrograd in its own phase on a clean heap (what its cycles leave for the collector
would bill whoever runs next). Every engine's loss is checked against the floor's before timing.
PyTorch, NumPy and micrograd are optional: their rows are left out, with a note, when missing.
Prints Markdown tables for the README's speed section.
"""

from __future__ import annotations

import argparse
import gc
import itertools
import random
import statistics
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NamedTuple

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import blas_threads  # first: NumPy's BLAS on one thread, as PyTorch's below

# isort: split
import bench_compiled
import floor_digits
import floor_moons

from autograd.compiled import Compiled, batch, compile
from nn import MLP
from nn.losses import cross_entropy

FLOOR = "hand-written plain floats (the floor)"
TORCH = "PyTorch, batched float64 tensors, 1 thread"
NUMPY = "hand-written NumPy, matrix products"
Steps = dict[str, Callable[[], float]]


class Result(NamedTuple):
    seconds: dict[str, float]  # median CPU seconds per step, by engine
    compile_seconds: dict[str, float]  # by replay mode
    traces: int
    nodes: int  # in the first trace
    notes: list[str]


def check(steps: Steps, expected: float) -> None:
    """Each step's loss equals the floor's to 1e-12 relative (a fast wrong number is no result)."""
    for name, step in steps.items():
        got = float(step())
        if abs(got - expected) > 1e-12 * abs(expected):
            raise AssertionError(f"{name}: loss {got!r}, the floor's {expected!r}")


# -- the compiled replays ------------------------------------------------------------------------------


@contextmanager
def columns_from_one_row() -> Iterator[None]:
    """The columns replay at any batch size (by default small batches go row by row)."""
    old = getattr(batch, "MIN_ROWS", None)
    if old is not None:
        batch.MIN_ROWS = 1
    try:
        yield
    finally:
        if old is not None:
            batch.MIN_ROWS = old


def columns_note(f: Compiled, n: int) -> str:
    """How many of the ``n`` rows ``f``'s last batch replay ran over columns, as a suffix for its
    row's name ("" for all of them, or when this version of ``compiled`` does not say)."""
    over = getattr(f, "rows_over_columns", None)
    if over is None:  # an older compiled: did some trace vectorize?
        try:
            over = n if any(v is not None for e in f._entries for v in e._columns.values()) else 0
        except (AttributeError, TypeError):
            return ""
    if over == n:
        return ""
    return " (asked; ran row by row)" if over == 0 else f" ({over:,} of {n:,} rows over columns)"


class Replay(NamedTuple):
    steps: Steps
    compile_seconds: float
    traces: int
    nodes: int


def replay_rows(
    make: Callable[[], tuple[Compiled, Compiled | None]], model: MLP, rows: list[list[Any]], columns: bool
) -> Replay:
    """A compiled sample loss (and a term compiled on its own, the L2 penalty) as rows of the table:
    each step zeroes the grads, replays, and updates (lr 0: every repeat times the same step). With
    ``Compiled.prepare``, the rows are checked and converted once, as the arrays of NumPy and PyTorch
    are made once (and over columns, a second row converts them every step). The compile time: the
    first replay over all the rows, ``compile()`` included, minus a steady one."""
    params = model.parameters()

    def one_pass() -> float:
        value, _ = f.batch_value_and_grad(rows, weight=1.0 / len(rows))
        return value + (extra.value_and_grad()[0] if extra is not None else 0.0)

    start = time.process_time()
    f, extra = make()
    f.columns = columns and batch.AVAILABLE
    one_pass()  # traces every path the rows take, generates and compiles the code
    first = time.process_time() - start
    steady = statistics.median(timed_once(one_pass) for _ in range(3))

    def step_over(given: Any) -> Callable[[], float]:
        def step() -> float:
            for p in params:
                p.grad = 0.0
            loss = f.batch_backward(given, weight=1.0 / len(rows)) + (extra.backward() if extra else 0.0)
            for p in params:
                p.data -= 0.0 * p.grad  # the update (lr 0: every repeat times the same step)
            return loss

        return step

    name = "chainrule compiled, per-row replay"
    if columns:
        name = "chainrule compiled, over NumPy columns" + columns_note(f, len(rows))
    prepare = getattr(f, "prepare", None)
    if prepare is None:
        steps = {name: step_over(rows)}
    else:
        steps = {f"{name}, rows prepared once": step_over(prepare(rows))}
        if columns:
            steps[f"{name}, rows converted every step"] = step_over(rows)
    return Replay(steps, first - steady, f.n_traces, f.n_nodes)


def timed_once(fn: Callable[[], object]) -> float:
    start = time.process_time()
    fn()
    return time.process_time() - start


def compiled_rows(
    make: Callable[[MLP], tuple[Compiled, Compiled | None]],
    new_model: Callable[[], MLP],
    rows: list[list[Any]],
) -> tuple[Steps, Result]:
    """The per-row and (with NumPy) columns replays of one sample loss, each on its own model; the
    result holds their compile times (its ``seconds`` are filled in later)."""
    steps: Steps = {}
    result = Result({}, {}, 0, 0, [])
    modes = [False, True] if batch.AVAILABLE else [False]
    if not batch.AVAILABLE:
        result.notes.append("NumPy is not installed: no columns replay and no NumPy row.")
    for columns in modes:
        model = new_model()
        replay = replay_rows(lambda m=model: make(m), model, rows, columns)
        steps.update(replay.steps)
        result.compile_seconds["over columns" if columns else "per-row replay"] = replay.compile_seconds
        result = result._replace(traces=replay.traces, nodes=replay.nodes)
    return steps, result


# -- PyTorch and NumPy ---------------------------------------------------------------------------------


def torch_layers(weights: Sequence[float], sizes: Sequence[int]) -> list[tuple[Any, Any]] | None:
    """``(W, b)`` float64 leaf tensors per layer from a flat list in micrograd's order, or None."""
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(1)  # one core, as every other row (its worker threads' spinning is CPU time)
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


def torch_step(layers: list[tuple[Any, Any]], loss_of: Callable[[], Any]) -> Callable[[], float]:
    """Zero the grads, forward, backward, SGD update (lr 0); returns the loss."""
    import torch

    params = [p for layer in layers for p in layer]

    def step() -> float:
        loss = loss_of()
        for p in params:
            p.grad = None
        loss.backward()
        with torch.no_grad():
            for p in params:
                p -= 0.0 * p.grad
        return float(loss.detach())

    return step


def array_rows(
    weights: list[float], sizes: Sequence[int], X: Any, y: Any, loss: str, notes: list[str]
) -> Steps:
    """The PyTorch and NumPy steps of one workload (``loss``: "moons" or "digits"), when installed."""
    steps: Steps = {}
    layers = torch_layers(weights, sizes)
    if layers is None:
        notes.append("PyTorch is not installed: its rows are left out.")
    else:
        import torch

        tX = torch.tensor(X, dtype=torch.float64)
        if loss == "moons":
            ty = torch.tensor(y, dtype=torch.float64)
            params = [p for layer in layers for p in layer]
            penalty = bench_compiled.ALPHA

            def moons_loss() -> Any:
                score = torch_forward(layers, tX)[:, 0]
                return (1 - ty * score).relu().mean() + penalty * sum((p * p).sum() for p in params)

            steps[TORCH] = torch_step(layers, moons_loss)
        else:
            targets = torch.tensor(y)
            ce = torch.nn.functional.cross_entropy
            steps[TORCH] = torch_step(layers, lambda: ce(torch_forward(layers, tX), targets))
    if batch.AVAILABLE:
        import numpy as np
        import numpy_mlp

        arrays = numpy_mlp.layers_of(weights, sizes)
        nX, ny = np.array(X, dtype=float), np.array(y, dtype=float if loss == "moons" else int)
        loss_and_grads = (
            numpy_mlp.moons_loss_and_grads if loss == "moons" else numpy_mlp.digits_loss_and_grads
        )

        def numpy_step() -> float:
            value, grads = loss_and_grads(arrays, nX, ny)
            numpy_mlp.sgd(arrays, grads, 0.0)
            return value

        steps[NUMPY] = numpy_step
    return steps


# -- micrograd -----------------------------------------------------------------------------------------


def micrograd_rows(
    weights: list[float],
    X: list[list[float]],
    y: list[float],
    expected: float,
    repeats: int,
    notes: list[str],
) -> dict[str, float]:
    """micrograd 0.1.0's moons step (its own MLP, same weights), median CPU seconds with the cyclic
    garbage collector on (as a user runs it) and paused (collected after, untimed). Its graphs are
    reference cycles, so each run starts on a clean heap."""
    theirs = bench_compiled.micrograd_model(weights)
    if theirs is None:
        notes.append("micrograd is not installed (`pip install -e .[bench]`): its rows are left out.")
        return {}
    loss = bench_compiled.moons_loss(theirs, X, y).data
    if abs(loss - expected) > 1e-12 * abs(expected):
        raise AssertionError(f"micrograd: loss {loss!r}, the floor's {expected!r}")
    step = bench_compiled.eager_step(theirs, X, y, 0.0)
    times: dict[bool, list[float]] = {True: [], False: []}
    was_enabled = gc.isenabled()
    try:
        for _ in range(repeats):
            for collector in (True, False):
                gc.enable()
                gc.collect()
                if not collector:
                    gc.disable()
                times[collector].append(timed_once(step))
                gc.enable()
                gc.collect()
    finally:
        (gc.enable if was_enabled else gc.disable)()
    return {
        "micrograd 0.1.0, garbage collector on": statistics.median(times[True]),
        "micrograd 0.1.0, garbage collector paused": statistics.median(times[False]),
    }


# -- the two workloads ---------------------------------------------------------------------------------


def moons(repeats: int, micrograd: bool = True) -> Result:
    X, y = floor_moons.moons_like(100)
    rows = [[*x, yi] for x, yi in zip(X, y)]
    rng = random.Random(0)
    weights = [rng.uniform(-1, 1) for _ in range(floor_moons.parameter_count())]

    def make(model: MLP) -> tuple[Compiled, Compiled | None]:
        f = compile(
            lambda x0, x1, t: bench_compiled.sample_loss(model, [x0, x1], t), params=model, numbers=["t"]
        )
        return f, compile(lambda: bench_compiled.penalty(model), params=model)

    with columns_from_one_row():
        steps, result = compiled_rows(make, lambda: bench_compiled.chainrule_model(weights), rows)
        floor_params = list(weights)
        steps[FLOOR] = lambda: floor_moons.sgd_step(floor_params, X, y, 0.0)
        steps.update(array_rows(weights, floor_moons.MOONS_SIZES, X, y, "moons", result.notes))
        expected = floor_moons.loss_and_grads(weights, X, y)[0]
        check(steps, expected)
        result.seconds.update(bench_compiled.medians(steps, repeats))
    if micrograd:
        result.seconds.update(micrograd_rows(weights, X, y, expected, max(3, repeats // 2), result.notes))
    return result


def digits(repeats: int) -> Result:
    X, y = floor_digits.digits()
    rows = [[*x, t] for x, t in zip(X, y)]
    weights = [p.data for p in MLP(64, [32, 10], seed=0, init="he").parameters()]

    def make(model: MLP) -> tuple[Compiled, Compiled | None]:
        loss = compile(
            lambda *a: cross_entropy(model(list(a[:64])), a[64]), params=model, static=[64], max_traces=16
        )
        return loss, None

    steps, result = compiled_rows(make, lambda: MLP(64, [32, 10], seed=0, init="he"), rows)
    floor_params = list(weights)

    def floor_step() -> float:
        loss, grads = floor_digits.loss_and_grads(floor_params, X, y)
        floor_params[:] = [p - 0.0 * g for p, g in zip(floor_params, grads)]
        return loss

    steps[FLOOR] = floor_step
    steps.update(array_rows(weights, floor_digits.DIGITS_SIZES, X, y, "digits", result.notes))
    check(steps, floor_digits.loss_and_grads(weights, X, y)[0])
    result.seconds.update(bench_compiled.medians(steps, repeats))
    return result


# -- the tables ------------------------------------------------------------------------------------------


def table(results: dict[str, Result]) -> list[str]:
    """One Markdown table: every workload's engines with ms, speed vs the floor, time vs PyTorch."""
    lines = ["| workload | engine | ms | speed vs the floor | time vs PyTorch |", "|---|---|---:|---:|---:|"]
    for workload, result in results.items():
        floor = result.seconds[FLOOR]
        torch_seconds = result.seconds.get(TORCH)
        for name, seconds in result.seconds.items():
            vs_torch = f"{seconds / torch_seconds:.1f}x" if torch_seconds else "n/a"
            ms = 1e3 * seconds
            shown = f"{ms:,.0f}" if ms >= 100 else f"{ms:.2f}"
            speed = floor / seconds
            vs_floor = f"{speed:.2f}x" if speed >= 0.1 else f"1/{1 / speed:,.0f}"  # 1/340: 340x slower
            lines.append(f"| {workload} | {name} | {shown} | {vs_floor} | {vs_torch} |")
    return lines


def compile_table(results: dict[str, Result]) -> list[str]:
    lines = [
        "| sample loss | traces | nodes (first trace) | compile, per-row replay | compile, over columns |"
    ]
    lines.append("|---|---:|---:|---:|---:|")
    for workload, result in results.items():
        per_row = result.compile_seconds.get("per-row replay")
        columns = result.compile_seconds.get("over columns")
        cells = [f"{s:.2f} s" if s is not None else "n/a" for s in (per_row, columns)]
        lines.append(f"| {workload} | {result.traces} | {result.nodes:,} | {cells[0]} | {cells[1]} |")
    return lines


def versions() -> str:
    found = [f"Python {sys.version.split()[0]}", blas_threads.described()]
    for module in ("numpy", "torch", "micrograd"):
        try:
            found.append(f"{module} {__import__(module).__version__}")
        except ImportError:
            found.append(f"{module} not installed")
        except AttributeError:
            found.append(module)
    return ", ".join(found)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--no-micrograd", action="store_true", help="skip micrograd (~1 s a step)")
    args = parser.parse_args(argv)
    results = {
        "moons step": moons(args.repeats, micrograd=not args.no_micrograd),
        "digits epoch": digits(args.repeats),
    }
    print(f"batch replay: median CPU time of {args.repeats} round-robin repeats ({versions()})\n")
    print("\n".join(table(results)))
    print()
    print("\n".join(compile_table(results)))
    for note in dict.fromkeys(note for result in results.values() for note in result.notes):
        print(f"\nnote: {note}")


if __name__ == "__main__":
    main()
