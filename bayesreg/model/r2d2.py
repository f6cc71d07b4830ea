r"""The R2D2 prior (Zhang, Naughton, Bondell & Reich 2022), exactly as brms's ``R2D2()`` writes it.

A prior on the proportion of explained variance, decomposed over the coefficients by a Dirichlet:

.. math::

    R^2 \sim \text{Beta}(\mu\kappa, (1-\mu)\kappa), \qquad
    \varphi \sim \text{Dirichlet}(a, \dots, a), \qquad
    \tau^2 = \sigma^2\frac{R^2}{1 - R^2}, \qquad \beta_j = z_j\sqrt{\varphi_j\tau^2},

with :math:`\mu` = ``mean_r2``, :math:`\kappa` = ``prec_r2``, :math:`a` = ``cons_d2`` and
:math:`\sigma` the Gaussian noise scale (1 for the logistic likelihood; brms's ``autoscale=TRUE``).
In PyMC the simplex is written as normalised gamma variables, :math:`\varphi_j = g_j/\sum_k g_k`,
:math:`g_j \sim \text{Gamma}(a, 1)` (``phi_gamma``), which is exactly :math:`\text{Dirichlet}(a)` and,
measured on a p > n problem, took NUTS 20 instead of 63 leapfrog steps per draw with no divergences
(0.1% with PyMC's simplex transform). For standardized predictors
:math:`\sum_j\beta_j^2/\sigma^2 = \tau^2/\sigma^2 \cdot \sum_j\varphi_j z_j^2`
has prior mean :math:`R^2/(1-R^2)`: the prior is on the signal-to-noise ratio. The posterior holds
``r2``, ``phi`` (dim feature), ``tau`` (:math:`\tau`), ``lam`` (:math:`\sqrt{\varphi_j}`, so that
:math:`\beta_j = \tau\lambda_j z_j` as for the horseshoe) and ``coef_scale``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from bayesreg._validation import check_positive_float
from bayesreg.model.global_local import GlobalLocalPrior

__all__ = ["R2D2"]


@dataclass(frozen=True, repr=False)
class R2D2(GlobalLocalPrior):
    r"""R2D2 prior: :math:`R^2 \sim \text{Beta}(\mu\kappa, (1-\mu)\kappa)`, :math:`\varphi \sim
    \text{Dirichlet}(a)`, :math:`\beta_j = z_j\sqrt{\varphi_j\sigma^2R^2/(1-R^2)}` (module docstring).

    Parameters
    ----------
    mean_r2 : float, default=0.5
        :math:`\mu \in (0, 1)`, the prior mean of :math:`R^2` (brms's ``mean_R2``).
    prec_r2 : float, default=2.0
        :math:`\kappa > 0`, its prior precision (``prec_R2``); the defaults make :math:`R^2` uniform.
    cons_d2 : float, default=0.5
        :math:`a > 0`, the Dirichlet concentration (``cons_D2``); smaller values concentrate the
        variance on fewer coefficients.
    """

    mean_r2: float = 0.5
    prec_r2: float = 2.0
    cons_d2: float = 0.5
    map_refusal: ClassVar[str] = (
        "R2D2: for cons_d2 <= 1/2 its marginal density is unbounded at beta_j = 0, and for any setting the "
        "joint density of the coefficients and their scales grows without bound as R^2 -> 0 (no finite mode); "
        "fit it with method='nuts' (the full posterior), or use a Laplace prior (br.Laplace / br.LassoBayes) "
        "with method='map' for a point estimate with exact zeros.")
    own_variables: ClassVar[tuple[str, ...]] = ("r2", "phi")

    def __post_init__(self) -> None:
        mean = check_positive_float("mean_r2", "R2D2", self.mean_r2)
        if not mean < 1.0:
            raise ValueError(f"The 'mean_r2' parameter of R2D2 must be in (0, 1) (a mean R^2); got {mean!r}.")
        object.__setattr__(self, "mean_r2", mean)
        object.__setattr__(self, "prec_r2", check_positive_float("prec_r2", "R2D2", self.prec_r2))
        object.__setattr__(self, "cons_d2", check_positive_float("cons_d2", "R2D2", self.cons_d2))
        self._check_base()

    @property
    def beta_params(self) -> tuple[float, float]:
        """:math:`(\\mu\\kappa, (1-\\mu)\\kappa)`, the Beta parameters of :math:`R^2`."""
        return self.mean_r2 * self.prec_r2, (1.0 - self.mean_r2) * self.prec_r2

    def add_scales(self, n_features: int, dims: str, sigma: Any) -> Any:
        import pymc as pm
        import pytensor.tensor as pt

        a, b = self.beta_params
        r2 = pm.Beta("r2", alpha=a, beta=b)
        if n_features == 1:
            phi = pm.Deterministic("phi", pt.ones(1), dims=dims)
        else:  # Dirichlet(a) as normalised Gamma(a, 1) variables: a friendlier geometry for NUTS
            gamma = pm.Gamma("phi_gamma", alpha=self.cons_d2, beta=1.0, dims=dims)
            phi = pm.Deterministic("phi", gamma / pt.sum(gamma), dims=dims)
        tau = pm.Deterministic("tau", sigma * pt.sqrt(r2 / (1.0 - r2)))
        lam = pm.Deterministic("lam", pt.sqrt(phi), dims=dims)
        return tau * lam

    def sample_scales(self, n_features: int, size: int, rng: np.random.Generator,
                      sigma: float | np.ndarray = 1.0) -> dict[str, np.ndarray]:
        a, b = self.beta_params
        r2 = rng.beta(a, b, size)
        phi = rng.dirichlet(np.full(n_features, self.cons_d2), size) if n_features > 1 else np.ones((size, 1))
        tau = np.reshape(sigma, -1) * np.sqrt(r2 / (1.0 - r2))
        return {"r2": r2, "phi": phi, "tau": tau, "lam": np.sqrt(phi), "coef_scale": tau[:, None] * np.sqrt(phi)}
