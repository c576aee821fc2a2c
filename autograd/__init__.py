"""chainrule's engine: scalar reverse-mode automatic differentiation.

>>> from autograd import Value
>>> x, y = Value(2.0, "x"), Value(3.0, "y")
>>> f = (x * y + 3) ** 2 + 1
>>> f.backward()
>>> x.grad  # df/dx = 2xy^2 + 6y
54.0
"""

from autograd import engine as _engine
from autograd.compiled import Compiled, TraceError
from autograd.compiled import compile as compile  # re-exported; not in __all__ (see below)
from autograd.engine import (
    Constant,
    Value,
    apply,
    backpropagate,
    maximum,
    minimum,
    reverse_topological_order,
    topological_order,
)
from autograd.functional import GradcheckError, grad, gradcheck, hessian, hvp, jacobian, jvp
from autograd.modes import detect_anomaly, enable_grad, is_grad_enabled, no_grad
from autograd.ops import OPS, Op

# `compile` is importable by name but left out of __all__: a star import would shadow the builtin.
__all__ = [
    "OPS",
    "Compiled",
    "Constant",
    "GradcheckError",
    "Op",
    "TraceError",
    "Value",
    "apply",
    "backpropagate",
    "detect_anomaly",
    "enable_grad",
    "grad",
    "gradcheck",
    "hessian",
    "hvp",
    "is_grad_enabled",
    "jacobian",
    "jvp",
    "maximum",
    "minimum",
    "no_grad",
    "reverse_topological_order",
    "topological_order",
]


def _display(value: Value) -> dict[str, str]:
    """Jupyter's display of a ``Value`` (its drawing): ``autograd.viz`` is imported on first use."""
    from autograd.viz.renderers import mimebundle

    return mimebundle(value)


_engine.display_hook = _display
