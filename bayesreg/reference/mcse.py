"""Monte Carlo standard errors and effective sample sizes, written independently of ArviZ.

Used to set the tolerances of the statistical tests (NUTS within 4 MCSE of an exact reference) and
to report the Monte Carlo error of the Gibbs references. NumPy/SciPy only.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import stats

__all__ = ["effective_sample_size", "mcse_mean", "mcse_quantile"]


def _chains(draws: ArrayLike) -> NDArray:
    x = np.asarray(draws, dtype=float)
    x = x[None, :] if x.ndim == 1 else x
    if x.ndim != 2 or x.shape[1] < 4:
        raise ValueError("draws must be (draws,) or (chains, draws) with >= 4 draws")
    return x


def effective_sample_size(draws: ArrayLike) -> float:
    """Effective sample size of a scalar quantity, Stan / Geyer style.

    ``draws`` is ``(draws,)`` or ``(chains, draws)``. Per-chain autocovariances by FFT are
    combined with the between-chain variance (Gelman et al., BDA3 sec. 11.5); the
    autocorrelation sum uses Geyer's initial monotone positive-pair sequence, so
    ``ESS = chains * draws / tau`` with ``tau = -1 + 2 sum_k (rho_2k + rho_2k+1)``.
    No rank normalisation (unlike ``arviz.ess``): this is the ESS relevant to the MCSE of a
    mean. Returns ``nan`` for a constant input.
    """
    x = _chains(draws)
    m, n = x.shape
    xc = x - x.mean(axis=1, keepdims=True)
    nfft = 1 << (2 * n - 1).bit_length()
    f = np.fft.rfft(xc, nfft, axis=1)
    acov = np.fft.irfft(f * np.conj(f), nfft, axis=1)[:, :n] / n
    w = acov[:, 0].mean() * n / (n - 1)
    var_plus = w * (n - 1) / n + (x.mean(axis=1).var(ddof=1) if m > 1 else 0.0)
    if var_plus <= 0:
        return float("nan")
    rho = 1.0 - (w - acov.mean(axis=0)) / var_plus
    rho[0] = 1.0
    pairs = rho[: 2 * (n // 2) : 2] + rho[1 : 2 * (n // 2) : 2]
    stop = np.flatnonzero(pairs <= 0)
    pairs = np.minimum.accumulate(pairs[: stop[0] if stop.size else pairs.size])
    tau = max(-1.0 + 2.0 * pairs.sum(), 1.0 / np.log10(m * n))
    return float(m * n / tau)


def mcse_mean(draws: ArrayLike) -> float:
    """Monte Carlo standard error of the mean: ``sd / sqrt(ESS)`` (:func:`effective_sample_size`)."""
    x = _chains(draws)
    return float(np.sqrt(x.var(ddof=1) / effective_sample_size(x)))


def mcse_quantile(draws: ArrayLike, q: float) -> float:
    """Monte Carlo standard error of the ``q`` sample quantile (Vehtari et al. 2021, sec. 4.3).

    With ``S`` the ESS of the indicator ``1{x <= xhat_q}``, the quantile's +-1 sd interval is
    read off the empirical distribution at the ``Phi(-1), Phi(1)`` points of a
    ``Beta(S q + 1, S (1 - q) + 1)``; the MCSE is half its width. Avoids a density estimate.
    """
    x = _chains(draws)
    ess = effective_sample_size((x <= np.quantile(x, q)).astype(float))
    lo, hi = stats.beta.ppf(stats.norm.cdf([-1.0, 1.0]), ess * q + 1, ess * (1 - q) + 1)
    srt = np.sort(x, axis=None)
    i = np.clip(np.ceil(np.array([lo, hi]) * srt.size).astype(int) - 1, 0, srt.size - 1)
    return float((srt[i[1]] - srt[i[0]]) / 2)
