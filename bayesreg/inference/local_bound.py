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

**Column-scaled coordinates.** The ball argument needs :math:`R\cdot 2\|u\|/\mu` well below 1. On
badly scaled columns (unscaled wine: a column of mean 750, :math:`R = 1684`) the rounding floor of
the gradient, which grows with :math:`\sum_i s_i|x_{ij}|`, and :math:`R` are both dominated by the
large column while :math:`\mu` is set by the small ones, and the ball cannot contain the optimum.
The same argument then runs in the coordinates :math:`v = D\theta` with :math:`D` diagonal,
:math:`d_j = \max(1, \sum_i s_i|x_{ij}|/\sum_i s_i)` on every class's weight of feature :math:`j`
and 1 on the intercepts. :math:`\tilde F(v) = F(D^{-1}v)` is a problem of the same form, exactly:
its rows are :math:`D^{-1}\tilde x_i` (the linear predictors are unchanged,
:math:`\eta_i = \tilde x_i^\top\theta = (D^{-1}\tilde x_i)^\top v`), its penalty
:math:`\sum_j (\ell_{1,j}/d_j)|v_j| + (\ell_{2,j}/d_j^2)v_j^2` is separable again, and

* its gradient is :math:`D^{-1}\nabla F`, so the residual bound of every coordinate, rounding floor
  included, is :math:`u_j/d_j` (the floor of the gradient actually computed, in :math:`\theta`, divided
  by :math:`d_j`, plus :math:`4u` of the magnitudes for the divisions themselves);
* its Hessian is :math:`D^{-1}HD^{-1}`; a rounding :math:`E` of :math:`H` with
  :math:`\|E\|_2 \le \gamma\operatorname{tr}H` becomes :math:`\|D^{-1}ED^{-1}\|_2 \le
  \max_j d_j^{-2}\,\gamma\operatorname{tr}H`, and forming :math:`H_{jk}/(d_jd_k)` adds :math:`2u` per
  entry, at most :math:`3u\operatorname{tr}` in norm;
* self-concordance needs :math:`|\Delta\eta_i| \le \tilde R\|\Delta v\|` with
  :math:`\tilde R = \max_i\|D^{-1}\tilde x_i\|_2` (Cauchy-Schwarz in :math:`v`; one pass over the
  rows, enlarged by :math:`\gamma_{p+1}` for its own rounding), and the Lipschitz constants of the
  zero coordinates become :math:`\phi''_{\max}(\sum_i s_i|x_{ij}|/d_j)\tilde R`;
* the rounding of :math:`\eta` in the curvature's norm does not depend on the coordinates.

So the bound of this module, applied to :math:`\tilde F`, gives :math:`\|v - v^*\|_2 \le b_v` and
(the margins off the support checked in :math:`v`) the same uniqueness statement. Back in
:math:`\theta`: :math:`|\theta_j - \theta^*_j| \le b_v/d_j` per coordinate and
:math:`\|\theta - \theta^*\|_2 = \|D^{-1}(v - v^*)\|_2 \le \max_j d_j^{-1}\,b_v \le b_v` (every
:math:`d_j \ge 1`): the reported bound is :math:`\max_j d_j^{-1}\,b_v`, its curvature and rounding
floor those in :math:`v`. Both bounds are rigorous; the scaled one is computed only when the first
ball cannot contain the optimum and the rows are in memory (not over row blocks:
:mod:`bayesreg.inference.distributed_bound` keeps the first). On the 11
unscaled-wine glmnet multinomial fixtures this turns "no bound" into 4e-9 to 5e-6 (2e-10 to 2e-7
relative), checked against an extended-precision optimum in ``tests/test_scaled_bound.py``.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from bayesreg.inference.error_bound import ErrorBound, margin_violations, residual_bounds, tight_zeros
from bayesreg.model.data import _CHUNK_ROWS, RegressionData
from bayesreg.model.likelihoods import Likelihood
from bayesreg.model.rounding import U64, GradientFloor, rounding_gamma

__all__ = ["local_error_bound", "column_scales", "HessianBlock", "SINGLE_PRECISION_GAMMA", "NOT_CONTAINED"]

#: Relative rounding of a Hessian accumulated in float32 in chunks of 8192 rows (u32 = 6e-8).
SINGLE_PRECISION_GAMMA = rounding_gamma(8192 + 1000, float(np.finfo(np.float32).eps) / 2)

#: ``hessian_at(S, double) -> (H_SS, theta_k, gamma)``: the Hessian of ``f`` on the coordinates
#: ``S`` (intercept = index p) at a point ``theta_k``, with relative rounding ``gamma``.
HessianBlock = Callable[[np.ndarray, bool], tuple[np.ndarray, np.ndarray, float]]


def _mu(H: np.ndarray, l2: np.ndarray, gamma: float, d: np.ndarray) -> float:
    r""":math:`\lambda_{\min}` of :math:`D^{-1}HD^{-1} + 2\operatorname{diag}\ell_2` less its rounding
    allowances (``l2`` already in the coordinates of ``d``; ``d = 1``: the original coordinates)."""
    if np.all(d == 1.0):
        A = H + np.diag(2.0 * l2)
        division = 0.0
    else:  # the allowance gamma tr H bounds ||E||_2 in theta; in v it is at most max(1/d)^2 times that
        A = H / np.outer(d, d) + np.diag(2.0 * l2)
        gamma *= float(np.max(1.0 / d)) ** 2
        division = 3.0 * U64 * float(np.trace(A))  # forming H_jk / (d_j d_k): 2u relative per (PSD) entry
    lam = float(np.linalg.eigvalsh(A)[0])
    return lam - gamma * float(np.trace(H)) - rounding_gamma(A.shape[0]) * float(np.trace(A)) - division


#: The reason of a bound whose ball does not contain the optimum (column scaling may then help).
NOT_CONTAINED = "the local curvature does not contain the optimum"


def column_scales(data: RegressionData, k: int) -> tuple[np.ndarray, float]:
    r"""The scaling :math:`d` of the second attempt (module docstring) over ``theta = (vec W, c)`` and
    :math:`\tilde R = \max_i\|(D_x^{-1}x_i, 1)\|_2`: :math:`d_j = \max(1, \sum_i s_i|x_{ij}| / \sum_i s_i)`
    for every class's weight of feature :math:`j`, 1 for the intercepts (one pass over the rows)."""
    col_abs, _ = data.magnitudes
    dx = np.maximum(1.0, col_abs / max(data.weight_sum, np.finfo(float).tiny))
    d = np.tile(dx, k)
    if data.fit_intercept:
        d = np.append(d, np.ones(k))
    row_max = 0.0
    for start in range(0, data.n_samples, _CHUNK_ROWS):
        block = data.X[start:start + _CHUNK_ROWS] / dx
        row_max = max(row_max, float(np.max(np.einsum("ij,ij->i", block, block), initial=0.0)))
    R = float(np.hypot(np.sqrt(row_max), 1.0 if data.fit_intercept else 0.0))
    return d, R * (1.0 + rounding_gamma(data.n_features + 1))  # covers the rounding of the scaled norms


def local_error_bound(data: RegressionData, likelihood: Likelihood, l1: np.ndarray, l2: np.ndarray,
                      theta: np.ndarray, grad: np.ndarray, hessian_at: HessianBlock,
                      floor: GradientFloor | None = None) -> ErrorBound:
    r"""Bound on ``||theta - theta*||`` (module docstring); ``l1``, ``l2`` have 0 for the intercept.
    First in the original coordinates; when that ball cannot contain the optimum and the rows are in
    memory, again in the column-scaled coordinates :math:`v = D\theta`. ``floor``: the rounding of
    ``grad`` when it was not computed in double precision (default: ``likelihood.gradient_floor``;
    :mod:`bayesreg.inference.extended_gradient`)."""
    k = likelihood.n_outputs
    _, row_max = data.magnitudes
    R = float(np.hypot(row_max, 1.0 if data.fit_intercept else 0.0))
    if floor is None:
        floor = likelihood.gradient_floor(data, theta)
    bound = _bound(data, likelihood, l1, l2, theta, grad, hessian_at, np.ones(theta.size), R, floor)
    if bound.value is None and bound.reason == NOT_CONTAINED and getattr(data, "has_rows", True):
        d, R_scaled = column_scales(data, k)
        if np.any(d != 1.0):
            scaled = _bound(data, likelihood, l1, l2, theta, grad, hessian_at, d, R_scaled, floor)
            if scaled.value is not None:
                return scaled
    return bound


def _bound(data: RegressionData, likelihood: Likelihood, l1: np.ndarray, l2: np.ndarray, theta: np.ndarray,
           grad: np.ndarray, hessian_at: HessianBlock, d: np.ndarray, R: float, rounding: GradientFloor) -> ErrorBound:
    r"""The bound in the coordinates :math:`v = D\theta` (``R``: the largest scaled row norm), transformed
    back: :math:`\|\theta - \theta^*\| \le \max_j d_j^{-1}\,\|v - v^*\|`."""
    m = theta.size
    # rounding: the floor of the computation done, in theta; / d in v
    is_scaled = bool(np.any(d != 1.0))
    scaling = 0.0  # the rounding of the scaling itself (u per operation, generously)
    if is_scaled:
        scaling = 4.0 * U64 * (np.abs(grad) + l1 + 2.0 * l2 * np.abs(theta)) / d
    floor = rounding.total / d + scaling
    theta_v, grad_v, l1_v, l2_v = theta * d, grad / d, l1 / d, l2 / d ** 2
    u_crude = residual_bounds(theta_v, grad_v, l1_v, l2_v, floor)  # every rounding per coordinate
    u = residual_bounds(theta_v, grad_v, l1_v, l2_v, rounding.direct / d + scaling)  # without the part via eta
    back = float(np.max(1.0 / d))  # ||theta - theta*|| <= back ||v - v*||
    scaled = " (column-scaled coordinates)" if is_scaled else ""
    free = (l1 <= 0.0)
    S_mask = (theta != 0.0) | free | tight_zeros(theta_v, grad_v, l1_v, floor)
    col_abs, _ = data.magnitudes
    k = likelihood.n_outputs  # the multinomial: theta = (vec W, c), K blocks of p weights, K intercepts
    col_abs = np.tile(col_abs, k)
    col_abs = np.append(col_abs, np.full(k, data.weight_sum)) if data.fit_intercept else col_abs
    col_abs = col_abs / d
    M = likelihood.self_concordance
    for attempt in range(3):
        S = np.flatnonzero(S_mask)
        if S.size == 0:
            return ErrorBound(0.0, np.inf, 0.0, support_only=True, unique=True,
                              reason="all weights are certified zeros")
        H, theta_k, gamma = hessian_at(S, False)
        mu0 = _mu(H, l2_v[S], gamma, d[S])
        if mu0 <= 0.0 and gamma > 1e-12:
            H, theta_k, gamma = hessian_at(S, True)
            mu0 = _mu(H, l2_v[S], gamma, d[S])
        fl = float(np.linalg.norm(floor[S]))
        if mu0 <= 0.0:
            return ErrorBound(None, 0.0, fl, support_only=S.size < m, not_strongly_convex=True,
                              reason="not strongly convex" + (" on the support" if S.size < m else "")
                              + " to working precision" + scaled)
        crude = float(np.linalg.norm(u_crude[S]))
        shift = float(np.linalg.norm(theta_v[S] - theta_k[S] * d[S]))
        r = 3.0 * crude / mu0
        mu = 0.0
        for _ in range(6):  # the ball must contain the optimum: r >= 2 ||u|| / mu(r)
            t = M * R * (shift + r)
            mu = np.exp(-t) * mu0
            if mu > 0.0 and 2.0 * crude / mu <= r:
                break
            r = 3.0 * crude / mu if mu > 0.0 else np.inf
        else:
            return ErrorBound(None, mu0, fl, reason=NOT_CONTAINED)
        # inside the ball: e'He <= |e| a + sqrt(e'He) b with b the eta-part in the curvature norm,
        # so |e| <= a / mu + b / sqrt(mu)   (D at theta <= e^t D on the segment)
        b = min(crude / mu, float(np.linalg.norm(u[S])) / mu + np.exp(0.5 * t) * rounding.eta_norm / np.sqrt(mu))
        off = np.flatnonzero(~S_mask)
        if off.size == 0:
            return ErrorBound(b * back, mu, fl, unique=True,
                              reason="strongly convex near the point (local Hessian)" + scaled)
        with np.errstate(invalid="ignore"):  # unbounded curvature (Poisson): every zero column moves
            lip = np.where(col_abs[off] > 0, likelihood.max_curvature() * col_abs[off] * R, 0.0)
        bad = margin_violations(off, grad_v, l1_v, floor, lip, b)
        if bad.size == 0:
            return ErrorBound(b * back, mu, fl, support_only=True, unique=True,
                              reason="strongly convex on the support near the point, strict margins off it" + scaled)
        S_mask[bad] = True
        if attempt == 1:  # last attempt: every coordinate (the global bound needs no margins)
            S_mask[:] = True
    return ErrorBound(None, 0.0, 0.0, reason="zeros without a margin")
