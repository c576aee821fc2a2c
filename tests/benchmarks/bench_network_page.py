"""Neuron-level page benchmark: time to write the page, and time per step in Chromium.

Run:  python tests/benchmarks/bench_network_page.py [--repeats 7] [--sizes 2 16 16 1]

Writes ``network_stepthrough(MLP(...), x, target, mse)`` to a temporary file (median of ``repeats``
builds, the whole call: forward and backward pass, steps, every neuron's scalar page, layout, HTML),
then opens it in the system Chromium (/usr/bin/chromium, through Playwright) and times every step
forward and backward through the page's own ``chainrule.goTo`` (the work one click does), as the
median and the worst over all steps (each step's time the best of three rounds).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from nn import MLP
from nn.losses import mse
from nn.viz import network_stepthrough

ROUNDS = 3
# Every step forward then backward, ROUNDS times; per step the fastest round (the step's own work,
# without the machine's other load), forward and backward steps apart.
STEP_TIMES = """(rounds) => {
  const best = [];
  for (let round = 0; round < rounds; round++) {
    let i = 0;
    const time = (k) => {
      const start = performance.now(); chainrule.goTo(k, true); document.body.offsetHeight;
      const t = performance.now() - start;
      best[i] = round === 0 ? t : Math.min(best[i], t); i++;
    };
    for (let k = 1; k <= chainrule.count; k++) { time(k); }
    for (let k = chainrule.count - 1; k >= 0; k--) { time(k); }
  }
  return best;
}"""


def write_seconds(sizes: list[int], repeats: int, path: Path) -> tuple[float, float, int]:
    """Median wall-clock and CPU seconds to build and save the page, and its size in bytes (on a
    busy machine the CPU time is the steadier of the two)."""
    wall, cpu = [], []
    for _ in range(repeats):
        model = MLP(sizes[0], sizes[1:], seed=0)
        x = [0.5 - 0.75 * (k % 3) for k in range(sizes[0])]
        start, start_cpu = time.perf_counter(), time.process_time()
        network_stepthrough(model, x, 1.0, mse).save(path)
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return statistics.median(wall), statistics.median(cpu), path.stat().st_size


def step_milliseconds(path: Path) -> list[float]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page.goto(path.resolve().as_uri())
        times: list[float] = page.evaluate(STEP_TIMES, ROUNDS)
        browser.close()
    return times


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--sizes", type=int, nargs="+", default=[2, 16, 16, 1])
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "network.html"
        seconds, cpu, size = write_seconds(args.sizes, args.repeats, path)
        times = step_milliseconds(path)
    print(f"neuron page for MLP({args.sizes[0]}, {args.sizes[1:]}): {size / 1e3:.0f} kB")
    head = f"| written in, median of {args.repeats} (CPU) | step: median | worst | steps (best of {ROUNDS}) |"
    print(head)
    print("|---:|---:|---:|---:|")
    step, worst = statistics.median(times), max(times)
    print(f"| {seconds:.3f} s ({cpu:.3f} s) | {step:.2f} ms | {worst:.2f} ms | {len(times)} |")


if __name__ == "__main__":
    main()
