"""Activation functions by name: what a neuron does to its weighted sum ``z = w . x + b``.

=============  =============================  ===================================
name           f(z)                           f'(z)
=============  =============================  ===================================
``linear``     z  (also ``None``)             1
``relu``       max(z, 0)                      1 if z > 0 else 0
``leaky_relu`` z if z > 0 else 0.01 z         1 if z > 0 else 0.01
``tanh``       tanh z                         1 - tanh(z)^2
``sigmoid``    1 / (1 + e^-z)                 f(z) (1 - f(z))
``softmax``    e^z_i / sum_j e^z_j            (a whole layer at once: output layers)
=============  =============================  ===================================

The derivatives live in the engine's op table; a name here just picks the ``Value`` method.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from autograd import Value
from nn import functional


@dataclass(frozen=True)
class Activation:
    """A named activation: ``elementwise`` maps one ``z`` (``None`` for the identity), or, for
    ``softmax``, ``layerwise`` maps the whole layer's list of ``z``."""

    name: str
    elementwise: Callable[[Value], Value] | None = None
    layerwise: Callable[[list[Value]], list[Value]] | None = None


ACTIVATIONS: dict[str, Activation] = {
    "linear": Activation("linear"),
    "relu": Activation("relu", Value.relu),
    "leaky_relu": Activation("leaky_relu", Value.leaky_relu),
    "tanh": Activation("tanh", Value.tanh),
    "sigmoid": Activation("sigmoid", Value.sigmoid),
    "softmax": Activation("softmax", layerwise=functional.softmax),
}


def get_activation(name: str | None, *, where: str = "activation") -> Activation:
    """The activation called ``name`` (``None`` means ``"linear"``), or ``ValueError`` naming it."""
    if name is None:
        return ACTIVATIONS["linear"]
    if not isinstance(name, str):
        raise TypeError(
            f"{where} must be a name such as 'relu' (or None for linear), got {type(name).__name__}"
        )
    activation = ACTIVATIONS.get(name)
    if activation is None:
        choices = ", ".join(repr(n) for n in ACTIVATIONS)
        raise ValueError(f"unknown {where} {name!r}; choose one of {choices} (or None for linear)")
    return activation
