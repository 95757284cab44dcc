"""Hopping models: a lattice, its hops, the step tau, and optional interactions (Secs. II-IV).

:class:`HoppingModel` is the declaration; :meth:`HoppingModel.hop_table` compiles it into flat
arrays (one row per directed hop), from which every engine works:

* ``source[h]``, ``target[h]``: site indices; ``cell[h]``: the target's cell offset;
* ``displacement[h]``: Cartesian hop vector ``r_target + R - r_source`` in Å;
* ``probability[h]``: per-step probability at the requested temperature and field.

The per-step hopping matrix in real space is ``P[t, s] = probability`` for each hop and
``P[s, s] = 1 - (sum of the out-probabilities of s)``, so that columns sum to one (Eq. 9).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from .._validate import finite_float, positive_temperature
from ..errors import DisconnectedNetworkError, DomainWarning, ModelError
from ..units import KB_EV
from .cell import Lattice
from .graph import loop_lattices
from .hops import Hop, field_factor
from .linsolve import stationary_distribution
from .table import HopTable


@dataclass(frozen=True)
class Interactions:
    """Many-body and nonadiabatic interactions of Sec. IV, stated for any lattice.

    Parameters
    ----------
    repulsion : float
        K0 in eV: the barrier of a hop s -> t rises by K0 for each occupied neighbour of t other
        than s (Eq. 43 on the chain). Neighbours are the sites joined to t by a hop.
    concerted : float
        M0 in eV: the barrier of a hop s -> t is lowered by M0 when t has just been vacated by a
        hop t -> u that continues in the same direction (positive projection on the s -> t
        displacement; Eq. 52 on the chain).
    exclusion : bool
        Hard exclusion of double occupancy (the paper's K-infinity term).
    """

    repulsion: float = 0.0
    concerted: float = 0.0
    exclusion: bool = True

    def __post_init__(self) -> None:
        object.__setattr__(
            self, "repulsion", finite_float("Interactions.repulsion (K0, eV)", self.repulsion)
        )
        object.__setattr__(
            self,
            "concerted",
            finite_float("Interactions.concerted (M0, eV)", self.concerted, minimum=0.0),
        )

    @property
    def is_trivial(self) -> bool:
        """True when K0 = M0 = 0."""
        return self.repulsion == 0.0 and self.concerted == 0.0


@dataclass(frozen=True)
class HopParameters:
    """Declared parameters of every directed hop, in hop-table order (read-only arrays).

    Attributes
    ----------
    source, target : ndarray of int, shape (n_hops,)
    cell : ndarray of int, shape (n_hops, dim)
    displacement : ndarray of float, shape (n_hops, dim), Å
    is_bond : ndarray of bool
        True for hops declared by a saddle energy (both directions of a bond).
    saddle : ndarray of float
        Saddle energy in eV (NaN for explicit-probability hops).
    probability : ndarray of float
        Declared probability (NaN for bond hops).
    degeneracy : ndarray of float
    reverse : ndarray of int
        Index of the reverse hop, -1 when it is not declared.
    """

    source: np.ndarray
    target: np.ndarray
    cell: np.ndarray
    displacement: np.ndarray
    is_bond: np.ndarray
    saddle: np.ndarray
    probability: np.ndarray
    degeneracy: np.ndarray
    reverse: np.ndarray


def _check_domain(table: HopTable, what: str, *, warn: bool = False,
                  site_names: tuple[str, ...] | None = None,
                  is_bond: np.ndarray | None = None) -> None:
    """Raise (or warn) when a site's out-probabilities sum above one, with advice that fits how
    the hops leaving it were declared: by saddle energies (their probabilities do not depend on
    tau) or by explicit probabilities per step."""
    out = table.out_probability()
    bad = out > 1.0 + 1e-12
    if not np.any(bad):
        return
    worst = float(np.max(out))
    site = int(np.unravel_index(np.argmax(out), out.shape)[-1])
    name = repr(site_names[site]) if site_names is not None else f"index {site}"
    problem = (
        f"out-probabilities of site {name} sum to {worst:.6g} > 1{' ' + what if what else ''}: "
        "outside the discrete-time model's domain (the diagonal of P would be negative)"
    )
    leaving = table.source == site
    advice = []
    if is_bond is not None and np.any(is_bond[leaving]):
        advice.append(
            f"the hops leaving {name} are declared by saddle energies, whose probabilities "
            "exp(-(S - E) / kB T) do not depend on tau: raise their saddles (or the site energy "
            "gap) or lower the temperature"
        )
    if is_bond is None or np.any(~is_bond[leaving]):
        advice.append(
            f"the hops leaving {name} declare probabilities per step tau: lower them (the "
            "probabilities of a smaller tau)"
        )
    if what:
        advice.append("or use a weaker field")
    text = "; ".join(advice)
    message = f"{problem}. {text[0].upper()}{text[1:]}."
    if warn:
        warnings.warn(message, DomainWarning, stacklevel=3)
        return
    raise ModelError(message)


def _hop_keys(source, target, cell, n_sites: int, low=None, span=None) -> np.ndarray:
    """One sortable integer key per directed hop (source, target, cell).

    Cell components are shifted by ``low`` and packed in base ``span``; the caller makes sure
    that every key fits in 63 bits (see :func:`_key_packing`).
    """
    key = source.astype(np.int64) * n_sites + target
    for c in range(cell.shape[1]):
        key = key * span[c] + (cell[:, c] - low[c])
    return key


def _key_packing(cell: np.ndarray, n_sites: int):
    """Shift and base per cell component for :func:`_hop_keys` (cells and their negatives)."""
    if cell.size == 0:
        return np.zeros(cell.shape[1], np.int64), np.ones(cell.shape[1], np.int64)
    bound = np.max(np.abs(cell), axis=0)
    low, span = -bound, 2 * bound + 1
    if float(n_sites) ** 2 * float(np.prod(span.astype(float))) >= 2.0**62:
        raise ModelError("hop cell offsets are too large to index (|cell| beyond ~10^5)")
    return low, span


@dataclass(frozen=True)
class HoppingModel:
    """A periodic hopping model: lattice, hops, step tau, filling and interactions.

    Parameters
    ----------
    lattice : Lattice
    hops : sequence of Hop
    tau : float
        The time step in s (Eq. 7); per-step probabilities refer to it. Rates are P / tau.
    filling : float, optional
        Mobile ions per cell, n0 (0 < n0 <= number of sites). Default 1.
    interactions : Interactions
        K0, M0 and exclusion for the mean field (Sec. IV) and the many-body simulation.
    charge : float, optional
        Charge Z of the mobile ion in units of e (nonzero); the default of
        :func:`~superionic.transport.conductivity_tensor`. Default 1.
    """

    lattice: Lattice
    hops: tuple[Hop, ...]
    tau: float = 1.0
    filling: float = 1.0
    interactions: Interactions = field(default_factory=Interactions)
    charge: float = 1.0

    def __init__(
        self,
        lattice: Lattice,
        hops,
        *,
        tau: float = 1.0,
        filling: float = 1.0,
        interactions: Interactions | None = None,
        charge: float = 1.0,
    ) -> None:
        set_ = object.__setattr__
        if not isinstance(lattice, Lattice):
            raise ModelError(
                f"HoppingModel.lattice must be a Lattice, got {type(lattice).__name__}"
            )
        set_(self, "lattice", lattice)
        hops = tuple(hops)
        if not hops:
            raise ModelError("HoppingModel.hops must hold at least one Hop, got none")
        set_(self, "hops", hops)
        set_(self, "tau", finite_float("HoppingModel.tau (s)", tau, minimum=0.0, strict_min=True))
        set_(
            self,
            "filling",
            finite_float(
                "HoppingModel.filling (ions per cell)",
                filling,
                minimum=0.0,
                strict_min=True,
                maximum=float(lattice.n_sites),
            ),
        )
        if interactions is None:
            interactions = Interactions()
        if not isinstance(interactions, Interactions):
            raise ModelError(
                f"HoppingModel.interactions must be Interactions, got {type(interactions).__name__}"
            )
        set_(self, "interactions", interactions)
        charge = finite_float("HoppingModel.charge (e)", charge)
        if charge == 0.0:
            raise ModelError("HoppingModel.charge (e) must be nonzero, got 0.0")
        set_(self, "charge", charge)
        self._structure  # validates hops eagerly  # noqa: B018

    # ------------------------------------------------------------------ structure
    @cached_property
    def _structure(self):
        lat = self.lattice
        dim = lat.dim
        index_of = lat._index_of
        hops = self.hops
        for hop in hops:
            if not isinstance(hop, Hop):
                raise ModelError(f"HoppingModel.hops must hold Hop objects, got {hop!r}")
        zero = (0,) * dim
        cells = [hop.cell or zero for hop in hops]
        for hop, cell in zip(hops, cells, strict=True):
            if len(cell) != dim:
                raise ModelError(
                    f"Hop({hop.source}->{hop.target}).cell={hop.cell} has {len(cell)} "
                    f"component(s); the lattice has dim={dim}"
                )
        names = [(hop.source, hop.target) for hop in hops]
        saddles = [hop.saddle for hop in hops]
        bonds = [x is not None for x in saddles]
        probs = [hop.probability for hop in hops]
        degens = [hop.degeneracy for hop in hops]
        try:
            ends = np.array([(index_of[a], index_of[b]) for a, b in names], dtype=np.int64)
        except KeyError as exc:
            lat.site_index(exc.args[0])  # raises the ModelError naming the unknown site
            raise
        ends = ends.reshape(-1, 2)
        cell_d = np.array(cells, dtype=np.int64).reshape(-1, dim)
        bond_d = np.array(bonds, dtype=bool)
        same = (ends[:, 0] == ends[:, 1]) & ~np.any(cell_d, axis=1)
        if np.any(same):
            i = int(np.argmax(same))
            raise ModelError(
                f"Hop({names[i][0]}->{names[i][1]}, cell={tuple(cells[i])}) has zero length "
                "(source and target are the same site)"
            )
        # Directed hops: each declared direction, then the reverse direction of each bond.
        declared = np.arange(len(names))
        rev_of = declared[bond_d]
        origin = np.concatenate([declared, rev_of])  # declaring Hop of each directed hop
        src_a = np.concatenate([ends[:, 0], ends[rev_of, 1]])
        tgt_a = np.concatenate([ends[:, 1], ends[rev_of, 0]])
        cell_a = np.concatenate([cell_d, -cell_d[rev_of]])
        # Interleave so that a bond's reverse follows it (the declaration order of before).
        order = np.argsort(
            np.concatenate([2 * declared, 2 * rev_of + 1]), kind="stable"
        )
        origin, src_a, tgt_a, cell_a = origin[order], src_a[order], tgt_a[order], cell_a[order]
        low, span = _key_packing(cell_a, lat.n_sites)
        key = _hop_keys(src_a, tgt_a, cell_a, lat.n_sites, low, span)
        rkey = _hop_keys(tgt_a, src_a, -cell_a, lat.n_sites, low, span)
        sorter = np.argsort(key, kind="stable")
        sorted_keys = key[sorter]
        dup = np.nonzero(sorted_keys[1:] == sorted_keys[:-1])[0]
        if dup.size:
            first, second = sorter[dup[0]], sorter[dup[0] + 1]
            a, b = int(src_a[first]), int(tgt_a[first])
            c = tuple(int(x) for x in cell_a[first])
            raise ModelError(
                f"duplicate hop {lat.site_names[a]}->{lat.site_names[b]} cell={c} "
                f"(declared by {self.hops[origin[second]]!r} and by "
                f"{self.hops[origin[first]]!r})"
            )
        pos = np.searchsorted(sorted_keys, rkey)
        pos_c = np.minimum(pos, key.size - 1)
        found = sorted_keys[pos_c] == rkey
        reverse = np.where(found, sorter[pos_c], -1).astype(np.int64)
        disp = lat.positions[tgt_a] + cell_a @ lat.matrix - lat.positions[src_a]
        short = np.linalg.norm(disp, axis=1) < 1e-9
        if np.any(short):
            i = int(np.argmax(short))
            raise ModelError(
                f"Hop({lat.site_names[src_a[i]]}->{lat.site_names[tgt_a[i]]}, "
                f"cell={tuple(int(x) for x in cell_a[i])}) has zero length: source and target "
                "sit at the same point"
            )
        is_bond = bond_d[origin]
        prob_d = np.array([np.nan if p is None else p for p in probs], dtype=float)
        saddle_d = np.array([np.nan if x is None else x for x in saddles], dtype=float)
        return {
            "source": src_a,
            "target": tgt_a,
            "cell": cell_a,
            "displacement": disp,
            "is_bond": is_bond,
            "probability": np.where(is_bond, np.nan, prob_d[origin]),
            "saddle": np.where(is_bond, saddle_d[origin], np.nan),
            "degeneracy": np.array(degens, dtype=float)[origin],
            "reverse": reverse,
        }

    @cached_property
    def hop_parameters(self) -> HopParameters:
        """The declared parameters of every directed hop (see :class:`HopParameters`)."""
        st = self._structure
        arrays = {}
        for name in HopParameters.__dataclass_fields__:
            arr = np.array(st[name])
            arr.setflags(write=False)
            arrays[name] = arr
        return HopParameters(**arrays)

    @property
    def dim(self) -> int:
        return self.lattice.dim

    @property
    def n_sites(self) -> int:
        return self.lattice.n_sites

    @property
    def cell_volume(self) -> float:
        """Cell length (1D, Å), area (2D, Å^2) or volume (3D, Å^3) of the lattice."""
        return self.lattice.volume

    @property
    def requires_temperature(self) -> bool:
        """True when any hop is declared by a saddle energy (probabilities depend on T)."""
        return bool(np.any(self._structure["is_bond"]))

    def base_probability(self, temperature=None) -> np.ndarray:
        """Zero-field per-step probability of every directed hop, shape (*T.shape, n_hops).

        Bond hops use Eq. 3, ``exp(-(S - E_origin) / kB T) / degeneracy``; explicit hops keep their
        declared probability (divided by their degeneracy).
        """
        st = self._structure
        if self.requires_temperature:
            if temperature is None:
                raise ModelError(
                    "temperature (K) is required: this model declares hops by saddle energies"
                )
            temp = positive_temperature(temperature)
            kt = KB_EV * temp[..., None]
            barrier = st["saddle"] - self.lattice.site_energies[st["source"]]
            with np.errstate(over="ignore"):
                bond_p = np.exp(-barrier / kt) / st["degeneracy"]
            p = np.where(st["is_bond"], bond_p, st["probability"] / st["degeneracy"])
        else:
            if temperature is not None:
                positive_temperature(temperature)
            p = st["probability"] / st["degeneracy"]
            if temperature is not None and np.ndim(temperature) > 0:
                p = np.broadcast_to(p, (*np.shape(temperature), p.size)).copy()
        if np.any(p > 1.0):
            h = int(np.unravel_index(np.argmax(p), p.shape)[-1])
            names = self.lattice.site_names
            raise ModelError(
                f"the probability of hop {names[st['source'][h]]}->{names[st['target'][h]]} "
                f"(cell {tuple(int(x) for x in st['cell'][h])}) reaches {float(np.max(p)):.6g} "
                "> 1: its saddle lies below the origin site energy, or its degeneracy is below 1"
            )
        return p

    def hop_table(
        self, *, temperature=None, field=None, coupling: str = "symmetric", domain: str = "raise"
    ) -> HopTable:
        """Compile the directed hops at one temperature and (batch of) reduced field(s).

        Parameters
        ----------
        temperature : float, optional
            K; required for models declared by energies.
        field : array_like, shape (..., dim), optional
            Reduced field f = Z E / kB T in 1/Å (Sec. III.2). Leading axes form a batch.
        coupling : {"symmetric", "full"}
        domain : {"raise", "warn", "ignore"}
            What to do when out-probabilities exceed one (a negative diagonal, outside the
            discrete-time model's domain, DESIGN 3.7): raise ModelError (default), warn with
            DomainWarning, or proceed silently (callers that flag the result themselves).
        """
        st = self._structure
        if temperature is not None and np.ndim(temperature) != 0:
            raise ModelError(
                f"temperature must be a scalar here, got shape {np.shape(temperature)}"
            )
        p = self.base_probability(temperature)
        if field is not None:
            f = np.asarray(field, dtype=float)
            if f.shape[-1:] != (self.dim,) and not (self.dim == 1 and f.ndim == 0):
                raise ModelError(
                    f"field must have {self.dim} component(s) (last axis), got shape {f.shape}"
                )
            if f.ndim == 0:
                f = f[None]
            if not np.all(np.isfinite(f)):
                raise ModelError(f"field must be finite, got {field!r}")
            p = p * field_factor(st["displacement"], f, coupling)
        table = HopTable(
            n_sites=self.n_sites,
            source=st["source"],
            target=st["target"],
            cell=st["cell"],
            displacement=st["displacement"],
            probability=p,
            reverse=st["reverse"],
        )
        if domain not in ("raise", "warn", "ignore"):
            raise ModelError(f"domain must be 'raise', 'warn' or 'ignore', got {domain!r}")
        if domain != "ignore":
            _check_domain(table, "" if field is None else "at this field", warn=domain == "warn",
                          site_names=self.lattice.site_names, is_bond=st["is_bond"])
        return table

    # ------------------------------------------------------------------ checks
    def stationary(self, *, temperature=None, field=None, coupling: str = "symmetric"):
        """Stationary site occupations per ion (sum 1) of the k = 0 matrix (Eq. 28)."""
        return stationary_distribution(
            self.hop_table(temperature=temperature, field=field, coupling=coupling)
        )

    def detailed_balance(self, *, temperature=None, rtol: float = 1e-9) -> bool:
        """True when every hop has a declared reverse and pi_s P(s->t) = pi_t P(t->s) (Eq. 28)."""
        table = self.hop_table(temperature=temperature)
        if np.any(table.reverse < 0):
            return False
        pi = self.stationary(temperature=temperature)
        flow = pi[table.source] * table.probability
        scale = float(np.max(flow)) if flow.size else 0.0
        return bool(np.allclose(flow, flow[table.reverse], rtol=rtol, atol=1e-14 * scale))

    def spanned_dimensions(self) -> int:
        """Number of lattice directions in which the hop network carries long-range transport."""
        try:
            self.check_connected()
        except DisconnectedNetworkError as exc:
            return exc.spanned
        return self.dim

    def check_connected(self, *, spanning: bool = True) -> None:
        """Raise DisconnectedNetworkError unless the hops percolate in every lattice direction.

        With ``spanning=False`` only the first condition is checked: every site is reachable from
        every other (otherwise the stationary state and the stable Bloch mode are not unique, and
        the single-particle spectrum and transport are refused everywhere alike).

        Long-range transport along each lattice vector needs the hop graph of the infinite
        lattice to be connected and to span every direction: the cell offsets reachable around
        closed loops must generate the full lattice Z^dim. When they generate a full-rank
        sublattice of index m > 1, the crystal splits into m interpenetrating copies of the
        network that never exchange ions (each still conducts); this is reported too, since it
        usually means the declared cell is not the primitive cell of the network.
        """
        st = self._structure
        dim = self.dim
        labels, bases = loop_lattices(self.n_sites, st["source"], st["target"], st["cell"])
        missing = [self.lattice.site_names[i] for i in np.nonzero(labels != labels[0])[0]]
        if missing:
            raise DisconnectedNetworkError(
                f"sites {missing} are not reachable from site {self.lattice.site_names[0]!r}: "
                "the hop network is disconnected, so the stationary state and the stable mode "
                "are not unique (declare each connected group as its own model, or add hops)",
                0,
            )
        if not spanning:
            return
        basis = bases[0]
        rank = basis.shape[0]
        if rank < dim:
            raise DisconnectedNetworkError(
                f"the hop network spans only {rank} of {dim} lattice direction(s): no long-range "
                "transport along the others (diffusion there is zero)",
                int(rank),
            )
        index = abs(round(float(np.linalg.det(basis.astype(float)))))
        if index > 1:
            raise DisconnectedNetworkError(
                f"the hop network splits the crystal into {index} interpenetrating copies that "
                "never exchange ions: declare the primitive cell of the network",
                int(rank),
            )
