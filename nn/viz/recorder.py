"""``TrainingRecorder``: keep snapshots of your own training run, then replay it in a browser.

A snapshot is what the model looked like after one step: every weight, the loss, the accuracy
(and the validation numbers when ``fit`` has them). Use it as a ``fit`` callback, or call
``record`` from a loop you wrote yourself::

    recorder = TrainingRecorder(data=(X, y))              # data: the points drawn on the page
    fit(model, X, y, loss=hinge, optimizer=opt, epochs=100, callbacks=[recorder])

    for step in range(100):                               # or by hand
        loss = ...; model.zero_grad(); loss.backward(); ...update...
        recorder.record(model, step, loss)

    recorder.save("run.html")                             # one page: open it, press play

Memory stays bounded on a run of any length: the recorder keeps every ``stride``-th call, starting
with ``stride = every``; when more than ``max_snapshots - 1`` are kept it drops every other one and
doubles the stride, so the kept steps stay evenly spread (calls 0, s, 2s, ...). The latest call is
always kept as well, so the page ends at the final weights: at most ``max_snapshots`` in all.

Recording only reads numbers (``p.data``, the loss): training takes the same steps with and without
it. The decision boundary, the accuracy of a hand-written loop and the step-through pages are
computed when the page is saved, by loading each snapshot's weights into the model for a moment
(a compiled forward pass, see :mod:`autograd.compiled`) and putting the model's own weights back.
"""

from __future__ import annotations

import math
import os
from array import array
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from autograd import Value
from autograd.viz.page import Page, notebook_iframe
from nn.module import Module

if TYPE_CHECKING:
    from nn.train import EpochLog


@dataclass
class Snapshot:
    """The model after one recorded step: ``weights`` holds every parameter's value in
    ``model.parameters()`` order; the numbers are ``None`` where the run did not report them."""

    step: int
    loss: float
    accuracy: float | None
    val_loss: float | None
    val_accuracy: float | None
    weights: array[float]


def _optional_float(x: object, name: str) -> float | None:
    if x is None:
        return None
    if isinstance(x, Value):
        return x.data
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        try:
            return float(x)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            raise TypeError(f"TrainingRecorder: {name} must be a number or a Value, got {x!r}") from None
    return float(x)


def _finite_rows(X: Sequence[Any]) -> list[list[float]]:
    """``X`` as lists of floats; a sample that is not a list of finite numbers is a ``ValueError``."""
    rows = []
    for i, x in enumerate(X):
        try:
            row = [float(v) for v in x]
        except (TypeError, ValueError):
            raise ValueError(
                f"TrainingRecorder: data sample {i} is not a list of numbers: {x!r:.60}"
            ) from None
        if not all(math.isfinite(v) for v in row):
            raise ValueError(
                f"TrainingRecorder: data sample {i} holds a number that is not finite: {row!r:.60}"
            )
        rows.append(row)
    return rows


def _count(n: object, name: str) -> int:
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"TrainingRecorder: {name} must be an int >= 1, got {n!r}")
    return n


class TrainingRecorder:
    """Snapshots of a training run, replayed by a self-contained HTML page.

    Args:
        every: record every ``every``-th step (call); the latest is always kept too.
        max_snapshots: the most snapshots kept (>= 2); a longer run is thinned evenly.
        data: ``(X, y)``: the points the page draws over the decision boundary (2-D inputs), the
            data a hand-written loop's accuracy is computed on, and where the step-through's sample
            comes from. ``fit``'s own accuracy is used when it reports one.
        loss: ``loss(outputs, targets) -> Value`` for the step-through of one sample (``fit``
            tells the recorder its loss; a hand-written loop passes it here).
        grid: cells per side of the decision-boundary picture.
        stepthroughs: how many recorded steps get a neuron-level step-through of one sample
            (``nn.viz.network_stepthrough``; evenly spread, the last included; ``0`` for none). Each
            adds its page to the replay page (about 1 MB for micrograd's 337-weight network), so the
            default is one; a step-through over 1.5 MB packed is left out, with a note.
        sample: which sample of ``data`` the step-through follows.
        image_shape: ``(rows, columns)`` when each input is an image read row by row (``(8, 8)``
            for the digits): the page then shows each first-layer neuron's weights as that image.
        title: the page's title.
    """

    def __init__(
        self,
        every: int = 1,
        max_snapshots: int = 200,
        *,
        data: tuple[Sequence[Any], Sequence[Any]] | None = None,
        loss: Any = None,
        grid: int = 32,
        stepthroughs: int = 1,
        sample: int = 0,
        image_shape: tuple[int, int] | None = None,
        title: str = "chainrule: a training run, replayed",
    ) -> None:
        self.every = _count(every, "every")
        self.max_snapshots = _count(max_snapshots, "max_snapshots")
        if self.max_snapshots < 2:
            raise ValueError(
                f"TrainingRecorder: max_snapshots must be >= 2 (first and last), got {max_snapshots}"
            )
        if data is not None:
            if not isinstance(data, tuple) or len(data) != 2 or len(data[0]) != len(data[1]) or not data[0]:
                raise ValueError("TrainingRecorder: data must be a pair (X, y) of equal, non-zero lengths")
            data = (_finite_rows(data[0]), list(data[1]))
        self.data = data
        self.loss_fn = loss
        self.grid = _count(grid, "grid")
        if isinstance(stepthroughs, bool) or not isinstance(stepthroughs, int) or stepthroughs < 0:
            raise ValueError(f"TrainingRecorder: stepthroughs must be an int >= 0, got {stepthroughs!r}")
        self.stepthroughs = stepthroughs
        if data is not None and not 0 <= sample < len(data[0]):
            raise ValueError(
                f"TrainingRecorder: sample {sample} is not an index into the {len(data[0])} samples"
            )
        self.sample = sample
        if image_shape is not None and (
            len(image_shape) != 2 or not all(isinstance(n, int) and n >= 1 for n in image_shape)
        ):
            raise ValueError(f"TrainingRecorder: image_shape must be (rows, columns), got {image_shape!r}")
        self.image_shape = image_shape
        self.title = str(title)
        self.unit = "step"  # what a recorded step counts: "epoch" when fit calls the recorder
        self.model: Module | None = None
        self._params: list[Value] = []
        self.stride = self.every  # keep the calls 0, stride, 2 stride, ...
        self.calls = 0
        self._kept: list[tuple[int, Snapshot]] = []  # (call index, snapshot)
        self._latest: tuple[int, Snapshot] | None = None

    # -- recording ----------------------------------------------------------------------------------

    def __call__(self, log: EpochLog) -> None:
        """The ``fit`` callback: record the model after epoch ``log.epoch`` (never stops training)."""
        trainer = log.trainer
        self.unit = "epoch"
        if self.loss_fn is None:
            self.loss_fn = trainer.loss
        self.record(
            trainer.model,
            log.epoch,
            log.loss,
            accuracy=log.accuracy,
            val_loss=log.val_loss,
            val_accuracy=log.val_accuracy,
        )

    def record(
        self,
        model: Module,
        step: int,
        loss: float | Value,
        *,
        accuracy: float | None = None,
        val_loss: float | None = None,
        val_accuracy: float | None = None,
    ) -> None:
        """Record ``model`` after ``step`` with its ``loss`` (a number or a ``Value``); kept or
        skipped by the stride, and kept as the latest either way. Reads numbers only."""
        if not isinstance(model, Module):
            raise TypeError(
                f"TrainingRecorder.record: model must be an nn Module, got {type(model).__name__}"
            )
        if self.model is None:
            self.model, self._params = model, model.parameters()  # a stable order (Module's contract)
        elif model is not self.model:
            raise ValueError(
                "TrainingRecorder.record: this recorder follows one model; make a new one for another"
            )
        if isinstance(step, bool) or not isinstance(step, int):
            raise TypeError(f"TrainingRecorder.record: step must be an int, got {step!r}")
        loss_number = _optional_float(loss, "loss")
        assert loss_number is not None
        snapshot = Snapshot(
            step,
            loss_number,
            _optional_float(accuracy, "accuracy"),
            _optional_float(val_loss, "val_loss"),
            _optional_float(val_accuracy, "val_accuracy"),
            array("d", [p.data for p in self._params]),
        )
        call, self.calls = self.calls, self.calls + 1
        self._latest = (call, snapshot)
        if call % self.stride == 0:
            self._kept.append((call, snapshot))
            if len(self._kept) > self.max_snapshots - 1:
                self.stride *= 2
                self._kept = [kept for kept in self._kept if kept[0] % self.stride == 0]

    @property
    def snapshots(self) -> list[Snapshot]:
        """The kept snapshots in step order, the latest included."""
        kept = [snapshot for _, snapshot in self._kept]
        if self._latest is not None and (not self._kept or self._kept[-1][0] != self._latest[0]):
            kept.append(self._latest[1])
        return kept

    @property
    def steps(self) -> list[int]:
        return [s.step for s in self.snapshots]

    @property
    def losses(self) -> list[float]:
        return [s.loss for s in self.snapshots]

    # -- the page -----------------------------------------------------------------------------------

    def html(self) -> str:
        """The replay page as one self-contained HTML string (see :meth:`save`)."""
        from nn.viz.replay import replay_html

        if self.model is None:
            raise ValueError(
                "TrainingRecorder: nothing recorded yet; pass it to fit(callbacks=[...]) or call record"
            )
        return replay_html(self)

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the replay page: one HTML file, no server, no network. The network with its
        weights (blue positive, orange negative, thicker is larger), the loss and accuracy curves with
        a cursor, for 2-D inputs the decision boundary and the data, play / pause / slider / arrow
        keys, and a step-through of one sample at a few recorded steps."""
        return Page(self.html(), self.title).save(path)

    def _repr_html_(self) -> str:
        """The page in a sandboxed ``<iframe srcdoc>``: its script and styles never touch the notebook."""
        return notebook_iframe(self.html(), self.title, height=760)

    def __repr__(self) -> str:
        return (
            f"TrainingRecorder({len(self.snapshots)} snapshots of {self.calls} steps, every {self.stride}, "
            f"max {self.max_snapshots})"
        )


def is_finite(x: float | None) -> bool:
    return x is not None and math.isfinite(x)
