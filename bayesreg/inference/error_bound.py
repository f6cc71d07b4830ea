r"""A certified bound on the distance of a candidate MAP to the exact optimum.

For :math:`F = f + P` with :math:`f` smooth and convex and
:math:`P(w) = \sum_j \ell_{1,j}|w_j| + \ell_{2,j}w_j^2`, let :math:`u_j` bound the true
subgradient residual of coordinate :math:`j` at :math:`\theta` (the distance of
:math:`-\partial_j f(\theta)` to :math:`\partial P_j(\theta_j)`, plus the rounding floor
:math:`\delta_j` of computing :math:`\partial_j f` in floating point, so that a computed residual
below what the arithmetic can resolve certifies nothing beyond that floor).

**Strongly convex case.** If :math:`F` is :math:`\mu`-strongly convex on a ball around
:math:`\theta` that contains the optimum :math:`\theta^*`, then, since
:math:`0 \in \partial F(\theta^*)` and :math:`g \in \partial F(\theta)` with :math:`\|g\| \le \|u\|`,

.. math::

    \mu\|\theta - \theta^*\|^2 \le (g - 0)^\top(\theta - \theta^*) \le \|u\|\,\|\theta - \theta^*\|
    \quad\Longrightarrow\quad \|\theta - \theta^*\|_2 \le \|u\|_2 / \mu .

**On the support.** With L1 priors :math:`F` is often not strongly convex (:math:`p > n`), but its
restriction :math:`F_S` to the coordinates :math:`S` (the non-zeros, the unpenalised ones and
the zeros whose subgradient condition is nearly tight) may be: then :math:`F_S` has a minimiser
:math:`\tilde\theta_S` with :math:`\|\theta_S - \tilde\theta_S\| \le \|u_S\|/\mu_S`. If moreover every
zero outside :math:`S` keeps a margin, :math:`|\partial_j f(\theta)| + \delta_j + L_j\,\text{bound}
< \ell_{1,j}` with :math:`L_j` a Lipschitz constant of :math:`\partial_j f` over the segment, then
:math:`(\tilde\theta_S, 0)` satisfies every KKT condition of :math:`F`: it *is* an optimum, at that
distance from :math:`\theta`; and it is the unique one (every optimum has the same fitted values,
hence the same gradient, hence zeros off :math:`S`, and :math:`F_S` is strongly convex).

The likelihood-specific parts (:math:`\mu`, :math:`\delta`, :math:`L`) come from
:mod:`bayesreg.inference.gaussian_bound` (exact, quadratic :math:`f`) and
:mod:`bayesreg.inference.local_bound` (smooth GLMs, curvature bounded on a ball).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["ErrorBound", "NO_BOUND", "residual_bounds", "tight_zeros", "margin_violations"]


@dataclass(frozen=True)
class ErrorBound:
    """A certified bound on :math:`\\|\\theta - \\theta^*\\|_2` (weights and intercept).

    Attributes
    ----------
    value : float or None
        The bound; ``None`` when no bound could be certified (``reason`` says why).
    strong_convexity : float
        The curvature :math:`\\mu` the bound divides by (0 when none was found).
    rounding_floor : float
        :math:`\\|\\delta\\|_2`, the part of the residual that is rounding of the gradient itself.
    support_only : bool
        The bound holds through the support argument (``F`` itself need not be strongly convex).
    unique : bool or None
        The optimum is proven unique (``None``: not decided).
    reason : str
        How the bound was obtained, or why there is none.
    not_strongly_convex : bool
        No bound because :math:`F` is not strongly convex (to working precision) where it matters:
        the KKT residual alone then decides, and the optimum may not be unique.
    """

    value: float | None
    strong_convexity: float = 0.0
    rounding_floor: float = 0.0
    support_only: bool = False
    unique: bool | None = None
    reason: str = ""
    not_strongly_convex: bool = False


NO_BOUND = ErrorBound(None, reason="not computed")


def residual_bounds(theta: np.ndarray, grad: np.ndarray, l1: np.ndarray, l2: np.ndarray,
                    floor: np.ndarray) -> np.ndarray:
    r"""Per-coordinate upper bounds :math:`u_j` on the true subgradient residual.

    ``l1``, ``l2`` are 0 on unpenalised coordinates (the intercept); ``floor`` bounds the rounding
    error of ``grad``. Non-zero :math:`\theta_j`: :math:`|g_j + \ell_{1,j}\operatorname{sign}\theta_j
    + 2\ell_{2,j}\theta_j| + \delta_j`; zero: :math:`\max(|g_j| + \delta_j - \ell_{1,j}, 0)`.
    """
    nonzero = np.abs(grad + l1 * np.sign(theta) + 2.0 * l2 * theta) + floor
    at_zero = np.maximum(np.abs(grad) + floor - l1, 0.0)
    return np.where(theta != 0.0, nonzero, at_zero)


def tight_zeros(theta: np.ndarray, grad: np.ndarray, l1: np.ndarray, floor: np.ndarray,
                slack: float = 1e-6) -> np.ndarray:
    """Zeros with an L1 weight whose condition :math:`|g_j| \\le \\ell_{1,j}` holds with less than
    ``slack`` relative margin (they join the support set of the bound)."""
    return (theta == 0.0) & (l1 > 0.0) & (np.abs(grad) + floor >= (1.0 - slack) * l1)


def margin_violations(off: np.ndarray, grad: np.ndarray, l1: np.ndarray, floor: np.ndarray,
                      lipschitz: np.ndarray, bound: float) -> np.ndarray:
    """Indices (into ``off``) of zeros whose KKT margin does not absorb a move of size ``bound``."""
    return off[np.abs(grad[off]) + floor[off] + lipschitz * bound >= l1[off]]
