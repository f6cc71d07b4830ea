"""Dropout on the inputs as a prior (``dropout`` convention, ``DropoutBayes``).

References
----------
* The expected dropout loss computed by **enumerating every mask** (per row, and jointly over all
  n·p inputs on tiny problems) in :mod:`bayesreg.reference.dropout`, which never uses the penalty
  formula; its exact minimiser (expanded weighted least squares / Newton) against the MAP of the
  mapped prior (``find_map``).
* Dropout **training**: an independent NumPy minibatch-SGD trainer with fresh masks every step and
  Polyak averaging, in independent replicates; its average must sit within 4 Monte Carlo standard
  errors of the MAP, and (the check can fail) many standard errors away from the MAP of the wrong
  prior (centred column norms; the ``(1 - p)`` factor without ``/p``).
* Logistic: Wager, Wang & Liang's quadratic approximation against the exact dropout optimum
  (enumeration) and against Monte Carlo dropout training; its error is measured, not assumed.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from sklearn.utils.estimator_checks import parametrize_with_checks

import bayesreg as br
from bayesreg.conventions import penalty_to_prior, penalty_to_weights, prior_to_penalty
from bayesreg.conventions.dropout import dropout_trained_coef
from bayesreg.datasets import load_dataset
from bayesreg.inference.map import find_map
from bayesreg.model.data import RegressionData
from bayesreg.model.likelihoods import GaussianLikelihood
from bayesreg.reference.dropout import (
    all_masks,
    dropout_optimum,
    dropout_sgd,
    expected_dropout_loss,
    mask_probabilities,
)


def _synthetic(n: int = 200, p: int = 5, seed: int = 1):
    """Columns with non-zero means (centring matters), a true intercept, unit noise."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, p)) + np.array([1.0, 0.0, -0.5, 2.0, 0.0, 1.5, -1.0][:p])
    w = np.array([1.0, -2.0, 0.0, 0.5, 1.5, -0.7, 0.3][:p])
    return X, 0.3 + X @ w + rng.normal(size=n)


def _map(X, y, prior, sigma=1.0, sample_weight=None):
    fit = find_map(RegressionData.from_xy(X, y, sample_weight=sample_weight), prior, GaussianLikelihood(sigma))
    assert fit.certificate.passed
    return fit


def _rel(a, b):
    return float(np.max(np.abs(np.asarray(a) - np.asarray(b))) / np.max(np.abs(b)))


# --------------------------------------------------------------------------- the formula


@pytest.mark.parametrize("keep", [0.5, 0.8, 0.95])
@pytest.mark.parametrize("sigma", [1.0, 3.0])
def test_formula_prior_variance(keep, sigma):
    X, _ = _synthetic()
    s = np.sum(X**2, axis=0)                                   # uncentred
    prior = penalty_to_prior("dropout", keep_prob=keep, X=X, noise_sigma=sigma)
    np.testing.assert_allclose(np.asarray(prior.sigma) ** 2, sigma**2 * keep / ((1 - keep) * s), rtol=1e-13)
    w = penalty_to_weights("dropout", rate=1 - keep, X=X, noise_sigma=sigma)   # rate = 1 - keep_prob
    np.testing.assert_allclose(w.l2, (1 - keep) * s / (2 * keep * sigma**2), rtol=1e-13)
    assert np.all(w.l1 == 0)
    # standard scaling: the same prior on the deployed weights
    std = penalty_to_weights("dropout", keep_prob=keep, scaling="standard", X=X, noise_sigma=sigma)
    np.testing.assert_array_equal(std.l2, penalty_to_weights("dropout", keep_prob=keep, X=X,
                                                             noise_sigma=sigma).l2)


def test_observation_weights_weight_the_column_sums():
    X, _ = _synthetic(n=30)
    v = np.arange(1.0, 31.0) % 4
    w = penalty_to_weights("dropout", keep_prob=0.7, X=X, weights=v)
    np.testing.assert_allclose(w.l2, 0.3 / 1.4 * (v @ X**2), rtol=1e-13)


def test_keep_prob_one_is_no_penalty():
    X, _ = _synthetic(n=20)
    assert np.all(penalty_to_weights("dropout", keep_prob=1.0, X=X).l2 == 0)
    with pytest.raises(ValueError, match="penalty is zero for every feature"):
        penalty_to_prior("dropout", keep_prob=1.0, X=X)
    with pytest.raises(ValueError, match="keep_prob=1 .* drops nothing"):
        br.DropoutBayes(keep_prob=1.0).fit(X, np.ones(20))


def test_inverse_needs_the_data_and_a_proportional_prior():
    X, _ = _synthetic()
    prior = penalty_to_prior("dropout", keep_prob=0.8, X=X, noise_sigma=2.0)
    assert prior_to_penalty(prior, "dropout", X=X, noise_sigma=2.0) == pytest.approx({"keep_prob": 0.8})
    assert prior_to_penalty(prior, "dropout", X=X, noise_sigma=2.0, scaling="standard")["scaling"] == "standard"
    with pytest.raises(ValueError, match="inverse of 'dropout' needs the data.*per-feature"):
        prior_to_penalty(br.Gaussian(1.0), "dropout")
    with pytest.raises(ValueError, match="not proportional to the columns' sums of squares"):
        prior_to_penalty(br.Gaussian(tuple(np.linspace(1, 2, X.shape[1]))), "dropout", X=X)
    with pytest.raises(ValueError, match="Gaussian \\(L2\\) prior; this prior has an L1 part"):
        prior_to_penalty(br.Laplace(1.0), "dropout", X=X)


def test_trained_coefficients_of_standard_dropout():
    w = np.array([1.0, -2.0])
    np.testing.assert_allclose(dropout_trained_coef(w, keep_prob=0.8, scaling="standard"), w / 0.8)
    np.testing.assert_array_equal(dropout_trained_coef(w, rate=0.2), w)


# --------------------------------------------------------------------------- enumeration


@pytest.mark.parametrize("scaling", ["inverted", "standard"])
def test_expected_loss_by_enumeration_is_loss_plus_penalty(scaling):
    """E over all masks of (1/2)||y - c - X~w||^2 = (1/2)||y - c - a p X w||^2 + (1/2) a^2 p(1-p) sum_j s_j w_j^2."""
    rng = np.random.default_rng(7)
    keep = 0.7
    a = 1 / keep if scaling == "inverted" else 1.0
    for n, p, joint in [(3, 2, True), (4, 3, True), (50, 6, False)]:
        X, y = rng.normal(size=(n, p)) + 0.5, rng.normal(size=n)
        w, c = rng.normal(size=p), 0.4
        got = expected_dropout_loss(X, y, w, c, keep_prob=keep, scaling=scaling, joint=joint)
        s = np.sum(X**2, axis=0)
        closed = 0.5 * np.sum((y - c - a * keep * X @ w) ** 2) + 0.5 * a**2 * keep * (1 - keep) * s @ w**2
        assert got == pytest.approx(closed, rel=1e-12)
        if joint:  # the per-row enumeration equals the joint one
            assert expected_dropout_loss(X, y, w, c, keep_prob=keep, scaling=scaling) == pytest.approx(got, rel=1e-12)
    assert mask_probabilities(all_masks(3), 0.7).sum() == pytest.approx(1.0, rel=1e-15)


@pytest.mark.parametrize("keep", [0.3, 0.8, 0.95])
def test_enumerated_dropout_optimum_is_the_map(keep):
    X, y = _synthetic()
    w_opt, c_opt = dropout_optimum(X, y, keep_prob=keep)
    for sigma in (1.0, 2.5):  # the MAP does not depend on sigma_n once the prior is mapped with it
        fit = _map(X, y, penalty_to_prior("dropout", keep_prob=keep, X=X, noise_sigma=sigma), sigma)
        assert _rel(fit.coef, w_opt) < 1e-10
        assert fit.intercept == pytest.approx(c_opt, rel=1e-10)
    # standard dropout trains u = w / p; the deployed weights p u are the same MAP
    u, c_std = dropout_optimum(X, y, keep_prob=keep, scaling="standard")
    assert _rel(keep * u, w_opt) < 1e-10 and c_std == pytest.approx(c_opt, rel=1e-10)
    est = br.DropoutBayes(keep_prob=keep, scaling="standard").fit(X, y)
    assert _rel(est.trained_coef_, u) < 1e-10 and _rel(est.coef_, w_opt) < 1e-10


def test_observation_weights_are_repeated_rows():
    X, y = _synthetic(n=40)
    v = (np.arange(40) % 3).astype(float)
    rows = np.repeat(np.arange(40), v.astype(int))
    w_opt, c_opt = dropout_optimum(X[rows], y[rows], keep_prob=0.6)
    est = br.DropoutBayes(rate=0.4).fit(X, y, sample_weight=v)
    assert _rel(est.coef_, w_opt) < 1e-10 and est.intercept_ == pytest.approx(c_opt, rel=1e-10)


def test_centring_changes_the_prior():
    """s_j is the uncentred sum of squares of the columns dropout sees; centring gives another prior."""
    X, y = _synthetic()
    Xc = X - X.mean(axis=0)
    keep = 0.7
    s, sc = np.sum(X**2, axis=0), np.sum(Xc**2, axis=0)
    assert np.all(sc < s)                                     # centring shrinks s_j: a wider prior
    w_raw, _ = dropout_optimum(X, y, keep_prob=keep)
    w_cen, _ = dropout_optimum(Xc, y, keep_prob=keep)
    prior_raw = penalty_to_prior("dropout", keep_prob=keep, X=X)
    prior_cen = penalty_to_prior("dropout", keep_prob=keep, X=Xc)
    assert _rel(_map(X, y, prior_raw).coef, w_raw) < 1e-10
    assert _rel(_map(Xc, y, prior_cen).coef, w_cen) < 1e-10    # dropout on centred inputs: its own prior
    # the wrong (centred) s_j on the uncentred problem misses dropout's optimum by far
    assert _rel(_map(X, y, prior_cen).coef, w_raw) > 0.05
    assert _rel(w_cen, w_raw) > 0.05                           # and the two dropout fits differ


# --------------------------------------------------------------------------- dropout training (Monte Carlo)


def test_dropout_sgd_converges_to_the_map_within_its_monte_carlo_error():
    X, y = _synthetic()
    keep = 0.7
    res = dropout_sgd(X, y, keep_prob=keep, lr=0.01, n_steps=20_000, batch_size=16, replicates=16, seed=0)
    fit = _map(X, y, penalty_to_prior("dropout", keep_prob=keep, X=X))
    target = np.append(fit.coef, fit.intercept)
    z = (res.mean - target) / res.stderr
    assert np.all(np.abs(z) < 4.0), z
    assert np.max(res.stderr) < 2e-3                           # the check is sharp: MC error ~ 1e-3
    # ... and it can fail: the MAP of a wrong prior is many standard errors away
    wrong_centred = _map(X, y, penalty_to_prior("dropout", keep_prob=keep, X=X - X.mean(axis=0))).coef
    wrong_factor = _map(X, y, br.Gaussian(tuple(1.0 / np.sqrt((1 - keep) * np.sum(X**2, axis=0))))).coef
    for wrong in (wrong_centred, wrong_factor):
        assert np.max(np.abs((res.mean[:-1] - wrong) / res.stderr[:-1])) > 20


@pytest.mark.slow
def test_dropout_sgd_standard_scaling_trains_w_over_p():
    X, y = _synthetic()
    keep = 0.6
    res = dropout_sgd(X, y, keep_prob=keep, scaling="standard", lr=0.01, n_steps=20_000, replicates=16, seed=2)
    est = br.DropoutBayes(keep_prob=keep, scaling="standard").fit(X, y)
    z = (res.mean - np.append(est.trained_coef_, est.intercept_)) / res.stderr
    assert np.all(np.abs(z) < 4.0), z


# --------------------------------------------------------------------------- logistic: approximate


@pytest.fixture(scope="module")
def binary():
    d = load_dataset("binary_synthetic")
    return d.X.to_numpy(), d.y.to_numpy().astype(float)


def test_wager_prior_is_self_consistent_and_certified(binary):
    X, y = binary
    est = br.DropoutBayes(keep_prob=0.8, family="binomial").fit(X, y)
    assert est.certificate_.passed and 1 < est.n_fixed_point_iter_ < 60
    # the prior evaluated at the fit reproduces the fit (fixed point)
    again = penalty_to_prior("dropout", keep_prob=0.8, family="binomial", X=X, coef=est.coef_,
                             intercept=est.intercept_)
    np.testing.assert_allclose(np.asarray(again.sigma), np.asarray(est.prior_.sigma), rtol=1e-8)
    pi = 1 / (1 + np.exp(-(est.intercept_ + X @ est.coef_)))
    np.testing.assert_allclose(np.asarray(est.prior_.sigma) ** -2, (0.2 / 0.8) * ((pi * (1 - pi)) @ X**2),
                               rtol=1e-7)
    with pytest.raises(ValueError, match="pass coef .*DropoutBayes"):
        penalty_to_prior("dropout", keep_prob=0.8, family="binomial", X=X)


@pytest.mark.slow
def test_wager_approximation_error_against_exact_and_monte_carlo_dropout(binary):
    """Measured (binary_synthetic, keep_prob 0.8): the approximation is off by ~12% relative;
    Monte Carlo dropout training agrees with the exact (enumerated) optimum within its MC error."""
    X, y = binary
    keep = 0.8
    w_ex, c_ex = dropout_optimum(X, y, keep_prob=keep, likelihood="logistic")
    exact = np.append(w_ex, c_ex)
    mc = dropout_sgd(X, y, keep_prob=keep, likelihood="logistic", lr=0.05, decay=0.75, decay_steps=1000,
                     n_steps=40_000, batch_size=16, replicates=16, seed=0)
    assert np.all(np.abs((mc.mean - exact) / mc.stderr) < 4.5)    # the trainer is right
    errors = {}
    for k in (0.95, 0.9, keep):
        est = br.DropoutBayes(keep_prob=k, family="binomial").fit(X, y)
        w_k, c_k = dropout_optimum(X, y, keep_prob=k, likelihood="logistic")
        errors[k] = _rel(np.append(est.coef_, est.intercept_), np.append(w_k, c_k))
    wager = br.DropoutBayes(keep_prob=keep, family="binomial").fit(X, y)
    approx = np.append(wager.coef_, wager.intercept_)
    # deterministic (exact enumeration, fixed point to 1e-10): the measured errors of the approximation
    assert errors == pytest.approx({0.95: 0.04433, 0.9: 0.07725, 0.8: 0.12546}, rel=1e-3)
    big = np.abs(exact[:-1]) > 0.2                             # the approximation error is resolved by MC
    assert np.min(np.abs(approx - mc.mean)[:-1][big] / mc.stderr[:-1][big]) > 10
    assert errors[0.95] < errors[0.9] < errors[keep]           # second order: better as keep_prob -> 1
    assert np.all(np.abs(approx[:-1]) <= np.abs(exact[:-1]) + 1e-12)   # it over-shrinks on these data


# --------------------------------------------------------------------------- the estimator contract


@parametrize_with_checks([br.DropoutBayes(), br.DropoutBayes(rate=0.3, family="binomial")])
def test_dropout_bayes_is_a_scikit_learn_estimator(estimator, check):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        check(estimator)


def test_dropout_bayes_default_is_torch_default_rate():
    X, y = _synthetic(n=50)
    np.testing.assert_array_equal(br.DropoutBayes().fit(X, y).coef_, br.DropoutBayes(rate=0.5).fit(X, y).coef_)


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(("params", "match"), [
    ({"keep_prob": 0.0}, r"'keep_prob' parameter of dropout must be in \(0, 1\]"),
    ({"keep_prob": 1.5}, r"'keep_prob' parameter of dropout must be in \(0, 1\]"),
    ({"keep_prob": -0.1}, r"'keep_prob' parameter of dropout must be in \(0, 1\]"),
    ({"rate": 1.0}, r"'rate' parameter of dropout must be in \[0, 1\)"),
    ({"keep_prob": float("nan")}, r"'keep_prob' parameter of dropout must be in"),
    ({"keep_prob": 0.5, "scaling": "reverse"},
     r"'scaling' parameter of 'dropout' must be one of 'inverted', 'standard'"),
    ({"keep_prob": 0.5, "family": "poisson"},
     r"'family' parameter of 'dropout' must be one of 'gaussian', 'binomial'"),
])
def test_bad_dropout_parameters(params, match):
    X, _ = _synthetic(n=10)
    with pytest.raises(ValueError, match=match):
        penalty_to_prior("dropout", X=X, **params)


def test_dropout_needs_exactly_one_rate_and_the_data():
    X, _ = _synthetic(n=10)
    with pytest.raises(TypeError, match="exactly one of keep_prob .* or rate"):
        penalty_to_prior("dropout", X=X)
    with pytest.raises(TypeError, match="exactly one of keep_prob"):
        penalty_to_prior("dropout", X=X, keep_prob=0.5, rate=0.5)
    with pytest.raises(TypeError, match="'keep_prob' parameter of dropout must be a real number"):
        penalty_to_prior("dropout", X=X, keep_prob="0.5")
    with pytest.raises(ValueError, match=r"'dropout' needs X for its per-feature prior scales s_j .*pass X="):
        penalty_to_prior("dropout", keep_prob=0.8, n=100)
    with pytest.raises(ValueError, match="coef is used only with family='binomial'"):
        penalty_to_prior("dropout", keep_prob=0.8, X=X, coef=np.zeros(X.shape[1]))
