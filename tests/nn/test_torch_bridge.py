"""nn.to_torch: same outputs as the original model when PyTorch is installed; a clear ImportError
otherwise."""

import contextlib
import sys
from types import SimpleNamespace
from typing import Any

import pytest

import nn
from nn import MLP, Dropout, Layer, LayerNorm, Residual, Sequential

X = [[0.3, -0.7], [1.5, 0.2], [-1.0, -1.0]]


def test_without_torch_the_error_says_how_to_install_it(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setitem(sys.modules, "torch", None)  # makes `import torch` raise ImportError
    with pytest.raises(ImportError, match="pip install torch"):
        nn.to_torch(MLP(2, [3, 1]))


class FakeParameter:
    def __init__(self) -> None:
        self.value: Any = None

    def copy_(self, tensor: Any) -> None:
        self.value = tensor


class FakeLinear:
    def __init__(self, nin: int, nout: int, dtype: Any = None) -> None:
        self.shape, self.dtype = (nout, nin), dtype
        self.weight, self.bias = FakeParameter(), FakeParameter()


class FakeSequential:
    def __init__(self, *modules: Any) -> None:
        self.modules, self.training = list(modules), True

    def train(self, mode: bool) -> "FakeSequential":
        self.training = mode
        return self


def fake_torch() -> SimpleNamespace:
    """Just enough of torch's surface to check which modules and weights to_torch builds."""
    layers = SimpleNamespace(
        Linear=FakeLinear,
        Sequential=FakeSequential,
        ReLU=lambda: "ReLU",
        Tanh=lambda: "Tanh",
        Sigmoid=lambda: "Sigmoid",
        LeakyReLU=lambda slope: f"LeakyReLU({slope})",
        Softmax=lambda dim: f"Softmax(dim={dim})",
        Dropout=lambda p: f"Dropout({p})",
    )
    return SimpleNamespace(
        nn=layers, float64="float64", tensor=lambda data, dtype: data, no_grad=contextlib.nullcontext
    )


def test_the_mapping_to_torch_modules_and_weights(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setitem(sys.modules, "torch", fake_torch())
    model = MLP(2, [3, 2], activation="leaky_relu", output_activation="softmax", seed=0).eval()
    converted = nn.to_torch(model)
    first, act, second, softmax = converted.modules
    assert (act, softmax, converted.training) == ("LeakyReLU(0.01)", "Softmax(dim=-1)", False)
    assert first.shape == (3, 2) and second.shape == (2, 3) and first.dtype == "float64"
    neurons = model.layers[0].neurons
    assert first.weight.value == [[w.data for w in n.w] for n in neurons]  # row j = neuron j
    assert first.bias.value == [n.b.data for n in neurons]
    linear_only = nn.to_torch(MLP(2, [1], seed=0))
    assert len(linear_only.modules) == 1  # a linear output adds no activation module


@pytest.mark.parametrize(
    "model",
    [
        MLP(2, [8, 8, 1], activation=["tanh", "leaky_relu"], seed=0),
        MLP(2, [5, 3], activation="sigmoid", output_activation="softmax", seed=1),
        Sequential(Layer(2, 4, "relu", seed=2), LayerNorm(4), Dropout(0.5), Layer(4, 2, None, seed=3)),
    ],
    ids=["mlp", "softmax", "sequential"],
)
def test_torch_model_gives_the_same_outputs(model) -> None:  # type: ignore[no-untyped-def]
    torch = pytest.importorskip("torch")
    model.eval()
    converted = nn.to_torch(model)
    assert not converted.training
    with torch.no_grad():
        theirs = converted(torch.tensor(X, dtype=torch.float64)).tolist()
    ours = [model(x) for x in X]
    ours = [[o.data] if not isinstance(o, list) else [v.data for v in o] for o in ours]
    assert len(theirs) == len(ours)
    for their_row, our_row in zip(theirs, ours):
        assert their_row == pytest.approx(our_row, rel=1e-12)


def test_unsupported_modules_are_named() -> None:
    pytest.importorskip("torch")
    with pytest.raises(TypeError, match="cannot convert Residual"):
        nn.to_torch(Residual(Layer(2, 2)))
