"""The engine checker (``autograd.testing.check_engine``): it passes chainrule and a correct tiny
engine, finds each fault planted in a deliberately broken one (shrunk to the smallest example, with
a hint that names the culprit), and works through adapters and the command line. micrograd 0.1.0 is
in test_testing_micrograd.py."""

from __future__ import annotations

import itertools
import math
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from autograd import Value
from autograd.numerics import divide, exp, power
from autograd.testing import (
    ChainruleAdapter,
    EngineAdapter,
    EngineAdapterError,
    EngineCheckError,
    EngineReport,
    MicrogradAdapter,
    adapter_for,
    check_engine,
)
from autograd.testing.__main__ import main
from autograd.testing.engines import Form, discover_forms

ROOT = Path(__file__).resolve().parents[3]
QUICK: dict[str, Any] = {"max_examples": 20, "max_ops": 2, "deep": 2400, "raise_on_failure": False}


# -- a tiny correct engine, and one fault planted in each subclass -----------------------------------


class Tiny:
    """A correct micrograd-style engine: inputs in a tuple with their local derivatives, ``+=`` into
    each input, an explicit-stack topological sort, interior grads reset on every backward."""

    def __init__(self, data: float, children: tuple[Any, ...] = (), local_grads: tuple[float, ...] = ()):
        self.data = float(data)
        self.grad = 0.0
        self._prev: Any = tuple(children)
        self._local_grads = tuple(local_grads)

    def _node(self, data: float, children: tuple[Any, ...], local_grads: tuple[float, ...]) -> Any:
        return type(self)(data, children, local_grads)

    def _wrap(self, other: Any) -> Any:
        return other if isinstance(other, Tiny) else type(self)(other)

    def __add__(self, other: Any) -> Any:
        other = self._wrap(other)
        return self._node(self.data + other.data, (self, other), (1.0, 1.0))

    def __mul__(self, other: Any) -> Any:
        other = self._wrap(other)
        return self._node(self.data * other.data, (self, other), (other.data, self.data))

    def __truediv__(self, other: Any) -> Any:
        other = self._wrap(other)
        b = other.data
        return self._node(divide(self.data, b), (self, other), (divide(1.0, b), -divide(self.data, b * b)))

    def __pow__(self, k: float) -> Any:
        return self._node(power(self.data, k), (self,), (k * power(self.data, k - 1),))

    def __radd__(self, other: Any) -> Any:
        return self + other

    def __rmul__(self, other: Any) -> Any:
        return self * other

    def __neg__(self) -> Any:
        return self * -1.0

    def __sub__(self, other: Any) -> Any:
        return self + (-self._wrap(other))

    def __rsub__(self, other: Any) -> Any:
        return self._wrap(other) + (-self)

    def __rtruediv__(self, other: Any) -> Any:
        return self._wrap(other) / self

    def tanh(self) -> Any:
        t = math.tanh(self.data)
        return self._node(t, (self,), (1 - t * t,))

    def exp(self) -> Any:
        e = exp(self.data)
        return self._node(e, (self,), (e,))

    def _topological_order(self) -> list[Any]:
        order, seen, stack = [], set(), [(self, False)]
        while stack:
            node, done = stack.pop()
            if done:
                order.append(node)
            elif node not in seen:
                seen.add(node)
                stack.append((node, True))
                stack.extend((child, False) for child in node._prev)
        return order

    def backward(self) -> None:
        order = self._topological_order()
        for node in order:
            if node._prev:
                node.grad = 0.0  # interior nodes: this pass only; leaves accumulate
        self.grad += 1.0 if not self._prev else 1.0 - self.grad
        for node in reversed(order):
            node._propagate()

    def _propagate(self) -> None:
        for child, local in zip(self._prev, self._local_grads):
            child.grad += local * self.grad


class WrongTanh(Tiny):
    def tanh(self) -> Any:
        t = math.tanh(self.data)
        return self._node(t, (self,), (1 - t,))  # should be 1 - t * t


class AssignGrad(Tiny):
    def _propagate(self) -> None:
        for child, local in zip(self._prev, self._local_grads):
            child.grad = local * self.grad  # should be +=


class SetChildren(Tiny):
    def __init__(self, data: float, children: tuple[Any, ...] = (), local_grads: tuple[float, ...] = ()):
        super().__init__(data, children, local_grads)
        self._prev = set(children)  # a + a keeps one child; the pairing with local_grads is lost


class RecursiveSort(Tiny):
    def _topological_order(self) -> list[Any]:
        order: list[Any] = []
        seen: set[Any] = set()

        def visit(node: Any) -> None:  # micrograd's build_topo: one stack frame per node
            if node not in seen:
                seen.add(node)
                for child in node._prev:
                    visit(child)
                order.append(node)

        visit(self)
        return order


class NoRsub(Tiny):
    def __rsub__(self, other: Any) -> Any:
        return NotImplemented


class SwappedRsub(Tiny):
    def __rsub__(self, other: Any) -> Any:
        return self - other  # 3 - x computed as x - 3


def failure(report: EngineReport, name: str) -> Any:
    result = report.result(name)
    assert result.failure is not None, f"{name} should fail:\n{report}"
    return result.failure


def failing(report: EngineReport) -> set[str]:
    return {result.name for result in report.failures}


# -- passing engines -------------------------------------------------------------------------------


def test_chainrule_passes_every_property_with_the_defaults() -> None:
    report = check_engine(Value)  # raises EngineCheckError otherwise
    assert report.passed and len(report.results) == 8
    assert "8 of 8 properties hold." in str(report)
    assert report.forms[Form("**")] is None and report.forms[Form("tanh")] is None


def test_a_correct_tiny_engine_passes() -> None:
    report = check_engine(Tiny, **QUICK)
    assert report.passed, str(report)
    assert report.notes == []  # a tuple of inputs: nothing to remark


# -- planted faults --------------------------------------------------------------------------------


def test_a_wrong_tanh_derivative_is_found_and_shrunk_to_one_tanh() -> None:
    report = check_engine(WrongTanh, **QUICK)
    assert failing(report) == {"gradients"}
    found = failure(report, "gradients")
    assert found.example.splitlines()[1:] == ["y = x0.tanh()", "y.backward()"]
    x0 = float(found.example.splitlines()[0].removeprefix("x0 = WrongTanh(").removesuffix(")"))
    t = math.tanh(x0)
    assert found.mismatch.what == "x0.grad"
    assert found.mismatch.expected == pytest.approx(1 - t * t) and found.mismatch.actual == pytest.approx(
        1 - t
    )
    assert "your forward is right here, so a backward rule is wrong" in found.mismatch.hint
    assert "check the backward rule of tanh" in found.mismatch.hint


def test_assignment_instead_of_accumulation_is_found() -> None:
    report = check_engine(AssignGrad, **QUICK)
    assert {"gradients", "node reuse", "backward twice"} <= failing(report)
    reuse = failure(report, "node reuse")
    assert reuse.example.splitlines()[1:] == ["y = x0 + x0", "y.backward()"]
    assert (reuse.mismatch.expected, reuse.mismatch.actual) == (2.0, 1.0)
    assert "instead of adding to it" in failure(report, "backward twice").mismatch.hint


def test_a_set_for_children_is_found() -> None:
    report = check_engine(SetChildren, **QUICK)
    assert "node reuse" in failing(report)
    reuse = failure(report, "node reuse")
    assert "y = x0 + x0" in reuse.example and (reuse.mismatch.expected, reuse.mismatch.actual) == (2.0, 1.0)
    assert any("keeps 1 input (set)" in note for note in report.notes)


def test_a_recursive_topological_sort_is_found_at_the_recursion_limit() -> None:
    report = check_engine(RecursiveSort, **QUICK)
    assert failing(report) == {"deep chains"}
    found = failure(report, "deep chains")
    assert found.mismatch.what == "y.backward()" and "RecursionError" in str(found.mismatch.actual)
    links = int(found.example.split("range(")[1].split(")")[0])
    assert 2 * links <= sys.getrecursionlimit() + 2
    assert f"up to {links - 1} links" in found.mismatch.hint
    assert "explicit stack" in found.mismatch.hint


def test_the_deep_chain_verdict_does_not_depend_on_a_raised_recursion_limit() -> None:
    # A docs builder or a plugin may raise the limit in the same process; the verdict is for Python's
    # default limit, and the caller's limit is restored afterwards.
    previous = sys.getrecursionlimit()
    sys.setrecursionlimit(50_000)
    try:
        report = check_engine(RecursiveSort, **QUICK)
        assert sys.getrecursionlimit() == 50_000
    finally:
        sys.setrecursionlimit(previous)
    assert failing(report) == {"deep chains"}


def test_a_missing_reflected_operator_is_named() -> None:
    report = check_engine(NoRsub, **QUICK)
    assert "numbers on either side" in failing(report)
    found = failure(report, "numbers on either side")
    assert "y = 3.0 - x0" in found.example and "__rsub__" in str(found.mismatch.actual)


def test_a_swapped_reflected_operator_gives_both_numbers() -> None:
    report = check_engine(SwappedRsub, **QUICK)
    found = failure(report, "numbers on either side")
    assert "y = 3.0 - x0" in found.example
    assert (found.mismatch.what, found.mismatch.expected, found.mismatch.actual) == ("y.data", 2.3, -2.3)


class WrongDivisor(Tiny):
    def __truediv__(self, other: Any) -> Any:
        other = self._wrap(other)
        b = other.data
        return self._node(divide(self.data, b), (self, other), (divide(1.0, b), divide(self.data, b * b)))


def test_the_hint_points_at_the_op_whose_backward_rule_is_wrong() -> None:
    report = check_engine(WrongDivisor, **QUICK)
    found = failure(report, "gradients")
    assert "/" in found.example
    assert "check the backward rule of /" in found.mismatch.hint
    numbers = failure(report, "numbers on either side")
    assert "y = 3.0 / x0" in numbers.example
    assert numbers.mismatch.expected == pytest.approx(-3.0 / 0.49) == -numbers.mismatch.actual


class NoSeed(Tiny):
    def backward(self) -> None:
        for node in reversed(self._topological_order()):
            node._propagate()  # forgot self.grad = 1


def test_a_backward_that_forgets_the_seed_is_told_so() -> None:
    found = failure(check_engine(NoSeed, **QUICK), "gradients")
    assert (found.mismatch.expected, found.mismatch.actual) == (2.0, 0.0)  # y = x0 + x0
    assert "y.grad is 0: backward() starts the chain rule from dy/dy = 1" in found.mismatch.hint


class RefusesTwice(Tiny):
    def backward(self) -> None:
        if getattr(self, "_done", False):
            raise RuntimeError("Trying to backward through the graph a second time")  # as PyTorch
        super().backward()
        self._done = True


def test_refusing_a_second_backward_is_never_a_wrong_number() -> None:
    report = check_engine(RefusesTwice, **QUICK)
    assert report.passed, str(report)


TANH_CALLS = itertools.count()


class FlakyTanh(Tiny):
    def tanh(self) -> Any:
        t = math.tanh(self.data)
        return self._node(t, (self,), ((1 - t * t) if next(TANH_CALLS) % 3 else (1 - t),))


def test_an_engine_that_is_wrong_only_sometimes_is_still_reported() -> None:
    # hypothesis cannot shrink a flaky failure; the smallest failing example it saw is reported
    report = check_engine(FlakyTanh, **QUICK)
    found = failure(report, "gradients")
    assert "tanh()" in found.example and found.mismatch.what.endswith(".grad")


def test_check_engine_raises_with_the_report_for_pytest() -> None:
    with pytest.raises(EngineCheckError, match="FAIL  node reuse") as raised:
        check_engine(AssignGrad, max_examples=10, deep=100)
    assert not raised.value.report.passed


# -- adapters and forms ----------------------------------------------------------------------------


def test_adapters_are_picked_by_introspection() -> None:
    assert isinstance(adapter_for(Value), ChainruleAdapter)
    assert isinstance(adapter_for(Tiny), MicrogradAdapter)  # nodes keep their inputs in _prev
    custom = EngineAdapter(Tiny, "mine")
    assert adapter_for(custom) is custom


class Scalar:
    """An engine spelled differently: ``Scalar.of(x)``, ``.val``, ``.derivative``, ``.backprop()``."""

    def __init__(self, value: Tiny) -> None:
        self.node = value

    @classmethod
    def of(cls, x: float) -> Scalar:
        return cls(Tiny(x))

    def __add__(self, other: Any) -> Scalar:
        return Scalar(self.node + (other.node if isinstance(other, Scalar) else other))

    def __mul__(self, other: Any) -> Scalar:
        return Scalar(self.node * (other.node if isinstance(other, Scalar) else other))

    __radd__, __rmul__ = __add__, __mul__

    def backprop(self) -> None:
        self.node.backward()


class ScalarAdapter(EngineAdapter):
    def leaf(self, x: float) -> Any:
        return Scalar.of(x)

    def backward(self, node: Any) -> None:
        node.backprop()

    def data(self, node: Any) -> float:
        return node.node.data

    def grad(self, node: Any) -> float:
        return node.node.grad

    def zero_grad(self, node: Any) -> None:
        node.node.grad = 0.0


def test_an_adapter_subclass_checks_an_engine_spelled_differently() -> None:
    report = check_engine(ScalarAdapter(Scalar), **QUICK)
    assert report.passed, str(report)
    found = {str(form) for form, error in report.forms.items() if error is None}
    assert found == {"x + y", "x + 2", "2 + x", "x * y", "x * 2", "2 * x"}
    assert "numbers on either side" in str(report)


def test_forms_say_why_an_engine_lacks_them() -> None:
    forms = discover_forms(adapter_for(Tiny))
    assert forms[Form("+", 0)] is None and forms[Form("tanh")] is None
    assert "TypeError" in str(forms[Form("**", 0)])  # 2 ** x: no __rpow__
    assert Form("log") not in forms  # Tiny has no log method: not probed


@pytest.mark.parametrize(
    ("target", "message"),
    [
        (object(), "takes your Value class"),
        (int, "has no .data"),
        (
            type(
                "NoBackward",
                (),
                {"__init__": lambda self, x: setattr(self, "data", x) or setattr(self, "grad", 0)},
            ),
            "backward",
        ),
        (type("Raises", (), {"__init__": lambda self, x: 1 / 0}), "ZeroDivisionError"),
    ],
)
def test_an_engine_the_checker_cannot_use_is_refused_with_the_reason(target: object, message: str) -> None:
    with pytest.raises(EngineAdapterError, match=message):
        check_engine(target)


def test_an_engine_without_the_basic_forms_is_refused() -> None:
    class AddOnly(Tiny):
        def __mul__(self, other: Any) -> Any:
            return NotImplemented

    with pytest.raises(EngineAdapterError, match=r"x \* y"):
        check_engine(AddOnly)


def test_bad_budgets_are_value_errors() -> None:
    with pytest.raises(ValueError, match="max_examples"):
        check_engine(Value, max_examples=0)


# -- the command line ------------------------------------------------------------------------------


def test_the_command_checks_an_engine_in_a_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    engine = tmp_path / "engine.py"
    engine.write_text(
        "from autograd import Value as Base\n\nclass Value(Base):\n    __slots__ = ()\n", encoding="utf-8"
    )
    assert main(["check-engine", f"{engine}:Value", "--max-examples", "10", "--deep", "100"]) == 0
    assert "8 of 8 properties hold." in capsys.readouterr().out


def test_the_command_exits_1_on_a_failing_engine(capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("micrograd.engine", reason="micrograd is not installed (the bench extra)")
    assert main(["check-engine", "micrograd.engine:Value", "--max-examples", "20", "--deep", "2400"]) == 1
    out = capsys.readouterr().out
    assert "FAIL  backward twice" in out and "RecursionError" in out and "ZeroDivisionError" in out


@pytest.mark.parametrize("spec", ["nope.nothing:Value", "autograd:Nothing", "no_colon", "missing.py:Value"])
def test_the_command_exits_2_when_it_cannot_load(spec: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check-engine", spec]) == 2
    assert capsys.readouterr().err.startswith("error: ")


def test_python_dash_m_runs_the_command() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "autograd.testing", "check-engine", "autograd:Value", "--max-examples", "5"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Checking chainrule")
