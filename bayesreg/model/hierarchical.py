r"""Priors whose scale is itself random (hyperpriors); NUTS only, since they have no fixed penalty.

:class:`BayesianLasso` is the Bayesian lasso of Park & Casella (2008, JASA 103:681-686), exactly as
published:

.. math::

    \beta_j \mid \sigma \sim \text{Laplace}(0, \sigma/\lambda), \qquad
    p(\sigma^2) \propto 1/\sigma^2, \qquad p(c) \propto 1,

with :math:`\lambda` fixed or :math:`\lambda^2 \sim \text{Gamma}(r, \delta)` (shape, rate). The
Jeffreys prior :math:`p(\sigma^2) \propto 1/\sigma^2` is a flat prior on :math:`\log\sigma`
(improper; the posterior is proper for n > 1). Its Gibbs sampler is
:func:`bayesreg.reference.gibbs_linear.gibbs_bayesian_lasso`, against which the NUTS posterior is tested.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bayesreg._validation import check_positive_float

__all__ = ["HierarchicalPrior", "BayesianLasso", "HierarchicalLaplace", "HierarchicalGaussian"]


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


@dataclass(frozen=True)
class HierarchicalLaplace(HierarchicalPrior):
    r"""Laplace prior with a random rate: :math:`w_j \mid \lambda \sim \text{Laplace}(0, 1/\lambda)`,
    :math:`\lambda \sim \text{Gamma}(r, \delta)` (shape, rate).

    The penalty strength is learned from the data instead of fixed (``lam`` in the posterior).
    """

    r: float = 1.0
    delta: float = 1.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "r", check_positive_float("r", "HierarchicalLaplace", self.r))
        object.__setattr__(self, "delta", check_positive_float("delta", "HierarchicalLaplace", self.delta))

    def add_to_model(self, n_features: int, dims: str = "feature") -> tuple[Any, Any]:
        import pymc as pm

        lam = pm.Gamma("lam", alpha=self.r, beta=self.delta)
        return pm.Laplace("coef", mu=0.0, b=1.0 / lam, dims=dims), None


@dataclass(frozen=True)
class HierarchicalGaussian(HierarchicalPrior):
    r"""Gaussian prior with a random scale: :math:`w_j \mid \tau \sim N(0, \tau^2)`,
    :math:`\tau \sim \text{HalfNormal}(s)`, written non-centred (:math:`w = \tau z`,
    :math:`z \sim N(0, 1)`) so NUTS avoids the funnel between :math:`\tau` and :math:`w`.
    """

    scale: float = 1.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "scale", check_positive_float("scale", "HierarchicalGaussian", self.scale))

    def add_to_model(self, n_features: int, dims: str = "feature") -> tuple[Any, Any]:
        import pymc as pm

        tau = pm.HalfNormal("tau", sigma=self.scale)
        z = pm.Normal("coef_z", 0.0, 1.0, dims=dims)
        return pm.Deterministic("coef", tau * z, dims=dims), None
