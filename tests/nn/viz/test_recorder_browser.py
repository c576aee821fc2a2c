"""The replay page in a real browser: headless Chromium (Debian's, at /usr/bin/chromium) driven by
Playwright, from file://, with every request other than the page itself refused and recorded.

Play, the slider and the keys move one cursor; the loss the page draws at the cursor is the
recorded one (its text, its exact value, and the dot's height on the chart's scale); the page fits
a 1400, 800 and 390 px wide window. ``CHAINRULE_UPDATE_ASSETS=1`` also writes the README's picture
(demos/assets/replay.png) from the moons demo's own page.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser import ARGS, CHROMIUM, BrowserPage, axe_violations, opened_pages, require_browser

pytestmark = pytest.mark.browser
sync_api = require_browser()
ASSETS = Path(__file__).resolve().parents[3] / "demos" / "assets"

from nn import MLP, fit, l2_penalty  # noqa: E402
from nn.data import make_moons  # noqa: E402
from nn.losses import hinge  # noqa: E402
from nn.optim import SGD  # noqa: E402
from nn.schedules import LinearDecay  # noqa: E402
from nn.viz import TrainingRecorder  # noqa: E402

EPOCHS = 40


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> tuple[TrainingRecorder, Path]:
    """micrograd's moons run, smaller: 40 points, 40 steps, every step recorded."""
    X, labels = make_moons(40, noise=0.1, seed=1)
    y = [2 * t - 1 for t in labels]
    model = MLP(2, [16, 16, 1], seed=1337)
    optimizer = SGD(model.parameters(), lr=1.0)
    recorder = TrainingRecorder(data=(X, y), grid=24, title="moons, replayed", stepthroughs=1)
    fit(
        model,
        X,
        y,
        loss=hinge,
        optimizer=optimizer,
        epochs=EPOCHS,
        penalty=lambda m: l2_penalty(m.parameters(), lam=0.008, n=len(X)),
        schedule=LinearDecay(optimizer, end_lr=0.1, total_steps=EPOCHS),
        callbacks=[recorder],
        progress=False,
        compile=True,
    )
    return recorder, recorder.save(tmp_path_factory.mktemp("replay") / "replay.html")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


class Page(BrowserPage):
    def counter(self) -> str:
        return str(self.page.text_content("#counter"))


@pytest.fixture
def open_page(browser: Any) -> Iterator[Callable[..., Page]]:
    yield from opened_pages(browser, Page, height=900)


def shown_loss(page: Page) -> tuple[str, float, float]:
    """The readout's text and exact value, and the loss read back from the dot's height."""
    readout = page.page.locator("#readout-loss")
    dot = page.page.locator("#loss-dot")
    lo, hi = float(dot.get_attribute("data-lo") or "nan"), float(dot.get_attribute("data-hi") or "nan")
    top, bottom = (
        float(dot.get_attribute("data-top") or "nan"),
        float(dot.get_attribute("data-bottom") or "nan"),
    )
    f = math.log10 if dot.get_attribute("data-log") == "1" else (lambda v: v)
    fraction = (bottom - float(dot.get_attribute("cy") or "nan")) / (bottom - top)
    drawn = f(lo) + fraction * (f(hi) - f(lo))
    drawn = 10**drawn if dot.get_attribute("data-log") == "1" else drawn
    return str(readout.text_content()), float(readout.get_attribute("data-exact") or "nan"), drawn


def test_slider_keys_and_play_move_one_cursor(open_page: Callable[..., Page], run: Any) -> None:
    recorder, path = run
    page = open_page(path)
    assert page.counter() == f"epoch 1 (snapshot 1 of {EPOCHS})"
    assert page.page.is_disabled("#prev") and page.page.is_disabled("#first")
    keyboard = page.page.keyboard
    for _ in range(3):
        keyboard.press("ArrowRight")
    assert page.counter() == f"epoch 4 (snapshot 4 of {EPOCHS})"
    keyboard.press("ArrowLeft")
    assert page.page.text_content("#readout-step") == "3"
    keyboard.press("End")
    assert page.counter() == f"epoch {EPOCHS} (snapshot {EPOCHS} of {EPOCHS})" and page.page.is_disabled(
        "#next"
    )
    keyboard.press("Home")
    assert page.js("window.replay.current()") == 0
    page.page.fill("#slider", "20")
    assert page.page.text_content("#readout-step") == "21"
    page.page.click("#next")
    assert page.page.text_content("#readout-step") == "22"
    page.page.select_option("#speed", "33")
    page.page.click("#play")
    assert page.page.text_content("#play") == "⏸ Pause"
    sync_api.expect(page.page.locator("#counter")).to_have_text(
        f"epoch {EPOCHS} (snapshot {EPOCHS} of {EPOCHS})"
    )
    sync_api.expect(page.page.locator("#play")).to_have_text("▶ Play")
    keyboard.press(" ")  # Space plays again, from the start
    sync_api.expect(page.page.locator("#counter")).to_have_text(
        f"epoch {EPOCHS} (snapshot {EPOCHS} of {EPOCHS})"
    )
    assert recorder.steps == list(range(1, EPOCHS + 1))


def test_the_drawn_loss_at_the_cursor_is_the_recorded_one(open_page: Callable[..., Page], run: Any) -> None:
    recorder, path = run
    page = open_page(path)
    frames = set()
    for k in (0, 1, 7, 19, EPOCHS - 1):
        page.js(f"window.replay.goTo({k})")
        text, exact, drawn = shown_loss(page)
        loss = recorder.losses[k]
        assert exact == loss  # the exact number, carried through the page
        assert float(text) == pytest.approx(loss, rel=5e-4)  # shown to 4 significant digits
        assert drawn == pytest.approx(loss, rel=0.02)  # the dot's height on the chart's scale
        cursor = page.page.locator("#loss-chart line.cursor")
        assert float(cursor.get_attribute("x1") or "nan") == float(
            page.page.get_attribute("#loss-dot", "cx") or "nan"
        )
        widths = "Array.from(document.querySelectorAll('#network line'), l => l.getAttribute('stroke-width'))"
        frames.add(page.js(f"{widths}.join()"))
    assert len(frames) == 5  # the weights drawn change from step to step
    assert page.page.locator("#network line").count() == 2 * 16 + 16 * 16 + 16


@pytest.mark.parametrize("width", [1400, 800, 390])
def test_fits_the_window_and_screenshots(
    open_page: Callable[..., Page], run: Any, width: int, tmp_path: Path
) -> None:
    _, path = run
    page = open_page(path, width=width, height=900)
    page.js(f"window.replay.goTo({EPOCHS // 3})")
    assert page.js("document.documentElement.scrollWidth") <= width  # no sideways scrolling
    for selector in ("#play", "#slider", "#network", "#loss-chart", "#boundary"):
        box = page.page.locator(selector).bounding_box()
        assert box is not None and box["width"] > 0 and box["x"] >= 0 and box["x"] + box["width"] <= width
    shot = tmp_path / f"replay_{width}.png"
    page.page.screenshot(path=str(shot))
    assert shot.stat().st_size > 10_000


@pytest.mark.skipif(
    os.environ.get("CHAINRULE_UPDATE_ASSETS") != "1", reason="CHAINRULE_UPDATE_ASSETS=1 updates it"
)
def test_readme_picture(open_page: Callable[..., Page], tmp_path: Path) -> None:
    """The README's picture: demos/moons.py's own replay page (the full run) at step 31."""
    from tests.demos.conftest import load_demo

    assert load_demo("moons").main(["--compiled", "--out", str(tmp_path)]) == 0
    page = open_page(tmp_path / "replay.html", width=1400, height=900)
    page.js("window.replay.goTo(30)")
    assert page.counter() == "epoch 31 (snapshot 31 of 100)"
    ASSETS.mkdir(parents=True, exist_ok=True)
    page.page.screenshot(path=str(ASSETS / "replay.png"))


def test_a_recorded_step_opens_the_step_through_of_one_sample(
    open_page: Callable[..., Page], run: Any
) -> None:
    recorder, path = run
    page = open_page(path)
    button = page.page.locator("#stepthrough-buttons button")
    assert button.count() == 1 and button.text_content() == f"Step through sample #0 at epoch {EPOCHS}"
    button.click()
    dialog = page.page.locator("#stepthrough-dialog")
    sync_api.expect(dialog).to_have_attribute("open", "")
    assert page.counter().startswith(f"epoch {EPOCHS} ")  # the cursor moved to that step
    frame = page.page.frame_locator("#stepthrough-frame")
    # the step-through page inside, with the weights of the last step: its first neuron's sum
    sync_api.expect(frame.locator("h1")).to_contain_text(f"weights of epoch {EPOCHS}")
    page.page.keyboard.press("Escape")
    sync_api.expect(dialog).not_to_have_attribute("open", "")
    page.page.keyboard.press("Home")  # the replay's keys work again once the dialog is closed
    assert page.counter().startswith("epoch 1 ")
    assert recorder.stepthroughs == 1


def test_no_serious_accessibility_violations(open_page: Callable[..., Page], run: Any) -> None:
    _, path = run
    page = open_page(path)
    page.js("window.replay.goTo(10)")
    assert axe_violations(page.page) == []


def test_no_serious_accessibility_violations_without_a_boundary_or_button(
    open_page: Callable[..., Page], tmp_path: Path
) -> None:
    """An image-input run (the digits' page): no decision boundary, no step-through button, so the
    scrolling main region is the only thing to focus; it must be reachable from the keyboard."""
    model = MLP(4, [3, 2], seed=0)
    recorder = TrainingRecorder(image_shape=(2, 2), stepthroughs=0)
    for step in range(5):
        recorder.record(model, step, 1.0 / (step + 1))
    page = open_page(recorder.save(tmp_path / "image.html"), width=390, height=500)
    assert page.page.locator("#features canvas").count() == 3
    assert axe_violations(page.page) == []
