r"""Pólya-Gamma data augmentation for Bayesian logistic regression: an exact Gibbs reference.

:func:`sample_pg1` draws PG(1, z) exactly with Devroye's alternating-series rejection sampler
(Polson, Scott & Windle 2013); :func:`gibbs_logistic_gaussian` is the two-block Gibbs sampler of
a logistic regression with Gaussian priors built on it. NumPy/SciPy only, like the rest of the
Gibbs references; the chain runner is shared with them (:mod:`bayesreg.reference.chains`).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import special

from bayesreg.reference.chains import Draws, Seed, _design, _mvn_from_precision, _run_chains

__all__ = ["gibbs_logistic_gaussian", "sample_pg1"]

_T = 0.64  # Devroye / Polson-Scott-Windle switch point of the J* density representations


def _a_n(n: int, x: NDArray) -> NDArray:
    """n-th term of the J*(1, 0) density series (piecewise in x at _T, Devroye 2009)."""
    k = (n + 0.5) * np.pi
    with np.errstate(divide="ignore", over="ignore"):
        left = np.exp(-1.5 * (np.log(0.5 * np.pi) + np.log(x)) + np.log(k)
                      - 2.0 * (n + 0.5) ** 2 / x)
    return np.where(x > _T, k * np.exp(-0.5 * k * k * x), left)


def _trunc_ig(z: NDArray, rng: np.random.Generator) -> NDArray:
    """InverseGaussian(mean=1/z, shape=1) truncated to (0, _T), vectorised rejection."""
    out = np.empty_like(z)
    todo = np.arange(z.size)
    while todo.size:
        zz = z[todo]
        x = np.empty_like(zz)
        small = zz < 1.0 / _T  # mean > _T: 1/N^2 with |N| > 1/sqrt(_T), tilt exp(-z^2 x/2)
        m = int(small.sum())
        e1, e2 = rng.standard_exponential(m), rng.standard_exponential(m)
        tail_ok = e1 * e1 <= 2.0 * e2 / _T  # Devroye's exponential proposal for the tail
        x[small] = _T / (1.0 + _T * e1) ** 2
        ok = np.zeros(zz.size, dtype=bool)
        ok[small] = tail_ok & (rng.random(m) < np.exp(-0.5 * zz[small] ** 2 * x[small]))
        big = ~small  # mean <= _T: plain IG draws, keep those below _T
        x[big] = rng.wald(1.0 / zz[big], 1.0)
        ok[big] = x[big] < _T
        out[todo[ok]] = x[ok]
        todo = todo[~ok]
    return out


def sample_pg1(z: ArrayLike, rng: np.random.Generator) -> NDArray[np.float64]:
    r"""Exact Polya-Gamma PG(1, z) draws, elementwise over ``z``.

    Devroye's alternating-series rejection sampler as in Polson, Scott & Windle (2013, JASA
    108:1339-1349), and BayesLogit: :math:`PG(1, z) = J^*(1, |z|/2)/4`. Proposal: a mixture
    of Exp(rate :math:`K = \pi^2/8 + z^2/2`) shifted to :math:`(0.64, \infty)` and an
    InverseGaussian(1/z, 1) truncated to :math:`(0, 0.64)`, with exact mixture weights; the
    proposal is accepted by squeezing :math:`U a_0(x)` between partial sums of the
    alternating series :math:`\sum_n (-1)^n a_n(x)`. Mean :math:`\tanh(z/2)/(2z)`,
    variance :math:`(\sinh z - z) / (4 z^3 \cosh^2(z/2))` (1/4 and 1/24 at z = 0).

    Parameters
    ----------
    z : array_like
        Tilting parameters (any shape; the sign is irrelevant).
    rng : numpy.random.Generator

    Returns
    -------
    ndarray
        One draw per element of ``z``, same shape.
    """
    z = np.abs(np.asarray(z, dtype=float)) * 0.5
    shape, z = z.shape, z.ravel()
    k = np.pi**2 / 8 + 0.5 * z * z
    rt = np.sqrt(_T)
    log_p = np.log(0.5 * np.pi) - k * _T - np.log(k)  # mass of the right (exponential) piece
    log_q = np.log(2.0) + np.logaddexp(-z + special.log_ndtr((_T * z - 1) / rt),
                                       z + special.log_ndtr(-(_T * z + 1) / rt))
    prob_right = special.expit(log_p - log_q)
    out = np.empty_like(z)
    todo = np.arange(z.size)
    while todo.size:
        right = rng.random(todo.size) < prob_right[todo]
        x = np.empty(todo.size)
        x[right] = _T + rng.standard_exponential(int(right.sum())) / k[todo[right]]
        x[~right] = _trunc_ig(z[todo[~right]], rng)
        s = _a_n(0, x)
        u = rng.random(x.size) * s
        accept, open_ = np.zeros(x.size, dtype=bool), np.arange(x.size)
        n = 0
        while open_.size:
            n += 1
            s[open_] += (-1) ** n * _a_n(n, x[open_])
            if n % 2:
                hit = u[open_] <= s[open_]
                accept[open_[hit]] = True
            else:
                hit = u[open_] > s[open_]
            open_ = open_[~hit]
        out[todo[accept]] = 0.25 * x[accept]
        todo = todo[~accept]
    return out.reshape(shape)


def gibbs_logistic_gaussian(X: ArrayLike, y: ArrayLike, prior_sigma: ArrayLike, *,
                            fit_intercept: bool = True, intercept_sigma: float | None = None,
                            draws: int, burn: int, seed: Seed, chains: int = 1) -> Draws:
    r"""Polya-Gamma Gibbs sampler (Polson, Scott & Windle 2013) for Bayesian logistic regression.

    Model: :math:`y_i \sim \mathrm{Bernoulli}(\mathrm{logit}^{-1}(c + x_i^T w))`,
    :math:`w_j \sim N(0, s_j^2)` with ``s = prior_sigma`` (scalar or per feature), and
    :math:`c` flat (or :math:`N(0, \text{intercept\_sigma}^2)`). With
    :math:`\beta = (c, w)`, the design :math:`Z = [1, X]` and prior precision
    :math:`B^{-1} = \mathrm{diag}(0 \text{ or } 1/\text{intercept\_sigma}^2, 1/s^2)`:

    * :math:`\omega_i | \beta \sim PG(1, z_i^T\beta)` (:func:`sample_pg1`);
    * :math:`\beta | \omega \sim N(V Z^T\kappa, V)`, :math:`V = (Z^T\Omega Z + B^{-1})^{-1}`,
      :math:`\kappa = y - 1/2`.

    The flat-intercept posterior is proper only when the data are not separable.

    Parameters
    ----------
    X : (n, p) array
    y : (n,) array of 0/1
    prior_sigma : float or (p,) array
        Prior standard deviations of ``w``.
    fit_intercept : bool
        Include the intercept ``c``.
    intercept_sigma : float or None
        Prior sd of ``c``; ``None`` means flat.
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
    if not np.all((y == 0) | (y == 1)):
        raise ValueError("y must be 0/1")
    prec = 1.0 / np.broadcast_to(np.asarray(prior_sigma, dtype=float), (p,)) ** 2
    if fit_intercept:
        X = np.column_stack([np.ones(n), X])
        prec = np.r_[0.0 if intercept_sigma is None else float(intercept_sigma) ** -2, prec]
    zk = X.T @ (y - 0.5)
    diag_prec = np.diag(prec)

    def step(rng: np.random.Generator) -> Callable[[], dict]:
        beta = np.zeros(X.shape[1])

        def advance() -> dict:
            nonlocal beta
            omega = sample_pg1(X @ beta, rng)
            beta = _mvn_from_precision(rng, X.T @ (omega[:, None] * X) + diag_prec, zk)
            return {"w": beta[1:], "intercept": beta[0]} if fit_intercept else {"w": beta}

        return advance

    return _run_chains(step, draws=draws, burn=burn, seed=seed, chains=chains)
