"""Monte Carlo standard errors and effective sample sizes, written independently of ArviZ.

Used to set the tolerances of the statistical tests (NUTS within 4 MCSE of an exact reference) and
to report the Monte Carlo error of the Gibbs references. NumPy/SciPy only.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import stats

__all__ = ["effective_sample_size", "mcse_mean", "mcse_quantile", "QUANTILE_WINDOW_SD"]


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


#: half-width, in standard deviations of the quantile's probability, of the window whose order
#: statistics give the local slope of the quantile function (Vehtari et al. and ArviZ use 1).
#: ``scripts/calibrate_mcse.py`` (1000 nutpie runs of 2 x 1000 draws on targets with known quantiles,
#: docs/architecture.md "How honest is 4 MCSE"): the z-scores of the 2.5% / 97.5% quantiles have
#: sd 1.09-1.18 and exceed 4 in up to 0.9% of runs with a window of 1 (a slope from ~14 order
#: statistics is noisy), sd 1.03-1.11 and at most 0.3% with 3.
QUANTILE_WINDOW_SD = 3.0


def mcse_quantile(draws: ArrayLike, q: float, window_sd: float = QUANTILE_WINDOW_SD) -> float:
    r"""Monte Carlo standard error of the ``q`` sample quantile (Vehtari et al. 2021, sec. 4.3).

    With :math:`S` the ESS of the indicator :math:`1\{x \le \hat x_q\}`, the probability of the
    quantile is uncertain as :math:`P \sim \mathrm{Beta}(Sq + 1, S(1 - q) + 1)`, and the MCSE is
    that uncertainty carried through the quantile function :math:`Q` of the draws,

    .. math::

        \mathrm{MCSE} = \frac{p_+ - p_-}{2k}\,
            \frac{x_{(i_+)} - x_{(i_-)}}{(i_+ - i_-)/N},
        \qquad p_\pm = F_{\mathrm{Beta}}^{-1}(\Phi(\pm k)),\;
        i_\pm = \lceil p_\pm N \rceil \text{ (clipped to the draws)},

    a slope of :math:`Q` read between the order statistics at :math:`p_\pm` (no density estimate)
    times the half-width of the :math:`\pm k` sd interval of :math:`P`. With ``window_sd`` = 1
    and no clipping this is the ±1 sd half-width of Vehtari et al. (ArviZ's ``mcse(method="quantile")``);
    the default :data:`QUANTILE_WINDOW_SD` = 3 reads the slope over a wider window, which is less
    noisy in the tails (module constant's note).
    """
    if not window_sd > 0:
        raise ValueError(f"window_sd must be a positive number of standard deviations; got {window_sd!r}")
    x = _chains(draws)
    ess = effective_sample_size((x <= np.quantile(x, q)).astype(float))
    p_lo, p_hi = stats.beta.ppf(stats.norm.cdf([-window_sd, window_sd]), ess * q + 1, ess * (1 - q) + 1)
    srt = np.sort(x, axis=None)
    size = srt.size
    i_lo, i_hi = np.clip(np.ceil(np.array([p_lo, p_hi]) * size).astype(int) - 1, 0, size - 1)
    if i_hi == i_lo:  # the whole window within one order statistic: the nearest spacing
        i_lo, i_hi = max(i_lo - 1, 0), min(i_hi + 1, size - 1)
    slope = (srt[i_hi] - srt[i_lo]) / ((i_hi - i_lo) / size)
    return float(slope * (p_hi - p_lo) / (2 * window_sd))
