"""demos/optimizers.py: SGD, momentum, RMSprop and Adam on the same problem."""

from __future__ import annotations

from typing import Any


def test_quick_run_every_adaptive_optimizer_beats_plain_sgd(run_demo: Any) -> None:
    run = run_demo("optimizers")
    for name in ("momentum 0.9", "RMSprop", "Adam"):
        assert f"check passed: {name}" in run.out
    run.assert_plots("optimizers.png")
