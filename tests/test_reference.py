"""Cross-check of ``bayesreg.reference.penalized`` against scikit-learn 1.9.

Internal objective (docs/CONTRACT.md), Gaussian with ``noise_sigma = 1``::

    F(w, c) = 1/2 sum_i s_i (y_i - c - x_i w)^2 + sum_j (l1_j |w_j| + l2_j w_j^2)

and Bernoulli-logit::

    F(w, c) = sum_i s_i [log(1 + exp(eta_i)) - y_i eta_i] + sum_j (l1_j |w_j| + l2_j w_j^2)

Mappings (multiply the sklearn objective by a positive constant, which keeps the argmin,
so that the data term becomes exactly the NLL above, then read off l1 and l2):

* ``Lasso(alpha)``: (1/(2n))||r||^2 + alpha||w||_1; times n -> l1 = n alpha, l2 = 0.
* ``Ridge(alpha)``: ||r||^2 + alpha||w||^2; times 1/2 -> l1 = 0, l2 = alpha / 2.
* ``ElasticNet(alpha, rho)``: (1/(2n))||r||^2 + alpha rho||w||_1 + alpha (1-rho)/2 ||w||^2;
  times n -> l1 = n alpha rho, l2 = n alpha (1 - rho) / 2.
* ``LogisticRegression(C, l1_ratio=rho)`` (1.9 chooses the penalty from ``l1_ratio``; the
  objective is ``C sum_i s_i logloss_i + rho||w||_1 + (1-rho)/2 ||w||^2``, see the comment
  "IMPORTANT NOTE" in ``sklearn/linear_model/_logistic.py`` and ``sag_solver`` which is
  called with ``alpha = (1-rho)/C``, ``beta = rho/C`` scaled by ``1/n``); times 1/C
  -> l1 = rho / C, l2 = (1 - rho) / (2 C).

Sample weights: ``Lasso``/``ElasticNet`` rescale ``sample_weight`` to sum to ``n`` before
fitting, i.e. they minimize (1/(2 sum s)) sum s_i r_i^2 + penalty, so with the raw weights
l1 = alpha rho sum(s), l2 = alpha (1-rho) sum(s) / 2. ``Ridge`` and ``LogisticRegression``
use the raw weights (no normalization): the mappings above are unchanged.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from scipy.linalg import toeplitz
from scipy.special import expit
from sklearn.datasets import load_breast_cancer, load_diabetes
from sklearn.linear_model import ElasticNet, Lasso, LogisticRegression, Ridge

from bayesreg.reference.penalized import ReferenceResult, penalized_objective, reference_solve

CD = {"tol": 1e-13, "max_iter": 1_000_000, "selection": "cyclic"}


# ----------------------------------------------------------------------------- data
def _alpha_max(X, y, sw=None):
    """Smallest sklearn Lasso alpha with an all-zero solution."""
    s = np.ones(len(y)) if sw is None else sw * len(y) / sw.sum()
    xbar, ybar = s @ X / s.sum(), s @ y / s.sum()
    return np.max(np.abs((X - xbar).T @ (s * (y - ybar)))) / len(y)


def _diabetes():
    X, y = load_diabetes(return_X_y=True, scaled=False)
    return X, y


def _wide():
    """p > n Gaussian design, n = 40, p = 100, 5 non-zero true coefficients."""
    rng = np.random.default_rng(1)
    X = rng.standard_normal((40, 100))
    beta = np.zeros(100)
    beta[:5] = [3.0, -2.0, 1.5, -1.0, 2.0]
    return X, X @ beta + 0.5 * rng.standard_normal(40)


def _toeplitz():
    """n = 200, p = 20, corr(x_j, x_k) = 0.9^|j-k|, 4 non-zero true coefficients."""
    rng = np.random.default_rng(2)
    L = np.linalg.cholesky(toeplitz(0.9 ** np.arange(20)))
    X = rng.standard_normal((200, 20)) @ L.T
    beta = np.zeros(20)
    beta[[0, 3, 7, 12]] = [1.5, -1.0, 0.8, 2.0]
    return X, 2.0 + X @ beta + rng.standard_normal(200)


def _breast_cancer():
    X, y = load_breast_cancer(return_X_y=True)
    return (X - X.mean(0)) / X.std(0), y.astype(float)


def _synthetic_logistic():
    rng = np.random.default_rng(3)
    X = rng.standard_normal((300, 8)) * [1.0, 2.0, 0.5, 1.0, 1.0, 3.0, 1.0, 1.0]
    beta = np.array([1.5, -1.0, 0.0, 0.0, 0.5, 0.0, 0.0, -2.0])
    return X, rng.binomial(1, expit(0.5 + X @ beta)).astype(float)


GAUSS = {"diabetes": _diabetes, "wide": _wide, "toeplitz": _toeplitz}
LOGIT = {"breast_cancer": _breast_cancer, "synthetic": _synthetic_logistic}


# ----------------------------------------------------------------------------- helpers
def _compare(X, y, model, l1, l2, *, sw=None, likelihood="gaussian", coef_rtol=1e-9,
             fit_intercept=True):
    """Fit both, assert equal zero pattern, coefficients and objective; return the result."""
    model.fit(X, y, sample_weight=sw)
    sk_coef = np.ravel(model.coef_)
    sk_c = float(np.ravel(model.intercept_)[0]) if fit_intercept else 0.0
    res = reference_solve(X, y, l1, l2, likelihood=likelihood, sample_weight=sw,
                          fit_intercept=fit_intercept)
    assert res.converged, res
    np.testing.assert_array_equal(res.coef == 0, sk_coef == 0)
    scale = np.max(np.abs(res.coef))
    assert np.max(np.abs(res.coef - sk_coef)) <= coef_rtol * scale
    assert abs(res.intercept - sk_c) <= coef_rtol * max(1.0, abs(res.intercept), scale)
    f_sk = penalized_objective(X, y, sk_coef, sk_c, l1, l2, likelihood=likelihood,
                               sample_weight=sw)
    assert abs(res.objective - f_sk) <= 1e-10 * abs(f_sk)
    assert res.objective <= f_sk * (1 + 1e-13)  # the reference is never worse
    return res


def _assert_kkt(X, y, res, l1, l2, sw=None, likelihood="gaussian", fit_intercept=True):
    """Exact optimality conditions: grad_j + l1_j sign(w_j) = 0 on the support,
    |grad_j| <= l1_j off it (grad of the smooth part), and d/dc = 0."""
    s = np.ones(len(y)) if sw is None else sw
    l1, l2 = np.broadcast_to(l1, res.coef.shape), np.broadcast_to(l2, res.coef.shape)
    eta = X @ res.coef + res.intercept
    r = s * ((eta - y) if likelihood == "gaussian" else (expit(eta) - y))
    g = X.T @ r + 2 * l2 * res.coef
    on = res.coef != 0
    scale = np.max(np.abs(X.T @ (s * y))) + 1.0
    np.testing.assert_allclose(g[on], -(l1 * np.sign(res.coef))[on], rtol=0, atol=1e-9 * scale)
    assert np.all(np.abs(g[~on]) <= (l1 + 1e-9 * scale)[~on])
    if fit_intercept:
        assert abs(r.sum()) <= 1e-9 * scale


# ----------------------------------------------------------------------------- gaussian
@pytest.mark.parametrize("data", GAUSS)
@pytest.mark.parametrize("frac", [0.3, 0.03, 0.003])
def test_lasso_matches_sklearn(data, frac):
    """Lasso(alpha): (1/(2n))||y - Xw - c||^2 + alpha||w||_1  ->  l1 = n alpha, l2 = 0."""
    X, y = GAUSS[data]()
    n = len(y)
    alpha = frac * _alpha_max(X, y)
    res = _compare(X, y, Lasso(alpha=alpha, **CD), n * alpha, 0.0)
    assert res.method == "coordinate-descent+active-set-polish"
    assert 0 < np.count_nonzero(res.coef) < X.shape[1] or frac < 0.01
    _assert_kkt(X, y, res, n * alpha, 0.0)


@pytest.mark.parametrize("data", GAUSS)
@pytest.mark.parametrize("alpha", [0.1, 10.0])
def test_ridge_matches_sklearn(data, alpha):
    """Ridge(alpha): ||y - Xw - c||^2 + alpha||w||^2  ->  l1 = 0, l2 = alpha / 2."""
    X, y = GAUSS[data]()
    res = _compare(X, y, Ridge(alpha=alpha, solver="cholesky"), 0.0, alpha / 2)
    assert res.method == "ridge-closed-form"


@pytest.mark.parametrize("data", GAUSS)
@pytest.mark.parametrize("rho", [0.2, 0.7])
def test_elastic_net_matches_sklearn(data, rho):
    """ElasticNet(alpha, rho): (1/(2n))||r||^2 + alpha rho||w||_1 + alpha(1-rho)/2 ||w||^2
    ->  l1 = n alpha rho, l2 = n alpha (1 - rho) / 2."""
    X, y = GAUSS[data]()
    n = len(y)
    alpha = 0.05 * _alpha_max(X, y) / rho
    res = _compare(X, y, ElasticNet(alpha=alpha, l1_ratio=rho, **CD),
                   n * alpha * rho, n * alpha * (1 - rho) / 2)
    _assert_kkt(X, y, res, n * alpha * rho, n * alpha * (1 - rho) / 2)


@pytest.mark.parametrize("data", GAUSS)
def test_gaussian_without_intercept(data):
    """fit_intercept=False fixes c = 0 (same mappings)."""
    X, y = GAUSS[data]()
    n = len(y)
    alpha = 0.05 * _alpha_max(X, y)
    res = _compare(X, y, ElasticNet(alpha=alpha, l1_ratio=0.5, fit_intercept=False, **CD),
                   n * alpha / 2, n * alpha / 4, fit_intercept=False)
    assert res.intercept == 0.0
    _assert_kkt(X, y, res, n * alpha / 2, n * alpha / 4, fit_intercept=False)
    res = _compare(X, y, Ridge(alpha=1.0, fit_intercept=False), 0.0, 0.5, fit_intercept=False)
    assert res.intercept == 0.0


@pytest.mark.parametrize("data", GAUSS)
def test_gaussian_sample_weight_matches_sklearn(data):
    """Lasso/ElasticNet rescale sample_weight to sum n, so with raw weights s
    l1 = alpha rho sum(s), l2 = alpha (1 - rho) sum(s) / 2; Ridge does not: l2 = alpha / 2."""
    X, y = GAUSS[data]()
    sw = np.random.default_rng(4).uniform(0.1, 3.0, len(y))
    alpha, rho = 0.05 * _alpha_max(X, y, sw), 0.6
    _compare(X, y, Lasso(alpha=alpha, **CD), alpha * sw.sum(), 0.0, sw=sw)
    res = _compare(X, y, ElasticNet(alpha=alpha, l1_ratio=rho, **CD),
                   alpha * rho * sw.sum(), alpha * (1 - rho) * sw.sum() / 2, sw=sw)
    _assert_kkt(X, y, res, alpha * rho * sw.sum(), alpha * (1 - rho) * sw.sum() / 2, sw=sw)
    _compare(X, y, Ridge(alpha=2.0, solver="cholesky"), 0.0, 1.0, sw=sw)


def test_sklearn_lasso_normalizes_sample_weight():
    """Documents the convention: scaling all Lasso weights by 7 changes nothing in sklearn,
    but in bayesreg it is the same as l1 -> l1 / 7."""
    X, y = _toeplitz()
    sw = np.random.default_rng(5).uniform(0.1, 3.0, len(y))
    alpha = 0.05 * _alpha_max(X, y, sw)
    a = Lasso(alpha=alpha, **CD).fit(X, y, sample_weight=sw).coef_
    b = Lasso(alpha=alpha, **CD).fit(X, y, sample_weight=7 * sw).coef_
    np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)
    r1 = reference_solve(X, y, alpha * sw.sum(), 0.0, sample_weight=sw)
    r7 = reference_solve(X, y, alpha * sw.sum(), 0.0, sample_weight=7 * sw)
    r7b = reference_solve(X, y, 7 * alpha * sw.sum(), 0.0, sample_weight=7 * sw)
    np.testing.assert_allclose(r7b.coef, a, rtol=1e-8, atol=1e-12)
    assert np.count_nonzero(r7.coef) > np.count_nonzero(r1.coef)  # weaker relative penalty


def test_per_feature_penalties_via_column_scaling():
    """l1_j = l1 k_j, l2_j = l2 k_j^2 equals a scalar penalty on v_j = k_j w_j, i.e. sklearn
    on X[:, j] / k_j with coef w_j = v_j / k_j."""
    X, y = _toeplitz()
    n = len(y)
    k = np.random.default_rng(6).uniform(0.3, 3.0, X.shape[1])
    alpha, rho = 0.05 * _alpha_max(X / k, y), 0.5
    sk = ElasticNet(alpha=alpha, l1_ratio=rho, **CD).fit(X / k, y)
    l1, l2 = n * alpha * rho * k, n * alpha * (1 - rho) / 2 * k**2
    res = reference_solve(X, y, l1, l2)
    assert res.converged
    np.testing.assert_array_equal(res.coef == 0, sk.coef_ == 0)
    np.testing.assert_allclose(res.coef, sk.coef_ / k, rtol=1e-8, atol=1e-10)
    _assert_kkt(X, y, res, l1, l2)


def test_noise_sigma_scaling():
    """F_sigma = NLL_1 / sigma^2 + pen, so the argmin with (l1, l2, sigma) is the argmin with
    (sigma^2 l1, sigma^2 l2, 1); the contract's Lasso mapping is l1 = n alpha / sigma^2."""
    X, y = _wide()
    n, sigma = len(y), 2.5
    alpha = 0.05 * _alpha_max(X, y)
    res = reference_solve(X, y, n * alpha / sigma**2, 0.1, noise_sigma=sigma)
    base = reference_solve(X, y, n * alpha, 0.1 * sigma**2)
    np.testing.assert_allclose(res.coef, base.coef, rtol=1e-10, atol=1e-12)
    assert res.objective == pytest.approx(base.objective / sigma**2, rel=1e-12)
    sk = Lasso(alpha=alpha, **CD).fit(X, y)
    lasso = reference_solve(X, y, n * alpha / sigma**2, 0.0, noise_sigma=sigma)
    np.testing.assert_allclose(lasso.coef, sk.coef_, rtol=1e-8, atol=1e-10)


def test_integer_weights_equal_duplicated_rows():
    """Weight k equals k copies of the row (k = 0 drops it)."""
    X, y = _diabetes()
    w = np.random.default_rng(7).integers(0, 4, len(y))
    Xd, yd = np.repeat(X, w, axis=0), np.repeat(y, w)
    for l1, l2 in [(0.0, 3.0), (500.0, 0.0), (300.0, 2.0)]:
        a = reference_solve(X, y, l1, l2, sample_weight=w.astype(float))
        b = reference_solve(Xd, yd, l1, l2)
        np.testing.assert_allclose(a.coef, b.coef, rtol=1e-9, atol=1e-10)
        assert a.objective == pytest.approx(b.objective, rel=1e-12)


def test_penalized_objective_by_hand():
    X = np.array([[1.0, 2.0], [0.0, -1.0], [3.0, 1.0]])
    y = np.array([1.0, 0.0, 1.0])
    w, c, s = np.array([0.5, -0.25]), 0.1, np.array([1.0, 2.0, 0.5])
    l1, l2 = np.array([1.0, 2.0]), 0.3
    eta = X @ w + c
    pen = 1.0 * 0.5 + 2.0 * 0.25 + 0.3 * (0.25 + 0.0625)
    gauss = 0.5 * np.sum(s * (y - eta) ** 2) / 4.0 + pen
    logit = np.sum(s * (np.log1p(np.exp(eta)) - y * eta)) + pen
    assert penalized_objective(X, y, w, c, l1, l2, noise_sigma=2.0, sample_weight=s) == (
        pytest.approx(gauss, rel=1e-14))
    assert penalized_objective(X, y, w, c, l1, l2, likelihood="bernoulli",
                               sample_weight=s) == pytest.approx(logit, rel=1e-14)
    # large |eta| stays finite (log1p(exp) evaluated stably)
    assert np.isfinite(penalized_objective(X, y, [800.0, 0.0], 0.0, 0, 0, likelihood="logistic"))


# ----------------------------------------------------------------------------- logistic
SAGA = {"solver": "saga", "tol": 1e-12, "max_iter": 1_000_000}


@pytest.mark.parametrize(("data", "C", "rho"), [
    ("breast_cancer", 0.1, 1.0), ("breast_cancer", 0.5, 0.5),
    ("synthetic", 0.05, 1.0), ("synthetic", 0.1, 0.5),
])
def test_logistic_l1_enet_matches_sklearn(data, C, rho):
    """LogisticRegression(C, l1_ratio=rho): C sum logloss + rho||w||_1 + (1-rho)/2||w||^2
    ->  l1 = rho / C, l2 = (1 - rho) / (2 C)."""
    X, y = LOGIT[data]()
    l1, l2 = rho / C, (1 - rho) / (2 * C)
    res = _compare(X, y, LogisticRegression(C=C, l1_ratio=rho, **SAGA), l1, l2,
                   likelihood="bernoulli", coef_rtol=1e-8)
    assert res.method == "lbfgsb-split+newton-polish"
    assert 0 < np.count_nonzero(res.coef) < X.shape[1]
    _assert_kkt(X, y, res, l1, l2, likelihood="bernoulli")


@pytest.mark.parametrize("data", LOGIT)
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_logistic_l2_matches_sklearn(data, fit_intercept):
    """l1_ratio = 0: C sum logloss + 1/2||w||^2 -> l1 = 0, l2 = 1/(2C). newton-cholesky is
    used as the peer because sklearn's lbfgs stops at ~1e-6 relative even with tol=1e-12."""
    X, y = LOGIT[data]()
    C = 0.5
    model = LogisticRegression(C=C, l1_ratio=0.0, solver="newton-cholesky", tol=1e-12,
                               max_iter=1000, fit_intercept=fit_intercept)
    res = _compare(X, y, model, 0.0, 1 / (2 * C), likelihood="bernoulli",
                   fit_intercept=fit_intercept)
    assert res.method == "newton"


def test_logistic_sample_weight_matches_sklearn():
    """LogisticRegression does not normalize sample_weight: C sum s_i logloss_i + penalty."""
    X, y = _synthetic_logistic()
    sw = np.random.default_rng(8).uniform(0.1, 3.0, len(y))
    C, rho = 0.1, 0.7
    l1, l2 = rho / C, (1 - rho) / (2 * C)
    res = _compare(X, y, LogisticRegression(C=C, l1_ratio=rho, **SAGA), l1, l2, sw=sw,
                   likelihood="bernoulli", coef_rtol=1e-8)
    _assert_kkt(X, y, res, l1, l2, sw=sw, likelihood="bernoulli")
    _compare(X, y, LogisticRegression(C=C, l1_ratio=0.0, solver="newton-cholesky", tol=1e-12),
             0.0, 1 / (2 * C), sw=sw, likelihood="bernoulli")


def test_logistic_without_intercept_l1():
    X, y = _synthetic_logistic()
    res = reference_solve(X, y, 20.0, 0.5, likelihood="bernoulli", fit_intercept=False)
    assert res.converged and res.intercept == 0.0
    _assert_kkt(X, y, res, 20.0, 0.5, likelihood="bernoulli", fit_intercept=False)


def test_logistic_huge_penalty_gives_zero_coef():
    X, y = _breast_cancer()
    res = reference_solve(X, y, 1e6, 0.0, likelihood="bernoulli")
    assert res.converged and np.all(res.coef == 0)
    assert res.intercept == pytest.approx(np.log(y.mean() / (1 - y.mean())), rel=1e-10)


# ----------------------------------------------------------------------------- edge cases
def test_mixed_zero_and_positive_l1_satisfy_kkt():
    """Coordinates with l1_j = 0 are smooth (always on the support); others are L1."""
    X, y = _toeplitz()
    l1 = np.where(np.arange(20) % 3 == 0, 0.0, 150.0)
    res = reference_solve(X, y, l1, 0.0)
    assert res.converged and np.all(res.coef[l1 == 0] != 0) and np.any(res.coef == 0)
    _assert_kkt(X, y, res, l1, 0.0)
    Xl, yl = _synthetic_logistic()
    l1 = np.array([0.0, 30.0, 30.0, 0.0, 30.0, 30.0, 30.0, 5.0])
    res = reference_solve(Xl, yl, l1, 0.2, likelihood="bernoulli")
    assert res.converged and np.any(res.coef == 0)
    _assert_kkt(Xl, yl, res, l1, 0.2, likelihood="bernoulli")


def test_constant_column_and_underdetermined_least_squares():
    X, y = _wide()
    Xk = np.column_stack([X, np.full(len(y), 3.0)])
    res = reference_solve(Xk, y, 5.0, 0.0)
    assert res.converged and res.coef[-1] == 0.0
    ls = reference_solve(X, y, 0.0, 0.0)  # p > n, no penalty: singular -> a least-squares fit
    assert ls.method == "ridge-lstsq" and ls.objective <= 1e-12 * np.sum(y**2)


def test_separable_logistic_without_penalty_is_not_converged():
    X = np.array([[-2.0], [-1.0], [1.0], [2.0]])
    y = np.array([0.0, 0.0, 1.0, 1.0])
    res = reference_solve(X, y, 0.0, 0.0, likelihood="bernoulli", max_iter=200)
    assert not res.converged
    assert reference_solve(X, y, 0.0, 0.1, likelihood="bernoulli").converged


# ----------------------------------------------------------------------------- api / errors
def test_result_is_frozen_dataclass():
    X, y = _wide()
    res = reference_solve(X, y, 1.0, 0.0)
    assert isinstance(res, ReferenceResult) and res.coef.shape == (100,)
    with pytest.raises(dataclasses.FrozenInstanceError):
        res.intercept = 0.0  # type: ignore[misc]
    assert res.objective == pytest.approx(penalized_objective(X, y, res.coef, res.intercept,
                                                              1.0, 0.0), rel=1e-15)


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"X": np.array([[np.nan, 1.0], [1.0, 2.0], [0.0, 1.0]])}, "X contains NaN or inf"),
    ({"y": np.array([1.0, np.inf, 0.0])}, "y contains NaN or inf"),
    ({"X": np.ones(3)}, "X must be 2-dimensional"),
    ({"y": np.ones(4)}, r"y must have shape \(3,\)"),
    ({"l1": -1.0}, "l1 must be non-negative"),
    ({"l2": np.array([1.0, -0.1])}, "l2 must be non-negative"),
    ({"l1": np.ones(3)}, r"l1 must be a scalar or have shape \(2,\)"),
    ({"l2": np.nan}, "l2 contains NaN or inf"),
    ({"noise_sigma": 0.0}, "noise_sigma must be finite and > 0"),
    ({"noise_sigma": -1.0}, "noise_sigma"),
    ({"likelihood": "poisson"}, "likelihood must be one of"),
    ({"likelihood": "bernoulli", "y": np.array([0.0, 2.0, 1.0])}, "y must contain only 0 and 1"),
    ({"sample_weight": np.array([1.0, -1.0, 1.0])}, "sample_weight must be non-negative"),
    ({"sample_weight": np.ones(2)}, r"sample_weight must have shape \(3,\)"),
    ({"tol": 0.0}, "tol must be"),
    ({"max_iter": 0}, "max_iter must be"),
])
def test_input_validation(kwargs, match):
    args = {"X": np.array([[0.0, 1.0], [1.0, 2.0], [0.0, 1.0]]), "y": np.array([1.0, 0.0, 1.0]),
            "l1": 0.1, "l2": 0.1}
    args.update(kwargs)
    X, y, l1, l2 = args.pop("X"), args.pop("y"), args.pop("l1"), args.pop("l2")
    with pytest.raises(ValueError, match=match):
        reference_solve(X, y, l1, l2, **args)


def test_objective_validation():
    X, y = np.eye(3), np.ones(3)
    with pytest.raises(ValueError, match=r"coef must have shape \(3,\)"):
        penalized_objective(X, y, np.ones(2), 0.0, 0.0, 0.0)
    with pytest.raises(ValueError, match="intercept contains NaN or inf"):
        penalized_objective(X, y, np.ones(3), np.nan, 0.0, 0.0)
