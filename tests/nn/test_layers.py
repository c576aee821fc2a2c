"""Neuron, Layer, MLP, Sequential, Dropout, LayerNorm, Residual: outputs, errors, gradients."""

import math
import random

import pytest

from autograd import Value, gradcheck
from nn import MLP, Dropout, Layer, LayerNorm, Neuron, Residual, Sequential


def test_neuron_computes_activation_of_w_dot_x_plus_b() -> None:
    neuron = Neuron(3, "tanh", seed=0)
    neuron.b.data = 0.25
    x = [0.5, -1.0, 2.0]
    z = sum(w.data * xi for w, xi in zip(neuron.w, x)) + 0.25
    assert neuron(x).data == pytest.approx(math.tanh(z), rel=1e-12)


def test_neuron_rejects_softmax() -> None:
    with pytest.raises(ValueError, match="whole layer"):
        Neuron(2, "softmax")


def test_layer_always_returns_a_list() -> None:
    out = Layer(2, 1, seed=0)([1.0, 2.0])
    assert isinstance(out, list) and len(out) == 1 and isinstance(out[0], Value)


def test_mlp_returns_a_value_for_one_output_else_a_list() -> None:
    assert isinstance(MLP(2, [3, 1], seed=0)([1.0, 2.0]), Value)
    out = MLP(2, [3, 2], seed=0)([1.0, 2.0])
    assert isinstance(out, list) and len(out) == 2


def test_moons_mlp_has_337_parameters() -> None:
    assert len(MLP(2, [16, 16, 1]).parameters()) == 337


def test_mlp_equals_its_layers_applied_in_turn() -> None:
    model = MLP(2, [3, 2], activation="tanh", output_activation="sigmoid", seed=4)
    x = [0.3, -0.8]
    hidden = [
        math.tanh(sum(w.data * xi for w, xi in zip(n.w, x)) + n.b.data) for n in model.layers[0].neurons
    ]
    expected = [
        1 / (1 + math.exp(-(sum(w.data * h for w, h in zip(n.w, hidden)) + n.b.data)))
        for n in model.layers[1].neurons
    ]
    assert [o.data for o in model(x)] == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("model", [MLP(2, [3, 1]), Layer(2, 3), Neuron(2)], ids=["MLP", "Layer", "Neuron"])
def test_wrong_input_length_states_expected_and_got(model) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match=r"expects 2 inputs, got 3"):
        model([1.0, 2.0, 3.0])


def test_a_bare_number_is_a_type_error_with_a_hint() -> None:
    with pytest.raises(TypeError, match=r"wrap a single input in a list: MLP\(\[x\]\)"):
        MLP(1, [1])(0.5)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="sequence of 2 inputs"):
        MLP(2, [1])("ab")  # type: ignore[arg-type]


def test_inputs_may_be_values_and_gradients_reach_them() -> None:
    x = [Value(0.5), Value(-0.5)]
    MLP(2, [4, 1], activation="tanh", seed=0)(x).backward()  # type: ignore[union-attr]
    assert any(xi.grad != 0 for xi in x)


def test_unknown_activation_is_named() -> None:
    with pytest.raises(ValueError, match=r"unknown activation .*'swish'"):
        MLP(2, [3, 1], activation="swish")
    with pytest.raises(ValueError, match="unknown output_activation 'soft_max'"):
        MLP(2, [3, 1], output_activation="soft_max")


def test_per_layer_activation_lists() -> None:
    model = MLP(2, [3, 3, 1], activation=["tanh", "leaky_relu"], output_activation="sigmoid")
    assert [layer.activation for layer in model.layers] == ["tanh", "leaky_relu", "sigmoid"]
    model = MLP(2, [3, 1], activation=["relu", None])  # one name per layer, output included
    assert [layer.activation for layer in model.layers] == ["relu", "linear"]
    with pytest.raises(ValueError, match=r"expected 2 \(one per hidden layer\) or 3"):
        MLP(2, [3, 3, 1], activation=["tanh"])
    with pytest.raises(ValueError, match="give one or the other"):
        MLP(2, [3, 1], activation=["relu", "relu"], output_activation="tanh")


def test_softmax_output_layer_gives_probabilities() -> None:
    out = MLP(2, [4, 3], output_activation="softmax", seed=0)([0.2, 0.9])
    assert sum(o.data for o in out) == pytest.approx(1.0, rel=1e-12)
    with pytest.raises(ValueError, match="output layer"):
        MLP(2, [4, 3], activation="softmax")
    with pytest.raises(ValueError, match=r"always 1\.0"):
        MLP(2, [4, 1], output_activation="softmax")


def test_bad_sizes() -> None:
    with pytest.raises(ValueError, match="nin must be a positive int, got 0"):
        MLP(0, [1])
    with pytest.raises(TypeError, match="nouts must be a non-empty list"):
        MLP(2, 3)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"nouts\[1\] must be a positive int"):
        MLP(2, [3, 1.5])  # type: ignore[list-item]


def test_seed_makes_initialization_reproducible() -> None:
    assert MLP(2, [8, 1], seed=7).state_dict() == MLP(2, [8, 1], seed=7).state_dict()
    assert MLP(2, [8, 1], seed=7).state_dict() != MLP(2, [8, 1], seed=8).state_dict()


def test_initial_weights_follow_the_init_scheme() -> None:
    weights = [w.data for n in MLP(2, [50, 1], seed=0).layers[0].neurons for w in n.w]
    assert all(-1 <= w <= 1 for w in weights) and max(weights) > 0.8  # U(-1, 1)
    bound = math.sqrt(6 / (2 + 50))
    weights = [w.data for n in MLP(2, [50, 1], seed=0, init="xavier").layers[0].neurons for w in n.w]
    assert max(abs(w) for w in weights) <= bound
    assert all(p.data == 0.0 for n in MLP(2, [5, 1]).layers[0].neurons for p in [n.b])
    fixed = MLP(2, [2, 1], init=lambda rng, nin, nout: 0.5)
    assert all(w.data == 0.5 for n in fixed.layers[0].neurons for w in n.w)


def test_mlp_gradients_pass_gradcheck() -> None:
    model = MLP(3, [4, 1], activation="tanh", seed=3)
    assert gradcheck(lambda a, b, c: model([a, b, c]), [0.1, -0.4, 0.9])  # type: ignore[arg-type,return-value]


def test_sequential_chains_modules_and_unwraps_one_output() -> None:
    model = Sequential(Layer(2, 3, "tanh", seed=0), Layer(3, 1, None, seed=1))
    hidden = model.layers[0]([0.5, 0.1])
    assert model([0.5, 0.1]).data == pytest.approx(model.layers[1](hidden)[0].data)  # type: ignore[union-attr]
    with pytest.raises(TypeError, match="argument 0 is int"):
        Sequential(3)  # type: ignore[arg-type]


def test_dropout_is_the_identity_in_eval_mode() -> None:
    dropout = Dropout(0.5, seed=0).eval()
    x = [Value(float(i)) for i in range(100)]
    out = dropout(x)
    assert all(o is xi for o, xi in zip(out, x))


@pytest.mark.parametrize("p", [0.2, 0.5])
def test_dropout_drops_the_stated_fraction_and_rescales_the_rest(p: float) -> None:
    n = 20_000
    out = Dropout(p, seed=1)([Value(1.0) for _ in range(n)])
    dropped = sum(o.data == 0.0 for o in out) / n
    assert dropped == pytest.approx(p, abs=4 * math.sqrt(p * (1 - p) / n))  # within 4 sigma
    assert all(o.data == pytest.approx(1 / (1 - p)) for o in out if o.data != 0.0)


def test_dropout_gradient_is_zero_where_dropped() -> None:
    x = [Value(2.0) for _ in range(50)]
    out = Dropout(0.5, seed=3)(x)
    sum(out).backward()
    for xi, o in zip(x, out):
        assert xi.grad == (0.0 if o.data == 0.0 else 2.0)


def test_dropout_p_is_checked() -> None:
    for p in (-0.1, 1.0, "half"):
        with pytest.raises(ValueError, match=r"p must be in \[0, 1\)"):
            Dropout(p)  # type: ignore[arg-type]


def test_layernorm_output_has_mean_0_and_variance_1() -> None:
    out = [o.data for o in LayerNorm(4)([1.0, 2.0, 3.0, 6.0])]
    mean = sum(out) / 4
    variance = sum((o - mean) ** 2 for o in out) / 4
    assert mean == pytest.approx(0.0, abs=1e-12)
    assert variance == pytest.approx(1.0, rel=1e-4)  # eps = 1e-5 shrinks it a hair


def test_layernorm_scale_shift_and_gradients() -> None:
    norm = LayerNorm(3)
    norm.gamma[0].data, norm.beta[0].data = 2.0, 1.0
    x = [0.0, 1.0, 2.0]
    assert norm(x)[0].data == pytest.approx(2.0 * (-1.0 / math.sqrt(2 / 3 + 1e-5)) + 1.0)
    assert gradcheck(lambda a, b, c: norm([a, b, c])[0] * norm([a, b, c])[2], [0.3, -1.0, 2.5])
    assert len(norm.parameters()) == 6


def test_residual_adds_the_input_back() -> None:
    block = Layer(2, 2, "tanh", seed=0)
    x = [0.4, -0.3]
    out = Residual(block)(x)
    assert [o.data for o in out] == pytest.approx([xi + f.data for xi, f in zip(x, block(x))])
    relu_out = Residual(block, activation="relu")([-5.0, 5.0])
    assert relu_out[0].data == 0.0
    with pytest.raises(ValueError, match="maps 2 inputs to 3 outputs"):
        Residual(Layer(2, 3))(x)


def test_deep_residual_stack_keeps_the_gradient_alive() -> None:
    rng = random.Random(0)
    blocks = [Residual(Layer(2, 2, "tanh", rng=rng)) for _ in range(20)]
    x = [Value(0.5), Value(-0.5)]
    sum(Sequential(*blocks)(x)).backward()  # type: ignore[arg-type]
    assert abs(x[0].grad) > 0.1  # the skip path contributes 1 at every block


# -- input leaves: one node per input number ----------------------------------------------------------


def _leaves(root: Value) -> list[Value]:
    from autograd.engine import topological_order

    return [node for node in topological_order(root) if node.is_leaf and type(node) is Value]


@pytest.mark.parametrize("make", [lambda: MLP(3, [4, 2, 1], seed=0), lambda: Layer(3, 4, seed=0)])
def test_numbers_become_one_shared_leaf_per_input(make) -> None:  # type: ignore[no-untyped-def]
    model = make()
    out = model([0.5, -1.0, 2.0])
    root = out if isinstance(out, Value) else sum(out)
    inputs = [v for v in _leaves(root) if not v.label.startswith(("L", "N"))]
    assert sorted(v.label for v in inputs) == ["x0", "x1", "x2"]  # nin input nodes, not one per neuron
    assert [v.data for v in sorted(inputs, key=lambda v: v.label)] == [0.5, -1.0, 2.0]
    from autograd.engine import topological_order

    uses = [child for node in topological_order(root) for child in node.children if child in inputs]
    assert all(uses.count(x) == 4 for x in inputs)  # read once by each of the 4 first-layer neurons


def test_input_leaves_receive_the_input_gradient() -> None:
    neuron = Neuron(2, "linear", seed=0)
    out = neuron([1.5, -2.0])
    out.backward()
    x0, x1 = sorted((v for v in _leaves(out) if v.label.startswith("x")), key=lambda v: v.label)
    assert (x0.grad, x1.grad) == (neuron.w[0].data, neuron.w[1].data)  # d(w.x + b)/dx_i = w_i


def test_value_inputs_are_used_as_given_and_mixed_inputs_work() -> None:
    x = Value(0.5, "mine")
    out = MLP(2, [2, 1], seed=0)([x, 1.0])
    leaves = _leaves(out)
    assert x in leaves and "x1" in [v.label for v in leaves] and "x0" not in [v.label for v in leaves]


def test_a_non_number_input_is_a_type_error_naming_it() -> None:
    with pytest.raises(TypeError, match=r"inputs are numbers or Values.*str"):
        MLP(2, [1])(["a", 1.0])


def test_residual_paths_share_the_input_leaves() -> None:
    model = Residual(Layer(2, 2, "linear", seed=0))
    out = model([1.0, 2.0])
    assert sorted(v.label for v in _leaves(sum(out)) if v.label.startswith("x")) == ["x0", "x1"]
