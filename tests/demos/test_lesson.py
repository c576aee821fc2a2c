"""demos/lesson.py: what the demos share (options, checks, optional pictures)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest


def test_a_claim_that_fails_stops_the_demo_with_a_message(demo: Callable[[str], ModuleType]) -> None:
    lesson = demo("lesson")
    lesson.check("two plus two is four", 2 + 2 == 4)
    with pytest.raises(SystemExit) as stopped:
        lesson.check("two plus two is five", 2 + 2 == 5)
    assert stopped.value.code == "CHECK FAILED: two plus two is five"  # printed; exit status 1


def test_options_default_to_demos_out_and_create_the_folder(
    demo: Callable[[str], ModuleType], tmp_path: Path
) -> None:
    lesson = demo("lesson")
    args = lesson.parse_args("moons", "Two moons.\n\nMore.", [])
    assert args.out == lesson.DEMOS / "out" / "moons" and not args.quick
    args = lesson.parse_args("moons", None, ["--quick", "--out", str(tmp_path / "a" / "b")])
    assert args.quick and (tmp_path / "a" / "b").is_dir()


def test_without_matplotlib_a_demo_still_trains_checks_and_says_it_skipped_pictures(
    run_demo: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib -> ImportError
    run = run_demo("regression")
    assert "pictures skipped: matplotlib is not installed" in run.out
    assert not list(run.folder.glob("*.png"))


def test_without_the_graphviz_package_both_use_the_builtin_layout(
    demo: Callable[[str], ModuleType],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from autograd import Value

    monkeypatch.setitem(sys.modules, "graphviz", None)  # import graphviz -> ImportError
    x = Value(2.0, "x")
    written = demo("lesson").draw_graph(x * x + 1, tmp_path, "g")
    assert written == [tmp_path / "g.svg", tmp_path / "g_stepthrough.html"]
    assert "data 5" in written[0].read_text(encoding="utf-8")  # the built-in layout's drawing
    assert "built-in" in written[1].read_text(encoding="utf-8")
    assert "wrote" in capsys.readouterr().out
