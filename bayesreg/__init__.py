"""bayesreg: Bayesian regression where the link between priors and penalties is exact.

>>> import bayesreg as br
>>> prior = br.penalty_to_prior("sklearn.Lasso", alpha=0.1, n=442)   # Laplace(b = 1/(n alpha))
>>> est = br.BayesianRegression(prior=prior).fit(X, y)               # doctest: +SKIP
>>> est.coef_, est.certificate_                                      # doctest: +SKIP
"""

from bayesreg._blas import configure_pytensor_blas

configure_pytensor_blas()

from bayesreg.conventions import (  # noqa: E402
    list_conventions,
    penalty_to_prior,
    penalty_to_weights,
    prior_to_penalty,
)
from bayesreg.estimators import BayesianRegression  # noqa: E402
from bayesreg.hierarchical import BayesianLasso, HierarchicalGaussian, HierarchicalLaplace  # noqa: E402
from bayesreg.map import Certificate, MapResult, find_map  # noqa: E402
from bayesreg.noise import estimate_noise_sigma  # noqa: E402
from bayesreg.presets import ElasticNetBayes, GlmnetBayes, LassoBayes, LogisticBayes, RidgeBayes  # noqa: E402
from bayesreg.priors import ElasticNet, Gaussian, Laplace, Prior  # noqa: E402
from bayesreg.unpenalized import Unpenalized  # noqa: E402
from bayesreg.verify import VerificationReport, verify_map  # noqa: E402

__all__ = [
    "Laplace",
    "Gaussian",
    "ElasticNet",
    "Unpenalized",
    "Prior",
    "BayesianRegression",
    "LassoBayes",
    "RidgeBayes",
    "ElasticNetBayes",
    "LogisticBayes",
    "GlmnetBayes",
    "BayesianLasso",
    "HierarchicalLaplace",
    "HierarchicalGaussian",
    "penalty_to_prior",
    "prior_to_penalty",
    "penalty_to_weights",
    "list_conventions",
    "verify_map",
    "estimate_noise_sigma",
    "VerificationReport",
    "find_map",
    "MapResult",
    "Certificate",
]
__version__ = "0.1.0"
