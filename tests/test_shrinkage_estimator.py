"""Global-local priors through BayesianRegression and the CLI: the fitted posterior, shrinkage factors, plot.

Short NUTS runs: these tests check what the estimator returns and computes (exact formulas on the
draws), not the posterior itself (``test_shrinkage_posterior.py``).
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import bayesreg as br
from bayesreg.cli import main
from bayesreg.inference.diagnostics import ConvergenceWarning, import_arviz


def _problem(n=40, p=5, seed=0, binary=False):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, p)) * np.arange(1, p + 1)  # columns of different scales
    eta = 0.5 + X[:, 0] * 1.5
    if binary:
        return X, (rng.random(n) < 1 / (1 + np.exp(-eta))).astype(float)
    return X, eta + rng.normal(size=n)


def _fit(X, y, prior, **kw):
    kw = {"method": "nuts", "draws": 150, "tune": 150, "chains": 2, "random_seed": 3, "progressbar": False,
          **kw}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return br.BayesianRegression(prior=prior, **kw).fit(X, y)


@pytest.fixture(scope="module")
def horseshoe_fit():
    X, y = _problem()
    return X, y, _fit(X, y, br.Unpenalized(br.Horseshoe(), features=[4]), noise_sigma=None,
                      noise_prior=br.noise.Jeffreys(), standardize=True)


def test_marginal_fit_has_exact_coefficient_draws_and_the_arviz_groups(horseshoe_fit):
    X, y, est = horseshoe_fit
    post = est.idata_.posterior
    assert est.idata_.attrs["bayesreg_form"] == "marginal" and est.idata_.attrs["target_accept"] == 0.9
    assert {"coef", "intercept", "sigma", "tau", "lam", "coef_scale"} <= set(post.data_vars)
    assert post["coef"].dims == ("chain", "draw", "feature") and post["lam"].shape[-1] == 4
    assert est.idata_.log_likelihood["y"].shape == (2, 150, len(y))
    assert np.isfinite(import_arviz().loo(est.idata_).elpd_loo)
    assert est.idata_.attrs["noise_prior"] == "Jeffreys()"
    np.testing.assert_allclose(est.coef_, post["coef"].mean(("chain", "draw")).values)
    again = _fit(X, y, br.Unpenalized(br.Horseshoe(), features=[4]), noise_sigma=None,
                 noise_prior=br.noise.Jeffreys(), standardize=True)  # the exact draws are seeded too
    np.testing.assert_array_equal(again.idata_.posterior["coef"].values, post["coef"].values)


def test_shrinkage_factors_and_effective_nonzeros_are_the_formula(horseshoe_fit):
    X, y, est = horseshoe_fit
    post = est.idata_.posterior
    scale = post["coef_scale"].values.reshape(-1, 4)
    sigma = post["sigma"].values.reshape(-1, 1)
    kappa = est.shrinkage_factors(draws=True)
    expected = 1 / (1 + len(y) * X[:, :4].var(axis=0) * scale**2 / sigma**2)
    np.testing.assert_allclose(kappa[:, :4], expected)
    assert np.all(kappa[:, 4] == 0)  # the unpenalised feature is not shrunk
    np.testing.assert_allclose(est.effective_nonzeros(draws=True), (1 - kappa).sum(axis=1))
    assert est.effective_nonzeros() == pytest.approx((1 - kappa).sum(axis=1).mean())
    table = est.shrinkage_factors(prob=0.8)
    assert list(table.columns) == ["mean", "median", "lower_0.8", "upper_0.8"]
    assert list(table.index) == [f"x{j}" for j in range(5)]
    assert table.loc["x0", "median"] < table.loc["x3", "median"]  # the signal is shrunk least
    import matplotlib.pyplot as plt

    from bayesreg.plots import plot_shrinkage_factors

    fig = plot_shrinkage_factors(est, nonzero=[0])
    assert len(fig.axes) == 2
    plt.close(fig)


def test_shrinkage_factors_need_a_global_local_posterior():
    X, y = _problem()
    est = _fit(X, y, br.Laplace(1.0), draws=20, tune=20)
    with pytest.raises(AttributeError, match="global-local prior"):
        est.shrinkage_factors()


def test_logistic_fit_is_noncentred_and_uses_the_pseudo_noise_scale():
    X, yb = _problem(n=60, binary=True)
    est = _fit(X, yb, br.R2D2(), likelihood="logistic", target_accept=0.95)
    post = est.idata_.posterior
    assert est.idata_.attrs["target_accept"] == 0.95  # the user's value wins
    assert {"coef_z", "r2", "phi", "tau", "lam"} <= set(post.data_vars)
    mu = yb.mean()
    scale = post["coef_scale"].values.reshape(-1, 5)
    expected = 1 / (1 + len(yb) * X.var(axis=0) * scale**2 * mu * (1 - mu))
    np.testing.assert_allclose(est.shrinkage_factors(draws=True), expected)


# ------------------------------------------------------------------------------------------- CLI
def _run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize(("argv", "fragment"), [
    (["--prior", "regularized_horseshoe"], "needs --p0 N"),
    (["--prior", "r2d2", "--p0", "3"], "--p0 do(es) not apply to --prior r2d2"),
    (["--prior", "horseshoe", "--scale-slab", "2"], "--scale-slab do(es) not apply"),
    (["--prior", "horseshoe", "--method", "map"], "no finite posterior mode"),
    (["--prior", "horseshoe", "--alpha", "1"], "replaces the penalty: drop --alpha"),
    (["--p0", "3"], "add --prior"),
    (["--prior", "horseshoe", "--p0", "3", "--scale-global", "0.1"], "not both"),
    (["--prior", "horseshoe", "--p0", "20"], "--p0 must be below the number of features (10)"),
    (["--prior", "r2d2", "--mean-r2", "1.5"], "--mean-r2"),
])
def test_cli_shrinkage_flags_are_checked(capsys, argv, fragment):
    code, out, err = _run(capsys, "fit", "--data", "diabetes", "--draws", "10", "--tune", "10", *argv)
    assert code == 2 and "Traceback" not in err
    assert err.startswith("bayesreg fit: error: ") and fragment in err, err


def test_cli_fits_a_horseshoe(capsys):
    code, out, err = _run(capsys, "fit", "--data", "diabetes", "--prior", "regularized_horseshoe", "--p0", "3",
                          "--noise-prior", "jeffreys", "--standardize", "--draws", "100", "--tune", "100",
                          "--chains", "2", "--seed", "1", "--quiet")
    assert code == 0, err
    assert "RegularizedHorseshoe(scale_global=0.02038" in out  # 3 / 7 / sqrt(442)
    assert "sampled noise scale (jeffreys)" in out and "m_eff = " in out
    assert "coef[age]" in out and "sigma" in out
