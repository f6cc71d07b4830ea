r"""A posterior reference by importance sampling from a Laplace approximation (NumPy/SciPy only).

For a log-posterior density :math:`\log\pi(\theta)` (up to a constant) with mode :math:`\hat\theta`
and curvature :math:`H = -\nabla^2\log\pi(\hat\theta)`, draws :math:`\theta_k` come from the
multivariate Student-t proposal :math:`q = t_{\nu}(\hat\theta, H^{-1})` (heavier tails than the
posterior, so the weights are bounded in the cases used here) and get the self-normalised weights
:math:`\bar w_k \propto \pi(\theta_k)/q(\theta_k)`. Then
:math:`E_\pi[g] \approx \sum_k \bar w_k g(\theta_k)` with the delta-method Monte Carlo standard error
:math:`\sqrt{\sum_k \bar w_k^2 (g(\theta_k) - \hat E g)^2}` (Owen, *Monte Carlo theory, methods and
examples*, 2013, sec. 9.2) and the effective sample size :math:`1/\sum_k \bar w_k^2`.

Independent of PyMC and of bayesreg's MAP: the caller writes :math:`\log\pi` in NumPy, and the
mode is found here with SciPy (BFGS) from the density itself.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy import optimize, special

__all__ = ["ImportanceResult", "laplace_importance_sampling"]


@dataclass(frozen=True)
class ImportanceResult:
    """Draws, normalised weights and the weighted means, sds and their MCSEs per coordinate."""

    draws: np.ndarray
    weights: np.ndarray
    mean: np.ndarray
    sd: np.ndarray
    mcse_mean: np.ndarray
    ess: float


def _numerical_hessian(f: Callable[[np.ndarray], float], x: np.ndarray, h: float = 1e-4) -> np.ndarray:
    m = x.size
    H = np.empty((m, m))
    for i in range(m):
        for j in range(i, m):
            ei, ej = np.eye(m)[i] * h, np.eye(m)[j] * h
            H[i, j] = H[j, i] = (f(x + ei + ej) - f(x + ei - ej) - f(x - ei + ej) + f(x - ei - ej)) / (4 * h * h)
    return H


def laplace_importance_sampling(log_density: Callable[[np.ndarray], np.ndarray], start: np.ndarray, *,
                                n_draws: int = 200_000, df: float = 6.0, seed: int = 0) -> ImportanceResult:
    """Importance sampling of ``log_density`` (vectorised over rows of a (k, m) array) (module docstring)."""
    def neg(x: np.ndarray) -> float:
        return -float(log_density(np.asarray(x, dtype=float)[None, :])[0])

    res = optimize.minimize(neg, np.asarray(start, dtype=float), method="BFGS", options={"gtol": 1e-9})
    mode = res.x
    H = _numerical_hessian(neg, mode)
    cov = np.linalg.inv(0.5 * (H + H.T))
    L = np.linalg.cholesky(cov)
    m = mode.size
    rng = np.random.default_rng(seed)
    z = rng.standard_normal((n_draws, m))
    u = rng.chisquare(df, size=n_draws)
    draws = mode + (z @ L.T) / np.sqrt(u / df)[:, None]
    quad = np.einsum("ij,ij->i", z, z) / (u / df)  # (theta - mode)' cov^-1 (theta - mode)
    log_q = (special.gammaln((df + m) / 2) - special.gammaln(df / 2) - 0.5 * m * np.log(df * np.pi)
             - np.sum(np.log(np.diag(L))) - 0.5 * (df + m) * np.log1p(quad / df))
    log_w = np.concatenate([log_density(draws[k:k + 20_000]) for k in range(0, n_draws, 20_000)]) - log_q
    w = np.exp(log_w - np.max(log_w))
    w /= w.sum()
    mean = w @ draws
    centred = draws - mean
    sd = np.sqrt(w @ centred**2)
    mcse = np.sqrt((w**2) @ centred**2)
    return ImportanceResult(draws, w, mean, sd, mcse, float(1.0 / np.sum(w**2)))
