"""demos/custom_op.py: GELU (strings) and swish (callables), checked and used everywhere."""

from __future__ import annotations

from typing import Any


def test_quick_run_checks_every_claim(run_demo: Any) -> None:
    run = run_demo("custom_op")
    assert run.out.count("check passed") == 6
    assert "check_op catches a swish whose derivative forgot the product rule" in run.out
    assert (run.folder / "custom_op_stepthrough.html").stat().st_size > 1000
