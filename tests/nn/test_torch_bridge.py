"""nn.to_torch: same outputs as the original model when PyTorch is installed; a clear ImportError
otherwise."""

import sys

import pytest

import nn
from nn import MLP, Dropout, Layer, LayerNorm, Residual, Sequential

X = [[0.3, -0.7], [1.5, 0.2], [-1.0, -1.0]]


def test_without_torch_the_error_says_how_to_install_it(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setitem(sys.modules, "torch", None)  # makes `import torch` raise ImportError
    with pytest.raises(ImportError, match="pip install torch"):
        nn.to_torch(MLP(2, [3, 1]))


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
    assert theirs == pytest.approx(ours, rel=1e-12)


def test_unsupported_modules_are_named() -> None:
    pytest.importorskip("torch")
    with pytest.raises(TypeError, match="cannot convert Residual"):
        nn.to_torch(Residual(Layer(2, 2)))
