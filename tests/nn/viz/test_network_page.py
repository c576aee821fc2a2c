"""The neuron-level page as text: self-contained, escaped, one scalar page per neuron, notebook-safe."""

from __future__ import annotations

import base64
import html
import json
import re
import zlib
from pathlib import Path
from typing import Any

import pytest

from autograd.viz import StepThrough
from nn import MLP
from nn.losses import mse
from nn.viz import NetworkStepThrough, network_stepthrough

HOSTILE = '</script><script>alert(1)</script><img src=x onerror=alert(2)>"&'


def page_data(page: str) -> dict[str, Any]:
    found = re.search(r'<script type="application/json" id="chainrule-data">(.*?)</script>', page, re.S)
    assert found is not None
    return json.loads(found.group(1))  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def small() -> NetworkStepThrough:
    model = MLP(2, [3, 1], activation="tanh", seed=0)
    return network_stepthrough(model, [0.5, -1.0], 1.0, mse)


def test_the_page_is_self_contained_and_holds_every_step(small: NetworkStepThrough) -> None:
    page = small.html
    assert page.startswith("<!DOCTYPE html>") and "Content-Security-Policy" in page
    assert not re.search(r"(src|href)=\"(https?:)?//", page)  # nothing to fetch
    data = page_data(page)
    assert len(data["steps"]) == len(small.steps) == 4 + 1 + 4 + 4
    assert set(data["reveal"]) == {"n0_0", "n0_1", "n0_2", "n1_0", "cost"}
    assert data["reveal"]["n0_1"] == {"f": 1, "d": 7, "g": 10, "sat": False}
    forward = data["steps"][3]
    assert forward["focus"] == ["n1_0"] and forward["read"] == ["n0_0", "n0_1", "n0_2"]
    assert forward["edges"] == ["e1_0_0", "e1_0_1", "e1_0_2"]
    hidden_delta = data["steps"][7]
    assert hidden_delta["focus"] == ["n0_1"] and hidden_delta["edges"] == ["e1_0_1"]
    assert "error arriving" in hidden_delta["html"] and "slope" in hidden_delta["html"]


def test_every_neuron_carries_its_scalar_step_through(small: NetworkStepThrough) -> None:
    pages = page_data(small.html)["pages"]
    assert set(pages) == {"n0_0", "n0_1", "n0_2", "n1_0"}
    inner = zlib.decompress(base64.b64decode(pages["n0_2"])).decode("utf-8")
    assert inner.startswith("<!DOCTYPE html>") and "Inside neuron L0.N2" in inner
    scalar = small.neuron_stepthrough("L0.N2")
    assert isinstance(scalar, StepThrough) and scalar.steps


def test_notebook_display_is_a_sandboxed_iframe(small: NetworkStepThrough, tmp_path: Path) -> None:
    shown = small._repr_html_()
    assert shown.startswith("<iframe srcdoc=") and 'sandbox="allow-scripts"' in shown
    assert html.unescape(re.search(r'srcdoc="([^"]*)"', shown).group(1)) == small.html  # type: ignore[union-attr]
    saved = small.save(tmp_path / "net.html")
    assert saved.read_text(encoding="utf-8") == small.html
    assert "13 steps" in repr(small)


def test_user_text_is_escaped(tmp_path: Path) -> None:
    def loss(outputs: list[Any], targets: list[Any]) -> Any:
        return mse(outputs, [0.0])

    loss.__name__ = HOSTILE
    page = network_stepthrough(MLP(1, [1], seed=0), [1.0], HOSTILE, loss, title=HOSTILE).html
    assert "<script>alert" not in page and "<img src=x" not in page
    assert "<h1>&lt;/script&gt;&lt;script&gt;alert(1)" in page  # the title, as text
    cost = page_data(page)["steps"][1]["html"]
    assert "&lt;/script&gt;&lt;script&gt;alert(1)" in cost


def test_saturated_neurons_are_explained() -> None:
    model = MLP(1, [1, 1], activation="sigmoid", seed=0)
    model.layers[0].neurons[0].w[0].data = 40.0
    data = page_data(network_stepthrough(model, [1.0], 0.0, mse).html)
    assert data["reveal"]["n0_0"]["sat"] is True
    delta = next(s for s in data["steps"] if s["kind"] == "delta" and s["focus"] == ["n0_0"])
    assert "Saturated" in delta["html"] and "vanishing gradient" in delta["html"]


def test_the_page_needs_no_graphviz(monkeypatch: pytest.MonkeyPatch) -> None:
    import shutil
    import sys

    monkeypatch.setitem(sys.modules, "graphviz", None)  # import graphviz raises ImportError
    monkeypatch.setattr(shutil, "which", lambda name: None)  # and no dot on PATH
    page = network_stepthrough(MLP(2, [2, 1], seed=0), [1.0, 2.0], 0.0, mse).html
    pages = page_data(page)["pages"]
    assert page.count("<svg") == 1 and len(pages) == 3  # the network, and a scalar page per neuron
    assert all("<svg" in zlib.decompress(base64.b64decode(p)).decode() for p in pages.values())
