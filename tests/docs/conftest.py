"""The documentation site's tests: ``demos/docs/`` is a folder of scripts, put on ``sys.path`` here.

``built_site`` builds the site once per session (strict, as CI does, but running only the first
tutorial's code), or reuses the full site named by ``CHAINRULE_DOCS_SITE`` (``.ci/run`` builds it
just before the tests and passes it on); without the ``docs`` extra it skips with the reason.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "demos" / "docs"
PAGES = DOCS / "pages"
if str(DOCS) not in sys.path:
    sys.path.insert(0, str(DOCS))

QUICK_PAGES = "tutorials/chain-rule.md"
DOCS_PACKAGES = ("mkdocs", "material", "mkdocstrings_handlers.python", "latex2mathml")


def missing_docs_packages() -> list[str]:
    """The packages of the ``docs`` extra that are not installed."""
    missing = []
    for name in DOCS_PACKAGES:
        try:
            found = importlib.util.find_spec(name) is not None
        except ModuleNotFoundError:
            found = False
        if not found:
            missing.append(name)
    return missing


@pytest.fixture(scope="session")
def built_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A built site: ``$CHAINRULE_DOCS_SITE`` if set (CI: the full site), else a quick strict build
    into a temporary folder, in which only the first tutorial's code runs (``test_tutorials`` runs
    every page's code; the other pages are stubs with their titles, so every link still resolves)."""
    given = os.environ.get("CHAINRULE_DOCS_SITE")
    if given:
        site = Path(given)
        assert (site / "index.html").is_file(), f"CHAINRULE_DOCS_SITE={given} holds no built site"
        return site
    missing = missing_docs_packages()
    if missing:
        pytest.skip(
            f"the docs extra is not installed (pip install -e '.[docs]'): missing {', '.join(missing)}"
        )
    import build  # demos/docs/build.py

    site = tmp_path_factory.mktemp("docs") / "site"
    os.environ["CHAINRULE_DOCS_ONLY"] = QUICK_PAGES
    try:
        build.build(site)
    finally:
        del os.environ["CHAINRULE_DOCS_ONLY"]
    return site
