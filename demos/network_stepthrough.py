"""Backpropagation neuron by neuron: the textbook's equations with one sample's numbers.

A textbook writes backprop for a network of neurons (``l`` a layer, ``L`` the last, ``j`` a neuron,
``k`` a neuron of the next layer, ``f`` the activation)::

    z = w . a + b,   a = f(z)                                   (forward, neuron by neuron)
    delta^L_j = dC/da^L_j * f'(z^L_j)                           (the output error)
    delta^l_j = (sum_k w^(l+1)_kj delta^(l+1)_k) * f'(z^l_j)     (one layer back)
    dC/dw^l_jk = a^(l-1)_k delta^l_j,   dC/db^l_j = delta^l_j    (the gradients)

``nn.viz.network_stepthrough`` computes exactly these for your own model and sample, and writes a
page that steps through them; each delta is shown as its two factors, the error arriving times the
slope f'(z). This lesson prints the steps for a small tanh network in which one hidden neuron is
pushed into saturation, and checks three claims:

1. every gradient from the equations equals the engine's ``.grad`` after ``loss.backward()``;
2. a saturated neuron (slope f'(z) nearly 0) passes almost no error back: its delta and its
   weights' gradients are tiny however large the error arriving (the vanishing gradient);
3. one neuron's own scalar graph, seeded with the error arriving at it, gives the same numbers:
   the neuron view and the scalar graph are the same chain rule.

    python demos/network_stepthrough.py   # pages in demos/out/network_stepthrough/
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # find lesson.py however this file is run

from lesson import check, close, heading, parse_args

from autograd.viz.steps import final_grads
from nn import MLP
from nn.data import make_moons
from nn.losses import mse
from nn.viz import DeltaStep, GradientStep, draw_network, network_stepthrough


def small_network() -> MLP:
    """2 -> 3 -> 1, tanh hidden layer; hidden neuron 1 gets weights large enough to saturate it."""
    model = MLP(2, [3, 1], activation="tanh", seed=4)
    model.layers[0].neurons[1].w[0].data = 6.0  # z = 6 x0 + ...: tanh'(z) ~ 0 for x0 = 0.8
    return model


def gradients_by_the_engine(model: MLP, x: Sequence[float], y: float) -> list[float]:
    model.zero_grad()
    mse([model(x)], [y]).backward()
    grads = [p.grad for p in model.parameters()]
    model.zero_grad()
    return grads


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args("network_stepthrough", __doc__, argv)
    model, x, y = small_network(), [0.8, -0.3], 1.0
    stepper = network_stepthrough(model, x, y, mse)

    heading(f"one sample x = {x}, target {y}, through a 2 -> 3 -> 1 tanh network; C = mse")
    for step in stepper.steps:
        print(f"  {step}")

    heading("checks")
    by_equations = [
        g for s in stepper.steps if isinstance(s, GradientStep) for g in (*s.weight_grads, s.bias_grad)
    ]
    by_engine = gradients_by_the_engine(model, x, y)
    worst = max(abs(a - b) for a, b in zip(by_equations, by_engine))
    check(
        f"the equations give the engine's gradient for all {len(by_engine)} weights and biases "
        f"(largest difference {worst:.1e})",
        len(by_equations) == len(by_engine)
        and all(close(a, b, abs_=1e-15) for a, b in zip(by_equations, by_engine)),
    )

    deltas = {s.neuron: s for s in stepper.steps if isinstance(s, DeltaStep)}
    grads = {s.neuron: s for s in stepper.steps if isinstance(s, GradientStep)}
    tired, healthy = deltas["L0.N1"], deltas["L0.N0"]
    for name, s in (("L0.N1", tired), ("L0.N0", healthy)):
        print(f"  {name}: error arriving {s.error:+.4f} x slope {s.slope:.3g} = delta {s.delta:+.3g}")
    largest_tired = max(abs(g) for g in grads["L0.N1"].weight_grads)
    largest_healthy = max(abs(g) for g in grads["L0.N0"].weight_grads)
    check(
        f"the saturated neuron L0.N1 is flagged, and its weights get at most {largest_tired:.1e}: "
        f"under 1/100 of the healthy neuron L0.N0's ({largest_healthy:.1e})",
        tired.saturated and not healthy.saturated and largest_tired < largest_healthy / 100,
    )

    scalar = stepper.neuron_stepthrough("L0.N0")  # what a click on the neuron opens in the page
    inside = {v.label: g for v, g in final_grads(scalar.steps).items()}
    same = all(close(inside[f"L0.N0.w{k}"], g) for k, g in enumerate(grads["L0.N0"].weight_grads))
    check(
        f"neuron L0.N0's own scalar graph ({len(scalar.steps)} chain-rule steps, seeded with the error "
        "arriving) gives the same weight gradients",
        same and close(inside["L0.N0.b"], grads["L0.N0"].bias_grad),
    )

    heading("pages")
    written = [stepper.save(args.out / "network_stepthrough.html")]
    picture = draw_network(model, x)
    if hasattr(picture, "save"):
        written.append(picture.save(args.out / "network.svg"))
    else:
        written.append(Path(picture.render(args.out / "network", format="svg", cleanup=True)))
    if not args.quick:  # micrograd's moons network, one sample
        X, labels = make_moons(100, noise=0.1, seed=1)
        big = MLP(2, [16, 16, 1], seed=0)
        written.append(
            network_stepthrough(big, X[0], 2 * labels[0] - 1, mse).save(args.out / "moons_sample.html")
        )
    for path in written:
        print(f"  wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
