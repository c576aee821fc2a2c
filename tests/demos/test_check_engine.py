"""demos/check_engine.py: three versions of a learner's engine, graded by check_engine."""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType
from typing import Any

from autograd.testing import check_engine


def test_quick_run_grades_the_three_versions(run_demo: Any) -> None:
    run = run_demo("check_engine")
    assert "          y = x0 * x0\n          y.backward()\n      x0.grad: expected 1.4, got 0.7" in run.out
    assert run.out.count("check passed") == 3
    assert "7 of 8 properties hold" in run.out


def test_the_fixed_engine_trains_like_the_reference(demo: Callable[[str], ModuleType]) -> None:
    module = demo("check_engine")
    x = module.Iterative(0.7)
    y = x * x * x + (3.0 - x) / x
    y.backward()
    assert abs(x.grad - (3 * 0.7**2 - 3.0 / 0.7**2)) < 1e-12
    report = check_engine(module.Iterative, max_examples=10, max_ops=2, deep=200, raise_on_failure=False)
    assert {result.name for result in report.failures} == {"IEEE edge numbers"}
