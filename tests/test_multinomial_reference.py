"""The independent multinomial reference solver against glmnet and scikit-learn.

References
----------
* ``tests/data/glmnet_multinomial.json``: glmnet 4.1-6's own ``family="multinomial"``
  (``type.multinomial="ungrouped"``) coefficients (K x p) and intercepts (K), computed in R by
  ``scripts/glmnet_reference.R`` (thresh 1e-22, or 1e-20/1e-18 where glmnet stalls; per case in the
  JSON). R is never needed to run these tests.
* scikit-learn's multinomial ``LogisticRegression`` (``newton-cholesky`` for L2, ``saga`` for L1
  and the elastic net, ``tol=1e-14``), whose objective
  ``C sum_i loss_i + (1 - r)/2 ||W||^2 + r ||W||_1`` is glmnet's divided by ``C n`` with
  ``lambda = 1/(C n)``, ``alpha = r``, ``standardize=False``.

:func:`bayesreg.reference.multinomial.reference_multinomial_solve` (NumPy/SciPy only) must
reproduce both to <= 1e-6 relative with identical exact zeros, and its KKT residual must be <= 1e-12
at its result and clearly positive at a perturbed one.
"""

from __future__ import annotations

import functools
import warnings

import numpy as np
import pytest
from _fixtures import GLMNET_MULTINOMIAL, fixture_case, fixture_data, load_fixture

from bayesreg.reference.multinomial import (
    glmnet_multinomial_objective,
    multinomial_kkt_residual,
    reference_multinomial_solve,
)

RTOL = 1e-6


def multinomial_fixture() -> dict:
    """The glmnet multinomial fixture (meta, datasets, cases)."""
    return load_fixture(GLMNET_MULTINOMIAL)


def multinomial_data(name: str) -> tuple[np.ndarray, np.ndarray]:
    """``X`` (n, p) and the class labels ``y`` (n,) of a fixture data set."""
    return fixture_data(GLMNET_MULTINOMIAL, name)


def glmnet_args(case: dict) -> dict:
    """The case's glmnet arguments as keyword arguments of the reference functions."""
    return {"lambda_": float(case["lambda"]), "alpha": float(case["alpha"]), "weights": case["weights"],
            "penalty_factor": case["penalty_factor"], "standardize": bool(case["standardize"])}


CASES = [pytest.param(c, id=c["id"]) for c in multinomial_fixture()["cases"]]


def test_fixture_schema_and_glmnet_centring():
    """What glmnet reports: intercepts summing to 0; coefficient columns centred only for ridge;
    for the lasso with K = 3 the column median is 0 (the penalty's optimal shift)."""
    f = multinomial_fixture()
    assert f["meta"]["glmnet_version"] == "4.1-6"
    assert f["meta"]["thresh"] <= 1e-14
    assert len(f["cases"]) >= 30
    kinds = {(c["alpha"], c["standardize"], c["intercept"], c["weights"] is not None,
              c["penalty_factor"] is not None) for c in f["cases"]}
    assert {a for a, *_ in kinds} == {0, 0.5, 1}
    assert {s for _, s, *_ in kinds} == {True, False}
    assert any(not k[2] for k in kinds) and any(k[3] for k in kinds) and any(k[4] for k in kinds)
    assert any(c["penalty_factor"] is not None and 0 in c["penalty_factor"] for c in f["cases"])
    assert any(c["alpha"] > 0 and c["n_nonzero"] < c["n_classes"] * len(c["x_scale"]) for c in f["cases"])
    for c in f["cases"]:
        assert c["family"] == "multinomial" and c["type_multinomial"] == "ungrouped"
        assert c["thresh"] <= 1e-18
        d = f["datasets"][c["dataset"]]
        B, a0 = np.array(c["beta"]), np.array(c["a0"])
        assert B.shape == (c["n_classes"], d["p"]) and a0.shape == (c["n_classes"],)
        assert abs(a0.sum()) <= 1e-13 * max(1.0, np.abs(a0).max())
        if not c["intercept"]:
            assert np.all(a0 == 0)
        pf = np.ones(d["p"]) if c["penalty_factor"] is None else np.array(c["penalty_factor"])
        colsum = np.abs(B.sum(axis=0))
        assert colsum[pf == 0].max(initial=0.0) <= 1e-12 * np.abs(B).max()  # unpenalised: centred
        if c["alpha"] == 0:
            assert colsum.max() <= 1e-12 * np.abs(B).max()
        if c["alpha"] == 1:
            assert c["n_classes"] == 3  # a unique median: the lasso optimum is unique only for odd K
            np.testing.assert_array_equal(np.median(B[:, pf > 0], axis=0), 0.0)
        if c["alpha"] == 0.5:
            assert c["max_abs_colsum_beta"] > 1e-3  # not centred: the penalty's shift is not the mean


def test_fixture_wine_is_scikit_learns_wine():
    from sklearn.datasets import load_wine

    X, y = multinomial_data("wine")
    wine = load_wine()
    np.testing.assert_array_equal(X, wine.data)
    np.testing.assert_array_equal(y, wine.target)


@pytest.mark.parametrize("case", CASES)
def test_reference_reproduces_glmnet(case):
    X, y = multinomial_data(case["dataset"])
    args = glmnet_args(case)
    res = reference_multinomial_solve(X, y, intercept=bool(case["intercept"]), **args)
    assert res.converged and res.kkt_residual <= 1e-12
    np.testing.assert_array_equal(res.classes, multinomial_fixture()["datasets"][case["dataset"]]["classes"])
    B, a0 = np.array(case["beta"]), np.array(case["a0"])
    scale = float(np.abs(B).max())
    assert float(np.abs(res.coef - B).max()) <= RTOL * scale, case["id"]
    np.testing.assert_array_equal(res.coef == 0.0, B == 0.0)
    assert float(np.abs(res.intercept - a0).max()) <= RTOL * max(scale, float(np.abs(a0).max()))
    # glmnet's point is feasible: it cannot be better than the optimum, and it is within round-off of it
    f_glmnet = glmnet_multinomial_objective(X, y, B, a0, intercept_fitted=bool(case["intercept"]), **args)
    assert res.objective <= f_glmnet + 1e-14 * abs(f_glmnet)
    assert f_glmnet - res.objective <= 1e-12 * abs(f_glmnet)
    # glmnet's solution is nearly KKT-optimal too (its thresh leaves ~1e-9), a perturbed one is not
    kw = dict(intercept_fitted=bool(case["intercept"]), **args)
    assert multinomial_kkt_residual(X, y, res.coef, res.intercept, **kw) <= 1e-12
    assert multinomial_kkt_residual(X, y, B, a0, **kw) <= 1e-6


def test_kkt_residual_can_fail():
    """A perturbed optimum (one coefficient moved by 1e-4 of the largest, or an intercept shifted,
    or a zero moved off zero) has a KKT residual far above the solver's 1e-12."""
    case = fixture_case(GLMNET_MULTINOMIAL, "multinomial_wine_a1_std1_lam0.1")
    X, y = multinomial_data("wine")
    args = glmnet_args(case)
    res = reference_multinomial_solve(X, y, **args)
    assert multinomial_kkt_residual(X, y, res.coef, res.intercept, **args) <= 1e-12
    step = 1e-4 * np.abs(res.coef).max()
    nz = tuple(np.argwhere(res.coef != 0)[0])
    z = tuple(np.argwhere(res.coef == 0)[0])
    for k, delta in ((nz, step), (z, step)):
        B = res.coef.copy()
        B[k] += delta
        assert multinomial_kkt_residual(X, y, B, res.intercept, **args) > 1e-7
    b0 = res.intercept.copy()
    b0[0] += 1e-4
    assert multinomial_kkt_residual(X, y, res.coef, b0, **args) > 1e-7
    # ... but not by a common shift of the intercepts (the likelihood does not see it)
    assert multinomial_kkt_residual(X, y, res.coef, res.intercept + 0.3, **args) <= 1e-12
    # and the objective at a perturbed point is larger
    B = res.coef.copy()
    B[nz] += step
    assert glmnet_multinomial_objective(X, y, B, res.intercept, **args) > res.objective


@functools.cache
def _three_class_standardized() -> tuple[np.ndarray, np.ndarray]:
    X, y = multinomial_data("synthetic_multiclass")
    keep = y < 3
    X, y = X[keep], y[keep]
    return (X - X.mean(axis=0)) / X.std(axis=0), y


@pytest.mark.parametrize(("solver", "l1_ratio", "C"), [("newton-cholesky", 0.0, 0.5), ("saga", 1.0, 0.05),
                                                       ("saga", 0.5, 0.05), ("saga", 1.0, 0.2)])
def test_reference_reproduces_sklearn_multinomial(solver, l1_ratio, C):
    """sklearn's C sum_i loss_i + (1-r)/2 ||W||^2 + r ||W||_1 is n C times glmnet's objective with
    lambda = 1/(C n), alpha = r, standardize=False (intercepts compared up to their common shift)."""
    from sklearn.linear_model import LogisticRegression

    X, y = _three_class_standardized()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # saga's ConvergenceWarning at tol=1e-14 is not reached here
        sk = LogisticRegression(C=C, l1_ratio=l1_ratio, solver=solver, tol=1e-14, max_iter=100_000).fit(X, y)
    res = reference_multinomial_solve(X, y, lambda_=1.0 / (C * len(y)), alpha=l1_ratio, standardize=False)
    assert res.converged
    scale = float(np.abs(res.coef).max())
    assert float(np.abs(sk.coef_ - res.coef).max()) <= RTOL * scale
    np.testing.assert_array_equal(sk.coef_ == 0.0, res.coef == 0.0)
    if l1_ratio > 0:
        assert np.any(res.coef == 0.0)
    centred = sk.intercept_ - sk.intercept_.mean()
    assert float(np.abs(centred - res.intercept).max()) <= RTOL * max(scale, float(np.abs(centred).max()))


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"lambda_": -1.0}, "lambda_"), ({"lambda_": 0.1, "alpha": 1.5}, "alpha"),
    ({"lambda_": 0.1, "weights": -np.ones(178)}, "weights"),
    ({"lambda_": 0.1, "penalty_factor": np.zeros(13)}, "penalty_factor"),
])
def test_reference_rejects_bad_input(kwargs, match):
    X, y = multinomial_data("wine")
    with pytest.raises(ValueError, match=match):
        reference_multinomial_solve(X, y, **kwargs)
    with pytest.raises(ValueError, match="classes"):
        reference_multinomial_solve(X, np.zeros(len(y)), lambda_=0.1)
