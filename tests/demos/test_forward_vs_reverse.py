"""demos/forward_vs_reverse.py: n forward-mode passes vs one reverse-mode pass."""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType
from typing import Any


def test_quick_run_counts_passes_and_checks_the_gradients(run_demo: Any) -> None:
    run = run_demo("forward_vs_reverse")
    assert "forward mode needs n passes for n inputs, reverse mode 1" in run.out
    assert run.out.count("check passed") == 5
    assert "H v forward-over-reverse = reverse-over-reverse" in run.out
    run.assert_plots("forward_vs_reverse.png")


def test_both_modes_give_the_softmax(demo: Callable[[str], ModuleType]) -> None:
    module = demo("forward_vs_reverse")
    x = [0.5, -1.0, 2.0]
    forward, f_forward, _ = module.forward_mode(x)
    reverse, f_reverse, _ = module.reverse_mode(x)
    for a, b, c in zip(forward, reverse, module.softmax(x)):
        assert abs(a - c) < 1e-15 and abs(b - c) < 1e-15
    assert (f_forward.passes, f_reverse.passes) == (3, 1)
    assert f_forward.operations == 3 * f_reverse.operations
