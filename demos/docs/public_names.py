"""The public names of ``autograd`` and ``nn``: what the API reference must document.

A module's public names are its ``__all__`` (without one: the classes and functions it defines whose
names do not start with ``_``); ``autograd.compile`` is public too (left out of
``__all__`` only so that a star import does not shadow the builtin).
"""

from __future__ import annotations

import importlib
import inspect
from types import ModuleType

PUBLIC_MODULES = (
    "autograd",
    "autograd.viz",
    "autograd.testing",
    "nn",
    "nn.data",
    "nn.functional",
    "nn.init",
    "nn.losses",
    "nn.metrics",
    "nn.optim",
    "nn.regularization",
    "nn.schedules",
    "nn.viz",
)
EXTRA = {"autograd": ("compile",)}


def _defined_in(module: ModuleType) -> list[str]:
    """A module without ``__all__``: the classes and functions it defines whose names are public."""
    return [
        name
        for name, obj in vars(module).items()
        if not name.startswith("_")
        and getattr(obj, "__module__", None) == module.__name__
        and (inspect.isclass(obj) or inspect.isfunction(obj))
    ]


def public_names() -> list[str]:
    """``module.name`` for every public name of every public module (modules themselves included)."""
    names: list[str] = []
    for module_name in PUBLIC_MODULES:
        module = importlib.import_module(module_name)
        names.append(module_name)
        exported = list(getattr(module, "__all__", None) or _defined_in(module)) + list(
            EXTRA.get(module_name, ())
        )
        names += [f"{module_name}.{name}" for name in exported]
    return list(dict.fromkeys(names))  # nn.data is both a name of nn and a module


# The names the contract (the project's API.md) promises, methods included; a name not in the
# code yet resolves to None and is reported, not required.
VALUE_METHODS = (
    "backward detach item exp log tanh sigmoid relu leaky_relu sin cos sqrt tan sinh cosh asin acos"
    " atan asinh acosh atanh log1p expm1 log2 log10 erf clamp"
)
CONTRACT_NAMES = {
    "autograd": "Value grad no_grad gradcheck detect_anomaly GradcheckError jvp compile TraceError Op"
    " apply maximum minimum jacobian hessian hvp",
    "autograd.Value": VALUE_METHODS,
    "autograd.viz": "draw_dot write_html stepthrough",
    "autograd.testing": "check_op check_engine",
    "nn": "Module Neuron Layer MLP save load ModelFileError StateDictError",
    "nn.Module": "parameters zero_grad state_dict load_state_dict forward",
    "nn.optim": "SGD Adam RMSprop",
    "nn.losses": "mse binary_cross_entropy cross_entropy hinge",
    "nn.functional": "softmax log_softmax argmax",
    "nn.data": "make_moons make_circles make_spiral make_xor load_digits",
    "nn.viz": "draw_network network_stepthrough TrainingRecorder",
}
CONTRACT = [f"{owner}.{name}" for owner, names in CONTRACT_NAMES.items() for name in names.split()]


def resolve(name: str) -> object | None:
    """The object ``name`` names, or None when it does not exist (yet)."""
    parts = name.split(".")
    for split in range(len(parts), 0, -1):
        try:
            obj: object = importlib.import_module(".".join(parts[:split]))
        except ImportError:
            continue
        for attribute in parts[split:]:
            if not hasattr(obj, attribute):
                return None
            obj = getattr(obj, attribute)
        return obj
    return None
