"""Digits: one epoch (1,797 images, mini-batches of 32) of MLP(64, [32, 10]) three ways, and what the
TrainingRecorder costs.

1. ``fit(compile=True)``, cross-entropy, Adam (compiling timed apart: it happens once per trainer);
2. the same training hand-written in plain floats (forward, softmax cross-entropy, backward by hand,
   Adam): the floor any engine is measured against;
3. micrograd 0.1.0's ``MLP(64, [32, 10])``: it has no ``exp`` or ``log``, so no cross-entropy; both
   it and chainrule train with squared error to one-hot targets and SGD there. micrograd is timed on
   a few batches and scaled to the epoch;
4. the recorder: micrograd's moons run (100 steps, compiled), a snapshot every step, with and
   without it (its page is saved afterwards, not timed here).

All in one process, each repeated; medians of CPU time (``time.process_time``: this machine's two cores
are shared, and CPU time does not count the time other processes hold them).

Run:  python tests/benchmarks/bench_digits.py [--quick]
"""

from __future__ import annotations

import gc
import math
import random
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import blas_threads  # noqa: F401  (first: NumPy's BLAS on one thread, as every engine here)

# isort: split
import floor_digits

from nn import MLP, Trainer, l2_penalty
from nn.data import Batches, make_moons
from nn.losses import cross_entropy, hinge, mse
from nn.optim import SGD, Adam
from nn.schedules import LinearDecay
from nn.viz import TrainingRecorder

BATCH = 32


def timed(fn: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        gc.collect()
        start = time.process_time()
        fn()
        times.append(time.process_time() - start)
    return statistics.median(times)


def digits() -> tuple[list[list[float]], list[int]]:
    """The 1,797 images, pixels scaled to [0, 1], and their labels."""
    return floor_digits.digits()


# -- 2. the floor: plain floats, derived by hand (floor_digits.py), and Adam ----------------------------


class FloatMLP:
    """64-32-10, ReLU then linear scores, softmax cross-entropy (mean over the batch), Adam: the
    forward and backward of ``floor_digits.loss_and_grads`` (builtins, no data-dependent shortcut),
    then Adam over the flat parameter list, written out in plain floats."""

    def __init__(self, model: MLP) -> None:
        self.params = [p.data for p in model.parameters()]
        self.sizes = (model.nin, *model.nouts)
        n = len(self.params)
        self.m, self.v, self.t = [0.0] * n, [0.0] * n, 0

    def batch(self, X: Sequence[Sequence[float]], y: Sequence[int], lr: float) -> float:
        """One step on the batch ``(X, y)``; the loss before the step."""
        loss, grads = floor_digits.loss_and_grads(self.params, X, y, self.sizes)
        self.adam(grads, lr)
        return loss

    def adam(self, grads: list[float], lr: float) -> None:
        """``m = b1 m + (1 - b1) g``, ``v = b2 v + (1 - b2) g^2``, ``p -= lr m^ / (sqrt(v^) + eps)``
        with the bias corrections ``m^ = m / (1 - b1^t)``, ``v^ = v / (1 - b2^t)``."""
        b1, b2, eps = 0.9, 0.999, 1e-8
        self.t += 1
        c1, c2 = 1 - b1**self.t, 1 - b2**self.t
        sqrt = math.sqrt
        self.m = m = [b1 * mk + (1 - b1) * g for mk, g in zip(self.m, grads)]
        self.v = v = [b2 * vk + (1 - b2) * g * g for vk, g in zip(self.v, grads)]
        self.params = [p - lr * (mk / c1) / (sqrt(vk / c2) + eps) for p, mk, vk in zip(self.params, m, v)]


def float_epoch(floor: FloatMLP, batches: Batches) -> None:
    for X_batch, y_batch in batches:
        floor.batch(X_batch, y_batch, 0.01)


# -- 3. micrograd ----------------------------------------------------------------------------------------


def micrograd_batches(X: list[list[float]], y: list[int], batches: int, collector: bool = True) -> float:
    """Seconds for ``batches`` mini-batches of squared error to one-hot targets, SGD. micrograd's graph
    is full of reference cycles (each node's ``_backward`` closure holds the node), so with Python's
    cyclic garbage collector on (``collector``, as a user runs it) its full passes rescan the growing
    graph again and again; ``fit`` pauses the collector while it builds graphs."""
    from micrograd.nn import MLP as MicroMLP

    random.seed(0)
    model = MicroMLP(64, [32, 10])
    was_enabled = gc.isenabled()
    if not collector:
        gc.disable()
    try:
        return _micrograd_loop(model, X, y, batches)
    finally:
        if was_enabled:
            gc.enable()


def _micrograd_loop(model: object, X: list[list[float]], y: list[int], batches: int) -> float:
    start = time.process_time()
    for b in range(batches):
        rows = range(b * BATCH, (b + 1) * BATCH)
        outputs = [model(X[i]) for i in rows]  # type: ignore[operator]
        loss = sum(
            (o - (1.0 if k == y[i] else 0.0)) ** 2 for i, out in zip(rows, outputs) for k, o in enumerate(out)
        )
        loss = loss * (1.0 / (BATCH * 10))
        model.zero_grad()  # type: ignore[attr-defined]
        loss.backward()
        for p in model.parameters():  # type: ignore[attr-defined]
            p.data -= 0.1 * p.grad
    return time.process_time() - start


def main(argv: list[str]) -> None:
    quick = "--quick" in argv
    repeats = 2 if quick else 5
    X, y = digits()
    print(f"digits: one epoch = {len(X)} images in mini-batches of {BATCH}; CPU time, medians of {repeats}")

    model = MLP(64, [32, 10], seed=0, init="he")
    trainer = Trainer(model, cross_entropy, Adam(model.parameters(), lr=0.01), metric=None, compile=True)
    start = time.process_time()
    trainer.fit(X[:64], y[:64], epochs=1, batch_size=BATCH, progress=False)  # traces and compiles
    compile_seconds = time.process_time() - start
    compiled = timed(lambda: trainer.fit(X, y, epochs=1, batch_size=BATCH, seed=0, progress=False), repeats)

    floor = FloatMLP(MLP(64, [32, 10], seed=0, init="he"))
    batches = Batches(X, y, BATCH, seed=0)
    floats = timed(lambda: float_epoch(floor, batches), repeats)

    one_hot = [[1.0 if k == t else 0.0 for k in range(10)] for t in y]
    model2 = MLP(64, [32, 10], seed=0, init="he")
    trainer2 = Trainer(model2, mse, SGD(model2.parameters(), lr=0.1), metric=None, compile=True)
    trainer2.fit(X[:64], one_hot[:64], epochs=1, batch_size=BATCH, progress=False)
    compiled_mse = timed(
        lambda: trainer2.fit(X, one_hot, epochs=1, batch_size=BATCH, progress=False), repeats
    )
    sample = 1 if quick else 2
    per_epoch = len(X) / (sample * BATCH)
    micro_epoch = per_epoch * statistics.median(
        micrograd_batches(X, y, sample, collector=False) for _ in range(min(repeats, 3))
    )
    micro_gc_epoch = per_epoch * micrograd_batches(X, y, sample, collector=True)

    rows = [
        ("chainrule fit(compile=True), cross-entropy, Adam", compiled, f"{compiled / floats:.2f}x", ""),
        ("hand-written plain floats, cross-entropy, Adam", floats, "1.00x", ""),
        (
            "chainrule fit(compile=True), squared error, SGD",
            compiled_mse,
            "",
            f"{micro_epoch / compiled_mse:.0f}x",
        ),
        (f"micrograd 0.1.0, same, collector paused ({sample} batches, scaled)", micro_epoch, "", "1x"),
        (
            f"micrograd 0.1.0, same, collector on ({sample} batches, scaled)",
            micro_gc_epoch,
            "",
            f"{micro_epoch / micro_gc_epoch:.2f}x",
        ),
    ]
    print(f"{'':62} {'s/epoch':>8} {'vs floats':>10} {'vs micrograd':>13}")
    for name, seconds, floor_ratio, micro_ratio in rows:
        print(f"{name:62} {seconds:8.2f} {floor_ratio:>10} {micro_ratio:>13}")
    print(f"(compiling once for cross-entropy: {compile_seconds:.1f} s)")

    recorder_overhead(repeats)


def recorder_overhead(repeats: int) -> None:
    """micrograd's moons run compiled, 100 steps, with and without a snapshot every step."""
    X, labels = make_moons(100, noise=0.1, seed=1337)
    y = [2 * t - 1 for t in labels]

    def run(record: bool) -> Callable[[], object]:
        def go() -> object:
            model = MLP(2, [16, 16, 1], seed=1337)
            optimizer = SGD(model.parameters(), lr=1.0)
            trainer = Trainer(
                model,
                hinge,
                optimizer,
                penalty=lambda m: l2_penalty(m.parameters(), lam=0.02, n=100),
                schedule=LinearDecay(optimizer, end_lr=0.1, total_steps=100),
                compile=True,
            )
            callbacks = [TrainingRecorder(data=(X, y))] if record else []
            return trainer.fit(X, y, epochs=100, callbacks=callbacks, progress=False)

        return go

    plain, recorded = [], []
    for _ in range(repeats):  # interleaved, so both see the same machine
        plain.append(timed(run(False), 1))
        recorded.append(timed(run(True), 1))
    a, b = statistics.median(plain), statistics.median(recorded)
    print(f"moons, 100 compiled steps: {a:.2f} s without the recorder, {b:.2f} s with it ({b / a - 1:+.1%})")


if __name__ == "__main__":
    main(sys.argv[1:])
