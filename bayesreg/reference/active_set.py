r"""The active-set Newton polish of the reference L1 solvers (NumPy only).

For :math:`F(w, c) = f(w, c) + \sum_j \ell_{1,j}|w_j| + \ell_{2,j}w_j^2` with :math:`f` smooth and
convex, and a start :math:`(w_0, c_0)` (e.g. from L-BFGS-B on the split variables): fix the signs
:math:`\sigma_j = \operatorname{sign} w_{0,j}` on the support :math:`S` (non-zeros and unpenalised
coordinates), minimise the smooth :math:`f + \sum_{j\in S}\ell_{1,j}\sigma_j w_j + \ell_{2,j}w_j^2` over
:math:`S` by Newton, drop the coordinates whose sign flipped, and add the worst violator
:math:`\arg\max_{j\notin S}|\partial_j f| - \ell_{1,j}(1 + \text{rtol})` until there is none: the
result then meets every KKT condition of :math:`F` (to ``rtol`` on the zeros).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

__all__ = ["active_set_polish"]

#: ``newton_on(S, signs_S, theta0) -> (theta, iterations, converged)``: the smooth problem on ``S``
#: (``theta = (w_S, c)``, the intercept last when fitted).
NewtonOnSupport = Callable[[np.ndarray, np.ndarray, np.ndarray], tuple[np.ndarray, int, bool]]


def active_set_polish(w0: np.ndarray, c0: float, l1: np.ndarray, fit_intercept: bool, newton_on: NewtonOnSupport,
                      data_gradient: Callable[[np.ndarray, float], np.ndarray],
                      kkt_rtol: float) -> tuple[np.ndarray, float, int, bool]:
    """``(w, c, Newton iterations, converged)`` from ``(w0, c0)`` (module docstring); ``data_gradient(w, c)``
    is :math:`\\nabla_w f` (the ridge term vanishes off the support). Not converged: ``(w0, c0)`` back."""
    p = w0.size
    k = int(fit_intercept)
    signs = np.where(l1 > 0, np.sign(w0), 0.0)
    in_S = (w0 != 0) | (l1 == 0)
    n_iter = 0
    for _ in range(2 * p + 2):
        S = np.flatnonzero(in_S)
        theta0 = np.append(w0[S], c0) if k else w0[S]
        theta, it, ok = newton_on(S, signs[S], theta0)
        n_iter += it
        if not ok:
            break
        flipped = S[(l1[S] > 0) & (np.sign(theta[:S.size]) != signs[S])]
        if flipped.size:
            in_S[flipped], signs[flipped] = False, 0.0
            continue
        w = np.zeros(p)
        w[S] = theta[:S.size]
        c = float(theta[-1]) if k else 0.0
        g = data_gradient(w, c)
        excess = np.where(in_S, -np.inf, np.abs(g) - l1 * (1.0 + kkt_rtol))
        j = int(np.argmax(excess))
        if excess[j] <= 0:
            return w, c, n_iter, True
        in_S[j], signs[j] = True, -np.sign(g[j])
    return w0, c0, n_iter, False
