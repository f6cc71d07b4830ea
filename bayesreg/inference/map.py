r"""The exact posterior mode (MAP) of a bayesreg model, with an optimality certificate.

The negative log-posterior splits into a smooth part and a separable, possibly non-smooth prior:

.. math::

    -\log p(w, c \mid y) = f(w, c) + P(w) + \text{const}, \qquad
    f = -\log L(y \mid w, c), \qquad P(w) = \sum_j \ell_{1,j}|w_j| + \ell_{2,j} w_j^2 .

* :math:`f` and :math:`\nabla f` are compiled from the **PyMC model itself** (the likelihood
  term of :func:`bayesreg.model.build_model`); nothing is re-derived by hand.
* :math:`P` is handled exactly by proximal Newton: each step minimises the quadratic model
  :math:`g^\top d + \tfrac12 d^\top H d + P(\theta + d)` with
  :func:`bayesreg.inference.l1_quadratic.solve_l1_quadratic` (coordinate descent + exact active-set polish),
  followed by a backtracking line search on the true objective. For the Gaussian likelihood
  :math:`f` is quadratic, :math:`H` is its exact Hessian (from PyMC) and one step is exact; for the
  logistic likelihood :math:`H = X^\top D X` with the Bernoulli curvature :math:`D` (a search
  direction only: acceptance and the certificate use PyMC's gradient), formed as a symmetric
  rank-k update of :math:`X D^{1/2}` and, for L1 priors, only on a working set (the non-zeros and
  near-violators, as in glmnet's strong rules; every coordinate is still certified). For a smooth
  non-quadratic problem (L2 logistic) a few L-BFGS iterations on PyMC's gradient come first.
* Laplace and elastic-net MAPs therefore have exact zeros. ``pymc.find_MAP`` (L-BFGS on
  :math:`|w|`) is never used.

The certificate is the distance of :math:`-\nabla f` to :math:`\partial P` at the returned point
(:meth:`bayesreg.model.priors.Prior.subgradient_distance`), plus :math:`|\partial f/\partial c|` for the
unpenalised intercept; it is reported absolute and relative to :math:`\|\nabla f(0)\|_\infty`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from bayesreg.inference.blas import serial_blas
from bayesreg.inference.certificate import DEFAULT_TOL, Certificate, certify
from bayesreg.inference.curvature import Curvature
from bayesreg.inference.l1_quadratic import solve_l1_quadratic
from bayesreg.inference.smooth_part import smooth_gradient, smooth_part
from bayesreg.model.build import resolve_form
from bayesreg.model.data import RegressionData
from bayesreg.model.likelihoods import Likelihood
from bayesreg.model.priors import Prior

__all__ = ["Certificate", "MapResult", "find_map", "certify", "smooth_gradient", "DEFAULT_TOL"]


@dataclass(frozen=True, eq=False)
class MapResult:
    """A MAP estimate: coefficients, intercept, objective and certificate."""

    coef: np.ndarray
    intercept: float
    objective: float
    certificate: Certificate
    n_iter: int
    n_sweeps: int


def _quasi_newton_start(fg: Any, l2: np.ndarray, theta: np.ndarray, scale: float) -> np.ndarray:
    """A few L-BFGS iterations on the smooth objective f + sum l2 w^2 (no L1 part).

    Each costs one O(np) gradient instead of an O(np^2) Hessian; they bring a smooth, non-quadratic
    problem (L2 logistic) close enough that one exact Newton/chord phase finishes it. Stops at a
    relative gradient of 1e-4 (scikit-learn's default tolerance); the certificate comes later.
    """
    from scipy.optimize import minimize

    def objective(th: np.ndarray) -> tuple[float, np.ndarray]:
        f, g = fg(th)
        return f + float(l2 @ (th * th)), g + 2.0 * l2 * th

    res = minimize(objective, theta, jac=True, method="L-BFGS-B",
                   options={"gtol": 1e-4 * scale, "maxiter": 200})
    return np.asarray(res.x, dtype=float)


def find_map(
    data: RegressionData,
    prior: Prior,
    likelihood: Likelihood,
    *,
    form: str = "auto",
    tol: float = DEFAULT_TOL,
    max_iter: int = 100,
    warm_start: np.ndarray | None = None,
) -> MapResult:
    r"""Exact MAP of the model ``prior`` × ``likelihood`` on ``data``.

    Minimises :math:`f(w, c) + \sum_j \ell_{1,j}|w_j| + \ell_{2,j}w_j^2` (module docstring) to a
    certified relative KKT residual of at most ``1e-4 * tol`` (1e-12 by default), or until Newton
    steps stop improving it once it is below ``tol``, and returns the point with its
    :class:`Certificate` (which passes at ``tol``).
    """
    form = resolve_form(likelihood, form)
    fg, hess = smooth_part(data, prior, likelihood, form)
    with serial_blas(data.n_samples * data.n_features) as parallel:  # see bayesreg.inference.blas
        return _solve(data, prior, likelihood, fg, hess, tol, max_iter, warm_start, parallel)


def _solve(data: RegressionData, prior: Prior, likelihood: Likelihood, fg: Any, hess: Any,
           tol: float, max_iter: int, warm_start: np.ndarray | None, parallel: Any) -> MapResult:
    """The proximal Newton iterations of :func:`find_map`."""
    p = data.n_features
    m = p + int(data.fit_intercept)
    l1_w, l2_w = prior.penalty_weights(p)
    l1 = np.concatenate([l1_w, np.zeros(m - p)])
    l2 = np.concatenate([l2_w, np.zeros(m - p)])
    penalized = np.arange(m) < p

    def penalty(theta: np.ndarray) -> float:
        w = theta[:p]
        return float(l1_w @ np.abs(w) + l2_w @ (w * w))

    curvature = Curvature(data, likelihood, hess, parallel)

    def working_set(theta: np.ndarray, grad: np.ndarray) -> np.ndarray:
        """Coordinates the Newton step may move: all for a smooth problem; for L1, the non-zeros,
        the unpenalised and the near-violators |g_j| >= 0.9 l1_j (the others stay at 0 this step;
        the certificate checks every coordinate, so a missed one enters the next step)."""
        if hess is not None:
            return np.arange(m)
        keep = (theta != 0) | ~penalized | (l1 == 0) | (np.abs(grad) >= 0.9 * l1)
        return np.flatnonzero(keep)

    zero = np.zeros(m)
    f0, g0 = fg(zero)
    scale = float(np.max(np.abs(g0)))
    theta = zero if warm_start is None else np.asarray(warm_start, dtype=float).copy()
    if hess is None and not np.any(l1 > 0):
        theta = _quasi_newton_start(fg, l2, theta, scale)
    f, g = (f0, g0) if theta is zero else fg(theta)
    F = f + penalty(theta)
    cert = certify(prior, theta, g, fit_intercept=data.fit_intercept, scale=scale, tol=tol)
    curvature.advance(0.0, cert.relative_residual)  # starting near the optimum: exact Hessian
    sweeps_total = 0
    it = 0
    best = cert.relative_residual
    for it in range(1, max_iter + 1):  # noqa: B007 (reported after the loop)
        work = working_set(theta, g)
        H = curvature.hessian(theta, work)
        Q = H + np.diag(2.0 * l2[work])
        z_work, sweeps = solve_l1_quadratic(Q, g[work] - H @ theta[work], l1[work], penalized[work],
                                            x0=theta[work])
        z = theta.copy()
        z[work] = z_work
        sweeps_total += sweeps
        d = z - theta
        delta = float(g @ d + penalty(z) - penalty(theta))
        t = 1.0
        while True:
            cand = theta + t * d if t < 1.0 else z
            fc, gc = fg(cand)
            Fc = fc + penalty(cand)
            if Fc <= F + 0.25 * t * min(delta, 0.0) + 1e-13 * abs(F) or t < 1e-10:
                break
            t *= 0.5
        new_cert = certify(prior, cand, gc, fit_intercept=data.fit_intercept, scale=scale, tol=tol)
        improved = new_cert.relative_residual < best
        if Fc <= F or improved:
            theta, f, g, F, cert = cand, fc, gc, Fc, new_cert
        if cert.relative_residual <= 1e-4 * tol or (not improved and cert.passed):
            break
        curvature.advance(new_cert.relative_residual / max(best, 1e-300), cert.relative_residual)
        best = min(best, new_cert.relative_residual)
    coef = theta[:p].copy()
    intercept = float(theta[p]) if data.fit_intercept else 0.0
    return MapResult(coef, intercept, F, cert, it, sweeps_total)
