"""NUTS backends: the rule of ``sampler="auto"``, clear errors for missing or unknown backends.

That every backend samples the same posterior is checked in ``tests/test_posterior.py`` (closed
form, exact Gibbs, Polya-Gamma, each parametrized over the installed backends).
"""

from __future__ import annotations

import importlib.util
import sys

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
    assert SAMPLERS == ("auto", "pymc", "nutpie", "nutpie-jax", "numpyro")
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
    if not missing_dependencies("nutpie-jax"):
        assert choose_sampler("rows", 10, JAX_MIN_SIZE // 10) == "nutpie-jax"
        assert choose_sampler("rows", 100, 10_000) == "nutpie-jax"
    without("jax")
    assert choose_sampler("rows", 100, 100_000) == "pymc"
    assert "nutpie-jax" not in installed_samplers() and "numpyro" not in installed_samplers()


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
                                         r"'nutpie-jax', 'numpyro'; got 'stan'"):
        require_backend("stan")
    est = br.BayesianRegression(method="nuts", sampler="blackjax")
    with pytest.raises(ValueError, match="sampler.*blackjax"):
        est.fit(np.eye(3), np.arange(3.0))


def test_every_backend_runs_pymc_sample_with_its_settings():
    assert {b.nuts_sampler for b in BACKENDS.values()} <= {"pymc", "nutpie", "numpyro", "blackjax"}
    assert BACKENDS["nutpie-jax"].sampler_kwargs == {"backend": "jax", "gradient_backend": "jax"}
    assert BACKENDS["nutpie"].sampler_kwargs == {}


def test_pymc_chains_are_not_forked_once_jax_is_loaded(monkeypatch):
    monkeypatch.delitem(sys.modules, "jax", raising=False)
    assert sampling._default_cores("pymc", 4) == 2
    monkeypatch.setitem(sys.modules, "jax", object())
    assert sampling._default_cores("pymc", 4) == 1
    assert sampling._default_cores("nutpie-jax", 4) == 2


@pytest.mark.skipif(bool(missing_dependencies("nutpie-jax")), reason="jax or nutpie not installed")
def test_auto_runs_nutpie_jax_on_a_large_logistic_model():
    rng = np.random.default_rng(0)
    n, p = 2000, 50  # n * p = JAX_MIN_SIZE
    X = rng.standard_normal((n, p))
    y = (rng.random(n) < 1 / (1 + np.exp(-X[:, 0]))).astype(float)
    est = br.BayesianRegression(prior=br.Gaussian(1.0), likelihood="logistic", method="nuts", draws=50, tune=50,
                                chains=1, random_seed=0, progressbar=False)
    with pytest.warns(br.ConvergenceWarning):
        est.fit(X, y)
    assert est.idata_.attrs["sampler"] == "nutpie-jax"
    assert est.idata_.posterior["coef"].shape == (1, 50, p)
    assert abs(est.coef_[0] - 1.0) < 0.5
