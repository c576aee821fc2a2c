"""chainrule's neural-network library, built from scalar ``Value``s.

>>> from nn import MLP
>>> model = MLP(2, [16, 16, 1], seed=0)
>>> len(model.parameters())
337

Training by hand (micrograd's moons demo)::

    from nn import MLP, l2_penalty
    from nn.data import make_moons
    from nn.losses import hinge

    X, labels = make_moons(100, noise=0.1, seed=1)
    y = [2 * t - 1 for t in labels]                    # hinge wants -1 / +1
    model = MLP(2, [16, 16, 1], seed=0)
    for k in range(100):
        scores = [model(x) for x in X]
        loss = hinge(scores, y) + l2_penalty(model.parameters(), lam=0.02, n=len(X))
        model.zero_grad()
        loss.backward()
        for p in model.parameters():
            p.data -= (1.0 - 0.9 * k / 100) * p.grad

The same with ``fit`` (adds history, batching, early stopping, progress)::

    from nn import fit
    from nn.optim import SGD
    from nn.schedules import LinearDecay

    optimizer = SGD(model.parameters(), lr=1.0)
    history = fit(model, X, y, loss=hinge, optimizer=optimizer, epochs=100,
                  penalty=lambda m: l2_penalty(m.parameters(), lam=0.02, n=len(X)),
                  schedule=LinearDecay(optimizer, end_lr=0.1, total_steps=100))
    history.accuracy[-1]   # 1.0

Submodules: ``nn.losses``, ``nn.functional``, ``nn.optim``, ``nn.schedules``, ``nn.data``,
``nn.init``, ``nn.regularization``, ``nn.metrics``; ``nn.save`` / ``nn.load`` (JSON) and
``nn.to_torch`` (needs PyTorch).
"""

import nn._autograd_check  # noqa: F401  (first: a clear error if another 'autograd' shadows ours)
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
