"""The replay page's markup, style and script (its data comes from :mod:`nn.viz.replay`).

One self-contained HTML file in the project's page shell (:mod:`autograd.viz.page`: a
Content-Security-Policy that forbids every network request, the data as inert JSON); all text is
written by the script with ``textContent``. The script draws everything from the data: the network (SVG), the
curves (SVG), the decision boundary (a canvas of ``grid`` x ``grid`` cells, scaled up) and its data
points (SVG), and moves one cursor through the recorded steps.
"""

from __future__ import annotations

from typing import Any

from autograd.viz.page import page_html


def render(data: dict[str, Any]) -> str:
    """The page for ``data`` (see :func:`nn.viz.replay.page_data`), in the project's page shell
    (:mod:`autograd.viz.page`: the CSP, the escaping, the data block)."""
    return page_html(str(data["title"]), BODY, css=CSS, script=SCRIPT, data=data, controls=CONTROLS)


# The replay moves through snapshots labelled by their training step, so it has its own player
# (first / last buttons, a counter that names the step) rather than the shell's step counter.
CONTROLS = """<p id="summary"></p>
<div class="controls" role="group" aria-label="replay controls">
  <button id="first" type="button"
    title="First recorded step (Home)" aria-label="first step">|&#x25C0;</button>
  <button id="prev" type="button"
    title="Previous recorded step (&#x2190;)" aria-label="previous step">&#x25C0;</button>
  <button id="play" type="button" title="Play / pause (Space)">&#x25B6; Play</button>
  <button id="next" type="button"
    title="Next recorded step (&#x2192;)" aria-label="next step">&#x25B6;</button>
  <button id="last" type="button"
    title="Last recorded step (End)" aria-label="last step">&#x25B6;|</button>
  <input id="slider" type="range" min="0" max="0" value="0" aria-label="recorded step">
  <output id="counter" for="slider" aria-live="off"></output>
  <label>speed <select id="speed">
    <option value="1000">1/s</option><option value="400">2.5/s</option>
    <option value="100" selected>10/s</option><option value="33">30/s</option>
  </select></label>
</div>"""

BODY = """<main id="replay" tabindex="0" aria-label="the run at the current step (Page Down scrolls)">
  <section id="network-panel" class="card" aria-labelledby="network-heading">
    <h2 id="network-heading">The network</h2>
    <svg id="network" role="img" aria-label="the network's neurons and weights at the current step"></svg>
    <p class="note" id="network-note">Each line is a weight: <span class="pos">blue</span> positive,
    <span class="neg">orange</span> negative, thicker and darker is larger (against the largest weight of
    that layer over the whole run). A neuron's fill is its bias, in the same colours.</p>
    <div id="stepthrough-box">
      <h3>Why did a weight move?</h3>
      <p class="note" id="stepthrough-text"></p>
      <div id="stepthrough-buttons"></div>
    </div>
  </section>
  <section id="curves-panel" class="card" aria-labelledby="curves-heading">
    <h2 id="curves-heading">Loss and accuracy</h2>
    <dl id="readout">
      <div><dt id="readout-unit">step</dt><dd id="readout-step"></dd></div>
      <div><dt>loss</dt><dd id="readout-loss"></dd></div>
      <div id="readout-accuracy-row"><dt>accuracy</dt><dd id="readout-accuracy"></dd></div>
      <div id="readout-val-row"><dt>validation</dt><dd id="readout-val"></dd></div>
    </dl>
    <svg id="loss-chart" role="img"
      aria-label="loss at each recorded step, with the current step marked"></svg>
    <svg id="accuracy-chart" role="img" aria-label="accuracy at each recorded step"></svg>
  </section>
  <section id="features-panel" class="card" aria-labelledby="features-heading">
    <h2 id="features-heading">What each hidden neuron looks for</h2>
    <div id="features" role="img" aria-label="each first-layer neuron's weights drawn as an image"></div>
    <p class="note">Each square is one neuron of the first hidden layer: its weights laid out as the
    image they multiply, pixel by pixel. <span class="pos">Blue</span>: ink there raises the neuron's
    sum z; <span class="neg">orange</span>: ink there lowers it. Press play to watch them change.</p>
  </section>
  <section id="boundary-panel" class="card" aria-labelledby="boundary-heading">
    <h2 id="boundary-heading">Decision boundary</h2>
    <div id="boundary-box">
      <canvas id="boundary" role="img" aria-label="the class the network predicts over the plane"></canvas>
      <svg id="points" viewBox="0 0 100 100" preserveAspectRatio="none" aria-hidden="true"></svg>
    </div>
    <p class="note">Background: the class the network predicts at each point of the plane, paler where
    it is less sure. Dots: the data, coloured by their true class; a black ring marks a point the
    network gets wrong at this step.</p>
  </section>
</main>
<dialog id="stepthrough-dialog" aria-labelledby="stepthrough-heading">
  <div class="dialog-bar">
    <h2 id="stepthrough-heading">Step-through</h2>
    <button id="stepthrough-close" type="button">Close (Esc)</button>
  </div>
  <iframe id="stepthrough-frame" title="step-through of one sample"></iframe>
</dialog>"""

CSS = """
main#replay { flex: 1; overflow: auto; min-height: 0; display: grid; gap: 12px; padding: 12px;
  grid-template-columns: minmax(0, 1.25fr) minmax(0, 1fr); align-content: start; }
h2 { font-size: 15px; margin: 0 0 8px; }
h3 { font-size: 14px; margin: 12px 0 4px; }
#summary { margin: 0 0 6px; font-size: 13px; color: #4b5563; }
#counter { min-width: 13em; }
.card { background: #fff; border: 1px solid #e5e7eb; border-radius: 8px; padding: 10px 12px; min-width: 0; }
#network-panel { grid-row: span 2; }
.card svg { display: block; width: 100%; height: auto; }
#network { max-height: 75vh; }
.note { font-size: 12px; color: #4b5563; margin: 6px 0; }
.pos { color: #1d4ed8; font-weight: 600; } .neg { color: #c2410c; font-weight: 600; }
#readout { display: flex; flex-wrap: wrap; gap: 4px 18px; margin: 0 0 6px; font-size: 13px; }
#readout div { display: flex; gap: 6px; }
#readout dt { color: #4b5563; }
#readout dd { margin: 0; font-weight: 600; font-variant-numeric: tabular-nums; }
#boundary-box { position: relative; width: 100%; max-width: 420px; aspect-ratio: 1; margin: 0 auto; }
#boundary, #points { position: absolute; inset: 0; width: 100%; height: 100%; }
#boundary { border: 1px solid #d1d5db; }
#stepthrough-buttons { display: flex; flex-wrap: wrap; gap: 6px; }
#features { display: grid; grid-template-columns: repeat(auto-fill, minmax(44px, 1fr)); gap: 6px; }
#features canvas { width: 100%; aspect-ratio: 1; image-rendering: pixelated; border: 1px solid #d1d5db; }
.axis { stroke: #9ca3af; stroke-width: 1; } .grid { stroke: #e5e7eb; stroke-width: 1; }
.tick { font-size: 10px; fill: #4b5563; } .label { font-size: 11px; fill: #374151; }
.cursor { stroke: #111827; stroke-width: 1; stroke-dasharray: 3 3; }
dialog { width: min(1400px, 96vw); height: 92vh; padding: 0; border: 1px solid #9ca3af; border-radius: 8px; }
dialog::backdrop { background: rgba(17, 24, 39, .5); }
.dialog-bar { display: flex; justify-content: space-between; align-items: center; padding: 6px 12px;
  border-bottom: 1px solid #e5e7eb; }
.dialog-bar h2 { margin: 0; }
#stepthrough-frame { width: 100%; height: calc(100% - 46px); border: 0; }
@media (max-width: 900px) {
  main#replay { grid-template-columns: minmax(0, 1fr); padding: 8px; }
  #network-panel { grid-row: auto; }
  #counter { min-width: 0; }
}
"""

SCRIPT = r"""
(function () {
  "use strict";
  var data = chainrule.data;
  var count = data.steps.length, current = 0, timer = null;
  var $ = function (id) { return document.getElementById(id); };
  var NS = "http://www.w3.org/2000/svg";
  var ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  var CODE = {};
  for (var c = 0; c < ALPHABET.length; c++) { CODE[ALPHABET[c]] = c; }
  // weights: blue positive, orange negative (as in the step-through); red / blue are the classes
  var BLUE = [37, 99, 235], ORANGE = [234, 88, 12];
  var PALETTE = [[220, 38, 38], [37, 99, 235], [22, 163, 74], [217, 119, 6], [147, 51, 234],
    [8, 145, 178], [219, 39, 119], [101, 163, 13], [75, 85, 99], [180, 83, 9]];

  function svg(name, attrs, parent) {
    var element = document.createElementNS(NS, name);
    for (var key in attrs) { element.setAttribute(key, attrs[key]); }
    if (parent) { parent.appendChild(element); }
    return element;
  }
  function text(parent, x, y, content, cls, anchor) {
    var t = svg("text", { x: x, y: y, "class": cls || "tick", "text-anchor": anchor || "middle" }, parent);
    t.textContent = content;
    return t;
  }
  function rgb(color, strength) {  // the colour mixed with white: strength 0 is white, 1 the colour
    var mixed = color.map(function (v) { return Math.round(255 + (v - 255) * strength); });
    return "rgb(" + mixed.join(",") + ")";
  }
  function format(x) {
    if (x === null || x === undefined) { return "not finite"; }
    var a = Math.abs(x);
    return a !== 0 && (a < 1e-3 || a >= 1e5) ? x.toExponential(3) : String(Number(x.toPrecision(4)));
  }
  function percent(x) { return x === null || x === undefined ? "–" : (100 * x).toFixed(1) + "%"; }

  // -- the network: one line per weight, one circle per neuron (its fill: the bias) ----------------
  var network = null;
  function buildNetwork() {
    var spec = data.network, box = $("network");
    if (!spec) {
      box.style.display = "none";
      $("network-note").textContent = "The network is drawn for models made of Layers (MLP, Sequential).";
      return;
    }
    var sizes = spec.sizes, most = Math.max.apply(null, sizes);
    var W = Math.max(360, Math.min(900, box.clientWidth || 640));
    var H = Math.max(Math.min(420, 0.7 * W), Math.min(640, most * 10 + 60)), top = 36, bottom = 16;
    box.setAttribute("viewBox", "0 0 " + W + " " + H);
    var xs = sizes.map(function (_, l) { return 50 + l * (W - 110) / (sizes.length - 1); });
    function ys(n) {
      var gap = Math.min(40, (H - top - bottom) / Math.max(1, n));
      var start = (H + top - bottom) / 2 - gap * (n - 1) / 2;
      var out = [];
      for (var i = 0; i < n; i++) { out.push(start + i * gap); }
      return { at: out, gap: gap };
    }
    var columns = sizes.map(function (n) { return ys(n); });
    var edges = svg("g", {}, box), nodes = svg("g", {}, box), items = [];
    var narrowest = Math.min.apply(null, columns.map(function (c) { return c.gap; }));
    var widest = Math.max(0.6, Math.min(4, 0.45 * narrowest));
    for (var l = 0; l + 1 < sizes.length; l++) {
      for (var j = 0; j < sizes[l + 1]; j++) {
        for (var i = 0; i < sizes[l]; i++) {
          var ends = { x1: xs[l], y1: columns[l].at[i], x2: xs[l + 1], y2: columns[l + 1].at[j] };
          items.push({ edge: svg("line", ends, edges) });
        }
        items.push({ node: null, layer: l + 1, index: j });
      }
    }
    var circles = sizes.map(function (n, l) {
      var r = Math.max(2, Math.min(10, columns[l].gap * 0.38));
      var out = [];
      for (var i = 0; i < n; i++) {
        out.push(svg("circle", { cx: xs[l], cy: columns[l].at[i], r: r, stroke: "#374151", "stroke-width": 1,
          fill: l === 0 ? "#e5e7eb" : "#fff" }, nodes));
      }
      return out;
    });
    items.forEach(function (item) {
      if (item.node === null) { item.node = circles[item.layer][item.index]; }
    });
    var outputs = sizes[sizes.length - 1], lastX = xs[sizes.length - 1];
    if (outputs <= 12) {  // name each output: its class (a digit), or "score" for one output
      columns[sizes.length - 1].at.forEach(function (y, k) {
        text(box, lastX + 14, y + 4, outputs === 1 ? "score" : String(k), "label", "start");
      });
    }
    sizes.forEach(function (n, l) {
      var name = l === 0 ? "inputs" : l === sizes.length - 1 ? "output" : "hidden " + l;
      var act = l === 0 ? "" : " · " + spec.activations[l - 1];
      text(box, xs[l], 14, name + " (" + n + ")", "label");
      text(box, xs[l], 27, act ? act.slice(3) : "", "tick");
    });
    network = { items: items, widest: widest };
  }
  function drawNetwork(k) {
    if (!network) { return; }
    var frame = data.network.frames[k], items = network.items;
    for (var i = 0; i < items.length; i++) {
      var q = CODE[frame[i]] - 32, size = Math.abs(q) / 31, color = q >= 0 ? BLUE : ORANGE;
      var item = items[i];
      if (item.edge) {
        item.edge.setAttribute("stroke", rgb(color, 0.25 + 0.75 * size));
        item.edge.setAttribute("stroke-width", (0.15 + network.widest * size).toFixed(2));
        item.edge.setAttribute("stroke-opacity", (0.12 + 0.88 * size).toFixed(2));
      } else {
        item.node.setAttribute("fill", rgb(color, size));
      }
    }
  }

  // -- the curves: loss (log scale when it spans a lot) and accuracy, with a cursor ------------------
  function chart(box, series, opts) {
    var W = Math.max(320, Math.min(560, box.clientWidth || 440));
    var H = 180, left = 52, right = 12, top = 20, bottom = 30;
    box.setAttribute("viewBox", "0 0 " + W + " " + H);
    var steps = data.steps, s0 = steps[0], s1 = steps[count - 1];
    var values = [];
    series.forEach(function (s) { s.values.forEach(function (v) { if (v !== null) { values.push(v); } }); });
    var lo = opts.lo !== undefined ? opts.lo : Math.min.apply(null, values);
    var hi = opts.hi !== undefined ? opts.hi : Math.max.apply(null, values);
    var log = opts.log && lo > 0 && hi / lo > 20;
    if (hi === lo) { hi = lo + (Math.abs(lo) || 1); }
    var f = log ? Math.log10 : function (v) { return v; };
    var flo = f(lo), fhi = f(hi);
    function X(step) { return left + (s1 === s0 ? 0.5 : (step - s0) / (s1 - s0)) * (W - left - right); }
    function Y(v) { return top + (1 - (f(v) - flo) / (fhi - flo)) * (H - top - bottom); }
    var ticks = [];
    if (log) {
      var decades = Math.floor(fhi) - Math.ceil(flo) + 1;
      var marks = decades > 2 ? [1] : decades > 1 ? [1, 3] : [1, 2, 5];
      for (var e = Math.floor(flo); e <= Math.ceil(fhi); e++) {
        marks.forEach(function (m) {
          var v = m * Math.pow(10, e);
          if (v >= lo && v <= hi) { ticks.push(v); }
        });
      }
      if (ticks.length < 2) { ticks = [lo, hi]; }
    } else { for (var t = 0; t <= 4; t++) { ticks.push(lo + (hi - lo) * t / 4); } }
    ticks.forEach(function (v) {
      svg("line", { x1: left, x2: W - right, y1: Y(v), y2: Y(v), "class": "grid" }, box);
      text(box, left - 4, Y(v) + 3, opts.tick(v), "tick", "end");
    });
    svg("line", { x1: left, x2: left, y1: top, y2: H - bottom, "class": "axis" }, box);
    svg("line", { x1: left, x2: W - right, y1: H - bottom, y2: H - bottom, "class": "axis" }, box);
    text(box, left, H - bottom + 13, String(s0));
    text(box, W - right, H - bottom + 13, String(s1), "tick", "end");
    text(box, (left + W - right) / 2, H - 4, opts.label + (log ? " (log scale)" : ""), "label");
    series.forEach(function (s) {
      var points = [];
      s.values.forEach(function (v, k) {
        if (v !== null) { points.push(X(steps[k]).toFixed(1) + "," + Y(v).toFixed(1)); }
      });
      svg("polyline", { points: points.join(" "), fill: "none", stroke: s.color, "stroke-width": 1.8,
        "stroke-dasharray": s.dash || "none" }, box);
    });
    var legendX = W - right;  // the legend above the plot, right to left, so it never hides a curve
    series.slice().reverse().forEach(function (s) {
      var label = text(box, legendX, 11, s.name, "tick", "end");
      label.setAttribute("fill", s.color);
      var dash = svg("line", { x1: legendX - 5.3 * s.name.length - 22, x2: legendX - 5.3 * s.name.length - 4,
        y1: 8, y2: 8, stroke: s.color, "stroke-width": 1.8, "stroke-dasharray": s.dash || "none" }, box);
      legendX = Number(dash.getAttribute("x1")) - 12;
    });
    var cursor = svg("line", { y1: top, y2: H - bottom, "class": "cursor" }, box);
    var dot = svg("circle", { r: 4.5, fill: series[0].color, stroke: "#fff", "stroke-width": 1.5,
      id: opts.dotId }, box);
    dot.setAttribute("data-lo", String(lo)); dot.setAttribute("data-hi", String(hi));
    dot.setAttribute("data-log", log ? "1" : "0");
    dot.setAttribute("data-top", String(top)); dot.setAttribute("data-bottom", String(H - bottom));
    return function (k) {
      var x = X(steps[k]), v = series[0].values[k];
      cursor.setAttribute("x1", x); cursor.setAttribute("x2", x);
      dot.setAttribute("cx", x);
      dot.style.display = v === null ? "none" : "";
      if (v !== null) { dot.setAttribute("cy", Y(v)); dot.setAttribute("data-value", String(v)); }
    };
  }

  // -- the decision boundary: grid cells on a canvas, the data points on top ---------------------------
  var boundary = null;
  function buildBoundary() {
    var spec = data.boundary;
    if (!spec) { $("boundary-panel").style.display = "none"; return; }
    var canvas = $("boundary"), n = spec.grid;
    canvas.width = n; canvas.height = n;
    var b = spec.bounds, points = $("points"), dots = [];
    spec.points.forEach(function (p, i) {
      var x = 100 * (p[0] - b[0]) / (b[1] - b[0]), y = 100 * (b[3] - p[1]) / (b[3] - b[2]);
      var color = PALETTE[spec.count === 2 ? 1 - spec.classes[i] : spec.classes[i] % PALETTE.length];
      dots.push(svg("ellipse", { cx: x, cy: y, rx: 1.3, ry: 1.3, fill: rgb(color, 1), stroke: "#fff",
        "stroke-width": 0.35 }, points));
    });
    var context = canvas.getContext("2d");
    boundary = { context: context, image: context.createImageData(n, n), dots: dots };
  }
  function drawBoundary(k) {
    if (!boundary) { return; }
    var spec = data.boundary, frame = spec.frames[k], pixels = boundary.image.data;
    for (var cell = 0; cell < spec.grid * spec.grid; cell++) {
      var cls = CODE[frame[2 * cell]], sure = CODE[frame[2 * cell + 1]] / 63;
      var color = PALETTE[spec.count === 2 ? 1 - cls : cls % PALETTE.length], strength = 0.12 + 0.5 * sure;
      for (var ch = 0; ch < 3; ch++) {
        pixels[4 * cell + ch] = Math.round(255 + (color[ch] - 255) * strength);
      }
      pixels[4 * cell + 3] = 255;
    }
    boundary.context.putImageData(boundary.image, 0, 0);
    var wrong = spec.predictions ? spec.predictions[k] : null;
    boundary.dots.forEach(function (dot, i) {
      var miss = wrong !== null && CODE[wrong[i]] !== spec.classes[i];
      dot.setAttribute("stroke", miss ? "#000" : "#fff");
      dot.setAttribute("stroke-width", miss ? 0.8 : 0.35);
      dot.setAttribute("rx", miss ? 1.7 : 1.3); dot.setAttribute("ry", miss ? 1.7 : 1.3);
    });
  }

  // -- image inputs: each first-layer neuron's weights as the image they multiply ---------------------
  var features = null;
  function buildFeatures() {
    var spec = data.image;
    if (!spec || !data.network) { $("features-panel").style.display = "none"; return; }
    var box = $("features"), list = [];
    for (var j = 0; j < data.network.sizes[1]; j++) {
      var canvas = document.createElement("canvas");
      canvas.width = spec.columns; canvas.height = spec.rows;
      canvas.title = "hidden neuron " + j;
      box.appendChild(canvas);
      var context = canvas.getContext("2d");
      list.push({ context: context, image: context.createImageData(spec.columns, spec.rows) });
    }
    features = list;
  }
  function drawFeatures(k) {
    if (!features) { return; }
    var frame = data.network.frames[k], nin = data.network.sizes[0];
    features.forEach(function (f, j) {
      var pixels = f.image.data, offset = j * (nin + 1);  // neuron j: its nin weights, then its bias
      for (var i = 0; i < nin; i++) {
        var q = CODE[frame[offset + i]] - 32, color = q >= 0 ? BLUE : ORANGE, size = Math.abs(q) / 31;
        for (var ch = 0; ch < 3; ch++) { pixels[4 * i + ch] = Math.round(255 + (color[ch] - 255) * size); }
        pixels[4 * i + 3] = 255;
      }
      f.context.putImageData(f.image, 0, 0);
    });
  }

  // -- the step-through of one sample at a few recorded steps --------------------------------------------
  function buildStepthroughs() {
    var pages = data.stepthroughs, box = $("stepthrough-buttons");
    if (!pages.length) {
      $("stepthrough-text").textContent = "No step-through in this page: " + data.stepthroughNote + ".";
      return;
    }
    $("stepthrough-text").textContent = "Follow one sample forward through every neuron and back, "
      + "with the weights of a recorded " + data.unit + ": each weight's gradient dC/dw = a · delta "
      + "is the push that moves it (the update is w -= lr · dC/dw, summed over a batch).";
    pages.forEach(function (page) {
      var button = document.createElement("button");
      button.type = "button";
      button.textContent = "Step through sample #" + data.sample + " at " + data.unit + " " + page.step;
      button.addEventListener("click", function () { openStepthrough(page); });
      box.appendChild(button);
    });
  }
  function openStepthrough(page) {  // unpack the page (zlib, base64) into the dialog's frame
    stop(); goTo(page.index);
    var bytes = Uint8Array.from(atob(page.packed), function (ch) { return ch.charCodeAt(0); });
    var stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("deflate"));
    new Response(stream).text().then(function (html) {
      $("stepthrough-heading").textContent =
        "Sample #" + data.sample + " with the weights of " + data.unit + " " + page.step;
      if (!$("stepthrough-dialog").open) { $("stepthrough-dialog").showModal(); }
      $("stepthrough-frame").srcdoc = html;  // after showModal: the page measures its frame
      $("stepthrough-close").focus();
    });
  }
  $("stepthrough-close").addEventListener("click", function () { $("stepthrough-dialog").close(); });
  $("stepthrough-dialog").addEventListener("close", function () {
    $("stepthrough-frame").removeAttribute("srcdoc");
  });

  // -- the cursor -------------------------------------------------------------------------------------
  var lossLine, accuracyLine;
  function show() {
    var k = current, acc = data.accuracy[k], val = data.valAccuracy[k], valLoss = data.valLoss[k];
    drawNetwork(k); drawFeatures(k); drawBoundary(k); lossLine(k);
    if (accuracyLine) { accuracyLine(k); }
    $("readout-step").textContent = String(data.steps[k]);
    var loss = $("readout-loss");
    loss.textContent = format(data.loss[k]);
    loss.setAttribute("data-exact", data.lossText[k]);
    $("readout-accuracy").textContent = percent(acc);
    $("readout-val").textContent = valLoss === null && val === null ? "–"
      : "loss " + format(valLoss) + (val === null ? "" : ", accuracy " + percent(val));
    $("slider").value = String(k);
    $("counter").textContent =
      data.unit + " " + data.steps[k] + " (snapshot " + (k + 1) + " of " + count + ")";
    $("first").disabled = $("prev").disabled = k === 0;
    $("next").disabled = $("last").disabled = k === count - 1;
  }
  function goTo(k) { current = Math.max(0, Math.min(count - 1, k | 0)); show(); }
  function stop() {
    if (timer !== null) { clearInterval(timer); timer = null; }
    $("play").textContent = "\u25B6 Play";
  }
  function play() {
    if (timer !== null) { stop(); return; }
    if (current === count - 1) { goTo(0); }
    $("play").textContent = "\u23F8 Pause";
    timer = setInterval(function () {
      goTo(current + 1);
      if (current >= count - 1) { stop(); }
    }, Number($("speed").value));
  }

  $("first").addEventListener("click", function () { stop(); goTo(0); });
  $("prev").addEventListener("click", function () { stop(); goTo(current - 1); });
  $("next").addEventListener("click", function () { stop(); goTo(current + 1); });
  $("last").addEventListener("click", function () { stop(); goTo(count - 1); });
  $("play").addEventListener("click", play);
  $("speed").addEventListener("change", function () { if (timer !== null) { stop(); play(); } });
  $("slider").addEventListener("input", function () { stop(); goTo(Number($("slider").value)); });
  document.addEventListener("keydown", function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey || $("stepthrough-dialog").open) { return; }
    var tag = event.target.tagName;
    if (tag === "SELECT" || (tag === "BUTTON" && event.key === " ")) { return; }
    var keys = { ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1 };
    if (event.key in keys) { stop(); goTo(current + keys[event.key]); }
    else if (event.key === " ") { play(); }
    else if (event.key === "Home") { stop(); goTo(0); }
    else if (event.key === "End") { stop(); goTo(count - 1); }
    else { return; }
    event.preventDefault();
  });

  var kept = data.calls === count ? "every " + data.unit
    : count + " of " + data.calls + " " + data.unit + "s (evenly spread)";
  $("readout-unit").textContent = data.unit;
  var size = data.model.indexOf("parameters") >= 0 ? "" : " · " + data.parameters + " parameters";
  $("summary").textContent = data.model + size + " · " + kept + " recorded";
  $("slider").max = String(count - 1);
  buildNetwork(); buildFeatures(); buildBoundary(); buildStepthroughs();
  lossLine = chart($("loss-chart"), [
    { name: "training loss", values: data.loss, color: "#b45309" },
    { name: "validation loss", values: data.valLoss, color: "#7c3aed", dash: "5 3" }
  ].filter(function (s, i) { return i === 0 || s.values.some(function (v) { return v !== null; }); }),
  { log: true, label: "loss by " + data.unit, tick: format, dotId: "loss-dot" });
  var accuracies = [
    { name: "training accuracy", values: data.accuracy, color: "#1d4ed8" },
    { name: "validation accuracy", values: data.valAccuracy, color: "#7c3aed", dash: "5 3" }
  ].filter(function (s) { return s.values.some(function (v) { return v !== null; }); });
  if (accuracies.length) {
    accuracyLine = chart($("accuracy-chart"), accuracies,
      { lo: 0, hi: 1, label: "accuracy by " + data.unit, tick: percent, dotId: "accuracy-dot" });
  } else {
    $("accuracy-chart").style.display = "none"; $("readout-accuracy-row").style.display = "none";
  }
  if (data.valLoss.every(function (v) { return v === null; })) {
    $("readout-val-row").style.display = "none";
  }
  show();
  window.replay = { goTo: goTo, count: count, current: function () { return current; } };
})();
"""
