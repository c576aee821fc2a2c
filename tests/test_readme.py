"""The README's Python snippets run, in order, in one namespace: the examples never rot."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"
SNIPPETS = re.findall(r"^```python\n(.*?)^```", README.read_text(encoding="utf-8"), re.S | re.M)


def test_the_readme_has_snippets() -> None:
    assert len(SNIPPETS) >= 5


def test_readme_starts_with_the_two_commands() -> None:
    lines = README.read_text(encoding="utf-8").splitlines()
    block = lines[lines.index("```bash") + 1 : lines.index("```bash") + 3]
    assert block[0].endswith("python demos/moons.py")
    assert block[1].endswith("python -m pytest -q")
    assert (README.parent / "demos" / "moons.py").exists()


def _has_graphviz_package() -> bool:
    try:
        import graphviz  # noqa: F401
    except ImportError:
        return False
    return True


def test_readme_snippets_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("hypothesis")
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {"__name__": "readme"}
    skipped = []
    for number, snippet in enumerate(SNIPPETS, 1):
        if "draw_dot(" in snippet and not _has_graphviz_package():
            skipped.append(number)  # draw_dot returns a graphviz.Digraph: it needs the package
            continue
        try:
            exec(compile(snippet, f"README.md snippet {number}", "exec"), namespace)
        except Exception as error:  # name the snippet that broke
            raise AssertionError(f"README snippet {number} failed:\n{snippet}") from error
    if skipped:
        pytest.skip(f"README snippets {skipped} call draw_dot, which needs the graphviz Python package")
