"""What the replay page shows, computed from a :class:`~nn.viz.recorder.TrainingRecorder`'s snapshots.

Everything the page needs goes into one JSON object: the steps and their exact losses and
accuracies, the network's shape with each snapshot's weights quantized to one character each (for
colour and thickness only; 63 levels of the layer's largest weight over the run), for 2-D inputs
the decision boundary on a grid per snapshot, and a few step-through pages. The page itself
(markup, style, script) is in :mod:`nn.viz.replay_page`.
"""

from __future__ import annotations

import base64
import contextlib
import itertools
import math
import zlib
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from autograd import TraceError, compile, no_grad
from nn.layers import Layer
from nn.metrics import accuracy
from nn.module import Module

if TYPE_CHECKING:
    from nn.viz.recorder import Snapshot, TrainingRecorder

#: one character per quantized number: index ``q + 32`` for ``q`` in -31..31 (``A`` is unused)
ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
LEVELS = 31
#: a step-through page larger than this, packed, is left out of the replay page (it would swell it)
MAX_STEPTHROUGH_CHARS = 1_500_000

Forward = Callable[[Sequence[float]], Any]


def quantize(x: float, scale: float) -> str:
    """``x / scale`` in [-1, 1] as one of 63 levels (non-finite numbers as 0)."""
    if not math.isfinite(x) or scale <= 0:
        return ALPHABET[32]
    return ALPHABET[32 + max(-LEVELS, min(LEVELS, round(x / scale * LEVELS)))]


def network_layers(model: Module) -> list[dict[str, Any]] | None:
    """The model as a chain of ``Layer``s (an ``MLP``, a ``Sequential`` of layers, ...): per layer
    its sizes, activation and, per neuron, the positions of its weights and bias in
    ``model.parameters()``; ``None`` when the model is not such a chain (no network is drawn)."""
    position = {id(p): i for i, p in enumerate(model.parameters())}
    layers = [m for m in model.modules() if isinstance(m, Layer)]
    if not layers or any(a.nout != b.nin for a, b in itertools.pairwise(layers)):
        return None
    shape: list[dict[str, Any]] = []
    for layer in layers:
        neurons = [
            [position.get(id(w), -1) for w in n.w] + [position.get(id(n.b), -1)] for n in layer.neurons
        ]
        shape.append(
            {"nin": layer.nin, "nout": layer.nout, "activation": layer.activation, "params": neurons}
        )
    used = [i for layer in shape for neuron in layer["params"] for i in neuron]
    if sorted(used) != list(range(len(position))):
        return None  # parameters outside the layers (e.g. a LayerNorm): the drawing would lie
    return shape


def weight_frames(snapshots: Sequence[Snapshot], layers: list[dict[str, Any]]) -> dict[str, Any]:
    """Each snapshot's weights, layer by layer and neuron by neuron (weights, then bias), as one
    string of quantized levels; ``scales`` holds each layer's largest magnitude over the run."""
    scales = []
    for layer in layers:
        indices = [i for neuron in layer["params"] for i in neuron]
        scales.append(
            max(
                (abs(s.weights[i]) for s in snapshots for i in indices if math.isfinite(s.weights[i])),
                default=0.0,
            )
        )
    frames = []
    for s in snapshots:
        frames.append(
            "".join(
                quantize(s.weights[i], scale)
                for layer, scale in zip(layers, scales)
                for neuron in layer["params"]
                for i in neuron
            )
        )
    return {"scales": scales, "frames": frames}


@contextlib.contextmanager
def weights_loaded(model: Module, weights: Sequence[float]) -> Iterator[None]:
    """``model`` with ``weights`` for a moment (eval mode); its own weights and mode put back after."""
    params = model.parameters()
    own = [p.data for p in params]
    was_training = model.training
    model.eval()
    try:
        for p, w in zip(params, weights):
            p.data = w
        yield
    finally:
        for p, w in zip(params, own):
            p.data = w
        model.train(was_training)


def forward_of(model: Module, example: Sequence[float]) -> Forward:
    """``x -> output`` as floats (a float, or a list for several outputs): a compiled forward pass,
    checked once against the eager engine; the eager engine (no graph) when it cannot be compiled."""
    fn = compile(lambda *xs: model(list(xs)), params=model)

    def eager(x: Sequence[float]) -> Any:
        with no_grad():
            out = model(list(x))
        return [o.data for o in out] if isinstance(out, list) else out.data

    def compiled(x: Sequence[float]) -> Any:
        out = fn(*x)
        return list(out) if isinstance(out, tuple) else out

    try:
        fn.verify(*example)
    except TraceError:
        return eager
    return compiled


def output_threshold(model: Module) -> float:
    """Where a one-output model's classes split: 0.5 after a sigmoid, else 0 (a score)."""
    last = None
    for module in model.modules():
        if isinstance(getattr(module, "activation", None), str):
            last = module.activation  # type: ignore[attr-defined]
    return 0.5 if last == "sigmoid" else 0.0


def class_of(output: Any, threshold: float) -> int:
    if isinstance(output, list):
        return max(range(len(output)), key=lambda k: output[k])
    return int(output > threshold)


def confidence(output: Any, threshold: float) -> float:
    """How sure the model is, 0 (on the boundary) to 1: the softmax probability of the chosen class
    above chance for several outputs, ``tanh`` of the distance from the threshold for one."""
    if isinstance(output, list):
        top = max(output)
        if not math.isfinite(top):
            return 0.0
        total = math.fsum(math.exp(o - top) for o in output)
        chance = 1.0 / len(output)
        return max(0.0, min(1.0, (1.0 / total - chance) / (1.0 - chance)))
    distance = output - threshold
    return abs(math.tanh(distance)) if math.isfinite(distance) else 1.0


def boundary_frames(
    recorder: TrainingRecorder, snapshots: Sequence[Snapshot], forward: Forward, threshold: float
) -> dict[str, Any]:
    """For 2-D inputs: the grid's bounds, the data points with their classes, and per snapshot two
    characters per cell (class, confidence level; rows from the top) and one per data point (the
    class predicted for it)."""
    assert recorder.data is not None and recorder.model is not None
    X, y = recorder.data
    xs, ys = [p[0] for p in X], [p[1] for p in X]
    pad_x, pad_y = 0.1 * (max(xs) - min(xs) or 1.0), 0.1 * (max(ys) - min(ys) or 1.0)
    x0, x1, y0, y1 = min(xs) - pad_x, max(xs) + pad_x, min(ys) - pad_y, max(ys) + pad_y
    n = recorder.grid
    cells = [
        [x0 + (x1 - x0) * (i + 0.5) / n, y1 - (y1 - y0) * (j + 0.5) / n] for j in range(n) for i in range(n)
    ]
    frames, predictions = [], []
    for s in snapshots:
        with weights_loaded(recorder.model, s.weights):
            outputs = [forward(c) for c in cells]
            predicted = [class_of(forward(x), threshold) for x in X]
        frames.append(
            "".join(
                ALPHABET[class_of(o, threshold)] + ALPHABET[round(confidence(o, threshold) * 63)]
                for o in outputs
            )
        )
        predictions.append("".join(ALPHABET[c] for c in predicted))
    one_output = not isinstance(forward(X[0]), list)
    classes = [int(float(t) > 0) if one_output else int(t) for t in y]
    return {
        "bounds": [x0, x1, y0, y1],
        "grid": n,
        "points": [[p[0], p[1]] for p in X],
        "classes": classes,
        "count": max(classes) + 1 if not one_output else 2,
        "frames": frames,
        "predictions": predictions,
    }


def accuracies(
    recorder: TrainingRecorder, snapshots: Sequence[Snapshot], forward: Forward
) -> list[float | None]:
    """Each snapshot's accuracy: as the run reported it, or on ``data`` when it reported none."""
    model, data = recorder.model, recorder.data
    assert model is not None
    threshold = output_threshold(model)
    result: list[float | None] = []
    for s in snapshots:
        if s.accuracy is None and data is not None and _labels(data[1]):
            with weights_loaded(model, s.weights):
                result.append(accuracy([forward(x) for x in data[0]], data[1], threshold))
        else:
            result.append(s.accuracy)
    return result


def _labels(y: Sequence[Any]) -> bool:
    return all(not isinstance(t, bool) and isinstance(t, (int, float)) and float(t).is_integer() for t in y)


def chosen_for_stepthrough(count: int, how_many: int) -> list[int]:
    """``how_many`` snapshot indices evenly spread over ``count``, first and last included."""
    if how_many <= 0 or count == 0:
        return []
    if how_many == 1:
        return [count - 1]
    return sorted({round(k * (count - 1) / (how_many - 1)) for k in range(how_many)})


def stepthrough_pages(
    recorder: TrainingRecorder, snapshots: Sequence[Snapshot]
) -> tuple[list[dict[str, Any]], str]:
    """The neuron-level step-through (``nn.viz.network_stepthrough``) of one sample at a few
    recorded steps, each page zlib-compressed and base64-encoded (the replay page unpacks one when
    it is opened); and a note saying why there are none, if so."""
    if recorder.stepthroughs == 0:
        return [], "none was asked for (TrainingRecorder(stepthroughs=0))"
    if recorder.data is None or recorder.loss_fn is None:
        return [], "pass data=(X, y) (and loss= for a hand-written loop) to get a step-through of one sample"
    from nn.viz.network import network_stepthrough

    model = recorder.model
    assert model is not None
    x, target = recorder.data[0][recorder.sample], recorder.data[1][recorder.sample]
    pages = []
    for index in chosen_for_stepthrough(len(snapshots), recorder.stepthroughs):
        step = snapshots[index].step
        title = f"sample #{recorder.sample} through the network with the weights of {recorder.unit} {step}"
        with weights_loaded(model, snapshots[index].weights):
            try:
                html = network_stepthrough(model, x, target, recorder.loss_fn, title=title).html
            except (TypeError, ValueError) as error:  # e.g. a model that is not a chain of Layers
                return [], f"the step-through cannot show this model ({error})"
        packed = base64.b64encode(zlib.compress(html.encode("utf-8"), 9)).decode("ascii")
        if len(packed) > MAX_STEPTHROUGH_CHARS:
            return [], (
                f"this network's step-through is too large to embed ({len(packed):,} characters "
                "packed); nn.viz.network_stepthrough(model, x, target, loss).save(path) writes it on its own"
            )
        pages.append({"index": index, "step": step, "packed": packed})
    return pages, ""


def finite_or_none(x: float | None) -> float | None:
    return x if x is not None and math.isfinite(x) else None


def page_data(recorder: TrainingRecorder) -> dict[str, Any]:
    """Everything the replay page shows, as plain JSON-ready data."""
    model = recorder.model
    assert model is not None
    snapshots = recorder.snapshots
    layers = network_layers(model)
    example = recorder.data[0][0] if recorder.data is not None else None
    forward = forward_of(model, example) if example is not None else None
    data: dict[str, Any] = {
        "title": recorder.title,
        "model": repr(model).splitlines()[0],
        "parameters": len(model.parameters()),
        "calls": recorder.calls,
        "stride": recorder.stride,
        "unit": recorder.unit,
        "steps": [s.step for s in snapshots],
        "loss": [finite_or_none(s.loss) for s in snapshots],
        "lossText": [repr(s.loss) for s in snapshots],
        "valLoss": [finite_or_none(s.val_loss) for s in snapshots],
        "valAccuracy": [s.val_accuracy for s in snapshots],
        "accuracy": accuracies(recorder, snapshots, forward)
        if forward is not None
        else [s.accuracy for s in snapshots],
        "network": None,
        "boundary": None,
        "sample": recorder.sample,
    }
    if layers is not None:
        data["network"] = {
            "sizes": [layers[0]["nin"]] + [layer["nout"] for layer in layers],
            "activations": [layer["activation"] for layer in layers],
            **weight_frames(snapshots, layers),
        }
    shape = recorder.image_shape
    data["image"] = None
    if shape is not None and layers is not None:
        if shape[0] * shape[1] != layers[0]["nin"]:
            raise ValueError(
                f"TrainingRecorder: image_shape {shape} has {shape[0] * shape[1]} pixels, but the "
                f"network reads {layers[0]['nin']} inputs"
            )
        data["image"] = {"rows": shape[0], "columns": shape[1]}
    # a decision boundary for 2-D inputs with class labels (a regression target has no classes)
    labels = recorder.data is not None and _labels(recorder.data[1])
    if forward is not None and example is not None and len(example) == 2 and labels:
        data["boundary"] = boundary_frames(recorder, snapshots, forward, output_threshold(model))
    data["stepthroughs"], data["stepthroughNote"] = stepthrough_pages(recorder, snapshots)
    return data


def replay_html(recorder: TrainingRecorder) -> str:
    from nn.viz.replay_page import render

    return render(page_data(recorder))
