"""The scalar step-through page of one sample through ``MLP(2, [16, 16, 1])`` (about 680 values).

Run:  python tests/benchmarks/bench_viz.py [--repeats N]

Measures, medians of N runs in one process: the step data (every forward value and chain-rule
product, each rule written as math), the built-in layout alone, the whole page with the built-in
layout, the whole page with the system Graphviz (when installed), and, with Playwright and Chromium,
the time per step in the browser (every step one after the other, highlight, panel and scrolling).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import nn
from autograd import Value, topological_order
from autograd.viz import available_renderers, stepthrough
from autograd.viz.graph import Drawing
from autograd.viz.layout import simple_svg
from autograd.viz.steps import steps_of

CHROMIUM = "/usr/bin/chromium"


def sample_loss() -> Value:
    model = nn.MLP(2, [16, 16, 1], seed=0)
    return nn.losses.mse([model([0.5, -1.0])], [1.0])


def median_seconds(work: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def ms_per_step_in_chromium(html: str) -> float | None:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return None
    with tempfile.TemporaryDirectory() as folder, sync_playwright() as playwright:
        path = Path(folder) / "page.html"
        path.write_text(html, encoding="utf-8")
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1400, "height": 800})
        page.goto(path.as_uri())
        ms = page.evaluate("""() => { const t0 = performance.now();
            for (let k = 1; k <= chainrule.count; k++) chainrule.goTo(k, true);
            return (performance.now() - t0) / chainrule.count; }""")
        browser.close()
        return float(ms)


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)
    loss = sample_loss()
    drawing = Drawing.of(loss, show_ids=True)
    print(f"scalar page, one sample through MLP(2, [16, 16, 1]): {len(topological_order(loss))} values")
    timings = {
        "step data": lambda: steps_of(Drawing.of(loss, show_ids=True)),
        "built-in layout alone": lambda: simple_svg(drawing),
        "page, built-in layout": lambda: stepthrough(loss, renderer="builtin"),
    }
    if "dot" in available_renderers():
        timings["page, Graphviz dot"] = lambda: stepthrough(loss, renderer="dot")
    for name, work in timings.items():
        repeats = 1 if "Graphviz" in name else args.repeats
        print(f"  {name:24} {median_seconds(work, repeats) * 1000:8.0f} ms")
    page = stepthrough(loss, renderer="builtin")
    ms = ms_per_step_in_chromium(page.html)
    if ms is not None:
        size = f"{len(page.steps)} steps, {len(page.html):,} bytes"
        print(f"  {'per step in Chromium':24} {ms:8.2f} ms ({size})")


if __name__ == "__main__":
    main(sys.argv[1:])
