"""Gaussian models from their sufficient statistics alone equal the in-memory fit.

MAP: every Gaussian convention (glmnet's standardisation, sd(y), weights and penalty factors
included), statistics from arrays, from chunks and from a Dask collection: coefficients within
1e-10 relative of ``fit(X, y)``. NUTS: the model reads only the statistics, so the same statistics
give the same draws for the same seed (bitwise); statistics merged from chunks differ from the
in-memory ones by ~1e-15, and the (chaotic) chains then differ draw by draw but sample the same
posterior (checked within Monte Carlo error, slow).
"""

from __future__ import annotations

import numpy as np
import pytest

import bayesreg as br
from bayesreg.datasets import load_dataset


@pytest.fixture(scope="module")
def diabetes():
    d = load_dataset("diabetes")
    rng = np.random.default_rng(14)
    v = rng.uniform(0.2, 3.0, len(d.y))
    return d.X, np.asarray(d.y, dtype=float), v


def chunked(X, y, v=None, seed=0):
    """Statistics merged from uneven chunks (a different rounding than the in-memory pass)."""
    rng = np.random.default_rng(seed)
    cuts = np.sort(rng.choice(np.arange(1, len(y)), 6, replace=False))
    parts = np.split(np.arange(len(y)), cuts)
    return br.SufficientStats.from_chunks(
        (X.iloc[i], y[i]) if v is None else (X.iloc[i], y[i], v[i]) for i in parts)


def rel(a, b) -> float:
    a, b = np.asarray(a), np.asarray(b)
    return float(np.max(np.abs(a - b)) / max(np.max(np.abs(b)), 1e-300))


CASES = [  # (convention, penalty parameters, noise scale)
    ("sklearn.Lasso", {"alpha": 1.0}, 1.0),
    ("sklearn.Ridge", {"alpha": 1.0}, 1.0),
    ("sklearn.ElasticNet", {"alpha": 0.5, "l1_ratio": 0.5}, 1.0),
    ("glmnet", {"lambda_": 1.0, "alpha": 0.5}, 1.0),
    ("glmnet", {"lambda_": 2.0, "alpha": 0.3, "standardize": False, "penalty_factor": [0, 1, 1, 1, 1, 1, 1, 1, 1, 2]},
     1.0),
    ("statsmodels", {"alpha": 0.5, "L1_wt": 0.5}, 50.0),
    ("sum", {"lam": 0.05, "penalty": "l1"}, 50.0),
    ("mean", {"lam": 1e-4, "penalty": "l2"}, 50.0),
    ("mse", {"lam": 5.0, "penalty": "elasticnet", "l1_ratio": 0.5}, 50.0),
    ("mean_half", {"lam": 5.0, "penalty": "l1"}, 50.0),
    ("weight_decay", {"wd": 1e-3}, 50.0),
]


def prior_for(convention, params, sigma, X, y, v, stats):
    """The mapped prior, from the rows (in memory) or from the statistics."""
    if convention == "glmnet":
        if stats is not None:
            return br.penalty_to_prior("glmnet", noise_sigma=sigma, stats=stats, **params)
        extra = {} if v is None else {"weights": v}
        return br.penalty_to_prior("glmnet", noise_sigma=sigma, X=X, y=y, **params, **extra)
    n = (stats.weight_sum if stats is not None else (len(y) if v is None else float(np.sum(v))))
    return br.penalty_to_prior(convention, n=n, noise_sigma=sigma, **params)


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize(("convention", "params", "sigma"), CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_map_from_statistics_equals_in_memory_map(diabetes, convention, params, sigma, weighted):
    X, y, v = diabetes
    v = v if weighted else None
    memory = br.BayesianRegression(prior=prior_for(convention, params, sigma, X, y, v, None),
                                   noise_sigma=sigma).fit(X, y, sample_weight=v)
    stats = chunked(X, y, v)
    est = br.BayesianRegression(prior=prior_for(convention, params, sigma, X, y, v, stats), noise_sigma=sigma)
    est.fit_stats(stats)
    assert est.certificate_.passed
    assert rel(est.coef_, memory.coef_) <= 1e-10
    assert abs(est.intercept_ - memory.intercept_) <= 1e-10 * max(abs(memory.intercept_), np.abs(memory.coef_).max())
    assert np.array_equal(est.coef_ == 0, memory.coef_ == 0)
    assert list(est.feature_names_in_) == list(X.columns)


@pytest.mark.parametrize("make", [
    lambda: br.LassoBayes(alpha=0.5),
    lambda: br.RidgeBayes(alpha=3.0, fit_intercept=False),
    lambda: br.ElasticNetBayes(alpha=0.2, l1_ratio=0.7),
    lambda: br.GlmnetBayes(lambda_=0.5, alpha=0.5),
    lambda: br.GlmnetBayes(lambda_=0.5, alpha=0.2, penalty_factor=[1, 0, 1, 1, 1, 1, 1, 1, 1, 1]),
    lambda: br.BayesianRegression(prior=br.Laplace(0.05), noise_sigma=50.0, standardize=True),
    lambda: br.BayesianRegression(prior=br.ElasticNet(0.5, 0.01), fit_intercept=False),
], ids=["lasso", "ridge-no-intercept", "enet", "glmnet", "glmnet-pf", "standardize", "enet-no-intercept"])
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
def test_presets_fit_stats_equal_fit(diabetes, make, weighted):
    X, y, v = diabetes
    v = v if weighted else None
    memory = make().fit(X, y, sample_weight=v)
    stats = chunked(X, y, v, seed=3)
    est = make().fit_stats(stats)
    assert rel(est.coef_, memory.coef_) <= 1e-10
    assert est.intercept_ == pytest.approx(memory.intercept_, rel=1e-10, abs=1e-10)


def test_statistics_from_arrays_dask_and_files_give_the_same_map(diabetes, tmp_path):
    dd = pytest.importorskip("dask.dataframe")
    X, y, v = diabetes
    frame = X.assign(target=y, w=v)
    est = br.GlmnetBayes(lambda_=0.5, alpha=0.5)
    memory = est.fit(X, y, sample_weight=v).coef_.copy()
    from_arrays = br.SufficientStats.from_arrays(X, y, v)
    from_dask = br.SufficientStats.from_dask(dd.from_pandas(frame, npartitions=5), "target", weights="w",
                                             compute_kwargs={"scheduler": "sync"})
    path = tmp_path / "d.csv"
    frame.to_csv(path, index=False)
    from_csv = br.SufficientStats.from_files(str(path), "target", weights="w", batch_rows=100)
    for st in (from_arrays, from_dask, from_csv):
        assert st.feature_names == tuple(X.columns)
        assert rel(br.GlmnetBayes(lambda_=0.5, alpha=0.5).fit_stats(st).coef_, memory) <= 1e-10


def test_noise_scale_plug_in_from_statistics(diabetes):
    X, y, v = diabetes
    for weights in (None, v):
        direct = br.estimate_noise_sigma(X, y, "sklearn.Lasso", sample_weight=weights, alpha=0.5)
        via = br.estimate_noise_sigma(br.SufficientStats.from_arrays(X, y, weights), None, "sklearn.Lasso", alpha=0.5)
        assert via == pytest.approx(direct, rel=1e-10)
    g = br.estimate_noise_sigma(X, y, "glmnet", lambda_=1.0, alpha=0.5)
    assert br.estimate_noise_sigma(chunked(X, y), None, "glmnet", lambda_=1.0, alpha=0.5) == pytest.approx(g, rel=1e-10)


def nuts(**kw):
    base = {"method": "nuts", "draws": 60, "tune": 60, "chains": 1, "random_seed": 7, "progressbar": False,
            "sampler": "pymc"}
    return br.BayesianRegression(**{**base, **kw})


@pytest.mark.filterwarnings("ignore::bayesreg.ConvergenceWarning")
@pytest.mark.parametrize("kw", [
    {"prior": br.Laplace(5.0), "noise_sigma": 50.0},
    {"prior": br.BayesianLasso()},  # a prior with random scales and its own noise prior
], ids=["laplace", "bayesian-lasso"])
def test_nuts_from_the_same_statistics_gives_identical_draws(diabetes, kw):
    X, y, _ = diabetes
    memory = nuts(**kw).fit(X, y)
    est = nuts(**kw).fit_stats(br.SufficientStats.from_arrays(X, y))
    for name in memory.idata_.posterior.data_vars:
        np.testing.assert_array_equal(est.idata_.posterior[name].values, memory.idata_.posterior[name].values)
    assert "log_likelihood" not in est.idata_.groups()  # pointwise terms need the rows
    assert "observed_data" not in est.idata_.groups() and "X" not in est.idata_.get("constant_data", {})
    assert list(est.idata_.posterior.feature.values) == list(X.columns)
    with pytest.raises(ValueError, match="fitted from sufficient statistics alone"):
        est.sample_posterior_predictive()


@pytest.mark.slow
def test_nuts_from_merged_statistics_samples_the_same_posterior(diabetes):
    """Chunked statistics (different rounding): same posterior within 4 Monte Carlo standard errors."""
    from bayesreg.reference.mcse import mcse_mean

    X, y, _ = diabetes
    kw = {"prior": br.Laplace(5.0), "noise_sigma": 55.0, "draws": 400, "tune": 300, "chains": 2}
    a = nuts(**kw).fit(X, y).idata_.posterior["coef"].values
    b = nuts(**kw, random_seed=8).fit_stats(chunked(X, y)).idata_.posterior["coef"].values
    for j in range(a.shape[-1]):
        se = np.hypot(mcse_mean(a[..., j]), mcse_mean(b[..., j]))
        assert abs(a[..., j].mean() - b[..., j].mean()) <= 4 * se


@pytest.mark.parametrize(("make", "match"), [
    (lambda: br.BayesianRegression(likelihood="logistic"), "needs the Gaussian likelihood"),
    (lambda: br.BayesianRegression(form="rows"), "has no rows"),
    (lambda: br.BayesianRegression(method="laplace"), "sampled exactly"),
])
def test_fit_stats_refuses_what_needs_rows(diabetes, make, match):
    X, y, _ = diabetes
    with pytest.raises(ValueError, match=match):
        make().fit_stats(br.SufficientStats.from_arrays(X, y))


def test_fit_stats_needs_statistics():
    with pytest.raises(TypeError, match="must be a bayesreg.SufficientStats; got ndarray"):
        br.BayesianRegression().fit_stats(np.ones((3, 3)))
    with pytest.raises(ValueError, match="zero total weight"):
        br.BayesianRegression().fit_stats(br.SufficientStats.empty(3))
    with pytest.raises(ValueError, match="weights= as well"):
        br.penalty_to_prior("glmnet", lambda_=1.0, stats=br.SufficientStats.from_arrays(np.eye(3), [1.0, 2, 3]),
                            weights=[1.0, 1, 1])


def test_symmetric_quad_form_gradient_is_one_product():
    """w'Gw with the gradient 2Gw: exact value, gradient and Hessian; the compiled gradient holds one product."""
    import pytensor
    import pytensor.tensor as pt

    from bayesreg.model.likelihoods import symmetric_quad_form

    rng = np.random.default_rng(3)
    A = rng.normal(size=(30, 30))
    G = A @ A.T
    w = pt.vector("w")
    value = symmetric_quad_form(pytensor.shared(G, name="G"), w)
    grad = pytensor.grad(value, w)
    f = pytensor.function([w], [value, grad, pytensor.gradient.jacobian(grad, w, vectorize=True)])
    x = rng.normal(size=30)
    v, g, h = f(x)
    assert v == pytest.approx(x @ G @ x, rel=1e-12)
    np.testing.assert_allclose(g, 2 * G @ x, rtol=1e-12)
    np.testing.assert_allclose(h, 2 * G, rtol=1e-12)

    def products_with_G(expr):
        fg = pytensor.function([w], [expr, pytensor.grad(expr, w)])
        return [n for n in fg.maker.fgraph.toposort() if any(i.name == "G" for i in n.inputs)
                and "Shape" not in str(n.op)]

    assert len(products_with_G(value)) == 1  # G w once, shared by the value and the gradient
    plain = pt.dot(w, pt.dot(pytensor.shared(G, name="G"), w))
    assert len(products_with_G(plain)) == 2  # written plainly: G w and G' w
