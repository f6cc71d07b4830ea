"""Quantile regression: the asymmetric Laplace likelihood, its exact MAP and its posterior.

References: ``scipy.stats.laplace_asymmetric`` and numerical integration (the density and PyMC's
parameterisation), scikit-learn's ``QuantileRegressor(solver="highs")`` and bayesreg's independent
primal-LP reference (:mod:`bayesreg.reference.quantile`) for the MAP, binomial / normal Monte Carlo
errors for the draws, and simulation-based calibration for NUTS.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from scipy import integrate, stats

import bayesreg as br
import bayesreg.inference.quantile_map as qm
from bayesreg.datasets import load_dataset
from bayesreg.model.data import RegressionData
from bayesreg.model.quantile import AsymmetricLaplace, pinball_loss, pymc_parameters
from bayesreg.reference.quantile import quantile_objective, reference_quantile_solve

sklearn_lm = pytest.importorskip("sklearn.linear_model")


def _data(n=200, p=6, seed=0, heavy=True):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    w = np.zeros(p)
    w[:3] = [1.5, -1.0, 0.5][:p]
    noise = rng.standard_t(3, n) if heavy else rng.standard_normal(n)
    return X, X @ w + 0.7 + noise


# ------------------------------------------------------------------ the likelihood
@pytest.mark.parametrize("q,s", [(0.5, 1.0), (0.1, 0.3), (0.9, 2.5)])
def test_density_matches_scipy_and_integrates_to_one(q, s):
    lik = AsymmetricLaplace(q, s)
    y = np.linspace(-6, 6, 41)
    kappa = np.sqrt(q / (1 - q))
    ref = stats.laplace_asymmetric(kappa, loc=0.4, scale=s / np.sqrt(q * (1 - q))).logpdf(y)
    np.testing.assert_allclose(lik.logpdf(y, 0.4), ref, rtol=1e-12, atol=1e-12)
    # the q-quantile of y is eta: P(y < eta) = q exactly, and the density integrates to 1
    below, _ = integrate.quad(lambda t: np.exp(lik.logpdf(t, 0.0)), -np.inf, 0.0, epsabs=1e-13)
    above, _ = integrate.quad(lambda t: np.exp(lik.logpdf(t, 0.0)), 0.0, np.inf, epsabs=1e-13)
    assert abs(below - q) < 1e-8 and abs(below + above - 1.0) < 1e-8


@pytest.mark.parametrize("q,s", [(0.5, 1.0), (0.2, 0.7), (0.95, 3.0)])
def test_pymc_parameterisation(q, s):
    import pymc as pm

    y = np.linspace(-5, 5, 23)
    dist = pm.AsymmetricLaplace.dist(mu=np.float64(0.3), **pymc_parameters(q, s))
    np.testing.assert_allclose(pm.logp(dist, y).eval(), AsymmetricLaplace(q, s).logpdf(y, 0.3), rtol=1e-10)


def test_pymc_model_logp_equals_numpy_nll_with_and_without_weights():
    X, y = _data(n=30, p=3)
    lik = AsymmetricLaplace(0.3, 0.8)
    prior = br.Gaussian(1.0)
    w = np.array([0.5, -0.2, 0.1])
    for sw in (None, np.random.default_rng(1).uniform(0.5, 2.0, size=30)):
        data = RegressionData.from_xy(X, y, sample_weight=sw)
        built = br.model.build_model(data, prior, lik)
        logp = built.model.compile_logp(vars=[built.likelihood_term], jacobian=False)
        value = logp({"coef": w, "intercept": 0.4})
        assert abs(-value - lik.nll(data, w, 0.4)) < 1e-9 * abs(value)


def test_pointwise_loglik_sums_to_nll():
    X, y = _data(n=40, p=3)
    data = RegressionData.from_xy(X, y, sample_weight=np.linspace(0.5, 1.5, 40))
    lik = AsymmetricLaplace(0.75, 1.3)
    w = np.array([1.0, -1.0, 0.3])
    eta = data.linear_predictor(w, 0.2)
    assert abs(lik.pointwise_loglik(data, eta).sum() + lik.nll(data, w, 0.2)) < 1e-10


def test_draws_have_the_quantile_and_the_mean():
    q, s, N = 0.2, 1.5, 200_000
    d = AsymmetricLaplace(q, s).draw(np.full(N, 1.0), np.random.default_rng(3))
    frac = np.mean(d < 1.0)
    assert abs(frac - q) < 4 * np.sqrt(q * (1 - q) / N)
    mean, sd = 1.0 + s * (1 / q - 1 / (1 - q)), s * np.sqrt(1 / q**2 + 1 / (1 - q) ** 2)
    assert abs(d.mean() - mean) < 4 * sd / np.sqrt(N)


@pytest.mark.parametrize("kwargs,match", [
    ({"quantile": 0.0}, "'quantile' parameter of AsymmetricLaplace must be in \\(0, 1\\)"),
    ({"quantile": 1.0}, "'quantile'"),
    ({"quantile": 1.5}, "got 1.5"),
    ({"quantile": float("nan")}, "'quantile'"),
    ({"scale": 0.0}, "'scale' parameter of AsymmetricLaplace must be > 0"),
    ({"scale": -1.0}, "got -1.0"),
])
def test_bad_parameters_name_themselves(kwargs, match):
    with pytest.raises(ValueError, match=match):
        AsymmetricLaplace(**kwargs)
    with pytest.raises(TypeError, match="'scale'"):
        AsymmetricLaplace(scale="wide")


def test_non_finite_y_is_refused():
    X, y = _data(n=20, p=2)
    y[3] = np.nan
    with pytest.raises(ValueError, match="y must be finite"):
        br.BayesianRegression(prior=br.Laplace(1.0), likelihood=AsymmetricLaplace(0.5)).fit(X, y)


def test_pinball_loss_at_the_median_is_half_the_absolute_value():
    r = np.linspace(-3, 3, 13)
    np.testing.assert_array_equal(pinball_loss(r, 0.5), 0.5 * np.abs(r))


# ------------------------------------------------------------------ the exact MAP
def _sklearn(X, y, q, alpha, sw=None, fit_intercept=True):
    est = sklearn_lm.QuantileRegressor(quantile=q, alpha=alpha, solver="highs", fit_intercept=fit_intercept)
    est.fit(X, y, sample_weight=sw)
    return est.coef_, float(est.intercept_)


def _map(X, y, q, alpha, s=1.0, sw=None, fit_intercept=True):
    n = len(y) if sw is None else float(np.sum(sw))
    prior = br.penalty_to_prior("sklearn.QuantileRegressor", quantile=q, alpha=alpha, n=n, noise_sigma=s)
    lik = br.penalty_to_likelihood("sklearn.QuantileRegressor", quantile=q, alpha=alpha, noise_sigma=s)
    est = br.BayesianRegression(prior=prior, likelihood=lik, fit_intercept=fit_intercept)
    return est.fit(X, y, sample_weight=sw)


@pytest.mark.parametrize("q,alpha,s", [(0.5, 0.01, 1.0), (0.1, 0.05, 1.0), (0.9, 0.2, 3.0), (0.3, 0.001, 0.5)])
def test_map_equals_sklearn_quantile_regressor(q, alpha, s):
    X, y = _data()
    est = _map(X, y, q, alpha, s)
    coef, icpt = _sklearn(X, y, q, alpha)
    theta, ref = np.append(est.coef_, est.intercept_), np.append(coef, icpt)
    assert np.max(np.abs(theta - ref)) <= 1e-6 * np.max(np.abs(ref))
    np.testing.assert_array_equal(est.coef_ == 0, coef == 0)
    assert est.certificate_.passed and est.certificate_.relative_residual < 1e-12


def test_map_with_sample_weights_and_without_intercept():
    X, y = _data(n=150, p=4, seed=5)
    sw = np.random.default_rng(2).uniform(0.2, 3.0, size=150)
    for fit_intercept in (True, False):
        est = _map(X, y, 0.7, 0.02, sw=sw, fit_intercept=fit_intercept)
        coef, icpt = _sklearn(X, y, 0.7, 0.02, sw=sw, fit_intercept=fit_intercept)
        assert np.max(np.abs(est.coef_ - coef)) <= 1e-6 * np.max(np.abs(coef))
        assert abs(est.intercept_ - icpt) <= 1e-6 * max(1.0, abs(icpt))
        np.testing.assert_array_equal(est.coef_ == 0, coef == 0)
        assert est.certificate_.passed


def test_working_set_path_is_exact(monkeypatch):
    """Rows beyond FULL_ROWS go through the Portnoy-Koenker working sets: still the exact optimum."""
    monkeypatch.setattr(qm, "FULL_ROWS", 100)
    X, y = _data(n=3000, p=5, seed=7)
    data = RegressionData.from_xy(X, y)
    prior = br.Laplace(1.0 / (3000 * 0.01))
    res = qm.solve_quantile_map(data, prior, AsymmetricLaplace(0.25))
    assert res.working_rows < 3000
    coef, icpt = _sklearn(X, y, 0.25, 0.01)
    assert np.max(np.abs(np.append(res.coef, res.intercept) - np.append(coef, icpt))) <= 1e-6 * np.max(np.abs(coef))
    assert res.certificate.passed


def test_map_equals_independent_reference_with_unpenalized_features():
    X, y = _data(n=120, p=5, seed=9)
    prior = br.Unpenalized(br.Laplace(0.05), features=[0])
    lik = AsymmetricLaplace(0.6, 1.7)
    est = br.BayesianRegression(prior=prior, likelihood=lik).fit(X, y)
    l1 = prior.penalty_weights(5)[0]
    coef, icpt = reference_quantile_solve(X, y, l1, quantile=0.6, scale=1.7)
    assert np.max(np.abs(est.coef_ - coef)) <= 1e-6 * np.max(np.abs(coef))
    np.testing.assert_array_equal(est.coef_ == 0, coef == 0)
    assert est.coef_[0] != 0 and np.sum(est.coef_ == 0) >= 1
    f_map = quantile_objective(X, y, est.coef_, est.intercept_, l1, quantile=0.6, scale=1.7)
    f_ref = quantile_objective(X, y, coef, icpt, l1, quantile=0.6, scale=1.7)
    assert f_map <= f_ref * (1 + 1e-12)


def test_certificate_fails_on_a_perturbed_solution():
    X, y = _data(n=100, p=4, seed=11)
    est = _map(X, y, 0.4, 0.05)
    data = RegressionData.from_xy(X, y)
    lik = AsymmetricLaplace(0.4)
    theta = np.append(est.coef_, est.intercept_)
    assert qm.certify_quantile_point(data, est.prior_, lik, theta).passed
    coef, icpt = _sklearn(X, y, 0.4, 0.05)
    assert qm.certify_quantile_point(data, est.prior_, lik, np.append(coef, icpt)).passed
    for j in range(theta.size):
        bad = theta.copy()
        bad[j] += 1e-4 * max(1.0, abs(bad[j]))
        cert = qm.certify_quantile_point(data, est.prior_, lik, bad)
        assert not cert.passed and cert.relative_residual > 1e-6


@pytest.mark.parametrize("prior,rtol", [(br.Gaussian(0.5), 1e-9), (br.ElasticNet(3.0, 2.0), 1e-5)])
def test_l2_priors_quadratic_program_matches_reference(prior, rtol):
    """Gaussian and elastic-net priors: the dual QP (HiGHS) + polish, against SLSQP on the primal QP
    (whose own accuracy is ~1e-7 relative with an L1 part: hence the looser tolerance there)."""
    X, y = _data(n=60, p=4, seed=0)
    lik = AsymmetricLaplace(0.3, 1.2)
    est = br.BayesianRegression(prior=prior, likelihood=lik).fit(X, y)
    l1, l2 = prior.penalty_weights(4)
    coef, icpt = reference_quantile_solve(X, y, l1, l2=l2, quantile=0.3, scale=1.2)
    theta, ref = np.append(est.coef_, est.intercept_), np.append(coef, icpt)
    assert np.max(np.abs(theta - ref)) <= rtol * np.max(np.abs(ref))
    np.testing.assert_array_equal(est.coef_ == 0, np.abs(coef) < 1e-10)
    assert est.certificate_.passed and est.certificate_.relative_residual < 1e-12
    data = RegressionData.from_xy(X, y)
    bad = theta.copy()
    bad[0] += 1e-4
    assert not qm.certify_quantile_point(data, prior, lik, bad).passed


def test_l2_working_set_path_is_exact(monkeypatch):
    monkeypatch.setattr(qm, "FULL_ROWS", 100)
    X, y = _data(n=2000, p=5, seed=3)
    data = RegressionData.from_xy(X, y)
    prior = br.ElasticNet(20.0, 5.0)
    lik = AsymmetricLaplace(0.6)
    res = qm.solve_quantile_map(data, prior, lik)
    assert res.working_rows < 2000 and res.certificate.passed
    monkeypatch.setattr(qm, "FULL_ROWS", 10_000)
    whole = qm.solve_quantile_map(data, prior, lik)
    assert np.max(np.abs(res.coef - whole.coef)) <= 1e-9 * np.max(np.abs(whole.coef))
    np.testing.assert_array_equal(res.coef == 0, whole.coef == 0)


# ------------------------------------------------------------------ the convention
def test_convention_round_trip_and_likelihood():
    prior = br.penalty_to_prior("sklearn.QuantileRegressor", quantile=0.3, alpha=0.1, n=200, noise_sigma=2.0)
    assert prior == br.Laplace(2.0 / (200 * 0.1))
    back = br.prior_to_penalty(prior, "sklearn.QuantileRegressor", n=200, noise_sigma=2.0)
    assert abs(back["alpha"] - 0.1) < 1e-15
    assert br.penalty_to_likelihood("sklearn.QuantileRegressor", quantile=0.3, alpha=0.1) == AsymmetricLaplace(0.3, 1.0)
    with pytest.raises(ValueError, match="'quantile' parameter of sklearn.QuantileRegressor"):
        br.penalty_to_prior("sklearn.QuantileRegressor", quantile=1.2, alpha=0.1, n=10)


@pytest.mark.parametrize("reference", ["bayesreg", "sklearn"])
def test_verify_map_quantile(reference):
    d = load_dataset("diabetes")
    report = br.verify_map(d.X, d.y, "sklearn.QuantileRegressor", quantile=0.9, alpha=0.5, reference=reference)
    assert report.passed and report.likelihood == "asymmetric_laplace"
    assert report.max_rel_diff < 1e-6 and report.n_zeros > 0 and report.same_zero_pattern


# ------------------------------------------------------------------ NUTS
def test_nuts_fit_has_loo_and_posterior_predictive():
    X, y = _data(n=60, p=2, seed=4)
    lik = AsymmetricLaplace(0.8, 0.9)
    est = br.BayesianRegression(prior=br.Laplace(1.0), likelihood=lik, method="nuts", draws=200, tune=200,
                                chains=2, random_seed=1, progressbar=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est.fit(X, y)
    ll = est.idata_.log_likelihood["y"].values
    assert ll.shape == (2, 200, 60)
    post = est.idata_.posterior
    eta = post["coef"].values @ X.T + post["intercept"].values[..., None]
    np.testing.assert_allclose(ll[0, 0], lik.logpdf(y, eta[0, 0]), rtol=1e-12)
    est.sample_posterior_predictive(random_seed=2)
    assert est.idata_.posterior_predictive["y"].shape == (2, 200, 60)
    np.testing.assert_allclose(est.predict(X[:3]), X[:3] @ est.coef_ + est.intercept_)


@pytest.mark.slow
def test_simulation_based_calibration_quantile():
    """SBC (Talts et al. 2018) for the quantile model as bayesreg builds it: w ~ Gaussian(1),
    y ~ AsymmetricLaplace(q=0.25, s=0.5) at Xw, no intercept. 40 replicates, 39 thinned posterior draws
    each (ranks 0..39 in 4 bins of 10), chi-square test per coefficient."""
    import pymc as pm

    rng = np.random.default_rng(2026)
    n, p, q, s = 15, 2, 0.25, 0.5
    X = rng.normal(size=(n, p))
    lik = AsymmetricLaplace(q, s)
    data = RegressionData.from_xy(X, np.zeros(n), fit_intercept=False)
    built = br.model.build_model(data, br.Gaussian(1.0), lik)
    reps, thin, keep = 40, 3, 39
    ranks = np.empty((reps, p), dtype=int)
    for r in range(reps):
        w_true = rng.normal(0.0, 1.0, size=p)
        y_sim = lik.draw(X @ w_true, rng)
        with built.model:
            pm.set_data({"y_obs": y_sim})
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                idata = pm.sample(draws=keep * thin, tune=200, chains=1, random_seed=int(r),
                                  progressbar=False, compute_convergence_checks=False)
        draws = idata.posterior["coef"].values[0, ::thin]
        ranks[r] = (draws < w_true).sum(axis=0)
    for j in range(p):
        counts = np.bincount(ranks[:, j] * 4 // (keep + 1), minlength=4)
        assert stats.chisquare(counts).pvalue > 1e-3, counts


def test_readme_quantile_example_runs():
    import re
    from pathlib import Path

    text = (Path(__file__).resolve().parents[1] / "README.md").read_text("utf-8")
    block = re.search(r"## Quantile regression\n.*?```python\n(.*?)```", text, re.S)
    assert block is not None
    namespace: dict = {}
    exec(compile(block.group(1), "README.md", "exec"), namespace)  # noqa: S102
    est, d = namespace["est"], namespace["d"]
    assert est.certificate_.passed and np.sum(est.coef_ == 0) > 0
    coef, icpt = _sklearn(d.X, d.y, 0.9, 0.5)
    assert np.max(np.abs(est.coef_ - coef)) <= 1e-12 * np.max(np.abs(coef))
