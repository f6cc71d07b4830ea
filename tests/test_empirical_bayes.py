"""Empirical Bayes for the Gaussian prior: exact evidence, BayesianRidge, the certificate, bad input."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import optimize, stats
from sklearn.linear_model import ARDRegression, BayesianRidge, Ridge

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
    want = direct_log_evidence(X, y, res.alpha_, res.lambda_, fit_intercept=fit_intercept, weights=w)
    assert res.log_evidence == pytest.approx(want, rel=1e-10)  # the exact evidence, not BayesianRidge's score
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
    with pytest.raises(ValueError, match="'hyperprior' and 'ard' parameters.*'gaussian' only"):
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


def _ard_data(seed=1, n=100, w=(1.0, -2.0, 0.5, 1.5, 0.3, 0.0)):
    rng = np.random.default_rng(seed)
    Z = rng.normal(size=(n, 6))
    X = Z + 0.9 * Z[:, [0]]  # correlated columns: MacKay's updates need ~200 iterations
    return X, X @ np.array(w) + rng.normal(size=n) + 2.0


@pytest.mark.parametrize("seed", [1, 2])
def test_ard_with_sklearn_hyperprior_reproduces_ard_regression(seed):
    """Where no precision reaches ARDRegression's pruning threshold (1e4), the same optimum."""
    X, y = _ard_data(seed)
    ref = ARDRegression(tol=1e-14, max_iter=100_000).fit(X, y)
    assert ref.n_iter_ < 100_000 and np.all(ref.lambda_ < ref.threshold_lambda)
    res = br.empirical_bayes(X, y, hyperprior="sklearn", ard=True)
    assert res.certificate.passed, str(res.certificate)
    assert res.alpha_ == pytest.approx(ref.alpha_, rel=1e-6)
    np.testing.assert_allclose(res.lambda_, ref.lambda_, rtol=1e-6)
    np.testing.assert_allclose(res.coef_, ref.coef_, rtol=1e-6, atol=1e-6 * np.max(np.abs(ref.coef_)))
    assert res.intercept_ == pytest.approx(ref.intercept_, rel=1e-6)
    np.testing.assert_allclose(res.prior.sigma, 1 / np.sqrt(ref.lambda_), rtol=1e-6)
    want = direct_log_evidence(X / np.sqrt(res.lambda_), y, res.alpha_, 1.0, fit_intercept=True)
    assert res.log_evidence == pytest.approx(want, rel=1e-10)  # the exact evidence, not ARDRegression's score


def test_ard_evidence_equals_the_direct_integral_and_is_maximal():
    """log Z of ARD at its optimum = the n x n integral with K = I/alpha + X diag(1/lambda) X^T; every
    coordinate perturbation lowers it; one common precision recovers the Gaussian evidence."""
    X, y = _ard_data(3, n=40, w=(1.0, -2.0, 0.5, 1.5, 0.8, 1.0))
    res = br.empirical_bayes(X, y, ard=True)
    assert res.certificate.passed
    lam = np.asarray(res.lambda_)
    Xs = X / np.sqrt(lam)
    assert res.log_evidence == pytest.approx(direct_log_evidence(Xs, y, res.alpha_, 1.0, fit_intercept=True),
                                             rel=1e-10)
    for j in range(X.shape[1]):
        for f in (0.99, 1.01):
            lj = lam.copy()
            lj[j] *= f
            assert direct_log_evidence(X / np.sqrt(lj), y, res.alpha_, 1.0, fit_intercept=True) < res.log_evidence
    one = br.empirical_bayes(X, y)
    assert res.log_evidence >= one.log_evidence  # more freedom, higher evidence


def test_ard_type2_ml_refuses_a_diverging_precision():
    rng = np.random.default_rng(4)
    X = rng.normal(size=(50, 3))
    y = X[:, 0] + rng.normal(size=50)
    Xc, yc = X - X.mean(0), y - y.mean()
    q, _ = np.linalg.qr(np.column_stack([yc, Xc[:, 0]]))
    X[:, 2] = Xc[:, 2] - q @ (q.T @ Xc[:, 2])  # orthogonal to y and to the relevant feature
    with pytest.raises(ValueError, match=r"precisions of features \[(1, )?2\] diverge"):
        br.empirical_bayes(X, y, ard=True)
    assert br.empirical_bayes(X, y, ard=True, hyperprior="sklearn").certificate.passed


def test_an_exact_fit_has_no_finite_optimum():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(30, 3))
    with pytest.raises(ValueError, match="no finite maximum.*r -> 0.*exactly"):
        br.empirical_bayes(X, X @ np.array([1.0, 2.0, 3.0]) + 4.0)


def test_log_evidence_profile_peaks_at_the_optimum():
    X, y = _data(60, 5, seed=13)
    res = br.empirical_bayes(X, y)
    r_hat = res.lambda_ / res.alpha_
    grid = r_hat * np.geomspace(0.1, 10, 41)
    prof = res.log_evidence_profile(grid)
    assert prof.shape == (41,) and np.argmax(prof) == 20
    assert res.log_evidence_profile(r_hat)[0] == pytest.approx(res.log_evidence, rel=1e-13)
    # = max over alpha of the direct integral at lambda = r alpha
    alpha = optimize.minimize_scalar(lambda a: -direct_log_evidence(X, y, np.exp(a), 3 * r_hat * np.exp(a),
                                                                    fit_intercept=True), bounds=(-10, 10),
                                     method="bounded", options={"xatol": 1e-10})
    assert res.log_evidence_profile(3 * r_hat)[0] == pytest.approx(-alpha.fun, rel=1e-9)
    with pytest.raises(ValueError, match="'ridge_alpha' parameter"):
        res.log_evidence_profile([-1.0])
    with pytest.raises(ValueError, match="one precision"):
        br.empirical_bayes(X, y, ard=True, hyperprior="sklearn").log_evidence_profile(1.0)
