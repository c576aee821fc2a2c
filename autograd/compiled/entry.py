"""One trace of a compiled function, and the code made from it (each piece made when first used).

:class:`~autograd.compiled.Compiled` keeps a list of these: the generated scalar code of
:mod:`autograd.compiled.codegen` (``value_and_grad``, ``forward``, a guard check) and the trace over
columns of :mod:`autograd.compiled.batch`, one per kind of static inputs.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from autograd.compiled import batch
from autograd.compiled.codegen import Program, define, generate
from autograd.compiled.trace import Trace


class Entry:
    """One trace's generated code and the functions compiled from it (each made when first used)."""

    def __init__(
        self, trace: Trace, names: tuple[list[str], list[str]], program: Program | None = None
    ) -> None:
        self.trace = trace
        self._names = names  # the inputs' and the parameters' variable names
        self._program = program
        self._columns: dict[tuple[frozenset[tuple[int, type]], bool], Callable[..., Any] | None] = {}
        self.n_nodes = len(trace.order)
        self.n_outputs = len(trace.outputs)

    @property
    def program(self) -> Program:
        """The trace's generated code (generated when first needed: the batch replay over columns
        works from the trace itself)."""
        if self._program is None:
            self._program = generate(self.trace, *self._names)
        return self._program

    def value_and_grad(self, *args: Any) -> Any:
        """The trace's ``value_and_grad`` (compiled at the first call: a batch replay over columns
        may never need it, and CPython's compile is most of a large trace's cost)."""
        function = self.value_and_grad = define(self.program.value_and_grad(), "value_and_grad")  # type: ignore[method-assign]
        return function(*args)

    def forward(self, *args: Any) -> Any:
        """The trace's ``forward`` (compiled at the first call)."""
        function = self.forward = define(self.program.forward_only(), "forward")  # type: ignore[method-assign]
        return function(*args)

    def columns(
        self, static: dict[int, type], columns: dict[int, int], backward: bool = True
    ) -> Callable[..., Any] | None:
        """This trace over columns (NumPy), or None if it cannot be vectorized (made once per
        kind of static inputs, forward and backward or forward only)."""
        key = (frozenset(static.items()), backward)
        if key not in self._columns:
            self._columns[key] = batch.vectorize(self.trace, columns, static, backward)
        return self._columns[key]

    def first_failure(self, numbers: Sequence[float], params: list[float]) -> int:
        """The index of the first guard that fails at these inputs (-1 if none does)."""
        program = self.program
        tests = "".join(
            f"    try:\n        if {fails}:\n            return {k}\n"
            f"    except Exception:\n        return {k}\n"
            for k, (fails, _) in enumerate(program.early + program.guards)
        )
        source = f"def check({', '.join((*program.arguments, 'params'))}):\n"
        source += program.params + program.forward + tests + "    return -1\n"
        result: int = define(source, "check")(*numbers, params)
        return result
