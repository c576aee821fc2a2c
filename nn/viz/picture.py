"""Pictures of a network as neurons and weights: ``draw_network`` (Graphviz) and the built-in SVG.

One node per input and per neuron, one edge per weight. An edge's colour is the weight's sign
(blue positive, orange negative) and its thickness grows with ``|w|``. A neuron shows its name
(``L1.N3``: layer 1, neuron 3, as in the parameter labels ``L1.N3.w0``), its activation and, for a
sample ``x``, its weighted sum ``z`` and activation ``a``; after ``backward()`` it shows
``dC/db``, its ``delta`` summed over the batch (``dC/db = delta``), and each edge ``dC/dw``.

The built-in SVG needs nothing but Python: the page (``network_stepthrough``) always uses it, and
``draw_network`` returns it (a :class:`NetworkPicture`) when Graphviz is not installed.
"""

from __future__ import annotations

import math
import shutil
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from autograd import no_grad
from autograd.viz.page import escape
from autograd.viz.renderers import SVGPicture
from nn.layers import Layer
from nn.module import Module
from nn.viz.network import NetworkPass, forward_pass, network_layers, number

POSITIVE, NEGATIVE = "#2563eb", "#ea580c"  # weight colours: blue > 0, orange < 0
NODE_WIDTH, NODE_HEIGHT = 96, 64
COLUMN_GAP, ROW_GAP, MARGIN = 200, 76, 24
#: Above this many weights, edges carry no text labels (hover or focus shows each one's numbers).
MAX_LABELLED_EDGES = 40


@dataclass
class Layout:
    """Where each node sits: ``nodes[id] = (x, y)`` (its centre) and the drawing's size. Ids:
    ``x{k}`` inputs, ``n{l}_{j}`` neurons, ``cost`` the cost node (pages only); edges
    ``e{l}_{j}_{k}`` (into neuron ``j`` of layer ``l`` from input or neuron ``k``)."""

    columns: list[list[str]]
    nodes: dict[str, tuple[float, float]] = field(default_factory=dict)
    width: float = 0.0
    height: float = 0.0


def node_id(layer: int, index: int) -> str:
    """The SVG id of neuron ``index`` of layer ``layer``; layer ``-1`` is the inputs."""
    return f"x{index}" if layer < 0 else f"n{layer}_{index}"


def network_layout(sizes: Sequence[int], cost: bool = False, gap: float = COLUMN_GAP) -> Layout:
    """Columns ``gap`` apart, left to right (inputs, each layer, the cost node), each centred."""
    columns = [[node_id(li - 1, j) for j in range(n)] for li, n in enumerate(sizes)]
    if cost:
        columns.append(["cost"])
    tallest = max(len(c) for c in columns)
    layout = Layout(columns)
    layout.width = 2 * MARGIN + NODE_WIDTH + gap * (len(columns) - 1)
    layout.height = 2 * MARGIN + NODE_HEIGHT + ROW_GAP * (tallest - 1)
    for c, column in enumerate(columns):
        top = MARGIN + NODE_HEIGHT / 2 + ROW_GAP * (tallest - len(column)) / 2
        for r, name in enumerate(column):
            layout.nodes[name] = (MARGIN + NODE_WIDTH / 2 + gap * c, top + ROW_GAP * r)
    return layout


def edge_style(w: float, largest: float) -> tuple[str, float]:
    """``(colour, width)`` of a weight's edge: its sign, and ``|w|`` relative to the largest."""
    share = abs(w) / largest if largest > 0 and math.isfinite(w) else 0.0
    return (POSITIVE if w >= 0 else NEGATIVE), round(0.6 + 3.4 * share, 2)


def _text(x: float, y: float, text: str, cls: str = "", weight: str = "") -> str:
    extra = f' class="{cls}"' if cls else ""
    bold = ' font-weight="bold"' if weight else ""
    return f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="middle"{extra}{bold}>{escape(text)}</text>'


def svg_edges(layers: Sequence[Layer], layout: Layout, tooltips: Sequence[str] | None = None) -> list[str]:
    """One ``<line>`` per weight (ids ``e{l}_{j}_{k}``), with a ``<title>``: its label and value."""
    largest = max((abs(w.data) for layer in layers for n in layer.neurons for w in n.w), default=0.0)
    parts, i = [], 0
    for li, layer in enumerate(layers):
        for j, neuron in enumerate(layer.neurons):
            x2, y2 = layout.nodes[node_id(li, j)]
            for k, w in enumerate(neuron.w):
                x1, y1 = layout.nodes[node_id(li - 1, k)]
                colour, width = edge_style(w.data, largest)
                tip = tooltips[i] if tooltips else f"L{li}.N{j}.w{k} = {number(w.data)}"
                parts.append(
                    f'<line id="e{li}_{j}_{k}" class="edge" x1="{x1 + NODE_WIDTH / 2:.1f}" y1="{y1:.1f}" '
                    f'x2="{x2 - NODE_WIDTH / 2:.1f}" y2="{y2:.1f}" stroke="{colour}" '
                    f'stroke-width="{width}"><title>{escape(tip)}</title></line>'
                )
                i += 1
    return parts


def node_box(node: str, lines: Sequence[tuple[str, str]], layout: Layout, extra: str = "") -> str:
    """A node: a rounded box with lines of ``(css class, text)``; the first line is its name."""
    x, y = layout.nodes[node]
    top = y - NODE_HEIGHT / 2
    parts = [
        f'<g id="{node}" class="node"{extra}>',
        f'<rect x="{x - NODE_WIDTH / 2:.1f}" y="{top:.1f}" width="{NODE_WIDTH}" '
        f'height="{NODE_HEIGHT}" rx="9"/>',
    ]
    for i, (cls, text) in enumerate(lines):
        parts.append(_text(x, top + 15 + 14 * i, text, cls, "bold" if i == 0 else ""))
    parts.append("</g>")
    return "".join(parts)


def svg_document(layout: Layout, body: Sequence[str], title: str = "", role: str = "img") -> str:
    """The ``<svg>`` element around ``body``, sized to the layout; ``role="group"`` when it holds
    controls (an ``img`` cannot)."""
    caption = f"<title>{escape(title)}</title>" if title else ""
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{layout.width:.0f}" height="{layout.height:.0f}" '
        f'viewBox="0 0 {layout.width:.0f} {layout.height:.0f}" font-family="Helvetica, Arial, sans-serif" '
        f'font-size="11" role="{role}">{caption}{"".join(body)}</svg>'
    )


def _sample(model: Module, x: Sequence[Any] | None) -> NetworkPass | None:
    if x is None:
        return None
    with no_grad():
        return forward_pass(model, x)


def _has_grads(model: Module) -> bool:
    return any(p.grad != 0.0 for p in model.parameters())


def _neuron_lines(model: Module, network: NetworkPass | None, li: int, j: int) -> list[tuple[str, str]]:
    neuron = network_layers(model)[li].neurons[j]
    lines = [("name", f"L{li}.N{j} {neuron.activation}")]
    if network is not None:
        state = network.neurons[li][j]
        lines += [("", f"z = {number(state.z.data)}"), ("", f"a = {number(state.a.data)}")]
    if _has_grads(model):
        lines.append(("", f"∂C/∂b = {number(neuron.b.grad)}"))
    return lines


def network_svg(model: Module, x: Sequence[Any] | None = None, title: str = "") -> str:
    """The built-in picture of ``model`` (and of sample ``x``) as SVG text: no Graphviz needed."""
    layers = network_layers(model)
    labelled = sum(layer.nin * layer.nout for layer in layers) <= MAX_LABELLED_EDGES
    layout = network_layout(
        [layers[0].nin] + [layer.nout for layer in layers], gap=300 if labelled else COLUMN_GAP
    )
    network = _sample(model, x)
    body = svg_edges(layers, layout)
    for k in range(layers[0].nin):
        value = [("", f"= {number(network.inputs[k].data)}")] if network else []
        body.append(node_box(f"x{k}", [("name", f"x{k}"), *value], layout))
    for li, layer in enumerate(layers):
        for j in range(layer.nout):
            body.append(node_box(node_id(li, j), _neuron_lines(model, network, li, j), layout))
    if labelled:  # last: on top of the lines
        body += _edge_labels(layers, layout, _has_grads(model))
    return svg_document(layout, [f"<style>{PICTURE_CSS}</style>", *body], title)


def _edge_labels(layers: Sequence[Layer], layout: Layout, grads: bool) -> list[str]:
    """``w`` (and ``dC/dw``) on each edge, past the middle, toward the neuron it feeds."""
    parts = []
    for li, layer in enumerate(layers):
        for j, neuron in enumerate(layer.neurons):
            x2, y2 = layout.nodes[node_id(li, j)]
            for k, w in enumerate(neuron.w):
                x1, y1 = layout.nodes[node_id(li - 1, k)]
                x1, x2 = x1 + NODE_WIDTH / 2, x2 - NODE_WIDTH / 2
                x, y = x1 + (x2 - x1) * 0.6, y1 + (y2 - y1) * 0.6
                text = f"{number(w.data, 3)}" + (f" ∂{number(w.grad, 3)}" if grads else "")
                parts.append(_text(x, y - 3, text, "weight"))
    return parts


PICTURE_CSS = (
    ".node rect{fill:#fff;stroke:#374151;stroke-width:1.2}.edge{stroke-opacity:.55}"
    ".weight{font-size:9px;fill:#374151;paint-order:stroke;stroke:#fff;stroke-width:3px}"
)


class NetworkPicture(SVGPicture):
    """The built-in SVG of a network: shown inline by Jupyter, ``.save(path)`` writes it."""

    def __init__(self, svg: str) -> None:
        self._svg = svg

    @property
    def svg(self) -> str:
        return self._svg

    def __repr__(self) -> str:
        return f"<NetworkPicture: {len(self.svg)} characters of SVG; .save(path) writes it>"


def draw_network(model: Module, x: Sequence[Any] | None = None) -> Any:
    """``model`` as neurons and weights: a ``graphviz.Digraph`` (one node per input and neuron, one
    edge per weight labelled ``w`` and, after ``backward()``, ``dC/dw``).

    Legend: a neuron shows ``L{layer}.N{index}``, its activation and, for a sample ``x``, ``z`` and
    ``a``; after ``backward()`` also ``dC/db`` (its ``delta`` summed over the batch). Edges: blue for
    a positive weight, orange for a negative one, thicker for a larger ``|w|``.

    Without the ``graphviz`` package or the ``dot`` program, returns a :class:`NetworkPicture`
    (the built-in SVG, shown the same way in Jupyter; ``.save(path)``) instead.
    """
    layers = network_layers(model)
    try:
        import graphviz
    except ImportError:
        return NetworkPicture(network_svg(model, x))
    if shutil.which("dot") is None:
        return NetworkPicture(network_svg(model, x))
    network, grads = _sample(model, x), _has_grads(model)
    dot = graphviz.Digraph("network", format="svg")
    dot.attr(
        rankdir="LR", splines="line", nodesep="0.15", ranksep="2.4", fontname="Helvetica", ordering="out"
    )
    dot.attr(
        "node", shape="box", style="rounded,filled", fillcolor="white", fontname="Helvetica", fontsize="11"
    )
    dot.attr("edge", arrowsize="0.5", fontname="Helvetica", fontsize="9", decorate="true")
    for k in range(layers[0].nin):
        value = f"\\n= {number(network.inputs[k].data)}" if network else ""
        dot.node(f"x{k}", f"x{k}{value}", fillcolor="#dbeafe")
    for li, layer in enumerate(layers):
        for j in range(layer.nout):
            text = "\\n".join(t for _, t in _neuron_lines(model, network, li, j))
            dot.node(node_id(li, j), text)
    _dot_edges(dot, layers, grads)
    return dot


def _dot_edges(dot: Any, layers: Sequence[Layer], grads: bool) -> None:
    """One edge per weight: coloured by sign, thicker when larger, labelled when there are few."""
    largest = max((abs(w.data) for layer in layers for n in layer.neurons for w in n.w), default=0.0)
    labelled = sum(layer.nin * layer.nout for layer in layers) <= MAX_LABELLED_EDGES
    for li, layer in enumerate(layers):
        for j, neuron in enumerate(layer.neurons):
            for k, w in enumerate(neuron.w):
                colour, width = edge_style(w.data, largest)
                tip = f"L{li}.N{j}.w{k} = {number(w.data)}"
                text = f"w = {number(w.data)}"
                if grads:
                    tip, text = f"{tip}, dC/dw = {number(w.grad)}", f"{text}\\n∂C/∂w = {number(w.grad)}"
                label = {"label": text} if labelled else {}
                dot.edge(
                    node_id(li - 1, k),
                    node_id(li, j),
                    color=colour,
                    penwidth=str(width),
                    tooltip=tip,
                    **label,
                )
