"""``fit(compile=True)`` over NumPy columns trains as eager does (history and weights to 1e-9), and
without NumPy it trains row by row, the same numbers."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import nn
from autograd.compiled import Compiled, batch
from nn.losses import binary_cross_entropy, cross_entropy, hinge, mse
from nn.optim import SGD, Adam, Optimizer
from nn.regularization import l2_penalty
from nn.train import History, Trainer

MIN_ROWS = 24
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def small_batches_run_over_columns() -> Iterator[None]:
    before = batch.MIN_ROWS
    batch.MIN_ROWS = MIN_ROWS
    yield
    batch.MIN_ROWS = before


def digits(n: int) -> tuple[list[list[float]], list[int]]:
    """The first ``n`` digits, each 8x8 image pooled to 4x4 (16 features in [0, 1])."""
    X, y = nn.data.load_digits()
    pooled = []
    for image in X[:n]:
        pooled.append(
            [
                sum(image[8 * (2 * r + i) + 2 * c + j] for i in (0, 1) for j in (0, 1)) / 64
                for r in range(4)
                for c in range(4)
            ]
        )
    return pooled, list(y[:n])


def train(
    compile: bool,
    X: list[Any],
    y: list[Any],
    loss: Any,
    optimizer: Callable[[list[Any]], Optimizer],
    *,
    penalty: Any = None,
    epochs: int = 3,
    batch_size: int | None = None,
    make: Callable[[], nn.MLP],
) -> tuple[History, nn.MLP, Trainer]:
    model = make()
    trainer = Trainer(model, loss, optimizer(model.parameters()), penalty=penalty, compile=compile)
    history = trainer.fit(X, y, epochs=epochs, batch_size=batch_size, seed=0, progress=False)
    return history, model, trainer


def compiled_losses(trainer: Trainer) -> list[Compiled]:
    replay = trainer._replays[True]  # the training mode's replay
    return list(replay.losses.values())


def assert_trains_as_eager(
    eager: tuple[History, nn.MLP, Trainer], compiled: tuple[History, nn.MLP, Trainer]
) -> None:
    assert compiled[0].loss == pytest.approx(eager[0].loss, rel=1e-9)
    assert compiled[0].accuracy == eager[0].accuracy
    expected = eager[1].state_dict()
    for key, values in compiled[1].state_dict().items():
        assert values == pytest.approx(expected[key], rel=1e-9, abs=1e-12), key


@pytest.mark.usefixtures("small_batches_run_over_columns")
@pytest.mark.parametrize(
    "optimizer",
    [lambda ps: SGD(ps, lr=0.5), lambda ps: SGD(ps, lr=0.2, momentum=0.9), lambda ps: Adam(ps, lr=0.02)],
    ids=["sgd", "momentum", "adam"],
)
def test_digits_in_one_batch_over_columns_train_as_eager(optimizer: Callable[[list[Any]], Optimizer]) -> None:
    X, y = digits(60)
    assert len(X) >= batch.MIN_ROWS  # one batch of 60 rows: over columns when NumPy is there

    def make() -> nn.MLP:
        return nn.MLP(16, [8, 10], activation="tanh", seed=1)

    runs = [train(c, X, y, cross_entropy, optimizer, make=make) for c in (False, True)]
    assert_trains_as_eager(*runs)
    assert runs[1][0].loss[-1] < runs[1][0].loss[0]  # it learned something
    (f,) = compiled_losses(runs[1][2])
    count = getattr(f, "rows_over_columns", None)
    if count is not None and batch.AVAILABLE:
        assert count == len(X)


@pytest.mark.usefixtures("small_batches_run_over_columns")
def test_digits_with_a_penalty_and_mini_batches_some_too_small_for_columns() -> None:
    """Batches of 25 (over columns) and a last one of 10 (row by row), relu, L2: as eager."""
    X, y = digits(60)

    def make() -> nn.MLP:
        return nn.MLP(16, [6, 10], activation="relu", seed=2)

    def penalty(model: nn.Module) -> Any:
        return l2_penalty(model.parameters(), lam=0.1, n=len(X))

    runs = [
        train(c, X, y, cross_entropy, lambda ps: Adam(ps, lr=0.01), penalty=penalty, batch_size=25, make=make)
        for c in (False, True)
    ]
    assert_trains_as_eager(*runs)


@pytest.mark.usefixtures("small_batches_run_over_columns")
@pytest.mark.parametrize("loss", ["mse", "bce", "bce_logits"])
def test_float_targets_over_columns_train_as_eager(loss: str) -> None:
    X, labels = nn.data.make_moons(40, noise=0.2, seed=3)
    y = [float(t) for t in labels]
    sigmoid = "sigmoid" if loss == "bce" else None
    functions = {
        "mse": mse,
        "bce": binary_cross_entropy,
        "bce_logits": lambda p, t: binary_cross_entropy(p, t, from_logits=True),
    }

    def make() -> nn.MLP:
        return nn.MLP(2, [5, 1], activation="tanh", output_activation=sigmoid, seed=4)

    runs = [train(c, X, y, functions[loss], lambda ps: SGD(ps, lr=0.3), make=make) for c in (False, True)]
    assert_trains_as_eager(*runs)


def test_without_numpy_fit_compile_trains_row_by_row(
    monkeypatch: pytest.MonkeyPatch, small_batches_run_over_columns: None
) -> None:
    monkeypatch.setattr(batch, "np", None)
    monkeypatch.setattr(batch, "AVAILABLE", False)
    X, y = digits(30)

    def make() -> nn.MLP:
        return nn.MLP(16, [4, 10], activation="sigmoid", seed=5)

    runs = [
        train(c, X, y, cross_entropy, lambda ps: SGD(ps, lr=0.5), epochs=2, make=make) for c in (False, True)
    ]
    assert_trains_as_eager(*runs)
    (f,) = compiled_losses(runs[1][2])
    assert not f.columns
    assert getattr(f, "rows_over_columns", 0) == 0


def test_without_numpy_installed_the_core_imports_and_fit_compile_works() -> None:
    """In a fresh interpreter where ``import numpy`` fails: no columns, the same training."""
    script = textwrap.dedent(
        """
        import sys
        sys.modules["numpy"] = None  # import numpy raises ImportError
        import nn
        from autograd.compiled import batch, compile
        from nn.losses import hinge
        from nn.optim import SGD
        assert not batch.AVAILABLE
        assert not compile(lambda x: x * 2).columns
        X, y = nn.data.make_moons(30, noise=0.1, seed=0)
        y = [2 * t - 1 for t in y]
        batch.MIN_ROWS = 1
        losses = []
        for compiled in (False, True):
            model = nn.MLP(2, [4, 1], seed=0)
            history = nn.fit(model, X, y, loss=hinge, optimizer=SGD(model.parameters(), lr=0.3),
                             epochs=2, compile=compiled, progress=False)
            losses.append(history.loss)
        assert all(abs(a - b) <= 1e-9 * abs(a) for a, b in zip(*losses)), losses
        print("ok")
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, cwd=ROOT
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"


def test_without_numpy_installed_the_columns_tests_skip_with_their_reason() -> None:
    script = textwrap.dedent(
        """
        import sys
        sys.modules["numpy"] = None
        import pytest
        options = ["-q", "-rs", "-p", "no:cacheprovider"]
        sys.exit(pytest.main([*options, "tests/autograd/compiled/test_batch.py"]))
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, cwd=ROOT
    )
    assert done.returncode in (0, 5), done.stdout + done.stderr  # 5: every test skipped
    assert "skipped" in done.stdout and "needs the optional numpy (the fast extra)" in done.stdout


TIES = {  # (parameters, label, loss): an output eager's order makes exactly a tie, a dot's does not
    "cross_entropy": ((-5e-17, -5e-17, 1.0, 0.0, 0.0, 1.0), 1, cross_entropy),
    "hinge": ((1.0, -1.0, 1e-17), 1, hinge),
}


@pytest.mark.parametrize("case", sorted(TIES))
def test_accuracy_at_an_output_eager_makes_an_exact_tie(
    case: str, small_batches_run_over_columns: None
) -> None:
    """Cross-entropy: z0 = (1 + -5e-17) + -5e-17 is exactly z1 = 1.0 in eager's order (argmax: class
    0) and 1 - 2^-53 in a dot's (class 1). Hinge: s = (1e-17 + 1) - 1 is exactly 0 in eager's
    order, 1e-17 in a dot's (the other sign). The accuracy fit reports must be eager's."""
    values, label, loss = TIES[case]

    def make() -> nn.MLP:
        model = nn.MLP(2, [len(values) // 3], seed=0)
        for p, value in zip(model.parameters(), values):
            p.data = value
        return model

    X, y = [[1.0, 1.0]] * MIN_ROWS, [label] * MIN_ROWS
    runs = [train(c, X, y, loss, lambda ps: SGD(ps, lr=0.0), epochs=1, make=make) for c in (False, True)]
    assert runs[0][0].accuracy == [0.0]
    assert_trains_as_eager(*runs)
