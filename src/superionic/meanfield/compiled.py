"""A hopping model compiled for the mean field: incidence arrays and hop classes (Sec. IV).

:func:`compile_model` turns the tables of :func:`superionic.lattice.neighbours.interaction_tables`
(the
same ones the many-body simulation uses) into the dense arrays of :class:`MeanFieldData`: for
every directed hop ``h: s -> t`` the blocking neighbours ``blk(h)`` (counts per site, for the
``K0`` repulsion of Eq. 43) and the concerted partners ``part(h)`` (counts per hop, for the
``M0`` term of Eq. 52), the scatter matrix that assembles the k = 0 hopping matrix from per-hop
probabilities (with the diagonal ``1 - sum of out-probabilities``, Eq. 9), and a two-colouring
of the hop graph when it is bipartite (the sublattices of the staggered polarization, Eq. 44).

The hops are grouped into the classes of the coarsest *equitable partition* refining (source,
target, base probability): hops with the same blocking sites and partner classes share a class.
The subspace where ``P`` is constant on classes is invariant under the mean-field map, so the
solver of :mod:`superionic.meanfield.engine` works on classes (``symmetric=False``: one class
per hop).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..errors import ModelError
from ..lattice import HoppingModel, interaction_tables

__all__ = ["MeanFieldData", "compile_model"]


@dataclass(frozen=True, eq=False)
class MeanFieldData:
    """A model compiled for the mean field: incidence arrays and the hop partition."""

    model: HoppingModel
    n_sites: int
    n_hops: int
    source: np.ndarray
    target: np.ndarray
    displacement: np.ndarray
    blocking: np.ndarray  # (n_hops, n_sites) counts
    partners: np.ndarray  # (n_hops, n_hops) counts
    classes: np.ndarray  # (n_hops,) class index
    representative: np.ndarray  # (n_classes,) one hop per class
    membership: np.ndarray  # (n_hops, n_classes) one-hot
    sublattice: np.ndarray | None  # (n_sites,) +1 / -1 on a bipartite hop graph, else None
    K0: float
    M0: float
    n0: float
    exclusion: bool
    scatter: np.ndarray = field(repr=False)  # (n_hops, n_sites^2): P_h -> k = 0 matrix

    @property
    def n_classes(self) -> int:
        return int(self.representative.size)

    def base_probability(self, temperature: float) -> np.ndarray:
        return np.asarray(
            self.model.base_probability(temperature if self.model.requires_temperature else None),
            dtype=float,
        )


def _base_keys(model: HoppingModel) -> np.ndarray:
    """Keys that identify equal base probabilities at every temperature (two reference T)."""
    if model.requires_temperature:
        refs = [model.base_probability(t) for t in (1000.0, 3000.0)]
    else:
        refs = [model.base_probability()]
    with np.errstate(divide="ignore"):
        logs = [np.log(r) for r in refs]
    return np.round(np.stack(logs, axis=-1), 10)


def _partition(src, tgt, base_keys, blocking, partners) -> np.ndarray:
    """Coarsest equitable partition of hops refining (source, target, base probability)."""
    keys = [(int(s), int(t), tuple(b)) for s, t, b in zip(src, tgt, base_keys, strict=True)]
    labels = _relabel(keys)
    blk_keys = [tuple(row) for row in blocking.astype(int)]
    while True:
        n_before = labels.max() + 1
        part_keys = []
        for h in range(src.size):
            counts = np.bincount(labels, weights=partners[h], minlength=n_before)
            part_keys.append(tuple(np.round(counts).astype(int)))
        labels = _relabel([(int(labels[h]), blk_keys[h], part_keys[h]) for h in range(src.size)])
        if labels.max() + 1 == n_before:
            return labels


def _relabel(keys) -> np.ndarray:
    index: dict = {}
    return np.array([index.setdefault(k, len(index)) for k in keys], dtype=np.int64)


def _two_colouring(n_sites, src, tgt) -> np.ndarray | None:
    sign = np.zeros(n_sites, dtype=int)
    adjacency = [[] for _ in range(n_sites)]
    for s, t in zip(src, tgt, strict=True):
        adjacency[s].append(t)
        adjacency[t].append(s)
    for start in range(n_sites):
        if sign[start]:
            continue
        sign[start] = 1
        stack = [start]
        while stack:
            a = stack.pop()
            for b in adjacency[a]:
                if sign[b] == 0:
                    sign[b] = -sign[a]
                    stack.append(b)
                elif sign[b] == sign[a]:
                    return None
    return sign.astype(float)


def compile_model(model: HoppingModel, *, symmetric: bool = True) -> MeanFieldData:
    """Compile a model's interactions for the mean field (see module doc).

    Raises
    ------
    ModelError
        If the model is not a HoppingModel or its repulsion K0 is negative.
    """
    if not isinstance(model, HoppingModel):
        raise ModelError(f"model must be a HoppingModel, got {type(model).__name__}")
    inter = model.interactions
    if inter.repulsion < 0:
        raise ModelError(
            f"Interactions.repulsion (K0, eV) must be >= 0 for the mean field, got "
            f"{inter.repulsion!r}"
        )
    tables = interaction_tables(model)
    table = model.hop_table(
        temperature=1000.0 if model.requires_temperature else None, domain="ignore"
    )
    n, nh = model.n_sites, table.n_hops
    src, tgt = table.source, table.target
    blocking = np.zeros((nh, n))
    partners = np.zeros((nh, nh))
    for h in range(nh):
        sl = slice(tables.block_ptr[h], tables.block_ptr[h + 1])
        np.add.at(blocking[h], tables.block_site[sl], 1.0)
        sl = slice(tables.partner_ptr[h], tables.partner_ptr[h + 1])
        np.add.at(partners[h], tables.partner_hop[sl], 1.0)
    if symmetric:
        classes = _partition(src, tgt, _base_keys(model), blocking, partners)
    else:
        classes = np.arange(nh, dtype=np.int64)
    n_cls = int(classes.max()) + 1
    representative = np.array([int(np.flatnonzero(classes == c)[0]) for c in range(n_cls)])
    membership = np.zeros((nh, n_cls))
    membership[np.arange(nh), classes] = 1.0
    scatter = np.zeros((nh, n * n))
    scatter[np.arange(nh), tgt * n + src] += 1.0
    scatter[np.arange(nh), src * n + src] -= 1.0
    for arr in (blocking, partners, membership, scatter):
        arr.setflags(write=False)
    return MeanFieldData(
        model=model,
        n_sites=n,
        n_hops=nh,
        source=src,
        target=tgt,
        displacement=table.displacement,
        blocking=blocking,
        partners=partners,
        classes=classes,
        representative=representative,
        membership=membership,
        sublattice=_two_colouring(n, src, tgt),
        K0=float(inter.repulsion),
        M0=float(inter.concerted),
        n0=float(model.filling),
        exclusion=bool(inter.exclusion),
        scatter=scatter,
    )
