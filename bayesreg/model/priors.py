r"""Priors on the regression weights, each one the exact counterpart of a penalty.

Every prior here has a log-density of the form

.. math::

    \log p(w) = -\sum_j \bigl(\ell_{1,j}\,|w_j| + \ell_{2,j}\,w_j^2\bigr) - \log Z,

so its negative log-density is, up to the constant :math:`\log Z`, the penalty
:math:`P(w) = \sum_j \ell_{1,j}|w_j| + \ell_{2,j} w_j^2` of the internal "sum form"
(see :mod:`bayesreg.conventions`). A prior therefore knows

* its PyMC distribution (:meth:`Prior.to_pymc`),
* its normalised log-density in NumPy (:meth:`Prior.logpdf`),
* its penalty weights :math:`(\ell_1, \ell_2)` and penalty value (:meth:`Prior.penalty`),
* the proximal operator of the penalty (:meth:`Prior.prox`),
* the distance of a gradient to the penalty's subdifferential (:meth:`Prior.subgradient_distance`),
  which is the optimality (KKT) certificate of a MAP estimate.

Scales may be scalars or one value per feature. Objects are immutable and validated on creation.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
from scipy import special, stats

from bayesreg._validation import check_scale, describe

__all__ = ["Prior", "Laplace", "Gaussian", "ElasticNet", "elastic_net_log_normalizer", "PENALTY_WEIGHT_RANGE"]

#: Penalty weights (:math:`\ell_1 = 1/b`, :math:`\ell_2 = 1/(2\sigma^2)`) must lie in this range:
#: normal floating-point numbers with eight orders of magnitude of headroom either way, so that the
#: solvers' products and sums with them neither overflow to ``inf`` nor underflow to 0 (a Laplace
#: scale of 1e-320 would give ``1/b = inf``; a Gaussian sigma of 1e200 a weight of exactly 0, a flat
#: prior in disguise).
PENALTY_WEIGHT_RANGE = (1e-300, 1e300)


def _check_prior_scale(name: str, owner: str, value: object, weight: str,
                       to_weight: Any, from_weight: Any) -> float | tuple[float, ...]:
    """A positive scale (or penalty weight) whose penalty weight is representable.

    ``to_weight`` maps the parameter to its penalty weight (``weight`` names it in the message) and
    ``from_weight`` maps a weight back (to state the allowed range of the parameter itself).
    Booleans are refused: ``Laplace(True)`` is a mistake, not a scale of 1.
    """
    arr = np.asarray(value) if not isinstance(value, (bool, np.bool_)) else None
    if arr is None or arr.dtype == bool:
        raise TypeError(f"The {name!r} parameter of {owner} must be a positive real number or a 1-D array "
                        f"of them, not a boolean; got {describe(value)}.")
    checked = check_scale(name, owner, value)
    low, high = PENALTY_WEIGHT_RANGE
    with np.errstate(over="ignore", under="ignore", divide="ignore"):
        weights = to_weight(np.atleast_1d(np.asarray(checked, dtype=float)))
    bad = ~((weights >= low) & (weights <= high))
    if np.any(bad):
        j = int(np.flatnonzero(bad)[0])
        v = float(np.atleast_1d(np.asarray(checked, dtype=float))[j])
        what = "overflow to inf" if not weights[j] <= high else "underflow towards 0"
        bounds = sorted(float(from_weight(np.float64(b))) for b in (low, high))
        at = "" if np.ndim(checked) == 0 else f" (value {j})"
        raise ValueError(
            f"The {name!r} parameter of {owner} must be in [{bounds[0]:.3g}, {bounds[1]:.3g}] so that its "
            f"penalty weight {weight} is a representable number in [{low:g}, {high:g}]; got {v!r}{at}, "
            f"whose penalty weight ({weights[j]:.3g}) would {what}."
        )
    return checked


def _broadcast(name: str, owner: str, value: float | tuple[float, ...], p: int) -> np.ndarray:
    arr = np.asarray(value, dtype=float)
    if arr.ndim == 0:
        return np.full(p, float(arr))
    if arr.shape != (p,):
        raise ValueError(
            f"The {name!r} parameter of {owner} has {arr.shape[0]} values but the model has "
            f"{p} features; give a scalar or one value per feature."
        )
    return arr.copy()


def elastic_net_log_normalizer(l1: np.ndarray | float, l2: np.ndarray | float) -> np.ndarray:
    r"""Log normalising constant of the elastic-net density, per coordinate.

    .. math::

        Z = \int_{-\infty}^{\infty} e^{-\ell_1 |w| - \ell_2 w^2}\,dw
          = \sqrt{\pi/\ell_2}\; \operatorname{erfcx}\!\bigl(\ell_1 / (2\sqrt{\ell_2})\bigr),

    using :math:`\int_0^\infty e^{-\ell_2 w^2 - \ell_1 w}dw
    = \tfrac12\sqrt{\pi/\ell_2}\,e^{\ell_1^2/(4\ell_2)}\operatorname{erfc}(\ell_1/(2\sqrt{\ell_2}))`
    and :math:`\operatorname{erfcx}(a) = e^{a^2}\operatorname{erfc}(a)` (stable for large
    :math:`a`).
    """
    l1 = np.asarray(l1, dtype=float)
    l2 = np.asarray(l2, dtype=float)
    return 0.5 * np.log(np.pi / l2) + np.log(special.erfcx(l1 / (2.0 * np.sqrt(l2))))


def _reciprocal(v: np.ndarray) -> np.ndarray:
    return 1.0 / v


def _gaussian_weight(sigma: np.ndarray) -> np.ndarray:
    r""":math:`\ell_2 = 1/(2\sigma^2)`."""
    return 0.5 / (sigma * sigma)


def _gaussian_sigma(l2: np.ndarray) -> np.ndarray:
    r""":math:`\sigma = 1/\sqrt{2\ell_2}` (the inverse of :func:`_gaussian_weight`)."""
    return 1.0 / np.sqrt(2.0 * l2)


def _identity(v: np.ndarray) -> np.ndarray:
    return v


class Prior(ABC):
    """A prior on the weights whose negative log-density is a separable penalty."""

    kind: ClassVar[str]

    @abstractmethod
    def penalty_weights(self, n_features: int) -> tuple[np.ndarray, np.ndarray]:
        r"""Per-feature :math:`(\ell_1, \ell_2)` with :math:`-\log p(w) = P(w) + \log Z`."""

    @abstractmethod
    def log_normalizer(self, n_features: int) -> np.ndarray:
        r"""Per-feature :math:`\log Z_j`."""

    @abstractmethod
    def _pymc_dist(self, name: str, dims: str, n_features: int) -> Any:
        """Create the PyMC random variable (inside a model context)."""

    @abstractmethod
    def sample(self, n_features: int, size: int, rng: np.random.Generator) -> np.ndarray:
        """Independent prior draws, shape ``(size, n_features)``."""

    @property
    @abstractmethod
    def n_features(self) -> int | None:
        """Number of features fixed by per-feature scales, or ``None`` for scalar scales."""

    # ----- generic maths from (l1, l2) -----------------------------------------------------
    def penalty(self, w: np.ndarray) -> float:
        r""":math:`P(w) = \sum_j \ell_{1,j}|w_j| + \ell_{2,j} w_j^2`."""
        w = np.asarray(w, dtype=float)
        l1, l2 = self.penalty_weights(w.shape[-1])
        return float(np.sum(l1 * np.abs(w) + l2 * w**2))

    def logpdf(self, w: np.ndarray) -> float:
        r"""Normalised log-density :math:`\sum_j \log p(w_j) = -P(w) - \sum_j \log Z_j`."""
        w = np.asarray(w, dtype=float)
        return -self.penalty(w) - float(np.sum(self.log_normalizer(w.shape[-1])))

    def prox(self, v: np.ndarray, step: float) -> np.ndarray:
        r"""Proximal operator of :math:`t P`.

        .. math::

            \operatorname{prox}_{tP}(v) = \arg\min_w \tfrac{1}{2t}\|w - v\|^2 + P(w)
            = \frac{\operatorname{sign}(v)\max(|v| - t\ell_1, 0)}{1 + 2t\ell_2}.
        """
        v = np.asarray(v, dtype=float)
        l1, l2 = self.penalty_weights(v.shape[-1])
        return np.sign(v) * np.maximum(np.abs(v) - step * l1, 0.0) / (1.0 + 2.0 * step * l2)

    def subgradient_distance(self, w: np.ndarray, grad: np.ndarray) -> np.ndarray:
        r"""Distance of :math:`-\nabla f(w)` to :math:`\partial P(w)`, per coordinate.

        For the objective :math:`f(w) + P(w)` with :math:`f` smooth, :math:`w` is optimal iff
        :math:`0 \in \nabla f(w) + \partial P(w)`. With :math:`g = \nabla f(w)`:

        * :math:`w_j \ne 0`: :math:`|g_j + \ell_{1,j}\operatorname{sign}(w_j) + 2\ell_{2,j}w_j|`;
        * :math:`w_j = 0`: :math:`\max(|g_j| - \ell_{1,j}, 0)`.
        """
        w = np.asarray(w, dtype=float)
        g = np.asarray(grad, dtype=float)
        l1, l2 = self.penalty_weights(w.shape[-1])
        nonzero = np.abs(g + l1 * np.sign(w) + 2.0 * l2 * w)
        at_zero = np.maximum(np.abs(g) - l1, 0.0)
        return np.where(w != 0.0, nonzero, at_zero)

    def to_pymc(self, name: str = "coef", *, dims: str = "feature", n_features: int) -> Any:
        """Add this prior as a PyMC random variable to the model on the context stack."""
        self.penalty_weights(n_features)  # validates per-feature length
        return self._pymc_dist(name, dims, n_features)


@dataclass(frozen=True)
class Laplace(Prior):
    r"""Laplace prior :math:`p(w_j) = \frac{1}{2b_j} e^{-|w_j|/b_j}`: the L1 penalty.

    Negative log-density :math:`|w_j|/b_j + \log(2b_j)`, so :math:`\ell_1 = 1/b`, :math:`\ell_2 = 0`.

    Parameters
    ----------
    b : float or array-like of shape (n_features,)
        Scale, > 0. Variance is :math:`2b^2`.
    """

    b: float | tuple[float, ...]
    kind: ClassVar[str] = "laplace"

    def __post_init__(self) -> None:
        object.__setattr__(self, "b", _check_prior_scale("b", "Laplace", self.b, "1/b", _reciprocal, _reciprocal))

    @property
    def n_features(self) -> int | None:
        return None if isinstance(self.b, float) else len(self.b)

    def penalty_weights(self, n_features: int) -> tuple[np.ndarray, np.ndarray]:
        b = _broadcast("b", "Laplace", self.b, n_features)
        return 1.0 / b, np.zeros(n_features)

    def log_normalizer(self, n_features: int) -> np.ndarray:
        return np.log(2.0 * _broadcast("b", "Laplace", self.b, n_features))

    def _pymc_dist(self, name: str, dims: str, n_features: int) -> Any:
        import pymc as pm

        b = _broadcast("b", "Laplace", self.b, n_features)
        return pm.Laplace(name, mu=0.0, b=b, dims=dims)

    def sample(self, n_features: int, size: int, rng: np.random.Generator) -> np.ndarray:
        b = _broadcast("b", "Laplace", self.b, n_features)
        return rng.laplace(0.0, b, size=(size, n_features))


@dataclass(frozen=True)
class Gaussian(Prior):
    r"""Gaussian prior :math:`w_j \sim N(0, \sigma_j^2)`: the L2 (ridge) penalty.

    Negative log-density :math:`w_j^2/(2\sigma_j^2) + \tfrac12\log(2\pi\sigma_j^2)`, so
    :math:`\ell_1 = 0`, :math:`\ell_2 = 1/(2\sigma^2)`.

    Parameters
    ----------
    sigma : float or array-like of shape (n_features,)
        Standard deviation, > 0 (the variance is ``sigma**2``).
    """

    sigma: float | tuple[float, ...]
    kind: ClassVar[str] = "gaussian"

    def __post_init__(self) -> None:
        object.__setattr__(self, "sigma", _check_prior_scale("sigma", "Gaussian", self.sigma, "1/(2 sigma^2)",
                                                               _gaussian_weight, _gaussian_sigma))

    @property
    def n_features(self) -> int | None:
        return None if isinstance(self.sigma, float) else len(self.sigma)

    def penalty_weights(self, n_features: int) -> tuple[np.ndarray, np.ndarray]:
        s = _broadcast("sigma", "Gaussian", self.sigma, n_features)
        return np.zeros(n_features), 0.5 / s**2

    def log_normalizer(self, n_features: int) -> np.ndarray:
        s = _broadcast("sigma", "Gaussian", self.sigma, n_features)
        return 0.5 * np.log(2.0 * np.pi * s**2)

    def _pymc_dist(self, name: str, dims: str, n_features: int) -> Any:
        import pymc as pm

        s = _broadcast("sigma", "Gaussian", self.sigma, n_features)
        return pm.Normal(name, mu=0.0, sigma=s, dims=dims)

    def sample(self, n_features: int, size: int, rng: np.random.Generator) -> np.ndarray:
        s = _broadcast("sigma", "Gaussian", self.sigma, n_features)
        return rng.normal(0.0, s, size=(size, n_features))


@dataclass(frozen=True)
class ElasticNet(Prior):
    r"""Elastic-net prior :math:`p(w_j) = e^{-\ell_{1,j}|w_j| - \ell_{2,j} w_j^2} / Z_j`.

    The product of a Laplace and a Gaussian kernel, normalised exactly
    (:func:`elastic_net_log_normalizer`). Each half-line is a truncated normal:
    for :math:`w > 0`, :math:`w \sim N(-\ell_1/(2\ell_2), 1/(2\ell_2))` truncated to
    :math:`(0, \infty)`, and the sign is symmetric.

    Parameters
    ----------
    l1, l2 : float or array-like of shape (n_features,)
        Penalty weights, both > 0 (use :class:`Laplace` or :class:`Gaussian` when one is 0).
    """

    l1: float | tuple[float, ...]
    l2: float | tuple[float, ...]
    kind: ClassVar[str] = "elastic_net"

    def __post_init__(self) -> None:
        for name in ("l1", "l2"):
            object.__setattr__(self, name, _check_prior_scale(name, "ElasticNet", getattr(self, name), name,
                                                              _identity, _identity))
        n1 = None if isinstance(self.l1, float) else len(self.l1)
        n2 = None if isinstance(self.l2, float) else len(self.l2)
        if n1 is not None and n2 is not None and n1 != n2:
            raise ValueError(
                f"The 'l1' and 'l2' parameters of ElasticNet must have the same length; "
                f"got {n1} and {n2}."
            )

    @property
    def n_features(self) -> int | None:
        for v in (self.l1, self.l2):
            if not isinstance(v, float):
                return len(v)
        return None

    def penalty_weights(self, n_features: int) -> tuple[np.ndarray, np.ndarray]:
        return (
            _broadcast("l1", "ElasticNet", self.l1, n_features),
            _broadcast("l2", "ElasticNet", self.l2, n_features),
        )

    def log_normalizer(self, n_features: int) -> np.ndarray:
        return elastic_net_log_normalizer(*self.penalty_weights(n_features))

    def _pymc_dist(self, name: str, dims: str, n_features: int) -> Any:
        import pymc as pm
        import pytensor.tensor as pt

        l1, l2 = self.penalty_weights(n_features)

        def logp(value, l1, l2):
            a = l1 / (2.0 * pt.sqrt(l2))
            log_z = 0.5 * pt.log(np.pi / l2) + pt.log(pt.erfcx(a))
            return -l1 * pt.abs(value) - l2 * value**2 - log_z

        def random(l1, l2, rng=None, size=None):
            return _elastic_net_draws(np.broadcast_to(l1, size), np.broadcast_to(l2, size), rng)

        return pm.CustomDist(name, l1, l2, logp=logp, random=random, dims=dims)

    def sample(self, n_features: int, size: int, rng: np.random.Generator) -> np.ndarray:
        l1, l2 = self.penalty_weights(n_features)
        shape = (size, n_features)
        return _elastic_net_draws(np.broadcast_to(l1, shape), np.broadcast_to(l2, shape), rng)


def _elastic_net_draws(l1: np.ndarray, l2: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Exact draws: a symmetric sign times N(-l1/(2 l2), 1/(2 l2)) truncated to (0, inf)."""
    scale = np.sqrt(0.5 / l2)
    loc = -l1 / (2.0 * l2)
    magnitude = stats.truncnorm.rvs((0.0 - loc) / scale, np.inf, loc=loc, scale=scale,
                                    size=l1.shape, random_state=rng)
    sign = np.where(rng.random(l1.shape) < 0.5, -1.0, 1.0)
    return sign * magnitude
