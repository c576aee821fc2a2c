"""The building blocks: ``Neuron``, ``Layer``, ``MLP``, ``Sequential``, ``Dropout``, ``LayerNorm`` and
``Residual``.

A neuron computes ``f(w . x + b)``; a layer is ``nout`` neurons reading the same inputs; an MLP is a
chain of layers. Everything is built from scalar ``Value`` operations, so ``loss.backward()``
differentiates through all of it.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from typing import Any

from autograd import Value
from nn.activations import Activation, get_activation
from nn.init import Initializer, get_initializer, make_rng
from nn.module import (
    Module,
    Output,
    Scalar,
    build_module,
    check_input,
    input_leaves,
    module_spec,
    register_module,
)

ActivationSpec = str | None | Sequence[str | None]


def _check_size(n: object, name: str) -> int:
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError(f"{name} must be a positive int, got {type(n).__name__}")
    if n < 1:
        raise ValueError(f"{name} must be a positive int, got {n}")
    return n


def _activate(activation: Activation, z: list[Value]) -> list[Value]:
    if activation.layerwise is not None:
        return activation.layerwise(z)
    f = activation.elementwise
    return z if f is None else [f(zi) for zi in z]


def _as_list(output: Any) -> list[Any]:
    return [output] if isinstance(output, Value) else list(output)


@register_module
class Neuron(Module):
    """One neuron: ``z = w . x + b = sum_i w_i x_i + b``, output ``f(z)``.

    ``init`` picks how the weights are drawn (see :mod:`nn.init`; ``fan_out``, the width of the
    layer the neuron sits in, is used by ``xavier``); ``seed`` or ``rng`` make it reproducible.
    """

    def __init__(
        self,
        nin: int,
        activation: str | None = "relu",
        *,
        init: str | Initializer = "uniform",
        seed: int | None = None,
        rng: random.Random | None = None,
        fan_out: int = 1,
    ) -> None:
        self.nin = _check_size(nin, "nin")
        act = get_activation(activation)
        if act.layerwise is not None:
            raise ValueError(
                f"{act.name!r} normalizes a whole layer, so a single Neuron cannot use it; "
                "use it as a Layer's activation or an MLP's output_activation"
            )
        self.activation = act.name
        self._f = act.elementwise
        draw, generator = get_initializer(init), make_rng(seed, rng)
        self.w = [Value(draw(generator, nin, fan_out), f"w{i}") for i in range(nin)]
        self.b = Value(0.0, "b")

    def forward(self, x: Sequence[Scalar]) -> Value:
        """``f(w . x + b)``; plain numbers in ``x`` become input leaves ``x0``, ``x1``, ..."""
        check_input(x, self.nin, "Neuron")
        return self._forward(input_leaves(x))

    def _forward(self, x: Sequence[Scalar]) -> Value:
        """``f(w . x + b)`` without checking ``x`` (callers that already did use this)."""
        z = self.weighted_sum(x)
        return z if self._f is None else self._f(z)

    def weighted_sum(self, x: Sequence[Scalar]) -> Value:
        """``z = w . x + b``, unchecked. Built one ``mul_add`` node per input (``z = w_i x_i + z``):
        half the nodes of separate ``*`` and ``+``, with the same derivatives (``x_i``, ``w_i``, 1)."""
        z = self.b
        for wi, xi in zip(self.w, x):
            z = wi.mul_add(xi, z)
        return z

    def activate(self, z: Value) -> Value:
        """``a = f(z)``: the neuron's activation of its weighted sum (``z`` itself if linear)."""
        return z if self._f is None else self._f(z)

    def config(self) -> dict[str, Any]:
        return {"nin": self.nin, "activation": self.activation}

    def extra_repr(self) -> str:
        return f"nin={self.nin}, activation={self.activation!r}"


@register_module
class Layer(Module):
    """``nout`` neurons reading the same ``nin`` inputs; always returns a list of ``nout`` Values.

    With ``activation="softmax"`` the neurons stay linear and the layer returns
    ``softmax(z_1, ..., z_nout)``.
    """

    def __init__(
        self,
        nin: int,
        nout: int,
        activation: str | None = "relu",
        *,
        init: str | Initializer = "uniform",
        seed: int | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.nin = _check_size(nin, "nin")
        self.nout = _check_size(nout, "nout")
        self._activation = get_activation(activation)
        if self._activation.layerwise is not None and nout == 1:
            raise ValueError(
                f"{self._activation.name!r} over a single output is always 1.0; "
                "for one output use 'sigmoid' (probability) or None (a score)"
            )
        self.activation = self._activation.name
        neuron_activation = "linear" if self._activation.layerwise else self.activation
        generator = make_rng(seed, rng)
        self.neurons = [
            Neuron(nin, neuron_activation, init=init, rng=generator, fan_out=nout) for _ in range(nout)
        ]

    def forward(self, x: Sequence[Scalar]) -> list[Value]:
        """The ``nout`` outputs; plain numbers in ``x`` become input leaves shared by every neuron."""
        check_input(x, self.nin, "Layer")
        return self._forward(input_leaves(x))

    def _forward(self, x: Sequence[Scalar]) -> list[Value]:
        """The layer's outputs without checking ``x``."""
        out = [neuron._forward(x) for neuron in self.neurons]
        return self._activation.layerwise(out) if self._activation.layerwise else out

    def config(self) -> dict[str, Any]:
        return {"nin": self.nin, "nout": self.nout, "activation": self.activation}

    def extra_repr(self) -> str:
        return f"nin={self.nin}, nout={self.nout}, activation={self.activation!r}"

    def _repr_children(self) -> bool:
        return False  # nout identical neuron lines say nothing the header does not


def _layer_activations(
    nouts: list[int], activation: ActivationSpec, output_activation: str | None
) -> list[str | None]:
    """One activation name per layer from MLP's ``activation`` and ``output_activation``."""
    hidden = len(nouts) - 1
    if activation is None or isinstance(activation, str):
        names: list[str | None] = [activation] * hidden + [output_activation]
    elif isinstance(activation, Sequence):
        names = list(activation)
        if len(names) == hidden:
            names.append(output_activation)
        elif len(names) == len(nouts):
            if output_activation is not None:
                raise ValueError(
                    f"activation lists {len(names)} names, one per layer including the output "
                    f"layer, and output_activation={output_activation!r} names the output layer's "
                    "again; give one or the other"
                )
        else:
            raise ValueError(
                f"activation list has {len(names)} names; expected {hidden} (one per hidden layer) "
                f"or {len(nouts)} (one per layer) for nouts={nouts}"
            )
    else:
        raise TypeError(
            f"activation must be a name, None or a list of names, got {type(activation).__name__}"
        )
    for i, name in enumerate(names):
        where = "output_activation" if i == len(nouts) - 1 else f"activation (layer {i})"
        act = get_activation(name, where=where)
        if act.layerwise is not None and i < hidden:
            raise ValueError(
                f"{act.name!r} is for the output layer (output_activation={act.name!r}), not hidden layer {i}"
            )
    return names


@register_module
class MLP(Module):
    """A multi-layer perceptron: ``Layer(nin, nouts[0]) -> Layer(nouts[0], nouts[1]) -> ...``.

    ``activation`` applies to the hidden layers (a name, or a list with one name per hidden layer);
    ``output_activation`` to the last layer (``None``: linear, the raw score). ``model(x)`` returns
    a ``Value`` when the last layer has one output, else a list of Values. ``seed`` makes the
    initial weights reproducible; ``init`` picks the scheme (default micrograd's U(-1, 1)).
    """

    def __init__(
        self,
        nin: int,
        nouts: Sequence[int],
        activation: ActivationSpec = "relu",
        output_activation: str | None = None,
        seed: int | None = None,
        *,
        init: str | Initializer = "uniform",
    ) -> None:
        self.nin = _check_size(nin, "nin")
        if isinstance(nouts, int) or not isinstance(nouts, Sequence) or len(nouts) == 0:
            raise TypeError(f"nouts must be a non-empty list of layer sizes, e.g. [16, 16, 1], got {nouts!r}")
        self.nouts = [_check_size(n, f"nouts[{i}]") for i, n in enumerate(nouts)]
        names = _layer_activations(self.nouts, activation, output_activation)
        generator = make_rng(seed)
        sizes = [nin, *self.nouts]
        self.layers = [
            Layer(sizes[i], sizes[i + 1], names[i], init=init, rng=generator) for i in range(len(self.nouts))
        ]

    def forward(self, x: Sequence[Scalar]) -> Output:
        """Each layer applied to the previous one's outputs; plain numbers in ``x`` become input
        leaves ``x0``, ``x1``, ... shared by every neuron of the first layer."""
        check_input(x, self.nin, "MLP")
        out: Sequence[Scalar] = input_leaves(x)
        for layer in self.layers:
            out = layer._forward(out)
        assert isinstance(out, list)
        return out[0] if len(out) == 1 else out

    def config(self) -> dict[str, Any]:
        return {
            "nin": self.nin,
            "nouts": list(self.nouts),
            "activation": [layer.activation for layer in self.layers[:-1]],
            "output_activation": self.layers[-1].activation,
        }

    def extra_repr(self) -> str:
        return f"{self.nin} -> {self.nouts}, {len(self.parameters())} parameters"


@register_module
class Sequential(Module):
    """Modules applied in order, each to the previous one's output. Like ``MLP``, returns a ``Value``
    when the last module gives one output, else a list."""

    def __init__(self, *modules: Module) -> None:
        for i, module in enumerate(modules):
            if not isinstance(module, Module):
                raise TypeError(f"Sequential takes Modules; argument {i} is {type(module).__name__}")
        if not modules:
            raise ValueError("Sequential needs at least one module")
        self.layers = list(modules)

    def forward(self, x: Sequence[Scalar]) -> Output:
        out: list[Any] = list(x) if not isinstance(x, Value) else [x]
        for module in self.layers:
            out = _as_list(module(out))
        return out[0] if len(out) == 1 else out

    def config(self) -> dict[str, Any] | None:
        specs = [module_spec(m) for m in self.layers]
        return None if any(s is None for s in specs) else {"modules": specs}

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Module:
        specs = config.get("modules")
        if not isinstance(specs, list):
            raise ValueError("Sequential config needs 'modules': a list of module specs")
        return cls(*[build_module(spec) for spec in specs])


@register_module
class Dropout(Module):
    """Inverted dropout: in training mode each input is zeroed with probability ``p`` and the rest
    are scaled by ``1 / (1 - p)`` (so the expected value is unchanged); in eval mode it is the
    identity. ``seed`` makes the masks reproducible."""

    def __init__(self, p: float = 0.5, seed: int | None = None) -> None:
        if isinstance(p, bool) or not isinstance(p, (int, float)) or not 0.0 <= p < 1.0:
            raise ValueError(f"Dropout probability p must be in [0, 1), got {p!r}")
        self.p = float(p)
        self._rng = make_rng(seed)

    def forward(self, x: Sequence[Scalar]) -> list[Any]:
        if not self.training or self.p == 0.0:
            return list(x)
        keep = 1.0 / (1.0 - self.p)
        return [xi * (0.0 if self._rng.random() < self.p else keep) for xi in x]

    def config(self) -> dict[str, Any]:
        return {"p": self.p}

    def extra_repr(self) -> str:
        return f"p={self.p}"


@register_module
class LayerNorm(Module):
    """Normalize a layer's ``n`` values to mean 0 and variance 1, then scale and shift:
    ``y_i = gamma_i (x_i - mu) / sqrt(sigma^2 + eps) + beta_i`` with ``mu``, ``sigma^2`` the mean and
    (biased) variance of ``x``. ``gamma`` starts at 1, ``beta`` at 0."""

    def __init__(self, n: int, eps: float = 1e-5) -> None:
        self.n = _check_size(n, "n")
        if not isinstance(eps, (int, float)) or not eps > 0:
            raise ValueError(f"LayerNorm eps must be a positive number, got {eps!r}")
        self.eps = float(eps)
        self.gamma = [Value(1.0, f"gamma{i}") for i in range(n)]
        self.beta = [Value(0.0, f"beta{i}") for i in range(n)]

    def forward(self, x: Sequence[Scalar]) -> list[Value]:
        check_input(x, self.n, "LayerNorm")
        mean = sum(x) / self.n
        centered = [xi - mean for xi in x]
        variance = sum(c * c for c in centered) / self.n
        inv_std = (variance + self.eps) ** -0.5
        return [g * (c * inv_std) + b for g, c, b in zip(self.gamma, centered, self.beta)]

    def config(self) -> dict[str, Any]:
        return {"n": self.n, "eps": self.eps}

    def extra_repr(self) -> str:
        return f"n={self.n}, eps={self.eps}"


@register_module
class Residual(Module):
    """A skip connection around ``block``: ``y = f(x + block(x))`` (``f`` linear by default). The
    ``+ x`` path has derivative 1, so gradients reach early layers undiminished."""

    def __init__(self, block: Module, activation: str | None = None) -> None:
        if not isinstance(block, Module):
            raise TypeError(f"Residual wraps a Module, got {type(block).__name__}")
        self.block = block
        self._activation = get_activation(activation)
        self.activation = self._activation.name

    def forward(self, x: Sequence[Scalar]) -> list[Value]:
        x = input_leaves(x)  # both paths read the same leaves
        fx = _as_list(self.block(x))
        if len(fx) != len(x):
            raise ValueError(
                f"Residual: the block maps {len(x)} inputs to {len(fx)} outputs; "
                "x + block(x) needs them equal"
            )
        return _activate(self._activation, [xi + fi for xi, fi in zip(x, fx)])

    def config(self) -> dict[str, Any] | None:
        spec = module_spec(self.block)
        return None if spec is None else {"block": spec, "activation": self.activation}

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Module:
        return cls(build_module(config["block"]), config.get("activation"))

    def extra_repr(self) -> str:
        return f"activation={self.activation!r}"
