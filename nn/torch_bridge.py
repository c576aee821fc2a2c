"""Graduating to PyTorch: ``to_torch(model)`` builds the equivalent ``torch.nn.Sequential`` with the
same weights, so a model prototyped here can move to real tensors. PyTorch is optional: it is
imported only when ``to_torch`` is called.

Each ``Layer`` becomes a ``torch.nn.Linear`` (row ``j`` of its weight matrix is neuron ``j``'s
``w``) followed by its activation; ``Dropout`` and ``LayerNorm`` map to their PyTorch namesakes.
"""

from __future__ import annotations

import importlib
from typing import Any

from nn.layers import MLP, Dropout, Layer, LayerNorm, Neuron, Sequential
from nn.module import Module


def _import_torch() -> Any:
    try:
        return importlib.import_module("torch")
    except ImportError as error:
        raise ImportError(
            "nn.to_torch needs PyTorch, which is not installed: pip install torch "
            "(see https://pytorch.org/get-started/locally/)"
        ) from error


def _activation(torch: Any, name: str) -> Any:
    modules = {
        "relu": lambda: torch.nn.ReLU(),
        "leaky_relu": lambda: torch.nn.LeakyReLU(0.01),
        "tanh": lambda: torch.nn.Tanh(),
        "sigmoid": lambda: torch.nn.Sigmoid(),
        "softmax": lambda: torch.nn.Softmax(dim=-1),
    }
    return modules[name]() if name in modules else None


def _linear(torch: Any, neurons: list[Neuron], dtype: Any) -> Any:
    linear = torch.nn.Linear(neurons[0].nin, len(neurons), dtype=dtype)
    with torch.no_grad():
        linear.weight.copy_(torch.tensor([[w.data for w in n.w] for n in neurons], dtype=dtype))
        linear.bias.copy_(torch.tensor([n.b.data for n in neurons], dtype=dtype))
    return linear


def _convert(torch: Any, module: Module, dtype: Any) -> list[Any]:
    """The PyTorch modules equivalent to ``module``, in order."""
    if isinstance(module, (MLP, Sequential)):
        return [part for layer in module.layers for part in _convert(torch, layer, dtype)]
    if isinstance(module, (Layer, Neuron)):
        neurons = module.neurons if isinstance(module, Layer) else [module]
        activation = _activation(torch, module.activation)
        return [_linear(torch, neurons, dtype)] + ([activation] if activation is not None else [])
    if isinstance(module, Dropout):
        return [torch.nn.Dropout(module.p)]
    if isinstance(module, LayerNorm):
        norm = torch.nn.LayerNorm(module.n, eps=module.eps, dtype=dtype)
        with torch.no_grad():
            norm.weight.copy_(torch.tensor([g.data for g in module.gamma], dtype=dtype))
            norm.bias.copy_(torch.tensor([b.data for b in module.beta], dtype=dtype))
        return [norm]
    raise TypeError(
        f"to_torch cannot convert {type(module).__name__}; supported: MLP, Sequential, Layer, Neuron, "
        "Dropout, LayerNorm"
    )


def to_torch(model: Module, dtype: Any = None) -> Any:
    """A ``torch.nn.Sequential`` computing the same function as ``model`` with a copy of its weights
    (``dtype`` defaults to ``torch.float64``, this engine's precision). Its train/eval mode matches
    the model's. ``ImportError`` with install instructions if PyTorch is missing."""
    if not isinstance(model, Module):
        raise TypeError(f"to_torch expects an nn Module, got {type(model).__name__}")
    torch = _import_torch()
    dtype = torch.float64 if dtype is None else dtype
    sequential = torch.nn.Sequential(*_convert(torch, model, dtype))
    return sequential.train(model.training)
