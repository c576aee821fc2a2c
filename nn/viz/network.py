"""A network as neurons and weights: one sample's forward and backward pass in the textbook's terms.

The scalar graph of ``MLP(2, [16, 16, 1])`` has hundreds of nodes; a textbook draws the same network
as neurons joined by weights and writes backpropagation as four equations (``l`` a layer, ``L`` the
last, ``j`` a neuron, ``k`` a neuron of the next layer, ``f`` the activation; see
``demos/backprop_equations.py``)::

    z^l_j = sum_k w^l_jk a^(l-1)_k + b^l_j,   a^l_j = f(z^l_j)               (forward)
    delta^L_j = dC/da^L_j * f'(z^L_j)                                        (output error)
    delta^l_j = (sum_k w^(l+1)_kj delta^(l+1)_k) * f'(z^l_j)                  (one layer back)
    dC/dw^l_jk = a^(l-1)_k delta^l_j,   dC/db^l_j = delta^l_j                 (the gradients)

``delta^l_j = dC/dz^l_j`` is the gradient of the neuron's ``z`` node. :func:`trace_network` runs the
pass on the engine (the graph ``model(x)`` builds), then computes every ``delta`` and gradient from
the equations in plain floats and checks each against the engine's gradient of the same node: they
agree (to rounding), or it raises. A neuron whose slope ``f'(z)`` is nearly zero is *saturated*:
whatever error arrives, almost nothing passes back through it (the vanishing gradient).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from autograd import Value, enable_grad, grad
from nn.layers import MLP, Layer, Neuron, Sequential
from nn.module import Module, check_input, input_leaves

if TYPE_CHECKING:
    from nn.viz.network_page import NetworkStepThrough

#: A neuron whose slope |f'(z)| is at most this passes back at most 1% of the error that reaches it.
SATURATED_SLOPE = 0.01
#: Relative agreement required between an equation and the engine (they differ only by rounding).
AGREEMENT = 1e-9

Loss = Callable[[list[Any], list[Any]], Value]


def network_layers(model: Module) -> list[Layer]:
    """The ``Layer``s of an ``MLP``, of a ``Sequential`` of ``Layer``s, or a ``Layer`` itself;
    ``TypeError`` for other models and ``ValueError`` for a softmax layer (its neurons are not
    independent: each output depends on every ``z``)."""
    if isinstance(model, Layer):
        layers = [model]
    elif isinstance(model, (MLP, Sequential)) and all(isinstance(m, Layer) for m in model.layers):
        layers = [m for m in model.layers if isinstance(m, Layer)]
    else:
        raise TypeError(
            "the neuron view draws an MLP, a Sequential of Layers or a Layer (neurons in layers), "
            f"got {type(model).__name__}"
        )
    for i, layer in enumerate(layers):
        if layer.activation == "softmax":
            raise ValueError(
                f"layer {i} is a softmax layer, which has no per-neuron f(z); use a linear output "
                "layer with nn.losses.cross_entropy (softmax from the logits) instead"
            )
        if i and layer.nin != layers[i - 1].nout:
            raise ValueError(
                f"layer {i} reads {layer.nin} inputs but layer {i - 1} gives {layers[i - 1].nout}"
            )
    return layers


def neuron_name(layer: int, index: int) -> str:
    """The name of neuron ``index`` of layer ``layer`` (both from 0), as in parameter labels:
    ``L1.N3`` (its weights are ``L1.N3.w0``, ...; its bias ``L1.N3.b``)."""
    return f"L{layer}.N{index}"


@dataclass
class NeuronState:
    """One neuron in one pass: its place, its nodes in the scalar graph and their numbers."""

    name: str  # "L1.N3"
    layer: int
    index: int
    neuron: Neuron
    z: Value  # the weighted sum's node (its grad is delta)
    a: Value  # the activation's node (z itself for a linear neuron)
    slope: float  # f'(z), from the engine's rule for f
    error: float = math.nan  # the error arriving: dC/da (output layer) or sum_k w_kj delta_k
    delta: float = math.nan  # error * slope
    engine_delta: float = math.nan  # the engine's dC/dz
    scale: float = 0.0  # the size of the terms behind delta (how much rounding it may carry)

    @property
    def saturated(self) -> bool:
        """The slope is nearly zero: almost no error passes back through this neuron."""
        return abs(self.slope) <= SATURATED_SLOPE


@dataclass
class NetworkPass:
    """One sample through a network: inputs, neurons layer by layer, and (with a loss) the cost
    and the engine's gradient of every node involved."""

    layers: list[Layer]
    inputs: list[Value]  # x0, x1, ...
    neurons: list[list[NeuronState]]
    cost: Value | None = None
    outputs: list[Value] | None = None
    targets: list[Any] | None = None
    grads: dict[Value, float] | None = None

    def inputs_of(self, layer: int) -> list[Value]:
        """The values layer ``layer`` reads: the inputs, or the previous layer's activations."""
        return self.inputs if layer == 0 else [n.a for n in self.neurons[layer - 1]]

    def input_names(self, layer: int) -> list[str]:
        """Names of those values: ``x0``, ... or ``a(L0.N2)``, ..."""
        if layer == 0:
            return [f"x{k}" for k in range(len(self.inputs))]
        return [f"a({n.name})" for n in self.neurons[layer - 1]]


def _slope(neuron: Neuron, z: float) -> float:
    """``f'(z)`` by the engine's own rule for ``f``, on a fresh leaf (so it costs one node)."""
    if neuron.activation == "linear":
        return 1.0
    leaf = Value(z)
    with enable_grad():  # also when the pass itself runs under no_grad (a picture of a sample)
        return float(grad(neuron.activate(leaf), [leaf])[0])


def forward_pass(model: Module, x: Sequence[Any]) -> NetworkPass:
    """Run ``x`` through the network neuron by neuron on the engine, keeping each ``z`` and ``a``."""
    layers = network_layers(model)
    check_input(x, layers[0].nin, type(model).__name__)
    inputs = input_leaves(x)
    states: list[list[NeuronState]] = []
    previous: list[Value] = inputs
    for li, layer in enumerate(layers):
        row = []
        for j, neuron in enumerate(layer.neurons):
            z = neuron.weighted_sum(previous)
            a = neuron.activate(z)
            row.append(NeuronState(neuron_name(li, j), li, j, neuron, z, a, _slope(neuron, z.data)))
        states.append(row)
        previous = [s.a for s in row]
    return NetworkPass(layers, inputs, states)


def trace_network(
    model: Module, x: Sequence[Any], target: Any = None, loss: Loss | None = None
) -> NetworkPass:
    """The forward pass and, with ``loss``, the cost ``C = loss([outputs], [target])`` and every
    neuron's ``delta`` from the textbook equations, each checked against the engine's gradient."""
    with enable_grad():  # the pass is recorded even inside no_grad
        network = forward_pass(model, x)
        if loss is None:
            return network
        cost = _cost(network, target, loss)
    parameters = [p for layer in network.layers for p in layer.parameters()]
    nodes = [*network.inputs, *(v for row in network.neurons for s in row for v in (s.z, s.a)), *parameters]
    network.cost = cost
    network.targets = list(target) if isinstance(target, (list, tuple)) else [target]
    network.grads = dict(zip(nodes, (float(g) for g in grad(cost, nodes))))
    _deltas(network)
    return network


def _cost(network: NetworkPass, target: Any, loss: Loss) -> Value:
    """``C = loss([prediction], [target])``: a one-output network predicts a Value, else a list."""
    network.outputs = outputs = [s.a for s in network.neurons[-1]]
    cost = loss([outputs[0] if len(outputs) == 1 else outputs], [target])
    if not isinstance(cost, Value):
        raise TypeError(f"loss must return a Value (like nn.losses.mse), got {type(cost).__name__}")
    return cost


def _deltas(network: NetworkPass) -> None:
    """``delta`` of every neuron, output layer first, by the equations; checked against the engine."""
    assert network.grads is not None
    last = len(network.neurons) - 1
    for li in reversed(range(last + 1)):
        for s in network.neurons[li]:
            if li == last:
                s.error = network.grads[s.a]  # dC/da^L: the loss's own derivative, by the engine
                size = abs(s.error)
            else:  # the error arriving from the next layer: sum_k w_kj delta_k
                terms = [k.neuron.w[s.index].data * k.delta for k in network.neurons[li + 1]]
                s.error, size = math.fsum(terms), sum(abs(t) for t in terms)
            s.delta = s.error * s.slope
            s.engine_delta, s.scale = network.grads[s.z], size * abs(s.slope)
            check_agreement(f"delta of {s.name}", s.delta, s.engine_delta, s.scale)


def check_agreement(what: str, by_equation: float, by_engine: float, scale: float = 0.0) -> None:
    """Raise ``ArithmeticError`` unless the equation's number equals the engine's to rounding
    (relative to ``scale``, the size of the terms summed); both ``nan`` or the same ``inf`` agree."""
    if by_equation == by_engine or (math.isnan(by_equation) and math.isnan(by_engine)):
        return
    tolerance = AGREEMENT * max(abs(by_engine), scale, 1e-300)
    if not abs(by_equation - by_engine) <= tolerance:
        raise ArithmeticError(
            f"{what}: the textbook equation gives {by_equation!r} but the engine gives {by_engine!r}; "
            "they should agree to rounding (please report this with the model and the sample)"
        )


# -- the steps ----------------------------------------------------------------------------------------


def number(x: float, digits: int = 4) -> str:
    """``x`` with ``digits`` significant digits (``0.1235``, ``-2``, ``1e-05``, ``nan``)."""
    text = f"{x:.{digits}g}"
    return "0" if text == "-0" else text


def factor(x: float) -> str:
    """``x`` as a factor of a product: negative numbers in parentheses (``0.5×(-1)``)."""
    text = number(x)
    return f"({text})" if text.startswith("-") else text


@dataclass(frozen=True)
class ForwardStep:
    """``z = w . a + b`` and ``a = f(z)`` for one neuron, with this sample's numbers."""

    kind: ClassVar[str] = "forward"
    neuron: str
    layer: int
    index: int
    inputs: tuple[str, ...]  # what it reads: x0, ... or a(L0.N2), ...
    input_values: tuple[float, ...]
    weights: tuple[float, ...]
    bias: float
    z: float
    activation: str
    a: float
    slope: float

    def __str__(self) -> str:
        terms = " + ".join(f"{factor(w)}×{factor(v)}" for w, v in zip(self.weights, self.input_values))
        return (
            f"forward {self.neuron}: z = w·a + b = {terms} + {number(self.bias)} = {number(self.z)}; "
            f"a = {self.activation}(z) = {number(self.a)}"
        )


@dataclass(frozen=True)
class CostStep:
    """The cost of this sample: ``C = loss(outputs, targets)``."""

    kind: ClassVar[str] = "cost"
    loss: str
    outputs: tuple[float, ...]
    targets: tuple[str, ...]
    cost: float

    def __str__(self) -> str:
        outputs = ", ".join(number(v) for v in self.outputs)
        return f"cost: C = {self.loss}([{outputs}], [{', '.join(self.targets)}]) = {number(self.cost)}"


@dataclass(frozen=True)
class DeltaStep:
    """``delta = error × f'(z)``: at the output layer the error is ``dC/da`` (from the loss); in a
    hidden layer it is ``sum_k w_kj delta_k`` over the next layer (``terms``: name, w_kj, delta_k)."""

    kind: ClassVar[str] = "delta"
    neuron: str
    layer: int
    index: int
    terms: tuple[tuple[str, float, float], ...]  # empty at the output layer
    error: float
    activation: str
    z: float
    slope: float
    delta: float
    engine: float  # the engine's dC/dz for the same node
    saturated: bool

    def __str__(self) -> str:
        if self.terms:
            sums = " + ".join(f"{factor(w)}×{factor(d)}" for _, w, d in self.terms)
            error = f"(Σₖ wₖⱼ δₖ = {sums} = {number(self.error)})"
        else:
            error = f"∂C/∂a = {number(self.error)}"
        flag = " (saturated: almost no error passes back)" if self.saturated else ""
        return (
            f"delta {self.neuron}: δ = {error} × {self.activation}'(z) = {factor(self.error)} × "
            f"{factor(self.slope)} = {number(self.delta)}{flag}"
        )


@dataclass(frozen=True)
class GradientStep:
    """``dC/dw_k = a_k delta`` for each weight and ``dC/db = delta``, each with the engine's."""

    kind: ClassVar[str] = "gradient"
    neuron: str
    layer: int
    index: int
    inputs: tuple[str, ...]
    input_values: tuple[float, ...]
    delta: float
    weight_grads: tuple[float, ...]
    bias_grad: float
    engine_weight_grads: tuple[float, ...]
    engine_bias_grad: float

    def __str__(self) -> str:
        weights = "; ".join(
            f"∂C/∂w{k} = {factor(a)}×{factor(self.delta)} = {number(g)}"
            for k, (a, g) in enumerate(zip(self.input_values, self.weight_grads))
        )
        return f"gradients {self.neuron}: {weights}; ∂C/∂b = δ = {number(self.bias_grad)}"


NetworkStep = ForwardStep | CostStep | DeltaStep | GradientStep


def network_steps(network: NetworkPass, loss_name: str = "loss") -> list[NetworkStep]:
    """The pass as steps: forward neuron by neuron, then (with a cost) the cost, every ``delta``
    from the output layer back, and every neuron's gradients."""
    steps: list[NetworkStep] = []
    for li, row in enumerate(network.neurons):
        names, values = tuple(network.input_names(li)), tuple(v.data for v in network.inputs_of(li))
        for s in row:
            weights = tuple(w.data for w in s.neuron.w)
            steps.append(
                ForwardStep(s.name, li, s.index, names, values, weights, s.neuron.b.data, s.z.data,
                            s.neuron.activation, s.a.data, s.slope)
            )  # fmt: skip
    if network.cost is None or network.grads is None:
        return steps
    outputs = tuple(s.a.data for s in network.neurons[-1])
    targets = tuple(repr(t) for t in network.targets or ())
    steps.append(CostStep(loss_name, outputs, targets, network.cost.data))
    last = len(network.neurons) - 1
    for li in reversed(range(last + 1)):
        for s in network.neurons[li]:
            terms = () if li == last else tuple(
                (k.name, k.neuron.w[s.index].data, k.delta) for k in network.neurons[li + 1]
            )  # fmt: skip
            steps.append(
                DeltaStep(s.name, li, s.index, terms, s.error, s.neuron.activation, s.z.data, s.slope,
                          s.delta, s.engine_delta, s.saturated)
            )  # fmt: skip
    for li, row in enumerate(network.neurons):
        for s in row:
            steps.append(_gradient_step(network, li, s))
    return steps


def _gradient_step(network: NetworkPass, li: int, s: NeuronState) -> GradientStep:
    """``dC/dw_k = a_k delta`` and ``dC/db = delta`` for one neuron, each checked against the engine."""
    assert network.grads is not None
    values = tuple(v.data for v in network.inputs_of(li))
    weight_grads = tuple(a * s.delta for a in values)
    engine = tuple(network.grads[w] for w in s.neuron.w)
    for k, (g, e) in enumerate(zip(weight_grads, engine)):
        check_agreement(f"dC/dw of {s.name}.w{k}", g, e, abs(values[k]) * s.scale)
    bias_engine = network.grads[s.neuron.b]
    check_agreement(f"dC/db of {s.name}.b", s.delta, bias_engine, s.scale)
    return GradientStep(
        s.name,
        li,
        s.index,
        tuple(network.input_names(li)),
        values,
        s.delta,
        weight_grads,
        s.delta,
        engine,
        bias_engine,
    )


# -- the step-through ------------------------------------------------------------------------------


def network_stepthrough(
    model: Module, x: Sequence[Any], target: Any, loss: Loss, *, title: str = ""
) -> NetworkStepThrough:
    """One sample ``x`` with ``target`` through ``model`` (an MLP, a Sequential of Layers or a
    Layer), step by step: forward neuron by neuron (``z = w·a + b``, ``a = f(z)``), the cost
    ``C = loss([output], [target])`` (``loss`` as in :mod:`nn.losses`, e.g. ``nn.losses.mse``), each
    neuron's ``delta = error × f'(z)`` from the output layer back, then ``dC/dw = a delta`` and
    ``dC/db = delta`` for every weight and bias. Every ``delta`` and gradient is computed from the
    equations and checked against the engine's gradient of the same node (``ArithmeticError`` if
    they ever disagree). No ``.grad`` is read or changed.
    """
    from nn.viz.network_page import NetworkStepThrough  # the page needs this module: import late

    network = trace_network(model, x, target, loss)
    name = getattr(loss, "__name__", type(loss).__name__)
    steps = network_steps(network, name)
    sizes = " → ".join(str(n) for n in [network.layers[0].nin] + [layer.nout for layer in network.layers])
    return NetworkStepThrough(network, steps, title or f"chainrule: one sample through a {sizes} network")


# -- inside one neuron: its scalar graph ----------------------------------------------------------------


def neuron_graph(network: NetworkPass, name: str) -> tuple[Value, float]:
    """Neuron ``name``'s own scalar graph on fresh leaves with this sample's numbers, and the seed
    for its backward pass: ``(a, dC/da)``. Its inputs (``x0`` or ``L0.N2.a``), weights and bias are
    leaves; ``z = b + w0·a0 + w1·a1 + ...`` (the order ``Neuron`` adds in, so the same numbers);
    seeded with the error arriving at ``a``, its gradients are the network's: ``z`` gets ``delta``,
    ``w_k`` gets ``a_k delta``."""
    state = find_neuron(network, name)
    li = state.layer
    names = (
        [f"x{k}" for k in range(len(network.inputs))]
        if li == 0
        else [f"{n.name}.a" for n in network.neurons[li - 1]]
    )
    with enable_grad():
        z = Value(state.neuron.b.data, f"{name}.b")
        for k, (w, a, input_name) in enumerate(zip(state.neuron.w, network.inputs_of(li), names)):
            product = Value(w.data, f"{name}.w{k}") * Value(a.data, input_name)
            product.label = f"w{k}·{input_name}"
            z = product + z
        z.label = f"{name}.z"
        a = state.neuron.activate(z)
        if a is not z:  # a linear neuron's a is its z
            a.label = f"{name}.a"
    return a, state.error


def find_neuron(network: NetworkPass, name: str) -> NeuronState:
    """The neuron called ``name`` (``"L1.N3"``), or ``KeyError`` listing the range of names."""
    for row in network.neurons:
        for state in row:
            if state.name == name:
                return state
    last = network.neurons[-1][-1].name
    raise KeyError(f"no neuron {name!r} in this network; neurons are named L0.N0 ... {last}")
