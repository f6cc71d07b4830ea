"""A posterior without a mode is refused before any fitting, naming the coefficients and the fix.

References
----------
* Separation (Albert & Anderson 1984): built by construction here (``y = 1[x_0 > 0]``: complete;
  ``y = 1[x_0 >= 0]`` with ties at 0: quasi-complete), and checked directly: along the reported
  direction the signed linear predictors are all >= 0.
* Non-identification: 20 flat coefficients and an intercept with 10 rows (rank 10 < 21).
* No false alarms: overlapping classes with a flat feature fit and are certified; scikit-learn's
  unpenalised ``LogisticRegression(C=inf)`` (the same problem without the other priors) agrees
  where the mode exists.
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression

import bayesreg as br
from bayesreg.model.data import RegressionData
from bayesreg.model.identifiability import NoPosteriorModeError, check_posterior_mode, separating_direction
from bayesreg.model.likelihoods import GaussianLikelihood, LogisticLikelihood


def _separable(n=60, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    return X, (X[:, 0] > 0).astype(int)


def test_reproducer_2_separated_flat_feature_is_refused():
    X, y = _separable()
    est = br.BayesianRegression(prior=br.Unpenalized(br.Gaussian(1.0), features=[0]), likelihood="logistic")
    with pytest.raises(NoPosteriorModeError, match=r"no mode.*separated.*'x0'.*proper prior.*NUTS"):
        est.fit(X, y)
    with pytest.raises(ValueError, match="no mode"):  # a ValueError like every input error
        est.set_params(method="nuts").fit(X, y)  # refused before sampling: the posterior is improper


def test_glmnet_zero_penalty_factor_is_refused_through_the_api_and_the_cli(tmp_path):
    X, y = _separable()
    with pytest.raises(NoPosteriorModeError, match="'x0'"):
        br.GlmnetBayes(lambda_=0.1, alpha=1.0, family="binomial", penalty_factor=[0, 1, 1]).fit(X, y)
    with pytest.raises(NoPosteriorModeError, match="'x0'"):
        br.verify_map(X, y, "glmnet", lambda_=0.1, alpha=1.0, family="binomial", penalty_factor=[0, 1, 1])
    csv = tmp_path / "sep.csv"
    pd.DataFrame({"a": X[:, 0], "b": X[:, 1], "c": X[:, 2], "y": y}).to_csv(csv, index=False)
    for command in ("fit", "verify"):
        out = subprocess.run([sys.executable, "-m", "bayesreg.cli", command, "--data", str(csv), "--target", "y",
                              "--convention", "glmnet", "--lambda", "0.1", "--alpha", "1", "--family", "binomial",
                              "--penalty-factor", "0,1,1"], capture_output=True, text=True)
        assert out.returncode == 2, out.stderr
        assert "no mode" in out.stderr and "'a'" in out.stderr and "Traceback" not in out.stderr


def test_the_reported_direction_separates_the_data():
    X, y = _separable()
    data = RegressionData.from_xy(X, y, binary=True)
    v = separating_direction(data, np.array([0]))
    assert v is not None and v.shape == (2,)
    margins = (2 * y - 1) * (X[:, 0] * v[0] + v[1])
    assert np.all(margins >= -1e-12) and np.max(margins) > 0


def test_quasi_complete_separation_is_refused():
    rng = np.random.default_rng(1)
    x0 = np.round(rng.normal(size=80), 0)  # many ties at 0, both classes there
    X = np.column_stack([x0, rng.normal(size=80)])
    y = np.where(x0 > 0, 1, np.where(x0 < 0, 0, rng.integers(0, 2, 80)))
    with pytest.raises(NoPosteriorModeError, match="separated"):
        br.BayesianRegression(prior=br.Unpenalized(br.Laplace(1.0), features=[0]), likelihood="logistic").fit(X, y)


def test_overlapping_classes_with_a_flat_feature_are_fitted():
    rng = np.random.default_rng(2)
    X = rng.normal(size=(200, 3))
    y = (rng.random(200) < 1 / (1 + np.exp(-(X[:, 0] - 0.5 * X[:, 1])))).astype(int)
    data = RegressionData.from_xy(X, y, binary=True)
    check_posterior_mode(data, br.Unpenalized(br.Gaussian(1.0), features=[0, 1]), LogisticLikelihood())
    # every weight flat but one with an extremely weak prior: close to the unpenalised MLE
    est = br.BayesianRegression(prior=br.Unpenalized(br.Gaussian(1e8), features=[0, 1]),
                                likelihood="logistic").fit(X, y)
    assert est.certificate_.passed
    mle = LogisticRegression(C=np.inf, solver="newton-cholesky", tol=1e-12).fit(X, y)
    assert np.max(np.abs(est.coef_ - mle.coef_[0])) <= 1e-6 * np.max(np.abs(mle.coef_))


@pytest.mark.parametrize("likelihood", ["gaussian", "logistic"])
def test_more_flat_coefficients_than_rows_is_refused(likelihood):
    rng = np.random.default_rng(3)
    X = rng.normal(size=(10, 25))
    y = rng.normal(size=10) if likelihood == "gaussian" else (np.arange(10) % 2)
    est = br.BayesianRegression(prior=br.Unpenalized(br.Gaussian(1.0), features=list(range(20))),
                                likelihood=likelihood)
    with pytest.raises(NoPosteriorModeError, match=r"21 coefficients have a flat prior.*rank 10.*not identified"):
        est.fit(X, y)


def test_a_constant_flat_column_collides_with_the_intercept():
    rng = np.random.default_rng(4)
    X = np.column_stack([np.full(30, 2.0), rng.normal(size=30)])
    y = rng.normal(size=30)
    with pytest.raises(NoPosteriorModeError, match=r"2 coefficients.*rank 1"):
        br.find_map(RegressionData.from_xy(X, y), br.Unpenalized(br.Laplace(1.0), features=[0]),
                    GaussianLikelihood(1.0))
    # without an intercept the column is identified
    fit = br.find_map(RegressionData.from_xy(X, y, fit_intercept=False),
                      br.Unpenalized(br.Laplace(1.0), features=[0]), GaussianLikelihood(1.0))
    assert fit.certificate.passed


def test_zero_weight_rows_do_not_count():
    X, y = _separable(n=40)
    rng = np.random.default_rng(5)
    X = np.vstack([X, rng.normal(size=(10, 3))])
    y = np.concatenate([y, 1 - (X[40:, 0] > 0).astype(int)])  # these rows break the separation...
    sw = np.concatenate([np.ones(40), np.zeros(10)])           # ...but have no weight
    prior = br.Unpenalized(br.Gaussian(1.0), features=[0])
    br.BayesianRegression(prior=prior, likelihood="logistic").fit(X, y)  # weight 1: fine
    with pytest.raises(NoPosteriorModeError):
        br.BayesianRegression(prior=prior, likelihood="logistic").fit(X, y, sample_weight=sw)
