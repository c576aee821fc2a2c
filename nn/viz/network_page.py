"""The neuron-level step-through page: one sample through a network, in the textbook's equations.

The page shows the network as neurons and weights (the built-in SVG of :mod:`nn.viz.picture`, so no
Graphviz is needed) and steps through :func:`nn.viz.network.network_steps`: each step reveals one
neuron's numbers and writes its equation, with this sample's numbers, in the side panel. A click
(or Enter) on a neuron opens the scalar step-through of that neuron alone
(:func:`autograd.viz.stepthrough` of :func:`nn.viz.network.neuron_graph`), stored compressed in the
page and unpacked by the browser when asked for.

Every user-supplied text (the loss's name, targets) is escaped (``escape``) before it reaches the
HTML, which the page's script inserts as it is; everything else is numbers and names made here.
"""

from __future__ import annotations

import base64
import os
import zlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from autograd.viz import StepThrough, stepthrough
from autograd.viz.page import Page, escape, page_html, player_controls
from nn.viz.network import (
    SATURATED_SLOPE,
    CostStep,
    DeltaStep,
    ForwardStep,
    GradientStep,
    NetworkPass,
    NetworkStep,
    factor,
    neuron_graph,
    number,
)
from nn.viz.picture import NODE_WIDTH, Layout, network_layout, node_box, node_id, svg_document, svg_edges


def _ids_of(layer: int, count: int) -> list[str]:
    return [node_id(layer, k) for k in range(count)]


def _equation(*rows: str) -> str:
    return "".join(f'<div class="eq">{row}</div>' for row in rows)


def _terms(rows: Sequence[str], caption: str) -> str:
    """A list of the terms behind a result, under a caption (after the result: it can be long)."""
    items = "".join(f"<li>{row}</li>" for row in rows)
    return f'<p class="caption">{caption}</p><ul class="terms">{items}</ul>'


def _sum(terms: Sequence[float], last: float) -> str:
    """``t0 + t1 + ... + last`` written out for a few terms, summarized for many."""
    if len(terms) > 6:
        return f"(the {len(terms)} products below) + {factor(last)}"
    return " + ".join(factor(t) for t in [*terms, last])


def _forward_panel(step: ForwardStep) -> str:
    products = [w * v for w, v in zip(step.weights, step.input_values)]
    rows = [
        f"{step.neuron}.w{k} × {escape(i)} = {factor(w)}×{factor(v)} = {number(p)}"
        for k, (i, w, v, p) in enumerate(zip(step.inputs, step.weights, step.input_values, products))
    ]
    slope = f"{step.activation}′(z) = {number(step.slope)}"
    return (
        "<p>The neuron weighs what it reads, adds its bias b, then applies its activation f.</p>"
        + _equation("z = Σₖ wₖ aₖ + b", f"  = {_sum(products, step.bias)} = <b>{number(step.z)}</b>",
                    f"a = {step.activation}({number(step.z)}) = <b>{number(step.a)}</b>")
        + f'<p class="muted">Its slope at z, needed on the way back: {slope}.</p>'
        + _saturation(step.activation, step.slope)
        + _terms(rows, "The products wₖ × aₖ:")
    )  # fmt: skip


def _saturation(activation: str, slope: float) -> str:
    """A warning when the slope is nearly zero (nothing when it is not)."""
    if abs(slope) > SATURATED_SLOPE:
        return ""
    what = (
        "<b>Inactive:</b> z ≤ 0, so relu′(z) = 0"
        if activation == "relu"
        else f"<b>Saturated:</b> {activation}′(z) = {number(slope)}, nearly zero"
    )
    share = "none" if slope == 0 else "almost none"
    return (
        f'<p class="warn" role="note">{what}: {share} of the error passes back through this '
        "neuron, so its weights and everything before it learn little from this sample (the "
        "vanishing gradient).</p>"
    )


def _cost_panel(step: CostStep) -> str:
    outputs = ", ".join(number(v) for v in step.outputs)
    return (
        "<p>The cost compares the network's output with the target.</p>"
        + _equation(f"C = {escape(step.loss)}([{outputs}], [{escape(', '.join(step.targets), 80)}])",
                    f"  = <b>{number(step.cost)}</b>")
        + "<p>Backpropagation now finds, for every neuron, how much C changes when its z changes: "
        "its error δ = ∂C/∂z, starting at the output layer.</p>"
    )  # fmt: skip


def _delta_panel(step: DeltaStep) -> str:
    """δ as its two factors: the error arriving and the slope of the activation at z."""
    arriving = "Σₖ wₖⱼ δₖ" if step.terms else "∂C/∂a"
    product = f"({arriving})" if step.terms else arriving
    where = (
        "the next layer's errors δₖ, each times the weight that carried this neuron's output there"
        if step.terms
        else "the loss's own derivative with respect to this output"
    )
    rows = [
        f"{name}.w{step.index} × δ({name}) = {factor(w)}×{factor(d)} = {number(w * d)}"
        for name, w, d in step.terms
    ]
    return (
        _equation(f"δ = {product} × {step.activation}′(z)")
        + '<div class="factors">'
        + f'<div><span class="muted">error arriving</span><br>{arriving} = <b>{number(step.error)}</b></div>'
        + '<div class="times" aria-hidden="true">×</div>'
        + f'<div><span class="muted">slope</span><br>{step.activation}′(z) = '
        + f"<b>{number(step.slope)}</b></div>"
        + "</div>"
        + _equation(f"δ = {factor(step.error)} × {factor(step.slope)} = <b>{number(step.delta)}</b>")
        + _saturation(step.activation, step.slope)
        + f"<p>The error arriving is {where}.</p>"
        + (_terms(rows, f"{arriving}, term by term:") if rows else "")
        + f'<p class="muted">The engine\'s ∂C/∂z for this neuron: {number(step.engine)}.</p>'
    )


def _gradient_panel(step: GradientStep) -> str:
    rows = [
        f"∂C/∂{step.neuron}.w{k} = {escape(i)} × δ = {factor(a)}×{factor(step.delta)} = <b>{number(g)}</b>"
        for k, (i, a, g) in enumerate(zip(step.inputs, step.input_values, step.weight_grads))
    ]
    return (
        _equation("∂C/∂wₖ = aₖ × δ", f"∂C/∂b = δ = <b>{number(step.bias_grad)}</b>")
        + "<p>A weight's gradient is the neuron's error δ times the input that weight multiplied; "
        "the bias multiplies 1, so its gradient is δ itself.</p>"
        + _terms(rows, "Each weight:")
        + '<p class="muted">Each equals the engine\'s gradient of the same parameter (checked when '
        "the page was made).</p>"
    )


def _panel(step: NetworkStep) -> str:
    """The side panel of one step: the equation with this sample's numbers, then the details."""
    if isinstance(step, ForwardStep):
        return _forward_panel(step)
    if isinstance(step, CostStep):
        return _cost_panel(step)
    if isinstance(step, DeltaStep):
        return _delta_panel(step)
    return _gradient_panel(step)


def _step_data(step: NetworkStep, network: NetworkPass) -> dict[str, Any]:
    """What the page needs for one step: the nodes it changes and reads, its edges, its panel."""
    sizes = [network.layers[0].nin] + [layer.nout for layer in network.layers]
    outputs = _ids_of(len(network.layers) - 1, sizes[-1])
    if isinstance(step, CostStep):
        focus, read, edges = ["cost"], outputs, [f"c{j}" for j in range(sizes[-1])]
        title = "The cost"
    else:
        li, j = step.layer, step.index
        focus = [node_id(li, j)]
        incoming = [f"e{li}_{j}_{k}" for k in range(sizes[li])]
        if isinstance(step, DeltaStep) and step.terms:
            read, edges = _ids_of(li + 1, sizes[li + 2]), [f"e{li + 1}_{k}_{j}" for k in range(sizes[li + 2])]
        elif isinstance(step, DeltaStep):
            read, edges = ["cost"], [f"c{j}"]
        else:
            read, edges = _ids_of(li - 1, sizes[li]), incoming
        verb = {"forward": "Forward", "delta": "Error δ of", "gradient": "Gradients of"}[step.kind]
        title = f"{verb} neuron {step.neuron}"
    return {"kind": step.kind, "title": title, "focus": focus, "read": read, "edges": edges,
            "html": _panel(step)}  # fmt: skip


def _neuron_lines(network: NetworkPass, li: int, j: int) -> list[tuple[str, str]]:
    s = network.neurons[li][j]
    return [
        ("name", f"{s.name} {s.neuron.activation}"),
        ("v f", f"z = {number(s.z.data)}"),
        ("v f", f"a = {number(s.a.data)}"),
        ("v d", f"δ = {number(s.delta)}" + (" ⚠" if s.saturated else "")),
    ]


def _svg(network: NetworkPass, layout: Layout) -> str:
    """The network for the page: weights, inputs, neurons (clickable), the cost node and its links."""
    tips = [
        f"{s.name}.w{k} = {number(w.data)}; ∂C/∂w = {number(network.grads[w] if network.grads else 0.0)}"
        for row in network.neurons for s in row for k, w in enumerate(s.neuron.w)
    ]  # fmt: skip
    body = ['<g id="weights">', *svg_edges(network.layers, layout, tips)]
    cx, cy = layout.nodes["cost"]
    for j in range(len(network.neurons[-1])):
        x, y = layout.nodes[node_id(len(network.layers) - 1, j)]
        body.append(
            f'<line id="c{j}" class="edge link" x1="{x + NODE_WIDTH / 2:.1f}" y1="{y:.1f}" '
            f'x2="{cx - NODE_WIDTH / 2:.1f}" y2="{cy:.1f}" stroke="#6b7280" stroke-dasharray="4 3"/>'
        )
    body.append('</g><g id="lit-edges"></g>')  # this step's edges are copied here, drawn bright
    for k, leaf in enumerate(network.inputs):
        body.append(node_box(f"x{k}", [("name", f"x{k} input"), ("", f"= {number(leaf.data)}")], layout))
    for li, row in enumerate(network.neurons):
        for j, s in enumerate(row):
            # its name is what it shows; the hint says what pressing it does
            extra = f' tabindex="0" role="button" aria-describedby="neuron-hint" data-name="{s.name}"'
            body.append(node_box(node_id(li, j), _neuron_lines(network, li, j), layout, extra))
    cost = network.cost.data if network.cost is not None else 0.0
    body.append(node_box("cost", [("name", "C cost"), ("v f", f"= {number(cost)}")], layout))
    return svg_document(layout, body, "the network, one neuron per box, one line per weight", role="group")


def _neuron_pages(network: NetworkPass) -> dict[str, str]:
    """Each neuron's scalar step-through page, zlib-compressed and base64-encoded (the page's script
    unpacks one when its neuron is opened)."""
    pages = {}
    for row in network.neurons:
        for s in row:
            root, seed = neuron_graph(network, s.name)
            title = f"Inside neuron {s.name}: the chain rule, seeded with ∂C/∂a = {number(seed)}"
            html = stepthrough(root, seed=seed, renderer="builtin", title=title).html
            packed = zlib.compress(html.encode("utf-8"), 1)
            pages[node_id(s.layer, s.index)] = base64.b64encode(packed).decode("ascii")
    return pages


def network_page_html(network: NetworkPass, steps: Sequence[NetworkStep], title: str) -> str:
    """The whole page for ``steps`` of ``network``."""
    sizes = [network.layers[0].nin] + [layer.nout for layer in network.layers]
    layout = network_layout(sizes, cost=True)
    reveal: dict[str, dict[str, Any]] = {}
    for i, step in enumerate(steps):
        if isinstance(step, CostStep):
            reveal.setdefault("cost", {"f": i, "sat": False})
        else:
            entry = reveal.setdefault(node_id(step.layer, step.index), {"sat": False})
            entry[step.kind[0]] = i  # f(orward), d(elta), g(radient)
            if isinstance(step, ForwardStep):
                entry["sat"] = abs(step.slope) <= SATURATED_SLOPE
    shape = " → ".join(str(n) for n in sizes)
    intro = (
        f"<p>A network {shape} and one sample: x = [{', '.join(number(x.data) for x in network.inputs)}]. "
        "Step forward neuron by neuron (z = w·a + b, a = f(z)), then backward in the textbook's "
        "equations: each neuron's error δ = ∂C/∂z, output layer first, then each weight's gradient.</p>"
        '<p class="muted">Blue lines are positive weights, orange negative; thicker is larger. '
        "Click a neuron (or focus it and press Enter) to see the chain rule inside it.</p>"
    )
    data = {
        "steps": [_step_data(s, network) for s in steps],
        "reveal": reveal,
        "intro": intro,
        "pages": _neuron_pages(network),
    }
    body = BODY.replace("{{svg}}", _svg(network, layout))
    return page_html(title, body, css=CSS, script=SCRIPT, data=data, controls=player_controls(extra=ZOOM))


class NetworkStepThrough:
    """One sample through a network, step by step: ``.steps`` (the data), ``.network`` (the pass),
    ``.html`` and ``.save(path)`` (the page, made on first use) and, in Jupyter, the page inline
    (``_repr_html_``: a sandboxed iframe, so it cannot touch the notebook)."""

    def __init__(self, network: NetworkPass, steps: list[NetworkStep], title: str) -> None:
        self.network = network
        self.steps = steps
        self.title = title
        self._page: Page | None = None

    @property
    def page(self) -> Page:
        if self._page is None:
            self._page = Page(network_page_html(self.network, self.steps, self.title), self.title, height=720)
        return self._page

    @property
    def html(self) -> str:
        """The self-contained page."""
        return self.page.html

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the page to ``path``; open it in any browser (no server, no network)."""
        return self.page.save(path)

    def _repr_html_(self) -> str:
        return self.page._repr_html_()

    def neuron_stepthrough(self, name: str) -> StepThrough:
        """The scalar step-through of neuron ``name`` (``"L1.N3"``) alone: what a click shows."""
        root, seed = neuron_graph(self.network, name)
        return stepthrough(root, seed=seed, title=f"Inside neuron {name}")

    def __repr__(self) -> str:
        return f"<NetworkStepThrough {self.title!r}: {len(self.steps)} steps; .save(path) writes the page>"


ZOOM = (
    '<label>Zoom <select id="zoom"><option value="fit">fit</option><option value="0.5">50%</option>'
    '<option value="0.75">75%</option><option value="1">100%</option><option value="1.5">150%</option>'
    "</select></label>"
)

BODY = """<p id="neuron-hint" class="visually-hidden">Opens the chain rule inside this neuron.</p>
<main class="app-main">
  <div id="graph" class="view" tabindex="0" role="region" aria-label="The network">{{svg}}</div>
  <aside id="panel" class="panel" aria-label="This step">
    <div id="phase" class="muted"></div>
    <h2 id="step-title"></h2>
    <div id="explain" aria-live="polite"></div>
    <details id="legend-box"><summary>Legend and keys</summary>
    <div class="legend">
      <div><span class="swatch current"></span>this step's neuron</div>
      <div><span class="swatch read"></span>what it reads</div>
      <div><span class="swatch done"></span>δ known</div>
      <div><span class="swatch sat"></span>slope ≈ 0 (saturated)</div>
      <div><span class="line pos"></span>positive weight</div>
      <div><span class="line neg"></span>negative weight</div>
    </div>
    <p class="muted">&#x2190; &#x2192; step &middot; Space play/pause &middot; Home/End first/last &middot;
    click a neuron (or Tab to it and press Enter) for the chain rule inside it.</p>
    </details>
  </aside>
</main>
<dialog id="inside" aria-labelledby="inside-title">
  <div class="dialog-head"><h2 id="inside-title"></h2>
  <button id="inside-close" type="button" title="Close (Esc)">Close</button></div>
  <iframe id="inside-frame" sandbox="allow-scripts" title="The neuron's scalar step-through"></iframe>
</dialog>"""

CSS = """
#graph svg { display: block; }
#graph.fit svg { width: 100%; height: auto; }
#phase { text-transform: uppercase; letter-spacing: .06em; }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0);
  white-space: nowrap; }
.caption { font-size: 13px; margin: 10px 0 2px; }
.legend { font-size: 12px; display: grid; grid-template-columns: 1fr 1fr; gap: 4px; margin: 8px 0; }
.swatch { display: inline-block; width: 16px; height: 11px; margin-right: 6px; border: 1px solid #374151;
  border-radius: 3px; vertical-align: middle; }
.swatch.current { background: #fef3c7; border: 2px solid #b45309; }
.swatch.read { background: #dbeafe; border: 2px solid #1d4ed8; }
.swatch.done { background: #f5f3ff; } .swatch.sat { border: 2px dashed #b91c1c; }
.line { display: inline-block; width: 18px; height: 0; border-top: 3px solid; margin-right: 6px;
  vertical-align: middle; }
.line.pos { border-color: #2563eb; } .line.neg { border-color: #ea580c; }
.eq { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 13px; background: #f3f4f6;
  border-radius: 4px; padding: 4px 8px; margin: 4px 0; overflow-wrap: anywhere; }
.terms { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 12px; padding-left: 18px;
  margin: 6px 0; max-height: 40vh; overflow: auto; }
.factors { display: flex; gap: 10px; align-items: center; margin: 8px 0; }
.factors > div { background: #eef2ff; border-radius: 6px; padding: 6px 10px; font-size: 13px; }
.factors > .times { background: none; font-size: 20px; padding: 0; }
.warn { background: #fee2e2; border-left: 4px solid #b91c1c; padding: 6px 10px; font-size: 13px; }
.node rect { fill: #fff; stroke: #374151; stroke-width: 1.2; }
.node[data-name] { cursor: pointer; }
.node[data-name]:hover rect, .node[data-name]:focus rect { stroke: #2563eb; stroke-width: 2.5; }
.node .v { visibility: hidden; }
.node.f .v.f, .node.d .v.d { visibility: visible; }
.node.d rect { fill: #f5f3ff; }
.node.sat rect { stroke: #b91c1c; stroke-dasharray: 5 3; stroke-width: 2; }
.node.current rect { fill: #fef3c7; stroke: #b45309; stroke-width: 3; }
.node.read rect { fill: #dbeafe; stroke: #1d4ed8; stroke-width: 2.5; }
.edge { stroke-opacity: .5; }
svg.focused #weights { opacity: .25; }  /* one change dims every weight; this step's are copied */
#lit-edges .edge { stroke-opacity: 1; }
#inside { width: min(1200px, 96vw); height: 90vh; padding: 0; border: 1px solid #6b7280; border-radius: 8px; }
#inside[open] { display: flex; flex-direction: column; }
#inside::backdrop { background: rgba(17, 24, 39, .45); }
.dialog-head { display: flex; justify-content: space-between; align-items: center; gap: 8px;
  padding: 6px 10px; border-bottom: 1px solid #e5e7eb; }
.dialog-head h2 { font-size: 15px; margin: 0; }
#inside-frame { flex: 1; width: 100%; border: 0; }
"""

SCRIPT = r"""
(function () {
  "use strict";
  var data = chainrule.data, $ = chainrule.$, steps = data.steps, count = steps.length;
  var graph = $("graph"), svg = graph.querySelector("svg"), lit = [], litEdges = $("lit-edges");
  function copyEdges(ids) {  // bright copies above the dimmed weights (no id: ids stay unique)
    while (litEdges.firstChild) { litEdges.removeChild(litEdges.firstChild); }
    ids.forEach(function (id) {
      var edge = document.getElementById(id); if (!edge) { return; }
      var copy = edge.cloneNode(true); copy.removeAttribute("id"); litEdges.appendChild(copy);
    });
  }
  var nodes = Object.keys(data.reveal).map(function (id) {
    return { el: document.getElementById(id), r: data.reveal[id], cls: "" };
  });
  function phase(k) {
    var s = steps[k - 1];
    if (!s) { return "start"; }
    return { forward: "forward pass", cost: "the cost", delta: "backward: errors δ",
             gradient: "backward: gradients" }[s.kind] + " · step " + k + " of " + count;
  }
  function light(ids, cls) {
    ids.forEach(function (id) {
      var el = document.getElementById(id);
      if (el) { el.classList.add(cls); lit.push([el, cls]); }
    });
  }
  function reveal(ids) {  // scroll so that the boxes of ids are in view
    var frame = graph.getBoundingClientRect(), box = null;
    ids.forEach(function (id) {
      var el = document.getElementById(id); if (!el) { return; }
      var r = el.getBoundingClientRect();
      var b = [r.left - frame.left + graph.scrollLeft, r.top - frame.top + graph.scrollTop];
      b.push(b[0] + r.width, b[1] + r.height);
      box = box ? [Math.min(box[0], b[0]), Math.min(box[1], b[1]), Math.max(box[2], b[2]),
                   Math.max(box[3], b[3])] : b;
    });
    if (!box) { return; }
    function axis(lo, hi, pos, size) {
      if (lo >= pos && hi <= pos + size) { return pos; }
      return hi - lo <= size ? (lo + hi - size) / 2 : lo - 8;
    }
    graph.scrollLeft = axis(box[0], box[2], graph.scrollLeft, graph.clientWidth);
    graph.scrollTop = axis(box[1], box[3], graph.scrollTop, graph.clientHeight);
  }
  function show(k, scroll) {
    nodes.forEach(function (n) {
      var r = n.r, cls = "node";
      if (r.f < k) { cls += " f"; if (r.sat) { cls += " sat"; } }
      if (r.d < k) { cls += " d"; }
      if (cls !== n.cls) { n.el.setAttribute("class", cls); n.cls = cls; }
    });
    lit.forEach(function (pair) { pair[0].classList.remove(pair[1]); });
    lit = [];
    var s = steps[k - 1];
    $("phase").textContent = phase(k);
    if (svg) { svg.classList.toggle("focused", !!s); }
    if (s) {
      light(s.focus, "current"); light(s.read, "read"); copyEdges(s.edges);
      $("step-title").textContent = s.title;
      $("explain").innerHTML = s.html;  // built from escaped text when the page was made
      if (scroll) { reveal(s.focus.concat(s.read).length <= 4 ? s.focus.concat(s.read) : s.focus); }
    } else {
      copyEdges([]);
      $("step-title").textContent = "One sample through the network";
      $("explain").innerHTML = data.intro;
    }
  }
  // A click or Enter on a neuron: unpack its scalar step-through into the dialog.
  var dialog = $("inside"), frame = $("inside-frame");
  function open(g) {
    var packed = data.pages[g.id]; if (!packed) { return; }
    var bytes = Uint8Array.from(atob(packed), function (c) { return c.charCodeAt(0); });
    var stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("deflate"));
    new Response(stream).text().then(function (html) {
      $("inside-title").textContent = "Inside neuron " + g.getAttribute("data-name");
      if (!dialog.open) { dialog.showModal(); }
      frame.srcdoc = html;  // after showModal: the page inside measures its frame when it loads
      $("inside-close").focus();
    });
  }
  Array.prototype.forEach.call(document.querySelectorAll(".node[data-name]"), function (g) {
    g.addEventListener("click", function () { open(g); });
    g.addEventListener("keydown", function (event) {
      if (event.key !== "Enter" && event.key !== " ") { return; }
      event.preventDefault(); event.stopPropagation(); open(g);
    });
  });
  $("inside-close").addEventListener("click", function () { dialog.close(); });
  dialog.addEventListener("close", function () { frame.removeAttribute("srcdoc"); });
  dialog.addEventListener("click", function (event) {  // a click on the backdrop closes it
    if (event.target === dialog) { dialog.close(); }
  });
  document.addEventListener("keydown", function (event) {  // the player waits while the dialog is open
    if (dialog.open) { event.stopImmediatePropagation(); }
  }, true);
  var natural = svg ? svg.getBoundingClientRect().width : 0;
  function zoom(value) {
    graph.classList.toggle("fit", value === "fit");
    if (!svg) { return; }
    svg.style.width = value === "fit" ? "" : natural * Number(value) + "px";
    svg.style.height = "auto";
  }
  $("zoom").addEventListener("change", function () { zoom($("zoom").value); });
  var fitScale = natural ? (graph.clientWidth - 24) / natural : 1;
  // small networks grow to the view's width; large ones stay readable (100%) and scroll to each step
  $("zoom").value = fitScale >= 1.5 ? "1.5" : fitScale >= 0.7 ? "fit" : "1";
  zoom($("zoom").value);
  if (window.innerWidth > 860) { $("legend-box").open = true; }
  var player = chainrule.player({ count: count, show: show });
  // start where the pass starts: the inputs in view (they sit mid-column in a tall network)
  var inputs = document.querySelectorAll("g.node[id^='x']");
  reveal(Array.prototype.map.call(inputs, function (g) { return g.id; }));
  chainrule.goTo = player.goTo;
  chainrule.count = count;
  chainrule.current = player.current;
})();
"""
