"""Networks you can watch: neurons and weights instead of scalar nodes, and training runs replayed.

>>> from nn import MLP
>>> from nn.losses import mse
>>> from nn.viz import draw_network, network_stepthrough
>>> model = MLP(2, [3, 1], activation="tanh", seed=0)
>>> steps = network_stepthrough(model, [0.5, -1.0], 1.0, mse).steps
>>> print(steps[0])
forward L0.N0: z = w·a + b = 0.6888×0.5 + 0.5159×(-1) + 0 = -0.1715; a = tanh(z) = -0.1698

``draw_network(model, x)`` draws the network (Graphviz, or the built-in SVG without it);
``network_stepthrough(model, x, target, loss)`` steps one sample forward neuron by neuron and
backward in the textbook's equations (``.save(path)`` writes the page; a notebook shows it inline);
``TrainingRecorder`` replays a training run as a page.
"""

from nn.viz.network import (
    CostStep,
    DeltaStep,
    ForwardStep,
    GradientStep,
    NetworkPass,
    network_stepthrough,
    trace_network,
)
from nn.viz.network_page import NetworkStepThrough
from nn.viz.picture import NetworkPicture, draw_network, network_svg
from nn.viz.recorder import Snapshot, TrainingRecorder

__all__ = [
    "CostStep",
    "DeltaStep",
    "ForwardStep",
    "GradientStep",
    "NetworkPass",
    "NetworkPicture",
    "NetworkStepThrough",
    "Snapshot",
    "TrainingRecorder",
    "draw_network",
    "network_stepthrough",
    "network_svg",
    "trace_network",
]
