"""R ``bayesreg``'s standardisation, and the setting of bayesreg that reproduces its horseshoe model.

R ``bayesreg`` (Makalic & Schmidt; CRAN source ``R/bayesreg.R``, function ``bayesreg.standardise``)
centres every column and divides it by ``sd(x) * sqrt(n - 1)`` = :math:`\\|x_j - \\bar x_j\\|`: unit
*length*, not unit variance. Its horseshoe puts :math:`\\tilde\\beta_j \\sim N(0, \\sigma^2\\tau^2\\lambda_j^2)`,
:math:`\\tau, \\lambda_j \\sim C^+(0, 1)` on those columns and reports
:math:`\\beta_j = \\tilde\\beta_j / \\|x_j - \\bar x_j\\|`. bayesreg's ``standardize=True`` divides by the
population sd :math:`s_j = \\|x_j - \\bar x_j\\|/\\sqrt n`, so the same model is
``Horseshoe(scale_global=1/sqrt(n))`` with ``standardize=True`` (docs/shrinkage.md).
"""

from __future__ import annotations

import numpy as np
import pymc as pm

import bayesreg as br
from bayesreg.reference.mcse import mcse_quantile


def r_bayesreg_standardise(X: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Transliteration of R bayesreg's ``bayesreg.standardise``: ``(X_std, mean.X, std.X)``."""
    n = X.shape[0]
    mean = X.mean(axis=0)
    std = X.std(axis=0, ddof=1) * np.sqrt(n - 1)  # t(apply(X, 2, sd)) * sqrt(n - 1)
    return (X - mean) / std, mean, std


def _data(n: int = 40, p: int = 3, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p)) * np.array([0.5, 2.0, 7.0]) + np.array([1.0, -3.0, 0.0])
    return X, X @ np.array([1.0, 0.0, 0.2]) + rng.standard_normal(n)


def test_r_standardise_is_unit_length_and_sqrt_n_times_the_population_sd():
    X, _ = _data()
    Xs, mean, std = r_bayesreg_standardise(X)
    n = X.shape[0]
    np.testing.assert_allclose(Xs.mean(axis=0), 0.0, atol=1e-14)
    np.testing.assert_allclose(np.linalg.norm(Xs, axis=0), 1.0, rtol=1e-14)  # unit length, not unit sd
    np.testing.assert_allclose(std, np.sqrt(n) * X.std(axis=0), rtol=1e-14)  # the divisor cancels


def test_documented_setting_is_r_bayesregs_prior_on_the_original_scale():
    """The prior bayesreg builds for ``Horseshoe(1/sqrt(n)), standardize=True`` is R's on beta = beta~/std.X.

    Draws of the coefficients from the built PyMC model (sigma fixed at 1) against draws of R's model:
    the 10/50/90% quantiles of log|beta_j| agree within 4 MCSE; with the population sd alone
    (scale_global=1) the same check fails.
    """
    X, y = _data()
    n, p = X.shape
    _, _, std = r_bayesreg_standardise(X)

    def coef_draws(scale_global: float, size: int, seed: int) -> np.ndarray:
        est = br.BayesianRegression(prior=br.Horseshoe(scale_global=scale_global), standardize=True,
                                    noise_sigma=1.0, method="nuts", parameterization="noncentered")
        model = est.build_model(X, y)
        return pm.draw(model["coef"], draws=size, random_seed=seed)

    rng = np.random.default_rng(1)
    size = 4000
    tau_r = np.abs(rng.standard_cauchy((size, 1)))
    lam_r = np.abs(rng.standard_cauchy((size, p)))
    r_coef = tau_r * lam_r * rng.standard_normal((size, p)) / std  # R: beta~ on unit-length columns, rescaled

    def max_z(ours: np.ndarray) -> float:
        z = []
        for j in range(p):
            a, b = np.log(np.abs(ours[:, j])), np.log(np.abs(r_coef[:, j]))
            for q in (0.1, 0.5, 0.9):
                se = np.hypot(mcse_quantile(a, q), mcse_quantile(b, q))
                z.append(abs(np.quantile(a, q) - np.quantile(b, q)) / se)
        return max(z)

    same, other = max_z(coef_draws(1.0 / np.sqrt(n), size, seed=2)), max_z(coef_draws(1.0, size, seed=2))
    print(f"max z: {same:.2f} (scale_global = 1/sqrt(n)), {other:.2f} (scale_global = 1)")
    assert same < 4.0
    assert other > 4.0  # the population sd without 1/sqrt(n): a different prior

