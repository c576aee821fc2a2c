"""Helpers for tests that open the project's pages in a real browser (Playwright + system Chromium).

Import from a test module (``python -m pytest`` puts the project root on ``sys.path``)::

    from tests.browser import BrowserPage, axe_violations, browser, require_browser
    sync_api = require_browser()  # skips the module, with the reason, without Playwright/Chromium
    # `browser` is a module-scoped fixture: headless system Chromium

* :class:`BrowserPage` opens a file from ``file://`` and records every request, dialog, page error
  and console error; :meth:`BrowserPage.close` asserts there were none (and that the page requested
  nothing but itself).
* :func:`axe_violations` runs axe-core (the npm package ``axe-core``; its ``axe.min.js`` is injected
  from a local file, found by :func:`axe_script`) and returns the serious and critical violations.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-dev-shm-usage",
]
ROOT = Path(__file__).resolve().parents[1]
#: Where axe.min.js is looked for: $AXE_CORE_JS, then `npm install axe-core` in the project root
#: (what .ci/run does), then in the working directory.
AXE_PLACES = (
    os.environ.get("AXE_CORE_JS", ""),
    str(ROOT / "node_modules" / "axe-core" / "axe.min.js"),
    str(Path.cwd() / "node_modules" / "axe-core" / "axe.min.js"),
)
AXE_HINT = "axe-core not found: `npm install --no-save axe-core` in the project root, or set AXE_CORE_JS"


def require_browser() -> Any:
    """``playwright.sync_api``, or skip the calling module with the reason."""
    sync_api = pytest.importorskip("playwright.sync_api", reason='pip install "chainrule[browser]"')
    if not os.access(CHROMIUM, os.X_OK):
        pytest.skip(f"Chromium not found at {CHROMIUM} (apt-get install chromium)", allow_module_level=True)
    return sync_api


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Headless system Chromium for the module (import it into a test module to use it)."""
    sync_api = require_browser()
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


def axe_script() -> Path | None:
    """The local axe.min.js, or ``None``."""
    for place in AXE_PLACES:
        if place and Path(place).is_file():
            return Path(place)
    return None


class BrowserPage:
    """A page opened from file:// that records every request, dialog, error and console error."""

    def __init__(self, browser: Any, path: Path, width: int = 1400, height: int = 640) -> None:
        self.context = browser.new_context(viewport={"width": width, "height": height})
        self.requests: list[str] = []
        self.problems: list[str] = []
        self.context.on("request", lambda request: self.requests.append(request.url))
        self.context.route("**/*", self._only_this_file)
        self.url = path.resolve().as_uri()
        self.page = self.context.new_page()
        self.page.on("dialog", lambda dialog: (self.problems.append(dialog.message), dialog.dismiss()))
        self.page.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))
        self.page.on("console", self._console)
        self.page.goto(self.url)

    def _console(self, message: Any) -> None:
        if message.type in ("error", "warning"):
            self.problems.append(f"console {message.type}: {message.text}")

    def _only_this_file(self, route: Any) -> None:
        if route.request.url == self.url:
            route.continue_()
        else:
            route.abort()

    def js(self, expression: str, argument: Any = None) -> Any:
        return self.page.evaluate(expression, argument)

    def close(self) -> None:
        assert self.problems == [], self.problems
        assert self.requests and set(self.requests) == {self.url}, self.requests
        self.context.close()


def axe_violations(page: Any) -> list[str]:
    """axe-core's serious and critical violations on ``page`` (a Playwright page or frame), one
    line each: rule, impact, help, and the first offending element. Skips without axe-core."""
    script = axe_script()
    if script is None:
        pytest.skip(AXE_HINT)
    page.add_script_tag(content=script.read_text(encoding="utf-8"))
    results = page.evaluate("() => axe.run(document, { resultTypes: ['violations'] })")
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {v['nodes'][0]['target'] if v['nodes'] else '?'}"
        for v in results["violations"]
        if v["impact"] in ("serious", "critical")
    ]


PageType = TypeVar("PageType", bound=BrowserPage)


def opened_pages(browser: Any, page_class: type[PageType], height: int) -> Iterator[Callable[..., PageType]]:
    """The body of an ``open_page`` fixture (``yield from opened_pages(browser, Page, 900)``): a function
    that opens a page (``open_(path, width=1400, height=...)``); every page is closed at teardown, which
    asserts it made no request and logged no error."""
    pages: list[PageType] = []

    def open_(path: Path, width: int = 1400, height: int = height) -> PageType:
        pages.append(page_class(browser, path, width, height))
        return pages[-1]

    yield open_
    for page in pages:
        page.close()
