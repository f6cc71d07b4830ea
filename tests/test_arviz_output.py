"""ArviZ-complete output of a NUTS fit: data groups, exact posterior predictive draws, ArviZ's plots.

* ``idata_`` carries ``observed_data`` (``y`` as the model saw it: logistic labels encoded to 0/1)
  and ``constant_data`` (``X``, ``sample_weight``) for both NUTS forms (sufficient statistics and
  rows), next to ``posterior`` and ``log_likelihood``.
* ``sample_posterior_predictive`` adds ``posterior_predictive``: checked (a) bit for bit against an
  independent re-implementation of the documented algorithm (one ``default_rng(seed)`` call of
  shape (chain, draw, obs); Gaussian :math:`\\eta + \\sigma\\varepsilon`, logistic
  :math:`\\mathbb 1[u < \\mathrm{expit}\\,\\eta]`) and (b) statistically: the standardised residuals
  :math:`(\\tilde y - \\eta)/\\sigma` are N(0, 1) and :math:`\\sum(\\tilde y - p)/\\sqrt{\\sum p(1-p)}`
  is N(0, 1), within 4 Monte Carlo standard errors — a check shown to fail on draws with a 10 %
  too large σ or a shifted probability.
* ``arviz.plot_ppc``, ``plot_loo_pit`` and ``plot_bpv`` run (matplotlib's Agg backend) on Gaussian
  and logistic fits, and the NetCDF round trip keeps every group.
* The presets' ``predict(return_interval=True)`` / ``predictive_draws`` work under NUTS (their seed
  lives in ``sampler_kwargs``).
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import arviz as az  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from scipy.special import expit  # noqa: E402

import bayesreg as br  # noqa: E402
from bayesreg.inference.predictive import add_posterior_predictive  # noqa: E402

pytestmark = [
    pytest.mark.filterwarnings("ignore::bayesreg.ConvergenceWarning"),  # short chains: groups, not inference
    pytest.mark.filterwarnings("ignore:Estimated shape parameter of Pareto"),  # loo of 40 rows
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),  # ArviZ 0.23 on matplotlib 3.11
]

RNG = np.random.default_rng(11)
N, P = 40, 3
X = pd.DataFrame(RNG.standard_normal((N, P)), columns=["a", "b", "c"])
Y = X.to_numpy() @ np.array([1.0, -0.5, 0.0]) + 0.3 + RNG.standard_normal(N)
LABELS = np.where(X["a"] + 0.5 * RNG.standard_normal(N) > 0, "yes", "no")
WEIGHTS = RNG.uniform(0.5, 2.0, N)
NUTS = {"draws": 100, "tune": 100, "chains": 2, "random_seed": 5, "progressbar": False}


@pytest.fixture(scope="module")
def gaussian():
    """Sampled noise scale, sufficient-statistics form."""
    return br.BayesianRegression(prior=br.Laplace(0.5), noise_sigma=None, method="nuts", **NUTS).fit(X, Y)


@pytest.fixture(scope="module")
def logistic():
    """A preset (seed in sampler_kwargs), string labels, sample weights, rows form."""
    est = br.LogisticBayes(C=1.0, method="nuts", sampler_kwargs=NUTS)
    return est.fit(X, LABELS, sample_weight=WEIGHTS)


def _eta(idata) -> np.ndarray:
    post = idata.posterior
    return (np.einsum("cdp,np->cdn", post["coef"].values, idata.constant_data["X"].values)
            + post["intercept"].values[..., None])


# ----------------------------------------------------------------------------- data groups
def test_gaussian_fit_carries_observed_and_constant_data(gaussian):
    idata = gaussian.idata_
    assert {"posterior", "log_likelihood", "observed_data", "constant_data"} <= set(idata.groups())
    np.testing.assert_array_equal(idata.observed_data["y"].values, Y)
    np.testing.assert_array_equal(idata.constant_data["X"].values, X.to_numpy())
    assert list(idata.constant_data["X"].coords["feature"].values) == ["a", "b", "c"]
    assert idata.observed_data["y"].dims == ("obs",) and idata.log_likelihood["y"].dims == ("chain", "draw", "obs")
    assert "sample_weight" not in idata.constant_data
    assert idata.attrs["likelihood"] == "gaussian" and idata.attrs["noise_sigma"] == "sampled"


def test_logistic_fit_carries_encoded_labels_and_weights(logistic):
    idata = logistic.idata_
    np.testing.assert_array_equal(idata.observed_data["y"].values, (LABELS == "yes").astype(float))
    np.testing.assert_array_equal(idata.constant_data["sample_weight"].values, WEIGHTS)
    np.testing.assert_array_equal(idata.constant_data["X"].values, X.to_numpy())


# ----------------------------------------------------------------------------- posterior predictive
def gaussian_residuals_are_standard_normal(z: np.ndarray) -> bool:
    """Mean 0 and variance 1 within 4 MCSE (iid draws: se(mean) = 1/sqrt(N), se(var) = sqrt(2/N))."""
    n = z.size
    return abs(z.mean()) < 4 / np.sqrt(n) and abs(z.var() - 1) < 4 * np.sqrt(2 / n)


def bernoulli_draws_match(y_rep: np.ndarray, p: np.ndarray) -> bool:
    """sum(y - p) / sqrt(sum p(1-p)) is N(0, 1) for independent Bernoulli(p): within 4 of 0."""
    return abs(np.sum(y_rep - p) / np.sqrt(np.sum(p * (1 - p)))) < 4


def test_gaussian_posterior_predictive_is_exact(gaussian):
    idata = gaussian.sample_posterior_predictive(random_seed=7)
    y_rep = idata.posterior_predictive["y"]
    assert y_rep.dims == ("chain", "draw", "obs") and y_rep.shape == (2, 100, N)
    eta, sigma = _eta(idata), idata.posterior["sigma"].values[..., None]
    eps = np.random.default_rng(7).standard_normal((2, 100, N))      # the documented algorithm
    np.testing.assert_allclose(y_rep.values, eta + sigma * eps, rtol=1e-12, atol=1e-12)
    assert gaussian_residuals_are_standard_normal((y_rep.values - eta) / sigma)
    assert not gaussian_residuals_are_standard_normal((eta + 1.1 * sigma * eps - eta) / sigma)  # can fail
    again = gaussian.sample_posterior_predictive(random_seed=7).posterior_predictive["y"].values
    np.testing.assert_array_equal(again, y_rep.values)                # seeded: bit for bit


def test_logistic_posterior_predictive_is_exact(logistic):
    idata = logistic.sample_posterior_predictive()                    # the preset's seed
    y_rep = idata.posterior_predictive["y"].values
    p = expit(_eta(idata))
    u = np.random.default_rng(NUTS["random_seed"]).random((2, 100, N))
    np.testing.assert_array_equal(y_rep, (u < p).astype(int))
    assert set(np.unique(y_rep)) <= {0, 1}
    assert bernoulli_draws_match(y_rep, p)
    assert not bernoulli_draws_match((u < expit(_eta(idata) + 0.3)).astype(int), p)  # can fail


def test_fixed_noise_scale_is_used(gaussian):
    est = br.RidgeBayes(alpha=1.0, noise_sigma=2.5, method="nuts", sampler_kwargs=NUTS).fit(X, Y)
    idata = est.sample_posterior_predictive(random_seed=3)
    assert "sigma" not in idata.posterior and idata.attrs["noise_sigma"] == "2.5"
    eps = np.random.default_rng(3).standard_normal((2, 100, N))
    np.testing.assert_allclose(idata.posterior_predictive["y"].values, _eta(idata) + 2.5 * eps,
                               rtol=1e-12, atol=1e-12)
    # reproducer 6 of issue 16: the presets' predictions with intervals under NUTS
    mean, lo, hi = est.predict(X.iloc[:5], return_interval=True)
    assert mean.shape == lo.shape == hi.shape == (5,) and np.all(lo < mean) and np.all(mean < hi)
    np.testing.assert_array_equal(est.predictive_draws(X.iloc[:5]), est.predictive_draws(X.iloc[:5]))


def test_map_fit_has_no_posterior_predictive():
    with pytest.raises(AttributeError, match="fit with method='nuts'"):
        br.RidgeBayes().fit(X, Y).sample_posterior_predictive()


# ----------------------------------------------------------------------------- ArviZ
@pytest.mark.parametrize("fit", ["gaussian", "logistic"])
def test_arviz_checks_run(fit, request):
    idata = request.getfixturevalue(fit).sample_posterior_predictive(random_seed=1)
    try:
        assert az.plot_ppc(idata, num_pp_samples=20) is not None
        assert az.plot_loo_pit(idata, y="y") is not None
        assert az.plot_bpv(idata) is not None
        assert np.isfinite(az.loo(idata).elpd_loo)
    finally:
        plt.close("all")


def test_netcdf_round_trip_keeps_every_group(gaussian, tmp_path):
    idata = gaussian.sample_posterior_predictive(random_seed=2)
    path = tmp_path / "post.nc"
    br.save_idata(idata, path)
    back = br.load_idata(path)
    assert set(back.groups()) == set(idata.groups())
    for group in ("posterior", "posterior_predictive", "observed_data", "constant_data", "log_likelihood"):
        for name, var in idata[group].data_vars.items():
            np.testing.assert_array_equal(back[group][name].values, var.values, err_msg=f"{group}/{name}")
    # the loaded file is self-describing: the same seed gives the same draws
    again = add_posterior_predictive(back, random_seed=2)
    np.testing.assert_array_equal(again.posterior_predictive["y"].values, idata.posterior_predictive["y"].values)
