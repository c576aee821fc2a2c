"""One self-contained HTML page, the shell of every page the project writes.

A page is one file that a browser opens with no server and no network:

* a Content-Security-Policy in ``<head>`` allows inline style and script only (no fetch, image,
  font or connection), so nothing on the page can reach the network;
* user text reaches the page only through :func:`escape` (HTML text) or :func:`json_for_html`
  (data in ``<script type="application/json" id="chainrule-data">``, read by the page's script
  and written with ``textContent``); the whole page is valid UTF-8 even if a label holds a lone
  surrogate;
* one stylesheet for every page: a header of controls, a view (the drawing) and a side panel that
  moves below the view on narrow screens (phones, split windows);
* one player (:data:`PLAYER_SCRIPT`): Reset / Prev / Play / Next, a step slider, speed, and the
  keyboard (arrows, Space, Home, End), for any page that shows a sequence of steps.

In a notebook, :meth:`Page._repr_html_` puts the page inside ``<iframe srcdoc=...>`` with
``sandbox="allow-scripts"``: its styles and scripts cannot touch the notebook around it.

Build a page::

    body = f'<main class="app-main"><div class="view">{svg}</div><aside class="panel">...</aside></main>'
    html = page_html("My page", body, css=MY_CSS, script=MY_SCRIPT, data={"steps": [...]},
                     controls=player_controls())
    Page(html, "My page").save("my_page.html")
"""

from __future__ import annotations

import html as html_module
import json
import os
import re
from pathlib import Path

from autograd.viz.graph import clean_text

#: Inline style and script only; every fetch (images, fonts, connections, frames) is blocked.
CSP = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:"
#: Height of a page shown in a notebook (its iframe), in CSS pixels.
NOTEBOOK_HEIGHT = 640


def escape(text: str, max_chars: int = 200) -> str:
    """User text as HTML text or attribute value: printable (see ``clean_text``) and escaped."""
    return html_module.escape(clean_text(str(text), max_chars), quote=True)


def json_for_html(data: object) -> str:
    """JSON that is inert inside ``<script>``: no ``<``, ``>`` or ``&``, no line separators; a lone
    surrogate stays a ``\\udcff`` escape (valid JSON, valid UTF-8)."""
    text = json.dumps(data, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    for char, code in (
        ("<", "\\u003c"),
        (">", "\\u003e"),
        ("&", "\\u0026"),
        ("\u2028", "\\u2028"),
        ("\u2029", "\\u2029"),
    ):
        text = text.replace(char, code)
    return _utf8(text)


def _utf8(text: str) -> str:
    """``text`` with any lone surrogate written as ``\\udcff`` so that it encodes as UTF-8."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


_SVG_START = re.compile(r"<svg\b")
# a script element, or an event-handler / link attribute inside a tag (text between tags is escaped)
_UNSAFE_SVG = re.compile(
    r"<\s*(script|foreignObject|iframe|a)\b|<[^>]*\s(on\w+|href|xlink:href)\s*=", re.IGNORECASE
)


def inline_svg(svg: str) -> str:
    """The ``<svg>`` element of a rendered file (no XML prolog or doctype), checked to hold no
    script: Graphviz and the built-in layout escape labels, so a script here would be a bug, and
    the page refuses it."""
    start = _SVG_START.search(svg)
    if start is None:
        raise ValueError("the renderer returned no <svg> element")
    svg = re.sub(r"<!--.*?-->", "", svg[start.start() :], flags=re.DOTALL)
    if _UNSAFE_SVG.search(svg):
        raise ValueError("refusing to embed an SVG that contains script")
    return svg


def player_controls(speed: bool = True, extra: str = "") -> str:
    """The player's controls (ids ``reset prev play next slider counter speed``), for the header.
    ``extra``: more controls (trusted HTML) after them."""
    speed_html = (
        '<label>Speed <select id="speed">'
        '<option value="1000">1/s</option><option value="400" selected>2.5/s</option>'
        '<option value="100">10/s</option><option value="16">60/s</option></select></label>'
        if speed
        else ""
    )
    return (
        '<div class="controls" role="group" aria-label="Steps">'
        '<button id="reset" type="button" title="Back to the start (Home)">&#x21BA; Reset</button>'
        '<button id="prev" type="button" title="Previous step (&#x2190;)">&#x25C0; Prev</button>'
        '<button id="play" type="button" title="Play or pause (Space)">&#x25B6; Play</button>'
        '<button id="next" type="button" title="Next step (&#x2192;)">Next &#x25B6;</button>'
        '<input id="slider" type="range" min="0" max="0" value="0" aria-label="Step">'
        '<output id="counter" for="slider" aria-live="off"></output>'
        f"{speed_html}{extra}</div>"
    )


def page_html(
    title: str,
    body: str,
    *,
    css: str = "",
    script: str = "",
    data: object = None,
    controls: str = "",
) -> str:
    """The whole page: ``<head>`` with the CSP, the shared style and ``css``; a header with the
    (escaped) ``title`` and ``controls``; ``body`` (trusted HTML: escape user text in it with
    :func:`escape`); ``data`` as JSON; the player and ``script``. ``script`` reads the data with
    ``chainrule.data`` and starts the player with ``chainrule.player({count, show})``."""
    head = (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)}</title>\n<style>{BASE_CSS}{css}</style>\n</head>\n"
    )
    header = f'<header class="app-header"><h1>{escape(title)}</h1>{controls}</header>\n'
    scripts = (
        f'<script type="application/json" id="chainrule-data">{json_for_html(data)}</script>\n'
        f"<script>{PLAYER_SCRIPT}{script}</script>\n"
    )
    return _utf8(f"{head}<body>\n{header}{body}\n{scripts}</body>\n</html>\n")


def notebook_iframe(html: str, title: str, height: int = NOTEBOOK_HEIGHT) -> str:
    """``html`` inside a sandboxed ``<iframe srcdoc=...>``: scripts run, but the page cannot reach
    the notebook (no same origin) and its styles apply only inside the frame."""
    return (
        f'<iframe srcdoc="{html_module.escape(_utf8(html), quote=True)}" sandbox="allow-scripts" '
        f'title="{escape(title)}" width="100%" height="{int(height)}" '
        'style="width:100%;max-width:100%;border:1px solid #d1d5db;border-radius:4px;display:block">'
        "</iframe>"
    )


class Page:
    """A finished page: ``.html`` (the text), ``.save(path)``, and in Jupyter the page inline in
    a sandboxed iframe (``_repr_html_``)."""

    def __init__(self, html: str, title: str, height: int = NOTEBOOK_HEIGHT) -> None:
        self.html = html
        self.title = title
        self.height = height

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the page to ``path`` (UTF-8) and return the path; open it in any browser."""
        path = Path(path)
        path.write_text(self.html, encoding="utf-8")
        return path

    def _repr_html_(self) -> str:
        return notebook_iframe(self.html, self.title, self.height)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.title!r}: {len(self.html)} characters; .save(path) writes it>"


BASE_CSS = """
* { box-sizing: border-box; }
html, body { margin: 0; height: 100%; font-family: system-ui, -apple-system, "Segoe UI", Helvetica,
  Arial, sans-serif; }
body { display: flex; flex-direction: column; background: #f9fafb; color: #111827; }
.app-header { padding: 8px 14px; border-bottom: 1px solid #e5e7eb; background: #fff; flex: none; }
.app-header h1 { font-size: 16px; margin: 0 0 6px; overflow-wrap: anywhere; }
.controls { display: flex; gap: 6px 8px; align-items: center; flex-wrap: wrap; font-size: 13px; }
button, select { font: inherit; color: #111827; }
button { padding: 4px 10px; border: 1px solid #6b7280; border-radius: 6px; background: #fff;
  cursor: pointer; min-height: 30px; }
button:hover:not(:disabled) { background: #f3f4f6; }
button:disabled { color: #6b7280; border-color: #d1d5db; cursor: default; }
:focus-visible { outline: 3px solid #2563eb; outline-offset: 1px; }
#slider { flex: 1 1 160px; min-width: 120px; }
#counter { font-variant-numeric: tabular-nums; min-width: 6.5em; }
.app-main { flex: 1; display: flex; min-height: 0; }
.view { flex: 1; min-width: 0; overflow: auto; padding: 10px; background: #fff; }
.panel { width: 380px; flex: none; overflow: auto; padding: 12px 16px; border-left: 1px solid #e5e7eb; }
.panel h2 { font-size: 16px; margin: 4px 0 10px; overflow-wrap: anywhere; }
.muted { color: #4b5563; font-size: 12px; }
.math { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 13px; }
details > summary { cursor: pointer; font-size: 13px; color: #374151; margin: 8px 0; }
@media (max-width: 1000px) { .panel { width: 320px; } }
@media (max-width: 860px) {
  .app-main { flex-direction: column; }
  .view { flex: 0 1 auto; min-height: 200px; max-height: 60vh; }
  .panel { width: auto; flex: 1 1 auto; min-height: 150px; border-left: none;
    border-top: 2px solid #e5e7eb; }
}
@media (max-width: 520px) {
  .app-header { padding: 6px 8px; }
  .app-header h1 { font-size: 14px; margin-bottom: 4px; }
  .controls button { padding: 4px 8px; }
  #slider { order: 10; flex-basis: 100%; }
  .view { padding: 4px; }
  .panel { padding: 8px 10px; }
}
"""

# The player: chainrule.player({count, show}) wires the controls of player_controls() and the
# keyboard to a step counter 0..count; show(k, scroll) draws step k (scroll: bring it into view).
PLAYER_SCRIPT = r"""
var chainrule = (function () {
  "use strict";
  var data = JSON.parse(document.getElementById("chainrule-data").textContent);
  function $(id) { return document.getElementById(id); }
  function player(options) {
    var count = options.count, current = 0, timer = null;
    var slider = $("slider"), playButton = $("play"), speed = $("speed");
    function goTo(k, scroll) {
      current = Math.max(0, Math.min(count, k | 0));
      options.show(current, scroll);
      slider.value = String(current);
      $("counter").textContent = current + " / " + count;
      $("prev").disabled = $("reset").disabled = current === 0;
      $("next").disabled = current === count;
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
      }, speed ? Number(speed.value) : 400);
    }
    $("next").addEventListener("click", function () { stop(); goTo(current + 1, true); });
    $("prev").addEventListener("click", function () { stop(); goTo(current - 1, true); });
    $("reset").addEventListener("click", function () { stop(); goTo(0, false); });
    playButton.addEventListener("click", play);
    if (speed) { speed.addEventListener("change", function () { if (timer !== null) { stop(); play(); } }); }
    slider.addEventListener("input", function () { stop(); goTo(Number(slider.value), true); });
    document.addEventListener("keydown", function (event) {
      var tag = event.target.tagName, space = event.key === " ";
      if (event.altKey || event.ctrlKey || event.metaKey || tag === "SELECT" || tag === "TEXTAREA"
          || (tag === "INPUT" && !space)            // the slider moves itself (and fires "input")
          || (tag === "BUTTON" && (space || event.key === "Enter"))) { return; }  // a click
      var keys = { ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1 };
      if (event.key in keys) { stop(); goTo(current + keys[event.key], true); }
      else if (event.key === " ") { play(); }
      else if (event.key === "Home") { stop(); goTo(0, false); }
      else if (event.key === "End") { stop(); goTo(count, true); }
      else { return; }
      event.preventDefault();
    });
    slider.max = String(count);
    goTo(0, false);
    return { goTo: goTo, stop: stop, play: play, count: count,
             current: function () { return current; } };
  }
  return { data: data, player: player, $: $ };
})();
"""
