"""Estimators with error bars from block records: warm-up removal, block means, jackknife.

Conventions (per ion; time in steps tau; lengths in Å):

* drift velocity ``v = sum_blocks X_b / (N T)``, X_b the collective displacement of block b (sum
  over ions), T the measured time;
* tracer diffusion ``D* = <(dr_i - v t)(dr_i - v t)^T> / (2 t)`` at the block length t (each block a
  new time origin), averaged over ions and blocks;
* collective diffusion (Einstein-Helfand) ``D_c = <(X - N v t)(X - N v t)^T> / (2 N t)``; with
  ``symmetric`` field coupling and detailed balance the reduced mobility ``dv/df`` equals ``D_c``
  (Nernst-Einstein), with ``full`` coupling ``2 D_c``;
* Haven ratio ``H = D* / D_c`` (traces);
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
    return 1.0 - g4 / (3.0 * g2**2)


def block_estimates(acc, first, second, *, n_ions: int, block: float, lags, subtract_drift: bool):
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
    t_last = lags[-1]
    d_tr = tracer[:, -1] / (2.0 * t_last)
    d_c = collective[:, -1] / (2.0 * t_last)
    d_tr_mean, d_tr_err = mean_stderr(d_tr)
    d_c_mean, d_c_err = mean_stderr(d_c)
    if subtract_drift and n > 1:
        d_tr_mean = d_tr_mean + d_c_mean / (n * n_ions)
    out["tracer_diffusion_tensor"] = (d_tr_mean, d_tr_err)
    out["collective_diffusion_tensor"] = (d_c_mean, d_c_err)
    tr_tr = np.trace(d_tr, axis1=-2, axis2=-1) / dim
    tr_c = np.trace(d_c, axis1=-2, axis2=-1) / dim
    out["tracer_diffusion"] = (np.trace(d_tr_mean) / dim, mean_stderr(tr_tr)[1])
    out["collective_diffusion"] = (np.trace(d_c_mean) / dim, mean_stderr(tr_c)[1])
    with np.errstate(divide="ignore", invalid="ignore"):
        if np.all(tr_c.mean() > 0):
            out["haven_ratio"] = jackknife(lambda a, b: a / b, tr_tr, tr_c)
        else:
            out["haven_ratio"] = (np.float64(np.nan), np.float64(np.nan))
    return out
