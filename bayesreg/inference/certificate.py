r"""The optimality certificate of a MAP: the KKT residual and a certified error bound.

For the negative log-posterior :math:`F = f(w, c) + P(w)` with :math:`f` smooth and
:math:`P(w) = \sum_j \ell_{1,j}|w_j| + \ell_{2,j}w_j^2`, a point is optimal iff
:math:`0 \in \nabla f(w, c) + \partial P(w)` (and :math:`\partial f/\partial c = 0` for the
unpenalised intercept). The certificate reports

* the **KKT residual**: the distance of :math:`-\nabla f` to :math:`\partial P` per coordinate
  (:meth:`bayesreg.model.priors.Prior.subgradient_distance`, with PyMC's gradient), absolute and
  relative to :math:`\|\nabla f(0)\|_\infty`;
* an **error bound** :math:`\|\theta - \theta^*\|_2 \le \text{bound}` on the coefficients and the
  intercept together (:mod:`bayesreg.inference.error_bound`): the residual (including the rounding
  floor of computing the gradient) divided by the strong convexity :math:`\mu` of :math:`F`, from
  the prior's curvature :math:`2\ell_2` and the likelihood's Hessian, on the support when
  :math:`F` itself is not strongly convex. A small KKT residual alone does not make a point accurate
  (with :math:`p > n` and a tiny ridge penalty a residual at the rounding level allowed errors of
  7e-2): a point passes only when the bound is at most ``bound_tol`` times :math:`\|\theta\|_2`.
  Where :math:`F` is not strongly convex (L1 with :math:`p > n` and no strict margin, flat
  coefficients) there is no error bound and the KKT residual decides.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bayesreg.inference.error_bound import NO_BOUND, ErrorBound
from bayesreg.model.priors import Prior

__all__ = ["Certificate", "certify", "DEFAULT_TOL", "DEFAULT_BOUND_TOL"]

DEFAULT_TOL = 1e-8
#: A certified MAP is within this relative distance of the exact optimum (the default ``rtol`` of
#: :func:`bayesreg.verify_map` is the same, so a certified MAP can be compared at that tolerance).
DEFAULT_BOUND_TOL = 1e-6


@dataclass(frozen=True)
class Certificate:
    """Optimality (KKT) residuals and the certified error bound of a candidate MAP.

    Attributes
    ----------
    kkt_residual : float
        :math:`\\max_j \\operatorname{dist}(-\\partial_j f, \\partial P_j)` over weights and the
        intercept, in units of the negative log-posterior's gradient.
    relative_residual : float
        ``kkt_residual / max(|grad f(0)|)``; the optimum has 0 up to rounding.
    coef_residuals : ndarray (p,)
    intercept_residual : float
    tol : float
        Pass threshold on ``relative_residual``.
    error_bound : float or None
        Certified bound on :math:`\\|(w, c) - (w^*, c^*)\\|_2`; ``None`` when there is none
        (``bound_reason`` says why).
    relative_error_bound : float or None
        ``error_bound / ||(w, c)||_2``.
    strong_convexity : float
        The curvature :math:`\\mu` the bound divides by.
    rounding_floor : float
        Norm of the rounding floor of the gradient included in the bound.
    bound_tol : float
        Pass threshold on ``relative_error_bound``.
    bound_reason : str
        How the bound was obtained, or why there is none.
    unique : bool or None
        The optimum is proven unique (strong convexity, or strict margins off the support).
    not_strongly_convex : bool
        No bound because :math:`F` is not strongly convex (there the KKT residual decides).
    bound_on_support : bool
        The bound holds through the support argument (restricted strong convexity and strict
        margins off the support), :math:`F` itself need not be strongly convex.
    """

    kkt_residual: float
    relative_residual: float
    coef_residuals: np.ndarray
    intercept_residual: float
    tol: float
    error_bound: float | None = None
    relative_error_bound: float | None = None
    strong_convexity: float = 0.0
    rounding_floor: float = 0.0
    bound_tol: float = DEFAULT_BOUND_TOL
    bound_reason: str = "not computed"
    unique: bool | None = None
    not_strongly_convex: bool = False
    bound_on_support: bool = False

    @property
    def kkt_passed(self) -> bool:
        """The relative KKT residual is within ``tol``."""
        return bool(self.relative_residual <= self.tol)

    @property
    def bound_passed(self) -> bool:
        """The error bound is within ``bound_tol`` (or there is none to check: not computed, or
        :math:`F` not strongly convex)."""
        if self.error_bound is None:
            return self.not_strongly_convex or self.bound_reason == "not computed"
        return bool(self.relative_error_bound is not None and self.relative_error_bound <= self.bound_tol)

    @property
    def passed(self) -> bool:
        return self.kkt_passed and self.bound_passed

    def __str__(self) -> str:
        kkt = (f"KKT residual {self.kkt_residual:.3g} (relative {self.relative_residual:.3g}, "
               f"tol {self.tol:.0e})")
        if self.error_bound is not None:
            bound = (f"; error bound {self.error_bound:.3g} (relative {self.relative_error_bound:.3g}, "
                     f"tol {self.bound_tol:.0e}{', on the support' if self.bound_on_support else ''})")
        elif self.not_strongly_convex:
            bound = "; no error bound (not strongly convex)"
        elif self.bound_reason == "not computed":
            bound = ""
        else:
            bound = f"; no error bound ({self.bound_reason})"
        if self.passed:
            verdict = "optimal"
        elif not self.kkt_passed:
            verdict = "NOT optimal"
        else:
            verdict = "NOT certified: the error bound is not small relative to the coefficients"
        return f"{kkt}{bound}: {verdict}"


def certify(prior: Prior, theta: np.ndarray, grad: np.ndarray, *, fit_intercept: bool,
            scale: float, tol: float = DEFAULT_TOL, bound: ErrorBound = NO_BOUND,
            bound_tol: float = DEFAULT_BOUND_TOL, n_outputs: int = 1) -> Certificate:
    r"""Optimality certificate of ``theta = (w, c)`` given ``grad = grad f(theta)`` and, optionally,
    an error bound computed for that point (:mod:`bayesreg.inference.error_bound`).

    ``n_outputs`` :math:`K > 1` (the multinomial): ``theta = (vec W, c)`` with :math:`W` of shape
    (K, p) and K intercepts; every weight and every intercept is checked (``coef_residuals`` then
    has shape (K, p), ``intercept_residual`` is the largest :math:`|\partial f/\partial c_k|`)."""
    n_icpt = n_outputs * int(fit_intercept)
    p = theta.shape[0] - n_icpt
    w, gw = theta[:p], grad[:p]
    if n_outputs > 1:
        w, gw = w.reshape(n_outputs, -1), gw.reshape(n_outputs, -1)
    coef_res = prior.subgradient_distance(w, gw)
    icpt_res = float(np.max(np.abs(grad[p:]))) if n_icpt else 0.0
    kkt = float(max(np.max(coef_res, initial=0.0), icpt_res))
    scale = scale if scale > 0 else 1.0
    rel_bound = None
    if bound.value is not None:
        norm = float(np.linalg.norm(theta))
        rel_bound = bound.value / norm if norm > 0 else (0.0 if bound.value == 0 else np.inf)
    return Certificate(kkt, kkt / scale, coef_res, icpt_res, tol, error_bound=bound.value,
                       relative_error_bound=rel_bound, strong_convexity=bound.strong_convexity,
                       rounding_floor=bound.rounding_floor, bound_tol=bound_tol, bound_reason=bound.reason,
                       unique=bound.unique, not_strongly_convex=bound.value is None and bound.not_strongly_convex,
                       bound_on_support=bound.support_only)
