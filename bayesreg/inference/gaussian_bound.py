r"""Certified error bounds for the Gaussian-likelihood MAP (the smooth part is quadratic).

In units of :math:`\sigma^2 F` (module :mod:`bayesreg.inference.gaussian_rows`), with the intercept
eliminated by centring, the weights minimise
:math:`\tfrac12 w^\top(G + D)w - w^\top X^\top y + \sum_j a_j|w_j|` with :math:`G` the centred Gram
matrix (the model's sufficient statistics). The curvature is exact and constant, so the bounds of
:mod:`bayesreg.inference.error_bound` apply with :math:`\mu_S = \lambda_{\min}(G_{SS} + D_S)` and the
Lipschitz constants :math:`L_j = \|(G + D)_{jS}\|_2`. Two ways to bound the error:

* :func:`gram_bound`, cheap: the gradient :math:`(G + D)w - X^\top y + a \circ s` in float64, with a
  rounding floor that covers forming :math:`G` and :math:`X^\top y` from the rows
  (:math:`|\Delta G_{jk}| \le \gamma_n\sqrt{G_{jj}G_{kk}}` by Cauchy-Schwarz) and the product;
  bound :math:`\|u_S\|/\mu_S`. Enough for well-conditioned problems.
* :func:`rows_bound`, for ill-conditioned ones (:math:`p > n` with a small ridge penalty,
  near-collinear columns): on the support with its signs the problem is quadratic, so the error
  *is* :math:`A^{-1}g` with :math:`A = Z_S^\top Z_S + D_S`; with the extended-precision gradient
  :math:`\hat g`, whose rounding is :math:`Z_S^\top\xi + \eta`,

  .. math::

      \|w - \tilde w\| \le \|A^{-1}\hat g_S\|(1 + \epsilon) + \|A^{-1}Z_S^\top\|\,\|\xi\| + \|\eta_S\|/\mu_S,

  which does not divide the rounding of the data-fit part by the smallest curvature (with
  :math:`p > n` and a tiny penalty :math:`\mu_S` is tiny but :math:`\|A^{-1}Z^\top\|` is not).
  Valid when the bound keeps every sign on the support and every zero off it keeps its margin.

The intercept :math:`c = \bar y - \bar x^\top w` adds :math:`\|\bar x_S\|` times the weights' bound
and the rounding of the weighted means.
"""

from __future__ import annotations

import numpy as np

from bayesreg.inference.error_bound import ErrorBound, margin_violations, residual_bounds, tight_zeros
from bayesreg.inference.gaussian_rows import U64, RestrictedSolver, RowsProblem, rounding_gamma
from bayesreg.model.data import SufficientStats

__all__ = ["gram_bound", "rows_bound", "gram_gradient"]


def gram_gradient(st: SufficientStats, d: np.ndarray, a1: np.ndarray, w: np.ndarray,
                  n: int) -> tuple[np.ndarray, np.ndarray]:
    r"""Gradient of the data part :math:`Gw - X^\top y` and its rounding floor :math:`\delta` (the
    penalty's terms are added by :func:`bayesreg.inference.error_bound.residual_bounds`)."""
    G = st.gram
    g = G @ w - st.xty
    root = np.sqrt(np.maximum(np.diag(G), 0.0))
    gam = rounding_gamma(n) + rounding_gamma(w.size) + 4 * U64
    floor = gam * root * (root @ np.abs(w) + np.sqrt(max(st.yty, 0.0))) + U64 * (np.abs(d * w) + a1 + np.abs(g))
    return g, floor


def _intercept_error(st: SufficientStats, w: np.ndarray, weights_bound: float, S: np.ndarray,
                     n: int) -> float:
    """Bound on the intercept's error: the weights' error through the means, plus their rounding."""
    if not st.centered:
        return 0.0
    S_tot = st.weight_sum
    col_rms = np.sqrt(np.diag(st.gram) / S_tot + st.xbar**2)  # sum s|x| / S <= this (Cauchy-Schwarz)
    y_rms = np.sqrt(st.yty / S_tot + st.ybar**2)
    rounding = (rounding_gamma(n) * (y_rms + col_rms @ np.abs(w))
                + rounding_gamma(w.size) * (abs(st.ybar) + np.abs(st.xbar) @ np.abs(w)))
    return float(np.linalg.norm(st.xbar[S]) * weights_bound + rounding)


def _total(st: SufficientStats, w: np.ndarray, b: float, S: np.ndarray, n: int) -> float:
    return float(np.hypot(b, _intercept_error(st, w, b, S, n)))


def _scaled_bound(QS: np.ndarray, uS: np.ndarray, slack: float) -> float:
    r"""The same bound in the coordinates :math:`v = \Sigma w`, :math:`\Sigma = \operatorname{diag}(Q_{jj})^{1/2}`:
    :math:`\|\Sigma e\| \le \|\Sigma^{-1}u\| / \lambda_{\min}(\Sigma^{-1}Q\Sigma^{-1})`, so
    :math:`\|e\| \le \|\Sigma^{-1}u\| / (\lambda_{\min}\min_j\Sigma_{jj})`: much smaller when the
    columns' scales differ by orders of magnitude (raw units), the same otherwise."""
    root = np.sqrt(np.diag(QS))
    if not np.all(root > 0.0):
        return np.inf
    C = QS / np.outer(root, root)
    mu = float(np.linalg.eigvalsh(C)[0]) - slack / float(np.min(root)) ** 2
    return float(np.linalg.norm(uS / root)) / (mu * float(np.min(root))) if mu > 0.0 else np.inf


def gram_bound(st: SufficientStats, d: np.ndarray, a1: np.ndarray, w: np.ndarray, n: int) -> ErrorBound:
    """The cheap bound from the sufficient statistics (module docstring)."""
    g, floor = gram_gradient(st, d, a1, w, n)
    p = w.size
    free = a1 <= 0.0
    l2 = 0.5 * d
    u = residual_bounds(w, g, a1, l2, floor)
    S_mask = (w != 0.0) | free | tight_zeros(w, g, a1, floor)
    Q = st.gram + np.diag(d)
    for attempt in range(3):
        S = np.flatnonzero(S_mask)
        if S.size == 0:
            return ErrorBound(0.0, np.inf, 0.0, support_only=True, unique=True,
                              reason="all weights are certified zeros")
        QS = Q[np.ix_(S, S)]
        # lambda_min of the computed matrix, less what forming G and the eigensolver may have moved
        # it by; and never below the prior's curvature (the exact G is positive semi-definite)
        slack = (rounding_gamma(n) + rounding_gamma(S.size)) * float(np.trace(QS))
        if S.size > n - int(st.centered):  # more columns than the rank of G: lambda_min(G_SS) = 0
            mu = float(np.min(d[S]))
        else:
            mu = max(float(np.linalg.eigvalsh(QS)[0]) - slack, float(np.min(d[S])))
        fl = float(np.linalg.norm(floor[S]))
        if mu <= 0.0:
            return ErrorBound(None, 0.0, fl, support_only=S.size < p, not_strongly_convex=True,
                              reason="not strongly convex" + (" on the support" if S.size < p else "")
                              + " to working precision")
        b = float(np.linalg.norm(u[S])) / mu
        if S.size <= n - int(st.centered):
            b = min(b, _scaled_bound(QS, u[S], slack))
        off = np.flatnonzero(~S_mask)
        if off.size == 0:
            return ErrorBound(_total(st, w, b, S, n), mu, fl, unique=True,
                              reason="strongly convex (exact Hessian)")
        lip = np.linalg.norm(Q[np.ix_(off, S)], axis=1)
        bad = margin_violations(off, g, a1, floor, lip, b)
        if bad.size == 0:
            return ErrorBound(_total(st, w, b, S, n), mu, fl, support_only=True, unique=True,
                              reason="strongly convex on the support, strict margins off it")
        S_mask[bad] = True
        if attempt == 1:  # last attempt: every coordinate (the global bound needs no margins)
            S_mask[:] = True
    return ErrorBound(None, 0.0, 0.0, reason="zeros without a margin")


def rows_bound(rows: RowsProblem, st: SufficientStats, w: np.ndarray, g: np.ndarray, xi: np.ndarray,
               eta: np.ndarray, solver: RestrictedSolver) -> ErrorBound:
    r"""The anisotropic bound on the rows (module docstring); ``g, xi, eta`` from
    :meth:`RowsProblem.gradient` at ``w``, ``solver`` factorises :math:`A` on its support."""
    S = solver.S
    p = w.size
    if not solver.usable:
        return ErrorBound(None, solver.mu, reason="the restricted problem is too ill-conditioned "
                          "to certify in double precision")
    xi_norm = float(np.linalg.norm(xi))
    core = float(np.linalg.norm(solver.apply_inverse(g[S])))
    b = (core * (1.0 + solver.rel_error) / (1.0 - solver.rel_error) + solver.inv_zt * xi_norm
         + float(np.linalg.norm(eta[S])) / solver.mu)
    pen = S[rows.a1[S] > 0.0]
    if pen.size and b >= float(np.min(np.abs(w[pen]))):
        return ErrorBound(None, solver.mu, xi_norm, reason="the bound does not keep the signs on the support")
    off = np.setdiff1d(np.arange(p), S)
    fl = float(np.hypot(xi_norm, np.linalg.norm(eta[S])))
    if off.size:
        Zoff, _ = rows.design(off)
        col = np.linalg.norm(Zoff, axis=0)
        floor = col * xi_norm + eta[off]  # |Z_j^T xi| + eta_j bounds the rounding of g_j
        lip = col * solver.norm_z
        full_floor = np.zeros(p)
        full_floor[off] = floor
        lip_full = np.zeros(p)
        lip_full[off] = lip
        if margin_violations(off, g, rows.a1, full_floor, lip_full[off], b).size:
            return ErrorBound(None, solver.mu, fl, support_only=True, reason="zeros without a margin")
    return ErrorBound(_total(st, w, b, S, rows.n), solver.mu, fl, support_only=off.size > 0, unique=True,
                      reason="quadratic " + ("on the support, strict margins off it" if off.size else "objective")
                      + " (rows, extended-precision residuals)")
