r"""The optimality certificate of a MAP: the KKT (subgradient) residual.

For the negative log-posterior :math:`f(w, c) + P(w)` with :math:`f` smooth and
:math:`P(w) = \sum_j \ell_{1,j}|w_j| + \ell_{2,j}w_j^2`, a point is optimal iff
:math:`0 \in \nabla f(w, c) + \partial P(w)` (and :math:`\partial f/\partial c = 0` for the
unpenalised intercept). The certificate is the distance of :math:`-\nabla f` to
:math:`\partial P` per coordinate (:meth:`bayesreg.model.priors.Prior.subgradient_distance`),
reported absolute and relative to :math:`\|\nabla f(0)\|_\infty`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bayesreg.model.priors import Prior

__all__ = ["Certificate", "certify", "DEFAULT_TOL"]

DEFAULT_TOL = 1e-8


@dataclass(frozen=True)
class Certificate:
    """Optimality (KKT / subgradient) residuals of a candidate MAP.

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
    """

    kkt_residual: float
    relative_residual: float
    coef_residuals: np.ndarray
    intercept_residual: float
    tol: float

    @property
    def passed(self) -> bool:
        return bool(self.relative_residual <= self.tol)

    def __str__(self) -> str:
        verdict = "optimal" if self.passed else "NOT optimal"
        return (f"KKT residual {self.kkt_residual:.3g} (relative {self.relative_residual:.3g}, "
                f"tol {self.tol:.0e}): {verdict}")


def certify(prior: Prior, theta: np.ndarray, grad: np.ndarray, *, fit_intercept: bool,
            scale: float, tol: float = DEFAULT_TOL) -> Certificate:
    """Optimality certificate of ``theta = (w, c)`` given ``grad = grad f(theta)``."""
    p = theta.shape[0] - int(fit_intercept)
    coef_res = prior.subgradient_distance(theta[:p], grad[:p])
    icpt_res = float(abs(grad[p])) if fit_intercept else 0.0
    kkt = float(max(np.max(coef_res, initial=0.0), icpt_res))
    scale = scale if scale > 0 else 1.0
    return Certificate(kkt, kkt / scale, coef_res, icpt_res, tol)
