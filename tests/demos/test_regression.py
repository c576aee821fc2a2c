"""demos/regression.py: one hidden layer of ReLUs fitted to sin(x) by per-sample SGD."""

from __future__ import annotations

from typing import Any


def test_quick_run_fits_below_the_stated_error(run_demo: Any) -> None:
    run = run_demo("regression")
    assert "49 parameters" in run.out
    assert "is below 0.06" in run.out
    run.assert_plots("regression.png")
