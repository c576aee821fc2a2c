"""Draw a computation graph as Graphviz DOT: one record per ``Value``, one small node per op.

This module only writes DOT. What is drawn (node ids ``n{i}``, ``o{i}``, edge ids ``e{i}_{k}``,
``e{i}``, names, roles, edge labels) comes from the drawing's model in :mod:`autograd.viz.graph`,
shared with the built-in layout and the step-through page, so the same graph always gives the same
DOT source and the page can find every node.

All user text (labels, names) goes through :func:`record_text`, so no label can break the DOT syntax,
inject Graphviz escapes (``\\N``, ``\\l``), or markup into the rendered SVG.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from autograd.engine import Value
from autograd.viz.graph import (
    DEFAULT_MAX_NODES,
    Drawing,
    check_options,
    clean_text,
    input_labels,
)

if TYPE_CHECKING:
    import graphviz

# Role of a value -> record style. Keep in sync with the legend in draw_dot's docstring.
ROLE_STYLES: dict[str, dict[str, str]] = {
    "input": {"fillcolor": "#dbeafe", "color": "#1d4ed8"},
    "constant": {"fillcolor": "#f3f4f6", "color": "#6b7280", "style": "filled,dashed"},
    "interior": {"fillcolor": "#ffffff", "color": "#374151"},
    "output": {"fillcolor": "#fde68a", "color": "#b45309", "penwidth": "2"},
}
OP_STYLE = {
    "shape": "ellipse",
    "style": "filled",
    "fillcolor": "#ede9fe",
    "color": "#6d28d9",
    "fontsize": "11",
    "margin": "0.02,0.02",
    "height": "0.3",
}


def _import_graphviz() -> Any:
    try:
        import graphviz
    except ImportError as error:
        raise ImportError(
            'autograd.viz.draw_dot needs the "graphviz" Python package: pip install "chainrule[viz]"'
        ) from error
    return graphviz


# -- text -----------------------------------------------------------------------------------------


_RECORD_SPECIAL = re.compile(r'([\\{}|<>"])')


def record_text(text: str) -> str:
    """Escape ``text`` for one field of a Graphviz record label inside a quoted DOT string.

    A backslash before ``\\ { } | < > "`` makes each a literal character (the backslash itself
    first, so user text cannot form escapes like ``\\N``); a newline becomes the ``\\n`` line break.
    """
    text = _RECORD_SPECIAL.sub(r"\\\1", clean_text(text)).replace("&", "&amp;")
    return text.replace("\n", "\\n")


def plain_text(text: str) -> str:
    """Escape ``text`` for a plain (non-record) Graphviz label: only ``\\`` and ``"`` are special."""
    text = re.sub(r'([\\"])', r"\\\1", clean_text(text, 200)).replace("&", "&amp;")
    return text.replace("\n", "\\n")


def dot_graph(
    drawing: Drawing,
    rankdir: str = "LR",
    grads: Mapping[Value, float] | None = None,
    digits: int = 4,
    title: str = "",
) -> graphviz.Digraph:
    """The Digraph of a :class:`Drawing`; ``grads`` (if given) replaces each ``.grad`` shown."""
    graphviz = _import_graphviz()
    nohtml = graphviz.nohtml
    dot = graphviz.Digraph("chainrule", format="svg")
    dot.attr(rankdir=rankdir, fontname="Helvetica", bgcolor="white")
    if title:
        dot.attr(label=nohtml(plain_text(title)), labelloc="t")
    dot.attr("node", shape="record", style="filled", fontname="Helvetica", fontsize="12")
    dot.attr("edge", color="#4b5563", arrowsize="0.7", fontname="Helvetica", fontsize="10")
    for i, node in enumerate(drawing.order):
        text = " | ".join(record_text(field) for field in drawing.fields(i, grads, digits))
        record = f"{{ {text} }}" if rankdir in ("LR", "RL") else text  # fields side by side
        dot.node(f"n{i}", nohtml(record), id=f"n{i}", **ROLE_STYLES[drawing.role(node)])
        if node._op is None:
            continue
        dot.node(f"o{i}", nohtml(plain_text(node.op)), id=f"o{i}", **OP_STYLE)
        dot.edge(f"o{i}", f"n{i}", id=f"e{i}")
        for k, (child, label) in enumerate(zip(node.children, input_labels(node))):
            port = {"label": label} if label else {}
            dot.edge(f"n{drawing.index[child]}", f"o{i}", id=f"e{i}_{k}", **port)
    return dot


def draw_dot(
    root: Value,
    rankdir: str = "LR",
    *,
    names: Mapping[str, object] | None = None,
    grads: Mapping[Value, float] | None = None,
    max_nodes: int | None = DEFAULT_MAX_NODES,
    digits: int = 4,
    show_ids: bool = False,
    title: str = "",
) -> graphviz.Digraph:
    """The computation graph below ``root`` as a ``graphviz.Digraph``.

    Each value is a record ``label | data | grad``; each op is a small ellipse between its inputs
    and its result (inputs of ops where order matters, like ``-`` and ``**``, are marked ``a``, ``b``).

    Legend (fill colours):
        * light blue: an input or parameter (a leaf you made, e.g. ``Value(2.0, "x")``);
        * grey, dashed: a constant (a number that entered through an operator: the 3 in ``x + 3``);
        * white: an interior value (the result of an op);
        * gold, thick border: the output, ``root``;
        * violet ellipse: an op.

    Args:
        root: the output to draw back from.
        rankdir: ``"LR"`` (left to right) or ``"TB"`` (top to bottom).
        names: name values without labels from a namespace, e.g. ``names=locals()``.
        grads: show these gradients instead of each ``.grad`` (e.g. ``backpropagate(root)``).
        max_nodes: refuse (``GraphTooLargeError``) graphs with more values; ``None``: no limit.
        digits: significant digits shown for data and grad.
        show_ids: show ``n{i}`` as the name of unnamed values (as the step-through does).
        title: a caption for the drawing.

    Node and edge ids are stable (``n{i}``, ``o{i}``, ``e{i}_{k}``, ``e{i}``: see the module doc).
    """
    check_options(rankdir, digits)
    drawing = Drawing.of(root, names, max_nodes, show_ids)
    return dot_graph(drawing, rankdir, grads, digits, title)
