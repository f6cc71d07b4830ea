"""The plug-in noise scale (``bayesreg.estimate_noise_sigma``) against ordinary least squares and its definition."""

from __future__ import annotations

import numpy as np
import pytest

import bayesreg as br
from bayesreg.datasets import load_dataset
from bayesreg.inference.noise_scale import estimate_noise_sigma


def test_tiny_penalty_gives_the_ols_residual_sd():
    d = load_dataset("diabetes")
    X, y = d.X.to_numpy(), d.y.to_numpy()
    n, p = X.shape
    Xa = np.column_stack([np.ones(n), X])
    resid = y - Xa @ np.linalg.lstsq(Xa, y, rcond=None)[0]
    ols = np.sqrt(resid @ resid / (n - p - 1))
    est = estimate_noise_sigma(X, y, "sklearn.Ridge", alpha=1e-10)
    assert est == pytest.approx(ols, rel=1e-8)


@pytest.mark.parametrize("weighted", [False, True])
def test_definition_with_the_lasso(weighted):
    d = load_dataset("diabetes")
    X, y = d.X.to_numpy(), d.y.to_numpy()
    w = np.random.default_rng(0).uniform(0.5, 2.0, len(y)) if weighted else None
    fit = br.verify_map(X, y, "sklearn.Lasso", alpha=1.0, sample_weight=w)  # the penalised optimum
    s = np.ones(len(y)) if w is None else w
    resid = y - X @ fit.map_coef - fit.map_intercept
    df = np.count_nonzero(fit.map_coef) + 1
    expected = np.sqrt(s @ resid**2 / (s.sum() - df))
    assert estimate_noise_sigma(X, y, "sklearn.Lasso", alpha=1.0, sample_weight=w) == pytest.approx(expected,
                                                                                                  rel=1e-10)


def test_glmnet_weights_are_forwarded():
    d = load_dataset("diabetes")
    X, y = d.X.to_numpy(), d.y.to_numpy()
    w = np.random.default_rng(1).uniform(0.5, 2.0, len(y))
    a = estimate_noise_sigma(X, y, "glmnet", lambda_=0.5, alpha=0.5, sample_weight=w)
    b = estimate_noise_sigma(X, y, "glmnet", lambda_=0.5, alpha=0.5)
    assert a > 0 and b > 0 and a != b


def test_no_residual_degrees_of_freedom_is_an_error():
    d = load_dataset("sparse_p_gt_n")
    X, y = d.X.to_numpy(), d.y.to_numpy()
    with pytest.raises(ValueError, match="give noise_sigma explicitly"):
        estimate_noise_sigma(X, y, "sklearn.Ridge", alpha=1e-8)   # interpolates: p > n
