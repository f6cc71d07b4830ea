r"""Gaussian blocks of the shrinkage references: exact coefficient draws and the marginal likelihood.

For :math:`y = c\mathbf 1 + X\beta + \varepsilon`, :math:`\varepsilon \sim N(0, \sigma^2 I)`, flat
:math:`c` and :math:`\beta \sim N(0, \text{diag}(v))`, centring (:math:`\tilde X, \tilde y`) integrates
:math:`c` out. :class:`CentredData` holds the centred data and

* :meth:`CentredData.coef_draw`: one exact draw of :math:`\beta \mid v, \sigma, y`;
* :meth:`CentredData.log_marginal`: :math:`\log p(\tilde y \mid v, \sigma)` with :math:`\beta` integrated
  out, :math:`\tilde y \sim N(0, \sigma^2 K)`, :math:`K = I + \tilde X\,\text{diag}(v/\sigma^2)\tilde X^\top`:

  .. math::

      -\tfrac d2\log\sigma^2 - \tfrac12\log|K| - \tfrac{Q}{2\sigma^2},\qquad Q = \tilde y^\top K^{-1}\tilde y,

  :math:`d = n - 1` with an intercept (:math:`\mathbf 1` is an eigenvector of :math:`K` with eigenvalue
  1 and :math:`\tilde y \perp \mathbf 1`), computed through the smaller of the :math:`n \times n` and
  the :math:`p \times p` (Sylvester, Woodbury) matrices. :meth:`CentredData.log_marginal_scale_free`
  is the same with :math:`\sigma^2` integrated out under :math:`p(\sigma^2) \propto 1/\sigma^2` when
  :math:`v \propto \sigma^2`: :math:`-\frac12\log|K| - \frac d2\log Q`.

NumPy/SciPy only; written independently of :mod:`bayesreg.model.marginal`.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from scipy import linalg

from bayesreg.reference.chains import _mvn_from_precision

__all__ = ["CentredData"]


class CentredData:
    """Centred design and target (uncentred when ``fit_intercept=False``) and their cross-products."""

    def __init__(self, X: NDArray, y: NDArray, fit_intercept: bool) -> None:
        self.n, self.p = X.shape
        self.fit_intercept = fit_intercept
        self.xbar, self.ybar = (X.mean(0), float(y.mean())) if fit_intercept else (np.zeros(self.p), 0.0)
        self.Xc, self.yc = X - self.xbar, y - self.ybar
        self.gram, self.xty, self.yty = self.Xc.T @ self.Xc, self.Xc.T @ self.yc, float(self.yc @ self.yc)
        self.dof = self.n - int(fit_intercept)

    def rss(self, beta: NDArray) -> float:
        r = self.yc - self.Xc @ beta
        return float(r @ r)

    def intercept_draw(self, rng: np.random.Generator, beta: NDArray, sigma: float) -> float:
        r""":math:`c \sim N(\bar y - \bar x^\top\beta, \sigma^2/n)`."""
        return float(self.ybar - self.xbar @ beta + sigma / np.sqrt(self.n) * rng.standard_normal())

    def coef_draw(self, rng: np.random.Generator, prior_var: NDArray, sigma: float) -> NDArray:
        r"""One exact draw of :math:`\beta \sim N(P^{-1}\tilde X^\top\tilde y/\sigma^2, P^{-1})`,
        :math:`P = \tilde X^\top\tilde X/\sigma^2 + \text{diag}(1/v)`.

        For :math:`p \le n` a Cholesky factor of :math:`\sigma^2 P` (Rue 2001); for :math:`p > n` the
        algorithm of Bhattacharya, Chakraborty & Mallick (2016, Biometrika 103:985): with
        :math:`\Phi = \tilde X/\sigma`, :math:`\alpha = \tilde y/\sigma`, :math:`D = \text{diag}(v)`,
        draw :math:`u \sim N(0, D)`, :math:`\delta \sim N(0, I_n)`, solve
        :math:`(\Phi D\Phi^\top + I)w = \alpha - \Phi u - \delta` and return :math:`u + D\Phi^\top w`.
        """
        if self.p <= self.n:
            return _mvn_from_precision(rng, self.gram + np.diag(sigma**2 / prior_var), self.xty, sigma)
        phi = self.Xc / sigma
        u = np.sqrt(prior_var) * rng.standard_normal(self.p)
        v = phi @ u + rng.standard_normal(self.n)
        K = (phi * prior_var) @ phi.T
        K[np.diag_indices(self.n)] += 1.0
        w = linalg.solve(K, self.yc / sigma - v, assume_a="pos", check_finite=False)
        return u + prior_var * (phi.T @ w)

    def _logdet_and_quad(self, scaled_var: NDArray) -> tuple[float, float]:
        """``(log|K|, Q)`` for ``K = I + Xc diag(scaled_var) Xc'`` and ``Q = yc' K^-1 yc``."""
        if not np.all(np.isfinite(scaled_var)):
            return np.inf, np.inf
        if self.p <= self.n:
            d = np.sqrt(scaled_var)
            M = d[:, None] * self.gram * d[None, :]
            M[np.diag_indices(self.p)] += 1.0
            try:
                L = linalg.cholesky(M, lower=True, check_finite=False)
            except linalg.LinAlgError:
                return np.inf, np.inf
            w = linalg.solve_triangular(L, d * self.xty, lower=True, check_finite=False)
            return 2.0 * float(np.sum(np.log(np.diag(L)))), self.yty - float(w @ w)
        K = (self.Xc * scaled_var) @ self.Xc.T
        K[np.diag_indices(self.n)] += 1.0
        try:
            L = linalg.cholesky(K, lower=True, check_finite=False)
        except linalg.LinAlgError:
            return np.inf, np.inf
        w = linalg.solve_triangular(L, self.yc, lower=True, check_finite=False)
        return 2.0 * float(np.sum(np.log(np.diag(L)))), float(w @ w)

    def log_marginal(self, prior_var: NDArray, sigma: float) -> float:
        r""":math:`\log p(\tilde y \mid v, \sigma)` up to a constant (module docstring)."""
        logdet, quad = self._logdet_and_quad(prior_var / sigma**2)
        if not np.isfinite(logdet):
            return -np.inf
        return -self.dof * np.log(sigma) - 0.5 * logdet - quad / (2 * sigma**2)

    def log_marginal_scale_free(self, var_over_sigma2: NDArray) -> tuple[float, float]:
        r"""``(log p(y | v/σ²) with σ² integrated out under p(σ²) ∝ 1/σ², Q)`` up to a constant."""
        logdet, quad = self._logdet_and_quad(var_over_sigma2)
        if not np.isfinite(logdet) or quad <= 0:
            return -np.inf, np.inf
        return -0.5 * logdet - 0.5 * self.dof * np.log(quad), quad
