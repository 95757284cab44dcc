"""Time the segmented Arrhenius fit (and the inference) on synthetic mean-field data.

Prints a table: points per data set, fits per second, milliseconds per fit and per inference.
"""

from __future__ import annotations

import time

import numpy as np

import superionic.experiment as ex
from superionic.units import KB_EV


def main() -> None:
    rng = np.random.default_rng(0)
    print(f"{'points':>6} {'fits/s':>8} {'ms/fit':>8} {'ms/infer':>9}")
    for n in (8, 15, 30, 100):
        t = np.linspace(300, 830, n)
        tables = [ex.synthetic_table(t, lambda0=0.3, K0=2 * KB_EV * 520, relative_error=0.02,
                                     rng=rng) for _ in range(100)]
        start = time.perf_counter()
        fits = [ex.fit_arrhenius(tb.temperature, tb.values, errors=tb.errors) for tb in tables]
        per_fit = (time.perf_counter() - start) / len(tables)
        start = time.perf_counter()
        for f in fits[:20]:
            ex.infer_parameters(f)
        per_inf = (time.perf_counter() - start) / 20
        print(f"{n:>6} {1 / per_fit:>8.0f} {1e3 * per_fit:>8.2f} {1e3 * per_inf:>9.2f}")


if __name__ == "__main__":
    main()
