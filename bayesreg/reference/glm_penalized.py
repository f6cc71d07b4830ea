r"""Independent reference solver for penalised count and robust GLMs (NumPy/SciPy only).

Minimises

.. math::

    F(w, c) = \sum_i s_i\,\phi(\eta_i; y_i) + \sum_j (\ell_{1,j}|w_j| + \ell_{2,j} w_j^2),
    \qquad \eta_i = o_i + c + x_i^\top w,

with the per-row negative log-likelihood :math:`\phi` of

* ``"poisson"``: :math:`e^\eta - y\eta + \log y!`;
* ``"negative_binomial"`` (NB2, dispersion :math:`\alpha`):
  :math:`(y + 1/\alpha)\log(1 + \alpha e^\eta) - y\log(\alpha e^\eta) - \log\Gamma(y + 1/\alpha)
  + \log\Gamma(1/\alpha) + \log y!`;
* ``"student_t"`` (:math:`\nu`, :math:`\sigma`): :math:`\tfrac{\nu+1}{2}\log(1 + (y - \eta)^2/(\nu\sigma^2))`
  + const (non-convex: the result is a stationary point).

Written from the densities, sharing no code with bayesreg's MAP (which compiles its gradient from
the PyMC model): L-BFGS-B on the split variables :math:`w = u - v`, :math:`u, v \ge 0` (exact zeros
at the bounds), then, for the convex families, a damped Newton polish on the support with the signs
fixed, adding the worst KKT violator until :math:`|\partial_j f| \le \ell_{1,j}` off the support.
"""

from __future__ import annotations

import numpy as np
from scipy import optimize, special

from bayesreg.reference.active_set import active_set_polish

__all__ = ["GLM_FAMILIES", "glm_row_terms", "reference_glm_solve"]

GLM_FAMILIES = ("poisson", "negative_binomial", "student_t")
_KKT_RTOL = 1e-7


def glm_row_terms(eta: np.ndarray, y: np.ndarray, family: str, alpha: float = 1.0, nu: float = 4.0,
                  sigma: float = 1.0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""Per row :math:`\phi`, :math:`\phi'` and :math:`\phi''` in :math:`\eta` (module docstring)."""
    if family == "poisson":
        mu = np.exp(eta)
        return mu - y * eta + special.gammaln(y + 1.0), mu - y, mu
    if family == "negative_binomial":
        r = 1.0 / alpha
        q = special.expit(eta + np.log(alpha))
        val = ((y + r) * np.logaddexp(0.0, eta + np.log(alpha)) - y * (eta + np.log(alpha))
               - special.gammaln(y + r) + special.gammaln(r) + special.gammaln(y + 1.0))
        return val, (y + r) * q - y, (y + r) * q * (1.0 - q)
    if family == "student_t":
        z = (y - eta) / sigma
        den = nu + z * z
        val = 0.5 * (nu + 1.0) * np.log1p(z * z / nu)
        d1 = -(nu + 1.0) * z / (sigma * den)
        d2 = (nu + 1.0) * (nu - z * z) / (sigma**2 * den * den)
        return val, d1, d2
    raise ValueError(f"family must be one of {GLM_FAMILIES}; got {family!r}.")


def _newton(Z, y, s, off, lin, pen, theta, family, kw, tol, max_iter):
    def fun(t):
        return float(s @ glm_row_terms(off + Z @ t, y, family, **kw)[0] + lin @ t + pen @ (t * t))

    for it in range(1, max_iter + 1):
        _, d1, d2 = glm_row_terms(off + Z @ theta, y, family, **kw)
        g = Z.T @ (s * d1) + lin + 2.0 * pen * theta
        H = Z.T @ ((s * d2)[:, None] * Z) + 2.0 * np.diag(pen)
        try:
            d = np.linalg.solve(H, -g)
        except np.linalg.LinAlgError:
            return theta, it, False
        dec = float(-g @ d)  # Newton decrement squared (H is positive definite for convex families)
        f0 = fun(theta)
        if dec <= 1e-13 * max(1.0, abs(f0)) or np.max(np.abs(d)) <= tol * (1.0 + np.max(np.abs(theta))):
            return theta + d, it, True  # the quadratic regime: one more full step reaches round-off
        t = 1.0
        while fun(theta + t * d) > f0 - 0.25 * t * dec and t > 1e-12:
            t *= 0.5
        theta = theta + t * d
    return theta, max_iter, False


def reference_glm_solve(X, y, l1, l2, family: str, *, offset=None, sample_weight=None, fit_intercept: bool = True,
                        alpha: float = 1.0, nu: float = 4.0, sigma: float = 1.0, tol: float = 1e-12,
                        max_iter: int = 500) -> tuple[np.ndarray, float, bool]:
    """``(coef, intercept, converged)`` minimising the module's objective (``l1``, ``l2`` per feature or scalar)."""
    if family not in GLM_FAMILIES:
        raise ValueError(f"family must be one of {GLM_FAMILIES}; got {family!r}.")
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    n, p = X.shape
    l1 = np.broadcast_to(np.asarray(l1, dtype=float), (p,)).copy()
    l2 = np.broadcast_to(np.asarray(l2, dtype=float), (p,)).copy()
    s = np.ones(n) if sample_weight is None else np.asarray(sample_weight, dtype=float)
    off = np.zeros(n) if offset is None else np.asarray(offset, dtype=float)
    kw = {"alpha": alpha, "nu": nu, "sigma": sigma}
    k = int(fit_intercept)

    def fun(z):
        w = z[:p] - z[p:2 * p]
        eta = off + X @ w + (z[2 * p] if k else 0.0)
        val, d1, _ = glm_row_terms(eta, y, family, **kw)
        gw = X.T @ (s * d1) + 2.0 * l2 * w
        grad = np.concatenate([gw + l1, l1 - gw, [float(s @ d1)] if k else []])
        return float(s @ val + l1 @ (z[:p] + z[p:2 * p]) + l2 @ (w * w)), grad

    start = np.zeros(2 * p + k)
    if k and family != "student_t":
        start[-1] = np.log(max(float(s @ y) / float(s.sum()), 1e-3)) - float(np.mean(off))
    res = optimize.minimize(fun, start, jac=True, method="L-BFGS-B",
                            bounds=[(0.0, None)] * (2 * p) + [(None, None)] * k,
                            options={"maxiter": 20 * max_iter, "maxfun": 40 * max_iter, "ftol": 1e-12,
                                     "gtol": 1e-9 * max(1.0, float(np.sum(s * y)))})  # Newton polishes
    w0 = res.x[:p] - res.x[p:2 * p]
    c0 = float(res.x[2 * p]) if k else 0.0
    if family == "student_t":
        return w0, c0, bool(res.success)

    def newton_on(S, signs_S, theta0):
        Z = np.column_stack([X[:, S], np.ones(n)]) if k else X[:, S]
        lin = np.append(l1[S] * signs_S, 0.0) if k else l1[S] * signs_S
        pen = np.append(l2[S], 0.0) if k else l2[S]
        return _newton(Z, y, s, off, lin, pen, theta0, family, kw, tol, max_iter)

    def data_gradient(w, c):
        return X.T @ (s * glm_row_terms(off + X @ w + c, y, family, **kw)[1])

    w, c, _, ok = active_set_polish(w0, c0, l1, bool(k), newton_on, data_gradient, _KKT_RTOL)
    return w, c, ok
