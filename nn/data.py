"""Toy data sets, one real one, and batching, in pure Python and deterministic for a given ``seed``.

Each ``make_*`` returns ``(X, y)``: ``X`` a list of samples (each a list of floats), ``y`` a list of
labels (class indices ``0, 1, ...``) or, for regression, target floats. For a max-margin (hinge)
loss turn 0/1 labels into -1/+1 with ``[2 * t - 1 for t in y]``.

:func:`load_digits` reads the 1,797 8x8 handwritten digits (the UCI set) from a file shipped in the
package (``nn/datasets/``, where its source and licence are written down); no network access.
"""

from __future__ import annotations

import gzip
import math
import random
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, TypeVar

from nn.init import make_rng

T = TypeVar("T")
Dataset = tuple[list[list[float]], list[int]]


def _check_count(n: object, name: str = "n", minimum: int = 1) -> int:
    if isinstance(n, bool) or not isinstance(n, int) or n < minimum:
        raise ValueError(f"{name} must be an int >= {minimum}, got {n!r}")
    return n


def _check_noise(noise: object) -> float:
    if isinstance(noise, bool) or not isinstance(noise, (int, float)) or not noise >= 0:
        raise ValueError(f"noise must be a number >= 0 (a standard deviation), got {noise!r}")
    return float(noise)


def _linspace(start: float, stop: float, n: int) -> list[float]:
    """``n`` evenly spaced numbers from ``start`` to ``stop`` inclusive."""
    if n == 1:
        return [start]
    return [start + (stop - start) * i / (n - 1) for i in range(n)]


def _shuffled(X: list[list[float]], y: list[T], rng: random.Random) -> tuple[list[list[float]], list[T]]:
    order = list(range(len(X)))
    rng.shuffle(order)
    return [X[i] for i in order], [y[i] for i in order]


def _add_noise(X: list[list[float]], noise: float, rng: random.Random) -> list[list[float]]:
    if noise == 0.0:
        return X
    return [[xi + rng.gauss(0.0, noise) for xi in x] for x in X]


def make_moons(n: int = 100, noise: float = 0.1, seed: int | None = None) -> Dataset:
    """Two interleaving half circles (as scikit-learn's ``make_moons``): class 0 on
    ``(cos t, sin t)``, class 1 on ``(1 - cos t, 0.5 - sin t)``, ``t`` in ``[0, pi]``, plus Gaussian
    noise with standard deviation ``noise``; shuffled."""
    _check_count(n, minimum=2)
    noise = _check_noise(noise)
    rng = make_rng(seed)
    n_outer = n // 2
    n_inner = n - n_outer
    X = [[math.cos(t), math.sin(t)] for t in _linspace(0.0, math.pi, n_outer)]
    X += [[1.0 - math.cos(t), 0.5 - math.sin(t)] for t in _linspace(0.0, math.pi, n_inner)]
    y = [0] * n_outer + [1] * n_inner
    return _shuffled(_add_noise(X, noise, rng), y, rng)


def make_circles(n: int = 100, noise: float = 0.05, factor: float = 0.5, seed: int | None = None) -> Dataset:
    """Two concentric circles: class 0 on the unit circle, class 1 on a circle of radius
    ``factor`` (``0 < factor < 1``), plus Gaussian noise; shuffled."""
    _check_count(n, minimum=2)
    noise = _check_noise(noise)
    if not 0.0 < factor < 1.0:
        raise ValueError(f"factor (inner radius / outer radius) must be in (0, 1), got {factor!r}")
    rng = make_rng(seed)
    n_outer = n // 2
    n_inner = n - n_outer

    def circle(count: int, radius: float) -> list[list[float]]:
        angles = [2 * math.pi * i / count for i in range(count)]
        return [[radius * math.cos(t), radius * math.sin(t)] for t in angles]

    X = circle(n_outer, 1.0) + circle(n_inner, factor)
    y = [0] * n_outer + [1] * n_inner
    return _shuffled(_add_noise(X, noise, rng), y, rng)


def make_spiral(n: int = 300, classes: int = 3, noise: float = 0.2, seed: int | None = None) -> Dataset:
    """``classes`` interleaved spiral arms (the CS231n data set), ``n`` points in all: arm ``k`` has
    radius ``r`` in ``[0, 1]`` and angle ``4k + 4r`` (radians) plus Gaussian angle noise of standard
    deviation ``noise``, i.e. the points ``(r sin t, r cos t)``; shuffled."""
    _check_count(classes, "classes", minimum=2)
    _check_count(n, minimum=classes)
    noise = _check_noise(noise)
    rng = make_rng(seed)
    X: list[list[float]] = []
    y: list[int] = []
    for k in range(classes):
        count = n // classes + (1 if k < n % classes else 0)
        for r in _linspace(0.0, 1.0, count):
            t = 4.0 * k + 4.0 * r + rng.gauss(0.0, noise)
            X.append([r * math.sin(t), r * math.cos(t)])
            y.append(k)
    return _shuffled(X, y, rng)


def make_xor(n: int = 4, noise: float = 0.0, seed: int | None = None) -> Dataset:
    """The XOR problem: inputs cycle through the corners ``(0,0), (0,1), (1,0), (1,1)`` with labels
    ``0, 1, 1, 0`` (not linearly separable); ``n = 4`` and ``noise = 0`` give the truth table itself.
    Gaussian noise is added to the inputs; with more than 4 points the order is shuffled."""
    _check_count(n)
    noise = _check_noise(noise)
    rng = make_rng(seed)
    corners = [([0.0, 0.0], 0), ([0.0, 1.0], 1), ([1.0, 0.0], 1), ([1.0, 1.0], 0)]
    X = [list(corners[i % 4][0]) for i in range(n)]
    y = [corners[i % 4][1] for i in range(n)]
    X = _add_noise(X, noise, rng)
    return (X, y) if n <= 4 else _shuffled(X, y, rng)


def make_sine(
    n: int = 50, noise: float = 0.05, low: float = -math.pi, high: float = math.pi, seed: int | None = None
) -> tuple[list[list[float]], list[float]]:
    """A 1-D regression set: ``x`` evenly spaced in ``[low, high]``, ``y = sin(x) + noise``, with
    ``noise`` the standard deviation of Gaussian noise. ``X`` holds one-element lists ``[x]``, ready
    for ``MLP(1, ...)``."""
    _check_count(n, minimum=1)
    noise = _check_noise(noise)
    rng = make_rng(seed)
    xs = _linspace(low, high, n)
    return [[x] for x in xs], [math.sin(x) + (rng.gauss(0.0, noise) if noise else 0.0) for x in xs]


DIGITS_FILE = Path(__file__).resolve().parent / "datasets" / "digits.csv.gz"
_DIGITS_ROWS, _DIGITS_PIXELS = 1797, 64


def load_digits(path: str | Path | None = None) -> Dataset:
    """The 1,797 handwritten digits of the UCI *Optical Recognition of Handwritten Digits* test set
    (E. Alpaydin, C. Kaynak; CC BY 4.0), as scikit-learn's ``load_digits`` gives them.

    Returns ``(X, y)`` in the file's order: each row of ``X`` is one 8x8 image read row by row,
    64 floats (how many of a 4x4 block's pixels are on: 0 to 16); ``y`` holds the digits 0-9. Scale
    the pixels before training (``[p / 16 for p in x]``). ``path`` reads another copy of the file
    (gzip CSV: 64 pixels then the label per line); by default the one in ``nn/datasets/``.
    A missing or malformed file raises an error that says which, and where.
    """
    file = DIGITS_FILE if path is None else Path(path)
    try:
        with gzip.open(file, "rt", encoding="ascii") as lines:
            rows = [line for line in lines if line.strip()]
    except FileNotFoundError:
        raise FileNotFoundError(
            f"load_digits: the digits file {file} is missing. It ships inside the chainrule package "
            "(nn/datasets/digits.csv.gz); reinstall chainrule, or pass path= to a copy of "
            "scikit-learn's sklearn/datasets/data/digits.csv.gz"
        ) from None
    except (OSError, EOFError, UnicodeDecodeError) as error:
        raise ValueError(f"load_digits: {file} is not a readable gzip CSV file ({error})") from error
    if len(rows) != _DIGITS_ROWS:
        raise ValueError(f"load_digits: {file} has {len(rows)} rows, expected {_DIGITS_ROWS}")
    X: list[list[float]] = []
    y: list[int] = []
    for number, line in enumerate(rows, start=1):
        pixels, label = _digits_row(line, number, file)
        X.append(pixels)
        y.append(label)
    return X, y


def _digits_row(line: str, number: int, file: Path) -> tuple[list[float], int]:
    """One line of the digits file: 64 integers in 0..16, then a label in 0..9."""
    fields = line.strip().split(",")
    try:
        values = [int(field) for field in fields]
    except ValueError:
        values = []
    if len(values) != _DIGITS_PIXELS + 1 or not all(0 <= v <= 16 for v in values[:-1]):
        raise ValueError(
            f"load_digits: line {number} of {file} is not 64 integers in 0..16 and a label: {line[:80]!r}"
        )
    if not 0 <= values[-1] <= 9:
        raise ValueError(f"load_digits: line {number} of {file} has label {values[-1]}, expected 0..9")
    return [float(v) for v in values[:-1]], values[-1]


def train_test_split(
    X: Sequence[T], y: Sequence[Any], test_fraction: float = 0.25, seed: int | None = None
) -> tuple[list[T], list[T], list[Any], list[Any]]:
    """Shuffle and split into ``X_train, X_test, y_train, y_test`` (scikit-learn's order);
    ``round(test_fraction * n)`` samples go to the test set."""
    if len(X) != len(y):
        raise ValueError(f"X has {len(X)} samples but y has {len(y)}")
    if not 0.0 < test_fraction < 1.0:
        raise ValueError(f"test_fraction must be in (0, 1), got {test_fraction!r}")
    n_test = round(test_fraction * len(X))
    if not 0 < n_test < len(X):
        raise ValueError(
            f"test_fraction={test_fraction} of {len(X)} samples leaves an empty train or test set"
        )
    order = list(range(len(X)))
    make_rng(seed).shuffle(order)
    test, train = order[:n_test], order[n_test:]
    return [X[i] for i in train], [X[i] for i in test], [y[i] for i in train], [y[i] for i in test]


class Batches:
    """Mini-batches ``(X_batch, y_batch)`` of ``batch_size`` samples; iterate once per epoch.

    With ``shuffle`` each pass uses a new order drawn from one generator seeded by ``seed``, so the
    sequence of epochs is reproducible. ``batch_size=None`` means the full batch; ``1`` is
    one-sample-at-a-time SGD. The last batch may be smaller unless ``drop_last``.
    """

    def __init__(
        self,
        X: Sequence[Any],
        y: Sequence[Any],
        batch_size: int | None = 32,
        shuffle: bool = True,
        seed: int | None = None,
        drop_last: bool = False,
    ) -> None:
        if len(X) != len(y):
            raise ValueError(f"X has {len(X)} samples but y has {len(y)}")
        if len(X) == 0:
            raise ValueError("cannot batch an empty data set")
        self.X, self.y = list(X), list(y)
        self.batch_size = len(self.X) if batch_size is None else _check_count(batch_size, "batch_size")
        self.shuffle = shuffle
        self.drop_last = drop_last
        self._rng = make_rng(seed)

    def __len__(self) -> int:
        full, rest = divmod(len(self.X), self.batch_size)
        return full + (1 if rest and not self.drop_last else 0)

    def __iter__(self) -> Iterator[tuple[list[Any], list[Any]]]:
        order = list(range(len(self.X)))
        if self.shuffle:
            self._rng.shuffle(order)
        for start in range(0, len(order), self.batch_size):
            chunk = order[start : start + self.batch_size]
            if self.drop_last and len(chunk) < self.batch_size:
                return
            yield [self.X[i] for i in chunk], [self.y[i] for i in chunk]
