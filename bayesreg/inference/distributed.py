r"""The exact MAP of a GLM whose rows stay where they are (Dask workers, or memory): proximal Newton
with one map-reduce pass per iteration, certified like :func:`bayesreg.inference.map.find_map`.

The negative log-posterior is

.. math::

    F(w, c) = \underbrace{\sum_i v_i\,\ell(y_i, \eta_i)}_{f}
              + \sum_j \ell_{1,j}|w_j| + \ell_{2,j}w_j^2, \qquad \eta_i = c + x_i^\top w,

with :math:`\ell = -\log p(y \mid \eta)` of the likelihood (:meth:`~bayesreg.model.likelihoods.Likelihood.nll_eta`,
:meth:`~bayesreg.model.likelihoods.Likelihood.eta_derivatives`: Bernoulli-logit, Gaussian, and any
likelihood that implements them, e.g. Poisson). One **pass** over the row blocks
(:meth:`bayesreg.model.rows.RowSource.map_reduce`) returns, at a point :math:`\theta = (w, c)`,

.. math::

    f(\theta), \qquad \nabla f = \textstyle\sum_i v_i\ell'(\eta_i)\,(x_i, 1), \qquad
    H_{\mathcal W} = \textstyle\sum_{i \in R} \frac{n}{|R|} v_i \ell''(\eta_i)\,
                     (x_i, 1)_{\mathcal W}(x_i, 1)_{\mathcal W}^\top

(the Hessian on a working set :math:`\mathcal W` of coordinates, on rows :math:`R`: an evenly spaced
subsample of ``MIN_HESS_ROWS`` rows far from the optimum, of ``NEAR_HESS_ROWS`` near it — its relative
error :math:`\sim\sqrt{p/|R|}` is the contraction per step —, every row if the steps stall, in single
precision first and in double precision if a full single-precision Hessian stalls). Each iteration
solves the L1-penalised quadratic model exactly (:func:`bayesreg.inference.l1_quadratic.solve_l1_quadratic`:
exact zeros) and evaluates the candidate — its objective for the line search, its gradient for the
certificate, *and* the Hessian for the next step — in **one pass**; a Hessian costlier than the pass's
gradient (all rows) is reused while the steps contract fast (chord method). The working set is that of
the in-memory solver (non-zeros, unpenalised, near-violators :math:`|\partial_j f| \ge 0.9\,\ell_{1,j}`),
predicted for the next point with a looser 0.5 threshold; a coordinate missed is fixed at 0 for one
step and the certificate, which checks every coordinate, brings it in. The first pass also gathers an
evenly spaced subsample of ``WARM_ROWS`` rows; its MAP (penalty scaled by its share of the weight),
solved in memory, starts the iterations close to the optimum. The Hessians are of the centred columns
(see :func:`glm_pass`).

The certificate is :func:`bayesreg.inference.certificate.certify` on the exact double-precision
gradient of the last pass: the same KKT residual, relative to :math:`\|\nabla f(0)\|_\infty`, and the
same certified error bound :math:`\|\theta - \theta^*\|_2` as in memory, from two more passes (the row
magnitudes and the double-precision Hessian on the support; :mod:`bayesreg.inference.distributed_bound`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bayesreg.inference.blas import serial_blas
from bayesreg.inference.certificate import DEFAULT_TOL, Certificate, certify
from bayesreg.inference.curvature import bordered_hessian
from bayesreg.inference.l1_quadratic import solve_l1_quadratic
from bayesreg.model.likelihoods import Likelihood
from bayesreg.model.priors import Prior
from bayesreg.model.rows import RowSource

__all__ = ["RowsMapResult", "find_map_rows", "glm_pass"]

SUB_ROWS = 4096  # rows per in-block step: the block of X stays in cache between X w and X'd
NEAR = 1e-3  # relative KKT residual below which Hessians use every row
SLOW = 0.1  # a step contracting the residual less than this asks for a new Hessian
MIN_HESS_ROWS = 10_000  # Hessian rows far from the optimum
NEAR_HESS_ROWS = 1_000_000  # Hessian rows near it: relative error ~sqrt(p/rows), the contraction per step
WARM_ROWS = 50_000  # rows of the subsample whose MAP starts the iterations


def glm_pass(X: np.ndarray, y: np.ndarray, v: np.ndarray | None, theta: np.ndarray, likelihood: Likelihood,
             fit_intercept: bool, cols: np.ndarray | None, with_icpt: bool, stride: int,
             single: bool, shift: np.ndarray | None = None) -> tuple:
    r"""One block's ``(f, grad, H_cols, H_cols_icpt, H_icpt_icpt)`` (module docstring); ``cols=None``: no Hessian.

    The Hessian is of the centred columns :math:`x - \mu` (``shift`` :math:`\mu`, the weighted column
    means): the Hessian in the coordinates :math:`(w, c + \mu^\top w)`, free of the cancellation that
    large column means cause in :math:`\sum d\,x x^\top` (and which single precision could not afford).
    """
    p = X.shape[1]
    w = theta[:p]
    c = float(theta[p]) if fit_intercept else 0.0
    f = 0.0
    g = np.zeros(p + int(fit_intercept))
    k = 0 if cols is None else cols.size
    H = np.zeros((k, k))
    hc = np.zeros(k)
    hcc = 0.0
    dtype = np.float32 if single else np.float64
    for a in range(0, X.shape[0], SUB_ROWS):
        Xs = X[a:a + SUB_ROWS]
        ys = y[a:a + SUB_ROWS]
        eta = Xs @ w + c
        nll = likelihood.nll_eta(ys, eta)
        d1, d2 = likelihood.eta_derivatives(ys, eta)
        if v is not None:
            vs = v[a:a + SUB_ROWS]
            nll, d1, d2 = nll * vs, d1 * vs, d2 * vs
        f += float(nll.sum())
        g[:p] += Xs.T @ d1
        if fit_intercept:
            g[p] += float(d1.sum())
        if cols is None:
            continue
        first = (-a) % stride  # global row index a + first is a multiple of the stride
        root = np.sqrt(d2[first::stride] * stride)
        Xh = Xs[first::stride][:, cols] if k < p else Xs[first::stride]
        if shift is not None:
            Xh = Xh - shift[cols]
        Z = np.multiply(Xh, root[:, None], dtype=dtype)
        H += Z.T @ Z  # syrk
        if with_icpt:
            hc += Z.T @ root.astype(dtype)
            hcc += float(root @ root)
    return f, g, H, hc, hcc


@dataclass(frozen=True, eq=False)
class RowsMapResult:
    """The certified MAP of :func:`find_map_rows` and what it cost."""

    coef: np.ndarray
    intercept: float
    objective: float
    certificate: Certificate
    n_iter: int
    n_passes: int
    gradient: np.ndarray


def start_pass(X: np.ndarray, y: np.ndarray, v: np.ndarray | None, likelihood: Likelihood, fit_intercept: bool,
               stride: int, offset: int) -> tuple:
    """The first pass: every ``stride``-th row (a subsample for the warm start) and ``(f, grad f)`` at 0."""
    f, g, _, _, _ = glm_pass(X, y, v, np.zeros(X.shape[1] + int(fit_intercept)), likelihood, fit_intercept, None,
                             False, 1, False)
    take = slice(offset % stride, None, stride)
    return [X[take].copy()], [y[take].copy()], [None if v is None else v[take].copy()], f, g


def _combine_start(*parts: tuple) -> tuple:
    return (sum((p[0] for p in parts), []), sum((p[1] for p in parts), []), sum((p[2] for p in parts), []),
            sum(p[3] for p in parts), sum((p[4] for p in parts[1:]), start=parts[0][4].copy()))


class _Evaluator:
    """Passes over the rows; counts them. Hessian ``level`` 0: a subsample of ``MIN_HESS_ROWS`` rows (far from
    the optimum), 1: ``NEAR_HESS_ROWS`` rows (near it), 2: every row."""

    def __init__(self, rows: RowSource, likelihood: Likelihood, fit_intercept: bool, shift: np.ndarray | None
                 ) -> None:
        self.rows, self.lik, self.fi, self.shift = rows, likelihood, fit_intercept, shift
        self.p = rows.n_features
        self.n = rows.n_samples
        self.passes = 0

    def stride(self, level: int) -> int:
        target = (max(MIN_HESS_ROWS, 20 * self.p), max(NEAR_HESS_ROWS, 2000 * self.p), self.n)[level]
        return max(1, self.n // target)

    def hessian_rows(self, level: int) -> int:
        return -(-self.n // self.stride(level))

    def __call__(self, theta: np.ndarray, work: np.ndarray | None, level: int, single: bool) -> tuple:
        cols = None if work is None else work[work < self.p]
        with_icpt = work is not None and bool(np.any(work == self.p))
        stride = self.stride(level)
        self.passes += 1
        f, g, H, hc, hcc = self.rows.map_reduce(glm_pass, theta, self.lik, self.fi, cols, with_icpt, stride, single,
                                                self.shift)
        if work is None:
            return f, g, None
        return f, g, bordered_hessian(H, hc, hcc, with_icpt)


def find_map_rows(rows: RowSource, prior: Prior, likelihood: Likelihood, *, fit_intercept: bool = True,
                  tol: float = DEFAULT_TOL, max_iter: int = 100, warm_start: np.ndarray | None = None,
                  ) -> RowsMapResult:
    r"""Certified MAP of ``prior`` × ``likelihood`` on ``rows`` by distributed proximal Newton.

    Stops at a relative KKT residual of ``1e-4 * tol`` (1e-12 by default) or when steps stop
    improving it once it is below ``tol``, as :func:`bayesreg.inference.map.find_map`. Without a
    ``warm_start`` the first pass also gathers an evenly spaced subsample of ``WARM_ROWS`` rows, whose MAP
    (penalty scaled by the ratio of the weight sums) starts the iterations a few Newton steps from the end.
    """
    with serial_blas(1):  # every BLAS pool of this process at one thread: the blocks are the parallelism
        return _solve(rows, prior, likelihood, fit_intercept, tol, max_iter, warm_start)


def _subsample_start(Xs: np.ndarray, ys: np.ndarray, vs: np.ndarray | None, W: float, prior: Prior,
                     likelihood: Likelihood, fit_intercept: bool) -> np.ndarray | None:
    """MAP of the subsample with the penalty scaled by its share of the weight (None if that is not a prior)."""
    from bayesreg.conventions._base import PenaltyWeights, weights_to_prior
    from bayesreg.model.rows import ArrayRows

    sample = ArrayRows(Xs, ys, vs)
    share = sample.weight_sum / W
    l1, l2 = prior.penalty_weights(Xs.shape[1])
    try:
        scaled = weights_to_prior(PenaltyWeights.of(l1 * share, l2 * share))
    except ValueError:  # no penalty at all: a flat prior has no proper scaled version
        return None
    result = _solve(sample, scaled, likelihood, fit_intercept, 1e-6, 50, None, with_bound=False)
    return np.concatenate([result.coef, [result.intercept] if fit_intercept else []])


def _solve(rows: RowSource, prior: Prior, likelihood: Likelihood, fit_intercept: bool, tol: float, max_iter: int,
           warm_start: np.ndarray | None, with_bound: bool = True) -> RowsMapResult:
    """The iterations of :func:`find_map_rows`."""
    p = rows.n_features
    m = p + int(fit_intercept)
    l1_w, l2_w = prior.penalty_weights(p)
    l1 = np.concatenate([l1_w, np.zeros(m - p)])
    l2 = np.concatenate([l2_w, np.zeros(m - p)])
    penalized = np.arange(m) < p
    smooth = not np.any(l1 > 0)
    summary = rows.summary()
    mu = summary.mean_x if fit_intercept else np.zeros(p)
    evaluate = _Evaluator(rows, likelihood, fit_intercept, mu if fit_intercept else None)

    def centred(v: np.ndarray, gradient: bool) -> np.ndarray:
        """A point (w, c) -> (w, c + mu'w); a gradient -> (g_w - mu g_c, g_c): the Hessian's coordinates."""
        out = v.copy()
        if fit_intercept:
            if gradient:
                out[:p] -= mu * v[p]
            else:
                out[p] += mu @ v[:p]
        return out

    def penalty(theta: np.ndarray) -> float:
        w = theta[:p]
        return float(l1_w @ np.abs(w) + l2_w @ (w * w))

    def working_set(theta: np.ndarray, grad: np.ndarray, threshold: float) -> np.ndarray:
        if smooth:
            return np.arange(m)
        keep = (theta != 0) | ~penalized | (l1 == 0) | (np.abs(grad) >= threshold * l1)
        return np.flatnonzero(keep)

    # first pass: f and the gradient at 0 (the certificate's scale) and the subsample for the warm start
    sample_stride = max(1, evaluate.n // max(WARM_ROWS, 50 * p))
    if sample_stride > 1 and warm_start is None:
        xs, ys, vs, f0, g0 = rows.map_reduce(start_pass, likelihood, fit_intercept, sample_stride, 0,
                                             combine=_combine_start)
        evaluate.passes += 1
        warm_start = _subsample_start(np.concatenate(xs), np.concatenate(ys),
                                      None if vs[0] is None else np.concatenate(vs), summary.weight_sum, prior,
                                      likelihood, fit_intercept)
    else:
        f0, g0, _ = evaluate(np.zeros(m), None, 0, True)
    scale = float(np.max(np.abs(g0)))
    theta = np.zeros(m) if warm_start is None else np.asarray(warm_start, dtype=float).copy()
    if theta.shape != (m,):
        raise ValueError(f"warm_start must have {m} values (coefficients and intercept); got shape {theta.shape}.")
    level = 0 if warm_start is None else 1  # a warm start is near the optimum
    single = True  # Hessians in single precision until one stalls near the optimum
    work = np.arange(m)  # the first Hessian covers every coordinate
    f, g, H = evaluate(theta, work, level, single)
    H_level = level
    F = f + penalty(theta)
    cert = certify(prior, theta, g, fit_intercept=fit_intercept, scale=scale, tol=tol)
    best = cert.relative_residual
    it = 0
    for it in range(1, max_iter + 1):  # noqa: B007 (reported after the loop)
        if cert.relative_residual <= 1e-4 * tol:
            break
        step_work = np.intersect1d(working_set(theta, g, 0.9), work)  # missed coordinates stay 0 this step
        idx = np.searchsorted(work, step_work)
        Hs = H[np.ix_(idx, idx)]
        Q = Hs + np.diag(2.0 * l2[step_work])
        gc_, th_ = centred(g, True), centred(theta, False)  # the step in centred coordinates
        z_work, _ = solve_l1_quadratic(Q, gc_[step_work] - Hs @ th_[step_work], l1[step_work],
                                       penalized[step_work], x0=th_[step_work])
        z = th_.copy()
        z[step_work] = z_work
        if fit_intercept:
            z[p] -= mu @ z[:p]
        d = z - theta
        delta = float(g @ d + penalty(z) - penalty(theta))
        near = best < NEAR
        level = max(level, 1) if near else level
        next_work = np.union1d(working_set(z, g, 0.5), step_work)
        # a Hessian with every pass while it costs less than the pass's gradient; a costly one (all rows,
        # or many features) is reused near the optimum while the steps contract fast (chord method)
        cheap = evaluate.hessian_rows(level) * next_work.size**2 <= 32 * evaluate.n * p  # syrk vs memory-bound
        need_h = not (near and H_level >= level and not cheap)
        t = 1.0
        while True:  # the candidate's pass: objective, gradient and the next Hessian together
            cand = z if t == 1.0 else theta + t * d
            fc, gc, Hc = evaluate(cand, next_work if need_h else None, level, single)
            Fc = fc + penalty(cand)
            if Fc <= F + 0.25 * t * min(delta, 0.0) + 1e-13 * abs(F) or t < 1e-10:
                break
            t *= 0.5
        new_cert = certify(prior, cand, gc, fit_intercept=fit_intercept, scale=scale, tol=tol)
        improved = new_cert.relative_residual < best
        ratio = new_cert.relative_residual / max(best, 1e-300)
        if Fc <= F or improved:
            theta, f, g, F, cert = cand, fc, gc, Fc, new_cert
            if Hc is not None:
                H, work, H_level = Hc, next_work, level
        if cert.relative_residual <= 1e-4 * tol or (not improved and cert.passed):
            break
        best = min(best, new_cert.relative_residual)
        slow = ratio > (SLOW if near else 0.5)
        if slow and H_level >= level:  # the Hessian was not good enough: more rows, then double precision
            if level == 2:
                single = False
            level = min(level + 1, 2)
        missing = not np.all(np.isin(working_set(theta, g, 0.9), work))
        if best < NEAR and (H_level < max(level, 1) or slow or missing):
            level = max(level, 1)
            work = np.union1d(working_set(theta, g, 0.5), working_set(theta, g, 0.9))
            _, _, H = evaluate(theta, work, level, single)
            H_level = level
    if with_bound:  # the certified error bound of the final point (distributed_bound: two more passes)
        from bayesreg.inference.distributed_bound import rows_error_bound

        bound, passes = rows_error_bound(rows, likelihood, l1, l2, theta, g, fit_intercept=fit_intercept)
        evaluate.passes += passes
        cert = certify(prior, theta, g, fit_intercept=fit_intercept, scale=scale, tol=tol, bound=bound)
    coef = theta[:p].copy()
    intercept = float(theta[p]) if fit_intercept else 0.0
    return RowsMapResult(coef, intercept, F, cert, it, evaluate.passes, g)
