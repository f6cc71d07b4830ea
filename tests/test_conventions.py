"""Tests of the penalty <-> prior conversions in ``bayesreg.conventions``.

References
----------
* Round trips ``params -> penalty_to_prior -> prior_to_penalty`` (and ``prior -> penalty -> prior``)
  for every registered convention and each of its L1 / L2 / elastic-net variants.
* The explicit formulas, written out in this file from each library's documented objective
  (scikit-learn 1.9, glmnet, statsmodels, the textbook forms and the seed article's
  :math:`1/b = \\lambda`, :math:`1/\\sigma^2 = 2\\lambda`).
* Weight decay and the "mean_half" course form, checked by **running the algorithm**: plain
  gradient descent ``w <- w - lr * (grad mean loss + wd * w)`` (intercept not decayed) in NumPy
  until it stops moving, compared with ``find_map`` of the mapped Gaussian prior; the L1 form with
  proximal gradient descent (ISTA, soft-thresholding written here).
* Error messages: unknown names, missing ``n``/``X``, out-of-range strengths, wrong parameter names,
  priors a convention cannot express.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.special import expit

from bayesreg.conventions import (
    CONVENTIONS,
    get_convention,
    list_conventions,
    penalty_to_prior,
    penalty_to_weights,
    prior_to_penalty,
)
from bayesreg.datasets import load_dataset
from bayesreg.inference.map import find_map
from bayesreg.model.data import RegressionData
from bayesreg.model.likelihoods import GaussianLikelihood, LogisticLikelihood
from bayesreg.model.priors import ElasticNet, Gaussian, Laplace


def _diabetes_raw():
    d = load_dataset("diabetes")
    return d.X.to_numpy(), d.y.to_numpy()


def _diabetes_z():
    """Diabetes with z-scored features (mean 0, population sd 1); y raw."""
    X, y = _diabetes_raw()
    return (X - X.mean(axis=0)) / X.std(axis=0), y


def _binary():
    d = load_dataset("binary_synthetic")
    return d.X.to_numpy(), d.y.to_numpy().astype(float)


XD, YD = _diabetes_raw()
N = 100
SN = 2.5  # noise_sigma

# (convention, penalty params, context (n, noise_sigma, X, y), inverse options)
ROUND_TRIPS = [
    ("sklearn.Lasso", {"alpha": 0.3}, {"n": N, "noise_sigma": SN}, {}),
    ("sklearn.Ridge", {"alpha": 4.0}, {"noise_sigma": SN}, {}),
    ("sklearn.ElasticNet", {"alpha": 0.3, "l1_ratio": 0.3}, {"n": N, "noise_sigma": SN}, {}),
    ("sklearn.ElasticNet", {"alpha": 0.3, "l1_ratio": 1.0}, {"n": N, "noise_sigma": SN}, {}),
    ("sklearn.QuantileRegressor", {"alpha": 0.3}, {"n": N, "noise_sigma": SN}, {}),
    ("sklearn.LogisticRegression", {"C": 0.7, "l1_ratio": 0.0}, {}, {}),
    ("sklearn.LogisticRegression", {"C": 0.7, "l1_ratio": 1.0}, {}, {}),
    ("sklearn.LogisticRegression", {"C": 0.7, "l1_ratio": 0.4}, {}, {}),
    ("sklearn.PoissonRegressor", {"alpha": 0.02}, {"n": N}, {}),
    ("glmnet", {"lambda_": 0.05, "alpha": 0.5, "family": "poisson", "standardize": True},
     {"X": XD, "y": YD}, {"family": "poisson", "standardize": True}),
    ("glmnet", {"lambda_": 0.8, "alpha": 1.0, "family": "gaussian", "standardize": True},
     {"X": XD, "y": YD, "noise_sigma": SN}, {"family": "gaussian", "standardize": True}),
    ("glmnet", {"lambda_": 0.8, "alpha": 0.35, "family": "gaussian", "standardize": True},
     {"X": XD, "y": YD}, {"family": "gaussian", "standardize": True}),
    ("glmnet", {"lambda_": 0.8, "alpha": 0.0, "family": "gaussian", "standardize": True},
     {"X": XD, "y": YD}, {"family": "gaussian", "standardize": True}),
    ("glmnet", {"lambda_": 0.8, "alpha": 0.35, "family": "gaussian", "standardize": False},
     {"n": 442, "y": YD, "noise_sigma": SN}, {"family": "gaussian", "standardize": False}),
    ("glmnet", {"lambda_": 0.02, "alpha": 0.5, "family": "binomial", "standardize": True},
     {"X": XD}, {"family": "binomial", "standardize": True}),
    ("glmnet", {"lambda_": 0.02, "alpha": 1.0, "family": "binomial", "standardize": False},
     {"n": N}, {"family": "binomial", "standardize": False}),
    ("statsmodels", {"alpha": 0.2, "L1_wt": 1.0, "model": "OLS"}, {"n": N, "noise_sigma": SN}, {"model": "OLS"}),
    ("statsmodels", {"alpha": 0.2, "L1_wt": 0.4, "model": "OLS"}, {"n": N, "noise_sigma": SN}, {"model": "OLS"}),
    ("statsmodels", {"alpha": 0.2, "L1_wt": 0.0, "model": "OLS"}, {"n": N, "noise_sigma": SN}, {"model": "OLS"}),
    ("statsmodels", {"alpha": 0.2, "L1_wt": 0.4, "model": "GLM"}, {"n": N}, {"model": "GLM"}),
    ("statsmodels", {"alpha": 3.0, "L1_wt": 1.0, "model": "Logit"}, {}, {"model": "Logit"}),
    *[(conv, params, {"n": N, "noise_sigma": SN}, {})
      for conv in ("sum", "mean", "mse", "mean_half")
      for params in ({"lam": 0.7, "penalty": "l1"}, {"lam": 0.7, "penalty": "l2"},
                     {"lam": 0.7, "penalty": "elasticnet", "l1_ratio": 0.3})],
    ("weight_decay", {"wd": 0.01}, {"n": N, "noise_sigma": SN}, {}),
    ("weight_decay", {"wd": 0.01, "loss": "mse"}, {"n": N, "noise_sigma": SN}, {"loss": "mse"}),
    # the frameworks (tests/test_frameworks.py runs their update rules) and dropout (tests/test_dropout.py)
    ("torch.SGD", {"wd": 0.01}, {"n": N, "noise_sigma": SN}, {}),
    ("torch.SGD", {"wd": 0.01, "loss": "nll", "momentum": 0.9}, {"n": N, "noise_sigma": SN},
     {"loss": "nll", "momentum": 0.9}),
    ("torch.Adam", {"wd": 0.01}, {"n": N}, {}),
    ("keras.l2", {"l2": 0.01, "loss": "nll"}, {"n": N, "noise_sigma": SN}, {"loss": "nll"}),
    ("keras.l1", {"l1": 0.01}, {"n": N}, {}),
    ("keras.l1_l2", {"l1": 0.01, "l2": 0.02}, {"n": N}, {}),
    ("keras.SGD", {"wd": 0.01, "momentum": 0.9, "nesterov": True}, {"n": N},
     {"momentum": 0.9, "nesterov": True}),
    ("decoupled_weight_decay", {"wd": 1e-3, "lr": 0.1, "momentum": 0.5, "lr_scaled": False}, {"n": N},
     {"lr": 0.1, "momentum": 0.5, "lr_scaled": False}),
    ("dropout", {"keep_prob": 0.8}, {"X": XD, "noise_sigma": SN}, {}),
    ("dropout", {"keep_prob": 0.3, "scaling": "standard"}, {"X": XD}, {"scaling": "standard"}),
]


def _assert_params_equal(got: dict, expected: dict) -> None:
    assert set(got) == set(expected), (got, expected)
    for key, value in expected.items():
        if isinstance(value, (str, bool)):
            assert got[key] == value, key
        else:
            assert got[key] == pytest.approx(value, rel=1e-12, abs=1e-15), key


def _assert_priors_equal(a, b) -> None:
    assert type(a) is type(b), (a, b)
    for field in {"laplace": ("b",), "gaussian": ("sigma",), "elastic_net": ("l1", "l2")}[a.kind]:
        va, vb = np.atleast_1d(getattr(a, field)), np.atleast_1d(getattr(b, field))
        np.testing.assert_allclose(va, vb, rtol=1e-12, atol=0)


def test_every_convention_has_a_round_trip_case():
    assert {c for c, *_ in ROUND_TRIPS} == set(CONVENTIONS)
    assert set(list_conventions()) == set(CONVENTIONS)


@pytest.mark.parametrize(("convention", "params", "ctx", "options"), ROUND_TRIPS,
                         ids=[f"{c}-{i}" for i, (c, *_) in enumerate(ROUND_TRIPS)])
def test_params_round_trip(convention, params, ctx, options):
    prior = penalty_to_prior(convention, **ctx, **params)
    back = prior_to_penalty(prior, convention, **ctx, **options)
    expected = dict(params)
    if convention == "weight_decay" and expected.get("loss") == "nll":
        expected.pop("loss")
    _assert_params_equal(back, expected)
    # and the recovered parameters give the same prior again
    _assert_priors_equal(penalty_to_prior(convention, **ctx, **back), prior)


PRIOR_ROUND_TRIPS = [
    (Laplace(0.02), "sklearn.Lasso", {"n": 442, "noise_sigma": 3.0}, {}),
    (Gaussian(3.0), "sklearn.Ridge", {"noise_sigma": 3.0}, {}),
    (ElasticNet(2.0, 0.5), "sklearn.ElasticNet", {"n": 442}, {}),
    (Laplace(0.02), "sklearn.ElasticNet", {"n": 442}, {}),
    (Laplace(0.5), "sklearn.LogisticRegression", {}, {}),
    (Gaussian(0.5), "sklearn.LogisticRegression", {}, {}),
    (ElasticNet(2.0, 0.5), "sklearn.LogisticRegression", {}, {}),
    (Laplace(tuple(1.0 / (37.0 * XD.std(axis=0)))), "glmnet", {"X": XD, "y": YD},
     {"family": "gaussian", "standardize": True}),
    (ElasticNet(tuple(37.0 * XD.std(axis=0)), tuple(5.0 * XD.std(axis=0) ** 2)), "glmnet",
     {"X": XD, "y": YD}, {"family": "gaussian", "standardize": True}),
    (ElasticNet(tuple(37.0 * XD.std(axis=0)), tuple(5.0 * XD.std(axis=0) ** 2)), "glmnet",
     {"X": XD}, {"family": "binomial", "standardize": True}),
    (Gaussian(0.3), "glmnet", {"n": 442, "y": YD}, {"family": "gaussian", "standardize": False}),
    (ElasticNet(2.0, 0.5), "statsmodels", {"n": 50}, {"model": "OLS"}),
    (ElasticNet(2.0, 0.5), "statsmodels", {"n": 50}, {"model": "GLM"}),
    (Laplace(0.5), "statsmodels", {}, {"model": "Logit"}),
    *[(prior, conv, {"n": 50, "noise_sigma": 1.5}, {})
      for conv in ("sum", "mean", "mse", "mean_half")
      for prior in (Laplace(0.25), Gaussian(4.0), ElasticNet(2.0, 0.5))],
    (Gaussian(0.1), "weight_decay", {"n": 50}, {}),
    (Gaussian(0.1), "weight_decay", {"n": 50, "noise_sigma": 1.5}, {"loss": "mse"}),
]


@pytest.mark.parametrize(("prior", "convention", "ctx", "options"), PRIOR_ROUND_TRIPS,
                         ids=[f"{c}-{i}" for i, (_, c, *_) in enumerate(PRIOR_ROUND_TRIPS)])
def test_prior_round_trip(prior, convention, ctx, options):
    params = prior_to_penalty(prior, convention, **ctx, **options)
    _assert_priors_equal(penalty_to_prior(convention, **ctx, **params), prior)


# ----------------------------------------------------------------------------- explicit formulas
def test_sklearn_lasso_formula():
    """(1/(2n))||r||^2 + alpha||w||_1, times n/sigma_n^2  ->  b = sigma_n^2 / (n alpha)."""
    for n, sn, alpha in [(442, 1.0, 0.1), (60, 3.0, 0.05), (1e6, 0.2, 2.0)]:
        prior = penalty_to_prior("sklearn.Lasso", alpha=alpha, n=n, noise_sigma=sn)
        assert isinstance(prior, Laplace)
        assert prior.b == pytest.approx(sn**2 / (n * alpha), rel=1e-14)
    # the documented example
    assert penalty_to_prior("sklearn.Lasso", alpha=0.1, n=442) == Laplace(b=0.02262443438914027)


def test_sklearn_ridge_formula():
    """||r||^2 + alpha||w||^2, times 1/(2 sigma_n^2)  ->  sigma^2 = sigma_n^2 / alpha, no n."""
    for sn, alpha in [(1.0, 0.1), (3.0, 10.0)]:
        for n in (None, 10, 10_000):
            prior = penalty_to_prior("sklearn.Ridge", alpha=alpha, n=n, noise_sigma=sn)
            assert isinstance(prior, Gaussian)
            assert prior.sigma**2 == pytest.approx(sn**2 / alpha, rel=1e-14)


def test_sklearn_elastic_net_formula():
    n, sn, alpha, rho = 200, 1.7, 0.3, 0.25
    prior = penalty_to_prior("sklearn.ElasticNet", alpha=alpha, l1_ratio=rho, n=n, noise_sigma=sn)
    assert isinstance(prior, ElasticNet)
    assert prior.l1 == pytest.approx(n * alpha * rho / sn**2, rel=1e-14)
    assert prior.l2 == pytest.approx(n * alpha * (1 - rho) / (2 * sn**2), rel=1e-14)
    # l1_ratio = 1 is the Lasso, l1_ratio = 0 a ridge with alpha_ridge = n alpha
    _assert_priors_equal(penalty_to_prior("sklearn.ElasticNet", alpha=alpha, l1_ratio=1.0, n=n),
                         penalty_to_prior("sklearn.Lasso", alpha=alpha, n=n))
    _assert_priors_equal(penalty_to_prior("sklearn.ElasticNet", alpha=alpha, l1_ratio=0.0, n=n),
                         penalty_to_prior("sklearn.Ridge", alpha=n * alpha))


def test_sklearn_logistic_formula():
    """C sum logloss + rho||w||_1 + (1-rho)/2 ||w||^2: L1 b = C, L2 sigma^2 = C."""
    for C in (0.01, 1.0, 250.0):
        lap = penalty_to_prior("sklearn.LogisticRegression", C=C, l1_ratio=1.0)
        gau = penalty_to_prior("sklearn.LogisticRegression", C=C, l1_ratio=0.0)
        default = penalty_to_prior("sklearn.LogisticRegression", C=C)
        assert isinstance(lap, Laplace) and lap.b == pytest.approx(C, rel=1e-14)
        assert isinstance(gau, Gaussian) and gau.sigma**2 == pytest.approx(C, rel=1e-14)
        assert default == gau  # l1_ratio defaults to 0 (L2), as in scikit-learn 1.9
        en = penalty_to_prior("sklearn.LogisticRegression", C=C, l1_ratio=0.3)
        assert en.l1 == pytest.approx(0.3 / C, rel=1e-14)
        assert en.l2 == pytest.approx(0.7 / (2 * C), rel=1e-14)


def test_sum_form_matches_seed_article():
    """L + lam R(w): 1/b = lam (L1) and 1/sigma^2 = 2 lam (L2), independent of n."""
    for lam in (0.01, 1.0, 42.0):
        for n in (None, 7, 10_000):
            lap = penalty_to_prior("sum", lam=lam, penalty="l1", n=n)
            gau = penalty_to_prior("sum", lam=lam, penalty="l2", n=n)
            assert 1.0 / lap.b == pytest.approx(lam, rel=1e-14)
            assert 1.0 / gau.sigma**2 == pytest.approx(2.0 * lam, rel=1e-14)
    en = penalty_to_prior("sum", lam=2.0, penalty="elasticnet", l1_ratio=0.25)
    assert (en.l1, en.l2) == pytest.approx((0.5, 1.5), rel=1e-14)


def test_mean_form():
    """L/n + lam R(w): b = 1/(n lam), sigma^2 = 1/(2 n lam)."""
    n, lam = 250, 0.04
    assert penalty_to_prior("mean", lam=lam, penalty="l1", n=n).b == pytest.approx(1 / (n * lam), rel=1e-14)
    assert penalty_to_prior("mean", lam=lam, penalty="l2", n=n).sigma ** 2 == pytest.approx(
        1 / (2 * n * lam), rel=1e-14)


def test_mean_half_form_is_independent_of_n():
    """(1/m) sum L_i + lam/(2m) R(w): sigma^2 = 1/lam (L2), b = 2/lam (L1), any m."""
    for lam in (0.1, 2.0, 70.0):
        for n in (None, 3, 5000):
            gau = penalty_to_prior("mean_half", lam=lam, n=n)  # default penalty is l2
            assert isinstance(gau, Gaussian)
            assert gau.sigma**2 == pytest.approx(1.0 / lam, rel=1e-14)
            lap = penalty_to_prior("mean_half", lam=lam, penalty="l1", n=n)
            assert lap.b == pytest.approx(2.0 / lam, rel=1e-14)


def test_mse_form():
    """(1/n)||r||^2 + lam R(w): b = 2 sigma_n^2/(n lam), sigma^2 = sigma_n^2/(n lam)."""
    for n, sn, lam in [(442, 1.0, 0.3), (60, 2.5, 0.01)]:
        lap = penalty_to_prior("mse", lam=lam, penalty="l1", n=n, noise_sigma=sn)
        gau = penalty_to_prior("mse", lam=lam, penalty="l2", n=n, noise_sigma=sn)
        assert lap.b == pytest.approx(2 * sn**2 / (n * lam), rel=1e-14)
        assert gau.sigma**2 == pytest.approx(sn**2 / (n * lam), rel=1e-14)


def test_weight_decay_formula():
    """Fixed point of w <- w - lr (grad mean loss + wd w): sigma^2 = 1/(n wd); mse: 2 sigma_n^2/(n wd)."""
    for n, wd, sn in [(442, 1e-3, 1.0), (60, 0.2, 2.5)]:
        assert penalty_to_prior("weight_decay", wd=wd, n=n).sigma ** 2 == pytest.approx(1 / (n * wd), rel=1e-14)
        mse = penalty_to_prior("weight_decay", wd=wd, loss="mse", n=n, noise_sigma=sn)
        assert mse.sigma**2 == pytest.approx(2 * sn**2 / (n * wd), rel=1e-14)


def test_glmnet_formula():
    """l1_j = n lam alpha s_j / sigma^2, l2_j = n lam (1-alpha) s_j^2 / (2 s_y sigma^2) (population sd)."""
    n, lam, a, sn = XD.shape[0], 0.8, 0.35, 2.0
    s = np.sqrt(((XD - XD.mean(axis=0)) ** 2).mean(axis=0))
    s_y = math.sqrt(float(((YD - YD.mean()) ** 2).mean()))
    w = penalty_to_weights("glmnet", X=XD, y=YD, noise_sigma=sn, lambda_=lam, alpha=a)
    np.testing.assert_allclose(w.l1, n * lam * a * s / sn**2, rtol=1e-13)
    np.testing.assert_allclose(w.l2, n * lam * (1 - a) * s**2 / (2 * s_y * sn**2), rtol=1e-13)
    # binomial: no s_y, no noise scale
    w = penalty_to_weights("glmnet", X=XD, noise_sigma=sn, lambda_=lam, alpha=a, family="binomial")
    np.testing.assert_allclose(w.l1, n * lam * a * s, rtol=1e-13)
    np.testing.assert_allclose(w.l2, n * lam * (1 - a) * s**2 / 2, rtol=1e-13)
    # lasso without standardisation: l1 = n lam / sigma^2, y not needed (the L1 part is invariant)
    lap = penalty_to_prior("glmnet", n=n, noise_sigma=sn, lambda_=lam, standardize=False)
    assert lap.b == pytest.approx(sn**2 / (n * lam), rel=1e-14)


def test_statsmodels_formula():
    n, sn = 80, 1.5
    ols = penalty_to_weights("statsmodels", n=n, noise_sigma=sn, alpha=0.2, L1_wt=0.3)
    assert (float(ols.l1), float(ols.l2)) == pytest.approx(
        (n * 0.2 * 0.3 / sn**2, n * 0.2 * 0.7 / (2 * sn**2)), rel=1e-14)
    glm = penalty_to_weights("statsmodels", n=n, noise_sigma=sn, alpha=0.2, L1_wt=0.3, model="GLM")
    assert (float(glm.l1), float(glm.l2)) == pytest.approx((n * 0.2 * 0.3, n * 0.2 * 0.7 / 2), rel=1e-14)
    logit = penalty_to_prior("statsmodels", alpha=4.0, model="Logit")
    assert logit == Laplace(0.25)


# ----------------------------------------------------------------------------- running the algorithm
def _gradient_descent(grad, theta0, lr, *, prox=None, max_iter=200_000):
    """Plain (proximal) gradient descent until the iterate stops moving (to ~1e-15)."""
    theta = theta0.copy()
    for it in range(max_iter):
        new = theta - lr * grad(theta)
        if prox is not None:
            new = prox(new)
        step = float(np.max(np.abs(new - theta)))
        theta = new
        if step <= 1e-15 * (1.0 + float(np.max(np.abs(theta)))):
            return theta, it
    raise AssertionError(f"gradient descent did not converge in {max_iter} iterations")


def _lipschitz(X, curvature):
    """Largest eigenvalue of curvature * [X 1]'[X 1] / n (bound for the mean loss)."""
    Z = np.column_stack([X, np.ones(X.shape[0])])
    return curvature * float(np.linalg.eigvalsh(Z.T @ Z / X.shape[0])[-1])


def _gaussian_mean_grad(X, y, sn, scale=1.0):
    """Gradient of scale * (1/n) sum (y - c - xw)^2 / (2 sn^2) with respect to theta = (w, c)."""
    n, p = X.shape

    def grad(theta):
        r = y - X @ theta[:p] - theta[p]
        return -scale * np.append(X.T @ r, r.sum()) / (n * sn**2)

    return grad


def _logistic_mean_grad(X, y):
    n, p = X.shape

    def grad(theta):
        r = expit(X @ theta[:p] + theta[p]) - y
        return np.append(X.T @ r, r.sum()) / n

    return grad


def _decayed(grad, coef_weight, p):
    """grad + coef_weight * w on the coefficients only (the intercept is not decayed)."""
    def total(theta):
        g = grad(theta)
        g[:p] += coef_weight * theta[:p]
        return g

    return total


def _assert_close_to_map(theta, fit, p):
    scale = float(np.max(np.abs(fit.coef)))
    rel = float(np.max(np.abs(theta[:p] - fit.coef))) / scale
    assert rel <= 1e-6, rel
    assert abs(theta[p] - fit.intercept) <= 1e-6 * max(1.0, abs(fit.intercept))
    assert fit.certificate.passed
    return rel


@pytest.mark.parametrize(("wd", "sn"), [(0.05, 1.0), (0.005, 2.0)])
def test_weight_decay_gd_gaussian(wd, sn):
    X, y = _diabetes_z()
    n, p = X.shape
    grad = _decayed(_gaussian_mean_grad(X, y, sn), wd, p)
    theta, _ = _gradient_descent(grad, np.zeros(p + 1), 1.0 / (_lipschitz(X, 1 / sn**2) + wd))
    prior = penalty_to_prior("weight_decay", wd=wd, n=n)
    assert prior.sigma**2 == pytest.approx(1.0 / (n * wd), rel=1e-14)
    fit = find_map(RegressionData.from_xy(X, y), prior, GaussianLikelihood(sn))
    _assert_close_to_map(theta, fit, p)


def test_weight_decay_gd_gaussian_mse_loss():
    """loss = (1/n)||y - c - Xw||^2 (no noise scale in the loss); the prior carries sigma_n."""
    X, y = _diabetes_z()
    n, p = X.shape
    wd, sn = 0.02, 3.0
    mse_grad = _gaussian_mean_grad(X, y, 1.0, scale=2.0)  # grad of (1/n)||r||^2 = 2 * (1/n)||r||^2/2
    theta, _ = _gradient_descent(_decayed(mse_grad, wd, p), np.zeros(p + 1),
                                 1.0 / (_lipschitz(X, 2.0) + wd))
    prior = penalty_to_prior("weight_decay", wd=wd, loss="mse", n=n, noise_sigma=sn)
    fit = find_map(RegressionData.from_xy(X, y), prior, GaussianLikelihood(sn))
    _assert_close_to_map(theta, fit, p)


@pytest.mark.parametrize("wd", [0.01, 0.1])
def test_weight_decay_gd_logistic(wd):
    X, y = _binary()
    n, p = X.shape
    grad = _decayed(_logistic_mean_grad(X, y), wd, p)
    theta, _ = _gradient_descent(grad, np.zeros(p + 1), 1.0 / (_lipschitz(X, 0.25) + wd))
    prior = penalty_to_prior("weight_decay", wd=wd, n=n)
    fit = find_map(RegressionData.from_xy(X, y, binary=True), prior, LogisticLikelihood())
    _assert_close_to_map(theta, fit, p)


@pytest.mark.parametrize("lam", [1.0, 10.0])
def test_mean_half_gd_logistic(lam):
    """J = (1/m) sum CE_i + lam/(2m)||w||^2: gradient (1/m) grad CE + (lam/m) w."""
    X, y = _binary()
    m, p = X.shape
    grad = _decayed(_logistic_mean_grad(X, y), lam / m, p)
    theta, _ = _gradient_descent(grad, np.zeros(p + 1), 1.0 / (_lipschitz(X, 0.25) + lam / m))
    prior = penalty_to_prior("mean_half", lam=lam)  # no n needed
    assert prior.sigma**2 == pytest.approx(1.0 / lam, rel=1e-14)
    fit = find_map(RegressionData.from_xy(X, y, binary=True), prior, LogisticLikelihood())
    _assert_close_to_map(theta, fit, p)


def test_mean_half_gd_gaussian():
    X, y = _diabetes_z()
    m, p = X.shape
    lam, sn = 20.0, 1.0
    grad = _decayed(_gaussian_mean_grad(X, y, sn), lam / m, p)
    theta, _ = _gradient_descent(grad, np.zeros(p + 1), 1.0 / (_lipschitz(X, 1.0) + lam / m))
    fit = find_map(RegressionData.from_xy(X, y), penalty_to_prior("mean_half", lam=lam),
                   GaussianLikelihood(sn))
    _assert_close_to_map(theta, fit, p)


def test_mean_half_l1_proximal_gd_gaussian():
    """J = (1/m) sum L_i + lam/(2m)||w||_1 by ISTA (soft-threshold lr*lam/(2m)): same MAP, same zeros."""
    X, y = _diabetes_z()
    m, p = X.shape
    lam = 2000.0
    lr = 1.0 / _lipschitz(X, 1.0)
    thr = lr * lam / (2 * m)

    def prox(theta):
        out = theta.copy()
        out[:p] = np.sign(theta[:p]) * np.maximum(np.abs(theta[:p]) - thr, 0.0)
        return out

    theta, _ = _gradient_descent(_gaussian_mean_grad(X, y, 1.0), np.zeros(p + 1), lr, prox=prox)
    prior = penalty_to_prior("mean_half", lam=lam, penalty="l1")
    assert prior.b == pytest.approx(2.0 / lam, rel=1e-14)
    fit = find_map(RegressionData.from_xy(X, y), prior, GaussianLikelihood(1.0))
    assert 0 < np.count_nonzero(fit.coef) < p
    np.testing.assert_array_equal(theta[:p] == 0.0, fit.coef == 0.0)
    _assert_close_to_map(theta, fit, p)


# ----------------------------------------------------------------------------- errors
def test_unknown_convention_lists_known_ones():
    with pytest.raises(ValueError, match="known conventions") as exc:
        penalty_to_prior("sklearn.lasso", alpha=1.0, n=10)
    for name in CONVENTIONS:
        assert repr(name) in str(exc.value)
    with pytest.raises(ValueError, match="known conventions"):
        prior_to_penalty(Laplace(1.0), "keras")
    with pytest.raises(ValueError, match="known conventions"):
        get_convention(None)


@pytest.mark.parametrize(("convention", "params"), [
    ("sklearn.Lasso", {"alpha": 0.1}),
    ("sklearn.ElasticNet", {"alpha": 0.1, "l1_ratio": 0.5}),
    ("glmnet", {"lambda_": 0.1, "standardize": False}),
    ("statsmodels", {"alpha": 0.1}),
    ("mean", {"lam": 0.1}),
    ("mse", {"lam": 0.1}),
    ("weight_decay", {"wd": 0.1}),
])
def test_missing_n(convention, params):
    with pytest.raises(ValueError, match="pass n="):
        penalty_to_prior(convention, **params)


def test_missing_n_in_the_inverse_direction():
    with pytest.raises(ValueError, match="pass n="):
        prior_to_penalty(Laplace(0.1), "sklearn.Lasso")


@pytest.mark.parametrize("value", [0.0, -1.0, float("nan"), float("inf")])
@pytest.mark.parametrize(("convention", "param", "others"), [
    ("sklearn.Lasso", "alpha", {"n": 10}),
    ("sklearn.Ridge", "alpha", {}),
    ("sklearn.ElasticNet", "alpha", {"n": 10, "l1_ratio": 0.5}),
    ("sklearn.LogisticRegression", "C", {}),
    ("glmnet", "lambda_", {"n": 10, "standardize": False}),
    ("statsmodels", "alpha", {"n": 10}),
    ("sum", "lam", {}),
    ("mean", "lam", {"n": 10}),
    ("mse", "lam", {"n": 10}),
    ("mean_half", "lam", {}),
    ("weight_decay", "wd", {"n": 10}),
])
def test_non_positive_strength(convention, param, others, value):
    with pytest.raises(ValueError, match=rf"'{param}' parameter of '?{convention}'?"):
        penalty_to_prior(convention, **others, **{param: value})


def test_strength_of_wrong_type():
    with pytest.raises(TypeError, match="'alpha' parameter of sklearn.Lasso must be a positive real number"):
        penalty_to_prior("sklearn.Lasso", alpha="0.1", n=10)


@pytest.mark.parametrize("ratio", [-0.1, 1.5, float("nan")])
@pytest.mark.parametrize(("convention", "param", "others"), [
    ("sklearn.ElasticNet", "l1_ratio", {"alpha": 0.1, "n": 10}),
    ("sklearn.LogisticRegression", "l1_ratio", {"C": 1.0}),
    ("glmnet", "alpha", {"lambda_": 0.1, "n": 10, "standardize": False, "family": "binomial"}),
    ("statsmodels", "L1_wt", {"alpha": 0.1, "n": 10}),
    ("sum", "l1_ratio", {"lam": 0.1, "penalty": "elasticnet"}),
])
def test_fraction_outside_unit_interval(convention, param, others, ratio):
    with pytest.raises(ValueError, match=rf"'{param}' parameter of .*must be in \[0, 1\]"):
        penalty_to_prior(convention, **others, **{param: ratio})


@pytest.mark.parametrize("convention", ["sum", "mean", "mse", "mean_half"])
def test_unknown_penalty_name(convention):
    with pytest.raises(ValueError, match=r"'penalty' parameter .*'l1', 'l2', 'elasticnet'; got 'lasso'"):
        penalty_to_prior(convention, lam=1.0, penalty="lasso", n=10)


def test_unknown_variant_options():
    with pytest.raises(ValueError, match=r"'family' parameter of 'glmnet'.*'gaussian', 'binomial', 'poisson'"):
        penalty_to_prior("glmnet", lambda_=0.1, family="gamma", n=10, standardize=False)
    with pytest.raises(ValueError, match=r"'model' parameter of 'statsmodels'.*'OLS', 'GLM', 'Logit'"):
        penalty_to_prior("statsmodels", alpha=0.1, model="Probit", n=10)
    with pytest.raises(ValueError, match=r"'loss' parameter of 'weight_decay'.*'nll', 'mse'"):
        penalty_to_prior("weight_decay", wd=0.1, loss="mae", n=10)
    with pytest.raises(ValueError, match="l1_ratio is only used with penalty='elasticnet'"):
        penalty_to_prior("sum", lam=0.1, penalty="l1", l1_ratio=0.5)
    with pytest.raises(ValueError, match="needs l1_ratio"):
        penalty_to_prior("sum", lam=0.1, penalty="elasticnet")
    with pytest.raises(ValueError, match="L1_wt must be 1"):
        penalty_to_prior("statsmodels", alpha=0.1, L1_wt=0.5, model="Logit")


@pytest.mark.parametrize(("convention", "wrong", "listed"), [
    ("sklearn.Lasso", {"lam": 0.1}, "alpha"),
    ("sklearn.Ridge", {"alpha": 1.0, "l1_ratio": 0.5}, "alpha"),
    ("sklearn.LogisticRegression", {"alpha": 1.0}, "C, l1_ratio"),
    ("glmnet", {"lambda": 0.1}, "lambda_, alpha, family, standardize"),
    ("sum", {"alpha": 0.1}, "lam, penalty, l1_ratio"),
    ("weight_decay", {"weight_decay": 0.1}, "wd, loss"),
])
def test_wrong_parameter_name(convention, wrong, listed):
    """The message lists the convention's own parameter names (and the unexpected one)."""
    unexpected = ", ".join(sorted(k for k in wrong if k not in listed.split(", ")))
    with pytest.raises(TypeError, match=rf"'{convention}' takes the parameters {listed}\b.*; "
                                        rf"got unexpected {unexpected}\.$"):
        penalty_to_prior(convention, n=10, **wrong)


def test_wrong_inverse_option():
    with pytest.raises(TypeError, match=r"prior_to_penalty for 'sklearn.Lasso' takes the options none"):
        prior_to_penalty(Laplace(0.1), "sklearn.Lasso", n=10, family="gaussian")
    with pytest.raises(TypeError, match="prior must be a bayesreg prior"):
        prior_to_penalty({"b": 0.1}, "sklearn.Lasso", n=10)


@pytest.mark.parametrize(("prior", "convention"), [
    (Laplace((0.1, 0.2)), "sklearn.Lasso"),
    (Gaussian((1.0, 2.0)), "sklearn.Ridge"),
    (ElasticNet((1.0, 2.0), 1.0), "sklearn.ElasticNet"),
    (Gaussian((1.0, 2.0)), "sklearn.LogisticRegression"),
    (Laplace((0.1, 0.2)), "statsmodels"),
    (Laplace((0.1, 0.2)), "sum"),
    (Gaussian((1.0, 2.0)), "weight_decay"),
])
def test_per_feature_prior_into_single_alpha_convention(prior, convention):
    with pytest.raises(ValueError, match="per-feature scales"):
        prior_to_penalty(prior, convention, n=10)


def test_per_feature_prior_not_proportional_to_glmnet_scaling():
    with pytest.raises(ValueError, match="not proportional to glmnet's column scaling"):
        prior_to_penalty(Laplace(tuple(np.linspace(0.1, 1.0, XD.shape[1]))), "glmnet", X=XD, y=YD)


@pytest.mark.parametrize(("prior", "convention", "match"), [
    (Laplace(0.1), "sklearn.Ridge", "sklearn.Ridge has no L1 part"),
    (ElasticNet(1.0, 1.0), "sklearn.Ridge", "sklearn.Ridge has no L1 part"),
    (Gaussian(1.0), "sklearn.Lasso", "sklearn.Lasso has no L2 part"),
    (Laplace(0.1), "weight_decay", "weight decay is an L2 penalty"),
    (Gaussian(1.0), "statsmodels", "pure L1"),
])
def test_prior_the_convention_cannot_express(prior, convention, match):
    options = {"model": "Logit"} if convention == "statsmodels" else {}
    with pytest.raises(ValueError, match=match):
        prior_to_penalty(prior, convention, n=10, **options)


def test_glmnet_needs_x_when_standardizing():
    with pytest.raises(ValueError, match=r"'glmnet' needs X to standardize its columns.*pass X="):
        penalty_to_prior("glmnet", lambda_=0.1, n=442)
    with pytest.raises(ValueError, match=r"'glmnet' needs X"):
        prior_to_penalty(Laplace(0.1), "glmnet", n=442, y=YD)
    with pytest.raises(ValueError, match=r"'glmnet' needs y .*pass y="):
        penalty_to_prior("glmnet", lambda_=0.1, alpha=0.5, X=XD)
    with pytest.raises(ValueError, match="constant column"):
        penalty_to_prior("glmnet", lambda_=0.1, X=np.column_stack([XD, np.ones(442)]))


def test_n_must_match_x():
    with pytest.raises(ValueError, match="n=100 does not match X, which has 442 rows"):
        penalty_to_prior("glmnet", lambda_=0.1, n=100, X=XD, y=YD)
