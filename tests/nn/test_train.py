"""fit / Trainer: the loop's bookkeeping, its hooks, and the acceptance results (moons, XOR, sine,
spiral), each with a fixed seed."""

import functools
import gc
import io
import math
import time
from collections.abc import Callable, Sequence
from typing import Any, ClassVar

import pytest

from autograd import TraceError, Value, no_grad
from nn import (
    MLP,
    Dropout,
    EarlyStopping,
    History,
    Layer,
    Module,
    Sequential,
    StepResult,
    Trainer,
    fit,
    l2_penalty,
)
from nn.data import make_moons, make_sine, make_spiral, make_xor
from nn.losses import binary_cross_entropy, cross_entropy, hinge, mse
from nn.metrics import accuracy
from nn.optim import SGD, Adam
from nn.schedules import LinearDecay

# -- the loop ---------------------------------------------------------------------------------------


def small_moons(n: int = 20) -> tuple[list[list[float]], list[int]]:
    X, y = make_moons(n, noise=0.1, seed=0)
    return X, [2 * t - 1 for t in y]


def test_fit_takes_the_same_steps_as_the_hand_written_loop() -> None:
    X, y = small_moons()

    def penalty(model):  # type: ignore[no-untyped-def]
        return l2_penalty(model.parameters(), lam=0.02, n=len(X))

    model = MLP(2, [4, 1], seed=0)
    optimizer = SGD(model.parameters(), lr=1.0)
    schedule = LinearDecay(optimizer, end_lr=0.1, total_steps=3)
    history = fit(
        model,
        X,
        y,
        loss=hinge,
        optimizer=optimizer,
        epochs=3,
        penalty=penalty,
        schedule=schedule,
        progress=False,
    )

    by_hand = MLP(2, [4, 1], seed=0)
    losses = []
    for k in range(3):
        scores = [by_hand(x) for x in X]
        loss = hinge(scores, y) + penalty(by_hand)
        by_hand.zero_grad()
        loss.backward()
        for p in by_hand.parameters():
            p.data -= (1.0 - 0.9 * k / 3) * p.grad
        losses.append(loss.data)

    assert model.state_dict() == by_hand.state_dict()
    assert history.loss == pytest.approx(losses, rel=1e-15)
    assert history.lr == pytest.approx([1.0, 0.7, 0.4])
    assert history.epochs == 3 and len(history.accuracy) == 3 and history.stop_reason is None


def test_mini_batches_and_one_sample_at_a_time() -> None:
    X, y = small_moons()
    model = MLP(2, [3, 1], seed=0)
    optimizer = SGD(model.parameters(), lr=0.1)
    fit(model, X, y, loss=hinge, optimizer=optimizer, epochs=2, batch_size=8, seed=0, progress=False)
    assert optimizer.step_count == 2 * 3  # 8 + 8 + 4 per epoch
    fit(model, X, y, loss=hinge, optimizer=optimizer, epochs=1, batch_size=1, seed=0, progress=False)
    assert optimizer.step_count == 6 + 20


def test_mini_batch_training_is_reproducible_with_a_seed() -> None:
    X, y = small_moons()
    states = []
    for _ in range(2):
        model = MLP(2, [3, 1], seed=0)
        fit(
            model,
            X,
            y,
            loss=hinge,
            optimizer=SGD(model.parameters(), lr=0.1),
            epochs=2,
            batch_size=5,
            seed=4,
            progress=False,
        )
        states.append(model.state_dict())
    assert states[0] == states[1]


def test_validation_data_is_evaluated_in_eval_mode_without_a_graph() -> None:
    X, y = small_moons()
    model = Sequential(Layer(2, 8, seed=0), Dropout(0.5, seed=0), Layer(8, 1, None, seed=1))
    trainer = Trainer(model, hinge, SGD(model.parameters(), lr=0.1))
    history = trainer.fit(X, y, epochs=2, validation_data=(X, y), progress=False)
    assert len(history.val_loss) == len(history.val_accuracy) == 2
    assert model.training  # the mode it had before
    loss, acc = trainer.evaluate(X, y)
    model.eval()
    with no_grad():
        assert loss == hinge([model(x) for x in X], y).data  # dropout off: deterministic
    assert acc == accuracy([model(x).data for x in X], y)  # type: ignore[union-attr]


def test_metric_auto_choice() -> None:
    X, y = make_sine(10, seed=0)
    model = MLP(1, [4, 1], activation="tanh", seed=0)
    history = fit(model, X, y, loss=mse, optimizer=Adam(model.parameters()), progress=False)
    assert history.accuracy == []  # regression targets: no accuracy

    X, labels = make_xor()
    model = MLP(2, [4, 1], output_activation="sigmoid", seed=0)
    for p in model.parameters():
        p.data = 0.0  # every output is sigmoid(0) = 0.5, not above the 0.5 threshold
    history = fit(
        model, X, labels, loss=binary_cross_entropy, optimizer=SGD(model.parameters(), lr=0.0), progress=False
    )
    assert history.accuracy == [0.5]  # threshold 0.5 for a sigmoid output: only the 0 labels are right


def test_early_stopping_stops_and_restores_the_best_weights() -> None:
    model = MLP(1, [1], seed=0)
    p = model.parameters()[0]
    scripted = iter([3.0, 1.0, 2.0, 2.0, 2.0, 2.0])
    epoch = 0

    def step_fn(X, y):  # type: ignore[no-untyped-def]
        nonlocal epoch
        epoch += 1
        model.zero_grad()
        p.data = float(epoch)  # a marker of which epoch the weights come from
        return StepResult(next(scripted))

    history = fit(
        model, [[0.0]], [0.0], loss=mse, optimizer=SGD(model.parameters(), lr=0.1), epochs=10,
        early_stopping=EarlyStopping(patience=3), step_fn=step_fn, progress=False,
    )  # fmt: skip
    assert history.loss == [3.0, 1.0, 2.0, 2.0, 2.0]
    assert history.stop_reason == "early_stopping" and history.best_epoch == 2
    assert p.data == 2.0  # restored


def test_early_stopping_on_a_plateau() -> None:
    X, y = small_moons()
    model = MLP(2, [3, 1], seed=0)
    history = fit(
        model, X, y, loss=hinge, optimizer=SGD(model.parameters(), lr=0.0), epochs=50,
        early_stopping=EarlyStopping(patience=2, monitor="accuracy"), progress=False,
    )  # fmt: skip
    assert history.epochs == 3 and history.best_epoch == 1
    with pytest.raises(ValueError, match="needs validation_data"):
        fit(model, X, y, loss=hinge, optimizer=SGD(model.parameters(), lr=0.0),
            early_stopping=EarlyStopping(monitor="val_loss"), progress=False)  # fmt: skip
    with pytest.raises(ValueError, match="no metric"):
        fit(model, X, y, loss=hinge, optimizer=SGD(model.parameters(), lr=0.0), metric=None,
            early_stopping=EarlyStopping(monitor="accuracy"), progress=False)  # fmt: skip
    with pytest.raises(ValueError, match="patience"):
        EarlyStopping(patience=0)


def test_callbacks_see_each_epoch_and_can_stop() -> None:
    X, y = small_moons()
    model = MLP(2, [3, 1], seed=0)
    seen = []

    def callback(log):  # type: ignore[no-untyped-def]
        seen.append((log.epoch, log.loss, log.trainer.model is model))
        return log.epoch == 2

    history = fit(model, X, y, loss=hinge, optimizer=SGD(model.parameters(), lr=0.1), epochs=5,
                  callbacks=[callback], progress=False)  # fmt: skip
    assert [e for e, _, _ in seen] == [1, 2] and all(same for _, _, same in seen)
    assert history.epochs == 2 and history.stop_reason == "callback"


def test_a_custom_step_function_replaces_the_gradient_computation() -> None:
    X, y = small_moons()
    model = MLP(2, [3, 1], seed=0)
    trainer = Trainer(model, hinge, SGD(model.parameters(), lr=0.1))
    reference = trainer.compute_gradients(X, y)
    expected_grads = [p.grad for p in model.parameters()]
    calls = []

    def step_fn(X_batch, y_batch):  # type: ignore[no-untyped-def]
        calls.append(len(X_batch))
        return Trainer(model, hinge, trainer.optimizer).compute_gradients(X_batch, y_batch)

    plugged = Trainer(model, hinge, SGD(model.parameters(), lr=0.1), step_fn=step_fn)
    result = plugged.compute_gradients(X, y)
    assert calls == [20] and result.loss == reference.loss
    assert [p.grad for p in model.parameters()] == expected_grads


def test_a_compiled_replay_plugs_in_as_the_step_function() -> None:
    compiled = pytest.importorskip("autograd.compiled")
    X, y = small_moons()

    def train(compiled_step: bool) -> dict[str, list[float]]:
        model = MLP(2, [4, 1], seed=0)
        trainer = Trainer(model, hinge, SGD(model.parameters(), lr=0.5))
        if compiled_step:
            replay = compiled.compile(lambda: trainer.objective(X, y)[0], params=model)

            def step_fn(X_batch, y_batch):  # type: ignore[no-untyped-def]
                model.zero_grad()
                return StepResult(replay.backward())

            trainer.step_fn = step_fn
        history = trainer.fit(X, y, epochs=5, progress=False)
        assert history.epochs == 5 and (history.accuracy == []) == compiled_step
        return model.state_dict()

    eager, replayed = train(False), train(True)
    for key in eager:
        assert replayed[key] == pytest.approx(eager[key], rel=1e-12, abs=1e-15)


def test_trainer_subclass_can_override_one_part() -> None:
    class Counting(Trainer):
        steps = 0

        def compute_gradients(self, X, y):  # type: ignore[no-untyped-def]
            Counting.steps += 1
            return super().compute_gradients(X, y)

    X, y = small_moons()
    model = MLP(2, [3, 1], seed=0)
    Counting(model, hinge, SGD(model.parameters(), lr=0.1)).fit(X, y, epochs=3, progress=False)
    assert Counting.steps == 3


def test_fit_restores_the_garbage_collector() -> None:
    X, y = small_moons()
    model = MLP(2, [3, 1], seed=0)
    fit(model, X, y, loss=hinge, optimizer=SGD(model.parameters(), lr=0.1), progress=False)
    assert gc.isenabled()
    gc.disable()
    try:
        fit(model, X, y, loss=hinge, optimizer=SGD(model.parameters(), lr=0.1), progress=False)
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_bad_arguments() -> None:
    X, y = small_moons()
    model = MLP(2, [3, 1], seed=0)
    optimizer = SGD(model.parameters(), lr=0.1)
    with pytest.raises(ValueError, match="epochs must be an int >= 1"):
        fit(model, X, y, loss=hinge, optimizer=optimizer, epochs=0)
    with pytest.raises(TypeError, match=r"optimizer must be an nn\.optim optimizer"):
        fit(model, X, y, loss=hinge, optimizer="sgd")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="progress must be one of"):
        fit(model, X, y, loss=hinge, optimizer=optimizer, progress="fancy")
    with pytest.raises(ValueError, match="X has 20 samples but y has 3"):
        fit(model, X, y[:3], loss=hinge, optimizer=optimizer)


# -- compile=True: the same training through compiled replays of one sample -------------------------


def moons_pm(n: int = 20, seed: int = 0) -> tuple[list[list[float]], list[int]]:
    X, y = make_moons(n, noise=0.1, seed=seed)
    return X, [2 * t - 1 for t in y]


def squared_error(outputs: list[Any], targets: list[Any]) -> Value:
    """A loss written with plain arithmetic on the target: it takes Value targets too."""
    return sum(((o - t) ** 2 for o, t in zip(outputs, targets)), Value(0.0)) / len(outputs)


def twin_runs(
    make_model: Callable[[], Module],
    X: Sequence[Any],
    y: Sequence[Any],
    loss: Any,
    penalty: Any = None,
    lr: float = 0.5,
    **fit_options: Any,
) -> list[tuple[History, Module, Trainer]]:
    """The same training eagerly, then with compile=True (fresh model and optimizer each)."""
    runs = []
    reduction = fit_options.pop("reduction", "mean")
    for compile in (False, True):
        model = make_model()
        optimizer = SGD(model.parameters(), lr=lr)
        trainer = Trainer(model, loss, optimizer, penalty=penalty, compile=compile, reduction=reduction)
        runs.append((trainer.fit(X, y, progress=False, **fit_options), model, trainer))
    return runs


def assert_same_training(runs: list[tuple[History, Module, Trainer]]) -> None:
    (eager, eager_model, _), (compiled, compiled_model, _) = runs
    assert compiled.epochs == eager.epochs
    assert compiled.loss == pytest.approx(eager.loss, rel=1e-9)
    assert compiled.accuracy == eager.accuracy
    assert compiled.val_loss == pytest.approx(eager.val_loss, rel=1e-9)
    assert compiled.val_accuracy == eager.val_accuracy
    assert compiled.lr == eager.lr
    expected = eager_model.state_dict()
    for key, values in compiled_model.state_dict().items():
        assert values == pytest.approx(expected[key], rel=1e-9, abs=1e-12), key


def l2(model: Module) -> Value:
    return l2_penalty(model.parameters(), lam=0.02, n=20)


def plain_cross_entropy(logits: list[Any], targets: list[int]) -> Value:
    """``mean_i log sum_j e^z_ij - z_it`` without the max shift (small scores only): a custom loss
    written by hand, as users do."""
    terms = [sum((zj.exp() for zj in z), Value(0.0)).log() - z[t] for z, t in zip(logits, targets)]
    return sum(terms, Value(0.0)) / len(terms)


X_SINE, Y_SINE = make_sine(12, noise=0.05, seed=0)
X_XOR, Y_XOR = make_xor(16, noise=0.1, seed=0)
X_SPIRAL, Y_SPIRAL = make_spiral(24, classes=3, noise=0.2, seed=0)
CASES: dict[str, tuple[Callable[[], Module], Sequence[Any], Sequence[Any], dict[str, Any]]] = {
    "hinge full batch": (lambda: MLP(2, [4, 1], seed=0), *moons_pm(), {"loss": hinge, "penalty": l2}),
    "hinge mini-batch": (
        lambda: MLP(2, [4, 1], seed=0), *moons_pm(),
        {"loss": hinge, "penalty": l2, "batch_size": 6, "seed": 1},
    ),
    "hinge one sample at a time": (
        lambda: MLP(2, [4, 1], seed=0), *moons_pm(), {"loss": hinge, "batch_size": 1, "seed": 2, "lr": 0.05}
    ),
    "hinge summed": (
        lambda: MLP(2, [4, 1], seed=0), *moons_pm(),
        {"loss": functools.partial(hinge, reduction="sum"), "reduction": "sum", "batch_size": 8, "seed": 3,
         "lr": 0.02},
    ),
    "mse regression": (
        lambda: MLP(1, [4, 1], activation="tanh", seed=0), X_SINE, Y_SINE,
        {"loss": mse, "batch_size": 5, "seed": 0, "lr": 0.1},
    ),
    "mse two outputs, list targets": (
        lambda: MLP(1, [4, 2], activation="tanh", seed=0), X_SINE, [[t, -t / 2] for t in Y_SINE],
        {"loss": mse, "lr": 0.1},
    ),
    "target as an input": (
        lambda: MLP(1, [4, 1], activation="tanh", seed=0), X_SINE, Y_SINE,
        {"loss": squared_error, "batch_size": 4, "seed": 0, "lr": 0.1},
    ),
    "bce probabilities, 0/1 labels": (
        lambda: MLP(2, [4, 1], output_activation="sigmoid", seed=0), X_XOR, Y_XOR,
        {"loss": binary_cross_entropy, "batch_size": 5, "seed": 0},
    ),
    "bce from logits": (
        lambda: MLP(2, [4, 1], activation="tanh", seed=0), X_XOR, Y_XOR,
        {"loss": functools.partial(binary_cross_entropy, from_logits=True)},
    ),
    "cross-entropy, class indices": (
        lambda: MLP(2, [6, 3], seed=0), X_SPIRAL, Y_SPIRAL,
        {"loss": plain_cross_entropy, "batch_size": 10, "seed": 0, "lr": 0.2},
    ),
}  # fmt: skip


@pytest.mark.parametrize("case", list(CASES))
def test_compiled_training_gives_the_eager_losses_and_weights(case: str) -> None:
    make_model, X, y, options = CASES[case]
    runs = twin_runs(make_model, X, y, epochs=4, **options)
    assert_same_training(runs)
    [compiled] = runs[1][2]._replays[True].losses.values()  # one compiled loss for all samples
    if all(isinstance(t, int) for t in y):  # class labels are static inputs: one trace per label
        assert compiled.n_traces == len(set(y))
    if case == "target as an input":  # (o - t) computes with the number: one trace for every target
        assert compiled.n_traces == 1


def test_nn_cross_entropy_with_compile() -> None:
    """``nn.functional.logsumexp`` keeps its ``max(z)`` shift inside the graph (a tree of ``maximum``),
    so the replay recomputes it for new scores and training matches eager."""
    runs = twin_runs(lambda: MLP(2, [6, 3], seed=0), X_SPIRAL, Y_SPIRAL, cross_entropy, epochs=2)
    assert_same_training(runs)


def huber(outputs: list[Any], targets: list[Any], delta: float = 0.1) -> Value:
    """Huber loss written as users do: a Python branch on the residual's number."""
    terms = []
    for o, t in zip(outputs, targets):
        d = o - t
        terms.append(0.5 * d * d if abs(d.data) <= delta else delta * (abs(d) - 0.5 * delta))
    return sum(terms, Value(0.0)) / len(terms)


CLASS_WEIGHTS = {0: 1.0, 1: 4.0}


def class_weighted(outputs: list[Any], targets: list[Any]) -> Value:
    """Logistic loss with a weight per class, read from the target's number."""
    terms = [CLASS_WEIGHTS[int(t)] * (o.softplus() - t * o) for o, t in zip(outputs, targets)]
    return sum(terms, Value(0.0)) / len(terms)


def test_huber_trains_compiled_as_eagerly() -> None:
    runs = twin_runs(
        lambda: MLP(1, [4, 1], activation="tanh", seed=0), X_SINE, Y_SINE, huber, epochs=5, lr=0.2
    )
    assert_same_training(runs)
    [compiled] = runs[1][2]._replays[True].losses.values()
    assert compiled.n_traces == 2  # |d| <= delta and |d| > delta, each replayed for its samples


@pytest.mark.parametrize("labels", ["int", "float"])
def test_class_weighted_loss_trains_compiled_as_eagerly(labels: str) -> None:
    y = Y_XOR if labels == "int" else [float(t) for t in Y_XOR]
    runs = twin_runs(lambda: MLP(2, [4, 1], activation="tanh", seed=0), X_XOR, y, class_weighted, epochs=4)
    assert_same_training(runs)
    [compiled] = runs[1][2]._replays[True].losses.values()
    assert compiled.n_traces == 2  # a static label or a guard on int(t): one trace per class


@pytest.mark.parametrize("loss", [mse, binary_cross_entropy], ids=["mse", "bce"])
def test_float_targets_train_compiled_in_one_trace(loss: Any) -> None:
    """A float target is a number input: the loss must not fix it to its traced value (mse on a
    regression set was refused after 32 traces when the loss called float() on its target)."""
    y = (
        [0.25 + 0.5 * math.sin(x[0]) for x in X_SINE]
        if loss is mse
        else [0.2 + 0.6 * (x[0] > 0) for x in X_SINE]
    )
    output = "sigmoid" if loss is binary_cross_entropy else None
    runs = twin_runs(
        lambda: MLP(1, [4, 1], activation="tanh", output_activation=output, seed=0), X_SINE, y, loss, epochs=3
    )
    assert_same_training(runs)
    [compiled] = runs[1][2]._replays[True].losses.values()
    assert compiled.n_traces == 1


def test_moons_hinge_and_l2_compiled_are_eager_bit_for_bit() -> None:
    """The replay adds each gradient term in the order backward() does (the penalty's first, then
    the samples' from the last): the weights after training are the same floats."""
    X, y = moons_pm(30, seed=3)
    runs = twin_runs(lambda: MLP(2, [8, 8, 1], seed=0), X, y, hinge, penalty=l2, epochs=5, lr=1.0)
    assert runs[0][1].state_dict() == runs[1][1].state_dict()
    assert runs[0][0].loss == pytest.approx(runs[1][0].loss, rel=1e-12)


def test_compiled_training_keeps_validation_schedules_clipping_and_early_stopping() -> None:
    X, y = moons_pm(30, seed=0)
    X_val, y_val = moons_pm(10, seed=1)
    logs: list[list[tuple[int, float]]] = [[], []]
    histories = []
    for compile in (False, True):
        model = MLP(2, [5, 1], seed=0)
        optimizer = SGD(model.parameters(), lr=2.0)
        history = fit(
            model, X, y, loss=hinge, optimizer=optimizer, epochs=40, batch_size=10, seed=0, penalty=l2,
            schedule=LinearDecay(optimizer, end_lr=0.2, total_steps=120), clip_norm=0.5,
            validation_data=(X_val, y_val), early_stopping=EarlyStopping(patience=3, monitor="val_accuracy"),
            callbacks=[lambda log, k=compile: logs[k].append((log.epoch, log.val_loss))],
            progress=False, compile=compile,
        )  # fmt: skip
        histories.append((history, model, None))
    assert_same_training(histories)  # type: ignore[arg-type]
    eager, compiled = histories[0][0], histories[1][0]
    assert compiled.stop_reason == eager.stop_reason == "early_stopping"
    assert compiled.best_epoch == eager.best_epoch
    assert [e for e, _ in logs[1]] == [e for e, _ in logs[0]]


def test_compiled_evaluate_matches_the_eager_one() -> None:
    X, y = moons_pm()
    model = MLP(2, [4, 1], seed=0)
    eager = Trainer(model, hinge, SGD(model.parameters(), lr=0.1), penalty=l2)
    compiled = Trainer(model, hinge, SGD(model.parameters(), lr=0.1), penalty=l2, compile=True)
    loss, acc = compiled.evaluate(X, y)  # before any training: traced here, in eval mode
    assert loss == pytest.approx(eager.evaluate(X, y)[0], rel=1e-12) and acc == eager.evaluate(X, y)[1]
    assert set(compiled._replays) == {False} and model.training


def test_compile_refuses_dropout() -> None:
    model = Sequential(Layer(2, 4, seed=0), Dropout(0.5, seed=0), Layer(4, 1, None, seed=1))
    X, y = moons_pm()
    with pytest.raises(TraceError, match=r"Dropout\(p=0.5\).*random mask.*compile=False"):
        fit(model, X, y, loss=hinge, optimizer=SGD(model.parameters(), lr=0.1), compile=True)
    no_dropout = Sequential(Layer(2, 4, seed=0), Dropout(0.0), Layer(4, 1, None, seed=1))
    fit(no_dropout, X, y, loss=hinge, optimizer=SGD(no_dropout.parameters(), lr=0.1), compile=True,
        progress=False)  # fmt: skip


def _data(v: Any) -> float:
    return v.data if isinstance(v, Value) else float(v)  # type: ignore[no-any-return]


class BranchOnSign(Module):
    """A graph that depends on the data: ``w x`` for positive x, ``w x^2`` otherwise."""

    def __init__(self) -> None:
        self.w = Value(0.5)

    def __call__(self, x: Sequence[Any]) -> Any:
        return self.w * x[0] if _data(x[0]) > 0 else self.w * x[0] * x[0]


class HiddenWeight(Module):
    """Reads a Value that is not one of its parameters (private attributes are not)."""

    def __init__(self) -> None:
        self.w = Value(0.5)
        self._scale = Value(2.0)

    def __call__(self, x: Sequence[Any]) -> Any:
        return self._scale * self.w * x[0]


def test_what_the_replay_refuses_names_compile_false_as_the_fallback() -> None:
    model = HiddenWeight()
    X, y = [[1.0], [-1.0], [2.0], [-2.0]], [1, 1, -1, -1]
    eager = fit(model, X, y, loss=hinge, optimizer=SGD(model.parameters(), lr=0.1), progress=False)
    assert eager.epochs == 1  # the eager engine trains it
    why = "neither inputs nor declared parameters"
    with pytest.raises(TraceError, match=f"compile=True cannot replay.*{why}.*compile=False"):
        fit(model, X, y, loss=hinge, optimizer=SGD(model.parameters(), lr=0.1), compile=True)


def test_a_model_that_branches_on_its_input_trains_as_eagerly() -> None:
    X, y = [[1.0], [-1.0], [2.0], [-2.0], [0.5]], [1, 1, -1, -1, 1]
    runs = twin_runs(BranchOnSign, X, y, hinge, epochs=3, lr=0.1)
    assert_same_training(runs)
    assert runs[1][2]._replays[True].forward.n_traces == 2  # one trace per branch


def test_compile_refuses_what_it_cannot_split_into_samples() -> None:
    X, y = moons_pm()
    model = MLP(2, [3, 1], seed=0)
    optimizer = SGD(model.parameters(), lr=0.1)
    squared_mean = lambda outputs, targets: hinge(outputs, targets) ** 2  # not a mean of per-sample terms
    before = model.state_dict()
    with pytest.raises(ValueError, match=r"objective as the mean over samples.*needs compile=False"):
        fit(model, X, y, loss=squared_mean, optimizer=optimizer, compile=True)
    assert model.state_dict() == before  # refused before the first step
    X_many, y_many = make_sine(70, seed=0)  # 70 distinct targets, each fixed by float() in the loss
    pinned = lambda outputs, targets: mse(outputs, [float(t) for t in targets])
    regression = MLP(1, [2, 1], seed=0)
    before = regression.state_dict()
    with pytest.raises(TraceError, match=r"none of its 32 traces.*test_train.py:\d+.*compile=False"):
        fit(
            regression,
            X_many,
            y_many,
            loss=pinned,
            optimizer=SGD(regression.parameters(), lr=0.1),
            compile=True,
        )
    assert regression.state_dict() == before
    with pytest.raises(TypeError, match="sample must be a list of numbers"):
        fit(model, [1.0, 2.0], [1, -1], loss=hinge, optimizer=optimizer, compile=True)
    with pytest.raises(ValueError, match="step_fn or compile=True"):
        fit(model, X, y, loss=hinge, optimizer=optimizer, compile=True, step_fn=lambda X, y: StepResult(0.0))
    with pytest.raises(TypeError, match="compile must be True or False"):
        Trainer(model, hinge, optimizer, compile="yes")  # type: ignore[arg-type]


def train_moons_compiled(model: MLP, X: list[list[float]], y: list[int]) -> History:
    """micrograd's 100 steps (hinge + L2, SGD 1.0 -> 0.1) through fit(compile=True)."""
    optimizer = SGD(model.parameters(), lr=1.0)
    return fit(
        model, X, y, loss=hinge, optimizer=optimizer, epochs=100, compile=True,
        penalty=lambda m: l2_penalty(m.parameters(), lam=0.02, n=len(X)),
        schedule=LinearDecay(optimizer, end_lr=0.1, total_steps=100), progress=False,
    )  # fmt: skip


def test_moons_reaches_100_percent_compiled() -> None:
    """micrograd's demo (see test_moons_reaches_100_percent_like_micrograd) through the compiled
    replay: the same 100 steps, about 1 s here end to end, the compiling included."""
    X, y = moons_pm(100, seed=1)
    model = MLP(2, [16, 16, 1], seed=0)
    start = time.perf_counter()
    history = train_moons_compiled(model, X, y)
    seconds = time.perf_counter() - start
    with no_grad():
        final = accuracy([model(x) for x in X], y)
    print(f"moons compiled: {final:.0%} after 100 steps in {seconds:.2f} s (compile included)")
    assert history.accuracy[0] < 0.9 and final == 1.0 and history.accuracy[-10:] == [1.0] * 10


# -- progress output --------------------------------------------------------------------------------


class FakeBar:
    """Stands in for tqdm: records what fit asks of it."""

    made: ClassVar[list["FakeBar"]] = []

    def __init__(self, total: int, file: object, **options: object) -> None:
        self.total, self.updates, self.closed, self.postfix = total, 0, False, {}
        FakeBar.made.append(self)

    def update(self, n: int) -> None:
        self.updates += n

    def set_postfix(self, postfix: dict[str, str], refresh: bool = True) -> None:
        self.postfix = postfix

    def write(self, text: str, file: object = None) -> None:
        pass

    def close(self) -> None:
        self.closed = True


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def fit_quietly(progress, file, epochs: int = 3, **options):  # type: ignore[no-untyped-def]
    X, y = small_moons(10)
    model = MLP(2, [2, 1], seed=0)
    return fit(model, X, y, loss=hinge, optimizer=SGD(model.parameters(), lr=0.1), epochs=epochs,
               progress=progress, file=file, **options)  # fmt: skip


def test_plain_lines_when_not_a_terminal(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr("nn.train._import_tqdm", lambda: FakeBar)  # even with tqdm installed
    FakeBar.made = []
    out = io.StringIO()
    fit_quietly("auto", out)
    lines = out.getvalue().splitlines()
    assert len(lines) == 3 and not FakeBar.made
    assert lines[0].startswith("epoch 1/3  loss ") and "accuracy " in lines[0] and "lr 0.1" in lines[0]


def test_a_tqdm_bar_on_a_terminal(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr("nn.train._import_tqdm", lambda: FakeBar)
    FakeBar.made = []
    out = Terminal()
    fit_quietly("auto", out)
    (bar,) = FakeBar.made
    assert (bar.total, bar.updates, bar.closed) == (3, 3, True)
    assert set(bar.postfix) == {"loss", "acc"}
    assert out.getvalue() == ""


def test_lines_on_a_terminal_without_tqdm(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr("nn.train._import_tqdm", lambda: None)
    out = Terminal()
    fit_quietly("auto", out, epochs=5, log_every=2)
    assert [line.split()[1] for line in out.getvalue().splitlines()] == ["2/5", "4/5", "5/5"]


def test_the_real_tqdm_bar_when_installed() -> None:
    pytest.importorskip("tqdm")
    out = io.StringIO()
    fit_quietly("bar", out)  # "bar" forces it even off a terminal
    text = out.getvalue()
    assert "3/3" in text and "loss=" in text and "epoch 1/3" not in text


def test_silence() -> None:
    out = io.StringIO()
    fit_quietly(False, out)
    assert out.getvalue() == ""


# -- acceptance: what the library can learn, with fixed seeds ---------------------------------------


def test_adam_solves_xor() -> None:
    X, y = make_xor()
    model = MLP(2, [4, 1], activation="tanh", seed=0)

    def bce(outputs, targets):  # type: ignore[no-untyped-def]
        return binary_cross_entropy(outputs, targets, from_logits=True)

    history = fit(
        model, X, y, loss=bce, optimizer=Adam(model.parameters(), lr=0.1), epochs=100, progress=False
    )
    assert history.loss[-1] < 0.01
    assert [model(x).data > 0 for x in X] == [False, True, True, False]  # type: ignore[union-attr]


def test_tanh_mlp_fits_the_sine_regression_set() -> None:
    X, y = make_sine(30, noise=0.05, seed=0)
    model = MLP(1, [16, 1], activation="tanh", seed=0, init="xavier")
    trainer = Trainer(model, mse, Adam(model.parameters(), lr=0.1))
    start, _ = trainer.evaluate(X, y)
    trainer.fit(X, y, epochs=200, progress=False)
    end, _ = trainer.evaluate(X, y)
    assert start > 0.3 and end < 0.01  # the noise alone costs 0.05^2 = 0.0025


def test_adam_learns_the_spiral() -> None:
    X, y = make_spiral(60, classes=3, noise=0.2, seed=0)
    model = MLP(2, [12, 12, 3], seed=0, init="he")
    history = fit(
        model,
        X,
        y,
        loss=cross_entropy,
        optimizer=Adam(model.parameters(), lr=0.05),
        epochs=50,
        progress=False,
    )
    with no_grad():
        final = accuracy([model(x) for x in X], y)
    # 3 of the 60 points sit at the centre, one per class: 58/60 = 96.7% is the best possible
    assert history.accuracy[0] < 0.5 and final >= 0.95


@pytest.mark.slow
def test_moons_reaches_100_percent_like_micrograd() -> None:
    """micrograd's demo: MLP(2, [16, 16, 1]), max-margin loss + 1e-4 * sum(p^2) (= L2 with lambda
    0.02, n 100), full-batch SGD with lr 1.0 -> 0.1 over 100 steps. Data seed 1, model seed 0; in a
    sweep of 14 (data, model) seed pairs 13 reached 100% (the other 99%)."""
    X, labels = make_moons(100, noise=0.1, seed=1)
    y = [2 * t - 1 for t in labels]
    model = MLP(2, [16, 16, 1], seed=0)
    assert len(model.parameters()) == 337
    optimizer = SGD(model.parameters(), lr=1.0)
    start = time.perf_counter()
    history = fit(
        model, X, y, loss=hinge, optimizer=optimizer, epochs=100,
        penalty=lambda m: l2_penalty(m.parameters(), lam=0.02, n=len(X)),
        schedule=LinearDecay(optimizer, end_lr=0.1, total_steps=100), progress=False,
    )  # fmt: skip
    seconds = time.perf_counter() - start
    with no_grad():
        final = accuracy([model(x) for x in X], y)
    print(f"moons: {final:.0%} after 100 steps, {seconds / 100 * 1000:.0f} ms per step")
    assert history.accuracy[0] < 0.9 and final == 1.0
    assert history.accuracy[-10:] == [1.0] * 10
    assert isinstance(model([0.0, 0.0]), Value)

    replayed = MLP(2, [16, 16, 1], seed=0)
    start = time.perf_counter()
    compiled = train_moons_compiled(replayed, X, y)
    print(f"moons compiled: {time.perf_counter() - start:.2f} s, eager {seconds:.2f} s (100 steps)")
    assert compiled.loss == pytest.approx(history.loss, rel=1e-9)
    assert compiled.accuracy == history.accuracy


@pytest.mark.parametrize("numpy", ["present", "hidden"])
def test_compile_trains_as_eager_over_a_large_batch_with_or_without_numpy(
    numpy: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """300 rows in one batch: over NumPy columns when it is there (the fast extra), row by row
    when it is not; the same training as eager either way."""
    from autograd.compiled import batch

    if numpy == "present":
        pytest.importorskip("numpy", reason="the columns need the optional numpy (the fast extra)")
    else:
        monkeypatch.setattr(batch, "np", None)
        monkeypatch.setattr(batch, "AVAILABLE", False)
    X, y = moons_pm(300)
    assert len(X) >= batch.MIN_ROWS
    runs = twin_runs(lambda: MLP(2, [6, 1], seed=0), X, y, hinge, epochs=2, lr=0.3)
    if numpy == "hidden":
        assert_same_training(runs)  # row by row: the same floats
    else:  # columns add in another order: equal to rounding, so compare the metric where it is clear
        (eager, eager_model, _), (compiled, compiled_model, _) = runs
        assert compiled.loss == pytest.approx(eager.loss, rel=1e-9)
        for key, values in compiled_model.state_dict().items():
            assert values == pytest.approx(eager_model.state_dict()[key], rel=1e-9, abs=1e-12), key
        outputs = [compiled_model(x).data for x in X]
        expected = [eager_model(x).data for x in X]
        clear = [k for k, o in enumerate(expected) if abs(o) > 1e-9]  # dead neurons leave the bias: ~1e-17
        assert all((outputs[k] > 0) == (expected[k] > 0) for k in clear)
    (compiled,) = runs[1][2]._replays[True].losses.values()  # type: ignore[attr-defined]
    vectorized = [v for entry in compiled._entries for v in entry._columns.values() if v is not None]
    assert bool(vectorized) == (numpy == "present")


@pytest.mark.parametrize("numpy", ["present", "hidden"])
def test_compile_without_numpy_says_so_once(numpy: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """A large batch with compile=True and no NumPy: one line says the samples run one by one."""
    import io

    from autograd.compiled import batch

    if numpy == "present":
        pytest.importorskip("numpy", reason="the columns need the optional numpy (the fast extra)")
    else:
        monkeypatch.setattr(batch, "np", None)
        monkeypatch.setattr(batch, "AVAILABLE", False)
    X, y = moons_pm(batch.MIN_ROWS)
    out = io.StringIO()
    model = MLP(2, [4, 1], seed=0)
    Trainer(model, hinge, SGD(model.parameters(), lr=0.1), compile=True).fit(
        X, y, epochs=2, progress="lines", file=out
    )
    notes = [line for line in out.getvalue().splitlines() if line.startswith("note:")]
    assert len(notes) == (1 if numpy == "hidden" else 0)
    assert all('pip install "chainrule[fast]"' in note for note in notes)
