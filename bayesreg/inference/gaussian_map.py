r"""The exact MAP of a Gaussian-likelihood model, with a certified error bound.

The smooth part is quadratic, so the MAP needs no Newton iterations. With the intercept eliminated
by weighted centring (:math:`c = \bar y - \bar x^\top w`, exact: the intercept is unpenalised) and
:math:`\sigma^2` multiplied out, the weights minimise

.. math::

    \tfrac12 w^\top (G + D) w - w^\top X^\top y + \sum_j a_j |w_j|, \qquad
    D = 2\sigma^2\operatorname{diag}(\ell_2),\; a = \sigma^2\ell_1,

with :math:`G`, :math:`X^\top y` the centred sufficient statistics the PyMC model reads. The solve:

1. **Gram route** (one pass over the data, then :math:`O(p^3)`): Cholesky of :math:`G + D` for a
   Gaussian prior, or the exact L1 homotopy (:mod:`bayesreg.inference.l1_homotopy`) on it; then
   the cheap certified bound of :func:`bayesreg.inference.gaussian_bound.gram_bound`.
2. **Rows route**, only when that bound is not small enough (ill-conditioned problems: :math:`p > n`
   with a small ridge penalty, near-collinear columns, where forming :math:`G` loses the digits
   that matter): on the support :math:`S` with its signs, the minimiser solves
   :math:`(Z_S^\top Z_S + D_S)w_S = Z_S^\top z - a_S \circ s_S`, solved through an SVD of the
   (scaled or augmented) centred rows :math:`Z_S` (:mod:`bayesreg.inference.gaussian_rows`;
   scikit-learn's ``Ridge(solver="svd")`` for the ridge case), then refined with residuals in
   extended precision, and bounded by :func:`bayesreg.inference.gaussian_bound.rows_bound`. A sign
   change or a new violator sends the point back through the homotopy (warm-started, linear term
   from the accurate gradient) and round again.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
from scipy import linalg

from bayesreg.inference.error_bound import ErrorBound
from bayesreg.inference.gaussian_bound import gram_bound, rows_bound
from bayesreg.inference.gaussian_rows import RestrictedSolver, RowsProblem
from bayesreg.inference.l1_quadratic import solve_l1_quadratic
from bayesreg.model.data import RegressionData
from bayesreg.model.likelihoods import GaussianLikelihood
from bayesreg.model.priors import Prior

__all__ = ["GaussianMap", "solve_gaussian_map", "gaussian_point_bound"]

_ROUNDS = 4  # rows-route rounds (refinement + possible support change) before giving up


@dataclass(frozen=True, eq=False)
class GaussianMap:
    """Weights, intercept, homotopy events, the error bound and which route produced them."""

    coef: np.ndarray
    intercept: float
    events: int
    bound: ErrorBound
    route: str


def _passes(bound: ErrorBound, w: np.ndarray, c: float, bound_tol: float) -> bool:
    return bound.value is not None and bound.value <= bound_tol * float(np.hypot(np.linalg.norm(w), c))


def _gram_solve(Q: np.ndarray, q: np.ndarray, a1: np.ndarray, x0: np.ndarray | None) -> tuple[np.ndarray, int]:
    if not np.any(a1 > 0.0):
        with warnings.catch_warnings():  # ill-conditioned is fine here: the certified bound decides
            warnings.simplefilter("ignore", linalg.LinAlgWarning)
            try:
                return linalg.solve(Q, -q, assume_a="pos"), 0
            except (linalg.LinAlgError, ValueError):
                return linalg.lstsq(Q, -q)[0], 0  # singular to working precision: the rows route decides
    return solve_l1_quadratic(Q, q, a1, np.ones(q.size, dtype=bool), x0)


def solve_gaussian_map(data: RegressionData, prior: Prior, likelihood: GaussianLikelihood, *,
                       bound_tol: float, warm_start: np.ndarray | None = None) -> GaussianMap:
    """Exact MAP of ``prior`` x Gaussian ``likelihood`` on ``data`` (module docstring).

    ``bound_tol`` is the relative error bound the result should reach (``Certificate.bound_tol``);
    the rows route runs only when the Gram route's bound exceeds it.
    """
    sigma2 = likelihood._fixed_sigma() ** 2
    p, n = data.n_features, data.n_samples
    l1, l2 = prior.penalty_weights(p)
    a1, d = sigma2 * l1, 2.0 * sigma2 * l2
    st = data.suffstats
    Q = st.gram + np.diag(d)
    x0 = None if warm_start is None else np.asarray(warm_start, dtype=float)[:p]
    w, events = _gram_solve(Q, -st.xty, a1, x0)

    def intercept(w: np.ndarray) -> float:
        return float(st.ybar - st.xbar @ w) if data.fit_intercept else 0.0

    bound = gram_bound(st, d, a1, w, n)
    if _passes(bound, w, intercept(w), bound_tol):
        return GaussianMap(w, intercept(w), events, bound, "gram")
    rows = RowsProblem(data.X, data.y, data.sample_weight, st.xbar, st.ybar, a1, d)
    best = (w, bound, "gram")
    for _ in range(_ROUNDS):
        signs = np.where(a1 > 0.0, np.sign(w), 0.0)
        S = np.flatnonzero((w != 0.0) | (a1 <= 0.0))
        if S.size == 0:
            break
        solver = RestrictedSolver(rows, S)
        if not solver.usable:
            break
        pen = a1[S] > 0.0
        w_svd = np.zeros(p)
        w_svd[S] = solver.solve_data(rows.target(), a1[S] * signs[S])  # backward stable in the rows
        if np.array_equal(np.sign(w_svd[S][pen]), signs[S][pen]):
            w = w_svd
        for _refine in range(3):  # iterative refinement with extended-precision residuals
            g, _, _ = rows.gradient(w, signs)
            w_new = w.copy()
            w_new[S] -= solver.apply_inverse(g[S])
            if not np.array_equal(np.sign(w_new[S][pen]), signs[S][pen]):
                break
            w = w_new
        g, xi, eta = rows.gradient(w, signs)
        bound = rows_bound(rows, st, w, g, xi, eta, solver)
        if bound.value is not None and (best[1].value is None or bound.value < best[1].value):
            best = (w.copy(), bound, "rows")
        if _passes(bound, w, intercept(w), bound_tol):
            break
        # a sign or the support is wrong (or not yet certified): back through the homotopy, with the
        # linear term from the accurate gradient (g includes the L1 term of the signs: remove it)
        w_new, ev = _gram_solve(Q, g - a1 * signs - Q @ w, a1, w)
        events += ev
        if np.array_equal(np.sign(w_new), np.sign(w)):
            break
        w = w_new
    w, bound, route = best
    return GaussianMap(w, intercept(w), events, bound, route)


def gaussian_point_bound(data: RegressionData, prior: Prior, likelihood: GaussianLikelihood, coef: np.ndarray,
                         intercept: float) -> ErrorBound:
    """The certified error bound at a given point (no solving): the Gram bound, or the rows bound on
    the point's support when that is smaller; a point whose intercept is not the optimal one for its
    weights (:math:`\bar y - \bar x^\top w`) adds the difference."""
    sigma2 = likelihood._fixed_sigma() ** 2
    p, n = data.n_features, data.n_samples
    l1, l2 = prior.penalty_weights(p)
    a1, d = sigma2 * l1, 2.0 * sigma2 * l2
    st = data.suffstats
    w = np.asarray(coef, dtype=float)
    best = gram_bound(st, d, a1, w, n)
    S = np.flatnonzero((w != 0.0) | (a1 <= 0.0))
    if S.size:
        rows = RowsProblem(data.X, data.y, data.sample_weight, st.xbar, st.ybar, a1, d)
        solver = RestrictedSolver(rows, S)
        if solver.usable:
            g, xi, eta = rows.gradient(w, np.where(a1 > 0.0, np.sign(w), 0.0))
            bound = rows_bound(rows, st, w, g, xi, eta, solver)
            if bound.value is not None and (best.value is None or bound.value < best.value):
                best = bound
    shift = abs(intercept - (st.ybar - st.xbar @ w)) if data.fit_intercept else 0.0
    if best.value is None or shift == 0.0:
        return best
    return ErrorBound(best.value + shift, best.strong_convexity, best.rounding_floor, best.support_only,
                      best.unique, best.reason + "; plus the intercept's distance from its optimum given the weights")
