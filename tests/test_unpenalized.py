"""``Unpenalized``: a flat prior on some coefficients (glmnet's penalty.factor = 0).

References: the closed-form posterior of a Gaussian prior with infinite variance on some
coordinates (MAP and NUTS), the independent reference solver for the Laplace case, the PyMC
model's own log-density written out with scipy, and glmnet's own coefficients (R fixture, in
``test_glmnet_fixtures.py``).
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from scipy import stats

import bayesreg as br
from bayesreg import reference as gibbs
from bayesreg.conventions import PenaltyWeights, penalty_to_prior, prior_to_penalty
from bayesreg.conventions._base import weights_to_prior
from bayesreg.datasets import load_dataset
from bayesreg.inference.diagnostics import ConvergenceWarning
from bayesreg.inference.map import find_map
from bayesreg.model.build import build_model
from bayesreg.model.data import RegressionData
from bayesreg.model.likelihoods import GaussianLikelihood, LogisticLikelihood
from bayesreg.reference.penalized import reference_solve

K = 4.0  # tolerance in Monte Carlo standard errors


@pytest.fixture(scope="module")
def diabetes():
    d = load_dataset("diabetes_std")
    return d.X.to_numpy(), d.y.to_numpy()


def test_penalty_prox_and_certificate_are_zero_on_flat_coordinates():
    prior = br.Unpenalized(br.Laplace((0.5, 0.25)), features=[1])
    l1, l2 = prior.penalty_weights(3)
    np.testing.assert_array_equal(l1, [2.0, 0.0, 4.0])
    np.testing.assert_array_equal(l2, [0.0, 0.0, 0.0])
    np.testing.assert_allclose(prior.log_normalizer(3), [np.log(1.0), 0.0, np.log(0.5)])
    v = np.array([1.0, -3.0, 0.1])
    np.testing.assert_allclose(prior.prox(v, 0.1), [0.8, -3.0, 0.0])      # identity on the flat one
    g = np.array([0.5, 0.5, 0.5])
    np.testing.assert_allclose(prior.subgradient_distance(np.zeros(3), g), [0.0, 0.5, 0.0])  # flat: |g|
    assert prior.n_features == 3
    w = np.array([0.3, 7.0, -0.2])
    assert prior.logpdf(w) == pytest.approx(stats.laplace.logpdf(0.3, scale=0.5)
                                            + stats.laplace.logpdf(-0.2, scale=0.25), rel=1e-14)


@pytest.mark.parametrize(("kwargs", "error", "match"), [
    ({"prior": br.Laplace(1.0), "features": []}, ValueError, "non-empty"),
    ({"prior": br.Laplace(1.0), "features": [-1]}, ValueError, "non-negative"),
    ({"prior": br.Laplace(1.0), "features": [1, 1]}, ValueError, "repeated"),
    ({"prior": br.Laplace(1.0), "features": [0.5]}, ValueError, "feature indices"),
    ({"prior": "laplace", "features": [0]}, TypeError, "'prior'"),
    ({"prior": br.Unpenalized(br.Laplace(1.0), [0]), "features": [1]}, TypeError, "'prior'"),
])
def test_bad_arguments_are_named(kwargs, error, match):
    with pytest.raises(error, match=match):
        br.Unpenalized(**kwargs)


def test_bad_use_is_named():
    prior = br.Unpenalized(br.Gaussian(1.0), features=[4])
    with pytest.raises(ValueError, match="index >= the model's 3 features"):
        prior.penalty_weights(3)
    with pytest.raises(ValueError, match="every feature"):
        br.Unpenalized(br.Gaussian(1.0), features=[0, 1]).penalty_weights(2)
    with pytest.raises(ValueError, match="has 2 values but the model has 3"):
        br.Unpenalized(br.Gaussian((1.0, 2.0)), features=[0]).penalty_weights(4)
    with pytest.raises(ValueError, match="no prior draws"):
        prior.sample(5, 10, np.random.default_rng(0))


def test_weights_to_prior_makes_flat_features_unpenalized():
    prior = weights_to_prior(PenaltyWeights.of([0.0, 2.0, 4.0], [0.0, 0.0, 0.0]))
    assert isinstance(prior, br.Unpenalized) and prior.features == (0,)
    assert isinstance(prior.prior, br.Laplace) and prior.prior.b == (0.5, 0.25)
    with pytest.raises(ValueError, match="every feature"):
        weights_to_prior(PenaltyWeights.of([0.0, 0.0], [0.0, 0.0]))


def _closed_form(X, y, noise, tau, flat):
    """w | y ~ N(m, S): S^-1 = Xc'Xc/s^2 + D, D = diag(1/tau^2, 0 on the flat coordinates)."""
    Xc, yc = X - X.mean(0), y - y.mean()
    d = np.full(X.shape[1], 1.0 / tau**2)
    d[flat] = 0.0
    S = np.linalg.inv(Xc.T @ Xc / noise**2 + np.diag(d))
    return S @ Xc.T @ yc / noise**2, S


def test_gaussian_map_equals_closed_form(diabetes):
    X, y = diabetes
    noise, tau, flat = 55.0, 2.0, [2, 8]
    m, _ = _closed_form(X, y, noise, tau, flat)
    fit = find_map(RegressionData.from_xy(X, y), br.Unpenalized(br.Gaussian(tau), flat),
                   GaussianLikelihood(noise))
    assert np.max(np.abs(fit.coef - m)) <= 1e-10 * np.max(np.abs(m))
    assert fit.certificate.passed


@pytest.mark.parametrize("likelihood", ["gaussian", "logistic"])
def test_laplace_map_equals_reference_solver(likelihood):
    name = "diabetes_std" if likelihood == "gaussian" else "binary_synthetic"
    d = load_dataset(name)
    X, y = d.X.to_numpy(), d.y.to_numpy(dtype=float)
    b = 0.5 if likelihood == "gaussian" else 0.05
    prior = br.Unpenalized(br.Laplace(b), features=[0, 3])
    lik = GaussianLikelihood(50.0) if likelihood == "gaussian" else LogisticLikelihood()
    fit = find_map(RegressionData.from_xy(X, y, binary=likelihood == "logistic"), prior, lik)
    l1, l2 = prior.penalty_weights(X.shape[1])
    ref = reference_solve(X, y, l1, l2, likelihood=likelihood, noise_sigma=50.0)
    assert ref.converged and fit.certificate.passed
    assert np.max(np.abs(fit.coef - ref.coef)) <= 1e-8 * np.max(np.abs(ref.coef))
    assert np.array_equal(fit.coef == 0, ref.coef == 0)
    assert fit.coef[0] != 0 and fit.coef[3] != 0   # never shrunk to zero
    assert np.sum(fit.coef == 0) >= 1              # while others are


def test_pymc_model_log_density_is_the_flat_times_base_prior(diabetes):
    X, y = diabetes
    prior = br.Unpenalized(br.ElasticNet(0.02, 0.001), features=[1])
    data = RegressionData.from_xy(X, y)
    lik = GaussianLikelihood(50.0)
    model = build_model(data, prior, lik, form="rows").model
    logp = model.compile_logp()
    rng = np.random.default_rng(1)
    for _ in range(3):
        w, c = rng.normal(0, 5, X.shape[1]), float(rng.normal(150, 5))
        expected = float(stats.norm.logpdf(y, loc=X @ w + c, scale=50.0).sum()) + prior.logpdf(w)
        assert float(logp({"coef": w, "intercept": np.asarray(c)})) == pytest.approx(expected, rel=1e-12)


@pytest.mark.slow
def test_nuts_matches_closed_form_posterior(diabetes):
    """NUTS on Flat + Potential: means and sds of every coefficient within 4 MCSE of the closed form."""
    X, y = diabetes
    noise, tau, flat = 55.0, 5.0, [2, 8]
    m, S = _closed_form(X, y, noise, tau, flat)
    est = br.BayesianRegression(prior=br.Unpenalized(br.Gaussian(tau), flat), noise_sigma=noise,
                                method="nuts", draws=1000, tune=1000, chains=2, random_seed=21,
                                progressbar=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(X, y)
    draws = est.idata_.posterior["coef"].values
    for j in range(X.shape[1]):
        a = draws[..., j]
        assert abs(a.mean() - m[j]) < K * gibbs.mcse_mean(a), j
        sq = (a - a.mean()) ** 2
        assert abs(a.std() - np.sqrt(S[j, j])) < K * gibbs.mcse_mean(sq) / (2.0 * a.std()), j
    assert est.diagnostics_ == []


def test_glmnet_zero_penalty_factor_round_trips(diabetes):
    X, y = diabetes
    pf = np.ones(X.shape[1])
    pf[[0, 4]] = 0.0
    prior = penalty_to_prior("glmnet", X=X, y=y, lambda_=0.7, alpha=0.3, penalty_factor=pf)
    assert isinstance(prior, br.Unpenalized) and prior.features == (0, 4)
    back = prior_to_penalty(prior, "glmnet", X=X, y=y)
    assert back["lambda_"] == pytest.approx(0.7, rel=1e-12) and back["alpha"] == pytest.approx(0.3, rel=1e-12)
    np.testing.assert_array_equal(back["penalty_factor"], pf)
    with pytest.raises(ValueError, match="penalty_factor.*at least one positive"):
        penalty_to_prior("glmnet", X=X, y=y, lambda_=0.7, penalty_factor=np.zeros(X.shape[1]))
    with pytest.raises(ValueError, match="penalty_factor"):
        penalty_to_prior("glmnet", X=X, y=y, lambda_=0.7, penalty_factor=-pf)


def test_estimator_map_and_describe(diabetes):
    X, y = diabetes
    prior = br.Unpenalized(br.Laplace(0.3), features=[0])
    est = br.BayesianRegression(prior=prior, noise_sigma=50.0).fit(X, y)
    assert est.certificate_.passed and est.coef_[0] != 0
    from bayesreg.verify import describe_prior

    assert describe_prior(prior) == "Laplace b=0.3, flat on [0]"


def test_standardize_keeps_the_flat_coordinates_flat(diabetes):
    """standardize=True rescales the penalised coordinates only: = glmnet with penalty.factor 0 there."""
    X, y = diabetes
    Xr = X * np.arange(1, X.shape[1] + 1)  # columns on different scales
    n = len(y)
    est = br.BayesianRegression(prior=br.Unpenalized(br.Laplace(0.05), features=[1]), noise_sigma=1.0,
                                standardize=True).fit(Xr, y)
    pf = np.ones(X.shape[1])
    pf[1] = 0.0
    lam = 1.0 / (0.05 * n) * (X.shape[1] - 1) / X.shape[1]  # glmnet rescales the factors to sum to p
    prior = penalty_to_prior("glmnet", X=Xr, y=y, lambda_=lam, alpha=1.0, penalty_factor=pf)
    ref = find_map(RegressionData.from_xy(Xr, y), prior, GaussianLikelihood(1.0))
    assert np.max(np.abs(est.coef_ - ref.coef)) <= 1e-9 * np.max(np.abs(ref.coef))
    assert est.coef_[1] != 0


def test_inverse_to_a_convention_without_per_feature_penalties_is_refused():
    prior = br.Unpenalized(br.Laplace(0.1), features=[2])
    with pytest.raises(ValueError, match=r"features \[2\] unpenalised.*'sklearn.Lasso'.*glmnet"):
        prior_to_penalty(prior, "sklearn.Lasso", n=100)
