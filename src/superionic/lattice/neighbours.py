"""Interaction geometry shared by the mean field and the many-body simulation (Sec. IV).

For every directed hop ``h: s (cell 0) -> t (cell R)`` of a model this module lists, once and for
all, the sites and hops that the interactions of :class:`~superionic.lattice.Interactions` involve,
so that the mean field and the simulation apply exactly the same microscopic rules:

* **blocking neighbours** (K0 repulsion, Eq. 43 generalised): the neighbours of the target t other
  than the source s. Neighbours of a site are the sites joined to it by a hop in either direction.
  Each entry is a site index and its cell offset relative to the source's cell.
* **concerted partners** (M0, Eq. 52 generalised): the hops ``h': t -> u`` leaving the target that
  continue in the same direction, ``d_h' . d_h > cos_min |d_h'| |d_h|`` (default ``cos_min = 0``:
  any forward-going continuation). Each entry is a hop index and the cell offset of t.

On the two-site chain this gives exactly Eq. 43 (one blocking neighbour, ``n_{i+1,a}`` for
``(i,a) -> (i,b)``) and Eq. 52 (one partner, the hop ``(i,b) -> (i+1,a)``); on the honeycomb, two
blocking neighbours and two partners (at 60 degrees) per hop.

Ragged lists are stored in CSR form: entries of hop h are ``[ptr[h], ptr[h+1])``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .model import HoppingModel


@dataclass(frozen=True)
class InteractionTables:
    """CSR tables of blocking neighbours and concerted partners for each directed hop.

    Attributes
    ----------
    n_hops : int
    block_ptr : ndarray of int, shape (n_hops + 1,)
    block_site : ndarray of int
        Site index of each blocking neighbour.
    block_cell : ndarray of int, shape (n_entries, dim)
        Its cell offset relative to the hop's source cell.
    partner_ptr : ndarray of int, shape (n_hops + 1,)
    partner_hop : ndarray of int
        Index of each concerted partner hop (a hop leaving the target).
    partner_cell : ndarray of int, shape (n_entries, dim)
        Cell offset of the partner's source (the target of h) relative to h's source cell.
    neighbour_ptr, neighbour_site, neighbour_cell :
        The neighbours of each site (in cell 0), CSR over sites.
    """

    n_hops: int
    block_ptr: np.ndarray
    block_site: np.ndarray
    block_cell: np.ndarray
    partner_ptr: np.ndarray
    partner_hop: np.ndarray
    partner_cell: np.ndarray
    neighbour_ptr: np.ndarray
    neighbour_site: np.ndarray
    neighbour_cell: np.ndarray

    def blocking(self, h: int) -> list[tuple[int, tuple[int, ...]]]:
        """Blocking neighbours of hop h as (site, cell) pairs."""
        sl = slice(self.block_ptr[h], self.block_ptr[h + 1])
        return [
            (int(s), tuple(int(x) for x in c))
            for s, c in zip(self.block_site[sl], self.block_cell[sl], strict=True)
        ]

    def partners(self, h: int) -> list[tuple[int, tuple[int, ...]]]:
        """Concerted partners of hop h as (hop index, cell of its source) pairs."""
        sl = slice(self.partner_ptr[h], self.partner_ptr[h + 1])
        return [
            (int(p), tuple(int(x) for x in c))
            for p, c in zip(self.partner_hop[sl], self.partner_cell[sl], strict=True)
        ]


def _csr(rows: list[list], width: int):
    ptr = np.zeros(len(rows) + 1, dtype=np.int64)
    ptr[1:] = np.cumsum([len(r) for r in rows])
    idx = np.array([e[0] for r in rows for e in r], dtype=np.int64)
    cells = np.array([e[1] for r in rows for e in r], dtype=np.int64).reshape(-1, width)
    return ptr, idx, cells


def interaction_tables(model: HoppingModel, *, cos_min: float = 0.0) -> InteractionTables:
    """Build the blocking-neighbour and concerted-partner tables of a model (see module doc)."""
    table = model.hop_table(
        temperature=300.0 if model.requires_temperature else None, domain="ignore"
    )
    n, dim = model.n_sites, model.dim
    src, tgt, cell, disp = table.source, table.target, table.cell, table.displacement
    neighbours: list[set[tuple[int, tuple[int, ...]]]] = [set() for _ in range(n)]
    for s, t, c in zip(src, tgt, cell, strict=True):
        ct = tuple(int(x) for x in c)
        neighbours[s].add((int(t), ct))
        neighbours[t].add((int(s), tuple(-x for x in ct)))
    neighbour_rows = [sorted(nb) for nb in neighbours]
    block_rows, partner_rows = [], []
    out_hops: list[list[int]] = [[] for _ in range(n)]
    for h, s in enumerate(src):
        out_hops[s].append(h)
    for s, t, c, d in zip(src, tgt, cell, disp, strict=True):
        ct = np.asarray(c)
        rows = []
        for u, cu in neighbour_rows[t]:
            pos = tuple(int(x) for x in ct + np.asarray(cu))
            if u == s and not any(pos):
                continue
            rows.append((u, pos))
        block_rows.append(rows)
        prow = []
        for h2 in out_hops[t]:
            d2 = disp[h2]
            if float(d2 @ d) > cos_min * float(np.linalg.norm(d2) * np.linalg.norm(d)) + 1e-12:
                prow.append((h2, tuple(int(x) for x in ct)))
        partner_rows.append(prow)
    bptr, bsite, bcell = _csr(block_rows, dim)
    pptr, phop, pcell = _csr(partner_rows, dim)
    nptr, nsite, ncell = _csr(neighbour_rows, dim)
    return InteractionTables(
        n_hops=int(src.size),
        block_ptr=bptr,
        block_site=bsite,
        block_cell=bcell,
        partner_ptr=pptr,
        partner_hop=phop,
        partner_cell=pcell,
        neighbour_ptr=nptr,
        neighbour_site=nsite,
        neighbour_cell=ncell,
    )
