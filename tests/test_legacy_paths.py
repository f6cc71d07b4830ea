"""bayesreg 0.1's module paths keep working after the move to subpackages (issue 9).

Each old module's ``__all__`` (as released in 0.1) must resolve, through the thin alias, to the very
same object as the new location, and importing the old path warns with the new one.
"""

from __future__ import annotations

import importlib
import sys
import warnings

import pytest

import bayesreg as br

OLD_ALL = {
    "bayesreg.priors": ["Prior", "Laplace", "Gaussian", "ElasticNet", "elastic_net_log_normalizer"],
    "bayesreg.hierarchical": ["HierarchicalPrior", "BayesianLasso", "HierarchicalLaplace", "HierarchicalGaussian"],
    "bayesreg.unpenalized": ["Unpenalized"],
    "bayesreg.likelihoods": ["Likelihood", "GaussianLikelihood", "LogisticLikelihood", "get_likelihood"],
    "bayesreg.data": ["RegressionData", "SufficientStats"],
    "bayesreg.model": ["BuiltModel", "build_model", "resolve_form", "FORMS"],
    "bayesreg.map": ["Certificate", "MapResult", "find_map", "certify", "smooth_gradient"],
    "bayesreg.sampling": ["SAMPLERS", "choose_sampler", "sample_posterior", "add_log_likelihood", "check_diagnostics",
                          "save_idata", "load_idata", "ConvergenceWarning", "RHAT_MAX", "ESS_MIN"],
    "bayesreg.noise": ["estimate_noise_sigma"],
    "bayesreg.reference": ["ReferenceResult", "penalized_objective", "reference_solve"],
    "bayesreg.gibbs": ["effective_sample_size", "gibbs_bayesian_lasso", "gibbs_laplace_fixed_noise",
                       "gibbs_logistic_gaussian", "mcse_mean", "mcse_quantile", "sample_pg1"],
    "bayesreg.estimators": ["BayesianRegression", "METHODS", "NotFittedError"],
    "bayesreg.presets": ["LassoBayes", "RidgeBayes", "ElasticNetBayes", "LogisticBayes", "GlmnetBayes"],
    "bayesreg.plots": ["plot_prior_penalty", "plot_regularization_path", "plot_posterior_forest",
                       "plot_prior_vs_posterior", "plot_shrinkage_dynamics"],
    "bayesreg._blas": ["configure_pytensor_blas", "blas_status", "serial_blas", "refresh_thread_pools",
                       "SMALL_PROBLEM_SIZE"],
}


@pytest.mark.parametrize("old", sorted(OLD_ALL))
def test_old_module_path_exports_its_names(old: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        module = importlib.import_module(old)
    for name in OLD_ALL[old]:
        assert getattr(module, name) is not None, f"{old}.{name}"
        exec(f"from {old} import {name}", {})  # the documented form works too


def test_alias_returns_the_new_objects_and_warns() -> None:
    sys.modules.pop("bayesreg.map", None)
    with pytest.warns(DeprecationWarning, match="bayesreg.inference.map"):
        from bayesreg.map import certify, find_map
    from bayesreg.inference.certificate import certify as new_certify

    assert find_map is br.find_map and certify is new_certify


def test_unknown_name_on_an_alias_names_the_new_modules() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        import bayesreg.gibbs as gibbs
    with pytest.raises(AttributeError, match="bayesreg.reference.gibbs_linear"):
        gibbs.no_such_sampler  # noqa: B018


def test_public_namespace_is_unchanged() -> None:
    v01 = {"Laplace", "Gaussian", "ElasticNet", "Unpenalized", "Prior", "BayesianRegression", "LassoBayes",
           "RidgeBayes", "ElasticNetBayes", "LogisticBayes", "GlmnetBayes", "BayesianLasso", "HierarchicalLaplace",
           "HierarchicalGaussian", "penalty_to_prior", "prior_to_penalty", "penalty_to_weights", "list_conventions",
           "verify_map", "estimate_noise_sigma", "VerificationReport", "find_map", "MapResult", "Certificate"}
    assert v01 <= set(br.__all__)
    assert all(hasattr(br, name) for name in br.__all__)


def test_noise_is_the_public_namespace_of_the_noise_priors_without_a_warning() -> None:
    """bayesreg.noise: the noise priors (bayesreg.model.noise) and, as in 0.1, estimate_noise_sigma."""
    sys.modules.pop("bayesreg.noise", None)
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)
        module = importlib.import_module("bayesreg.noise")
        from bayesreg.noise import Jeffreys, estimate_noise_sigma
    from bayesreg.model.noise import Jeffreys as new_jeffreys

    assert Jeffreys is new_jeffreys and estimate_noise_sigma is br.estimate_noise_sigma
    assert {"Jeffreys", "HalfStudentT", "HalfNormal", "HalfCauchy", "Exponential", "estimate_noise_sigma"} <= set(
        module.__all__)
    assert br.noise.HalfCauchy is module.HalfCauchy
