"""Exact Gibbs samplers for linear regression with Laplace priors (references for NUTS).

NumPy/SciPy only on purpose: nothing here shares code with the PyMC models it checks.
Every sampler returns ``dict[str, ndarray]`` whose leading axis is the draw axis; with
``chains=k`` the ``k`` independent chains (seeds spawned from ``seed``) are concatenated
chain-major, so ``a.reshape(k, draws, *a.shape[1:])`` recovers the per-chain layout that
:mod:`bayesreg.reference.mcse` accepts.

This module holds :func:`gibbs_laplace_fixed_noise` and Park & Casella's
:func:`gibbs_bayesian_lasso`; the Pólya-Gamma sampler for logistic regression is in
:mod:`bayesreg.reference.gibbs_logistic`, the chain runner shared by all samplers in
:mod:`bayesreg.reference.chains`.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import ArrayLike

from bayesreg.reference.chains import Draws, Seed, _design, _mvn_from_precision, _run_chains

__all__ = ["gibbs_bayesian_lasso", "gibbs_laplace_fixed_noise"]


def gibbs_laplace_fixed_noise(X: ArrayLike, y: ArrayLike, b: ArrayLike, *, noise_sigma: float,
                              fit_intercept: bool = True, draws: int, burn: int, seed: Seed,
                              chains: int = 1) -> Draws:
    r"""Gibbs sampler for linear regression with known noise and Laplace priors.

    Model: :math:`y \sim N(c 1 + X w, \sigma^2 I)` with ``sigma = noise_sigma`` fixed,
    :math:`w_j \sim \mathrm{Laplace}(0, b_j)` (density :math:`e^{-|w_j|/b_j}/(2 b_j)`) and a
    flat prior on :math:`c` (omitted when ``fit_intercept=False``).

    Scale mixture: :math:`w_j | \tau_j^2 \sim N(0, \tau_j^2)`,
    :math:`\tau_j^2 \sim \mathrm{Exp}(\text{rate}=1/(2 b_j^2))` integrates to Laplace(0, b_j).
    Full conditionals (two blocks, exact):

    * :math:`(w, c) | \tau`: ``c`` is integrated out by centring, so
      :math:`w | \tau \sim N(A^{-1} X_c^T y_c / \sigma^2, A^{-1})`,
      :math:`A = X_c^T X_c / \sigma^2 + \mathrm{diag}(1/\tau^2)` (``X_c, y_c`` column-centred), then
      :math:`c | w \sim N(\bar y - \bar x^T w, \sigma^2 / n)`; together a joint draw of
      :math:`(w, c)` from :math:`p(w, c | \tau, y)`.
    * :math:`1/\tau_j^2 | w \sim \mathrm{InvGaussian}(\text{mean} = 1/(b_j |w_j|),
      \text{shape} = 1/b_j^2)` (``Generator.wald``).

    Parameters
    ----------
    X : (n, p) array
    y : (n,) array
    b : float or (p,) array
        Laplace scales, ``b > 0``.
    noise_sigma : float
        Known noise standard deviation.
    fit_intercept : bool
        Include the flat-prior intercept ``c``.
    draws, burn : int
        Kept draws and discarded warm-up sweeps per chain.
    seed : int, SeedSequence or None
        Root seed; chain ``k`` uses ``Generator(PCG64(SeedSequence(seed).spawn(chains)[k]))``.
    chains : int
        Independent chains, concatenated chain-major along the draw axis.

    Returns
    -------
    dict
        ``"w"``: ``(chains * draws, p)``; ``"intercept"``: ``(chains * draws,)`` if fitted.
    """
    X, y = _design(X, y)
    n, p = X.shape
    bj = np.broadcast_to(np.asarray(b, dtype=float), (p,)).copy()
    if np.any(bj <= 0) or noise_sigma <= 0:
        raise ValueError("b and noise_sigma must be positive")
    s2 = float(noise_sigma) ** 2
    xbar, ybar = (X.mean(0), y.mean()) if fit_intercept else (np.zeros(p), 0.0)
    Xc, yc = X - xbar, y - ybar
    XtX, Xty = Xc.T @ Xc / s2, Xc.T @ yc / s2
    floor = 1e-100 * bj  # |w_j| == 0 has probability zero; keep the IG mean finite anyway

    def step(rng: np.random.Generator) -> Callable[[], dict]:
        eta = 1.0 / (2.0 * bj**2)  # 1/tau^2 at the prior mean of tau^2

        def advance() -> dict:
            nonlocal eta
            w = _mvn_from_precision(rng, XtX + np.diag(eta), Xty)
            row = {"w": w}
            if fit_intercept:
                row["intercept"] = ybar - xbar @ w + np.sqrt(s2 / n) * rng.standard_normal()
            eta = rng.wald(1.0 / (bj * np.maximum(np.abs(w), floor)), 1.0 / bj**2)
            return row

        return advance

    return _run_chains(step, draws=draws, burn=burn, seed=seed, chains=chains)


def gibbs_bayesian_lasso(X: ArrayLike, y: ArrayLike, *, lam: float | None = None, r: float = 1.0,
                         delta: float = 1.0, draws: int, burn: int, seed: Seed,
                         chains: int = 1) -> Draws:
    r"""Park & Casella (2008, JASA 103:681-686) Bayesian lasso Gibbs sampler.

    Model: :math:`y = \mu 1 + X\beta + \varepsilon`, :math:`\varepsilon \sim N(0, \sigma^2 I)`,
    flat :math:`\mu`, :math:`p(\sigma^2) \propto 1/\sigma^2`,
    :math:`\beta_j | \sigma^2 \sim \mathrm{Laplace}(0, \sigma/\lambda)` iid (density
    :math:`\frac{\lambda}{2\sigma} e^{-\lambda|\beta_j|/\sigma}`), written as
    :math:`\beta | \sigma^2, \tau \sim N(0, \sigma^2 D_\tau)`,
    :math:`\tau_j^2 \sim \mathrm{Exp}(\text{rate} = \lambda^2/2)`. ``lam`` fixed if given,
    else :math:`\lambda^2 \sim \mathrm{Gamma}(\text{shape}=r, \text{rate}=\delta)`.
    Integrating :math:`\mu` out leaves centred ``y~, X`` and one fewer residual degree of
    freedom, hence the :math:`(n-1)/2` below. Full conditionals, scanned in this order:

    * :math:`\beta | \cdot \sim N(A^{-1} X^T \tilde y, \sigma^2 A^{-1})`,
      :math:`A = X^T X + D_\tau^{-1}`;
    * :math:`\sigma^2 | \cdot \sim \mathrm{InvGamma}((n-1)/2 + p/2,\;
      \|\tilde y - X\beta\|^2/2 + \beta^T D_\tau^{-1}\beta/2)`;
    * :math:`1/\tau_j^2 | \cdot \sim \mathrm{InvGaussian}(\text{mean} =
      \sqrt{\lambda^2\sigma^2/\beta_j^2}, \text{shape} = \lambda^2)`;
    * :math:`\lambda^2 | \cdot \sim \mathrm{Gamma}(p + r, \text{rate} = \sum_j \tau_j^2/2 +
      \delta)` (hyperprior variant only);
    * :math:`\mu | \cdot \sim N(\bar y - \bar x^T\beta, \sigma^2/n)`, drawn at each sweep so
      the intercept is recovered on the scale of the uncentred ``X``.

    Parameters
    ----------
    X : (n, p) array
        Regressors (Park & Casella standardise them; not required here).
    y : (n,) array
    lam : float or None
        Fixed :math:`\lambda`; ``None`` puts the Gamma(r, delta) hyperprior on :math:`\lambda^2`.
    r, delta : float
        Shape and rate of that hyperprior.
    draws, burn : int
        Kept draws and discarded warm-up sweeps per chain.
    seed : int, SeedSequence or None
        Root seed; chain ``k`` uses ``Generator(PCG64(SeedSequence(seed).spawn(chains)[k]))``.
    chains : int
        Independent chains, concatenated chain-major along the draw axis.

    Returns
    -------
    dict
        ``"beta"``: ``(N, p)``; ``"sigma"`` (noise sd), ``"lam"``, ``"intercept"``: ``(N,)``,
        with ``N = chains * draws``.
    """
    X, y = _design(X, y)
    n, p = X.shape
    if (lam is not None and lam <= 0) or r <= 0 or delta <= 0:
        raise ValueError("lam, r and delta must be positive")
    xbar, ybar = X.mean(0), y.mean()
    Xc, yc = X - xbar, y - ybar
    XtX, Xty = Xc.T @ Xc, Xc.T @ yc
    shape = (n - 1) / 2 + p / 2

    def step(rng: np.random.Generator) -> Callable[[], dict]:
        lam2 = 1.0 if lam is None else float(lam) ** 2
        sigma2, eta = float(yc.var()) or 1.0, np.ones(p)

        def advance() -> dict:
            nonlocal lam2, sigma2, eta
            beta = _mvn_from_precision(rng, XtX + np.diag(eta), Xty, np.sqrt(sigma2))
            resid = yc - Xc @ beta
            sigma2 = (resid @ resid + beta @ (eta * beta)) / 2 / rng.gamma(shape)
            absb = np.maximum(np.abs(beta), 1e-100 * np.sqrt(sigma2))  # as above
            eta = rng.wald(np.sqrt(lam2 * sigma2) / absb, lam2)
            if lam is None:
                lam2 = rng.gamma(p + r) / (np.sum(1.0 / eta) / 2 + delta)
            mu = ybar - xbar @ beta + np.sqrt(sigma2 / n) * rng.standard_normal()
            return {"beta": beta, "sigma": np.sqrt(sigma2), "lam": np.sqrt(lam2),
                    "intercept": mu}

        return advance

    return _run_chains(step, draws=draws, burn=burn, seed=seed, chains=chains)
