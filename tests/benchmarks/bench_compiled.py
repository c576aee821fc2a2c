"""micrograd's moons training step: chainrule eager and compiled vs micrograd vs hand-written floats.

Run:  python tests/benchmarks/bench_compiled.py [--repeats 7] [--points 100]

One step: forward of ``MLP(2, [16, 16, 1])`` (ReLU hidden, linear output) on every point, the
max-margin loss ``mean(relu(1 - y_i * score_i)) + 1e-4 * sum(p * p)``, backward, and an SGD update.
Each library runs its own idiomatic model from the same starting weights: ``nn.MLP`` for chainrule,
``micrograd.nn.MLP`` for micrograd. Reported: the one-time compile cost (trace, code generation,
CPython's compile) and the median step time of each, with ratios. The garbage collector stays on, as
users run it. The slow engines are timed first, each in its own phase on a clean heap: micrograd's
graphs are reference cycles, and what they leave for the collector would bill whoever runs next.
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
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import blas_threads  # noqa: F401  (first: NumPy's BLAS on one thread, as every engine here)

# isort: split
import floor_moons

from autograd.compiled import Compiled, batch, compile
from nn import MLP

SIZES = floor_moons.MOONS_SIZES
ALPHA = 1e-4  # micrograd's L2 weight


def model_with(weights: Sequence[float], make: Callable[[], Any]) -> Any:
    """A fresh model whose parameters (micrograd's order: layer, neuron, weights then bias) hold
    ``weights``."""
    model = make()
    for p, w in zip(model.parameters(), weights, strict=True):
        p.data = w
    return model


def chainrule_model(weights: Sequence[float]) -> MLP:
    return model_with(weights, lambda: MLP(SIZES[0], list(SIZES[1:])))  # type: ignore[no-any-return]


def sample_loss(model: Any, x: Sequence[Any], y: Any) -> Any:
    """One point's max-margin loss."""
    return (1 - y * model(x)).relu()


def penalty(model: Any) -> Any:
    return ALPHA * sum(p * p for p in model.parameters())


def moons_loss(model: Any, X: Sequence[Sequence[float]], y: Sequence[float]) -> Any:
    """micrograd's demo loss: mean max-margin plus L2 (works for either library's model)."""
    losses = [sample_loss(model, xi, yi) for xi, yi in zip(X, y)]
    return sum(losses) * (1.0 / len(losses)) + penalty(model)


def sgd(params: Sequence[Any], lr: float) -> None:
    for p in params:
        p.data -= lr * p.grad


def eager_step(model: Any, X: Sequence[Sequence[float]], y: Sequence[float], lr: float) -> Callable[[], None]:
    params = model.parameters()

    def step() -> None:
        loss = moons_loss(model, X, y)
        for p in params:
            p.grad = 0.0
        loss.backward()
        sgd(params, lr)

    return step


def micrograd_model(weights: Sequence[float]) -> Any:
    """micrograd's own MLP with the same weights, or None without micrograd."""
    try:
        from micrograd.nn import MLP as MicrogradMLP
    except ImportError:
        return None
    return model_with(weights, lambda: MicrogradMLP(SIZES[0], list(SIZES[1:])))


def compiled_trainers(model: MLP, X: Sequence[Sequence[float]], y: Sequence[float]) -> dict[str, Compiled]:
    """The two replays of the loss: the whole batch as one graph, and one sample replayed per row
    (plus the L2 term, compiled on its own)."""
    return {
        "whole": compile(lambda: moons_loss(model, X, y), params=model),
        "sample": compile(lambda x0, x1, t: sample_loss(model, [x0, x1], t), params=model, numbers=["t"]),
        "penalty": compile(lambda: penalty(model), params=model),
    }


def compiled_loss_and_step(
    model: MLP, replays: dict[str, Compiled], rows: list[list[float]], per_sample: bool
) -> Callable[[], float]:
    """One step through a replay: zero, forward + backward (into ``p.grad``), return the loss."""
    params = model.parameters()

    def loss_and_grads() -> float:
        for p in params:
            p.grad = 0.0
        if per_sample:
            return (
                replays["sample"].batch_backward(rows, weight=1.0 / len(rows)) + replays["penalty"].backward()
            )  # type: ignore[no-any-return]
        return replays["whole"].backward()  # type: ignore[no-any-return]

    return loss_and_grads


def medians(steps: dict[str, Callable[[], object]], repeats: int) -> dict[str, float]:
    """Median CPU seconds per step of each function, round-robin (``time.process_time``: the
    machine's cores are shared, and CPU time does not count the time other processes hold them)."""
    times: dict[str, list[float]] = {name: [] for name in steps}
    for _ in range(repeats):
        for name, step in steps.items():
            start = time.process_time()
            step()
            times[name].append(time.process_time() - start)
    return {name: statistics.median(t) for name, t in times.items()}


def train_compiled(
    weights: Sequence[float], X: Sequence[Sequence[float]], y: Sequence[float], per_sample: bool, steps: int
) -> tuple[float, float]:
    """micrograd's demo loop (SGD, learning rate 1.0 decaying to 0.1), compiled; the compile is
    inside the timing. Returns (CPU seconds, final loss)."""
    start = time.process_time()
    model = chainrule_model(weights)
    rows = [[*x, yi] for x, yi in zip(X, y)]
    replays = (
        {"whole": compile(lambda: moons_loss(model, X, y), params=model)}
        if not per_sample
        else {
            "sample": compile(lambda x0, x1, t: sample_loss(model, [x0, x1], t), params=model, numbers=["t"]),
            "penalty": compile(lambda: penalty(model), params=model),
        }
    )
    step = compiled_loss_and_step(model, replays, rows, per_sample)
    params = model.parameters()
    loss = 0.0
    for k in range(steps):
        loss = step()
        sgd(params, 1.0 - 0.9 * k / steps)
    return time.process_time() - start, loss


def fit_demo_seconds(steps: int = 100) -> float:
    """The moons demo's training as a user runs it: ``fit(..., compile=True)`` (nn.losses.hinge, L2,
    SGD 1.0 -> 0.1), compile and the first-batch check included."""
    from nn import fit, l2_penalty
    from nn.data import make_moons
    from nn.losses import hinge
    from nn.optim import SGD
    from nn.schedules import LinearDecay

    X, labels = make_moons(100, noise=0.1, seed=1)
    y = [2 * t - 1 for t in labels]
    start = time.process_time()
    model = MLP(2, [16, 16, 1], seed=0)
    optimizer = SGD(model.parameters(), lr=1.0)
    fit(
        model, X, y, loss=hinge, optimizer=optimizer, epochs=steps, compile=True, progress=False,
        penalty=lambda m: l2_penalty(m.parameters(), lam=0.02, n=len(X)),
        schedule=LinearDecay(optimizer, end_lr=0.1, total_steps=steps),
    )  # fmt: skip
    return time.process_time() - start


def guard_cost(model: MLP, rows: list[list[float]], repeats: int) -> tuple[float, float, int]:
    """Seconds per batch replay of a per-sample Huber-style loss (a Python branch on the margin's
    number, so every row checks a guard), with its guards and with the same code without them."""
    from autograd.compiled.codegen import batch_source, define

    def branchy(x0: Any, x1: Any, t: Any) -> Any:
        margin = 1 - t * model([x0, x1])
        return margin * margin if abs(margin.data) < 1 else 2 * abs(margin) - 1

    f = compile(branchy, params=model, numbers=["t"])
    f.batch_value_and_grad(rows)  # traces every path the rows take
    program = f._entries[0].program
    guarded_loop = define(batch_source([program]), "batch")
    bare = define(batch_source([program._replace(early=(), guards=())]), "batch")
    ours = rows[:1] * len(rows)  # every row on the first trace's path
    params, zeros = [p.data for p in model.parameters()], [0.0] * len(model.parameters())
    times: dict[str, list[float]] = {"guarded": [], "bare": []}
    for _ in range(repeats):  # interleaved; the fastest of each (a small difference under load)
        for name, loop in (("guarded", guarded_loop), ("bare", bare)):
            start = time.process_time()
            loop(ours, params, 1.0, zeros, [])
            times[name].append(time.process_time() - start)
    return min(times["guarded"]), min(times["bare"]), len(program.early + program.guards)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--points", type=int, default=100)
    parser.add_argument("--no-micrograd", action="store_true", help="skip micrograd even if installed")
    args = parser.parse_args(argv)
    X, y = floor_moons.moons_like(args.points)
    rows = [[*x, yi] for x, yi in zip(X, y)]
    rng = random.Random(0)
    weights = [rng.uniform(-1, 1) for _ in range(floor_moons.parameter_count())]
    lr = 0.05
    slow_repeats = max(3, args.repeats // 2)

    # 1. the graph-building engines, each on a clean heap
    result: dict[str, float] = {}
    gc.collect()
    result["chainrule eager (nn.MLP)"] = medians(
        {"": eager_step(chainrule_model(weights), X, y, lr)}, slow_repeats
    )[""]
    theirs = None if args.no_micrograd else micrograd_model(weights)
    if theirs is not None:
        gc.collect()
        result["micrograd (micrograd.nn.MLP)"] = medians({"": eager_step(theirs, X, y, lr)}, slow_repeats)[""]
        del theirs
        gc.collect()

    # 2. the replays and the floor
    whole_model, sample_model = chainrule_model(weights), chainrule_model(weights)
    start = time.perf_counter()
    whole_replays = compiled_trainers(whole_model, X, y)
    whole_replays["whole"].source  # noqa: B018  (traces and compiles now)
    whole_compile = time.perf_counter() - start
    start = time.perf_counter()
    sample_replays = compiled_trainers(sample_model, X, y)
    sample_replays["sample"].batch_value_and_grad(rows[:1])  # traces and compiles the function and its loop
    sample_replays["penalty"].source  # noqa: B018
    sample_compile = time.perf_counter() - start
    whole_step = compiled_loss_and_step(whole_model, whole_replays, rows, per_sample=False)
    sample_step = compiled_loss_and_step(sample_model, sample_replays, rows, per_sample=True)
    sample_replays["sample"].columns = False  # row by row; the columns row below uses NumPy
    default_min_rows = batch.MIN_ROWS
    batch.MIN_ROWS = 1  # the columns row runs over columns at any batch size (restored after timing)
    columns_model = chainrule_model(weights)
    columns_replays = compiled_trainers(columns_model, X, y)
    columns_replays["sample"].batch_value_and_grad(rows)  # traces and vectorizes
    columns_step = compiled_loss_and_step(columns_model, columns_replays, rows, per_sample=True)
    if not columns_replays["sample"].columns:
        columns_step = None  # type: ignore[assignment]  # no NumPy: the row is left out
    floor_params = list(weights)
    sample_params, columns_params, whole_params = (
        sample_model.parameters(),
        columns_model.parameters(),
        whole_model.parameters(),
    )
    result.update(
        medians(
            {
                "chainrule compiled, per sample": lambda: (sample_step(), sgd(sample_params, lr)),
                **(
                    {
                        "chainrule compiled, batch over NumPy columns": lambda: (
                            columns_step(),
                            sgd(columns_params, lr),
                        )
                    }
                    if columns_step is not None
                    else {}
                ),
                "chainrule compiled, whole batch": lambda: (whole_step(), sgd(whole_params, lr)),
                "hand-written floats (the floor)": lambda: floor_moons.sgd_step(floor_params, X, y, lr),
            },
            args.repeats,
        )
    )
    batch.MIN_ROWS = default_min_rows

    # 3. the same numbers from all of them (fresh parameters)
    check = chainrule_model(weights)
    eager_loss = moons_loss(check, X, y)
    eager_loss.backward()
    eager_grads = [p.grad for p in check.parameters()]
    fresh = chainrule_model(weights)
    replays = compiled_trainers(fresh, X, y)
    loss_whole = compiled_loss_and_step(fresh, replays, rows, per_sample=False)()
    grads_whole = [p.grad for p in fresh.parameters()]
    loss_sample = compiled_loss_and_step(fresh, replays, rows, per_sample=True)()
    grads_sample = [p.grad for p in fresh.parameters()]
    loss_floor, grads_floor = floor_moons.loss_and_grads(weights, X, y)

    def worst(grads: Sequence[float]) -> float:
        return max(abs(a - b) / abs(b) for a, b in zip(grads, grads_floor) if b)

    floor = result["hand-written floats (the floor)"]
    mg = result.get("micrograd (micrograd.nn.MLP)")
    nodes = whole_replays["whole"].n_nodes
    lines = whole_replays["whole"].source.count("\n")
    print(f"moons training step: {args.points} points, MLP(2, [16, 16, 1]), GC on, median of {args.repeats}")
    print(f"(eager engines: median of {slow_repeats}, each timed alone)")
    print(f"whole batch as one graph: {nodes:,} nodes, {lines:,} lines of generated code")
    print(f"compile, whole batch (trace + generate + CPython compile): {whole_compile:.2f} s")
    print(
        f"compile, per sample ({sample_replays['sample'].n_nodes} nodes) + L2 term: {sample_compile:.2f} s\n"
    )
    print("| engine | ms per step | vs the floor | speed vs micrograd |")
    print("|---|---:|---:|---:|")
    for name, seconds in result.items():
        vs_micrograd = f"{mg / seconds:.1f}x" if mg else "n/a"
        print(f"| {name} | {1e3 * seconds:.1f} | {seconds / floor:.2f}x | {vs_micrograd} |")
    print(
        f"\nloss: floor {loss_floor!r}, eager {eager_loss.data!r}, compiled {loss_whole!r} / {loss_sample!r}"
    )
    print(
        f"largest relative gradient difference from the floor: eager {worst(eager_grads):.1e}, "
        f"compiled whole batch {worst(grads_whole):.1e}, per sample {worst(grads_sample):.1e}"
    )
    guarded, bare, n_guards = guard_cost(chainrule_model(weights), rows, 10 * args.repeats)
    print(
        f"\nguards: a per-sample loss with a branch on its number ({n_guards} guard per row): batch replay "
        f"{1e3 * guarded:.2f} ms with its guards, {1e3 * bare:.2f} ms without "
        f"(fastest of {10 * args.repeats}): {guarded / bare - 1:+.1%}"
    )
    demo = statistics.median(fit_demo_seconds() for _ in range(3))
    line = f"\nthe moons demo through fit(..., compile=True), 100 steps end to end: {demo:.2f} s"
    if mg:
        line += f"; micrograd's 100 steps ({100 * mg:.0f} s) take {100 * mg / demo:.0f}x longer"
    print(line)
    print("\n100 steps of the demo (lr 1.0 -> 0.1), compile included, measured end to end:")
    for per_sample in (True, False):
        seconds, loss = train_compiled(weights, X, y, per_sample, 100)
        name = "whole batch"
        if per_sample:
            name = f"per-sample loss, batch_backward (over columns from {batch.MIN_ROWS} rows)"
        line = f"- compiled, {name}: {seconds:.2f} s (final loss {loss:.4f})"
        if mg:
            line += f"; micrograd's 100 steps (100 x its median step: {100 * mg:.0f} s) take "
            line += f"{100 * mg / seconds:.0f}x longer"
        print(line)


if __name__ == "__main__":
    main()
