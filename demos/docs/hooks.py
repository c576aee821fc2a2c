"""MkDocs hooks: run the tutorials, render the math, check the reference. Loaded by ``mkdocs.yml``.

- ``on_files``: every page's code runs (see ``runner.py``; the reference has none); what it prints
  goes under its block, and the files it writes (step-through pages, training replays) are added to
  the site beside the page, so an ``<iframe>`` always shows what today's code produces. A failing
  block fails the build.
- ``on_page_markdown``: the page with its outputs; every ``<iframe src>`` must name a file of the site.
- ``on_page_content``: LaTeX (``$...$``, ``$$...$$``, marked by arithmatex) becomes MathML at build
  time, so the pages need no script and no font from the network.
- ``on_post_build``: every public name of ``autograd`` and ``nn`` (each module's ``__all__``, and the
  contract's names and methods that are in the code) has an entry in the API reference.
"""

from __future__ import annotations

import html
import os
import re
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from latex2mathml.converter import convert
from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File, Files

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]


def _importable() -> None:
    """The repository and this folder on ``sys.path`` (MkDocs restores it after loading hooks)."""
    for path in (str(HERE), str(ROOT)):
        if path not in sys.path:
            sys.path.insert(0, path)


_importable()

from public_names import CONTRACT, public_names, resolve  # noqa: E402
from runner import ExampleError, code_blocks, run_page  # noqa: E402

_runs: dict[str, str] = {}  # tutorial src_uri -> its markdown with outputs
_workspace: tempfile.TemporaryDirectory[str] | None = None
IFRAME = re.compile(r"<iframe\b[^>]*?\bsrc=\"([^\"]+)\"", re.S)
INLINE_MATH = re.compile(r'<span class="arithmatex">\\\((.*?)\\\)</span>', re.S)
PRIME = re.compile(r"<msup>(<mi>[^<]*</mi>)<mi>&#x02032;</mi></msup>")
BLOCK_MATH = re.compile(r'<div class="arithmatex">\\\[(.*?)\\\]</div>', re.S)


def on_files(files: Files, config: Any) -> Files:
    """Run each tutorial's code; add the files it wrote to the site next to the page."""
    global _workspace
    _importable()
    _workspace = tempfile.TemporaryDirectory(prefix="chainrule-docs-")
    _runs.clear()
    only = os.environ.get("CHAINRULE_DOCS_ONLY")  # the tests' quick build: run these pages' code only
    for page in files.documentation_pages():
        source = Path(page.abs_src_path).read_text(encoding="utf-8")  # type: ignore[arg-type]
        if page.src_uri.startswith("reference/") or not code_blocks(source):
            continue
        if only is not None and page.src_uri not in only.split(","):
            _runs[page.src_uri] = _stub(source)
            continue
        stem = page.src_uri[: -len(".md")]
        workdir = Path(_workspace.name) / stem
        started = time.perf_counter()
        try:
            run = run_page(source, page.src_uri, workdir)
        except ExampleError as error:
            raise PluginError(f"a tutorial's code failed: {error}") from error
        _runs[page.src_uri] = run.markdown
        for path in run.files:
            uri = f"{stem}/{path.relative_to(workdir).as_posix()}"
            files.append(File.generated(config, uri, abs_src_path=str(path)))
        seconds = time.perf_counter() - started
        print(
            f"docs: ran {page.src_uri} ({len(run.outputs)} blocks, {len(run.files)} files, {seconds:.1f} s)"
        )
    return files


def _stub(source: str) -> str:
    """A page left out of a quick build: its title, and a line saying so."""
    title = next((line for line in source.splitlines() if line.startswith("# ")), "# (untitled)")
    return f"{title}\n\nThis page's code was not run in this quick build (CHAINRULE_DOCS_ONLY).\n"


def on_page_markdown(markdown: str, page: Any, config: Any, files: Files) -> str:
    """The tutorial with its outputs; each iframe's ``src`` must be a file of the site."""
    markdown = _runs.get(page.file.src_uri, markdown)
    base = page.file.src_uri.rsplit("/", 1)[0] + "/" if "/" in page.file.src_uri else ""
    for src in IFRAME.findall(markdown):
        target = _normalize(base + src)
        if files.get_file_from_path(target) is None:
            raise PluginError(
                f"{page.file.src_uri}: <iframe src={src!r}>: no such file in the site ({target})"
            )
    return markdown


def _normalize(path: str) -> str:
    parts: list[str] = []
    for part in path.split("/"):
        if part == "..":
            if parts:
                parts.pop()
        elif part not in ("", "."):
            parts.append(part)
    return "/".join(parts)


def _mathml(latex: str, display: str) -> str:
    try:
        mathml = convert(html.unescape(latex).strip(), display=display)
    except Exception as error:  # latex2mathml raises many kinds; name the formula
        raise PluginError(f"cannot render the formula {latex!r}: {error}") from error
    mathml = mathml.replace("<mo>&#x0002F;</mo>", '<mo lspace="0" rspace="0">/</mo>')  # ∂f/∂x, not ∂f / ∂x
    mathml = mathml.replace("<mo>&#x02202;</mo>", "<mi>&#x02202;</mi>")  # ∂ is a letter here, not an operator
    # f' as f followed by the prime glyph (already raised): a superscript prime would be raised twice
    # by fonts without the OpenType MATH table
    return PRIME.sub(r"\1<mo>&#x02032;</mo>", mathml)


def on_page_content(html_text: str, page: Any, config: Any, files: Files) -> str:
    """LaTeX to MathML, at build time: the page shows math with no script and no web font."""
    html_text = BLOCK_MATH.sub(lambda m: f'<div class="math">{_mathml(m.group(1), "block")}</div>', html_text)
    return INLINE_MATH.sub(lambda m: _mathml(m.group(1), "inline"), html_text)


def on_post_build(config: Any) -> None:
    """Every public name has an entry (an anchor) in the API reference, or the build fails."""
    _importable()
    site = Path(config["site_dir"])
    anchors: set[str] = set()
    for page in (site / "reference").glob("*.html"):
        anchors.update(re.findall(r'\bid="([^"]+)"', page.read_text(encoding="utf-8")))
    wanted = public_names() + [name for name in CONTRACT if resolve(name) is not None]
    missing = [name for name in dict.fromkeys(wanted) if name not in anchors]
    if missing:
        raise PluginError(f"public names without an API reference entry: {', '.join(missing)}")
    if _workspace is not None:
        _workspace.cleanup()
