"""Timing helpers shared by the benchmark scripts: the best wall time of a call and the machine.

It imports NumPy: a script sets its BLAS thread variables first, then imports this module.
"""

from __future__ import annotations

import os
import platform
import time

import numpy as np
import scipy


def best_time(func, *, repeat: int = 3, min_time: float = 0.2) -> float:
    """Best wall time of ``func()`` over ``repeat`` runs (each looped to at least ``min_time``).

    One warm-up call comes first (numba compilation, caches). With ``min_time = 0`` every run is
    a single call.
    """
    func()
    best = np.inf
    for _ in range(repeat):
        n, start = 0, time.perf_counter()
        while True:
            func()
            n += 1
            elapsed = time.perf_counter() - start
            if elapsed >= min_time:
                break
        best = min(best, elapsed / n)
    return best


def machine() -> str:
    """CPU model, core count, Python/NumPy/SciPy versions and the BLAS thread setting."""
    cpu = platform.processor() or "unknown CPU"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    threads = os.environ.get("OPENBLAS_NUM_THREADS")
    return (
        f"{cpu}, {os.cpu_count()} cores; Python {platform.python_version()}, "
        f"NumPy {np.__version__}, SciPy {scipy.__version__}; BLAS threads: {threads}"
    )
