"""A small built-in layered layout, for the step-through page when no Graphviz is installed.

Ranks run left to right by depth (inputs at the left, each op one rank before its result; or top
down, for narrow screens), items within a rank follow the topological order. It writes the same SVG
structure as Graphviz (a ``<g id="n3" class="node">`` per record with one ``<text>`` per field:
name, ``data ...``, ``grad ...``; ``o3`` for ops; ``e3_0`` and ``e3`` for edges), so the page's script
works on either. Graphviz draws far better
graphs: this is only the fallback.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from html import escape

from autograd.engine import Value
from autograd.viz.dot import OP_STYLE, ROLE_STYLES
from autograd.viz.graph import Drawing, input_labels

CHAR_WIDTH = 7.2  # average width of a 12px Helvetica character
ROW_HEIGHT = 36.0  # LR: distance between the centres of two records in a column
RECORD_HEIGHT = 26.0
GAP_X = 48.0  # LR: between columns
GAP_ITEMS = 16.0  # TB: between neighbours in a row
RANK_HEIGHT = 62.0  # TB: distance between the centres of two rows
MARGIN = 8.0

Box = tuple[float, float, float]  # centre x, centre y, width


def _text(x: float, y: float, text: str, size: int = 12) -> str:
    return (
        f'<text text-anchor="middle" x="{x:.1f}" y="{y:.1f}" font-family="Helvetica,sans-Serif" '
        f'font-size="{size}">{escape(text)}</text>'
    )


def _ranks(drawing: Drawing) -> dict[int, list[tuple[str, int]]]:
    """``(kind, i)`` items by rank: a record ``("n", i)`` at rank ``2 * depth``, its op ``("o", i)``
    one rank before it; a leaf sits just before its first user (x + 3: the 3)."""
    order = drawing.order
    depth: list[int] = []
    for node in order:  # inputs come first, so each child's depth is known
        depth.append(1 + max((depth[drawing.index[c]] for c in node.children), default=-1))
    first_use: dict[int, int] = {}
    for i, node in enumerate(order):
        for child in node.children:
            if child.is_leaf:
                j = drawing.index[child]
                first_use[j] = min(first_use.get(j, depth[i]), depth[i])
    for j, user_depth in first_use.items():
        depth[j] = user_depth - 1
    ranks: dict[int, list[tuple[str, int]]] = {}
    for i, node in enumerate(order):
        if node._op is not None:
            ranks.setdefault(2 * depth[i] - 1, []).append(("o", i))
        ranks.setdefault(2 * depth[i], []).append(("n", i))
    return ranks


def _place(
    ranks: dict[int, list[tuple[str, int]]], width: Callable[[str, int], float], rankdir: str
) -> tuple[dict[str, Box], float, float]:
    """Each item's box and the drawing's size: ranks left to right (``LR``) or top down (``TB``)."""
    box: dict[str, Box] = {}
    if rankdir == "LR":
        x, rows = MARGIN, max(len(items) for items in ranks.values())
        for rank in sorted(ranks):
            rank_width = max(width(kind, i) for kind, i in ranks[rank])
            top = MARGIN + (rows - len(ranks[rank])) * ROW_HEIGHT / 2
            for row, (kind, i) in enumerate(ranks[rank]):
                box[f"{kind}{i}"] = (x + rank_width / 2, top + (row + 0.5) * ROW_HEIGHT, width(kind, i))
            x += rank_width + GAP_X
        return box, x - GAP_X + MARGIN, rows * ROW_HEIGHT + 2 * MARGIN
    row_widths = {
        rank: sum(width(kind, i) for kind, i in items) + GAP_ITEMS * (len(items) - 1)
        for rank, items in ranks.items()
    }
    total_width = max(row_widths.values()) + 2 * MARGIN
    for row, rank in enumerate(sorted(ranks)):
        x = (total_width - row_widths[rank]) / 2
        for kind, i in ranks[rank]:
            w = width(kind, i)
            box[f"{kind}{i}"] = (x + w / 2, MARGIN + (row + 0.5) * RANK_HEIGHT, w)
            x += w + GAP_ITEMS
    return box, total_width, len(ranks) * RANK_HEIGHT + 2 * MARGIN


def simple_svg(
    drawing: Drawing, grads: Mapping[Value, float] | None = None, digits: int = 4, rankdir: str = "LR"
) -> str:
    """An SVG of ``drawing`` (see the module doc); ``grads`` replaces each ``.grad`` shown;
    ``rankdir``: ``"LR"`` (inputs at the left) or ``"TB"`` (inputs at the top: for phones)."""
    order = drawing.order
    fields = [drawing.fields(i, grads, digits) for i in range(len(order))]

    def width(kind: str, i: int) -> float:
        if kind == "o":
            return max(40.0, CHAR_WIDTH * len(order[i].op) + 20)
        return sum(CHAR_WIDTH * len(text) + 14 for text in fields[i])

    vertical = rankdir == "TB"
    box, total_width, total_height = _place(_ranks(drawing), width, "TB" if vertical else "LR")
    parts = [
        f'<svg width="{total_width:.0f}pt" height="{total_height:.0f}pt" '
        f'viewBox="0 0 {total_width:.1f} {total_height:.1f}" xmlns="http://www.w3.org/2000/svg">',
        '<g id="graph0" class="graph">',
    ]
    for i, node in enumerate(order):
        if node._op is None:
            continue
        parts.append(_edge(f"e{i}", box[f"o{i}"], box[f"n{i}"], vertical))
        for k, (child, edge_label) in enumerate(zip(node.children, input_labels(node))):
            parts.append(
                _edge(f"e{i}_{k}", box[f"n{drawing.index[child]}"], box[f"o{i}"], vertical, edge_label)
            )
    for i, node in enumerate(order):
        parts.append(_record_box(f"n{i}", box[f"n{i}"], fields[i], ROLE_STYLES[drawing.role(node)]))
        if node._op is not None:
            cx, cy, w = box[f"o{i}"]
            parts.append(
                f'<g id="o{i}" class="node"><title>o{i}</title><ellipse cx="{cx:.1f}" '
                f'cy="{cy:.1f}" rx="{w / 2:.1f}" ry="11" fill="{OP_STYLE["fillcolor"]}" '
                f'stroke="{OP_STYLE["color"]}"/>{_text(cx, cy + 4, node.op, 11)}</g>'
            )
    parts.append("</g></svg>")
    return "\n".join(parts)


def _edge(edge_id: str, source: Box, target: Box, vertical: bool, label: str = "") -> str:
    """An arrow from ``source``'s far side to ``target``'s near side (right to left, or in a
    vertical drawing bottom to top), with an optional label at its middle."""
    (sx, sy, sw), (tx, ty, tw) = source, target
    if vertical:
        sy, ty = sy + RECORD_HEIGHT / 2, ty - RECORD_HEIGHT / 2
        middle = (sy + ty) / 2
        path = f"M{sx:.1f},{sy:.1f}C{sx:.1f},{middle:.1f} {tx:.1f},{middle:.1f} {tx:.1f},{ty - 6:.1f}"
        head = f"{tx:.1f},{ty:.1f} {tx - 3.5:.1f},{ty - 7:.1f} {tx + 3.5:.1f},{ty - 7:.1f}"
    else:
        sx, tx = sx + sw / 2, tx - tw / 2
        middle = (sx + tx) / 2
        path = f"M{sx:.1f},{sy:.1f}C{middle:.1f},{sy:.1f} {middle:.1f},{ty:.1f} {tx - 6:.1f},{ty:.1f}"
        head = f"{tx:.1f},{ty:.1f} {tx - 7:.1f},{ty - 3.5:.1f} {tx - 7:.1f},{ty + 3.5:.1f}"
    text = _text((sx + tx) / 2 + (6 if vertical else 0), (sy + ty) / 2 - 3, label, 10) if label else ""
    return (
        f'<g id="{edge_id}" class="edge"><path fill="none" stroke="#4b5563" d="{path}"/>'
        f'<polygon fill="#4b5563" stroke="#4b5563" points="{head}"/>{text}</g>'
    )


def _record_box(node_id: str, box: Box, fields: list[str], style: Mapping[str, str]) -> str:
    """A record: a rectangle with one cell per field (name, data, grad)."""
    cx, cy, w = box
    left, top = cx - w / 2, cy - RECORD_HEIGHT / 2
    dash = ' stroke-dasharray="4,2"' if "dashed" in style.get("style", "") else ""
    parts = [
        f'<g id="{node_id}" class="node"><title>{node_id}</title><rect x="{left:.1f}" y="{top:.1f}" '
        f'width="{w:.1f}" height="{RECORD_HEIGHT}" fill="{style["fillcolor"]}" '
        f'stroke="{style["color"]}"{dash}/>'
    ]
    x = left
    for k, text in enumerate(fields):
        field_width = CHAR_WIDTH * len(text) + 14
        if k:
            parts.append(
                f'<line x1="{x:.1f}" y1="{top:.1f}" x2="{x:.1f}" y2="{top + RECORD_HEIGHT:.1f}" '
                f'stroke="{style["color"]}"/>'
            )
        parts.append(_text(x + field_width / 2, cy + 4, text))
        x += field_width
    parts.append("</g>")
    return "".join(parts)
