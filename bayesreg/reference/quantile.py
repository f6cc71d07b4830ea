r"""An independent reference for penalised quantile regression (NumPy/SciPy only).

Minimises, for a quantile level :math:`q`, scale :math:`s`, sample weights :math:`s_i` and
per-feature L1 weights :math:`\ell_{1,j}`,

.. math::

    \frac{1}{s}\sum_i s_i\,\rho_q(y_i - c - x_i^\top w) + \sum_j \ell_{1,j}|w_j|, \qquad
    \rho_q(r) = \max(q r, (q-1) r),

written from the formula as the **primal** linear program (the textbook form of Koenker &
Bassett, 1978): :math:`w = w^+ - w^-`, :math:`r = e^+ - e^-` with all four non-negative,

.. math::

    \min\ \sum_j s\ell_{1,j}(w_j^+ + w_j^-) + \sum_i s_i\bigl(q e_i^+ + (1-q) e_i^-\bigr)
    \quad\text{s.t.}\quad X(w^+ - w^-) + c\mathbf 1 + e^+ - e^- = y,

solved by HiGHS's *interior-point* method with crossover through ``scipy.optimize.linprog`` —
a different formulation (primal, :math:`n` rows) and a different algorithm than bayesreg's MAP
(the dual, :math:`p + 1` rows, dual simplex on working sets). Features with :math:`\ell_{1,j} = 0`
are unpenalised (:math:`w_j` free).

With an L2 part :math:`\sum_j \ell_{2,j}w_j^2` the same primal variables and constraints carry the
quadratic :math:`s\,\ell_{2,j}(w_j^+ - w_j^-)^2`: a convex QP, solved by SciPy's SLSQP (a sequential
quadratic programming active-set method, exact on a QP up to its tolerance) from the LP's solution;
meant for small problems (it is dense in :math:`2n + 2p + 1` variables).
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import linprog
from scipy.sparse import csr_matrix, eye, hstack

__all__ = ["reference_quantile_solve", "quantile_objective"]


def quantile_objective(X, y, coef, intercept, l1, *, quantile: float, scale: float = 1.0,
                       sample_weight=None) -> float:
    r""":math:`\frac1s\sum_i s_i\rho_q(r_i) + \sum_j\ell_{1,j}|w_j|` (module docstring)."""
    X, y = np.asarray(X, float), np.asarray(y, float)
    sw = np.ones(y.shape[0]) if sample_weight is None else np.asarray(sample_weight, float)
    r = y - intercept - X @ np.asarray(coef, float)
    loss = np.where(r >= 0, quantile * r, (quantile - 1.0) * r)
    return float(sw @ loss) / scale + float(np.broadcast_to(np.asarray(l1, float), (X.shape[1],))
                                            @ np.abs(coef))


def reference_quantile_solve(X, y, l1, *, quantile: float, scale: float = 1.0, sample_weight=None,
                             fit_intercept: bool = True, l2=None) -> tuple[np.ndarray, float]:
    r"""``(coef, intercept)`` minimising :func:`quantile_objective` (module docstring; plus
    :math:`\sum_j \ell_{2,j}w_j^2` when ``l2`` is given)."""
    X, y = np.asarray(X, float), np.asarray(y, float)
    n, p = X.shape
    sw = np.ones(n) if sample_weight is None else np.asarray(sample_weight, float)
    l1 = np.broadcast_to(np.asarray(l1, float), (p,)).copy()
    q = float(quantile)
    # variables: w+ (p), w- (p), c (1 or 0), e+ (n), e- (n)
    k = int(fit_intercept)
    cost = np.concatenate([scale * l1, scale * l1, np.zeros(k), sw * q, sw * (1.0 - q)])
    Xs = csr_matrix(X)
    blocks = [Xs, -Xs] + ([csr_matrix(np.ones((n, 1)))] if k else []) + [eye(n, format="csr"), -eye(n, format="csr")]
    A = hstack(blocks, format="csr")
    free = l1 == 0
    lower = np.concatenate([np.zeros(p), np.zeros(p), np.full(k, -np.inf), np.zeros(2 * n)])
    upper = np.full(lower.shape, np.inf)
    # an unpenalised w_j: w+ free, w- fixed at 0
    lower[:p][free] = -np.inf
    upper[p:2 * p][free] = 0.0
    res = linprog(cost, A_eq=A, b_eq=y, bounds=np.column_stack([lower, upper]), method="highs-ipm")
    if res.status != 0:
        raise RuntimeError(f"reference quantile LP failed: {res.message}")
    x = res.x
    if l2 is not None and np.any(np.asarray(l2, float) > 0):
        x = _slsqp(x, cost, A.toarray(), y, lower, upper, scale * np.broadcast_to(np.asarray(l2, float), (p,)), p)
    coef = x[:p] - x[p:2 * p]
    intercept = float(x[2 * p]) if k else 0.0
    return coef, intercept


def _slsqp(x0, cost, A, y, lower, upper, l2s, p):
    """SLSQP on cost·x + sum_j l2s_j (x_j - x_{p+j})^2 s.t. A x = y and the bounds."""
    from scipy.optimize import minimize

    def f(x):
        d = x[:p] - x[p:2 * p]
        g = cost.copy()
        g[:p] += 2 * l2s * d
        g[p:2 * p] -= 2 * l2s * d
        return float(cost @ x + l2s @ d**2), g

    bounds = [(None if np.isinf(lo) else lo, None if np.isinf(hi) else hi)
              for lo, hi in zip(lower, upper, strict=True)]
    res = minimize(f, x0, jac=True, method="SLSQP", bounds=bounds,
                   constraints={"type": "eq", "fun": lambda x: A @ x - y, "jac": lambda x: A},
                   options={"ftol": 1e-15, "maxiter": 5000})
    # status 8 ("positive directional derivative in line search"): no further descent at working
    # precision; accepted when the constraints hold
    if not (res.success or (res.status == 8 and np.max(np.abs(A @ res.x - y)) < 1e-8 * (1 + np.max(np.abs(y))))):
        raise RuntimeError(f"reference quantile QP (SLSQP) failed: {res.message}")
    return res.x
