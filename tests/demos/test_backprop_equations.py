"""demos/backprop_equations.py: the textbook delta equations equal the engine's gradients."""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType
from typing import Any

import pytest

from nn import MLP


def test_quick_run_matches_every_weight_and_bias(run_demo: Any) -> None:
    run = run_demo("backprop_equations")
    assert "for all 29 weights and biases" in run.out
    assert run.out.count("check passed") == 3
    for name in ("w1[0,0]", "b1[2]", "w3[1,2]", "b3[1]"):
        assert f"\n  {name} " in run.out
    assert (run.folder / "backprop_graph_stepthrough.html").exists()


def test_the_hand_equations_are_independent_of_the_engine(demo: Callable[[str], ModuleType]) -> None:
    """One neuron, worked by hand: C = (sigmoid(w x + b) - y)^2 / 2."""
    equations = demo("backprop_equations")
    deltas, dW, db = equations.backprop_by_hand([[[2.0]]], [[-1.0]], [0.5], [1.0])
    a = equations.sigmoid(0.0)  # z = 2 * 0.5 - 1 = 0, a = 1/2
    assert deltas == [[(a - 1.0) * a * (1 - a)]] == [[-0.125]]
    assert dW == [[[0.5 * -0.125]]] and db == [[-0.125]]


def test_the_comparison_catches_a_wrong_equation(
    demo: Callable[[str], ModuleType], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The check is not vacuous: with sigma'(z) taken as its maximum 1/4, the hand gradients differ."""
    equations = demo("backprop_equations")
    model = MLP(2, [3, 2], activation="sigmoid", output_activation="sigmoid", seed=0)
    worst_param, worst_delta, _ = equations.compare(model, [0.1, 0.2], [1.0, 0.0])
    assert worst_param <= 1e-12 and worst_delta <= 1e-12
    monkeypatch.setattr(equations, "sigmoid_prime", lambda z: 0.25)
    worst_param, worst_delta, _ = equations.compare(model, [0.1, 0.2], [1.0, 0.0])
    assert worst_param > 1e-4 and worst_delta > 1e-4
