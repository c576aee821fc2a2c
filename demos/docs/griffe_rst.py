"""A griffe extension: the few reStructuredText habits of our docstrings, read as Markdown.

The docstrings are written for ``help()`` and for reading in the source: ``>>>`` examples, literal
blocks introduced by ``::`` and roles such as ``:func:`grad```. Markdown would show the first as
nested quotes and the last with its role name, so each docstring is rewritten once, when griffe
loads it: examples and literal blocks become fenced code, roles become code spans.
"""

from __future__ import annotations

import re
import textwrap
from typing import Any

from griffe import Extension, Object

ROLE = re.compile(r":(?:mod|func|class|meth|attr|data|exc|obj):`~?([^`]+)`")


def _fence(lines: list[str], language: str) -> list[str]:
    body = textwrap.dedent("\n".join(lines)).splitlines()
    return [f"```{language}", *body, "```"]


def _literal_block(lines: list[str], start: int, indent: int) -> tuple[list[str], int]:
    """The block indented deeper than ``indent`` from ``start`` (blank lines inside kept)."""
    block: list[str] = []
    i = start
    while i < len(lines):
        line = lines[i]
        if line.strip() and len(line) - len(line.lstrip()) <= indent:
            break
        block.append(line)
        i += 1
    while block and not block[-1].strip():
        block.pop()
        i -= 1
    return block, i


def markdown_of(docstring: str) -> str:
    """``docstring`` with doctests and ``::`` blocks fenced and Sphinx roles as code spans."""
    lines = ROLE.sub(r"``\1``", docstring).splitlines()
    out: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        stripped = line.lstrip()
        indent = len(line) - len(stripped)
        if stripped.startswith(">>>"):
            block = []
            while i < len(lines) and lines[i].strip():
                block.append(lines[i])
                i += 1
            out += [" " * indent + x for x in _fence(block, "pycon")]
            continue
        if stripped.endswith("::") and i + 1 < len(lines) and not lines[i + 1].strip():
            block, end = _literal_block(lines, i + 2, indent)
            if block:
                text = stripped[:-2].rstrip()
                if text:
                    out.append(" " * indent + text + ":")
                out.append("")
                out += [" " * indent + x for x in _fence(block, "python")]
                i = end
                continue
        out.append(line)
        i += 1
    return "\n".join(out)


class RestToMarkdown(Extension):
    """Rewrite every docstring as it is loaded (see :func:`markdown_of`)."""

    def on_instance(self, *, obj: Object, **kwargs: Any) -> None:
        if obj.docstring is not None:
            obj.docstring.value = markdown_of(obj.docstring.value)
