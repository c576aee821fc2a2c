"""autograd.viz.page: the shell of every page (CSP, escaping, UTF-8) and its notebook iframe."""

from __future__ import annotations

import html
import re
from pathlib import Path

from autograd.viz.page import CSP, Page, escape, notebook_iframe, page_html, player_controls

HOSTILE = "</script><script>alert(1)</script>\"'&\udcff"


def test_the_csp_is_the_first_thing_in_head() -> None:
    page = page_html("t", "<main></main>")
    head = page[page.index("<head>") : page.index("</head>")]
    assert head.index("Content-Security-Policy") < head.index("<title>") < head.index("<style>")
    assert f'content="{CSP}"' in head and "default-src 'none'" in CSP
    assert "connect-src" not in CSP and "'self'" not in CSP  # nothing but inline style and script


def test_user_text_is_escaped_and_utf8() -> None:
    page = page_html(HOSTILE, f"<p>{escape(HOSTILE)}</p>", data={"label": HOSTILE})
    assert page.count("<script") == 2 and "<script>alert" not in page
    assert page.encode("utf-8")  # the lone surrogate is written as \udcff
    data = re.search(r'id="chainrule-data">(.*?)</script>', page, re.S)
    assert data is not None and "<" not in data.group(1)
    assert escape("a\udcffb") == "a\\udcffb" and escape("<&>") == "&lt;&amp;&gt;"


def test_player_controls_are_labelled() -> None:
    controls = player_controls()
    for control in ("reset", "prev", "play", "next", "slider", "counter", "speed"):
        assert f'id="{control}"' in controls
    assert 'aria-label="Step"' in controls and "<label>Speed" in controls


def test_notebook_iframe_holds_the_whole_page_sandboxed() -> None:
    page = page_html(HOSTILE, "<main>x</main>", script="var a = 1 < 2 && 3 > 2;")
    frame = notebook_iframe(page, HOSTILE, height=500)
    match = re.fullmatch(
        r'<iframe srcdoc="([^"]*)" sandbox="allow-scripts" title="([^"]*)"[^>]*></iframe>', frame
    )
    assert match is not None, frame[:200]
    assert "allow-same-origin" not in frame and 'height="500"' in frame
    assert html.unescape(match.group(1)) == page  # the page, byte for byte, as an attribute
    assert "<" not in match.group(1) and "<" not in match.group(2)


def test_page_saves_and_displays(tmp_path: Path) -> None:
    page = Page(page_html("T", "<main>x</main>"), "T")
    path = page.save(tmp_path / "p.html")
    assert path.read_text(encoding="utf-8") == page.html
    assert page._repr_html_().startswith("<iframe srcdoc=") and "save(path)" in repr(page)
