r"""Certified error bound for a smooth, non-quadratic likelihood (logistic), from local curvature.

The curvature of :math:`f = \sum_i s_i\phi(\eta_i)` is
:math:`\tilde X^\top\operatorname{diag}(s\circ\phi''(\eta))\tilde X` (:math:`\tilde x_i = (x_i, 1)`); it
has no positive lower bound over all of space, but it changes slowly: with the likelihood's
self-concordance constant :math:`M` (:attr:`~bayesreg.model.likelihoods.Likelihood.self_concordance`;
1 for the logistic),
:math:`\phi''(\eta + \delta) \ge e^{-M|\delta|}\phi''(\eta)`. So if :math:`H_k` is the Hessian at a
point :math:`\theta_k` and :math:`R = \max_i\|\tilde x_i\|`, on the ball :math:`B(\theta, r)`

.. math::

    \nabla^2 F \succeq e^{-t}\bigl(H_k + 2\operatorname{diag}(\ell_2)\bigr), \qquad
    t = M R\,(\|\theta - \theta_k\| + r),

and :math:`F` is :math:`\mu(r) = e^{-t}\lambda_{\min}(H_k + 2\operatorname{diag}\ell_2)`-strongly
convex there. With the residual bound :math:`\|u\|` of :mod:`bayesreg.inference.error_bound`:
if :math:`r \ge 2\|u\|/\mu(r)`, :math:`F` exceeds :math:`F(\theta)` on the sphere of radius
:math:`r` (:math:`F(\theta') \ge F(\theta) - \|u\|r + \mu r^2/2`), so the optimum lies inside and
:math:`\|\theta - \theta^*\| \le \|u\|/\mu(r)`. On the support :math:`S` (L1 priors) everything is
restricted to :math:`S` and the zeros off it must keep a margin larger than
:math:`L_j\,\text{bound}` with :math:`L_j = \phi''_{\max}\sum_i s_i|x_{ij}|\,R` (module
:mod:`bayesreg.inference.error_bound`). A Hessian accumulated in single precision is used with an
allowance :math:`\gamma\,\operatorname{tr}H` for its rounding; when that leaves no positive
curvature, a double-precision block is computed.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from bayesreg.inference.error_bound import ErrorBound, margin_violations, residual_bounds, tight_zeros
from bayesreg.model.data import RegressionData
from bayesreg.model.likelihoods import Likelihood
from bayesreg.model.rounding import rounding_gamma

__all__ = ["local_error_bound", "HessianBlock", "SINGLE_PRECISION_GAMMA"]

#: Relative rounding of a Hessian accumulated in float32 in chunks of 8192 rows (u32 = 6e-8).
SINGLE_PRECISION_GAMMA = rounding_gamma(8192 + 1000, float(np.finfo(np.float32).eps) / 2)

#: ``hessian_at(S, double) -> (H_SS, theta_k, gamma)``: the Hessian of ``f`` on the coordinates
#: ``S`` (intercept = index p) at a point ``theta_k``, with relative rounding ``gamma``.
HessianBlock = Callable[[np.ndarray, bool], tuple[np.ndarray, np.ndarray, float]]


def _mu(H: np.ndarray, l2: np.ndarray, gamma: float) -> float:
    A = H + np.diag(2.0 * l2)
    lam = float(np.linalg.eigvalsh(A)[0])
    return lam - gamma * float(np.trace(H)) - rounding_gamma(A.shape[0]) * float(np.trace(A))


def local_error_bound(data: RegressionData, likelihood: Likelihood, l1: np.ndarray, l2: np.ndarray,
                      theta: np.ndarray, grad: np.ndarray, hessian_at: HessianBlock) -> ErrorBound:
    """Bound on ``||theta - theta*||`` (module docstring); ``l1``, ``l2`` have 0 for the intercept."""
    m = theta.size
    rounding = likelihood.gradient_floor(data, theta)
    floor = rounding.total
    u_crude = residual_bounds(theta, grad, l1, l2, floor)  # every rounding per coordinate
    u = residual_bounds(theta, grad, l1, l2, rounding.direct)  # without the part through eta
    free = (l1 <= 0.0)
    S_mask = (theta != 0.0) | free | tight_zeros(theta, grad, l1, floor)
    col_abs, row_max = data.magnitudes
    k = likelihood.n_outputs  # the multinomial: theta = (vec W, c), K blocks of p weights, K intercepts
    col_abs = np.tile(col_abs, k)
    col_abs = np.append(col_abs, np.full(k, data.weight_sum)) if data.fit_intercept else col_abs
    R = float(np.hypot(row_max, 1.0 if data.fit_intercept else 0.0))
    M = likelihood.self_concordance
    for attempt in range(3):
        S = np.flatnonzero(S_mask)
        if S.size == 0:
            return ErrorBound(0.0, np.inf, 0.0, support_only=True, unique=True,
                              reason="all weights are certified zeros")
        H, theta_k, gamma = hessian_at(S, False)
        mu0 = _mu(H, l2[S], gamma)
        if mu0 <= 0.0 and gamma > 1e-12:
            H, theta_k, gamma = hessian_at(S, True)
            mu0 = _mu(H, l2[S], gamma)
        fl = float(np.linalg.norm(floor[S]))
        if mu0 <= 0.0:
            return ErrorBound(None, 0.0, fl, support_only=S.size < m, not_strongly_convex=True,
                              reason="not strongly convex" + (" on the support" if S.size < m else "")
                              + " to working precision")
        crude = float(np.linalg.norm(u_crude[S]))
        shift = float(np.linalg.norm(theta[S] - theta_k[S]))
        r = 3.0 * crude / mu0
        mu = 0.0
        for _ in range(6):  # the ball must contain the optimum: r >= 2 ||u|| / mu(r)
            t = M * R * (shift + r)
            mu = np.exp(-t) * mu0
            if mu > 0.0 and 2.0 * crude / mu <= r:
                break
            r = 3.0 * crude / mu if mu > 0.0 else np.inf
        else:
            return ErrorBound(None, mu0, fl, reason="the local curvature does not contain the optimum")
        # inside the ball: e'He <= |e| a + sqrt(e'He) b with b the eta-part in the curvature norm,
        # so |e| <= a / mu + b / sqrt(mu)   (D at theta <= e^t D on the segment)
        b = min(crude / mu, float(np.linalg.norm(u[S])) / mu + np.exp(0.5 * t) * rounding.eta_norm / np.sqrt(mu))
        off = np.flatnonzero(~S_mask)
        if off.size == 0:
            return ErrorBound(b, mu, fl, unique=True, reason="strongly convex near the point (local Hessian)")
        with np.errstate(invalid="ignore"):  # unbounded curvature (Poisson): every zero column moves
            lip = np.where(col_abs[off] > 0, likelihood.max_curvature() * col_abs[off] * R, 0.0)
        bad = margin_violations(off, grad, l1, floor, lip, b)
        if bad.size == 0:
            return ErrorBound(b, mu, fl, support_only=True, unique=True,
                              reason="strongly convex on the support near the point, strict margins off it")
        S_mask[bad] = True
        if attempt == 1:  # last attempt: every coordinate (the global bound needs no margins)
            S_mask[:] = True
    return ErrorBound(None, 0.0, 0.0, reason="zeros without a margin")
