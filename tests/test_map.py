"""The exact MAP (``bayesreg.inference.map.find_map``) against scikit-learn, the external peer.

References
----------
* scikit-learn 1.9 ``Lasso`` / ``Ridge`` / ``ElasticNet`` (coordinate descent at ``tol=1e-14``,
  Cholesky) and ``LogisticRegression`` (``newton-cholesky`` for L2, ``saga`` for L1 / elastic net,
  ``tol=1e-12``), fitted **in this file** on the bundled data sets and compared with the MAP of the
  prior mapped by ``penalty_to_prior``: coefficients (relative to the largest), zero patterns
  (exact ``== 0.0``), intercepts, and the value of **scikit-learn's own objective** at both points
  (written out here from its documentation). The same comparisons are also run through
  ``bayesreg.verify.verify_map(..., reference="sklearn")``.
* Weighted likelihoods: integer sample weights equal duplicated rows (exact identity), and
  scikit-learn's ``sample_weight`` (Lasso / ElasticNet rescale the weights to sum to ``n``, so the
  mapping uses ``n = sum(weights)``).
* The optimality certificate must fail on perturbed points (computed with
  ``bayesreg.inference.map.smooth_gradient``, PyMC's gradient, and ``bayesreg.inference.map.certify``).
* The PyMC model of ``bayesreg.model.build_model``: its full log-density at the MAP equals
  ``-(NLL + penalty + sum log Z)`` with the NLL and the prior's log-density from ``scipy.stats``,
  and no nearby point has a higher log-density (the MAP is the mode of the model's own posterior).
"""

from __future__ import annotations

import functools
import warnings

import numpy as np
import pytest
from scipy import stats
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import ElasticNet as SkElasticNet
from sklearn.linear_model import Lasso, LogisticRegression, Ridge

from bayesreg.conventions import penalty_to_prior
from bayesreg.datasets import load_dataset
from bayesreg.inference.map import certify, find_map, smooth_gradient
from bayesreg.model.build import build_model
from bayesreg.model.data import RegressionData
from bayesreg.model.likelihoods import GaussianLikelihood, LogisticLikelihood
from bayesreg.model.priors import ElasticNet, Gaussian, Laplace
from bayesreg.verify import verify_map

RTOL = 1e-6  # coefficients, relative to max |coef|
CD = {"tol": 1e-14, "max_iter": 1_000_000}


# ----------------------------------------------------------------------------- data
@functools.cache
def dataset(name: str) -> tuple[np.ndarray, np.ndarray]:
    if name == "breast_cancer_std":
        d = load_dataset("breast_cancer")
        X = d.X.to_numpy()
        return (X - X.mean(axis=0)) / X.std(axis=0), d.y.to_numpy().astype(float)
    d = load_dataset(name)
    return d.X.to_numpy(), d.y.to_numpy().astype(float)


def alpha_max(X, y, sw=None) -> float:
    """Smallest sklearn Lasso alpha whose solution is all zeros (weights rescaled to sum n)."""
    s = np.ones(len(y)) if sw is None else sw * len(y) / sw.sum()
    xbar, ybar = s @ X / s.sum(), s @ y / s.sum()
    return float(np.max(np.abs((X - xbar).T @ (s * (y - ybar)))) / len(y))


# ----------------------------------------------------------------------------- sklearn side
def sklearn_fit(convention, X, y, params, sw=None, fit_intercept=True):
    name = convention.split(".")[1]
    if name == "Lasso":
        est = Lasso(**params, fit_intercept=fit_intercept, **CD)
    elif name == "ElasticNet":
        est = SkElasticNet(**params, fit_intercept=fit_intercept, **CD)
    elif name == "Ridge":
        est = Ridge(**params, fit_intercept=fit_intercept, solver="cholesky")
    else:
        solver = "newton-cholesky" if params.get("l1_ratio", 0.0) == 0.0 else "saga"
        est = LogisticRegression(**params, solver=solver, tol=1e-12, max_iter=1_000_000,
                                 fit_intercept=fit_intercept)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)  # an unconverged reference is no reference
        est.fit(X, y, sample_weight=sw)
    return np.ravel(est.coef_).astype(float), float(np.ravel(est.intercept_)[0]) if fit_intercept else 0.0


def sklearn_objective(convention, X, y, params, coef, intercept, sw=None) -> float:
    """scikit-learn's documented objective (sample weights as scikit-learn applies them)."""
    n = len(y)
    s = np.ones(n) if sw is None else np.asarray(sw, float)
    eta = X @ coef + intercept
    name = convention.split(".")[1]
    if name in ("Lasso", "ElasticNet"):
        rho = params.get("l1_ratio", 1.0)
        a = params["alpha"]
        return float((s * (y - eta) ** 2).sum() / (2 * s.sum()) + a * rho * np.abs(coef).sum()
                     + a * (1 - rho) / 2 * (coef**2).sum())
    if name == "Ridge":
        return float((s * (y - eta) ** 2).sum() + params["alpha"] * (coef**2).sum())
    rho = params.get("l1_ratio", 0.0)
    loss = (s * (np.logaddexp(0.0, eta) - y * eta)).sum()
    return float(params["C"] * loss + rho * np.abs(coef).sum() + (1 - rho) / 2 * (coef**2).sum())


def bayes_fit(convention, X, y, params, sw=None, fit_intercept=True, noise_sigma=1.0, form="auto"):
    logistic = convention == "sklearn.LogisticRegression"
    data = RegressionData.from_xy(X, y, sample_weight=sw, binary=logistic, fit_intercept=fit_intercept)
    prior = penalty_to_prior(convention, n=data.weight_sum, noise_sigma=noise_sigma, **params)
    lik = LogisticLikelihood() if logistic else GaussianLikelihood(noise_sigma)
    return find_map(data, prior, lik, form=form), data, prior, lik


def assert_matches_sklearn(convention, X, y, params, sw=None, fit_intercept=True, noise_sigma=1.0):
    """Fit both; assert coefficients, exact zeros, intercept and sklearn's objective agree."""
    sk_coef, sk_icpt = sklearn_fit(convention, X, y, params, sw, fit_intercept)
    fit, *_ = bayes_fit(convention, X, y, params, sw, fit_intercept, noise_sigma)
    scale = float(np.max(np.abs(sk_coef)))
    rel = float(np.max(np.abs(fit.coef - sk_coef))) / scale
    assert rel <= RTOL, rel
    np.testing.assert_array_equal(fit.coef == 0.0, sk_coef == 0.0)  # exact zeros in both
    assert abs(fit.intercept - sk_icpt) <= RTOL * max(scale, abs(sk_icpt))
    if not fit_intercept:
        assert fit.intercept == 0.0
    obj_map = sklearn_objective(convention, X, y, params, fit.coef, fit.intercept, sw)
    obj_sk = sklearn_objective(convention, X, y, params, sk_coef, sk_icpt, sw)
    assert obj_map == pytest.approx(obj_sk, rel=1e-12)
    assert obj_map <= obj_sk * (1 + 1e-14)  # the MAP is never worse on sklearn's own objective
    assert fit.certificate.passed
    assert fit.certificate.relative_residual <= 1e-10  # find_map iterates to ~1e-16..1e-12
    return fit, sk_coef, rel


def assert_report_passes(report):
    assert report.passed, report.to_dict()
    assert report.max_rel_diff <= RTOL
    assert report.same_zero_pattern
    assert report.objective_gap <= 1e-12
    assert report.kkt_residual <= 1e-10
    assert report.reference_kkt_residual <= 1e-6  # sklearn's point is (nearly) optimal for the model


# ----------------------------------------------------------------------------- Gaussian vs sklearn
GAUSS_DATA = ["diabetes", "sparse_p_gt_n", "correlated"]
GAUSS_CASES = [
    ("sklearn.Lasso", {"frac": 0.5}),
    ("sklearn.Lasso", {"frac": 0.1}),
    ("sklearn.Lasso", {"frac": 0.01}),
    ("sklearn.ElasticNet", {"frac": 0.3, "l1_ratio": 0.5}),
    ("sklearn.ElasticNet", {"frac": 0.05, "l1_ratio": 0.2}),
    ("sklearn.Ridge", {"alpha": 0.1}),
    ("sklearn.Ridge", {"alpha": 10.0}),
]


def _params(X, y, spec, sw=None):
    spec = dict(spec)
    if "frac" in spec:
        spec["alpha"] = spec.pop("frac") * alpha_max(X, y, sw)
    return spec


@pytest.mark.parametrize("data", GAUSS_DATA)
@pytest.mark.parametrize(("convention", "spec"), GAUSS_CASES,
                         ids=[f"{c.split('.')[1]}-{s}" for c, s in GAUSS_CASES])
def test_gaussian_map_equals_sklearn(data, convention, spec):
    X, y = dataset(data)
    params = _params(X, y, spec)
    fit, sk_coef, _ = assert_matches_sklearn(convention, X, y, params)
    if convention != "sklearn.Ridge" and spec.get("frac", 1) >= 0.05:
        assert np.any(fit.coef == 0.0)  # the case exercises exact zeros
    assert_report_passes(verify_map(X, y, convention, reference="sklearn", **params))


@pytest.mark.parametrize("noise_sigma", [0.1, 30.0])
def test_noise_sigma_cancels_in_the_mapping(noise_sigma):
    """The mapped prior carries sigma_n^2, so the MAP is the sklearn solution for any sigma_n."""
    X, y = dataset("diabetes")
    for convention, spec in GAUSS_CASES[1:6:2]:
        params = _params(X, y, spec)
        assert_matches_sklearn(convention, X, y, params, noise_sigma=noise_sigma)
        assert_report_passes(verify_map(X, y, convention, reference="sklearn", noise_sigma=noise_sigma,
                                        **params))


@pytest.mark.parametrize("frac", [0.2, 0.02, pytest.param(0.002, marks=pytest.mark.slow)])
def test_lasso_p_greater_than_n(frac):
    """n = 60, p = 200; at frac = 0.002 the support has 57 of at most 60 features (near-singular
    active Gram matrix: ~4e4 coordinate-descent sweeps, ~10 s)."""
    X, y = dataset("sparse_p_gt_n")
    n, p = X.shape
    assert p > n
    fit, sk_coef, _ = assert_matches_sklearn("sklearn.Lasso", X, y, {"alpha": frac * alpha_max(X, y)})
    assert 0 < np.count_nonzero(fit.coef) <= n


def test_small_ridge_p_greater_than_n():
    """A small ridge penalty with p > n: an ill-conditioned quadratic (solved directly)."""
    X, y = dataset("sparse_p_gt_n")
    assert_matches_sklearn("sklearn.Ridge", X, y, {"alpha": 0.01})


def test_laplace_map_has_exact_zeros_where_sklearn_does():
    X, y = dataset("correlated")
    params = {"alpha": 0.1 * alpha_max(X, y)}
    sk_coef, _ = sklearn_fit("sklearn.Lasso", X, y, params)
    fit, *_ = bayes_fit("sklearn.Lasso", X, y, params)
    zeros = sk_coef == 0.0
    assert 0 < zeros.sum() < X.shape[1]
    assert np.all(fit.coef[zeros] == 0.0)  # bit-exact zeros, not tiny numbers
    assert np.all(fit.coef[~zeros] != 0.0)


# ----------------------------------------------------------------------------- logistic vs sklearn
LOGIT_CASES = [
    ("breast_cancer_std", 0.05), ("breast_cancer_std", 0.2), ("binary_synthetic", 0.05),
    ("binary_synthetic", 1.0),
]


@pytest.mark.parametrize("l1_ratio", [0.0, 1.0, 0.5])
@pytest.mark.parametrize(("data", "C"), LOGIT_CASES)
def test_logistic_map_equals_sklearn(data, C, l1_ratio):
    X, y = dataset(data)
    params = {"C": C, "l1_ratio": l1_ratio}
    fit, sk_coef, _ = assert_matches_sklearn("sklearn.LogisticRegression", X, y, params)
    if l1_ratio > 0 and C == 0.05:
        assert np.any(fit.coef == 0.0)
    assert_report_passes(verify_map(X, y, "sklearn.LogisticRegression", reference="sklearn", **params))


# ----------------------------------------------------------------------------- certificate
def _theta(fit):
    return np.append(fit.coef, fit.intercept)


def _relative_residual(data, prior, lik, theta):
    grad, scale = smooth_gradient(data, prior, lik, theta)
    return certify(prior, theta, grad, fit_intercept=True, scale=scale)


@pytest.mark.parametrize(("data_name", "convention", "spec"), [
    ("diabetes", "sklearn.Lasso", {"frac": 0.1}),
    ("correlated", "sklearn.ElasticNet", {"frac": 0.1, "l1_ratio": 0.5}),
    ("binary_synthetic", "sklearn.LogisticRegression", {"C": 0.05, "l1_ratio": 1.0}),
])
def test_certificate_fails_on_perturbed_solutions(data_name, convention, spec):
    X, y = dataset(data_name)
    params = _params(X, y, spec)
    fit, data, prior, lik = bayes_fit(convention, X, y, params)
    theta = _theta(fit)
    opt = _relative_residual(data, prior, lik, theta)
    assert opt.passed and opt.relative_residual <= 1e-12
    assert opt.relative_residual == pytest.approx(fit.certificate.relative_residual, rel=1e-6, abs=1e-15)
    floor = max(opt.relative_residual, 1e-16)

    nonzero = np.flatnonzero(fit.coef)
    zero = np.flatnonzero(fit.coef == 0.0)
    assert nonzero.size and zero.size

    bad = theta.copy()
    j = nonzero[np.argmax(np.abs(fit.coef[nonzero]))]
    bad[j] *= 1.0 + 1e-4
    cert = _relative_residual(data, prior, lik, bad)
    assert not cert.passed
    assert cert.relative_residual >= 1e6 * floor
    assert cert.coef_residuals[j] >= 1e6 * floor * (cert.kkt_residual / cert.relative_residual)

    bad = theta.copy()
    bad[zero[0]] = 1e-6
    cert = _relative_residual(data, prior, lik, bad)
    assert not cert.passed
    assert cert.relative_residual >= 1e6 * floor
    assert cert.coef_residuals[zero[0]] >= 1e6 * floor * (cert.kkt_residual / cert.relative_residual)

    bad = theta.copy()
    bad[-1] += 1e-4 * max(abs(bad[-1]), 1.0)
    cert = _relative_residual(data, prior, lik, bad)
    assert not cert.passed
    assert cert.relative_residual >= 1e6 * floor
    assert cert.intercept_residual >= 1e6 * floor * (cert.kkt_residual / cert.relative_residual)


# ----------------------------------------------------------------------------- sample weights
@pytest.mark.parametrize(("data_name", "prior", "logistic"), [
    ("diabetes", Laplace(0.002), False),
    ("correlated", ElasticNet(20.0, 5.0), False),
    ("binary_synthetic", Laplace(0.3), True),
    ("binary_synthetic", Gaussian(0.5), True),
])
def test_integer_weights_equal_duplicated_rows(data_name, prior, logistic):
    X, y = dataset(data_name)
    sw = np.random.default_rng(0).integers(0, 4, size=len(y)).astype(float)  # zeros drop rows
    lik = LogisticLikelihood() if logistic else GaussianLikelihood(1.0)
    weighted = find_map(RegressionData.from_xy(X, y, sample_weight=sw, binary=logistic), prior, lik)
    rows = np.repeat(np.arange(len(y)), sw.astype(int))
    dup = find_map(RegressionData.from_xy(X[rows], y[rows], binary=logistic), prior, lik)
    scale = float(np.max(np.abs(dup.coef)))
    assert np.max(np.abs(weighted.coef - dup.coef)) <= 1e-9 * scale
    np.testing.assert_array_equal(weighted.coef == 0.0, dup.coef == 0.0)
    assert weighted.intercept == pytest.approx(dup.intercept, rel=1e-9, abs=1e-9 * scale)
    assert weighted.objective == pytest.approx(dup.objective, rel=1e-10)


@pytest.mark.parametrize(("data_name", "convention", "spec"), [
    ("diabetes", "sklearn.Lasso", {"frac": 0.1}),
    ("correlated", "sklearn.Lasso", {"frac": 0.05}),
    ("correlated", "sklearn.ElasticNet", {"frac": 0.1, "l1_ratio": 0.6}),
    ("diabetes", "sklearn.Ridge", {"alpha": 2.0}),
    ("binary_synthetic", "sklearn.LogisticRegression", {"C": 0.05, "l1_ratio": 1.0}),
    ("binary_synthetic", "sklearn.LogisticRegression", {"C": 0.5, "l1_ratio": 0.0}),
])
@pytest.mark.parametrize("kind", ["integer", "real"])
def test_sample_weight_matches_sklearn(data_name, convention, spec, kind):
    X, y = dataset(data_name)
    rng = np.random.default_rng(1)
    sw = rng.integers(1, 4, size=len(y)).astype(float) if kind == "integer" else rng.uniform(0.1, 3.0, len(y))
    params = _params(X, y, spec, sw)
    assert_matches_sklearn(convention, X, y, params, sw=sw)
    assert_report_passes(verify_map(X, y, convention, reference="sklearn", sample_weight=sw, **params))


def test_lasso_sample_weight_scale_invariance_is_sklearn_convention():
    """sklearn ignores a common factor on Lasso weights; with n = sum(weights) so does the mapping."""
    X, y = dataset("correlated")
    sw = np.random.default_rng(2).uniform(0.1, 3.0, len(y))
    params = {"alpha": 0.05 * alpha_max(X, y, sw)}
    a, *_ = bayes_fit("sklearn.Lasso", X, y, params, sw=sw)
    b, *_ = bayes_fit("sklearn.Lasso", X, y, params, sw=7.0 * sw)
    np.testing.assert_allclose(a.coef, b.coef, rtol=1e-10, atol=1e-12 * np.max(np.abs(a.coef)))


# ----------------------------------------------------------------------------- variants
@pytest.mark.parametrize(("data_name", "convention", "spec"), [
    ("correlated", "sklearn.Lasso", {"frac": 0.05}),
    ("sparse_p_gt_n", "sklearn.ElasticNet", {"frac": 0.1, "l1_ratio": 0.5}),
    ("diabetes", "sklearn.Ridge", {"alpha": 1.0}),
    ("binary_synthetic", "sklearn.LogisticRegression", {"C": 0.05, "l1_ratio": 0.5}),
])
def test_fit_intercept_false(data_name, convention, spec):
    X, y = dataset(data_name)
    params = _params(X, y, spec)
    if "frac" in spec:  # alpha_max without centring
        params["alpha"] = spec["frac"] * float(np.max(np.abs(X.T @ y))) / len(y)
    fit, *_ = assert_matches_sklearn(convention, X, y, params, fit_intercept=False)
    assert fit.intercept == 0.0
    report = verify_map(X, y, convention, reference="sklearn", fit_intercept=False, **params)
    assert_report_passes(report)
    assert report.map_intercept == 0.0


@pytest.mark.parametrize(("data_name", "prior", "sw"), [
    ("diabetes", Laplace(0.002), None),
    ("correlated", ElasticNet(20.0, 5.0), None),
    ("correlated", Gaussian(0.3), None),
    ("diabetes", Laplace(0.002), "weights"),
])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_rows_and_suffstats_forms_agree(data_name, prior, sw, fit_intercept):
    X, y = dataset(data_name)
    if sw is not None:
        sw = np.random.default_rng(3).uniform(0.5, 2.0, len(y))
    data = RegressionData.from_xy(X, y, sample_weight=sw, fit_intercept=fit_intercept)
    lik = GaussianLikelihood(2.0)
    a = find_map(data, prior, lik, form="rows")
    b = find_map(data, prior, lik, form="suffstats")
    scale = float(np.max(np.abs(b.coef)))
    assert np.max(np.abs(a.coef - b.coef)) <= 1e-10 * scale
    np.testing.assert_array_equal(a.coef == 0.0, b.coef == 0.0)
    assert a.intercept == pytest.approx(b.intercept, rel=1e-10, abs=1e-10 * scale)
    assert a.objective == pytest.approx(b.objective, rel=1e-12)
    assert a.certificate.passed and b.certificate.passed


# ----------------------------------------------------------------------------- the PyMC model
def _scipy_log_posterior(data, prior, lik, coef, intercept) -> float:
    """Unnormalised log-posterior from scipy.stats densities (flat intercept prior)."""
    eta = data.X @ coef + intercept
    if isinstance(lik, GaussianLikelihood):
        loglik = float(data.weights @ stats.norm.logpdf(data.y, loc=eta, scale=lik.noise_sigma))
    else:
        loglik = float(data.weights @ stats.bernoulli.logpmf(data.y, stats.logistic.cdf(eta)))
    if isinstance(prior, Laplace):
        # the Laplace density written out: scipy 1.17's laplace.logpdf is log(pdf) and underflows
        # to -inf for |w|/b > ~745, which happens here (b ~ 1e-3 on raw diabetes)
        b = np.broadcast_to(prior.b, coef.shape)
        logprior = float(np.sum(-np.abs(coef) / b - np.log(2.0 * b)))
    elif isinstance(prior, Gaussian):
        logprior = float(np.sum(stats.norm.logpdf(coef, scale=np.broadcast_to(prior.sigma, coef.shape))))
    else:
        logprior = prior.logpdf(coef)  # checked against quadrature in test_priors.py
    return loglik + logprior


@pytest.mark.parametrize(("data_name", "convention", "params", "form", "weighted"), [
    ("diabetes", "sklearn.Lasso", {"alpha": 1.0}, "suffstats", False),
    ("diabetes", "sklearn.Lasso", {"alpha": 1.0}, "rows", False),
    ("correlated", "sklearn.ElasticNet", {"alpha": 0.05, "l1_ratio": 0.5}, "suffstats", True),
    ("correlated", "sklearn.Ridge", {"alpha": 3.0}, "rows", True),
    ("binary_synthetic", "sklearn.LogisticRegression", {"C": 0.05, "l1_ratio": 1.0}, "auto", False),
    ("binary_synthetic", "sklearn.LogisticRegression", {"C": 0.05, "l1_ratio": 0.5}, "rows", True),
])
def test_pymc_logp_at_map_is_the_posterior_mode(data_name, convention, params, form, weighted):
    X, y = dataset(data_name)
    sw = np.random.default_rng(4).uniform(0.5, 2.0, len(y)) if weighted else None
    noise = 1.7
    fit, data, prior, lik = bayes_fit(convention, X, y, params, sw=sw, noise_sigma=noise, form=form)
    logp = build_model(data, prior, lik, form=form).model.compile_logp()

    def model_logp(coef, intercept):
        return float(logp({"coef": coef, "intercept": np.asarray(intercept)}))

    at_map = model_logp(fit.coef, fit.intercept)
    p = data.n_features
    l1, _ = prior.penalty_weights(p)
    expected = -(lik.nll(data, fit.coef, fit.intercept) + prior.penalty(fit.coef)
                 + float(np.sum(prior.log_normalizer(p))))
    assert at_map == pytest.approx(expected, rel=1e-12)
    assert at_map == pytest.approx(_scipy_log_posterior(data, prior, lik, fit.coef, fit.intercept), rel=1e-12)
    # -logp at the MAP is the minimised objective plus the prior's constant
    assert -at_map == pytest.approx(fit.objective + float(np.sum(prior.log_normalizer(p))), rel=1e-12)

    # the mode: every nearby point (zeros moved off zero included) has a lower model log-density
    rng = np.random.default_rng(5)
    scale = 1e-3 * max(float(np.max(np.abs(fit.coef))), 1e-3)
    for _ in range(20):
        dc = rng.normal(0.0, scale, p)
        di = rng.normal(0.0, scale)
        assert model_logp(fit.coef + dc, fit.intercept + di) < at_map
    if np.any(l1 > 0) and np.any(fit.coef == 0.0):
        j = int(np.flatnonzero(fit.coef == 0.0)[0])
        for eps in (1e-6, -1e-6):
            moved = fit.coef.copy()
            moved[j] = eps
            assert model_logp(moved, fit.intercept) < at_map
