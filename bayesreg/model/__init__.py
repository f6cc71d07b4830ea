"""The model: what a Bayesian regression *is*, independent of how it is fitted.

* :mod:`~bayesreg.model.priors`: weight priors with a fixed penalty (Laplace, Gaussian, elastic
  net), each knowing its PyMC form, log-density, penalty, proximal operator and subdifferential;
* :mod:`~bayesreg.model.unpenalized`: a flat prior on chosen coefficients;
* :mod:`~bayesreg.model.hierarchical`: priors with random scales (NUTS only);
* :mod:`~bayesreg.model.global_local`, :mod:`~bayesreg.model.horseshoe`, :mod:`~bayesreg.model.r2d2`:
  global–local shrinkage priors (horseshoe family, R2D2; NUTS only), and
  :mod:`~bayesreg.model.marginal`, their Gaussian likelihood with the coefficients integrated out;
* :mod:`~bayesreg.model.noise`: priors on the Gaussian noise scale (public as ``bayesreg.noise``);
* :mod:`~bayesreg.model.likelihoods`: likelihoods of a linear predictor (Gaussian, logistic);
* :mod:`~bayesreg.model.glm_likelihoods`: Poisson, negative binomial (NB2) and Student-t;
* :mod:`~bayesreg.model.quantile`: the asymmetric Laplace likelihood (quantile regression);
* :mod:`~bayesreg.model.data`: validated data in memory;
* :mod:`~bayesreg.model.suffstats`: the mergeable Gaussian sufficient statistics
  (:class:`SufficientStats`), from arrays or chunks; :mod:`~bayesreg.model.streaming` (CSV/Parquet
  files) and :mod:`~bayesreg.model.dask_data` (Dask collections, :class:`DaskRows`) produce them at
  scale; :mod:`~bayesreg.model.stats_data` is a data set known only through them;
* :mod:`~bayesreg.model.rows`: rows kept in blocks (memory or Dask workers) with a one-pass map-reduce,
  what the GLM fits at scale read;
* :mod:`~bayesreg.model.build`: the PyMC model built from the three;
* :mod:`~bayesreg.model.formula`: a formula and a data frame -> named design matrix (formulaic);
* :mod:`~bayesreg.model.identifiability`: does the posterior have a mode (checked before fitting).

Nothing here fits anything: :mod:`bayesreg.inference` does (``docs/architecture.md``).
"""

from bayesreg.model.build import FORMS, BuiltModel, build_model, resolve_form
from bayesreg.model.dask_data import DaskRows
from bayesreg.model.data import RegressionData
from bayesreg.model.formula import FormulaDesign, apply_formula, formula_design
from bayesreg.model.glm_likelihoods import NegativeBinomial, Poisson, StudentT
from bayesreg.model.global_local import GlobalLocalPrior
from bayesreg.model.hierarchical import BayesianLasso, HierarchicalGaussian, HierarchicalLaplace, HierarchicalPrior
from bayesreg.model.horseshoe import Horseshoe, HorseshoePlus, RegularizedHorseshoe, horseshoe_scale_global
from bayesreg.model.identifiability import NoPosteriorModeError, check_posterior_mode
from bayesreg.model.likelihoods import GaussianLikelihood, Likelihood, LogisticLikelihood, get_likelihood
from bayesreg.model.multinomial import Multinomial
from bayesreg.model.noise import NoisePrior
from bayesreg.model.priors import ElasticNet, Gaussian, Laplace, Prior
from bayesreg.model.quantile import AsymmetricLaplace
from bayesreg.model.r2d2 import R2D2
from bayesreg.model.rows import ArrayRows, RowSource
from bayesreg.model.stats_data import StatsData
from bayesreg.model.suffstats import SufficientStats
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
    "GlobalLocalPrior",
    "Horseshoe",
    "HorseshoePlus",
    "RegularizedHorseshoe",
    "R2D2",
    "horseshoe_scale_global",
    "NoisePrior",
    "Likelihood",
    "GaussianLikelihood",
    "LogisticLikelihood",
    "get_likelihood",
    "Poisson",
    "Multinomial",
    "NegativeBinomial",
    "StudentT",
    "AsymmetricLaplace",
    "RegressionData",
    "SufficientStats",
    "StatsData",
    "RowSource",
    "ArrayRows",
    "DaskRows",
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
