"""Empirical Bayes for the Gaussian prior: exact evidence, BayesianRidge, the certificate, bad input."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import optimize, stats
from sklearn.linear_model import BayesianRidge, Ridge

import bayesreg as br
from bayesreg.datasets import load_diabetes
from bayesreg.inference.evidence import (
    _NO_HYPERPRIOR,
    SKLEARN_HYPERPRIOR,
    certify_evidence,
    gaussian_spectrum,
    log_evidence,
)


def _data(n, p, seed=0, offset=3.0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, p)) + rng.normal(size=p)
    y = X @ (0.5 * rng.normal(size=p)) + rng.normal(size=n) + offset
    return X, y


def direct_log_evidence(X, y, alpha, lam, *, fit_intercept, weights=None):
    """log p(y | alpha, lambda) by the n x n Gaussian integral, with frequency weights s_i.

    y | c ~ N(c 1, K), K = S^-1 / alpha + X X^T / lam (S = diag(s)), for the likelihood prod p(y_i)^{s_i}
    rescaled to a proper Gaussian in y (the factor prod s_i^{1/2} (2 pi / alpha)^{(n - sum s)/2} is undone
    below); the flat intercept integral is (2 pi)^{1/2} (1^T K^-1 1)^{-1/2} exp((1^T K^-1 y)^2 / (2 1^T K^-1 1)).
    """
    n = X.shape[0]
    s = np.ones(n) if weights is None else np.asarray(weights, float)
    K = np.diag(1.0 / (alpha * s)) + X @ X.T / lam
    # prod_i p(y_i)^{s_i} = prod_i N(y_i; mu_i, 1/(alpha s_i)) * s_i^{-1/2} (2 pi / alpha)^{(1 - s_i)/2}
    extra = np.sum(-0.5 * np.log(s) + 0.5 * (1 - s) * np.log(2 * np.pi / alpha))
    if not fit_intercept:
        return stats.multivariate_normal(np.zeros(n), K).logpdf(y) + extra
    Ki = np.linalg.inv(K)
    one = np.ones(n)
    a, b = one @ Ki @ one, one @ Ki @ y
    _, logdet = np.linalg.slogdet(K)
    quad = y @ Ki @ y - b * b / a
    return -0.5 * (n - 1) * np.log(2 * np.pi) - 0.5 * logdet - 0.5 * np.log(a) - 0.5 * quad + extra


@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("shape", [(40, 5), (12, 20)])
def test_log_evidence_equals_the_direct_gaussian_integral(shape, weighted, fit_intercept):
    X, y = _data(*shape, seed=3)
    w = np.random.default_rng(1).integers(1, 4, size=shape[0]).astype(float) if weighted else None
    spec = gaussian_spectrum(X, y, w, fit_intercept=fit_intercept)
    for alpha, lam in [(0.7, 2.0), (3.0, 0.05)]:
        got = log_evidence(spec, alpha, lam)
        want = direct_log_evidence(X, y, alpha, lam, fit_intercept=fit_intercept, weights=w)
        assert got == pytest.approx(want, rel=1e-10, abs=1e-9)


def test_integer_weights_equal_repeated_rows():
    X, y = _data(30, 4, seed=5)
    w = np.random.default_rng(2).integers(1, 4, size=30)
    a = br.empirical_bayes(X, y, sample_weight=w.astype(float))
    b = br.empirical_bayes(np.repeat(X, w, axis=0), np.repeat(y, w))
    assert a.alpha_ == pytest.approx(b.alpha_, rel=1e-9)
    assert a.lambda_ == pytest.approx(b.lambda_, rel=1e-9)
    assert a.log_evidence == pytest.approx(b.log_evidence, rel=1e-10)
    np.testing.assert_allclose(a.coef_, b.coef_, rtol=1e-9)


@pytest.mark.parametrize("shape", [(40, 5), (15, 30)])
def test_type2_ml_is_the_maximum_of_the_direct_evidence(shape):
    """An independent optimiser (Nelder-Mead on the n x n integral) finds the same (alpha, lambda)."""
    X, y = _data(*shape, seed=7)
    res = br.empirical_bayes(X, y)
    assert res.certificate.passed
    neg = lambda t: -direct_log_evidence(X, y, np.exp(t[0]), np.exp(t[1]), fit_intercept=True)  # noqa: E731
    opt = optimize.minimize(neg, np.log([1.0, 1.0]), method="Nelder-Mead",
                            options={"xatol": 1e-10, "fatol": 1e-12, "maxiter": 20000})
    assert np.exp(opt.x[0]) == pytest.approx(res.alpha_, rel=1e-5)
    assert np.exp(opt.x[1]) == pytest.approx(res.lambda_, rel=1e-5)
    assert -opt.fun == pytest.approx(res.log_evidence, rel=1e-10)
    assert res.log_evidence >= -opt.fun - 1e-9


@pytest.mark.parametrize("case", ["n>p", "p>n", "weighted", "no_intercept", "diabetes"])
def test_hyperprior_sklearn_reproduces_bayesian_ridge(case):
    if case == "diabetes":
        ds = load_diabetes()
        X, y = ds.X.to_numpy(), ds.y.to_numpy()
    else:
        X, y = _data(*((15, 40) if case == "p>n" else (60, 6)), seed=11)
    w = np.random.default_rng(4).uniform(0.2, 3.0, size=len(y)) if case == "weighted" else None
    fit_intercept = case != "no_intercept"
    ref = BayesianRidge(tol=1e-12, max_iter=100_000, fit_intercept=fit_intercept).fit(X, y, sample_weight=w)
    assert ref.n_iter_ < 100_000
    res = br.empirical_bayes(X, y, hyperprior="sklearn", fit_intercept=fit_intercept, sample_weight=w)
    assert res.certificate.passed
    assert res.alpha_ == pytest.approx(ref.alpha_, rel=1e-6)
    assert res.lambda_ == pytest.approx(ref.lambda_, rel=1e-6)
    np.testing.assert_allclose(res.coef_, ref.coef_, rtol=1e-6, atol=1e-6 * np.max(np.abs(ref.coef_)))
    assert res.intercept_ == pytest.approx(ref.intercept_, rel=1e-6, abs=1e-9)
    assert res.prior == br.Gaussian(sigma=1 / np.sqrt(ref.lambda_)) or \
        res.prior.sigma == pytest.approx(1 / np.sqrt(ref.lambda_), rel=1e-6)


def test_to_penalty_gives_the_ridge_that_returns_the_coefficients():
    X, y = _data(80, 7, seed=2)
    res = br.empirical_bayes(X, y)
    pen = res.to_penalty("sklearn.Ridge")
    assert pen["alpha"] == pytest.approx(res.lambda_ / res.alpha_, rel=1e-12)
    ridge = Ridge(alpha=pen["alpha"]).fit(X, y)
    np.testing.assert_allclose(ridge.coef_, res.coef_, rtol=1e-9)
    assert ridge.intercept_ == pytest.approx(res.intercept_, rel=1e-9)
    fit = br.BayesianRegression(prior=res.prior, noise_sigma=res.noise_sigma).fit(X, y)
    np.testing.assert_allclose(fit.coef_, res.coef_, rtol=1e-8)


def test_certificate_can_fail():
    X, y = _data(50, 5, seed=9)
    res = br.empirical_bayes(X, y)
    spec = gaussian_spectrum(X, y, None, fit_intercept=True)
    assert certify_evidence(spec, res.alpha_, res.lambda_, _NO_HYPERPRIOR).passed
    assert not certify_evidence(spec, res.alpha_ * 1.01, res.lambda_, _NO_HYPERPRIOR).passed
    assert not certify_evidence(spec, res.alpha_, res.lambda_ * 1.01, _NO_HYPERPRIOR).passed
    assert not certify_evidence(spec, res.alpha_, res.lambda_, SKLEARN_HYPERPRIOR | {"lambda_1": 1.0}).passed
    assert "NOT an optimum" in str(certify_evidence(spec, res.alpha_ * 1.5, res.lambda_, _NO_HYPERPRIOR))


def test_bad_input_is_refused_with_the_parameter_named():
    X, y = _data(20, 3)
    with pytest.raises(ValueError, match="at least 2 rows"):
        br.empirical_bayes(X[:1], y[:1])
    with pytest.raises(ValueError, match="'prior' parameter of empirical_bayes.*bayesian_lasso"):
        br.empirical_bayes(X, y, prior="laplace")
    with pytest.raises(ValueError, match="'prior' parameter.*not defined for ElasticNet"):
        br.empirical_bayes(X, y, prior=br.ElasticNet(1.0, 1.0))
    with pytest.raises(ValueError, match="already has a hyperprior"):
        br.empirical_bayes(X, y, prior=br.HierarchicalLaplace())
    with pytest.raises(ValueError, match="'hyperprior' parameter"):
        br.empirical_bayes(X, y, hyperprior="gamma")
    with pytest.raises(ValueError, match="'hyperprior' parameter.*'gaussian' only"):
        br.empirical_bayes(X, y, prior="bayesian_lasso", hyperprior="sklearn")
    Xn = X.copy()
    Xn[3, 1] = np.nan
    with pytest.raises(ValueError, match="X must be finite"):
        br.empirical_bayes(Xn, y)
    yn = y.copy()
    yn[2] = np.inf
    with pytest.raises(ValueError, match="y must be finite"):
        br.empirical_bayes(X, yn)
    with pytest.raises(ValueError, match="non-constant feature"):
        br.empirical_bayes(np.ones((10, 2)), y[:10])
    with pytest.raises(TypeError, match="'fit_intercept' parameter"):
        br.empirical_bayes(X, y, fit_intercept="yes")


def test_no_signal_has_no_finite_optimum():
    """y orthogonal to the centred columns: the evidence grows as lambda -> infinity (a clear error)."""
    X = np.array([[1.0, 0.0], [-1.0, 0.0], [0.0, 1.0], [0.0, -1.0], [0.0, 0.0]])
    y = np.array([1.0, 1.0, 1.0, 1.0, -4.0])
    with pytest.raises(ValueError, match="no finite maximum.*infinity"):
        br.empirical_bayes(X, y)
