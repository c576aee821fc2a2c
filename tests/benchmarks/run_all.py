"""Every benchmark in one run: the engine workloads, micrograd's moons training step, batch replay vs
PyTorch, the step-through page.

Run:  python tests/benchmarks/run_all.py [--quick]
(``pip install -e ".[bench]"`` for micrograd; PyTorch is used when installed.)
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import blas_threads  # noqa: F401  (first: NumPy's BLAS on one thread)

# isort: split
import bench_batch
import bench_compiled
import bench_engine
import bench_viz


def main(argv: list[str]) -> None:
    quick = "--quick" in argv
    bench_engine.main(["--repeats", "3", "--sizes", "1000", "10000"] if quick else [])
    print()
    bench_compiled.main(["--repeats", "3"] if quick else [])
    print()
    bench_batch.main(["--repeats", "3"] if quick else [])
    print()
    bench_viz.main(["--repeats", "3"] if quick else [])


if __name__ == "__main__":
    main(sys.argv[1:])
