"""Run a tutorial's code blocks, in order, in one namespace: what the site shows is what the code does.

The build (``hooks.py``) and the test suite (``tests/docs``) both use this. Each ```` ```python ````
block of a page runs in a fresh working folder for that page; whatever a block prints is placed
right under it as an output block, and every file the code writes there (a step-through page, a
training replay, a drawing) becomes part of the site next to the page, ready for an ``<iframe>``.
A block that raises stops the build with the page, the block's number and its code.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import traceback
from dataclasses import dataclass, field
from pathlib import Path

BLOCK = re.compile(r"^```python[^\n]*\n(.*?)^```[ \t]*$", re.S | re.M)


class ExampleError(Exception):
    """A tutorial's code block raised: the page, the block and the error."""


@dataclass
class PageRun:
    """What running one page gave: its markdown with outputs added, and the files its code wrote."""

    markdown: str
    outputs: list[str]
    files: list[Path] = field(default_factory=list)


def code_blocks(markdown: str) -> list[str]:
    """The ```` ```python ```` blocks of ``markdown``, in order."""
    return [match.group(1) for match in BLOCK.finditer(markdown)]


def _run_block(code: str, name: str, namespace: dict[str, object]) -> str:
    buffer = io.StringIO()
    try:
        with contextlib.redirect_stdout(buffer):
            exec(compile(code, name, "exec"), namespace)
    except BaseException as error:  # SystemExit from a demo's check too
        if isinstance(error, KeyboardInterrupt):
            raise
        trace = "".join(traceback.format_exception(error)[-8:])
        raise ExampleError(f"{name} failed:\n{code}\n{trace}") from error
    return buffer.getvalue()


def run_page(markdown: str, page: str, workdir: Path) -> PageRun:
    """Run every python block of ``markdown`` (``page`` names it in errors) with ``workdir`` as cwd."""
    workdir.mkdir(parents=True, exist_ok=True)
    namespace: dict[str, object] = {"__name__": "__main__"}  # as if run as a script
    outputs: list[str] = []
    pieces: list[str] = []
    position = 0
    previous = Path.cwd()
    os.chdir(workdir)
    try:
        for number, match in enumerate(BLOCK.finditer(markdown), 1):
            output = _run_block(match.group(1), f"{page} code block {number}", namespace)
            outputs.append(output)
            pieces.append(markdown[position : match.end()])
            position = match.end()
            if output.strip():
                pieces.append(f'\n\n```text title="output"\n{output.rstrip()}\n```')
    finally:
        os.chdir(previous)
    pieces.append(markdown[position:])
    files = sorted(
        p
        for p in workdir.rglob("*")
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(workdir).parts)
    )  # not hypothesis's example database (.hypothesis/) or other hidden files
    return PageRun("".join(pieces), outputs, files)
