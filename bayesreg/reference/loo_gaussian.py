r"""Exact leave-one-out predictive densities of the Gaussian-prior linear model with known noise.

NumPy only, written from the rows (no sufficient statistics, no shared code with
:mod:`bayesreg.inference.path_loo`). Model: :math:`y_i \sim N(z_i^\top\theta, \sigma^2)`,
:math:`z_i = (x_i, 1)` (the 1 only with an intercept), prior precision
:math:`P_0 = \operatorname{diag}(2\ell_2, 0)` (flat on the intercept). The posterior is
:math:`N(\mu, P^{-1})`, :math:`P = Z^\top Z/\sigma^2 + P_0`, :math:`\mu = P^{-1}Z^\top y/\sigma^2`.
Removing row :math:`i` gives :math:`P_{-i} = P - z_iz_i^\top/\sigma^2`; with :math:`h_i = z_i^\top P^{-1}z_i`,
:math:`a_i = h_i/\sigma^2` and :math:`r_i = y_i - z_i^\top\mu`, Sherman-Morrison gives

.. math::

    y_i - z_i^\top\mu_{-i} = \frac{r_i}{1 - a_i}, \qquad
    \operatorname{Var}(y_i \mid y_{-i}) = \sigma^2 + z_i^\top P_{-i}^{-1}z_i = \frac{\sigma^2}{1 - a_i},

so :math:`\log p(y_i \mid y_{-i}) = \log N\big(r_i/(1-a_i);\, 0,\, \sigma^2/(1-a_i)\big)`, and
:math:`\mathrm{elpd}_{\mathrm{loo}} = \sum_i \log p(y_i \mid y_{-i})`.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

__all__ = ["exact_loo_gaussian_prior"]


def exact_loo_gaussian_prior(X: ArrayLike, y: ArrayLike, l2: ArrayLike, *, noise_sigma: float,
                             fit_intercept: bool = True) -> np.ndarray:
    """Pointwise exact :math:`\\log p(y_i \\mid y_{-i})` (module docstring); ``l2`` the sum-form L2
    weights (prior :math:`w_j \\sim N(0, 1/(2\\ell_{2,j}))`)."""
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    n, p = X.shape
    Z = np.hstack([X, np.ones((n, 1))]) if fit_intercept else X
    prec0 = np.zeros(Z.shape[1])
    prec0[:p] = 2.0 * np.broadcast_to(np.asarray(l2, dtype=float), (p,))
    s2 = noise_sigma**2
    P = Z.T @ Z / s2 + np.diag(prec0)
    mu = np.linalg.solve(P, Z.T @ y / s2)
    h = np.einsum("ij,ji->i", Z, np.linalg.solve(P, Z.T))
    a = h / s2
    var = s2 / (1.0 - a)
    resid = (y - Z @ mu) / (1.0 - a)
    return -0.5 * np.log(2.0 * np.pi * var) - 0.5 * resid**2 / var
