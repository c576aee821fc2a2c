"""Every code block of the site's pages runs (as the build runs them): the examples never rot."""

from __future__ import annotations

from pathlib import Path

import pytest
from runner import ExampleError, code_blocks, run_page

PAGES = Path(__file__).resolve().parents[2] / "demos" / "docs" / "pages"
SOURCES = sorted(p for p in PAGES.rglob("*.md") if "reference" not in p.relative_to(PAGES).parts)
WITH_CODE = [p for p in SOURCES if code_blocks(p.read_text(encoding="utf-8"))]
TUTORIALS = PAGES / "tutorials"
ORDER = [
    "chain-rule",
    "scalar-graph",
    "backward",
    "neuron",
    "training-loop",
    "watching-training",
    "testing-gradients",
    "higher-order",
    "compile",
]


@pytest.mark.parametrize("source", WITH_CODE, ids=lambda p: p.relative_to(PAGES).as_posix())
def test_every_code_block_runs(source: Path, tmp_path: Path) -> None:
    run = run_page(source.read_text(encoding="utf-8"), source.name, tmp_path / "work")
    assert len(run.outputs) == len(code_blocks(source.read_text(encoding="utf-8")))


def test_every_tutorial_has_code_in_the_seeds_order() -> None:
    index = (TUTORIALS / "index.md").read_text(encoding="utf-8")
    links = [line.split("](", 1)[1].split(".md)", 1)[0] for line in index.splitlines() if "](" in line]
    assert links == ORDER
    for name in ORDER:
        assert code_blocks((TUTORIALS / f"{name}.md").read_text(encoding="utf-8")), name


def test_a_page_writes_its_output_under_the_block(tmp_path: Path) -> None:
    page = "Intro\n\n```python\nprint(6 * 7)\n```\n\n```python\nx = 1\n```\nEnd\n"
    run = run_page(page, "page.md", tmp_path)
    assert run.outputs == ["42\n", ""]
    assert run.markdown == (
        'Intro\n\n```python\nprint(6 * 7)\n```\n\n```text title="output"\n42\n```'
        "\n\n```python\nx = 1\n```\nEnd\n"
    )


def test_the_files_a_page_writes_are_collected(tmp_path: Path) -> None:
    run = run_page("```python\nopen('steps.html', 'w').write('<p>hi</p>')\n```\n", "page.md", tmp_path)
    assert [p.name for p in run.files] == ["steps.html"]


def test_a_failing_block_names_the_page_and_block(tmp_path: Path) -> None:
    page = "```python\nx = 1\n```\n\n```python\nassert x == 2, 'x is not 2'\n```\n"
    with pytest.raises(ExampleError, match=r"page\.md code block 2 failed:(.|\n)*x is not 2"):
        run_page(page, "page.md", tmp_path)


def test_a_demo_check_that_exits_fails_too(tmp_path: Path) -> None:
    with pytest.raises(ExampleError, match="SystemExit"):
        run_page("```python\nraise SystemExit('CHECK FAILED')\n```\n", "page.md", tmp_path)


def test_hidden_files_are_not_part_of_the_site(tmp_path: Path) -> None:
    code = "import os\nos.makedirs('.hypothesis/examples')\nopen('.hypothesis/examples/x', 'w').close()\n"
    assert run_page(f"```python\n{code}```\n", "page.md", tmp_path).files == []
