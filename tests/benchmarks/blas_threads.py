"""Imported before NumPy loads: its BLAS on one thread, like PyTorch after ``set_num_threads(1)``.

OpenBLAS reads these variables when it loads. On this project's shared 2-core machine its worker
threads spin while they wait, and ``time.process_time`` bills the spinning: under load a digits-sized
matrix product measured 100x slower with the default threads than with one.
"""

import os
import sys

#: False when NumPy was loaded first, so its threads are whatever it found (and nothing is changed)
LIMITED = "numpy" not in sys.modules
if LIMITED:
    for variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(variable, "1")


def described() -> str:
    """``BLAS threads 1`` (or what it is left at), for the benchmarks' headers."""
    threads = os.environ["OPENBLAS_NUM_THREADS"] if LIMITED else "as NumPy found them (loaded first)"
    return f"BLAS threads {threads}"
