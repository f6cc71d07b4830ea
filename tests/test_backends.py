"""NUTS backends: the rule of ``sampler="auto"``, clear errors for missing or unknown backends.

That every backend samples the same posterior is checked in ``tests/test_posterior.py`` (closed
form, exact Gibbs, Polya-Gamma, each parametrized over the installed backends).
"""

from __future__ import annotations

import importlib.util
import sys
import warnings
from collections import namedtuple

import numpy as np
import pytest

import bayesreg as br
from bayesreg.inference import backends, sampling
from bayesreg.inference.backends import (
    BACKENDS,
    JAX_MIN_SIZE,
    NUTPIE_MIN_FEATURES,
    SAMPLERS,
    choose_sampler,
    installed_samplers,
    missing_dependencies,
    require_backend,
)


@pytest.fixture
def without(monkeypatch):
    """``without("jax")`` makes ``jax`` look uninstalled to the backend checks."""
    real = importlib.util.find_spec

    def hide(*names):
        monkeypatch.setattr(backends.importlib.util, "find_spec",
                            lambda name, *a, **k: None if name in names else real(name, *a, **k))

    return hide


def test_samplers_are_auto_and_every_backend():
    assert SAMPLERS == ("auto", "pymc", "nutpie", "nutpie-jax", "numpyro", "jax", "jax-float64")
    assert "pymc" in installed_samplers()
    assert missing_dependencies("pymc") == []


def test_auto_rule_for_sufficient_statistics(without):
    p = NUTPIE_MIN_FEATURES
    assert choose_sampler("suffstats", p - 1, 10**6) == "pymc"
    if not missing_dependencies("nutpie"):
        assert choose_sampler("suffstats", p, 10) == "nutpie"
    without("nutpie")
    assert choose_sampler("suffstats", 10 * p, 10**6) == "pymc"


def test_auto_rule_for_models_over_rows(without):
    assert choose_sampler("rows", 10, JAX_MIN_SIZE // 10 - 1) == "pymc"
    assert choose_sampler("rows", 10, JAX_MIN_SIZE // 10 - 1, own_jax=True) == "pymc"
    if not missing_dependencies("jax"):  # bayesreg's own float32 JAX log-density when it can sample the model
        assert choose_sampler("rows", 10, JAX_MIN_SIZE // 10, own_jax=True) == "jax"
        assert choose_sampler("rows", 100, 100_000, own_jax=True) == "jax"
    if not missing_dependencies("numpyro"):  # a random-scale prior: NumPyro's NUTS on PyMC's JAX graph
        assert choose_sampler("rows", 200, 1000, random_scales=True) == "numpyro"
        assert choose_sampler("rows", 200, 400, random_scales=True) == "pymc"  # n * p below JAX_MIN_SIZE
    if not missing_dependencies("nutpie-jax"):  # otherwise nutpie on PyMC's JAX graph
        assert choose_sampler("rows", 10, JAX_MIN_SIZE // 10) == "nutpie-jax"
        assert choose_sampler("rows", 100, 10_000) == "nutpie-jax"
    without("numpyro")
    assert choose_sampler("rows", 100, 100_000, own_jax=True) in ("nutpie-jax", "pymc")
    without("jax")
    assert choose_sampler("rows", 100, 100_000) == "pymc"
    assert choose_sampler("rows", 100, 100_000, own_jax=True) == "pymc"
    assert not {"nutpie-jax", "numpyro", "jax", "jax-float64"} & set(installed_samplers())


def test_missing_backend_names_the_extra(without):
    without("jax", "numpyro")
    with pytest.raises(ImportError, match=r"The 'sampler' parameter is 'nutpie-jax', which needs jax \(not "
                                          r"installed\): pip install 'bayesreg\[jax\]'"):
        require_backend("nutpie-jax")
    with pytest.raises(ImportError, match=r"needs numpyro, jax.*bayesreg\[jax\]"):
        require_backend("numpyro")


def test_missing_backend_is_refused_before_any_model_is_built(without, monkeypatch):
    import bayesreg.estimators.regression as regression

    def tripwire(*a, **k):
        raise AssertionError("a model was built before the sampler was checked")

    monkeypatch.setattr(regression, "build_model", tripwire)
    without("jax", "numpyro")
    for est in (br.BayesianRegression(method="nuts", sampler="nutpie-jax"),
                br.LassoBayes(method="nuts", sampler_kwargs={"sampler": "numpyro"})):
        with pytest.raises(ImportError, match=rf"The 'sampler' parameter of {type(est).__name__} is '(nutpie-jax|"
                                              r"numpyro)', which needs .*jax"):
            est.fit(np.eye(3), np.arange(3.0))


def test_unknown_sampler_is_an_error_naming_the_choices():
    with pytest.raises(ValueError, match=r"'sampler' parameter must be one of 'auto', 'pymc', 'nutpie', "
                                         r"'nutpie-jax', 'numpyro', 'jax', 'jax-float64'; got 'stan'"):
        require_backend("stan")
    est = br.BayesianRegression(method="nuts", sampler="blackjax")
    with pytest.raises(ValueError, match="sampler.*blackjax"):
        est.fit(np.eye(3), np.arange(3.0))


def test_every_backend_runs_pymc_sample_with_its_settings():
    # "jax" is bayesreg's own JAX log-density, sampled by NumPyro directly (bayesreg.inference.jax_nuts)
    assert {b.nuts_sampler for b in BACKENDS.values()} == {"pymc", "nutpie", "numpyro", ""}
    assert BACKENDS["jax"].nuts_sampler == "" and BACKENDS["jax-float64"].nuts_sampler == ""
    assert BACKENDS["jax"].sampler_kwargs == {"precision": "float32"}
    assert BACKENDS["jax-float64"].sampler_kwargs == {"precision": "float64"}
    assert BACKENDS["nutpie-jax"].sampler_kwargs == {"backend": "jax", "gradient_backend": "jax"}
    assert BACKENDS["nutpie"].sampler_kwargs == {}


def test_nutpie_adapts_a_low_rank_mass_matrix_only_for_global_local_priors():
    """The global-local scales have a ridge (log tau + log lambda_j) that a diagonal matrix cannot follow;
    the Bayesian lasso gained nothing from it (sampling.nutpie_kwargs)."""
    for name in ("nutpie", "nutpie-jax"):
        assert sampling.nutpie_kwargs(BACKENDS[name], True) == {"low_rank_modified_mass_matrix": True}
        assert sampling.nutpie_kwargs(BACKENDS[name], False) == {}
    for name in ("pymc", "numpyro", "jax"):
        assert sampling.nutpie_kwargs(BACKENDS[name], True) == {}
    Built = namedtuple("Built", "prior")
    assert sampling.has_random_scales(Built(br.Horseshoe())) and sampling.has_random_scales(Built(br.BayesianLasso()))
    assert sampling.has_random_scales(Built(br.Unpenalized(br.R2D2(), features=[0])))
    assert not sampling.has_random_scales(Built(br.Laplace(1.0)))


@pytest.mark.slow  # nutpie's compile
@pytest.mark.skipif(importlib.util.find_spec("nutpie") is None, reason="needs nutpie")
def test_the_bayesian_lasso_keeps_nutpies_diagonal_mass_matrix():
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((60, 3)), rng.standard_normal(60)
    est = br.BayesianRegression(prior=br.BayesianLasso(), method="nuts", sampler="nutpie", draws=20, tune=20,
                                chains=1, random_seed=0, progressbar=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        idata = est.fit(X, y).idata_
    assert idata.attrs["mass_matrix"] == "diagonal" and idata.attrs["target_accept"] == 0.9


def test_default_target_accept_is_0_99_only_for_the_regularized_horseshoe_in_the_rows_form():
    """rows form (p > n, coefficients integrated out): 0.9 diverged on the regularized horseshoe only."""
    Built = namedtuple("Built", "prior marginal")
    rows, gram = namedtuple("Marginal", "form")("rows"), namedtuple("Marginal", "form")("gram")
    rhs = br.RegularizedHorseshoe(0.01)
    assert sampling.default_target_accept(Built(rhs, rows)) == 0.99
    assert sampling.default_target_accept(Built(br.Unpenalized(rhs, features=[0]), rows)) == 0.99
    assert sampling.default_target_accept(Built(rhs, gram)) == 0.9
    assert sampling.default_target_accept(Built(rhs, None)) == 0.9  # non-centred (logistic)
    for prior in (br.Horseshoe(), br.HorseshoePlus(), br.R2D2()):
        assert sampling.default_target_accept(Built(prior, rows)) == 0.9
    assert br.BayesianRegression().target_accept is None


def test_pymc_chains_are_not_forked_once_jax_is_loaded(monkeypatch):
    monkeypatch.delitem(sys.modules, "jax", raising=False)
    assert sampling._default_cores("pymc", 4) == 2
    monkeypatch.setitem(sys.modules, "jax", object())
    assert sampling._default_cores("pymc", 4) == 1
    assert sampling._default_cores("nutpie-jax", 4) == 2


@pytest.mark.skipif(bool(missing_dependencies("jax")), reason="jax or numpyro not installed")
def test_auto_runs_jax_on_a_large_logistic_model():
    rng = np.random.default_rng(0)
    n, p = 2000, 50  # n * p = JAX_MIN_SIZE
    X = rng.standard_normal((n, p))
    y = (rng.random(n) < 1 / (1 + np.exp(-X[:, 0]))).astype(float)
    est = br.BayesianRegression(prior=br.Gaussian(1.0), likelihood="logistic", method="nuts", draws=50, tune=50,
                                chains=1, random_seed=0, progressbar=False)
    with pytest.warns(br.ConvergenceWarning):
        est.fit(X, y)
    assert est.idata_.attrs["sampler"] == "jax"  # bayesreg's own float32 log-density (nutpie-jax for others)
    assert est.idata_.posterior["coef"].shape == (1, 50, p)
    assert abs(est.coef_[0] - 1.0) < 0.5


@pytest.mark.skipif(importlib.util.find_spec("numpyro") is None, reason="needs the jax extra")
def test_auto_runs_numpyro_for_a_random_scale_prior_over_rows():
    """Logistic + regularized horseshoe: nutpie-jax's adaptation left the scales unmixed in bench_peers."""
    rng = np.random.default_rng(0)
    n, p = 2000, 50  # n * p = JAX_MIN_SIZE
    X = rng.standard_normal((n, p))
    y = (rng.random(n) < 1 / (1 + np.exp(-X[:, 0]))).astype(float)
    est = br.BayesianRegression(prior=br.RegularizedHorseshoe(scale_global=0.01), likelihood="logistic",
                                method="nuts", draws=30, tune=30, chains=1, random_seed=0, progressbar=False)
    with pytest.warns(br.ConvergenceWarning):
        est.fit(X, y)
    assert est.idata_.attrs["sampler"] == "numpyro"
    assert {"coef", "tau", "lam", "c2"} <= set(est.idata_.posterior.data_vars)


# --------------------------------------------------------------------------- sampler="jax"
needs_jax = pytest.mark.skipif(bool(missing_dependencies("jax")), reason="jax or numpyro not installed "
                                                                          "(pip install 'bayesreg[jax]')")


def _built(prior, *, n=60, p=5, fit_intercept=True, weights=None, likelihood=None, seed=0):
    from bayesreg.model.build import build_model
    from bayesreg.model.data import RegressionData
    from bayesreg.model.likelihoods import LogisticLikelihood

    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    y = (rng.random(n) < 1 / (1 + np.exp(-X[:, 0]))).astype(float)
    data = RegressionData.from_xy(X, y, sample_weight=weights, fit_intercept=fit_intercept)
    return build_model(data, prior, likelihood or LogisticLikelihood())


@needs_jax
@pytest.mark.parametrize("precision, rtol", [("float64", 1e-12), ("float32", 1e-6)])
@pytest.mark.parametrize("case", ["gaussian", "laplace-weights", "elasticnet-no-intercept", "unpenalized"])
def test_jax_potential_is_the_pymc_log_density(case, precision, rtol):
    """U(c, w) of jax_nuts equals -log p of the PyMC model (normalised, weighted) at random points."""
    from bayesreg.inference.jax_nuts import make_potential

    prior, kw = {"gaussian": (br.Gaussian(1.5), {}),
                 "laplace-weights": (br.Laplace(0.7), {"weights": np.linspace(0.5, 2.0, 60)}),
                 "elasticnet-no-intercept": (br.ElasticNet(l1=2.0, l2=3.0), {"fit_intercept": False}),
                 "unpenalized": (br.Unpenalized(br.Laplace(0.5), features=[0, 3]), {})}[case]
    built = _built(prior, **kw)
    potential, dim = make_potential(built, precision)
    logp = built.model.compile_logp(jacobian=False)
    rng = np.random.default_rng(1)
    for _ in range(3):
        theta = rng.normal(scale=0.8, size=dim)
        point = {"coef": theta[dim - 5:]}
        if dim == 6:
            point["intercept"] = theta[0]
        assert float(potential(theta)) == pytest.approx(-logp(point), rel=rtol)


@needs_jax
def test_jax_sampler_refuses_models_it_does_not_sample():
    from bayesreg.inference.jax_nuts import sample_jax_nuts, unsupported_reason
    from bayesreg.model.likelihoods import GaussianLikelihood

    gaussian = _built(br.Gaussian(1.0), likelihood=GaussianLikelihood(noise_sigma=1.0))
    assert "logistic likelihood" in unsupported_reason(gaussian)
    with pytest.raises(ValueError, match=r"sampler='jax' cannot sample this model: it samples the logistic "
                                         r"likelihood \(got 'gaussian'"):
        sample_jax_nuts(gaussian, draws=10, tune=10, chains=1, random_seed=0, target_accept=0.9, progressbar=False)
    with pytest.raises(ValueError, match="precision must be one of"):
        from bayesreg.inference.jax_nuts import make_potential

        make_potential(_built(br.Gaussian(1.0)), "float16")
    est = br.BayesianRegression(prior=br.Gaussian(1.0), method="nuts", sampler="jax", draws=10, tune=10, chains=1)
    with pytest.raises(ValueError, match="sampler='jax' cannot sample this model"):
        est.fit(np.eye(4), np.arange(4.0))


@needs_jax
@pytest.mark.filterwarnings("ignore::bayesreg.ConvergenceWarning")  # 2 x 200 draws: a short chain
def test_jax_sampler_returns_inference_data_like_the_others():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((200, 3))
    y = (rng.random(200) < 1 / (1 + np.exp(-X[:, 0]))).astype(float)
    est = br.BayesianRegression(prior=br.Gaussian(1.0), likelihood="logistic", method="nuts", draws=200, tune=200,
                                chains=2, random_seed=0, progressbar=False, sampler="jax").fit(X, y)
    idata = est.idata_
    assert idata.attrs["sampler"] == "jax"
    assert idata.posterior.attrs["precision"] == "float32"
    assert idata.posterior["coef"].dtype == np.float64
    assert idata.posterior["coef"].shape == (2, 200, 3) and idata.posterior["intercept"].shape == (2, 200)
    assert {"diverging", "n_steps", "energy", "acceptance_rate", "step_size"} <= set(idata.sample_stats)
    assert "log_likelihood" in idata.groups() and "observed_data" in idata.groups()
    assert idata.posterior.attrs["precision"] == "float32"
    again = br.BayesianRegression(**est.get_params()).fit(X, y)
    np.testing.assert_array_equal(again.idata_.posterior["coef"].values, idata.posterior["coef"].values)


# --------------------------------------------------------------------------- coefficients integrated out
class _Chosen(Exception):
    pass


def test_auto_rule_when_the_coefficients_are_integrated_out(without, monkeypatch):
    """The marginal form's gram factorisation follows the rule of the sufficient statistics: nutpie (its op
    compiled by numba) from NUTPIE_MIN_FEATURES features on; its rows factorisation (p > n) runs PyMC; never a
    JAX backend (at n x p = 100 x 1000, the bench_shrinkage size, "auto" once picked nutpie-jax and failed
    with NotImplementedError)."""
    p = NUTPIE_MIN_FEATURES
    nutpie = "pymc" if missing_dependencies("nutpie") else "nutpie"
    assert choose_sampler("rows", 1000, 100, marginal="rows") == "pymc"
    assert choose_sampler("rows", 1000, 100, own_jax=True, marginal="rows") == "pymc"
    assert choose_sampler("suffstats", 100, 10_000, marginal="gram") == nutpie
    assert choose_sampler("suffstats", p - 1, 10_000, marginal="gram") == "pymc"
    assert choose_sampler("rows", 10 * p, 10**6, own_jax=True, marginal="gram") == nutpie

    def chosen(built, backend, **kw):
        raise _Chosen(backend.name, built.marginal is not None)

    monkeypatch.setattr(sampling, "_pymc_sample", chosen)
    rng = np.random.default_rng(0)
    est = br.BayesianRegression(prior=br.Horseshoe(), method="nuts", noise_sigma=None, draws=10, tune=10, chains=1)
    for (n, p_), expected in [((100, 1000), "pymc"), ((400, 60), nutpie)]:
        X, y = rng.standard_normal((n, p_)), rng.standard_normal(n)
        with pytest.raises(_Chosen) as info:
            est.fit(X, y)
        assert info.value.args == (expected, True)
    without("nutpie")
    assert choose_sampler("suffstats", 100, 10_000, marginal="gram") == "pymc"
    with pytest.raises(_Chosen) as info:
        est.fit(X, y)
    assert info.value.args == ("pymc", True)


@pytest.mark.slow  # nutpie's compile: 10-20 s
@pytest.mark.skipif(importlib.util.find_spec("nutpie") is None, reason="needs nutpie")
def test_nutpie_samples_the_marginal_form_compiled_without_object_mode():
    """nutpie compiles the marginal op natively (numba, no object-mode fallback) and the posterior has the
    variables of PyMC's: coef and intercept drawn exactly afterwards, no unconstrained values."""
    rng = np.random.default_rng(1)
    X = rng.standard_normal((40, 6))
    y = 1.0 + X[:, 0] + rng.standard_normal(40)
    fits = {}
    for sampler in ("nutpie", "pymc"):
        est = br.BayesianRegression(prior=br.RegularizedHorseshoe(0.2), method="nuts", noise_sigma=None,
                                    sampler=sampler, draws=50, tune=50, chains=1, random_seed=3, progressbar=False)
        with warnings.catch_warnings():
            warnings.filterwarnings("error", message=".*object mode.*")
            warnings.filterwarnings("ignore", category=br.ConvergenceWarning)
            fits[sampler] = est.fit(X, y).idata_
    assert fits["nutpie"].attrs["sampler"] == "nutpie" and fits["nutpie"].attrs["bayesreg_form"] == "marginal"
    assert fits["nutpie"].attrs["mass_matrix"] == "low_rank" and "mass_matrix" not in fits["pymc"].attrs
    assert set(fits["nutpie"].posterior.data_vars) == set(fits["pymc"].posterior.data_vars) >= {
        "coef", "intercept", "sigma", "tau", "lam", "c2"}
    assert fits["nutpie"].posterior["coef"].shape == (1, 50, 6)
    assert np.all(np.isfinite(fits["nutpie"].posterior["coef"].values))


@needs_jax
@pytest.mark.parametrize("sampler", ["nutpie-jax", "numpyro", "jax"])
def test_jax_backends_refuse_the_marginal_form_with_a_clear_error(sampler):
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((30, 4)), rng.standard_normal(30)
    est = br.BayesianRegression(prior=br.Horseshoe(), method="nuts", noise_sigma=None, sampler=sampler, draws=10,
                                tune=10, chains=1)
    with pytest.raises(ValueError, match=rf"'sampler' parameter is '{sampler}', but this model integrates the "
                                         r"coefficients out .*Use sampler='auto', 'pymc' or 'nutpie', or "
                                         r"parameterization='noncentered'"):
        est.fit(X, y)


@needs_jax
def test_float32_potential_error_is_bounded_and_far_below_the_mcse():
    """The float32 U against the float64 one at n = 10 000, p = 100 (jax_nuts' "Precision").

    Per point, |U32 - U64| is within the rounding bound of the module docstring (an inequality that
    holds for any correct float32 evaluation; a float32 value is not within it of a wrong density).
    Across points, the spread D of U32 - U64 bounds the shift of any posterior mean by
    (e^D - 1)/2 posterior sd; it must stay below a quarter MCSE at 4000 effective draws.
    """
    from types import SimpleNamespace

    import jax

    from bayesreg.inference.jax_nuts import make_potential, rounding_bound
    from bayesreg.model.data import RegressionData

    n, p = 10_000, 100
    rng = np.random.default_rng(3)
    X = rng.standard_normal((n, p))
    w_true = np.zeros(p)
    w_true[:10] = rng.uniform(0.5, 2.0, 10) / np.sqrt(10)
    y = (rng.random(n) < 1 / (1 + np.exp(-0.5 - X @ w_true))).astype(float)
    built = SimpleNamespace(data=RegressionData.from_xy(X, y, fit_intercept=True), prior=br.Gaussian(1.0))
    u64, dim = make_potential(built, "float64")
    u32, _ = make_potential(built, "float32")
    thetas = [np.r_[0.5, w_true] + rng.normal(scale=0.02, size=dim) for _ in range(20)]
    thetas = [t.astype(np.float32).astype(np.float64) for t in thetas]  # the sampler's state is float32
    exact = np.array([float(u64(t)) for t in thetas])
    with jax.enable_x64(False):
        single = np.array([float(u32(t)) for t in thetas])
    err = single - exact
    bounds = np.array([rounding_bound(built, t) for t in thetas])
    assert np.all(np.abs(err) <= bounds), (err, bounds)
    assert np.all(bounds < 1e-3 * np.abs(exact))  # the bound itself is not vacuous
    spread = err.max() - err.min()
    assert (np.exp(spread) - 1) / 2 <= 0.25 / np.sqrt(4000), spread
    # a density in float32 without care is not within it: X @ w with w rounded to 3 digits (~1e-3 relative)
    rough = np.array([float(u64(np.round(t, 3))) for t in thetas]) - exact
    assert np.any(np.abs(rough) > bounds)


@needs_jax
@pytest.mark.slow
def test_float32_and_float64_paths_agree_within_mcse():
    """sampler="jax" (float32 end to end) and "jax-float64": means within 4 combined MCSE, no divergence."""
    from bayesreg.reference.mcse import mcse_mean

    rng = np.random.default_rng(4)
    X = rng.standard_normal((300, 4))
    y = (rng.random(300) < 1 / (1 + np.exp(-0.3 - X @ np.array([1.0, -0.5, 0.0, 0.25])))).astype(float)
    fits = {}
    for sampler in ("jax", "jax-float64"):
        est = br.BayesianRegression(prior=br.Gaussian(1.0), likelihood="logistic", method="nuts", draws=1000,
                                    tune=500, chains=2, random_seed=1, progressbar=False, sampler=sampler).fit(X, y)
        post = est.idata_.posterior
        assert int(est.idata_.sample_stats["diverging"].sum()) == 0
        cols = [post["coef"].values[..., j] for j in range(4)] + [post["intercept"].values]
        fits[sampler] = (np.array([c.mean() for c in cols]), np.array([mcse_mean(c) for c in cols]))
    (m32, e32), (m64, e64) = fits["jax"], fits["jax-float64"]
    assert np.all(np.abs(m32 - m64) <= 4 * np.hypot(e32, e64)), (m32, m64)
