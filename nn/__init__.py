"""chainrule's neural-network library, built from scalar ``Value``s.

>>> from nn import MLP
>>> model = MLP(2, [16, 16, 1], seed=0)
>>> len(model.parameters())
337
"""

from nn import data, functional, init
from nn.activations import ACTIVATIONS
from nn.layers import MLP, Dropout, Layer, LayerNorm, Neuron, Residual, Sequential
from nn.module import Module, StateDictError, register_module

__all__ = [
    "ACTIVATIONS",
    "MLP",
    "Dropout",
    "Layer",
    "LayerNorm",
    "Module",
    "Neuron",
    "Residual",
    "Sequential",
    "StateDictError",
    "data",
    "functional",
    "init",
    "register_module",
]
