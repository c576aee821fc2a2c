"""autograd.viz (the package): its documented example runs, and it exports what it documents."""

from __future__ import annotations

import doctest
from pathlib import Path

import pytest

pytest.importorskip("graphviz", reason="draw_dot needs the graphviz Python package")

import autograd.viz
from autograd import Value
from autograd.viz import mimebundle, render, renderers


def test_docstring_example() -> None:
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
    assert "more than 1 values" in large["text/plain"] and "stepthrough(v)" in large["text/plain"]
    monkeypatch.setattr(renderers, "_has_dot", lambda: False)
    monkeypatch.setattr(renderers, "_has_wasm", lambda: False)
    assert "grad 0" in mimebundle(f)["image/svg+xml"]  # the built-in layout


def test_value_display_is_the_hook_that_viz_registers(monkeypatch: pytest.MonkeyPatch) -> None:
    from autograd import engine

    f = Value(2.0, "x") * 3
    assert engine.display_hook is mimebundle and f._repr_mimebundle_() == mimebundle(f)
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
