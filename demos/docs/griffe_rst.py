"""A griffe extension: the few reStructuredText habits of our docstrings, read as Markdown.

The docstrings are written for ``help()`` and for reading in the source: ``>>>`` examples, literal
blocks introduced by ``::`` and roles such as ``:func:`grad```. Markdown would show the first as
nested quotes and the last with its role name, so each docstring is rewritten once, when griffe
loads it: examples and literal blocks become fenced code, roles become code spans.
"""

from __future__ import annotations

import importlib
import inspect
import re
import textwrap
from typing import Any

from griffe import Attribute, Class, Docstring, ExprCall, Extension, Module, Object

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


def _runtime_doc(attribute: Attribute) -> str | None:
    """The docstring an object made at import time carries (``no_grad = GradModeSwitch(..., doc)``)."""
    try:
        obj = getattr(importlib.import_module(attribute.parent.path), attribute.name)  # type: ignore[union-attr]
    except Exception:  # not importable here: leave the attribute as griffe found it
        return None
    doc = vars(obj).get("__doc__") if hasattr(obj, "__dict__") else None
    return doc if isinstance(doc, str) else None


class RestToMarkdown(Extension):
    """Rewrite every docstring as it is loaded (see :func:`markdown_of`); give an object made by a
    call its own docstring instead of the call's source; leave ``__all__`` and ``__slots__`` out."""

    def on_instance(self, *, obj: Object, **kwargs: Any) -> None:
        if obj.docstring is not None:
            obj.docstring.value = markdown_of(obj.docstring.value)

    def on_attribute_instance(self, *, attr: Attribute, **kwargs: Any) -> None:
        if attr.docstring is None and isinstance(attr.value, ExprCall):
            doc = _runtime_doc(attr)
            if doc:
                attr.docstring = Docstring(markdown_of(inspect.cleandoc(doc)), parent=attr)
                attr.value = None

    def on_module_members(self, *, mod: Module, **kwargs: Any) -> None:
        if "__all__" in mod.members:
            del mod.members["__all__"]

    def on_class_members(self, *, cls: Class, **kwargs: Any) -> None:
        if "__slots__" in cls.members:
            del cls.members["__slots__"]
