"""demos/moons.py, the main demo: micrograd's two-moons training."""

from __future__ import annotations

from typing import Any


def test_quick_run_learns_the_moons_and_writes_its_pictures(run_demo: Any) -> None:
    run = run_demo("moons")
    assert "337 parameters" in run.out
    assert "check passed: quick run: the loss falls below a quarter of its start" in run.out
    assert "epoch 30/30" in run.out  # progress: a line per few steps (no terminal here)
    assert "total time" in run.out
    run.assert_plots("decision_boundary.png", "training.png")


def test_compiled_replay_trains_to_the_same_numbers(run_demo: Any) -> None:
    eager = run_demo("moons")
    compiled = run_demo("moons", "--compiled")
    assert "compiled replay" in compiled.out

    def result(out: str) -> list[str]:
        return [line for line in out.splitlines() if line.startswith(("loss ", "training accuracy"))]

    assert result(compiled.out) == result(eager.out) != []
