"""bayesreg: Bayesian regression where the link between priors and penalties is exact.

>>> import bayesreg as br
>>> prior = br.penalty_to_prior("sklearn.Lasso", alpha=0.1, n=442)   # Laplace(b = 1/(n alpha))
>>> est = br.BayesianRegression(prior=prior).fit(X, y)               # doctest: +SKIP
>>> est.coef_, est.certificate_                                      # doctest: +SKIP
"""

from bayesreg.inference.blas import configure_pytensor_blas

configure_pytensor_blas()

from bayesreg._legacy_paths import install as _install_legacy_paths  # noqa: E402
from bayesreg.conventions import (  # noqa: E402
    list_conventions,
    penalty_to_likelihood,
    penalty_to_prior,
    penalty_to_weights,
    prior_to_penalty,
)
from bayesreg.estimators import (  # noqa: E402
    BayesianRegression,
    DropoutBayes,
    ElasticNetBayes,
    GlmnetBayes,
    LassoBayes,
    LogisticBayes,
    RidgeBayes,
)
from bayesreg.inference import (  # noqa: E402
    Certificate,
    ConvergenceWarning,
    EmpiricalBayesResult,
    IterationLimitWarning,
    MapResult,
    check_output_path,
    empirical_bayes,
    estimate_noise_sigma,
    find_map,
    load_idata,
    save_idata,
)
from bayesreg.inference.path import RegularizationPath, regularization_path  # noqa: E402
from bayesreg.inference.path_cv import CVPath, cross_validate_path, kfold_ids  # noqa: E402
from bayesreg.inference.path_loo import LooPath, loo_path  # noqa: E402
from bayesreg.model import (  # noqa: E402
    R2D2,
    AsymmetricLaplace,
    BayesianLasso,
    DaskRows,
    ElasticNet,
    FormulaDesign,
    Gaussian,
    HierarchicalGaussian,
    HierarchicalLaplace,
    Horseshoe,
    HorseshoePlus,
    Laplace,
    Multinomial,
    NegativeBinomial,
    NoPosteriorModeError,
    Poisson,
    Prior,
    RegularizedHorseshoe,
    StudentT,
    SufficientStats,
    Unpenalized,
    formula_design,
    horseshoe_scale_global,
)
from bayesreg.verify import VerificationReport, verify_map  # noqa: E402

_install_legacy_paths()  # bayesreg 0.1 module paths (bayesreg.map, bayesreg.gibbs, ...) keep working

from bayesreg import noise  # noqa: E402  (the noise priors: br.noise.Jeffreys(), ...; see _legacy_paths)

__all__ = [
    "Multinomial",
    "Poisson",
    "NegativeBinomial",
    "StudentT",
    "Laplace",
    "AsymmetricLaplace",
    "Gaussian",
    "ElasticNet",
    "Unpenalized",
    "Prior",
    "SufficientStats",
    "DaskRows",
    "BayesianRegression",
    "LassoBayes",
    "RidgeBayes",
    "ElasticNetBayes",
    "LogisticBayes",
    "GlmnetBayes",
    "DropoutBayes",
    "BayesianLasso",
    "HierarchicalLaplace",
    "HierarchicalGaussian",
    "Horseshoe",
    "HorseshoePlus",
    "RegularizedHorseshoe",
    "R2D2",
    "horseshoe_scale_global",
    "noise",
    "penalty_to_prior",
    "penalty_to_likelihood",
    "prior_to_penalty",
    "penalty_to_weights",
    "list_conventions",
    "verify_map",
    "estimate_noise_sigma",
    "VerificationReport",
    "find_map",
    "MapResult",
    "Certificate",
    "ConvergenceWarning",
    "IterationLimitWarning",
    "NoPosteriorModeError",
    "save_idata",
    "load_idata",
    "formula_design",
    "FormulaDesign",
    "check_output_path",
    "regularization_path",
    "RegularizationPath",
    "cross_validate_path",
    "CVPath",
    "kfold_ids",
    "loo_path",
    "LooPath",
    "empirical_bayes",
    "EmpiricalBayesResult",
]
__version__ = "0.1.0"
