r"""A cheap warm start for the exact L1 homotopy: a few accelerated proximal-gradient steps.

For

.. math::

    \min_x\; F(x) = \tfrac12 x^\top Q x + q^\top x + \sum_j \ell_{1,j}|x_j|, \qquad Q \succeq 0,

FISTA (Beck & Teboulle 2009) iterates, with :math:`L \ge \lambda_{\max}(Q)`,

.. math::

    x_{k+1} = S_{\ell_1/L}\!\left(z_k - (Qz_k + q)/L\right), \quad
    t_{k+1} = \tfrac12\bigl(1 + \sqrt{1 + 4t_k^2}\bigr), \quad
    z_{k+1} = x_{k+1} + \tfrac{t_k - 1}{t_{k+1}}(x_{k+1} - x_k),

:math:`S_a(u) = \operatorname{sign}(u)\max(|u| - a, 0)` (the proximal operator of the Laplace
prior's penalty). Each step is one product with :math:`Q` (:math:`O(m^2)`, vectorised), against one
event of the homotopy per coordinate that enters from :math:`x = 0` (a triangular solve, a factor
update and the Python around them: ~0.1 ms each at :math:`m = 100`).

The result is **only a starting point**: the homotopy (:mod:`bayesreg.inference.l1_homotopy`) starts
from it (its linear term chosen so that this point is exactly optimal) and follows the path to the
exact minimiser, so a poor warm start costs events, never exactness. It is returned only when it
lowers :math:`F` below :math:`F(0) = 0`, else ``None`` (the homotopy then starts from 0).
:math:`L` is :math:`1.02\times` a power-iteration estimate of :math:`\lambda_{\max}(Q)` (Rayleigh
quotients approach it from below; the objective check catches an estimate that is still too small).
"""

from __future__ import annotations

import numpy as np

__all__ = ["fista_warm_start"]

_POWER_STEPS = 20
_SAFETY = 1.02


def _largest_eigenvalue(Q: np.ndarray) -> float:
    """Power iteration from the diagonal's square root (positive, so not orthogonal to the top
    eigenvector of a matrix with a positive diagonal)."""
    v = np.sqrt(np.maximum(np.diag(Q), 0.0)) + 1e-300
    lam = 0.0
    for _ in range(_POWER_STEPS):
        v /= np.linalg.norm(v)
        w = Q @ v
        lam = float(v @ w)
        v = w
    return lam


def fista_warm_start(Q: np.ndarray, q: np.ndarray, l1: np.ndarray, *, max_steps: int = 60,
                     stable_steps: int = 8) -> np.ndarray | None:
    r"""A point with the (approximate) support and signs of the minimiser, or ``None`` (module docstring).

    Stops after ``max_steps`` steps, or once the support and the signs have not changed for
    ``stable_steps`` steps. Every coordinate must be penalised (``l1 > 0``): the unpenalised block is
    eliminated before (:func:`bayesreg.inference.l1_quadratic.solve_l1_quadratic`).
    """
    L = _SAFETY * _largest_eigenvalue(Q)
    if not (np.isfinite(L) and L > 0.0) or np.any(l1 <= 0.0):
        return None
    thresh = l1 / L
    x = np.zeros(q.size)
    z = x
    t = 1.0
    signs = np.zeros(q.size)
    unchanged = 0
    for _ in range(max_steps):
        u = z - (Q @ z + q) / L
        x_new = np.sign(u) * np.maximum(np.abs(u) - thresh, 0.0)
        t_new = 0.5 * (1.0 + np.sqrt(1.0 + 4.0 * t * t))
        z = x_new + ((t - 1.0) / t_new) * (x_new - x)
        x, t = x_new, t_new
        new_signs = np.sign(x)
        unchanged = unchanged + 1 if np.array_equal(new_signs, signs) else 0
        signs = new_signs
        if unchanged >= stable_steps:
            break
    value = 0.5 * float(x @ (Q @ x)) + float(q @ x) + float(l1 @ np.abs(x))
    return x if np.isfinite(value) and value < 0.0 and np.any(x != 0.0) else None
