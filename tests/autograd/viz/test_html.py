"""autograd.viz.html: the step-through page is self-contained, escaped, and carries every step."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from autograd import Value
from autograd.viz import available_renderers, step_through, stepthrough_html, write_html
from autograd.viz import renderers as renderers_module
from autograd.viz.example import chain_rule
from autograd.viz.page import inline_svg as _inline_svg
from autograd.viz.page import json_for_html as _json_for_html

HOSTILE = "</script><script>x{{script}}\"'\\<!--&\u2028"  # within the 40-character label limit
ALLOWED_URLS = {"http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"}


def page_data(html: str) -> dict[str, Any]:
    match = re.search(r'<script type="application/json" id="chainrule-data">(.*?)</script>', html, re.DOTALL)
    assert match is not None
    return json.loads(match.group(1))  # type: ignore[no-any-return]


def hostile_graph() -> Value:
    x = Value(2.0, HOSTILE)
    y = x * x
    y.label = "y " + HOSTILE
    return y + 1


@pytest.mark.parametrize("renderer", ["auto", "builtin"])
def test_the_page_is_self_contained(renderer: str) -> None:
    html = stepthrough_html(chain_rule(), renderer=renderer)
    urls = set(re.findall(r"(?:https?:)?//[\w.-]+[^\s\"'<>)]*", html))
    assert urls <= ALLOWED_URLS
    assert not re.search(r"<(link|img|iframe|object|embed)\b|\bsrc=|@import|url\(", html)
    assert "Content-Security-Policy" in html and "default-src 'none'" in html
    assert html.count("<script") == 2  # the JSON data and the page's own script


@pytest.mark.parametrize("renderer", ["auto", "builtin"])
def test_hostile_labels_stay_text(renderer: str) -> None:
    html = stepthrough_html(hostile_graph(), renderer=renderer, title=HOSTILE)
    assert html.count("<script") == 2 and html.count("</script>") == 2
    assert "<script>x" not in html
    svg = html[html.index("<svg") : html.index("</svg>")]
    assert "<script" not in svg and "{{" in svg  # the label's "{{script}}" is not substituted
    data = page_data(html)
    lines = " ".join(line for step in data["steps"] for line in step["lines"])
    assert HOSTILE in lines  # the JSON round-trips the label exactly; the page sets textContent


def test_the_data_holds_every_step_with_its_change() -> None:
    f = chain_rule()
    html = stepthrough_html(f)
    data = page_data(html)
    steps = step_through(f)
    assert len(data["steps"]) == len(steps) == 10
    assert [node["id"] for node in data["nodes"]] == [f"n{i}" for i in range(9)]
    assert data["nodes"][0]["data"] == "2" and data["nodes"][2]["data"] == "?"
    first, seed, last = data["steps"][0], data["steps"][4], data["steps"][-1]
    assert (first["kind"], first["target"], first["field"], first["after"]) == ("forward", 2, "data", "6")
    assert (seed["kind"], seed["target"], seed["after"]) == ("seed", 8, "1")
    assert last["kind"] == "backward" and last["edges"] == ["e2_1"] and last["focus"] == ["n1"]
    assert last["other"] == ["n2", "o2"]  # the node read, kept in view with the one changed
    assert (last["before"], last["after"], last["afterExact"]) == ("0", "36", "36.0")
    assert last["lines"][-1] == "y.grad: 0 → 36" and last["rule"] == "∂(a · b)/∂b = a, with a = x, b = y"
    constants = {3, 5, 7}  # the 3, the 2 and the 1 of (xy + 3)^2 + 1
    assert not constants & {step["target"] for step in data["steps"] if step["field"] == "grad"}


def test_builtin_layout_has_the_graphviz_structure() -> None:
    html = stepthrough_html(chain_rule(), renderer="builtin")
    assert "built-in" in page_data(html)["layout"]
    for i in range(9):
        assert f'<g id="n{i}" class="node">' in html
    assert '<g id="e2_0" class="edge">' in html and '<g id="o8" class="node">' in html


def test_auto_without_graphviz_falls_back_to_the_builtin_layout(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(renderers_module, "_has_dot", lambda: False)
    monkeypatch.setattr(renderers_module, "_has_wasm", lambda: False)
    assert "built-in" in page_data(stepthrough_html(chain_rule()))["layout"]
    with pytest.raises(renderers_module.RendererNotFound):
        stepthrough_html(chain_rule(), renderer="dot")


@pytest.mark.skipif(
    not (available_renderers() and renderers_module.has_graphviz_package()),
    reason="no Graphviz renderer, or no graphviz Python package, installed",
)
def test_graphviz_layout_is_used_when_installed() -> None:
    assert "Graphviz" in page_data(stepthrough_html(chain_rule()))["layout"]


def test_write_html(tmp_path: Path) -> None:
    path = write_html(chain_rule(), tmp_path / "f.html", renderer="builtin")
    assert path.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_nan_and_inf_values_are_valid_json() -> None:
    x = Value(0.0, "x")
    data = page_data(stepthrough_html(1 / x - 0 / x, renderer="builtin"))
    assert {"inf", "nan"} <= {step["after"] for step in data["steps"]}


def test_inline_svg_refuses_script() -> None:
    assert _inline_svg('<?xml version="1.0"?>\n<!-- c --><svg><g/></svg>') == "<svg><g/></svg>"
    for bad in (
        "<svg><script>x</script></svg>",
        '<svg><g onload="x"/></svg>',
        '<svg><a href="https://example.com">x</a></svg>',
    ):
        with pytest.raises(ValueError, match="script"):
            _inline_svg(bad)
    assert _inline_svg("<svg><text>x onload=y</text></svg>")  # text between tags is fine


def test_json_for_html_is_inert() -> None:
    text = _json_for_html({"a": "</script><!--&\u2028"})
    assert not set("<>&\u2028") & set(text)
    assert json.loads(text) == {"a": "</script><!--&\u2028"}
