"""Draw a computation graph as Graphviz DOT: one record per ``Value``, one small node per op.

Every node and edge gets a stable id from the graph's topological order (inputs first, root last),
so the same graph always gives the same DOT source, and the step-through page can find them:

* ``n{i}``: the record of the ``i``-th value, fields ``label | data | grad``;
* ``o{i}``: the op that produced value ``i``;
* ``e{i}_{k}``: the edge from the ``k``-th input (``a``, ``b``) of value ``i`` into its op;
* ``e{i}``: the edge from the op to value ``i``.

All user text (labels, names) goes through :func:`record_text`, so no label can break the DOT syntax,
inject Graphviz escapes (``\\N``, ``\\l``), or markup into the rendered SVG.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from autograd.engine import Value, topological_order
from autograd.ops import INPUT_NAMES

if TYPE_CHECKING:
    import graphviz

#: Default limit on the number of values drawn: beyond about a thousand, no layout is readable.
DEFAULT_MAX_NODES = 1000
#: User labels longer than this are cut (with an ellipsis) so one name cannot stretch the drawing.
MAX_LABEL_CHARS = 40

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


class GraphTooLargeError(ValueError):
    """The graph has more values than the drawing limit (``max_nodes``)."""


def _import_graphviz() -> Any:
    try:
        import graphviz
    except ImportError as error:
        raise ImportError(
            'autograd.viz.draw_dot needs the "graphviz" Python package: pip install "chainrule[viz]"'
        ) from error
    return graphviz


# -- text -----------------------------------------------------------------------------------------


def format_number(x: float, digits: int = 4) -> str:
    """``x`` with ``digits`` significant digits: ``54``, ``0.1235``, ``1e+06``, ``inf``, ``nan``."""
    text = f"{x:.{digits}g}"
    return "0" if text == "-0" else text


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_RECORD_SPECIAL = re.compile(r'([\\{}|<>"])')


def clean_text(text: str, max_chars: int = MAX_LABEL_CHARS) -> str:
    """User text made printable: control characters shown as ``\\xNN``, tabs as spaces, at most
    ``max_chars`` characters (an ellipsis marks the cut)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    text = _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)
    return text if len(text) <= max_chars else text[: max_chars - 1] + "…"


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


# -- the graph ------------------------------------------------------------------------------------


def _count_up_to(root: Value, limit: int) -> int:
    """Number of distinct values below ``root``, counting no further than ``limit + 1``."""
    seen = {root}
    stack = [root]
    while stack and len(seen) <= limit:
        for child in stack.pop().children:
            if child not in seen:
                seen.add(child)
                stack.append(child)
    return len(seen)


def graph_order(root: Value, max_nodes: int | None = DEFAULT_MAX_NODES) -> list[Value]:
    """``topological_order(root)``, after checking (in time bounded by ``max_nodes``) that the graph
    is not larger than ``max_nodes`` values; ``None`` means no limit."""
    if not isinstance(root, Value):
        raise TypeError(f"expected the output Value of a graph, got {type(root).__name__}")
    if max_nodes is not None:
        count = _count_up_to(root, max_nodes)
        if count > max_nodes:
            raise GraphTooLargeError(
                f"the graph has more than {max_nodes} values, too many to draw readably; draw a "
                f"smaller part (e.g. one neuron's output), or pass a larger max_nodes "
                f"(max_nodes=None for no limit)"
            )
    return topological_order(root)


def names_from(names: Mapping[str, object] | None) -> dict[Value, str]:
    """Value -> name from a namespace such as ``locals()``: ``{"x": x}`` names ``x``, a list or
    tuple ``{"w": [w0, w1]}`` names ``w[0]`` and ``w[1]``. Names starting with ``_`` (IPython's
    output history) are skipped; the first name found for a value wins."""
    found: dict[Value, str] = {}
    for name, obj in (names or {}).items():
        if not isinstance(name, str) or name.startswith("_"):
            continue
        if isinstance(obj, Value):
            found.setdefault(obj, name)
        elif isinstance(obj, (list, tuple)):
            for i, item in enumerate(obj):
                if isinstance(item, Value):
                    found.setdefault(item, f"{name}[{i}]")
    return found


def role(node: Value, root: Value) -> str:
    """``"output"``, ``"constant"``, ``"input"`` (a leaf you made) or ``"interior"``."""
    if node is root:
        return "output"
    if node.is_constant:
        return "constant"
    return "input" if node.is_leaf else "interior"


def is_symmetric(node: Value) -> bool:
    """True when swapping the two inputs of ``node``'s op does not change its result (``+``, ``*``),
    checked on two sample numbers; drawings label the inputs ``a``/``b`` only when order matters."""
    op = node._op
    if op is None or op.arity == 1:
        return True
    if op.arity > 2:
        return False
    return bool(op.evaluate(2.0, 3.0) == op.evaluate(3.0, 2.0))


@dataclass(frozen=True)
class Drawing:
    """The nodes of a graph in drawing order, with their ids and display names."""

    root: Value
    order: list[Value]
    index: dict[Value, int]
    names: list[str]  # "" for a node with no label and no name

    @classmethod
    def of(
        cls,
        root: Value,
        names: Mapping[str, object] | None = None,
        max_nodes: int | None = DEFAULT_MAX_NODES,
        show_ids: bool = False,
    ) -> Drawing:
        """``root``'s graph; a node's name is its label, else its name in ``names``, else (with
        ``show_ids``) its id ``n{i}``."""
        order = graph_order(root, max_nodes)
        named = names_from(names)
        shown = [
            clean_text(node.label or named.get(node, "") or (f"n{i}" if show_ids else ""))
            for i, node in enumerate(order)
        ]
        return cls(root, order, {node: i for i, node in enumerate(order)}, shown)

    def name(self, node: Value) -> str:
        """The display name of ``node``, or its id ``n{i}`` when it has none."""
        i = self.index[node]
        return self.names[i] or f"n{i}"


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
        grad = node.grad if grads is None else grads.get(node, 0.0)
        fields = [f"data {format_number(node.data, digits)}", f"grad {format_number(grad, digits)}"]
        label = drawing.names[i]
        text = " | ".join(([record_text(label)] if label else []) + fields)
        dot.node(f"n{i}", nohtml(f"{{ {text} }}"), id=f"n{i}", **ROLE_STYLES[role(node, drawing.root)])
        if node._op is None:
            continue
        dot.node(f"o{i}", nohtml(plain_text(node.op)), id=f"o{i}", **OP_STYLE)
        dot.edge(f"o{i}", f"n{i}", id=f"e{i}")
        ports = () if is_symmetric(node) else INPUT_NAMES
        for k, child in enumerate(node.children):
            port = {"label": ports[k]} if ports else {}
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
    if rankdir not in ("LR", "RL", "TB", "BT"):
        raise ValueError(f"rankdir must be one of 'LR', 'RL', 'TB', 'BT', got {rankdir!r}")
    if not isinstance(digits, int) or not 1 <= digits <= 17:
        raise ValueError(f"digits must be an int from 1 to 17, got {digits!r}")
    drawing = Drawing.of(root, names, max_nodes, show_ids)
    return dot_graph(drawing, rankdir, grads, digits, title)
