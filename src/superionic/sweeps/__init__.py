"""Parameter sweeps over any executor, with a resumable on-disk store.

:func:`sweep` runs the exact conductivity, the mean field or the many-body simulation over the
outer product of a grid of temperatures, fields, fillings and model parameters, inline, on local
processes or on a Dask cluster, writing each point to a store as it finishes;
:func:`load_sweep` reads a finished store back. The ``[sweep]`` table of a TOML spec
(:class:`SweepSpec`) describes the same sweep for ``superionic sweep``. See ``docs/sweeps.md``.
"""

from .api import load_sweep, sweep
from .grid import RUN_VARIABLES, Grid
from .spec import SweepSpec, read_sweep_spec, sweep_from_spec
from .store import Manifest, Store
from .tasks import TASKS, run_point

__all__ = [
    "RUN_VARIABLES",
    "TASKS",
    "Grid",
    "Manifest",
    "Store",
    "SweepSpec",
    "load_sweep",
    "read_sweep_spec",
    "run_point",
    "sweep",
    "sweep_from_spec",
]
