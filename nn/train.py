"""A small training loop: ``fit(model, X, y, loss=..., optimizer=..., epochs=...)``.

It does what the hand-written loop does, once per batch::

    optimizer.zero_grad()
    loss = loss_fn([model(x) for x in X_batch], y_batch) + penalty(model)   # Trainer.objective
    loss.backward()                                                         # Trainer.compute_gradients
    optimizer.step(); schedule.step()                                       # Trainer.train_step

and adds batching, a history of loss and accuracy per epoch, validation, early stopping, callbacks
and progress output (a tqdm bar when tqdm is installed and the output is a terminal, otherwise one
plain line per epoch, e.g. in CI logs).

**compile=True** gets the same numbers from the engine's compiled replay instead of building a
graph at every step (:mod:`nn.replay`): the objective is defined per sample,
``reduction_i loss([model(x_i)], [t_i]) + penalty(model)``, and one sample's loss is traced and
rerun as straight-line float code over the rows of each batch, behind the guards of
:mod:`autograd.compiled`. It gives the eager loss history and weights, or refuses before the first
step.

Any other way to get the gradients plugs in at one place: override ``Trainer.compute_gradients``
or pass ``step_fn``. For example a compiled replay of the whole batch as one graph::

    from autograd.compiled import compile

    trainer = Trainer(model, hinge, optimizer)
    replay = compile(lambda: trainer.objective(X, y)[0], params=model)

    def step_fn(X_batch, y_batch):
        model.zero_grad()
        return StepResult(replay.backward())   # loss; grads accumulated into p.grad

    trainer.step_fn = step_fn
    trainer.fit(X, y, epochs=100)
"""

from __future__ import annotations

import contextlib
import gc
import math
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, TextIO

from autograd import TraceError, Value, no_grad
from nn.data import Batches
from nn.metrics import accuracy
from nn.module import Module
from nn.optim import Optimizer, clip_grad_norm
from nn.replay import REDUCTIONS, SampleReplay, refuse_dropout, rows_without_columns
from nn.schedules import Schedule

LossFn = Callable[[list[Any], list[Any]], Value]
Metric = Callable[[list[Any], list[Any]], float]


@dataclass
class StepResult:
    """What one gradient computation reports: the objective's value on the batch and the model's
    outputs for each sample as plain floats (a float, or a list of floats per sample). A step
    function that cannot report outputs leaves them ``None``; then no training accuracy is recorded."""

    loss: float
    outputs: list[Any] | None = None


StepFn = Callable[[list[Any], list[Any]], StepResult]


@dataclass
class EpochLog:
    """What a callback receives after each epoch (``epoch`` counts from 1)."""

    epoch: int
    loss: float
    accuracy: float | None
    val_loss: float | None
    val_accuracy: float | None
    lr: float
    seconds: float
    trainer: Trainer

    def summary(self, epochs: int) -> str:
        """One line: ``epoch 3/100  loss 0.2989  accuracy 85.0%  lr 0.97  (0.18s)``."""
        parts = [f"epoch {self.epoch}/{epochs}", f"loss {self.loss:.4f}"]
        if self.accuracy is not None:
            parts.append(f"accuracy {self.accuracy:.1%}")
        if self.val_loss is not None:
            parts.append(f"val_loss {self.val_loss:.4f}")
        if self.val_accuracy is not None:
            parts.append(f"val_accuracy {self.val_accuracy:.1%}")
        parts.append(f"lr {self.lr:.4g}")
        return "  ".join(parts) + f"  ({self.seconds:.2f}s)"


@dataclass
class History:
    """Per-epoch records from ``fit`` (``val_*`` stay empty without validation data, ``accuracy``
    without a metric). ``stop_reason`` is ``None`` when all epochs ran, else ``"early_stopping"``
    or ``"callback"``; ``best_epoch`` is set with early stopping."""

    loss: list[float] = field(default_factory=list)
    accuracy: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    val_accuracy: list[float] = field(default_factory=list)
    lr: list[float] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)
    stop_reason: str | None = None
    best_epoch: int | None = None

    @property
    def epochs(self) -> int:
        """How many epochs ran."""
        return len(self.loss)


@dataclass
class EarlyStopping:
    """Stop when ``monitor`` has not improved by more than ``min_delta`` for ``patience`` epochs.

    ``monitor`` is ``"loss"``, ``"accuracy"``, ``"val_loss"`` or ``"val_accuracy"`` (losses must go
    down, accuracies up); ``"auto"`` means ``val_loss`` with validation data, else ``loss``. With
    ``restore_best`` the model ends with the weights of the best epoch.
    """

    patience: int = 5
    min_delta: float = 0.0
    monitor: str = "auto"
    restore_best: bool = True

    def __post_init__(self) -> None:
        if isinstance(self.patience, bool) or not isinstance(self.patience, int) or self.patience < 1:
            raise ValueError(f"EarlyStopping patience must be an int >= 1, got {self.patience!r}")
        if not self.min_delta >= 0:
            raise ValueError(f"EarlyStopping min_delta must be >= 0, got {self.min_delta!r}")
        choices = ("auto", "loss", "accuracy", "val_loss", "val_accuracy")
        if self.monitor not in choices:
            raise ValueError(f"EarlyStopping monitor must be one of {choices}, got {self.monitor!r}")


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Pause Python's cycle collector. A graph has no reference cycles (reference counting frees it),
    but building one allocates so many objects that the collector runs again and again, scanning the
    growing graph for nothing (the README's speed section measures what pausing it saves)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def as_floats(output: Any) -> Any:
    """A model output with every ``Value`` replaced by its number (a float or a list of floats)."""
    if isinstance(output, Value):
        return output.data
    if isinstance(output, (list, tuple)):
        return [as_floats(o) for o in output]
    return float(output)


def _looks_like_labels(targets: Sequence[Any]) -> bool:
    return all(
        not isinstance(t, bool) and isinstance(t, (int, float)) and float(t).is_integer() for t in targets
    )


def _fallback(error: TraceError) -> TraceError:
    return TraceError(
        f"compile=True cannot replay this model and loss: {error}. Train with compile=False "
        "(the eager engine builds the graph at every step, so it has none of these limits)"
    )


def _output_activation(model: Module) -> str | None:
    last = None
    for module in model.modules():
        if isinstance(getattr(module, "activation", None), str):
            last = module.activation  # type: ignore[attr-defined]
    return last


class Trainer:
    """The training loop's parts, each overridable: ``objective`` (the graph), ``compute_gradients``
    (fill ``.grad``), ``train_step`` (gradients then update), ``evaluate`` and ``fit``.

    Args:
        model: any ``Module``; ``model(x)`` is called on each sample.
        loss: ``loss(outputs, targets) -> Value``, e.g. ``nn.losses.hinge``.
        optimizer: an ``nn.optim`` optimizer over ``model.parameters()``.
        penalty: optional ``penalty(model) -> Value`` added to the loss, e.g.
            ``lambda m: l2_penalty(m.parameters(), lam=0.02, n=len(X))``.
        schedule: optional learning-rate schedule, stepped after every optimizer step.
        clip_norm: optional maximum global gradient norm (see ``clip_grad_norm``).
        metric: ``metric(outputs, targets) -> float`` on float outputs; ``"auto"`` uses
            ``nn.metrics.accuracy`` when the targets are class labels (threshold 0.5 when the model
            ends in a sigmoid), and no metric for regression targets; ``None`` for none.
        step_fn: optional replacement for ``compute_gradients`` (see there).
        compile: get the gradients (and the validation numbers) from compiled replays of one
            sample's loss instead of building a graph at every step: the same numbers, faster
            (:mod:`nn.replay` says exactly how; the README's speed section measures it). The objective is then
            ``reduction_i loss([output_i], [target_i]) + penalty``, compared with
            ``loss(outputs, targets)`` on the first batch: a mismatch is a ``ValueError`` before the
            first step. A sample whose numbers send the loss or the model down another Python path
            is replayed by another trace; what cannot be replayed raises
            :class:`~autograd.compiled.TraceError` naming the line and ``compile=False``.
        reduction: with ``compile=True``, how the per-sample losses combine: ``"mean"`` (the
            default, as ``nn.losses`` do) or ``"sum"``.
    """

    def __init__(
        self,
        model: Module,
        loss: LossFn,
        optimizer: Optimizer,
        *,
        penalty: Callable[[Module], Value] | None = None,
        schedule: Schedule | None = None,
        clip_norm: float | None = None,
        metric: Metric | str | None = "auto",
        step_fn: StepFn | None = None,
        compile: bool = False,
        reduction: str = "mean",
    ) -> None:
        if not isinstance(model, Module):
            raise TypeError(f"model must be an nn Module, got {type(model).__name__}")
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"optimizer must be an nn.optim optimizer, got {type(optimizer).__name__}")
        if not callable(loss):
            raise TypeError(f"loss must be a function (outputs, targets) -> Value, got {type(loss).__name__}")
        if metric is not None and not callable(metric) and metric != "auto":
            raise ValueError(f"metric must be a function, 'auto' or None, got {metric!r}")
        if not isinstance(compile, bool):
            raise TypeError(f"compile must be True or False, got {compile!r}")
        if compile and step_fn is not None:
            raise ValueError("pass step_fn or compile=True, not both: each replaces the gradient computation")
        if reduction not in REDUCTIONS:
            raise ValueError(f"reduction must be one of {REDUCTIONS}, got {reduction!r}")
        if compile:
            refuse_dropout(model)  # fit trains in training mode
        self.model = model
        self.loss = loss
        self.optimizer = optimizer
        self.penalty = penalty
        self.schedule = schedule
        self.clip_norm = clip_norm
        self.metric = metric
        self.step_fn = step_fn
        self.compile = compile
        self.reduction = reduction
        self._replays: dict[bool, SampleReplay] = {}  # one per mode (model.training), traced lazily

    # -- one step -----------------------------------------------------------------------------------

    def objective(self, X: Sequence[Any], y: Sequence[Any]) -> tuple[Value, list[Any]]:
        """Build the graph: ``(loss(outputs, y) + penalty(model), outputs)``."""
        outputs = [self.model(x) for x in X]
        total = self.loss(outputs, list(y))
        if self.penalty is not None:
            total = total + self.penalty(self.model)
        return total, outputs

    def compute_gradients(self, X: Sequence[Any], y: Sequence[Any]) -> StepResult:
        """Set every parameter's ``.grad`` to d(objective)/d(parameter) on this batch; return the
        objective's value and the outputs as floats. This is the one place a faster gradient
        computation plugs in (``step_fn``): it must honour the same contract."""
        if self.step_fn is not None:
            return self.step_fn(list(X), list(y))
        self.optimizer.zero_grad()
        if self.compile:
            try:
                return StepResult(*self._replay().backward(X, y, outputs=self._has_metric(y)))
            except TraceError as error:
                raise _fallback(error) from error
        total, outputs = self.objective(X, y)
        total.backward()
        return StepResult(total.data, [as_floats(o) for o in outputs])

    def train_step(self, X: Sequence[Any], y: Sequence[Any]) -> StepResult:
        """One optimization step on a batch: gradients, optional clipping, update, schedule."""
        with gc_paused():
            result = self.compute_gradients(X, y)
        if self.clip_norm is not None:
            clip_grad_norm(self.optimizer.params, self.clip_norm)
        self.optimizer.step()
        if self.schedule is not None:
            self.schedule.step()
        return result

    def evaluate(self, X: Sequence[Any], y: Sequence[Any]) -> tuple[float, float | None]:
        """``(objective, metric)`` on a data set in eval mode, recording no graph."""
        metric = self._metric(y)
        was_training = self.model.training
        self.model.eval()
        try:
            with no_grad(), gc_paused():
                if self.compile:
                    try:
                        loss, values = self._replay().evaluate(X, y, outputs=metric is not None)
                    except TraceError as error:
                        raise _fallback(error) from error
                else:
                    total, outputs = self.objective(X, y)
                    loss, values = total.data, [as_floats(o) for o in outputs]
        finally:
            self.model.train(was_training)
        return loss, None if metric is None or values is None else metric(values, list(y))

    def _replay(self) -> SampleReplay:
        """The compiled replays for the model's current mode (made again if the parts changed)."""
        replay = self._replays.get(self.model.training)
        parts = (self.model, self.loss, self.penalty, self.reduction)
        if replay is None or any(a is not b for a, b in zip(replay.parts(), parts)):
            replay = self._replays[self.model.training] = SampleReplay(*parts)
        return replay

    def _has_metric(self, targets: Sequence[Any]) -> bool:
        """``_metric(targets) is not None``, without looking at the model."""
        return self.metric is not None and (self.metric != "auto" or _looks_like_labels(targets))

    def _metric(self, targets: Sequence[Any]) -> Metric | None:
        if self.metric != "auto":
            return self.metric  # type: ignore[return-value]
        if not _looks_like_labels(targets):
            return None
        threshold = 0.5 if _output_activation(self.model) == "sigmoid" else 0.0
        return lambda outputs, y: accuracy(outputs, y, threshold)

    # -- the loop -----------------------------------------------------------------------------------

    def fit(
        self,
        X: Sequence[Any],
        y: Sequence[Any],
        *,
        epochs: int = 1,
        batch_size: int | None = None,
        shuffle: bool = True,
        seed: int | None = None,
        validation_data: tuple[Sequence[Any], Sequence[Any]] | None = None,
        early_stopping: EarlyStopping | None = None,
        callbacks: Sequence[Callable[[EpochLog], Any]] = (),
        progress: bool | str = "auto",
        log_every: int = 1,
        file: TextIO | None = None,
    ) -> History:
        """Train for ``epochs`` passes over ``(X, y)``; see :func:`fit` for the arguments."""
        if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 1:
            raise ValueError(f"epochs must be an int >= 1, got {epochs!r}")
        if isinstance(log_every, bool) or not isinstance(log_every, int) or log_every < 1:
            raise ValueError(f"log_every must be an int >= 1, got {log_every!r}")
        batches = Batches(X, y, batch_size, shuffle=shuffle and batch_size is not None, seed=seed)
        metric = self._metric(y)
        monitor = _monitor_name(early_stopping, validation_data)
        if monitor.endswith("accuracy") and metric is None:
            raise ValueError(f"early stopping monitors {monitor!r}, but there is no metric to compute it")
        reporter = _Reporter(progress, epochs, log_every, file if file is not None else sys.stdout)
        if self.compile and rows_without_columns(batch_size or len(X)):
            reporter.message(
                "note: NumPy is not installed, so compile=True replays the samples one by one; "
                'pip install "chainrule[fast]" replays each batch over columns'
            )
        history = History()
        best_value, best_state, waited = math.inf, None, 0
        was_training = self.model.training
        self.model.train()
        try:
            for epoch in range(1, epochs + 1):
                log = self._run_epoch(epoch, batches, metric, validation_data)
                _record(history, log)
                reporter.epoch_done(log)

                if early_stopping is not None:
                    value = _monitored_value(log, monitor)
                    if value < best_value - early_stopping.min_delta:
                        best_value, waited, history.best_epoch = value, 0, epoch
                        if early_stopping.restore_best:
                            best_state = self.model.state_dict()
                    else:
                        waited += 1
                        if waited >= early_stopping.patience:
                            history.stop_reason = "early_stopping"
                if any([callback(log) is True for callback in callbacks]):
                    history.stop_reason = history.stop_reason or "callback"
                if history.stop_reason:
                    reporter.message(f"stopping after epoch {epoch}: {history.stop_reason}")
                    break
        finally:
            reporter.close()
            self.model.train(was_training)
        if best_state is not None and history.best_epoch != history.epochs:
            self.model.load_state_dict(best_state)
            reporter.message(f"restored the weights of epoch {history.best_epoch} (best {monitor})")
        return history

    def _run_epoch(
        self,
        epoch: int,
        batches: Batches,
        metric: Metric | None,
        validation_data: tuple[Sequence[Any], Sequence[Any]] | None,
    ) -> EpochLog:
        """One pass over the batches: a step per batch; the epoch's loss is the sample-weighted mean."""
        start = time.perf_counter()
        lr = self.optimizer.lr
        loss_sum, count, outputs, targets = 0.0, 0, [], []
        for X_batch, y_batch in batches:
            result = self.train_step(X_batch, y_batch)
            loss_sum += result.loss * len(X_batch)
            count += len(X_batch)
            if result.outputs is not None:
                outputs += result.outputs
                targets += y_batch
        log = EpochLog(epoch, loss_sum / count, None, None, None, lr, 0.0, self)
        if metric is not None and outputs:
            log.accuracy = metric(outputs, targets)
        if validation_data is not None:
            log.val_loss, log.val_accuracy = self.evaluate(*validation_data)
        log.seconds = time.perf_counter() - start
        return log


def _monitor_name(early_stopping: EarlyStopping | None, validation_data: object) -> str:
    if early_stopping is None:
        return ""
    monitor = early_stopping.monitor
    if monitor == "auto":
        return "val_loss" if validation_data is not None else "loss"
    if monitor.startswith("val_") and validation_data is None:
        raise ValueError(f"early stopping on {monitor!r} needs validation_data")
    return monitor


def _monitored_value(log: EpochLog, monitor: str) -> float:
    """The monitored number, signed so that lower is better."""
    value = getattr(log, monitor)
    if value is None:
        raise ValueError(f"early stopping monitors {monitor!r}, but there is no metric to compute it")
    return float(-value if monitor.endswith("accuracy") else value)


def _record(history: History, log: EpochLog) -> None:
    history.loss.append(log.loss)
    history.lr.append(log.lr)
    history.seconds.append(log.seconds)
    if log.accuracy is not None:
        history.accuracy.append(log.accuracy)
    if log.val_loss is not None:
        history.val_loss.append(log.val_loss)
    if log.val_accuracy is not None:
        history.val_accuracy.append(log.val_accuracy)


class _Reporter:
    """Progress output: a tqdm bar on a terminal when tqdm is installed, else plain lines."""

    def __init__(self, progress: bool | str, epochs: int, log_every: int, file: TextIO) -> None:
        modes = (True, False, "auto", "bar", "lines", "none")
        if progress not in modes:
            raise ValueError(f"progress must be one of {modes}, got {progress!r}")
        self.epochs, self.log_every, self.file = epochs, log_every, file
        self.bar: Any = None
        mode = "auto" if progress is True else "none" if progress is False else progress
        if mode in ("auto", "bar"):
            tqdm = _import_tqdm()
            is_terminal = getattr(file, "isatty", lambda: False)()
            if tqdm is not None and (is_terminal or mode == "bar"):
                self.bar = tqdm(total=epochs, file=file, unit="epoch", dynamic_ncols=True)
            mode = "bar" if self.bar is not None else "lines"
        self.mode = mode

    def epoch_done(self, log: EpochLog) -> None:
        if self.bar is not None:
            postfix = {"loss": f"{log.loss:.4f}"}
            if log.accuracy is not None:
                postfix["acc"] = f"{log.accuracy:.1%}"
            if log.val_loss is not None:
                postfix["val_loss"] = f"{log.val_loss:.4f}"
            self.bar.set_postfix(postfix, refresh=False)
            self.bar.update(1)
        elif self.mode == "lines" and (log.epoch % self.log_every == 0 or log.epoch == self.epochs):
            print(log.summary(self.epochs), file=self.file, flush=True)

    def message(self, text: str) -> None:
        if self.bar is not None:
            self.bar.write(text, file=self.file)
        elif self.mode == "lines":
            print(text, file=self.file, flush=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def _import_tqdm() -> Any:
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return None
    return tqdm


def fit(
    model: Module,
    X: Sequence[Any],
    y: Sequence[Any],
    *,
    loss: LossFn,
    optimizer: Optimizer,
    epochs: int = 1,
    batch_size: int | None = None,
    shuffle: bool = True,
    seed: int | None = None,
    penalty: Callable[[Module], Value] | None = None,
    schedule: Schedule | None = None,
    clip_norm: float | None = None,
    metric: Metric | str | None = "auto",
    validation_data: tuple[Sequence[Any], Sequence[Any]] | None = None,
    early_stopping: EarlyStopping | None = None,
    callbacks: Sequence[Callable[[EpochLog], Any]] = (),
    progress: bool | str = "auto",
    log_every: int = 1,
    file: TextIO | None = None,
    step_fn: StepFn | None = None,
    compile: bool = False,
    reduction: str = "mean",
) -> History:
    """Train ``model`` on ``(X, y)`` and return the per-epoch ``History``.

    Args:
        loss, optimizer, penalty, schedule, clip_norm, metric, step_fn: see :class:`Trainer`.
        compile: ``True`` to train through compiled replays of one sample's loss (the same
            numbers, faster; see :class:`Trainer` for what it needs and refuses).
        reduction: with ``compile=True``, ``"mean"`` or ``"sum"`` of the per-sample losses.
        epochs: passes over the data.
        batch_size: ``None`` for full-batch gradient descent (the default), ``1`` for one sample at
            a time (SGD), anything else for mini-batches; shuffled each epoch unless
            ``shuffle=False``, reproducibly for a given ``seed``.
        validation_data: ``(X_val, y_val)`` to evaluate after each epoch (eval mode, no graph).
        early_stopping: an :class:`EarlyStopping`, or ``None`` to run every epoch.
        callbacks: functions called with an :class:`EpochLog` after each epoch; return ``True`` to
            stop training.
        progress: ``"auto"`` (tqdm bar on a terminal when tqdm is installed, else a line per
            epoch), ``"bar"``, ``"lines"``, or ``False``/``"none"`` for silence.
        log_every: with lines, print every ``log_every``-th epoch (and the last).
        file: where progress goes (default ``sys.stdout``).
    """
    trainer = Trainer(
        model, loss, optimizer, penalty=penalty, schedule=schedule, clip_norm=clip_norm, metric=metric,
        step_fn=step_fn, compile=compile, reduction=reduction,
    )  # fmt: skip
    return trainer.fit(
        X, y, epochs=epochs, batch_size=batch_size, shuffle=shuffle, seed=seed,
        validation_data=validation_data, early_stopping=early_stopping, callbacks=callbacks,
        progress=progress, log_every=log_every, file=file,
    )  # fmt: skip
