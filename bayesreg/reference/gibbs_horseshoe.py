r"""Makalic & Schmidt's auxiliary-variable Gibbs sampler for the horseshoe and horseshoe+ (exact).

The model of R's ``bayesreg`` package (``prior = "hs"`` / ``"hs+"``; Makalic & Schmidt 2016, IEEE
Signal Process. Lett. 23:179-182, and arXiv:1611.06649):

.. math::

    y = c\mathbf 1 + X\beta + \varepsilon,\quad \varepsilon \sim N(0, \sigma^2 I), \qquad
    \beta_j \mid \lambda_j, \tau, \sigma \sim N(0, \sigma^2\tau^2\lambda_j^2),

:math:`\tau \sim C^+(0, A)` (``A = scale_global``), flat :math:`c`, and
:math:`p(\sigma^2) \propto 1/\sigma^2` (Jeffreys) or :math:`\sigma` fixed. Horseshoe:
:math:`\lambda_j \sim C^+(0, 1)`; horseshoe+ (Bhadra et al. 2017): :math:`\lambda_j \mid \eta_j \sim
C^+(0, \eta_j)`, :math:`\eta_j \sim C^+(0, 1)`.

Every half-Cauchy is the scale mixture :math:`x^2 \mid a \sim \text{IG}(1/2, 1/a)`,
:math:`a \sim \text{IG}(1/2, 1/s^2)` :math:`\Rightarrow x \sim C^+(0, s)` (IG(shape, scale)), which
makes every full conditional an inverse gamma. With :math:`c` integrated out (centred
:math:`\tilde X, \tilde y`), one sweep draws, in order,

* :math:`\beta \sim N(A^{-1}\tilde X^\top\tilde y, \sigma^2 A^{-1})`,
  :math:`A = \tilde X^\top\tilde X + \text{diag}(1/(\tau^2\lambda^2))` (Rue's Cholesky algorithm for
  :math:`p \le n`, Bhattacharya, Chakraborty & Mallick 2016 for :math:`p > n`, as ``bayesreg`` does;
  :meth:`~bayesreg.reference.gaussian_blocks.CentredData.coef_draw`);
* :math:`\sigma^2 \sim \text{IG}\bigl((n - 1 + p)/2,\ [\|\tilde y - \tilde X\beta\|^2 +
  \sum_j \beta_j^2/(\tau^2\lambda_j^2)]/2\bigr)` (``n`` instead of ``n - 1`` without intercept);
* :math:`\lambda_j^2 \sim \text{IG}(1, 1/\nu_j + \beta_j^2/(2\tau^2\sigma^2))`;
* horseshoe: :math:`\nu_j \sim \text{IG}(1, 1 + 1/\lambda_j^2)`; horseshoe+:
  :math:`\nu_j \sim \text{IG}(1, 1/\eta_j^2 + 1/\lambda_j^2)`,
  :math:`\eta_j^2 \sim \text{IG}(1, 1/\nu_j + 1/\psi_j)`, :math:`\psi_j \sim \text{IG}(1, 1 + 1/\eta_j^2)`;
* :math:`\tau^2 \sim \text{IG}((p + 1)/2, 1/\xi + \sum_j \beta_j^2/(2\sigma^2\lambda_j^2))`,
  :math:`\xi \sim \text{IG}(1, 1/A^2 + 1/\tau^2)`;
* :math:`c \sim N(\bar y - \bar x^\top\beta, \sigma^2/n)`.

NumPy only, like every reference (nothing shared with the PyMC models it checks).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import ArrayLike, NDArray

from bayesreg.reference.chains import Draws, Seed, _design, _run_chains
from bayesreg.reference.gaussian_blocks import CentredData
from bayesreg.reference.slice import slice_update

__all__ = ["gibbs_horseshoe"]


def _inv_gamma(rng: np.random.Generator, shape: float | NDArray, scale: float | NDArray) -> NDArray:
    """IG(shape, scale) draws (density ∝ x^(-shape-1) exp(-scale/x)): scale / Gamma(shape, 1)."""
    return np.asarray(scale) / rng.standard_gamma(shape, size=np.shape(scale))


def gibbs_horseshoe(X: ArrayLike, y: ArrayLike, *, plus: bool = False, scale_global: float = 1.0,
                    noise_sigma: float | None = None, fit_intercept: bool = True, collapsed: bool = False,
                    draws: int, burn: int, seed: Seed, chains: int = 1) -> Draws:
    r"""Makalic-Schmidt Gibbs sampler of the horseshoe (``plus=False``) or horseshoe+ regression.

    Parameters
    ----------
    X : (n, p) array
    y : (n,) array
    plus : bool
        Horseshoe+ (an extra half-Cauchy level on the local scales) instead of the horseshoe.
    scale_global : float
        :math:`A` in :math:`\tau \sim C^+(0, A)`.
    noise_sigma : float or None
        Fixed noise sd, or ``None`` for :math:`p(\sigma^2) \propto 1/\sigma^2`.
    fit_intercept : bool
        Flat-prior intercept (integrated out by centring, then drawn).
    collapsed : bool
        ``False``: Makalic & Schmidt's sweep exactly as above (R ``bayesreg``). ``True``: the global
        block :math:`(\tau, \sigma^2, \beta)` is drawn jointly given the local scales, as Johndrow,
        Orenstein & Bhattacharya (2020, JMLR 21(73)) do: :math:`\log\tau` by a slice update of
        :math:`p(\tau \mid \lambda, y)` with :math:`\beta` (and :math:`\sigma^2`) integrated out
        (:class:`~bayesreg.reference.gaussian_blocks.CentredData`), then
        :math:`\sigma^2 \mid \tau, \lambda, y \sim \text{IG}(d/2, Q/2)`, then :math:`\beta`. The same
        posterior; :math:`\tau` mixes far faster when :math:`p > n`.
    draws, burn, seed, chains
        As in :func:`bayesreg.reference.gibbs_linear.gibbs_laplace_fixed_noise`.

    Returns
    -------
    dict
        ``"beta"``, ``"lam"`` (and ``"eta"`` for horseshoe+): ``(N, p)``; ``"tau"``, ``"sigma"``,
        ``"intercept"`` (if fitted): ``(N,)``, ``N = chains * draws``. ``beta = sigma * tau * lam * z``.
    """
    X, y = _design(X, y)
    n, p = X.shape
    if scale_global <= 0 or (noise_sigma is not None and noise_sigma <= 0):
        raise ValueError("scale_global and noise_sigma must be positive")
    data = CentredData(X, y, fit_intercept)
    shape_sigma = (data.dof + p) / 2
    a2 = float(scale_global) ** 2

    def step(rng: np.random.Generator) -> Callable[[], dict]:
        lam2, nu, tau2, xi = np.ones(p), np.ones(p), a2, 1.0
        eta2, psi = np.ones(p), np.ones(p)
        sigma2 = float(noise_sigma) ** 2 if noise_sigma is not None else float(data.yc.var()) or 1.0

        def global_block() -> None:
            """(tau, sigma^2) given lam with beta integrated out (``collapsed=True``)."""
            nonlocal tau2, sigma2

            def logp(u: NDArray) -> NDArray:
                t2 = np.exp(2 * u[0])
                prior = np.log(t2 / a2) / 2 - np.log1p(t2 / a2)  # C+(0, A) density of tau times tau
                if noise_sigma is None:
                    return np.array([prior + data.log_marginal_scale_free(t2 * lam2)[0]])
                return np.array([prior + data.log_marginal(sigma2 * t2 * lam2, np.sqrt(sigma2))])

            tau2 = float(np.exp(2 * slice_update(logp, np.array([0.5 * np.log(tau2)]), rng)[0]))
            if noise_sigma is None:
                sigma2 = float(_inv_gamma(rng, data.dof / 2, data.log_marginal_scale_free(tau2 * lam2)[1] / 2))

        def advance() -> dict:
            nonlocal lam2, nu, tau2, xi, eta2, psi, sigma2
            if collapsed:
                global_block()
            beta = data.coef_draw(rng, sigma2 * tau2 * lam2, np.sqrt(sigma2))
            if noise_sigma is None and not collapsed:
                sigma2 = float(_inv_gamma(rng, shape_sigma, (data.rss(beta) + np.sum(beta**2 / (tau2 * lam2))) / 2))
            lam2 = _inv_gamma(rng, 1.0, 1.0 / nu + beta**2 / (2 * tau2 * sigma2))
            if plus:
                nu = _inv_gamma(rng, 1.0, 1.0 / eta2 + 1.0 / lam2)
                eta2 = _inv_gamma(rng, 1.0, 1.0 / nu + 1.0 / psi)
                psi = _inv_gamma(rng, 1.0, 1.0 + 1.0 / eta2)
            else:
                nu = _inv_gamma(rng, 1.0, 1.0 + 1.0 / lam2)
            if not collapsed:
                tau2 = float(_inv_gamma(rng, (p + 1) / 2, 1.0 / xi + np.sum(beta**2 / lam2) / (2 * sigma2)))
                xi = float(_inv_gamma(rng, 1.0, 1.0 / a2 + 1.0 / tau2))
            row = {"beta": beta, "lam": np.sqrt(lam2), "tau": np.sqrt(tau2), "sigma": np.sqrt(sigma2)}
            if plus:
                row["eta"] = np.sqrt(eta2)
            if fit_intercept:
                row["intercept"] = data.intercept_draw(rng, beta, np.sqrt(sigma2))
            return row

        return advance

    return _run_chains(step, draws=draws, burn=burn, seed=seed, chains=chains)
