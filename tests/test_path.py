"""The regularization path: exact, certified, screened; equal to scikit-learn's lasso_path / enet_path."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.linear_model import Ridge, enet_path, lasso_path

import bayesreg as br
from bayesreg.datasets import load_dataset
from bayesreg.inference.map import certify_point
from bayesreg.model.data import RegressionData
from bayesreg.model.likelihoods import GaussianLikelihood

DIAB = load_dataset("diabetes")
X = np.asarray(DIAB.X, dtype=float)
Y = np.asarray(DIAB.y, dtype=float)
XC, YC = X - X.mean(axis=0), Y - Y.mean()
LAMBDA_MAX = float(np.max(np.abs(XC.T @ YC)) / len(Y))  # the smallest alpha with every weight 0
ALPHAS = LAMBDA_MAX * np.geomspace(1.1, 1e-4, 30)
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")  # tol=1e-13
TIGHT = {"tol": 1e-13, "max_iter": 1_000_000}  # scikit-learn's side run to convergence


def _p_gt_n(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    Xs = rng.standard_normal((40, 120))
    return Xs, Xs[:, :5] @ np.array([3.0, -2.0, 1.5, 1.0, -1.0]) + rng.standard_normal(40)


def _rel(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.max(np.abs(a - b)) / np.max(np.abs(b)))


def test_lasso_path_equals_sklearn_lasso_path() -> None:
    path = br.regularization_path(X, Y, "sklearn.Lasso", alpha=ALPHAS)
    _, coefs, _ = lasso_path(XC, YC, alphas=ALPHAS, **TIGHT)
    assert path.coef_.shape == (30, 10)
    assert _rel(path.coef_, coefs.T) <= 1e-6
    np.testing.assert_allclose(path.intercept_, Y.mean() - X.mean(axis=0) @ path.coef_.T, rtol=1e-12)
    assert path.passed and all(c.error_bound is not None for c in path.certificates)
    # exact zeros, the same support as scikit-learn's
    assert np.array_equal(path.coef_ == 0.0, np.abs(coefs.T) < 1e-10)
    assert np.all(path.coef_[0] == 0.0)  # above lambda_max: every weight exactly 0
    # each point's prior: Laplace b = sigma^2 / (n alpha)
    np.testing.assert_allclose(path.prior_b[:, 0], 1.0 / (len(Y) * ALPHAS), rtol=1e-14)
    assert all(isinstance(p, br.Laplace) for p in path.priors)
    assert np.all(np.isinf(path.prior_tau))


def test_enet_path_and_p_gt_n_equal_sklearn() -> None:
    path = br.regularization_path(X, Y, "sklearn.ElasticNet", alpha=ALPHAS, l1_ratio=0.3)
    _, coefs, _ = enet_path(XC, YC, l1_ratio=0.3, alphas=ALPHAS, **TIGHT)
    assert _rel(path.coef_, coefs.T) <= 1e-6 and path.passed
    np.testing.assert_allclose(path.prior_tau[:, 0], 1.0 / np.sqrt(len(Y) * ALPHAS * 0.7), rtol=1e-14)
    Xs, ys = _p_gt_n()
    alphas = np.geomspace(3.0, 0.02, 25)
    path = br.regularization_path(Xs, ys, "sklearn.Lasso", alpha=alphas)
    _, coefs, _ = lasso_path(Xs - Xs.mean(axis=0), ys - ys.mean(), alphas=alphas, **TIGHT)
    assert _rel(path.coef_, coefs.T) <= 1e-6 and path.passed
    assert np.sum(path.n_screened) > 0  # the strong rule discarded coordinates (each KKT-checked)


def test_ridge_path_equals_sklearn_ridge() -> None:
    alphas = np.geomspace(1e3, 1e-3, 7)
    path = br.regularization_path(X, Y, "sklearn.Ridge", alpha=alphas)
    ref = np.array([Ridge(alpha=a, solver="svd").fit(X, Y).coef_ for a in alphas])
    assert _rel(path.coef_, ref) <= 1e-9 and path.passed


def test_grid_order_is_kept_and_certificates_match_find_map() -> None:
    shuffled = ALPHAS[np.random.default_rng(1).permutation(ALPHAS.size)]
    path = br.regularization_path(X, Y, "sklearn.Lasso", alpha=shuffled)
    ref = br.regularization_path(X, Y, "sklearn.Lasso", alpha=ALPHAS)
    order = np.argsort(-shuffled)
    np.testing.assert_allclose(path.coef_[order], ref.coef_, rtol=1e-10, atol=1e-10)
    data = RegressionData.from_xy(X, Y)
    for k in (20, 29):  # the path's certificate = find_map's (PyMC's gradient) at the same point
        full = certify_point(data, ref.priors[k], GaussianLikelihood(1.0),
                             np.append(ref.coef_[k], ref.intercept_[k]))
        assert full.passed and ref.certificates[k].passed
        assert ref.certificates[k].relative_residual <= 1e-8
    mine = br.find_map(data, ref.priors[20], GaussianLikelihood(1.0))
    assert _rel(ref.coef_[20], mine.coef) <= 1e-9


def test_screening_is_checked_and_a_wrong_point_fails_its_certificate() -> None:
    Xs, ys = _p_gt_n(3)
    alphas = np.geomspace(3.0, 0.02, 25)
    screened = br.regularization_path(Xs, ys, "sklearn.Lasso", alpha=alphas)
    plain = br.regularization_path(Xs, ys, "sklearn.Lasso", alpha=alphas, screening=False)
    assert np.all(plain.n_screened == 0)
    np.testing.assert_allclose(screened.coef_, plain.coef_, rtol=1e-9, atol=1e-12)
    # the certificate CAN fail: perturb one coefficient of a certified point
    data = RegressionData.from_xy(Xs, ys)
    k = 15
    bad = np.append(screened.coef_[k], screened.intercept_[k])
    bad[int(np.flatnonzero(screened.coef_[k])[0])] += 1e-3
    assert not certify_point(data, screened.priors[k], GaussianLikelihood(1.0), bad).passed


def test_glmnet_and_noise_sigma_set_the_priors_not_the_map() -> None:
    lam = LAMBDA_MAX * np.geomspace(1.0, 0.01, 8)
    a = br.regularization_path(X, Y, "glmnet", lambda_=lam, standardize=False)
    b = br.regularization_path(X, Y, "glmnet", lambda_=lam, standardize=False, noise_sigma=50.0)
    np.testing.assert_allclose(a.coef_, b.coef_, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(b.prior_b, 2500.0 * a.prior_b, rtol=1e-12)
    # glmnet (standardize=False, alpha=1) is sklearn.Lasso with alpha = lambda
    ref = br.regularization_path(X, Y, "sklearn.Lasso", alpha=lam)
    np.testing.assert_allclose(a.coef_, ref.coef_, rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize(("kwargs", "error", "says"), [
    ({"alpha": [1.0, -0.5]}, ValueError, "'alpha' parameter of regularization_path must hold finite values > 0"),
    ({"alpha": [1.0, np.nan]}, ValueError, "got nan at position 1"),
    ({"alpha": [np.inf]}, ValueError, "finite values > 0"),
    ({"alpha": [0.0, 1.0]}, ValueError, "got 0.0 at position 0"),
    ({"alpha": []}, ValueError, "non-empty 1-D grid"),
    ({"alpha": [[1.0, 2.0]]}, ValueError, "non-empty 1-D grid"),
    ({"alpha": ["a", "b"]}, TypeError, "sequence of numbers"),
    ({"alpha": 1.0}, TypeError, "needs exactly one grid"),
    ({"alpha": [1.0], "l1_ratio": [0.5]}, TypeError, "sequences received: 'alpha', 'l1_ratio'"),
    ({"lam": [1.0]}, TypeError, "got the grid 'lam'"),
])
def test_bad_grids(kwargs: dict, error: type, says: str) -> None:
    with pytest.raises(error, match=None) as info:
        br.regularization_path(X, Y, "sklearn.Lasso", **kwargs)
    assert says in str(info.value)


def test_bad_data_and_conventions() -> None:
    with pytest.raises(ValueError, match="'X' parameter of regularization_path must have at least 2 rows"):
        br.regularization_path(X[:1], Y[:1], "sklearn.Lasso", alpha=[1.0])
    with pytest.raises(ValueError, match="needs a convention of the squared error"):
        br.regularization_path(X, Y > 150, "sklearn.LogisticRegression", C=[1.0])
    with pytest.raises(ValueError, match="'noise_sigma' parameter of regularization_path"):
        br.regularization_path(X, Y, "sklearn.Lasso", alpha=[1.0], noise_sigma=-1.0)
    with pytest.raises(ValueError, match="X must be finite"):
        br.regularization_path(np.where(X > 0.1, np.nan, X), Y, "sklearn.Lasso", alpha=[1.0])
