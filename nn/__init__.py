"""chainrule's neural-network library, built from scalar ``Value``s.

>>> from nn import MLP
>>> model = MLP(2, [16, 16, 1], seed=0)
>>> len(model.parameters())
337

Submodules: ``nn.losses``, ``nn.functional``, ``nn.optim``, ``nn.schedules``, ``nn.data``,
``nn.init``, ``nn.regularization``, ``nn.metrics``; the training loop is ``nn.fit``.
"""

from nn import data, functional, init, losses, metrics, optim, regularization, schedules
from nn.activations import ACTIVATIONS
from nn.layers import MLP, Dropout, Layer, LayerNorm, Neuron, Residual, Sequential
from nn.module import Module, StateDictError, register_module
from nn.optim import clip_grad_norm
from nn.regularization import l1_penalty, l2_penalty
from nn.serialization import FORMAT_VERSION, ModelFileError, load, save
from nn.torch_bridge import to_torch
from nn.train import EarlyStopping, EpochLog, History, StepResult, Trainer, fit

__all__ = [
    "ACTIVATIONS",
    "FORMAT_VERSION",
    "MLP",
    "Dropout",
    "EarlyStopping",
    "EpochLog",
    "History",
    "Layer",
    "LayerNorm",
    "ModelFileError",
    "Module",
    "Neuron",
    "Residual",
    "Sequential",
    "StateDictError",
    "StepResult",
    "Trainer",
    "clip_grad_norm",
    "data",
    "fit",
    "functional",
    "init",
    "l1_penalty",
    "l2_penalty",
    "load",
    "losses",
    "metrics",
    "optim",
    "register_module",
    "regularization",
    "save",
    "schedules",
    "to_torch",
]
