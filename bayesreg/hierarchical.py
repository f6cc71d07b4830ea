r"""Priors whose scale is itself random (hyperpriors); NUTS only, since they have no fixed penalty.

:class:`BayesianLasso` is the Bayesian lasso of Park & Casella (2008, JASA 103:681-686), exactly as
published:

.. math::

    \beta_j \mid \sigma \sim \text{Laplace}(0, \sigma/\lambda), \qquad
    p(\sigma^2) \propto 1/\sigma^2, \qquad p(c) \propto 1,

with :math:`\lambda` fixed or :math:`\lambda^2 \sim \text{Gamma}(r, \delta)` (shape, rate). The
Jeffreys prior :math:`p(\sigma^2) \propto 1/\sigma^2` is a flat prior on :math:`\log\sigma`
(improper; the posterior is proper for n > 1). Its Gibbs sampler is
:func:`bayesreg.gibbs.gibbs_bayesian_lasso`, against which the NUTS posterior is tested.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bayesreg._validation import check_positive_float

__all__ = ["HierarchicalPrior", "BayesianLasso"]


class HierarchicalPrior:
    """A prior on the weights with random hyperparameters (built into the model, NUTS only)."""

    kind = "hierarchical"
    samples_noise = False

    def add_to_model(self, n_features: int, dims: str = "feature") -> tuple[Any, Any]:
        """Create ``coef`` (and ``sigma`` when the prior owns it); return ``(coef, sigma)``."""
        raise NotImplementedError


@dataclass(frozen=True)
class BayesianLasso(HierarchicalPrior):
    """Park & Casella's Bayesian lasso (module docstring). ``lam=None`` puts Gamma(r, delta) on lam²."""

    lam: float | None = None
    r: float = 1.0
    delta: float = 1.0
    samples_noise = True

    def __post_init__(self) -> None:
        if self.lam is not None:
            object.__setattr__(self, "lam", check_positive_float("lam", "BayesianLasso", self.lam))
        object.__setattr__(self, "r", check_positive_float("r", "BayesianLasso", self.r))
        object.__setattr__(self, "delta", check_positive_float("delta", "BayesianLasso", self.delta))

    def add_to_model(self, n_features: int, dims: str = "feature") -> tuple[Any, Any]:
        import pymc as pm
        import pytensor.tensor as pt

        log_sigma = pm.Flat("log_sigma")  # p(sigma^2) ∝ 1/sigma^2  <=>  flat on log sigma
        sigma = pm.Deterministic("sigma", pt.exp(log_sigma))
        if self.lam is None:
            lam2 = pm.Gamma("lam2", alpha=self.r, beta=self.delta)
            lam = pm.Deterministic("lam", pt.sqrt(lam2))
        else:
            lam = self.lam
        coef = pm.Laplace("coef", mu=0.0, b=sigma / lam, dims=dims)
        return coef, sigma
