r"""The exact MAP of quantile regression (asymmetric Laplace likelihood), with its certificate.

With the asymmetric Laplace likelihood (:mod:`bayesreg.model.quantile`; level :math:`q`, scale
:math:`s`) and a prior with penalty :math:`P(w) = \sum_j \ell_{1,j}|w_j| + \ell_{2,j}w_j^2`, the
MAP minimises (times :math:`s`, constants dropped)

.. math::

    G(\theta) = \sum_i s_i\,\rho_q(y_i - \tilde x_i^\top\theta) + s\,P(w), \qquad
    \tilde x_i = (x_i, 1),\ \theta = (w, c),

a linear program for :math:`\ell_2 = 0` (an L1 or flat prior). Nothing here is smooth: no
gradient method (and no L-BFGS on kinks) is used.

**The dual linear program.** Writing :math:`\rho_q(r) = \max_{u \in [q-1, q]} u\,r` and
:math:`a_i = s_i u_i`,

.. math::

    \max_a\ y^\top a \quad\text{s.t.}\quad a_i \in [s_i(q-1), s_i q],\quad
    \Bigl|\sum_i a_i x_{ij}\Bigr| \le s\,\ell_{1,j},\quad \sum_i a_i = 0,

:math:`n` bounded variables and :math:`p + 1` rows, solved by HiGHS's dual simplex
(``highspy``, one ranged row per coordinate): its basis is :math:`(p+1)\times(p+1)`, not :math:`n \times n`.

**Only the rows near the fit matter (Portnoy & Koenker, 1997).** A row whose residual sign at the
optimum is known has its :math:`u_i` fixed at :math:`q` or :math:`q - 1`: it contributes a *linear*
term :math:`u_i r_i`. Since :math:`\rho_q(r) \ge u\,r` for either choice, the reduced objective
:math:`G_M` — the pinball loss on a working set :math:`M` of rows, the fixed linear terms on the
others — satisfies :math:`G_M \le G` everywhere, with equality at any point where the fixed rows
have the assumed signs. So if the minimiser :math:`\theta_M` of :math:`G_M` gives every fixed row
its assumed sign, :math:`G(\theta_M) = G_M(\theta_M) \le G_M(\theta) \le G(\theta)` for all
:math:`\theta`: :math:`\theta_M` is an exact optimum of :math:`G`. The solver fits a subsample,
takes as :math:`M` the rows with the smallest residuals, fixes the others by their signs, solves,
and adds any row whose sign came out wrong until none does (each round at least one row enters,
so it terminates; for small problems :math:`M` is every row).

**Exact vertex polish.** The simplex returns a vertex up to its feasibility tolerance (1e-7). At a
vertex, the rows :math:`Z` with :math:`a_i` strictly inside its box have :math:`r_i = 0` and the
active coordinates :math:`T` (non-zero weights, unpenalised ones, the intercept) satisfy
:math:`\tilde X_{Z,T}\theta_T = y_Z`; with :math:`|Z| = |T|` this square system is solved directly
(then :math:`a_Z` from the stationarity equations on :math:`T`, the transposed system), giving the
vertex to rounding precision. The polish is kept only when the exact objective does not increase.

**Certificate.** :math:`0 \in \partial G(\theta)` iff there are :math:`u_i \in [q-1, q]`, equal to
:math:`q` where :math:`r_i > 0` and to :math:`q - 1` where :math:`r_i < 0`, with
:math:`-\sum_i s_i u_i\tilde x_i/s \in \partial P` (and the intercept's entry 0). The certificate
(:mod:`bayesreg.inference.certificate`) evaluates that condition with the vertex's :math:`u_Z`
clipped to its box: the KKT residual is the distance of :math:`\sum_i s_i u_i x_{ij}/s` to
:math:`\partial P_j` and the intercept's :math:`|\sum_i s_i u_i|/s`, relative to the same quantity
at :math:`\theta = 0`. :func:`certify_quantile_point` certifies any point the same way (its
:math:`u_Z` on the rows with :math:`r_i = 0` by least squares, then clipped), so a perturbed
solution fails. The objective is piecewise linear: there is no strong convexity and no error
bound; the exact KKT conditions decide.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bayesreg.inference.certificate import DEFAULT_BOUND_TOL, DEFAULT_TOL, Certificate, certify
from bayesreg.inference.error_bound import ErrorBound
from bayesreg.model.data import RegressionData
from bayesreg.model.priors import Prior
from bayesreg.model.quantile import AsymmetricLaplace, pinball_loss

__all__ = ["QuantileMap", "solve_quantile_map", "certify_quantile_point"]

#: problems with at most this many rows (or at most 50 rows per coefficient) are solved whole
FULL_ROWS = 4000

#: a residual counts as zero when |r_i| <= ZERO_RESIDUAL * (|y_i| + |x_i| . |theta|)
ZERO_RESIDUAL = 1e-9

_NO_CURVATURE = ErrorBound(None, reason="the pinball loss is piecewise linear (no strong convexity); the "
                           "exact KKT conditions decide", not_strongly_convex=True)


@dataclass(frozen=True, eq=False)
class QuantileMap:
    """The exact MAP of quantile regression: coefficients, objective, certificate, work done."""

    coef: np.ndarray
    intercept: float
    objective: float
    certificate: Certificate
    n_rounds: int
    working_rows: int


def _design(data: RegressionData) -> np.ndarray:
    """:math:`\\tilde X = (X, 1)` (or :math:`X` without an intercept)."""
    if data.fit_intercept:
        return np.hstack([data.X, np.ones((data.n_samples, 1))])
    return data.X


def _penalties(data: RegressionData, prior: Prior, scale: float) -> tuple[np.ndarray, np.ndarray]:
    """:math:`s\\ell_1, s\\ell_2` over :math:`\\theta` (0 for the intercept)."""
    l1, l2 = prior.penalty_weights(data.n_features)
    extra = int(data.fit_intercept)
    return scale * np.append(l1, np.zeros(extra)), scale * np.append(l2, np.zeros(extra))


def _solve_dual_lp(Xt: np.ndarray, y: np.ndarray, lo: np.ndarray, hi: np.ndarray, h: np.ndarray,
                   l1s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    r"""The dual LP on rows ``Xt`` with the fixed rows' term ``h``: returns :math:`(\theta, a)`.

    :math:`\min -y^\top a` s.t. :math:`lo \le a \le hi`,
    :math:`-s\ell_{1,j} - h_j \le (\tilde X^\top a)_j \le s\ell_{1,j} - h_j` (one ranged row per
    coordinate; an equality where :math:`\ell_{1,j} = 0`), by HiGHS's dual simplex (``highspy``).
    :math:`\theta` is minus the rows' dual values.
    """
    import highspy

    m, k = Xt.shape
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = m, k
    lp.col_cost_ = -np.asarray(y, dtype=float)
    lp.col_lower_, lp.col_upper_ = np.asarray(lo, float), np.asarray(hi, float)
    lp.row_lower_, lp.row_upper_ = -l1s - h, l1s - h
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.num_col_, lp.a_matrix_.num_row_ = m, k
    lp.a_matrix_.start_ = np.arange(0, m * k + 1, k, dtype=np.int32)
    lp.a_matrix_.index_ = np.tile(np.arange(k, dtype=np.int32), m)
    lp.a_matrix_.value_ = np.ascontiguousarray(Xt, dtype=float).ravel()
    solver = highspy.Highs()
    solver.setOptionValue("output_flag", False)
    solver.setOptionValue("solver", "simplex")
    solver.setOptionValue("simplex_strategy", 1)  # dual simplex
    solver.setOptionValue("threads", 1)
    solver.passModel(lp)
    solver.run()
    status = solver.getModelStatus()
    if status != highspy.HighsModelStatus.kOptimal:
        raise RuntimeError(f"the quantile-regression linear program failed: {solver.modelStatusToString(status)}")
    sol = solver.getSolution()
    return -np.asarray(sol.row_dual, dtype=float), np.asarray(sol.col_value, dtype=float)


def _polish(Xt: np.ndarray, y: np.ndarray, theta: np.ndarray, a: np.ndarray, lo: np.ndarray, hi: np.ndarray,
            rows: np.ndarray, flat: np.ndarray, l1s: np.ndarray, scale_a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The exact vertex (module docstring): θ_T from the zero-residual rows, a_Z from stationarity."""
    inside = (a[rows] > lo[rows] + 1e-9 * scale_a[rows]) & (a[rows] < hi[rows] - 1e-9 * scale_a[rows])
    Z = rows[inside]
    tol_w = 1e-10 * max(float(np.max(np.abs(theta), initial=0.0)), 1e-300)
    T = np.flatnonzero((np.abs(theta) > tol_w) | flat)
    if Z.size != T.size or Z.size == 0:
        return theta, a
    A = Xt[np.ix_(Z, T)]
    try:
        theta_T = np.linalg.solve(A, y[Z])
    except np.linalg.LinAlgError:
        return theta, a
    new = np.zeros_like(theta)
    new[T] = theta_T
    # a_Z: sum_i a_i x_iT = s l1_T sign(w_T) on T (0 for flat coordinates and the intercept)
    others = np.ones(y.shape[0], dtype=bool)
    others[Z] = False
    target = l1s[T] * np.sign(theta_T) - Xt[others][:, T].T @ a[others]
    try:
        a_Z = np.linalg.solve(A.T, target)
    except np.linalg.LinAlgError:
        return theta, a
    a_new = a.copy()
    a_new[Z] = a_Z
    return new, a_new


def _objective(Xt: np.ndarray, data: RegressionData, lik: AsymmetricLaplace, theta: np.ndarray,
               l1s: np.ndarray) -> float:
    r = data.y - Xt @ theta
    return float(data.weights @ pinball_loss(r, lik.quantile) + l1s @ np.abs(theta))


def _multipliers(r: np.ndarray, weights: np.ndarray, q: float) -> np.ndarray:
    """:math:`a_i = s_i u_i` fixed by the residual signs (:math:`q` above, :math:`q - 1` below)."""
    return weights * np.where(r > 0, q, q - 1.0)


def solve_quantile_map(data: RegressionData, prior: Prior, likelihood: AsymmetricLaplace, *,
                       tol: float = DEFAULT_TOL, max_rounds: int = 50, random_seed: int = 0) -> QuantileMap:
    r"""Exact MAP of ``prior`` × asymmetric Laplace on ``data`` (module docstring), certified.

    Priors with an L2 part (Gaussian, elastic net) make the problem a quadratic program, which this
    solver does not handle: it raises ``NotImplementedError`` naming the alternative.
    """
    q, s = likelihood.quantile, likelihood.scale
    l1s, l2s = _penalties(data, prior, s)
    if np.any(l2s > 0):
        raise NotImplementedError(
            "the exact MAP of the asymmetric Laplace likelihood is implemented for L1 (Laplace) and flat "
            f"priors (a linear program); got {type(prior).__name__} with an L2 part. Use method='nuts'.")
    Xt = _design(data)
    w = data.weights
    lo, hi = w * (q - 1.0), w * q
    flat = l1s == 0
    n, m = Xt.shape
    if n <= max(FULL_ROWS, 50 * m):
        rows = np.arange(n)
        theta, a = _solve_dual_lp(Xt, data.y, lo, hi, np.zeros(m), l1s)
        rounds, work = 1, n
    else:
        theta, a, rounds, work = _solve_by_working_set(Xt, data.y, w, lo, hi, l1s, q, max_rounds, random_seed)
        rows = np.arange(n)
    theta_p, a_p = _polish(Xt, data.y, theta, a, lo, hi, rows, flat, l1s, np.maximum(w, 1e-300))
    if _objective(Xt, data, likelihood, theta_p, l1s) <= _objective(Xt, data, likelihood, theta, l1s) * (1 + 1e-12):
        theta, a = theta_p, a_p
    cert = _certificate(data, prior, likelihood, Xt, theta, a, tol)
    p = data.n_features
    F = likelihood.nll(data, theta[:p], float(theta[p]) if data.fit_intercept else 0.0) \
        + float(l1s[:p] @ np.abs(theta[:p])) / s
    return QuantileMap(theta[:p].copy(), float(theta[p]) if data.fit_intercept else 0.0, F, cert, rounds, work)


def _solve_by_working_set(Xt: np.ndarray, y: np.ndarray, w: np.ndarray, lo: np.ndarray, hi: np.ndarray,
                          l1s: np.ndarray, q: float, max_rounds: int,
                          random_seed: int) -> tuple[np.ndarray, np.ndarray, int, int]:
    """Portnoy–Koenker working sets (module docstring): exact when no fixed row changes sign."""
    n, m = Xt.shape
    rng = np.random.default_rng(random_seed)
    m0 = int(min(n, max(50 * m, 2 * np.sqrt(n * m))))
    sub = np.sort(rng.choice(n, size=m0, replace=False))
    # the subsample's problem: the same penalty relative to the (sub)sample's weight
    frac = float(w[sub].sum() / w.sum())
    theta, _ = _solve_dual_lp(Xt[sub], y[sub], lo[sub], hi[sub], np.zeros(m), l1s * frac)
    size = int(min(n, max(m0, 3 * np.sqrt(n * m))))
    r = y - Xt @ theta
    M = np.sort(np.argpartition(np.abs(r), size - 1)[:size]) if size < n else np.arange(n)
    for rounds in range(1, max_rounds + 1):
        in_M = np.zeros(n, dtype=bool)
        in_M[M] = True
        fixed_a = _multipliers(r, w, q)
        fixed_a[in_M] = 0.0
        h = Xt.T @ fixed_a
        theta, a_M = _solve_dual_lp(Xt[M], y[M], lo[M], hi[M], h, l1s)
        r = y - Xt @ theta
        assumed = fixed_a
        wrong = ~in_M & (w > 0) & (((assumed > 0) & (r < 0)) | ((assumed < 0) & (r > 0)))
        if not wrong.any():
            a = fixed_a
            a[M] = a_M
            return theta, a, rounds, int(M.size)
        M = np.union1d(M, np.flatnonzero(wrong))
        # residuals for the next round's signs come from the new fit (r above)
    raise RuntimeError(f"quantile MAP: the working set did not settle in {max_rounds} rounds.")


def _certificate(data: RegressionData, prior: Prior, lik: AsymmetricLaplace, Xt: np.ndarray,
                 theta: np.ndarray, a: np.ndarray, tol: float) -> Certificate:
    """KKT certificate from the multipliers ``a`` (clipped to their boxes; signs forced off zero)."""
    q, s = lik.quantile, lik.scale
    w = data.weights
    zero = _zero_rows(data, Xt, theta)
    r = data.y - Xt @ theta
    a = np.where(zero, np.clip(a, w * (q - 1.0), w * q), _multipliers(r, w, q))
    g = -(Xt.T @ a) / s
    g0 = -(Xt.T @ _multipliers(data.y, w, q)) / s
    return certify(prior, theta, g, fit_intercept=data.fit_intercept, scale=float(np.max(np.abs(g0))),
                   tol=tol, bound=_NO_CURVATURE, bound_tol=DEFAULT_BOUND_TOL)


def _zero_rows(data: RegressionData, Xt: np.ndarray, theta: np.ndarray) -> np.ndarray:
    """Rows whose residual is zero to :data:`ZERO_RESIDUAL` relative precision (their u_i is free)."""
    r = data.y - Xt @ theta
    return np.abs(r) <= ZERO_RESIDUAL * (np.abs(data.y) + np.abs(Xt) @ np.abs(theta) + 1e-300)


def certify_quantile_point(data: RegressionData, prior: Prior, likelihood: AsymmetricLaplace,
                           theta: np.ndarray, *, tol: float = DEFAULT_TOL) -> Certificate:
    r"""The KKT certificate of any point ``theta = (w, c)`` (e.g. another solver's answer, or a
    perturbed MAP): :math:`u_i` fixed by the residual signs, and on the rows with :math:`r_i = 0`
    (to rounding) chosen by least squares on the stationarity equations of the non-zero
    coordinates and the intercept, then clipped to :math:`[q-1, q]`."""
    q, s = likelihood.quantile, likelihood.scale
    theta = np.asarray(theta, dtype=float)
    Xt = _design(data)
    w = data.weights
    l1s, _ = _penalties(data, prior, s)
    r = data.y - Xt @ theta
    Z = np.flatnonzero(_zero_rows(data, Xt, theta))
    a = _multipliers(r, w, q)
    if Z.size:
        T = np.flatnonzero((theta != 0) | (l1s == 0))
        a[Z] = 0.0
        target = l1s[T] * np.sign(theta[T]) - Xt[:, T].T @ a
        a[Z] = np.linalg.lstsq(Xt[np.ix_(Z, T)].T, target, rcond=None)[0]
        a[Z] = np.clip(a[Z], w[Z] * (q - 1.0), w[Z] * q)
    return _certificate(data, prior, likelihood, Xt, theta, a, tol)
