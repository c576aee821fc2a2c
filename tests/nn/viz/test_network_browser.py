"""The neuron-level page in a real browser: headless Chromium (the system one) driven by Playwright.

Opens the page from file://, steps through every step with the buttons, the keyboard and the slider,
checks what each neuron shows against the step data, opens a neuron's scalar step-through with a
click and with the keyboard, and checks that the page requests nothing from the network and logs no
error. Screenshots at 1400, 800 and 390 px wide go to a temporary folder
(``CHAINRULE_UPDATE_ASSETS=1`` copies them to demos/assets/ for the README).
"""

from __future__ import annotations

import html
import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from nn import MLP
from nn.losses import mse
from nn.viz import DeltaStep, NetworkStepThrough, network_stepthrough
from nn.viz.network import number
from tests.browser import ARGS, CHROMIUM, BrowserPage, axe_violations, opened_pages, require_browser

pytestmark = pytest.mark.browser

ASSETS = Path(__file__).resolve().parents[3] / "demos" / "assets"
sync_api = require_browser()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


class Page(BrowserPage):
    """The shared page recorder, plus what these tests read from a network page."""

    def classes(self, element_id: str) -> set[str]:
        return set(str(self.page.get_attribute(f"#{element_id}", "class") or "").split())

    def visible_text(self, element_id: str) -> list[str]:
        """The texts of a node that are shown (hidden lines have visibility: hidden)."""
        return self.js(  # type: ignore[no-any-return]
            f"""Array.from(document.querySelectorAll("#{element_id} text"))
                .filter(t => getComputedStyle(t).visibility !== "hidden").map(t => t.textContent)"""
        )


@pytest.fixture
def open_page(browser: Any) -> Iterator[Callable[..., Page]]:
    yield from opened_pages(browser, Page, height=900)


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> tuple[NetworkStepThrough, Path]:
    model = MLP(2, [3, 2, 1], activation="tanh", seed=0)
    model.layers[0].neurons[2].w[0].data = 9.0  # z = 4.5 - ...: tanh saturates, the page flags it
    stepper = network_stepthrough(model, [0.5, -0.2], 1.0, mse)
    return stepper, stepper.save(tmp_path_factory.mktemp("page") / "network.html")


def test_every_step_with_the_buttons(open_page: Callable[..., Page], small: Any) -> None:
    stepper, path = small
    page = open_page(path)
    count = len(stepper.steps)
    assert page.page.text_content("#counter") == f"0 / {count}"
    assert page.visible_text("n0_0") == ["L0.N0 tanh"]  # nothing computed yet
    for k, step in enumerate(stepper.steps, start=1):
        page.page.click("#next")
        assert page.page.text_content("#counter") == f"{k} / {count}"
        node = "cost" if step.kind == "cost" else f"n{step.layer}_{step.index}"
        assert "current" in page.classes(node)
        title = str(page.page.text_content("#step-title"))
        assert title == "The cost" if step.kind == "cost" else step.neuron in title
        shown = page.visible_text(node)
        if step.kind == "forward":
            assert shown[1:3] == [f"z = {number(step.z)}", f"a = {number(step.a)}"]
        if isinstance(step, DeltaStep):
            assert shown[3].startswith(f"δ = {number(step.delta)}")
            assert ("sat" in page.classes(node)) == step.saturated
            panel = str(page.page.inner_html("#explain"))
            assert f"<b>{number(step.delta)}</b>" in panel and "error arriving" in panel
    assert page.js("document.querySelector('#next').disabled")
    saturated = [s for s in stepper.steps if isinstance(s, DeltaStep) and s.saturated]
    assert [s.neuron for s in saturated] == ["L0.N2"]


def test_keyboard_and_slider(open_page: Callable[..., Page], small: Any) -> None:
    stepper, path = small
    page = open_page(path)
    count = len(stepper.steps)
    page.page.focus("#graph")
    page.page.keyboard.press("ArrowRight")
    page.page.keyboard.press("ArrowRight")
    assert page.page.text_content("#counter") == f"2 / {count}"
    page.page.keyboard.press("ArrowLeft")
    assert page.page.text_content("#counter") == f"1 / {count}"
    page.page.keyboard.press("End")
    assert page.page.text_content("#counter") == f"{count} / {count}"
    assert "δ" in page.visible_text("n0_0")[-1]
    page.page.keyboard.press("Home")
    assert page.page.text_content("#counter") == f"0 / {count}"
    page.page.fill("#slider", "8")  # sets the value and fires "input"
    assert page.page.text_content("#counter") == f"8 / {count}"
    assert "current" in page.classes("n2_0")  # 6 forward steps, the cost, then the output's delta
    assert "read" in page.classes("cost")
    page.page.select_option("#speed", "16")
    page.page.focus("#graph")
    page.page.keyboard.press("Space")  # play, at 60 steps a second
    for _ in range(200):
        if page.js("chainrule.current()") == count:
            break
        page.page.wait_for_timeout(50)
    assert page.page.text_content("#counter") == f"{count} / {count}"
    assert "Play" in str(page.page.text_content("#play"))  # stopped at the end


def test_a_neuron_opens_its_scalar_step_through(open_page: Callable[..., Page], small: Any) -> None:
    stepper, path = small
    page = open_page(path)
    page.page.click("#n1_1")
    page.page.wait_for_selector("#inside[open]")
    inner = page.page.frame_locator("#inside-frame")
    assert "Inside neuron L1.N1" in str(inner.locator("h1").text_content())
    before = page.page.text_content("#counter")
    page.page.keyboard.press("ArrowRight")  # the network's player waits while the dialog is open
    assert page.page.text_content("#counter") == before
    page.page.keyboard.press("Escape")  # focus is on Close: Esc closes
    assert not page.js("document.getElementById('inside').open")
    page.page.click("#n1_1")
    page.page.wait_for_selector("#inside[open]")
    inner.locator("#next").click()  # its own player works inside the frame
    assert inner.locator("#counter").text_content() == "1 / " + str(
        len(stepper.neuron_stepthrough("L1.N1").steps)
    )
    page.page.click("#inside-close")
    assert not page.js("document.getElementById('inside').open")
    page.page.focus("#n0_2")  # the keyboard way: Tab to a neuron, press Enter
    page.page.keyboard.press("Enter")
    page.page.wait_for_selector("#inside[open]")
    assert "Inside neuron L0.N2" in str(page.page.frame_locator("#inside-frame").locator("h1").text_content())
    page.page.click("#inside-close")
    assert not page.js("document.getElementById('inside').open")


def test_screenshots_fit_each_width(open_page: Callable[..., Page], tmp_path: Path) -> None:
    model = MLP(2, [16, 16, 1], seed=0)
    path = network_stepthrough(model, [0.5, -1.0], 1.0, mse).save(tmp_path / "big.html")
    page = open_page(path)
    for width, height in ((1400, 900), (800, 900), (390, 844)):
        page.page.set_viewport_size({"width": width, "height": height})
        page.page.reload()  # the page picks its zoom for the width it opens at
        page.js("chainrule.goTo(60, true)")  # a hidden neuron's delta: factors, terms, a flag
        assert page.js("document.documentElement.scrollWidth") <= width  # no sideways scrolling
        current = page.page.locator(".node.current").bounding_box()
        view = page.page.locator("#graph").bounding_box()
        assert current and view
        assert view["y"] <= current["y"] and current["y"] + current["height"] <= view["y"] + view["height"]
        assert page.page.locator("#explain .factors").is_visible()
        shot = tmp_path / f"neuron_view_{width}.png"
        page.page.screenshot(path=str(shot))
        if os.environ.get("CHAINRULE_UPDATE_ASSETS") == "1":
            ASSETS.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(shot, ASSETS / shot.name)


def test_the_notebook_iframe_leaves_the_page_around_it_alone(
    open_page: Callable[..., Page], small: Any, tmp_path: Path
) -> None:
    stepper, _ = small
    host = tmp_path / "notebook.html"
    host.write_text(
        '<!DOCTYPE html><html><body style="font: 16px serif; margin: 8px"><p id="before">cell above</p>'
        f"{stepper._repr_html_()}<p id='after'>cell below</p></body></html>",
        encoding="utf-8",
    )
    page = open_page(host, width=900)
    assert page.js("getComputedStyle(document.body).display") == "block"
    assert page.js("getComputedStyle(document.getElementById('after')).fontFamily") == "serif"
    before, after = page.page.locator("#before").bounding_box(), page.page.locator("#after").bounding_box()
    frame = page.page.locator("iframe").bounding_box()
    assert before and after and frame
    assert before["y"] < frame["y"] < frame["y"] + frame["height"] <= after["y"] and frame["width"] <= 900
    inner = page.page.frame_locator("iframe")
    inner.locator("#next").click()
    assert inner.locator("#counter").text_content() == f"1 / {len(stepper.steps)}"
    assert html.escape("L0.N0") in str(inner.locator("#step-title").text_content())


def test_no_serious_accessibility_violations(open_page: Callable[..., Page], small: Any) -> None:
    _, path = small
    page = open_page(path)
    assert axe_violations(page.page) == []  # the start
    page.js("chainrule.goTo(9, true)")  # a delta step: factors, terms, legend
    assert axe_violations(page.page) == []
    page.page.click("#n0_1")
    page.page.wait_for_selector("#inside[open]")
    assert axe_violations(page.page) == []  # the open dialog
