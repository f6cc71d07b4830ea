"""NUTS with the global-local priors against their exact references, and simulation-based calibration.

* NUTS (the default geometry: coefficients integrated out, ``parameterization="marginal"``) against
  the Makalic-Schmidt Gibbs sampler (horseshoe, horseshoe+) and the slice-within-Gibbs samplers
  (regularized horseshoe, R2D2) of :mod:`bayesreg.reference`, on the diabetes data and on a sparse
  synthetic problem with p > n: means and 5/50/95% quantiles of every coefficient and of log tau within
  4 Monte Carlo standard errors (NUTS's and the reference's combined), and a divergence rate <= 0.1%.
* The logistic likelihood with the regularized horseshoe (non-centred) against the Pólya-Gamma
  slice-within-Gibbs reference.
* Simulation-based calibration (Talts et al. 2018) of each prior on a small problem.

Noise: Jeffreys prior p(sigma^2) ∝ 1/sigma^2, as the references (and R's bayesreg). Fixed seeds.
"""

from __future__ import annotations

import importlib.util
import warnings

import numpy as np
import pytest
from scipy import stats

import bayesreg as br
from bayesreg import reference as ref
from bayesreg.datasets import load_dataset
from bayesreg.inference.diagnostics import ConvergenceWarning
from bayesreg.reference.gibbs_horseshoe import gibbs_horseshoe
from bayesreg.reference.gibbs_shrinkage import gibbs_r2d2, gibbs_regularized_horseshoe

K = 4.0
MAX_DIVERGENCE_RATE = 0.001
CHAINS = 2
NUTS_DRAWS = 600  # per chain (and as many tuning steps); the references: REF_DRAWS per chain
REF_DRAWS = 2500


def _diabetes():
    d = load_dataset("diabetes")
    X = d.X.to_numpy(dtype=float)
    return (X - X.mean(0)) / X.std(0), d.y.to_numpy(dtype=float)


def _sparse_p_gt_n(n=30, p=50, seed=2024):
    """X iid N(0, 1), 4 non-zero coefficients (3, -2, 1.5, 1), intercept 1, noise sd 1."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    beta = np.zeros(p)
    beta[:4] = [3.0, -2.0, 1.5, 1.0]
    return X, 1.0 + X @ beta + rng.standard_normal(n)


PROBLEMS = {"diabetes": _diabetes, "sparse_p_gt_n": _sparse_p_gt_n}


def _rhs(X):
    n, p = X.shape
    return br.RegularizedHorseshoe(br.horseshoe_scale_global(3, p, n))


def _prior_and_reference(name, X, y, draws, seed):
    """(the bayesreg prior, the reference draws) for prior ``name``."""
    kw = dict(draws=draws, burn=500, seed=seed, chains=CHAINS)
    if name == "horseshoe":
        return br.Horseshoe(), gibbs_horseshoe(X, y, collapsed=True, **kw)
    if name == "horseshoe_plus":
        return br.HorseshoePlus(), gibbs_horseshoe(X, y, plus=True, collapsed=True, **kw)
    if name == "regularized_horseshoe":
        prior = _rhs(X)
        return prior, gibbs_regularized_horseshoe(X, y, scale_global=prior.scale_global, **kw)
    return br.R2D2(), gibbs_r2d2(X, y, **kw)


def _nuts(X, y, prior, *, seed, draws=1000, tune=1000, likelihood="gaussian", **kw):
    est = br.BayesianRegression(prior=prior, likelihood=likelihood, noise_sigma=None if likelihood == "gaussian"
                                else "auto", noise_prior=br.noise.Jeffreys() if likelihood == "gaussian" else None,
                                method="nuts", draws=draws, tune=tune, chains=CHAINS, random_seed=seed,
                                progressbar=False, **kw)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return est.fit(X, y)


def _check_against(est, g, label):
    """Means and 5/50/95% quantiles of each coefficient and of log tau within K combined MCSEs."""
    post = est.idata_.posterior
    pairs = [(post["coef"].values[..., j], g["beta"][:, j].reshape(CHAINS, -1), f"coef[{j}]")
             for j in range(post["coef"].shape[-1])]
    pairs.append((np.log(post["tau"].values), np.log(g["tau"]).reshape(CHAINS, -1), "log tau"))
    worst = 0.0
    for a, r, what in pairs:
        z = (a.mean() - r.mean()) / np.hypot(ref.mcse_mean(a), ref.mcse_mean(r))
        zs = [z] + [(np.quantile(a, q) - np.quantile(r, q)) / np.hypot(ref.mcse_quantile(a, q), ref.mcse_quantile(r, q))
                    for q in (0.05, 0.5, 0.95)]
        worst = max(worst, float(np.max(np.abs(zs))))
        assert np.all(np.abs(zs) < K), (label, what, np.round(zs, 2))
    div = est.idata_.sample_stats["diverging"]
    rate = float(div.sum()) / div.size
    print(f"{label}: max |z| {worst:.2f}, divergences {int(div.sum())}/{div.size}")
    assert rate <= MAX_DIVERGENCE_RATE, (label, rate)


_PRIORS = ["horseshoe", "horseshoe_plus", "regularized_horseshoe", "r2d2"]
_NUTPIE = pytest.mark.skipif(importlib.util.find_spec("nutpie") is None, reason="needs nutpie")
#: every prior and problem on PyMC's NUTS (the NumPy op); on nutpie (the op compiled by numba) the
#: horseshoe on diabetes (the gram form) and R2D2 on p > n (the rows form)
_CASES = [(prior, problem, "pymc") for prior in _PRIORS for problem in sorted(PROBLEMS)] + [
    pytest.param(prior, problem, "nutpie", marks=_NUTPIE)
    for prior, problem in [("horseshoe", "diabetes"), ("r2d2", "sparse_p_gt_n")]]


@pytest.mark.slow
@pytest.mark.parametrize(("prior", "problem", "sampler"), _CASES)
def test_nuts_matches_the_exact_reference(prior, problem, sampler):
    X, y = PROBLEMS[problem]()
    seed = 100 * sorted(PROBLEMS).index(problem) + _PRIORS.index(prior)
    bayes_prior, g = _prior_and_reference(prior, X, y, draws=REF_DRAWS, seed=seed + 1)
    est = _nuts(X, y, bayes_prior, seed=seed, draws=NUTS_DRAWS, tune=NUTS_DRAWS, sampler=sampler)
    assert est.idata_.attrs["bayesreg_form"] == "marginal" and est.idata_.attrs["sampler"] == sampler
    _check_against(est, g, f"{prior} on {problem} ({sampler})")


@pytest.mark.slow
def test_logistic_regularized_horseshoe_matches_the_polya_gamma_reference():
    """Non-centred NUTS (target_accept 0.95) against the Pólya-Gamma slice-within-Gibbs chain."""
    d = load_dataset("binary_synthetic")
    X, yb = d.X.to_numpy(dtype=float), d.y.to_numpy(dtype=float)
    n, p = X.shape
    mu = yb.mean()
    prior = br.RegularizedHorseshoe(br.horseshoe_scale_global(3, p, n, noise_sigma=1 / np.sqrt(mu * (1 - mu))))
    est = _nuts(X, yb, prior, seed=7, likelihood="logistic", target_accept=0.95, draws=NUTS_DRAWS, tune=NUTS_DRAWS)
    g = gibbs_regularized_horseshoe(X, yb, scale_global=prior.scale_global, likelihood="logistic", draws=REF_DRAWS,
                                    burn=300, seed=8, chains=CHAINS)
    _check_against(est, g, "logistic regularized horseshoe")
    c_nuts, c_ref = est.idata_.posterior["intercept"].values, g["intercept"].reshape(CHAINS, -1)
    assert abs(c_nuts.mean() - c_ref.mean()) < K * np.hypot(ref.mcse_mean(c_nuts), ref.mcse_mean(c_ref))


# ------------------------------------------------------------------------------------------- SBC
SBC_REPS = 40
SBC_PRIORS = {
    "horseshoe": br.Horseshoe(0.5),
    "horseshoe_plus": br.HorseshoePlus(0.5),
    "regularized_horseshoe": br.RegularizedHorseshoe(0.5, scale_slab=2.0),
    "r2d2": br.R2D2(mean_r2=0.5, prec_r2=2.0, cons_d2=0.5),
}


def _sbc_ranks(prior, *, reps, simulate=None, n=10, p=3, tune=100, draws=150, thin=3, seed=0):
    """Ranks of the true coefficients and log tau among thinned NUTS draws, one NUTS run per replicate.

    The model (coefficients integrated out, sigma = 1 fixed, no intercept) is compiled once; each
    replicate draws the scales and coefficients from the prior (``prior.sample_scales``, NumPy), y from
    the likelihood, sets the model's data and runs PyMC's NUTS step (re-tuned each time) from the
    model's initial point; the coefficients are then drawn exactly given the scales. ``simulate``: a
    different prior to simulate from (to show that the check fails).
    """
    import pymc as pm

    from bayesreg.model.build import build_model
    from bayesreg.model.data import RegressionData
    from bayesreg.model.likelihoods import get_likelihood

    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    lik = get_likelihood("gaussian", 1.0)
    built = build_model(RegressionData.from_xy(X, rng.standard_normal(n), fit_intercept=False), prior, lik,
                        parameterization="marginal")
    model = built.model
    with model, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        step = pm.NUTS(target_accept=0.9, random_seed=seed)
        scales_of = model.compile_fn([model["coef_scale"], model["tau"]], inputs=model.value_vars,
                                     on_unused_input="ignore")
    start = model.initial_point()
    ranks = np.empty((reps, p + 1), dtype=int)
    for r in range(reps):
        truth = (simulate or prior).sample_scales(p, 1, rng, sigma=1.0)
        beta = truth["coef_scale"][0] * rng.standard_normal(p)
        y = X @ beta + rng.standard_normal(n)
        data = RegressionData.from_xy(X, y, fit_intercept=False)
        marginal = type(built.marginal).from_data(data, built.marginal.keep, built.marginal.flat,
                                                  form=built.marginal.form)
        with model:
            pm.set_data({f"marginal_{k}": v for k, v in marginal.target_statistics().items()})
        step.reset_tuning()
        step.tune = True
        point = dict(start)
        kept = []
        for i in range(tune + draws):
            if i == tune:
                step.stop_tuning()
            point, _ = step.step(point)
            if i >= tune and (i - tune) % thin == 0:
                kept.append(scales_of(point))
        scale = np.array([k[0] for k in kept])
        coef, _ = marginal.draw(scale, np.ones(len(kept)), rng)
        tau = np.array([k[1] for k in kept])
        ranks[r, :p] = (coef < beta).sum(axis=0)
        ranks[r, p] = int((np.log(tau) < np.log(truth["tau"][0])).sum())
    return ranks, draws // thin


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(SBC_PRIORS))
def test_simulation_based_calibration(name):
    """Uniform ranks (chi-square over 5 bins, p > 0.001) of each coefficient and of log tau.

    SBC_REPS replicates of 50 thinned draws keep the four priors within the test-time budget: this
    catches gross miscalibration (see test_sbc_can_fail); the NUTS-vs-reference tests are the precise check.
    """
    ranks, L = _sbc_ranks(SBC_PRIORS[name], reps=SBC_REPS, seed=sorted(SBC_PRIORS).index(name))
    for j in range(ranks.shape[1]):
        counts = np.bincount(ranks[:, j] * 5 // (L + 1), minlength=5)
        assert stats.chisquare(counts).pvalue > 1e-3, (name, j, counts)


@pytest.mark.slow
def test_sbc_can_fail():
    """The same harness flags a wrong model: data simulated with a 10x wider global scale than the fitted one."""
    ranks, L = _sbc_ranks(br.Horseshoe(0.5), simulate=br.Horseshoe(5.0), reps=20, seed=11)
    counts = np.bincount(ranks[:, -1] * 5 // (L + 1), minlength=5)  # log tau: the truth sits above the draws
    assert stats.chisquare(counts).pvalue < 1e-3, counts
