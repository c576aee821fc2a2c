"""The README's pictures of graphs show what the drawing draws today (constants without a gradient).

``CHAINRULE_UPDATE_ASSETS=1 python -m pytest tests/autograd/viz/test_assets.py`` redraws them (with
the system Graphviz); the browser test saves the step-through screenshots the same way.
"""

from __future__ import annotations

import os
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from autograd.viz import available_renderers, write_png, write_svg
from autograd.viz.example import chain_rule

ASSETS = Path(__file__).resolve().parents[3] / "demos" / "assets"
SVG = "{http://www.w3.org/2000/svg}"


def records(svg: Path) -> list[list[str]]:
    """The texts of each record (a node whose texts hold "data ...") in the drawing."""
    found = []
    for group in ET.parse(svg).getroot().iter(f"{SVG}g"):
        if group.get("class") != "node":
            continue
        texts = [(t.text or "").strip() for t in group.iter(f"{SVG}text")]
        if any(text.startswith("data ") for text in texts):
            found.append(texts)
    return found


@pytest.mark.skipif(
    os.environ.get("CHAINRULE_UPDATE_ASSETS") != "1", reason="CHAINRULE_UPDATE_ASSETS=1 redraws"
)
def test_update_the_pictures() -> None:
    if "dot" not in available_renderers():
        pytest.skip("the README's pictures are drawn by the system Graphviz (apt-get install graphviz)")
    f = chain_rule()
    f.backward()
    write_svg(f, ASSETS / "graph.svg", renderer="dot")
    write_png(f, ASSETS / "graph.png")


def test_the_headline_picture_is_the_worked_example_after_backward() -> None:
    shown = records(ASSETS / "graph.svg")
    assert ["x", "data 2", "grad 54"] in shown and ["y", "data 3", "grad 36"] in shown
    constants = [texts for texts in shown if not any(t.startswith("grad ") for t in texts)]
    assert sorted(constants) == [["data 1"], ["data 2"], ["data 3"]]  # the 3, the exponent 2, the 1
    assert not re.search(r"grad 178", (ASSETS / "graph.svg").read_text(encoding="utf-8"))  # 81 ln 9
