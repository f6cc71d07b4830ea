"""Poisson, negative binomial and Student-t: MAP against independent references, existence checks,
bad input, and NUTS against importance sampling.

References: scikit-learn's ``PoissonRegressor`` (newton-cholesky, tol 1e-12), statsmodels'
``GLM(family=Poisson()).fit_regularized``, the NumPy solver :func:`bayesreg.reference.reference_glm_solve`
(written from the densities; no PyMC) and, for NUTS, :func:`bayesreg.reference.laplace_importance_sampling`.
glmnet's poisson family is in ``tests/test_glmnet_fixtures.py``.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import bayesreg as br
from bayesreg.inference.map import certify_point, find_map
from bayesreg.model.data import RegressionData
from bayesreg.reference import laplace_importance_sampling, mcse_mean, reference_glm_solve

K = 4.0  # MCSE multiples


@pytest.fixture(scope="module")
def counts():
    rng = np.random.default_rng(11)
    n, p = 400, 6
    X = rng.standard_normal((n, p))
    offset = np.log(rng.uniform(0.5, 3.0, n))
    y = rng.poisson(np.exp(offset + 0.2 + X @ np.array([0.5, -0.3, 0.0, 0.0, 0.2, 0.1]))).astype(float)
    return X, y, offset


def _rel(a, b):
    return float(np.max(np.abs(np.asarray(a) - np.asarray(b))) / np.max(np.abs(np.asarray(b))))


@pytest.mark.parametrize("weighted", [False, True])
def test_poisson_map_equals_sklearn_poisson_regressor(counts, weighted):
    from sklearn.linear_model import PoissonRegressor

    X, y, _ = counts
    sw = np.linspace(0.5, 2.0, len(y)) if weighted else None
    alpha = 0.02
    sk = PoissonRegressor(alpha=alpha, solver="newton-cholesky", tol=1e-12, max_iter=1000).fit(X, y, sample_weight=sw)
    n = len(y) if sw is None else sw.sum()  # scikit-learn normalises the weights: n is their sum
    prior = br.penalty_to_prior("sklearn.PoissonRegressor", alpha=alpha, n=n)
    assert isinstance(prior, br.Gaussian) and prior.sigma == pytest.approx(1 / np.sqrt(n * alpha), rel=1e-14)
    est = br.BayesianRegression(prior=prior, likelihood="poisson").fit(X, y, sample_weight=sw)
    assert est.certificate_.passed, est.certificate_
    assert _rel(est.coef_, sk.coef_) < 1e-8
    assert abs(est.intercept_ - sk.intercept_) < 1e-8
    assert br.prior_to_penalty(prior, "sklearn.PoissonRegressor", n=n)["alpha"] == pytest.approx(alpha, rel=1e-14)
    np.testing.assert_allclose(est.predict(X), sk.predict(X), rtol=1e-7)


@pytest.mark.parametrize("L1_wt", [1.0, 0.5])
def test_poisson_map_equals_statsmodels_fit_regularized(counts, L1_wt):
    """statsmodels penalises its constant column unless alpha has a 0 there (its trap)."""
    import statsmodels.api as sm

    X, y, _ = counts
    a = 0.02
    p = X.shape[1]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = sm.GLM(y, sm.add_constant(X), family=sm.families.Poisson()).fit_regularized(
            method="elastic_net", alpha=np.r_[0.0, [a] * p], L1_wt=L1_wt, cnvrg_tol=1e-14, maxiter=10000)
    prior = br.penalty_to_prior("statsmodels", alpha=a, L1_wt=L1_wt, model="GLM", n=len(y))
    fit = find_map(RegressionData.from_xy(X, y), prior, br.Poisson())
    assert fit.certificate.passed
    assert _rel(fit.coef, res.params[1:]) < 1e-6
    np.testing.assert_array_equal(fit.coef == 0, res.params[1:] == 0)


@pytest.mark.parametrize("case", ["poisson_l1_offset", "nb_enet_weights", "poisson_unpenalized"])
def test_count_map_equals_independent_reference(counts, case):
    X, y, offset = counts
    sw = None
    if case == "poisson_l1_offset":
        lik, prior, off = br.Poisson(), br.Laplace(1 / 60.0), offset
    elif case == "nb_enet_weights":
        lik, prior, off = br.NegativeBinomial(alpha=0.7), br.ElasticNet(4.0, 3.0), None
        sw = np.linspace(0.2, 3.0, len(y))
    else:
        lik, prior, off = br.Poisson(), br.Unpenalized(br.Laplace(1 / 60.0), features=(0, 4)), offset
    data = RegressionData.from_xy(X, y, sample_weight=sw, offset=off)
    fit = find_map(data, prior, lik)
    assert fit.certificate.passed, fit.certificate
    assert fit.certificate.error_bound is not None
    l1, l2 = prior.penalty_weights(X.shape[1])
    ref_c, ref_i, ok = reference_glm_solve(X, y, l1, l2, lik.name, offset=off, sample_weight=sw,
                                           alpha=getattr(lik, "alpha", 1.0))
    assert ok
    assert _rel(fit.coef, ref_c) < 1e-8 and abs(fit.intercept - ref_i) < 1e-8
    np.testing.assert_array_equal(fit.coef == 0, ref_c == 0)
    assert np.count_nonzero(fit.coef == 0) >= (1 if case != "nb_enet_weights" else 0)
    # the NumPy negative log-likelihood agrees with the objective PyMC's graph minimised
    penalty = float(l1 @ np.abs(fit.coef) + l2 @ fit.coef**2)
    assert lik.nll(data, fit.coef, fit.intercept) + penalty == pytest.approx(fit.objective, rel=1e-12)


def test_count_certificate_can_fail(counts):
    X, y, offset = counts
    data = RegressionData.from_xy(X, y, offset=offset)
    fit = find_map(data, br.Laplace(0.1), br.Poisson())
    theta = np.append(fit.coef, fit.intercept)
    assert certify_point(data, br.Laplace(0.1), br.Poisson(), theta).passed
    bad = theta.copy()
    bad[0] *= 1.0 + 1e-4
    cert = certify_point(data, br.Laplace(0.1), br.Poisson(), bad)
    assert not cert.passed


def test_student_t_map_is_a_certified_local_stationary_point():
    rng = np.random.default_rng(5)
    n, p = 200, 4
    X = rng.standard_normal((n, p))
    y = 1.0 + X @ np.array([1.0, -0.5, 0.0, 0.3]) + 0.5 * rng.standard_t(2.5, n)
    y[:8] += 25.0  # gross outliers
    lik = br.StudentT(nu=3.0, sigma=0.5)
    prior = br.Laplace(2.0)
    fit = find_map(RegressionData.from_xy(X, y), prior, lik)
    assert fit.certificate.kkt_passed and fit.certificate.passed
    assert fit.certificate.error_bound is None and "local" in fit.certificate.bound_reason
    l1, l2 = prior.penalty_weights(p)
    ref_c, ref_i, _ = reference_glm_solve(X, y, l1, l2, "student_t", nu=3.0, sigma=0.5)
    assert _rel(fit.coef, ref_c) < 1e-5  # the same stationary point (L-BFGS-B reference, ~1e-7)
    gauss = find_map(RegressionData.from_xy(X, y), prior, br.model.GaussianLikelihood(0.5))
    assert abs(fit.intercept - 1.0) < 0.2 < abs(gauss.intercept - 1.0)  # robust vs pulled by outliers


def test_no_mode_when_counts_are_all_zero_along_a_flat_direction():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((30, 3))
    y = np.zeros(30)
    with pytest.raises(br.NoPosteriorModeError, match="intercept"):
        find_map(RegressionData.from_xy(X, y), br.Gaussian(1.0), br.Poisson())
    # a flat feature that is >= 0 exactly on the rows with y = 0 and 0 where y > 0
    y = rng.poisson(2.0, 30).astype(float)
    y[:10] = 0
    X[:, 0] = 0.0
    X[:10, 0] = rng.uniform(0.5, 1.0, 10)
    prior = br.Unpenalized(br.Gaussian(1.0), features=(0,))
    with pytest.raises(br.NoPosteriorModeError, match="'x0'"):
        find_map(RegressionData.from_xy(X, y), prior, br.NegativeBinomial(1.0))
    X[10, 0] = 1.0  # now a row with y > 0 stops it: the mode exists
    assert find_map(RegressionData.from_xy(X, y), prior, br.Poisson()).certificate.passed


def test_bad_input_names_the_parameter(counts):
    X, y, offset = counts
    est = br.BayesianRegression(likelihood="poisson")
    for bad, what in ((np.r_[-1.0, y[1:]], "non-negative integer"), (np.r_[0.5, y[1:]], "non-negative integer")):
        with pytest.raises(ValueError, match=f"'y' parameter of Poisson.*{what}"):
            est.fit(X, bad)
    with pytest.raises(ValueError, match="'offset' parameter of fit must be a vector of length 400"):
        est.fit(X, y, offset=offset[:-1])
    with pytest.raises(ValueError, match="'offset' parameter of fit is only supported"):
        br.BayesianRegression().fit(X, y, offset=offset)
    with pytest.raises(ValueError, match="'alpha' parameter of NegativeBinomial must be > 0"):
        br.NegativeBinomial(alpha=0.0)
    with pytest.raises(ValueError, match="'nu' parameter of StudentT must be > 0"):
        br.StudentT(nu=-1.0)
    with pytest.raises(ValueError, match="'sigma' parameter of StudentT"):
        br.StudentT(sigma=0.0)
    with pytest.raises(ValueError, match="'alpha' parameter of NegativeBinomial must be a positive number for the MAP"):
        br.BayesianRegression(likelihood=br.NegativeBinomial(alpha=None)).fit(X, y)
    with pytest.raises(ValueError, match="likelihood"):
        br.BayesianRegression(likelihood="gamma").fit(X, y)


def test_offset_is_used_at_fit_and_predict(counts):
    X, y, offset = counts
    est = br.BayesianRegression(prior=br.Gaussian(1.0), likelihood="poisson").fit(X, y, offset=offset)
    eta = X @ est.coef_ + est.intercept_
    np.testing.assert_allclose(est.predict(X, offset=offset), np.exp(eta + offset), rtol=1e-14)
    np.testing.assert_allclose(est.predict(X), np.exp(eta), rtol=1e-14)
    # exposure doubles -> mean doubles
    np.testing.assert_allclose(est.predict(X, offset=offset + np.log(2)), 2 * np.exp(eta + offset), rtol=1e-12)
    with pytest.raises(ValueError, match="'offset' parameter of predict"):
        est.predict(X, offset=offset[:3])


@pytest.mark.slow
def test_poisson_nuts_matches_importance_sampling():
    """Poisson with Gaussian prior (sd 1) and flat intercept, offset: NUTS means within 4 MCSE of a
    200 000-draw Laplace importance-sampling reference (NumPy only)."""
    from scipy.special import gammaln

    rng = np.random.default_rng(3)
    n, p = 40, 2
    X = rng.standard_normal((n, p))
    off = np.log(rng.uniform(0.5, 2.0, n))
    y = rng.poisson(np.exp(off + 0.3 + X @ np.array([0.6, -0.4]))).astype(float)
    sd = 1.0

    def log_post(theta):  # theta: (k, p + 1) = (w, c)
        eta = off + theta[:, :p] @ X.T + theta[:, p:]
        return (y * eta - np.exp(eta) - gammaln(y + 1)).sum(axis=1) - 0.5 * np.sum(theta[:, :p] ** 2, axis=1) / sd**2

    ref = laplace_importance_sampling(log_post, np.zeros(p + 1), n_draws=200_000, seed=1)
    assert ref.ess > 50_000
    est = br.BayesianRegression(prior=br.Gaussian(sd), likelihood="poisson", method="nuts", draws=1000, tune=700,
                                chains=2, random_seed=4, progressbar=False).fit(X, y, offset=off)
    post = est.idata_.posterior
    draws = [post["coef"].values[..., j] for j in range(p)] + [post["intercept"].values]
    for j, d in enumerate(draws):
        tol = K * np.hypot(mcse_mean(d), ref.mcse_mean[j])
        assert abs(d.mean() - ref.mean[j]) < tol, (j, d.mean(), ref.mean[j], tol)
        d2 = (d - d.mean()) ** 2  # posterior variance, MCSE of the mean of squared deviations
        var_ref = ref.sd[j] ** 2
        assert abs(d2.mean() - var_ref) < K * np.hypot(mcse_mean(d2), 0.05 * var_ref / np.sqrt(ref.ess / 1000))
    ll = est.idata_.log_likelihood["y"].values
    assert ll.shape == (2, 1000, n) and np.all(np.isfinite(ll))
    ppd = est.predictive_draws(X, offset=off)
    assert ppd.shape == (2000, n) and np.all(ppd >= 0) and np.all(ppd == np.round(ppd))
    pp = est.sample_posterior_predictive(random_seed=1).posterior_predictive["y"].values
    assert pp.shape == (2, 1000, n) and np.all(pp >= 0)
    assert abs(pp.mean() - y.mean()) < 0.2 * y.mean()  # the offset is used (exposures up to 2)


@pytest.mark.slow
def test_sampled_dispersion_and_student_t_build_and_sample():
    """alpha (NB) and nu, sigma (Student-t) sampled: NUTS runs, the parameters are in the posterior
    and in the pointwise log-likelihood."""
    rng = np.random.default_rng(9)
    n = 40
    X = rng.standard_normal((n, 2))
    mu = np.exp(0.5 + X @ np.array([0.4, -0.2]))
    y = rng.poisson(mu * rng.gamma(2.0, 0.5, n)).astype(float)  # NB2 with alpha = 0.5
    kw = {"method": "nuts", "draws": 150, "tune": 150, "chains": 1, "random_seed": 1, "progressbar": False}
    nb = br.BayesianRegression(prior=br.Gaussian(1.0), likelihood=br.NegativeBinomial(alpha=None), **kw).fit(X, y)
    assert "alpha" in nb.idata_.posterior and float(nb.idata_.posterior["alpha"].mean()) > 0
    yt = X @ np.array([1.0, 0.5]) + rng.standard_t(3, n)
    st = br.BayesianRegression(prior=br.Gaussian(1.0), likelihood=br.StudentT(nu=None, sigma=None), **kw).fit(X, yt)
    assert {"nu", "sigma"} <= set(st.idata_.posterior)
    assert np.all(np.isfinite(st.idata_.log_likelihood["y"].values))


@pytest.mark.slow
def test_simulation_based_calibration_poisson():
    """SBC (Talts et al. 2018) of bayesreg's Poisson model (offset, Gaussian prior, no intercept):
    ranks of the true coefficients among 100 thinned posterior draws are uniform (50 replicates,
    5 bins, chi-square test per coefficient)."""
    import pymc as pm
    from scipy import stats

    from bayesreg.model.build import build_model

    rng = np.random.default_rng(2018)
    n, p, sd = 15, 2, 0.5
    X = rng.standard_normal((n, p))
    off = np.log(rng.uniform(1.0, 3.0, n))
    data = RegressionData.from_xy(X, np.zeros(n), fit_intercept=False, offset=off)
    model = build_model(data, br.Gaussian(sd), br.Poisson()).model
    reps, thin, keep = 50, 3, 100
    ranks = np.empty((reps, p), dtype=int)
    for r in range(reps):
        w_true = rng.normal(0, sd, p)
        y_sim = rng.poisson(np.exp(off + X @ w_true)).astype(float)
        with model:
            pm.set_data({"y_obs": y_sim})
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                idata = pm.sample(draws=keep * thin, tune=200, chains=1, random_seed=int(r), progressbar=False,
                                  compute_convergence_checks=False)
        draws = idata.posterior["coef"].values[0, ::thin]
        ranks[r] = (draws < w_true).sum(axis=0)
    for j in range(p):
        counts = np.bincount(ranks[:, j] * 5 // (keep + 1), minlength=5)
        assert stats.chisquare(counts).pvalue > 1e-3, counts
