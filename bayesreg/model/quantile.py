r"""The asymmetric Laplace likelihood: Bayesian quantile regression.

For a quantile level :math:`q \in (0, 1)` and a scale :math:`s > 0` the residual
:math:`r_i = y_i - \eta_i`, :math:`\eta_i = c + x_i^\top w`, has the density

.. math::

    p(y_i \mid \eta_i) = \frac{q(1-q)}{s}\exp\Bigl(-\frac{\rho_q(r_i)}{s}\Bigr), \qquad
    \rho_q(r) = r\,\bigl(q - \mathbb 1[r < 0]\bigr) = \max(q r, (q-1) r),

the pinball (check) loss :math:`\rho_q`; its :math:`q`-quantile is :math:`\eta_i`, and
``quantile=0.5`` is least absolute deviations (:math:`\rho_{1/2}(r) = |r|/2`). The normaliser:
:math:`\int e^{-\rho_q(r)/s}dr = s/q + s/(1-q) = s/(q(1-q))`. With sample weights :math:`s_i`

.. math::

    -\log L = \frac{1}{s}\sum_i s_i\,\rho_q(r_i) - S\log\frac{q(1-q)}{s}, \qquad S = \sum_i s_i .

**PyMC's parameterisation.** ``pm.AsymmetricLaplace(b, kappa, mu)`` has the density
:math:`\frac{b}{\kappa + 1/\kappa}\exp(-(x-\mu)\,b\,\sigma\kappa^{\sigma})`,
:math:`\sigma = \operatorname{sign}(x - \mu)`. Matching the exponents on each side of :math:`\mu`:
:math:`b\kappa = q/s` (:math:`r > 0`) and :math:`b/\kappa = (1-q)/s` (:math:`r < 0`), so

.. math:: \kappa = \sqrt{q/(1-q)}, \qquad b = \sqrt{q(1-q)}/s,

and then :math:`b/(\kappa + 1/\kappa) = q(1-q)/s`, the same normaliser. (``scipy.stats.laplace_asymmetric``:
``kappa`` the same, ``scale`` :math:`= s/\sqrt{q(1-q)}`.)

**Draws.** :math:`r = s\,E_1/q - s\,E_2/(1-q)` with :math:`E_1, E_2 \sim \text{Exp}(1)` independent
(the difference of exponentials with rates :math:`q/s` and :math:`(1-q)/s`).

The MAP of this likelihood under a Laplace / Gaussian / elastic-net prior is a linear (quadratic)
program, solved exactly by :mod:`bayesreg.inference.quantile_map`; it never has a smooth gradient.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from bayesreg._validation import check_open_fraction, check_positive_float, describe
from bayesreg.model.data import RegressionData
from bayesreg.model.likelihoods import Likelihood, rows_data_values

__all__ = ["AsymmetricLaplace", "pinball_loss", "pymc_parameters"]


def pinball_loss(r: np.ndarray, quantile: float) -> np.ndarray:
    r"""The pinball (check) loss :math:`\rho_q(r) = \max(q r, (q-1) r)`, elementwise."""
    r = np.asarray(r, dtype=float)
    return np.maximum(quantile * r, (quantile - 1.0) * r)


def pymc_parameters(quantile: float, scale: float) -> dict[str, np.float64]:
    r"""``pm.AsymmetricLaplace``'s ``(b, kappa)`` for quantile :math:`q` and scale :math:`s`:
    :math:`\kappa = \sqrt{q/(1-q)}`, :math:`b = \sqrt{q(1-q)}/s` (derivation: module docstring)."""
    # NumPy float64 scalars: PyTensor turns plain Python floats into float32 constants when exact
    return {"b": np.float64(np.sqrt(quantile * (1.0 - quantile)) / scale),
            "kappa": np.float64(np.sqrt(quantile / (1.0 - quantile)))}


@dataclass(frozen=True)
class AsymmetricLaplace(Likelihood):
    r"""Asymmetric Laplace likelihood: quantile regression at level ``quantile``.

    .. math:: p(y_i \mid \eta_i) = \frac{q(1-q)}{s}\exp\bigl(-\rho_q(y_i - \eta_i)/s\bigr)

    Parameters
    ----------
    quantile : float in (0, 1), default 0.5
        :math:`q`; ``0.5`` is least absolute deviations (the median).
    scale : float > 0, default 1.0
        :math:`s`. The MAP under an L1 prior ``Laplace(b)`` is scikit-learn's
        ``QuantileRegressor(quantile=q, alpha=s/(n b))`` (``bayesreg.conventions``).
    """

    quantile: float = 0.5
    scale: float = 1.0
    name: ClassVar[str] = "asymmetric_laplace"
    binary: ClassVar[bool] = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "quantile", check_open_fraction(
            "quantile", "AsymmetricLaplace", self.quantile, what="the quantile level q"))
        if not isinstance(self.scale, (int, float, np.integer, np.floating)) or isinstance(self.scale, bool):
            raise TypeError(f"The 'scale' parameter of AsymmetricLaplace must be a positive float; "
                            f"got {describe(self.scale)}.")
        object.__setattr__(self, "scale", check_positive_float("scale", "AsymmetricLaplace", self.scale))

    # the noise scale of the Gaussian's API (fit reports and the posterior predictive read it)
    @property
    def noise_sigma(self) -> float:
        return self.scale

    @property
    def log_normalizer(self) -> float:
        r""":math:`\log(q(1-q)/s)`, the log-density at :math:`r = 0`."""
        return float(np.log(self.quantile * (1.0 - self.quantile) / self.scale))

    def nll(self, data: RegressionData, coef: np.ndarray, intercept: float) -> float:
        r = data.y - data.linear_predictor(coef, intercept)
        return float(data.weights @ pinball_loss(r, self.quantile)) / self.scale \
            - data.weight_sum * self.log_normalizer

    def pointwise_loglik(self, data: RegressionData, eta: np.ndarray, **params: Any) -> np.ndarray:
        return data.weights * (self.log_normalizer - pinball_loss(data.y - eta, self.quantile) / self.scale)

    def logpdf(self, y: np.ndarray, eta: np.ndarray) -> np.ndarray:
        """Log-density of ``y`` given linear predictors ``eta`` (no weights)."""
        return self.log_normalizer - pinball_loss(np.asarray(y, float) - eta, self.quantile) / self.scale

    def draw(self, eta: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        r"""One draw of :math:`y` per entry of ``eta``: :math:`\eta + s E_1/q - s E_2/(1-q)`."""
        eta = np.asarray(eta, dtype=float)
        q, s = self.quantile, self.scale
        return eta + s * rng.standard_exponential(eta.shape) / q - s * rng.standard_exponential(eta.shape) / (1 - q)

    def predictive_draws(self, eta: np.ndarray, rng: np.random.Generator, **params: Any) -> np.ndarray:
        """Posterior predictive draws (:meth:`draw`; the quantile and scale are fixed)."""
        return self.draw(eta, rng)

    def max_curvature(self) -> float:
        return 0.0  # piecewise linear in eta: no curvature (and no gradient at the kinks)

    def data_values(self, data: RegressionData, form: str) -> dict[str, Any]:
        if form != "rows":
            raise ValueError(f"the asymmetric Laplace likelihood is written over the rows (form='rows'); "
                             f"got form={form!r}.")
        return rows_data_values(data)

    def add_to_model(self, d: dict[str, Any], eta: Any, coef: Any, intercept: Any,
                     form: str, sigma: Any = None) -> Any:
        import pymc as pm
        import pytensor.tensor as pt

        params = pymc_parameters(self.quantile, self.scale)
        if "sample_weight" not in d:
            return pm.AsymmetricLaplace("y", mu=eta, observed=d["y_obs"], dims="obs", **params)
        dist = pm.AsymmetricLaplace.dist(mu=eta, **params)
        return pm.Potential("loglik", pt.sum(d["sample_weight"] * pm.logp(dist, d["y_obs"])))
