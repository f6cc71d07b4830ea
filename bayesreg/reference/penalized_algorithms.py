"""The algorithms behind :func:`bayesreg.reference.penalized.reference_solve` (NumPy/SciPy only).

Gaussian likelihood: closed-form ridge, or cyclic coordinate descent with an exact active-set
polish (:func:`_solve_gaussian`). Bernoulli-logit: damped Newton, or L-BFGS-B on the split form
``w = u - v`` followed by an active-set Newton polish (:func:`_solve_logistic`). Inputs are the
validated arrays of :mod:`bayesreg.reference.penalized`; each solver returns
``(w, c, n_iter, converged, method)``. Like that module, nothing here shares code with the
package's MAP solver.
"""

from __future__ import annotations

import warnings

import numpy as np
from scipy import linalg, optimize, special

from bayesreg.reference.active_set import active_set_polish

# Relative slack in the off-support KKT test |grad_j| <= l1_j (absorbs round-off only).
_KKT_RTOL = 1e-9


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
    def newton_on(S, signs_S, theta0):
        return _newton(X[:, S], y, s, l1[S] * signs_S, l2[S], fit_intercept, theta0, tol, max_iter)

    def data_gradient(w, c):
        return X.T @ (s * (special.expit(X @ w + c) - y))  # l2 term vanishes off the support

    w, c, it, ok = active_set_polish(w0, c0, l1, fit_intercept, newton_on, data_gradient, _KKT_RTOL)
    if ok:
        return w, c, n_iter + it, True, "lbfgsb-split+newton-polish"
    return w0, c0, n_iter + it, False, "lbfgsb-split"
