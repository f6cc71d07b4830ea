r"""Priors on the Gaussian noise scale :math:`\sigma` (sampled when ``noise_sigma=None``).

Public as ``bayesreg.noise`` (``br.noise.Jeffreys()``, ...), passed as
``BayesianRegression(noise_prior=...)``. Each is a small, validated, frozen object that knows its
PyMC form (it creates the variable ``sigma``), its log-density in NumPy and its prior draws.
A scale left at ``None`` is the sample standard deviation of ``y`` (population sd, as the default
prior always used), fixed when the model is built.

* ``Jeffreys()``: :math:`p(\sigma^2) \propto 1/\sigma^2`, i.e. :math:`p(\sigma) \propto 1/\sigma`
  (improper; flat in :math:`\log\sigma`);
* ``HalfStudentT(nu=4, scale=None)``: :math:`p(\sigma) = \frac{2\Gamma((\nu+1)/2)}{\Gamma(\nu/2)
  \sqrt{\nu\pi}\,s}(1 + \sigma^2/(\nu s^2))^{-(\nu+1)/2}`; ``HalfStudentT()`` = t⁺₄(0, sd(y)) is the
  package default;
* ``HalfNormal(scale=None)``: :math:`p(\sigma) = \frac{\sqrt2}{s\sqrt\pi} e^{-\sigma^2/(2s^2)}`;
* ``HalfCauchy(scale=None)``: :math:`p(\sigma) = \frac{2}{\pi s (1 + \sigma^2/s^2)}`;
* ``Exponential(rate=None)``: :math:`p(\sigma) = r e^{-r\sigma}`, ``rate=None`` meaning
  :math:`r = 1/\text{sd}(y)`.

The Jeffreys prior is what R's ``bayesreg`` and Park & Casella's Bayesian lasso use; it is improper,
and the posterior is proper when the data leave at least one residual degree of freedom.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
from scipy import stats

from bayesreg._validation import check_positive_float

__all__ = ["NoisePrior", "Jeffreys", "HalfStudentT", "HalfNormal", "HalfCauchy", "Exponential", "DEFAULT_NOISE_PRIOR",
           "data_scale"]


def data_scale(y: np.ndarray) -> float:
    """The default scale of a noise prior: the (population) sd of ``y``, 1 for a constant ``y``."""
    return float(np.std(y)) or 1.0


def _optional_scale(name: str, owner: str, value: object) -> float | None:
    return None if value is None else check_positive_float(name, owner, value)


class NoisePrior(ABC):
    """A prior on the Gaussian noise scale; ``prior(data)`` creates ``sigma`` in the current PyMC model."""

    proper: ClassVar[bool] = True

    @abstractmethod
    def logpdf(self, sigma: Any, y_scale: float = 1.0) -> np.ndarray:
        r"""Log-density of :math:`\sigma` (normalised when proper); ``y_scale`` fills a ``None`` scale."""

    @abstractmethod
    def add_to_model(self, y_scale: float) -> Any:
        """Create the PyMC variable ``sigma`` (inside a model context) and return it."""

    def __call__(self, data: Any) -> Any:
        """The ``noise_prior(data)`` callable :func:`bayesreg.model.build_model` expects."""
        return self.add_to_model(float(data.y_scale) or 1.0)

    def sample(self, size: int, rng: np.random.Generator, y_scale: float = 1.0) -> np.ndarray:
        """Independent prior draws of :math:`\\sigma`."""
        raise ValueError(f"{type(self).__name__} is improper: it has no prior draws.")


@dataclass(frozen=True)
class Jeffreys(NoisePrior):
    r""":math:`p(\sigma^2) \propto 1/\sigma^2`, i.e. :math:`p(\sigma) \propto 1/\sigma` (improper).

    In PyMC: a flat prior on ``log_sigma`` and ``sigma = exp(log_sigma)``.
    """

    proper: ClassVar[bool] = False

    def logpdf(self, sigma: Any, y_scale: float = 1.0) -> np.ndarray:
        return -np.log(np.asarray(sigma, dtype=float))

    def add_to_model(self, y_scale: float) -> Any:
        import pymc as pm
        import pytensor.tensor as pt

        log_sigma = pm.Flat("log_sigma")
        return pm.Deterministic("sigma", pt.exp(log_sigma))


@dataclass(frozen=True)
class HalfStudentT(NoisePrior):
    r""":math:`\sigma \sim t^+_\nu(0, s)`; ``HalfStudentT()`` is the package default (``nu=4``, ``s=sd(y)``)."""

    nu: float = 4.0
    scale: float | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "nu", check_positive_float("nu", "HalfStudentT", self.nu))
        object.__setattr__(self, "scale", _optional_scale("scale", "HalfStudentT", self.scale))

    def logpdf(self, sigma: Any, y_scale: float = 1.0) -> np.ndarray:
        s = self.scale or y_scale
        return np.log(2.0) + stats.t.logpdf(np.asarray(sigma, dtype=float), self.nu, scale=s)

    def add_to_model(self, y_scale: float) -> Any:
        import pymc as pm

        return pm.HalfStudentT("sigma", nu=self.nu, sigma=self.scale or y_scale)

    def sample(self, size: int, rng: np.random.Generator, y_scale: float = 1.0) -> np.ndarray:
        return np.abs(rng.standard_t(self.nu, size)) * (self.scale or y_scale)


@dataclass(frozen=True)
class HalfNormal(NoisePrior):
    r""":math:`\sigma \sim N^+(0, s^2)`."""

    scale: float | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "scale", _optional_scale("scale", "HalfNormal", self.scale))

    def logpdf(self, sigma: Any, y_scale: float = 1.0) -> np.ndarray:
        return stats.halfnorm.logpdf(np.asarray(sigma, dtype=float), scale=self.scale or y_scale)

    def add_to_model(self, y_scale: float) -> Any:
        import pymc as pm

        return pm.HalfNormal("sigma", sigma=self.scale or y_scale)

    def sample(self, size: int, rng: np.random.Generator, y_scale: float = 1.0) -> np.ndarray:
        return np.abs(rng.standard_normal(size)) * (self.scale or y_scale)


@dataclass(frozen=True)
class HalfCauchy(NoisePrior):
    r""":math:`\sigma \sim C^+(0, s)`."""

    scale: float | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "scale", _optional_scale("scale", "HalfCauchy", self.scale))

    def logpdf(self, sigma: Any, y_scale: float = 1.0) -> np.ndarray:
        return stats.halfcauchy.logpdf(np.asarray(sigma, dtype=float), scale=self.scale or y_scale)

    def add_to_model(self, y_scale: float) -> Any:
        import pymc as pm

        return pm.HalfCauchy("sigma", beta=self.scale or y_scale)

    def sample(self, size: int, rng: np.random.Generator, y_scale: float = 1.0) -> np.ndarray:
        return np.abs(rng.standard_cauchy(size)) * (self.scale or y_scale)


@dataclass(frozen=True)
class Exponential(NoisePrior):
    r""":math:`\sigma \sim \text{Exponential}(r)` (rate :math:`r`, mean :math:`1/r`)."""

    rate: float | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "rate", _optional_scale("rate", "Exponential", self.rate))

    def _rate(self, y_scale: float) -> float:
        return self.rate or 1.0 / y_scale

    def logpdf(self, sigma: Any, y_scale: float = 1.0) -> np.ndarray:
        return stats.expon.logpdf(np.asarray(sigma, dtype=float), scale=1.0 / self._rate(y_scale))

    def add_to_model(self, y_scale: float) -> Any:
        import pymc as pm

        return pm.Exponential("sigma", lam=self._rate(y_scale))

    def sample(self, size: int, rng: np.random.Generator, y_scale: float = 1.0) -> np.ndarray:
        return rng.standard_exponential(size) / self._rate(y_scale)


#: the prior on a sampled noise scale when none is given
DEFAULT_NOISE_PRIOR = HalfStudentT(4.0, None)
