"""The multinomial (softmax) likelihood: MAP against scikit-learn's multinomial LogisticRegression,
its certificate (and that it fails on a perturbed point), the block Hessian, bad input.

References: scikit-learn ``LogisticRegression`` (K = 3 classes: multinomial; newton-cg at tol 1e-12
for L2, saga at tol 1e-12 for L1 and the elastic net), central finite differences of the NumPy
negative log-likelihood for the Hessian.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import bayesreg as br
from bayesreg.inference.map import certify_point, find_map
from bayesreg.model.data import RegressionData
from bayesreg.model.multinomial import Multinomial


@pytest.fixture(scope="module")
def wine():
    from sklearn.datasets import load_wine

    X, y = load_wine(return_X_y=True)
    return (X - X.mean(0)) / X.std(0), y


def _rel(a, b):
    return float(np.max(np.abs(np.asarray(a) - np.asarray(b))) / np.max(np.abs(np.asarray(b))))


def _sklearn(X, y, sw=None, **kw):
    from sklearn.linear_model import LogisticRegression

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # saga's ConvergenceWarning at tol 1e-12: checked by the comparison
        return LogisticRegression(tol=1e-12, max_iter=100_000, **kw).fit(X, y, sample_weight=sw)


@pytest.mark.parametrize("case", ["l2", "l1", "elasticnet", "l2_weighted"])
def test_map_equals_sklearn_multinomial(wine, case):
    """MAP = scikit-learn's multinomial fit to 1e-6 relative, identical exact zeros, certified."""
    X, y = wine
    C, sw = 0.5, None
    if case == "l2_weighted":
        sw = np.linspace(0.5, 2.0, len(y))
    if case.startswith("l2"):
        sk = _sklearn(X, y, sw, C=C, solver="newton-cg")
        prior = br.Gaussian(np.sqrt(C))  # (1/2)||W||^2 + C sum nll  <=>  ||W||^2 / (2C) + sum nll
    elif case == "l1":
        sk = _sklearn(X, y, C=C, l1_ratio=1.0, solver="saga")
        prior = br.Laplace(C)
    else:
        sk = _sklearn(X, y, C=C, l1_ratio=0.5, solver="saga")
        prior = br.ElasticNet(l1=0.5 / C, l2=0.25 / C)
    data = RegressionData.from_xy(X, y.astype(float), sample_weight=sw)
    res = find_map(data, prior, Multinomial())
    assert res.coef.shape == (3, X.shape[1]) and res.intercept.shape == (3,)
    assert res.certificate.passed, res.certificate
    assert res.certificate.coef_residuals.shape == (3, X.shape[1])
    assert _rel(res.coef, sk.coef_) < 1e-6
    assert np.max(np.abs(res.intercept - sk.intercept_)) < 1e-6 * np.max(np.abs(sk.coef_))
    assert abs(res.intercept.sum()) < 1e-12  # the intercepts sum to zero, as scikit-learn reports them
    np.testing.assert_array_equal(res.coef == 0, sk.coef_ == 0)
    if case != "l2" and case != "l2_weighted":
        assert np.sum(res.coef == 0) >= 5  # exact zeros


def test_certificate_fails_on_a_perturbed_point(wine):
    """The certificate can fail: the MAP passes, a point moved by 1e-4 in one weight or one
    intercept does not (the intercept residual covers all K intercepts)."""
    X, y = wine
    data = RegressionData.from_xy(X, y.astype(float))
    prior, lik = br.Gaussian(1.0), Multinomial()
    res = find_map(data, prior, lik)
    theta = np.concatenate([res.coef.ravel(), res.intercept])
    assert certify_point(data, prior, lik, theta).passed
    for j in (5, theta.size - 1):
        moved = theta.copy()
        moved[j] += 1e-4
        cert = certify_point(data, prior, lik, moved)
        assert not cert.passed and cert.relative_residual > 1e-8, cert


def test_nll_and_block_hessian_against_finite_differences():
    rng = np.random.default_rng(0)
    n, p, K = 30, 3, 4
    X = rng.standard_normal((n, p))
    y = np.repeat(np.arange(K), n // K + 1)[:n].astype(float)
    data = RegressionData.from_xy(X, y, sample_weight=rng.uniform(0.5, 2.0, n))
    lik = Multinomial().resolve(data)
    theta = 0.3 * rng.standard_normal(K * p + K)
    theta[K * p:] -= theta[K * p:].mean()

    def f(t):
        return lik.nll(data, t[:K * p].reshape(K, p), t[K * p:])

    # the NumPy nll against the textbook sum of -log softmax
    eta = X @ theta[:K * p].reshape(K, p).T + theta[K * p:]
    prob = np.exp(eta) / np.exp(eta).sum(1, keepdims=True)
    assert f(theta) == pytest.approx(-(data.weights * np.log(prob[np.arange(n), y.astype(int)])).sum(), rel=1e-13)
    H = lik.hessian_block(data, theta, np.arange(theta.size))
    h = 1e-4
    E = np.eye(theta.size) * h
    fd = np.array([[(f(theta + E[i] + E[j]) - f(theta + E[i] - E[j]) - f(theta - E[i] + E[j])
                     + f(theta - E[i] - E[j])) / (4 * h * h) for j in range(theta.size)] for i in range(theta.size)])
    fd[K * p:, K * p:] += 1.0  # the identifying term (1/2)(sum_k c_k)^2 of the MAP's curvature
    np.testing.assert_allclose(H, fd, atol=1e-6)
    ll = lik.pointwise_loglik(data, np.stack([eta, eta]))
    assert ll.shape == (2, n) and ll[0].sum() == pytest.approx(-f(theta), rel=1e-13)


@pytest.mark.parametrize("y, match", [
    ([0, 1, 2, 2, 1, 0, 2], "class 0 is seen|every class at least twice"),
    ([0, 1, 1, 0, 0, 1, 1], "at least 3 classes"),
    ([0, 1, 2, 2, 1, np.nan, 0], "'y' parameter"),
    ([0, 1, 2, 2, 1, 0.5, 0], "'y' parameter"),
])
def test_bad_class_codes(y, match):
    y = np.asarray(y, dtype=float)
    if np.count_nonzero(y == 0) == 2 and np.count_nonzero(y == 2) == 3:  # make class 0 a singleton
        y[0] = 2
    X = np.random.default_rng(0).standard_normal((y.size, 2))
    with pytest.raises(ValueError, match=match):
        Multinomial().check_y(y)
    if np.all(np.isfinite(y)):
        with pytest.raises(ValueError, match=match):
            find_map(RegressionData.from_xy(X, y), br.Gaussian(1.0), Multinomial())


def test_bad_parameters():
    with pytest.raises(ValueError, match="'n_classes' parameter of Multinomial"):
        Multinomial(n_classes=2)
    with pytest.raises(ValueError, match="'class_names' parameter"):
        Multinomial(n_classes=3, class_names=("a", "b"))


# ----------------------------------------------------------------------------- estimators
def test_logistic_bayes_with_three_labels_is_sklearn_multinomial(wine):
    """LogisticBayes picks the multinomial for K >= 3 labels (any label type), as scikit-learn does."""
    X, y = wine
    labels = np.array(["barolo", "grignolino", "barbera"], dtype=object)[y]
    sk = _sklearn(X, labels, C=0.5, solver="newton-cg")
    est = br.LogisticBayes(C=0.5).fit(X, labels)
    np.testing.assert_array_equal(est.classes_, sk.classes_)
    assert est.likelihood_.name == "multinomial" and est.certificate_.passed
    assert est.coef_.shape == (3, X.shape[1]) and est.intercept_.shape == (3,)
    assert _rel(est.coef_, sk.coef_) < 1e-6
    np.testing.assert_allclose(est.predict_proba(X), sk.predict_proba(X), atol=1e-8)
    np.testing.assert_allclose(est.decision_function(X), sk.decision_function(X), atol=1e-6)
    np.testing.assert_array_equal(est.predict(X), sk.predict(X))
    assert est.score(X, labels) == pytest.approx(sk.score(X, labels))
    est2 = br.BayesianRegression(likelihood="multinomial", prior=br.Laplace(0.5)).fit(X, labels)
    sk2 = _sklearn(X, labels, C=0.5, l1_ratio=1.0, solver="saga")
    assert _rel(est2.coef_, sk2.coef_) < 1e-6
    np.testing.assert_array_equal(est2.coef_ == 0, sk2.coef_ == 0)


def test_estimator_bad_input(wine):
    X, y = wine
    with pytest.raises(ValueError, match="at least 3 classes.*logistic"):
        br.BayesianRegression(likelihood="multinomial").fit(X[y < 2], y[y < 2])
    y_once = y.copy()
    y_once[0] = 3  # a fourth class seen once
    with pytest.raises(ValueError, match="'y' parameter.*class 3 is seen 1 time"):
        br.BayesianRegression(likelihood="multinomial").fit(X, y_once)
    y_nan = y.astype(float)
    y_nan[3] = np.nan
    with pytest.raises(ValueError, match="y"):
        br.LogisticBayes().fit(X, y_nan)
    sw = np.where(y == 2, 0.0, 1.0)
    with pytest.raises(ValueError, match="'sample_weight' parameter.*class 2"):
        br.LogisticBayes().fit(X, y, sample_weight=sw)
    separating = np.column_stack([y + 0.5 * np.random.default_rng(0).random(len(y)), X[:, 1]])
    with pytest.raises(br.NoPosteriorModeError, match="classes are separated.*feature.*'x0'.*multinomial"):
        br.BayesianRegression(likelihood="multinomial", prior=br.Unpenalized(br.Gaussian(1.0), [0])).fit(separating, y)
    twice = np.column_stack([X[:, 0], X[:, 0], X[:, 1]])
    with pytest.raises(br.NoPosteriorModeError, match="rank 2.*not identified"):
        br.BayesianRegression(likelihood="multinomial", prior=br.Unpenalized(br.Gaussian(1.0), [0, 1])).fit(twice, y)


def test_penalty_to_prior_is_per_entry():
    prior = br.penalty_to_prior("sklearn.LogisticRegression", C=0.5, l1_ratio=1.0)
    assert isinstance(prior, br.Laplace) and prior.b == pytest.approx(0.5)


def _nuts_against_importance_sampling(seed: int, prior, flat: list | None = None) -> tuple:
    """Three classes, n=150, p=2 simulated with ``seed``; a 200 000-draw Laplace importance-sampling
    reference (Gaussian(1) weights, ``flat`` columns on their sum-zero plane) and NUTS (2 x 1000 draws)
    with ``prior``: the NUTS means of all 6 weights and 3 intercepts within 4 MCSE of the reference.
    Returns ``(X, y, reference, reference sd, estimator, draws (chain, draw, 9))``."""
    from bayesreg.reference import laplace_importance_sampling, mcse_mean
    from bayesreg.reference.importance_multinomial import multinomial_log_posterior, multinomial_moments

    flat = flat or []
    rng = np.random.default_rng(seed)
    n, p, K = 150, 2, 3
    X = rng.standard_normal((n, p))
    W = np.array([[1.0, -0.5], [-0.5, 0.8], [-0.5, -0.3]])
    eta = X @ W.T + np.array([0.3, 0.0, -0.3])
    y = (rng.random((n, 1)) > np.cumsum(np.exp(eta) / np.exp(eta).sum(1, keepdims=True), axis=1)).sum(1)
    ref = laplace_importance_sampling(multinomial_log_posterior(X, y, 1.0, K, flat=flat),
                                      np.zeros(K * p - len(flat) + K - 1), n_draws=200_000, seed=2)
    assert ref.ess > 50_000
    mean, sd, mcse = multinomial_moments(ref, K, p, flat=flat)
    est = br.BayesianRegression(prior=prior, likelihood="multinomial", method="nuts", draws=1000, tune=700,
                                chains=2, random_seed=3, progressbar=False).fit(X, y)
    post = est.idata_.posterior
    draws = np.concatenate([post["coef"].values.reshape(2, 1000, -1), post["intercept"].values], axis=2)
    for j in range(K * p + K):
        d = draws[..., j]
        tol = 4.0 * np.hypot(mcse_mean(d), mcse[j])
        assert abs(d.mean() - mean[j]) < tol, (j, d.mean(), mean[j], tol)
    return X, y, ref, sd, est, draws


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::bayesreg.ConvergenceWarning")
def test_nuts_matches_importance_sampling():
    """Gaussian prior (sd 1) on every weight, flat sum-to-zero intercepts; n=150, p=2, K=3: NUTS means
    and variances of all 6 weights and 3 intercepts within 4 MCSE of a 200 000-draw Laplace
    importance-sampling reference (NumPy only, bayesreg.reference.importance_multinomial)."""
    from bayesreg.reference import mcse_mean

    X, y, ref, sd, est, draws = _nuts_against_importance_sampling(5, br.Gaussian(1.0))
    n, K = X.shape[0], 3
    post = est.idata_.posterior
    assert post["coef"].dims == ("chain", "draw", "class", "feature")
    assert post["intercept"].dims == ("chain", "draw", "class")
    np.testing.assert_allclose(post["intercept"].values.sum(axis=2), 0.0, atol=1e-10)
    for j in range(draws.shape[-1]):
        d = draws[..., j]
        d2 = (d - d.mean()) ** 2
        assert abs(d2.mean() - sd[j] ** 2) < 4.0 * np.hypot(mcse_mean(d2), 0.05 * sd[j] ** 2 / np.sqrt(ref.ess / 1000))
    ll = est.idata_.log_likelihood["y"].values
    assert ll.shape == (2, 1000, n) and np.all(ll <= 0)
    proba = est.predictive_draws(X[:4])
    assert proba.shape == (2000, 4, K)
    np.testing.assert_allclose(proba.sum(axis=2), 1.0)
    pp = est.sample_posterior_predictive(random_seed=1).posterior_predictive["y"].values
    assert pp.shape == (2, 1000, n) and set(np.unique(pp)) <= {0.0, 1.0, 2.0}


def test_cli_fit_prints_one_column_per_class(capsys):
    import json

    from bayesreg.cli import main

    assert main(["fit", "--data", "wine_std", "--convention", "sklearn.LogisticRegression", "--C", "0.5",
                 "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["class"] == ["0", "1", "2"] and len(out["feature"]) == 14
    assert np.asarray(out["MAP"]).shape == (3, 14) and "optimal" in out["certificate"]


def test_class_shift_term_leaves_the_newton_direction_unchanged():
    """The Newton model's class-shift term (bayesreg.inference.map._damp_class_shift) makes the
    lasso model definite, adds nothing off the shift directions v_j = 1_K (x) e_j (H v_j = 0), so
    for a gradient orthogonal to them the step is the pseudo-inverse Newton step pinv(H) g."""
    from bayesreg.inference.map import _damp_class_shift

    rng = np.random.default_rng(3)
    n, p, K = 60, 4, 3
    X = rng.normal(size=(n, p)) * np.array([1.0, 10.0, 100.0, 1000.0])
    y = np.arange(n) % K
    data = RegressionData.from_xy(X, y.astype(float), fit_intercept=False)
    lik = Multinomial().resolve(data)
    theta = rng.normal(size=K * p) * 1e-3
    work = np.arange(K * p)
    H = lik.hessian_block(data, theta, work)
    V = np.kron(np.ones((K, 1)), np.eye(p))  # the shift directions, (K p, p)
    np.testing.assert_allclose(H @ V, 0.0, atol=1e-12 * np.abs(H).max())
    assert np.linalg.eigvalsh(H)[0] < 1e-9 * np.abs(H).max()  # singular: the stall of issue 11
    Q = H.copy()
    _damp_class_shift(Q, H, work, p, K * p, np.zeros(K * p))
    assert np.linalg.eigvalsh(Q)[0] > 0.0
    g = rng.normal(size=K * p)
    g -= V @ np.linalg.lstsq(V, g, rcond=None)[0]  # orthogonal to the shift directions
    np.testing.assert_allclose(np.linalg.solve(Q, g), np.linalg.pinv(H, rcond=1e-13) @ g, rtol=1e-6,
                               atol=1e-9 * np.abs(np.linalg.solve(Q, g)).max())
    with_l2 = H.copy()  # with a Gaussian part (l2 > 0) H + 2 l2 is definite already: nothing is added
    _damp_class_shift(with_l2, H, work, p, K * p, np.full(K * p, 0.1))
    np.testing.assert_array_equal(with_l2, H)


@pytest.mark.parametrize("base", [br.Gaussian(1.0), br.Laplace(0.5)])
def test_flat_weights_are_centred_like_the_intercepts(wine, base):
    """An unpenalised feature's K weights: the MAP reports them summing to 0 (glmnet's convention),
    the objective is unchanged by a class shift of them (so only the centring picks the point), the
    certificate (KKT and error bound) passes; without the shift term the block Hessian is singular
    along that shift (the check the term fixes), with it positive definite."""
    X, y = wine
    X = X[:, :4]
    data = RegressionData.from_xy(X, y.astype(float))
    prior = br.Unpenalized(base, [0, 2])
    fit = find_map(data, prior, Multinomial())
    assert fit.certificate.passed, fit.certificate
    np.testing.assert_allclose(fit.coef[:, [0, 2]].sum(axis=0), 0.0, atol=1e-12 * np.abs(fit.coef).max())
    assert np.abs(fit.coef[:, [0, 2]]).min() > 1e-3  # genuinely non-zero (unpenalised)
    lik = Multinomial().resolve(data)

    def objective(W):
        return lik.nll(data, W, fit.intercept) + prior.penalty(W)

    shifted = fit.coef.copy()
    shifted[:, 0] += 0.7
    assert objective(shifted) == pytest.approx(fit.objective, rel=1e-12)
    assert objective(fit.coef) == pytest.approx(fit.objective, rel=1e-12)
    # the shifted point is just as optimal for F (same gradient) but not the centred mode
    assert certify_point(data, prior, lik, np.append(shifted.ravel(), fit.intercept)).kkt_passed
    theta = np.append(fit.coef.ravel(), fit.intercept)
    shift = np.zeros_like(theta)
    shift[0:12:4] = 1.0  # feature 0 in every class
    bare = lik.hessian_block(data, theta, np.arange(theta.size))
    assert abs(shift @ bare @ shift) <= 1e-9 * np.trace(bare)
    H = lik.with_flat_features([0, 2]).hessian_block(data, theta, np.arange(theta.size))
    assert shift @ H @ shift == pytest.approx(3.0 * 3.0)  # (sum_k v_k)^2 with v = 1_3
    flat_block = np.r_[0:12:4, 2:12:4, 12:15]  # features 0 and 2 in every class, the intercepts
    # the intercepts already have their shift term: two flat directions left (features 0 and 2)
    assert np.linalg.eigvalsh(bare[np.ix_(flat_block, flat_block)])[1] <= 1e-9 * np.trace(bare)
    assert np.linalg.eigvalsh(H[np.ix_(flat_block, flat_block)])[0] > 1e-3


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::bayesreg.ConvergenceWarning")
def test_nuts_flat_weights_match_importance_sampling():
    """Unpenalized(Gaussian(1), [0]): feature 0's K weights flat on sum zero (ZeroSumTransform), as the
    intercepts; n=150, p=2, K=3: NUTS means of all 6 weights and 3 intercepts within 4 MCSE of a
    200 000-draw Laplace importance-sampling reference (NumPy only, flat columns parametrised on
    their plane), and every draw of the flat column sums to zero."""
    X, y, _, _, est, _ = _nuts_against_importance_sampling(7, br.Unpenalized(br.Gaussian(1.0), [0]), flat=[0])
    post = est.idata_.posterior
    assert post["coef"].dims == ("chain", "draw", "class", "feature")
    np.testing.assert_allclose(post["coef"].values[..., 0].sum(axis=2), 0.0, atol=1e-10)
    # the MAP of the same model is centred the same way
    fit = find_map(RegressionData.from_xy(X, y.astype(float)), br.Unpenalized(br.Gaussian(1.0), [0]), Multinomial())
    assert abs(fit.coef[:, 0].sum()) <= 1e-12
