r"""Slice-within-Gibbs samplers for the regularized horseshoe and the R2D2 prior (exact MCMC references).

Neither prior is conditionally conjugate in its scales, so each sweep draws the coefficients from
their exact conditional and then every scale by a univariate slice-sampling update
(:func:`bayesreg.reference.slice.slice_update`) of its exact conditional density, written here
from the prior as published. Every update leaves the posterior invariant, so the chain is exact.

**Regularized horseshoe** (Piironen & Vehtari 2017, Electron. J. Statist. 11:5018; rstanarm's
``hs()``), with :math:`t^+_\nu` a half Student-t and :math:`\sigma = 1` for the logistic likelihood:

.. math::

    \beta_j \sim N(0, \tau^2\tilde\lambda_j^2),\quad
    \tilde\lambda_j^2 = \frac{c^2\lambda_j^2}{c^2 + \tau^2\lambda_j^2},\quad
    \lambda_j \sim t^+_{\nu_l}(0, 1),\quad \tau = t\cdot s_g\,\sigma,\ t \sim t^+_{\nu_g}(0, 1),\quad
    c^2 = s_s^2\,a,\ a \sim \text{IG}(\nu_s/2, \nu_s/2).

**R2D2** (Zhang et al. 2022, JASA 117:1838; brms's ``R2D2()``), with
:math:`\omega = R^2/(1 - R^2)`:

.. math::

    \beta_j \sim N(0, \sigma^2\omega\varphi_j),\quad R^2 \sim \text{Beta}(\mu\kappa, (1-\mu)\kappa)
    \ (\Leftrightarrow \omega \sim \text{BetaPrime}(\mu\kappa, (1-\mu)\kappa)),\quad
    \varphi \sim \text{Dirichlet}(a, \dots, a).

The simplex :math:`\varphi` is updated in random disjoint pairs :math:`(j, k)`: with
:math:`s = \varphi_j + \varphi_k` fixed, :math:`u = \varphi_j/s` has conditional density
:math:`\propto u^{a-3/2}(1-u)^{a-3/2}\exp(-\beta_j^2/(2Tsu) - \beta_k^2/(2Ts(1-u)))`,
:math:`T = \sigma^2\omega`; pairs are conditionally independent, so all are updated at once.

Both: flat intercept (integrated out by centring for the Gaussian likelihood), and
:math:`p(\sigma^2) \propto 1/\sigma^2` (flat in :math:`\log\sigma`) or a fixed :math:`\sigma`. The
logistic likelihood (regularized horseshoe only) draws :math:`(c, \beta)` by Pólya-Gamma
augmentation (:func:`bayesreg.reference.gibbs_logistic.sample_pg1`). NumPy/SciPy only.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import ArrayLike, NDArray

from bayesreg.reference.chains import Draws, Seed, _design, _mvn_from_precision, _run_chains
from bayesreg.reference.gaussian_blocks import CentredData
from bayesreg.reference.gibbs_logistic import sample_pg1
from bayesreg.reference.slice import slice_update

__all__ = ["gibbs_regularized_horseshoe", "gibbs_r2d2"]


def _log_half_t(x: NDArray, df: float) -> NDArray:
    """log t+_df(x | 0, 1) up to a constant."""
    return -(df + 1) / 2 * np.log1p(x * x / df)


def _log_normal0(beta: NDArray, var: NDArray) -> NDArray:
    """log N(beta | 0, var) up to the 2 pi constant, elementwise."""
    return -0.5 * np.log(var) - beta * beta / (2 * var)


class _Coefficients:
    """The coefficient block: exact draws of (intercept, beta) given the prior variances."""

    def __init__(self, X: NDArray, y: NDArray, likelihood: str, fit_intercept: bool) -> None:
        self.n, self.p = X.shape
        self.logistic = likelihood == "logistic"
        self.fit_intercept = fit_intercept
        if self.logistic:
            if not np.all((y == 0) | (y == 1)):
                raise ValueError("y must be 0/1 for the logistic likelihood")
            self.Z = np.column_stack([np.ones(self.n), X]) if fit_intercept else X
            self.zk = self.Z.T @ (y - 0.5)
            self.eta = np.zeros(self.n)
            return
        self.data = CentredData(X, y, fit_intercept)
        self.scale0 = float(self.data.yc.std()) or 1.0

    def draw(self, rng: np.random.Generator, prior_var: NDArray, sigma: float) -> tuple[NDArray, float | None]:
        if self.logistic:
            omega = sample_pg1(self.eta, rng)
            prec = np.r_[0.0, 1.0 / prior_var] if self.fit_intercept else 1.0 / prior_var
            coef = _mvn_from_precision(rng, self.Z.T @ (omega[:, None] * self.Z) + np.diag(prec), self.zk)
            self.eta = self.Z @ coef
            return (coef[1:], float(coef[0])) if self.fit_intercept else (coef, None)
        beta = self.data.coef_draw(rng, prior_var, sigma)
        return beta, (self.data.intercept_draw(rng, beta, sigma) if self.fit_intercept else None)

    def log_target(self, beta: NDArray, prior_var: NDArray, sigma: float) -> float:
        """The part of the log posterior a scale update needs: the marginal likelihood (Gaussian: beta
        integrated out, a collapsed update) or, for the logistic likelihood, the prior of the current beta."""
        if self.logistic:
            return float(np.sum(_log_normal0(beta, prior_var)))
        return self.data.log_marginal(prior_var, sigma)


def _check(noise_sigma: float | None, likelihood: str) -> None:
    if likelihood not in ("gaussian", "logistic"):
        raise ValueError("likelihood must be 'gaussian' or 'logistic'")
    if noise_sigma is not None and noise_sigma <= 0:
        raise ValueError("noise_sigma must be positive")


def _scalar_slice(rng: np.random.Generator, logp: Callable[[float], float], x: float, width: float = 1.0) -> float:
    return float(slice_update(lambda u: np.array([logp(float(u[0]))]), np.array([x]), rng, width=width)[0])


def gibbs_regularized_horseshoe(X: ArrayLike, y: ArrayLike, *, scale_global: float, df_local: float = 1.0,
                                df_global: float = 1.0, scale_slab: float = 2.5, df_slab: float = 4.0,
                                likelihood: str = "gaussian", noise_sigma: float | None = None,
                                fit_intercept: bool = True, draws: int, burn: int, seed: Seed,
                                chains: int = 1) -> Draws:
    r"""Slice-within-Gibbs sampler of the regularized horseshoe regression (module docstring).

    Parameters
    ----------
    X, y : arrays
        Design ``(n, p)`` and target (0/1 for ``likelihood="logistic"``).
    scale_global, df_local, df_global, scale_slab, df_slab : float
        :math:`s_g, \nu_l, \nu_g, s_s, \nu_s` (rstanarm's ``global_scale, df, global_df,
        slab_scale, slab_df``).
    likelihood : {"gaussian", "logistic"}
    noise_sigma : float or None
        Gaussian only: fixed :math:`\sigma`, or ``None`` for :math:`p(\sigma^2) \propto 1/\sigma^2`.
    fit_intercept : bool
    draws, burn, seed, chains
        As in :func:`bayesreg.reference.gibbs_linear.gibbs_laplace_fixed_noise`.

    Returns
    -------
    dict
        ``"beta"``, ``"lam"``: ``(N, p)``; ``"tau"`` (:math:`\tau`, including :math:`s_g\sigma`),
        ``"c2"``, ``"sigma"``, ``"intercept"`` (if fitted): ``(N,)``.
    """
    X, y = _design(X, y)
    _check(noise_sigma, likelihood)
    if min(scale_global, df_local, df_global, scale_slab, df_slab) <= 0:
        raise ValueError("scale_global, df_local, df_global, scale_slab and df_slab must be positive")
    coefs = _Coefficients(X, y, likelihood, fit_intercept)
    p = coefs.p
    sample_sigma = likelihood == "gaussian" and noise_sigma is None
    s_s2 = float(scale_slab) ** 2

    def prior_var(lam: NDArray, tau: float, c2: float) -> NDArray:
        l2 = lam * lam
        return c2 * l2 * tau**2 / (c2 + tau**2 * l2)

    def step(rng: np.random.Generator) -> Callable[[], dict]:
        log_lam, log_t, log_a = np.zeros(p), 0.0, 0.0
        log_sigma = 0.0 if likelihood == "logistic" else float(np.log(noise_sigma or coefs.scale0))
        beta = np.zeros(p)

        def var(log_lam: NDArray, log_t: float, log_a: float, log_sigma: float) -> NDArray:
            return prior_var(np.exp(log_lam), np.exp(log_t + log_sigma) * scale_global, s_s2 * np.exp(log_a))

        def advance() -> dict:
            nonlocal log_lam, log_t, log_a, log_sigma, beta
            # global scales: collapsed (beta integrated out) for the Gaussian likelihood
            log_t = _scalar_slice(rng, lambda u: _log_half_t(np.exp(u), df_global) + u
                                  + coefs.log_target(beta, var(log_lam, u, log_a, log_sigma), np.exp(log_sigma)), log_t)
            log_a = _scalar_slice(rng, lambda u: -(df_slab / 2) * u - df_slab / (2 * np.exp(u))  # IG x Jacobian
                                  + coefs.log_target(beta, var(log_lam, log_t, u, log_sigma), np.exp(log_sigma)), log_a)
            if sample_sigma:  # Jeffreys: flat in log sigma
                log_sigma = _scalar_slice(rng, lambda u: coefs.log_target(beta, var(log_lam, log_t, log_a, u),
                                                                          np.exp(u)), log_sigma)
            sigma = float(np.exp(log_sigma))
            beta, c = coefs.draw(rng, var(log_lam, log_t, log_a, log_sigma), sigma)
            tau, c2 = np.exp(log_t) * scale_global * sigma, s_s2 * np.exp(log_a)
            log_lam = slice_update(lambda u: _log_half_t(np.exp(u), df_local) + u
                                   + _log_normal0(beta, prior_var(np.exp(u), tau, c2)), log_lam, rng)
            row = {"beta": beta, "lam": np.exp(log_lam), "tau": tau, "c2": c2, "sigma": sigma}
            if c is not None:
                row["intercept"] = c
            return row

        return advance

    return _run_chains(step, draws=draws, burn=burn, seed=seed, chains=chains)


def gibbs_r2d2(X: ArrayLike, y: ArrayLike, *, mean_r2: float = 0.5, prec_r2: float = 2.0, cons_d2: float = 0.5,
               noise_sigma: float | None = None, fit_intercept: bool = True, draws: int, burn: int, seed: Seed,
               chains: int = 1) -> Draws:
    r"""Slice-within-Gibbs sampler of the R2D2 linear regression (module docstring; Gaussian likelihood).

    Parameters
    ----------
    X, y : arrays
    mean_r2, prec_r2, cons_d2 : float
        :math:`\mu, \kappa, a`: :math:`R^2 \sim \text{Beta}(\mu\kappa, (1-\mu)\kappa)`,
        :math:`\varphi \sim \text{Dirichlet}(a, \dots, a)` (brms's ``mean_R2, prec_R2, cons_D2``).
    noise_sigma : float or None
        Fixed :math:`\sigma`, or ``None`` for :math:`p(\sigma^2) \propto 1/\sigma^2`.
    fit_intercept : bool
    draws, burn, seed, chains
        As in :func:`bayesreg.reference.gibbs_linear.gibbs_laplace_fixed_noise`.

    Returns
    -------
    dict
        ``"beta"``, ``"phi"``: ``(N, p)``; ``"r2"``, ``"tau"`` (:math:`\tau = \sigma\sqrt\omega`),
        ``"sigma"``, ``"intercept"`` (if fitted): ``(N,)``.
    """
    X, y = _design(X, y)
    _check(noise_sigma, "gaussian")
    if not 0 < mean_r2 < 1 or prec_r2 <= 0 or cons_d2 <= 0:
        raise ValueError("need 0 < mean_r2 < 1, prec_r2 > 0 and cons_d2 > 0")
    coefs = _Coefficients(X, y, "gaussian", fit_intercept)
    p = coefs.p
    a_r2, b_r2 = mean_r2 * prec_r2, (1 - mean_r2) * prec_r2

    def step(rng: np.random.Generator) -> Callable[[], dict]:
        log_phi, log_w = np.full(p, -np.log(p)), 0.0
        sigma = noise_sigma or coefs.scale0
        data = coefs.data

        def logp_w(w: float) -> float:  # BetaPrime(a, b) density of omega times the Jacobian omega
            prior = a_r2 * w - (a_r2 + b_r2) * np.logaddexp(0.0, w)
            if noise_sigma is None:  # sigma^2 integrated out (its prior variance factor)
                return prior + data.log_marginal_scale_free(np.exp(w + log_phi))[0]
            return prior + data.log_marginal(sigma**2 * np.exp(w + log_phi), sigma)

        def advance() -> dict:
            nonlocal log_phi, log_w, sigma
            # global block given phi: omega (beta, sigma^2 integrated), sigma^2, then beta
            log_w = _scalar_slice(rng, logp_w, log_w)
            if noise_sigma is None:
                quad = data.log_marginal_scale_free(np.exp(log_w + log_phi))[1]
                sigma = float(np.sqrt(quad / 2 / rng.standard_gamma(data.dof / 2)))
            beta, c = coefs.draw(rng, sigma**2 * np.exp(log_w + log_phi), sigma)
            if p > 1:
                log_phi = _update_phi_pairs(rng, log_phi, beta**2 / (2 * sigma**2 * np.exp(log_w)), cons_d2)
            row = {"beta": beta, "phi": np.exp(log_phi), "r2": 1.0 / (1.0 + np.exp(-log_w)),
                   "tau": sigma * np.exp(log_w / 2), "sigma": sigma}
            if c is not None:
                row["intercept"] = c
            return row

        return advance

    return _run_chains(step, draws=draws, burn=burn, seed=seed, chains=chains)


def _update_phi_pairs(rng: np.random.Generator, log_phi: NDArray, half_b2_over_t: NDArray, a: float) -> NDArray:
    """Update the simplex in random disjoint pairs; ``half_b2_over_t = beta^2 / (2 T)``."""
    p = log_phi.size
    order = rng.permutation(p)
    j, k = order[0: p - p % 2: 2], order[1: p - p % 2: 2]
    log_s = np.logaddexp(log_phi[j], log_phi[k])
    qj, qk = half_b2_over_t[j] * np.exp(-log_s), half_b2_over_t[k] * np.exp(-log_s)

    def logp(eta: NDArray) -> NDArray:
        log_u, log_1mu = -np.logaddexp(0.0, -eta), -np.logaddexp(0.0, eta)
        return (a - 0.5) * (log_u + log_1mu) - qj * np.exp(-log_u) - qk * np.exp(-log_1mu)

    eta = slice_update(logp, log_phi[j] - log_phi[k], rng, width=2.0)
    out = log_phi.copy()
    out[j] = log_s - np.logaddexp(0.0, -eta)
    out[k] = log_s - np.logaddexp(0.0, eta)
    return out
