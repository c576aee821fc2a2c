"""demos/network_stepthrough.py: the neuron-level equations equal the engine; saturation starves a neuron."""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType
from typing import Any

from nn.viz import DeltaStep, network_stepthrough


def test_quick_run_checks_its_three_claims_and_writes_the_page(run_demo: Any) -> None:
    run = run_demo("network_stepthrough")
    assert run.out.count("check passed") == 3
    assert "for all 13 weights and biases" in run.out
    assert "delta L0.N1: δ = (Σₖ wₖⱼ δₖ" in run.out and "(saturated" in run.out
    page = (run.folder / "network_stepthrough.html").read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and "Inside neuron" not in page[:2000]
    assert (run.folder / "network.svg").stat().st_size > 1000


def test_the_saturation_claim_is_not_vacuous(demo: Callable[[str], ModuleType]) -> None:
    """Without the large weight the same neuron is healthy: the demo's network makes the point."""
    lesson = demo("network_stepthrough")
    model = lesson.small_network()
    model.layers[0].neurons[1].w[0].data = 0.3
    deltas = [
        s for s in network_stepthrough(model, [0.8, -0.3], 1.0, lesson.mse).steps if isinstance(s, DeltaStep)
    ]
    assert not any(s.saturated for s in deltas)
