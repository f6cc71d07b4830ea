"""NUTS posteriors checked against independent references, within Monte Carlo error.

References: the closed-form Gaussian posterior (Gaussian prior, Gaussian likelihood, known noise),
bayesreg's NumPy Gibbs samplers (Park & Casella's normal scale mixture for Laplace priors, Polya-Gamma
augmentation for logistic regression; :mod:`bayesreg.reference`), and simulation-based calibration.
Tolerances are 4 Monte Carlo standard errors (ArviZ's MCSE for NUTS; combined in quadrature with
the Gibbs MCSE), with fixed seeds. The three reference checks run on every installed NUTS backend
(``sampler=``: PyMC, nutpie with numba or JAX, NumPyro, and bayesreg's own JAX log-density for
the logistic likelihood, in float32 end to end and in float64); a backend that is not installed is skipped
with the extra that would install it.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from scipy import stats

import bayesreg as br
from bayesreg import reference as gibbs
from bayesreg.datasets import load_dataset
from bayesreg.inference.diagnostics import ConvergenceWarning, import_arviz

az = import_arviz()
K = 4.0  # tolerance in Monte Carlo standard errors


def _backend_params(likelihood):
    """One parameter per NUTS backend; those whose dependencies are missing are skipped, saying why
    (and ``"jax"``, bayesreg's own logistic log-density, for the Gaussian likelihood)."""
    from bayesreg.inference.backends import BACKENDS, missing_dependencies

    params = []
    for name, backend in BACKENDS.items():
        missing = missing_dependencies(name)
        marks = [pytest.mark.skip(reason=f"{', '.join(missing)} not installed (pip install "
                                         f"'bayesreg[{backend.extra}]')")] if missing else []
        if not backend.nuts_sampler and likelihood != "logistic":  # "jax", "jax-float64"
            marks = [pytest.mark.skip(reason=f"sampler={name!r} samples the logistic likelihood only")]
        params.append(pytest.param(name, marks=marks, id=name))
    return params


BACKEND_PARAMS = _backend_params("gaussian")
LOGISTIC_BACKEND_PARAMS = _backend_params("logistic")


def _nuts(X, y, prior, *, likelihood="gaussian", noise_sigma=1.0, draws=1000, tune=1000, chains=2,
          seed=11, fit_intercept=True, sampler="auto"):
    est = br.BayesianRegression(prior=prior, likelihood=likelihood, noise_sigma=noise_sigma,
                                method="nuts", draws=draws, tune=tune, chains=chains,
                                random_seed=seed, progressbar=False, fit_intercept=fit_intercept,
                                sampler=sampler)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return est.fit(X, y)


@pytest.fixture(scope="module")
def diabetes():
    d = load_dataset("diabetes_std")
    return d.X.to_numpy(), d.y.to_numpy(), list(d.X.columns)


@pytest.mark.parametrize("sampler", BACKEND_PARAMS)
def test_gaussian_prior_matches_closed_form(diabetes, sampler):
    """Gaussian prior + Gaussian likelihood + known noise: the posterior is Gaussian in closed form.

    With a flat intercept, w | y ~ N(m, S) with S^-1 = Xc'Xc/s^2 + I/tau^2, m = S Xc'yc/s^2 (Xc, yc
    centred), and c | y ~ N(ybar - xbar'm, s^2/n + xbar'S xbar).
    """
    X, y, _ = diabetes
    noise, tau = 55.0, 200.0
    n, p = X.shape
    Xc, yc = X - X.mean(0), y - y.mean()
    prec = Xc.T @ Xc / noise**2 + np.eye(p) / tau**2
    S = np.linalg.inv(prec)
    m = S @ Xc.T @ yc / noise**2
    c_mean = y.mean() - X.mean(0) @ m
    c_var = noise**2 / n + X.mean(0) @ S @ X.mean(0)

    est = _nuts(X, y, br.Gaussian(tau), noise_sigma=noise, sampler=sampler)
    idata = est.idata_
    assert idata.attrs["sampler"] == sampler
    post = idata.posterior
    cols = [post["coef"].values[..., j] for j in range(p)] + [post["intercept"].values]
    means = np.append(m, c_mean)
    sds = np.sqrt(np.append(np.diag(S), c_var))
    for a, mu, sd in zip(cols, means, sds, strict=True):
        assert abs(a.mean() - mu) < K * gibbs.mcse_mean(a)
        assert abs(a.std() - sd) < K * _mcse_sd(a)
    # the off-diagonal structure too: sample correlation of the two most correlated coefficients
    draws = post["coef"].values.reshape(-1, p)
    corr = np.corrcoef(draws.T)
    true_corr = S / np.sqrt(np.outer(np.diag(S), np.diag(S)))
    i, j = np.unravel_index(np.argmin(np.where(np.eye(p, dtype=bool), 1, true_corr)), (p, p))
    ess = float(az.ess(idata, var_names=["coef"])["coef"].values[[i, j]].min())
    se_corr = (1 - true_corr[i, j] ** 2) / np.sqrt(ess)  # delta-method sd of a correlation
    assert abs(corr[i, j] - true_corr[i, j]) < K * se_corr


@pytest.fixture(scope="module")
def laplace_gibbs(diabetes):
    """The exact Gibbs reference of the Laplace test (computed once for every backend)."""
    X, y, _ = diabetes
    return gibbs.gibbs_laplace_fixed_noise(X, y, 60.0, noise_sigma=55.0, draws=8000, burn=1000, seed=4, chains=2)


@pytest.mark.slow
@pytest.mark.parametrize("sampler", BACKEND_PARAMS)
def test_laplace_prior_matches_gibbs(diabetes, laplace_gibbs, sampler):
    """Laplace prior, known noise: NUTS vs the exact Gibbs sampler (normal scale mixture)."""
    X, y, _ = diabetes
    noise, b = 55.0, 60.0
    est = _nuts(X, y, br.Laplace(b), noise_sigma=noise, draws=1500, tune=1000, seed=4, sampler=sampler)
    assert est.idata_.attrs["sampler"] == sampler
    _compare(est.idata_, laplace_gibbs["w"], laplace_gibbs["intercept"], chains=2)


@pytest.fixture(scope="module")
def binary_data():
    d = load_dataset("binary_synthetic")
    return d.X.to_numpy(), d.y.to_numpy()


@pytest.fixture(scope="module")
def logistic_polya_gamma(binary_data):
    """The Polya-Gamma Gibbs reference of the logistic test (computed once for every backend)."""
    X, y = binary_data
    return gibbs.gibbs_logistic_gaussian(X, y, 1.5, draws=4000, burn=500, seed=6, chains=2)


@pytest.mark.slow
@pytest.mark.parametrize("sampler", LOGISTIC_BACKEND_PARAMS)
def test_logistic_gaussian_prior_matches_polya_gamma(binary_data, logistic_polya_gamma, sampler):
    """Logistic likelihood, Gaussian prior: NUTS vs a Polya-Gamma Gibbs sampler."""
    X, y = binary_data
    est = _nuts(X, y, br.Gaussian(1.5), likelihood="logistic", draws=1000, tune=1000, seed=5, sampler=sampler)
    assert est.idata_.attrs["sampler"] == sampler
    _compare(est.idata_, logistic_polya_gamma["w"], logistic_polya_gamma["intercept"], chains=2)


def _mcse_sd(a):
    """MCSE of the posterior sd by the delta method (as ArviZ's method='sd'; its numba path fails)."""
    sq = (a - a.mean()) ** 2
    return gibbs.mcse_mean(sq) / (2.0 * a.std())


def _compare(idata, w_ref, c_ref, *, chains):
    """Means and 5/50/95% quantiles within K combined MCSEs, per coefficient and the intercept."""
    post = idata.posterior
    nuts_w = post["coef"].values  # (chain, draw, p)
    nuts_c = post["intercept"].values
    ref_w = w_ref.reshape(chains, -1, w_ref.shape[-1])
    ref_c = c_ref.reshape(chains, -1)
    for j in range(nuts_w.shape[-1] + 1):
        a = nuts_w[..., j] if j < nuts_w.shape[-1] else nuts_c
        r = ref_w[..., j] if j < nuts_w.shape[-1] else ref_c
        tol = K * np.hypot(gibbs.mcse_mean(a), gibbs.mcse_mean(r))
        assert abs(a.mean() - r.mean()) < tol, (j, a.mean(), r.mean(), tol)
        for q in (0.05, 0.5, 0.95):
            tol = K * np.hypot(gibbs.mcse_quantile(a, q), gibbs.mcse_quantile(r, q))
            assert abs(np.quantile(a, q) - np.quantile(r, q)) < tol, (j, q)


def test_same_seed_same_draws(diabetes):
    X, y, _ = diabetes
    a = _nuts(X[:, :3], y, br.Laplace(100.0), noise_sigma=55.0, draws=50, tune=50, seed=7)
    b = _nuts(X[:, :3], y, br.Laplace(100.0), noise_sigma=55.0, draws=50, tune=50, seed=7)
    np.testing.assert_array_equal(a.idata_.posterior["coef"].values, b.idata_.posterior["coef"].values)


def test_diagnostics_warn_on_short_chains(diabetes):
    X, y, _ = diabetes
    est = br.BayesianRegression(prior=br.Laplace(100.0), noise_sigma=55.0, method="nuts", draws=30,
                                tune=20, chains=2, random_seed=1, progressbar=False)
    with pytest.warns(ConvergenceWarning, match="ESS"):
        est.fit(X, y)
    assert any("ESS" in msg for msg in est.diagnostics_)


def test_idata_contents_and_netcdf_roundtrip(diabetes, tmp_path):
    import pandas as pd

    from bayesreg.cli import write_netcdf_atomic

    X, y, names = diabetes
    est = _nuts(pd.DataFrame(X, columns=names), y, br.Laplace(100.0), noise_sigma=None, draws=100,
                tune=100, seed=2)
    idata = est.idata_
    assert list(idata.posterior["coef"].coords["feature"].values) == names
    assert {"coef", "intercept", "sigma"} <= set(idata.posterior.data_vars)
    assert idata.log_likelihood["y"].shape == (2, 100, X.shape[0])
    loo = az.loo(idata)
    assert np.isfinite(loo.elpd_loo)
    path = tmp_path / "post.nc"
    write_netcdf_atomic(idata, str(path))
    from bayesreg.inference.idata_io import load_idata

    back = load_idata(str(path))
    np.testing.assert_array_equal(back.posterior["coef"].values, idata.posterior["coef"].values)
    assert back.attrs["prior"] == repr(br.Laplace(100.0))
    assert back.attrs["likelihood"] == "gaussian" and back.attrs["noise_sigma"] == "sampled"
    mean, lo, hi = est.predict(X[:5], return_interval=True, prob=0.9)
    assert np.all(lo < mean) and np.all(mean < hi)
    pex = est.prob_exceeds(50.0)
    draws = idata.posterior["coef"].values.reshape(-1, X.shape[1])
    np.testing.assert_allclose(pex.to_numpy(), (np.abs(draws) > 50).mean(0))
    assert list(pex.index) == names
    table = est.compare(map_coef=np.zeros(X.shape[1]), penalized_coef=np.ones(X.shape[1]))
    assert list(table.columns[:4]) == ["MAP", "penalized", "posterior_mean", "posterior_median"]
    assert np.all(table["lower_0.9"] < table["upper_0.9"])
    summ = est.summary(hdi_prob=0.9)
    assert {"mean", "sd", "r_hat", "ess_bulk", "ess_tail"} <= set(summ.columns)


def test_suffstats_and_rows_forms_are_the_same_posterior(diabetes):
    """Identical log-density (constants included) at random points: the same posterior."""
    from bayesreg.model.build import build_model
    from bayesreg.model.data import RegressionData
    from bayesreg.model.likelihoods import get_likelihood

    X, y, _ = diabetes
    data = RegressionData.from_xy(X, y, sample_weight=np.linspace(0.5, 2, len(y)))
    lik = get_likelihood("gaussian", None)
    logps = []
    for form in ("suffstats", "rows"):
        model = build_model(data, br.Laplace(80.0), lik, form=form).model
        logps.append(model.compile_logp())
    rng = np.random.default_rng(0)
    for _ in range(5):
        point = {"coef": rng.normal(0, 200, X.shape[1]), "intercept": rng.normal(150, 5),
                 "sigma_log__": rng.normal(4, 0.1)}
        a, b = (f(point) for f in logps)
        assert a == pytest.approx(b, rel=1e-10)


@pytest.mark.slow
def test_simulation_based_calibration_laplace():
    """SBC (Talts et al. 2018): ranks of prior draws among posterior draws are uniform.

    Small Laplace model, no intercept, known noise: w ~ Laplace(b), y ~ N(Xw, 1). 120 replicates,
    100 thinned posterior draws each (ranks in 0..100, 10 bins), chi-square test per coefficient.
    """
    import pymc as pm

    rng = np.random.default_rng(2018)
    n, p, b = 12, 2, 1.0
    X = rng.normal(size=(n, p))
    with pm.Model(coords={"feature": ["a", "b"]}) as model:
        y_data = pm.Data("y_data", np.zeros(n))
        w = br.Laplace(b).to_pymc("coef", n_features=p)
        pm.Normal("y", mu=pm.math.dot(X, w), sigma=1.0, observed=y_data)
    reps, thin, keep = 120, 4, 100
    ranks = np.empty((reps, p), dtype=int)
    for r in range(reps):
        w_true = rng.laplace(0, b, size=p)
        y_sim = X @ w_true + rng.normal(size=n)
        with model:
            pm.set_data({"y_data": y_sim})
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                idata = pm.sample(draws=keep * thin, tune=300, chains=1, random_seed=int(r),
                                  progressbar=False, compute_convergence_checks=False)
        draws = idata.posterior["coef"].values[0, ::thin]
        ranks[r] = (draws < w_true).sum(axis=0)
    for j in range(p):
        counts = np.bincount(ranks[:, j] * 10 // (keep + 1), minlength=10)
        assert stats.chisquare(counts).pvalue > 1e-3, counts


@pytest.mark.slow
def test_park_casella_preset_matches_gibbs(diabetes):
    """The Bayesian lasso preset (fixed lambda = 0.237, Park & Casella's diabetes value) vs their Gibbs sampler."""
    from bayesreg.model.hierarchical import BayesianLasso

    X, y, _ = diabetes
    est = _nuts(X, y, BayesianLasso(lam=0.237), noise_sigma=None, draws=1500, tune=1000, seed=8)
    g = gibbs.gibbs_bayesian_lasso(X, y, lam=0.237, draws=8000, burn=1000, seed=9, chains=2)
    _compare(est.idata_, g["beta"], g["intercept"], chains=2)
    s_nuts = est.idata_.posterior["sigma"].values
    s_ref = g["sigma"].reshape(2, -1)
    assert abs(s_nuts.mean() - s_ref.mean()) < K * np.hypot(gibbs.mcse_mean(s_nuts), gibbs.mcse_mean(s_ref))


def test_hierarchical_prior_needs_nuts(diabetes):
    from bayesreg.model.hierarchical import BayesianLasso

    X, y, _ = diabetes
    with pytest.raises(ValueError, match="method='nuts'"):
        br.BayesianRegression(prior=BayesianLasso(lam=1.0), noise_sigma=None).fit(X, y)
    with pytest.raises(ValueError, match="noise_sigma=None"):
        br.BayesianRegression(prior=BayesianLasso(lam=1.0), noise_sigma=1.0, method="nuts").fit(X, y)


def test_noise_sigma_auto_samples_the_noise_of_priors_that_own_it(diabetes):
    from bayesreg.model.hierarchical import BayesianLasso

    X, y, _ = diabetes
    est = br.BayesianRegression(prior=BayesianLasso(lam=1.0), method="nuts")  # noise_sigma="auto"
    assert est.get_params()["noise_sigma"] == "auto"
    model = est.build_model(X, y)
    assert "sigma" in model.named_vars  # sampled (BayesianLasso: through log_sigma)
    fixed = br.BayesianRegression(prior=br.Laplace(1.0), method="nuts").build_model(X, y)
    assert "sigma" not in fixed.named_vars  # other priors: 1.0, as before
    with pytest.raises(ValueError, match="'noise_sigma'.*'auto'"):
        br.BayesianRegression(noise_sigma="sampled").fit(X, y)


@pytest.mark.slow
def test_park_casella_hyperprior_matches_gibbs(diabetes):
    """lambda^2 ~ Gamma(r, delta): NUTS on the preset vs Park & Casella's Gibbs with the same hyperprior."""
    from bayesreg.model.hierarchical import BayesianLasso

    X, y, _ = diabetes
    est = _nuts(X, y, BayesianLasso(lam=None, r=1.0, delta=1.0), noise_sigma=None, draws=1500,
                tune=1000, seed=12)
    g = gibbs.gibbs_bayesian_lasso(X, y, lam=None, r=1.0, delta=1.0, draws=8000, burn=1000, seed=13,
                                   chains=2)
    _compare(est.idata_, g["beta"], g["intercept"], chains=2)
    lam_nuts = est.idata_.posterior["lam"].values
    lam_ref = g["lam"].reshape(2, -1)
    tol = K * np.hypot(gibbs.mcse_mean(lam_nuts), gibbs.mcse_mean(lam_ref))
    assert abs(lam_nuts.mean() - lam_ref.mean()) < tol


@pytest.mark.slow
def test_laplace_mixture_parameterization_matches_gibbs(diabetes):
    """The non-centred normal-exponential mixture is the same Laplace posterior (vs Gibbs)."""
    X, y, _ = diabetes
    est = br.BayesianRegression(prior=br.Laplace(60.0), noise_sigma=55.0, method="nuts", draws=1500,
                                tune=1000, chains=2, random_seed=14, progressbar=False,
                                parameterization="mixture", sampler="pymc")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(X, y)
    assert {"coef_tau2", "coef_z"} <= set(est.idata_.posterior.data_vars)
    g = gibbs.gibbs_laplace_fixed_noise(X, y, 60.0, noise_sigma=55.0, draws=8000, burn=1000, seed=15,
                                        chains=2)
    _compare(est.idata_, g["w"], g["intercept"], chains=2)


def test_auto_parameterization_rule():
    from bayesreg.model.build import build_model
    from bayesreg.model.data import RegressionData
    from bayesreg.model.likelihoods import get_likelihood

    rng = np.random.default_rng(0)
    lik = get_likelihood("gaussian", 1.0)
    wide = RegressionData.from_xy(rng.normal(size=(10, 6)), rng.normal(size=10))  # p >= n/2
    tall = RegressionData.from_xy(rng.normal(size=(40, 6)), rng.normal(size=40))
    assert "coef_tau2" in build_model(wide, br.Laplace(1.0), lik, parameterization="auto").model.named_vars
    assert "coef_tau2" not in build_model(tall, br.Laplace(1.0), lik, parameterization="auto").model.named_vars
    assert "coef_tau2" not in build_model(wide, br.Gaussian(1.0), lik, parameterization="auto").model.named_vars
    with pytest.raises(ValueError, match="parameterization must be one of"):
        build_model(tall, br.Laplace(1.0), lik, parameterization="bogus")


def test_random_scale_priors_sample(diabetes):
    """HierarchicalLaplace (prior on the rate 1/b) and HierarchicalGaussian (prior on the scale)."""
    from bayesreg.model.hierarchical import HierarchicalGaussian, HierarchicalLaplace

    X, y, _ = diabetes
    for prior, hyper in ((HierarchicalLaplace(r=1.0, delta=0.01), "lam"), (HierarchicalGaussian(scale=500.0), "tau")):
        est = _nuts(X, y, prior, noise_sigma=55.0, draws=300, tune=300, seed=16)
        post = est.idata_.posterior
        assert hyper in post and np.all(post[hyper].values > 0)
        assert post["coef"].shape[-1] == X.shape[1]
        # the learned scale shrinks weak coefficients less than a very tight fixed prior would
        assert np.all(np.isfinite(est.coef_))
    with pytest.raises(ValueError, match="'r' parameter of HierarchicalLaplace must be > 0"):
        HierarchicalLaplace(r=0.0)
