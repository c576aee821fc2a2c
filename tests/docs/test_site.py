"""The built site: strict build, every page and embedded page present, reference anchors, no network;
and in a real browser (Playwright driving Debian's Chromium) from file://: follow the tutorial links,
search, step one embedded page, and see no request leave the site."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest
from public_names import CONTRACT, public_names, resolve

PAGES = Path(__file__).resolve().parents[2] / "demos" / "docs" / "pages"
ORDER = re.findall(
    r"^\d\. \[[^]]+\]\(([\w-]+)\.md\)", (PAGES / "tutorials" / "index.md").read_text(encoding="utf-8"), re.M
)

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]


def anchors(site: Path) -> set[str]:
    found: set[str] = set()
    for page in (site / "reference").glob("*.html"):
        found.update(re.findall(r'\bid="([^"]+)"', page.read_text(encoding="utf-8")))
    return found


def test_every_source_page_is_built(built_site: Path) -> None:
    for source in PAGES.rglob("*.md"):
        built = built_site / source.relative_to(PAGES).with_suffix(".html")
        assert built.is_file(), built


def test_every_public_and_contract_name_has_an_anchor(built_site: Path) -> None:
    found = anchors(built_site)
    wanted = public_names() + [n for n in CONTRACT if resolve(n) is not None]
    assert [n for n in wanted if n not in found] == []


def test_every_iframe_shows_a_page_the_build_wrote(built_site: Path) -> None:
    frames = 0
    for page in (built_site / "tutorials").glob("*.html"):
        for src in re.findall(r'<iframe[^>]*\bsrc="([^"]+)"', page.read_text(encoding="utf-8")):
            assert (page.parent / src).is_file(), (page.name, src)
            frames += 1
    assert frames >= 1


def test_no_page_names_a_remote_script_style_or_font(built_site: Path) -> None:
    remote = re.compile(r'<(?:script|link|img|iframe)\b[^>]*\b(?:src|href)="(?:https?:)?//', re.I)
    for page in built_site.rglob("*.html"):
        assert not remote.findall(page.read_text(encoding="utf-8")), page


def test_math_is_mathml_not_tex(built_site: Path) -> None:
    page = (built_site / "tutorials" / "chain-rule.html").read_text(encoding="utf-8")
    assert page.count("<math") >= 5
    assert "arithmatex" not in page and "\\frac" not in page


@pytest.fixture(scope="module")
def browser() -> Any:
    sync_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright")
    if not os.access(CHROMIUM, os.X_OK):
        pytest.skip(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


@pytest.mark.browser
def test_a_reader_follows_the_tutorials_and_steps_a_page(built_site: Path, browser: Any) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    requests: list[str] = []
    errors: list[str] = []
    context.on("request", lambda request: requests.append(request.url))
    page = context.new_page()
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto((built_site / "index.html").as_uri())
    page.get_by_role("link", name="Tutorials", exact=True).first.click()
    assert page.url.endswith("tutorials/index.html")
    titles = []
    for number in range(1, len(ORDER) + 1):
        page.goto((built_site / "tutorials" / "index.html").as_uri())
        page.locator("article ol > li").nth(number - 1).locator("a").first.click()
        assert page.url.endswith(f"tutorials/{ORDER[number - 1]}.html")
        titles.append(page.locator("article h1").inner_text())
    assert [t.split(".")[0] for t in titles] == [str(n) for n in range(1, len(ORDER) + 1)]

    page.locator("input.md-search__input").click()  # the search works from file:// too
    page.keyboard.type("gradcheck")
    page.wait_for_function(
        "document.querySelector('.md-search-result__meta')?.textContent.includes('matching')"
    )
    assert "matching" in page.locator(".md-search-result__meta").inner_text()

    page.goto((built_site / "tutorials" / "chain-rule.html").as_uri())
    frame = page.frame_locator("iframe.live").first
    counter = frame.locator("#counter")
    start = counter.inner_text()
    assert start.startswith("0 / ")
    frame.locator("#next").click()
    frame.locator("#next").click()
    assert counter.inner_text().startswith("2 / ")
    context.close()
    assert errors == []
    assert [url for url in requests if not url.startswith(("file://", "data:", "about:"))] == []
