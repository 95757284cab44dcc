"""Estimators with error bars from block records: warm-up removal, block means, jackknife.

Conventions (per ion; time in steps tau; lengths in Å):

* drift velocity ``v = sum_blocks X_b / (N T)``, X_b the collective displacement of block b (sum
  over ions), T the measured time;
* tracer diffusion from the slope of the mean-square displacement ``M(t) = <(dr_i - v t)(dr_i -
  v t)^T>`` over the second half of each block (each block a new time origin),
  ``D* = (M(t_2) - M(t_1)) / (2 (t_2 - t_1))`` with t_2 the block length and t_1 the largest lag at
  most t_2 / 2 (``M(t_2) / (2 t_2)`` when there is none), averaged over ions and blocks; the slope
  removes the short-time offset of ``M(t) / 2t``;
* jump (Einstein-Helfand, charge) diffusion from ``<(X - N v t)(X - N v t)^T> / N`` in the same
  way;
  with ``symmetric`` field coupling and detailed balance the reduced mobility ``dv/df`` equals
  ``D_sigma`` (Nernst-Einstein), with ``full`` coupling ``2 D_sigma``; the conductivity is
  ``sigma = n (Z e)^2 D_sigma / kB T``;
* thermodynamic factor ``Phi = <N_v> (1 - v/V) / <(N_v - <N_v>)^2>`` from the numbers of ions
  ``N_v`` in slabs of whole layers along the first lattice vector (about 32 slabs of at least two
  layers, each a fraction
  ``v/V`` of the supercell; the factor ``1 - v/V`` corrects for the fixed total N), averaged over
  slabs and samples; 1 / (1 - theta) for an ideal lattice gas at site occupancy theta; it needs
  slabs thicker than the correlation length (not near a critical point);
* collective (chemical, Fickian) diffusion ``D_c = Phi D_sigma``: the coefficient of the
  macroscopic diffusion equation, equal to the single-particle one for symmetric exclusion;
* Haven ratio ``H = D* / D_sigma`` (traces);
* polarization ``gamma = sum_i w_b(i) / N`` sampled every step (time-weighted in the kinetic Monte
  Carlo), its absolute value and the Binder cumulant ``U = 1 - <gamma^4> / (3 <gamma^2>^2)``;
* hop probability: executed hops per ion per step.

Standard errors come from the scatter of block values (blocks pooled over replicas, assumed
independent: choose blocks longer than the correlation time); ratios and the Binder cumulant use
the jackknife over blocks. When the drift is estimated (non-zero field) the O(1/n_blocks) biases
of the variance estimators are removed. Warm-up: the marginal standard error rule (MSER, White
1997) on the block series of hop probability, polarization and |polarization| truncates the
largest number of leading blocks any of them asks for (at most half).
"""

from __future__ import annotations

import numpy as np

from .kernels import A_DISP, A_G1, A_G2, A_G4, A_GABS, A_HOPS, A_SAMPLES


def mser_truncation(series, max_fraction: float = 0.5) -> int:
    """Number of leading points to drop by the marginal standard error rule."""
    x = np.asarray(series, dtype=float)
    n = x.size
    if n < 4 or not np.all(np.isfinite(x)):
        return 0
    best, best_d = np.inf, 0
    for d in range(int(n * max_fraction) + 1):
        tail = x[d:]
        m = tail.size
        stat = np.sum((tail - tail.mean()) ** 2) / m**2
        if stat < best - 1e-15 * abs(best if np.isfinite(best) else 0):
            best, best_d = stat, d
    return best_d


def warmup_blocks(acc: np.ndarray, n_ions: int) -> int:
    """MSER truncation (blocks) of one replica's block accumulators."""
    samples = np.maximum(acc[:, A_SAMPLES], 1e-300)
    series = [
        acc[:, A_HOPS] / samples / n_ions,
        acc[:, A_G1] / samples,
        acc[:, A_GABS] / samples,
    ]
    return max(mser_truncation(s) for s in series)


def mean_stderr(values, axis: int = 0):
    """Mean and standard error of the mean along ``axis`` (NaN-free: stderr 0 for one value)."""
    v = np.asarray(values, dtype=float)
    n = v.shape[axis]
    mean = v.mean(axis=axis)
    if n < 2:
        return mean, np.zeros_like(mean)
    return mean, v.std(axis=axis, ddof=1) / np.sqrt(n)


def jackknife(fn, *arrays):
    """Jackknife estimate and standard error of ``fn(*means)`` over the first axis."""
    arrays = [np.asarray(a, dtype=float) for a in arrays]
    n = arrays[0].shape[0]
    full = fn(*[a.mean(axis=0) for a in arrays])
    if n < 2:
        return full, np.zeros_like(np.asarray(full, dtype=float))
    sums = [a.sum(axis=0) for a in arrays]
    loo = np.array([fn(*[(s - a[i]) / (n - 1) for s, a in zip(sums, arrays, strict=True)])
                    for i in range(n)])
    bias_corrected = n * np.asarray(full) - (n - 1) * loo.mean(axis=0)
    err = np.sqrt((n - 1) / n * np.sum((loo - loo.mean(axis=0)) ** 2, axis=0))
    return bias_corrected, err


def binder(g2, g4):
    """Binder cumulant; NaN where <gamma^2> = 0 (no polarization defined or measured)."""
    g2 = np.asarray(g2, dtype=float)
    safe = np.where(g2 > 0, g2, 1.0)
    return np.where(g2 > 0, 1.0 - np.asarray(g4) / (3.0 * safe**2), np.nan)


def block_estimates(acc, first, second, fluct, *, n_ions: int, block: float, lags,
                    subtract_drift: bool, slab_fraction: float):
    """Estimators from pooled blocks (see module doc); returns a dict of (value, stderr) pairs.

    Parameters
    ----------
    acc : (n, n_acc) block accumulators
    first, second : (n, n_lags, dim) and (n, n_lags, dim, dim) sums over ions at each lag
    """
    n = acc.shape[0]
    dim = first.shape[-1]
    lags = np.asarray(lags, dtype=float)
    samples = acc[:, A_SAMPLES]
    out: dict = {}
    disp = acc[:, A_DISP : A_DISP + dim]
    v_blocks = disp / (n_ions * block)
    out["drift_velocity"] = mean_stderr(v_blocks)
    v = out["drift_velocity"][0] if subtract_drift else np.zeros(dim)
    out["hop_probability"] = mean_stderr(acc[:, A_HOPS] / (n_ions * samples))
    out["polarization"] = mean_stderr(acc[:, A_G1] / samples)
    out["polarization_abs"] = mean_stderr(acc[:, A_GABS] / samples)
    g2 = acc[:, A_G2] / samples
    g4 = acc[:, A_G4] / samples
    out["binder_cumulant"] = jackknife(binder, g2, g4)
    # mean-square displacements at every lag, drift removed (tracer: per ion; collective: /N)
    vt = v[None, :] * lags[:, None]  # (n_lags, dim)
    m1 = first / n_ions  # (n, lags, dim)
    tracer = (second / n_ions
              - m1[..., :, None] * vt[None, :, None, :]
              - vt[None, :, :, None] * m1[..., None, :]
              + vt[None, :, :, None] * vt[None, :, None, :])
    coll_vec = first - n_ions * vt[None]
    collective = coll_vec[..., :, None] * coll_vec[..., None, :] / n_ions
    corr_c = n / (n - 1) if (subtract_drift and n > 1) else 1.0
    collective = collective * corr_c
    out["msd_tracer"] = mean_stderr(np.trace(tracer, axis1=-2, axis2=-1))
    out["msd_collective"] = mean_stderr(np.trace(collective, axis1=-2, axis2=-1))
    # slope of the mean-square displacement over the second half of the block: removes the
    # short-time offset (intra-cell motion, uncorrelated first hops) of MSD / t
    t_last = lags[-1]
    k1 = int(np.searchsorted(lags, 0.5 * t_last, side="right")) - 1
    if k1 >= 0 and lags[k1] < t_last:
        t_first = lags[k1]
        d_tr = (tracer[:, -1] - tracer[:, k1]) / (2.0 * (t_last - t_first))
        d_c = (collective[:, -1] - collective[:, k1]) / (2.0 * (t_last - t_first))
    else:
        d_tr = tracer[:, -1] / (2.0 * t_last)
        d_c = collective[:, -1] / (2.0 * t_last)
    d_tr_mean, d_tr_err = mean_stderr(d_tr)
    d_c_mean, d_c_err = mean_stderr(d_c)
    if subtract_drift and n > 1:
        d_tr_mean = d_tr_mean + d_c_mean / (n * n_ions)
    out["tracer_diffusion_tensor"] = (d_tr_mean, d_tr_err)
    out["jump_diffusion_tensor"] = (d_c_mean, d_c_err)
    tr_tr = np.trace(d_tr, axis1=-2, axis2=-1) / dim
    tr_c = np.trace(d_c, axis1=-2, axis2=-1) / dim
    out["tracer_diffusion"] = (np.trace(d_tr_mean) / dim, mean_stderr(tr_tr)[1])
    out["jump_diffusion"] = (np.trace(d_c_mean) / dim, mean_stderr(tr_c)[1])
    # thermodynamic factor from the slab number fluctuations
    cnt = np.maximum(fluct[:, 0], 1.0)
    msq = fluct[:, 1] / cnt
    f = slab_fraction
    mean_slab = f * n_ions

    def phi(b):
        b = np.asarray(b, dtype=float)
        if f <= 0.0:
            return np.full(b.shape, np.nan)
        return np.where(b > 0, mean_slab * (1.0 - f) / np.where(b > 0, b, 1.0), np.nan)

    out["thermodynamic_factor"] = jackknife(phi, msq)

    def chem(dsig, b):
        return dsig * phi(b)

    out["collective_diffusion"] = jackknife(chem, tr_c, msq)
    phi_val = out["thermodynamic_factor"][0]
    out["collective_diffusion_tensor"] = (d_c_mean * phi_val, d_c_err * phi_val)
    with np.errstate(divide="ignore", invalid="ignore"):
        if tr_c.mean() > 0:
            out["haven_ratio"] = jackknife(lambda a, b: a / b, tr_tr, tr_c)
        else:
            out["haven_ratio"] = (np.float64(np.nan), np.float64(np.nan))
    return out
