"""A small built-in layered layout, for the step-through page when no Graphviz is installed.

Columns run left to right by depth (inputs at the left, each op one column before its result), rows
within a column follow the topological order. It writes the same SVG structure as Graphviz (a
``<g id="n3" class="node">`` per record whose last two ``<text>``s are data and grad; ``o3`` for ops;
``e3_0`` and ``e3`` for edges), so the page's script works on either. Graphviz draws far better
graphs: this is only the fallback.
"""

from __future__ import annotations

from collections.abc import Mapping
from html import escape

from autograd.engine import Value
from autograd.viz.dot import OP_STYLE, ROLE_STYLES
from autograd.viz.graph import Drawing, format_number, input_labels

CHAR_WIDTH = 7.2  # average width of a 12px Helvetica character
ROW_HEIGHT = 36.0
RECORD_HEIGHT = 26.0
GAP_X = 48.0
MARGIN = 8.0


def _text(x: float, y: float, text: str, size: int = 12) -> str:
    return (
        f'<text text-anchor="middle" x="{x:.1f}" y="{y:.1f}" font-family="Helvetica,sans-Serif" '
        f'font-size="{size}">{escape(text)}</text>'
    )


def simple_svg(drawing: Drawing, grads: Mapping[Value, float] | None = None, digits: int = 4) -> str:
    """An SVG of ``drawing`` (see the module doc); ``grads`` replaces each ``.grad`` shown."""
    order = drawing.order
    depth: list[int] = []
    for node in order:  # inputs come first, so each child's depth is known
        depth.append(1 + max((depth[drawing.index[c]] for c in node.children), default=-1))
    first_use: dict[int, int] = {}  # a leaf sits just before its first user (x + 3: the 3)
    for i, node in enumerate(order):
        for child in node.children:
            if child.is_leaf:
                j = drawing.index[child]
                first_use[j] = min(first_use.get(j, depth[i]), depth[i])
    for j, user_depth in first_use.items():
        depth[j] = user_depth - 1
    # (kind, i): a record ("n", i) at column 2 * depth, its op ("o", i) one column before it
    columns: dict[int, list[tuple[str, int]]] = {}
    for i, node in enumerate(order):
        if node._op is not None:
            columns.setdefault(2 * depth[i] - 1, []).append(("o", i))
        columns.setdefault(2 * depth[i], []).append(("n", i))

    fields: list[list[str]] = []
    for i, node in enumerate(order):
        grad = node.grad if grads is None else grads.get(node, 0.0)
        label = [drawing.names[i]] if drawing.names[i] else []
        fields.append(
            [*label, f"data {format_number(node.data, digits)}", f"grad {format_number(grad, digits)}"]
        )

    def width(kind: str, i: int) -> float:
        if kind == "o":
            return max(40.0, CHAR_WIDTH * len(order[i].op) + 20)
        return sum(CHAR_WIDTH * len(text) + 14 for text in fields[i])

    x = MARGIN
    column_x: dict[int, float] = {}
    column_w: dict[int, float] = {}
    for column in sorted(columns):
        column_x[column] = x
        column_w[column] = max(width(kind, i) for kind, i in columns[column])
        x += column_w[column] + GAP_X
    total_width = x - GAP_X + MARGIN
    rows = max(len(items) for items in columns.values())
    total_height = rows * ROW_HEIGHT + 2 * MARGIN

    box: dict[str, tuple[float, float, float]] = {}  # id -> (left, centre y, width)
    for column, items in columns.items():
        top = MARGIN + (rows - len(items)) * ROW_HEIGHT / 2
        for row, (kind, i) in enumerate(items):
            w = width(kind, i)
            left = column_x[column] + (column_w[column] - w) / 2
            box[f"{kind}{i}"] = (left, top + (row + 0.5) * ROW_HEIGHT, w)

    parts = [
        f'<svg width="{total_width:.0f}pt" height="{total_height:.0f}pt" '
        f'viewBox="0 0 {total_width:.1f} {total_height:.1f}" xmlns="http://www.w3.org/2000/svg">',
        '<g id="graph0" class="graph">',
    ]

    def edge(edge_id: str, source: str, target: str, label: str = "") -> None:
        sx, sy, sw = box[source]
        tx, ty, _ = box[target]
        sx += sw
        middle = (sx + tx) / 2
        parts.append(
            f'<g id="{edge_id}" class="edge"><path fill="none" stroke="#4b5563" '
            f'd="M{sx:.1f},{sy:.1f}C{middle:.1f},{sy:.1f} {middle:.1f},{ty:.1f} {tx - 6:.1f},{ty:.1f}"/>'
            f'<polygon fill="#4b5563" stroke="#4b5563" points="{tx:.1f},{ty:.1f} {tx - 7:.1f},'
            f'{ty - 3.5:.1f} {tx - 7:.1f},{ty + 3.5:.1f}"/>'
            + (_text(middle, (sy + ty) / 2 - 3, label, 10) if label else "")
            + "</g>"
        )

    for i, node in enumerate(order):
        if node._op is None:
            continue
        edge(f"e{i}", f"o{i}", f"n{i}")
        for k, (child, edge_label) in enumerate(zip(node.children, input_labels(node))):
            edge(f"e{i}_{k}", f"n{drawing.index[child]}", f"o{i}", edge_label)

    for i, node in enumerate(order):
        style = ROLE_STYLES[drawing.role(node)]
        left, cy, w = box[f"n{i}"]
        dash = ' stroke-dasharray="4,2"' if "dashed" in style.get("style", "") else ""
        parts.append(
            f'<g id="n{i}" class="node"><title>n{i}</title><rect x="{left:.1f}" '
            f'y="{cy - RECORD_HEIGHT / 2:.1f}" width="{w:.1f}" height="{RECORD_HEIGHT}" '
            f'fill="{style["fillcolor"]}" stroke="{style["color"]}"{dash}/>'
        )
        x = left
        for k, text in enumerate(fields[i]):
            field_width = CHAR_WIDTH * len(text) + 14
            if k:
                parts.append(
                    f'<line x1="{x:.1f}" y1="{cy - RECORD_HEIGHT / 2:.1f}" x2="{x:.1f}" '
                    f'y2="{cy + RECORD_HEIGHT / 2:.1f}" stroke="{style["color"]}"/>'
                )
            parts.append(_text(x + field_width / 2, cy + 4, text))
            x += field_width
        parts.append("</g>")
        if node._op is not None:
            left, cy, w = box[f"o{i}"]
            parts.append(
                f'<g id="o{i}" class="node"><title>o{i}</title><ellipse cx="{left + w / 2:.1f}" '
                f'cy="{cy:.1f}" rx="{w / 2:.1f}" ry="11" fill="{OP_STYLE["fillcolor"]}" '
                f'stroke="{OP_STYLE["color"]}"/>{_text(left + w / 2, cy + 4, node.op, 11)}</g>'
            )
    parts.append("</g></svg>")
    return "\n".join(parts)
