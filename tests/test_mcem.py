"""Park & Casella's Monte Carlo EM: the Gibbs engine vs the reference sampler, lambda = 0.237 on the
diabetes data, and the EM fixed point checked by NUTS (tolerances: 4 Monte Carlo standard errors)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from scipy import stats

import bayesreg as br
from bayesreg.datasets import load_dataset
from bayesreg.inference import ConvergenceWarning
from bayesreg.inference.mcem import LassoGibbs, fixed_point_map
from bayesreg.reference.gibbs_linear import gibbs_bayesian_lasso
from bayesreg.reference.mcse import mcse_mean

K = 4.0  # tolerance in Monte Carlo standard errors
PC_LAMBDA = 0.237  # Park & Casella (2008), diabetes, marginal maximum likelihood (3 decimals: +- 0.0005)


@pytest.fixture(scope="module")
def diabetes():
    d = load_dataset("diabetes_std")
    return d.X.to_numpy(), d.y.to_numpy()


def _engine(X, y, chains, seed):
    Xc, yc = X - X.mean(0), y - y.mean()
    return LassoGibbs(Xc.T @ Xc, Xc.T @ yc, float(yc @ yc), len(y) - 1.0, chains=chains,
                      rng=np.random.default_rng(seed))


def _tau2_sums(beta, sigma, lam):
    return np.sum(np.abs(beta), axis=-1) / (lam * sigma) + beta.shape[-1] / lam**2


def test_gibbs_engine_matches_the_reference_sampler(diabetes):
    """At fixed lambda: E[sigma], E[beta_bmi] and the Rao-Blackwellised E[sum tau^2] within 4 MCSE."""
    X, y = diabetes
    lam = np.full(4, PC_LAMBDA)
    eng = _engine(X, y, chains=4, seed=1)
    for _ in range(200):
        eng.sweep(lam)
    sums, sig, _ = eng.e_step(lam, 1500)
    ref = gibbs_bayesian_lasso(X, y, lam=PC_LAMBDA, draws=3000, burn=300, seed=2, chains=2)
    ref_sig = ref["sigma"].reshape(2, -1)
    ref_sums = _tau2_sums(ref["beta"], ref["sigma"], PC_LAMBDA).reshape(2, -1)
    for mine, theirs in ((sig, ref_sig), (sums, ref_sums)):
        assert abs(mine.mean() - theirs.mean()) < K * np.hypot(mcse_mean(mine), mcse_mean(theirs))


def test_mcem_is_reproducible_and_certified_on_a_small_problem():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 4))
    y = X @ np.array([2.0, 0.0, -1.0, 0.0]) + rng.normal(size=60)
    a = br.empirical_bayes(X, y, prior="bayesian_lasso", random_seed=3, n_iter=20, draws=60, burn=50)
    b = br.empirical_bayes(X, y, prior="bayesian_lasso", random_seed=3, n_iter=20, draws=60, burn=50)
    assert a.lam == b.lam and a.lam_mcse == b.lam_mcse
    assert a.certificate.passed, str(a.certificate)
    assert a.trace.shape == (4, 21) and a.lam_mcse > 0
    assert isinstance(a.prior, br.BayesianLasso) and a.prior.lam == a.lam
    # the penalty of the chosen prior: Laplace(b = sigma/lam) => sklearn.Lasso alpha = sigma * lam / n
    assert a.to_penalty("sklearn.Lasso")["alpha"] == pytest.approx(a.noise_sigma * a.lam / 60, rel=1e-12)


def test_the_fixed_point_check_can_fail(diabetes):
    """The EM map at a lambda 20% off the fixed point moves it by far more than its Monte Carlo error."""
    X, y = diabetes
    lam = np.full(4, 1.2 * PC_LAMBDA)
    eng = _engine(X, y, chains=4, seed=5)
    for _ in range(100):
        eng.sweep(lam)
    sums, _, _ = eng.e_step(lam, 300)
    t = fixed_point_map(X.shape[1], sums.mean())
    t_mcse = t / (2 * sums.mean()) * mcse_mean(sums)
    assert abs(t - lam[0]) > 20 * t_mcse  # about 38 MCSE


def test_bad_input():
    X = np.random.default_rng(0).normal(size=(10, 3))
    y = X[:, 0] + 1.0
    with pytest.raises(ValueError, match="'chains' parameter of empirical_bayes must be an integer >= 2"):
        br.empirical_bayes(X, y, prior="bayesian_lasso", chains=1)
    with pytest.raises(ValueError, match="'random_seed' parameter of empirical_bayes"):
        br.empirical_bayes(X, y, prior="bayesian_lasso", random_seed=-1)


@pytest.fixture(scope="module")
def park_casella(diabetes):
    X, y = diabetes
    return br.empirical_bayes(X, y, prior="bayesian_lasso", random_seed=20260101)


@pytest.mark.slow
def test_mcem_agrees_with_the_hyperprior_posterior(diabetes, park_casella):
    """The marginal likelihood m(lambda) read off the posterior under a hyperprior: p(lambda | y) is
    Rao-Blackwellised over the reference Gibbs draws, p(lambda | beta, sigma) ∝ pi(lambda) lambda^p
    exp(-lambda sum|beta_j|/sigma) (normalised on a grid), and m ∝ p(lambda | y) / pi(lambda). Its argmax in
    each of 8 independent chains; their mean agrees with the MCEM lambda within 4 combined standard errors
    (+ the grid step)."""
    X, y = diabetes
    p, chains, draws, r, delta = X.shape[1], 8, 1500, 1.0, 0.01
    g = gibbs_bayesian_lasso(X, y, lam=None, r=r, delta=delta, draws=draws, burn=200, seed=3, chains=chains)
    a = (np.abs(g["beta"]).sum(axis=1) / g["sigma"]).reshape(chains, draws)
    grid = np.linspace(0.05, 0.8, 4001)
    log_prior = stats.gamma(r, scale=1 / delta).logpdf(grid**2) + np.log(2 * grid)  # density of lambda
    argmax = []
    for c in range(chains):
        L = log_prior[None, :] + p * np.log(grid)[None, :] - grid[None, :] * a[c][:, None]
        dens = np.exp(L - L.max(axis=1, keepdims=True))
        dens /= np.trapezoid(dens, grid, axis=1)[:, None]
        argmax.append(grid[np.argmax(np.log(dens.mean(axis=0)) - log_prior)])
    est, se = np.mean(argmax), np.std(argmax, ddof=1) / np.sqrt(chains)
    res = park_casella
    assert abs(est - res.lam) <= K * np.hypot(se, res.lam_mcse) + (grid[1] - grid[0]), (est, se, res.lam)


@pytest.mark.slow
def test_park_casella_lambda_on_diabetes_and_nuts_agrees(diabetes, park_casella):
    """lambda = 0.237 (Park & Casella) within 4 lam_mcse (+ their rounding); NUTS at lambda-hat gives the
    same EM update T(lambda-hat) = lambda-hat within 4 MCSE of the two combined."""
    X, y = diabetes
    res = park_casella
    assert res.certificate.passed, str(res.certificate)
    assert 0 < res.lam_mcse < 0.005
    assert abs(res.lam - PC_LAMBDA) <= K * res.lam_mcse + 0.0005
    est = br.BayesianRegression(prior=br.BayesianLasso(lam=res.lam), noise_sigma=None, method="nuts", draws=1000,
                                tune=1000, chains=2, random_seed=7, progressbar=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(X, y)
    post = est.idata_.posterior
    sums = _tau2_sums(post["coef"].values, post["sigma"].values, res.lam)
    t = fixed_point_map(X.shape[1], sums.mean())
    t_mcse = t / (2 * sums.mean()) * mcse_mean(sums)
    assert abs(t - res.lam) <= K * np.hypot(t_mcse, res.lam_mcse), (t, res.lam, t_mcse, res.lam_mcse)
