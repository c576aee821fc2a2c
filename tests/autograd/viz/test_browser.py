"""The step-through page in a real browser: headless Chromium driven by Playwright.

Opens the page from file://, clicks through every step, checks the grads it shows against the
engine's, drives it from the keyboard and the slider, checks it requests nothing and logs no error,
lays it out at 1400, 800 and 390 px wide, embeds it in a notebook-like page, and runs axe-core.
Needs Debian's ``chromium`` at /usr/bin/chromium and ``pip install playwright`` (never
``playwright install``: the system Chromium is used). ``CHAINRULE_UPDATE_ASSETS=1`` also saves the
README's screenshots to demos/assets/.
"""

from __future__ import annotations

import itertools
import os
import random
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser import BrowserPage, axe_violations, browser, opened_pages, require_browser

pytestmark = pytest.mark.browser
sync_api = require_browser()
__all__ = ["browser"]  # the fixture, imported from tests.browser

from autograd import Value, topological_order  # noqa: E402
from autograd.viz import stepthrough, write_html  # noqa: E402
from autograd.viz.example import chain_rule  # noqa: E402
from autograd.viz.graph import format_number  # noqa: E402

ASSETS = Path(__file__).resolve().parents[3] / "demos" / "assets"
WIDTHS = {"wide": (1400, 720), "tablet": (800, 900), "phone": (390, 844)}


class Page(BrowserPage):
    def counter(self) -> str:
        return str(self.page.text_content("#counter"))

    def shown(self, node_id: str) -> tuple[str, str, str]:
        """A record's data and grad text as displayed ("" for a constant's grad), and its exact grad."""
        texts = self.page.locator(f"#{node_id} text").all_text_contents()
        data = next(t for t in texts if t.startswith("data "))
        grad = next((t for t in texts if t.startswith("grad ")), "")
        return data, grad, str(self.page.get_attribute(f"#{node_id}", "data-grad"))

    def shown_all(self) -> dict[str, tuple[str, str, str]]:
        """:meth:`shown` for every record, read in one call."""
        rows = self.js("""() => Array.from(document.querySelectorAll("g.node[id^='n']"), (g) => {
            const texts = Array.from(g.querySelectorAll("text"), (t) => t.textContent);
            return [g.id, texts.find((t) => t.startsWith("data ")),
                    texts.find((t) => t.startsWith("grad ")) || "", g.getAttribute("data-grad")];
        })""")
        return {row[0]: (row[1], row[2], row[3]) for row in rows}

    def box(self, selector: str) -> dict[str, float]:
        box = self.page.locator(selector).first.bounding_box()
        assert box is not None, selector
        return box  # type: ignore[no-any-return]


@pytest.fixture
def open_page(browser: Any) -> Iterator[Callable[..., Page]]:
    yield from opened_pages(browser, Page, height=640)


def assert_shows_engine_grads(page: Page, root: Value) -> None:
    root.backward()
    shown = page.shown_all()
    order = topological_order(root)
    assert len(shown) == len(order)
    for i, node in enumerate(order):
        data, grad, exact = shown[f"n{i}"]
        assert data == f"data {format_number(node.data)}"
        if node.is_constant:
            assert grad == "", (i, node)  # a constant has no grad field
            continue
        assert grad == f"grad {format_number(node.grad)}", (i, node)
        assert float(exact) == node.grad or (exact == "nan" and node.grad != node.grad)


def test_click_through_every_step(open_page: Callable[..., Page], tmp_path: Path) -> None:
    page = open_page(write_html(chain_rule(), tmp_path / "chain_rule.html"))
    count = page.js("window.chainrule.count")
    assert count == 10 and page.counter() == f"0 / {count}"  # 4 forward, seed, 5 backward
    assert page.shown("n0")[:2] == ("data 2", "grad 0") and page.shown("n2")[0] == "data ?"
    assert page.shown("n3")[1] == ""  # the constant 3: no grad field
    for k in range(1, count + 1):
        page.page.click("#next")
        assert page.counter() == f"{k} / {count}"
        assert page.page.locator(".hl-focus").count() >= 1
        assert " if " not in str(page.page.text_content("#panel"))  # never a guard clause
    assert page.page.is_disabled("#next")
    assert page.page.text_content("#lines div:last-child") == "y.grad: 0 → 36"
    assert page.page.text_content("#rule") == "Rule: ∂(a · b)/∂b = a, with a = x, b = y"
    assert page.page.locator("g.hl-edge").get_attribute("id") == "e2_1"
    assert_shows_engine_grads(page, chain_rule())

    page.page.click("#reset")
    assert page.counter() == f"0 / {count}"
    assert page.shown("n0")[1] == "grad 0" and page.shown("n8")[0] == "data ?"


def test_keyboard_and_slider(open_page: Callable[..., Page], tmp_path: Path) -> None:
    page = open_page(write_html(chain_rule(), tmp_path / "keys.html"))
    keyboard = page.page.keyboard
    for _ in range(3):
        keyboard.press("ArrowRight")
    assert page.counter() == "3 / 10"
    assert page.shown("n6")[0] == "data 81"  # the third forward step: (xy + 3)^2
    keyboard.press("ArrowLeft")
    assert page.counter() == "2 / 10" and page.shown("n6")[0] == "data ?"
    keyboard.press("End")
    assert page.counter() == "10 / 10" and page.shown("n0")[1] == "grad 54"
    keyboard.press("Home")
    assert page.counter() == "0 / 10" and page.shown("n0")[1] == "grad 0"
    page.page.fill("#slider", "7")  # the slider jumps straight to a step
    assert page.counter() == "7 / 10"
    page.page.focus("#slider")
    keyboard.press("ArrowRight")  # the slider's own key: one step, not two
    assert page.counter() == "8 / 10"
    page.page.focus("#next")
    keyboard.press("Enter")  # a focused button is clicked, once
    assert page.counter() == "9 / 10"
    keyboard.press("Home")
    page.page.select_option("#speed", "16")
    page.page.focus("#graph")
    keyboard.press(" ")  # play to the end
    # (no wait_for_function: the page's Content-Security-Policy forbids Playwright's eval)
    sync_api.expect(page.page.locator("#counter")).to_have_text("10 / 10", timeout=10_000)
    assert page.page.text_content("#play") == "▶ Play"
    assert page.shown("n1")[1] == "grad 36"


def test_labels_cannot_inject_markup(open_page: Callable[..., Page], tmp_path: Path) -> None:
    label = "<img src=x onerror=alert(1)>"
    x = Value(2.0, label)
    y = Value(3.0, "</script><script>alert(2)</script>")
    page = open_page(write_html(x * y, tmp_path / "hostile.html", title=label))
    page.js("window.chainrule.goTo(window.chainrule.count, true)")
    assert page.page.locator("img").count() == 0 and page.page.locator("svg script").count() == 0
    assert label in str(page.page.text_content("#n0"))
    assert label in str(page.page.text_content("#lines"))  # shown as text, never as markup
    assert page.page.title() == label


def mlp_loss(sizes: list[int], seed: int = 0) -> Value:
    """A squared error through a relu MLP on one example (a few hundred nodes)."""
    rng = random.Random(seed)
    xs = [Value(rng.uniform(-1, 1), f"x{i}") for i in range(sizes[0])]
    for layer, (nin, nout) in enumerate(itertools.pairwise(sizes)):
        outs = []
        for j in range(nout):
            total = Value(rng.uniform(-1, 1), f"L{layer}.N{j}.b")
            for i in range(nin):
                total = Value(rng.uniform(-1, 1), f"L{layer}.N{j}.w{i}").mul_add(xs[i], total)
            outs.append(total.relu() if layer < len(sizes) - 2 else total)
        xs = outs
    loss = (xs[0] - 1.0) ** 2
    loss.label = "loss"
    return loss


def test_a_few_hundred_nodes_every_step_keeps_both_nodes_in_view(
    open_page: Callable[..., Page], tmp_path: Path
) -> None:
    root = mlp_loss([2, 8, 8, 1])
    nodes = len(topological_order(root))
    assert 150 <= nodes <= 400
    page = open_page(write_html(root, tmp_path / "mlp.html"), width=800, height=900)
    # every step one at a time, as a learner steps: the node changed is inside the graph's view,
    # and the node read too whenever both fit in it
    hidden = page.js("""() => {
        const graph = document.getElementById("graph"), view = graph.getBoundingClientRect();
        const inside = (id) => { const r = document.getElementById(id).getBoundingClientRect();
            return r.left >= view.left - 1 && r.right <= view.right + 1
                && r.top >= view.top - 1 && r.bottom <= view.bottom + 1; };
        const steps = chainrule.data.steps, problems = [];
        const t0 = performance.now();
        for (let k = 1; k <= chainrule.count; k++) {
            chainrule.goTo(k, true);
            const s = steps[k - 1];
            if (!inside("n" + s.target)) problems.push(["changed", k, s.target]);
            const ids = s.focus.concat(s.other), boxes = ids.map((id) =>
                document.getElementById(id).getBoundingClientRect());
            const w = Math.max(...boxes.map((b) => b.right)) - Math.min(...boxes.map((b) => b.left));
            const h = Math.max(...boxes.map((b) => b.bottom)) - Math.min(...boxes.map((b) => b.top));
            if (w <= graph.clientWidth && h <= graph.clientHeight && !ids.every(inside))
                problems.push(["read", k, ids]);
        }
        return { problems: problems, ms: (performance.now() - t0) / chainrule.count };
    }""")
    print(f"\n{nodes} values, {page.js('chainrule.count')} steps: {hidden['ms']:.2f} ms per step")
    assert hidden["problems"] == [], hidden["problems"]
    assert_shows_engine_grads(page, mlp_loss([2, 8, 8, 1]))
    page.js("window.chainrule.goTo(0, false)")
    assert page.shown("n0")[1] == "grad 0"


@pytest.mark.parametrize("width", sorted(WIDTHS))
def test_layout_at_each_width(open_page: Callable[..., Page], tmp_path: Path, width: str) -> None:
    """Graph and panel side by side on a wide screen, stacked below 860 px; never overlapping,
    the graph never squeezed; the page itself never scrolls sideways."""
    w, h = WIDTHS[width]
    page = open_page(write_html(chain_rule(), tmp_path / f"{width}.html"), width=w, height=h)
    page.js("window.chainrule.goTo(9, true)")  # the backward step into x: 3 × 18 = 54
    graph, panel = page.box("#graph"), page.box("#panel")
    if w >= 1000:
        assert graph["x"] + graph["width"] <= panel["x"] + 1  # side by side
        assert graph["width"] >= 900
    else:
        assert graph["y"] + graph["height"] <= panel["y"] + 1  # the panel below, not over it
        assert graph["width"] >= w - 20 and graph["height"] >= 200
    assert panel["width"] >= min(w - 20, 300)
    assert page.js("document.documentElement.scrollWidth") <= w  # no sideways scroll of the page
    for node in ("#n0", "#n2"):  # the node changed (x) and the node read (xy) are both in view
        box = page.box(node)
        assert graph["x"] - 1 <= box["x"] and box["x"] + box["width"] <= graph["x"] + graph["width"] + 1
    svg = page.box("#graph svg")
    assert svg["width"] >= min(300, w - 40)  # readable, not shrunk to a sliver
    shot = Path(os.environ.get("CHAINRULE_SHOTS", tmp_path)) / f"stepthrough_{width}.png"
    page.page.screenshot(path=str(shot))
    assert shot.stat().st_size > 10_000
    if os.environ.get("CHAINRULE_UPDATE_ASSETS") == "1" and width != "tablet":  # the README's two
        ASSETS.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shot, ASSETS / shot.name)


def test_the_notebook_iframe_leaves_the_page_around_it_alone(browser: Any, tmp_path: Path) -> None:
    """The page in a notebook cell: inside the iframe it works; outside it nothing changes."""
    host = """<!DOCTYPE html><html><head><meta charset="utf-8"><style>
      body { font: 16px serif; margin: 20px; } .cell { width: 600px; border: 1px solid #888; }
    </style></head><body><div class="cell" id="before">In [1]: before</div>{{frame}}
    <div class="cell" id="after">In [2]: after</div></body></html>"""
    (tmp_path / "plain.html").write_text(host.replace("{{frame}}", ""), encoding="utf-8")
    frame = stepthrough(chain_rule())._repr_html_()
    (tmp_path / "host.html").write_text(host.replace("{{frame}}", frame), encoding="utf-8")
    plain = BrowserPage(browser, tmp_path / "plain.html", width=1000, height=900)
    page = BrowserPage(browser, tmp_path / "host.html", width=1000, height=900)
    style = """(id) => { const e = document.getElementById(id), s = getComputedStyle(e);
        const r = e.getBoundingClientRect(), body = getComputedStyle(document.body);
        return [r.x, r.width, r.height, s.fontFamily, s.fontSize, s.display, body.display]; }"""
    assert page.js(style, "before") == plain.js(style, "before")
    after, after_plain = page.js(style, "after"), plain.js(style, "after")
    assert after[:2] + after[3:] == after_plain[:2] + after_plain[3:] and after[2] == after_plain[2]
    inner = page.page.frames[1]
    sync_api.expect(inner.locator("#counter")).to_have_text("0 / 10")
    inner.click("#next")
    sync_api.expect(inner.locator("#counter")).to_have_text("1 / 10")
    assert page.js("typeof window.chainrule") == "undefined"  # the page's script stayed inside
    reach_out = "() => { try { return parent.document.title; } catch (e) { return 'blocked'; } }"
    assert inner.evaluate(reach_out) == "blocked"  # a sandboxed frame: no access to the notebook
    page.page.screenshot(path=str(tmp_path / "notebook.png"))
    for each in (plain, page):
        each.close()


@pytest.mark.parametrize("width", ["wide", "phone"])
def test_no_serious_accessibility_violations(
    open_page: Callable[..., Page], tmp_path: Path, width: str
) -> None:
    w, h = WIDTHS[width]
    page = open_page(write_html(chain_rule(), tmp_path / "a11y.html"), width=w, height=h)
    assert axe_violations(page.page) == []  # the start
    page.js("window.chainrule.goTo(9, true)")  # a backward step: highlights and the panel filled
    assert axe_violations(page.page) == []


@pytest.mark.parametrize("case", ["leaf", "nan and inf", "built-in layout", "reused input"])
def test_odd_graphs_step_without_errors(open_page: Callable[..., Page], tmp_path: Path, case: str) -> None:
    x = Value(0.0, "x")
    root, options = {
        "leaf": (Value(2.0, "x"), {}),
        "nan and inf": ((1 / x - x.log()) * float("nan"), {}),
        "built-in layout": (chain_rule(), {"renderer": "builtin"}),
        "reused input": (x * x + x, {}),
    }[case]
    for width in (1400, 390):
        page = open_page(write_html(root, tmp_path / f"{width}.html", **options), width=width, height=700)
        count = page.js("chainrule.count")
        for k in (count, 0, count // 2, count):
            page.js(f"chainrule.goTo({k}, true)")
            assert page.counter() == f"{k} / {count}"


def test_resizing_switches_the_drawing_and_keeps_the_step(
    open_page: Callable[..., Page], tmp_path: Path
) -> None:
    page = open_page(write_html(chain_rule(), tmp_path / "resize.html"), width=1400, height=720)
    page.js("chainrule.goTo(9, true)")
    wide = page.box("#graph svg")
    assert wide["width"] > wide["height"] and page.shown("n0")[1] == "grad 54"
    page.page.set_viewport_size({"width": 390, "height": 844})
    page.page.wait_for_timeout(100)
    narrow = page.box("#graph svg")
    assert narrow["height"] > narrow["width"]  # drawn top down
    assert page.counter() == "9 / 10" and page.shown("n0")[1] == "grad 54" and page.shown("n1")[1] == "grad 0"
    assert page.page.locator(".hl-focus").count() >= 1
    page.page.click("#next")
    assert page.shown("n1")[1] == "grad 36"
