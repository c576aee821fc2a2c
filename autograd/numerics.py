"""IEEE-754 float math that never raises.

Python's ``math`` raises where IEEE-754 (and PyTorch) return a special value: ``math.exp(1000)``
raises ``OverflowError`` instead of giving ``inf``, ``math.log(0)`` raises ``ValueError`` instead of
giving ``-inf``, ``1 / 0.0`` raises ``ZeroDivisionError`` instead of giving ``inf``, and
``(-8.0) ** (1/3)`` gives a complex number instead of ``nan``. The engine evaluates every op's
forward rule and local derivatives with the functions here, so no op ever raises on a number.
"""

from __future__ import annotations

import math
from collections.abc import Callable
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


def _or_special(function: Callable[[float], float], x: float, overflow: float, domain: float) -> float:
    """``function(x)``, with ``overflow`` (signed like x) where it overflows and ``domain`` where
    ``math`` raises ValueError (outside the domain: nan, or an infinity at a pole)."""
    try:
        return function(x)
    except OverflowError:
        return math.copysign(overflow, x)
    except ValueError:
        return domain


def tan(x: float) -> float:
    """Tangent; ``nan`` at ``±inf``."""
    return math.tan(x) if math.isfinite(x) else nan


def sinh(x: float) -> float:
    """Hyperbolic sine; ``±inf`` on overflow."""
    return _or_special(math.sinh, x, inf, nan)


def cosh(x: float) -> float:
    """Hyperbolic cosine; ``inf`` on overflow (at either sign)."""
    return abs(_or_special(math.cosh, x, inf, nan))


def asin(x: float) -> float:
    """Inverse sine; ``nan`` outside [-1, 1]."""
    return math.asin(x) if -1.0 <= x <= 1.0 else nan


def acos(x: float) -> float:
    """Inverse cosine; ``nan`` outside [-1, 1]."""
    return math.acos(x) if -1.0 <= x <= 1.0 else nan


def acosh(x: float) -> float:
    """Inverse hyperbolic cosine; ``nan`` below 1 (``math.acosh`` is accurate for large x)."""
    return math.acosh(x) if x >= 1.0 else nan


def atanh(x: float) -> float:
    """Inverse hyperbolic tangent: ``±inf`` at ``±1``, ``nan`` outside [-1, 1]."""
    if -1.0 < x < 1.0:
        return math.atanh(x)
    if x == 1.0 or x == -1.0:
        return math.copysign(inf, x)
    return nan


def log1p(x: float) -> float:
    """``ln(1 + x)``, accurate near 0: ``-inf`` at -1, ``nan`` below."""
    if x > -1.0:
        return math.log1p(x)
    return -inf if x == -1.0 else nan


def expm1(x: float) -> float:
    """``e^x - 1``, accurate near 0; ``inf`` on overflow."""
    return _or_special(math.expm1, x, inf, nan)


def log2(x: float) -> float:
    """Base-2 log (exact at powers of 2): ``-inf`` at 0, ``nan`` below."""
    return math.log2(x) if x > 0 else log(x)


def log10(x: float) -> float:
    """Base-10 log (exact at powers of 10): ``-inf`` at 0, ``nan`` below."""
    return math.log10(x) if x > 0 else log(x)


def erf(x: float) -> float:
    """The error function ``2/sqrt(pi) * integral from 0 to x of e^(-t^2) dt``."""
    return math.erf(x)


def maximum(x: float, y: float) -> float:
    """The larger of two numbers; ``nan`` if either is ``nan`` (Python's ``max`` would drop it)."""
    if x != x or y != y:
        return nan
    return x if x >= y else y


def minimum(x: float, y: float) -> float:
    """The smaller of two numbers; ``nan`` if either is ``nan``."""
    if x != x or y != y:
        return nan
    return x if x <= y else y


def clamp(x: float, lo: float, hi: float) -> float:
    """``x`` limited to ``[lo, hi]`` (``hi`` if ``lo > hi``, as PyTorch); ``nan`` stays ``nan``."""
    return minimum(maximum(x, lo), hi)
