"""Compiled replay: trace a function, write its graph out as straight-line Python, run that.

The eager engine builds a graph of ``Value`` objects on every call and walks it backwards. When a
function is evaluated again and again on new numbers (a training loop), the graph is usually the
same; only the numbers change. ``compile(fn)`` records the graph once and writes it out as a plain
Python function over floats: one line per node forward, one line per chain-rule step backward::

    >>> from autograd.compiled import compile
    >>> f = compile(lambda x, y: (x * y + 3) ** 2 + 1)
    >>> f.value_and_grad(2.0, 3.0)   # f, then [df/dx, df/dy]
    (82.0, [54.0, 36.0])

**The guarantee.** For every call, a compiled function returns exactly what the eager engine
returns (value and gradients; bit for bit, since the chain-rule terms are added in the order
``backward()`` adds them), or it re-traces, or it raises :class:`TraceError`. It never replays a
decision that no longer holds.

**How: guards, not probes.** A trace is right only as long as the Python code around the ops would
make the same decisions again. Two designs solve this. JAX refuses: inside ``jit`` a value is an
abstract tracer, and turning one into a Python ``bool`` or ``float`` raises a concretization error.
torch.compile (dynamo) guards: it records what each Python decision depended on, checks those
guards before every replay, and re-traces (up to a small cache limit) when one fails. We guard,
because people write ``if x.data > 0`` and ``round(v.data)`` in their losses and expect it to work;
and we refuse, with the line, when the cache is full. While tracing, reading ``.data`` of a value
that depends on the inputs or parameters (also through ``float(v)``, ``format``, ``round``, the
engine's own ``step(a)`` on the ``create_graph`` path, ``nn`` code) gives a traced number
(:mod:`autograd.compiled.guards`): comparisons, ``int``, ``round``, ``bool``, formatting and
``float`` are written down as tests over the trace's variables, each with the source line that made
it. The library's reads that only compute an op's result are not guards (the replay recomputes them),
so a straight-line function has none. The generated code checks the guards right after its forward
lines (a comparison each: a few percent of a replay); if one fails, the next trace is tried, then a
new one is made (at most ``max_traces``, 8 by default), then :class:`TraceError` names the first
failing decision and its line. A number that becomes a graph constant (``x * y.data``,
``Value(x.data)``) is recomputed from its expression, as the engine's constant it is.

Also refused, when tracing: a function that builds a different graph or makes different decisions
when traced twice at the same inputs (randomness, state), and a leaf ``Value`` read from outside
that is neither an input nor a declared parameter (usually a forgotten ``params=``).

**Parameters** (a model's weights) are ``params=``: their ``.data`` is read at every call, and
:meth:`Compiled.backward` accumulates into their ``.grad`` like eager ``loss.backward()``.
**Number inputs** (``numbers=``, e.g. a target) are passed to ``fn`` as plain numbers instead of
``Value``s: they have no gradient, and everything ``fn`` does with them is guarded the same way.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from autograd.compiled import batch, codegen
from autograd.compiled.arguments import as_float, close, count, describe, difference, params_of, signature_of
from autograd.compiled.batch import Rows
from autograd.compiled.codegen import Names, define, generate
from autograd.compiled.entry import Entry
from autograd.compiled.trace import Trace, TraceError, record
from autograd.engine import Value, backpropagate
from autograd.modes import grad_mode

__all__ = ["Compiled", "TraceError", "compile"]

MAX_TRACES = 8
#: At most this many rows left by the batch replay over columns go one by one to the scalar replay
#: of their own trace; more go through the generated loop over every trace.
FEW_ROWS = 16


class Compiled:
    """A function traced and replayed as generated straight-line Python over floats, behind guards.

    Call it with numbers, one per input of ``fn``. Attributes: ``source`` (the first trace's
    ``value_and_grad``), ``sources`` (every trace's), ``params``, ``param_names``, ``input_names``,
    ``n_inputs``, ``n_traces`` and ``compile_seconds`` (tracing and checking, all traces; each trace's
    code is generated and compiled when first needed).
    """

    def __init__(
        self,
        fn: Callable[..., Any],
        params: object = None,
        *,
        numbers: Iterable[int | str] = (),
        static: Iterable[int | str] = (),
        example: Sequence[float] | None = None,
        max_traces: int = MAX_TRACES,
    ) -> None:
        if not callable(fn):
            raise TypeError(f"compile() takes a function, got {type(fn).__name__}")
        if isinstance(max_traces, bool) or not isinstance(max_traces, int) or max_traces < 1:
            raise ValueError(f"max_traces must be an int >= 1, got {max_traces!r}")
        self.fn = fn
        self.params, labels = params_of(params)
        names = Names()
        self.param_names = [names.take(label) for label in labels]
        self.max_traces = max_traces
        #: batch_* replay what they can over NumPy columns (needs NumPy; False: row by row)
        self.columns = batch.AVAILABLE
        self._wanted = (list(numbers), list(static))
        self._number_positions: frozenset[int] = frozenset()
        self._static_positions: frozenset[int] = frozenset()
        self._batch_functions: dict[bool, Callable[..., Any]] = {}  # every trace in one loop
        #: how many rows of the last batch call ran over columns (the rest row by row)
        self.rows_over_columns = 0
        self.input_names: list[str] = []
        self.n_inputs = -1  # until traced
        self.compile_seconds = 0.0
        self._entries: list[Entry] = []
        if example is not None:
            self._first_trace([as_float(x, f"example[{i}]") for i, x in enumerate(example)])

    # -- tracing ---------------------------------------------------------------------------------------

    def _first_trace(self, numbers: list[Any]) -> None:
        wanted, arity = signature_of(self.fn)
        if arity is not None and arity != len(numbers):
            raise ValueError(f"the compiled function takes {count(arity, 'input')}, got {len(numbers)}")
        if len(wanted) < len(numbers):
            wanted = [f"x{i}" for i in range(len(numbers))]
        taken = Names(self.param_names)
        self.input_names = [taken.take(name) for name in wanted[: len(numbers)]]
        found: list[set[int]] = [set(), set()]
        for kind, items, positions in zip(("numbers", "static"), self._wanted, found):
            for item in items:
                position = wanted.index(item) if isinstance(item, str) and item in wanted else item
                if not isinstance(position, int) or not 0 <= position < len(numbers):
                    raise ValueError(
                        f"{kind}: {item!r} is not one of the function's inputs {wanted[: len(numbers)]}"
                    )
                positions.add(position)
        self._number_positions, self._static_positions = frozenset(found[0]), frozenset(found[1])
        self.n_inputs = len(numbers)
        self._trace(numbers)

    def _record(self, numbers: Sequence[float]) -> Trace:
        return record(
            self.fn, numbers, self._number_positions, self.input_names, self.params, self._static_positions
        )

    def _trace(self, numbers: list[float]) -> Entry:
        """Trace at ``numbers``, check it, generate its code and add it to the traces."""
        if len(self._entries) >= self.max_traces:
            raise self._too_many(numbers)
        start = time.perf_counter()
        trace = self._record(numbers)
        again = self._record(numbers)  # the same inputs again: the same graph and decisions?
        program = None  # generated when first needed, if the graphs say the code is the same
        if not trace.same_as(again):
            program = generate(trace, self.input_names, self.param_names)
            second = generate(again, self.input_names, self.param_names)
            if second != program:
                raise TraceError(
                    "the function built a different graph or made different decisions when traced "
                    "twice at the same inputs (randomness such as dropout, or state that changes "
                    f"between calls), so no trace can stand for it; first difference: "
                    f"{difference(program, second)}"
                )
        outside = [v for v in trace.outside_leaves() if v in set(again.outside_leaves())]
        if outside:
            shown = ", ".join(describe(v) for v in outside[:3])
            more = f" and {len(outside) - 3} more" if len(outside) > 3 else ""
            raise TraceError(
                f"the function reads {len(outside)} leaf Value(s) that are neither inputs nor declared "
                f"parameters: {shown}{more}. Pass model weights as params=... so that their current "
                "values are read and their gradients computed; for a fixed number use a float"
            )
        entry = Entry(trace, (self.input_names, self.param_names), program)
        self._entries.append(entry)
        self._batch_functions.clear()
        self.compile_seconds += time.perf_counter() - start
        return entry

    def _too_many(self, numbers: Sequence[float]) -> TraceError:
        entry = self._entries[0]
        k = entry.first_failure(numbers, self._param_data())
        fails, where = (entry.program.early + entry.program.guards)[k] if k >= 0 else ("?", "?")
        return TraceError(
            f"the function takes a path at these inputs that none of its {len(self._entries)} traces "
            f"covers (the limit; compile(..., max_traces=n) raises it). A decision of the first trace "
            f"goes the other way here (`{fails}`); it was made at {where}. Use the eager engine for this "
            "function, "
            "or keep that decision inside the graph (e.g. relu/abs/clamp instead of an `if` on .data)"
        )

    def _entry(self) -> Entry:
        if not self._entries:
            if signature_of(self.fn)[1] != 0:
                raise RuntimeError(
                    "not traced yet: call the compiled function once, or pass example=(...) to "
                    "compile() to trace it right away"
                )
            self._first_trace([])
        return self._entries[0]

    @property
    def source(self) -> str:
        """The first trace's ``value_and_grad``: forward lines, guards, one line per chain-rule step."""
        return self._entry().program.value_and_grad()

    @property
    def sources(self) -> list[str]:
        """Every trace's ``value_and_grad``, in the order they were made."""
        return [entry.program.value_and_grad() for entry in self._entries]

    @property
    def batch_source(self) -> str:
        """The loop over rows through every trace so far (what the ``batch_*`` methods run)."""
        self._entry()
        return codegen.batch_source([entry.program for entry in self._entries])

    @property
    def n_traces(self) -> int:
        return len(self._entries)

    @property
    def n_nodes(self) -> int:
        """How many nodes the first trace's replay computes."""
        return self._entry().n_nodes

    # -- calling ---------------------------------------------------------------------------------------

    def _numbers(self, inputs: Sequence[object]) -> list[Any]:
        """The inputs as floats (static ones as they are), checked; the first call traces."""
        if not self._entries and self.n_inputs < 0:
            wanted = self._static_wanted()
            numbers = [x if i in wanted else as_float(x, f"input {i}") for i, x in enumerate(inputs)]
            self._first_trace(numbers)
            return numbers
        if len(inputs) != self.n_inputs:
            raise ValueError(
                f"the compiled function takes {count(self.n_inputs, 'input')} "
                f"({', '.join(self.input_names) or 'none'}), got {len(inputs)}"
            )
        static = self._static_positions
        return [
            x if type(x) is float or i in static else as_float(x, f"input {i} ({self.input_names[i]})")
            for i, x in enumerate(inputs)
        ]

    def _static_wanted(self) -> set[Any]:
        """The static positions before the first trace resolves them (names need the signature)."""
        names = signature_of(self.fn)[0]
        return {names.index(s) if isinstance(s, str) and s in names else s for s in self._wanted[1]}

    def _param_data(self) -> list[float]:
        return [p.data for p in self.params]

    def _replay(self, numbers: list[float], seed: float, grads: list[float]) -> tuple[float, Any, Any]:
        params = self._param_data()
        for entry in self._entries:
            result = entry.value_and_grad(*numbers, params, seed, grads)
            if result is not None:
                return result  # type: ignore[no-any-return]
        result = self._trace(numbers).value_and_grad(*numbers, params, seed, grads)
        if result is None:
            raise TraceError("the function's decisions changed between tracing it and replaying it")
        return result  # type: ignore[no-any-return]

    def __call__(self, *inputs: float) -> Any:
        """The output's value (a tuple of values when ``fn`` returns several)."""
        numbers = self._numbers(inputs)
        if grad_mode.get().check_anomaly:
            return self._eager(numbers)[0]
        params = self._param_data()
        for entry in self._entries:
            value = entry.forward(*numbers, params)
            if value is not None:
                return value
        return self._replay(numbers, 1.0, [0.0] * len(params))[0]

    def _one_output(self, numbers: list[float]) -> list[float]:
        if self._entries and self._entries[0].n_outputs != 1:
            raise TypeError(
                f"the function returns {self._entries[0].n_outputs} Values: gradients need one output "
                "(several are replayed forward only, by calling the compiled function)"
            )
        return numbers

    def value_and_grad(self, *inputs: float) -> tuple[float, list[float]]:
        """``(value, grads)``: the output and its derivative w.r.t. each ``Value`` input, then each
        parameter (number inputs have none)."""
        numbers = self._one_output(self._numbers(inputs))
        if grad_mode.get().check_anomaly:
            value, input_grads, param_grads = self._eager(numbers)
        else:
            value, input_grads, param_grads = self._replay(numbers, 1.0, [0.0] * len(self.params))
        return value, [*input_grads, *param_grads]

    def backward(self, *inputs: float, gradient: float = 1.0) -> float:
        """Forward and backward: ``p.grad += d(output)/dp * gradient`` for every parameter (leaves
        accumulate, as after eager ``output.backward()``). Returns the output."""
        numbers = self._one_output(self._numbers(inputs))
        seed = as_float(gradient, "gradient")
        if grad_mode.get().check_anomaly:
            value, _, grads = self._eager(numbers, seed)
            grads = [p.grad + g for p, g in zip(self.params, grads)]
        else:
            value, _, grads = self._replay(numbers, seed, [p.grad for p in self.params])
        for p, g in zip(self.params, grads):
            p.grad = g
        return value

    def batch_value_and_grad(
        self, rows: Iterable[Sequence[float]], weight: float = 1.0
    ) -> tuple[float, list[float]]:
        """``(weight * sum_i f(row_i), d/dp of that for each param)``: one replay per row of inputs
        (each row checked against the guards of the traces), the gradients summed as they go."""
        return self._batch(rows, weight, [0.0] * len(self.params))

    def batch_backward(self, rows: Iterable[Sequence[float]], weight: float = 1.0) -> float:
        """Like :meth:`batch_value_and_grad`, accumulating into each parameter's ``.grad``; returns
        ``weight * sum_i f(row_i)``. The public entry point for training on a per-sample loss."""
        total, grads = self._batch(rows, weight, [p.grad for p in self.params])
        for p, g in zip(self.params, grads):
            p.grad = g
        return total

    def _batch(
        self, rows: Iterable[Sequence[float]], weight: float, grads: list[float]
    ) -> tuple[float, list[float]]:
        seed = as_float(weight, "weight")
        prepared = batch.prepared(self, rows)
        pending = self._rows(rows)
        self._one_output([])
        if grad_mode.get().check_anomaly:
            for row in pending:
                _, _, row_grads = self._eager(row, seed)
                grads = [g + h for g, h in zip(grads, row_grads)]
            return seed * sum(self._eager(row)[0] for row in pending), grads
        params = self._param_data()
        fast, grads, pending = batch.gradients(self, pending, seed, grads, params, prepared)
        if pending and self.rows_over_columns and len(pending) <= FEW_ROWS:
            fast, grads, pending = batch.few_rows(self, pending, params, seed, grads, fast)
        if not pending:
            return seed * fast, list(grads)
        while True:  # in row order, from the given grads; a row no trace covers gets its own, then again
            misses: list[Sequence[float]] = []
            total, new_grads = self._loop(True)(pending, params, seed, grads, misses)
            if not misses:
                break
            self._trace_misses(misses)
        grads = new_grads
        total += fast
        return seed * total, list(grads)

    def _trace_misses(self, misses: list[Sequence[float]]) -> None:
        """Trace the first row no trace covers, and the first row of each other static value
        missed (it needs a trace of its own): the loop over the rows is then remade once, not
        once per value."""
        static = sorted(self._static_positions)
        seen: set[tuple[Any, ...]] = set()
        for k, row in enumerate(misses):
            key = tuple((type(row[i]), row[i]) for i in static)
            if k == 0 or (key not in seen and len(self._entries) < self.max_traces):
                seen.add(key)
                self._trace(list(row))

    def batch_call(self, rows: Iterable[Sequence[float]]) -> list[Any]:
        """``[f(*row) for row in rows]``: over NumPy columns when it can (as ``batch_value_and_grad``),
        else in one generated loop (the parameters read once)."""
        prepared = batch.prepared(self, rows)
        rows = self._rows(rows)
        if not rows:
            return []
        if grad_mode.get().check_anomaly:
            return [self(*row) for row in rows]
        self.rows_over_columns = 0
        results = batch.values(self, rows, prepared)
        if results is not None:
            return results
        results = []
        misses: list[Sequence[float]] = []
        self._loop(False)(rows, self._param_data(), results, misses)
        if misses:
            done = iter([self(*row) for row in misses])
            results = [next(done) if value is None else value for value in results]
        return results

    def _loop(self, backward: bool) -> Callable[..., Any]:
        """The generated loop over rows through every trace (remade when a trace is added)."""
        function = self._batch_functions.get(backward)
        if function is None:
            source = codegen.batch_source([entry.program for entry in self._entries], backward)
            function = self._batch_functions[backward] = define(
                source, "batch" if backward else "batch_forward"
            )
        return function

    def _rows(self, rows: Iterable[Sequence[float]]) -> list[Sequence[float]]:
        """The rows, each checked (the first call traces at the first row). A row whose entries have
        the types of the first checked row (floats, and each static input's type) is taken as it is."""
        if isinstance(rows, Rows):
            if rows.compiled is self:
                return rows.rows
            rows = rows.rows
        checked: list[Sequence[float]] = []
        expected: tuple[type, ...] | None = None
        for k, row in enumerate(rows):
            if type(row) in (list, tuple) and tuple(map(type, row)) == expected:
                checked.append(row)
                continue
            if isinstance(row, (str, bytes, Value)) or not isinstance(row, Sequence):
                raise TypeError(
                    f"rows[{k}] must be a sequence of inputs (one per input), got {type(row).__name__}"
                )
            checked.append(self._numbers(row))  # checks it (and traces at the first row)
            types = tuple(map(type, checked[-1]))
            if all(t is float or i in self._static_positions for i, t in enumerate(types)):
                expected = types
        return checked

    def prepare(self, rows: Iterable[Sequence[float]]) -> Rows:
        """The rows checked once, and as NumPy columns when the batch replay will use them: pass
        the result to ``batch_value_and_grad``/``batch_backward``/``batch_call`` as often as you like
        (a training loop over the same batch pays for checking and converting its numbers once)."""
        return batch.prepare(self, self._rows(rows))

    def _eager(self, numbers: Sequence[float], seed: float = 1.0) -> tuple[float, list[float], list[float]]:
        """The eager engine's answer (used inside ``detect_anomaly``, which names a bad op)."""
        plain = self._number_positions | self._static_positions
        arguments: list[Any] = [x if k in plain else Value(x) for k, x in enumerate(numbers)]
        output = self.fn(*arguments)
        if not isinstance(output, Value):
            return tuple(v.data for v in output), [], []  # type: ignore[return-value]
        grads = backpropagate(output, seed)
        inputs = [a for a in arguments if isinstance(a, Value)]
        return (
            output.data,
            [float(grads.get(v, 0.0)) for v in inputs],
            [float(grads.get(p, 0.0)) for p in self.params],
        )

    def verify(self, *inputs: float, rtol: float = 1e-12) -> bool:
        """Check the replay at ``inputs`` against the eager engine (value and gradients, to ``rtol``):
        ``True``, or :class:`TraceError` naming the number that differs. The guards make this hold
        by construction; it is here for the suspicious reader (and for tests)."""
        numbers = self._numbers(inputs)
        value, input_grads, param_grads = self._eager(numbers)
        if self._entries[0].n_outputs != 1:
            replayed = self(*numbers)
            if not all(close(a, b, rtol) for a, b in zip(value, replayed)):  # type: ignore[call-overload]
                raise TraceError(f"verify: eager {value!r}, replay {replayed!r}")
            return True
        got, grads = self.value_and_grad(*numbers)
        plain = self._number_positions | self._static_positions
        names = [n for k, n in enumerate(self.input_names) if k not in plain]
        expected = [("output", value, got)]
        expected += [
            (f"d/d{n}", e, g)
            for n, e, g in zip([*names, *self.param_names], [*input_grads, *param_grads], grads)
        ]
        for what, e, g in expected:
            if not close(e, g, rtol):
                raise TraceError(f"verify: {what}: eager {e!r}, replay {g!r}")
        return True

    def __repr__(self) -> str:
        name = getattr(self.fn, "__name__", type(self.fn).__name__)
        if not self._entries:
            return f"<compiled {name}: not traced yet>"
        return (
            f"<compiled {name}: {count(self.n_inputs, 'input')}, {count(len(self.params), 'param')}, "
            f"{count(self.n_traces, 'trace')}, {self._entries[0].n_nodes} nodes>"
        )


def compile(
    fn: Callable[..., Any],
    params: object = None,
    *,
    numbers: Iterable[int | str] = (),
    static: Iterable[int | str] = (),
    example: Sequence[float] | None = None,
    max_traces: int = MAX_TRACES,
) -> Compiled:
    """Trace ``fn`` and replay it as generated Python over floats, behind guards.

    ``fn`` takes one ``Value`` per input (a plain number for the inputs named in ``numbers``) and
    returns a ``Value``. ``params``: the leaf Values ``fn`` reads (a model's weights): a list, a
    ``{name: Value}`` mapping or a module; their current ``.data`` is read at every call. The first
    trace happens at the first call, or right away at ``example``; another one whenever a call's
    inputs fail every trace's guards, at most ``max_traces`` in all (then :class:`TraceError`).

    ``f(*xs)`` is the value, ``f.value_and_grad(*xs)`` the value and gradients,
    ``f.backward(*xs)`` accumulates into the params' ``.grad``, ``f.batch_backward(rows, weight)``
    does that for a weighted sum over rows, and ``f.source`` is the generated code.
    """
    return Compiled(fn, params, numbers=numbers, static=static, example=example, max_traces=max_traces)
