"""Exact many-body reference: the simulation's Markov chain on small supercells, solved exactly.

:func:`solve` enumerates every many-body state of a small periodic supercell (with the one-step
memory of concerted hopping where needed), builds the sparse transition matrix of one step tau of
the rules :func:`superionic.simulate` samples and returns exact stationary averages and transport
coefficients in a Dataset with the simulation's variable names. See ``docs/exact.md``.
"""

from .solver import (
    MAX_STATES,
    ManyBodyChain,
    StateSpaceTooLarge,
    count_configurations,
    markov_chain,
    solve,
)

__all__ = [
    "MAX_STATES",
    "ManyBodyChain",
    "StateSpaceTooLarge",
    "count_configurations",
    "markov_chain",
    "solve",
]
