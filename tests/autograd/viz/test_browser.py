"""The step-through page in a real browser: headless Chromium driven by Playwright.

Opens the page from file://, clicks through every step, checks the grads it shows against the
engine's, drives it from the keyboard, and checks it requests nothing from the network. Needs
Debian's ``chromium`` at /usr/bin/chromium and ``pip install playwright`` (never
``playwright install``: the system Chromium is used). ``CHAINRULE_UPDATE_ASSETS=1`` also saves the
README's screenshot to demos/assets/stepthrough.png.
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

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-dev-shm-usage",
]
ASSETS = Path(__file__).resolve().parents[3] / "demos" / "assets"

sync_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright")
pytest.importorskip("graphviz", reason="the page's drawing needs the graphviz Python package")
if not os.access(CHROMIUM, os.X_OK):
    pytest.skip(f"Chromium not found at {CHROMIUM} (apt-get install chromium)", allow_module_level=True)

from autograd import Value, topological_order  # noqa: E402
from autograd.viz import write_html  # noqa: E402
from autograd.viz.example import chain_rule  # noqa: E402
from autograd.viz.graph import format_number  # noqa: E402


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


class Page:
    """A page opened from file:// that records every request it makes and every dialog."""

    def __init__(self, browser: Any, path: Path, width: int = 1400, height: int = 640) -> None:
        self.context = browser.new_context(viewport={"width": width, "height": height})
        self.requests: list[str] = []
        self.dialogs: list[str] = []
        self.errors: list[str] = []
        self.context.on("request", lambda request: self.requests.append(request.url))
        self.context.route("**/*", self._only_this_file)
        self.url = path.resolve().as_uri()
        self.page = self.context.new_page()
        self.page.on("dialog", lambda dialog: (self.dialogs.append(dialog.message), dialog.dismiss()))
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.goto(self.url)

    def _only_this_file(self, route: Any) -> None:
        if route.request.url == self.url:
            route.continue_()
        else:
            route.abort()

    def js(self, expression: str) -> Any:
        return self.page.evaluate(expression)

    def counter(self) -> str:
        return str(self.page.text_content("#counter"))

    def shown(self, node_id: str) -> tuple[str, str, str]:
        """A record's data and grad text as displayed, and its exact grad (data-grad)."""
        texts = self.page.locator(f"#{node_id} text").all_text_contents()
        return texts[-2], texts[-1], str(self.page.get_attribute(f"#{node_id}", "data-grad"))

    def shown_all(self) -> dict[str, tuple[str, str, str]]:
        """:meth:`shown` for every record, read in one call."""
        rows = self.js("""() => Array.from(document.querySelectorAll("g.node[id^='n']"), (g) => {
            const texts = g.querySelectorAll("text");
            return [g.id, texts[texts.length - 2].textContent, texts[texts.length - 1].textContent,
                    g.getAttribute("data-grad")];
        })""")
        return {row[0]: (row[1], row[2], row[3]) for row in rows}

    def close(self) -> None:
        assert self.errors == [], self.errors
        assert self.dialogs == [], self.dialogs
        assert self.requests and set(self.requests) == {self.url}, self.requests
        self.context.close()


@pytest.fixture
def open_page(browser: Any) -> Iterator[Callable[..., Page]]:
    pages: list[Page] = []

    def open_(path: Path, **size: int) -> Page:
        pages.append(Page(browser, path, **size))
        return pages[-1]

    yield open_
    for page in pages:
        page.close()


def assert_shows_engine_grads(page: Page, root: Value) -> None:
    root.backward()
    shown = page.shown_all()
    order = topological_order(root)
    assert len(shown) == len(order)
    for i, node in enumerate(order):
        data, grad, exact = shown[f"n{i}"]
        assert data == f"data {format_number(node.data)}"
        assert grad == f"grad {format_number(node.grad)}", (i, node)
        assert float(exact) == node.grad or (exact == "nan" and node.grad != node.grad)


def test_click_through_every_step(open_page: Callable[..., Page], tmp_path: Path) -> None:
    path = write_html(chain_rule(), tmp_path / "chain_rule.html")
    page = open_page(path)
    count = page.js("window.chainrule.count")
    assert count == 10 and page.counter() == f"0 / {count}"  # no step into the constants 3, 2, 1
    assert page.shown("n0")[:2] == ("data 2", "grad 0") and page.shown("n2")[0] == "data ?"
    for k in range(1, count + 1):
        page.page.click("#next")
        assert page.counter() == f"{k} / {count}"
        assert page.page.locator(".hl-focus").count() >= 1
    assert page.page.is_disabled("#next")
    assert page.page.text_content("#lines div:last-child") == "y.grad: 0 → 36"
    assert page.page.locator("g.hl-edge").get_attribute("id") == "e2_1"
    assert_shows_engine_grads(page, chain_rule())
    page.page.screenshot(path=str(tmp_path / "stepthrough.png"))

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
    page.page.fill("#slider", "9")  # the slider jumps straight to a step
    assert page.counter() == "9 / 10"
    page.page.select_option("#speed", "16")
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
            total = Value(rng.uniform(-1, 1), f"b{layer}.{j}")
            for i in range(nin):
                total = total + Value(rng.uniform(-1, 1), f"w{layer}.{j}.{i}") * xs[i]
            outs.append(total.relu() if layer < len(sizes) - 2 else total)
        xs = outs
    loss = (xs[0] - 1.0) ** 2
    loss.label = "loss"
    return loss


def test_a_few_hundred_nodes_step_fast(open_page: Callable[..., Page], tmp_path: Path) -> None:
    root = mlp_loss([2, 8, 8, 1])
    nodes = len(topological_order(root))
    assert 250 <= nodes <= 400
    page = open_page(write_html(root, tmp_path / "mlp.html"))
    count = page.js("window.chainrule.count")
    # every step one at a time (highlight, panel and scrolling included), timed in the page
    ms_per_step = page.js("""() => {
        const t0 = performance.now();
        for (let k = 1; k <= window.chainrule.count; k++) window.chainrule.goTo(k, true);
        return (performance.now() - t0) / window.chainrule.count;
    }""")
    print(f"\n{nodes} values, {count} steps: {ms_per_step:.2f} ms per step")
    assert ms_per_step < 25
    assert_shows_engine_grads(page, mlp_loss([2, 8, 8, 1]))
    page.js("window.chainrule.goTo(0, false)")
    assert page.shown("n0")[1] == "grad 0"


def test_readme_screenshot(open_page: Callable[..., Page], tmp_path: Path) -> None:
    """The picture in the README: a backward step of f(x, y) = (xy + 3)^2 + 1."""
    page = open_page(write_html(chain_rule(), tmp_path / "readme.html"), width=1500, height=440)
    page.js("window.chainrule.goTo(12, true)")
    shot = tmp_path / "stepthrough.png"
    page.page.screenshot(path=str(shot))
    assert shot.stat().st_size > 10_000
    if os.environ.get("CHAINRULE_UPDATE_ASSETS") == "1":
        ASSETS.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shot, ASSETS / "stepthrough.png")
