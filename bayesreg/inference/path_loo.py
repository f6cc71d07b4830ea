r"""PSIS-LOO of the posterior along a penalty grid, with the noise scale fixed (ArviZ's ``loo``).

For each grid value the penalty maps to its prior, :math:`p(w) \propto \prod_j e^{-\ell_{1,j}|w_j|
- \ell_{2,j}w_j^2}`, the intercept has a flat prior, and the noise scale :math:`\sigma` is fixed, so
the posterior depends on the data only through the Gaussian sufficient statistics (:math:`G`,
:math:`X^\top y`, the means). Draws:

* **Gaussian prior** (:math:`\ell_1 = 0`): exact and independent,
  :math:`w \mid y \sim N(A^{-1}X^\top y/\sigma^2, A^{-1})`, :math:`A = G/\sigma^2 + 2\operatorname{diag}(\ell_2)`
  (centred statistics), then :math:`c \mid w, y \sim N(\bar y - \bar x^\top w, \sigma^2/S)`.
* **Laplace / elastic-net prior**: the scale-mixture Gibbs sampler (Park & Casella's, with
  :math:`\sigma` and the scales fixed): :math:`e^{-\ell_1|w|} \propto \int N(w; 0, \tau^2)\,
  \mathrm{Exp}(\tau^2; \ell_1^2/2)\,d\tau^2`, so :math:`w \mid \tau, y \sim N(A_\tau^{-1}X^\top y/\sigma^2,
  A_\tau^{-1})` with :math:`A_\tau = A + \operatorname{diag}(1/\tau^2)`, and
  :math:`1/\tau_j^2 \mid w \sim \mathrm{InvGaussian}(\text{mean} = \ell_{1,j}/|w_j|, \text{shape} = \ell_{1,j}^2)`.
  Each sweep is one :math:`p \times p` Cholesky factorisation: no pass over the rows.

The pointwise log-likelihood :math:`\log N(y_i; c + x_i^\top w, \sigma^2)` of every draw goes to
:func:`arviz.loo` (Pareto-smoothed importance sampling, Vehtari, Gelman & Gabry 2017), which returns
:math:`\widehat{\mathrm{elpd}}_{\mathrm{loo}}`, its standard error, :math:`p_{\mathrm{loo}}` and the
Pareto :math:`\hat k` diagnostics. (For the Gaussian prior the exact leave-one-out predictive is
closed-form; the tests compare against it.)
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import linalg

from bayesreg._validation import check_count, check_positive_float, check_random_seed
from bayesreg.conventions import get_convention, penalty_to_weights
from bayesreg.inference.path import split_grid
from bayesreg.model.data import RegressionData

__all__ = ["LooPath", "loo_path", "posterior_draws_fixed_noise"]


@dataclass(frozen=True, eq=False)
class LooPath:
    """PSIS-LOO along the grid (module docstring).

    Attributes
    ----------
    param : str
    grid : ndarray (n_grid,)
    elpd_loo, se, p_loo : ndarray (n_grid,)
        ArviZ's estimate, its standard error and the effective number of parameters.
    max_pareto_k : ndarray (n_grid,)
        Largest Pareto :math:`\\hat k` (above 0.7 the estimate of that point is unreliable).
    noise_sigma : float
    draws : int
    index_best : int
        The grid value with the largest ``elpd_loo``.
    """

    param: str
    grid: np.ndarray
    elpd_loo: np.ndarray
    se: np.ndarray
    p_loo: np.ndarray
    max_pareto_k: np.ndarray
    noise_sigma: float
    draws: int
    index_best: int

    @property
    def value_best(self) -> float:
        return float(self.grid[self.index_best])


def posterior_draws_fixed_noise(data: RegressionData, l1: np.ndarray, l2: np.ndarray, noise_sigma: float,
                                draws: int, burn: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Draws ``(w (draws, p), c (draws,))`` of the posterior with the noise scale fixed (module docstring)."""
    st = data.gram_stats
    p = data.n_features
    s2 = noise_sigma**2
    base = st.gram / s2 + np.diag(2.0 * l2)
    rhs = st.xty / s2
    lap = l1 > 0.0
    W = np.empty((draws, p))
    if not np.any(lap):  # exact, independent draws
        chol = linalg.cholesky(base, lower=True)
        mean = linalg.cho_solve((chol, True), rhs)
        W[:] = mean + linalg.solve_triangular(chol.T, rng.standard_normal((p, draws)), lower=False).T
    else:
        inv_tau2 = 0.5 * l1[lap] ** 2  # 1 / E[tau^2] under the mixing prior
        for s in range(-burn, draws):
            A = base.copy()
            A[np.flatnonzero(lap), np.flatnonzero(lap)] += inv_tau2
            chol = linalg.cholesky(A, lower=True)
            w = linalg.cho_solve((chol, True), rhs) + linalg.solve_triangular(chol.T, rng.standard_normal(p),
                                                                               lower=False)
            inv_tau2 = rng.wald(l1[lap] / np.maximum(np.abs(w[lap]), np.finfo(float).tiny), l1[lap] ** 2)
            if s >= 0:
                W[s] = w
    if data.fit_intercept:
        c = st.ybar - W @ st.xbar + noise_sigma / np.sqrt(st.weight_sum) * rng.standard_normal(draws)
    else:
        c = np.zeros(draws)
    return W, c


def loo_path(X: Any, y: Any, convention: str, *, noise_sigma: float, draws: int = 1000, burn: int = 200,
             random_seed: Any = 0, fit_intercept: bool = True, **params: Any) -> LooPath:
    r"""PSIS-LOO elpd of the fixed-noise posterior at every value of a penalty grid.

    Parameters
    ----------
    X, y : array-like
        At least two rows. The log-likelihood matrix has ``draws x n`` entries per grid value.
    convention : str
        A squared-error convention (:func:`bayesreg.regularization_path`).
    noise_sigma : float
        The fixed noise scale :math:`\sigma` (e.g. :func:`bayesreg.estimate_noise_sigma`); it sets the
        priors of conventions written with the squared error and the likelihood.
    draws, burn : int
        Posterior draws per grid value; warm-up sweeps of the Gibbs sampler (L1 priors only).
    random_seed : int, optional
    fit_intercept : bool, default=True
        A flat-prior intercept.
    **params
        The grid under the convention's parameter name, and its other parameters.
    """
    import arviz as az

    param, grid, fixed = split_grid(convention, params)
    noise_sigma = check_positive_float("noise_sigma", "loo_path", noise_sigma)
    draws = check_count("draws", "loo_path", draws, minimum=100)
    burn = check_count("burn", "loo_path", burn, minimum=0)
    check_random_seed("random_seed", "loo_path", random_seed)
    data = RegressionData.from_xy(X, y, fit_intercept=fit_intercept)
    if data.n_samples < 2:
        raise ValueError(f"The 'X' parameter of loo_path must have at least 2 rows; got {data.n_samples}.")
    conv = get_convention(convention)
    if "gaussian" not in conv.likelihoods:
        raise ValueError(f"loo_path needs a convention of the squared error; {convention!r} is written for "
                         f"{', '.join(conv.likelihoods)}.")
    ctx: dict[str, Any] = {"n": data.n_samples, "noise_sigma": noise_sigma, **fixed}
    if conv.needs_data:
        ctx.update(X=data.X, y=data.y)
    rng = np.random.default_rng(random_seed)
    p = data.n_features
    out = np.empty((4, grid.size))
    for k, v in enumerate(grid):
        pw = penalty_to_weights(convention, **ctx, **{param: float(v)})
        l1 = np.broadcast_to(np.asarray(pw.l1, float), (p,))
        l2 = np.broadcast_to(np.asarray(pw.l2, float), (p,))
        W, c = posterior_draws_fixed_noise(data, l1, l2, noise_sigma, draws, burn, rng)
        resid = data.y[None, :] - c[:, None] - W @ data.X.T
        ll = -0.5 * (resid / noise_sigma) ** 2 - np.log(noise_sigma) - 0.5 * np.log(2.0 * np.pi)
        idata = az.from_dict(posterior={"c": c[None]}, log_likelihood={"y": ll[None]})
        with warnings.catch_warnings():  # large k-hat is reported in max_pareto_k
            warnings.simplefilter("ignore", UserWarning)
            res = az.loo(idata, pointwise=True)
        out[:, k] = res.elpd_loo, res.se, res.p_loo, float(np.max(res.pareto_k))
    return LooPath(param, grid, out[0], out[1], out[2], out[3], noise_sigma, draws, int(np.argmax(out[0])))
