"""Toy data sets, the digits, and batching: shapes, geometry, determinism."""

import gzip
import math
import statistics
from pathlib import Path

import pytest

from nn.data import (
    DIGITS_FILE,
    Batches,
    load_digits,
    make_circles,
    make_moons,
    make_sine,
    make_spiral,
    make_xor,
    train_test_split,
)


@pytest.mark.parametrize("make", [make_moons, make_circles, make_spiral])
def test_same_seed_same_data_other_seed_other_data(make) -> None:  # type: ignore[no-untyped-def]
    assert make(60, noise=0.1, seed=1) == make(60, noise=0.1, seed=1)
    assert make(60, noise=0.1, seed=1) != make(60, noise=0.1, seed=2)


def test_moons_shape_labels_and_geometry() -> None:
    X, y = make_moons(101, noise=0.0, seed=0)
    assert len(X) == len(y) == 101 and all(len(x) == 2 for x in X)
    assert y.count(0) == 50 and y.count(1) == 51
    for (a, b), label in zip(X, y):
        if label == 0:  # upper moon: the unit half circle
            assert math.hypot(a, b) == pytest.approx(1.0) and b >= -1e-12
        else:  # lower moon: centred at (1, 0.5)
            assert math.hypot(a - 1.0, b - 0.5) == pytest.approx(1.0) and b <= 0.5 + 1e-12
    assert y[:10] != sorted(y[:10]) or y[-10:] != sorted(y[-10:])  # shuffled


def test_noise_has_the_stated_standard_deviation() -> None:
    X, _ = make_xor(4000, noise=0.1, seed=3)
    residuals = [a - round(a) for x in X for a in x]  # offset from the nearest corner coordinate
    assert statistics.fmean(residuals) == pytest.approx(0.0, abs=0.005)
    assert statistics.pstdev(residuals) == pytest.approx(0.1, rel=0.03)


def test_circles_radii() -> None:
    X, y = make_circles(40, noise=0.0, factor=0.3, seed=0)
    for (a, b), label in zip(X, y):
        assert math.hypot(a, b) == pytest.approx(1.0 if label == 0 else 0.3)
    with pytest.raises(ValueError, match="factor"):
        make_circles(factor=1.5)


def test_spiral_classes_and_radius() -> None:
    X, y = make_spiral(90, classes=3, noise=0.1, seed=0)
    assert [y.count(k) for k in range(3)] == [30, 30, 30]
    assert max(math.hypot(a, b) for a, b in X) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="classes must be an int >= 2"):
        make_spiral(10, classes=1)


def test_xor_is_the_truth_table() -> None:
    X, y = make_xor()
    assert X == [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]
    assert y == [0, 1, 1, 0]
    X, y = make_xor(40, noise=0.1, seed=0)
    assert len(X) == 40 and y.count(1) == 20


def test_sine_regression_set() -> None:
    X, y = make_sine(21, noise=0.0)
    assert X[0] == [-math.pi] and X[-1] == [math.pi]
    assert y == pytest.approx([math.sin(x[0]) for x in X])


def test_bad_arguments_name_the_problem() -> None:
    with pytest.raises(ValueError, match="noise must be a number >= 0"):
        make_moons(10, noise=-1.0)
    with pytest.raises(ValueError, match="n must be an int >= 2"):
        make_moons(1)


def test_train_test_split_is_a_reproducible_partition() -> None:
    X, y = [[float(i)] for i in range(20)], list(range(20))
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_fraction=0.25, seed=0)
    assert len(X_test) == 5 and len(X_train) == 15
    assert sorted(y_train + y_test) == y
    assert all(x == [float(t)] for x, t in zip(X_train + X_test, y_train + y_test))
    assert train_test_split(X, y, seed=0) == train_test_split(X, y, seed=0)
    with pytest.raises(ValueError, match="X has 20 samples but y has 3"):
        train_test_split(X, [1, 2, 3])


def test_batches_cover_every_sample_once_per_epoch() -> None:
    X, y = list(range(10)), [i * 10 for i in range(10)]
    batches = Batches(X, y, batch_size=4, seed=0)
    assert len(batches) == 3
    first = list(batches)
    assert [len(xb) for xb, _ in first] == [4, 4, 2]
    assert sorted(x for xb, _ in first for x in xb) == X
    assert all(t == 10 * x for xb, yb in first for x, t in zip(xb, yb))
    second = list(batches)
    assert first != second  # reshuffled every epoch ...
    assert first == list(Batches(X, y, batch_size=4, seed=0))  # ... reproducibly


def test_batches_full_batch_no_shuffle_and_drop_last() -> None:
    X = list(range(5))
    assert list(Batches(X, X, batch_size=None, shuffle=False)) == [(X, X)]
    assert len(Batches(X, X, batch_size=2, drop_last=True)) == 2
    assert [len(b) for b, _ in Batches(X, X, batch_size=2, drop_last=True)] == [2, 2]
    with pytest.raises(ValueError, match="batch_size must be an int >= 1"):
        Batches(X, X, batch_size=0)


# -- the 8x8 digits (a real data set shipped in the package) ----------------------------------------


def test_digits_shape_range_and_classes() -> None:
    X, y = load_digits()
    assert len(X) == len(y) == 1797 and all(len(x) == 64 for x in X)
    assert all(isinstance(p, float) and 0.0 <= p <= 16.0 and p.is_integer() for x in X for p in x)
    assert all(type(t) is int for t in y) and set(y) == set(range(10))
    assert [y.count(k) for k in range(10)] == [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]
    # the data set's order (as scikit-learn gives it): the first ten images are the digits 0..9
    assert y[:10] == list(range(10))
    # the first image, a zero, row by row (its top row and its middle)
    assert X[0][:8] == [0, 0, 5, 13, 9, 1, 0, 0] and X[0][32:40] == [0, 5, 8, 0, 0, 9, 8, 0]


def test_digits_are_read_fresh_and_equal_every_time() -> None:
    first, second = load_digits(), load_digits()
    assert first == second and first[0] is not second[0]  # a caller may change its copy


def test_digits_splits_are_deterministic() -> None:
    X, y = load_digits()
    a = train_test_split(X, y, test_fraction=0.2, seed=0)
    assert a == train_test_split(X, y, test_fraction=0.2, seed=0)
    assert a[3] != train_test_split(X, y, test_fraction=0.2, seed=1)[3]
    X_train, X_test, _, y_test = a
    assert len(X_test) == 359 and len(X_train) == 1438
    assert sorted(map(tuple, X_train + X_test)) == sorted(map(tuple, X))  # a partition
    assert set(y_test) == set(range(10))


def test_digits_missing_file_says_where_and_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"digits file .*missing.*reinstall chainrule"):
        load_digits(tmp_path / "nowhere.csv.gz")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"not gzip at all", "not a readable gzip CSV"),
        (gzip.compress(b"1,2,3\n"), "has 1 rows, expected 1797"),
        (gzip.compress(b"0," * 64 + b"3\n" + b"0," * 63 + b"17,3\n" * 1796), "line 2 .* 0..16"),
        (gzip.compress((b"0," * 64 + b"3\n") * 1796 + b"0," * 64 + b"10\n"), "line 1797 .* label 10"),
        (gzip.compress((b"0," * 64 + b"x\n") * 1797), "line 1 .*not 64 integers"),
    ],
)
def test_digits_malformed_file_is_refused(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "digits.csv.gz"
    path.write_bytes(content)
    with pytest.raises(ValueError, match=message):
        load_digits(path)


def test_digits_file_is_package_data_with_its_licence_noted() -> None:
    pyproject = (Path(__file__).resolve().parents[2] / "pyproject.toml").read_text()
    assert '[tool.setuptools.package-data]\nnn = ["datasets/*.csv.gz"' in pyproject
    note = (DIGITS_FILE.parent / "README.md").read_text()
    assert "CC BY 4.0" in note and "Alpaydin" in note and "BSD-3-Clause" in note
