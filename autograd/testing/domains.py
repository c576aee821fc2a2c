"""Where each argument of each op is smooth, so that central differences are reliable there.

``log`` and ``sqrt`` away from 0, ``relu`` and ``abs`` away from the kink, denominators away from 0,
moderate magnitudes: :data:`DOMAINS` by op name, :func:`domains_for`, :func:`floats_for` and
:func:`op_inputs` (re-exported by :mod:`autograd.testing`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from hypothesis import strategies as st

from autograd.ops import OPS, Op

DomainKind = Literal["real", "bounded", "positive", "nonzero"]


# -- domains -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Domain:
    """Where one argument of an op is smooth, so finite differences there are reliable.

    ``kind`` says both which floats :func:`floats_for` draws and how :func:`expressions` maps an
    arbitrary node ``t`` into the domain (a smooth map, so the composed graph stays smooth)::

        kind        floats drawn              transform of a node t
        "real"      [low, high]               t
        "bounded"   [low, high]               mid + half * tanh(t)       (exp, sin, cos, exponents)
        "positive"  [low, high]               sqrt(t * t + low**2) >= low   (log, sqrt, a base)
        "nonzero"   [-high, -low] u [low, high]   +-sqrt(t * t + low**2)    (denominators, kinks)
    """

    kind: DomainKind
    low: float
    high: float

    def __post_init__(self) -> None:
        if self.kind not in ("real", "bounded", "positive", "nonzero"):
            raise ValueError(
                f"Domain kind must be 'real', 'bounded', 'positive' or 'nonzero', got {self.kind!r}"
            )
        if not self.low < self.high:
            raise ValueError(f"Domain needs low < high, got low={self.low}, high={self.high}")
        if self.kind in ("positive", "nonzero") and not self.low > 0:
            raise ValueError(f"a {self.kind} Domain needs low > 0 (its distance from 0), got {self.low}")

    @property
    def intervals(self) -> tuple[tuple[float, float], ...]:
        """The closed intervals :meth:`floats` draws from."""
        if self.kind == "nonzero":
            return ((-self.high, -self.low), (self.low, self.high))
        return ((self.low, self.high),)

    def floats(self) -> st.SearchStrategy[float]:
        """Finite floats inside :attr:`intervals`."""
        return st.one_of(
            *(st.floats(lo, hi, allow_nan=False, allow_infinity=False) for lo, hi in self.intervals)
        )

    def is_safe(self, x: float) -> bool:
        """True if ``x`` lies where this argument is smooth (what the transform guarantees)."""
        if not math.isfinite(x):
            return False
        if self.kind == "positive":
            return x >= self.low
        if self.kind == "nonzero":
            return abs(x) >= self.low
        return self.kind == "real" or self.low <= x <= self.high


REAL = Domain("real", -5.0, 5.0)
POSITIVE = Domain("positive", 0.5, 5.0)  # log, sqrt, the base of a power
NONZERO = Domain("nonzero", 0.5, 5.0)  # denominators; relu, abs, leaky_relu away from the kink
EXPONENT = Domain("bounded", -3.0, 3.0)  # exp's argument and a power's exponent: no overflow
ANGLE = Domain("bounded", -4.0, 4.0)  # sin, cos: no oscillation faster than finite differences see
SLOPE = Domain("bounded", 0.0, 1.0)  # leaky_relu's alpha
INSIDE_ONE = Domain("bounded", -0.9, 0.9)  # asin, acos, atanh: poles of the derivative at +-1
ABOVE = Domain("bounded", 1.0, 3.0)  # a comparison's left side, kept apart from ...
BELOW = Domain("bounded", -3.0, -1.0)  # ... its right side: away from the jump at a = b

#: Domains per op argument, by op name. Add an entry when you declare a new op (a test checks that
#: every op in OPS has one); until then the op gets :data:`DEFAULT_DOMAIN` for every argument.
DOMAINS: dict[str, tuple[Domain, ...]] = {
    "+": (REAL, REAL),
    "-": (REAL, REAL),
    "*": (REAL, REAL),
    "/": (REAL, NONZERO),
    "**": (POSITIVE, EXPONENT),
    "neg": (REAL,),
    "abs": (NONZERO,),
    "exp": (EXPONENT,),
    "log": (POSITIVE,),
    "sqrt": (POSITIVE,),
    "sin": (ANGLE,),
    "cos": (ANGLE,),
    "tanh": (REAL,),
    "sigmoid": (REAL,),
    "softplus": (REAL,),
    "mul_add": (REAL, REAL, REAL),
    "relu": (NONZERO,),
    "leaky_relu": (NONZERO, SLOPE),
    "tan": (Domain("bounded", -1.2, 1.2),),  # poles at +-pi/2
    "sinh": (EXPONENT,),
    "cosh": (EXPONENT,),
    "asin": (INSIDE_ONE,),
    "acos": (INSIDE_ONE,),
    "atan": (REAL,),
    "asinh": (REAL,),
    "acosh": (Domain("bounded", 1.2, 5.0),),  # defined from 1, a pole of the derivative there
    "atanh": (INSIDE_ONE,),
    "log1p": (Domain("bounded", -0.5, 5.0),),
    "expm1": (EXPONENT,),
    "log2": (POSITIVE,),
    "log10": (POSITIVE,),
    "erf": (REAL,),
    "maximum": (ABOVE, BELOW),  # apart: no kink within a finite-difference step
    "minimum": (BELOW, ABOVE),
    "clamp": (Domain("bounded", -1.0, 1.0), Domain("bounded", -3.0, -2.0), Domain("bounded", 2.0, 3.0)),
    "step": (NONZERO,),
    "sign": (NONZERO,),
    "==": (ABOVE, BELOW),
    ">": (ABOVE, BELOW),
    ">=": (ABOVE, BELOW),
    "select": (NONZERO, REAL, REAL),
}

#: For an op without an entry in DOMAINS: (0.25, 0.75) is inside the smooth part of nearly every
#: elementary function (log, sqrt, 1/x, asin, acos, atanh, logit, ...).
DEFAULT_DOMAIN = Domain("bounded", 0.25, 0.75)


def _op(op: Op | str) -> Op:
    if isinstance(op, Op):
        return op
    if op not in OPS:
        raise ValueError(f"unknown op {op!r}; the ops are: {', '.join(OPS)}")
    return OPS[op]


def domains_for(op: Op | str) -> tuple[Domain, ...]:
    """The :class:`Domain` of each argument of ``op`` (an :class:`~autograd.ops.Op` or its name)."""
    op = _op(op)
    domains = DOMAINS.get(op.name, (DEFAULT_DOMAIN,) * op.arity)
    if len(domains) != op.arity:
        raise ValueError(f"DOMAINS[{op.name!r}] has {len(domains)} entries; op takes {op.arity} inputs")
    return domains


def floats_for(op: Op | str, argument: int = 0) -> st.SearchStrategy[float]:
    """Floats where argument ``argument`` of ``op`` is smooth, e.g. ``floats_for("log")`` draws
    from [0.5, 5]; ``floats_for("/", 1)`` draws denominators with ``0.5 <= |b| <= 5``."""
    domains = domains_for(op)
    if not 0 <= argument < len(domains):
        raise ValueError(f"op {_op(op).name!r} has arguments 0..{len(domains) - 1}, got {argument}")
    return domains[argument].floats()


def op_inputs(op: Op | str) -> st.SearchStrategy[tuple[float, ...]]:
    """A tuple with one float per argument of ``op``, each inside its domain: under
    ``@given(op_inputs("**"))`` a test gets ``(base, exponent)`` with ``0.5 <= base <= 5`` and
    ``-3 <= exponent <= 3``, where ``gradcheck(lambda a, b: a ** b, args)`` is reliable."""
    return st.tuples(*(domain.floats() for domain in domains_for(op)))
