"""Many-body stochastic simulation of the lattice gas (hard exclusion, K0, M0, field).

:func:`simulate` runs the discrete-time Monte Carlo in the paper's step tau (or the rejection-free
kinetic Monte Carlo for memoryless models) on a periodic supercell of any model and returns an
:class:`xarray.Dataset` of observables with error bars; :func:`simulate_many` runs several
parameter points through one executor. See ``docs/simulation.md``.
"""

from .api import simulate, simulate_many, simulation_memory_bytes

__all__ = ["simulate", "simulate_many", "simulation_memory_bytes"]
