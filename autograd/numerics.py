"""IEEE-754 float math that never raises.

Python's ``math`` raises where IEEE-754 (and PyTorch) return a special value: ``math.exp(1000)``
raises ``OverflowError`` instead of giving ``inf``, ``math.log(0)`` raises ``ValueError`` instead of
giving ``-inf``, ``1 / 0.0`` raises ``ZeroDivisionError`` instead of giving ``inf``, and
``(-8.0) ** (1/3)`` gives a complex number instead of ``nan``. The engine evaluates every op's
forward rule and local derivatives with the functions here, so no op ever raises on a number.
"""

from __future__ import annotations

import math
from typing import SupportsFloat

inf = math.inf
nan = math.nan


def _is_odd_integer(y: float) -> bool:
    return math.isfinite(y) and y.is_integer() and int(y) % 2 == 1


def divide(x: float, y: float) -> float:
    """``x / y`` with ``x / ±0`` equal to ``±inf`` (signs multiply) and ``0 / 0`` equal to ``nan``."""
    try:
        return x / y
    except ZeroDivisionError:
        if x == 0 or math.isnan(x):
            return nan
        return math.copysign(inf, x) * math.copysign(1.0, y)


def power(x: float, y: float) -> float:
    """``x ** y`` as IEEE-754 ``pow``: ``0 ** -1 = inf``, overflow gives ``±inf``, a negative base
    with a non-integer exponent gives ``nan`` (never a complex number)."""
    x, y = float(x), float(y)
    try:
        return math.pow(x, y)
    except OverflowError:
        return -inf if x < 0 and _is_odd_integer(y) else inf
    except ValueError:
        if x == 0:  # 0 ** negative: a pole, signed like the base for odd integer exponents
            return math.copysign(inf, x) if _is_odd_integer(y) else inf
        return nan  # negative base, non-integer exponent


def exp(x: float) -> float:
    """``e ** x``; ``inf`` on overflow."""
    try:
        return math.exp(x)
    except OverflowError:
        return inf


def log(x: float) -> float:
    """Natural log: ``log(0) = -inf``, ``log(x < 0) = nan``."""
    if x > 0:
        return math.log(x)
    if x == 0:
        return -inf
    return nan


def sqrt(x: float) -> float:
    """Square root: ``sqrt(x < 0) = nan``."""
    return math.sqrt(x) if x >= 0 else nan


def sin(x: float) -> float:
    """Sine; ``nan`` at ``±inf``."""
    return math.sin(x) if math.isfinite(x) else nan


def cos(x: float) -> float:
    """Cosine; ``nan`` at ``±inf``."""
    return math.cos(x) if math.isfinite(x) else nan


def tanh(x: float) -> float:
    """Hyperbolic tangent (``math.tanh`` saturates to ±1 without overflow)."""
    return math.tanh(x)


def sigmoid(x: float) -> float:
    """``1 / (1 + e^-x)``, evaluated so that ``e^t`` is only taken for ``t <= 0`` (no overflow, and
    ``sigmoid(-700)`` keeps full relative precision)."""
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = exp(x)  # x < 0 (or nan): e in [0, 1)
    return e / (1.0 + e)


def softplus(x: float) -> float:
    """``ln(1 + e^x)`` as ``max(x, 0) + ln(1 + e^-|x|)``: no overflow, full precision at both ends."""
    if math.isnan(x):
        return nan
    return max(x, 0.0) + math.log1p(exp(-abs(x)))


def step(x: float) -> float:
    """Heaviside step with ``step(0) = 0``: the derivative of ``relu``."""
    return 1.0 if x > 0 else 0.0


def sign(x: float) -> float:
    """Sign with ``sign(0) = 0``: the derivative of ``abs``."""
    return 1.0 if x > 0 else -1.0 if x < 0 else 0.0


def to_float(x: SupportsFloat) -> float:
    """``float(x)``, but an int (or Fraction) beyond float range rounds to ``±inf`` as IEEE-754
    does, instead of raising ``OverflowError`` (``float(10**400)`` raises; this gives ``inf``)."""
    try:
        return float(x)
    except OverflowError:
        return inf if x > 0 else -inf  # type: ignore[operator]
