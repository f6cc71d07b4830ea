"""Laplace approximation at the certified MAP, corrected by PSIS, against full NUTS on small problems.

* Well identified (n = 400, p = 3): Pareto k-hat is small and the importance-weighted means and sds
  equal NUTS's within 4 combined Monte Carlo standard errors.
* Nearly separable (n = 15, p = 4, vague prior): k-hat > 0.7; the estimator refuses to call the result
  a posterior (warning with the fix, no ``idata_``, the weighted summaries raise) and NUTS confirms
  the refusal: the Laplace approximation's mean or sd is off by many standard errors.
* The exact log-posterior of the draws (one pass, X·B) equals PyMC's model log-density up to a constant.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import bayesreg as br
from bayesreg.inference.laplace_psis import UnreliableApproximationError, k_threshold, laplace_psis
from bayesreg.model.likelihoods import LogisticLikelihood
from bayesreg.model.rows import ArrayRows
from bayesreg.reference.mcse import effective_sample_size, mcse_mean


def logistic_data(n: int, p: int, seed: int, scale: float = 1.0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, p))
    w = rng.normal(size=p) * scale
    y = (rng.uniform(size=n) < 1.0 / (1.0 + np.exp(-(X @ w + 0.3)))).astype(float)
    return X, y


def nuts_draws(prior, X, y, seed=11, draws=1000):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est = br.BayesianRegression(prior=prior, likelihood="logistic", method="nuts", draws=draws, tune=1000,
                                    chains=2, random_seed=seed, progressbar=False, sampler="pymc",
                                    target_accept=0.95).fit(X, y)
    post = est.idata_.posterior
    return np.concatenate([post["coef"].values, post["intercept"].values[..., None]], axis=-1)  # (chain, draw, m)


def laplace(prior, X, y, seed=5, draws=1000):
    return br.BayesianRegression(prior=prior, likelihood="logistic", method="laplace", draws=draws, chains=4,
                                 random_seed=seed).fit(X, y)


@pytest.mark.slow
def test_well_identified_posterior_equals_nuts():
    X, y = logistic_data(400, 3, seed=1)
    prior = br.Gaussian(2.0)
    est = laplace(prior, X, y)
    approx = est.laplace_
    assert approx.reliable and est.pareto_k_ < 0.5
    assert hasattr(est, "idata_") and est.idata_.attrs["pareto_k"] == est.pareto_k_
    ref = nuts_draws(prior, X, y)
    mean, sd = approx.mean(), approx.sd()
    np.testing.assert_allclose(est.coef_, mean[:3])
    for j in range(ref.shape[-1]):
        d = ref[..., j]
        ess = effective_sample_size(d)
        se_mean = np.hypot(mcse_mean(d), sd[j] / np.sqrt(approx.ess))
        assert abs(mean[j] - d.mean()) <= 4 * se_mean, j
        se_sd = d.std() * np.sqrt(1 / (2 * ess) + 1 / (2 * approx.ess))
        assert abs(sd[j] - d.std()) <= 4 * se_sd, j


@pytest.mark.slow
def test_nearly_separable_data_are_refused_and_nuts_shows_why():
    X, y = logistic_data(15, 4, seed=1, scale=4.0)
    prior = br.Gaussian(30.0)
    with pytest.warns(br.ConvergenceWarning, match=r"k-hat = .* NOT a posterior.*NUTS"):
        est = laplace(prior, X, y)
    approx = est.laplace_
    assert not approx.reliable and est.pareto_k_ > 0.7
    assert not hasattr(est, "idata_")
    with pytest.raises(UnreliableApproximationError, match="more draws"):
        approx.mean()
    with pytest.raises(UnreliableApproximationError):
        approx.to_idata()
    np.testing.assert_array_equal(est.coef_, approx.mode[:4])  # the certified MAP is what is reported
    ref = nuts_draws(prior, X, y, draws=2000)
    raw_mean, raw_sd = approx.draws.mean(axis=0), approx.draws.std(axis=0)  # the uncorrected Laplace
    z_mean = [abs(raw_mean[j] - ref[..., j].mean()) / mcse_mean(ref[..., j]) for j in range(5)]
    sd_ratio = raw_sd / ref.reshape(-1, 5).std(axis=0)
    assert max(z_mean) > 8 or np.any(np.abs(np.log(sd_ratio)) > np.log(1.5)), (z_mean, sd_ratio)


def test_exact_log_posterior_of_the_draws_equals_pymc_logp():
    X, y = logistic_data(120, 3, seed=4)
    v = np.random.default_rng(0).uniform(0.5, 2.0, 120)
    prior = br.ElasticNet(0.7, 0.3)
    est = br.BayesianRegression(prior=prior, likelihood="logistic").fit(X, y, sample_weight=v)
    approx = laplace_psis(ArrayRows(X, y, v, block_rows=50), prior, LogisticLikelihood(), est.coef_, est.intercept_,
                          draws=40, random_seed=0)
    model = br.BayesianRegression(prior=prior, likelihood="logistic", form="rows").build_model(X, y, v)
    logp = model.compile_logp(jacobian=False)
    ours = np.empty(40)
    pymc = np.empty(40)
    from bayesreg.inference.laplace_psis import log_posterior_pass

    for s, th in enumerate(approx.draws):
        pymc[s] = logp({"coef": th[:3], "intercept": th[3]})
    B = approx.draws[:, :3].T.copy()
    (nll,) = log_posterior_pass(X, y, v, B, approx.draws[:, 3], LogisticLikelihood())
    l1, l2 = prior.penalty_weights(3)
    W = approx.draws[:, :3]
    ours = -nll - np.abs(W) @ l1 - (W * W) @ l2
    np.testing.assert_allclose(ours - ours[0], pymc - pymc[0], rtol=0, atol=1e-9 * np.abs(pymc).max())


def test_psis_threshold_and_in_memory_rows_equal_estimator_path():
    assert k_threshold(4000) == 0.7 and k_threshold(100) == pytest.approx(0.5)
    X, y = logistic_data(300, 2, seed=2)
    est = laplace(br.Gaussian(1.0), X, y, draws=100)
    again = laplace_psis(ArrayRows(X, y, block_rows=37), br.Gaussian(1.0), LogisticLikelihood(), est.laplace_.mode[:2],
                         est.laplace_.mode[2], draws=400, random_seed=5)
    np.testing.assert_allclose(again.draws, est.laplace_.draws, rtol=1e-12)
    assert again.pareto_k == pytest.approx(est.pareto_k_, abs=1e-9)
    with pytest.raises(ValueError, match="'draws' parameter of laplace_psis"):
        laplace_psis(ArrayRows(X, y), br.Gaussian(1.0), LogisticLikelihood(), np.zeros(2), 0.0, draws=3)
    with pytest.raises(ValueError, match="fixed penalty|method='nuts'"):
        br.BayesianRegression(prior=br.BayesianLasso(), method="laplace").fit(X, y)
