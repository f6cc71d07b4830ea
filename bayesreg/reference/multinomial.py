r"""Independent reference solver for penalised multinomial (softmax) regression, in glmnet's form.

NumPy/SciPy only; nothing from the rest of bayesreg. It minimises glmnet's objective for
``family="multinomial"``, ``type.multinomial="ungrouped"`` (Friedman, Hastie & Tibshirani 2010,
section 4; the glmnet vignette "An Introduction to glmnet", *Multinomial Regression*):

.. math::

    F(B, b_0) = -\frac{1}{W}\sum_{i=1}^n w_i \log
        \frac{\exp(b_{0,y_i} + x_i^\top B_{y_i\cdot})}{\sum_{k=1}^K \exp(b_{0,k} + x_i^\top B_{k\cdot})}
      + \lambda \sum_{j=1}^p v_j \sum_{k=1}^K
        \Big[\frac{1-\alpha}{2}\, s_j^2 B_{kj}^2 + \alpha\, s_j |B_{kj}|\Big],

with :math:`B` of shape ``(K, p)`` on the original scale of ``X``, unpenalised intercepts
:math:`b_0` (``K``), :math:`W = \sum_i w_i` (glmnet normalises the weights, so only their ratios
matter), :math:`v = \mathrm{pf}\cdot p/\sum_j \mathrm{pf}_j` (glmnet rescales ``penalty.factor`` to
sum to ``p``) and :math:`s_j` the weighted *population* standard deviation of column :math:`j`
(weights :math:`w/W`) when ``standardize`` is true, else 1. glmnet penalises the coefficients of the
standardised columns, :math:`\beta_{kj} = s_j B_{kj}`; written on the original scale that is the
penalty above. With ``intercept=False`` the intercepts are 0, the columns are not centred, but
:math:`s_j` is still the *centred* population sd (what glmnet 4.1-6 does; found against its fixtures).

The likelihood is invariant under :math:`b_0 \to b_0 + c` and, per column, :math:`B_{\cdot j} \to
B_{\cdot j} + c_j`; the penalty fixes :math:`c_j` (uniquely when :math:`\alpha < 1`, or when
:math:`\alpha = 1` and :math:`K` is odd: a median), and :math:`c` is free. The reported intercepts
follow glmnet: :math:`\sum_k b_{0,k} = 0`; so do unpenalised columns (``penalty_factor`` 0, no shift
fixed by the penalty): :math:`\sum_k B_{kj} = 0`, as glmnet reports them.

Algorithm (sharing nothing with glmnet's coordinate descent nor with bayesreg's MAP): the problem
is solved in centred, scaled coordinates :math:`z_{ij} = (x_{ij} - m_j)/d_j` (an exact change of
variables; :math:`d_j` only conditions the problem) by FISTA with the exact elastic-net proximal
operator and adaptive restart, then polished by Newton's method on the support with the signs
fixed (the penalty is smooth there) as an active-set method: a step crossing zero stops there and
drops the entry, a zero entry violating its KKT condition joins the support, until the KKT residual
(:func:`multinomial_kkt_residual`) is at most ``tol``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import special

__all__ = [
    "MultinomialReferenceResult",
    "glmnet_multinomial_objective",
    "multinomial_kkt_residual",
    "reference_multinomial_solve",
]


@dataclass(frozen=True)
class MultinomialReferenceResult:
    """The optimum of :func:`reference_multinomial_solve`.

    Attributes
    ----------
    coef : ndarray, shape (K, p)
        :math:`B` on the original scale of ``X`` (exact zeros where the L1 part is active).
    intercept : ndarray, shape (K,)
        :math:`b_0`, normalised to :math:`\\sum_k b_{0,k} = 0` (zeros without an intercept).
    classes : ndarray, shape (K,)
        The sorted class labels; row ``k`` of ``coef`` belongs to ``classes[k]``.
    objective : float
        :math:`F(B, b_0)` of the module docstring.
    kkt_residual : float
        :func:`multinomial_kkt_residual` at the result.
    n_iter : int
        FISTA iterations plus Newton steps.
    converged : bool
        Whether ``kkt_residual <= tol``.
    """

    coef: np.ndarray
    intercept: np.ndarray
    classes: np.ndarray
    objective: float
    kkt_residual: float
    n_iter: int
    converged: bool


@dataclass(frozen=True)
class _Problem:
    Z: np.ndarray        # (n, p) centred, scaled columns
    Y: np.ndarray        # (n, K) one-hot
    w: np.ndarray        # (n,) weights / W
    m: np.ndarray        # (p,) centres
    d: np.ndarray        # (p,) conditioning scales
    l1: np.ndarray       # (p,) L1 weight per column in z coordinates
    l2: np.ndarray       # (p,) L2 weight per column in z coordinates (term l2/2 c^2)
    intercept: bool
    classes: np.ndarray


def _check_inputs(X, y, lambda_, alpha, weights, penalty_factor):
    X = np.asarray(X, dtype=float)
    if X.ndim != 2 or not np.all(np.isfinite(X)):
        raise ValueError(f"X must be a finite 2-D array; got shape {X.shape}.")
    y = np.asarray(y)
    if y.shape != (X.shape[0],):
        raise ValueError(f"y must have shape ({X.shape[0]},); got {y.shape}.")
    classes, codes = np.unique(y, return_inverse=True)
    if len(classes) < 2:
        raise ValueError(f"y must have at least 2 classes; got {len(classes)}.")
    if not (np.isfinite(lambda_) and lambda_ > 0):
        raise ValueError(f"lambda_ must be > 0; got {lambda_!r}.")
    if not 0.0 <= alpha <= 1.0:
        raise ValueError(f"alpha must be in [0, 1]; got {alpha!r}.")
    n, p = X.shape
    w = np.ones(n) if weights is None else np.asarray(weights, dtype=float)
    if w.shape != (n,) or not np.all(np.isfinite(w)) or np.any(w < 0) or w.sum() <= 0:
        raise ValueError(f"weights must be {n} finite non-negative numbers with a positive sum.")
    pf = np.ones(p) if penalty_factor is None else np.asarray(penalty_factor, dtype=float)
    if pf.shape != (p,) or np.any(pf < 0) or pf.sum() <= 0:
        raise ValueError(f"penalty_factor must be {p} non-negative numbers with a positive sum.")
    return X, classes, codes, w / w.sum(), pf * p / pf.sum()


def _glmnet_scales(X, w, standardize, intercept):
    """Centres m (0 without an intercept) and glmnet's s_j (weighted population sd, centred always)."""
    mean = w @ X
    m = mean if intercept else np.zeros(X.shape[1])
    if not standardize:
        return m, np.ones(X.shape[1])
    return m, np.sqrt(w @ (X - mean) ** 2)


def _problem(X, y, *, lambda_, alpha, weights, penalty_factor, standardize, intercept) -> _Problem:
    X, classes, codes, w, v = _check_inputs(X, y, lambda_, alpha, weights, penalty_factor)
    m, s = _glmnet_scales(X, w, standardize, intercept)
    Xc = X - m
    d = np.sqrt(w @ Xc**2)
    d = np.where(d > 0, d, 1.0)
    Y = np.zeros((X.shape[0], len(classes)))
    Y[np.arange(X.shape[0]), codes] = 1.0
    return _Problem(Z=Xc / d, Y=Y, w=w, m=m, d=d, l1=lambda_ * alpha * v * s / d,
                    l2=lambda_ * (1.0 - alpha) * v * s**2 / d**2, intercept=intercept, classes=classes)


def _smooth(P: _Problem, a, C):
    """NLL/W, its gradients in (a, C) and the probabilities (L2 part included)."""
    eta = a + P.Z @ C.T
    lse = special.logsumexp(eta, axis=1)
    f = float(P.w @ (lse - np.sum(P.Y * eta, axis=1))) + 0.5 * float(np.sum(P.l2 * C**2))
    prob = np.exp(eta - lse[:, None])
    G = (prob - P.Y) * P.w[:, None]
    ga = G.sum(axis=0) if P.intercept else np.zeros_like(a)
    return f, ga, G.T @ P.Z + P.l2 * C, prob


def _kkt(P: _Problem, a, C) -> float:
    _, ga, gC, _ = _smooth(P, a, C)
    l1 = np.broadcast_to(P.l1, C.shape)
    r = np.where(C != 0, np.abs(gC + l1 * np.sign(C)), np.maximum(np.abs(gC) - l1, 0.0))
    return float(max(np.max(r), np.max(np.abs(ga))))


def _fista(P: _Problem, a, C, tol, max_iter):
    n1 = np.sqrt(P.w)[:, None] * np.column_stack([np.ones(len(P.w)), P.Z])
    L = 0.5 * np.linalg.norm(n1, 2) ** 2 + float(np.max(P.l2, initial=0.0))
    t, a_y, C_y, a_old, C_old = 1.0, a.copy(), C.copy(), a.copy(), C.copy()
    f_old = np.inf
    for it in range(1, max_iter + 1):
        if it % 50 == 0 and _kkt(P, a_old, C_old) <= tol:
            break
        _, ga, gC, _ = _smooth(P, a_y, C_y)
        a_new = a_y - ga / L
        U = C_y - gC / L
        C_new = np.sign(U) * np.maximum(np.abs(U) - P.l1 / L, 0.0)
        f_new = _smooth(P, a_new, C_new)[0] + float(np.sum(P.l1 * np.abs(C_new)))
        if f_new > f_old:  # adaptive restart (O'Donoghue & Candes)
            t, a_y, C_y = 1.0, a_old.copy(), C_old.copy()
            continue
        t_new = 0.5 * (1.0 + np.sqrt(1.0 + 4.0 * t * t))
        a_y = a_new + (t - 1.0) / t_new * (a_new - a_old)
        C_y = C_new + (t - 1.0) / t_new * (C_new - C_old)
        a_old, C_old, t, f_old = a_new, C_new, t_new, f_new
    return a_old, C_old, it


def _hessian(P: _Problem, prob):
    """Hessian of NLL/W in (a, C) flattened as [a (K), C (K x p) row-major] (no penalty)."""
    n, K = prob.shape
    Zt = np.column_stack([np.ones(n), P.Z])                      # (n, p+1)
    Q = np.einsum("ik,kl->ikl", prob, np.eye(K)) - prob[:, :, None] * prob[:, None, :]
    H = np.einsum("i,ikl,ij,im->kjlm", P.w, Q, Zt, Zt)            # (K, p+1, K, p+1)
    H = H.reshape(K * (Zt.shape[1]), K * (Zt.shape[1]))
    return H


def _active_set_newton(P: _Problem, a, C, tol, max_steps=300):
    """Active-set Newton: Newton on the support with the signs fixed (the objective is smooth in that
    orthant); a step that would cross zero stops there and drops the entry; a zero entry whose
    gradient exceeds its L1 weight joins with the sign that decreases F. Stops at KKT <= tol."""
    K, p = C.shape
    sgn = np.sign(C)
    l1m = np.broadcast_to(P.l1, C.shape)
    l2v = np.column_stack([np.zeros(K), np.broadcast_to(P.l2, C.shape)]).ravel()
    steps = 0
    while steps < max_steps:
        steps += 1
        _, ga, gC, prob = _smooth(P, a, C)
        on = sgn != 0
        g_on = np.where(on, gC + l1m * sgn, 0.0)
        viol = np.where(~on, np.maximum(np.abs(gC) - l1m, 0.0), 0.0)
        inner = max(float(np.max(np.abs(g_on))), float(np.max(np.abs(ga))) if P.intercept else 0.0)
        if max(inner, float(np.max(viol))) <= tol:
            break
        if np.max(viol) > inner:  # the worst violator joins the support
            k, j = np.unravel_index(np.argmax(viol), viol.shape)
            sgn[k, j] = -np.sign(gC[k, j])
            continue
        free = np.column_stack([np.full(K, P.intercept), on]).ravel()
        g = np.column_stack([ga, g_on]).ravel()[free]
        H = (_hessian(P, prob) + np.diag(l2v))[np.ix_(free, free)]
        step = np.zeros(K * (p + 1))
        step[free] = -np.linalg.lstsq(H, g, rcond=1e-14)[0]  # min-norm: the intercept shift is flat
        dA, dC = step.reshape(K, p + 1)[:, 0], step.reshape(K, p + 1)[:, 1:]
        with np.errstate(divide="ignore", invalid="ignore"):
            t_cross = np.where(on & (C * dC < 0), -C / dC, np.inf)
        t_max = min(1.0, float(np.min(t_cross)))

        def value(t, a=a, C=C, dA=dA, dC=dC):
            CC = C + t * dC
            return _smooth(P, a + t * dA, CC)[0] + float(np.sum(l1m * sgn * CC))

        f0, dec, t = value(0.0), float(-g @ step[free]), t_max
        while value(t) > f0 - 0.25 * t * dec + 1e-15 * abs(f0) and t > 1e-12:
            t *= 0.5
        a, C = a + t * dA, C + t * dC
        if t == t_max < 1.0:  # the blocking entry reached zero: it leaves the support
            k, j = np.unravel_index(np.argmin(t_cross), t_cross.shape)
            C[k, j], sgn[k, j] = 0.0, 0.0
        C = np.where(sgn == 0, 0.0, C)
    return a, C, steps


def reference_multinomial_solve(X, y, *, lambda_: float, alpha: float = 1.0, weights=None,
                                penalty_factor=None, standardize: bool = True, intercept: bool = True,
                                tol: float = 1e-12, max_iter: int = 200_000) -> MultinomialReferenceResult:
    r"""Minimise glmnet's penalised multinomial objective (module docstring) to a KKT residual <= ``tol``.

    Parameters
    ----------
    X : array, shape (n, p)
    y : array, shape (n,)
        Class labels (any sortable values; ``K = len(unique(y))``).
    lambda_, alpha : float
        glmnet's :math:`\lambda > 0` and :math:`\alpha \in [0, 1]` (1: lasso, 0: ridge).
    weights, penalty_factor : array or None
        glmnet's ``weights`` (normalised to sum 1) and ``penalty.factor`` (rescaled to sum p;
        0 leaves a column unpenalised).
    standardize, intercept : bool
        As glmnet's arguments of the same names.
    tol : float
        Target KKT residual (:func:`multinomial_kkt_residual`).
    """
    P = _problem(X, y, lambda_=lambda_, alpha=alpha, weights=weights, penalty_factor=penalty_factor,
                 standardize=standardize, intercept=intercept)
    K, p = P.Y.shape[1], P.Z.shape[1]
    a = np.log(np.maximum(P.w @ P.Y, 1e-300)) if intercept else np.zeros(K)
    a, C = a - a.mean(), np.zeros((K, p))
    a, C, n_iter = _fista(P, a, C, 1e-6, max_iter)
    for _ in range(5):
        a2, C2, steps = _active_set_newton(P, a, C, tol)
        n_iter += steps
        if _kkt(P, a2, C2) <= _kkt(P, a, C):
            a, C = a2, C2
        if _kkt(P, a, C) <= tol:
            break
        a, C, it = _fista(P, a, C, tol, 2000)  # (not reached on the tests' problems)
        n_iter += it
    return _result(P, a, C, n_iter, tol)


def _result(P: _Problem, a, C, n_iter, tol) -> MultinomialReferenceResult:
    free = (P.l1 == 0) & (P.l2 == 0)          # unpenalised columns: centred, as glmnet reports them
    C = np.where(free, C - C.mean(axis=0), C)
    B = C / P.d
    b0 = a - B @ P.m
    b0 = b0 - b0.mean() if P.intercept else np.zeros_like(b0)
    kkt = _kkt(P, a, C)
    obj = _smooth(P, a, C)[0] + float(np.sum(P.l1 * np.abs(C)))
    return MultinomialReferenceResult(coef=B, intercept=b0, classes=P.classes, objective=obj,
                                      kkt_residual=kkt, n_iter=n_iter, converged=kkt <= tol)


def _to_internal(P: _Problem, coef, intercept):
    B = np.asarray(coef, dtype=float)
    C = B * P.d
    a = np.asarray(intercept, dtype=float) + B @ P.m if P.intercept else np.zeros(B.shape[0])
    return a, C


def multinomial_kkt_residual(X, y, coef, intercept, *, lambda_: float, alpha: float = 1.0, weights=None,
                             penalty_factor=None, standardize: bool = True, intercept_fitted: bool = True) -> float:
    r"""The KKT residual of ``(coef, intercept)`` for the objective of the module docstring.

    In the scaled coordinates :math:`c_{kj} = d_j B_{kj}` (:math:`d_j` the weighted rms of the
    centred column; the objective is unchanged) with smooth part :math:`f` (NLL/W plus the L2
    part) and L1 weights :math:`\ell_j`, the residual is the largest of
    :math:`|\partial f/\partial c_{kj} + \ell_j\,\mathrm{sign}(c_{kj})|` (:math:`c_{kj} \ne 0`),
    :math:`\max(|\partial f/\partial c_{kj}| - \ell_j, 0)` (:math:`c_{kj} = 0`) and
    :math:`|\partial f/\partial b_{0,k}|` (with an intercept). It is 0 exactly at the optimum;
    the set of optima is a line in :math:`b_0` (its sum), which the residual does not see.
    """
    P = _problem(X, y, lambda_=lambda_, alpha=alpha, weights=weights, penalty_factor=penalty_factor,
                 standardize=standardize, intercept=intercept_fitted)
    a, C = _to_internal(P, coef, intercept)
    return _kkt(P, a, C)


def glmnet_multinomial_objective(X, y, coef, intercept, *, lambda_: float, alpha: float = 1.0, weights=None,
                                 penalty_factor=None, standardize: bool = True, intercept_fitted: bool = True) -> float:
    r""":math:`F(B, b_0)` of the module docstring at ``coef`` (K, p) and ``intercept`` (K,)."""
    P = _problem(X, y, lambda_=lambda_, alpha=alpha, weights=weights, penalty_factor=penalty_factor,
                 standardize=standardize, intercept=intercept_fitted)
    a, C = _to_internal(P, coef, intercept)
    return _smooth(P, a, C)[0] + float(np.sum(P.l1 * np.abs(C)))
