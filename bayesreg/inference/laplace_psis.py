r"""The posterior of a GLM at scale: Laplace approximation at the certified MAP, corrected by PSIS.

With :math:`\hat\theta = (\hat w, \hat c)` the certified MAP (:mod:`bayesreg.inference.distributed` or
:func:`bayesreg.inference.map.find_map`) and

.. math::

    H = \sum_i v_i \ell''(\hat\eta_i)\,(x_i, 1)(x_i, 1)^\top + 2\operatorname{diag}(\ell_2, 0)

the Hessian of the negative log-posterior there (one pass), the proposal is
:math:`q = N(\hat\theta, H^{-1})`. For :math:`S` draws :math:`\theta_s \sim q` the **exact**
unnormalised log-posterior

.. math::

    \log \tilde p(\theta_s) = -\sum_i v_i\,\ell(y_i, c_s + x_i^\top w_s)
                              - \sum_j \ell_{1,j}|w_{sj}| + \ell_{2,j}w_{sj}^2

is evaluated for all draws in **one pass** over the rows (each block computes :math:`X_k B` for the
:math:`p\times S` block :math:`B = (w_1, \ldots, w_S)`), and the importance ratios
:math:`r_s = \tilde p(\theta_s)/q(\theta_s)` are Pareto-smoothed (PSIS, Vehtari, Simpson, Gelman, Yao &
Gabry 2024, JMLR 25(72); ArviZ's ``psislw``). The shape estimate :math:`\hat k` of the ratios' tail says
whether the weighted draws can be trusted: for :math:`\hat k \le` ``K_MAX`` = min(0.7, 1 − 1/log10 S)
the self-normalised estimates converge at a usable rate; above it the result is **not** a posterior
and is reported as such (:class:`UnreliableApproximationError`), with the fix: NUTS on the full data
(in memory) or more draws.

A Laplace prior's kink at 0 has no curvature, so :math:`H` carries only the likelihood's curvature for
those coordinates; when many MAP coefficients are exactly 0 and the data identify them weakly the
proposal misses the posterior's shape there, and :math:`\hat k` says so (``tests/test_laplace_psis.py``
checks both regimes against full NUTS).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import linalg

from bayesreg.inference.blas import serial_blas
from bayesreg.inference.distributed import glm_pass
from bayesreg.model.likelihoods import Likelihood
from bayesreg.model.priors import Prior
from bayesreg.model.rows import RowSource

__all__ = ["LaplacePSIS", "UnreliableApproximationError", "laplace_psis", "log_posterior_pass", "k_threshold"]

ETA_VALUES = 1 << 22  # entries of X_k B held at once (32 MB)


class UnreliableApproximationError(RuntimeError):
    """The PSIS-corrected Laplace approximation failed its Pareto k-hat check: not a posterior."""


def k_threshold(n_draws: int) -> float:
    r"""PSIS reliability threshold :math:`\min(0.7, 1 - 1/\log_{10} S)` (Vehtari et al. 2024)."""
    return float(min(0.7, 1.0 - 1.0 / np.log10(max(n_draws, 11))))


def log_posterior_pass(X: np.ndarray, y: np.ndarray, v: np.ndarray | None, B: np.ndarray, c: np.ndarray,
                       likelihood: Likelihood) -> tuple:
    r"""One block's :math:`\sum_i v_i \ell(y_i, c_s + x_i^\top w_s)` for every draw ``s`` (``B``: p × S)."""
    S = B.shape[1]
    step = max(1, ETA_VALUES // max(S, 1))
    out = np.zeros(S)
    for a in range(0, X.shape[0], step):
        eta = X[a:a + step] @ B + c  # (rows, S)
        nll = likelihood.nll_eta(y[a:a + step], eta)
        out += (nll.sum(axis=0) if v is None else v[a:a + step] @ nll)
    return (out,)


@dataclass(frozen=True, eq=False)
class LaplacePSIS:
    """Draws of the Laplace approximation with their Pareto-smoothed importance weights.

    Attributes
    ----------
    mode : ndarray (m,)
        The MAP :math:`(\\hat w, \\hat c)` (``m = p + 1`` with an intercept).
    draws : ndarray (S, m)
        Draws of :math:`N(\\hat\\theta, H^{-1})`.
    log_weights : ndarray (S,)
        PSIS-smoothed, normalised log importance weights.
    pareto_k : float
        :math:`\\hat k` of the importance ratios.
    k_max : float
        The threshold :func:`k_threshold` for ``S`` draws.
    ess : float
        Importance-sampling effective sample size :math:`1/\\sum_s w_s^2`.
    hessian : ndarray (m, m)
        :math:`H` at the mode in the centred coordinates :math:`(w, c + \\mu^\\top w)`, :math:`\\mu` the
        weighted column means (the proposal's precision there).
    """

    mode: np.ndarray
    draws: np.ndarray
    log_weights: np.ndarray
    pareto_k: float
    k_max: float
    ess: float
    feature_names: tuple[str, ...]
    fit_intercept: bool
    hessian: np.ndarray = field(repr=False)

    @property
    def reliable(self) -> bool:
        """:math:`\\hat k \\le` ``k_max``: the weighted draws may be used as the posterior."""
        return bool(self.pareto_k <= self.k_max)

    def problem(self) -> str:
        """Why the result is not a posterior, and the fix ('' when it is reliable)."""
        if self.reliable:
            return ""
        return (f"Pareto k-hat = {self.pareto_k:.2f} > {self.k_max:.2f}: the Laplace approximation at the MAP is "
                "too far from the posterior for importance sampling to correct it; this is NOT a posterior. "
                "Fix: sample the full posterior with NUTS (method='nuts' on data in memory), or more draws "
                "(draws=...) if k-hat is only slightly above the threshold.")

    def _weights(self) -> np.ndarray:
        if not self.reliable:
            raise UnreliableApproximationError(self.problem())
        return np.exp(self.log_weights)

    def mean(self) -> np.ndarray:
        """Posterior mean of :math:`(w, c)` (self-normalised importance sampling)."""
        return self._weights() @ self.draws

    def sd(self) -> np.ndarray:
        """Posterior standard deviation of :math:`(w, c)`."""
        w = self._weights()
        mu = w @ self.draws
        return np.sqrt(np.maximum(w @ (self.draws - mu) ** 2, 0.0))

    def quantile(self, q: Any) -> np.ndarray:
        """Weighted quantiles of :math:`(w, c)`, shape ``(len(q), m)`` (inverse of the weighted empirical cdf)."""
        w = self._weights()
        qs = np.atleast_1d(np.asarray(q, dtype=float))
        out = np.empty((qs.size, self.draws.shape[1]))
        for j in range(self.draws.shape[1]):
            order = np.argsort(self.draws[:, j])
            cdf = np.cumsum(w[order])
            out[:, j] = self.draws[order, j][np.minimum(np.searchsorted(cdf, qs * cdf[-1]), w.size - 1)]
        return out

    def summary(self, prob: float = 0.94) -> Any:
        """Table per coefficient: MAP, posterior mean, sd and the central ``prob`` interval (weighted)."""
        import pandas as pd

        names = list(self.feature_names) + (["intercept"] if self.fit_intercept else [])
        lo, hi = self.quantile([(1 - prob) / 2, (1 + prob) / 2])
        return pd.DataFrame({"MAP": self.mode, "mean": self.mean(), "sd": self.sd(), f"{(1 - prob) / 2:.1%}": lo,
                             f"{(1 + prob) / 2:.1%}": hi}, index=names)

    def resample(self, size: int | None = None, random_seed: Any = None) -> np.ndarray:
        """``size`` draws (default S) resampled by the weights (systematic resampling)."""
        w = self._weights()
        size = self.draws.shape[0] if size is None else int(size)
        rng = np.random.default_rng(random_seed)
        positions = (rng.uniform() + np.arange(size)) / size
        idx = np.minimum(np.searchsorted(np.cumsum(w), positions), w.size - 1)
        return self.draws[rng.permutation(idx)]

    def to_idata(self, random_seed: Any = None) -> Any:
        """InferenceData of resampled draws (one chain), with ``pareto_k`` in ``attrs``; refuses when unreliable."""
        from bayesreg.inference.diagnostics import import_arviz

        az = import_arviz()
        d = self.resample(random_seed=random_seed)
        p = len(self.feature_names)
        posterior = {"coef": d[None, :, :p]}
        if self.fit_intercept:
            posterior["intercept"] = d[None, :, p]
        idata = az.from_dict(posterior=posterior, coords={"feature": list(self.feature_names)},
                             dims={"coef": ["feature"]})
        idata.attrs.update({"method": "laplace_psis", "pareto_k": self.pareto_k, "k_max": self.k_max,
                            "importance_ess": self.ess})
        return idata


def laplace_psis(rows: RowSource, prior: Prior, likelihood: Likelihood, coef: np.ndarray, intercept: float, *,
                 fit_intercept: bool = True, draws: int = 4000, random_seed: Any = None) -> LaplacePSIS:
    """Laplace approximation at the MAP ``(coef, intercept)``, corrected by PSIS (module docstring).

    Two passes over the rows: the Hessian at the mode, then the exact log-posterior of all draws.
    """
    if not isinstance(draws, (int, np.integer)) or isinstance(draws, bool) or draws < 10:
        raise ValueError(f"The 'draws' parameter of laplace_psis must be an integer >= 10; got {draws!r}.")
    mode = np.concatenate([np.asarray(coef, dtype=float), [intercept] if fit_intercept else []])
    with serial_blas(1):  # the blocks are the parallelism
        return _laplace_psis(rows, prior, likelihood, mode, fit_intercept, int(draws), random_seed)


def _laplace_psis(rows: RowSource, prior: Prior, likelihood: Likelihood, mode: np.ndarray, fit_intercept: bool,
                  draws: int, random_seed: Any) -> LaplacePSIS:
    from bayesreg.inference.diagnostics import import_arviz

    p = rows.n_features
    m = mode.size
    l1, l2 = prior.penalty_weights(p)
    # the Hessian of the centred columns: coordinates (w, c + mu'w), well conditioned whatever the column means
    mu = rows.summary().mean_x if fit_intercept else None
    _, _, H, hc, hcc = rows.map_reduce(glm_pass, mode, likelihood, fit_intercept, np.arange(p), fit_intercept,
                                       1, False, mu)
    Hfull = np.empty((m, m))
    Hfull[:p, :p] = H
    if fit_intercept:
        Hfull[:p, p] = Hfull[p, :p] = hc
        Hfull[p, p] = hcc
    Hfull[np.arange(p), np.arange(p)] += 2.0 * l2
    try:
        L = linalg.cholesky(Hfull, lower=True)
    except linalg.LinAlgError:
        raise ValueError("The Hessian of the negative log-posterior at the MAP is not positive definite (a flat "
                         "direction: collinear features with no L2 prior); the Laplace approximation does not "
                         "exist. Add an L2 part to the prior or use NUTS.") from None
    rng = np.random.default_rng(random_seed)
    z = rng.standard_normal((int(draws), m))
    centre = mode.copy()
    if fit_intercept:
        centre[p] += mu @ mode[:p]
    theta = centre + linalg.solve_triangular(L, z.T, lower=True, trans="T").T  # cov = H^{-1}
    if fit_intercept:  # back to (w, c): a shear with unit Jacobian, so log q is unchanged
        theta[:, p] -= theta[:, :p] @ mu
    log_q = -0.5 * np.sum(z * z, axis=1) + np.sum(np.log(np.diag(L))) - 0.5 * m * np.log(2 * np.pi)
    B = np.ascontiguousarray(theta[:, :p].T)
    c = theta[:, p] if fit_intercept else np.zeros(int(draws))
    (nll,) = rows.map_reduce(log_posterior_pass, B, c, likelihood)
    W = theta[:, :p]
    log_p = -nll - (np.abs(W) @ l1 + (W * W) @ l2)
    log_ratio = log_p - log_q
    log_ratio -= np.max(log_ratio)
    lw, k = import_arviz().psislw(log_ratio, reff=1.0)
    lw = np.asarray(lw, dtype=float)
    w = np.exp(lw)
    return LaplacePSIS(mode, theta, lw, float(np.asarray(k)), k_threshold(draws), float(1.0 / np.sum(w * w)),
                       tuple(rows.feature_names), fit_intercept, Hfull)
