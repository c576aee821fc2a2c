"""``fit(..., compile=True)``: a batch's objective from compiled replays of one sample's loss.

With ``compile=True`` the objective of a batch is defined sample by sample, explicitly::

    objective = reduce_i loss([model(x_i)], [t_i]) + penalty(model)      reduce: mean (default) or sum

``loss`` is called on one sample at a time (a list of one output and a list of one target) and
``reduction`` (``"mean"``: weight ``1/len(batch)``, or ``"sum"``: weight 1) combines the samples. Every
loss in :mod:`nn.losses` with its default ``reduction="mean"`` is such a mean, so ``compile=True``
trains as ``compile=False`` does. The per-sample loss is compiled once (:func:`autograd.compiled.compile`)
and replayed over the rows of each batch by ``batch_value_and_grad``; the penalty is compiled as a
function of no inputs. Nothing is guessed:

* **Targets.** A float target (or each float of a list target) is a *number input* of the compiled
  loss: ``loss`` receives a plain number whose every use is guarded (see :mod:`autograd.compiled`).
  An ``int`` target is a class label, a *static input*: passed as it is, one trace per label.
* **Decisions on numbers** in the loss or the model (``if abs(d.data) < 1``, a weight read from a
  table with ``int(t)``, ``nn.losses``' clamped log) are guards of the compiled loss: a sample that
  decides otherwise is replayed by another trace, or traced anew, or refused with ``TraceError``.
* **The definition above** is compared with ``loss(outputs, targets)`` on the first batch (value and
  gradients, eagerly, once): a loss that is not the ``reduction`` of per-sample terms is refused with
  a ``ValueError`` before the first step.
* **Refused** up front: ``Dropout`` with ``p > 0`` (a replay would repeat its mask).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable, Iterator, Sequence
from typing import Any

from autograd import Value, enable_grad
from autograd.compiled import Compiled, TraceError, batch, compile
from autograd.engine import backpropagate
from nn.layers import Dropout
from nn.module import Module

LossFn = Callable[[list[Any], list[Any]], Value]

#: How many traces one compiled loss may collect: one per class label (a static input) and per
#: path through an ``if`` on the data.
MAX_TRACES = 32
REDUCTIONS = ("mean", "sum")


def rows_without_columns(rows: int) -> bool:
    """True if batches of ``rows`` would run over NumPy columns but NumPy is missing (the ``fast``
    extra): then they run one sample at a time, and ``fit`` says so once."""
    return not batch.AVAILABLE and rows >= batch.MIN_ROWS


def refuse_dropout(model: Module) -> None:
    for module in model.modules():
        if isinstance(module, Dropout) and module.p > 0.0:
            raise TraceError(
                f"compile=True cannot train a model with Dropout(p={module.p}): a replay repeats the "
                "random mask drawn when it was traced at every step. Use compile=False (the eager "
                "engine draws new masks), or p=0"
            )


def _split(target: Any) -> tuple[Any, list[Any]]:
    """A target as ``(shape, leaves)``: its structure with each number's type, and the numbers."""
    if isinstance(target, (list, tuple)):
        parts = [_split(t) for t in target]
        return (type(target).__name__, tuple(shape for shape, _ in parts)), [x for _, xs in parts for x in xs]
    if type(target) in (float, int, bool):
        return type(target).__name__, [target]
    if isinstance(target, (int, float)):
        return _split(float(target) if isinstance(target, float) else int(target))
    raise TypeError(
        f"compile=True passes targets to the compiled loss as numbers, so a target must be a number "
        f"or a list of numbers; got a {type(target).__name__}. Use compile=False"
    )


def _leaf_kinds(shape: Any) -> list[str]:
    if isinstance(shape, str):
        return [shape]
    return [kind for part in shape[1] for kind in _leaf_kinds(part)]


def _rebuild(shape: Any, leaves: Iterator[Any]) -> Any:
    """The target of ``shape`` from its numbers, in order."""
    if isinstance(shape, str):
        return next(leaves)
    kind, parts = shape
    items = [_rebuild(part, leaves) for part in parts]
    return items if kind == "list" else tuple(items)


class SampleReplay:
    """The compiled objective of one model, loss, penalty and reduction (in one mode of the model)."""

    def __init__(
        self, model: Module, loss: LossFn, penalty: Callable[[Module], Value] | None, reduction: str
    ) -> None:
        if reduction not in REDUCTIONS:
            raise ValueError(f"reduction must be one of {REDUCTIONS}, got {reduction!r}")
        if model.training:
            refuse_dropout(model)
        self.model, self.loss, self.penalty, self.reduction = model, loss, penalty, reduction
        self.n_inputs: int | None = None
        self.losses: dict[Hashable, Compiled] = {}
        self.checked = False
        self.forward = compile(lambda *xs: model(list(xs)), params=model, max_traces=MAX_TRACES)
        # the outputs feed the metric's decisions (argmax, a threshold): they must be eager's floats,
        # so they are replayed row by row (over columns they would be equal only to rounding)
        self.forward.columns = False
        self.penalty_fn = None if penalty is None else compile(lambda: penalty(model), params=model)

    def parts(self) -> tuple[Any, ...]:
        return self.model, self.loss, self.penalty, self.reduction

    def backward(self, X: Sequence[Any], y: Sequence[Any], outputs: bool) -> tuple[float, list[Any] | None]:
        """Add d(objective)/dp to every ``p.grad``; the objective and (optionally) the outputs.

        The terms reach ``p.grad`` in the order eager ``backward()`` adds them (the penalty's
        first, then the samples' from the last to the first), so the gradients are the same floats."""
        params = self.model.parameters()
        before = [p.grad for p in params]
        total = 0.0 if self.penalty_fn is None else self.penalty_fn.backward()
        weight = 1.0 / len(X) if self.reduction == "mean" else 1.0
        for shape, run in reversed(self._runs(X, y)):
            total += self._loss_for(shape).batch_backward(run[::-1], weight)
        if not self.checked:
            self._check(X, y, total, [p.grad - b for p, b in zip(params, before)])
        return total, self._outputs(X) if outputs else None

    def evaluate(self, X: Sequence[Any], y: Sequence[Any], outputs: bool) -> tuple[float, list[Any] | None]:
        """The objective (and optionally the outputs), without touching any ``.grad``."""
        total = 0.0 if self.penalty_fn is None else self.penalty_fn()
        weight = 1.0 / len(X) if self.reduction == "mean" else 1.0
        for shape, run in self._runs(X, y):
            total += weight * sum(self._loss_for(shape).batch_call(run))
        if not self.checked:
            self._check(X, y, total, None)
        return total, self._outputs(X) if outputs else None

    def _runs(self, X: Sequence[Any], y: Sequence[Any]) -> list[tuple[Hashable, list[list[float]]]]:
        """Each sample as the row ``[*inputs, *target numbers]``, in runs of one target shape."""
        if len(X) != len(y):
            raise ValueError(f"X has {len(X)} samples but y has {len(y)}")
        runs: list[tuple[Hashable, list[list[float]]]] = []
        for i, (x, t) in enumerate(zip(X, y)):
            if isinstance(x, (str, bytes, Value)) or not hasattr(x, "__iter__"):
                raise TypeError(
                    f"compile=True feeds each sample's numbers to the replay as its inputs, so a sample "
                    f"must be a list of numbers; sample {i} is a {type(x).__name__}"
                )
            x = list(x)
            if self.n_inputs is None:
                self.n_inputs = len(x)
            elif len(x) != self.n_inputs:
                raise ValueError(
                    f"compile=True: sample {i} has {len(x)} inputs, the first one had {self.n_inputs}"
                )
            shape, leaves = _split(t)
            if not runs or runs[-1][0] != shape:
                runs.append((shape, []))
            runs[-1][1].append([*x, *leaves])
        return runs

    def _loss_for(self, shape: Hashable) -> Compiled:
        """The compiled ``loss([model(x)], [t])`` for targets of this shape (made once per shape):
        float numbers are number inputs, ints and bools static inputs (one trace per label)."""
        found = self.losses.get(shape)
        if found is None:
            n, loss, model = self.n_inputs or 0, self.loss, self.model
            kinds = _leaf_kinds(shape)

            def sample_loss(*args: Any) -> Value:
                return loss([model(list(args[:n]))], [_rebuild(shape, iter(args[n:]))])

            found = self.losses[shape] = compile(
                sample_loss,
                params=model,
                numbers=[n + k for k, kind in enumerate(kinds) if kind == "float"],
                static=[n + k for k, kind in enumerate(kinds) if kind != "float"],
                max_traces=MAX_TRACES,
            )
        return found

    def _outputs(self, X: Sequence[Any]) -> list[Any]:
        values = self.forward.batch_call(X)
        return [list(v) if isinstance(v, tuple) else v for v in values]

    def _check(self, X: Sequence[Any], y: Sequence[Any], total: float, grads: list[float] | None) -> None:
        """The first batch: the objective as defined here against ``loss(outputs, targets)``."""
        params = self.model.parameters()
        with enable_grad():
            eager = self.loss([self.model(x) for x in X], list(y))
            if self.penalty is not None:
                eager = eager + self.penalty(self.model)
        expected = backpropagate(eager) if grads is not None else {}
        differs = not _close(eager.data, total) or any(
            not _close(float(expected.get(p, 0.0)), g) for p, g in zip(params, grads or [])
        )
        if differs:
            raise ValueError(
                f"compile=True computes the objective as the {self.reduction} over samples of "
                f"loss([output], [target]) (plus the penalty): {total!r} on the first batch, but "
                f"loss(outputs, targets) gives {eager.data!r} (or other gradients). Pass "
                f"reduction={'sum' if self.reduction == 'mean' else 'mean'!r} if that is how the loss "
                "combines samples; a loss that is not a mean or a sum of per-sample terms needs compile=False"
            )
        self.checked = True


def _close(expected: float, got: float) -> bool:
    if expected == got or (math.isnan(expected) and math.isnan(got)):
        return True
    return math.isclose(expected, got, rel_tol=1e-9, abs_tol=1e-12)
