"""Build the documentation site: ``python demos/docs/build.py`` (needs ``pip install -e ".[docs]"``).

Runs every tutorial's code (the pages it writes are embedded in the tutorials), renders the API
reference from the docstrings and the math to MathML, and writes a site that works from
``file://`` with no network: open ``demos/docs/site/index.html``. Strict: a broken link, a missing
reference entry or a tutorial block that raises fails the build (exit status 1).

    python demos/docs/build.py                  # the site in demos/docs/site/
    python demos/docs/build.py --site /tmp/x    # somewhere else
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
CONFIG = HERE / "mkdocs.yml"
SITE = HERE / "site"


def build(site: Path = SITE) -> float:
    """Build the site into ``site`` (strict); returns the seconds it took."""
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1")  # MkDocs 2 / Zensical banner: not for our readers
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    command = [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(CONFIG), "-d", str(site)]
    started = time.perf_counter()
    subprocess.run(command, check=True, cwd=ROOT, env=env)
    return time.perf_counter() - started


def pages(site: Path) -> tuple[list[Path], list[Path]]:
    """The site's documentation pages and the embedded pages the tutorials' code wrote."""
    html = sorted(p for p in site.rglob("*.html") if p.relative_to(site).parts[0] not in ("assets", "search"))
    documentation = [p for p in html if (site / "sitemap.xml").exists() and p.name != "404.html"]
    embedded = [p for p in documentation if len(p.relative_to(site).parts) > 2]
    return [p for p in documentation if p not in embedded], embedded


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python demos/docs/build.py", description=__doc__.splitlines()[0])
    parser.add_argument("--site", type=Path, default=SITE, help="output folder (default: demos/docs/site/)")
    args = parser.parse_args(argv)
    try:
        seconds = build(args.site)
    except subprocess.CalledProcessError:  # MkDocs said why: a failing block, a broken link, ...
        print("docs build failed (see above)", file=sys.stderr)
        return 1
    documentation, embedded = pages(args.site)
    print(
        f"built {len(documentation)} pages and {len(embedded)} embedded pages in {seconds:.1f} s: "
        f"{(args.site / 'index.html').as_uri()}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
