"""Activations by name: each value and derivative against its formula; unknown names rejected."""

import math

import pytest

from autograd import Value
from nn.activations import ACTIVATIONS, get_activation


def sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z))


# name -> (f(z), f'(z)) in closed form
FORMULAS = {
    "linear": (lambda z: z, lambda z: 1.0),
    "relu": (lambda z: max(z, 0.0), lambda z: 1.0 if z > 0 else 0.0),
    "leaky_relu": (lambda z: z if z > 0 else 0.01 * z, lambda z: 1.0 if z > 0 else 0.01),
    "tanh": (math.tanh, lambda z: 1.0 - math.tanh(z) ** 2),
    "sigmoid": (sigmoid, lambda z: sigmoid(z) * (1.0 - sigmoid(z))),
}


@pytest.mark.parametrize("name", sorted(FORMULAS))
@pytest.mark.parametrize("z", [-2.5, -0.1, 0.7, 3.0])
def test_value_and_derivative_match_the_formula(name: str, z: float) -> None:
    f, df = FORMULAS[name]
    x = Value(z)
    act = get_activation(name).elementwise
    out = x if act is None else act(x)
    out.backward()
    assert out.data == pytest.approx(f(z), rel=1e-12)
    assert x.grad == pytest.approx(df(z), rel=1e-12)


def test_every_elementwise_activation_has_a_formula_test() -> None:
    elementwise = {name for name, a in ACTIVATIONS.items() if a.layerwise is None}
    assert elementwise == set(FORMULAS)


def test_softmax_is_layerwise() -> None:
    softmax = get_activation("softmax")
    assert softmax.elementwise is None and softmax.layerwise is not None


def test_none_means_linear() -> None:
    assert get_activation(None).name == "linear"


def test_unknown_name_is_named_in_the_error() -> None:
    with pytest.raises(ValueError, match=r"unknown activation 'gelu'.*'relu'"):
        get_activation("gelu")
    with pytest.raises(TypeError, match="name"):
        get_activation(3)  # type: ignore[arg-type]
