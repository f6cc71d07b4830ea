"""Choosing the penalty by prediction: K-fold CV of the MAP path (LassoCV, cv.glmnet's rules) and
PSIS-LOO of the fixed-noise posterior along the grid (exact closed form for the Gaussian prior)."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.linear_model import ElasticNetCV, LassoCV

import bayesreg as br
from bayesreg.datasets import load_dataset
from bayesreg.inference.path_loo import posterior_draws_fixed_noise
from bayesreg.model.data import RegressionData
from bayesreg.reference import gibbs_laplace_fixed_noise, mcse_mean
from bayesreg.reference.loo_gaussian import exact_loo_gaussian_prior

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
DIAB = load_dataset("diabetes_std")
X, Y = np.asarray(DIAB.X, dtype=float), np.asarray(DIAB.y, dtype=float)
LMAX = float(np.max(np.abs((X - X.mean(axis=0)).T @ (Y - Y.mean()))) / len(Y))
ALPHAS = LMAX * np.geomspace(1.0, 1e-3, 40)
SIGMA = 54.0  # about the residual sd of the diabetes lasso


def test_cv_equals_lasso_cv_on_the_same_folds() -> None:
    cv = br.cross_validate_path(X, Y, "sklearn.Lasso", folds=5, alpha=ALPHAS)
    sk = LassoCV(alphas=ALPHAS, cv=5, tol=1e-12, max_iter=100_000).fit(X, Y)
    assert np.max(np.abs(cv.mse_path - sk.mse_path_) / sk.mse_path_) <= 1e-6
    assert cv.value_sklearn == sk.alpha_
    assert cv.full_path.passed
    # elastic net, folds given as labels (cv.glmnet's foldid): the same folds as KFold(4)
    ids = br.kfold_ids(len(Y), 4)
    cv = br.cross_validate_path(X, Y, "sklearn.ElasticNet", folds=ids, alpha=ALPHAS, l1_ratio=0.5)
    sk = ElasticNetCV(alphas=ALPHAS, l1_ratio=0.5, cv=4, tol=1e-12, max_iter=100_000).fit(X, Y)
    assert np.max(np.abs(cv.mse_path - sk.mse_path_) / sk.mse_path_) <= 1e-6
    assert cv.value_sklearn == sk.alpha_


def test_cv_glmnet_rules() -> None:
    cv = br.cross_validate_path(X, Y, "glmnet", folds=5, lambda_=ALPHAS, standardize=False)
    sizes = np.bincount(cv.fold_ids).astype(float)
    # cv.glmnet (cvcompute): weighted mean and sd over folds with weights N_k, divided by N - 1 folds
    cvm = (cv.mse_path * sizes).sum(axis=1) / sizes.sum()
    cvsd = np.sqrt((((cv.mse_path - cvm[:, None]) ** 2) * sizes).sum(axis=1) / sizes.sum() / (sizes.size - 1))
    np.testing.assert_allclose(cv.cvm, cvm, rtol=1e-13)
    np.testing.assert_allclose(cv.cvsd, cvsd, rtol=1e-13)
    lam_min = ALPHAS[cvm <= cvm.min()].max()
    lam_1se = ALPHAS[cvm <= (cvm + cvsd)[ALPHAS == lam_min][0]].max()
    assert (cv.value_min, cv.value_1se) == (lam_min, lam_1se)
    assert cv.value_1se > cv.value_min  # the 1-se rule chooses a stronger penalty here
    # glmnet (standardize=False, alpha=1) is the sklearn Lasso: the same folds give the same errors
    lasso = br.cross_validate_path(X, Y, "sklearn.Lasso", folds=5, alpha=ALPHAS)
    np.testing.assert_allclose(cv.mse_path, lasso.mse_path, rtol=1e-9)


def test_loo_equals_the_exact_loo_of_the_gaussian_prior() -> None:
    alphas = np.geomspace(30.0, 1e-2, 5)
    draws = 2000
    loo = br.loo_path(X, Y, "sklearn.Ridge", noise_sigma=SIGMA, alpha=alphas, draws=draws, random_seed=1)
    data = RegressionData.from_xy(X, Y)
    rng = np.random.default_rng(2)
    for k, a in enumerate(alphas):
        l2 = a / (2.0 * SIGMA**2)  # sklearn.Ridge: l2 = alpha / (2 sigma^2)
        exact = exact_loo_gaussian_prior(X, Y, l2, noise_sigma=SIGMA).sum()
        # Monte Carlo error of the importance-sampling estimate log(1 / mean_s 1/p(y_i | theta_s)) from
        # independent draws: sd_i = sd(1/p) / (sqrt(S) mean(1/p)) (delta method); the sum's sd <= sum sd_i
        W, c = posterior_draws_fixed_noise(data, np.zeros(10), np.full(10, l2), SIGMA, draws, 0, rng)
        resid = Y[None, :] - c[:, None] - W @ X.T
        inv_p = np.exp(0.5 * (resid / SIGMA) ** 2 - 0.5 * (resid / SIGMA).min(axis=0) ** 2)
        mcse = float(np.sum(inv_p.std(axis=0) / (np.sqrt(draws) * inv_p.mean(axis=0))))
        assert abs(loo.elpd_loo[k] - exact) <= 4.0 * mcse, (a, loo.elpd_loo[k], exact, mcse)
    assert np.all(loo.max_pareto_k < 0.7)
    # the check CAN fail: the wrong prior scale (alpha off by 10x) is far outside the tolerance
    wrong = exact_loo_gaussian_prior(X, Y, 10 * alphas[0] / (2.0 * SIGMA**2), noise_sigma=SIGMA).sum()
    assert abs(loo.elpd_loo[0] - wrong) > 20 * mcse


def test_laplace_gibbs_matches_the_reference_sampler() -> None:
    b = 0.05  # a Laplace scale that shrinks: the prior matters (y in units of the noise)
    l1 = np.full(10, 1.0 / b)
    y = Y / SIGMA
    W, c = posterior_draws_fixed_noise(RegressionData.from_xy(X, y), l1, np.zeros(10), 1.0, 3000, 300,
                                       np.random.default_rng(5))
    ref = gibbs_laplace_fixed_noise(X, y, b, noise_sigma=1.0, draws=3000, burn=300, seed=4)
    # posterior means within 4 MCSE (autocorrelation-aware, both chains' errors combined)
    for j in range(10):
        se = np.hypot(mcse_mean(W[:, j]), mcse_mean(ref["w"][:, j]))
        assert abs(W[:, j].mean() - ref["w"][:, j].mean()) <= 4.0 * se
    assert abs(c.mean() - ref["intercept"].mean()) <= 4.0 * np.hypot(mcse_mean(c), mcse_mean(ref["intercept"]))
    # and the prior shrinks: the posterior means are well inside the least-squares coefficients
    ols = np.linalg.lstsq(np.column_stack([X, np.ones(len(y))]), y, rcond=None)[0][:10]
    assert np.sum(np.abs(W.mean(axis=0))) < 0.9 * np.sum(np.abs(ols))


def test_loo_and_cv_bad_input() -> None:
    with pytest.raises(ValueError, match="'alpha' parameter of regularization_path must hold finite values > 0"):
        br.loo_path(X, Y, "sklearn.Lasso", noise_sigma=1.0, alpha=[1.0, -1.0])
    with pytest.raises(ValueError, match="'noise_sigma' parameter of loo_path"):
        br.loo_path(X, Y, "sklearn.Lasso", noise_sigma=0.0, alpha=[1.0])
    with pytest.raises(TypeError, match="'draws' parameter of loo_path"):
        br.loo_path(X, Y, "sklearn.Lasso", noise_sigma=1.0, alpha=[1.0], draws=10.5)
    with pytest.raises(ValueError, match="at least 2 rows"):
        br.loo_path(X[:1], Y[:1], "sklearn.Lasso", noise_sigma=1.0, alpha=[1.0])
    with pytest.raises(ValueError, match="'folds' parameter of cross_validate_path must be between 2"):
        br.cross_validate_path(X, Y, "sklearn.Lasso", folds=1, alpha=[1.0])
    with pytest.raises(ValueError, match="one integer fold label per row"):
        br.cross_validate_path(X, Y, "sklearn.Lasso", folds=[0, 1], alpha=[1.0])
    with pytest.raises(ValueError, match="at least 4 rows"):
        br.cross_validate_path(X[:3], Y[:3], "sklearn.Lasso", folds=2, alpha=[1.0])
    with pytest.raises(ValueError, match="finite values > 0"):
        br.cross_validate_path(X, Y, "sklearn.Lasso", alpha=[np.inf])
