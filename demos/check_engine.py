"""Check your own engine: chainrule's property tests grade a micrograd you wrote.

Writing a micrograd is the classic autodiff exercise, and its bugs are quiet: the numbers come out,
they are just wrong. ``autograd.testing.check_engine`` takes your ``Value`` class, finds which ops it
has, draws random expression graphs over them with hypothesis, and compares your values and
gradients with chainrule's (and with central differences of your own forward), plus the things
learners get wrong: a node used twice, ``backward()`` twice, zeroing, deep graphs, numbers on either
side of an operator, ``1 / 0``. Each failure is shrunk to the smallest graph that still fails and
printed as code you can paste, with the expected and the actual number.

This lesson grades three versions of the same engine:

1. ``Value``: micrograd-style closures, with one slip: ``=`` instead of ``+=`` in ``__mul__``'s
   backward. The checker shows ``y = x0 * x0`` getting x0's gradient once instead of twice.
2. ``FixedMul``: ``+=`` restored. Values and gradients now pass; what is left is micrograd's own
   design: a second ``backward()`` counts interior nodes again, and the recursive topological sort
   stops at Python's recursion limit (about 1,000 nodes).
3. ``Iterative``: an explicit-stack sort, and interior grads reset at the start of every pass. Only
   ``1 / 0`` is left (it raises ``ZeroDivisionError`` where PyTorch gives ``inf``): your exercise.

In your own tests::

    from autograd.testing import check_engine
    def test_my_engine():
        check_engine(Value)    # raises EngineCheckError with the report if a property fails

or ``python -m autograd.testing check-engine mygrad.engine:Value``.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))  # find lesson.py however this file is run

from lesson import check, heading, parse_args

from autograd.testing import EngineReport, check_engine


class Value:
    """A learner's micrograd: each op stores a closure that sends gradient to its inputs."""

    def __init__(self, data: float, children: tuple[Any, ...] = ()) -> None:
        self.data = data
        self.grad = 0.0
        self._prev = children
        self._backward: Callable[[], None] = lambda: None

    def __add__(self, other: Any) -> Any:
        other = other if isinstance(other, Value) else type(self)(other)
        out = type(self)(self.data + other.data, (self, other))

        def _backward() -> None:
            self.grad += out.grad
            other.grad += out.grad

        out._backward = _backward
        return out

    def __mul__(self, other: Any) -> Any:
        other = other if isinstance(other, Value) else type(self)(other)
        out = type(self)(self.data * other.data, (self, other))

        def _backward() -> None:
            self.grad = other.data * out.grad  # the slip: = where += belongs
            other.grad = self.data * out.grad

        out._backward = _backward
        return out

    def __pow__(self, k: float) -> Any:
        out = type(self)(self.data**k, (self,))

        def _backward() -> None:
            self.grad += k * self.data ** (k - 1) * out.grad

        out._backward = _backward
        return out

    def tanh(self) -> Any:
        t = math.tanh(self.data)
        out = type(self)(t, (self,))

        def _backward() -> None:
            self.grad += (1 - t * t) * out.grad

        out._backward = _backward
        return out

    def __neg__(self) -> Any:
        return self * -1

    def __radd__(self, other: Any) -> Any:
        return self + other

    def __sub__(self, other: Any) -> Any:
        return self + (-other)

    def __rsub__(self, other: Any) -> Any:
        return other + (-self)

    def __rmul__(self, other: Any) -> Any:
        return self * other

    def __truediv__(self, other: Any) -> Any:
        return self * other**-1

    def __rtruediv__(self, other: Any) -> Any:
        return other * self**-1

    def backward(self) -> None:
        topo: list[Any] = []
        visited: set[Any] = set()

        def build(v: Any) -> None:  # recursive: one Python stack frame per node
            if v not in visited:
                visited.add(v)
                for child in v._prev:
                    build(child)
                topo.append(v)

        build(self)
        self.grad = 1.0
        for v in reversed(topo):
            v._backward()


class FixedMul(Value):
    """Version 2: ``+=`` in ``__mul__``'s backward, so a node used twice gets both gradients."""

    def __mul__(self, other: Any) -> Any:
        other = other if isinstance(other, Value) else type(self)(other)
        out = type(self)(self.data * other.data, (self, other))

        def _backward() -> None:
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad

        out._backward = _backward
        return out


class Iterative(FixedMul):
    """Version 3: an explicit-stack topological sort (any depth), and every interior node's grad
    reset before a pass, so only leaves accumulate across ``backward()`` calls (PyTorch's rule)."""

    def backward(self) -> None:
        topo: list[Any] = []
        visited: set[Any] = set()
        stack: list[tuple[Any, bool]] = [(self, False)]
        while stack:
            v, children_done = stack.pop()
            if children_done:
                topo.append(v)
            elif v not in visited:
                visited.add(v)
                stack.append((v, True))
                stack.extend((child, False) for child in v._prev)
        for v in topo:
            if v._prev:
                v.grad = 0.0
        self.grad = 1.0
        for v in reversed(topo):
            v._backward()


def grade(engine: type, options: dict[str, Any], full: bool) -> EngineReport:
    report = check_engine(engine, raise_on_failure=False, **options)
    if full:
        print(report)
    else:
        print("\n".join(line for line in str(report).splitlines() if line.startswith(("PASS", "FAIL"))))
    return report


def failing(report: EngineReport) -> set[str]:
    return {result.name for result in report.failures}


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args("check_engine", __doc__, argv)
    options: dict[str, Any] = {"max_examples": 20, "deep": 2400} if args.quick else {}

    heading("1. Value: micrograd-style, with = instead of += in __mul__'s backward")
    first = grade(Value, options, full=True)
    reuse = first.result("node reuse").failure
    check(
        "the checker shows x0 * x0 getting x0's gradient once: expected 2 * 0.7, got 0.7",
        reuse is not None
        and "y = x0 * x0" in reuse.example
        and (reuse.mismatch.expected, reuse.mismatch.actual) == (1.4, 0.7),
    )

    heading("2. FixedMul: += restored")
    second = grade(FixedMul, options, full=False)
    check(
        "values, gradients and reuse pass; backward twice, zeroing and deep chains fail as in micrograd",
        {"backward twice", "zeroing", "deep chains"} <= failing(second)
        and not {"forward values", "gradients", "node reuse"} & failing(second),
    )

    heading("3. Iterative: explicit-stack sort, interior grads reset on every pass")
    third = grade(Iterative, options, full=True)
    check(
        "only the IEEE edge numbers fail (1 / 0 raises): your exercise",
        failing(third) == {"IEEE edge numbers"},
    )

    try:
        from micrograd.engine import Value as Micrograd
    except ImportError:
        print("\nmicrograd is not installed (pip install micrograd): its grade is skipped")
    else:
        heading("micrograd 0.1.0, for comparison")
        grade(Micrograd, options, full=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
