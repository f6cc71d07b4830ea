r"""Unpenalised coefficients: a flat (improper) prior on some weights, a proper prior on the rest.

glmnet's ``penalty.factor = 0`` (and any penalty that leaves a covariate out, e.g. a confounder
that must stay in the model) is the prior

.. math::

    p(w) \propto \prod_{j \notin F} p_{\text{base}}(w_j) \cdot \prod_{j \in F} 1 ,

flat on the coefficients :math:`j \in F`. Its negative log-density is the penalty
:math:`\sum_{j \notin F} \ell_{1,j}|w_j| + \ell_{2,j}w_j^2` (plus the base prior's constant):
penalty weights :math:`\ell_{1,j} = \ell_{2,j} = 0` on :math:`F`, so the MAP machinery (proximal
operator, KKT certificate) needs nothing new. The posterior is proper when the likelihood
identifies the unpenalised coefficients (as for the intercept); the MAP exists under the same
condition. In PyMC the weights are a ``pm.Flat`` vector plus a ``pm.Potential`` holding the base
prior's log-density on the penalised coordinates. The multinomial's weights (dims
``("class", "feature")``) are not identified along a class shift of a flat feature's K weights (the
softmax is unchanged): as for its intercepts, those columns are flat on the plane
:math:`\sum_k w_{kj} = 0` (``pm.Flat`` with ``ZeroSumTransform`` over the classes, variable
``{name}_flat``; the penalised columns are ``{name}_penalized``; ``{name}`` is their
``pm.Deterministic`` assembly, :mod:`bayesreg.model.multinomial`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from bayesreg.model.global_local import GlobalLocalPrior
from bayesreg.model.priors import Prior

__all__ = ["Unpenalized", "shrunk_prior"]


def _check_features(features: object) -> tuple[int, ...]:
    try:
        arr = np.asarray(features)
    except (TypeError, ValueError):
        arr = np.asarray([object()])
    if arr.ndim == 0:
        arr = arr.reshape(1)
    if arr.ndim != 1 or arr.size == 0 or not np.issubdtype(arr.dtype, np.integer) or np.any(arr < 0):
        raise ValueError(f"The 'features' parameter of Unpenalized must be a non-empty sequence of "
                         f"non-negative feature indices; got {features!r}.")
    if len(set(arr.tolist())) != arr.size:
        raise ValueError(f"The 'features' parameter of Unpenalized has repeated indices; got {features!r}.")
    return tuple(sorted(int(j) for j in arr))


@dataclass(frozen=True)
class Unpenalized(Prior):
    r"""A flat prior on the coefficients ``features``; ``prior`` on the others, in order.

    .. math::

        \log p(w) = \sum_{j \notin F} \log p_{\text{prior}}(w_j) + \text{const}
        \quad (\text{improper: flat in } w_F),

    penalty :math:`P(w) = \sum_{j \notin F} \ell_{1,j}|w_j| + \ell_{2,j} w_j^2`.

    Parameters
    ----------
    prior : Laplace, Gaussian, ElasticNet or a global–local prior
        Prior of the penalised coefficients. Per-feature scales, if any, list the penalised
        coefficients only (``n_features - len(features)`` values). A global–local prior
        (:class:`~bayesreg.Horseshoe`, :class:`~bayesreg.R2D2`, ...; NUTS only) shrinks the other
        coefficients jointly; its ``feature_scale``, if any, lists all features.
    features : sequence of int
        Indices of the unpenalised coefficients.

    Examples
    --------
    >>> import bayesreg as br
    >>> prior = br.Unpenalized(br.Laplace(0.1), features=[0])   # w_0 is never shrunk
    >>> prior.penalty_weights(3)[0]
    array([ 0., 10., 10.])
    """

    prior: Prior
    features: tuple[int, ...]
    kind: ClassVar[str] = "unpenalized"

    def __post_init__(self) -> None:
        if not isinstance(self.prior, (Prior, GlobalLocalPrior)) or isinstance(self.prior, Unpenalized):
            raise TypeError(f"The 'prior' parameter of Unpenalized must be a Laplace, Gaussian, ElasticNet or "
                            f"global-local prior; got {type(self.prior).__name__}.")
        object.__setattr__(self, "features", _check_features(self.features))

    @property
    def n_features(self) -> int | None:
        base = self.prior.n_features
        if base is None or isinstance(self.prior, GlobalLocalPrior):  # its feature_scale lists every feature
            return base
        return base + len(self.features)

    def _penalised(self, n_features: int) -> np.ndarray:
        if self.features[-1] >= n_features:
            raise ValueError(f"Unpenalized features {list(self.features)} include an index >= the model's "
                             f"{n_features} features.")
        if len(self.features) >= n_features:
            raise ValueError("Unpenalized leaves every feature unpenalised: use a flat prior only for some.")
        return np.setdiff1d(np.arange(n_features), self.features)

    @property
    def hierarchical(self) -> bool:
        """True when the penalised coefficients have a global–local prior (no fixed penalty, NUTS only)."""
        return isinstance(self.prior, GlobalLocalPrior)

    def _fixed_penalty(self) -> None:
        if self.hierarchical:
            raise ValueError(f"Unpenalized({type(self.prior).__name__}) has no fixed penalty. "
                             f"{self.prior.map_refusal}")

    def penalty_weights(self, n_features: int) -> tuple[np.ndarray, np.ndarray]:
        self._fixed_penalty()
        keep = self._penalised(n_features)
        l1, l2 = np.zeros(n_features), np.zeros(n_features)
        l1[keep], l2[keep] = self.prior.penalty_weights(keep.size)
        return l1, l2

    def log_normalizer(self, n_features: int) -> np.ndarray:
        """Base prior's :math:`\\log Z_j` on the penalised coordinates, 0 on the flat ones."""
        self._fixed_penalty()
        keep = self._penalised(n_features)
        out = np.zeros(n_features)
        out[keep] = self.prior.log_normalizer(keep.size)
        return out

    def _pymc_dist(self, name: str, dims: str, n_features: int) -> Any:
        import pymc as pm
        import pytensor.tensor as pt

        keep = self._penalised(n_features)
        l1, l2 = self.penalty_weights(n_features)
        copies = 1  # of each penalised feature's prior (one per class for the multinomial)
        if isinstance(dims, tuple):  # the multinomial's (class, feature) weights: flat columns sum to zero
            from pymc.distributions.transforms import ZeroSumTransform

            n_classes = copies = len(pm.modelcontext(None).coords[dims[0]])
            flat = np.setdiff1d(np.arange(n_features), keep)
            w = pm.Flat(f"{name}_penalized", shape=(n_classes, keep.size))
            free = pm.Flat(f"{name}_flat", shape=(n_classes, flat.size), transform=ZeroSumTransform([0]))
            coef = pt.zeros((n_classes, n_features))
            coef = pt.set_subtensor(pt.set_subtensor(coef[:, keep], w)[:, flat], free)
            coef = pm.Deterministic(name, coef, dims=dims)
        else:
            coef = pm.Flat(name, dims=dims)
            w = coef[keep]
        log_z = copies * float(np.sum(self.prior.log_normalizer(keep.size)))
        pm.Potential(f"{name}_prior", -pt.sum(l1[keep] * pt.abs(w) + l2[keep] * w**2) - log_z)
        return coef

    def sample(self, n_features: int, size: int, rng: np.random.Generator) -> np.ndarray:
        raise ValueError(f"Unpenalized puts a flat, improper prior on features {list(self.features)}: "
                         "it has no prior draws.")


def shrunk_prior(prior: Any) -> Any:
    """The prior of the shrunk coefficients: ``prior.prior`` for :class:`Unpenalized`, else ``prior``.

    What decides how a model is fitted (a global–local or random-scale prior, a slab) is the prior
    of the penalised coefficients; the flat ones change nothing there.
    """
    return prior.prior if isinstance(prior, Unpenalized) else prior
