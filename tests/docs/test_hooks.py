"""The build's hooks on their own: math to MathML, the iframe check, the quick build's stubs."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

pytest.importorskip("mkdocs", reason="the docs extra is not installed (pip install -e '.[docs]')")
pytest.importorskip("latex2mathml", reason="the docs extra is not installed (pip install -e '.[docs]')")

import hooks
from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File, Files


def test_latex_becomes_mathml_with_no_tex_left() -> None:
    page = (
        '<p>slope <span class="arithmatex">\\(\\partial f/\\partial x\\)</span></p>'
        '<div class="arithmatex">\\[\\frac{a}{b} &lt; \\sigma\'(z)\\]</div>'
    )
    html = hooks.on_page_content(page, None, None, Files([]))
    assert html.count("<math") == 2 and 'display="block"' in html and "<mfrac>" in html
    assert "arithmatex" not in html and "\\frac" not in html and "\\partial" not in html
    assert '<mo lspace="0" rspace="0">/</mo>' in html  # ∂f/∂x without spaces around the slash
    assert "<mi>&#x02202;</mi>" in html and "<mo>&#x02202;</mo>" not in html
    assert "&#x0003C;" in html  # the escaped < of the source is the math's <
    assert "<msup><mi>&#x003C3;</mi><mi>&#x02032;</mi>" not in html  # σ′ as σ then ′


def test_a_formula_latex2mathml_cannot_read_fails_the_build() -> None:
    with pytest.raises(PluginError, match="cannot render the formula"):
        hooks._mathml("\\frac{a}{", "inline")


def _page(src_uri: str) -> SimpleNamespace:
    return SimpleNamespace(file=SimpleNamespace(src_uri=src_uri))


def test_an_iframe_must_name_a_file_of_the_site(tmp_path: Path) -> None:
    written = tmp_path / "steps.html"
    written.write_text("<p>page</p>", encoding="utf-8")
    site = Files(
        [
            File.generated(
                SimpleNamespace(
                    site_dir=str(tmp_path / "site"),
                    use_directory_urls=False,
                    plugins=SimpleNamespace(_current_plugin="hooks"),
                ),
                "tutorials/x/steps.html",
                abs_src_path=str(written),
            )
        ]
    )
    good = '<iframe class="live" src="x/steps.html"></iframe>'
    assert hooks.on_page_markdown(good, _page("tutorials/x.md"), None, site) == good
    with pytest.raises(PluginError, match="no such file in the site"):
        hooks.on_page_markdown('<iframe src="x/missing.html"></iframe>', _page("tutorials/x.md"), None, site)


def test_a_page_left_out_of_a_quick_build_keeps_its_title() -> None:
    stub = hooks._stub("Intro line\n# 7. Testing gradients\n\n```python\n1 / 0\n```\n")
    assert stub.startswith("# 7. Testing gradients\n") and "```" not in stub
