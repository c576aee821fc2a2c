"""What every demo shares: its command line, its output folder, its check and its pictures.

Each demo is a lesson with a ``main(argv) -> int``. It prints what it shows, checks its own claim with
:func:`check` (a claim that does not hold stops the demo with exit status 1 and says which claim),
and writes pictures under ``--out`` (default ``demos/out/<demo>/``). ``--quick`` runs a smaller
version of the same lesson; the tests use it.

Pictures are optional extras: plots need matplotlib (``pip install matplotlib``), graph drawings
need Graphviz (see :mod:`autograd.viz`). Without them a demo still computes, prints and checks
everything, and says which pictures it skipped.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from autograd import Value

DEMOS = Path(__file__).resolve().parent


def parse_args(
    demo: str,
    description: str | None,
    argv: Sequence[str] | None,
    add_arguments: Callable[[argparse.ArgumentParser], None] | None = None,
) -> argparse.Namespace:
    """The demo's options: ``--quick``, ``--out`` (created here) and any ``add_arguments`` adds."""
    summary = description.strip().splitlines()[0] if description else None
    parser = argparse.ArgumentParser(prog=f"python demos/{demo}.py", description=summary)
    parser.add_argument("--quick", action="store_true", help="a smaller, faster run (the tests use it)")
    parser.add_argument(
        "--out",
        type=Path,
        default=DEMOS / "out" / demo,
        help=f"folder for the pictures (default: demos/out/{demo}/)",
    )
    if add_arguments is not None:
        add_arguments(parser)
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    return args


def heading(text: str) -> None:
    print(f"\n== {text}")


def check(claim: str, holds: bool) -> None:
    """State ``claim``; if it does not hold, stop the demo (``SystemExit``: exit status 1)."""
    if not holds:
        raise SystemExit(f"CHECK FAILED: {claim}")
    print(f"check passed: {claim}")


def close(a: float, b: float, rel: float = 1e-12, abs_: float = 0.0) -> bool:
    return math.isclose(a, b, rel_tol=rel, abs_tol=abs_)


def pyplot() -> Any | None:
    """``matplotlib.pyplot`` drawing to files only, or ``None`` (with a note) without matplotlib."""
    try:
        import matplotlib
    except ImportError:
        print("pictures skipped: matplotlib is not installed (pip install matplotlib)")
        return None
    matplotlib.use("Agg")  # files only: no window, no display needed
    import matplotlib.pyplot as plt

    return plt


def finish(figure: Any, *axes: Any) -> Any:
    """The finishing touches every log-scale plot here shares: a light grid, a small legend."""
    for ax in axes:
        ax.grid(alpha=0.3, which="both")
        ax.legend(fontsize=8)
    figure.tight_layout()
    return figure


def save(figure: Any, path: Path, dpi: int = 90) -> Path:
    """Write a matplotlib figure and close it."""
    import matplotlib.pyplot as plt

    figure.savefig(path, dpi=dpi, bbox_inches="tight")

    plt.close(figure)
    print(f"wrote {path}")
    return path


def draw_graph(root: Value, out: Path, stem: str) -> list[Path]:
    """The graph below ``root`` as an SVG drawing (``{stem}.svg``) and a page that steps through its
    backward pass (``{stem}_stepthrough.html``), through :mod:`autograd.viz`. Both use Graphviz when
    it is installed and the built-in layout otherwise."""
    from autograd.viz import write_html, write_svg

    written = [write_svg(root, out / f"{stem}.svg"), write_html(root, out / f"{stem}_stepthrough.html")]
    for path in written:
        print(f"wrote {path}")
    return written
