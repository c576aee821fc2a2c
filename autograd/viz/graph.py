"""The drawing's model: which values are drawn, in what order, under what names and roles.

Every picture and page of a graph (the DOT drawing, the built-in SVG layout, the step-through) is
made from one :class:`Drawing`, so they agree on ids, names, roles and edge labels:

* ``n{i}``: the ``i``-th value in topological order (inputs first, root last);
* ``o{i}``: the op that produced value ``i``;
* ``e{i}_{k}``: the edge from the ``k``-th input of value ``i`` into its op (labelled by
  :func:`input_labels` when the order of inputs matters);
* ``e{i}``: the edge from the op to value ``i``.

All user text goes through :func:`clean_text` first: printable, bounded in length, and encodable
as UTF-8 (a lone surrogate such as the one in ``"data\\udcff"`` is shown as ``\\udcff``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from autograd.engine import Value, topological_order
from autograd.ops import INPUT_NAMES, Op

#: Default limit on the number of values drawn: beyond about a thousand, no layout is readable.
DEFAULT_MAX_NODES = 1000
#: User labels longer than this are cut (with an ellipsis) so one name cannot stretch the drawing.
MAX_LABEL_CHARS = 40


class GraphTooLargeError(ValueError):
    """The graph has more values than the drawing limit (``max_nodes``)."""


# -- text -----------------------------------------------------------------------------------------


def format_number(x: float, digits: int = 4) -> str:
    """``x`` with ``digits`` significant digits: ``54``, ``0.1235``, ``1e+06``, ``inf``, ``nan``."""
    text = f"{x:.{digits}g}"
    return "0" if text == "-0" else text


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")


def clean_text(text: str, max_chars: int = MAX_LABEL_CHARS) -> str:
    """User text made printable: control characters shown as ``\\xNN``, lone surrogates (which
    UTF-8 cannot encode) as ``\\udcff``, tabs as spaces, at most ``max_chars`` characters (an
    ellipsis marks the cut)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    text = _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)
    text = _SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
    return text if len(text) <= max_chars else text[: max_chars - 1] + "…"


def check_options(rankdir: str = "LR", digits: int = 4) -> None:
    """Raise ``ValueError`` for a direction or a number of digits that no drawing can use."""
    if rankdir not in ("LR", "RL", "TB", "BT"):
        raise ValueError(f"rankdir must be one of 'LR', 'RL', 'TB', 'BT', got {rankdir!r}")
    if not isinstance(digits, int) or isinstance(digits, bool) or not 1 <= digits <= 17:
        raise ValueError(f"digits must be an int from 1 to 17, got {digits!r}")


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


_SYMMETRIC: dict[Op, bool] = {}


def is_symmetric(node: Value) -> bool:
    """True when swapping the two inputs of ``node``'s op does not change its result (``+``, ``*``);
    drawings label the inputs ``a``/``b`` only when order matters."""
    op = node._op
    if op is None or op.arity == 1:
        return True
    if op.arity > 2:
        return False
    symmetric = getattr(op, "is_symmetric", None)  # a field of the op, where the table has one
    if isinstance(symmetric, bool):
        return symmetric
    if op not in _SYMMETRIC:  # else: checked once per op on two sample numbers
        _SYMMETRIC[op] = bool(op.evaluate(2.0, 3.0) == op.evaluate(3.0, 2.0))
    return _SYMMETRIC[op]


def input_labels(node: Value) -> tuple[str, ...]:
    """The label of each edge into ``node``'s op, in argument order: the op's input names
    (``a``, ``b``, ``c``) where order matters, else ``""`` (no label). The one source of edge
    labels for every drawing."""
    arity = len(node.children)
    return ("",) * arity if is_symmetric(node) else INPUT_NAMES[:arity]


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
        ``show_ids``, except for a constant, which is known by its number) its id ``n{i}``."""
        order = graph_order(root, max_nodes)
        named = names_from(names)
        shown = [
            clean_text(
                node.label or named.get(node, "") or (f"n{i}" if show_ids and not node.is_constant else "")
            )
            for i, node in enumerate(order)
        ]
        return cls(root, order, {node: i for i, node in enumerate(order)}, shown)

    def name(self, node: Value) -> str:
        """The display name of ``node``, or its id ``n{i}`` when it has none."""
        i = self.index[node]
        return self.names[i] or f"n{i}"

    def fields(self, i: int, grads: Mapping[Value, float] | None = None, digits: int = 4) -> list[str]:
        """The text of value ``i``'s record: its name (if any), ``data``, and ``grad`` (``grads``
        replaces ``.grad``); a constant has no grad field, since nothing is differentiated with
        respect to it."""
        node = self.order[i]
        fields = [self.names[i]] if self.names[i] else []
        fields.append(f"data {format_number(node.data, digits)}")
        if not node.is_constant:
            grad = node.grad if grads is None else grads.get(node, 0.0)
            fields.append(f"grad {format_number(grad, digits)}")
        return fields

    def role(self, node: Value) -> str:
        """``node``'s role in this drawing (see :func:`role`)."""
        return role(node, self.root)
