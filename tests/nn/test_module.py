"""Module: parameter discovery and order, names, zero_grad, modes, state_dict / load_state_dict."""

import pytest

from autograd import Value
from nn import MLP, Dropout, Layer, Module, Sequential, StateDictError


class Affine(Module):
    """y = a x + b, with parameters found from attributes."""

    def __init__(self) -> None:
        self.a = Value(2.0)
        self.b = [Value(0.5)]
        self.note = "not a parameter"
        self._cache = [Value(9.0)]  # private: ignored

    def __call__(self, x):  # type: ignore[no-untyped-def]
        return [self.a * x[0] + self.b[0]]


def test_parameters_come_from_public_attributes_in_assignment_order() -> None:
    model = Affine()
    assert model.parameters() == [model.a, model.b[0]]
    assert [name for name, _ in model.named_parameters()] == ["a", "b.0"]


def test_mlp_parameter_names_and_order_follow_micrograd() -> None:
    model = MLP(2, [3, 1], seed=0)
    names = [name for name, _ in model.named_parameters()]
    assert names[:4] == [
        "layers.0.neurons.0.w.0",
        "layers.0.neurons.0.w.1",
        "layers.0.neurons.0.b",
        "layers.0.neurons.1.w.0",
    ]
    first = model.layers[0].neurons[0]
    assert model.parameters()[:3] == [*first.w, first.b]  # micrograd: w + [b], neuron by neuron
    assert len(model.parameters()) == (2 + 1) * 3 + (3 + 1) * 1


def test_zero_grad_resets_every_parameter() -> None:
    model = MLP(2, [3, 1], seed=0)
    model([1.0, -1.0]).backward()
    assert any(p.grad != 0 for p in model.parameters())
    model.zero_grad()
    assert all(p.grad == 0.0 for p in model.parameters())


def test_train_and_eval_reach_every_submodule() -> None:
    model = Sequential(Layer(2, 2), Dropout(0.5))
    assert model.eval() is model
    assert not any(m.training for m in model.modules())
    model.train()
    assert all(m.training for m in model.modules())


def test_state_dict_is_a_new_plain_dict_of_float_lists() -> None:
    model = MLP(2, [2, 1], seed=0)
    state = model.state_dict()
    assert type(state) is dict
    assert state["layers.0.neurons.0.w"] == [w.data for w in model.layers[0].neurons[0].w]
    assert state["layers.0.neurons.0.b"] == [0.0]
    assert all(type(x) is float for values in state.values() for x in values)
    state["layers.0.neurons.0.w"][0] = 123.0  # a copy: the model is not affected
    assert model.layers[0].neurons[0].w[0].data != 123.0
    assert model.state_dict() is not model.state_dict()


def test_load_state_dict_round_trip() -> None:
    source, target = MLP(2, [4, 1], seed=1), MLP(2, [4, 1], seed=2)
    target.load_state_dict(source.state_dict())
    assert target.state_dict() == source.state_dict()
    assert target([0.3, -0.2]).data == source([0.3, -0.2]).data


@pytest.mark.parametrize(
    ("corrupt", "message"),
    [
        (lambda s: s.pop("layers.1.neurons.0.b"), r"missing keys: 'layers.1.neurons.0.b'"),
        (lambda s: s.update(extra=[1.0]), r"unexpected keys: 'extra'"),
        (lambda s: s["layers.0.neurons.1.w"].pop(), r"'layers.0.neurons.1.w': expected 2 values, got 1"),
        (lambda s: s.update({"layers.0.neurons.0.b": 0.5}), r"expected a list of 1 floats, got float"),
        (lambda s: s["layers.0.neurons.0.w"].__setitem__(1, "x"), r"item 1 is str"),
        (lambda s: s["layers.0.neurons.0.w"].__setitem__(0, True), r"item 0 is bool"),
    ],
    ids=["missing", "unexpected", "short", "not-a-list", "string", "bool"],
)
def test_load_state_dict_rejects_a_mismatch_and_changes_nothing(corrupt, message: str) -> None:  # type: ignore[no-untyped-def]
    model = MLP(2, [2, 1], seed=0)
    before = model.state_dict()
    state = MLP(2, [2, 1], seed=5).state_dict()
    corrupt(state)
    with pytest.raises(StateDictError, match=message):
        model.load_state_dict(state)
    assert model.state_dict() == before
    assert issubclass(StateDictError, ValueError)


def test_load_state_dict_rejects_a_non_dict() -> None:
    with pytest.raises(StateDictError, match="dict of lists of floats, got list"):
        MLP(2, [1]).load_state_dict([])  # type: ignore[arg-type]


def test_repr_is_readable() -> None:
    text = repr(MLP(2, [16, 16, 1], seed=0))
    assert text.splitlines()[0] == "MLP(2 -> [16, 16, 1], 337 parameters"
    assert "(layers.1): Layer(nin=16, nout=16, activation='relu')" in text
    assert "Neuron" not in text  # a layer's identical neurons are not listed
    assert repr(Dropout(0.25)) == "Dropout(p=0.25)"
