"""demos/vanishing_gradients.py: gradient size per layer, sigmoid vs the seeds' cures."""

from __future__ import annotations

from typing import Any


def test_quick_run_shows_vanishing_and_its_cures(run_demo: Any) -> None:
    run = run_demo("vanishing_gradients")
    assert run.out.count("check passed") == 5
    assert "residual connections" in run.out
    run.assert_plots("vanishing_gradients.png")
