"""The step-through as one self-contained HTML page: open it in a browser, no server, no network.

The page holds the drawing (inline SVG, laid out once by Graphviz, or by the built-in layout when no
Graphviz is installed), the steps as JSON, and a small script. Each step stores only what it
changes (one value's text before and after), so stepping costs the same on a graph of a thousand
nodes as on five: the SVG is never laid out again.

Safety: user text reaches the page only as escaped SVG text (Graphviz or :mod:`layout` escape it)
and as JSON inside ``<script type="application/json">`` with ``<``, ``>`` and ``&`` written as
``\\u003c``-style escapes; the script writes it with ``textContent`` only. A Content-Security-Policy
forbids every network request.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from autograd.engine import Value
from autograd.viz.graph import DEFAULT_MAX_NODES, Drawing, format_number
from autograd.viz.page import Page, inline_svg, page_html, player_controls
from autograd.viz.renderers import layout_svg
from autograd.viz.steps import BackwardStep, ForwardStep, SeedStep, Step, final_grads, steps_of


def _step_data(step: Step, drawing: Drawing, digits: int) -> dict[str, Any]:
    """One step for the page: what to highlight, the text to show, and the one field it changes."""
    index = drawing.index
    i = index[step.node]
    doc = step.node._op.doc if step.node._op is not None else ""
    if isinstance(step, ForwardStep):
        inputs = sorted({f"n{index[c]}" for c in step.node.children})
        edges = [f"e{i}_{k}" for k in range(len(step.node.children))] + [f"e{i}"]
        return {
            "kind": "forward",
            "title": f"Forward: compute {step.name}",
            "lines": step.lines(),
            "doc": f"its derivatives, for the backward pass: {doc}" if doc else "",
            "focus": [f"n{i}", f"o{i}"],
            "other": inputs,
            "edges": edges,
            "target": i,
            "field": "data",
            "before": "?",
            "after": format_number(step.value, digits),
            "beforeExact": "",
            "afterExact": repr(step.value),
        }
    if isinstance(step, SeedStep):
        return {
            "kind": "seed",
            "title": f"Backward: seed {step.name}.grad",
            "lines": step.lines(),
            "doc": "the output's derivative with respect to itself",
            "focus": [f"n{i}"],
            "other": [],
            "edges": [],
            "target": i,
            "field": "grad",
            "before": "0",
            "after": format_number(step.value, digits),
            "beforeExact": "0.0",
            "afterExact": repr(step.value),
        }
    assert isinstance(step, BackwardStep)
    c = index[step.child]
    return {
        "kind": "backward",
        "title": f"Backward: {step.name} → {step.child_name}",
        "rule": step.general,
        "lines": step.lines(),
        "doc": "" if step.general else doc,
        "focus": [f"n{c}"],
        "other": [f"n{i}", f"o{i}"],
        "edges": [f"e{i}_{step.position}"],
        "target": c,
        "field": "grad",
        "before": format_number(step.before, digits),
        "after": format_number(step.after, digits),
        "beforeExact": repr(step.before),
        "afterExact": repr(step.after),
    }


class StepThrough(Page):
    """The step-through of one graph: ``.steps`` (the data), ``.save(path)`` (the page), and in
    Jupyter the page inline (``_repr_html_``: a sandboxed iframe, so it cannot touch the notebook)."""

    def __init__(self, html: str, title: str, steps: list[Step], layout: str) -> None:
        super().__init__(html, title)
        self.steps = steps
        self.layout = layout

    def __repr__(self) -> str:
        return f"<StepThrough {self.title!r}: {len(self.steps)} steps; .save(path) writes the page>"


def stepthrough(
    root: Value,
    *,
    names: Mapping[str, object] | None = None,
    seed: float = 1.0,
    renderer: str = "auto",
    max_nodes: int | None = DEFAULT_MAX_NODES,
    digits: int = 4,
    title: str = "chainrule: backpropagation step by step",
) -> StepThrough:
    """The step-through of ``root``'s graph: forward values, then the chain rule one edge at a time.

    Returns a :class:`StepThrough`: its ``.steps`` are the steps as data (see :func:`step_through`),
    ``.save(path)`` writes the self-contained page (see :func:`write_html`), and as a notebook
    cell's last line it shows the page inline. ``names=locals()`` names unlabelled values by their
    variable names.
    """
    drawing = Drawing.of(root, names, max_nodes, show_ids=True)
    steps = steps_of(drawing, seed)
    final = final_grads(steps)
    svg, layout = layout_svg(drawing, final, digits, renderer)
    narrow = ""  # the same graph drawn top down, which the page shows on a narrow screen
    if len(drawing.order) <= NARROW_MAX_NODES:
        narrow = inline_svg(layout_svg(drawing, final, digits, renderer, rankdir="TB")[0])
    nodes = [
        {
            "id": f"n{i}",
            "data": "?" if node._op is not None else format_number(node.data, digits),
            "dataExact": "" if node._op is not None else repr(node.data),
        }
        for i, node in enumerate(drawing.order)
    ]
    data = {
        "nodes": nodes,
        "steps": [_step_data(s, drawing, digits) for s in steps],
        "layout": layout,
    }
    # one pass, so that text inside an SVG (a label "{{narrow}}") is never substituted again
    svgs = {"svg": inline_svg(svg), "narrow": narrow}
    body = re.sub(r"\{\{(svg|narrow)\}\}", lambda match: svgs[match.group(1)], _BODY)
    html = page_html(title, body, css=_CSS, script=_SCRIPT, data=data, controls=_controls())
    return StepThrough(html, title, steps, layout)


def stepthrough_html(root: Value, **options: Any) -> str:
    """The step-through page of ``root``'s graph as an HTML string; ``options`` as for
    :func:`stepthrough`."""
    return stepthrough(root, **options).html


def write_html(root: Value, path: str | os.PathLike[str], **options: Any) -> Path:
    """Write the step-through of ``root``'s graph as one self-contained HTML file; returns the path.

    Open it in any browser (no server, no network): next/previous, play/pause, reset, a step slider,
    keyboard arrows (Space plays, Home/End jump). The forward pass fills in each value; the backward
    pass adds one chain-rule product ``child.grad += local × node.grad`` per step, written out in
    the side panel, starting from zero grads (``.grad`` attributes are neither read nor changed).
    ``options`` as for :func:`stepthrough`: ``names``, ``seed``, ``max_nodes``, ``digits``,
    ``title``, and ``renderer``: ``"auto"`` (Graphviz if installed, else a simple built-in
    layout), ``"dot"``, ``"wasm"`` (see :mod:`autograd.viz.renderers`) or ``"builtin"``.
    """
    return stepthrough(root, **options).save(path)


#: Graphs up to this many values also get a top-down drawing, shown where left to right would be
#: squeezed (phones, narrow windows).
NARROW_MAX_NODES = 200


def _controls() -> str:
    zoom = (
        '<label>Zoom <select id="zoom"><option value="fit">fit</option><option value="0.5">50%</option>'
        '<option value="0.75">75%</option><option value="1">100%</option>'
        '<option value="1.5">150%</option></select></label>'
    )
    return player_controls(extra=zoom)


_BODY = """<main class="app-main">
  <div id="graph" class="view" tabindex="0" role="region" aria-label="Computation graph">{{svg}}</div>
  <aside id="panel" class="panel" aria-label="This step">
    <div id="phase" class="muted"></div>
    <h2 id="step-title"></h2>
    <p id="rule" class="math"></p>
    <div id="lines" aria-live="polite"></div>
    <p id="doc" class="muted"></p>
    <details id="legend-box"><summary>Legend and keys</summary>
    <div class="legend">
      <div><span class="swatch input"></span>input / parameter</div>
      <div><span class="swatch constant"></span>constant (no gradient)</div>
      <div><span class="swatch interior"></span>interior value</div>
      <div><span class="swatch output"></span>output</div>
      <div><span class="swatch focus"></span>changes this step</div>
      <div><span class="swatch other"></span>read this step</div>
    </div>
    <p class="muted">&#x2190; &#x2192; step &middot; Space play/pause &middot; Home/End first/last.
    Grads start at 0; each backward step adds one path's product.</p>
    <p class="muted" id="layout"></p>
    </details>
  </aside>
</main>
<template id="graph-narrow">{{narrow}}</template>"""

_CSS = """
#graph svg { display: block; }
#graph.fit svg { width: 100%; height: auto; max-height: 100%; }
#phase { text-transform: uppercase; letter-spacing: .06em; }
#rule { color: #5b21b6; margin: 0 0 6px; }
#rule:empty { display: none; }
#lines div { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 13px;
  background: #f3f4f6; border-radius: 4px; padding: 4px 8px; margin: 4px 0; overflow-wrap: anywhere; }
#lines div:last-child { background: #fee2e2; font-weight: 600; }
.legend { font-size: 12px; display: grid; grid-template-columns: 1fr 1fr; gap: 4px; margin: 8px 0; }
.swatch { display: inline-block; width: 14px; height: 10px; margin-right: 6px; border: 1px solid #374151; }
.swatch.input { background: #dbeafe; } .swatch.constant { background: #f3f4f6; border-style: dashed; }
.swatch.interior { background: #fff; } .swatch.output { background: #fde68a; }
.swatch.focus { border: 2px solid #dc2626; } .swatch.other { border: 2px solid #2563eb; }
g.hl-focus > polygon, g.hl-focus > rect, g.hl-focus > ellipse { stroke: #dc2626; stroke-width: 3px; }
g.hl-other > polygon, g.hl-other > rect, g.hl-other > ellipse { stroke: #2563eb; stroke-width: 2.5px; }
g.hl-edge > path { stroke: #dc2626; stroke-width: 3px; }
g.hl-edge > polygon { stroke: #dc2626; fill: #dc2626; }
text.changed { fill: #b91c1c; font-weight: bold; }
"""

_SCRIPT = r"""
(function () {
  "use strict";
  var data = chainrule.data, $ = chainrule.$;
  var steps = data.steps, count = steps.length;
  var graph = $("graph");
  // A record's <text>s: its label (if any), "data ...", and "grad ..." (not for a constant).
  function findNodes() {
    return data.nodes.map(function (node) {
      var g = document.getElementById(node.id), found = { g: g, data: null, grad: null };
      Array.prototype.forEach.call(g ? g.getElementsByTagName("text") : [], function (text) {
        var field = /^(data|grad) /.exec(text.textContent || "");
        if (field) { found[field[1]] = text; }
      });
      return found;
    });
  }
  var nodes = [], applied = 0, lit = [], changed = null, current = 0;
  var forwardCount = steps.filter(function (s) { return s.kind === "forward"; }).length;

  function setField(i, field, text, exact) {
    var node = nodes[i], element = node[field];
    if (element) { element.textContent = field + " " + text; }
    if (node.g) { node.g.setAttribute("data-" + field, exact); }
  }
  function apply(k, forward) {
    var s = steps[k];
    if (forward) { setField(s.target, s.field, s.after, s.afterExact); }
    else { setField(s.target, s.field, s.before, s.beforeExact); }
  }
  function light(ids, cls) {
    ids.forEach(function (id) {
      var element = document.getElementById(id);
      if (element) { element.classList.add(cls); lit.push([element, cls]); }
    });
  }
  function box(ids) {  // the union of the elements' boxes, in the graph's scroll coordinates
    var frame = graph.getBoundingClientRect(), out = null;
    ids.forEach(function (id) {
      var element = document.getElementById(id);
      if (!element) { return; }
      var r = element.getBoundingClientRect();
      var b = { left: r.left - frame.left + graph.scrollLeft, top: r.top - frame.top + graph.scrollTop };
      b.right = b.left + r.width; b.bottom = b.top + r.height;
      if (!out) { out = b; return; }
      out = { left: Math.min(out.left, b.left), top: Math.min(out.top, b.top),
              right: Math.max(out.right, b.right), bottom: Math.max(out.bottom, b.bottom) };
    });
    return out;
  }
  function scrollAxis(low, high, position, size) {  // the new scroll position that shows low..high
    if (low >= position && high <= position + size) { return position; }
    return high - low <= size ? (low + high - size) / 2 : low - 8;
  }
  // Keep the node being changed and the nodes being read in view: all of them if they fit, else
  // the highlighted ones, else the value being changed alone.
  function reveal(s) {
    var w = graph.clientWidth, h = graph.clientHeight;
    var choices = [s.focus.concat(s.other), s.focus, ["n" + s.target]];
    for (var i = 0; i < choices.length; i++) {
      var b = box(choices[i]);
      if (b && (i === choices.length - 1 || (b.right - b.left <= w && b.bottom - b.top <= h))) {
        graph.scrollLeft = scrollAxis(b.left, b.right, graph.scrollLeft, w);
        graph.scrollTop = scrollAxis(b.top, b.bottom, graph.scrollTop, h);
        return;
      }
    }
  }
  function show(k, scroll) {
    current = k;
    while (applied < k) { apply(applied, true); applied += 1; }
    while (applied > k) { applied -= 1; apply(applied, false); }
    lit.forEach(function (pair) { pair[0].classList.remove(pair[1]); });
    lit = [];
    if (changed) { changed.classList.remove("changed"); changed = null; }
    var lines = $("lines");
    while (lines.firstChild) { lines.removeChild(lines.firstChild); }
    var s = k > 0 ? steps[k - 1] : null;
    if (s) {
      light(s.focus, "hl-focus"); light(s.other, "hl-other"); light(s.edges, "hl-edge");
      changed = nodes[s.target][s.field] || null;
      if (changed) { changed.classList.add("changed"); }
      $("phase").textContent = s.kind === "forward"
        ? "forward pass · step " + k + " of " + forwardCount
        : "backward pass · step " + (k - forwardCount) + " of " + (count - forwardCount);
      $("step-title").textContent = s.title;
      $("rule").textContent = s.rule ? "Rule: " + s.rule : "";
      s.lines.forEach(function (line) {
        var div = document.createElement("div"); div.textContent = line; lines.appendChild(div);
      });
      $("doc").textContent = s.doc;
      if (scroll) { reveal(s); }
    } else {
      $("phase").textContent = "start";
      $("step-title").textContent = "Inputs are given; press → to compute the graph.";
      $("rule").textContent = "";
      $("doc").textContent = "The forward pass fills in each value in topological order; the "
        + "backward pass then applies the chain rule one edge at a time, in reverse order.";
    }
  }

  var svg = graph.querySelector("svg"), natural = 0;
  function zoom(value) {
    graph.classList.toggle("fit", value === "fit");
    if (svg) {
      svg.style.width = value === "fit" ? "" : natural * Number(value) + "px";
      svg.style.height = value === "fit" ? "" : "auto";
    }
  }
  $("zoom").addEventListener("change", function () { zoom($("zoom").value); });
  // Two drawings: left to right (wide screens) and top down (narrow ones, when the page has it).
  var drawings = { wide: svg, narrow: null }, shown = null, template = $("graph-narrow");
  function widthOf(drawing) {  // at 100%, text is 12 px: one unit of the viewBox per CSS pixel
    var box = (drawing.getAttribute("viewBox") || "").split(/[\s,]+/);
    return Number(box[2]) || drawing.getBoundingClientRect().width;
  }
  function useDrawing() {
    drawings.narrow = drawings.narrow || template.content.firstElementChild;
    var want = "wide";
    if (drawings.narrow) {  // top down when left to right would be squeezed and top down is not
      var room = graph.clientWidth - 24;
      var wide = room / widthOf(drawings.wide), narrow = room / widthOf(drawings.narrow);
      want = wide >= 0.7 || wide >= narrow ? "wide" : "narrow";
    }
    if (want === shown) { return; }
    graph.replaceChild(drawings[want], graph.querySelector("svg"));  // the other one is kept
    svg = drawings[want]; shown = want;
    nodes = findNodes(); applied = 0;
    // start from zero grads and only the inputs' values, then replay up to the current step
    data.nodes.forEach(function (node, i) {
      setField(i, "data", node.data, node.dataExact);
      if (nodes[i].grad) { setField(i, "grad", "0", "0.0"); }
    });
    svg.style.width = ""; svg.style.height = "";
    graph.classList.remove("fit");
    natural = widthOf(svg);
    // the whole graph if its text stays readable (9 px or more); else 100%, scrolling to each step
    var fitScale = natural ? (graph.clientWidth - 24) / natural : 1;
    $("zoom").value = fitScale >= 1 ? "1" : fitScale >= 0.7 ? "fit" : "1";
    zoom($("zoom").value);
    show(current, true);
  }
  useDrawing();
  window.addEventListener("resize", useDrawing);
  $("layout").textContent = "Layout: " + data.layout + ".";
  if (window.innerWidth > 860) { $("legend-box").open = true; }
  var player = chainrule.player({ count: count, show: show });
  chainrule.goTo = player.goTo;
  chainrule.count = count;
  chainrule.current = player.current;
})();
"""
