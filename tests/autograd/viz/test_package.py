"""autograd.viz (the package): its documented example runs, and it exports what it documents."""

from __future__ import annotations

import doctest
import sys
from pathlib import Path

import pytest

import autograd.viz
from autograd import Value
from autograd.viz import mimebundle, render, renderers, show, write_html
from autograd.viz.example import chain_rule


def test_docstring_example() -> None:
    pytest.importorskip("graphviz", reason="the example calls draw_dot, which needs the graphviz package")
    result = doctest.testmod(autograd.viz, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0


def test_exports() -> None:
    for name in autograd.viz.__all__:
        assert hasattr(autograd.viz, name), name


def test_mimebundle_draws_small_graphs_and_says_why_large_ones_are_text(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    x = Value(2.0, "x")
    f = x * x
    bundle = mimebundle(f)
    assert "grad" in bundle["image/svg+xml"] and bundle["text/plain"] == repr(f)
    large = mimebundle(f, max_nodes=1)
    assert set(large) == {"text/plain"} and large["text/plain"].startswith(repr(f))
    assert (
        "more than 1 values" in large["text/plain"]
        and "stepthrough(v, max_nodes=None)" in large["text/plain"]
    )
    monkeypatch.setattr(renderers, "_has_dot", lambda: False)
    monkeypatch.setattr(renderers, "_has_wasm", lambda: False)
    assert "grad 0" in mimebundle(f)["image/svg+xml"]  # the built-in layout


def test_value_display_is_the_hook_that_viz_registers(monkeypatch: pytest.MonkeyPatch) -> None:
    from autograd import engine

    f = Value(2.0, "x") * 3
    assert engine.display_hook is not None and f._repr_mimebundle_() == mimebundle(f)
    monkeypatch.setattr(engine, "display_hook", None)
    assert f._repr_mimebundle_() == {"text/plain": repr(f)}


def test_lone_surrogates_in_labels_render(tmp_path: Path) -> None:
    """A label decoded with surrogateescape (a file name) cannot break any picture or page."""
    x = Value(2.0, "data\udcff")
    f = x * x + 1
    f.label = "out\ud800"
    for svg in (mimebundle(f)["image/svg+xml"], render(f, renderer="builtin").decode()):
        assert "data\\udcff" in svg and svg.encode()
    html = autograd.viz.write_html(f, tmp_path / "f.html", title="t\udcff").read_text(encoding="utf-8")
    assert "data\\udcff" in html
    page = autograd.viz.stepthrough(f)
    assert page._repr_html_().encode() and page.html.encode()


def graph() -> Value:
    f = chain_rule()
    f.backward()
    return f


def test_without_the_graphviz_package_pictures_and_pages_use_the_builtin_layout(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The dot binary is there but not the Python package that writes DOT: no ImportError."""
    monkeypatch.setitem(sys.modules, "graphviz", None)  # import graphviz -> ImportError
    assert not renderers.has_graphviz_package()
    assert b"grad 54" in render(graph())
    assert "grad 54" in show(graph())._repr_svg_()
    assert "grad 54" in mimebundle(graph())["image/svg+xml"]
    html = write_html(graph(), tmp_path / "f.html").read_text(encoding="utf-8")
    assert "built-in" in html and 'id="n0"' in html
    with pytest.raises(ImportError, match="pip install"):
        write_html(graph(), tmp_path / "g.html", renderer="dot")
