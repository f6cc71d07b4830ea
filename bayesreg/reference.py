r"""Independent reference solvers for the bayesreg objective (NumPy/SciPy only).

They minimize the one internal objective of ``docs/CONTRACT.md``

.. math::

    F(w, c) = \mathrm{NLL}(w, c) + \sum_j ( l1_j |w_j| + l2_j w_j^2 ),

Gaussian: :math:`\mathrm{NLL} = \frac{1}{2\sigma^2} \sum_i s_i (y_i - c - x_i^\top w)^2`;
Bernoulli-logit (:math:`y_i \in \{0, 1\}`):
:math:`\mathrm{NLL} = \sum_i s_i [\log(1 + e^{\eta_i}) - y_i \eta_i]`,
:math:`\eta_i = c + x_i^\top w`; :math:`s_i \ge 0` are sample weights and the intercept
:math:`c` is unpenalized (fixed at 0 when ``fit_intercept=False``).

The module shares no code with the package's MAP solver, so it can cross-check it. Results
are *certified*: ``converged`` is True only when a stopping criterion was met, and L1 results
pass an exact KKT check (signs on the support, ``|grad_j| <= l1_j`` off it).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
from scipy import linalg, optimize, special

__all__ = ["ReferenceResult", "penalized_objective", "reference_solve"]

_LIKELIHOODS = {"gaussian": "gaussian", "bernoulli": "bernoulli", "logistic": "bernoulli"}
# Relative slack in the off-support KKT test |grad_j| <= l1_j (absorbs round-off only).
_KKT_RTOL = 1e-9


@dataclass(frozen=True)
class ReferenceResult:
    """Result of :func:`reference_solve`.

    Attributes
    ----------
    coef : ndarray of shape (p,)
        Minimizing weights ``w``.
    intercept : float
        Minimizing intercept ``c`` (0.0 when ``fit_intercept=False``).
    objective : float
        ``F(coef, intercept)`` as computed by :func:`penalized_objective`.
    n_iter : int
        Iterations used (sweeps, L-BFGS-B + Newton iterations, or 1 for closed form).
    converged : bool
        True when the stopping / KKT criterion was met.
    method : str
        Which algorithm produced the result.
    """

    coef: np.ndarray
    intercept: float
    objective: float
    n_iter: int
    converged: bool
    method: str


def _finite_array(name: str, value, ndim: int | None) -> np.ndarray:
    try:
        arr = np.array(value, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be numeric") from exc
    if ndim is not None and arr.ndim != ndim:
        raise ValueError(f"{name} must be {ndim}-dimensional, got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains NaN or inf")
    return arr


def _penalty(name: str, value, p: int) -> np.ndarray:
    arr = _finite_array(name, value, None)
    if arr.ndim > 1 or (arr.ndim == 1 and arr.shape != (p,)):
        raise ValueError(f"{name} must be a scalar or have shape ({p},), got shape {arr.shape}")
    if np.any(arr < 0):
        raise ValueError(f"{name} must be non-negative")
    return np.broadcast_to(arr, (p,)).copy()


def _validate(X, y, l1, l2, likelihood, noise_sigma, sample_weight):
    if not isinstance(likelihood, str) or likelihood not in _LIKELIHOODS:
        raise ValueError(f"likelihood must be one of {sorted(_LIKELIHOODS)}, got {likelihood!r}")
    lik = _LIKELIHOODS[likelihood]
    X = _finite_array("X", X, 2)
    y = _finite_array("y", y, 1)
    n, p = X.shape
    if n == 0 or p == 0:
        raise ValueError(f"X must have at least one row and one column, got shape {X.shape}")
    if y.shape != (n,):
        raise ValueError(f"y must have shape ({n},) to match X, got shape {y.shape}")
    if lik == "bernoulli" and not np.all((y == 0) | (y == 1)):
        raise ValueError("y must contain only 0 and 1 for the bernoulli likelihood")
    sigma = float(noise_sigma)
    if not (np.isfinite(sigma) and sigma > 0):
        raise ValueError(f"noise_sigma must be finite and > 0, got {noise_sigma!r}")
    s = np.ones(n) if sample_weight is None else _finite_array("sample_weight", sample_weight, 1)
    if s.shape != (n,):
        raise ValueError(f"sample_weight must have shape ({n},), got shape {s.shape}")
    if np.any(s < 0) or not np.sum(s) > 0:
        raise ValueError("sample_weight must be non-negative with a positive sum")
    return X, y, _penalty("l1", l1, p), _penalty("l2", l2, p), lik, sigma, s


def _objective(X, y, s, w, c, l1, l2, lik, sigma) -> float:
    eta = X @ w + c
    if lik == "gaussian":
        nll = 0.5 * np.sum(s * (y - eta) ** 2) / sigma**2
    else:  # log(1 + e^eta) evaluated stably
        nll = np.sum(s * (np.logaddexp(0.0, eta) - y * eta))
    return float(nll + l1 @ np.abs(w) + l2 @ (w * w))


def penalized_objective(
    X, y, coef, intercept, l1, l2, *, likelihood: str = "gaussian",
    noise_sigma: float = 1.0, sample_weight=None,
) -> float:
    r"""Evaluate the bayesreg objective ``F(w, c)``.

    .. math::

        F(w, c) = \mathrm{NLL}(w, c) + \sum_j (l1_j |w_j| + l2_j w_j^2),

    with :math:`\mathrm{NLL} = \frac{1}{2\sigma^2}\sum_i s_i (y_i - c - x_i^\top w)^2`
    (``likelihood="gaussian"``) or
    :math:`\mathrm{NLL} = \sum_i s_i [\log(1 + e^{\eta_i}) - y_i \eta_i]`,
    :math:`\eta_i = c + x_i^\top w` (``likelihood="bernoulli"``, alias ``"logistic"``).

    Parameters
    ----------
    X : array_like of shape (n, p)
        Design matrix.
    y : array_like of shape (n,)
        Response (``{0, 1}`` for the Bernoulli likelihood).
    coef : array_like of shape (p,)
        Weights ``w``.
    intercept : float
        Intercept ``c``.
    l1, l2 : float or array_like of shape (p,)
        Non-negative per-feature penalty weights (scalars are broadcast).
    likelihood : {"gaussian", "bernoulli", "logistic"}, default "gaussian"
        Likelihood; ``"logistic"`` is an alias of ``"bernoulli"``.
    noise_sigma : float, default 1.0
        Gaussian noise scale ``sigma`` (validated but unused for Bernoulli).
    sample_weight : array_like of shape (n,), optional
        Non-negative sample weights ``s_i`` (default all ones).

    Returns
    -------
    float
        ``F(coef, intercept)`` (additive constants of the NLL dropped).
    """
    X, y, l1, l2, lik, sigma, s = _validate(X, y, l1, l2, likelihood, noise_sigma, sample_weight)
    w = _finite_array("coef", coef, 1)
    if w.shape != (X.shape[1],):
        raise ValueError(f"coef must have shape ({X.shape[1]},), got shape {w.shape}")
    c = float(intercept)
    if not np.isfinite(c):
        raise ValueError("intercept contains NaN or inf")
    return _objective(X, y, s, w, c, l1, l2, lik, sigma)


def _solve_pd(A, b):
    """Solve A x = b for symmetric positive definite A; None if singular to working precision."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", linalg.LinAlgWarning)
        try:
            return linalg.solve(A, b, assume_a="pos")
        except (linalg.LinAlgError, linalg.LinAlgWarning):
            return None


def _ridge(Xc, yc, s, a2):
    """Minimize 0.5 sum s (yc - Xc w)^2 + sum a2 w^2 by one linear solve."""
    A = Xc.T @ (s[:, None] * Xc) + 2.0 * np.diag(a2)
    b = Xc.T @ (s * yc)
    w = _solve_pd(A, b)
    if w is not None:
        return w, "ridge-closed-form"
    return linalg.lstsq(A, b)[0], "ridge-lstsq"  # singular (p > n, some l2_j = 0): a minimizer


def _gaussian_polish(Xc, yc, s, a1, a2, signs, free):
    """Exact solution on support {signs != 0} | free with signs fixed; None unless KKT hold."""
    S = np.flatnonzero((signs != 0) | free)
    w = np.zeros(Xc.shape[1])
    if S.size:
        XS = Xc[:, S]
        A = XS.T @ (s[:, None] * XS) + 2.0 * np.diag(a2[S])
        b = XS.T @ (s * yc) - a1[S] * signs[S]
        wS = _solve_pd(A, b)
        if wS is None:
            return None
        need = a1[S] > 0
        if np.any(np.sign(wS[need]) != signs[S][need]):
            return None
        w[S] = wS
    corr = Xc.T @ (s * (yc - Xc @ w))  # = -(gradient of the smooth part) off the support
    off = np.ones(w.size, dtype=bool)
    off[S] = False
    if np.any(np.abs(corr[off]) > a1[off] * (1.0 + _KKT_RTOL)):
        return None
    return w


def _gaussian_cd(Xc, yc, s, a1, a2, tol, max_iter):
    """Naive cyclic coordinate descent with residual updates + exact active-set polish."""
    p = Xc.shape[1]
    colsq = s @ (Xc * Xc)
    denom = colsq + 2.0 * a2
    free = (a1 == 0) & (denom > 0)  # smooth coordinates: always on the support
    Xs = np.asfortranarray(Xc * s[:, None])
    w = np.zeros(p)
    rejected: set[bytes] = set()
    for sweep in range(1, max_iter + 1):
        r = yc - Xc @ w  # refreshed every sweep: no drift from the incremental updates
        max_delta = 0.0
        for j in range(p):
            if denom[j] == 0.0:  # constant column with no l2: w_j = 0 is a minimizer
                continue
            z = Xs[:, j] @ r + colsq[j] * w[j]
            new = np.sign(z) * max(abs(z) - a1[j], 0.0) / denom[j]
            delta = new - w[j]
            if delta != 0.0:
                r -= delta * Xc[:, j]
                w[j] = new
                max_delta = max(max_delta, abs(delta))
        signs = np.sign(w)
        key = signs.tobytes()
        if key not in rejected:
            polished = _gaussian_polish(Xc, yc, s, a1, a2, signs, free)
            if polished is not None:
                return polished, sweep, True, "coordinate-descent+active-set-polish"
            rejected.add(key)
        if max_delta < tol * (1.0 + np.max(np.abs(w))):
            return w, sweep, True, "coordinate-descent"
    return w, max_iter, False, "coordinate-descent"


def _solve_gaussian(X, y, s, l1, l2, sigma, fit_intercept, tol, max_iter):
    # sigma^2 * F = 0.5 sum s r^2 + sum (a1 |w| + a2 w^2) has the same minimizer.
    a1, a2 = sigma**2 * l1, sigma**2 * l2
    if fit_intercept:  # c is unpenalized, so it is eliminated exactly by weighted centering
        xbar, ybar = s @ X / s.sum(), float(s @ y / s.sum())
    else:
        xbar, ybar = np.zeros(X.shape[1]), 0.0
    Xc = np.asfortranarray(X - xbar)
    yc = y - ybar
    if np.all(a1 == 0):
        w, method = _ridge(Xc, yc, s, a2)
        n_iter, converged = 1, True
    else:
        w, n_iter, converged, method = _gaussian_cd(Xc, yc, s, a1, a2, tol, max_iter)
    c = ybar - float(xbar @ w) if fit_intercept else 0.0
    return w, c, n_iter, converged, method


def _newton(X, y, s, lin, l2, fit_intercept, theta, tol, max_iter):
    """Damped Newton for sum s[log1p(e^eta) - y eta] + lin.w + l2.w^2 (smooth, convex).

    ``theta`` is ``w`` or ``[w, c]``. Returns ``(theta, n_iter, converged)``.
    """
    Z = np.column_stack([X, np.ones(X.shape[0])]) if fit_intercept else X
    lin = np.append(lin, 0.0) if fit_intercept else lin
    pen = np.append(l2, 0.0) if fit_intercept else l2

    def fun(t):
        eta = Z @ t
        return float(np.sum(s * (np.logaddexp(0.0, eta) - y * eta)) + lin @ t + pen @ (t * t))

    theta = np.array(theta, dtype=float)
    prev_step = np.inf
    for it in range(1, max_iter + 1):
        mu = special.expit(Z @ theta)
        g = Z.T @ (s * (mu - y)) + lin + 2.0 * pen * theta
        H = Z.T @ ((s * mu * (1.0 - mu))[:, None] * Z) + 2.0 * np.diag(pen)
        d = _solve_pd(H, -g)
        if d is None:  # Hessian singular (e.g. separable data without l2)
            return theta, it, False
        dec = float(-g @ d)  # Newton decrement squared
        f0 = fun(theta)
        if dec <= 1e-10 * (1.0 + abs(f0)):  # quadratic regime: full steps to round-off
            theta = theta + d
            step = np.max(np.abs(d), initial=0.0)
            scale = 1.0 + np.max(np.abs(theta), initial=0.0)
            # done at tol, or when tiny steps stop shrinking (round-off floor reached)
            if step <= tol * scale or (step <= 1e-8 * scale and step >= 0.5 * prev_step):
                return theta, it, True
            prev_step = step
            continue
        t = 1.0
        while fun(theta + t * d) > f0 - 0.25 * t * dec:  # Armijo backtracking
            t *= 0.5
            if t < 1e-12:
                return theta, it, False
        theta = theta + t * d
    return theta, max_iter, False


def _solve_logistic(X, y, s, l1, l2, fit_intercept, tol, max_iter):
    p = X.shape[1]
    k = int(fit_intercept)
    if np.all(l1 == 0):  # smooth problem: Newton directly
        theta, n_iter, ok = _newton(X, y, s, np.zeros(p), l2, fit_intercept,
                                    np.zeros(p + k), tol, max_iter)
        return theta[:p], (float(theta[p]) if k else 0.0), n_iter, ok, "newton"

    def fun(z):  # split variables w = u - v, u, v >= 0: l1|w| becomes l1.(u + v)
        w = z[:p] - z[p:2 * p]
        eta = X @ w + (z[2 * p] if k else 0.0)
        f = np.sum(s * (np.logaddexp(0.0, eta) - y * eta)) + l1 @ z[:2 * p].reshape(2, p).sum(0)
        resid = s * (special.expit(eta) - y)
        gw = X.T @ resid + 2.0 * l2 * w
        grad = np.concatenate([gw + l1, l1 - gw, [resid.sum()] if k else []])
        return float(f + l2 @ (w * w)), grad

    bounds = [(0.0, None)] * (2 * p) + [(None, None)] * k
    res = optimize.minimize(fun, np.zeros(2 * p + k), jac=True, method="L-BFGS-B",
                            bounds=bounds, options={"maxiter": max_iter, "maxfun": 10 * max_iter,
                                                    "ftol": tol, "gtol": tol})
    w0 = res.x[:p] - res.x[p:2 * p]
    c0 = float(res.x[2 * p]) if k else 0.0
    n_iter = int(res.nit)
    # Active-set Newton polish: signs fixed on S, drop sign flips, add the worst violator.
    signs = np.where(l1 > 0, np.sign(w0), 0.0)
    in_S = (w0 != 0) | (l1 == 0)
    for _ in range(2 * p + 2):
        S = np.flatnonzero(in_S)
        theta0 = np.append(w0[S], c0) if k else w0[S]
        theta, it, ok = _newton(X[:, S], y, s, l1[S] * signs[S], l2[S], fit_intercept,
                                theta0, tol, max_iter)
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
        g = X.T @ (s * (special.expit(X @ w + c) - y))  # l2 term vanishes off the support
        excess = np.where(in_S, -np.inf, np.abs(g) - l1 * (1.0 + _KKT_RTOL))
        j = int(np.argmax(excess))
        if excess[j] <= 0:
            return w, c, n_iter, True, "lbfgsb-split+newton-polish"
        in_S[j], signs[j] = True, -np.sign(g[j])
    return w0, c0, n_iter, False, "lbfgsb-split"


def reference_solve(
    X, y, l1, l2, *, likelihood: str = "gaussian", noise_sigma: float = 1.0,
    sample_weight=None, fit_intercept: bool = True, tol: float = 1e-12,
    max_iter: int = 100_000,
) -> ReferenceResult:
    r"""Minimize the bayesreg objective with an independent reference algorithm.

    .. math::

        (\hat w, \hat c) = \arg\min_{w, c}\;
            \mathrm{NLL}(w, c) + \sum_j (l1_j |w_j| + l2_j w_j^2),

    with the NLL of :func:`penalized_objective` (``c = 0`` if ``fit_intercept=False``).

    Notes
    -----
    Algorithms:

    * Gaussian, all ``l1 == 0``: closed-form ridge on weighted-centered data,
      :math:`(X_c^\top S X_c + 2\sigma^2\,\mathrm{diag}(l2)) w = X_c^\top S y_c`,
      :math:`c = \bar y - \bar x^\top w` (weighted means).
    * Gaussian with L1: naive cyclic coordinate descent with soft-thresholding on the
      weighted-centered columns; after every sweep whose sign pattern is new, an exact
      KKT solve on the support (accepted only if the signs hold and
      :math:`|X_{c,j}^\top S r| \le \sigma^2 l1_j` off the support). Otherwise stops when
      the largest coordinate change is below ``tol * (1 + max|w|)``.
    * Bernoulli, all ``l1 == 0``: damped Newton on ``(w, c)``.
    * Bernoulli with L1: L-BFGS-B on the split form ``w = u - v``, ``u, v >= 0``, then a
      Newton polish on the support with fixed signs, certified by the off-support
      subgradient condition :math:`|\nabla_j \mathrm{NLL}| \le l1_j`.

    Parameters
    ----------
    X, y, l1, l2, likelihood, noise_sigma, sample_weight
        As in :func:`penalized_objective`.
    fit_intercept : bool, default True
        Estimate the unpenalized intercept; if False, ``c = 0`` is fixed.
    tol : float, default 1e-12
        Relative tolerance of the iterative solvers.
    max_iter : int, default 100000
        Maximum number of sweeps / iterations.

    Returns
    -------
    ReferenceResult
    """
    X, y, l1, l2, lik, sigma, s = _validate(X, y, l1, l2, likelihood, noise_sigma, sample_weight)
    if not (np.isfinite(tol) and tol > 0):
        raise ValueError(f"tol must be finite and > 0, got {tol!r}")
    if int(max_iter) != max_iter or max_iter < 1:
        raise ValueError(f"max_iter must be a positive integer, got {max_iter!r}")
    max_iter = int(max_iter)
    if lik == "gaussian":
        w, c, n_iter, ok, method = _solve_gaussian(X, y, s, l1, l2, sigma, bool(fit_intercept),
                                                   tol, max_iter)
    else:
        w, c, n_iter, ok, method = _solve_logistic(X, y, s, l1, l2, bool(fit_intercept),
                                                   tol, max_iter)
    obj = _objective(X, y, s, w, c, l1, l2, lik, sigma)
    return ReferenceResult(coef=w, intercept=float(c), objective=obj, n_iter=int(n_iter),
                           converged=bool(ok), method=method)
