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

Error bars (:func:`autocorrelation_analysis`): the block series (replicas one after the other)
go through Wolff's Gamma method with automatic windowing, which gives the integrated
autocorrelation time of each observable in blocks and the error of the mean; a binning check
(Flyvbjerg-Petersen, bins within replicas, at least 20 bins) keeps the larger error when a slow,
small-amplitude tail escapes the window. The mean-square displacements about the estimated drift
use jackknife pseudo-values as their series (their mean removes the O(1/n_blocks) bias of a
variance about an estimated mean); derived quantities (Binder cumulant, thermodynamic factor,
collective diffusion, Haven ratio) are formed from the reported means and take their errors from
the linearised series (delta method). Warm-up: the marginal standard error rule (MSER, White
1997) on the block series of hop probability, polarization and |polarization| truncates the
largest number of leading blocks any of them asks for (at most half).
"""

from __future__ import annotations

from dataclasses import dataclass

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


#: Fewer independent blocks than this make an error bar unreliable (flagged and warned about).
MIN_INDEPENDENT_BLOCKS = 20.0


def _autocovariance_sums(x: np.ndarray, lengths) -> tuple[np.ndarray, np.ndarray]:
    """Sums of ``x_i x_{i+t}`` within each segment, and their counts, for t = 0 .. max length - 1.

    ``x`` (n, k) is already centred; segments (replicas) are consecutive runs of ``lengths``.
    """
    n_max = int(max(lengths))
    sums = np.zeros((n_max, x.shape[1]))
    counts = np.zeros(n_max)
    start = 0
    for m in lengths:
        seg = x[start : start + m]
        start += m
        size = 1 << int(np.ceil(np.log2(2 * m)))
        spec = np.fft.rfft(seg, n=size, axis=0)
        acf = np.fft.irfft(spec * np.conj(spec), n=size, axis=0)[:m]
        sums[:m] += acf
        counts[:m] += np.arange(m, 0, -1)
    return sums, counts


def _binned_errors(centred: np.ndarray, lengths, min_bins: int):
    """Largest standard error of the mean over bin sizes 2, 4, ... blocks (bins within replicas,
    at least ``min_bins`` bins in all); None when no bin size leaves enough bins."""
    best = None
    size = 2
    while True:
        means = []
        start = 0
        for m in lengths:
            nb = m // size
            if nb:
                seg = centred[start : start + nb * size]
                means.append(seg.reshape(nb, size, -1).mean(axis=1))
            start += m
        if not means:
            break
        b = np.concatenate(means)
        if b.shape[0] < min_bins:
            break
        se = b.std(axis=0, ddof=1) / np.sqrt(b.shape[0])
        best = se if best is None else np.maximum(best, se)
        size *= 2
    return best


def autocorrelation_analysis(series, lengths, *, window_factor: float = 1.5):
    """Integrated autocorrelation time and error of the mean of block series (Wolff's Gamma method).

    The normalised autocorrelation ``rho(t)`` of each component is summed up to the window W that
    minimises the sum of the statistical and truncation errors (automatic windowing with
    ``S = window_factor``, U. Wolff, Comput. Phys. Commun. 156, 143 (2004)), with the O(W/N)
    bias correction. Segments (independent replicas) are analysed together: the autocovariance
    pools the pairs inside each segment.

    Parameters
    ----------
    series : array_like (n, ...)
        Block values; the first axis runs over blocks, replicas one after the other.
    lengths : sequence of int
        Number of blocks of each replica (sum n).

    Returns
    -------
    mean, stderr, tau_int, window : arrays of shape ``series.shape[1:]``
        ``tau_int`` in blocks (1/2 for uncorrelated blocks, at least 1/2 here); the variance of the
        mean is ``2 tau_int Var / n``; the number of independent blocks is ``n / (2 tau_int)``.
        With fewer than two blocks the error is NaN.
    """
    x = np.asarray(series, dtype=float)
    shape = x.shape[1:]
    n = x.shape[0]
    x2 = x.reshape(n, -1)
    mean = x2.mean(axis=0)
    k = x2.shape[1]
    if n < 2:
        nan = np.full(k, np.nan)
        return (mean.reshape(shape), nan.reshape(shape), np.full(shape, np.nan),
                np.zeros(shape, dtype=int))
    lengths = [int(m) for m in lengths if int(m) > 0]
    centred = x2 - mean
    sums, counts = _autocovariance_sums(centred, lengths)
    t_max = min(int(max(lengths)) // 2, n // 2)
    if t_max < 1:  # one block per replica: independent blocks, nothing to correlate
        g0 = sums[0] / n
        err = np.sqrt(g0 / (n - 1))
        return (mean.reshape(shape), err.reshape(shape), np.full(shape, 0.5 * n / (n - 1)),
                np.zeros(shape, dtype=int))
    gamma = sums[: t_max + 1] / np.maximum(counts[: t_max + 1], 1)[:, None]
    g0 = gamma[0]
    positive = g0 > 1e-300 * np.maximum(np.abs(mean) ** 2, 1e-300)
    safe = np.where(positive, g0, 1.0)
    rho = gamma / safe
    # tau_int(W) for W = 1 .. t_max and Wolff's criterion g(W) = exp(-W / tau) - tau / sqrt(W n)
    tau_w = 0.5 + np.cumsum(rho[1:], axis=0)  # (t_max, k)
    w = np.arange(1, t_max + 1)[:, None]
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        ratio = (2 * tau_w + 1) / (2 * tau_w - 1)
        tau_exp = np.where(tau_w > 0.5, window_factor / np.log(np.where(ratio > 1, ratio, 2.0)),
                           1e-12)
        crit = np.exp(-w / tau_exp) - tau_exp / np.sqrt(w * n)
    below = crit < 0
    window = np.where(below.any(axis=0), np.argmax(below, axis=0) + 1, t_max)
    tau = tau_w[window - 1, np.arange(k)]
    tau = tau * (1.0 + (2.0 * window + 1.0) / n)  # bias of the windowed sum (Wolff, Eq. 49)
    tau = np.maximum(tau, 0.5 * n / (n - 1))  # never below the independent-block estimate
    err = np.sqrt(2.0 * tau * np.where(positive, g0, 0.0) / n)
    # slow modes with small amplitude (long relaxation tails) escape the window; binning the
    # blocks (Flyvbjerg-Petersen) into at least MIN_INDEPENDENT_BLOCKS bins catches them: keep
    # the larger error
    binned = _binned_errors(centred, lengths, int(MIN_INDEPENDENT_BLOCKS))
    if binned is not None:
        err = np.maximum(err, binned)
        with np.errstate(divide="ignore", invalid="ignore"):
            tau = np.where(positive, np.maximum(tau, n * err**2 / (2.0 * safe)), tau)
    tau = np.where(positive, tau, 0.5)
    return mean.reshape(shape), err.reshape(shape), tau.reshape(shape), window.reshape(shape)


def jackknife_pseudovalues(fn, *arrays) -> np.ndarray:
    """Jackknife pseudo-values ``n f(mean) - (n - 1) f(mean without block b)`` over axis 0.

    ``fn`` must broadcast over a leading axis. Their mean is the bias-corrected estimate (it
    removes the O(1/n) bias of, for instance, variances about an estimated drift), and, as block
    series, they carry the estimator's fluctuations for :func:`autocorrelation_analysis`.
    """
    arrays = [np.asarray(a, dtype=float) for a in arrays]
    n = arrays[0].shape[0]
    full = np.asarray(fn(*[a.mean(axis=0) for a in arrays]), dtype=float)
    if n < 2:
        return full[None]
    loo = np.asarray(fn(*[(a.sum(axis=0)[None] - a) / (n - 1) for a in arrays]), dtype=float)
    return n * full[None] - (n - 1) * loo


def binder(g2, g4):
    """Binder cumulant; NaN where <gamma^2> = 0 (no polarization defined or measured)."""
    g2 = np.asarray(g2, dtype=float)
    safe = np.where(g2 > 0, g2, 1.0)
    return np.where(g2 > 0, 1.0 - np.asarray(g4) / (3.0 * safe**2), np.nan)


@dataclass(frozen=True)
class Estimate:
    """Value, standard error and integrated autocorrelation time (blocks) of one observable.

    ``series`` is the block series the error comes from (block values, jackknife pseudo-values or
    the linearised series of a derived quantity); ``n_blocks`` its length.
    """

    value: np.ndarray
    stderr: np.ndarray
    tau: np.ndarray
    n_blocks: int
    series: np.ndarray

    @property
    def pair(self):
        return self.value, self.stderr

    def summary_tau(self) -> float:
        """Largest autocorrelation time over the components with a non-zero error."""
        tau = np.atleast_1d(self.tau)
        err = np.atleast_1d(self.stderr)
        ok = np.isfinite(tau) & (err > 0)
        if not ok.any():
            return float(np.nanmax(tau)) if np.isfinite(tau).any() else np.nan
        return float(tau[ok].max())

    def independent_blocks(self) -> float:
        tau = self.summary_tau()
        return self.n_blocks / (2.0 * tau) if np.isfinite(tau) else 0.0


def estimate_from_series(series, lengths, value=None) -> Estimate:
    """Mean (or ``value``), error and autocorrelation time of a block series."""
    mean, err, tau, _ = autocorrelation_analysis(series, lengths)
    return Estimate(mean if value is None else value, err, tau, np.asarray(series).shape[0],
                    np.asarray(series, dtype=float))


def _linearised(value, parts, lengths) -> Estimate:
    """Estimate of a derived quantity from its linearised block series (delta method).

    ``parts`` is a list of ``(gradient, Estimate)``: the derived series is
    ``sum gradient * series`` (broadcast), whose autocorrelation analysis gives the error.
    """
    lin = None
    for grad, est in parts:
        grad = np.asarray(grad, dtype=float)
        dev = est.series - est.series.mean(axis=0)
        dev = dev.reshape(dev.shape + (1,) * max(0, grad.ndim - (dev.ndim - 1)))
        term = grad[None] * dev
        lin = term if lin is None else lin + term
    _, err, tau, _ = autocorrelation_analysis(lin, lengths)
    return Estimate(value, err, tau, lin.shape[0], lin + np.asarray(value, dtype=float)[None])


def block_estimates(acc, first, second, fluct, *, n_ions: int, block: float, lags,
                    subtract_drift: bool, slab_fraction: float, lengths=None) -> dict:
    """Estimators from pooled blocks (see the module doc); a dict of :class:`Estimate`.

    Parameters
    ----------
    acc : (n, n_acc) block accumulators
    first, second : (n, n_lags, dim) and (n, n_lags, dim, dim) sums over ions at each lag
    fluct : (n, 2) number of slab samples and sum of the mean squared slab deviations
    lengths : sequence of int, optional
        Blocks per replica (replicas one after the other); default one replica.
    """
    n = acc.shape[0]
    if lengths is None:
        lengths = [n]
    dim = first.shape[-1]
    lags = np.asarray(lags, dtype=float)
    samples = np.maximum(acc[:, A_SAMPLES], 1e-300)
    out: dict = {}
    disp = acc[:, A_DISP : A_DISP + dim]
    out["drift_velocity"] = estimate_from_series(disp / (n_ions * block), lengths)
    out["hop_probability"] = estimate_from_series(acc[:, A_HOPS] / (n_ions * samples), lengths)
    out["polarization"] = estimate_from_series(acc[:, A_G1] / samples, lengths)
    out["polarization_abs"] = estimate_from_series(acc[:, A_GABS] / samples, lengths)
    g2 = estimate_from_series(acc[:, A_G2] / samples, lengths)
    g4 = estimate_from_series(acc[:, A_G4] / samples, lengths)
    m2, m4 = float(g2.value), float(g4.value)
    if m2 > 0:
        out["binder_cumulant"] = _linearised(
            binder(m2, m4), [(2.0 * m4 / (3.0 * m2**3), g2), (-1.0 / (3.0 * m2**2), g4)], lengths)
    else:
        out["binder_cumulant"] = Estimate(np.nan, np.nan, np.nan, n, np.full(n, np.nan))

    # mean-square displacements at every lag about the estimated drift, as functions of the
    # block means; jackknife pseudo-values remove the O(1/n) bias of the estimated drift and
    # are the block series of the error analysis
    ff = first[..., :, None] * first[..., None, :]
    disp_per_time = disp / (n_ions * block)

    def msd_pair(vel, m_first, m_second, m_ff):
        v = vel if subtract_drift else np.zeros_like(vel)
        vt = v[..., None, :] * lags[:, None]  # (..., lags, dim)
        m1 = m_first / n_ions
        tracer = (m_second / n_ions - m1[..., :, None] * vt[..., None, :]
                  - vt[..., :, None] * m1[..., None, :] + vt[..., :, None] * vt[..., None, :])
        collective = (m_ff / n_ions - m_first[..., :, None] * vt[..., None, :]
                      - vt[..., :, None] * m_first[..., None, :]
                      + n_ions * vt[..., :, None] * vt[..., None, :])
        return np.stack([tracer, collective], axis=-4)  # (..., 2, lags, dim, dim)

    ps = jackknife_pseudovalues(msd_pair, disp_per_time, first, second, ff)
    tracer_ps, coll_ps = ps[:, 0], ps[:, 1]
    tr_lags = np.trace(tracer_ps, axis1=-2, axis2=-1)
    co_lags = np.trace(coll_ps, axis1=-2, axis2=-1)
    out["msd_tracer"] = estimate_from_series(tr_lags, lengths)
    out["msd_collective"] = estimate_from_series(co_lags, lengths)
    # slope over the second half of the block: removes the short-time offset (intra-cell
    # motion, uncorrelated first hops) of MSD / t
    t_last = lags[-1]
    k1 = int(np.searchsorted(lags, 0.5 * t_last, side="right")) - 1
    if k1 >= 0 and lags[k1] < t_last:
        def slope(x):
            return (x[:, -1] - x[:, k1]) / (2.0 * (t_last - lags[k1]))
    else:
        def slope(x):
            return x[:, -1] / (2.0 * t_last)
    d_tr = slope(tracer_ps)
    d_c = slope(coll_ps)
    out["tracer_diffusion_tensor"] = estimate_from_series(d_tr, lengths)
    out["jump_diffusion_tensor"] = estimate_from_series(d_c, lengths)
    tr = estimate_from_series(np.trace(d_tr, axis1=-2, axis2=-1) / dim, lengths)
    jc = estimate_from_series(np.trace(d_c, axis1=-2, axis2=-1) / dim, lengths)
    out["tracer_diffusion"] = tr
    out["jump_diffusion"] = jc

    # thermodynamic factor from the slab number fluctuations
    cnt = np.maximum(fluct[:, 0], 1.0)
    msq = estimate_from_series(fluct[:, 1] / cnt, lengths)
    f = slab_fraction
    c_slab = f * n_ions * (1.0 - f)
    b = float(msq.value)
    if f > 0.0 and b > 0:
        phi = c_slab / b
        out["thermodynamic_factor"] = _linearised(phi, [(-c_slab / b**2, msq)], lengths)
        dc = float(jc.value)
        out["collective_diffusion"] = _linearised(
            phi * dc, [(phi, jc), (-dc * c_slab / b**2, msq)], lengths)
        out["collective_diffusion_tensor"] = _linearised(
            phi * out["jump_diffusion_tensor"].value,
            [(np.full((dim, dim), phi), out["jump_diffusion_tensor"]),
             (-out["jump_diffusion_tensor"].value * c_slab / b**2, msq)], lengths)
    else:
        for name, shape in (("thermodynamic_factor", ()), ("collective_diffusion", ()),
                            ("collective_diffusion_tensor", (dim, dim))):
            out[name] = Estimate(np.full(shape, np.nan), np.full(shape, np.nan),
                                 np.full(shape, np.nan), n, np.full((n, *shape), np.nan))
    # Haven ratio from the very means reported as tracer and jump diffusion
    a_tr, a_c = float(tr.value), float(jc.value)
    if a_c > 0:
        out["haven_ratio"] = _linearised(a_tr / a_c, [(1.0 / a_c, tr), (-a_tr / a_c**2, jc)],
                                         lengths)
    else:
        out["haven_ratio"] = Estimate(np.nan, np.nan, np.nan, n, np.full(n, np.nan))
    return out
