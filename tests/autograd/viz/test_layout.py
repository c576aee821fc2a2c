"""autograd.viz.layout: the built-in fallback layout writes Graphviz-shaped, escaped SVG."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from autograd import Value
from autograd.viz.example import chain_rule
from autograd.viz.graph import Drawing
from autograd.viz.layout import simple_svg

SVG = "{http://www.w3.org/2000/svg}"


def groups(svg: str) -> dict[str, ET.Element]:
    return {g.get("id", ""): g for g in ET.fromstring(svg).iter(f"{SVG}g")}


def texts(group: ET.Element) -> list[str]:
    return [t.text or "" for t in group.iter(f"{SVG}text")]


def test_records_ops_and_edges_have_the_drawing_ids() -> None:
    f = chain_rule()
    f.backward()
    found = groups(simple_svg(Drawing.of(f)))
    assert texts(found["n0"]) == ["x", "data 2", "grad 54"]
    assert texts(found["n3"]) == ["data 3"]  # an unnamed constant: no label, no grad field
    assert texts(found["o6"]) == ["**"]
    assert texts(found["e6_1"]) == ["b"]  # order matters for **: inputs marked a, b
    assert {f"e{i}" for i in (2, 4, 6, 8)} | {"e2_0", "e2_1"} <= set(found)


def test_inputs_sit_left_of_the_ops_that_use_them() -> None:
    x = Value(1.0, "x")
    svg = simple_svg(Drawing.of((x * 2).relu()))
    lefts = {}
    for node_id, group in groups(svg).items():
        shape = group.find(f"{SVG}rect")
        if shape is None:
            shape = group.find(f"{SVG}ellipse")
        if shape is not None:
            lefts[node_id] = float(shape.get("x") or shape.get("cx") or "nan")
    assert lefts["n0"] < lefts["o2"] < lefts["n2"] < lefts["o3"] < lefts["n3"]


def test_labels_are_escaped() -> None:
    label = "</text><script>alert(1)</script>&"
    svg = simple_svg(Drawing.of(Value(1.0, label) * 2, show_ids=True))
    assert "<script" not in svg
    assert texts(groups(svg)["n0"])[0] == label


def test_grads_argument() -> None:
    x = Value(2.0, "x")
    svg = simple_svg(Drawing.of(x), grads={x: 7.0})
    assert texts(groups(svg)["n0"]) == ["x", "data 2", "grad 7"]


def test_three_input_ops_are_drawn_with_the_dot_drawings_edge_labels() -> None:
    """mul_add (every nn.Neuron) once crashed here: the layout hard-coded the inputs "ab"."""
    from autograd.viz.graph import input_labels

    w, x, b = Value(2.0, "w"), Value(3.0, "x"), Value(1.0, "b")
    z = w.mul_add(x, b)
    found = groups(simple_svg(Drawing.of(z)))
    assert [texts(found[f"e3_{k}"]) for k in range(3)] == [["a"], ["b"], ["c"]]
    assert input_labels(z) == ("a", "b", "c") and input_labels(w * x) == ("", "")
    assert input_labels(w**x) == ("a", "b") and input_labels(w.exp()) == ("",)
