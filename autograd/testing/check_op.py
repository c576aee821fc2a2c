"""``check_op(op)``: the property test you run on an op you declared yourself.

    from autograd import Op
    from autograd.testing import check_op

    cube = Op("cube", "a * a * a", ("3 * a * a",))
    check_op(cube)              # True, or GradcheckError naming the input and both numbers

    swish = Op("swish", lambda a: a / (1 + math.exp(-a)),       # or Python callables
               [lambda a, out: a.sigmoid() + out * (1 - a.sigmoid())])
    check_op(swish, domains=[Domain("real", -5.0, 5.0)])

Hypothesis draws inputs inside the op's domain (:data:`autograd.testing.DOMAINS` by the op's name,
or ``domains=``), and at each point every derivative the engine computes for the op is compared
with central differences of the op's forward rule: the float path ``backward()`` runs and the
``Value`` path ``grad(..., create_graph=True)`` builds (used for higher derivatives). A failure is
shrunk to the simplest input that still fails.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from hypothesis import strategies as st
from hypothesis.errors import NoSuchExample

from autograd import GradcheckError, Value, apply, grad
from autograd.ops import INPUT_NAMES, Op
from autograd.testing import Domain, _find_smallest, domains_for, finite_differences

__all__ = ["check_op"]


def check_op(
    op: Op,
    max_examples: int = 100,
    *,
    domains: Sequence[Domain] | None = None,
    seed: int | None = 0,
) -> bool:
    """Check ``op``'s derivatives against central differences of its forward rule over its domain.

    ``d out/d input_i`` from ``backward()`` and from ``grad(create_graph=True)`` must each satisfy
    ``|engine - numeric| <= 1e-5 + 1e-4 |numeric| + 1e-9 |out|`` at ``max_examples`` points drawn
    by hypothesis inside ``domains`` (one :class:`Domain` per input; default: the op's entry in
    ``DOMAINS``). Returns True, or raises ``GradcheckError`` for the smallest failing point, naming
    the input and both numbers. ``seed`` fixes the points drawn (None: new ones each run).
    """
    if not isinstance(op, Op):
        raise TypeError(f"check_op takes an autograd.Op, got {type(op).__name__}")
    if max_examples < 1:
        raise ValueError(f"check_op: max_examples must be >= 1, got {max_examples}")
    domains = tuple(domains) if domains is not None else domains_for(op)
    if len(domains) != op.arity:
        raise ValueError(f"check_op: op {op.name!r} takes {op.arity} inputs, got {len(domains)} domains")
    not_finite: list[tuple[float, ...]] = []

    def fails(point: tuple[float, ...]) -> bool:
        return _mismatch(op, point, not_finite) is not None

    points = st.tuples(*(domain.floats() for domain in domains))
    try:
        smallest = _find_smallest(points, fails, max_examples, seed)
    except NoSuchExample:
        if len(not_finite) > max_examples // 2:
            raise ValueError(
                f"check_op: op {op.name!r} is not finite at most points of its domain (e.g. at "
                f"{_where(not_finite[0])}): pass domains= where it is smooth"
            ) from None
        return True
    raise GradcheckError(_mismatch(op, smallest, []) or f"op {op.name!r} fails at {_where(smallest)}")


def _where(point: Sequence[float]) -> str:
    return ", ".join(f"{name}={x!r}" for name, x in zip(INPUT_NAMES, point))


def _rule(op: Op, i: int) -> str:
    rule = op.derivatives[i]
    return rule if isinstance(rule, str) else getattr(rule, "__name__", repr(rule))


def _mismatch(op: Op, point: tuple[float, ...], not_finite: list[tuple[float, ...]]) -> str | None:
    """Why ``op``'s derivatives are wrong at ``point``, or None (also None where the op is not finite)."""
    where = _where(point)
    try:
        out = op.evaluate(*point)
        if not math.isfinite(out):
            not_finite.append(point)
            return None
        numeric = finite_differences(lambda p: float(op.evaluate(*p)), point)
    except Exception as error:
        return f"op {op.name!r}: the forward rule raised {type(error).__name__} ({error}) at {where}"
    for path, derivatives in (("backward()", _by_backward), ("grad(create_graph=True)", _by_graph)):
        try:
            engine = derivatives(op, point)
        except Exception as error:
            return f"op {op.name!r}: {path} raised {type(error).__name__} ({error}) at {where}"
        for i, (value, estimate) in enumerate(zip(engine, numeric)):
            if not abs(value - estimate) <= 1e-5 + 1e-4 * abs(estimate) + 1e-9 * abs(out):
                return (
                    f"op {op.name!r}: d out/d {INPUT_NAMES[i]} at {where}: the derivative rule "
                    f"{_rule(op, i)!r} gives {value!r} through {path}, central differences of the "
                    f"forward rule give {estimate!r}"
                )
    return None


def _by_backward(op: Op, point: Sequence[float]) -> list[float]:
    """Each input's ``.grad`` after ``apply(op, *leaves).backward()`` (the float fast path)."""
    leaves = [Value(x) for x in point]
    apply(op, *leaves).backward()
    return [leaf.grad for leaf in leaves]


def _by_graph(op: Op, point: Sequence[float]) -> list[float]:
    """The derivatives built as ``Value`` graphs (``create_graph=True``: derivative callables get
    ``Value`` s), read as numbers."""
    leaves = [Value(x) for x in point]
    return [float(g.data) for g in grad(apply(op, *leaves), leaves, create_graph=True)]
