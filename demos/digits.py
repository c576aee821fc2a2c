"""Real data: a scalar-engine network reads handwritten digits (the UCI 8x8 set, 1,797 images).

The data: each image is 8x8 pixels, each pixel how many of a 4x4 block's pixels were inked (0 to
16), so a sample is 64 numbers; we scale them to [0, 1]. ``nn.data.load_digits`` reads them from a
file shipped in the package (no network). 25% of the images, drawn at random with a fixed seed, are
kept aside as the test set; the network never trains on them.

The model: ``MLP(64, [32, 10])``: 32 ReLU neurons, then 10 linear outputs, one score (logit) per
digit, 2,410 parameters. The loss is the cross-entropy of the softmax of the scores,

    loss = -1/B sum_i log softmax(z_i)[y_i],   softmax(z)_k = exp(z_k) / sum_j exp(z_j),

minimized by Adam over mini-batches of 32 shuffled images, the learning rate falling from 0.01 to
0.001. ``fit(compile=True)`` traces one sample's loss once per class and replays it as straight-line
float code (see ``autograd.compiled``): the same numbers as building the graph every time, faster.

Claim (checked): at least 95% of the test images are classified correctly. The demo prints the
confusion matrix (rows: the true digit, columns: the prediction), writes ``replay.html`` (the run
replayed: weights, loss and accuracy per epoch) and a picture of the test digits it gets wrong.

    python demos/digits.py            # ~20 s of CPU time (longer on a busy machine); demos/out/digits/
    python demos/digits.py --quick    # a few seconds: 240 images, 3 epochs, the eager engine
"""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))  # find lesson.py however this file is run

from lesson import check, heading, parse_args, pyplot, save

from autograd import no_grad
from nn import MLP, fit
from nn.data import load_digits, train_test_split
from nn.functional import argmax
from nn.losses import cross_entropy
from nn.optim import Adam
from nn.schedules import LinearDecay
from nn.viz import TrainingRecorder

SEED = 0
CLAIM = 0.95  # test accuracy the full run must reach


def predict(model: MLP, X: Sequence[Sequence[float]]) -> list[int]:
    """The digit with the largest score, for each image (no graph recorded)."""
    with no_grad():
        return [argmax(model(x)) for x in X]  # type: ignore[arg-type]


def confusion_matrix(truth: Sequence[int], predicted: Sequence[int], classes: int = 10) -> list[list[int]]:
    """``m[t][p]``: how many images of digit ``t`` were read as ``p`` (the diagonal is right)."""
    matrix = [[0] * classes for _ in range(classes)]
    for t, p in zip(truth, predicted):
        matrix[t][p] += 1
    return matrix


def print_confusion(matrix: list[list[int]]) -> None:
    print("true \\ predicted " + "".join(f"{p:>5}" for p in range(len(matrix))) + "   right")
    for t, row in enumerate(matrix):
        cells = "".join(f"{n:>5}" if n else "    ." for n in row)
        print(f"{t:>16} {cells}   {row[t] / max(1, sum(row)):6.1%}")


def main(argv: Sequence[str] | None = None) -> int:
    started = time.perf_counter()
    args = parse_args("digits", __doc__, argv)

    heading("data: the 8x8 handwritten digits (UCI), pixels scaled to [0, 1]")
    X, y = load_digits()
    X = [[pixel / 16 for pixel in x] for x in X]
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_fraction=0.25, seed=SEED)
    if args.quick:
        X_train, y_train, X_test, y_test = X_train[:240], y_train[:240], X_test[:120], y_test[:120]
    print(f"{len(X_train)} training images, {len(X_test)} test images, 10 classes, 64 pixels each")

    model = MLP(64, [32, 10], seed=SEED, init="he")  # ReLU hidden layer, linear scores
    print(f"model: {model}")

    epochs, batch_size = (3, 8) if args.quick else (15, 32)
    steps = epochs * -(-len(X_train) // batch_size)
    how = "eager engine (quick)" if args.quick else "fit(compile=True)"
    heading(f"training: {epochs} epochs of Adam on mini-batches of {batch_size}, lr 0.01 -> 0.001; {how}")
    optimizer = Adam(model.parameters(), lr=0.01)
    # a step-through of this 2,410-weight network is too big to embed (nn.viz.network_stepthrough
    # writes one on its own); the page shows the weights, the curves and the test accuracy
    recorder = TrainingRecorder(data=(X_test, y_test), stepthroughs=0, image_shape=(8, 8))
    train_start, train_cpu = time.perf_counter(), time.process_time()
    history = fit(
        model,
        X_train,
        y_train,
        loss=cross_entropy,
        optimizer=optimizer,
        epochs=epochs,
        batch_size=batch_size,
        seed=SEED,
        schedule=LinearDecay(optimizer, end_lr=0.001, total_steps=steps),
        validation_data=(X_test, y_test),  # watched after each epoch, never trained on
        callbacks=[recorder],
        compile=not args.quick,
    )
    train_seconds, cpu_seconds = time.perf_counter() - train_start, time.process_time() - train_cpu
    first = "" if args.quick else ", the first one compiling"
    print(
        f"trained in {train_seconds:.1f} s, {cpu_seconds:.1f} s of CPU time "
        f"({cpu_seconds / epochs:.1f} s per epoch{first}; validation and recorder included)"
    )

    heading("results on the test images")
    predicted = predict(model, X_test)
    test_accuracy = sum(p == t for p, t in zip(predicted, y_test)) / len(y_test)
    print(f"loss {history.loss[0]:.4f} -> {history.loss[-1]:.4f}")
    print(f"training accuracy {history.accuracy[-1]:.1%}; test accuracy {test_accuracy:.1%}")
    print_confusion(confusion_matrix(y_test, predicted))
    if args.quick:
        check(
            "quick run: the loss falls by a third and test accuracy is >= 70%",
            history.loss[-1] < 2 / 3 * history.loss[0] and test_accuracy >= 0.7,
        )
    else:
        check(f"test accuracy is at least {CLAIM:.0%}", test_accuracy >= CLAIM)

    heading("pictures")
    replay = recorder.save(args.out / "replay.html")
    print(f"wrote {replay} (the run replayed: open it in a browser)")
    wrong = [(x, t, p) for x, t, p in zip(X_test, y_test, predicted) if t != p]
    print(f"{len(wrong)} test images misclassified")
    plt = pyplot()
    if plt is not None and wrong:
        save(misclassified(plt, wrong), args.out / "misclassified.png")
    print(f"total time {time.perf_counter() - started:.1f} s")
    return 0


def misclassified(plt: Any, wrong: list[tuple[list[float], int, int]], columns: int = 8) -> Any:
    """The test digits the network gets wrong, each titled ``true -> predicted``."""
    shown = wrong[: 4 * columns]
    rows = -(-len(shown) // columns)
    figure, axes = plt.subplots(rows, columns, figsize=(1.3 * columns, 1.5 * rows + 0.4), squeeze=False)
    for ax in [a for row in axes for a in row]:
        ax.axis("off")
    for ax, (x, t, p) in zip([a for row in axes for a in row], shown):
        ax.imshow([x[r * 8 : r * 8 + 8] for r in range(8)], cmap="gray_r", vmin=0, vmax=1)
        ax.set_title(f"{t} → {p}", fontsize=10, color="#b91c1c")
    figure.suptitle(
        f"misclassified test digits (true → predicted): {len(shown)} of {len(wrong)}", fontsize=11
    )
    figure.tight_layout()
    return figure


if __name__ == "__main__":
    sys.exit(main())
