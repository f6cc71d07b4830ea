"""Smoke and consistency tests of bayesreg.plots (headless, Agg backend)."""

from __future__ import annotations

import warnings

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import bayesreg as br  # noqa: E402
from bayesreg import plots  # noqa: E402
from bayesreg.datasets import load_dataset  # noqa: E402
from bayesreg.reference.penalized import reference_solve  # noqa: E402

NOISE = 54.0  # about the OLS residual sd of the diabetes data, so the prior scale is meaningful
ALPHA = 0.1


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def diabetes():
    d = load_dataset("diabetes_std")
    return d.X, d.y


@pytest.fixture(scope="module")
def nuts_fit(diabetes):
    """A tiny NUTS fit of the Lasso-equivalent Laplace prior (diagnostics warnings are expected)."""
    X, y = diabetes
    prior = br.penalty_to_prior("sklearn.Lasso", alpha=ALPHA, n=len(y), noise_sigma=NOISE)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est = br.BayesianRegression(prior=prior, noise_sigma=NOISE, method="nuts", draws=200, tune=200,
                                    chains=2, random_seed=0, progressbar=False).fit(X, y)
    map_coef = br.BayesianRegression(prior=prior, noise_sigma=NOISE).fit(X, y).coef_
    l1, l2 = prior.penalty_weights(X.shape[1])
    penalized = reference_solve(X.to_numpy(), y.to_numpy(), l1, l2, noise_sigma=NOISE).coef
    return est, map_coef, penalized


def check_figure(fig, tmp_path, name):
    """Renders, every visible Axes is labelled, and the PNG written is non-empty."""
    fig.canvas.draw()
    visible = [a for a in fig.axes if a.get_visible() and a.get_label() != "<colorbar>"]
    main = [a for a in visible if a.get_xlabel() or a.get_ylabel() or a.has_data()]
    assert main
    for a in main:
        if a.has_data():
            assert a.get_xlabel().strip(), a
            assert a.get_ylabel().strip(), a
    path = tmp_path / f"{name}.png"
    fig.savefig(path, format="png")
    assert path.stat().st_size > 1000
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_prior_penalty(tmp_path):
    fig = plots.plot_prior_penalty()
    assert isinstance(fig, matplotlib.figure.Figure)
    ax_d, ax_p = fig.axes[:2]
    assert len(ax_d.get_lines()) >= 3 and ax_d.get_legend() is not None
    # default priors share variance 1; penalties are 0 at w=0 and the Laplace one is l1|w|
    lap = ax_p.get_lines()[0]
    w, pen = lap.get_xdata(), lap.get_ydata()
    np.testing.assert_allclose(pen, np.sqrt(2.0) * np.abs(w), atol=1e-12)
    for line in ax_p.get_lines()[:3]:
        assert line.get_ydata()[np.flatnonzero(line.get_xdata() == 0.0)[0]] == 0.0
    check_figure(fig, tmp_path, "prior_penalty")


def test_prior_penalty_custom_axes(tmp_path):
    fig, axes = plt.subplots(1, 2)
    out = plots.plot_prior_penalty({"L1": br.Laplace(1.0), "L2": br.Gaussian(2.0)}, ax=axes, w_range=(-2, 2))
    assert out is fig
    assert axes[0].get_xlim() == (-2.0, 2.0)
    with pytest.raises(ValueError, match="scalar-scale"):
        plots.plot_prior_penalty([br.Laplace((1.0, 2.0))])


@pytest.mark.parametrize(("convention", "param", "fixed", "kind"), [
    ("sklearn.Lasso", "alpha", {}, "Laplace"),
    ("sklearn.Ridge", "alpha", {}, "Gaussian"),
    ("sklearn.ElasticNet", "alpha", {"l1_ratio": 0.5}, "elastic"),
])
def test_regularization_path(diabetes, tmp_path, convention, param, fixed, kind):
    X, y = diabetes
    ax = plots.plot_regularization_path(X, y, convention, param, noise_sigma=NOISE, n_values=12, **fixed)
    assert isinstance(ax, matplotlib.axes.Axes)
    # the MAP of the mapped prior is the penalised optimum of the independent solver
    assert ax.bayesreg_max_rel_diff < 1e-6, ax.bayesreg_max_rel_diff
    path = ax.bayesreg_path
    assert path["map_coef"].shape == (12, X.shape[1])
    assert ax.get_xscale() == "log"
    # secondary axis: the exact prior scale of each grid value, and its inverse
    sec = ax.bayesreg_secondary_axis
    assert kind in sec.get_xlabel()
    fwd, inv = ax.bayesreg_prior_scale
    np.testing.assert_allclose(fwd(path["values"]), path["prior_scale"], rtol=1e-12)
    np.testing.assert_allclose(inv(fwd(path["values"])), path["values"], rtol=1e-12)
    v = path["values"][3]
    pw = br.penalty_to_weights(convention, n=len(y), noise_sigma=NOISE, **{param: v}, **fixed)
    expected = 0.5 / float(pw.l2) if kind == "Gaussian" else 1.0 / float(pw.l1)
    np.testing.assert_allclose(fwd(np.array([v]))[0], expected, rtol=1e-12)
    check_figure(ax.figure, tmp_path, f"path_{convention}")


def test_regularization_path_lasso_zeros_and_values(diabetes):
    X, y = diabetes
    ax = plots.plot_regularization_path(X, y, values=[0.05, 0.5, 5.0], noise_sigma=NOISE)
    path = ax.bayesreg_path
    np.testing.assert_array_equal(path["values"], [0.05, 0.5, 5.0])
    np.testing.assert_array_equal(path["map_coef"] == 0, path["reference_coef"] == 0)
    assert np.all(path["map_coef"][-1] == 0)  # above alpha_max every coefficient is exactly 0
    # Laplace b = sigma^2 / (n alpha)
    np.testing.assert_allclose(path["prior_scale"], NOISE**2 / (len(y) * path["values"]), rtol=1e-12)
    assert ax.bayesreg_max_diff <= 1e-6 * np.max(np.abs(path["reference_coef"]))


def test_regularization_path_logistic(tmp_path):
    d = load_dataset("binary_synthetic")
    ax = plots.plot_regularization_path(d.X, d.y, "sklearn.LogisticRegression", "C", n_values=8,
                                        l1_ratio=1.0)
    assert ax.bayesreg_max_rel_diff < 1e-6, ax.bayesreg_max_rel_diff
    # Laplace b = C: the secondary axis is the identity
    np.testing.assert_allclose(ax.bayesreg_path["prior_scale"], ax.bayesreg_path["values"], rtol=1e-12)
    check_figure(ax.figure, tmp_path, "path_logistic")


def test_posterior_forest(nuts_fit, tmp_path):
    est, map_coef, penalized = nuts_fit
    np.testing.assert_allclose(map_coef, penalized, rtol=0, atol=1e-6 * np.max(np.abs(penalized)))
    ax = plots.plot_posterior_forest(est, map_coef=map_coef, penalized_coef=penalized, hdi_prob=0.9)
    assert isinstance(ax, matplotlib.axes.Axes)
    assert [t.get_text() for t in ax.get_yticklabels()] == list(est.feature_names_in_)
    labels = ax.get_legend_handles_labels()[1]
    assert {"MAP", "penalised estimate", "posterior median", "90% HDI"} <= set(labels)
    with pytest.raises(ValueError, match="shape"):
        plots.plot_posterior_forest(est, map_coef=map_coef[:3])
    check_figure(ax.figure, tmp_path, "forest")


def test_prior_vs_posterior(nuts_fit, tmp_path):
    est, _, _ = nuts_fit
    fig = plots.plot_prior_vs_posterior(est)
    assert isinstance(fig, matplotlib.figure.Figure)
    assert sum(a.get_visible() for a in fig.axes) == est.n_features_in_
    # the prior curve is the prior's own density of that coordinate
    prior_line = [ln for ln in fig.axes[2].get_lines() if ln.get_linestyle() == "--"][0]
    w, dens = prior_line.get_xdata(), prior_line.get_ydata()
    np.testing.assert_allclose(np.log(dens), [est.prior.logpdf(np.array([v])) for v in w], rtol=1e-12)
    check_figure(fig, tmp_path, "prior_vs_posterior")

    fig2, axes = plt.subplots(1, 2)
    out = plots.plot_prior_vs_posterior(est, features=["bmi", 8], axes=axes)
    assert out is fig2
    assert [a.get_title() for a in axes] == ["bmi", "s5"]


def test_posterior_plots_need_nuts(diabetes):
    X, y = diabetes
    est = br.BayesianRegression(prior=br.Gaussian(100.0), noise_sigma=NOISE).fit(X, y)
    with pytest.raises(ValueError, match="method='nuts'"):
        plots.plot_posterior_forest(est)
    with pytest.raises(ValueError, match="method='nuts'"):
        plots.plot_prior_vs_posterior(est)


def test_shrinkage_dynamics(tmp_path):
    ax = plots.plot_shrinkage_dynamics(w0=2.0, lam=0.5, lr=0.1, steps=60)
    assert isinstance(ax, matplotlib.axes.Axes)
    l1, l2 = ax.bayesreg_trajectories["l1"], ax.bayesreg_trajectories["l2"]
    assert l1.shape == l2.shape == (61,)
    np.testing.assert_allclose(l1[:40], 2.0 - 0.05 * np.arange(40), atol=1e-12)
    assert np.all(l1[40:] == 0.0)  # exactly zero, and stays there
    np.testing.assert_allclose(l2, 2.0 * 0.9 ** np.arange(61), rtol=1e-12)
    assert np.all(l2 > 0)
    neg = plots.plot_shrinkage_dynamics(w0=-1.0, lam=0.1, lr=0.1, steps=200)
    assert neg.bayesreg_trajectories["l1"][-1] == 0.0 and np.all(neg.bayesreg_trajectories["l1"] <= 0)
    with pytest.raises(ValueError):
        plots.plot_shrinkage_dynamics(steps=0)
    check_figure(ax.figure, tmp_path, "shrinkage")


def test_regularization_path_accepts_a_path_object(diabetes, tmp_path):
    X, y = diabetes
    alphas = np.geomspace(1.0, 1e-3, 12)
    path = br.regularization_path(X, y, "sklearn.Lasso", alpha=alphas)
    ax = plots.plot_regularization_path(path)
    assert ax.bayesreg_path is path
    lines = [ln for ln in ax.get_lines() if ln.get_label() in path.feature_names]
    assert len(lines) == 10
    np.testing.assert_array_equal(lines[0].get_ydata(), path.coef_[np.argsort(alphas), 0])
    forward, inverse = ax.bayesreg_prior_scale  # the exact Laplace scale b = 1/(n alpha) (noise 1)
    np.testing.assert_allclose(forward(alphas), 1.0 / (len(y) * alphas), rtol=1e-9)
    np.testing.assert_allclose(inverse(forward(alphas)), alphas, rtol=1e-9)
    ax.figure.savefig(tmp_path / "path.png")
    plt.close(ax.figure)
