"""The neuron-level pass: the textbook's deltas and gradients equal the engine's, for every parameter."""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd import Value, no_grad
from autograd.viz.steps import final_grads
from nn import MLP, Layer, Sequential
from nn.losses import binary_cross_entropy, cross_entropy, hinge, mse
from nn.viz import CostStep, DeltaStep, ForwardStep, GradientStep, network_stepthrough, trace_network
from nn.viz.network import SATURATED_SLOPE, check_agreement, network_layers, neuron_graph

ACTIVATIONS = ["relu", "leaky_relu", "tanh", "sigmoid", "linear"]


def engine_grads(model: Any, x: list[float], target: Any, loss: Any) -> list[float]:
    """Every parameter's gradient the ordinary way: ``loss([model(x)], [target]).backward()``."""
    model.zero_grad()
    loss([model(x)], [target]).backward()
    grads = [p.grad for p in model.parameters()]
    model.zero_grad()
    return grads


def step_grads(steps: list[Any]) -> list[float]:
    """The gradient steps' numbers in ``parameters()`` order (layer by layer, w then b)."""
    out: list[float] = []
    for step in steps:
        if isinstance(step, GradientStep):
            out += [*step.weight_grads, step.bias_grad]
    return out


def close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-15)


@given(
    sizes=st.lists(st.integers(1, 4), min_size=1, max_size=3),
    nin=st.integers(1, 3),
    hidden=st.sampled_from(ACTIVATIONS),
    output=st.sampled_from(ACTIVATIONS),
    seed=st.integers(0, 10_000),
    x=st.lists(st.floats(-3, 3), min_size=3, max_size=3),
    target=st.floats(-2, 2),
)
def test_every_parameter_gradient_equals_the_engines(
    sizes: list[int], nin: int, hidden: str, output: str, seed: int, x: list[float], target: float
) -> None:
    model = MLP(nin, sizes, activation=hidden, output_activation=output, seed=seed)
    targets = [target] * sizes[-1] if sizes[-1] > 1 else target
    steps = network_stepthrough(model, x[:nin], targets, mse).steps
    expected = engine_grads(model, x[:nin], targets, mse)
    got = step_grads(steps)
    assert len(got) == len(expected) == len(model.parameters())
    assert all(close(g, e) for g, e in zip(got, expected)), list(zip(got, expected))
    for step in steps:  # each delta is its two factors, and is the engine's dC/dz
        if isinstance(step, DeltaStep):
            assert step.delta == step.error * step.slope
            assert close(step.delta, step.engine)


@pytest.mark.parametrize(
    ("model", "target", "loss"),
    [
        (MLP(2, [3, 1], activation="tanh", output_activation="sigmoid", seed=1), 1.0, binary_cross_entropy),
        (MLP(2, [3, 1], seed=2), -1, hinge),
        (MLP(3, [4, 3], activation="sigmoid", seed=3), 2, cross_entropy),
        (Layer(2, 2, "tanh", seed=4), [0.5, -0.5], mse),
        (Sequential(Layer(2, 3, "leaky_relu", seed=5), Layer(3, 1, "linear", seed=6)), 0.3, mse),
    ],
)
def test_other_losses_and_models(model: Any, target: Any, loss: Any) -> None:
    x = [0.3, -0.7, 1.1][: network_layers(model)[0].nin]
    steps = network_stepthrough(model, x, target, loss).steps
    got, expected = step_grads(steps), engine_grads(model, x, target, loss)
    assert all(close(g, e) for g, e in zip(got, expected)), list(zip(got, expected))


def test_steps_go_forward_neuron_by_neuron_then_back_layer_by_layer() -> None:
    model = MLP(2, [3, 2, 1], activation="tanh", seed=0)
    steps = network_stepthrough(model, [0.5, -1.0], 1.0, mse).steps
    kinds = [s.kind for s in steps]
    assert kinds == ["forward"] * 6 + ["cost"] + ["delta"] * 6 + ["gradient"] * 6
    assert [s.neuron for s in steps[:6]] == ["L0.N0", "L0.N1", "L0.N2", "L1.N0", "L1.N1", "L2.N0"]
    assert [s.neuron for s in steps[7:13]] == ["L2.N0", "L1.N0", "L1.N1", "L0.N0", "L0.N1", "L0.N2"]
    forward = steps[3]
    assert isinstance(forward, ForwardStep)
    assert forward.inputs == ("a(L0.N0)", "a(L0.N1)", "a(L0.N2)")
    z = sum(w * a for w, a in zip(forward.weights, forward.input_values)) + forward.bias
    assert close(forward.z, z) and close(forward.a, math.tanh(z))
    assert close(forward.slope, 1 - math.tanh(z) ** 2)
    cost = steps[6]
    assert isinstance(cost, CostStep) and close(cost.cost, (steps[5].a - 1.0) ** 2)
    output_delta = steps[7]
    assert isinstance(output_delta, DeltaStep) and output_delta.terms == ()
    assert close(output_delta.error, 2 * (steps[5].a - 1.0))  # dC/da of (a - y)^2
    hidden = steps[8]
    assert isinstance(hidden, DeltaStep)
    [(name, w, delta)] = hidden.terms  # the one neuron of the next layer
    assert (name, w, delta) == ("L2.N0", model.layers[2].neurons[0].w[0].data, output_delta.delta)
    assert "δ = (Σₖ wₖⱼ δₖ" in str(hidden) and "tanh'(z)" in str(hidden)


def test_the_pass_reads_and_writes_no_grad_and_records_inside_no_grad() -> None:
    model = MLP(2, [2, 1], seed=0)
    for p in model.parameters():
        p.grad = 7.0
    with no_grad():
        steps = network_stepthrough(model, [1.0, 2.0], 0.0, mse).steps
    assert all(p.grad == 7.0 for p in model.parameters())
    model.zero_grad()
    assert step_grads(steps) == pytest.approx(engine_grads(model, [1.0, 2.0], 0.0, mse), rel=1e-12)


def test_saturated_and_inactive_neurons_are_flagged() -> None:
    model = MLP(1, [2, 1], activation=["sigmoid"], seed=0)
    first, second = model.layers[0].neurons
    first.w[0].data, second.w[0].data = 50.0, 0.5  # z = 50: sigmoid'(50) ~ 2e-22
    steps = network_stepthrough(model, [1.0], 1.0, mse).steps
    deltas = {s.neuron: s for s in steps if isinstance(s, DeltaStep)}
    assert deltas["L0.N0"].saturated and abs(deltas["L0.N0"].slope) <= SATURATED_SLOPE
    assert not deltas["L0.N1"].saturated
    assert "saturated" in str(deltas["L0.N0"])
    relu = MLP(1, [1, 1], seed=0)
    relu.layers[0].neurons[0].w[0].data = -1.0
    dead = [s for s in network_stepthrough(relu, [1.0], 1.0, mse).steps if isinstance(s, DeltaStep)][-1]
    assert dead.neuron == "L0.N0" and dead.slope == 0.0 and dead.delta == 0.0 and dead.saturated


def test_each_neurons_scalar_graph_gives_the_same_gradients() -> None:
    model = MLP(2, [3, 2, 1], activation="sigmoid", seed=3)
    network = trace_network(model, [0.4, -0.9], 0.25, mse)
    assert network.grads is not None
    for row in network.neurons:
        for state in row:
            root, seed = neuron_graph(network, state.name)
            assert seed == state.error and root.data == state.a.data
            grads = {v.label: g for v, g in final_grads(_steps(root, seed)).items()}
            assert close(grads[f"{state.name}.z"], state.delta)
            assert close(grads[f"{state.name}.b"], network.grads[state.neuron.b])
            for k, w in enumerate(state.neuron.w):
                assert close(grads[f"{state.name}.w{k}"], network.grads[w])


def _steps(root: Value, seed: float) -> Any:
    from autograd.viz import stepthrough

    return stepthrough(root, seed=seed, renderer="builtin").steps


def test_neuron_names_are_checked() -> None:
    network = trace_network(MLP(2, [2, 1], seed=0), [1.0, 2.0], 0.0, mse)
    with pytest.raises(KeyError, match=r"no neuron 'L5.N0'.*L0.N0 \.\.\. L1.N0"):
        neuron_graph(network, "L5.N0")


def test_what_cannot_be_shown_is_refused_clearly() -> None:
    with pytest.raises(TypeError, match="MLP, a Sequential of Layers or a Layer"):
        network_stepthrough(Sequential(Layer(2, 2), MLP(2, [1])), [1.0, 2.0], 0.0, mse)
    with pytest.raises(ValueError, match="softmax layer"):
        network_stepthrough(MLP(2, [3], output_activation="softmax"), [1.0, 2.0], 0, cross_entropy)
    with pytest.raises(ValueError, match="expects 2 inputs, got 3"):
        network_stepthrough(MLP(2, [1]), [1.0, 2.0, 3.0], 0.0, mse)
    with pytest.raises(TypeError, match="loss must return a Value"):
        network_stepthrough(MLP(2, [1]), [1.0, 2.0], 0.0, lambda outputs, targets: 1.0)


def test_agreement_check_raises_on_a_real_difference_only() -> None:
    check_agreement("x", 1.0, 1.0 + 1e-13)
    check_agreement("x", math.nan, math.nan)
    check_agreement("x", math.inf, math.inf)
    check_agreement("x", 1e-12, 0.0, scale=1e4)  # cancellation: relative to the terms' size
    with pytest.raises(ArithmeticError, match=r"equation gives 1\.0 but the engine gives 1\.1"):
        check_agreement("x", 1.0, 1.1)
    with pytest.raises(ArithmeticError):
        check_agreement("x", math.nan, 1.0)


def test_steps_print_the_equations_with_numbers() -> None:
    model = MLP(2, [1], seed=0)
    model.layers[0].neurons[0].w[0].data, model.layers[0].neurons[0].w[1].data = 0.5, -2.0
    steps = network_stepthrough(model, [1.0, -1.0], 0.0, mse).steps
    assert str(steps[0]) == "forward L0.N0: z = w·a + b = 0.5×1 + (-2)×(-1) + 0 = 2.5; a = linear(z) = 2.5"
    assert str(steps[1]) == "cost: C = mse([2.5], [0.0]) = 6.25"
    assert str(steps[2]) == "delta L0.N0: δ = ∂C/∂a = 5 × linear'(z) = 5 × 1 = 5"
    assert str(steps[3]) == "gradients L0.N0: ∂C/∂w0 = 1×5 = 5; ∂C/∂w1 = (-1)×5 = -5; ∂C/∂b = δ = 5"


def test_the_cost_step_shows_a_vector_target_like_the_outputs() -> None:
    steps = network_stepthrough(MLP(2, [3, 2], seed=0), [0.5, -1.0], [1.0, 0.0], mse).steps
    cost = next(step for step in steps if isinstance(step, CostStep))
    assert cost.targets == ("1.0", "0.0")
    assert str(cost).startswith("cost: C = mse([") and "], [1.0, 0.0]) = " in str(cost)
