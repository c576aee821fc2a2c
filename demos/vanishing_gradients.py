"""Vanishing (and exploding) gradients in a deep network, and three cures from the seeds.

Backpropagation multiplies, layer after layer, by the weights and by the activation's derivative:
delta^l = (W^(l+1)^T delta^(l+1)) * sigma'(z^l). If those factors are mostly below 1 the gradient
shrinks exponentially on its way back to the first layers (they barely learn); mostly above 1, and
it explodes. The sigmoid's derivative is at most 1/4 (and near 0 once a neuron saturates), so a deep
sigmoid network is the classic victim. The seeds' cures, measured here on the same data:

* ReLU: derivative exactly 1 for every active neuron, so no shrinking from the activation;
* a better initialization, Gaussian with standard deviation 1/sqrt(nin): keeps each layer's weighted
  sums z about the size of its inputs, so signals (and gradients) neither blow up nor die out;
* residual (skip) connections, y = x + f(x): the "+ x" path has derivative 1, so the gradient reaches
  the first layers even when f's derivatives are tiny.

For each network (12 hidden layers of 16 neurons and a linear output; squared error on one batch of
16 two-moons points, 4 with ``--quick``) the demo prints and plots the size of the gradient in each
layer: the root mean square of d loss / d parameter over the layer's weights and biases.

Claims (checked): the sigmoid network's first layer gets a gradient 100x smaller than its last
hidden layer, also with the better initialization (which cannot lift sigmoid'(z) above 1/4); ReLU's
gradients do not vanish, but with U(-1, 1) weights they explode, which the better initialization
prevents; the residual sigmoid network's first layer gets a gradient 100x larger than the plain one.

    python demos/vanishing_gradients.py   # plot in demos/out/vanishing_gradients/
"""

from __future__ import annotations

import math
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))  # find lesson.py however this file is run

from lesson import check, finish, heading, parse_args, pyplot, save

from nn import MLP, Layer, Module, Residual, Sequential
from nn.data import make_moons
from nn.losses import mse

SEED = 0


def networks(depth: int, width: int) -> dict[str, Module]:
    """The networks compared: ``depth`` hidden layers of ``width`` neurons and a linear output.
    ``uniform`` is U(-1, 1) (micrograd's default); ``normal`` is N(0, 1/nin), the better init."""
    hidden = [width] * depth

    def residual_sigmoid() -> Module:
        return Sequential(
            Layer(2, width, "sigmoid", seed=SEED),
            *[Residual(Layer(width, width, "sigmoid", seed=SEED + i)) for i in range(1, depth)],
            Layer(width, 1, None, seed=SEED + depth),
        )

    return {
        "sigmoid": MLP(2, [*hidden, 1], activation="sigmoid", seed=SEED),
        "sigmoid, better init": MLP(2, [*hidden, 1], activation="sigmoid", seed=SEED, init="normal"),
        "relu": MLP(2, [*hidden, 1], activation="relu", seed=SEED),
        "relu, better init": MLP(2, [*hidden, 1], activation="relu", seed=SEED, init="normal"),
        "sigmoid, residual": residual_sigmoid(),
    }


def gradient_sizes(model: Module, X: Sequence[Sequence[float]], y: Sequence[float]) -> list[float]:
    """Root mean square of d loss / d parameter for each layer, from the input to the output."""
    model.zero_grad()
    mse([model(x) for x in X], list(y)).backward()
    layers = [m for m in model.modules() if isinstance(m, Layer)]  # in forward order
    return [
        math.sqrt(sum(p.grad**2 for p in layer.parameters()) / len(layer.parameters())) for layer in layers
    ]


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args("vanishing_gradients", __doc__, argv)
    depth, width, batch = (12, 16, 4) if args.quick else (12, 16, 16)
    X, labels = make_moons(batch, noise=0.1, seed=SEED)
    y = [2.0 * t - 1.0 for t in labels]

    heading(
        f"gradient size (RMS of d loss/d parameter) per layer: {depth} hidden layers of {width}, "
        f"a batch of {batch}"
    )
    sizes = {name: gradient_sizes(model, X, y) for name, model in networks(depth, width).items()}
    names = list(sizes)
    print("  layer    " + "".join(f"{name:>22}" for name in names))
    for layer in range(depth + 1):
        row = "".join(f"{sizes[name][layer]:>22.2e}" for name in names)
        print(f"  {layer + 1 if layer < depth else 'output':<8} {row}")
    # how much of the last hidden layer's gradient reaches the first layer
    reach = {name: s[0] / s[depth - 1] for name, s in sizes.items()}
    print("  first / last hidden layer: " + ", ".join(f"{name} {r:.1e}" for name, r in reach.items()))

    heading("checks")
    check(
        f"sigmoid: the first layer's gradient is < 1/100 of the last hidden layer's ({reach['sigmoid']:.1e})",
        reach["sigmoid"] < 1e-2,
    )
    check(
        f"with the better init too ({reach['sigmoid, better init']:.1e}): sigmoid'(z) <= 1/4 "
        "whatever the weights",
        reach["sigmoid, better init"] < 1e-2,
    )
    check(
        f"relu: no vanishing, the first layer gets more than 1/10 of the last hidden layer's "
        f"({reach['relu']:.1e})",
        reach["relu"] > 0.1,
    )
    largest, tamed = max(sizes["relu"]), max(sizes["relu, better init"])
    check(
        f"but with U(-1, 1) weights relu's gradients grow with depth (up to {largest:.1e}); the better "
        f"init keeps them over 10x smaller (up to {tamed:.1e}) and lets 10x more than sigmoid's reach "
        f"the first layer ({reach['relu, better init']:.1e})",
        largest > 10 * tamed and reach["relu, better init"] > 10 * reach["sigmoid"],
    )
    gain = sizes["sigmoid, residual"][0] / sizes["sigmoid"][0]
    check(
        f"residual connections: the first layer's gradient is {gain:.0f}x the plain sigmoid network's "
        f"(> 100x), and {reach['sigmoid, residual']:.1e} of the last hidden layer's (> 1/10)",
        gain > 100 and reach["sigmoid, residual"] > 0.1,
    )

    heading("pictures")
    plt = pyplot()
    if plt is not None:
        save(picture(plt, sizes, depth), args.out / "vanishing_gradients.png")
    return 0


def picture(plt: Any, sizes: dict[str, list[float]], depth: int) -> Any:
    figure, ax = plt.subplots(figsize=(6.5, 4))
    for name, s in sizes.items():
        ax.semilogy(range(1, depth + 2), s, "o-", markersize=3, label=name)
    ax.set(
        title="gradient size per layer (input on the left)",
        xlabel="layer (last = linear output)",
        ylabel="RMS of d loss / d parameter",
    )
    return finish(figure, ax)


if __name__ == "__main__":
    sys.exit(main())
