"""autograd.viz (the package): its documented example runs, and it exports what it documents."""

from __future__ import annotations

import doctest

import pytest

pytest.importorskip("graphviz", reason="draw_dot needs the graphviz Python package")

import autograd.viz
from autograd import Value
from autograd.viz import available_renderers, mimebundle, renderers


def test_docstring_example() -> None:
    result = doctest.testmod(autograd.viz, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0


def test_exports() -> None:
    for name in autograd.viz.__all__:
        assert hasattr(autograd.viz, name), name


def test_mimebundle_draws_small_graphs_and_falls_back_to_text(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    x = Value(2.0, "x")
    f = x * x
    if available_renderers():
        bundle = mimebundle(f)
        assert "grad" in bundle["image/svg+xml"] and bundle["text/plain"] == repr(f)
    assert set(mimebundle(f, max_nodes=1)) == {"text/plain"}  # too large to show inline
    monkeypatch.setattr(renderers, "_has_dot", lambda: False)
    monkeypatch.setattr(renderers, "_has_wasm", lambda: False)
    assert mimebundle(f) == {"text/plain": repr(f)}
