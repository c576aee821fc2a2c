"""nn.viz.TrainingRecorder: bounded, evenly spread snapshots; the same numbers as fit; no effect on
training; the page's data (network frames, decision boundary, accuracies) and its safety."""

from __future__ import annotations

import itertools
import json
import math
import re
from pathlib import Path
from typing import Any

import pytest

from autograd import Value, no_grad
from nn import MLP, LayerNorm, Sequential, fit, l2_penalty
from nn.data import make_moons, make_spiral
from nn.losses import cross_entropy, hinge
from nn.metrics import accuracy
from nn.optim import SGD, Adam
from nn.viz import TrainingRecorder
from nn.viz.replay import ALPHABET, network_layers, page_data


def moons(n: int = 30) -> tuple[list[list[float]], list[int]]:
    X, labels = make_moons(n, noise=0.1, seed=3)
    return X, [2 * t - 1 for t in labels]


def train(epochs: int, recorder: TrainingRecorder | None = None, compile: bool = False) -> tuple[MLP, Any]:
    X, y = moons()
    model = MLP(2, [8, 8, 1], seed=0)
    history = fit(
        model,
        X,
        y,
        loss=hinge,
        optimizer=SGD(model.parameters(), lr=0.5),
        epochs=epochs,
        penalty=lambda m: l2_penalty(m.parameters(), lam=0.01, n=len(X)),
        callbacks=[] if recorder is None else [recorder],
        progress=False,
        compile=compile,
    )
    return model, history


def data_of(html: str) -> dict[str, Any]:
    match = re.search(r'<script type="application/json" id="chainrule-data">(.*?)</script>', html, re.DOTALL)
    assert match is not None
    return json.loads(match.group(1))  # type: ignore[no-any-return]


# -- what is kept --------------------------------------------------------------------------------------


def test_a_long_run_keeps_at_most_n_snapshots_evenly_spread() -> None:
    model = MLP(2, [3, 1], seed=0)
    recorder = TrainingRecorder(max_snapshots=10)
    for step in range(1000):
        recorder.record(model, step, float(step))
        assert len(recorder.snapshots) <= 10
    steps = recorder.steps
    assert recorder.stride == 128 and steps == [0, 128, 256, 384, 512, 640, 768, 896, 999]
    gaps = {b - a for a, b in itertools.pairwise(steps[:-1])}
    assert gaps == {recorder.stride}  # evenly spread, then the latest step
    assert recorder.losses == [float(s) for s in steps]


@pytest.mark.parametrize(
    ("calls", "every", "most"), [(1, 1, 2), (7, 3, 2), (64, 1, 64), (65, 1, 64), (500, 7, 33)]
)
def test_every_and_the_latest_step_within_the_bound(calls: int, every: int, most: int) -> None:
    model = MLP(1, [1], seed=0)
    recorder = TrainingRecorder(every=every, max_snapshots=most)
    for step in range(calls):
        recorder.record(model, step, 0.0)
    steps = recorder.steps
    assert 1 <= len(steps) <= most and steps[0] == 0 and steps[-1] == calls - 1
    assert all(s % recorder.stride == 0 for s in steps[:-1]) and recorder.stride % every == 0
    assert steps == sorted(set(steps))


def test_recorded_losses_and_accuracies_equal_fits_history() -> None:
    recorder = TrainingRecorder()
    _, history = train(12, recorder)
    assert recorder.steps == list(range(1, 13))
    assert recorder.losses == history.loss
    assert [s.accuracy for s in recorder.snapshots] == history.accuracy


def test_recorded_losses_equal_fits_history_with_compile() -> None:
    recorder = TrainingRecorder()
    _, history = train(6, recorder, compile=True)
    assert recorder.losses == history.loss and len(history.loss) == 6


def test_recording_and_saving_do_not_change_training(tmp_path: Path) -> None:
    plain, plain_history = train(10)
    recorder = TrainingRecorder(data=moons(), grid=8)
    watched, watched_history = train(10, recorder)
    assert [p.data for p in watched.parameters()] == [p.data for p in plain.parameters()]
    assert watched_history.loss == plain_history.loss
    before = [p.data for p in watched.parameters()]
    recorder.save(tmp_path / "replay.html")  # loads each snapshot's weights for a moment
    assert [p.data for p in watched.parameters()] == before and watched.training


def test_snapshots_hold_the_weights_of_their_step() -> None:
    X, y = moons()
    model = MLP(2, [4, 1], seed=1)
    recorder = TrainingRecorder()
    expected = []
    for step in range(3):
        loss = hinge([model(x) for x in X], y)
        model.zero_grad()
        loss.backward()
        for p in model.parameters():
            p.data -= 0.1 * p.grad
        recorder.record(model, step, loss)
        expected.append([p.data for p in model.parameters()])
    assert [list(s.weights) for s in recorder.snapshots] == expected


# -- the page's data ----------------------------------------------------------------------------------


def test_hand_written_loop_gets_its_accuracy_and_boundary_computed_at_save() -> None:
    X, y = moons()
    model = MLP(2, [8, 1], seed=2)
    recorder = TrainingRecorder(data=(X, y), grid=6)
    optimizer = Adam(model.parameters(), lr=0.05)
    seen = []
    for step in range(5):
        scores = [model(x) for x in X]
        seen.append(accuracy([s.data for s in scores], y))
        loss = hinge(scores, y)
        recorder.record(model, step, loss)  # the weights the scores were computed with
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    # the last record saw the weights before the last update: compare on what was recorded
    data = page_data(recorder)
    assert data["accuracy"] == seen
    assert data["loss"] == recorder.losses
    boundary = data["boundary"]
    assert boundary["grid"] == 6 and len(boundary["frames"]) == 5 and len(boundary["frames"][0]) == 2 * 36


def test_boundary_cells_are_the_models_predictions_at_their_centres() -> None:
    X, y = moons()
    model, _ = train(8)
    recorder = TrainingRecorder(data=(X, y), grid=5)
    recorder.record(model, 0, 0.0)
    boundary = page_data(recorder)["boundary"]
    x0, x1, y0, y1 = boundary["bounds"]
    frame = boundary["frames"][0]
    for j in range(5):
        for i in range(5):
            centre = [x0 + (x1 - x0) * (i + 0.5) / 5, y1 - (y1 - y0) * (j + 0.5) / 5]
            with no_grad():
                score = model(centre)
            assert isinstance(score, Value)
            assert ALPHABET.index(frame[2 * (5 * j + i)]) == int(score.data > 0)
    with no_grad():
        predicted = [int(model(x).data > 0) for x in X]  # type: ignore[union-attr]
    assert [ALPHABET.index(c) for c in boundary["predictions"][0]] == predicted
    assert boundary["classes"] == [int(t > 0) for t in y]


def test_several_classes_colour_by_argmax() -> None:
    X, y = make_spiral(30, classes=3, seed=0)
    model = MLP(2, [6, 3], seed=0)
    recorder = TrainingRecorder(data=(X, y), grid=4)
    recorder.record(model, 0, cross_entropy([model(x) for x in X], y))
    data = page_data(recorder)
    assert data["boundary"]["count"] == 3
    with no_grad():
        predicted = [max(range(3), key=lambda k: model(x)[k].data) for x in X]  # type: ignore[index]
    assert [ALPHABET.index(c) for c in data["boundary"]["predictions"][0]] == predicted
    assert data["accuracy"][0] == pytest.approx(sum(p == t for p, t in zip(predicted, y)) / len(y))


def test_regression_targets_get_no_decision_boundary_and_no_accuracy() -> None:
    X = [[i / 10, (i % 3) / 3] for i in range(10)]
    y = [0.5 * a - b + 0.25 for a, b in X]  # real numbers: nothing to classify
    model = MLP(2, [4, 1], seed=0)
    recorder = TrainingRecorder(data=(X, y))
    recorder.record(model, 0, 1.0)
    data = page_data(recorder)
    assert data["boundary"] is None and data["accuracy"] == [None]


def test_network_frames_follow_the_weights() -> None:
    model = MLP(2, [3, 1], seed=0)
    recorder = TrainingRecorder()
    recorder.record(model, 0, 1.0)
    network = page_data(recorder)["network"]
    assert network["sizes"] == [2, 3, 1] and network["activations"] == ["relu", "linear"]
    frame = network["frames"][0]
    order = [w for layer in model.layers for n in layer.neurons for w in [*n.w, n.b]]
    assert len(frame) == len(order) == 13
    scales = network["scales"]
    for k, p in enumerate(order):
        level = ALPHABET.index(frame[k]) - 32
        scale = scales[0] if k < 9 else scales[1]
        assert level == round(p.data / scale * 31)


def test_image_inputs_show_each_first_layer_neuron_as_an_image() -> None:
    model = MLP(4, [3, 2], seed=0)
    recorder = TrainingRecorder(image_shape=(2, 2))
    recorder.record(model, 0, 1.0)
    data = page_data(recorder)
    assert data["image"] == {"rows": 2, "columns": 2}
    assert '<section id="features-panel"' in recorder.html()
    wrong = TrainingRecorder(image_shape=(3, 3))
    wrong.record(model, 0, 1.0)
    with pytest.raises(ValueError, match=r"image_shape \(3, 3\) has 9 pixels, but the network reads 4"):
        wrong.html()
    with pytest.raises(ValueError, match="image_shape must be"):
        TrainingRecorder(image_shape=(8,))  # type: ignore[arg-type]


def test_models_that_are_not_a_chain_of_layers_get_no_network_drawing() -> None:
    model = Sequential(MLP(2, [4, 4]), LayerNorm(4), MLP(4, [1]))
    assert network_layers(model) is None
    assert network_layers(MLP(2, [4, 1])) is not None
    recorder = TrainingRecorder(data=moons(), grid=4)
    recorder.record(model, 0, 1.0)
    assert page_data(recorder)["network"] is None
    assert "<svg" in recorder.html()


def test_a_diverged_run_still_gets_its_page() -> None:
    X, y = moons()
    for model in (MLP(2, [4, 1], seed=0), MLP(2, [3, 3], seed=0)):
        recorder = TrainingRecorder(data=(X, y), grid=4)
        recorder.record(model, 0, 1.0)
        model.parameters()[0].data = math.nan  # the run blew up: nan and inf weights
        model.parameters()[3].data = math.inf
        recorder.record(model, 1, math.nan)
        data = data_of(recorder.html())
        assert data["lossText"] == ["1.0", "nan"] and len(data["boundary"]["frames"]) == 2


def test_non_finite_losses_are_shown_not_refused() -> None:
    model = MLP(2, [2, 1], seed=0)
    recorder = TrainingRecorder()
    for step, loss in enumerate([1.0, math.inf, math.nan]):
        recorder.record(model, step, loss)
    data = data_of(recorder.html())
    assert data["loss"] == [1.0, None, None] and data["lossText"] == ["1.0", "inf", "nan"]


# -- the page itself -----------------------------------------------------------------------------------


def test_page_is_self_contained_and_escapes_user_text(tmp_path: Path) -> None:
    title = "</script><script>alert(1)</script><img src=x onerror=alert(2)>"
    recorder = TrainingRecorder(data=moons(), grid=4, title=title)
    train(2, recorder)
    path = recorder.save(tmp_path / "replay.html")
    html = path.read_text()
    assert html.count("<script") == 2 and "<img" not in html  # the data block and the script
    assert "Content-Security-Policy" in html and "default-src 'none'" in html
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:|//)""", html)
    assert data_of(html)["title"] == title
    frame = recorder._repr_html_()
    assert (
        frame.startswith("<iframe srcdoc=") and "<script" not in frame and 'sandbox="allow-scripts"' in frame
    )


def test_misuse_is_refused_with_a_reason() -> None:
    with pytest.raises(ValueError, match="max_snapshots must be >= 2"):
        TrainingRecorder(max_snapshots=1)
    with pytest.raises(ValueError, match="every must be an int >= 1"):
        TrainingRecorder(every=0)
    with pytest.raises(ValueError, match="data must be a pair"):
        TrainingRecorder(data=([[0.0]], []))
    with pytest.raises(ValueError, match="data sample 1 holds a number that is not finite"):
        TrainingRecorder(data=([[0.0, 1.0], [0.0, math.nan]], [0, 1]))
    with pytest.raises(ValueError, match="data sample 0 is not a list of numbers"):
        TrainingRecorder(data=(["ab"], [0]))
    with pytest.raises(ValueError, match="sample 5 is not an index"):
        TrainingRecorder(data=([[0.0]], [1]), sample=5)
    recorder = TrainingRecorder()
    with pytest.raises(ValueError, match="nothing recorded yet"):
        recorder.html()
    recorder.record(MLP(1, [1]), 0, 1.0)
    with pytest.raises(ValueError, match="follows one model"):
        recorder.record(MLP(1, [1]), 1, 1.0)
    with pytest.raises(TypeError, match="loss must be a number"):
        recorder.record(recorder.model, 1, "low")  # type: ignore[arg-type]
