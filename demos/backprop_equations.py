"""The textbook backpropagation equations, computed by hand, equal the engine's gradients.

Textbooks write backprop for a whole layer at once. With z^l = W^l a^(l-1) + b^l, a^l = sigma(z^l),
a quadratic cost C = 1/2 sum_j (a^L_j - y_j)^2 and the "error" delta^l_j = dC/dz^l_j of neuron j
in layer l, the chain rule gives four equations:

    delta^L_j  = dC/da^L_j * sigma'(z^L_j) = (a^L_j - y_j) * sigma'(z^L_j)        (output error)
    delta^l_j  = (sum_k w^(l+1)_kj * delta^(l+1)_k) * sigma'(z^l_j)               (the recursion)
    dC/dw^l_jk = a^(l-1)_k * delta^l_j                                            (weights)
    dC/db^l_j  = delta^l_j                                                        (biases)

with sigma'(z) = sigma(z) (1 - sigma(z)) for the sigmoid. The engine knows none of this: it sees only
scalar operations (*, +, sigmoid, ...) and multiplies local derivatives along the graph. This demo
computes the equations by hand in plain Python floats for a small sigmoid MLP (2 -> 3 -> 3 -> 2)
and one training example, and compares every weight's and bias's gradient with the engine's.
It also shows where the deltas live in the scalar graph: delta^l_j is the grad of the node z^l_j.

Claim (checked): the equations and the engine agree to 1e-12 on every weight and bias, and every
z node's grad is its delta; also on random networks of other sizes.

    python demos/backprop_equations.py   # graph and step-through in demos/out/backprop_equations/
"""

from __future__ import annotations

import math
import random
import sys
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # find lesson.py however this file is run

from lesson import check, draw_graph, heading, parse_args

from autograd import Value
from nn import MLP
from nn.losses import mse

Vector = list[float]
Matrix = list[list[float]]
TOLERANCE = 1e-12


# -- by hand: the equations, in plain floats -----------------------------------------------------------


def sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z)) if z >= 0 else math.exp(z) / (1.0 + math.exp(z))


def sigmoid_prime(z: float) -> float:
    s = sigmoid(z)
    return s * (1.0 - s)


def backprop_by_hand(
    weights: list[Matrix], biases: list[Vector], x: Vector, y: Vector
) -> tuple[list[Vector], list[Matrix], list[Vector]]:
    """``(deltas, dC/dW, dC/db)`` per layer, from the four equations. ``weights[l][j][k]`` is the
    weight from neuron k of the previous layer to neuron j of this one."""
    activations, zs = [x], []
    for W, b in zip(weights, biases):  # forward: z^l = W^l a^(l-1) + b^l, a^l = sigma(z^l)
        z = [sum(w_jk * a_k for w_jk, a_k in zip(row, activations[-1])) + b_j for row, b_j in zip(W, b)]
        zs.append(z)
        activations.append([sigmoid(z_j) for z_j in z])
    L = len(weights)
    deltas: list[Vector] = [[] for _ in range(L)]
    deltas[L - 1] = [(a - t) * sigmoid_prime(z) for a, t, z in zip(activations[L], y, zs[L - 1])]
    for i in range(L - 2, -1, -1):  # the recursion, from the output back (layer i + 1 of 1..L)
        W_next, delta_next = weights[i + 1], deltas[i + 1]
        deltas[i] = [
            sum(W_next[k][j] * delta_next[k] for k in range(len(delta_next))) * sigmoid_prime(zs[i][j])
            for j in range(len(zs[i]))
        ]
    dW = [[[a_k * d_j for a_k in activations[i]] for d_j in deltas[i]] for i in range(L)]
    db = [list(deltas[i]) for i in range(L)]
    return deltas, dW, db


# -- by the engine: scalar operations and backward() ---------------------------------------------------


def engine_pass(model: MLP, x: Vector, y: Vector) -> tuple[Value, list[list[Value]]]:
    """The cost as a graph, layer by layer; returns it with the z nodes of each layer (labelled)."""
    a: Sequence[float | Value] = x
    z_nodes = []
    for number, layer in enumerate(model.layers, start=1):
        a = layer(a)  # sigma(W a + b), one neuron at a time
        z_nodes.append([a_j.children[0] for a_j in a])  # each a_j = sigmoid(z_j)
        for j, (a_j, z_j) in enumerate(zip(a, z_nodes[-1])):
            a_j.label, z_j.label = f"a{number}[{j}]", f"z{number}[{j}]"
    cost = 0.5 * mse([a], [y], reduction="sum")  # C = 1/2 sum_j (a^L_j - y_j)^2
    cost.label = "C"
    return cost, z_nodes


def weights_of(model: MLP) -> tuple[list[Matrix], list[Vector]]:
    """The model's parameters as plain floats, and names w{l}[j,k], b{l}[j] on the Values."""
    weights, biases = [], []
    for number, layer in enumerate(model.layers, start=1):
        weights.append([[w.data for w in neuron.w] for neuron in layer.neurons])
        biases.append([neuron.b.data for neuron in layer.neurons])
        for j, neuron in enumerate(layer.neurons):
            neuron.b.label = f"b{number}[{j}]"
            for k, w in enumerate(neuron.w):
                w.label = f"w{number}[{j},{k}]"
    return weights, biases


def compare(model: MLP, x: Vector, y: Vector, show: bool = False) -> tuple[float, float, Value]:
    """Max |hand - engine| over all weights and biases, and over all deltas vs z-node grads."""
    weights, biases = weights_of(model)
    deltas, dW, db = backprop_by_hand(weights, biases, x, y)
    cost, z_nodes = engine_pass(model, x, y)
    model.zero_grad()
    cost.backward()
    worst_param = worst_delta = 0.0
    for i, layer in enumerate(model.layers):
        for j, neuron in enumerate(layer.neurons):
            pairs = [(w, dW[i][j][k]) for k, w in enumerate(neuron.w)] + [(neuron.b, db[i][j])]
            for parameter, by_hand in pairs:
                worst_param = max(worst_param, abs(by_hand - parameter.grad))
                if show:
                    print(
                        f"  {parameter.label:<9} {by_hand:+.15f}  {parameter.grad:+.15f}  "
                        f"{by_hand - parameter.grad:+.1e}"
                    )
            worst_delta = max(worst_delta, abs(deltas[i][j] - z_nodes[i][j].grad))
    return worst_param, worst_delta, cost


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args("backprop_equations", __doc__, argv)
    model = MLP(2, [3, 3, 2], activation="sigmoid", output_activation="sigmoid", seed=1)
    x, y = [0.5, -1.2], [1.0, 0.0]

    heading(
        f"a sigmoid MLP 2 -> 3 -> 3 -> 2 ({len(model.parameters())} parameters), one example x = {x}, y = {y}"
    )
    weights, biases = weights_of(model)
    deltas, _, _ = backprop_by_hand(weights, biases, x, y)
    for number in range(len(deltas), 0, -1):
        if number == len(deltas):
            equation = "(a^L - y) * sigma'(z^L)"
        else:
            equation = f"(W^{number + 1}^T delta^{number + 1}) * sigma'(z^{number})"
        values = ", ".join(f"{d:+.6f}" for d in deltas[number - 1])
        print(f"  delta^{number} = {equation:<32} = [{values}]")

    heading("every gradient: by the equations, by the engine, difference")
    print(f"  {'parameter':<9} {'equations':>18}  {'engine':>18}  difference")
    worst_param, worst_delta, cost = compare(model, x, y, show=True)
    print(f"  cost C = {cost.data:.6f}")

    heading("checks")
    check(
        f"the equations equal the engine's grads for all {len(model.parameters())} weights and biases "
        f"(largest difference {worst_param:.1e} <= {TOLERANCE:g})",
        worst_param <= TOLERANCE,
    )
    check(
        f"each z^l_j node's grad in the engine's graph is delta^l_j (largest difference {worst_delta:.1e})",
        worst_delta <= TOLERANCE,
    )
    rng = random.Random(2)
    trials = 5 if args.quick else 200
    worst = 0.0
    for trial in range(trials):
        sizes = [rng.randint(1, 5) for _ in range(rng.randint(2, 5))]
        net = MLP(sizes[0], sizes[1:], activation="sigmoid", output_activation="sigmoid", seed=trial)
        sample = [rng.uniform(-2, 2) for _ in range(sizes[0])]
        target = [rng.random() for _ in range(sizes[-1])]
        params, deltas_error, _ = compare(net, sample, target)
        worst = max(worst, params, deltas_error)
    check(
        f"they agree on {trials} random sigmoid MLPs of other shapes too (largest difference {worst:.1e})",
        worst <= TOLERANCE,
    )

    heading("pictures: the scalar graph the engine differentiated (z and a nodes labelled)")
    _, _, cost = compare(model, x, y)
    draw_graph(cost, args.out, "backprop_graph")
    return 0


if __name__ == "__main__":
    sys.exit(main())
