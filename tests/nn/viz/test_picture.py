"""draw_network: one node per input and neuron, one edge per weight; the built-in SVG without Graphviz."""

from __future__ import annotations

import re
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from nn import MLP
from nn.losses import mse
from nn.viz import NetworkPicture, draw_network, network_svg
from nn.viz import picture as picture_module
from nn.viz.picture import NEGATIVE, POSITIVE, edge_style


def _graphviz_with_dot() -> bool:
    import shutil

    try:
        import graphviz  # noqa: F401
    except ImportError:
        return False
    return shutil.which("dot") is not None


needs_graphviz = pytest.mark.skipif(not _graphviz_with_dot(), reason="needs the graphviz package and dot")


@needs_graphviz
def test_one_node_per_input_and_neuron_one_edge_per_weight() -> None:
    model = MLP(3, [4, 2], seed=0)
    dot = draw_network(model)
    source = dot.source
    nodes = re.findall(r"^\s*(x\d+|n\d+_\d+) \[", source, flags=re.M)
    edges = re.findall(r"^\s*(\w+) -> (\w+)", source, flags=re.M)
    assert sorted(nodes) == sorted(
        [f"x{k}" for k in range(3)] + [f"n0_{j}" for j in range(4)] + ["n1_0", "n1_1"]
    )
    assert len(edges) == 3 * 4 + 4 * 2
    assert ("x2", "n0_3") in edges and ("n0_1", "n1_0") in edges
    assert "L1.N1 relu" not in source and "L1.N1 linear" in source  # the output layer is linear


@needs_graphviz
def test_sample_values_and_gradients_appear() -> None:
    model = MLP(2, [2, 1], activation="tanh", seed=1)
    before = draw_network(model).source
    assert "z =" not in before and "∂" not in before
    with_x = draw_network(model, [0.5, -1.0]).source
    a = model([0.5, -1.0])
    assert f"a = {a.data:.4g}" in with_x and "= 0.5" in with_x  # the output neuron's a; input x0
    mse([a], [1.0]).backward()
    after = draw_network(model).source
    b = model.layers[1].neurons[0].b
    assert f"∂C/∂b = {b.grad:.4g}" in after
    w = model.layers[0].neurons[1].w[0]
    assert f"∂C/∂w = {w.grad:.4g}" in after and f"dC/dw = {w.grad:.4g}" in after  # label and tooltip


@needs_graphviz
def test_edges_are_coloured_by_sign_and_thicker_when_larger() -> None:
    model = MLP(1, [2], seed=0)
    model.layers[0].neurons[0].w[0].data, model.layers[0].neurons[1].w[0].data = 0.1, -2.0
    source = draw_network(model).source
    assert f'color="{POSITIVE}" penwidth=0.77' in source
    assert f'color="{NEGATIVE}" penwidth=4.0' in source
    assert edge_style(float("nan"), 1.0) == (NEGATIVE, 0.6)


def test_without_the_graphviz_package_the_built_in_picture_is_returned(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "graphviz", None)  # import graphviz now raises ImportError
    picture = draw_network(MLP(2, [3, 1], seed=0), [1.0, 2.0])
    assert isinstance(picture, NetworkPicture)
    assert picture._repr_svg_().startswith("<svg")


def test_without_dot_the_built_in_picture_is_returned(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(picture_module.shutil, "which", lambda name: None)
    picture = draw_network(MLP(2, [3, 1], seed=0))
    assert isinstance(picture, NetworkPicture)
    saved = picture.save(tmp_path / "net.svg")
    assert saved.read_text(encoding="utf-8") == picture.svg


def test_built_in_svg_is_well_formed_and_holds_every_node_and_weight() -> None:
    model = MLP(2, [3, 1], seed=0)
    svg = network_svg(model, [0.25, -1.0], title="a <b>title</b> & more")
    root = ET.fromstring(svg)  # parses: every text is escaped
    ns = "{http://www.w3.org/2000/svg}"
    ids = {g.get("id") for g in root.iter(f"{ns}g")}
    assert ids == {"x0", "x1", "n0_0", "n0_1", "n0_2", "n1_0"}
    assert len(list(root.iter(f"{ns}line"))) == 2 * 3 + 3 * 1
    assert "a &lt;b&gt;title&lt;/b&gt; &amp; more" in svg
    texts = [t.text for t in root.iter(f"{ns}text")]
    assert "= 0.25" in texts and "L1.N0 linear" in texts
