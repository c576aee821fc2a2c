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

import json
import os
import re
from collections.abc import Mapping
from html import escape
from pathlib import Path
from typing import Any

from autograd.engine import Value
from autograd.viz.dot import DEFAULT_MAX_NODES, Drawing, dot_graph, format_number
from autograd.viz.layout import simple_svg
from autograd.viz.renderers import RendererNotFound, choose_renderer, render_source
from autograd.viz.steps import BackwardStep, ForwardStep, SeedStep, Step, final_grads, steps_of

_SVG_START = re.compile(r"<svg\b")
# a script element, or an event-handler / link attribute inside a tag (text between tags is escaped)
_UNSAFE_SVG = re.compile(
    r"<\s*(script|foreignObject|iframe|a)\b|<[^>]*\s(on\w+|href|xlink:href)\s*=", re.IGNORECASE
)


def _inline_svg(svg: str) -> str:
    """The ``<svg>`` element of a rendered file (no XML prolog or doctype), checked to hold no
    script: Graphviz escapes labels, so a script here would be a bug, and the page refuses it."""
    start = _SVG_START.search(svg)
    if start is None:
        raise ValueError("the renderer returned no <svg> element")
    svg = re.sub(r"<!--.*?-->", "", svg[start.start() :], flags=re.DOTALL)
    if _UNSAFE_SVG.search(svg):
        raise ValueError("refusing to embed an SVG that contains script")
    return svg


def _json_for_html(data: object) -> str:
    """JSON that is inert inside ``<script>``: no ``<``, ``>`` or ``&``, no line separators."""
    text = json.dumps(data, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    for char, code in (
        ("<", "\\u003c"),
        (">", "\\u003e"),
        ("&", "\\u0026"),
        ("\u2028", "\\u2028"),
        ("\u2029", "\\u2029"),
    ):
        text = text.replace(char, code)
    return text


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
            "doc": doc,
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
        "lines": step.lines(),
        "doc": doc,
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


def stepthrough_html(
    root: Value,
    *,
    names: Mapping[str, object] | None = None,
    seed: float = 1.0,
    renderer: str = "auto",
    max_nodes: int | None = DEFAULT_MAX_NODES,
    digits: int = 4,
    title: str = "chainrule: backpropagation step by step",
) -> str:
    """The step-through page of ``root``'s graph as an HTML string (see :func:`write_html`)."""
    drawing = Drawing.of(root, names, max_nodes, show_ids=True)
    steps = steps_of(drawing, seed)
    final = final_grads(steps)
    if renderer == "builtin":
        chosen = None
    else:
        try:
            chosen = choose_renderer(renderer, "svg")
        except RendererNotFound:
            if renderer != "auto":
                raise
            chosen = None
    if chosen is None:
        svg = simple_svg(drawing, final, digits)
        layout = "built-in (install Graphviz for a better layout)"
    else:
        svg = render_source(dot_graph(drawing, "LR", final, digits).source, "svg", chosen).decode()
        layout = "Graphviz " + ("(system dot)" if chosen == "dot" else "(WebAssembly)")
    nodes = [
        {
            "id": f"n{i}",
            "data": "?" if node._op is not None else format_number(node.data, digits),
            "dataExact": "" if node._op is not None else repr(node.data),
        }
        for i, node in enumerate(drawing.order)
    ]
    data = {"nodes": nodes, "steps": [_step_data(s, drawing, digits) for s in steps], "layout": layout}
    parts = {
        "title": escape(title),
        "csp": _CSP,
        "css": _CSS,
        "svg": _inline_svg(svg),
        "data": _json_for_html(data),
        "script": _SCRIPT,
    }
    # one pass, so text inside one part (a label "{{script}}") is never substituted again
    return re.sub(r"\{\{(\w+)\}\}", lambda match: parts[match.group(1)], _PAGE)


def write_html(
    root: Value,
    path: str | os.PathLike[str],
    *,
    names: Mapping[str, object] | None = None,
    seed: float = 1.0,
    renderer: str = "auto",
    max_nodes: int | None = DEFAULT_MAX_NODES,
    digits: int = 4,
    title: str = "chainrule: backpropagation step by step",
) -> Path:
    """Write the step-through of ``root``'s graph as one self-contained HTML file; returns the path.

    Open it in any browser (no server, no network): next/previous, play/pause, reset, a step slider,
    keyboard arrows (Space plays, Home/End jump). The forward pass fills in each value; the backward
    pass adds one chain-rule product ``child.grad += local × node.grad`` per step, written out in
    the side panel, starting from zero grads (``.grad`` attributes are neither read nor changed).
    ``renderer``: ``"auto"`` (Graphviz if installed, else a simple built-in layout), ``"dot"``,
    ``"wasm"`` (see :mod:`autograd.viz.renderers`) or ``"builtin"``.
    """
    html = stepthrough_html(
        root, names=names, seed=seed, renderer=renderer, max_nodes=max_nodes, digits=digits, title=title
    )
    path = Path(path)
    path.write_text(html, encoding="utf-8")
    return path


# inline style and script only; every fetch (images, fonts, connections) is blocked
_CSP = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:"

_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{{csp}}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{title}}</title>
<style>{{css}}</style>
</head>
<body>
<header>
  <h1>{{title}}</h1>
  <div class="controls">
    <button id="reset" title="Reset (Home)">&#x21BA; Reset</button>
    <button id="prev" title="Previous step (&#x2190;)">&#x25C0; Prev</button>
    <button id="play" title="Play / pause (Space)">&#x25B6; Play</button>
    <button id="next" title="Next step (&#x2192;)">Next &#x25B6;</button>
    <input id="slider" type="range" min="0" max="0" value="0" aria-label="step">
    <span id="counter"></span>
    <label>speed <select id="speed">
      <option value="1000">1/s</option><option value="400" selected>2.5/s</option>
      <option value="100">10/s</option><option value="16">60/s</option>
    </select></label>
    <label>zoom <select id="zoom">
      <option value="fit">fit</option><option value="0.25">25%</option><option value="0.5">50%</option>
      <option value="0.75">75%</option><option value="1">100%</option>
    </select></label>
  </div>
</header>
<main>
  <div id="graph">{{svg}}</div>
  <aside id="panel">
    <div id="phase"></div>
    <h2 id="step-title"></h2>
    <div id="lines"></div>
    <p id="doc"></p>
    <div class="legend">
      <div><span class="swatch input"></span>input / parameter</div>
      <div><span class="swatch constant"></span>constant</div>
      <div><span class="swatch interior"></span>interior value</div>
      <div><span class="swatch output"></span>output</div>
      <div><span class="swatch focus"></span>changes this step</div>
      <div><span class="swatch other"></span>read this step</div>
    </div>
    <p class="help">&#x2190; &#x2192; step &middot; Space play/pause &middot; Home/End first/last.
    Grads start at 0; each backward step adds one path's product.</p>
    <p class="help" id="layout"></p>
  </aside>
</main>
<script type="application/json" id="chainrule-data">{{data}}</script>
<script>{{script}}</script>
</body>
</html>
"""

_CSS = """
* { box-sizing: border-box; }
html, body { margin: 0; height: 100%; font-family: system-ui, Helvetica, Arial, sans-serif; }
body { display: flex; flex-direction: column; background: #f9fafb; color: #111827; }
header { padding: 8px 14px; border-bottom: 1px solid #e5e7eb; background: #fff; }
h1 { font-size: 16px; margin: 0 0 6px; }
.controls { display: flex; gap: 8px; align-items: center; flex-wrap: wrap; font-size: 13px; }
button { font: inherit; padding: 4px 10px; border: 1px solid #d1d5db; border-radius: 6px;
  background: #fff; cursor: pointer; }
button:disabled { opacity: .4; cursor: default; }
#slider { flex: 1; min-width: 160px; }
#counter { font-variant-numeric: tabular-nums; min-width: 7em; }
main { flex: 1; display: flex; min-height: 0; }
#graph { flex: 1; overflow: auto; padding: 10px; background: #fff; }
#graph svg { display: block; }
#graph.fit svg { width: 100%; height: auto; max-height: 100%; }
#panel { width: 380px; flex: none; overflow: auto; padding: 12px 16px; border-left: 1px solid #e5e7eb; }
#phase { font-size: 12px; text-transform: uppercase; letter-spacing: .06em; color: #6b7280; }
#step-title { font-size: 16px; margin: 4px 0 10px; overflow-wrap: anywhere; }
#lines div { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 13px;
  background: #f3f4f6; border-radius: 4px; padding: 4px 8px; margin: 4px 0; overflow-wrap: anywhere; }
#lines div:last-child { background: #fee2e2; font-weight: 600; }
#doc { color: #6b7280; font-size: 12px; }
.help { color: #6b7280; font-size: 12px; }
.legend { font-size: 12px; display: grid; grid-template-columns: 1fr 1fr; gap: 4px; margin: 14px 0; }
.swatch { display: inline-block; width: 14px; height: 10px; margin-right: 6px; border: 1px solid #374151; }
.swatch.input { background: #dbeafe; } .swatch.constant { background: #f3f4f6; border-style: dashed; }
.swatch.interior { background: #fff; } .swatch.output { background: #fde68a; }
.swatch.focus { border: 2px solid #dc2626; } .swatch.other { border: 2px solid #2563eb; }
g.hl-focus > polygon, g.hl-focus > rect, g.hl-focus > ellipse { stroke: #dc2626; stroke-width: 3px; }
g.hl-other > polygon, g.hl-other > rect, g.hl-other > ellipse { stroke: #2563eb; stroke-width: 2.5px; }
g.hl-edge > path { stroke: #dc2626; stroke-width: 3px; }
g.hl-edge > polygon { stroke: #dc2626; fill: #dc2626; }
text.changed { fill: #dc2626; font-weight: bold; }
"""

_SCRIPT = r"""
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("chainrule-data").textContent);
  var steps = data.steps, count = steps.length;
  var $ = function (id) { return document.getElementById(id); };
  var graph = $("graph"), slider = $("slider"), playButton = $("play");
  // Each record's last two <text>s are "data ..." and "grad ..." (its label, if any, comes first).
  var nodes = data.nodes.map(function (node) {
    var g = document.getElementById(node.id);
    var texts = g ? g.getElementsByTagName("text") : [];
    return { g: g, data: texts[texts.length - 2], grad: texts[texts.length - 1] };
  });
  var current = 0, timer = null, lit = [], changed = null;
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
  function show(scroll) {
    lit.forEach(function (pair) { pair[0].classList.remove(pair[1]); });
    lit = [];
    if (changed) { changed.classList.remove("changed"); changed = null; }
    var lines = $("lines");
    while (lines.firstChild) { lines.removeChild(lines.firstChild); }
    var s = current > 0 ? steps[current - 1] : null;
    if (s) {
      light(s.focus, "hl-focus"); light(s.other, "hl-other"); light(s.edges, "hl-edge");
      changed = nodes[s.target][s.field] || null;
      if (changed) { changed.classList.add("changed"); }
      $("phase").textContent = s.kind === "forward"
        ? "forward pass · step " + current + " of " + forwardCount
        : "backward pass · step " + (current - forwardCount) + " of " + (count - forwardCount);
      $("step-title").textContent = s.title;
      s.lines.forEach(function (line) {
        var div = document.createElement("div"); div.textContent = line; lines.appendChild(div);
      });
      $("doc").textContent = s.doc;
      var target = nodes[s.target].g;
      if (scroll && target) {
        target.scrollIntoView({ block: "nearest", inline: "nearest" });
      }
    } else {
      $("phase").textContent = "start";
      $("step-title").textContent = "Inputs are given; press → to compute the graph.";
      $("doc").textContent = "The forward pass fills in each value in topological order; the "
        + "backward pass then applies the chain rule one edge at a time, in reverse order.";
    }
    slider.value = String(current);
    $("counter").textContent = current + " / " + count;
    $("prev").disabled = $("reset").disabled = current === 0;
    $("next").disabled = current === count;
  }
  function goTo(k, scroll) {
    k = Math.max(0, Math.min(count, k | 0));
    while (current < k) { apply(current, true); current += 1; }
    while (current > k) { current -= 1; apply(current, false); }
    show(scroll);
  }
  function stop() {
    if (timer !== null) { clearInterval(timer); timer = null; }
    playButton.textContent = "\u25B6 Play";
  }
  function play() {
    if (timer !== null) { stop(); return; }
    if (current === count) { goTo(0, false); }
    playButton.textContent = "\u23F8 Pause";
    timer = setInterval(function () {
      goTo(current + 1, true);
      if (current >= count) { stop(); }  // in the same tick, so "Play" shows with the last step
    }, Number($("speed").value));
  }

  $("next").addEventListener("click", function () { stop(); goTo(current + 1, true); });
  $("prev").addEventListener("click", function () { stop(); goTo(current - 1, true); });
  $("reset").addEventListener("click", function () { stop(); goTo(0, false); });
  playButton.addEventListener("click", play);
  $("speed").addEventListener("change", function () { if (timer !== null) { stop(); play(); } });
  slider.addEventListener("input", function () { stop(); goTo(Number(slider.value), false); });
  $("zoom").addEventListener("change", function () { zoom($("zoom").value); });
  document.addEventListener("keydown", function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey || event.target.tagName === "SELECT") { return; }
    var keys = { ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1 };
    if (event.key in keys) { stop(); goTo(current + keys[event.key], true); }
    else if (event.key === " ") { play(); }
    else if (event.key === "Home") { stop(); goTo(0, false); }
    else if (event.key === "End") { stop(); goTo(count, false); }
    else { return; }
    event.preventDefault();
  });

  // Start from zero grads and only the inputs' values.
  data.nodes.forEach(function (node, i) {
    setField(i, "data", node.data, node.dataExact); setField(i, "grad", "0", "0.0");
  });
  slider.max = String(count);
  $("layout").textContent = "Layout: " + data.layout + ".";
  var svg = graph.querySelector("svg");
  var natural = svg ? svg.getBoundingClientRect().width : 0;
  function zoom(value) {
    graph.classList.toggle("fit", value === "fit");
    if (svg) {
      svg.style.width = value === "fit" ? "" : natural * Number(value) + "px";
      svg.style.height = value === "fit" ? "" : "auto";
    }
  }
  // whole graph if it fits at half size or more; else half size, scrolling to each step
  var fitScale = natural ? (graph.clientWidth - 24) / natural : 1;
  $("zoom").value = fitScale >= 1 ? "1" : fitScale >= 0.45 ? "fit" : "0.5";
  zoom($("zoom").value);
  show(false);
  window.chainrule = { goTo: goTo, count: count, current: function () { return current; } };
})();
"""
