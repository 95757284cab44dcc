"""The discrete-time engine: state arrays of one replica and the calls into the kernels."""

from __future__ import annotations

import numpy as np

from ..errors import ModelError
from . import kernels as K
from .supercell import Rules, Supercell

UPDATES = {"sequential": K.UPDATE_SEQUENTIAL, "parallel": K.UPDATE_PARALLEL}
CONCERTED_MODES = {"previous": K.CONCERTED_PREVIOUS, "same": K.CONCERTED_SAME}


def n_accumulators(dim: int) -> int:
    return K.N_ACC_BASE + dim


class DiscreteEngine:
    """One replica of the discrete-time Monte Carlo on a compiled supercell.

    Parameters
    ----------
    rules, cell : the compiled model and supercell
    n_ions : int
    sign : ndarray (n_basis,)
        Sublattice weights for the polarization.
    update : {"sequential", "parallel"}
    concerted : {"previous", "same"}
    """

    def __init__(self, rules: Rules, cell: Supercell, n_ions: int, sign, *,
                 update: str = "sequential", concerted: str = "previous") -> None:
        if update not in UPDATES:
            raise ModelError(f"update must be one of {sorted(UPDATES)}, got {update!r}")
        if concerted not in CONCERTED_MODES:
            raise ModelError(
                f"concerted must be one of {sorted(CONCERTED_MODES)}, got {concerted!r}"
            )
        if update == "parallel" and concerted == "same":
            raise ModelError(
                "concerted='same' needs update='sequential': in a parallel step every target must "
                "be empty at the start of the step, so no site can be vacated and refilled in it"
            )
        if cell.n_basis > 255:
            raise ModelError(f"at most 255 basis sites are supported, got {cell.n_basis}")
        self.rules = rules
        self.cell = cell
        self.dim = rules.dim
        self.update = update
        self.concerted_mode = concerted
        self.n_ions = int(n_ions)
        self.sign = np.ascontiguousarray(sign, dtype=np.float64)
        n_sites = cell.n_sites
        self.code = cell.codes()
        self.occ = np.zeros(n_sites, dtype=np.uint8)
        self.vac = np.zeros(n_sites if rules.concerted else 1, dtype=np.uint8)
        self.ion_site = np.zeros(self.n_ions, dtype=np.int32)
        self.ion_ucell = np.zeros((self.n_ions, self.dim), dtype=np.int16)
        self.ion_ref = np.zeros(self.n_ions, dtype=np.uint8)
        self.pending = np.zeros(self.n_ions if update == "parallel" else 1, dtype=np.uint8)
        self.scratch = np.zeros(max(cell.hop_slots, 1))
        # offsets as unsigned views: s + offset wraps modulo 2**64 to the right site
        self._slot_target = cell.slot_target.view(np.uint64)
        self._slot_block = cell.slot_block.view(np.uint64)
        self.counters = np.zeros(1, dtype=np.int64)
        self.acc = np.zeros(n_accumulators(self.dim))
        self.max_cell = int(np.max(np.abs(rules.cell))) if rules.cell.size else 1

    # ------------------------------------------------------------------ state
    @property
    def bytes_per_site(self) -> float:
        arrays = (self.occ, self.code, self.vac, self.ion_site, self.ion_ucell, self.ion_ref,
                  self.pending)
        return sum(a.nbytes for a in arrays) / self.cell.n_sites

    def place_random(self, rng: np.ndarray) -> None:
        self.occ[:] = 0
        K.place_ions(self.occ, self.ion_site, rng)

    def place_sites(self, sites) -> None:
        sites = np.asarray(sites, dtype=np.int64)
        if sites.shape != (self.n_ions,) or np.unique(sites).size != sites.size:
            raise ModelError("initial sites must be distinct, one per ion")
        if sites.min() < 0 or sites.max() >= self.cell.n_sites:
            raise ModelError("initial sites out of range")
        self.occ[:] = 0
        self.occ[sites] = 1
        self.ion_site[:] = sites

    def state(self) -> dict:
        """Arrays that define the replica's state (for checkpoints)."""
        return {
            "occ": self.occ, "vac": self.vac, "ion_site": self.ion_site,
            "ion_ucell": self.ion_ucell, "ion_ref": self.ion_ref, "counters": self.counters,
        }

    def load_state(self, state: dict) -> None:
        for key, arr in self.state().items():
            arr[...] = state[key]

    # ------------------------------------------------------------------ dynamics
    def run(self, nsteps: int, rng: np.ndarray) -> None:
        c, r = self.cell, self.rules
        K.run_steps(
            int(nsteps), UPDATES[self.update], CONCERTED_MODES[self.concerted_mode],
            bool(r.concerted),
            self.occ, self.code, self.vac, self.ion_site, self.ion_ucell, c.code_basis,
            c.hop_slots, c.block_slots, c.slot_cum, self._slot_target, c.slot_hop,
            self._slot_block, c.slot_nblock, c.slot_threshold, r.probability,
            r.repulsion_factor, float(r.boost), r.partner, r.cell, r.displacement,
            r.source_basis, r.target_basis, self.sign, self.pending, self.scratch,
            rng, self.counters, self.acc,
        )

    def reset_tracer(self) -> None:
        K.reset_tracer(self.ion_site, self.ion_ucell, self.ion_ref, self.code, self.cell.code_basis)

    def tracer_moments(self) -> tuple[np.ndarray, np.ndarray]:
        first = np.zeros(self.dim)
        second = np.zeros((self.dim, self.dim))
        K.tracer_moments(
            self.ion_site, self.ion_ucell, self.ion_ref, self.code, self.cell.code_basis,
            self.cell.matrix, self.cell.basis_positions, first, second,
        )
        return first, second

    def max_block_steps(self) -> int:
        """Longest tracer block that cannot overflow the int16 unwrapped cells."""
        return 32000 // max(self.max_cell, 1)
