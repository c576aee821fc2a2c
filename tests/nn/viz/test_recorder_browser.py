"""The replay page in a real browser: headless Chromium (Debian's, at /usr/bin/chromium) driven by
Playwright, from file://, with every request other than the page itself refused and recorded.

Play, the slider and the keys move one cursor; the loss the page draws at the cursor is the
recorded one (its text, its exact value, and the dot's height on the chart's scale); the page fits
a 1400, 800 and 390 px wide window. ``CHAINRULE_UPDATE_ASSETS=1`` also saves the README's picture.
"""

from __future__ import annotations

import math
import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]
ASSETS = Path(__file__).resolve().parents[3] / "demos" / "assets"

sync_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright")
if not os.access(CHROMIUM, os.X_OK):
    pytest.skip(f"Chromium not found at {CHROMIUM} (apt-get install chromium)", allow_module_level=True)

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
    recorder = TrainingRecorder(data=(X, y), grid=24, title="moons, replayed")
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


class Page:
    """A page opened from file:// that records every request, console error and page error."""

    def __init__(self, browser: Any, path: Path, width: int, height: int) -> None:
        self.context = browser.new_context(viewport={"width": width, "height": height})
        self.requests: list[str] = []
        self.errors: list[str] = []
        self.url = path.resolve().as_uri()
        self.context.on("request", lambda request: self.requests.append(request.url))
        self.context.route(
            "**/*", lambda route: route.continue_() if route.request.url == self.url else route.abort()
        )
        self.page = self.context.new_page()
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.goto(self.url)

    def js(self, expression: str) -> Any:
        return self.page.evaluate(expression)

    def counter(self) -> str:
        return str(self.page.text_content("#counter"))

    def close(self) -> None:
        assert self.errors == [], self.errors
        assert set(self.requests) == {self.url}, self.requests  # nothing but the page itself
        self.context.close()


@pytest.fixture
def open_page(browser: Any) -> Iterator[Callable[..., Page]]:
    pages: list[Page] = []

    def open_(path: Path, width: int = 1400, height: int = 900) -> Page:
        pages.append(Page(browser, path, width, height))
        return pages[-1]

    yield open_
    for page in pages:
        page.close()


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
    if width == 1400 and os.environ.get("CHAINRULE_UPDATE_ASSETS") == "1":
        ASSETS.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shot, ASSETS / "replay.png")
