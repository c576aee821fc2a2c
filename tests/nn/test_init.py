"""Initialization schemes: each draws from the distribution its docstring states."""

import math
import random
import statistics

import pytest

from nn.init import INITIALIZERS, get_initializer, he, make_rng, normal, uniform, xavier

N = 20_000


def draws(scheme, nin: int, nout: int) -> list[float]:  # type: ignore[no-untyped-def]
    rng = random.Random(0)
    return [scheme(rng, nin, nout) for _ in range(N)]


def test_uniform_is_micrograds_minus_one_to_one() -> None:
    w = draws(uniform, 16, 16)
    assert min(w) >= -1.0 and max(w) <= 1.0
    assert statistics.pstdev(w) == pytest.approx(1 / math.sqrt(3), rel=0.03)  # U(-1,1): 1/sqrt(3)


@pytest.mark.parametrize(
    ("scheme", "nin", "nout", "std"),
    [
        (normal, 16, 8, 1 / math.sqrt(16)),
        (xavier, 16, 8, math.sqrt(2 / (16 + 8))),
        (he, 16, 8, math.sqrt(2 / 16)),
    ],
)
def test_standard_deviation(scheme, nin: int, nout: int, std: float) -> None:  # type: ignore[no-untyped-def]
    w = draws(scheme, nin, nout)
    assert statistics.fmean(w) == pytest.approx(0.0, abs=4 * std / math.sqrt(N))
    assert statistics.pstdev(w) == pytest.approx(std, rel=0.03)


def test_xavier_stays_inside_its_bound() -> None:
    bound = math.sqrt(6 / (3 + 5))
    w = draws(xavier, 3, 5)
    assert max(abs(x) for x in w) <= bound


def test_lookup_by_name_function_or_error() -> None:
    assert set(INITIALIZERS) == {"uniform", "normal", "xavier", "he"}
    assert get_initializer("he") is he
    custom = lambda rng, nin, nout: 0.5
    assert get_initializer(custom) is custom
    with pytest.raises(ValueError, match="unknown init 'glorot'"):
        get_initializer("glorot")


def test_make_rng_is_reproducible_and_never_the_global_one() -> None:
    assert make_rng(3).random() == make_rng(3).random()
    shared = random.Random(1)
    assert make_rng(rng=shared) is shared
    with pytest.raises(ValueError, match="either seed or rng"):
        make_rng(1, shared)
    with pytest.raises(TypeError, match="seed"):
        make_rng("1")  # type: ignore[arg-type]
