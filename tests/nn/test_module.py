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


# -- forward, the walker, labels ------------------------------------------------------------------------


class Scale(Module):
    """A module written PyTorch's way: only forward."""

    def __init__(self) -> None:
        self.k = Value(3.0)

    def forward(self, x, y):  # type: ignore[no-untyped-def]
        return self.k * x + y


def test_calling_a_module_calls_its_forward_with_every_argument() -> None:
    assert Scale()(2.0, 1.0).data == 7.0


def test_a_module_without_forward_says_so() -> None:
    class Empty(Module):
        pass

    with pytest.raises(NotImplementedError, match="Empty must define forward"):
        Empty()([1.0])


def test_every_built_in_module_defines_forward_and_call_is_the_base_one() -> None:
    from nn.module import MODULE_TYPES

    assert len(MODULE_TYPES) >= 7
    for name, cls in MODULE_TYPES.items():
        assert "forward" in vars(cls), name
        assert cls.__call__ is Module.__call__, name


class Mixed(Module):
    """Parameters and sub-modules interleaved: the walker keeps assignment order."""

    def __init__(self) -> None:
        self.first = Value(1.0)
        self.inner = Layer(1, 2, seed=0)
        self.scales = [Value(2.0), Value(3.0)]
        self.blocks = [Layer(2, 1, seed=1), Layer(1, 1, seed=2)]
        self.last = Value(4.0)

    def forward(self, x):  # type: ignore[no-untyped-def]
        return x


def test_one_walker_gives_children_modules_parameters_and_groups_in_assignment_order() -> None:
    model = Mixed()
    assert [name for name, _ in model.named_children()] == ["inner", "blocks.0", "blocks.1"]
    assert [type(m).__name__ for m in model.modules()].count("Neuron") == 4
    names = [name for name, _ in model.named_parameters()]
    assert names == [
        "first",
        "inner.neurons.0.w.0",
        "inner.neurons.0.b",
        "inner.neurons.1.w.0",
        "inner.neurons.1.b",
        "scales.0",
        "scales.1",
        "blocks.0.neurons.0.w.0",
        "blocks.0.neurons.0.w.1",
        "blocks.0.neurons.0.b",
        "blocks.1.neurons.0.w.0",
        "blocks.1.neurons.0.b",
        "last",
    ]
    assert [p for _, p in model.named_parameters()] == model.parameters()
    assert list(model.state_dict()) == [
        "first",
        "inner.neurons.0.w",
        "inner.neurons.0.b",
        "inner.neurons.1.w",
        "inner.neurons.1.b",
        "scales",
        "blocks.0.neurons.0.w",
        "blocks.0.neurons.0.b",
        "blocks.1.neurons.0.w",
        "blocks.1.neurons.0.b",
        "last",
    ]


def test_parameter_labels_say_where_each_sits_and_are_unique() -> None:
    model = MLP(2, [3, 2, 1], seed=0)
    labels = [p.label for p in model.parameters()]
    assert labels[:7] == ["L0.N0.w0", "L0.N0.w1", "L0.N0.b", "L0.N1.w0", "L0.N1.w1", "L0.N1.b", "L0.N2.w0"]
    assert labels[-1] == "L2.N0.b"
    assert len(set(labels)) == len(labels) == len(model.parameters())
    assert model.layers[1].neurons[1].w[2].label == "L1.N1.w2"


def test_labels_of_composed_and_user_modules_are_unique() -> None:
    from nn import LayerNorm, Residual

    for model in (Sequential(Layer(2, 2), Residual(Layer(2, 2)), LayerNorm(2)), Mixed()):
        labels = [p.label for p in model.parameters()]
        assert len(set(labels)) == len(labels), labels
    assert Sequential(Layer(2, 2), Layer(2, 1)).parameters()[-1].label == "L1.N0.b"
    assert Mixed().parameters()[7].label == "blocks0.N0.w0"
    assert [p.label for p in Layer(1, 1).parameters()] == ["N0.w0", "N0.b"]


def test_label_parameters_relabels_after_a_hand_made_change() -> None:
    model = MLP(2, [2, 1], seed=0)
    model.layers[0].neurons[1].b = Value(0.5)  # the neuron labels it "b" (it cannot see the MLP)
    assert model.layers[0].neurons[1].b.label == "b"
    model.label_parameters()
    assert model.layers[0].neurons[1].b.label == "L0.N1.b"


def test_short_label() -> None:
    from nn.module import short_label

    assert short_label("layers.0.neurons.12.w.3") == "L0.N12.w3"
    assert short_label("gamma.0") == "gamma0"
    assert short_label("block.neurons.0.b") == "block.N0.b"
    assert short_label("0") == "0"


@pytest.mark.parametrize("module", [MLP(2, [4, 1], seed=0), Layer(2, 3, seed=0)], ids=["MLP", "Layer"])
def test_a_batch_passed_as_one_sample_is_named_as_such(module: Module) -> None:
    with pytest.raises(TypeError, match=r"one sample .* at a time.*\[model\(x\) for x in X\]") as error:
        module([[1.0, 2.0], [3.0, 4.0]])
    assert "mul_add" not in str(error.value)  # once the internal op was the only name in the message
    with pytest.raises(ValueError, match=r"expects 2 inputs, got 1; a model takes one sample"):
        module([[1.0, 2.0]])
    with pytest.raises(TypeError, match="got str") as error:
        module(["a", "b"])
    assert "one sample" not in str(error.value)  # no batch hint where there is no batch
