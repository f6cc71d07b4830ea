"""The seed articles' gradient-descent loops against the certified MAP (``bayesreg.reference.training``).

* Seed 000's subgradient step ``w ← w − η(∇f + λ·sign(w))``: the MAP-zero coordinates hover around
  0, each step jumping by η(λ ± |∂f|) ≈ ηλ, and never become exactly 0.
* ISTA / FISTA (soft-thresholding): the certified MAP of ``find_map`` to 1e-9, with its exact zeros;
  FISTA reaches a small objective gap in far fewer iterations (on these ill-conditioned data, condition
  number ~5e4, plain FISTA without restarts is not faster at the last digits of the coefficients).
* SGD with weight decay: Polyak-averaged iterates of independent replicates within 4 Monte Carlo
  standard errors of the L2 MAP (Gaussian: constant step; logistic: decaying step), and many
  standard errors away from the MAP of the wrong prior (the check can fail).
"""

from __future__ import annotations

import numpy as np
import pytest

import bayesreg as br
from bayesreg.datasets import load_dataset
from bayesreg.reference.penalized import reference_solve
from bayesreg.reference.training import fista, ista, sgd_l2, smooth_part, soft_threshold, subgradient_descent

B, SIGMA = 80.0, 54.0   # the Laplace scale and noise sd of notebook 03 (three exact zeros)


@pytest.fixture(scope="module")
def lasso_problem():
    d = load_dataset("diabetes_std")
    X, y = d.X.to_numpy(), d.y.to_numpy()
    fit = br.BayesianRegression(prior=br.Laplace(B), noise_sigma=SIGMA).fit(X, y)
    assert fit.certificate_.passed and np.sum(fit.coef_ == 0) == 3
    return X, y, fit, smooth_part(X, y, "gaussian", SIGMA)


def test_subgradient_descent_hovers_and_never_hits_zero(lasso_problem):
    X, y, fit, smooth = lasso_problem
    lam, eta = 1.0 / B, 1.0 / smooth.lipschitz
    tr = subgradient_descent(smooth, lam, step=eta, n_iter=30_000)
    zero = fit.coef_ == 0
    tail = tr.history[-1000:, :-1]
    g = smooth.grad(np.append(fit.coef_, fit.intercept_))[:-1]     # |g_j| < λ on the zeros (KKT)
    assert np.all(np.abs(g[zero]) < lam)
    assert np.all(tr.history[1:, :-1][:, zero] != 0)                 # never exactly zero
    # each step jumps by η(λ ± |g_j|) (g_j moves a little with the other coordinates' zig-zag: 5% slack)
    jumps = np.abs(np.diff(tail[:, zero], axis=0))
    slack = 0.05 * eta * lam
    lo, hi = eta * (lam - np.abs(g[zero])) - slack, eta * (lam + np.abs(g[zero])) + slack
    assert np.all(jumps >= lo) and np.all(jumps <= hi)
    assert np.all(np.abs(tail[:, zero]) <= hi)                        # hovering within η(λ + |g_j|) of 0
    assert 0.5 < jumps.mean() / (eta * lam) < 1.5
    flips = np.sum(np.diff(np.sign(tail[:, zero]), axis=0) != 0, axis=0)
    assert np.all(flips > 100)                                        # it keeps crossing 0
    # the non-zero coefficients are only O(ηλ)-close to the MAP
    assert np.max(np.abs(tr.coef - fit.coef_)) < 10 * eta * lam


@pytest.mark.parametrize(("algorithm", "n_iter"), [(ista, 40_000), (fista, 30_000)])
def test_ista_and_fista_reach_the_certified_map_with_its_zeros(lasso_problem, algorithm, n_iter):
    X, y, fit, smooth = lasso_problem
    tr = algorithm(smooth, 1.0 / B, n_iter=n_iter, record=100)
    assert np.max(np.abs(tr.coef - fit.coef_)) <= 1e-9 * np.max(np.abs(fit.coef_))
    assert np.array_equal(tr.coef == 0, fit.coef_ == 0)              # exact zeros, the same ones
    ref = reference_solve(X, y, np.full(X.shape[1], 1.0 / B), np.zeros(X.shape[1]), noise_sigma=SIGMA)
    assert np.max(np.abs(tr.coef - ref.coef)) <= 1e-9 * np.max(np.abs(ref.coef))


def test_fista_is_faster_than_ista(lasso_problem):
    X, y, fit, smooth = lasso_problem
    F_star = min(ista(smooth, 1 / B, n_iter=40_000, record=40_000).objective[-1],
                 fista(smooth, 1 / B, n_iter=4_000, record=4_000).objective[-1])

    def iterations_to(tr, gap):
        return 10 * int(np.argmax(tr.objective - F_star <= gap * abs(F_star)))

    gap = 1e-10
    k_ista = iterations_to(ista(smooth, 1 / B, n_iter=40_000, record=10), gap)
    k_fista = iterations_to(fista(smooth, 1 / B, n_iter=4_000, record=10), gap)
    assert 0 < k_fista < k_ista / 4, (k_fista, k_ista)


def test_soft_threshold():
    v = np.array([-3.0, -0.5, 0.0, 0.5, 3.0])
    out = soft_threshold(v, 1.0)
    np.testing.assert_array_equal(out, [-2.0, 0.0, 0.0, 0.0, 2.0])
    assert not np.any(np.signbit(out[1:4]))                           # +0.0, not -0.0


def _gaussian_problem():
    rng = np.random.default_rng(5)
    X = rng.normal(size=(200, 5)) + np.array([1.0, 0.0, -0.5, 0.0, 0.5])
    return X, 0.5 + X @ np.array([1.0, -1.0, 0.5, 0.0, 2.0]) + rng.normal(size=200)


def test_sgd_with_weight_decay_polyak_average_is_the_l2_map():
    X, y = _gaussian_problem()
    n = len(y)
    wd = 0.05
    # an L2 penalty λΣw² on the mean loss is the same update with wd = 2λ: the "mean" convention's prior
    assert float(br.penalty_to_weights("mean", lam=wd / 2, penalty="l2", n=n).l2) == pytest.approx(
        float(br.penalty_to_weights("weight_decay", wd=wd, n=n).l2), rel=1e-14)
    res = sgd_l2(X, y, wd=wd, lr=0.02, n_steps=20_000, batch_size=8, replicates=16, seed=1)
    fit = br.BayesianRegression(prior=br.penalty_to_prior("weight_decay", wd=wd, n=n), noise_sigma=1.0).fit(X, y)
    z = (res.mean - np.append(fit.coef_, fit.intercept_)) / res.stderr
    assert np.all(np.abs(z) < 4.0), z
    assert res.stderr.max() < 2e-3
    # the last iterates of constant-step SGD scatter around the MAP: it is the average that converges
    assert np.max(np.std(res.last, axis=0)) > 5 * res.stderr.max()
    # the check can fail: the prior without the factor n / 2 is far away
    wrong = br.BayesianRegression(prior=br.Gaussian(1 / np.sqrt(2 * wd)), noise_sigma=1.0).fit(X, y)
    assert np.max(np.abs((res.mean[:-1] - wrong.coef_) / res.stderr[:-1])) > 20


@pytest.mark.slow
def test_sgd_logistic_decaying_step_reaches_the_l2_map():
    d = load_dataset("binary_synthetic")
    X, y = d.X.to_numpy(), d.y.to_numpy().astype(float)
    wd = 0.01
    res = sgd_l2(X, y, wd=wd, likelihood="logistic", lr=0.05, decay=0.75, decay_steps=1000,
                 n_steps=40_000, batch_size=16, replicates=16, seed=0)
    fit = br.BayesianRegression(prior=br.penalty_to_prior("weight_decay", wd=wd, n=len(y)),
                                likelihood="logistic").fit(X, y)
    target = np.append(fit.coef_, fit.intercept_)
    assert np.all(np.abs((res.mean - target) / res.stderr) < 4.5)
    # with a decaying step the last iterate converges too (no averaging needed, noisier): the mean of
    # the replicates' last iterates is within 4.5 of its standard errors, each last iterate within ~0.01
    se_last = res.last.std(axis=0, ddof=1) / np.sqrt(res.last.shape[0])
    assert np.all(np.abs(res.last.mean(axis=0) - target) < 4.5 * se_last)
    assert np.all(se_last > res.stderr)                                 # averaging is the better estimate
