r"""Shared pieces of the λ ↔ prior conversions.

Every convention is converted to and from the internal "sum form"

.. math::

    F(w, c) = -\log L(y \mid w, c) + \sum_j \ell_{1,j}|w_j| + \ell_{2,j} w_j^2,

whose minimiser is the MAP of the prior with per-feature weights :math:`(\ell_1, \ell_2)`
(:class:`bayesreg.Laplace` :math:`b = 1/\ell_1`, :class:`bayesreg.Gaussian`
:math:`\sigma^2 = 1/(2\ell_2)`, :class:`bayesreg.ElasticNet` otherwise). Two objectives with
the same minimiser differ by a positive factor and a constant; each conversion function states
that factor. For the Gaussian likelihood with noise scale :math:`\sigma_n`,
:math:`-\log L = \frac{1}{2\sigma_n^2}\|y - c - Xw\|^2 + \text{const}`, so a squared-error
objective enters through :math:`\sigma_n^2`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from bayesreg._validation import check_matrix, check_positive_float, check_target

__all__ = ["PenaltyWeights", "Context", "Convention", "weights_to_prior", "common_value"]


@dataclass(frozen=True, eq=False)
class PenaltyWeights:
    r"""Per-feature penalty weights :math:`(\ell_1, \ell_2)` of the sum form (arrays or scalars)."""

    l1: np.ndarray
    l2: np.ndarray

    @classmethod
    def of(cls, l1: Any, l2: Any) -> PenaltyWeights:
        l1a, l2a = np.broadcast_arrays(np.asarray(l1, float), np.asarray(l2, float))
        return cls(l1a.copy(), l2a.copy())


@dataclass(frozen=True, eq=False)
class Context:
    """What a conversion may need besides the penalty parameters."""

    convention: str
    n: float | None = None
    noise_sigma: float = 1.0
    X: np.ndarray | None = None
    y: np.ndarray | None = None

    @classmethod
    def create(cls, convention: str, n: Any, noise_sigma: Any, X: Any, y: Any) -> Context:
        Xa = None if X is None else check_matrix(X)
        ya = None if y is None else check_target(y, Xa.shape[0] if Xa is not None else
                                                 np.asarray(y).shape[0], binary=False)
        if n is None and Xa is not None:
            n = Xa.shape[0]
        elif n is None and ya is not None:
            n = ya.shape[0]
        nn = None if n is None else check_positive_float("n", convention, n)
        if nn is not None and Xa is not None and nn != Xa.shape[0]:
            raise ValueError(f"n={nn:g} does not match X, which has {Xa.shape[0]} rows.")
        sigma = check_positive_float("noise_sigma", convention, noise_sigma)
        return cls(convention, nn, sigma, Xa, ya)

    def need_n(self) -> float:
        if self.n is None:
            raise ValueError(
                f"Convention {self.convention!r} scales its penalty with the number of samples: "
                "pass n=<number of rows> (or X)."
            )
        return self.n

    def need_X(self, why: str) -> np.ndarray:
        if self.X is None:
            raise ValueError(f"Convention {self.convention!r} needs X {why}: pass X=<design>.")
        return self.X

    def need_y(self, why: str) -> np.ndarray:
        if self.y is None:
            raise ValueError(f"Convention {self.convention!r} needs y {why}: pass y=<target>.")
        return self.y


@dataclass(frozen=True)
class Convention:
    """A named penalty convention: its parameters and the two pure conversion functions."""

    name: str
    params: tuple[str, ...]
    to_weights: Callable[..., PenaltyWeights]
    from_weights: Callable[..., dict[str, Any]]
    summary: str
    likelihoods: tuple[str, ...] = ("gaussian", "logistic")
    defaults: dict[str, Any] = field(default_factory=dict)
    #: the mapping reads the data (glmnet's scaling, dropout's column sums of squares): pass X and y
    needs_data: bool = False


def common_value(values: np.ndarray, what: str, convention: str) -> float:
    """The single value shared by all features, or a clear error."""
    v = np.atleast_1d(np.asarray(values, float))
    ref = float(v[0])
    if not np.allclose(v, ref, rtol=1e-12, atol=0.0):
        raise ValueError(
            f"Convention {convention!r} has one {what} for all features, but the prior has "
            "per-feature scales; use a convention with per-feature penalties (e.g. 'glmnet' with "
            "standardize=True) or a scalar prior."
        )
    return ref


def weights_to_prior(weights: PenaltyWeights) -> Any:
    """Laplace if there is no L2 part, Gaussian if there is no L1 part, else ElasticNet.

    Features with no penalty at all (``l1 == l2 == 0``, e.g. glmnet's ``penalty.factor = 0``) get
    a flat prior: :class:`bayesreg.Unpenalized` around the prior of the others.
    """
    from bayesreg.model.priors import ElasticNet, Gaussian, Laplace

    l1, l2 = np.asarray(weights.l1, float), np.asarray(weights.l2, float)
    if np.any(l1 < 0) or np.any(l2 < 0):
        raise ValueError("penalty weights must be non-negative.")
    flat = (l1 == 0) & (l2 == 0)
    if np.all(flat):
        raise ValueError(
            "the penalty is zero for every feature: that is a flat (improper) prior with no mode "
            "unique to the penalty; give a strictly positive penalty strength."
        )
    if np.any(flat):
        from bayesreg.model.unpenalized import Unpenalized

        base = weights_to_prior(PenaltyWeights.of(l1[~flat], l2[~flat]))
        return Unpenalized(base, features=tuple(np.flatnonzero(flat)))
    squeeze = (lambda a: float(a)) if l1.ndim == 0 else (lambda a: a)
    if np.all(l2 == 0):
        return Laplace(squeeze(1.0 / l1))
    if np.all(l1 == 0):
        return Gaussian(squeeze(np.sqrt(0.5 / l2)))
    if np.any(l1 == 0) or np.any(l2 == 0):
        raise ValueError("mixed pure-L1 and pure-L2 features cannot be expressed by one prior.")
    return ElasticNet(squeeze(l1), squeeze(l2))
