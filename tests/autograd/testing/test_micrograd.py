"""check_engine on micrograd 0.1.0 (installed with the ``bench`` extra; skipped without it): it finds
micrograd's known faults (backward twice double-counts interior nodes, RecursionError past ~1,000
nodes, ZeroDivisionError on ``Value(1) / 0``) with shrunk examples that reproduce them, and the
README shows what it prints."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest

from autograd.testing import EngineReport, check_engine
from autograd.testing.engines import Form

ROOT = Path(__file__).resolve().parents[3]


def failure(report: EngineReport, name: str) -> Any:
    result = report.result(name)
    assert result.failure is not None, f"{name} should fail:\n{report}"
    return result.failure


@pytest.fixture(scope="module")
def micrograd_report() -> EngineReport:
    engine = pytest.importorskip("micrograd.engine", reason="micrograd is not installed (the bench extra)")
    return check_engine(engine.Value, raise_on_failure=False)


def run_example(example: str, value_class: type) -> dict[str, Any]:
    namespace: dict[str, Any] = {"Value": value_class}
    exec(example.replace("print(y.data)", ""), namespace)
    return namespace


def test_micrograd_values_and_gradients_are_right(micrograd_report: EngineReport) -> None:
    for name in ("forward values", "gradients", "node reuse", "numbers on either side"):
        assert micrograd_report.result(name).passed, str(micrograd_report)
    assert micrograd_report.forms[Form("**")] is not None  # x ** y: "only supporting int/float powers"
    assert any("(set)" in note for note in micrograd_report.notes)


def test_micrograd_backward_twice_double_counts_interior_nodes(micrograd_report: EngineReport) -> None:
    from micrograd.engine import Value as MicroValue

    found = failure(micrograd_report, "backward twice")
    graph = [line for line in found.example.splitlines() if not line.startswith(("x", "y.backward"))]
    assert len(graph) == 1 and graph[0].count("x0") <= 4  # shrunk: one line, a few uses of x0
    assert found.mismatch.actual != found.mismatch.expected
    assert "interior node" in found.mismatch.hint
    namespace = run_example(found.example, MicroValue)  # the printed example reproduces it
    assert namespace["x0"].grad == found.mismatch.actual
    assert "interior" in failure(micrograd_report, "zeroing").mismatch.hint


def test_micrograd_recursion_error_past_about_a_thousand_nodes(micrograd_report: EngineReport) -> None:
    found = failure(micrograd_report, "deep chains")
    assert "RecursionError" in str(found.mismatch.actual)
    links = int(found.example.split("range(")[1].split(")")[0])
    assert 500 < 2 * links <= 1002


def test_micrograd_zero_division(micrograd_report: EngineReport) -> None:
    found = failure(micrograd_report, "IEEE edge numbers")
    assert found.example.splitlines()[:2] == ["x0 = Value(1.0)", "y = x0 / 0.0"]
    assert found.mismatch.expected == math.inf and "ZeroDivisionError" in str(found.mismatch.actual)
    assert any("OverflowError" in line for line in found.also)  # Value(10.0) ** 1000


def test_the_readme_shows_what_the_checker_prints_on_micrograd(micrograd_report: EngineReport) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("### Check your own engine")[1].split("```text\n")[1].split("```")[0]
    printed = str(micrograd_report).splitlines()
    status_lines = [line for line in block.splitlines() if line.startswith(("PASS", "FAIL"))]
    assert status_lines == [line for line in printed if line.startswith(("PASS", "FAIL"))]
    assert "      x0.grad after the second backward(): expected 0, got -1" in printed
    assert block.splitlines()[-1] in printed
