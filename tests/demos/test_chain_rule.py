"""demos/chain_rule.py: the worked example f(x, y) = (xy + 3)^2 + 1."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any


def test_quick_run_shows_the_local_derivatives_and_their_product(run_demo: Any) -> None:
    run = run_demo("chain_rule")
    assert "dh/dk = 2k  = 18" in run.out
    assert "df/dx = dg/dh * dh/dk * dk/dm * dm/dx = 1 * 18 * 1 * 3 = 54" in run.out
    assert "df/dy = dg/dh * dh/dk * dk/dm * dm/dy = 1 * 18 * 1 * 2 = 36" in run.out
    assert "x.grad = 54,  y.grad = 36" in run.out
    assert (run.folder / "chain_rule_graph_stepthrough.html").stat().st_size > 1000
    # Graphviz's drawing, or the built-in layout's without it
    assert "<svg" in (run.folder / "chain_rule_graph.svg").read_text(encoding="utf-8")


def test_build_is_the_worked_example(demo: Callable[[str], ModuleType]) -> None:
    f = demo("chain_rule").build()
    assert (f.label, f.data, f.op) == ("g", 82.0, "+")
    pieces = demo("chain_rule").pieces()
    assert [pieces[name].data for name in "xymkhg"] == [2.0, 3.0, 6.0, 9.0, 81.0, 82.0]
    pieces["g"].backward()
    assert (pieces["x"].grad, pieces["y"].grad) == (54.0, 36.0)


def test_the_viz_command_line_can_step_through_build(
    demo: Callable[[str], ModuleType], tmp_path: Path
) -> None:
    from autograd.viz.__main__ import main

    page = tmp_path / "f.html"
    assert main([f"{demo('chain_rule').__file__}:build", "--html", str(page)]) == 0
    assert "chainrule" in page.read_text(encoding="utf-8")
