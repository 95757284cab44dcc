"""Large hopping models declared by arrays: :class:`SiteNetwork`, without a Python object per site.

A :class:`SiteNetwork` is one periodic cell (typically a supercell of a :class:`HoppingModel`,
see :mod:`superionic.models.disorder`) whose sites and directed hops are NumPy arrays. It compiles
to the same :class:`~superionic.lattice.table.HopTable` as a :class:`HoppingModel` and is accepted
by the transport functions (drift, diffusion, mobility, conductivity), which pick sparse linear
algebra for it when it is large. Declaring 10^6 sites costs a few arrays, not 10^6 objects.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from .._validate import finite_array, finite_float, positive_temperature
from ..errors import DisconnectedNetworkError, DomainWarning, ModelError
from ..units import KB_EV
from .graph import loop_lattices
from .hops import field_factor
from .model import HoppingModel, _hop_keys, _key_packing
from .table import HopTable


def _readonly(arr: np.ndarray) -> np.ndarray:
    arr = np.ascontiguousarray(arr)
    arr.setflags(write=False)
    return arr


@dataclass(frozen=True, eq=False)
class SiteNetwork:
    """A periodic cell of many sites and directed hops, declared by arrays (read-only).

    Parameters
    ----------
    vectors : array_like, shape (dim, dim)
        Cell vectors as rows, Å.
    positions : array_like, shape (n_sites, dim)
        Cartesian site positions, Å.
    energies : array_like, shape (n_sites,)
        Site energies, eV.
    source, target : array_like of int, shape (n_hops,)
        Directed hops ``source -> target``; every direction is listed (bonds twice).
    cell : array_like of int, shape (n_hops, dim)
        Cell offset of each hop's target.
    saddle : array_like, shape (n_hops,)
        Saddle energy (eV) of hops declared by energies, NaN for explicit-probability hops; the
        probability is ``exp(-(S - E_source) / kB T) / degeneracy`` (Eq. 3).
    probability : array_like, shape (n_hops,), optional
        Per-step probability of explicit hops (NaN for saddle hops). Default: all NaN.
    degeneracy : array_like, shape (n_hops,), optional
        Default all ones.
    tau : float
        Time step in s.
    filling : float
        Mobile ions per cell (the whole network), > 0.
    site_index : array_like of int, shape (n_sites,), optional
        Index of each site in the structure it was cut from (e.g. the full supercell before
        blocked sites and non-spanning clusters were removed). Default ``arange(n_sites)``.
    """

    vectors: np.ndarray
    positions: np.ndarray
    energies: np.ndarray
    source: np.ndarray
    target: np.ndarray
    cell: np.ndarray
    saddle: np.ndarray
    probability: np.ndarray = field(default=None)
    degeneracy: np.ndarray = field(default=None)
    tau: float = 1.0
    filling: float = 1.0
    site_index: np.ndarray = field(default=None)
    charge: float = 1.0

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        charge = finite_float("SiteNetwork.charge (e)", self.charge)
        if charge == 0.0:
            raise ModelError("SiteNetwork.charge (e) must be nonzero, got 0.0")
        set_(self, "charge", charge)
        vec = np.atleast_2d(finite_array("SiteNetwork.vectors", self.vectors))
        if vec.ndim != 2 or vec.shape[0] != vec.shape[1] or not 1 <= vec.shape[0] <= 3:
            raise ModelError(
                f"SiteNetwork.vectors must be a square (dim, dim) array, got shape {vec.shape}"
            )
        if not abs(np.linalg.det(vec)) > 1e-12:
            raise ModelError("SiteNetwork.vectors are degenerate (zero cell volume)")
        dim = vec.shape[0]
        pos = finite_array("SiteNetwork.positions", self.positions).reshape(-1, dim)
        n = pos.shape[0]
        if n == 0:
            raise ModelError("SiteNetwork.positions must hold at least one site, got none")
        energies = finite_array("SiteNetwork.energies", self.energies).reshape(-1)
        if energies.size != n:
            raise ModelError(
                f"SiteNetwork.energies must have one entry per site ({n}), got {energies.size}"
            )
        src = np.asarray(self.source, dtype=np.int64).reshape(-1)
        tgt = np.asarray(self.target, dtype=np.int64).reshape(-1)
        m = src.size
        if m == 0:
            raise ModelError("SiteNetwork needs at least one hop, got none")
        if tgt.size != m:
            raise ModelError(f"SiteNetwork.target must have {m} entries, got {tgt.size}")
        for name, arr in (("source", src), ("target", tgt)):
            if arr.min() < 0 or arr.max() >= n:
                raise ModelError(
                    f"SiteNetwork.{name} must hold site indices in [0, {n - 1}], got values in "
                    f"[{arr.min()}, {arr.max()}]"
                )
        cell = np.asarray(self.cell, dtype=np.int64).reshape(m, dim)
        saddle = np.asarray(self.saddle, dtype=float).reshape(-1)
        prob = (
            np.full(m, np.nan)
            if self.probability is None
            else np.asarray(self.probability, dtype=float).reshape(-1)
        )
        degen = (
            np.ones(m)
            if self.degeneracy is None
            else np.asarray(self.degeneracy, dtype=float).reshape(-1)
        )
        for name, arr in (("saddle", saddle), ("probability", prob), ("degeneracy", degen)):
            if arr.size != m:
                raise ModelError(f"SiteNetwork.{name} must have {m} entries, got {arr.size}")
        is_bond = ~np.isnan(saddle)
        if np.any(is_bond == ~np.isnan(prob)):
            raise ModelError(
                "each hop of a SiteNetwork needs exactly one of saddle (eV) or probability "
                "(the other NaN)"
            )
        if np.any(np.isinf(saddle)) or np.any(np.isinf(prob)):
            raise ModelError("SiteNetwork.saddle and .probability must be finite (or NaN)")
        if np.any((prob < 0) | (prob > 1)):
            raise ModelError("SiteNetwork.probability must lie in [0, 1]")
        if not np.all(np.isfinite(degen)) or np.any(degen <= 0):
            raise ModelError("SiteNetwork.degeneracy must be finite and > 0")
        disp = pos[tgt] + cell @ vec - pos[src]
        if np.any(np.einsum("ij,ij->i", disp, disp) < 1e-18):
            raise ModelError("SiteNetwork has a hop of zero length")
        low, span = _key_packing(cell, n)
        key = _hop_keys(src, tgt, cell, n, low, span)
        sorter = np.argsort(key, kind="stable")
        sorted_keys = key[sorter]
        if np.any(sorted_keys[1:] == sorted_keys[:-1]):
            raise ModelError("SiteNetwork has a duplicate hop (same source, target and cell)")
        rkey = _hop_keys(tgt, src, -cell, n, low, span)
        pos_r = np.minimum(np.searchsorted(sorted_keys, rkey), m - 1)
        reverse = np.where(sorted_keys[pos_r] == rkey, sorter[pos_r], -1)
        if np.any(is_bond & ((reverse < 0) | ~is_bond[np.maximum(reverse, 0)])):
            raise ModelError("every saddle hop of a SiteNetwork needs its reverse saddle hop")
        if np.any(is_bond & (saddle != saddle[np.maximum(reverse, 0)])):
            raise ModelError("a saddle hop and its reverse must share the saddle energy")
        tau = finite_float("SiteNetwork.tau (s)", self.tau, minimum=0.0, strict_min=True)
        filling = finite_float(
            "SiteNetwork.filling (ions per cell)", self.filling, minimum=0.0, strict_min=True
        )
        index = (
            np.arange(n)
            if self.site_index is None
            else np.asarray(self.site_index, dtype=np.int64).reshape(-1)
        )
        if index.size != n:
            raise ModelError(f"SiteNetwork.site_index must have {n} entries, got {index.size}")
        for name, arr in (
            ("vectors", vec),
            ("positions", pos),
            ("energies", energies),
            ("source", src),
            ("target", tgt),
            ("cell", cell),
            ("saddle", saddle),
            ("probability", prob),
            ("degeneracy", degen),
            ("site_index", index),
        ):
            set_(self, name, _readonly(arr))
        set_(self, "tau", tau)
        set_(self, "filling", filling)
        set_(self, "_displacement", _readonly(disp))
        set_(self, "_reverse", _readonly(reverse.astype(np.int64)))
        set_(self, "_is_bond", _readonly(is_bond))

    # ------------------------------------------------------------------ constructors
    @classmethod
    def from_model(cls, model: HoppingModel) -> SiteNetwork:
        """The network of one cell of a :class:`HoppingModel` (same hops, same results)."""
        hp = model.hop_parameters
        return cls(
            vectors=model.lattice.matrix,
            positions=model.lattice.positions,
            energies=model.lattice.site_energies,
            source=hp.source,
            target=hp.target,
            cell=hp.cell,
            saddle=hp.saddle,
            probability=hp.probability,
            degeneracy=hp.degeneracy,
            tau=model.tau,
            filling=model.filling,
            charge=model.charge,
        )

    # ------------------------------------------------------------------ properties
    @property
    def dim(self) -> int:
        return int(self.vectors.shape[0])

    @property
    def n_sites(self) -> int:
        return int(self.positions.shape[0])

    @property
    def n_hops(self) -> int:
        return int(self.source.size)

    @property
    def cell_volume(self) -> float:
        """Cell length (1D, Å), area (2D, Å^2) or volume (3D, Å^3)."""
        return abs(float(np.linalg.det(self.vectors)))

    @property
    def displacement(self) -> np.ndarray:
        """Cartesian hop vectors ``r_target + R - r_source``, Å, shape (n_hops, dim)."""
        return self._displacement

    @property
    def reverse(self) -> np.ndarray:
        """Index of each hop's reverse hop, -1 where none is declared."""
        return self._reverse

    @property
    def requires_temperature(self) -> bool:
        """True when any hop is declared by a saddle energy."""
        return bool(np.any(self._is_bond))

    # ------------------------------------------------------------------ compilation
    def base_probability(self, temperature=None) -> np.ndarray:
        """Zero-field per-step probability of every hop, shape (n_hops,) (Eq. 3)."""
        if self.requires_temperature:
            if temperature is None:
                raise ModelError(
                    "temperature (K) is required: this network declares hops by saddle energies"
                )
            temp = float(positive_temperature(temperature))
            barrier = self.saddle - self.energies[self.source]
            with np.errstate(over="ignore", invalid="ignore"):
                bond_p = np.exp(-barrier / (KB_EV * temp))
            p = np.where(self._is_bond, bond_p, self.probability) / self.degeneracy
        else:
            if temperature is not None:
                positive_temperature(temperature)
            p = self.probability / self.degeneracy
        if np.any(p > 1.0):
            h = int(np.argmax(p))
            raise ModelError(
                f"the probability of hop {h} (site {self.source[h]} -> {self.target[h]}) reaches "
                f"{float(p[h]):.6g} > 1: its saddle lies below the origin site energy"
            )
        return p

    def hop_table(
        self, *, temperature=None, field=None, coupling: str = "symmetric", domain: str = "raise"
    ) -> HopTable:
        """Compile the hops at one temperature and (batch of) reduced field(s) (as
        :meth:`HoppingModel.hop_table`)."""
        if temperature is not None and np.ndim(temperature) != 0:
            raise ModelError(
                f"temperature must be a scalar here, got shape {np.shape(temperature)}"
            )
        if domain not in ("raise", "warn", "ignore"):
            raise ModelError(f"domain must be 'raise', 'warn' or 'ignore', got {domain!r}")
        p = self.base_probability(temperature)
        if field is not None:
            f = finite_array("field", field)
            if f.ndim == 0:
                f = f[None]
            if f.shape[-1] != self.dim:
                raise ModelError(
                    f"field must have {self.dim} component(s) (last axis), got shape {f.shape}"
                )
            p = p * field_factor(self._displacement, f, coupling)
        table = HopTable(
            n_sites=self.n_sites,
            source=self.source,
            target=self.target,
            cell=self.cell,
            displacement=self._displacement,
            probability=p,
            reverse=self._reverse,
        )
        if domain != "ignore":
            out = table.out_probability()
            if np.any(out > 1.0 + 1e-12):
                worst = float(np.max(out))
                message = (
                    f"out-probabilities of a site sum to {worst:.6g} > 1: the step tau is too "
                    "long for these rates (the diagonal of P would be negative)"
                )
                if domain == "warn":
                    warnings.warn(message, DomainWarning, stacklevel=2)
                else:
                    raise ModelError(message)
        return table

    # ------------------------------------------------------------------ connectivity
    def clusters(self) -> tuple[np.ndarray, list[np.ndarray]]:
        """Cluster label of every site and an integer basis of each cluster's loop offsets."""
        return self._clusters

    @cached_property
    def _clusters(self):
        return loop_lattices(self.n_sites, self.source, self.target, self.cell)

    def spanned_dimensions(self) -> int:
        """Lattice directions spanned when the network is one cluster (0 when it is not)."""
        _, bases = self.clusters()
        if len(bases) > 1:
            return 0
        return int(bases[0].shape[0])

    def check_connected(self, *, spanning: bool = True) -> None:
        """Raise DisconnectedNetworkError unless the network is one cluster spanning every
        direction (a cluster that wraps the cell more than once still conducts and passes).

        With ``spanning=False`` only the first condition is checked (one cluster), as
        :meth:`superionic.lattice.HoppingModel.check_connected` does.
        """
        _, bases = self.clusters()
        if len(bases) > 1:
            raise DisconnectedNetworkError(
                f"the hop network splits into {len(bases)} clusters that never exchange ions",
                0,
            )
        if not spanning:
            return
        rank = int(bases[0].shape[0])
        if rank < self.dim:
            raise DisconnectedNetworkError(
                f"the hop network spans only {rank} of {self.dim} lattice direction(s): no "
                "long-range transport along the others",
                rank,
            )

    def subnetwork(self, keep, *, filling: float | None = None) -> SiteNetwork:
        """The network restricted to the sites where ``keep`` is True (hops between them only).

        ``filling`` defaults to this network's filling times the fraction of sites kept.
        """
        keep = np.asarray(keep, dtype=bool).reshape(-1)
        if keep.size != self.n_sites:
            raise ModelError(f"keep must have {self.n_sites} entries, got {keep.size}")
        if not np.any(keep):
            raise ModelError("keep selects no site")
        new_index = np.cumsum(keep) - 1
        live = keep[self.source] & keep[self.target]
        if not np.any(live):
            raise DisconnectedNetworkError("the kept sites have no hop between them", 0)
        return SiteNetwork(
            vectors=self.vectors,
            positions=self.positions[keep],
            energies=self.energies[keep],
            source=new_index[self.source[live]],
            target=new_index[self.target[live]],
            cell=self.cell[live],
            saddle=self.saddle[live],
            probability=self.probability[live],
            degeneracy=self.degeneracy[live],
            tau=self.tau,
            filling=self.filling * keep.sum() / self.n_sites if filling is None else filling,
            site_index=self.site_index[keep],
            charge=self.charge,
        )

    def spanning_cluster(self) -> SiteNetwork:
        """The largest cluster that spans every lattice direction, as a network.

        Raises
        ------
        DisconnectedNetworkError
            When no cluster spans (below the percolation threshold); ``spanned`` is the largest
            number of directions any cluster spans.
        """
        labels, bases = self.clusters()
        ranks = np.array([b.shape[0] for b in bases])
        sizes = np.bincount(labels, minlength=len(bases))
        spanning = np.nonzero(ranks == self.dim)[0]
        if spanning.size == 0:
            raise DisconnectedNetworkError(
                f"no cluster of sites spans the cell: the largest of {len(bases)} clusters has "
                f"{int(sizes.max())} of {self.n_sites} sites and the best spans "
                f"{int(ranks.max())} of {self.dim} direction(s) (below the percolation "
                "threshold there is no long-range transport)",
                int(ranks.max()),
            )
        best = spanning[np.argmax(sizes[spanning])]
        if len(bases) == 1:
            return self
        return self.subnetwork(labels == best)
