r"""The exact posterior mode (MAP) of a bayesreg model, with an optimality certificate.

The negative log-posterior splits into a smooth part and a separable, possibly non-smooth prior:

.. math::

    -\log p(w, c \mid y) = f(w, c) + P(w) + \text{const}, \qquad
    f = -\log L(y \mid w, c), \qquad P(w) = \sum_j \ell_{1,j}|w_j| + \ell_{2,j} w_j^2 .

* :math:`f` and :math:`\nabla f` are compiled from the **PyMC model itself** (the likelihood
  term of :func:`bayesreg.model.build_model`); nothing is re-derived by hand.
* :math:`P` is handled exactly by proximal Newton: each step minimises the quadratic model
  :math:`g^\top d + \tfrac12 d^\top H d + P(\theta + d)` with
  :func:`bayesreg._quadratic.solve_l1_quadratic` (coordinate descent + exact active-set polish),
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
(:meth:`bayesreg.priors.Prior.subgradient_distance`), plus :math:`|\partial f/\partial c|` for the
unpenalised intercept; it is reported absolute and relative to :math:`\|\nabla f(0)\|_\infty`.
"""

from __future__ import annotations

import contextlib
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import numpy as np

from bayesreg._blas import refresh_thread_pools, serial_blas
from bayesreg._quadratic import solve_l1_quadratic
from bayesreg.data import _CHUNK_ROWS, RegressionData
from bayesreg.likelihoods import GaussianLikelihood, Likelihood
from bayesreg.model import build_model, resolve_form
from bayesreg.priors import Prior

__all__ = ["Certificate", "MapResult", "find_map", "certify", "smooth_gradient"]

DEFAULT_TOL = 1e-8
_CACHE: OrderedDict[tuple, _SmoothPart] = OrderedDict()
_CACHE_SIZE = 16


@dataclass(frozen=True)
class Certificate:
    """Optimality (KKT / subgradient) residuals of a candidate MAP.

    Attributes
    ----------
    kkt_residual : float
        :math:`\\max_j \\operatorname{dist}(-\\partial_j f, \\partial P_j)` over weights and the
        intercept, in units of the negative log-posterior's gradient.
    relative_residual : float
        ``kkt_residual / max(|grad f(0)|)``; the optimum has 0 up to rounding.
    coef_residuals : ndarray (p,)
    intercept_residual : float
    tol : float
        Pass threshold on ``relative_residual``.
    """

    kkt_residual: float
    relative_residual: float
    coef_residuals: np.ndarray
    intercept_residual: float
    tol: float

    @property
    def passed(self) -> bool:
        return bool(self.relative_residual <= self.tol)

    def __str__(self) -> str:
        verdict = "optimal" if self.passed else "NOT optimal"
        return (f"KKT residual {self.kkt_residual:.3g} (relative {self.relative_residual:.3g}, "
                f"tol {self.tol:.0e}): {verdict}")


@dataclass(frozen=True, eq=False)
class MapResult:
    """A MAP estimate: coefficients, intercept, objective and certificate."""

    coef: np.ndarray
    intercept: float
    objective: float
    certificate: Certificate
    n_iter: int
    n_sweeps: int


class _SmoothPart:
    """``f(theta)``, ``grad f(theta)`` (and the Hessian for Gaussian) compiled from PyMC.

    ``theta = (w, c)``; the model's ``pm.Data`` containers become explicit inputs, so one
    compiled function serves every data set of the same structure.
    """

    def __init__(self, built: Any, with_hessian: bool) -> None:
        import pytensor
        import pytensor.tensor as pt
        from pytensor.graph.replace import graph_replace

        model = built.model
        p = built.data.n_features
        self.p = p
        self.data_names = sorted(v.name for v in model.data_vars)
        theta = pt.vector("theta")
        replacements = {model.rvs_to_values[model["coef"]]: theta[:p]}
        if built.data.fit_intercept:
            replacements[model.rvs_to_values[model["intercept"]]] = theta[p]
        data_inputs = []
        for name in self.data_names:
            shared = model[name]
            symbolic = shared.type()
            symbolic.name = name
            replacements[shared] = symbolic
            data_inputs.append(symbolic)
        smooth = -model.logp(vars=[built.likelihood_term], jacobian=False)
        smooth = graph_replace(smooth, replacements, strict=False)
        grad = pt.grad(smooth, theta)
        self._fg = pytensor.function([theta, *data_inputs], [smooth, grad], on_unused_input="ignore")
        self._h = None
        if with_hessian:
            hess = pytensor.gradient.jacobian(grad, theta, vectorize=True)
            self._h = pytensor.function([theta, *data_inputs], hess, on_unused_input="ignore")

    def bind(self, values: dict[str, Any]) -> tuple[Any, Any]:
        args = [np.asarray(values[name], dtype=float) for name in self.data_names]

        last: list[Any] = [None, 0.0, None]  # one-entry memo: L-BFGS re-evaluates its start and end

        def fg(theta: np.ndarray) -> tuple[float, np.ndarray]:
            if last[0] is not None and np.array_equal(last[0], theta):
                return last[1], last[2].copy()
            f, g = self._fg(theta, *args)
            last[:] = [np.array(theta, dtype=float), float(f), np.asarray(g)]
            return last[1], last[2].copy()

        def hess(theta: np.ndarray) -> np.ndarray:
            return np.asarray(self._h(theta, *args))

        return fg, (hess if self._h is not None else None)


def _smooth_part(data: RegressionData, prior: Prior, likelihood: Likelihood, form: str):
    """Compiled smooth part for this data set's structure, bound to its data values.

    The template model is built from a two-row stand-in of the data: the compiled function takes
    the data as inputs (shapes are symbolic), so building it never copies X into the model, and one
    compilation serves every data set with the same likelihood, form, p, intercept and weighting.
    """
    values = likelihood.data_values(data, form)
    key = (type(likelihood).__name__, form, data.n_features, data.fit_intercept, tuple(sorted(values)))
    part = _CACHE.get(key)
    if part is None:
        sw = None if data.sample_weight is None else data.sample_weight[:2]
        stand_in = RegressionData(data.X[:2], data.y[:2], sw, data.feature_names, data.fit_intercept)
        built = build_model(stand_in, prior, likelihood, form=form)
        part = _SmoothPart(built, with_hessian=isinstance(likelihood, GaussianLikelihood))
        refresh_thread_pools()  # compiled code may have loaded PyTensor's BLAS
        _CACHE[key] = part
        if len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    else:
        _CACHE.move_to_end(key)
    return part.bind(values)


class _Curvature:
    """Hessian blocks of the smooth part for the Newton steps.

    Gaussian: PyMC's exact (constant) Hessian. Bernoulli: :math:`X^\\top D X`, formed as a
    symmetric rank-k update of :math:`D^{1/2}X`, accumulated in **single precision** (half the
    memory traffic and twice the SIMD width of ``dsyrk``; relative error about 2e-7). For large n,
    while the iterate is far from the optimum (relative KKT residual > ``NEAR``) it is computed on a
    deterministic, evenly spaced subsample of rows scaled by :math:`n/\\text{rows}` (sub-sampled
    Newton, Roosta-Khorasani & Mahoney 2019); near the optimum the Hessian on every row is computed
    once and reused while the steps keep contracting fast (the chord method), and recomputed when
    they do not; if a full-data single-precision Hessian still fails to contract the residual by
    ``SLOW`` per step (an ill-conditioned problem, where 2e-7 relative error matters), later
    Hessians are formed in double precision. The step only needs a good direction: acceptance and
    the certificate use PyMC's exact double-precision gradient.
    """

    MIN_ROWS = 10_000
    NEAR = 1e-3
    SLOW = 0.1
    PARALLEL_FLOPS = 500_000_000  # a syrk chunk this large (~10 ms) uses the caller's BLAS threads

    def __init__(self, data: RegressionData, likelihood: Likelihood, exact: Any,
                 parallel: Any = contextlib.nullcontext) -> None:
        self.data, self.likelihood, self.exact, self.parallel = data, likelihood, exact, parallel
        self.rows = min(data.n_samples, max(self.MIN_ROWS, 20 * data.n_features))
        self.near = False
        self.dtype: type = np.float32
        self.cache: tuple[np.ndarray, np.ndarray] | None = None
        self.last_full_single = False

    def advance(self, ratio: float, residual: float) -> None:
        """Update after a step that multiplied the residual by ``ratio``."""
        self.near = residual < self.NEAR
        if self.rows < self.data.n_samples and (self.near or ratio > 0.5):
            self.rows = self.data.n_samples
        if ratio > self.SLOW:
            self.cache = None
            if self.last_full_single and self.near:
                self.dtype = np.float64

    def hessian(self, theta: np.ndarray, work: np.ndarray) -> np.ndarray:
        """Hessian block on the coordinates ``work`` (the intercept is index p), in float64."""
        if self.exact is not None:
            return self.exact(theta)[np.ix_(work, work)]
        if self.cache is not None and np.array_equal(self.cache[0], work):
            return self.cache[1]
        data, p = self.data, self.data.n_features
        n = data.n_samples
        rows = (np.arange(n) if self.rows >= n
                else np.linspace(0, n - 1, self.rows).astype(np.intp))
        cols = work[work < p]
        k = cols.size
        scale = n / rows.size
        H = np.zeros((k, k), dtype=self.dtype)
        icpt = np.zeros(k)
        icpt_icpt = 0.0
        buf = np.empty((min(_CHUNK_ROWS, rows.size), k), dtype=self.dtype)
        weights = data.weights
        for start in range(0, rows.size, _CHUNK_ROWS):  # no n x p temporary: chunks of rows
            r = rows[start:start + _CHUNK_ROWS]
            X = data.X[r] if self.rows < n else data.X[r[0]:r[-1] + 1]
            eta = X @ theta[:p] + (theta[p] if data.fit_intercept else 0.0)
            root = np.sqrt(self.likelihood.curvature(eta, weights[r]) * scale)
            Xs = buf[:r.size]
            np.multiply(X[:, cols] if k < p else X, root[:, None], out=Xs, casting="same_kind")
            with self.parallel() if r.size * k * k >= self.PARALLEL_FLOPS else contextlib.nullcontext():
                H += Xs.T @ Xs  # symmetric rank-k update (syrk)
            if work.size > k:  # the intercept
                icpt += Xs.T @ root.astype(self.dtype)
                icpt_icpt += float(root @ root)
        out = np.empty((work.size, work.size))
        out[:k, :k] = H
        if work.size > k:
            out[:k, k] = out[k, :k] = icpt
            out[k, k] = icpt_icpt
        self.last_full_single = self.rows >= n and self.dtype == np.float32
        self.cache = (work, out) if self.rows >= n and self.near else None
        return out


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


def certify(prior: Prior, theta: np.ndarray, grad: np.ndarray, *, fit_intercept: bool,
            scale: float, tol: float = DEFAULT_TOL) -> Certificate:
    """Optimality certificate of ``theta = (w, c)`` given ``grad = grad f(theta)``."""
    p = theta.shape[0] - int(fit_intercept)
    coef_res = prior.subgradient_distance(theta[:p], grad[:p])
    icpt_res = float(abs(grad[p])) if fit_intercept else 0.0
    kkt = float(max(np.max(coef_res, initial=0.0), icpt_res))
    scale = scale if scale > 0 else 1.0
    return Certificate(kkt, kkt / scale, coef_res, icpt_res, tol)


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
    fg, hess = _smooth_part(data, prior, likelihood, form)
    with serial_blas(data.n_samples * data.n_features) as parallel:  # see bayesreg._blas
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

    curvature = _Curvature(data, likelihood, hess, parallel)

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


def smooth_gradient(data: RegressionData, prior: Prior, likelihood: Likelihood,
                    theta: np.ndarray, form: str = "auto") -> tuple[np.ndarray, float]:
    """PyMC's gradient of the smooth part at ``theta`` and the certificate scale |grad f(0)|."""
    fg, _ = _smooth_part(data, prior, likelihood, resolve_form(likelihood, form))
    _, g0 = fg(np.zeros_like(theta))
    _, g = fg(np.asarray(theta, dtype=float))
    return g, float(np.max(np.abs(g0)))
