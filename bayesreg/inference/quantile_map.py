r"""The exact MAP of quantile regression (asymmetric Laplace likelihood), with its certificate.

With the asymmetric Laplace likelihood (:mod:`bayesreg.model.quantile`; level :math:`q`, scale
:math:`s`) and a prior with penalty :math:`P(w) = \sum_j \ell_{1,j}|w_j| + \ell_{2,j}w_j^2`, the
MAP minimises (times :math:`s`, constants dropped)

.. math::

    G(\theta) = \sum_i s_i\,\rho_q(y_i - \tilde x_i^\top\theta) + s\,P(w), \qquad
    \tilde x_i = (x_i, 1),\ \theta = (w, c),

a linear program for :math:`\ell_2 = 0` (an L1 or flat prior), a quadratic program otherwise.
Nothing here is smooth: no gradient method (and no L-BFGS on kinks) is used.

**The dual linear program.** Writing :math:`\rho_q(r) = \max_{u \in [q-1, q]} u\,r` and
:math:`a_i = s_i u_i`,

.. math::

    \max_a\ y^\top a \quad\text{s.t.}\quad a_i \in [s_i(q-1), s_i q],\quad
    \Bigl|\sum_i a_i x_{ij}\Bigr| \le s\,\ell_{1,j},\quad \sum_i a_i = 0,

:math:`n` bounded variables and :math:`p + 1` rows, solved by HiGHS's dual simplex
(``highspy``, one ranged row per coordinate): its basis is :math:`(p+1)\times(p+1)`, not :math:`n \times n`.

**An L2 part** (Gaussian, elastic-net priors): the conjugate of :math:`s(\ell_1|w| + \ell_2w^2)` at
:math:`g` is :math:`\min_{|g - z| \le s\ell_1} z^2/(4s\ell_2)`, so the dual gains one free column
:math:`z_j` per such coordinate, the rows become :math:`|\sum_i a_i x_{ij} - z_j| \le s\ell_{1,j}` and
the objective :math:`y^\top a - \sum_j z_j^2/(4s\ell_{2,j})`: a convex QP (HiGHS's QP solver), with
:math:`\theta` again the rows' multipliers.

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

**Exact polish.** The solvers return the optimum up to their feasibility tolerance (1e-7). The rows
:math:`Z` with :math:`a_i` strictly inside its box have :math:`r_i = 0` and the active coordinates
:math:`T` (non-zero weights, unpenalised ones, the intercept) are stationary: a square linear system in
:math:`(\theta_T, a_Z)` (:func:`_polish`; for an LP the vertex :math:`\tilde X_{Z,T}\theta_T = y_Z` and
then its multipliers), solved directly, gives the optimum to rounding precision. The polish is kept
only when the exact objective does not increase.

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
from typing import Any

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

#: subsample and working-set sizes a * (p + 1) + b * sqrt(n (p + 1)) (tuned in benchmarks/bench_quantile.py)
SUBSAMPLE = (10.0, 0.0)
BAND = (0.0, 2.0)

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


class _Design:
    """:math:`\\tilde X = (X, 1)` (or :math:`X` without an intercept) without copying :math:`X`."""

    def __init__(self, data: RegressionData) -> None:
        self.X, self.intercept = data.X, data.fit_intercept
        self.shape = (data.n_samples, data.n_features + int(data.fit_intercept))

    def __matmul__(self, theta: np.ndarray) -> np.ndarray:
        p = self.X.shape[1]
        eta = self.X @ theta[:p]
        return eta + theta[p] if self.intercept else eta

    def tdot(self, a: np.ndarray) -> np.ndarray:
        """:math:`\\tilde X^\\top a`."""
        g = self.X.T @ a
        return np.append(g, a.sum()) if self.intercept else g

    def rows(self, idx: np.ndarray) -> np.ndarray:
        """The rows ``idx`` of :math:`\\tilde X`, dense."""
        sub = self.X[idx]
        return np.hstack([sub, np.ones((sub.shape[0], 1))]) if self.intercept else sub


def _penalties(data: RegressionData, prior: Prior, scale: float) -> tuple[np.ndarray, np.ndarray]:
    """:math:`s\\ell_1, s\\ell_2` over :math:`\\theta` (0 for the intercept)."""
    l1, l2 = prior.penalty_weights(data.n_features)
    extra = int(data.fit_intercept)
    return scale * np.append(l1, np.zeros(extra)), scale * np.append(l2, np.zeros(extra))


class _DualLP:
    r"""The dual LP on a working set of rows, kept in one HiGHS instance so that adding rows (new
    columns of the dual) and moving the fixed rows' term ``h`` warm-start from the last basis.

    :math:`\min -y_M^\top a` s.t. :math:`lo \le a \le hi`,
    :math:`-s\ell_{1,j} - h_j \le (\tilde X_M^\top a)_j \le s\ell_{1,j} - h_j` (one ranged row per
    coordinate; an equality where :math:`\ell_{1,j} = 0`), by HiGHS's dual simplex (``highspy``).
    :math:`\theta` is minus the rows' dual values.
    """

    def __init__(self, n_coords: int, l1s: np.ndarray, l2s: np.ndarray | None = None) -> None:
        import highspy

        self.highspy = highspy
        self.k = n_coords
        self.l1s = l1s
        self.solver = _quiet_highs(highspy)
        self.solver.setOptionValue("output_flag", False)
        self.solver.setOptionValue("threads", 1)
        self.solver.setOptionValue("presolve", "off")
        self.solver.addRows(n_coords, -l1s, l1s, 0, np.zeros(1, np.int32), np.zeros(0, np.int32), np.zeros(0))
        # an L2 part: one free column z_j per coordinate with l2_j > 0, cost z_j^2 / (4 s l2_j) (a QP)
        self.qcols = np.flatnonzero(l2s > 0) if l2s is not None else np.zeros(0, dtype=np.int64)
        self.nz = int(self.qcols.size)
        if self.nz:
            inf = highspy.kHighsInf
            self.solver.addCols(self.nz, np.zeros(self.nz), np.full(self.nz, -inf), np.full(self.nz, inf), self.nz,
                                np.arange(self.nz, dtype=np.int32), self.qcols.astype(np.int32), -np.ones(self.nz))
            self.hess = 1.0 / (2.0 * l2s[self.qcols])
        else:
            self.solver.setOptionValue("solver", "simplex")
        self.n_cols = self.nz

    def add_rows(self, Xt: np.ndarray, y: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> None:
        """Add data rows (dual columns)."""
        m, k = Xt.shape
        if m == 0:
            return
        self.n_cols += m
        self.solver.addCols(m, -np.asarray(y, float), np.asarray(lo, float), np.asarray(hi, float), m * k,
                            np.arange(0, m * k, k, dtype=np.int32), np.tile(np.arange(k, dtype=np.int32), m),
                            np.ascontiguousarray(Xt, dtype=float).ravel())

    def solve(self, h: np.ndarray, l1s: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray] | None:
        """:math:`(\theta, a)` for the fixed rows' term ``h`` (and penalty ``l1s``, default the
        problem's); ``None`` when infeasible (the reduced primal is unbounded: too few rows)."""
        hs = self.highspy
        l1s = self.l1s if l1s is None else l1s
        self.solver.changeRowsBounds(self.k, np.arange(self.k, dtype=np.int32), -l1s - h, l1s - h)
        if self.nz:  # the Hessian spans every column (z first, then the rows' zeros)
            start = np.concatenate([np.arange(self.nz, dtype=np.int32),
                                    np.full(self.n_cols - self.nz + 1, self.nz, dtype=np.int32)])
            self.solver.passHessian(self.n_cols, self.nz, hs.HessianFormat.kTriangular, start,
                                    np.arange(self.nz, dtype=np.int32), self.hess)
        self.solver.run()
        status = self.solver.getModelStatus()
        if status == hs.HighsModelStatus.kInfeasible and h.any():
            return None
        if status != hs.HighsModelStatus.kOptimal:
            raise RuntimeError("the quantile-regression linear program failed: "
                               f"{self.solver.modelStatusToString(status)}")
        sol = self.solver.getSolution()
        return -np.asarray(sol.row_dual, dtype=float), np.asarray(sol.col_value, dtype=float)[self.nz:]


def _quiet_highs(highspy: Any) -> Any:
    """A ``highspy.Highs`` instance; HiGHS prints a banner on the first construction in a process,
    straight to file descriptor 1, so that one is made with descriptor 1 pointed at /dev/null."""
    if _BANNER_SHOWN:
        return highspy.Highs()
    import os
    import sys

    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 1)
            solver = highspy.Highs()
    finally:
        os.dup2(saved, 1)
        os.close(saved)
    _BANNER_SHOWN.append(True)
    return solver


_BANNER_SHOWN: list[bool] = []


def _solve_dual_lp(Xt: np.ndarray, y: np.ndarray, lo: np.ndarray, hi: np.ndarray, h: np.ndarray,
                   l1s: np.ndarray, l2s: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray] | None:
    """The dual LP / QP (:class:`_DualLP`) on the rows ``Xt`` at once."""
    lp = _DualLP(Xt.shape[1], l1s, l2s)
    lp.add_rows(Xt, y, lo, hi)
    return lp.solve(h)


def _polish(Xt: _Design, y: np.ndarray, theta: np.ndarray, a: np.ndarray, lo: np.ndarray, hi: np.ndarray,
            rows: np.ndarray, flat: np.ndarray, l1s: np.ndarray, l2s: np.ndarray,
            scale_a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    r"""The exact optimum on its active sets (module docstring): the rows :math:`Z` with :math:`a_i`
    strictly inside its box have :math:`r_i = 0`; the coordinates :math:`T` (non-zero, flat, intercept)
    are stationary. Unknowns :math:`(\theta_T, a_Z)`, the square system

    .. math::
        \tilde X_{Z,T}\theta_T = y_Z, \qquad
        \tilde X_{Z,T}^\top a_Z - 2s\ell_{2,T}\circ\theta_T
        = s\ell_{1,T}\operatorname{sign}(\theta_T) - \textstyle\sum_{i\notin Z} a_i\tilde x_{iT}

    (for an LP, :math:`\ell_2 = 0`, it decouples into the vertex and its multipliers)."""
    inside = (a[rows] > lo[rows] + 1e-9 * scale_a[rows]) & (a[rows] < hi[rows] - 1e-9 * scale_a[rows])
    Z = rows[inside]
    tol_w = 1e-10 * max(float(np.max(np.abs(theta), initial=0.0)), 1e-300)
    T = np.flatnonzero((np.abs(theta) > tol_w) | flat)
    if T.size == 0 or (Z.size != T.size and not np.any(l2s[T] > 0)):
        return theta, a
    XZ = Xt.rows(Z)[:, T]
    nT, nZ = T.size, Z.size
    K = np.zeros((nZ + nT, nT + nZ))
    K[:nZ, :nT] = XZ
    K[nZ:, :nT] = -np.diag(2.0 * l2s[T])
    K[nZ:, nT:] = XZ.T
    fixed = Xt.tdot(a)[T] - XZ.T @ a[Z]
    rhs = np.concatenate([y[Z], l1s[T] * np.sign(theta[T]) - fixed])
    try:
        sol = np.linalg.solve(K, rhs)
    except np.linalg.LinAlgError:
        return theta, a
    new = np.zeros_like(theta)
    new[T] = sol[:nT]
    a_new = a.copy()
    a_new[Z] = sol[nT:]
    return new, a_new


def _objective(Xt: _Design, data: RegressionData, lik: AsymmetricLaplace, theta: np.ndarray,
               l1s: np.ndarray, l2s: np.ndarray) -> float:
    r = data.y - Xt @ theta
    return float(data.weights @ pinball_loss(r, lik.quantile) + l1s @ np.abs(theta) + l2s @ theta**2)


def _multipliers(r: np.ndarray, weights: np.ndarray, q: float) -> np.ndarray:
    """:math:`a_i = s_i u_i` fixed by the residual signs (:math:`q` above, :math:`q - 1` below)."""
    return weights * np.where(r > 0, q, q - 1.0)


def solve_quantile_map(data: RegressionData, prior: Prior, likelihood: AsymmetricLaplace, *,
                       tol: float = DEFAULT_TOL, max_rounds: int = 50, random_seed: int = 0) -> QuantileMap:
    r"""Exact MAP of ``prior`` × asymmetric Laplace on ``data`` (module docstring), certified.

    L1 and flat priors: a linear program; priors with an L2 part (Gaussian, elastic net): the dual
    quadratic program (module docstring), by HiGHS's QP solver, then the same polish and certificate.
    """
    q, s = likelihood.quantile, likelihood.scale
    l1s, l2s = _penalties(data, prior, s)
    Xt = _Design(data)
    w = data.weights
    lo, hi = w * (q - 1.0), w * q
    flat = l1s == 0
    n, m = Xt.shape
    if n <= max(FULL_ROWS, 50 * m):
        rows = np.arange(n)
        theta, a = _solve_dual_lp(Xt.rows(np.arange(n)), data.y, lo, hi, np.zeros(m), l1s, l2s)
        rounds, work = 1, n
    else:
        theta, a, rounds, work = _solve_by_working_set(Xt, data.y, w, lo, hi, l1s, l2s, q, max_rounds,
                                                       random_seed)
        rows = np.arange(n)
    theta_p, a_p = _polish(Xt, data.y, theta, a, lo, hi, rows, flat, l1s, l2s, np.maximum(w, 1e-300))
    if _objective(Xt, data, likelihood, theta_p, l1s, l2s) <= _objective(Xt, data, likelihood, theta, l1s, l2s) \
            * (1 + 1e-12):
        theta, a = theta_p, a_p
    cert = _certificate(data, prior, likelihood, Xt, theta, a, tol)
    p = data.n_features
    F = likelihood.nll(data, theta[:p], float(theta[p]) if data.fit_intercept else 0.0) \
        + float(l1s[:p] @ np.abs(theta[:p]) + l2s[:p] @ theta[:p] ** 2) / s
    return QuantileMap(theta[:p].copy(), float(theta[p]) if data.fit_intercept else 0.0, F, cert, rounds, work)


def _solve_by_working_set(Xt: _Design, y: np.ndarray, w: np.ndarray, lo: np.ndarray, hi: np.ndarray,
                          l1s: np.ndarray, l2s: np.ndarray, q: float, max_rounds: int,
                          random_seed: int) -> tuple[np.ndarray, np.ndarray, int, int]:
    """Portnoy–Koenker working sets (module docstring): exact when no fixed row changes sign."""
    n, m = Xt.shape
    rng = np.random.default_rng(random_seed)
    m0 = int(min(n, SUBSAMPLE[0] * m + SUBSAMPLE[1] * np.sqrt(n * m)))
    M = np.sort(rng.choice(n, size=m0, replace=False))
    lp = _DualLP(m, l1s, l2s)
    lp.add_rows(Xt.rows(M), y[M], lo[M], hi[M])
    order = list(M)  # the dual's columns, in the order they were added
    # the subsample's own problem first (the same penalty relative to its weight): a starting fit
    # and a starting basis; its rows stay in the working set (any superset of the band will do)
    solved = lp.solve(np.zeros(m), l1s * float(w[M].sum() / w.sum()))
    theta = solved[0]
    size = int(min(n, BAND[0] * m + BAND[1] * np.sqrt(n * m)))
    r = y - Xt @ theta
    new = np.setdiff1d(_nearest(r, size), M)
    lp.add_rows(Xt.rows(new), y[new], lo[new], hi[new])
    order.extend(new)
    M = np.union1d(M, new)
    for rounds in range(1, max_rounds + 1):
        in_M = np.zeros(n, dtype=bool)
        in_M[M] = True
        fixed_a = _multipliers(r, w, q)
        fixed_a[in_M] = 0.0
        solved = lp.solve(Xt.tdot(fixed_a))
        if solved is None:  # too few rows to bound the fixed rows' linear terms: twice as many
            size = min(n, 2 * size)
            new = np.setdiff1d(_nearest(r, size), M)
        else:
            theta, a_M = solved
            r = y - Xt @ theta
            wrong = ~in_M & (w > 0) & (((fixed_a > 0) & (r < 0)) | ((fixed_a < 0) & (r > 0)))
            if not wrong.any():
                a = fixed_a
                a[np.asarray(order)] = a_M
                return theta, a, rounds, int(M.size)
            new = np.flatnonzero(wrong)  # the next signs come from this fit's residuals
        lp.add_rows(Xt.rows(new), y[new], lo[new], hi[new])
        order.extend(new)
        M = np.union1d(M, new)
    raise RuntimeError(f"quantile MAP: the working set did not settle in {max_rounds} rounds.")


def _nearest(r: np.ndarray, size: int) -> np.ndarray:
    """Indices of the ``size`` smallest :math:`|r_i|` (sorted)."""
    if size >= r.shape[0]:
        return np.arange(r.shape[0])
    return np.sort(np.argpartition(np.abs(r), size - 1)[:size])


def _certificate(data: RegressionData, prior: Prior, lik: AsymmetricLaplace, Xt: _Design,
                 theta: np.ndarray, a: np.ndarray, tol: float) -> Certificate:
    """KKT certificate from the multipliers ``a`` (clipped to their boxes; signs forced off zero)."""
    q, s = lik.quantile, lik.scale
    w = data.weights
    zero = _zero_rows(data, Xt, theta)
    r = data.y - Xt @ theta
    a = np.where(zero, np.clip(a, w * (q - 1.0), w * q), _multipliers(r, w, q))
    g = -Xt.tdot(a) / s
    g0 = -Xt.tdot(_multipliers(data.y, w, q)) / s
    return certify(prior, theta, g, fit_intercept=data.fit_intercept, scale=float(np.max(np.abs(g0))),
                   tol=tol, bound=_NO_CURVATURE, bound_tol=DEFAULT_BOUND_TOL)


def _zero_rows(data: RegressionData, Xt: _Design, theta: np.ndarray) -> np.ndarray:
    """Rows whose residual is zero to :data:`ZERO_RESIDUAL` relative precision (their u_i is free)."""
    r = data.y - Xt @ theta
    big = float(max(np.max(Xt.X, initial=0.0), -np.min(Xt.X, initial=0.0), 1.0)) * float(np.abs(theta).sum())
    zero = np.abs(r) <= ZERO_RESIDUAL * (np.abs(data.y) + big + 1e-300)  # candidates, then exactly:
    cand = np.flatnonzero(zero)
    zero[cand] = np.abs(r[cand]) <= ZERO_RESIDUAL * (np.abs(data.y[cand]) + np.abs(Xt.rows(cand)) @ np.abs(theta)
                                                      + 1e-300)
    return zero


def certify_quantile_point(data: RegressionData, prior: Prior, likelihood: AsymmetricLaplace,
                           theta: np.ndarray, *, tol: float = DEFAULT_TOL) -> Certificate:
    r"""The KKT certificate of any point ``theta = (w, c)`` (e.g. another solver's answer, or a
    perturbed MAP): :math:`u_i` fixed by the residual signs, and on the rows with :math:`r_i = 0`
    (to rounding) chosen by least squares on the stationarity equations of the non-zero
    coordinates and the intercept, then clipped to :math:`[q-1, q]`."""
    q, s = likelihood.quantile, likelihood.scale
    theta = np.asarray(theta, dtype=float)
    Xt = _Design(data)
    w = data.weights
    l1s, _ = _penalties(data, prior, s)
    r = data.y - Xt @ theta
    Z = np.flatnonzero(_zero_rows(data, Xt, theta))
    a = _multipliers(r, w, q)
    if Z.size:
        T = np.flatnonzero((theta != 0) | (l1s == 0))
        a[Z] = 0.0
        target = l1s[T] * np.sign(theta[T]) - Xt.tdot(a)[T]
        a[Z] = np.linalg.lstsq(Xt.rows(Z)[:, T].T, target, rcond=None)[0]
        a[Z] = np.clip(a[Z], w[Z] * (q - 1.0), w[Z] * q)
    return _certificate(data, prior, likelihood, Xt, theta, a, tol)
