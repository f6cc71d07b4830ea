r"""The exact posterior mode (MAP) of a bayesreg model, with an optimality certificate.

The negative log-posterior splits into a smooth part and a separable, possibly non-smooth prior:

.. math::

    -\log p(w, c \mid y) = f(w, c) + P(w) + \text{const}, \qquad
    f = -\log L(y \mid w, c), \qquad P(w) = \sum_j \ell_{1,j}|w_j| + \ell_{2,j} w_j^2 .

* First, the posterior must *have* a mode: :func:`bayesreg.model.identifiability.check_posterior_mode`
  refuses flat (unpenalised) coefficients that the data cannot identify or that separate the data
  (logistic), naming them and the fix.
* :math:`f` and :math:`\nabla f` are compiled from the **PyMC model itself** (the likelihood
  term of :func:`bayesreg.model.build_model`); nothing is re-derived by hand. The KKT part of the
  certificate uses that gradient.
* **Gaussian likelihood**: :math:`f` is quadratic and the MAP is solved exactly from the model's
  sufficient statistics, or from the rows when they are ill-conditioned
  (:mod:`bayesreg.inference.gaussian_map`), with a certified error bound.
* **Other likelihoods** (logistic, Poisson, negative binomial with fixed dispersion, Student-t with
  fixed ν, σ): proximal Newton. Each step minimises the quadratic model
  :math:`g^\top d + \tfrac12 d^\top H d + P(\theta + d)` exactly with
  :func:`bayesreg.inference.l1_quadratic.solve_l1_quadratic` (an exact homotopy, warm-started),
  followed by a backtracking line search on the true objective. :math:`H = X^\top D X` with the
  Bernoulli curvature :math:`D` (a search direction only: acceptance and the certificate use
  PyMC's gradient), formed as a symmetric rank-k update of :math:`X D^{1/2}` and, for L1 priors,
  only on a working set (the non-zeros and near-violators, as in glmnet's strong rules; every
  coordinate is still certified). The multinomial's model gets a small term along its flat
  class-shift directions (:func:`_damp_class_shift`). For a smooth problem (L2 logistic) a few L-BFGS iterations on
  PyMC's gradient come first. The error bound uses the local curvature
  (:mod:`bayesreg.inference.local_bound`); the iterations go on until it is small enough or the
  residual stops improving.
* **Student-t** is not convex: the Newton direction uses its (positive) Fisher information, the line
  search and the KKT certificate the true objective, and the result is a certified *stationary
  point*, possibly a local mode; no error bound is claimed (``bound_reason`` says so).
* **Asymmetric Laplace** (quantile regression): the exact linear (quadratic) program of
  :mod:`bayesreg.inference.quantile_map`, certified from the subdifferentials of both terms.
* Laplace and elastic-net MAPs therefore have exact zeros. ``pymc.find_MAP`` (L-BFGS on
  :math:`|w|`) is never used.

The certificate (:mod:`bayesreg.inference.certificate`) is the distance of :math:`-\nabla f` to
:math:`\partial P` at the returned point plus :math:`|\partial f/\partial c|` for the unpenalised
intercept, reported absolute and relative to :math:`\|\nabla f(0)\|_\infty`, and the certified bound
on :math:`\|\theta - \theta^*\|_2`.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np

from bayesreg.inference.blas import serial_blas
from bayesreg.inference.certificate import DEFAULT_BOUND_TOL, DEFAULT_TOL, Certificate, certify
from bayesreg.inference.curvature import Curvature
from bayesreg.inference.error_bound import ErrorBound
from bayesreg.inference.extended_gradient import second_look
from bayesreg.inference.gaussian_map import gaussian_point_bound, solve_gaussian_map
from bayesreg.inference.l1_quadratic import IterationLimitWarning, solve_l1_quadratic
from bayesreg.inference.local_bound import local_error_bound
from bayesreg.inference.smooth_part import smooth_gradient, smooth_part
from bayesreg.model.build import resolve_form
from bayesreg.model.data import RegressionData
from bayesreg.model.identifiability import check_posterior_mode, flat_features
from bayesreg.model.likelihoods import GaussianLikelihood, Likelihood
from bayesreg.model.multinomial import Multinomial
from bayesreg.model.priors import Prior
from bayesreg.model.quantile import AsymmetricLaplace

__all__ = ["Certificate", "MapResult", "find_map", "certify", "certify_point", "smooth_gradient", "DEFAULT_TOL",
           "DEFAULT_BOUND_TOL", "IterationLimitWarning"]


@dataclass(frozen=True, eq=False)
class MapResult:
    """A MAP estimate: coefficients, intercept, objective and certificate.

    ``n_iter`` counts proximal Newton iterations (1 for the Gaussian likelihood: one exact solve,
    as scikit-learn counts its closed-form solvers),
    ``n_events`` the active-set changes of the exact L1 homotopy.
    The multinomial likelihood has ``coef`` of shape (K, p) and ``intercept`` of shape (K,)
    (summing to zero).
    """

    coef: np.ndarray
    intercept: float | np.ndarray
    objective: float
    certificate: Certificate
    n_iter: int
    n_events: int

    @property
    def n_sweeps(self) -> int:
        """Inner-solver steps (bayesreg 0.1 counted coordinate-descent sweeps here)."""
        return self.n_events


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
    bound_tol: float = DEFAULT_BOUND_TOL,
    max_iter: int = 100,
    warm_start: np.ndarray | None = None,
) -> MapResult:
    r"""Exact MAP of the model ``prior`` × ``likelihood`` on ``data``.

    Minimises :math:`f(w, c) + \sum_j \ell_{1,j}|w_j| + \ell_{2,j}w_j^2` (module docstring) and
    returns the point with its :class:`Certificate`: a relative KKT residual of at most ``tol``
    (the iterations aim at ``1e-4 * tol``) and a certified error bound of at most ``bound_tol``
    relative to :math:`\|(w, c)\|_2` where :math:`F` is strongly convex.

    Raises
    ------
    NoPosteriorModeError
        The posterior has no (unique) mode: flat coefficients that separate the data or that the
        data do not identify (:func:`bayesreg.model.identifiability.check_posterior_mode`).

    Warns
    -----
    IterationLimitWarning
        ``max_iter`` proximal Newton iterations (or the homotopy's event cap) were reached; the
        message states the residual reached.
    """
    form = resolve_form(likelihood, form)
    if getattr(data, "has_rows", True):  # statistics alone (fit_stats) were checked when computed
        likelihood = likelihood.resolve(data)
        likelihood.check_y(data.y)
    likelihood.check_map()
    check_posterior_mode(data, prior, likelihood)
    likelihood = _with_flat_shift(likelihood, prior, data.n_features)
    if isinstance(likelihood, AsymmetricLaplace):  # non-smooth: an exact linear program
        from bayesreg.inference.quantile_map import solve_quantile_map

        q = solve_quantile_map(data, prior, likelihood, tol=tol)
        return MapResult(q.coef, q.intercept, q.objective, q.certificate, q.n_rounds, q.working_rows)
    fg, _ = smooth_part(data, prior, likelihood, form)
    with serial_blas(data.n_samples * data.n_features) as parallel:  # see bayesreg.inference.blas
        if isinstance(likelihood, GaussianLikelihood):
            return _solve_gaussian(data, prior, likelihood, fg, tol, bound_tol, warm_start)
        return _solve(data, prior, likelihood, fg, tol, bound_tol, max_iter, warm_start, parallel)


def certify_point(data: RegressionData, prior: Prior, likelihood: Likelihood, theta: np.ndarray, *,
                  form: str = "auto", tol: float = DEFAULT_TOL, bound_tol: float = DEFAULT_BOUND_TOL) -> Certificate:
    """The full certificate (KKT residual from PyMC's gradient and the certified error bound) of any
    point ``theta = (w, c)``: e.g. another solver's answer, or a perturbed MAP."""
    form = resolve_form(likelihood, form)
    likelihood = _with_flat_shift(likelihood.resolve(data), prior, data.n_features)
    theta = np.asarray(theta, dtype=float)
    p = data.n_features
    k = likelihood.n_outputs
    fg, _ = smooth_part(data, prior, likelihood, form)
    _, g0 = fg(np.zeros_like(theta))
    _, g = fg(theta)
    if isinstance(likelihood, GaussianLikelihood):
        bound = gaussian_point_bound(data, prior, likelihood, theta[:p],
                                     float(theta[p]) if data.fit_intercept else 0.0)
    else:
        l1_w, l2_w = prior.penalty_weights(p)
        extra = k * int(data.fit_intercept)
        l1, l2 = np.append(np.tile(l1_w, k), np.zeros(extra)), np.append(np.tile(l2_w, k), np.zeros(extra))
        curvature = Curvature(data, likelihood, None)
        bound = _NON_CONVEX if not likelihood.convex else local_error_bound(data, likelihood, l1, l2, theta, g,
                                  lambda S, double: curvature.block(theta, S, True))
    scale = float(np.max(np.abs(g0)))

    def certify_with(g: np.ndarray, bound: Any) -> Certificate:
        return certify(prior, theta, g, fit_intercept=data.fit_intercept, scale=scale, tol=tol, bound=bound,
                       bound_tol=bound_tol, n_outputs=k)

    cert = certify_with(g, bound)
    if isinstance(likelihood, GaussianLikelihood):  # its own bound (no l1, l2, curvature here)
        return cert
    return second_look(cert, data, likelihood, l1, l2, theta, lambda S, double: curvature.block(theta, S, True),
                       certify_with)


def _with_flat_shift(likelihood: Likelihood, prior: Prior, p: int) -> Likelihood:
    """The multinomial with its ``flat_features`` set from ``prior``: the class shift of a flat
    feature's K weights is then resolved like the intercepts' (sum zero; :mod:`bayesreg.model.multinomial`)."""
    if not isinstance(likelihood, Multinomial):
        return likelihood
    return likelihood.with_flat_features(flat_features(prior, p))


#: A non-convex likelihood (Student-t): the certificate is the KKT residual of a stationary point,
#: which may be a local mode; no error bound to the (global) mode is claimed.
_NON_CONVEX = ErrorBound(None, 0.0, 0.0, not_strongly_convex=True,
                         reason="non-convex likelihood: a certified stationary point, possibly a local mode")


#: The weight of the class-shift term added to the multinomial's Newton model, relative to the
#: largest curvature of the feature's K weights (see :func:`_damp_class_shift`).
_SHIFT_DAMPING = 1e-6


def _damp_class_shift(Q: np.ndarray, H: np.ndarray, work: np.ndarray, p: int, n_w: int, l2: np.ndarray,
                      l1: np.ndarray | None = None) -> None:
    r"""Make the multinomial's Newton model definite along its flat class-shift directions (in place).

    The softmax is unchanged by :math:`w_{kj} \to w_{kj} + v_j` for every class :math:`k`, so
    :math:`H v = 0` for :math:`v = \mathbf 1_K \otimes e_j`: with a pure L1 prior on feature
    :math:`j` (:math:`\ell_{2,j} = 0`) the quadratic model is flat along :math:`v` but for the
    kinks of :math:`\sum_k \ell_{1,j}|w_{kj}|`. The exact homotopy then keeps the last class of
    such a feature out of its (singular) active set, and the proximal Newton step stalls at a
    point that is not optimal (unscaled wine, lasso: relative KKT residual 8e-5 for ever).

    Adds :math:`\mu_j\,v_j v_j^\top` with :math:`\mu_j = 10^{-6}\max_k H_{kj,kj}` for each such
    feature whose K weights are all in ``work`` (otherwise :math:`v_j` is not in the working set
    and there is no flat direction). Because :math:`Hv_j = 0` the model
    :math:`H + \sum_j \mu_j v_j v_j^\top` is block diagonal in :math:`\operatorname{span}\{v_j\}`
    and its complement: the Newton direction off the shift directions is unchanged, and along them
    the step is a proximal step on the (piecewise linear) penalty. A
    positive definite model metric leaves the fixed points of the proximal Newton map, i.e. the
    optimum, and the certificate (PyMC's gradient, the undamped curvature) unchanged.
    """
    pure_l1 = l2[work] == 0.0
    if l1 is not None:  # a flat feature's shift already has the curvature 1 1' (Multinomial.hessian_block)
        pure_l1 &= l1[work] > 0.0
    weights = np.flatnonzero((work < n_w) & pure_l1)
    if weights.size < 2:
        return
    feature = work[weights] % p
    whole = np.bincount(feature, minlength=p)[feature] == n_w // p  # v lies in the working set
    weights, feature = weights[whole], feature[whole]
    if weights.size < 2:
        return
    diag = H[weights, weights]
    top = np.zeros(p)
    np.maximum.at(top, feature, diag)
    same = feature[:, None] == feature[None, :]
    Q[np.ix_(weights, weights)] += np.where(same, _SHIFT_DAMPING * top[feature][:, None], 0.0)
def _penalty_fn(prior: Prior, p: int, k: int = 1) -> Any:
    """The prior's penalty on the first ``k * p`` coordinates (``k`` blocks of the ``p`` features)."""
    l1_w, l2_w = prior.penalty_weights(p)
    l1_w, l2_w = np.tile(l1_w, k), np.tile(l2_w, k)

    def penalty(theta: np.ndarray) -> float:
        w = theta[:k * p]
        return float(l1_w @ np.abs(w) + l2_w @ (w * w))

    return penalty


def _solve_gaussian(data: RegressionData, prior: Prior, likelihood: GaussianLikelihood, fg: Any,
                    tol: float, bound_tol: float, warm_start: np.ndarray | None) -> MapResult:
    """The Gaussian MAP, solved directly; certified with PyMC's gradient and the exact bound."""
    sol = solve_gaussian_map(data, prior, likelihood, bound_tol=bound_tol, warm_start=warm_start)
    theta = np.append(sol.coef, sol.intercept) if data.fit_intercept else sol.coef.copy()
    _, g0 = fg(np.zeros_like(theta))
    f, g = fg(theta)
    cert = certify(prior, theta, g, fit_intercept=data.fit_intercept, scale=float(np.max(np.abs(g0))),
                   tol=tol, bound=sol.bound, bound_tol=bound_tol)
    F = f + _penalty_fn(prior, data.n_features)(theta)
    return MapResult(sol.coef.copy(), sol.intercept, F, cert, 1, sol.events)


def _solve(data: RegressionData, prior: Prior, likelihood: Likelihood, fg: Any, tol: float, bound_tol: float,
           max_iter: int, warm_start: np.ndarray | None, parallel: Any) -> MapResult:
    r"""The proximal Newton iterations of :func:`find_map`.

    With :math:`K` outputs (the multinomial) the coordinates are :math:`(\operatorname{vec}W, c)`:
    ``K * p`` weights with the prior's per-feature penalties repeated per class, then ``K``
    unpenalised intercepts, kept summing to zero (:mod:`bayesreg.model.multinomial`)."""
    k = likelihood.n_outputs
    p = data.n_features
    n_w = k * p
    m = n_w + k * int(data.fit_intercept)
    l1_w, l2_w = prior.penalty_weights(p)
    l1 = np.concatenate([np.tile(l1_w, k), np.zeros(m - n_w)])
    l2 = np.concatenate([np.tile(l2_w, k), np.zeros(m - n_w)])
    penalized = np.arange(m) < n_w
    penalty = _penalty_fn(prior, p, k)
    curvature = Curvature(data, likelihood, None, parallel)
    smooth = not np.any(l1 > 0)

    def working_set(theta: np.ndarray, grad: np.ndarray) -> np.ndarray:
        """Coordinates the Newton step may move: all for a smooth problem; for L1, the non-zeros,
        the unpenalised and the near-violators |g_j| >= 0.9 l1_j (the others stay at 0 this step;
        the certificate checks every coordinate, so a missed one enters the next step)."""
        if smooth:
            return np.arange(m)
        keep = (theta != 0) | ~penalized | (l1 == 0) | (np.abs(grad) >= 0.9 * l1)
        return np.flatnonzero(keep)

    def certificate(theta: np.ndarray, g: np.ndarray, bound: Any = None) -> Certificate:
        kwargs = {} if bound is None else {"bound": bound, "bound_tol": bound_tol}
        return certify(prior, theta, g, fit_intercept=data.fit_intercept, scale=scale, tol=tol, n_outputs=k,
                       **kwargs)

    def error_bound(theta: np.ndarray, g: np.ndarray) -> Any:
        if not likelihood.convex:
            return _NON_CONVEX
        return local_error_bound(data, likelihood, l1, l2, theta, g,
                                 lambda S, double: curvature.block(theta, S, double))

    zero = np.zeros(m)
    f0, g0 = fg(zero)
    scale = float(np.max(np.abs(g0)))
    theta = zero if warm_start is None else np.asarray(warm_start, dtype=float).copy()
    if smooth:
        theta = _quasi_newton_start(fg, l2, theta, scale)
    if k > 1 and data.fit_intercept:  # f is unchanged by a common shift of the intercepts: centre them
        theta[n_w:] -= theta[n_w:].mean()
    if k > 1 and likelihood.flat_features:  # ... and of a flat feature's K weights: centre those too
        flat = np.asarray(likelihood.flat_features)
        W = theta[:n_w].reshape(k, p)
        W[:, flat] -= W[:, flat].mean(axis=0)
    f, g = (f0, g0) if theta is zero else fg(theta)
    F = f + penalty(theta)
    cert = certificate(theta, g)
    curvature.advance(0.0, cert.relative_residual)  # starting near the optimum: exact Hessian
    events_total = 0
    it = 0
    best = cert.relative_residual
    final = None
    for it in range(1, max_iter + 1):  # noqa: B007 (reported after the loop)
        work = working_set(theta, g)
        H = curvature.hessian(theta, work)
        Q = H + np.diag(2.0 * l2[work])
        if k > 1:
            _damp_class_shift(Q, H, work, p, n_w, l2, l1)
        z_work, events = solve_l1_quadratic(Q, g[work] - H @ theta[work], l1[work], penalized[work],
                                            x0=theta[work])
        z = theta.copy()
        z[work] = z_work
        events_total += events
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
        new_cert = certificate(cand, gc)
        improved = new_cert.relative_residual < best
        if Fc <= F or improved:
            theta, f, g, F, cert = cand, fc, gc, Fc, new_cert
        if cert.relative_residual <= 1e-4 * tol or (not improved and cert.kkt_passed):
            final = certificate(theta, g, error_bound(theta, g))
            if final.bound_passed or not improved:
                break
            # the KKT residual is small but the certified error is not: keep going with Hessians in
            # double precision (an ill-conditioned problem: rounding of 1e-7 relative matters)
            curvature.dtype = np.float64
            curvature.cache = None
            final = None
        curvature.advance(new_cert.relative_residual / max(best, 1e-300), cert.relative_residual)
        best = min(best, new_cert.relative_residual)
    else:
        warnings.warn(f"find_map stopped at max_iter={max_iter} proximal Newton iterations with a "
                      f"relative KKT residual of {cert.relative_residual:.3g} (target {1e-4 * tol:.0e}); "
                      "the certificate says whether the point is optimal.", IterationLimitWarning,
                      stacklevel=3)
    if final is None:
        final = certificate(theta, g, error_bound(theta, g))
    # the bound may fail on the double-precision gradient's rounding alone: look again in long double
    final = second_look(final, data, likelihood, l1, l2, theta, lambda S, double: curvature.block(theta, S, double),
                        lambda g_ext, bound: certificate(theta, g_ext, bound))
    if k > 1:
        coef = theta[:n_w].reshape(k, p).copy()
        intercept: Any = theta[n_w:].copy() if data.fit_intercept else np.zeros(k)
    else:
        coef = theta[:p].copy()
        intercept = float(theta[p]) if data.fit_intercept else 0.0
    return MapResult(coef, intercept, F, final, it, events_total)
