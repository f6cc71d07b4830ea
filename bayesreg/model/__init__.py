"""The model: what a Bayesian regression *is*, independent of how it is fitted.

* :mod:`~bayesreg.model.priors`: weight priors with a fixed penalty (Laplace, Gaussian, elastic
  net), each knowing its PyMC form, log-density, penalty, proximal operator and subdifferential;
* :mod:`~bayesreg.model.unpenalized`: a flat prior on chosen coefficients;
* :mod:`~bayesreg.model.hierarchical`: priors with random scales (NUTS only);
* :mod:`~bayesreg.model.likelihoods`: likelihoods of a linear predictor (Gaussian, logistic);
* :mod:`~bayesreg.model.glm_likelihoods`: Poisson, negative binomial (NB2) and Student-t;
* :mod:`~bayesreg.model.quantile`: the asymmetric Laplace likelihood (quantile regression);
* :mod:`~bayesreg.model.data`: validated data and the Gaussian sufficient statistics;
* :mod:`~bayesreg.model.formula`: a formula and a data frame -> named design matrix (formulaic);
* :mod:`~bayesreg.model.build`: the PyMC model built from the three;
* :mod:`~bayesreg.model.identifiability`: does the posterior have a mode (checked before fitting).

Nothing here fits anything: :mod:`bayesreg.inference` does (``docs/architecture.md``).
"""

from bayesreg.model.build import FORMS, BuiltModel, build_model, resolve_form
from bayesreg.model.data import RegressionData, SufficientStats
from bayesreg.model.formula import FormulaDesign, apply_formula, formula_design
from bayesreg.model.glm_likelihoods import NegativeBinomial, Poisson, StudentT
from bayesreg.model.hierarchical import BayesianLasso, HierarchicalGaussian, HierarchicalLaplace, HierarchicalPrior
from bayesreg.model.identifiability import NoPosteriorModeError, check_posterior_mode
from bayesreg.model.likelihoods import GaussianLikelihood, Likelihood, LogisticLikelihood, get_likelihood
from bayesreg.model.priors import ElasticNet, Gaussian, Laplace, Prior
from bayesreg.model.quantile import AsymmetricLaplace
from bayesreg.model.unpenalized import Unpenalized

__all__ = [
    "Prior",
    "Laplace",
    "Gaussian",
    "ElasticNet",
    "Unpenalized",
    "HierarchicalPrior",
    "BayesianLasso",
    "HierarchicalLaplace",
    "HierarchicalGaussian",
    "Likelihood",
    "GaussianLikelihood",
    "LogisticLikelihood",
    "get_likelihood",
    "Poisson",
    "NegativeBinomial",
    "StudentT",
    "AsymmetricLaplace",
    "RegressionData",
    "SufficientStats",
    "FormulaDesign",
    "formula_design",
    "apply_formula",
    "BuiltModel",
    "build_model",
    "resolve_form",
    "FORMS",
    "NoPosteriorModeError",
    "check_posterior_mode",
]
