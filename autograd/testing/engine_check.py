"""Check any scalar autodiff engine against chainrule: ``check_engine(Value)``.

For a micrograd you wrote (``Value(data)``, operators, ``backward()``, ``.grad``)::

    from autograd.testing import check_engine
    from mygrad.engine import Value

    def test_my_engine():
        check_engine(Value)     # raises EngineCheckError with the report if a property fails

or from a shell: ``python -m autograd.testing check-engine mygrad.engine:Value``.

It finds which ops your engine has (only those are used), then checks eight properties. Four on
random expression graphs drawn by hypothesis (a failure is shrunk to the smallest graph and point
that still fails): forward values, gradients (against chainrule's, and central differences of
your own forward to tell a wrong forward from a wrong backward), backward twice, zeroing. Four on
hand-picked cases: node reuse, numbers on either side of an operator, deep chains (the shortest
failing chain, by bisection) and IEEE edge numbers. The run is bounded: ``max_examples`` graphs of
at most ``max_ops`` ops per random property and chains of at most ``deep`` ops.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from hypothesis.errors import NoSuchExample

from autograd.testing import Expression, _find_smallest
from autograd.testing.engine_cases import Case, chain_failure, edge_cases, number_cases, reuse_cases
from autograd.testing.engine_compare import (
    gradient_mismatch,
    twice_mismatch,
    value_mismatch,
    zeroing_mismatch,
)
from autograd.testing.engine_graphs import as_code, engine_expressions_with_points, used_inputs
from autograd.testing.engine_report import EngineReport, Failure, Mismatch, PropertyResult, number
from autograd.testing.engines import (
    REQUIRED_FORMS,
    EngineAdapter,
    EngineAdapterError,
    Form,
    adapter_for,
    discover_forms,
)

__all__ = ["check_engine"]

Example = tuple[Expression, list[float]]
Compare = Callable[..., Mismatch | None]  # (adapter, expression, point) -> a mismatch or None

# property name -> (claim, why it matters, the calls after building y in a printed example)
PROPERTIES: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "forward values": (
        "y.data is the math's value",
        "every gradient is computed from the forward values: a wrong one spoils every gradient below it",
        ("print(y.data)",),
    ),
    "gradients": (
        "after y.backward(), x.grad is dy/dx",
        "a wrong gradient trains silently in a wrong direction; nothing crashes",
        ("y.backward()",),
    ),
    "node reuse": (
        "a node used twice gets the sum of both uses' gradients",
        "every weight feeds many neurons and x * x uses x twice: a reused node's gradient is the sum over "
        "its uses, which needs += and both uses kept as inputs",
        ("y.backward()",),
    ),
    "numbers on either side": (
        "x0 - 3.0 and 3.0 - x0 (and + * / **) are right",
        "1 - y, 2 * x and 1 / x are in every model; Python calls __rsub__, __rmul__, __rtruediv__ when "
        "the number is on the left",
        ("y.backward()",),
    ),
    "backward twice": (
        "a second y.backward() adds the same gradients to the leaves again",
        "gradients of two losses (or two batches) are summed by calling backward() on each; PyTorch "
        "accumulates into leaves and starts interior nodes from zero on every pass",
        ("y.backward()", "y.backward()"),
    ),
    "zeroing": (
        "after zeroing the leaves' grads, y.backward() gives the first gradients again",
        "a training loop zeroes the parameters' grads (optimizer.zero_grad()) before every backward()",
        ("y.backward()", "<zero>", "y.backward()"),
    ),
    "deep chains": (
        "backward() works on a long chain of ops",
        "",
        (),
    ),
    "IEEE edge numbers": (
        "1 / 0 is inf, log(0) is -inf, tanh(1000) is 1: numbers, never an exception",
        "one bad number in a batch should give an inf or nan you can detect and trace (as PyTorch and "
        "NumPy do), not stop the run with an exception; and a naive formula that overflows is a bug",
        ("print(y.data)",),
    ),
}


def check_engine(
    engine: object,
    *,
    max_examples: int = 100,
    max_ops: int = 4,
    deep: int = 5000,
    seed: int | None = 0,
    raise_on_failure: bool = True,
) -> EngineReport:
    """Check ``engine`` (a ``Value`` class or an :class:`EngineAdapter`) against chainrule.

    Returns the :class:`EngineReport` (``print(report)`` shows it); with ``raise_on_failure`` (the
    default, for pytest) raises :class:`EngineCheckError` carrying the report if a property fails.
    ``seed`` fixes hypothesis's random choices (the same report every run; None: new examples).
    """
    if max_examples < 1 or max_ops < 1 or deep < 2:
        raise ValueError(
            "check_engine: need max_examples >= 1, max_ops >= 1, deep >= 2; "
            f"got {max_examples}, {max_ops}, {deep}"
        )
    adapter = adapter_for(engine)
    forms = discover_forms(adapter)
    missing = [f"{form} ({forms[form]})" for form in REQUIRED_FORMS if forms[form] is not None]
    if missing:
        raise EngineAdapterError(
            f"{adapter.name}: the checker needs x + y, x * y, x + 2 and x * 2 to build its test graphs; "
            f"these failed: {'; '.join(missing)}"
        )
    usable = frozenset(form for form, error in forms.items() if error is None)
    report = EngineReport(adapter.name, forms, notes=_notes(adapter))
    search = _Search(usable, max_examples, max_ops, seed)
    first: tuple[tuple[str, Compare], ...] = (
        ("forward values", value_mismatch),
        ("gradients", gradient_mismatch),
    )
    for name, compare in first:
        report.results.append(search.run(name, adapter, compare))
    report.results.append(
        _cases_property("node reuse", adapter, [c for c in reuse_cases() if c.runs_on(forms)])
    )
    report.results.append(_numbers_property(adapter, forms))
    for name, compare in (("backward twice", twice_mismatch), ("zeroing", zeroing_mismatch)):
        report.results.append(search.run(name, adapter, compare))
    failure = chain_failure(adapter, deep // 2)
    report.results.append(
        PropertyResult("deep chains", PROPERTIES["deep chains"][0], f"up to {deep} ops", failure)
    )
    edges = [case for case in edge_cases() if case.runs_on(forms)]
    report.results.append(_cases_property("IEEE edge numbers", adapter, edges, values_only=True))
    if raise_on_failure:
        report.raise_if_failed()
    return report


class _Search:
    """Hypothesis searches for a failing random graph, smallest graphs first.

    Graphs of 1 op are searched first, then of 2, ... up to ``max_ops`` (the budget grows with the
    size, and 1-op graphs get at least three tries per form), so a fault is reported on a graph with
    as few ops as can show it; hypothesis then shrinks the point, the constants and the choices.
    """

    def __init__(self, forms: frozenset[Form], max_examples: int, max_ops: int, seed: int | None) -> None:
        self.forms, self.max_ops, self.seed = forms, max_ops, seed
        weights = range(1, max_ops + 1)
        self.budgets = [max(1, round(max_examples * w / sum(weights))) for w in weights]
        self.budgets[0] = max(self.budgets[0], 3 * len(forms))
        self.checked = f"{sum(self.budgets)} graphs"

    def run(self, name: str, adapter: EngineAdapter, compare: Compare) -> PropertyResult:
        claim = PROPERTIES[name][0]
        for ops, budget in enumerate(self.budgets, start=1):
            found = self._smallest(adapter, compare, ops, budget)
            if found is not None:
                (expression, point), mismatch = found
                return PropertyResult(
                    name, claim, self.checked, _failure(name, adapter, expression, point, mismatch)
                )
        return PropertyResult(name, claim, self.checked)

    def _smallest(
        self, adapter: EngineAdapter, compare: Compare, ops: int, budget: int
    ) -> tuple[Example, Mismatch] | None:
        failing: list[tuple[Example, Mismatch]] = []

        def fails(example: Example) -> bool:
            mismatch = compare(adapter, *example)
            if mismatch is not None:
                failing.append((example, mismatch))
            return mismatch is not None

        strategy = engine_expressions_with_points(self.forms, min_ops=ops, max_ops=ops)
        try:
            smallest = _find_smallest(strategy, fails, budget, None if self.seed is None else self.seed + ops)
        except NoSuchExample:
            return None
        except Exception:  # e.g. hypothesis saw a flaky engine (a set's order changes between runs)
            if not failing:
                raise
            smallest = min((example for example, _ in failing), key=_size)
        return next((example, m) for example, m in reversed(failing) if example == smallest)


def _size(example: Example) -> tuple[int, int, int]:
    expression, _ = example
    return len(expression.steps), expression.n_inputs, len(str(expression))


def _failure(
    name: str, adapter: EngineAdapter, expression: Expression, point: Sequence[float], mismatch: Mismatch
) -> Failure:
    _, why, then = PROPERTIES[name]
    zero = " = ".join(f"x{i}.grad" for i in used_inputs(expression)) + " = 0.0"
    calls = [zero if line == "<zero>" else line for line in then]
    if mismatch.what == "y.data":
        calls = ["print(y.data)"]
    elif mismatch.what in ("building y", "y.backward()"):
        calls = [] if mismatch.what == "building y" else ["y.backward()"]
    return Failure(as_code(expression, point, adapter, calls), mismatch, why)


def _check_case(adapter: EngineAdapter, case: Case, values_only: bool) -> Mismatch | None:
    mismatch = value_mismatch(adapter, case.expression, case.point)
    if mismatch is None and not values_only:
        mismatch = gradient_mismatch(adapter, case.expression, case.point)
    return mismatch


def _cases_property(
    name: str,
    adapter: EngineAdapter,
    cases: list[Case],
    values_only: bool = False,
    refused: Sequence[tuple[Case, str]] = (),
) -> PropertyResult:
    """Every case checked; the first failure is shown in full, the others on one line each."""
    found = [(case, Mismatch("building y", "no error", reason)) for case, reason in refused]
    for case in cases:
        mismatch = _check_case(adapter, case, values_only)
        if mismatch is not None:
            found.append((case, mismatch))
    checked = f"{len(cases) + len(refused)} cases"
    if not found:
        return PropertyResult(name, PROPERTIES[name][0], checked)
    (case, mismatch), others = found[0], found[1:]
    failure = _failure(name, adapter, case.expression, case.point, mismatch)
    also = tuple(
        f"`{'; '.join(as_code(c.expression, c.point, adapter).splitlines())}`: "
        f"{m.what} expected {number(m.expected)}, got {number(m.actual)}"
        for c, m in others
    )
    return PropertyResult(
        name, PROPERTIES[name][0], checked, Failure(failure.example, failure.mismatch, failure.why, also)
    )


def _numbers_property(adapter: EngineAdapter, forms: dict[Form, str | None]) -> PropertyResult:
    cases, refused = number_cases(forms)
    return _cases_property("numbers on either side", adapter, cases, refused=refused)


def _notes(adapter: EngineAdapter) -> list[str]:
    """Things worth knowing that are not wrong numbers: how the engine stores a node's inputs."""
    try:
        a = adapter.leaf(0.7)
        stored = adapter.children(adapter.apply("+", a, a))
    except Exception:
        return []
    if stored is None:
        return [
            "no .children, ._prev or ._children found: a drawing of the graph cannot find a node's inputs"
        ]
    if isinstance(stored, (set, frozenset)) or len(stored) < 2:
        return [
            f"a + a keeps {len(stored)} input ({type(stored).__name__}): a drawing shows one edge, "
            "the inputs' order is lost, and a backward loop that pairs inputs with their derivatives "
            "(zip) would give a + a the gradient 1, not 2. A tuple keeps both, in argument order."
        ]
    return []
