"""Your own op: write GELU and swish once, check them, and use them like any built-in op.

An op is a forward rule and one local derivative per input, side by side (the op table in
``autograd/ops.py`` is nothing more). You can write yours the same way, as expression strings, or as
Python functions:

* GELU, the activation of BERT and GPT: ``gelu(a) = a Phi(a)``, with the normal distribution's
  CDF ``Phi(a) = (1 + erf(a / sqrt 2)) / 2``, and ``d gelu/da = Phi(a) + a phi(a)``, with its
  density ``phi(a) = e^(-a^2/2) / sqrt(2 pi)``. As strings over ``a`` (and ``out``, the op's output);
* swish (SiLU): ``swish(a) = a s(a)`` with the sigmoid ``s``, and ``d swish/da = s(a) + out (1 - s(a))``.
  As Python functions; the derivative uses ``Value`` methods (``a.sigmoid()``), so with
  ``create_graph=True`` it records a graph and swish has a second derivative too.

``autograd.testing.check_op`` then checks each derivative against central differences at many points
(a property test with hypothesis), and it catches the classic mistake, a forgotten product-rule term.

Claim (checked): both ops match their closed forms; ``check_op`` passes them and fails the wrong
swish; they work in ``backward``, second derivatives, ``jvp``, ``gradcheck`` and ``compile``.

    python demos/custom_op.py      # the step-through page in demos/out/custom_op/
"""

from __future__ import annotations

import math
import sys
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # find lesson.py however this file is run

from lesson import check, close, heading, parse_args

from autograd import GradcheckError, Op, Value, apply, compile, grad, gradcheck, jvp

GELU = Op(
    "gelu",
    "a * (1 + erf(a * 0.7071067811865476)) / 2",  # a Phi(a); 1/sqrt(2) = 0.7071...
    ("(1 + erf(a * 0.7071067811865476)) / 2 + a * 0.3989422804014327 * exp(-a * a / 2)",),  # 1/sqrt(2 pi)
    doc="a Phi(a); d/da = Phi(a) + a phi(a)",
)


def swish(a: float) -> float:
    """a s(a), on floats."""
    return a / (1 + math.exp(-a)) if a >= 0 else a * math.exp(a) / (1 + math.exp(a))


def swish_derivative(a: Value, out: Value) -> Value:
    """d swish/da = s(a) + out (1 - s(a)), with Value methods: differentiable again."""
    s = a.sigmoid()
    return s + out * (1 - s)


SWISH = Op("swish", swish, [swish_derivative], doc="a s(a)")
WRONG_SWISH = Op("swish", swish, [lambda a, out: a.sigmoid()], doc="forgot the product rule")


def gelu_closed_form(a: float) -> tuple[float, float]:
    phi = math.exp(-a * a / 2) / math.sqrt(2 * math.pi)
    cdf = (1 + math.erf(a / math.sqrt(2))) / 2
    return a * cdf, cdf + a * phi


def swish_closed_form(a: float) -> tuple[float, float, float]:
    s = 1 / (1 + math.exp(-a))
    return a * s, s + a * s * (1 - s), s * (1 - s) * (2 + a * (1 - 2 * s))


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args("custom_op", __doc__, argv)
    from autograd.testing import check_op

    points = [-2.0, -0.5, 0.0, 0.7, 3.0]
    heading("gelu and swish at a few points: the engine vs the closed forms")
    agree = True
    for a in points:
        x = Value(a, "x")
        g, s = apply(GELU, x), apply(SWISH, x)
        [dg], [ds] = grad(g, [x]), grad(s, [x], create_graph=True)
        [d2s] = grad(ds, [x])
        (g0, dg0), (s0, ds0, d2s0) = gelu_closed_form(a), swish_closed_form(a)
        agree &= all(close(u, v, 1e-12, 1e-15) for u, v in ((g.data, g0), (dg, dg0), (s.data, s0)))
        agree &= close(ds.data, ds0, 1e-12, 1e-15) and close(d2s, d2s0, 1e-9, 1e-12)
        print(
            f"  x = {a:5.2f}   gelu {g.data:8.5f}  gelu' {dg:8.5f}   swish {s.data:8.5f}  "
            f"swish' {ds.data:8.5f}  swish'' {d2s:8.5f}"
        )
    check("gelu, gelu', swish, swish' and swish'' match the closed forms", agree)

    heading("check_op: each derivative vs central differences over the op's domain")
    examples = 20 if args.quick else 200
    passed = check_op(GELU, max_examples=examples) and check_op(SWISH, max_examples=examples)
    check(f"check_op passes gelu and swish ({examples} points each)", passed)
    try:
        check_op(WRONG_SWISH, max_examples=examples)
        caught = False
    except GradcheckError as error:
        caught = True
        print("  the wrong swish:", str(error).splitlines()[0])
    check("check_op catches a swish whose derivative forgot the product rule", caught)

    heading("everywhere a built-in op goes")

    def model(v: Value) -> Value:
        return apply(GELU, v * 2 - 1) + apply(SWISH, v).tanh()

    value, slope = jvp(model, [0.3], [1.0])
    x = Value(0.3)
    out = model(x)
    out.backward()
    fast = compile(model)
    replay = [fast.value_and_grad(a) for a in points]
    eager = [(model(Value(a)).data, grad(model(y := Value(a)), [y])) for a in points]
    check("jvp (forward mode) equals backward()", close(slope, x.grad) and value == out.data)
    check("gradcheck passes the model built from both ops", gradcheck(model, [0.3]))
    check(
        "compile replays the model at new inputs with the eager numbers",
        all(close(r[0], e[0]) and close(r[1][0], e[1][0]) for r, e in zip(replay, eager)),
    )
    try:
        from autograd.viz import write_html

        path = write_html(out, args.out / "custom_op_stepthrough.html")
        print(f"  the step-through of the model, with gelu and swish nodes: {path}")
    except ImportError as error:  # pragma: no cover - viz needs nothing optional for the page
        print(f"  step-through skipped: {error}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
