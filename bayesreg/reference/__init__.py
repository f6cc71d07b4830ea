"""Independent references: the checks that the MAP and NUTS results are verified against.

NumPy/SciPy only, and nothing from :mod:`bayesreg.model`, :mod:`bayesreg.inference` or
:mod:`bayesreg.estimators` (enforced by ``tests/test_architecture.py``): if they shared code with
the package's PyMC models, "MAP ≡ penalised optimum" and "NUTS ≡ Gibbs" would be circular.

* :mod:`~bayesreg.reference.penalized`: penalised solvers written from the penalty formulas
  (algorithms in :mod:`~bayesreg.reference.penalized_algorithms`);
* :mod:`~bayesreg.reference.gibbs_linear`, :mod:`~bayesreg.reference.gibbs_logistic`: exact Gibbs
  samplers (Laplace scale mixture, Park & Casella's Bayesian lasso, Pólya-Gamma logistic), sharing
  :mod:`~bayesreg.reference.chains`;
* :mod:`~bayesreg.reference.glm_penalized`: penalised Poisson, negative binomial and Student-t
  solvers written from the densities;
* :mod:`~bayesreg.reference.multinomial`: glmnet's penalised multinomial (softmax) objective,
  solved exactly (FISTA, then an active-set Newton polish) with its KKT residual;
* :mod:`~bayesreg.reference.importance`: posterior moments by importance sampling from a
  Laplace approximation (the NUTS reference for the count likelihoods);
* :mod:`~bayesreg.reference.mcse`: effective sample sizes and Monte Carlo standard errors;
* :mod:`~bayesreg.reference.dropout`: dropout training from its definition (every mask enumerated;
  dropout SGD with Polyak averaging);
* :mod:`~bayesreg.reference.optimizers`: the documented update rules of PyTorch's SGD/Adam/AdamW,
  Keras's SGD and Loshchilov & Hutter's SGDW;
* :mod:`~bayesreg.reference.training`: the seed articles' loops (subgradient descent with sign(w),
  ISTA, FISTA, SGD with weight decay and Polyak averaging); their minibatch SGD loop, shared with
  dropout SGD, is :mod:`~bayesreg.reference.polyak_sgd`.
"""

from bayesreg.reference.gibbs_linear import gibbs_bayesian_lasso, gibbs_laplace_fixed_noise
from bayesreg.reference.gibbs_logistic import gibbs_logistic_gaussian, sample_pg1
from bayesreg.reference.glm_penalized import reference_glm_solve
from bayesreg.reference.importance import ImportanceResult, laplace_importance_sampling
from bayesreg.reference.mcse import effective_sample_size, mcse_mean, mcse_quantile
from bayesreg.reference.penalized import ReferenceResult, penalized_objective, reference_solve

__all__ = [
    "reference_solve",
    "reference_glm_solve",
    "laplace_importance_sampling",
    "ImportanceResult",
    "penalized_objective",
    "ReferenceResult",
    "gibbs_laplace_fixed_noise",
    "gibbs_bayesian_lasso",
    "gibbs_logistic_gaussian",
    "sample_pg1",
    "effective_sample_size",
    "mcse_mean",
    "mcse_quantile",
]
