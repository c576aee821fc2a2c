"""autograd.viz.dot: the DOT drawing (content, determinism, escaping, names, limits)."""

from __future__ import annotations

import builtins
import re
from typing import Any

import pytest

pytest.importorskip("graphviz", reason="draw_dot needs the graphviz Python package")

from autograd import Value
from autograd.viz import GraphTooLargeError, draw_dot
from autograd.viz.dot import record_text
from autograd.viz.example import chain_rule
from autograd.viz.graph import clean_text, format_number, names_from

HOSTILE = [
    '"',
    "\\",
    '\\"',
    "{x}",
    "a|b",
    "<b>",
    "</script><script>alert(1)</script>",
    "two\nlines",
    "\\N",
    "\\G\\l\\n",
    "end\\",
    "&amp; &lt;",
    "a\x00b\x07",
    "tab\there",
    "-->",
    "ünï ☃",
    "<<html>>",
]


def graph() -> Value:
    f = chain_rule()
    f.backward()
    return f


def test_records_show_label_data_and_grad() -> None:
    source = draw_dot(graph()).source
    for text in (
        "x | data 2 | grad 54",
        "y | data 3 | grad 36",
        "xy | data 6 | grad 18",
        "f | data 82 | grad 1",
    ):
        assert text in source
    assert '"{ data 3 }"' in source  # the constant 3: no grad field (it is not differentiated)
    assert source.count("shape=record") == 1  # set once, as the default node shape
    assert "rankdir=LR" in source


def test_one_op_node_per_interior_value_and_one_edge_per_input() -> None:
    source = draw_dot(graph()).source
    ops = re.findall(r"^\s*o\d+ \[label=\"?([^\"\s]+)\"?", source, re.M)
    assert sorted(ops) == sorted(["*", "+", "**", "+"])
    assert len(re.findall(r"->", source)) == 4 + 2 * 4  # op -> result, and 2 inputs per op


def test_ids_follow_topological_order_and_the_source_is_deterministic() -> None:
    first, second = draw_dot(graph()).source, draw_dot(graph()).source
    assert first == second
    assert re.findall(r"^\s*(n\d+) \[", first, re.M) == [f"n{i}" for i in range(9)]
    for statement in (
        "n0 [",
        "id=n0]",
        "o2 [",
        "id=o2 ",
        "o2 -> n2 [id=e2]",
        "n0 -> o2 [id=e2_0]",
        "n1 -> o2 [id=e2_1]",
    ):
        assert statement in first


def test_a_value_used_twice_draws_two_edges() -> None:
    a = Value(3.0, "a")
    source = draw_dot(a + a).source
    assert "n0 -> o1 [id=e1_0]" in source and "n0 -> o1 [id=e1_1]" in source


def test_inputs_are_marked_a_b_only_where_order_matters() -> None:
    x, y = Value(1.0, "x"), Value(2.0, "y")
    assert "label=a" not in draw_dot(x * y).source
    source = draw_dot(x - y).source
    assert "n0 -> o2 [label=a id=e2_0]" in source and "n1 -> o2 [label=b id=e2_1]" in source


def test_colours_by_role() -> None:
    x = Value(2.0, "x")
    source = draw_dot(x * 3 - x).source
    lines = {m.group(1): m.group(0) for m in re.finditer(r"^\s*(n\d+) \[.*$", source, re.M)}
    assert "#dbeafe" in lines["n0"]  # input
    assert "dashed" in lines["n1"]  # the constant 3
    assert "#ffffff" in lines["n2"]  # interior
    assert "#fde68a" in lines["n3"]  # output


def test_grads_argument_replaces_dot_grad() -> None:
    x = Value(2.0, "x")
    f = x * x
    assert "grad 4" in draw_dot(f, grads={x: 4.0, f: 1.0}).source
    assert x.grad == 0.0


@pytest.mark.parametrize("label", HOSTILE)
def test_hostile_labels_are_escaped(label: str) -> None:
    x = Value(1.0, label)
    source = draw_dot(x * 2, title=label).source
    record = re.search(r"n0 \[label=\"\{ (.*) \| data 1 \| grad 0 \}\"", source)
    assert record is not None, source
    text = record.group(1)
    # every special character is behind a backslash; no raw newline, quote or markup survives
    assert "\n" not in text and re.search(r'(?<!\\)(\\\\)*["{}|<>]', text) is None


def test_record_text_escapes_each_special_character() -> None:
    assert record_text('a"b') == 'a\\"b'
    assert record_text("{|}") == "\\{\\|\\}"
    assert record_text("<x>") == "\\<x\\>"
    assert record_text("back\\slash") == "back\\\\slash"
    assert record_text("one\ntwo") == "one\\ntwo"
    assert record_text("&lt;") == "&amp;lt;"


def test_clean_text_shows_control_characters_and_cuts_long_labels() -> None:
    assert clean_text("a\x00b") == "a\\x00b"
    assert clean_text("x" * 100).endswith("…") and len(clean_text("x" * 100)) == 40


def test_format_number() -> None:
    assert [format_number(x) for x in (54.0, 1 / 3, 1e6, -0.0, float("inf"), float("nan"))] == [
        "54",
        "0.3333",
        "1e+06",
        "0",
        "inf",
        "nan",
    ]


def test_names_from_a_namespace() -> None:
    x, y = Value(2.0), Value(3.0, "why")
    product = x * y
    weights = [Value(0.5), Value(0.25)]
    _hidden = x
    names = names_from(locals())
    assert names[x] == "x" and names[product] == "product" and names[weights[1]] == "weights[1]"
    source = draw_dot(product, names=locals()).source
    assert "x | data 2" in source and "why | data 3" in source  # a label wins over a name
    assert "product | data 6" in source
    assert _hidden is x


def test_show_ids_names_unnamed_values() -> None:
    x = Value(2.0, "x")
    source = draw_dot(x * 3, show_ids=True).source
    assert "n2 | data 6" in source and '"{ data 3 }"' in source  # a constant is known by its number


def test_too_large_graphs_are_refused_quickly() -> None:
    x = Value(1.0)
    for _ in range(2000):
        x = x + 1
    with pytest.raises(GraphTooLargeError, match="more than 1000 values"):
        draw_dot(x)
    with pytest.raises(GraphTooLargeError, match="max_nodes"):
        draw_dot(x, max_nodes=10)
    assert "n3999" in draw_dot(x, max_nodes=None).source


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"rankdir": "XY"}, "rankdir"), ({"digits": 0}, "digits")],
)
def test_bad_arguments(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        draw_dot(Value(1.0), **kwargs)


def test_not_a_value() -> None:
    with pytest.raises(TypeError, match="expected the output Value"):
        draw_dot(3.0)  # type: ignore[arg-type]


def test_missing_graphviz_package_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    real_import = builtins.__import__

    def no_graphviz(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "graphviz":
            raise ImportError("No module named 'graphviz'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_graphviz)
    with pytest.raises(ImportError, match=r'pip install "chainrule\[viz\]"'):
        draw_dot(Value(1.0))
