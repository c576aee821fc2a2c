"""Weight initialization schemes: each draws one weight for a neuron with ``nin`` inputs in a layer
of ``nout`` neurons. Biases start at 0.

=============  ===============================================  ===========================
name           distribution                                     why
=============  ===============================================  ===========================
``uniform``    U(-1, 1)                                         micrograd's choice
``normal``     N(0, std = 1/sqrt(nin))                          the seeds' recommendation:
                                                                keeps z's variance ~ input's
``xavier``     U(-a, a), a = sqrt(6 / (nin + nout))             Glorot: for tanh / sigmoid
``he``         N(0, std = sqrt(2 / nin))                        He: for relu
=============  ===============================================  ===========================

A custom scheme is any function ``(rng, nin, nout) -> float``.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable

Initializer = Callable[[random.Random, int, int], float]


def uniform(rng: random.Random, nin: int, nout: int) -> float:
    """w ~ U(-1, 1) (micrograd)."""
    return rng.uniform(-1.0, 1.0)


def normal(rng: random.Random, nin: int, nout: int) -> float:
    """w ~ N(0, 1/nin): standard deviation 1/sqrt(nin)."""
    return rng.gauss(0.0, 1.0 / math.sqrt(nin))


def xavier(rng: random.Random, nin: int, nout: int) -> float:
    """w ~ U(-a, a) with a = sqrt(6 / (nin + nout)): variance 2 / (nin + nout) (Glorot & Bengio)."""
    a = math.sqrt(6.0 / (nin + nout))
    return rng.uniform(-a, a)


def he(rng: random.Random, nin: int, nout: int) -> float:
    """w ~ N(0, 2/nin): standard deviation sqrt(2/nin) (He et al., for relu)."""
    return rng.gauss(0.0, math.sqrt(2.0 / nin))


INITIALIZERS: dict[str, Initializer] = {
    "uniform": uniform,
    "normal": normal,
    "xavier": xavier,
    "he": he,
}


def get_initializer(init: str | Initializer) -> Initializer:
    """The scheme called ``init`` (or ``init`` itself if it is a function); ``ValueError`` naming an
    unknown name."""
    if callable(init):
        return init
    if not isinstance(init, str):
        raise TypeError(f"init must be a scheme name or a function, got {type(init).__name__}")
    if init not in INITIALIZERS:
        choices = ", ".join(repr(n) for n in INITIALIZERS)
        raise ValueError(f"unknown init {init!r}; choose one of {choices} or pass a function")
    return INITIALIZERS[init]


def make_rng(seed: int | None = None, rng: random.Random | None = None) -> random.Random:
    """The random generator a module draws from: ``rng`` if given, else a new one from ``seed``
    (``None``: a fresh unpredictable one). Never the global ``random`` state."""
    if rng is not None:
        if seed is not None:
            raise ValueError("pass either seed or rng, not both")
        return rng
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
        raise TypeError(f"seed must be an int or None, got {type(seed).__name__}")
    return random.Random(seed)
