"""The benchmarks' hand-written floors (and the NumPy reference) compute the engine's loss and gradients.

A floor that got a gradient wrong would be a fast wrong number: every speed ratio against it would
mean nothing. Each is checked here on a few rows against eager ``nn.MLP`` + ``backward()``.
"""

from __future__ import annotations

import math
import random
import sys
from collections.abc import Sequence
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

import bench_compiled
import bench_digits
import floor_digits
import floor_moons

from nn import MLP
from nn.losses import cross_entropy
from nn.optim import Adam


def close(got: Sequence[float], expected: Sequence[float], rtol: float = 1e-10) -> None:
    assert len(got) == len(expected)
    worst = max(abs(a - b) / max(abs(b), 1e-12) for a, b in zip(got, expected))
    assert worst <= rtol, f"largest relative difference {worst:.1e}"


def moons_engine(weights: list[float], X: list[list[float]], y: list[float]) -> tuple[float, list[float]]:
    model = bench_compiled.chainrule_model(weights)
    loss = bench_compiled.moons_loss(model, X, y)
    loss.backward()
    return loss.data, [p.grad for p in model.parameters()]


def moons_case(points: int = 12, seed: int = 0) -> tuple[list[float], list[list[float]], list[float]]:
    rng = random.Random(seed)
    weights = [rng.uniform(-1, 1) for _ in range(floor_moons.parameter_count())]
    X, y = floor_moons.moons_like(points, seed=seed)
    return weights, X, y


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_moons_floor_equals_the_engine(seed: int) -> None:
    weights, X, y = moons_case(seed=seed)
    loss, grads = floor_moons.loss_and_grads(weights, X, y)
    expected_loss, expected_grads = moons_engine(weights, X, y)
    assert loss == pytest.approx(expected_loss, rel=1e-12)
    close(grads, expected_grads)


def test_moons_floor_has_active_and_inactive_units() -> None:
    """The case above is not degenerate: some margins and ReLUs are active, some are not."""
    weights, X, y = moons_case()
    hidden = floor_moons.layers_of(weights, floor_moons.MOONS_SIZES)[0]
    z = [sum(w * v for w, v in zip(row, X[0])) + b for row, b in zip(*hidden)]
    assert any(s > 0 for s in z) and any(s <= 0 for s in z)
    _, grads = floor_moons.loss_and_grads(weights, X, y)
    assert any(g != 2e-4 * w for g, w in zip(grads, weights))  # the data term reaches the weights


def test_moons_sgd_step_moves_against_the_gradient() -> None:
    weights, X, y = moons_case()
    params = list(weights)
    loss = floor_moons.sgd_step(params, X, y, 0.5)
    _, grads = floor_moons.loss_and_grads(weights, X, y)
    assert loss == floor_moons.loss_and_grads(weights, X, y)[0]
    assert params == [w - 0.5 * g for w, g in zip(weights, grads)]


def test_floors_refuse_wrong_shapes() -> None:
    weights, X, y = moons_case()
    with pytest.raises(ValueError, match="expected 337 parameters, got 336"):
        floor_moons.loss_and_grads(weights[:-1], X, y)
    with pytest.raises(ValueError, match="one score"):
        floor_moons.loss_and_grads(weights[:9], X, y, sizes=(2, 3))
    with pytest.raises(ValueError, match="hidden"):
        floor_digits.loss_and_grads(weights[:9], X, [0] * len(X), sizes=(2, 3))


def digits_case(rows: int = 4) -> tuple[MLP, list[list[float]], list[int]]:
    X, y = floor_digits.digits()
    chosen = [y.index(label) for label in range(rows)]  # the first image of each of ``rows`` labels
    return MLP(64, [32, 10], seed=0, init="he"), [X[i] for i in chosen], [y[i] for i in chosen]


def test_digits_floor_equals_the_engine() -> None:
    model, X, y = digits_case()
    assert len(set(y)) == len(y) > 1
    loss = cross_entropy([model(x) for x in X], y)  # ReLU hidden layer: nn.MLP's default
    loss.backward()
    got_loss, grads = floor_digits.loss_and_grads([p.data for p in model.parameters()], X, y)
    assert got_loss == pytest.approx(loss.data, rel=1e-12)
    close(grads, [p.grad for p in model.parameters()])


def test_float_mlp_is_the_floor_then_adam() -> None:
    """bench_digits' mini-batch floor: the loss before the step, and nn.optim.Adam's update."""
    model, X, y = digits_case(3)
    floor = bench_digits.FloatMLP(model)
    optimizer = Adam(model.parameters(), lr=0.01)
    for _ in range(2):  # the second step uses Adam's moments and bias corrections
        loss = cross_entropy([model(x) for x in X], y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        assert floor.batch(X, y, 0.01) == pytest.approx(loss.data, rel=1e-12)
        close(floor.params, [p.data for p in model.parameters()], rtol=1e-9)


def test_numpy_reference_equals_the_floors() -> None:
    np = pytest.importorskip("numpy", reason="the NumPy reference needs NumPy (the bench extra)")
    import numpy_mlp

    weights, X, y = moons_case()
    loss, grads = floor_moons.loss_and_grads(weights, X, y)
    layers = numpy_mlp.layers_of(weights, floor_moons.MOONS_SIZES)
    got, got_grads = numpy_mlp.moons_loss_and_grads(layers, np.array(X), np.array(y))
    assert got == pytest.approx(loss, rel=1e-12)
    close(numpy_mlp.flat(got_grads), grads)

    model, Xd, yd = digits_case()
    params = [p.data for p in model.parameters()]
    loss, grads = floor_digits.loss_and_grads(params, Xd, yd)
    layers = numpy_mlp.layers_of(params, floor_digits.DIGITS_SIZES)
    got, got_grads = numpy_mlp.digits_loss_and_grads(layers, np.array(Xd), np.array(yd))
    assert math.isclose(got, loss, rel_tol=1e-12)
    close(numpy_mlp.flat(got_grads), grads)
    numpy_mlp.sgd(layers, got_grads, 0.5)
    close(numpy_mlp.flat(layers), [p - 0.5 * g for p, g in zip(params, grads)])


def test_bench_batch_runs_without_torch(monkeypatch: pytest.MonkeyPatch) -> None:
    """The benchmark imports and runs without PyTorch (its rows left out, with a note), and every
    engine it times agrees with the floor on the loss (``bench_batch.check``)."""
    monkeypatch.setitem(sys.modules, "torch", None)  # ``import torch`` raises ImportError
    import bench_batch

    from autograd.compiled import batch

    before = getattr(batch, "MIN_ROWS", None)
    result = bench_batch.moons(1, micrograd=False)
    assert getattr(batch, "MIN_ROWS", None) == before
    assert bench_batch.TORCH not in result.seconds
    assert "PyTorch is not installed: its rows are left out." in result.notes
    assert bench_batch.FLOOR in result.seconds and result.traces == 1
    lines = bench_batch.table({"moons step": result})
    assert lines[0].startswith("| workload | engine | ms |")
    assert all(line.endswith("| n/a |") for line in lines[2:])
